#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# corpus.sh TOME TARBALL WORKDIR - the SpamAssassin corpus end to end:
# pack, extract byte-identically, pack with a second copy under other keys
# (every body stored once), flip a byte inside a block (verify names the
# articles).  Prints the figures and "N passed, N failed".
tome=$1
tarball=$2
work=$3
passed=0
failed=0
pass() { passed=$((passed + 1)); }
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# unsigned little-endian integer of $3 bytes at offset $2 of file $1
le() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

rm -rf "$work"
mkdir -p "$work/unpacked" "$work/mails" "$work/second/copy"
tar xzf "$tarball" -C "$work/unpacked"
# the benchmark corpus: the .txt mails, keyed by their path under data/
(cd "$work/unpacked/package/data" && find . -name '*.txt' | while read -r f; do
    mkdir -p "../../../mails/$(dirname "$f")" && ln "$f" "../../../mails/$f"
done)
count=$(find "$work/mails" -type f | wc -l)
bytes=$(find "$work/mails" -type f -exec cat {} + | wc -c)
[ "$count" -eq 6046 ] && pass || fail "expected 6046 mails, found $count"
echo "corpus: $count mails, $bytes bytes"

start=$(now)
"$tome" pack "$work/mails" -o "$work/mails.tome" -q || fail "pack"
end=$(now)
size=$(wc -c <"$work/mails.tome")
echo "tome pack: $size bytes, $(seconds "$start" "$end") s"
"$tome" info "$work/mails.tome" | grep -E 'reader workspace|blocks|dictionary'

if command -v zstd >/dev/null; then
    start=$(now)
    tar cf - -C "$work" mails | zstd -19 --long=27 -q -c >"$work/mails.tar.zst"
    end=$(now)
    echo "tar | zstd -19 --long=27: $(wc -c <"$work/mails.tar.zst") bytes, $(seconds "$start" "$end") s"
fi

"$tome" extract "$work/mails.tome" -C "$work/out" && diff -r "$work/mails" "$work/out" >/dev/null &&
    pass || fail "extract is not byte-identical"
"$tome" verify "$work/mails.tome" >/dev/null && pass || fail "verify of the clean archive"

