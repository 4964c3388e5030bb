#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench.sh BUILD RUNS CORPUS_TARBALL - `make bench`: tome against its peers
# on seeds/ and on the SpamAssassin mails, in one run, medians of RUNS.
# Prints a markdown table per corpus and checks issue 3's targets on the
# mails.  Timings are noisy: every comparison is a ratio within this run.
build=$1
runs=$2
tarball=$3
work=$build/bench-work
set -e
mkdir -p "$work"

mails=$work/corpus/mails
if [ ! -d "$mails" ]; then
    mkdir -p "$work/unpacked" "$mails"
    tar xzf "$tarball" -C "$work/unpacked"
    (cd "$work/unpacked/package/data" && find . -name '*.txt' | while read -r f; do
        mkdir -p "../../../corpus/mails/$(dirname "$f")" && cp "$f" "../../../corpus/mails/$f"
    done)
fi

# name bytes pack fetch iterate memory note -> markdown row with ratios
render() {
    raw=$1
    solid=$2
    awk -F'\t' -v raw="$raw" -v solid="$solid" '
        function cell(v, f) { return v == "-" ? "-" : sprintf(f, v) }
        BEGIN {
            print "| archive | bytes | raw/archive | x solid | pack s | random fetch/s | iterate MB/s | reader memory | note |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|---|"
        }
        {
            ratio = $2 == "-" ? "-" : sprintf("%.2f", raw / $2)
            vs = ($2 == "-" || solid == "") ? "-" : sprintf("%.2f", $2 / solid)
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, ratio, vs,
                cell($3, "%.2f"), cell($4, "%.0f"), cell($5, "%.1f"), $6, $7
        }'
}

bench_corpus() {
    label=$1
    dir=$2
    out=$work/results/$label
    mkdir -p "$out"
    raw=$(find "$dir" -type f -exec cat {} + | wc -c)
    count=$(find "$dir" -type f | wc -l)
    "$build/bench" "$dir" "$out" "$runs" "$out/keys.txt" >"$out/tome.tsv"
    sh tests/bench/peers.sh "$dir" "$out/peers" "$out/keys.txt" "$runs" >"$out/peers.tsv"
    cat "$out/tome.tsv" "$out/peers.tsv" >"$out/all.tsv"
    solid=$(awk -F'\t' '$1 == "tar|zstd-19-long27" { print $2 }' "$out/all.tsv")
    echo
    echo "### $label: $count articles, $raw bytes"
    echo
    render "$raw" "$solid" <"$out/all.tsv"
}

# One row's column: field NAME COLUMN
field() { awk -F'\t' -v n="$2" -v c="$3" '$1 == n { print $c }' "$1"; }

check() {
    all=$work/results/mails/all.tsv
    bytes=$(field "$all" tome-default 2)
    solid=$(field "$all" 'tar|zstd-19-long27' 2)
    zimfs=$(field "$all" zimwriterfs 2)
    sq128=$(field "$all" squashfs-128K 2)
    fetch=$(field "$all" tome-default 4)
    frames=$(field "$all" frame-per-article+dict 4)
    memory=$(field "$all" tome-default 6)
    pack=$(field "$all" tome-default 3)
    solid_t2=$(field "$all" 'tar|zstd-19-long27-T2' 3)
    echo
    echo "### targets (issue 3), spam corpus, tome at defaults"
    echo
    awk -v b="$bytes" -v s="$solid" -v z="$zimfs" -v q="$sq128" -v f="$fetch" -v fr="$frames" \
        -v m="$memory" -v p="$pack" -v t="$solid_t2" '
        function row(what, ok) { printf "- %s: %s\n", what, ok ? "met" : "NOT met" }
        BEGIN {
            row(sprintf("archive %.3f x solid zstd (at most 1.25)", b / s), b <= 1.25 * s)
            row(sprintf("smaller than zimwriterfs (%s vs %s bytes)", b, z), z != "-" && b < z)
            row(sprintf("smaller than SquashFS 128 KiB (%s vs %s bytes)", b, q), q != "-" && b < q)
            row(sprintf("random fetch %.0f/s (at least 20000)", f), f >= 20000)
            row(sprintf("random fetch %.2f of one-frame-per-article (at least 0.20)", f / fr), f >= fr / 5)
            row(sprintf("reader workspace %d bytes (at most 196608)", m), m <= 196608)
            row(sprintf("pack %.2f s, %.2f x tar|zstd -T2 (at most 2)", p, p / t), p <= 2 * t)
        }'
    echo
    echo "### targets (issue 10), spam corpus, tome at defaults"
    echo
    awk -v b="$bytes" -v s="$solid" -v f="$fetch" -v fr="$frames" -v m="$memory" '
        function row(what, ok) { printf "- %s: %s\n", what, ok ? "met" : "NOT met" }
        BEGIN {
            row(sprintf("archive %.3f x solid zstd (at most 1.20)", b / s), b <= 1.20 * s)
            row(sprintf("random fetch %.0f/s (at least 30000)", f), f >= 30000)
            row(sprintf("random fetch %.2f of one-frame-per-article (at least 0.20)", f / fr), f >= fr / 5)
            row(sprintf("reader workspace %d bytes (at most 193408)", m), m <= 193408)
        }'
    echo
    echo "The block-size sweep, the ratio/speed/workspace curve (x solid, share of one-frame-per-article, workspace):"
    echo
    for row in tome-16K tome-32K tome-default tome-128K tome-256K; do
        awk -F'\t' -v n="$row" -v s="$solid" -v fr="$frames" \
            '$1 == n { printf "- %s: %.3f x solid, %.2f, %s bytes\n", n, $2 / s, $4 / fr, $6 }' "$all"
    done
}

echo "## tome benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, zstd $(zstd --version 2>/dev/null | sed 's/.*v\([0-9.]*\).*/\1/'), medians of $runs runs)"
bench_corpus seeds seeds
bench_corpus mails "$mails"
check
echo
echo "### search and fetch on the mails archive at defaults (tests/bench/query_bench.c)"
echo
"$build/query_bench" "$work/results/mails/tome-default.tome" | sed 's/^[a-z-]*\t/- /'
