#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# golden.sh BUILD - the committed golden archives are exactly what
# tests/golden/gen.py writes (so neither can drift from the other), then
# tests/test_golden checks each against the reader.
build=$1
. tests/lib.sh
out=$build/golden
rm -rf "$out"
if "${PYTHON:-/usr/bin/python3}" tests/golden/gen.py "$out" 2>"$build/golden.err"; then
    pass
else
    fail "tests/golden/gen.py failed: $(head -c 300 "$build/golden.err")"
fi
for f in "$out"/*; do
    name=$(basename "$f")
    check "tests/golden/$name is what gen.py writes" cmp -s "$f" "tests/golden/$name"
done
for f in tests/golden/*.tome tests/golden/*.expect; do
    check "$f is written by gen.py" test -f "$out/$(basename "$f")"
done
finish
