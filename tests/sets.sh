#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sets.sh TOME - volume sets end to end: tome pack --volume-size, then every
# read command on the set, compared with the single-archive pack of the same
# tree; damage (a volume removed, truncated, swapped, from another set).
#
#     sh tests/sets.sh build/tome        (from the repository root)
#
# Works in a private temporary directory, removed on exit.  Ends with
# exactly one line "N passed, M failed"; exits non-zero when M > 0.

if [ $# -ne 1 ]; then
    echo "usage: sh tests/sets.sh PATH/TO/tome" >&2
    exit 2
fi
case $1 in
/*) TOME=$1 ;;
*) TOME=$(pwd)/$1 ;;
esac
REPO=$(pwd)
. "$REPO/tests/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/tome-sets.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$T" || exit 1
OUT=$T/out
ERR=$T/err
status=0

run() {
    "$TOME" "$@" </dev/null >"$OUT" 2>"$ERR"
    status=$?
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR"; then
        fail "sanitizer report from: tome $*"
        sed -n '1,12s/^/    /p' "$ERR"
    fi
}

expect_status() {
    if [ "$status" -eq "$1" ]; then
        pass
    else
        fail "$2: exit status $status, expected $1"
        sed -n '1,12s/^/    stderr: /p' "$ERR"
    fi
}

# expect_out STRING WHAT / expect_err STRING WHAT
expect_out() {
    if grep -qF -- "$1" "$OUT"; then pass; else fail "$2: output lacks \"$1\""; sed -n '1,8s/^/    /p' "$OUT"; fi
}
expect_err() {
    if grep -qF -- "$1" "$ERR"; then pass; else fail "$2: standard error lacks \"$1\""; sed -n '1,8s/^/    /p' "$ERR"; fi
}

same_file() {
    if [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; then
        pass
    else
        fail "$3: $1 and $2 differ (or one is missing)"
    fi
}

# A tree of text files (words from a small vocabulary, deterministic),
# with symbolic links that become aliases: $1 files under directory $2,
# every file's text seeded by $3.
make_tree() {
    mkdir -p "$2"
    awk -v n="$1" -v dir="$2" -v seed="$3" 'BEGIN {
        srand(seed)
        for (i = 0; i < 400; i++) {
            len = 2 + int(rand() * 7)
            word = ""
            for (k = 0; k < len; k++)
                word = word substr("abcdefghijklmnopqrstuvwxyz", 1 + int(rand() * 26), 1)
            w[i] = word
        }
        for (i = 0; i < n; i++) {
            sub_dir = dir "/d" (i % 7)
            if (!(sub_dir in made)) { system("mkdir -p " sub_dir); made[sub_dir] = 1 }
            f = sprintf("%s/f%04d.txt", sub_dir, i)
            len = 200 + int(rand() * 3000)
            text = ""
            while (length(text) < len)
                text = text w[int(rand() * 400)] (rand() < 0.08 ? "\n" : " ")
            printf "%s", text > f
            close(f)
        }
    }'
    # aliases: links inside the tree
    ln -s d1/f0001.txt "$2/first-link.txt"
    ln -s ../d3/f0003.txt "$2/d0/zz-link.txt"
}

make_tree 420 tree 1
make_tree 150 other 2

# term_when TEST: SIGTERM to the background pack $pid as soon as TEST
# succeeds (tried every 10 ms, for at most 30 s); seen=1 when it did, and
# status is the pack's exit status
term_when() {
    seen=0
    n=0
    while [ $n -lt 3000 ] && kill -0 $pid 2>/dev/null; do
        if "$1"; then
            seen=1
            break
        fi
        sleep 0.01
        n=$((n + 1))
    done
    kill -TERM $pid 2>/dev/null
    wait $pid 2>/dev/null
    status=$?
}

# ---- 1. pack: volumes and index ------------------------------------------------

run pack tree -o single.tome -l 9 -q
expect_status 0 "single-archive pack"
mkdir j1 j2
run pack tree -o j1/s.tome --volume-size 64K -l 9 -j 1
expect_status 0 "pack --volume-size 64K -j 1"
expect_out "set of" "pack of a set says so"
run pack tree -o j2/s.tome --volume-size 64K -l 9 -j 2 --memory 16M
expect_status 0 "pack --volume-size 64K -j 2"
volumes=$(ls j1 | grep -c '^s\.[0-9][0-9][0-9]\.tome$')
check "at least 3 volumes ($volumes)" test "$volumes" -ge 3
check "the index and the volumes only: $(ls j1 | tr '\n' ' ')" \
    test "$(ls -A j1 | wc -l)" -eq $((volumes + 1))
for f in $(ls j1); do
    same_file j1/$f j2/$f "deterministic set, -j 1 vs -j 2 ($f)"
done
oversize=0
for f in j1/s.[0-9]*.tome; do
    size=$(wc -c <"$f")
    [ "$size" -le 65536 ] || oversize=$((oversize + 1))
    run verify --alone "$f"
    expect_status 0 "verify of volume $f alone"
done
check "every volume at most 64 KiB ($oversize over)" test "$oversize" -eq 0
run pack tree -o small.tome --volume-size 2K
expect_status 2 "a volume size below 4K is a usage error"

# ---- 2. read the set like the archive ----------------------------------------------

cd j1 || exit 1
run verify s.tome
expect_status 0 "verify of the set"
expect_out "OK, set of $volumes volumes, 420 articles" "verify counts the set"
run verify s.001.tome
expect_status 0 "verify of the set named by a volume"
expect_out "s.tome: OK" "a volume leads to its index"
run info s.tome
expect_status 0 "info of the set"
expect_out "volumes            $volumes" "info counts the volumes"
expect_out "volume 2" "info lists the volumes"
expect_out "meta tome.set" "info shows the set's identity"
run info --alone s.002.tome
expect_out "meta tome.volume 2" "info --alone of a volume is the archive's"
run ls --aliases s.tome
expect_status 0 "ls of the set"
cp "$OUT" ../set.ls
run ls --aliases ../single.tome
cp "$OUT" ../single.ls
same_file ../set.ls ../single.ls "ls --aliases of the set = of the single archive (IDs, keys, sizes, titles, aliases)"
run ls s.000.tome
check "ls by a volume lists the whole set" test "$(wc -l <"$OUT")" -eq 420
for key in d0/f0000.txt d3/f0003.txt d6/f0419.txt first-link.txt d0/zz-link.txt '#0' '#200' '#419'; do
    run cat s.tome "$key"
    cp "$OUT" ../a.cat
    run cat ../single.tome "$key"
    same_file ../a.cat "$OUT" "cat $key: the set gives what the single archive gives"
done
run cat s.tome no/such/key
expect_status 1 "cat of a missing key"
expect_err "no such key" "cat names a missing key"
run cat s.tome '#420'
expect_status 1 "cat of an ID past the set"
run search s.tome "D3/F0"
expect_status 0 "search of a set"
check "search finds across volumes ($(wc -l <"$OUT") of 60)" test "$(wc -l <"$OUT")" -eq 60
cd .. || exit 1
run extract j1/s.tome -C x
expect_status 0 "extract of the set"
mkdir y && (cd tree && tar cf - .) | (cd y && tar xf -) 2>/dev/null
# aliases come back as copies: compare with the links followed
if diff -r x y >diff.log 2>&1; then pass; else fail "extract of the set = the tree"; sed -n '1,8s/^/    /p' diff.log; fi
run extract j1/s.tome -C xs --symlinks
check "an alias across volumes is a link" test -L xs/first-link.txt

# ---- 3. damage ------------------------------------------------------------------

# damaged COPY: a fresh copy of the set in directory COPY
fresh() {
    rm -rf "$1" && cp -r j1 "$1"
}
fresh gone && rm gone/s.001.tome
run verify gone/s.tome
expect_status 1 "verify with a volume missing"
expect_out "volume 1 gone/s.001.tome: missing" "verify names the missing volume"
run cat gone/s.tome '#0'
expect_status 0 "the other volumes still read"
run ls gone/s.tome
expect_status 1 "ls with a volume missing"
expect_err "gone/s.001.tome: volume 1 of set gone/s.tome: missing" "the error names the volume"

fresh cut && head -c 3000 j1/s.002.tome >cut/s.002.tome
run verify cut/s.tome
expect_status 1 "verify with a truncated volume"
expect_out "volume 2 cut/s.002.tome: file: archive is shorter" "verify names the truncated volume"

fresh swap && mv swap/s.000.tome swap/t && mv swap/s.001.tome swap/s.000.tome && mv swap/t swap/s.001.tome
run verify swap/s.tome
expect_status 1 "verify with two volumes swapped"
expect_out "volume 0 swap/s.000.tome: file: a volume is not the one" "verify names the first swapped volume"
expect_out "volume 1 swap/s.001.tome: file: a volume is not the one" "verify names the second"
run cat swap/s.tome '#0'
expect_status 1 "cat from a swapped volume"
expect_err "TOME_ERR_VOLUME" "cat says the volume is not the recorded one"

fresh flip && flip_byte flip/s.001.tome $(($(size_of flip/s.001.tome) / 2))
run verify flip/s.tome
expect_status 1 "verify with a byte changed in a volume"
expect_out "volume 1 flip/s.001.tome:" "verify names the changed volume"

mkdir o
run pack other -o o/s.tome --volume-size 64K -l 9 -q
expect_status 0 "pack of another set"
fresh alien && cp o/s.000.tome alien/s.000.tome
run verify alien/s.tome
expect_status 1 "verify with a volume of another set"
expect_out "volume 0 alien/s.000.tome: file: not a set index, or a volume that does not belong to this set (TOME_ERR_SET)" \
    "verify refuses the foreign volume with TOME_ERR_SET"
run cat alien/s.tome '#0'
expect_status 1 "cat from a foreign volume"
expect_err "TOME_ERR_SET" "cat refuses the foreign volume"

fresh noindex && rm noindex/s.tome
run ls noindex/s.000.tome
expect_status 1 "a volume whose index is missing"
expect_err "noindex/s.tome is missing" "the error names the index"
run ls --alone noindex/s.000.tome
expect_status 0 "--alone reads the volume without its index"

# ---- 4. the packer refuses -----------------------------------------------------------

run pack tree -o r.tome --meta tome.set=x
expect_status 1 "a user's metadata name in tome. is refused"
expect_err "reserved" "the refusal says why"
mkdir big bigout && head -c 200000 /dev/zero | tr '\0' 'a' >big/a &&
    awk 'BEGIN { srand(3); for (i = 0; i < 60000; i++) printf "%c", 33 + int(rand() * 90) }' >big/b
run pack big -o bigout/s.tome --volume-size 8K -l 1
expect_status 1 "an article that cannot fit a volume"
expect_err "article \"b\" alone makes a volume" "the error names the article"
check "nothing left behind by the failed set pack: $(ls -A bigout | tr '\n' ' ')" \
    test -z "$(ls -A bigout)"

# ---- 5. SIGTERM during a set pack leaves no temporary file ---------------------

mkdir i9 i9in
i=0
while [ $i -lt 300 ]; do
    head -c 40000 /dev/urandom >i9in/r$i.bin
    i=$((i + 1))
done
"$TOME" pack i9in -o i9/s.tome --volume-size 256K --dict off -l 1 -j 1 </dev/null >"$OUT" 2>"$ERR" &
pid=$!
third_volume_begun() { ls i9 2>/dev/null | grep -q 's.002.tome.tmp-set-'; }
term_when third_volume_begun
if [ $seen = 1 ]; then
    expect_status 143 "set pack ended by SIGTERM"
    check "SIGTERM during a set pack leaves no file: [$(ls -A i9 | tr '\n' ' ')]" \
        test -z "$(ls -A i9)"
else
    echo "SKIP: SIGTERM during a set pack (it finished before its third volume was seen)"
fi
# i9in stays for section 6: a plan of it, whose shards take a while
"$TOME" plan i9in --shards 4 --dict off -l 1 -o i9.plan -q || echo "FAIL: plan of i9in"

# ---- 6. distributed packing: tome plan, pack --plan --shard, join ----------------

mkdir d1 d2
run plan tree --shards 3 -o d.plan -l 9 --meta title=Tree
expect_status 0 "tome plan --shards 3"
expect_out "plan of 3 shards for 420 articles and 2 aliases" "plan counts the whole tree"
run plan tree --shards 20 -o d0.plan -l 1 --dict on
expect_status 0 "a plan of 20 shards with a dictionary"
expect_err "warning: 20 shards of about" "warns that shards this small pay for a dictionary each"
run plan tree --shards 20 -o d0.plan -l 1 --dict off
check "no dictionary, no warning: [$(cat "$ERR")]" test ! -s "$ERR"
rm -f d0.plan
run pack tree --plan d.plan -o d1/s.tome -j 2
expect_status 0 "pack --plan: every shard in one process, and the join"
expect_out "d1/s.002.tome: " "each volume is reported"
expect_out "d1/s.tome: set of 3 volumes, 420 articles" "then the set"
# three workers at once, then the join
for k in 0 1 2; do
    "$TOME" pack tree --plan d.plan --shard $k -o d2/s.tome -j 1 -q </dev/null \
        >"$T/w$k.out" 2>"$T/w$k.err" &
done
wait
check "three shard workers, no message: $(cat "$T"/w?.err | head -3)" \
    test -z "$(cat "$T"/w?.err)"
run join --plan d.plan -o d2/s.tome
expect_status 0 "join"
check "the set's files: $(ls d1 | tr '\n' ' ')" \
    test "$(ls d1 | tr '\n' ' ')" = "s.000.tome s.001.tome s.002.tome s.tome "
for f in s.000.tome s.001.tome s.002.tome s.tome; do
    same_file d1/$f d2/$f "one process and three workers write the same $f"
done
run verify d2/s.tome
expect_status 0 "verify the joined set"
run extract d2/s.tome -C d2x
expect_status 0 "extract the joined set"
run ls single.tome
sort "$OUT" | cut -f2,3 >single.keys
run ls d2/s.tome
sort "$OUT" | cut -f2,3 >d2.keys
same_file single.keys d2.keys "the set lists the single archive's keys and sizes"
run cat d2/s.tome first-link.txt
cmp -s "$OUT" tree/d1/f0001.txt && pass || fail "an alias found through the joined index"
run info d2/s.000.tome
expect_out "meta title Tree" "the plan's metadata is in every volume"
check "extracting the joined set gives the tree back (links as copies)" diff -r tree d2x

# refusals, each naming the problem
run pack tree --plan d.plan -l 3 -o d3.tome
expect_status 2 "pack --plan with -l"
expect_err "--level: the plan sets what shapes the set's bytes" "says --level belongs to the plan"
run pack tree --plan d.plan -l 3 --volume-size 1M -o d3.tome
expect_status 2 "pack --plan with --volume-size"
expect_err "--volume-size does not go with --plan" "says the plan's shards are the volumes"
run pack tree --shard 1 -o d3.tome
expect_status 2 "--shard without --plan"
expect_err "--shard needs the plan" "says so"
run pack tree --shards 2 -o d3.tome
expect_status 2 "--shards given to pack"
expect_err "--shards is plan's option" "says so"
run plan tree -o d3.plan
expect_status 2 "plan without --shards"
run plan tree --shards 421 -o d3.plan
expect_status 1 "more shards than articles"
expect_err "421 shards asked for 420 articles" "says how many it can"
check "a refused plan leaves no file" test ! -e d3.plan
run pack tree --plan d.plan --shard 3 -o d3.tome
expect_status 1 "shard 3 of a 3-shard plan"
expect_err "shard 3: d.plan has shards 0 to 2" "names the range"
run pack other --plan d.plan --shard 0 -o d3.tome
expect_status 1 "a shard of other input"
expect_err "give the input the plan was made from" "says the input is not the plan's"
check "nothing written for it" test ! -e d3.000.tome
run pack tree --plan single.tome --shard 0 -o d3.tome
expect_status 1 "an archive that is not a plan"
expect_err "single.tome is not a plan of this tome" "says so"
cp d.plan bad.plan
printf 'X' | dd of=bad.plan bs=1 seek=300 conv=notrunc 2>/dev/null
run pack tree --plan bad.plan --shard 0 -o d3.tome
expect_status 1 "a damaged plan"
expect_err "bad.plan is not a usable plan" "says the plan is damaged"
mkdir d3
cp d2/s.000.tome d2/s.002.tome d3/
run join --plan d.plan -o d3/s.tome
expect_status 1 "join with volume 1 missing"
expect_err "d3/s.001.tome: No such file or directory: is shard 1 packed?" "names the volume"
cp d2/s.000.tome d3/s.001.tome
run join --plan d.plan -o d3/s.tome
expect_status 1 "join with volume 0 in volume 1's place"
expect_err "d3/s.001.tome: its tome.volume is another: it is not volume 1" "names the volume"
check "a refused join leaves no index: $(ls d3 | tr '\n' ' ')" test ! -e d3/s.tome
rm d3/s.001.tome
if mkfifo d3/s.001.tome 2>/dev/null; then
    # should the join wait on the FIFO, a writer comes in 20 s: a failure, not a hang
    (sleep 20; : 3<>d3/s.001.tome) 2>/dev/null &
    fifo_guard=$!
    run join --plan d.plan -o d3/s.tome
    kill $fifo_guard 2>/dev/null
    expect_status 1 "join with a FIFO in volume 1's place (refused, not waited on)"
    expect_err "d3/s.001.tome: not a regular file" "names it"
    rm -f d3/s.001.tome
fi
mkdir d3/s.001.tome
run join --plan d.plan -o d3/s.tome
expect_status 1 "join with a directory in volume 1's place"
expect_err "d3/s.001.tome: not a regular file" "names it"
rmdir d3/s.001.tome
run join -o d3/s.tome
expect_status 2 "join without --plan"
# an article sorting before the plan's first key is no shard's to drop:
# shard 0 counts it and refuses
cp -R tree tree0
echo new >'tree0/!first.txt'
run pack tree0 --plan d.plan -o d5.tome
expect_status 1 "pack --plan with an article before the plan's first key"
expect_err "shard 0: the input has 147 articles and 1 aliases in its key range, the plan 146" "shard 0 counts it"
check "no set written for it" test ! -e d5.tome
rm -rf tree0 d5.*.tome
# the same files, one edited since the plan: its shard is refused by what
# it holds, not packed under the plan's identity
cp -R tree tree0
printf 'edited' >>tree0/d1/f0001.txt
run pack tree0 --plan d.plan --shard 0 -o d5.tome
expect_status 1 "a shard whose file was edited since the plan"
expect_err "shard 0: the articles in its key range are not the ones the plan was made from" "says so"
check "no volume written for it" test ! -e d5.000.tome
run pack tree0 --plan d.plan --shard 2 -o d5.tome
expect_status 0 "the shards the edit is not in still pack"
rm -rf tree0 d5.*.tome
# every shard in one process goes to a temporary directory, and the set
# is moved into place at the end: a shard that fails part way leaves the
# set that had the name as it was, and nothing beside it
# old_set_kept WHAT FILES: d6 still holds the set saved in d6.before, byte
# for byte, and exactly FILES (names, each followed by a space)
old_set_kept() {
    for f in s.000.tome s.001.tome s.002.tome s.tome; do
        same_file d6.before/$f d6/$f "$1 leaves the old set's $f as it was"
    done
    check "$1 leaves nothing else: [$(ls -A d6 | tr '\n' ' ')]" \
        test "$(ls -A d6 | tr '\n' ' ')" = "$2"
}
mkdir d6
run plan tree --shards 3 -o e.plan -l 3
expect_status 0 "another plan of the tree"
run pack tree --plan e.plan -o d6/s.tome -q
expect_status 0 "a set from it, to be kept"
cp -R d6 d6.before
cp -R tree tree0
printf 'edited' >>tree0/d6/f0006.txt
run pack tree0 --plan d.plan -o d6/s.tome -q
expect_status 1 "every shard in one process, the last one's file edited since the plan"
expect_err "shard 2: the articles in its key range are not the ones the plan was made from" "says so"
old_set_kept "the failed pack" "s.000.tome s.001.tome s.002.tome s.tome "
# a name the set cannot take (a directory where volume 3 goes) is found
# before anything is moved
run plan tree --shards 4 -o f.plan
expect_status 0 "a plan of 4 shards"
mkdir -p d6/s.003.tome/kept
run pack tree --plan f.plan -o d6/s.tome -q
expect_status 1 "every shard in one process, a directory in volume 3's place"
expect_err "d6/s.003.tome is a directory: the set cannot take its name" "says so"
old_set_kept "the refused move" "s.000.tome s.001.tome s.002.tome s.003.tome s.tome "
rmdir d6/s.003.tome/kept d6/s.003.tome
# a set named just ".tome": its volumes are .tome.NNN.tome, as the index says
mkdir d7
(cd d7 && "$TOME" pack ../tree --plan ../d.plan -o .tome -q) </dev/null >"$OUT" 2>"$ERR"
status=$?
expect_status 0 "a set named .tome"
check "its files: [$(ls -A d7 | tr '\n' ' ')]" \
    test "$(ls -A d7 | tr '\n' ' ')" = ".tome .tome.000.tome .tome.001.tome .tome.002.tome "
run verify d7/.tome
expect_status 0 "the set named .tome verifies"
rm -rf d7 tree0 d6.before
# SIGTERM part way leaves the old set too, and no temporary directory
"$TOME" pack i9in --plan i9.plan -o d6/s.tome -j 1 </dev/null >"$OUT" 2>"$ERR" &
pid=$!
second_volume_staged() { ls d6/s.tome.tmp-plan-*/ 2>/dev/null | grep -q 's.001.tome'; }
term_when second_volume_staged
if [ $seen = 1 ]; then
    expect_status 143 "every shard in one process, ended by SIGTERM"
    check "SIGTERM leaves the old set and nothing else: [$(ls -A d6 | tr '\n' ' ')]" \
        test "$(ls -A d6 | tr '\n' ' ')" = "s.000.tome s.001.tome s.002.tome s.tome "
    run verify d6/s.tome
    expect_status 0 "the old set still verifies"
