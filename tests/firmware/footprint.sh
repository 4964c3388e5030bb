#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# footprint.sh FW SIZE VARIANT... - the tables of `make footprint`, from
# each variant's FW/VARIANT/check.elf, its link map and its emulated run.
#
#   text/data/bss   size(1) of the reader alone (src/common/*.c and
#                   src/reader/*.c, with the xxHash src/common/hash.c
#                   compiles in: every function of the objects), of zstd's
#                   decoder (src/port/tome_zstd.c), and of the
#                   whole firmware as linked, without the embedded test
#                   archives (.archives) and the test's scratch memory
#                   (.arena), which size(1) -A lists apart
#   linked text     the whole firmware's text split by origin, from the map
#   workspace       what tome_workspace_size() asked for, per archive and
#                   I/O mode (the run's '#' lines)
#   stack           the peak stack of tome_fetch(), of one search
#                   (tome_search_start() and tome_search_next() to the
#                   end; the cursor is the caller's, not on the stack) and
#                   of tome_verify(), measured on the emulated board by
#                   painting the stack
#   search text     what text search adds to the reader: the linked text
#                   of the reader's files named *search* or *fold* (the
#                   search calls and the folding table), from the map
#
#   example         the example firmware (FW/example/example.elf, find and
#                   fetch through the read callback, minimal zstd): its
#                   linked text by origin, as the reader budget counts it
#   per feature     the reader's linked text of tests/firmware/features.c
#                   (FW/features/F.map, FEATURES in the environment): open,
#                   find and fetch alone ("core"), then core plus the calls of
#                   one feature, with what it adds and in which files
#
# Then the budgets of the issue, on the Cortex-M4 rows, marked ok or OVER;
# with STRICT=1 in the environment an exceeded budget makes it exit 1.
fw=$1
size=$2
shift 2
variants=$*
over=0

# "text data bss" of some objects, summed
objects_size() {
    # shellcheck disable=SC2086 # a list of object files
    "$size" -t $1 | tail -n 1 | awk '{print $1, $2, $3}'
}

# "text data bss" of a linked image, as size(1) counts them, leaving out
# the sections the test adds
image_size() {
    "$size" -A "$1" | awk '
        $1 == ".vectors" || $1 == ".text" || $1 == ".ARM.exidx" { t += $2 }
        $1 == ".data" { d += $2 }
        $1 == ".bss" { b += $2 }
        END { print t + 0, d + 0, b + 0 }'
}

section_size() {
    "$size" -A "$1" | awk -v s="$2" '$1 == s { print $2 }'
}

