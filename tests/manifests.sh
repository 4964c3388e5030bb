#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# manifests.sh - the ecosystem manifests (PlatformIO library.json, Arduino
# arduino/library.properties, ESP-IDF idf_component.yml + cmake/esp-idf.cmake,
# Zephyr zephyr/) name the reader alone: every source file or folder they name
# exists, their source selection matches exactly src/common/*.c and
# src/reader/*.c (never src/packer, tools or tests), each declares zstd as a
# dependency, and each version is include/tome.h's.  The SDKs are not needed:
# PlatformIO's filter is evaluated here (python3), ESP-IDF's and Zephyr's
# CMake runs with stand-ins for their functions (skipped without cmake), and
# the assembled Arduino library is compiled with the host's cc.
# Run from anywhere; ends with "N passed, M failed".
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
check() { # check NAME COMMAND...
    name=$1
    shift
    if "$@"; then pass; else fail "$name"; fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/tome-manifests.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

version=$(sed -n 's/^#define TOME_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' include/tome.h | paste -sd.)
# The reader's sources, the only ones a manifest may select.
ls src/common/*.c src/reader/*.c | sort >"$T/reader"
[ -s "$T/reader" ] || fail "no reader sources"

# same_sources NAME LIST: LIST (repository-relative paths, one a line) is
# exactly the reader's sources.
same_sources() {
    sort -u "$2" >"$2.sorted"
    if cmp -s "$T/reader" "$2.sorted"; then
        pass
    else
        fail "$1 selects other sources than src/common/*.c src/reader/*.c:"
        diff "$T/reader" "$2.sorted" | sed -n '/^[<>]/s/^/    /p'
    fi
    if grep -Eq '^(src/packer|tools|tests)/' "$2"; then
        fail "$1 selects packer, tool or test files"
    else
        pass
    fi
}

# ---- PlatformIO: library.json ------------------------------------------------

python=${PYTHON:-/usr/bin/python3}
if [ -x "$python" ]; then
    "$python" - "$version" "$T/pio" <<'PY' >"$T/pio.log" 2>&1
import glob, json, os, sys
version, out = sys.argv[1], sys.argv[2]
bad = []
m = json.load(open("library.json"))
if m.get("version") != version:
    bad.append("version %r, include/tome.h says %s" % (m.get("version"), version))
if m.get("license") != "BSD-2-Clause":
    bad.append("license %r" % m.get("license"))
deps = m.get("dependencies", [])
names = [d.get("name") for d in deps] if isinstance(deps, list) else list(deps)
if "zstd" not in names:
    bad.append("zstd is not among the dependencies %r" % names)
b = m.get("build", {})
src_dir = b.get("srcDir", "src")
inc_dir = b.get("includeDir", "include")
for d in (src_dir, inc_dir):
    if not os.path.isdir(d):
        bad.append("no folder %s" % d)
if not os.path.isfile(os.path.join(inc_dir, m.get("headers", "tome.h"))):
    bad.append("header %s not in %s" % (m.get("headers"), inc_dir))
flags = b.get("flags", [])
flags = flags.split() if isinstance(flags, str) else " ".join(flags).split()
i = 0
while i < len(flags):
    f = flags[i]
    if f == "-I" and i + 1 < len(flags):
        f, i = "-I" + flags[i + 1], i + 1
    if f.startswith("-I") and not os.path.isdir(f[2:]):
        bad.append("flag %s names no folder" % f)
    i += 1
# The filter as PlatformIO applies it: patterns in order, relative to srcDir;
# a folder matched stands for every file under it.
filt = b.get("srcFilter", "+<*> -<.git/> -<.svn/>")
if isinstance(filt, list):
    filt = " ".join(filt)
import re
chosen = set()
for sign, pat in re.findall(r"([+-])<([^>]*)>", filt):
    hits = set()
    for p in glob.glob(os.path.join(src_dir, pat), recursive=True):
        if os.path.isdir(p):
            for top, _, files in os.walk(p):
                hits.update(os.path.join(top, x) for x in files)
        else:
            hits.add(p)
    hits = {os.path.normpath(h) for h in hits}
    chosen = chosen | hits if sign == "+" else chosen - hits
exts = (".c", ".cc", ".cpp", ".cxx", ".s", ".S", ".asm")
with open(out, "w") as o:
    for p in sorted(chosen):
        if p.endswith(exts):
            o.write(p + "\n")
for e in m.get("export", {}).get("include", []):
    if not os.path.exists(e):
        bad.append("export names %s, which does not exist" % e)
    if e.startswith(("src/packer", "tools", "tests")) or e in ("src", "include/tome_pack.h"):
        bad.append("export names %s (not the reader)" % e)
for x in bad:
    print(x)
sys.exit(1 if bad else 0)
PY
    if [ $? -eq 0 ]; then pass; else fail "library.json:" && sed 's/^/    /' "$T/pio.log"; fi
    same_sources "library.json build.srcFilter" "$T/pio"
else
    fail "$python missing (Debian: python3), needed to read library.json"
fi

# ---- Arduino: arduino/library.properties + make-library.sh -------------------

props=arduino/library.properties
field() { sed -n "s/^$1=//p" "$props"; }
for f in name version author maintainer sentence paragraph category url architectures; do
    check "$props: no $f=" test -n "$(field $f)"
done
check "$props: version $(field version), include/tome.h says $version" \
    test "$(field version)" = "$version"
check "$props: depends= does not name zstd" sh -c "sed -n 's/^depends=//p' $props | tr ', ' '\n\n' | grep -qx zstd"
check "$props: includes= is not tome.h" test "$(field includes)" = tome.h
check "Arduino metadata not at the repository root (Arduino would compile src/packer)" \
    test ! -e library.properties
if sh arduino/make-library.sh "$T/arduino" >/dev/null 2>"$T/arduino.log"; then
    pass
    lib=$T/arduino/tome
    # Arduino compiles every source under src/: name each as its origin.
    (cd "$lib/src" && ls) | while read -r f; do
        for d in src/common src/reader include; do
            [ -f "$d/$f" ] && echo "$d/$f"
        done
    done >"$T/arduino.origin"
    find "$lib/src" -name '*.c' | sed 's|.*/||' | while read -r f; do
        grep "/$f\$" "$T/arduino.origin"
    done >"$T/arduino.sources"
    same_sources "the Arduino library" "$T/arduino.sources"
    # and the folding table, generated: what a fresh generation writes
    if [ -x "$python" ] && "$python" tools/gen_fold.py -o "$T/fold_table.h" >/dev/null; then
        check "the Arduino library's fold_table.h is not tools/gen_fold.py's" \
            cmp -s "$lib/src/fold_table.h" "$T/fold_table.h"
    else
        fail "tools/gen_fold.py (Debian: unicode-data)"
    fi
    check "the Arduino library holds only files of src/common, src/reader, include/tome.h and fold_table.h" \
        test "$(ls "$lib/src" | grep -vx fold_table.h | wc -l)" -eq "$(wc -l <"$T/arduino.origin")"
    check "the Arduino library has library.properties" test -f "$lib/library.properties"
    # Flat in src/ (all Arduino puts on the include path), it still compiles.
    if printf '#include <zstd.h>\n#include <xxhash.h>\n' | ${CC:-cc} -E -x c - >/dev/null 2>&1; then
        ok=1
        for c in "$lib"/src/*.c; do
            ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$lib/src" "$c" \
                2>>"$T/arduino.log" || ok=0
        done
        if [ $ok -eq 1 ]; then pass; else fail "the Arduino library does not compile flat" &&
            sed -n '1,20s/^/    /p' "$T/arduino.log"; fi
    else
        skipped=$((skipped + 1))
        echo "skip: no zstd.h/xxhash.h on the host to compile the Arduino library"
    fi
else
    fail "arduino/make-library.sh"
    sed 's/^/    /' "$T/arduino.log"
fi

# ---- ESP-IDF: idf_component.yml + cmake/esp-idf.cmake -------------------------

yml=idf_component.yml
check "$yml: version $(sed -n 's/^version: *//p' $yml | tr -d '"'), include/tome.h says $version" \
    test "$(sed -n 's/^version: *//p' $yml | tr -d '"')" = "$version"
check "$yml: no dependencies: section" grep -q '^dependencies:' $yml
# files.include: each pattern's fixed part exists, and none is the packer's.
sed -n '/^files:/,/^[a-z]/s/^ *- *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' $yml >"$T/idf.files"
check "$yml: files.include names nothing" test -s "$T/idf.files"
while read -r p; do
    fixed=${p%%\**}
    fixed=${fixed%/}
    check "$yml names $p, which does not exist" test -e "$fixed"
    case $fixed in
    tools/gen_fold.py) ;; # the folding table's generator, run by the build
    src/packer* | tools* | tests* | src | include/tome_pack.h) fail "$yml names $p (not the reader)" ;;
    esac