else
    echo "SKIP: SIGTERM during every shard in one process (it finished before its second volume was seen)"
fi
rm -rf d6 i9in i9.plan
# pack's warnings about keys, once the whole set is there
mkdir -p wk/x
printf 'a' >'wk/x/a\b.txt'
printf 'b' >wk/y.txt
run plan wk --shards 2 -o wk.plan -q
expect_status 0 "a plan of a tree with a backslash in a key"
run pack wk --plan wk.plan -o wk1.tome -q
expect_status 0 "every shard in one process"
expect_err 'key "x/a\\b.txt" has control characters (or backslashes)' "warns of the key"
run pack wk --plan wk.plan --shard 0 -o wk2.tome -q
run pack wk --plan wk.plan --shard 1 -o wk2.tome -q
run join --plan wk.plan -o wk2.tome
expect_status 0 "join"
expect_err 'key "x/a\\b.txt" has control characters (or backslashes)' "join warns of the key"
rm -rf wk wk.plan wk1.* wk2.*
# every shard in one process reads the input once per shard: not a stream
run pack /dev/stdin --plan d.plan -o d4.tome
expect_status 1 "pack --plan without --shard, from a stream"
expect_err "/dev/stdin: a stream is read once" "says why"
check "no volume written for it" test ! -e d4.000.tome
# the plan is never replaced by the set it plans
cp d.plan p.tome
run pack tree --plan p.tome -o p.tome
expect_status 1 "pack --plan -o the plan"
expect_err "-o p.tome: is the plan p.tome" "says so"
check "nothing packed for it" test ! -e p.000.tome
for k in 0 1 2; do cp d2/s.00$k.tome p.00$k.tome; done
run join --plan p.tome -o p.tome
expect_status 1 "join -o the plan (its volumes all there)"
expect_err "p.tome is the plan: the set index would replace it" "says so"
same_file d.plan p.tome "the plan is intact after join -o the plan"
rm -f p.000.tome p.001.tome p.002.tome
cp d.plan p.001.tome
run pack tree --plan p.001.tome --shard 1 -o p.tome
expect_status 1 "a shard whose volume name is the plan's"
expect_err "p.001.tome is the plan: volume 1 would replace it" "says so"
same_file d.plan p.001.tome "the plan is intact after packing its shard over it"

finish
