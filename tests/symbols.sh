#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# symbols.sh BUILD - the reader's objects import no allocator and no stdio:
# only zstd's decoder, xxHash (compiled in) and memcpy/memcmp/memset.
build=$1
passed=0
failed=0
allowed='^(ZSTD_[A-Za-z_]+|tome_[a-z0-9_]+|memcpy|memcmp|memset|memmove)$'
for o in "$build"/obj/src/common/*.o "$build"/obj/src/reader/*.o; do
    bad=$(nm -u "$o" | awk '{print $2}' | grep -Ev "$allowed")
    if [ -z "$bad" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "$o imports: $bad"
    fi
done
# The check must see the reader's objects at all.
if [ "$passed" -lt 6 ]; then
    failed=$((failed + 1))
    echo "expected 6 reader objects in $build/obj/src/common and src/reader"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