done <"$T/idf.files"

if command -v cmake >/dev/null; then
    # ESP-IDF reads the top CMakeLists.txt with ESP_PLATFORM set; a stand-in
    # idf_component_register records what it is given.
    cat >"$T/idf.cmake" <<EOC
function(idf_component_register)
  cmake_parse_arguments(A "" "" "SRCS;INCLUDE_DIRS;PRIV_INCLUDE_DIRS;REQUIRES;PRIV_REQUIRES" \${ARGN})
  file(WRITE "$T/idf.srcs" "")
  foreach(s \${A_SRCS})
    file(RELATIVE_PATH r "$(pwd)" "\${s}")
    file(APPEND "$T/idf.srcs" "\${r}\n")
  endforeach()
  string(REPLACE ";" "\n" d "\${A_INCLUDE_DIRS};\${A_PRIV_INCLUDE_DIRS}")
  file(WRITE "$T/idf.dirs" "\${d}\n")
  string(REPLACE ";" "\n" r "\${A_REQUIRES};\${A_PRIV_REQUIRES}")
  file(WRITE "$T/idf.requires" "\${r}\n")
endfunction()
set(ESP_PLATFORM 1)
include("$(pwd)/CMakeLists.txt")
EOC
    if cmake -P "$T/idf.cmake" >"$T/idf.log" 2>&1 && [ -f "$T/idf.srcs" ]; then
        pass
        same_sources "the ESP-IDF component" "$T/idf.srcs"
        check "the ESP-IDF component does not require zstd" grep -qx zstd "$T/idf.requires"
        while read -r d; do
            [ -n "$d" ] && check "the ESP-IDF component names folder $d, which does not exist" test -d "$d"
        done <"$T/idf.dirs"
    else
        fail "ESP-IDF: the top CMakeLists.txt under ESP_PLATFORM"
        sed -n '1,20s/^/    /p' "$T/idf.log"
    fi