# A second copy of every mail under other keys adds only keys and entries.
ln -s ../../mails "$work/second/copy/mails"
"$tome" pack "$work/mails" "$work/second" -o "$work/twice.tome" -q || fail "pack twice"
twice=$(wc -c <"$work/twice.tome")
new_keys=$("$tome" ls "$work/twice.tome" | awk -F'\t' '$2 ~ /^copy\// {n++; k += length($2)} END {print n, k}')
n=${new_keys% *}
k=${new_keys#* }
allowed=$((size + k + 64 * n + size / 100))
echo "with a second copy: $twice bytes (+$((twice - size)); allowed +$((allowed - size)): $k key bytes, $n entries)"
[ "$n" -eq 6046 ] && pass || fail "expected 6046 new keys, found $n"
[ "$twice" -le "$allowed" ] && pass || fail "second copy grew the archive by $((twice - size))"

# One byte flipped in the middle of block 100's frame.
cp "$work/mails.tome" "$work/damaged.tome"
# (od reads the host's byte order: this script runs on little-endian hosts)
table=$(le "$work/damaged.tome" 128 8)   # header: block_table_offset
frame=$(le "$work/damaged.tome" $((table + 100 * 28)) 8)   # 28-byte block records
frame_size=$(le "$work/damaged.tome" $((table + 100 * 28 + 8)) 4)
at=$((frame + frame_size / 2))
old=$(le "$work/damaged.tome" "$at" 1)
printf "\\$(printf %o $((255 - old)))" |
    dd of="$work/damaged.tome" bs=1 seek="$at" conv=notrunc 2>/dev/null
[ "$(le "$work/damaged.tome" "$at" 1)" -eq $((255 - old)) ] && pass || fail "byte not flipped"
"$tome" verify "$work/damaged.tome" >"$work/verify.txt"
status=$?
[ "$status" -eq 1 ] && pass || fail "verify of a damaged archive exited $status, not 1"
named=$(grep -c '^damaged: article ' "$work/verify.txt")
[ "$named" -ge 1 ] && pass || fail "verify named no article"
echo "flipped one byte in block 100: verify exit $status, $named articles named, e.g.:"
grep '^damaged: article ' "$work/verify.txt" | head -n 2

# Search: 1,000 random keys cut to a random prefix, exact and folded,
# against brute force over `tome ls` (tests/search_check.py); then the
# mails as JSON Lines with their Subject lines as titles, so that titles
# are searched too, and what the search tree adds to that archive.
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
"$python" "$here/search_check.py" "$tome" "$work/mails.tome" 1000 1 >"$work/search.txt" 2>&1 &&
    pass || fail "search of the mails: $(grep -m 3 FAIL "$work/search.txt")"
echo "search, keys: $(tail -n 1 "$work/search.txt")"
"$python" - "$work/mails" "$work/mails.jsonl" <<'PYEOF'
import json, os, sys
root, out = sys.argv[1], sys.argv[2]
with open(out, 'w', encoding='utf-8') as f:
    for d, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(d, name)
            data = open(path, 'rb').read().decode('utf-8', 'replace')
            subject = ''
            for line in data.split('\n'):
                if line.lower().startswith('subject:'):
                    subject = ' '.join(line[8:].split())[:200]
                    break
                if not line.strip():
                    break
            f.write(json.dumps({'id': os.path.relpath(path, root), 'title': subject,
                                'text': data}, ensure_ascii=False) + '\n')
PYEOF
"$tome" pack "$work/mails.jsonl" -o "$work/titled.tome" -q || fail "pack of the titled mails"
"$python" "$here/search_check.py" "$tome" "$work/titled.tome" 1000 2 >"$work/search2.txt" 2>&1 &&
    pass || fail "search of the titled mails: $(grep -m 3 FAIL "$work/search2.txt")"
echo "search, keys and titles: $(tail -n 1 "$work/search2.txt")"
"$tome" info "$work/titled.tome" | grep -E '^file size|names .*search'

# A set in volumes of at most 1 MB (10^6 bytes; issue 14): every volume alone and the
# set verify; the set extracts to the corpus; every article by global ID
# and by key, in one cat each, is exactly the single archive's.
mkdir -p "$work/set"
"$tome" pack "$work/mails" --volume-size 1000000 -o "$work/set/mails.tome" -q || fail "pack of the set"
volumes=0
largest=0
for v in "$work"/set/mails.[0-9]*.tome; do
    volumes=$((volumes + 1))
    vs=$(wc -c <"$v")
    [ "$vs" -gt "$largest" ] && largest=$vs
    "$tome" verify --alone "$v" >/dev/null && pass || fail "verify --alone $(basename "$v")"
done
[ "$largest" -le 1000000 ] && pass || fail "a volume of $largest bytes, over 1 MB"
"$tome" verify "$work/set/mails.tome" >/dev/null && pass || fail "verify of the set"
"$tome" extract "$work/set/mails.tome" -C "$work/set-out" && diff -r "$work/mails" "$work/set-out" >/dev/null &&
    pass || fail "extract of the set is not byte-identical"
"$tome" ls "$work/mails.tome" >"$work/single.ls"
"$tome" ls "$work/set/mails.tome" >"$work/set.ls"
cmp -s "$work/single.ls" "$work/set.ls" && pass || fail "ls of the set differs from the single archive's"
ids=$(awk -F'\t' '{ printf "#%s ", $1 }' "$work/single.ls")
# shellcheck disable=SC2086
"$tome" cat "$work/mails.tome" $ids >"$work/single.byid" &&
    "$tome" cat "$work/set/mails.tome" $ids >"$work/set.byid" &&
    cmp -s "$work/single.byid" "$work/set.byid" && pass ||
    fail "fetch by global ID: the set's articles differ from the single archive's"
awk -F'\t' '{ print $2 }' "$work/single.ls" >"$work/keys" # plain keys: ls escapes none
{ tr '\n' '\0' <"$work/keys" | xargs -0 "$tome" cat "$work/mails.tome"; } >"$work/single.bykey" &&
    { tr '\n' '\0' <"$work/keys" | xargs -0 "$tome" cat "$work/set/mails.tome"; } >"$work/set.bykey" &&
    cmp -s "$work/single.bykey" "$work/set.bykey" && cmp -s "$work/single.byid" "$work/single.bykey" &&
    pass || fail "find by key: the set's articles differ from the single archive's"
set_bytes=$(cat "$work"/set/mails*.tome | wc -c)
echo "set of $volumes volumes (largest $largest bytes), $set_bytes bytes with its index: every volume and the set verify, extract identical, $(wc -l <"$work/keys") articles by ID and by key identical to the single archive's"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
