#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# spdx.sh - every source file of the repository carries an SPDX line in its
# first lines, and LICENSE is the BSD-2-Clause text.
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
for f in $(git ls-files 2>/dev/null || find . -type f | sed 's|^\./||'); do
    case $f in
    *.c | *.h | *.sh | *.py | *.mk | *.S | *.cpp | *.ld | *.cmake | Makefile | \
        */Makefile | CMakeLists.txt | */CMakeLists.txt | .ci/run | *.js | *.html | *.css | \
        *.[1-8]) ;;
    *) continue ;;
    esac
    [ -f "$f" ] || continue
    if head -n 5 "$f" | grep -q 'SPDX-License-Identifier: BSD-2-Clause'; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "no SPDX line: $f"
    fi
done
if grep -q 'BSD 2-Clause License' LICENSE 2>/dev/null; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "LICENSE is not the BSD-2-Clause text"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
