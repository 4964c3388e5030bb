# SPDX-License-Identifier: BSD-2-Clause
# lib.sh - what every shell suite shares, sourced as `. tests/lib.sh` (or by
# its path): the counts, pass, fail, check, the damage helpers size_of and
# flip_byte, and the closing line that tests/run.sh reads ("N passed, N
# failed").
passed=0
failed=0

pass() {
    passed=$((passed + 1))
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}

# check WHAT COMMAND...: passes when COMMAND succeeds.
check() {
    what=$1
    shift
    if "$@"; then
        pass
    else
        fail "$what"
    fi
}

# Bytes of FILE as a plain number.
size_of() {
    echo $(($(wc -c <"$1")))
}

# flip_byte FILE OFFSET: damage FILE in place, replacing one byte with its
# complement (so the byte always changes).
flip_byte() {
    old=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n')
    new=$((255 - old))
    printf "\\$(printf %03o "$new")" |
        dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

# The closing line, and the exit status: 0 only when nothing failed.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
