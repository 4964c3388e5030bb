#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# peers.sh: measure tome's peers on one corpus, for `make bench`.
#
#   sh tests/bench/peers.sh CORPUS_DIR WORK_DIR KEYS_FILE RUNS
#
# CORPUS_DIR  the articles: files in subdirectories, key = path relative to it
# WORK_DIR    scratch space (archives, logs, the zim_bench binary); reused
# KEYS_FILE   keys to fetch, one a line, in that order (the same for every reader)
# RUNS        times each timed measurement is repeated (>= 3); the median is reported
#
# Prints one TSV line per peer to stdout, 7 columns:
#   name archive_bytes pack_seconds fetch_per_second iterate_MB_per_second
#   reader_memory_bytes note
# with "-" for what is not measured. Progress and tool chatter go to stderr or
# to logs in WORK_DIR, so stdout stays machine-readable.
#
# Seconds are wall-clock, MB = 10^6 bytes of article content, memory is peak
# RSS (getrusage ru_maxrss) of the reading process.

set -eu

usage() {
    echo "usage: sh tests/bench/peers.sh CORPUS_DIR WORK_DIR KEYS_FILE RUNS" >&2
    exit 2
}

[ $# -eq 4 ] || usage
case $4 in '' | *[!0-9]*) usage ;; esac
[ "$4" -ge 3 ] || { echo "peers.sh: RUNS must be at least 3 for a median" >&2; exit 2; }
[ -d "$1" ] || { echo "peers.sh: no corpus directory $1" >&2; exit 2; }
[ -f "$3" ] || { echo "peers.sh: no keys file $3" >&2; exit 2; }

# Absolute paths: several peers are run from inside another directory.
mkdir -p "$2"
corpus=$(cd "$1" && pwd)
work=$(cd "$2" && pwd)
keys=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
runs=$4
here=$(cd "$(dirname "$0")" && pwd)

log() { echo "peers.sh: $*" >&2; }

# --- peers installed from Debian, never by hand --------------------------------

packages="zstd zim-tools libzim-dev squashfs-tools zip g++ pkg-config"

missing_tools() {
    missing=
    for tool in tar zstd zimwriterfs mksquashfs zip g++ pkg-config awk; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    pkg-config --exists libzim 2>/dev/null || missing="$missing libzim"
    echo "$missing"
}

missing=$(missing_tools)
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "missing:$missing; install them as root with:"
        echo "apt-get install -y $packages" >&2
        exit 1
    fi
    log "installing:$missing"
    # A fresh machine may have stale package lists: update once and retry.
    # $packages is split into package names on purpose.
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y $packages >&2 ||
        { apt-get update >&2 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y $packages >&2; }
    missing=$(missing_tools)
    if [ -n "$missing" ]; then
        log "still missing after apt-get:$missing"
        exit 1
    fi
fi

# --- helpers ------------------------------------------------------------------

# Wall-clock time with nanoseconds (GNU date; Debian is the only target).
now() { date +%s.%N; }

# Median of the numbers on stdin, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END {
            if (NR == 0) exit 1
            if (NR % 2) print v[(NR + 1) / 2]
            else print (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}

# Run "$@" RUNS times; print the median wall-clock seconds. Returns 1 as soon
# as one run fails, so a broken peer is reported instead of timed.
time_median() {
    : >"$work/times"
    i=0
    while [ "$i" -lt "$runs" ]; do
        start=$(now)
        "$@" || return 1
        end=$(now)
        awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }' >>"$work/times"
        i=$((i + 1))
    done
    log "  seconds per run: $(tr '\n' ' ' <"$work/times")"
    median <"$work/times" | awk '{ printf "%.3f", $1 }'
}

# Value of field NAME in zim_bench's `name=value ...` lines on stdin, one a run.
field() {
    awk -v name="$1" '{
        for (i = 1; i <= NF; i++) {
            eq = index($i, "=")
            if (substr($i, 1, eq - 1) == name) print substr($i, eq + 1)
        }
    }'
}

size_of() { wc -c <"$1" | tr -d ' '; }

# One TSV line; the note must not contain a tab.
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }

file_count=$(find "$corpus" -type f | wc -l | tr -d ' ')
corpus_bytes=$(find "$corpus" -type f -exec cat {} + | wc -c | tr -d ' ')
log "corpus $corpus: $file_count files, $corpus_bytes bytes; $runs runs each"

