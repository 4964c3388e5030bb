#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# symbols.sh BUILD - what the library's objects import and export.
#
# The reader (src/common, src/reader) imports no allocator and no stdio:
# only memcpy/memcmp/memset/memmove, its own objects' symbols, and exactly
# the zstd decoder functions listed here (xxHash is compiled in).  Every
# object exports only the public API of include/tome.h and
# include/tome_pack.h, plus internal functions named tome__*: a program
# linking libtome.a can use any other tome_* name itself.
build=$1
passed=0
failed=0

# The zstd functions the reader calls; a new one is a decision, made here.
zstd_used='ZSTD_decompressBegin
ZSTD_decompressBegin_usingDDict
ZSTD_decompressBegin_usingDict
ZSTD_decompressContinue
ZSTD_estimateDCtxSize
ZSTD_estimateDDictSize
ZSTD_initStaticDCtx
ZSTD_initStaticDDict
ZSTD_isError
ZSTD_nextSrcSizeToDecompress'

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    echo "$1"
}

# The functions a header declares (a declaration starts its line).
declared() {
    sed -n 's/^[A-Za-z].*[ *]\(tome_[a-z0-9_]*\)(.*/\1/p' "$1" | sort -u
}

reader_objs=$(ls "$build"/obj/src/common/*.o "$build"/obj/src/reader/*.o 2>/dev/null)
packer_objs=$(ls "$build"/obj/src/packer/*.o 2>/dev/null)
tmp=${TMPDIR:-/tmp}/tome-symbols.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

declared include/tome.h >"$tmp/reader_api"
declared include/tome_pack.h >"$tmp/packer_api"
# shellcheck disable=SC2086 # word splitting of the object lists is meant
nm -g --defined-only $reader_objs | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/reader_defined"

# The check must see the reader's objects at all.
count=$(echo "$reader_objs" | grep -c '\.o$')
if [ "$count" -ge 7 ]; then ok; else bad "expected 7 reader objects, found $count"; fi

for o in $reader_objs; do
    imports=$(nm -u "$o" | awk '{ print $2 }' |
        grep -Ev '^(memcpy|memcmp|memset|memmove)$' |
        grep -vxF -f "$tmp/reader_defined" | grep -vxF "$zstd_used")
    if [ -z "$imports" ]; then ok; else bad "$o imports: $imports"; fi
done

# shellcheck disable=SC2086
nm -u $reader_objs | awk '{ print $2 }' | grep '^ZSTD_' | sort -u >"$tmp/zstd_imported"
echo "$zstd_used" | sort -u >"$tmp/zstd_listed"
if cmp -s "$tmp/zstd_imported" "$tmp/zstd_listed"; then
    ok
else
    bad "the reader's zstd functions differ from the list (< imported, > listed):
$(diff "$tmp/zstd_imported" "$tmp/zstd_listed" | grep '^[<>]')"
fi

# Exports: public names of the role's header, or tome__*.
exports_ok() { # OBJECT API-FILE
    extra=$(nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' |
        grep -v '^tome__[a-z0-9_]*$' | grep -vxF -f "$2")
    if [ -z "$extra" ]; then ok; else bad "$1 exports: $extra"; fi
}
for o in $reader_objs; do exports_ok "$o" "$tmp/reader_api"; done
for o in $packer_objs; do exports_ok "$o" "$tmp/packer_api"; done

# And the whole API is there.
# shellcheck disable=SC2086
nm -g --defined-only $packer_objs | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/packer_defined"
missing=$(comm -23 "$tmp/reader_api" "$tmp/reader_defined"; comm -23 "$tmp/packer_api" "$tmp/packer_defined")
if [ -z "$missing" ]; then ok; else bad "declared but not defined: $missing"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
