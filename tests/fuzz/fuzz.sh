#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# fuzz.sh FUZZ_BUILD LOG_DIR SECONDS TARGET... - run each libFuzzer target
# for SECONDS, one after the other, at low priority (others share the
# machine).  New inputs go to FUZZ_BUILD/corpus/TARGET (never into the
# repository); a finding is copied to tests/fuzz/regressions/TARGET/, where
# the replay runner of `make test` keeps it.  Prints executions per target;
# exits non-zero when any target found something.
build=$1
logs=$2
seconds=$3
shift 3
mkdir -p "$logs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0

# Largest input worth trying, per target: archives are a few KB, mutation
# programs and file lists are short; a set is an index and volumes of at
# least 4 KiB each.
max_len() {
    case $1 in
    set) echo 40000 ;;
    mutate) echo 512 ;;
    paths) echo 1024 ;;
    jsonl) echo 8192 ;;
    *) echo 16384 ;;
    esac
}

for t in "$@"; do
    work=$build/corpus/$t
    artifacts=$build/artifacts/$t/
    log=$logs/$t.log
    # a finding of an earlier run is not this run's: it was copied to
    # tests/fuzz/regressions/ then
    rm -rf "$artifacts"
    mkdir -p "$work" "$artifacts" "tests/fuzz/regressions/$t"
    dict=
    [ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
    # the packer targets write files; libFuzzer exits without atexit cleanup
    tmp=$build/tmp/$t
    mkdir -p "$tmp"
    TMPDIR=$(cd "$tmp" && pwd) nice -n 10 "$build/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=20 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
        -artifact_prefix="$artifacts" $dict \
        "$work" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" >"$log" 2>&1
    result=$?
    rm -rf "$tmp"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    found=$(ls "$artifacts" 2>/dev/null)
    if [ "$result" -eq 0 ] && [ -z "$found" ]; then
        echo "fuzz $t: ${runs:-?} executions in $seconds s, no finding"
    else
        status=1
        echo "fuzz $t: FINDING after ${runs:-?} executions (exit $result); see $log"
        for f in $found; do
            cp "$artifacts$f" "tests/fuzz/regressions/$t/$f"
            echo "  kept as tests/fuzz/regressions/$t/$f"
            # in CI the clone is gone afterwards: the log must carry it
            if [ "$(wc -c <"$artifacts$f")" -le 65536 ]; then
                echo "  its bytes (base64 -d to recover):"
                base64 "$artifacts$f" | sed 's/^/    /'
            fi
        done
        grep -E 'ERROR|invariant broken|runtime error|SUMMARY' "$log" | head -n 5 | sed 's/^/  /'
    fi
done
exit $status