else
    skipped=$((skipped + 1))
    echo "skip: no cmake to run the ESP-IDF component's CMake"
fi

# ---- Zephyr: zephyr/module.yml, Kconfig, CMakeLists.txt ----------------------

mod=zephyr/module.yml
zcmake=$(sed -n 's/^ *cmake: *//p' $mod)
zkconfig=$(sed -n 's/^ *kconfig: *//p' $mod)
check "$mod: build.cmake ($zcmake) has no CMakeLists.txt" test -f "$zcmake/CMakeLists.txt"
check "$mod: build.kconfig ($zkconfig) does not exist" test -f "$zkconfig"
check "$zkconfig: no 'config TOME'" grep -q '^config TOME$' "$zkconfig"
check "$zkconfig: no zstd library setting" grep -q '^config TOME_ZSTD_LIBRARY$' "$zkconfig"
check "$zcmake/CMakeLists.txt is not gated by CONFIG_TOME" grep -q '^if(CONFIG_TOME)' "$zcmake/CMakeLists.txt"
if command -v cmake >/dev/null; then
    # Zephyr adds the module's folder with add_subdirectory(); stand-ins for
    # its zephyr_library_* functions record the sources and libraries.
    for enabled in y n; do
        mkdir -p "$T/zephyr-$enabled"
        zdefault=$(sed -n '/^config TOME_ZSTD_LIBRARY$/,/^$/s/^[[:space:]]*default "\(.*\)"/\1/p' "$zkconfig")
        cat >"$T/zephyr-$enabled/CMakeLists.txt" <<EOC
cmake_minimum_required(VERSION 3.13)
project(zephyr_stand_in NONE)
file(WRITE "$T/zephyr-$enabled.srcs" "")
file(WRITE "$T/zephyr-$enabled.libs" "")
function(zephyr_library_named)
endfunction()
function(zephyr_library_sources)
  foreach(s \${ARGN})
    file(RELATIVE_PATH r "$(pwd)" "\${s}")
    file(APPEND "$T/zephyr-$enabled.srcs" "\${r}\n")
  endforeach()
endfunction()
function(zephyr_include_directories)
  foreach(d \${ARGN})
    if(NOT IS_DIRECTORY "\${d}")
      message(FATAL_ERROR "no folder \${d}")
    endif()
  endforeach()
endfunction()
function(zephyr_library_include_directories)
  zephyr_include_directories(\${ARGN})
endfunction()
function(zephyr_library_link_libraries)
  foreach(l \${ARGN})
    file(APPEND "$T/zephyr-$enabled.libs" "\${l}\n")
  endforeach()
endfunction()
if("$enabled" STREQUAL "y")
  set(CONFIG_TOME y)
  set(CONFIG_TOME_ZSTD_LIBRARY "$zdefault")
endif()
add_subdirectory("$(pwd)/$zcmake" tome)
EOC
        if cmake -S "$T/zephyr-$enabled" -B "$T/zephyr-$enabled/b" >"$T/zephyr.log" 2>&1; then
            pass
        else
            fail "Zephyr: $zcmake/CMakeLists.txt with CONFIG_TOME=$enabled"
            sed -n '1,20s/^/    /p' "$T/zephyr.log"
        fi
    done
    if [ -f "$T/zephyr-y.srcs" ]; then
        same_sources "the Zephyr library" "$T/zephyr-y.srcs"
        check "the Zephyr library does not link zstd (CONFIG_TOME_ZSTD_LIBRARY default)" \
            grep -qx zstd "$T/zephyr-y.libs"
    fi
    check "the Zephyr module builds sources with CONFIG_TOME unset" \
        test ! -s "$T/zephyr-n.srcs"
else
    skipped=$((skipped + 1))
    echo "skip: no cmake to run the Zephyr module's CMake"
fi

[ "$skipped" -eq 0 ] || echo "($skipped checks skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
