#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# scale.sh BUILD [CORPUS...] - `make bench-scale` (long; not in CI): tome at
# the sizes its users have, against solid zstd and SquashFS with 1 MiB
# blocks, in one run.  For each corpus: bytes, ratio to solid, wall time and
# peak RSS (GNU time's "Maximum resident set size") of each packer.
#
# Corpora, built from Debian's linux-source-6.12 tarball with a fixed recipe
# (the tree's regular files in byte order of their paths, LC_ALL=C):
#   quarter   every 4th file (index 0, 4, 8, ...), as a directory
#   tree      every file, as a directory
#   tree3     the whole tree three times under other names (hard links in
#             a/, b/, c/): 4.5 GB of input, over 4 GiB; tome only (the peers
#             would take three times as long to say what they said on tree),
#             then verified and extracted, and the extraction compared
#   dask      the whole tree as a volume set from one plan (2 shards), packed
#             by one single-threaded process and by a Dask LocalCluster of two
#             single-threaded workers (tests/bench/dask_scale.py); against
#             tree's single archive (packed first when tree is not in the run)
#   lines1m   the first 1,000,000 lines of the tree's UTF-8 files as JSON
#             Lines, {"id": "PATH:LINE", "text": LINE} (LINE without its
#             newline, lines numbered from 1); peers pack the .jsonl file
# Default: quarter tree lines1m.  Timings are noisy: compare within a row.
solid_pack() { # INPUT OUT: a directory as a sorted tar, a file as it is
    if [ -d "$1" ]; then
        tar --sort=name -cf - -C "$(dirname "$1")" "$(basename "$1")" |
            zstd -19 --long=27 -T2 -q -c >"$2"
    else
        zstd -19 --long=27 -T2 -q -c "$1" >"$2"
    fi
}

squash_pack() { # INPUT OUT: a file goes alone into the image
    mksquashfs "$1" "$2" -comp zstd -Xcompression-level 19 -b 1M -noappend \
        -no-progress -quiet -processors 2
}

# Timed through this script itself, so /usr/bin/time sees the whole pipe.
if [ "$1" = --run ]; then
    shift
    fn=$1
    shift
    set -e
    "$fn" "$@"
    exit 0
fi

build=$1
shift
corpora=${*:-quarter tree lines1m}
python=${PYTHON:-/usr/bin/python3}
work=$build/bench-scale
tarball=/usr/src/linux-source-6.12.tar.xz
tome=$build/tome
set -e
mkdir -p "$work/results"

if [ ! -d "$work/linux" ]; then
    mkdir -p "$work/linux.tmp"
    tar -xJf "$tarball" -C "$work/linux.tmp" --strip-components=1
    mv "$work/linux.tmp" "$work/linux"
fi
[ -f "$work/files.txt" ] ||
    (cd "$work/linux" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$work/files.txt"

make_corpus() { # NAME -> prints the input path to pack
    case $1 in
    tree)
        echo "$work/linux"
        ;;
    tree3)
        if [ ! -d "$work/tree3" ]; then
            mkdir -p "$work/tree3.tmp"
            for copy in a b c; do cp -al "$work/linux" "$work/tree3.tmp/$copy"; done
            mv "$work/tree3.tmp" "$work/tree3"
        fi
        echo "$work/tree3"
        ;;
    quarter)
        if [ ! -d "$work/quarter" ]; then
            awk 'NR % 4 == 1' "$work/files.txt" >"$work/quarter.txt"
            mkdir -p "$work/quarter.tmp"
            (cd "$work/linux" && tar -cf - -T "../quarter.txt") | tar -xf - -C "$work/quarter.tmp"
            mv "$work/quarter.tmp" "$work/quarter"
        fi
        echo "$work/quarter"
        ;;
    lines1m)
        if [ ! -f "$work/lines1m.jsonl" ]; then
            "$python" - "$work/linux" "$work/files.txt" "$work/lines1m.tmp" <<'PY'
