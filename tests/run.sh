#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh BUILD ASAN TEST... - every suite, in the plain and the sanitized
# build; each prints "N passed, N failed".  Ends with the totals.
build=$1
asan=$2
shift 2
logs=$build/test-logs
mkdir -p "$logs"
passed=0
failed=0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

suite() {
    name=$1
    shift
    log=$logs/$(echo "$name" | tr '/ ' '__').log
    "$@" >"$log" 2>&1
    status=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$line" ]; then
        p=0
        f=1
    elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or exited non-zero after its summary
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    printf '%-28s %s passed, %s failed\n' "$name" "$p" "$f"
    if [ "$f" -ne 0 ]; then
        echo "---- $log (last 30 lines) ----"
        tail -n 30 "$log"
        echo "----"
    fi
}

suite symbols sh tests/symbols.sh "$build"
suite spdx sh tests/spdx.sh
suite exports sh tests/exports.sh "$build"
suite install sh tests/install.sh "$build"
suite manifests sh tests/manifests.sh
suite golden sh tests/golden.sh "$build"
# the Python package, built in $build/python by make test (plain build only)
suite python sh tests/python.sh "$build"
for dir in "$build" "$asan"; do
    for t in "$@"; do
        suite "$dir/$t" "$dir/$t"
    done
    suite "$dir/test_golden" "$dir/test_golden" tests/golden
    suite "$dir/cli" sh tests/cli.sh "$dir/tome"
    suite "$dir/sets" sh tests/sets.sh "$dir/tome"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