# "reader zstd program libs" bytes of flash in a link map: every input
# section placed in .vectors, .text or .ARM.exidx, by the file it came from
linked_by_origin() {
    awk '
        function hex(s,   i, n) {
            n = 0; s = tolower(substr(s, 3))
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return n
        }
        function add(file, bytes) {
            if (out != ".vectors" && out != ".text" && out != ".ARM.exidx") return
            if (file ~ /\/obj\/(tome\/)?src\/(common|reader)\//) part["reader"] += bytes
            else if (file ~ /\/obj\/(tome\/)?src\/port\//) part["zstd"] += bytes
            else if (file ~ /\/obj\//) part["program"] += bytes
            else part["libs"] += bytes   # libc, libgcc, alignment fill
        }
        /^Linker script and memory map/ { on = 1 }
        !on { next }
        /^[.A-Za-z]/ { out = $1; pending = 0; next }
        /^ [.*A-Za-z]/ {
            if (NF == 1) { pending = 1; next }
            if (NF >= 4 && $3 ~ /^0x/) add($4, hex($3))
            else if ($1 == "*fill*" && NF >= 3) add("fill", hex($3))
            pending = 0; next
        }
        pending && /^ +0x/ { if (NF >= 3) add($3, hex($2)); pending = 0 }
        END { print part["reader"] + 0, part["zstd"] + 0, part["program"] + 0, part["libs"] + 0 }' "$1"
}

# "bytes files" of flash in a link map from the reader's files whose name
# holds "search" or "fold" (src/common/fold.c, the reader's search file)
search_text() {
    awk '
        function hex(s,   i, n) {
            n = 0; s = tolower(substr(s, 3))
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return n
        }
        function add(file, bytes,   base) {
            if (out != ".text") return
            if (file !~ /\/obj\/(tome\/)?src\/(common|reader)\//) return
            base = file; sub(/.*\//, "", base)
            if (base !~ /(search|fold)/) return
            total += bytes; if (!(base in seen)) { seen[base] = 1; names = names (names ? "," : "") base }
        }
        /^Linker script and memory map/ { on = 1 }
        !on { next }
        /^[.A-Za-z]/ { out = $1; pending = 0; next }
        /^ [.*A-Za-z]/ {
            if (NF == 1) { pending = 1; next }
            if (NF >= 4 && $3 ~ /^0x/) add($4, hex($3))
            pending = 0; next
        }
        pending && /^ +0x/ { if (NF >= 3) add($3, hex($2)); pending = 0 }
        END { print total + 0, (names ? names : "none") }' "$1"
}

# a value from a run's measurement lines, e.g.
#   run_value OUT workspace seeds.tome memory         -> 39680
#   run_value OUT stack seeds.tome memory fetch       -> 720
run_value() {
    awk -v what="$2" -v archive="$3" -v mode="$4" -v key="$5" '
        $1 == "#" && $2 == what && $3 == archive && $4 == mode {
            if (key == "") { print $5; exit }
            for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) { print kv[2]; exit } }
        }' "$1"
}

# the deepest peak of a call (fetch, verify) over every mode, for one
# archive or (no third argument) for all
stack_peak() {
    awk -v key="$2" -v archive="${3:-}" '
        $1 == "#" && $2 == "stack" && (archive == "" || $3 == archive) {
            for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key && kv[2] + 0 > m) m = kv[2] + 0 }
        }
        END { print m + 0 }' "$1"
}

row() {
    printf '%-11s %-30s %7s %6s %8s\n' "$@"
}

echo "Flash and RAM, bytes, -Os, Thumb (text includes read-only data)"
echo
row variant part text data bss
row ------- ---- ---- ---- ---
for v in $variants; do
    dir=$fw/$v
    # shellcheck disable=SC2046 # three numbers
    set -- $(objects_size "$(find "$dir/obj/src/common" "$dir/obj/src/reader" -name '*.o' | sort)")
    row "$v" "reader alone (objects)" "$1" "$2" "$3"
    eval "reader_$(echo "$v" | tr - _)=$1"
    # shellcheck disable=SC2046
    set -- $(objects_size "$dir/obj/src/port/tome_zstd.o")
    row "$v" "zstd decoder (object)" "$1" "$2" "$3"
    # shellcheck disable=SC2046
    set -- $(image_size "$dir/check.elf")
    row "$v" "whole firmware (linked)" "$1" "$2" "$3"
    eval "firmware_$(echo "$v" | tr - _)=$1"
    row "" "  not counted: test archives" "$(section_size "$dir/check.elf" .archives)" "" ""
    row "" "  not counted: test arena" "" "" "$(section_size "$dir/check.elf" .arena)"
done

echo
echo "Whole firmware's text by origin (linked, after --gc-sections)"
echo
printf '%-11s %8s %8s %13s %12s\n' variant reader zstd "test program" "libc+libgcc"
for v in $variants; do
    # shellcheck disable=SC2046
    set -- $(linked_by_origin "$fw/$v/check.map")
    printf '%-11s %8s %8s %13s %12s\n' "$v" "$1" "$2" "$3" "$4"
done
echo "(the parts add up to a little more than the image: the linker merges"
echo "identical strings after the map lists them)"

echo
echo "What text search adds to the reader (linked text of its search and folding"
echo "files; a firmware that never calls tome_search_start() links none of it)"
echo
printf '%-11s %8s  %s\n' variant bytes files
for v in $variants; do
    # shellcheck disable=SC2046
    set -- $(search_text "$fw/$v/check.map")
    printf '%-11s %8s  %s\n' "$v" "$1" "$2"
    eval "search_$(echo "$v" | tr - _)=$1"
done

example=$fw/example/example.elf
if [ -f "$example" ]; then
    echo
    echo "Example firmware (tests/firmware/example: tome_open, tome_find and"
    echo "tome_fetch through the read callback; minimal zstd; Cortex-M4), linked;"
    echo "its .bss is the static workspace (TOME_WORKSPACE_BOUND) and the article buffer"
    echo
    printf '%-11s %8s %8s %13s %12s\n' "" reader zstd "program" "libc+libgcc"
    # shellcheck disable=SC2046
    set -- $(linked_by_origin "$fw/example/example.map")
    example_reader=$1
    printf '%-11s %8s %8s %13s %12s\n' example "$1" "$2" "$3" "$4"
    # shellcheck disable=SC2046
    set -- $(image_size "$example")
    example_firmware=$1
    row example "whole firmware (linked)" "$1" "$2" "$3"
    row "" "  not counted: the archive" "$(section_size "$example" .archives)" "" ""
fi

# "file=bytes ..." of the reader's linked text in a link map, by object
reader_files() {
    awk '
        function hex(s,   i, n) {
            n = 0; s = tolower(substr(s, 3))
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return n
        }
        function add(file, bytes,   base) {
            if (out != ".text") return
            if (file !~ /\/obj\/(tome\/)?src\/(common|reader)\//) return
            base = file; sub(/.*\//, "", base); sub(/\.o$/, "", base)
            part[base] += bytes
        }
        /^Linker script and memory map/ { on = 1 }
        !on { next }
        /^[.A-Za-z]/ { out = $1; pending = 0; next }
        /^ [.*A-Za-z]/ {
            if (NF == 1) { pending = 1; next }
            if (NF >= 4 && $3 ~ /^0x/) add($4, hex($3))
            pending = 0; next
        }
        pending && /^ +0x/ { if (NF >= 3) add($3, hex($2)); pending = 0 }
        END { for (f in part) printf "%s=%d ", f, part[f]; print "" }' "$1"
}

if [ -n "${FEATURES:-}" ] && [ -f "$fw/features/core.map" ]; then
    echo
    echo "Reader text per feature (tests/firmware/features.c linked against the"
    echo "example's objects: Cortex-M4, minimal zstd, --gc-sections).  core is"
    echo "tome_open + tome_find + tome_fetch; each other row is core plus that"
    echo "feature's calls, and what they add, by file"
    echo
    core_files=$(reader_files "$fw/features/core.map")
    # shellcheck disable=SC2046
    set -- $(linked_by_origin "$fw/features/core.map")
    core=$1
    printf '%-8s %7s %7s  %s\n' feature reader added "added by file"
    for f in $FEATURES; do
        [ -f "$fw/features/$f.map" ] || continue
        # shellcheck disable=SC2046
        set -- $(linked_by_origin "$fw/features/$f.map")
        files=$(reader_files "$fw/features/$f.map")
        by=$(printf '%s\n%s\n' "$core_files" "$files" | awk '
            NR == 1 { for (i = 1; i <= NF; i++) { split($i, kv, "="); c[kv[1]] = kv[2] } next }
            { for (i = 1; i <= NF; i++) { split($i, kv, "="); d = kv[2] - c[kv[1]]
                if (d != 0) out = out sprintf("%s%s %+d", out ? ", " : "", kv[1], d) } }
            END { print out }')
        if [ "$f" = core ]; then by="(the example's calls)"; fi
        printf '%-8s %7s %7s  %s\n' "$f" "$1" "+$(($1 - core))" "$by"
    done
fi

echo
echo "Workspace (tome_workspace_size) and peak stack (deepest over the I/O modes),"
echo "bytes, measured on the emulated board"
echo
printf '%-11s %-10s %9s %9s %14s %7s %7s %7s\n' variant archive memory callback no-dict-tables \
    fetch search verify
for v in $variants; do
    out=$fw/$v/run.out
    for a in seeds.tome generated.tome; do
        printf '%-11s %-10s %9s %9s %14s %7s %7s %7s\n' "$v" "${a%.tome}" \
            "$(run_value "$out" workspace "$a" memory)" \
            "$(run_value "$out" workspace "$a" callback)" \
            "$(run_value "$out" workspace "$a" memory-no-dict-tables)" \
            "$(stack_peak "$out" fetch "$a")" "$(stack_peak "$out" search "$a")" \
            "$(stack_peak "$out" verify "$a")"
    done
done

echo
echo "zstd's part of each workspace: its decompression context, and the tables"
echo "it prepares from a dictionary referenced in place (any dictionary size)"
echo
printf '%-11s %-8s %9s %14s\n' variant zstd dctx ddict-tables
for v in $variants; do
    awk -v v="$v" '$1 == "#" && $2 == "zstd" {
        split($4, a, "="); split($5, b, "=")
        version = int($3 / 10000) "." int($3 / 100) % 100 "." $3 % 100
        printf "%-11s %-8s %9s %14s\n", v, version, a[2], b[2]; exit }' "$fw/$v/run.out"
done

# ---- the issue's budgets -------------------------------------------------------
budget() { # what value limit
    if [ -n "$2" ] && [ "$2" -le "$3" ]; then
        printf '  ok    %-54s %6s <= %s\n' "$1" "$2" "$3"
    else
        printf '  OVER  %-54s %6s >  %s\n' "$1" "${2:-?}" "$3"
        over=1
    fi
}
echo
echo "Budgets (Cortex-M4, -Os)"
echo
for v in $variants; do
    case $v in m4-*) ;; *) continue ;; esac
    eval "r=\${reader_$(echo "$v" | tr - _)}"
    budget "reader alone, text ($v)" "$r" 8192
done
case " $variants " in
*" m4-minimal "*)
    budget "whole firmware with minimal zstd, text (m4-minimal)" "$firmware_m4_minimal" 32768
    out=$fw/m4-minimal/run.out
    budget "seeds workspace, memory mode (m4-minimal)" \
        "$(run_value "$out" workspace seeds.tome memory)" 65536
    budget "seeds workspace, callback mode (m4-minimal)" \
        "$(run_value "$out" workspace seeds.tome callback)" 65536
    ;;
esac
if [ -f "$example" ]; then
    budget "example: reader text, linked (find + fetch)" "$example_reader" 4096
    budget "example: whole firmware text" "$example_firmware" 24576
fi
for v in $variants; do
    case $v in m4-*) ;; *) continue ;; esac
    budget "peak stack of tome_fetch ($v)" "$(stack_peak "$fw/$v/run.out" fetch)" 4096
    budget "peak stack of one search ($v)" "$(stack_peak "$fw/$v/run.out" search)" 4096
    budget "peak stack of tome_verify ($v)" "$(stack_peak "$fw/$v/run.out" verify)" 4096
done
[ "${STRICT:-0}" = 1 ] && exit "$over"
exit 0