# --- tar | zstd ---------------------------------------------------------------
# --sort=name: without it tar follows readdir order, which on ext4 is a hash
# order that differs between file systems, so the archive size would depend on
# the machine (5.32 MB instead of 5.24 MB on the SpamAssassin mails). Name
# order is also the key order the ZIM writer below gets.

pack_tar_zstd() {
    tar cf - --sort=name -C "$corpus" . | zstd -19 --long=27 -q -c >"$work/tar-zstd.tar.zst"
}
pack_tar_zstd_t2() {
    tar cf - --sort=name -C "$corpus" . | zstd -19 --long=27 -T2 -q -c >"$work/tar-zstd-t2.tar.zst"
}

log "tar|zstd-19-long27"
secs=$(time_median pack_tar_zstd)
row "tar|zstd-19-long27" "$(size_of "$work/tar-zstd.tar.zst")" "$secs" - - - \
    "one solid stream: no random access; tar --sort=name; single-threaded"

log "tar|zstd-19-long27-T2"
secs=$(time_median pack_tar_zstd_t2)
row "tar|zstd-19-long27-T2" "$(size_of "$work/tar-zstd-t2.tar.zst")" "$secs" - - - \
    "as above with zstd -T2 (at --long=27 a zstd job spans far more than this input: no parallel compression)"

# --- SquashFS -----------------------------------------------------------------

pack_squashfs() { # BLOCK_SIZE OUT
    rm -f "$2"
    mksquashfs "$corpus" "$2" -comp zstd -Xcompression-level 19 -b "$1" \
        -noappend -no-progress -quiet -processors 2 >"$work/mksquashfs.log" 2>&1
}

for block in 1M 128K; do
    log "squashfs-$block"
    secs=$(time_median pack_squashfs "$block" "$work/squashfs-$block.sqfs")
    row "squashfs-$block" "$(size_of "$work/squashfs-$block.sqfs")" "$secs" - - - \
        "zstd 19, $block blocks, -processors 2; read by mounting: not measured"
done

# --- zip ----------------------------------------------------------------------

pack_zip() {
    rm -f "$work/zip-9.zip" # zip would otherwise update the previous archive
    (cd "$corpus" && zip -9 -r -q -X "$work/zip-9.zip" .)
}

log "zip-9"
secs=$(time_median pack_zip)
row "zip-9" "$(size_of "$work/zip-9.zip")" "$secs" - - - \
    "deflate per file; random access, fetch not measured"

# --- ZIM as zimwriterfs writes it ----------------------------------------------
# zimwriterfs packs a web site: it insists on a welcome page and a 48x48 PNG
# illustration inside the packed directory. They go into a scratch root that
# also holds the corpus tree (hard links when possible, so nothing is copied),
# so that article paths stay the corpus keys. The root is built once, outside
# the timing.

zim_root=$work/zimwriterfs-root
welcome=bench-welcome.html
illustration=bench-illustration.png

make_zim_root() {
    rm -rf "$zim_root" && mkdir -p "$zim_root" || return 1
    if ! cp -Rl "$corpus/." "$zim_root/" 2>/dev/null; then
        # Another file system, or a cp without -l: copy instead.
        rm -rf "$zim_root" && mkdir -p "$zim_root" && cp -R "$corpus/." "$zim_root/" ||
            return 1
    fi
    for name in "$welcome" "$illustration"; do
        if [ -e "$corpus/$name" ]; then
            echo "corpus already has $name"
            return 1
        fi
    done
    printf '%s\n' '<!DOCTYPE html>' \
        '<html><head><meta charset="utf-8"><title>tome bench corpus</title></head>' \
        '<body><p>Benchmark corpus.</p></body></html>' >"$zim_root/$welcome"
    # A valid 48x48 1-bit grayscale PNG, all black: signature, IHDR, one
    # zlib-compressed IDAT of 48 blank rows, IEND (70 bytes, CRCs included).
    printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\060\000\000\000\060\001\000\000\000\000\177\171\304\052\000\000\000\rIDAT\170\332\143\140\030\005\324\004\000\001\120\000\001\064\270\072\331\000\000\000\000IEND\256\102\140\202' \
        >"$zim_root/$illustration"
}

pack_zimwriterfs() {
    rm -f "$work/zimwriterfs.zim"
    zimwriterfs --welcome="$welcome" --illustration="$illustration" --language=eng \
        --title="tome bench corpus" --description="Benchmark corpus" \
        --creator="tome bench" --publisher="tome bench" --name=tome_bench_corpus \
        "$zim_root" "$work/zimwriterfs.zim" >"$work/zimwriterfs.log" 2>&1
}

