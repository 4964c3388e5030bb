#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# exports.sh BUILD - the shared library BUILD/libtome.so exports exactly the
# public API (the functions include/tome.h and include/tome_pack.h declare):
# no internal function, nothing of zstd; its soname is libtome.so.MAJOR and
# it links the shared libzstd.  Run from the repository root.
build=$1
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/tome-exports.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

number() {
    sed -n "s/^#define TOME_VERSION_$1 \\([0-9][0-9]*\\).*/\\1/p" include/tome.h
}
major=$(number MAJOR)
version=$major.$(number MINOR).$(number PATCH)

# ---- file names, soname, dependencies ------------------------------------------

lib=$build/libtome.so.$version
check "$lib is a regular file" test -f "$lib" -a ! -L "$lib"
check "$build/libtome.so.$major -> libtome.so.$version" \
    test "$(readlink "$build/libtome.so.$major")" = "libtome.so.$version"
check "$build/libtome.so -> libtome.so.$major" \
    test "$(readlink "$build/libtome.so")" = "libtome.so.$major"
readelf -d "$lib" >"$T/dynamic" 2>&1
soname=$(sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p' "$T/dynamic")
check "soname is libtome.so.$major (got '$soname')" test "$soname" = "libtome.so.$major"
check "$lib needs the shared libzstd" grep -q 'NEEDED.*\[libzstd\.so' "$T/dynamic"

# ---- exported symbols ------------------------------------------------------------

# The functions the public headers declare: a declaration starts in column 0.
sed -n -E 's/^[A-Za-z][^(]*[ *](tome_[a-z0-9_]+)\(.*/\1/p' include/tome.h include/tome_pack.h |
    sort -u >"$T/declared"
nm -D --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sed 's/@.*//' | sort -u >"$T/exported"
# Every global tome_ function of the static library (public and internal).
nm -g --defined-only "$build/libtome.a" | awk 'NF == 3 && $3 ~ /^tome_/ { print $3 }' |
    sort -u >"$T/global"
comm -23 "$T/global" "$T/declared" >"$T/internal"

check "the headers declare at least 20 functions ($(wc -l <"$T/declared"))" \
    test "$(wc -l <"$T/declared")" -ge 20
check "libtome.a has internal functions to hide ($(wc -l <"$T/internal"))" \
    test "$(wc -l <"$T/internal")" -ge 10
for f in tome_open tome_fetch tome_verify tome_version_string tome_pack_write tome_packer_new; do
    check "$f is declared" grep -qx "$f" "$T/declared"
done
for f in tome__parse_header tome__hash tome__pack_fail tome__head_load tome__load_block; do
    check "$f is internal" grep -qx "$f" "$T/internal"
done
if diff "$T/declared" "$T/exported" >"$T/diff"; then
    pass
else
    fail "exported symbols differ from the declared functions (< declared only, > exported only):"
    sed -n '1,20s/^/    /p' "$T/diff"
fi
leaked=$(grep -xFf "$T/internal" "$T/exported")
check "no internal function is exported${leaked:+: $(echo $leaked)}" test -z "$leaked"
zstd=$(grep -E '^(ZSTD|ZDICT|HUF|FSE|XXH)' "$T/exported")
check "no zstd or xxHash symbol is exported${zstd:+: $(echo $zstd)}" test -z "$zstd"

finish
