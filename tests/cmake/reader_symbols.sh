#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# reader_symbols.sh LIB [NM] - the reader's static library (CMake's
# libtome_reader.a) imports no allocator and no stdio: only zstd's decoder,
# its own tome_* functions and memcpy/memcmp/memset/memmove, as
# tests/symbols.sh checks for the Makefile's objects.
# Ends with "N passed, M failed".
lib=$1
nm=${2:-nm}
passed=0
failed=0
allowed='^(ZSTD_[A-Za-z_]+|tome_[a-z0-9_]+|memcpy|memcmp|memset|memmove)$'
if [ ! -f "$lib" ] || ! "$nm" -u "$lib" >/dev/null 2>&1; then
    echo "FAIL: cannot read $lib with $nm"
    echo "0 passed, 1 failed"
    exit 1
fi
# Per member: "lib.a[member]:" lines, then its undefined symbols.
"$nm" -u -A "$lib" | sed 's/^[^:]*://' | while IFS=: read -r member rest; do
    echo "$member $(echo "$rest" | awk '{print $NF}')"
done >"${TMPDIR:-/tmp}/tome-symbols.$$"
members=$(ar t "$lib" 2>/dev/null || true)
for m in $members; do
    bad=$(awk -v m="$m" '$1 == m {print $2}' "${TMPDIR:-/tmp}/tome-symbols.$$" | grep -Ev "$allowed")
    if [ -z "$bad" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $m imports: $(echo $bad)"
    fi
done
rm -f "${TMPDIR:-/tmp}/tome-symbols.$$"
if [ "$passed" -lt 2 ]; then
    failed=$((failed + 1))
    echo "FAIL: expected the reader's objects in $lib"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