import json, sys
root, listing, out = sys.argv[1:4]
n = 0
with open(out, "w", encoding="utf-8") as o:
    for path in open(listing, encoding="utf-8").read().split("\n"):
        if not path:
            continue
        try:
            text = open(root + "/" + path, "rb").read().decode("utf-8")
        except UnicodeDecodeError:
            continue
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        for i, line in enumerate(lines):
            o.write(json.dumps({"id": "%s:%d" % (path, i + 1), "text": line},
                               ensure_ascii=False) + "\n")
            n += 1
            if n == 1000000:
                sys.exit(0)
PY
            mv "$work/lines1m.tmp" "$work/lines1m.jsonl"
        fi
        echo "$work/lines1m.jsonl"
        ;;
    *)
        echo "unknown corpus: $1" >&2
        exit 2
        ;;
    esac
}

# measure NAME OUTPUT COMMAND...: a row "NAME<TAB>bytes<TAB>seconds<TAB>rss_kb"
measure() {
    name=$1
    out=$2
    shift 2
    rm -f "$out"
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" ||
        { echo "$name failed:" >&2; tail -n 5 "$work/err.txt" >&2; return 1; }
    secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    printf '%s\t%s\t%s\t%s\n' "$name" "$(stat -c %s "$out")" "$secs" "$rss"
}

for c in $corpora; do
    if [ "$c" = dask ]; then
        input=$(make_corpus tree)
        res=$work/results/dask
        mkdir -p "$res"
        single=$work/results/tree/tome.tome
        if [ ! -f "$single" ]; then
            mkdir -p "$work/results/tree"
            "$tome" pack "$input" -o "$single" -q
        fi
        echo
        echo "### dask: the whole tree as a set, one process against two Dask workers"
        echo
        PYTHONPATH=$build/python/lib "$python" "$(dirname "$0")/dask_scale.py" "$input" "$res" "$single"
        continue
    fi
    input=$(make_corpus "$c")
    res=$work/results/$c
    mkdir -p "$res"
    {
        measure tome "$res/tome.tome" "$tome" pack "$input" -o "$res/tome.tome" -q
        if [ "$c" != tree3 ]; then
            measure "tar --sort=name \\| zstd -19 --long=27 -T2" "$res/solid.zst" \
                sh "$0" --run solid_pack "$input" "$res/solid.zst"
            measure "mksquashfs zstd-19 -b 1M" "$res/squash.img" \
                sh "$0" --run squash_pack "$input" "$res/squash.img"
        fi
    } >"$res/rows.tsv"
    raw=$(if [ -d "$input" ]; then find "$input" -type f -exec cat {} + | wc -c; else wc -c <"$input"; fi)
    solid=$(awk -F'\t' 'NR == 2 { print $2 }' "$res/rows.tsv")
    [ -n "$solid" ] || solid=0
    echo
    echo "### $c: $raw bytes of input"
    echo
    echo "| packer | bytes | x solid | wall s | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|"
    awk -F'\t' -v solid="$solid" '{ printf "| %s | %s | %s | %s | %.0f |\n", $1, $2, solid ? sprintf("%.3f", $2 / solid) : "-", $3, $4 / 1024 }' \
        "$res/rows.tsv"
    echo
    "$build/query_bench" "$res/tome.tome" | sed 's/^[a-z-]*\t/- tome: /'
    "$tome" info "$res/tome.tome" | grep -E '^index|names .*search'
    if [ "$c" = tree3 ]; then
        # over 4 GiB of input end to end: verify, extract, compare every file
        rm -rf "$res/extracted"
        t0=$(date +%s)
        "$tome" verify "$res/tome.tome" >/dev/null
        t1=$(date +%s)
        "$tome" extract "$res/tome.tome" -C "$res/extracted" >/dev/null
        t2=$(date +%s)
        if diff -r "$input" "$res/extracted" >/dev/null; then same=identical; else same=DIFFERENT; fi
        t3=$(date +%s)
        echo "- round trip of $raw bytes of input: verify $((t1 - t0)) s, extract $((t2 - t1)) s, extraction $same to the input (diff -r, $((t3 - t2)) s)"
        rm -rf "$res/extracted"
    fi
done
