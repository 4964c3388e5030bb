#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh BUILD CROSS "ARCH..." "TEST..." - the test suite on other CPUs.
#
# For each ARCH (built by tests/cross/cross.mk into CROSS/ARCH/, static):
#   - every TEST and tests/cli.sh run under qemu-user;
#   - archives packed on this machine (x86-64) read the same there: the
#     cross checker's dump of each (every answer of the reader, in both I/O
#     modes, damaged copies included) and the article bytes are identical;
#   - packing the same inputs there gives byte-identical archives, through
#     the library (cross_check pack) and the tool (tome pack).
# Ends with "N passed, N failed".
build=$1
cross=$2
arches=$3
tests=$4
work=$cross/work
logs=$cross/logs
passed=0
failed=0
rm -rf "$work" "$logs"
mkdir -p "$work/host" "$logs"
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=halt_on_error=1

pass() {
    passed=$((passed + 1))
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}

# qemu for an arch: the qemu-user binary, or its -static twin.
qemu_for() {
    case $1 in
    armhf) name=arm ;;
    *) name=$1 ;;
    esac
    command -v "qemu-$name" || command -v "qemu-$name-static"
}

# A test suite's "N passed, N failed", added to the totals.
suite() {
    name=$1
    shift
    log=$logs/$(echo "$name" | tr '/ ' '__').log
    "$@" >"$log" 2>&1
    status=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$line" ]; then
        p=0
        f=1
    elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    printf '%-34s %s passed, %s failed\n' "$name" "$p" "$f"
    if [ "$f" -ne 0 ]; then
        echo "---- $log (last 20 lines) ----"
        tail -n 20 "$log"
        echo "----"
    fi
}

# same A B WHAT: files A and B are byte-identical.
same() {
    if cmp -s "$1" "$2"; then
        pass
    else
        fail "$3: $1 and $2 differ"
        cmp "$1" "$2" 2>&1 | head -n 1 | sed 's/^/    /'
    fi
}

# The reference: archives packed and dumped here.  The JSON Lines input
# covers the tool's other input path.
host=$work/host
printf '%s\n' '{"id":"k1","text":"caf\u00e9","title":"T"}' '{"id":"k2","text":"line\nbreak"}' \
    '{"id":"Z\u00fcrich","text":"gr\u00fcezi \ud83d\ude00"}' >"$work/input.jsonl"
if ! "$build/cross_check" pack "$host" ||
    ! "$build/tome" pack seeds -o "$host/seeds.tome" -q ||
    ! "$build/tome" pack seeds "$work/input.jsonl" -l 3 -b 1K -j 2 -o "$host/mixed.tome" -q; then
    fail "packing the reference archives on this machine"
fi
for a in "$host"/*.tome; do
    n=$(basename "$a" .tome)
    "$build/cross_check" damage "$a" "$host/$n-damaged.tome" || fail "damaging $n"
done
# How an archive is dumped: damaged ones without what zstd decides (see
# tests/cross/cross_check.c).
dump_kind() {
    case $1 in
    *-damaged) echo dump-damaged ;;
    *) echo dump ;;
    esac
}
for a in "$host"/*.tome; do
    n=$(basename "$a" .tome)
    "$build/cross_check" "$(dump_kind "$n")" "$a" "$host/$n" || fail "dumping $n on this machine"
done

for arch in $arches; do
    bin=$cross/$arch
    qemu=$(qemu_for "$arch")
    if [ -z "$qemu" ]; then
        fail "$arch: no qemu-user for it (make cross-deps)"
        continue
    fi
    for t in $tests; do
        case $t in
        # every 8th case under emulation, as under ASan: the whole run is
        # the host's (a few minutes of qemu otherwise)
        mutation_run) suite "$arch/$t" "$qemu" "$bin/$t" 8 ;;
        *) suite "$arch/$t" "$qemu" "$bin/$t" ;;
        esac
    done
    # tests/cli.sh runs the tool through a wrapper that starts qemu
    wrapper=$(pwd)/$bin/tome-under-qemu
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$qemu" "$(pwd)/$bin/tome" >"$wrapper"
    chmod +x "$wrapper"
    suite "$arch/cli" sh tests/cli.sh "$wrapper"

    out=$work/$arch
    mkdir -p "$out"
    # x86-64 archives read identically
    for a in "$host"/*.tome; do
        n=$(basename "$a" .tome)
        if "$qemu" "$bin/cross_check" "$(dump_kind "$n")" "$a" "$out/$n"; then
            same "$host/$n.txt" "$out/$n.txt" "$arch reads $n.tome: every answer"
            same "$host/$n.bytes" "$out/$n.bytes" "$arch reads $n.tome: article bytes"
        else
            fail "$arch: cross_check dump $n.tome"
        fi
    done
    # and packs identical archives
    mkdir -p "$out/packed"
    if "$qemu" "$bin/cross_check" pack "$out/packed" &&
        "$qemu" "$bin/tome" pack seeds -o "$out/packed/seeds.tome" -q &&
        "$qemu" "$bin/tome" pack seeds "$work/input.jsonl" -l 3 -b 1K -j 2 \
            -o "$out/packed/mixed.tome" -q; then
        for a in "$out"/packed/*.tome; do
            n=$(basename "$a")
            same "$host/$n" "$a" "$arch packs $n byte-identical to x86-64"
        done
    else
        fail "$arch: packing the reference inputs"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
