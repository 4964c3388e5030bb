# SPDX-License-Identifier: BSD-2-Clause
# lib.sh - what every shell suite shares, sourced as `. tests/lib.sh` (or by
# its path): the counts, pass, fail, check, and the closing line that
# tests/run.sh reads ("N passed, N failed").
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

# The closing line, and the exit status: 0 only when nothing failed.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
