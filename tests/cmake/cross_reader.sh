#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# cross_reader.sh [BUILD_DIR [CMAKE]] - the reader as a Cortex-M4 static
# library, built by CMake with cmake/arm-none-eabi.cmake and no host header:
# zstd.h, zstd_errors.h and xxhash.h are copied into BUILD_DIR/device-include
# (the host's copies, found through the host compiler), and only that folder
# is given.  Checks that every object of libtome_reader.a is 32-bit Arm code
# and imports nothing but zstd's decoder and memcpy/memcmp/memset/memmove.
# Run from the repository root; needs gcc-arm-none-eabi and
# libnewlib-arm-none-eabi (Debian).  Ends with "N passed, M failed".
build=${1:-bm4}
cmake=${2:-cmake}
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

for tool in arm-none-eabi-gcc arm-none-eabi-objdump arm-none-eabi-nm; do
    if ! command -v $tool >/dev/null; then
        fail "$tool missing: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
        finish
    fi
done

# The headers alone, copied from wherever the host compiler finds them.
inc=$build/device-include
mkdir -p "$inc"
for h in zstd.h zstd_errors.h xxhash.h; do
    path=$(printf '#include <%s>\n' "$h" | ${CC:-cc} -M -x c - 2>/dev/null |
        tr ' \\' '\n\n' | grep "/$h\$" | head -n 1)
    if [ -n "$path" ] && cp "$path" "$inc/$h"; then
        pass
    else
        fail "no $h on the host to copy (apt-get install libzstd-dev libxxhash-dev)"
    fi
done
[ "$failed" -eq 0 ] || finish
inc=$(cd "$inc" && pwd)

if "$cmake" -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
    -DTOME_ZSTD_INCLUDE_DIR="$inc" -DTOME_XXHASH_INCLUDE_DIR="$inc" \
    >"$build/configure.log" 2>&1; then
    pass
else
    fail "configure (see $build/configure.log)"
    tail -n 20 "$build/configure.log"
    finish
fi
if "$cmake" --build "$build" --target tome_reader -j 2 >"$build/build.log" 2>&1; then
    pass
else
    fail "build (see $build/build.log)"
    tail -n 30 "$build/build.log"
    finish
fi

lib=$build/libtome_reader.a
# A device build builds no host part.
for host in libtome.a tome; do
    if [ -e "$build/$host" ]; then fail "host $host built in a device build"; else pass; fi
done

# Every object: ELF32 Arm, one per source of src/common/ and src/reader/
objects=$(arm-none-eabi-ar t "$lib")
count=$(echo "$objects" | grep -Ec '\.(o|obj)$')
if [ "$count" -eq "$(ls src/common/*.c src/reader/*.c | wc -l)" ]; then
    pass
else
    fail "$count objects in $lib"
fi
arm-none-eabi-objdump -f "$lib" >"$build/objdump.txt" 2>&1
n_arm=$(grep -c 'file format elf32-littlearm' "$build/objdump.txt")
n_arch=$(grep -c '^architecture: arm' "$build/objdump.txt")
if [ "$n_arm" -eq "$count" ] && [ "$n_arch" -eq "$count" ]; then
    pass
else
    fail "not all objects are elf32-littlearm/arm: $n_arm, $n_arch of $count"
fi

# Imports: zstd's decoder and the four mem* functions, nothing else.
allowed='^(ZSTD_[A-Za-z_]+|tome_[a-z0-9_]+|memcpy|memcmp|memset|memmove)$'
bad=$(arm-none-eabi-nm -u "$lib" | awk 'NF == 2 {print $2}' | sort -u | grep -Ev "$allowed")
if [ -z "$bad" ]; then
    pass
else
    fail "the reader imports: $(echo $bad)"
fi
echo "size:"
arm-none-eabi-size -t "$lib" | tail -n 1
finish