log "zimwriterfs"
zimwriterfs_version=$(zimwriterfs --version 2>/dev/null | sed -n 's/^zim-tools /zim-tools /p' | head -n 1)
if ! reason=$(make_zim_root 2>&1); then
    row "zimwriterfs" - - - - - "not run: ${reason:-cannot build its root}"
elif secs=$(time_median pack_zimwriterfs); then
    row "zimwriterfs" "$(size_of "$work/zimwriterfs.zim")" "$secs" - - - \
        "${zimwriterfs_version:-zim-tools}, defaults (2 MiB clusters, 4 threads); items in readdir order; +welcome page +PNG"
else
    reason=$(tail -n 1 "$work/zimwriterfs.log" | tr '\t' ' ')
    row "zimwriterfs" - - - - - "zimwriterfs failed: ${reason:-no message}"
fi
rm -rf "$zim_root"

# --- ZIM by libzim's writer, read by libzim -------------------------------------

zim_bench=$work/zim_bench
log "building zim_bench"
# pkg-config's flags are split into words on purpose.
# shellcheck disable=SC2046
g++ -O2 -std=c++17 "$here/zim_bench.cpp" $(pkg-config --cflags --libs libzim) -o "$zim_bench"
libzim_version=$(pkg-config --modversion libzim)
zim=$work/libzim-2M.zim

write_zim() {
    rm -f "$zim"
    # libzim prints progress on stdout: keep it out of the TSV.
    "$zim_bench" write "$corpus" "$zim" >"$work/zim_bench-write.log" 2>&1
}

# Run `zim_bench ARGS` RUNS times, leaving one output line a run in $work/runs.
zim_runs() {
    : >"$work/runs"
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$zim_bench" "$@" >>"$work/runs" 2>"$work/zim_bench.err" || {
            cat "$work/zim_bench.err" >&2
            return 1
        }
        i=$((i + 1))
    done
}

# Median of field NAME over the runs; the values of every run go to the log,
# to show how noisy the machine was.
median_of() {
    log "  $1 per run: $(field "$1" <"$work/runs" | tr '\n' ' ')"
    field "$1" <"$work/runs" | median
}

# Article count and bytes read back by the iterate runs, checked against the
# corpus so that a short read cannot pass for a fast one.
check_iterate() {
    items=$(field items <"$work/runs" | head -n 1)
    bytes=$(field bytes <"$work/runs" | head -n 1)
    if [ "$items" = "$file_count" ] && [ "$bytes" = "$corpus_bytes" ]; then
        echo ""
    else
        echo "; MISMATCH: iterate read $items items, $bytes bytes"
    fi
}

log "zim_bench noop"
zim_runs noop
baseline_rss=$(median_of peak_rss_bytes)

log "zim-libzim-2M: write"
pack_secs=$(time_median write_zim)
zim_bytes=$(size_of "$zim")

log "zim-libzim-2M: fetch, iterate"
zim_runs fetch "$zim" "$keys"
fetch_rate=$(median_of fetch_per_second)
fetch_rss=$(median_of peak_rss_bytes)
zim_runs iterate "$zim"
iterate_rate=$(median_of MB_per_second)
check=$(check_iterate)
row "zim-libzim-2M" "$zim_bytes" "$pack_secs" "$fetch_rate" "$iterate_rate" "$fetch_rss" \
    "libzim $libzim_version, zstd, 2 MiB clusters, key order; default caches (16 clusters: about the whole archive here); process baseline (zim_bench noop) $baseline_rss bytes$check"

# libzim reads ZIM_CLUSTERCACHE when the archive is opened: one decompressed
# cluster kept, the closest libzim comes to a fixed small reader budget. Set in
# a subshell because an assignment before a function call is not portably
# exported to the commands the function runs.
log "zim-libzim-2M-cache1: fetch, iterate"
(ZIM_CLUSTERCACHE=1 && export ZIM_CLUSTERCACHE && zim_runs fetch "$zim" "$keys")
fetch_rate=$(median_of fetch_per_second)
fetch_rss=$(median_of peak_rss_bytes)
(ZIM_CLUSTERCACHE=1 && export ZIM_CLUSTERCACHE && zim_runs iterate "$zim")
iterate_rate=$(median_of MB_per_second)
check=$(check_iterate)
row "zim-libzim-2M-cache1" "$zim_bytes" - "$fetch_rate" "$iterate_rate" "$fetch_rss" \
    "same archive, ZIM_CLUSTERCACHE=1; process baseline (zim_bench noop) $baseline_rss bytes$check"
