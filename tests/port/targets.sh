#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# targets.sh OUT ZSTD_LIB XXHASH_DIR DECODER_DIR GEN_DIR - the reader on targets the
# host suite never runs on, as compile checks (`make port-check`):
#
#   msp430, avr   16-bit int and size_t (clang): the reader (src/common,
#                 src/reader) freestanding, -nostdinc with clang's own
#                 headers and tests/port/stub/ for the few C library
#                 declarations it needs; zstd.h and xxhash.h are the real ones
#   riscv32       with picolibc instead of newlib (gcc -march=rv32imac
#                 -mabi=ilp32 --specs=picolibc.specs): the reader, and the
#                 decoder port src/port/tome_zstd.c default and minimal (and
#                 minimal from zstd's lib/ files); then
#                 both linked with a small main, which must not pull in malloc;
#                 and the default decoder against the minimal context bound
#                 must fail to compile (the port's static assertion)
#
# The reader must compile without a warning under -Wall -Wextra -Wconversion
# (-Werror); zstd's and xxHash's own headers are system headers here.
# ZSTD_LIB holds zstd.h, XXHASH_DIR xxhash.h, DECODER_DIR zstddeclib.c,
# GEN_DIR the generated fold_table.h (make's build/gen/).
set -u
out=$1
zstd=$2
xxhash=$3
decoder=$4
gen=$5
warn="-Wall -Wextra -Wconversion -Werror"
reader_src=$(ls src/common/*.c src/reader/*.c)
inc="-Iinclude -Isrc/common -Isrc/reader -I$gen -isystem $zstd -isystem $xxhash"
passed=0
failed=0
mkdir -p "$out"

# check NAME COMMAND...: one compile or link, quiet when it is clean
check() {
    name=$1
    shift
    if "$@" >"$out/$name.log" 2>&1 && [ ! -s "$out/$name.log" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "port $name: FAILED: $*"
        head -n 30 "$out/$name.log"
    fi
}

resource=$(clang -print-resource-dir)
for target in msp430 avr; do
    mkdir -p "$out/$target"
    for f in $reader_src; do
        o=$(basename "$f" .c)
        # shellcheck disable=SC2086 # flag lists
        check "$target-$o" clang --target=$target -std=c99 -pedantic -Os -ffreestanding \
            -nostdinc -isystem "$resource/include" -Itests/port/stub $inc $warn \
            -c "$f" -o "$out/$target/$o.o"
    done
    echo "port $target: reader compiled, 16-bit int and size_t"
done

rv="riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 --specs=picolibc.specs -Os"
rv="$rv -ffunction-sections -fdata-sections"
for build in default minimal; do
    dir=$out/riscv32-$build
    mkdir -p "$dir"
    defs=
    [ "$build" = minimal ] && defs="-DTOME_ZSTD_MINIMAL -DTOME_NO_ERROR_NAMES"
    objs=
    for f in $reader_src; do
        o=$(basename "$f" .c)
        # shellcheck disable=SC2086
        check "riscv32-$build-$o" $rv -std=c99 -pedantic $defs $inc $warn -c "$f" -o "$dir/$o.o"
        objs="$objs $dir/$o.o"
    done
    # zstd's code is not held to -Wconversion, the glue is: -Wall -Wextra
    # shellcheck disable=SC2086
    check "riscv32-$build-tome_zstd" $rv -std=c99 $defs $inc -I"$decoder" -Wall -Wextra -Werror \
        -c src/port/tome_zstd.c -o "$dir/tome_zstd.o"
    # shellcheck disable=SC2086
    check "riscv32-$build-main" $rv -std=c99 $defs $inc $warn -c tests/port/main.c -o "$dir/main.o"
    # shellcheck disable=SC2086
    check "riscv32-$build-link" $rv -Wl,--gc-sections $dir/main.o $objs "$dir/tome_zstd.o" \
        -o "$dir/reader.elf"
    if riscv64-unknown-elf-nm "$dir/reader.elf" 2>/dev/null | grep -qE ' (malloc|calloc|realloc|free)$'; then
        failed=$((failed + 1))
        echo "port riscv32-$build: the linked reader pulls in the allocator"
    else
        passed=$((passed + 1))
    fi
    echo "port riscv32-$build: reader and decoder compiled and linked with picolibc," \
        "$(riscv64-unknown-elf-size "$dir/reader.elf" 2>/dev/null | awk 'NR == 2 {print $1}') bytes of text"
done

# The other route into zstd: its lib/ files instead of the single file.
# shellcheck disable=SC2086
check riscv32-lib-sources $rv -std=c99 -DTOME_ZSTD_MINIMAL -DTOME_ZSTD_LIB_SOURCES $inc -I"$zstd" \
    -Wall -Wextra -Werror -c src/port/tome_zstd.c -o "$out/tome_zstd_lib.o"
echo "port riscv32: decoder from zstd's lib/ files (TOME_ZSTD_LIB_SOURCES) compiled"

# A firmware that sizes its workspace for the minimal decoder but builds the
# default one must not compile: tome_zstd.c's static assertion.
# shellcheck disable=SC2086
if $rv -std=c99 $inc -I"$decoder" -DTOME_ZSTD_DCTX_BOUND=TOME_ZSTD_DCTX_BOUND_MINIMAL \
    -c src/port/tome_zstd.c -o "$out/mismatch.o" >"$out/mismatch.log" 2>&1; then
    failed=$((failed + 1))
    echo "port mismatch: the default decoder compiled against the minimal bound"
elif grep -q tome_zstd_dctx_fits_TOME_ZSTD_DCTX_BOUND "$out/mismatch.log"; then
    passed=$((passed + 1))
    echo "port mismatch: the default decoder against the minimal bound is refused at compile time"
else
    failed=$((failed + 1))
    echo "port mismatch: failed for another reason:"
    head -n 20 "$out/mismatch.log"
fi

echo "port-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
