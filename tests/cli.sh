#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# cli.sh TOME - end-to-end tests of the tome command.
#
#     sh tests/cli.sh build/tome        (from the repository root)
#
# Works in a private temporary directory, removed on exit; never writes into
# the repository.  Prints "FAIL: ..." for each failed assertion and ends with
# exactly one line "N passed, M failed"; exits non-zero when M > 0.

if [ $# -ne 1 ]; then
    echo "usage: sh tests/cli.sh PATH/TO/tome" >&2
    exit 2
fi
case $1 in
/*) TOME=$1 ;;
*) TOME=$(pwd)/$1 ;;
esac
REPO=$(pwd)
export REPO # for the Python helpers below
SEEDS=$REPO/seeds
if [ ! -x "$TOME" ] || [ ! -d "$SEEDS" ]; then
    echo "FAIL: $1 is not an executable, or not run from the repository root (no seeds/)"
    echo "0 passed, 1 failed"
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/tome-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$T" || exit 1
mkdir log
OUT=$T/log/out
ERR=$T/log/err

. "$REPO/tests/lib.sh" # passed, failed, pass, fail, check, finish, size_of, flip_byte
status=0

# Show the last command's standard error, indented (after a failure).
show_err() {
    sed -n '1,12s/^/    stderr: /p' "$ERR"
}

# A sanitizer report is a failure whatever the exit status.
sanitizer_check() {
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR"; then
        fail "sanitizer report from: tome $*"
        grep -E 'ERROR|runtime error|SUMMARY|#[0-9]+ ' "$ERR" | sed -n '1,12s/^/    /p'
    fi
}

# run ARGS...: run tome; $status, $OUT and $ERR hold the outcome.
run() {
    "$TOME" "$@" </dev/null >"$OUT" 2>"$ERR"
    status=$?
    sanitizer_check "$@"
}

# expect_status WANT WHAT
expect_status() {
    if [ "$status" -eq "$1" ]; then
        pass
    else
        fail "$2: exit status $status, expected $1"
        show_err
    fi
}

# expect_err STRING WHAT: standard error contains STRING.
expect_err() {
    if grep -qF -- "$1" "$ERR"; then
        pass
    else
        fail "$2: standard error lacks \"$1\""
        show_err
    fi
}

# expect_out STRING WHAT: standard output contains STRING.
expect_out() {
    if grep -qF -- "$1" "$OUT"; then
        pass
    else
        fail "$2: standard output lacks \"$1\""
        sed -n '1,12s/^/    stdout: /p' "$OUT"
    fi
}

# expect_out_bytes FILE WHAT: standard output is exactly FILE's bytes.
expect_out_bytes() {
    if cmp -s "$1" "$OUT"; then
        pass
    else
        fail "$2: output differs from $1 ($(wc -c <"$OUT") bytes, expected $(wc -c <"$1"))"
    fi
}

# same_file A B WHAT
same_file() {
    if [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; then
        pass
    else
        fail "$3: $1 and $2 differ (or one is missing)"
    fi
}

# same_tree A B WHAT
same_tree() {
    if diff -r "$1" "$2" >"$T/log/diff" 2>&1; then
        pass
    else
        fail "$3: diff -r $1 $2:"
        sed -n '1,12s/^/    /p' "$T/log/diff"
    fi
}

# dir_is DIR LISTING WHAT: `ls -A DIR` prints exactly LISTING (so no output
# file and no *.tmp-* file is left behind).
dir_is() {
    got=$(ls -A "$1" 2>&1)
    if [ "$got" = "$2" ]; then
        pass
    else
        fail "$3: $1 holds [$(echo $got)], expected [$2]"
    fi
}

# not COMMAND...: succeeds when COMMAND fails.
not() {
    if "$@"; then
        return 1
    fi
    return 0
}

# absent_or_same FILE REFERENCE: FILE does not exist, or equals REFERENCE.
absent_or_same() {
    [ ! -e "$1" ] || cmp -s "$1" "$2"
}

# u32 FILE OFFSET: a little-endian u32 of FILE.
u32() {
    set -- $(od -An -tu1 -j "$2" -N 4 "$1")
    echo $(($1 + 256 * $2 + 65536 * $3 + 16777216 * $4))
}

tab=$(printf '\t')

# ---- 1. pack, verify, extract the seeds ----------------------------------------

run pack "$SEEDS" -o A.tome
expect_status 0 "pack seeds -o A.tome"
check "pack seeds: A.tome exists" test -s A.tome
run verify A.tome
expect_status 0 "verify A.tome"
expect_out "OK" "verify A.tome"
check "verify A.tome: no 'damaged' line" not grep -q '^damaged' "$OUT"
run extract A.tome -C out
expect_status 0 "extract A.tome -C out"
same_tree "$SEEDS" out "extract of seeds"

# ---- 2. determinism ------------------------------------------------------------

run pack "$SEEDS" -o A2.tome
expect_status 0 "second pack of seeds"
same_file A.tome A2.tome "packing seeds twice"
run pack "$SEEDS" -j 1 -o J1.tome
expect_status 0 "pack seeds -j 1"
run pack "$SEEDS" -j 2 -o J2.tome
expect_status 0 "pack seeds -j 2"
same_file J1.tome J2.tome "pack seeds -j 1 vs -j 2"
same_file A.tome J1.tome "pack seeds default threads vs -j 1"
# The order inputs are given in does not matter.
printf '%s\n' '{"id":"p","text":"first file"}' '{"id":"r","text":"third"}' >o1.jsonl
printf '%s\n' '{"id":"q","text":"second file","title":"Q"}' >o2.jsonl
run pack o1.jsonl o2.jsonl -o O12.tome
expect_status 0 "pack o1.jsonl o2.jsonl"
run pack o2.jsonl o1.jsonl -o O21.tome
expect_status 0 "pack o2.jsonl o1.jsonl"
same_file O12.tome O21.tome "input order o1,o2 vs o2,o1"
# (multi-block determinism with threads: section 6)
# How the input directory is named does not matter, nor does --no-check.
run pack "$SEEDS/" -o slash.tome
expect_status 0 "pack seeds/"
same_file A.tome slash.tome "pack seeds vs seeds/"
(cd "$SEEDS" && "$TOME" pack . -o "$T/dot.tome" </dev/null >"$OUT" 2>"$ERR")
status=$?
sanitizer_check "pack . (in seeds)"
expect_status 0 "pack . (in seeds)"
same_file A.tome dot.tome "pack seeds vs pack . in seeds"
run pack "$SEEDS" --no-check -q -o nocheck.tome
expect_status 0 "pack --no-check -q"
same_file A.tome nocheck.tome "pack vs pack --no-check"
check "pack -q: nothing on standard output" test ! -s "$OUT"

# ---- 3. ls ---------------------------------------------------------------------

mkdir -p small/b
printf 'hello' >small/a.txt
printf 'see\n' >small/b/c.txt
run pack small -o small.tome
expect_status 0 "pack small"
run ls small.tome
expect_status 0 "ls small.tome"
check "ls small.tome: exactly 2 lines" test "$(wc -l <"$OUT")" -eq 2
check "ls small.tome: first line is '0<TAB>a.txt<TAB>5<TAB>'" \
    test "$(sed -n 1p "$OUT")" = "0${tab}a.txt${tab}5${tab}"
printf '0\ta.txt\t5\t\n1\tb/c.txt\t4\t\n' >ls.expected
expect_out_bytes ls.expected "ls small.tome, whole output"
# A regular file as input is keyed by its base name.
run pack small/b/c.txt -o one.tome
expect_status 0 "pack a single file"
run ls one.tome
check "ls one.tome: '0<TAB>c.txt<TAB>4<TAB>'" test "$(cat "$OUT")" = "0${tab}c.txt${tab}4${tab}"

# ---- 4. cat --------------------------------------------------------------------

run cat small.tome a.txt
expect_status 0 "cat small.tome a.txt"
expect_out_bytes small/a.txt "cat small.tome a.txt"
run cat small.tome '#1'
expect_status 0 "cat small.tome #1"
expect_out_bytes small/b/c.txt "cat small.tome #1"
cat small/b/c.txt small/a.txt >both.expected
run cat small.tome b/c.txt '#0'
expect_status 0 "cat small.tome b/c.txt #0"
expect_out_bytes both.expected "cat of two articles"
run cat small.tome nosuch.txt
expect_status 1 "cat of an unknown key"
expect_err "no such key" "cat of an unknown key"
expect_err "nosuch.txt" "cat of an unknown key"
check "cat of an unknown key: no output" test ! -s "$OUT"
run cat small.tome '#999'
expect_status 1 "cat #999 (out of range)"
expect_err "#999" "cat #999 (out of range)"
run cat small.tome nosuch.txt a.txt
expect_status 1 "cat of a bad and a good key"
expect_out_bytes small/a.txt "cat of a bad and a good key still writes the good one"
# --key: a key that looks like an ID.
printf '%s\n' '{"id":"#1","text":"hash key"}' '{"id":"a","text":"A"}' >hk.jsonl
run pack hk.jsonl -o hk.tome
expect_status 0 "pack hk.jsonl"
printf 'hash key' >hk.expected
run cat hk.tome --key '#1'
expect_status 0 "cat --key #1"
expect_out_bytes hk.expected "cat --key #1"
printf 'A' >hk1.expected
run cat hk.tome '#1'
expect_status 0 "cat #1 with a key '#1' present"
expect_out_bytes hk1.expected "cat #1 means ID 1"

# ---- 5. info -------------------------------------------------------------------

run info A.tome
expect_status 0 "info A.tome"
expect_out "articles" "info A.tome"
expect_out "ratio" "info A.tome"
expect_out "dedup saved" "info A.tome"
expect_out "reader workspace" "info A.tome"
expect_out "workspace bound    TOME_WORKSPACE_BOUND(" "info A.tome"
expect_out "with TOME_ZSTD_MINIMAL" "info A.tome"
nseeds=$(find "$SEEDS" -type f | wc -l)
check "info A.tome: articles line says $nseeds" \
    grep -q "^articles  *$nseeds ($nseeds distinct bodies, 0 aliases)\$" "$OUT"

# ---- 6. round trip of a tricky corpus ------------------------------------------

mkdir -p tr/bin tr/d1/d2/d3 tr/dup tr/other
: >tr/empty
printf 'x' >tr/one
i=0
while [ $i -lt 256 ]; do
    printf "\\$(printf %03o $i)"
    i=$((i + 1))
done >tr/bin/all256.bin
check "setup: all256.bin is 256 bytes" test "$(size_of tr/bin/all256.bin)" -eq 256
head -c 5000 /dev/urandom >tr/bin/random.bin
printf 'deep\nfile\n' >tr/d1/d2/d3/deep.txt
utf8dir=$(printf 'Z\303\274rich')
utf8key=$utf8dir/$(printf 'na\303\257ve.txt')
mkdir "tr/$utf8dir"
printf 'gr\303\274ezi\n' >"tr/$utf8key"
awk 'BEGIN { for (i = 0; i < 90000; i++) printf "line %d of the big file: %d %d\n", i, (i * 7919) % 100003, (i * 31) % 977 }' >tr/big.txt
bigsize=$(size_of tr/big.txt)
check "setup: big.txt is over 2.5 MB" test "$bigsize" -gt 2500000
printf 'the same bytes\nunder two names\n' >tr/dup/first.txt
cp tr/dup/first.txt tr/other/second.txt
nfiles=$(find tr -type f | wc -l)

run pack tr -b 4K -l 3 -o tr.tome
expect_status 0 "pack tricky corpus -b 4K -l 3"
expect_out "tr.tome: $nfiles articles, $((nfiles - 1)) distinct, " "pack tricky corpus summary"
run extract tr.tome -C trx
expect_status 0 "extract tricky corpus"
same_tree tr trx "tricky corpus round trip"
run verify tr.tome
expect_status 0 "verify tr.tome"
run info tr.tome
expect_status 0 "info tr.tome"
counts=$(sed -n 's/^articles  *\([0-9][0-9]*\) (\([0-9][0-9]*\) distinct bodies, 0 aliases)$/\1 \2/p' "$OUT")
check "info tr.tome: articles $nfiles ($((nfiles - 1)) distinct bodies), got '$counts'" \
    test "$counts" = "$nfiles $((nfiles - 1))"
rawsize=$(($(find tr -type f -exec cat {} + | wc -c)))
check "info tr.tome: raw size of the articles $rawsize bytes" \
    grep -q "^raw size  *[0-9]* bytes ($((rawsize)) of articles, [0-9]* of keys and titles)\$" "$OUT"
dupsize=$(size_of tr/dup/first.txt)
check "info tr.tome: dedup saved $dupsize bytes" grep -q "^dedup saved  *$dupsize bytes\$" "$OUT"
blocks=$(sed -n 's/^body blocks  *\([0-9][0-9]*\) .*/\1/p' "$OUT")
check "info tr.tome: big.txt spans many 4K blocks (blocks: '$blocks')" \
    test "${blocks:-0}" -gt $((bigsize / 4096))
run ls tr.tome
expect_status 0 "ls tr.tome"
check "ls tr.tome: $nfiles lines" test "$(wc -l <"$OUT")" -eq "$nfiles"
check "ls tr.tome: line for big.txt with its size" grep -q "^[0-9]*${tab}big.txt${tab}${bigsize}${tab}\$" "$OUT"
check "ls tr.tome: line for the UTF-8 key" grep -qF "${tab}${utf8key}${tab}" "$OUT"
check "ls tr.tome: line for the empty file, size 0" grep -q "^[0-9]*${tab}empty${tab}0${tab}\$" "$OUT"
run cat tr.tome "$utf8key"
expect_status 0 "cat of the UTF-8 key"
expect_out_bytes "tr/$utf8key" "cat of the UTF-8 key"
run cat tr.tome big.txt
expect_status 0 "cat big.txt"
expect_out_bytes tr/big.txt "cat big.txt"
run cat tr.tome empty
expect_status 0 "cat of the empty article"
check "cat of the empty article: no bytes" test ! -s "$OUT"
run cat tr.tome other/second.txt
expect_status 0 "cat of a deduplicated article"
expect_out_bytes tr/other/second.txt "cat of a deduplicated article"
# determinism with many blocks, a dictionary and threads
run pack tr -b 4K -l 3 -j 1 -o trj1.tome
expect_status 0 "pack tricky corpus -j 1"
run pack tr -b 4K -l 3 -j 2 -o trj2.tome
expect_status 0 "pack tricky corpus -j 2"
same_file trj1.tome trj2.tome "tricky corpus -j 1 vs -j 2"
same_file tr.tome trj1.tome "tricky corpus default threads vs -j 1"
run pack tr -b 4K -l 3 -o tr2.tome
expect_status 0 "pack tricky corpus again"
same_file tr.tome tr2.tome "tricky corpus packed twice"
# bounded memory: with bodies and signatures in temporary files (a 16M
# budget keeps 4M of bodies in memory; this corpus has about 6M), the
# archive is the same, and no temporary file is left beside it
mkdir mem memout
i=0
while [ $i -lt 60 ]; do
    awk -v n=$i 'BEGIN { for (k = 0; k < 3000; k++) printf "line %d of file %d: %d\n", k, n, (k * k + n) % 9973 }' >mem/f$i.txt
    i=$((i + 1))
done
cp mem/f7.txt mem/copy7.txt
run pack mem -l 3 -o memout/default.tome
expect_status 0 "pack mem at the default budget"
run pack mem -l 3 --memory 16M -j 1 -o memout/small.tome
expect_status 0 "pack mem --memory 16M -j 1"
same_file memout/default.tome memout/small.tome "pack mem: default budget vs --memory 16M -j 1"
dir_is memout "$(printf 'default.tome\nsmall.tome')" "pack mem: no temporary file left"
run pack mem -l 3 --memory 1M -o memout/tiny.tome
expect_status 2 "pack --memory 1M: a usage error"

# a corpus of nothing but empty files
mkdir allempty
: >allempty/a
: >allempty/b
run pack allempty -o allempty.tome
expect_status 0 "pack of only empty files"
run extract allempty.tome -C allemptyx
expect_status 0 "extract of only empty files"
same_tree allempty allemptyx "round trip of only empty files"
# tiny articles (the dictionary trainer sees samples of a few bytes)
mkdir tiny
for c in a b c d e f; do
    printf '%s' "$c" >"tiny/$c"
done
printf 'ggggggggggg' >tiny/g
printf 'hhhhhhhhhhhh' >tiny/h
run pack tiny -o tiny.tome
expect_status 0 "pack of 8 tiny articles (default options)"
if [ "$status" -eq 0 ]; then
    run extract tiny.tome -C tinyx
    expect_status 0 "extract of 8 tiny articles"
    same_tree tiny tinyx "round trip of 8 tiny articles"
fi
# the smallest block size the tool accepts: -b 1 (each byte its own block)
run pack small -b 1 -o b1.tome
expect_status 0 "pack small -b 1"
if [ "$status" -eq 0 ]; then
    run extract b1.tome -C b1x
    expect_status 0 "extract of a -b 1 archive"
    same_tree small b1x "round trip with -b 1"
fi
run pack small -b 3 --dict off -o b3.tome
expect_status 0 "pack small -b 3 --dict off"
run extract b3.tome -C b3x
expect_status 0 "extract of a -b 3 archive"
same_tree small b3x "round trip with -b 3"
# symbolic links are followed; a directory loop is an error
mkdir -p links/d
printf 'target\n' >links/d/f
ln -s d/f links/link
run pack links -o links.tome
expect_status 0 "pack of a tree with a symbolic link to a file"
run cat links.tome link
expect_status 0 "cat of a symbolic link's article"
expect_out_bytes links/d/f "cat of a symbolic link's article"
ln -s .. links/d/up
mkdir e7
run pack links -o e7/out.tome
expect_status 1 "pack of a tree with a directory loop"
expect_err "directory loop" "pack of a tree with a directory loop"
dir_is e7 "" "pack of a tree with a directory loop leaves nothing"

# ---- 7. JSON Lines -------------------------------------------------------------

printf '%s\n' '{"id":"k1","text":"caf\u00e9","title":"T"}' \
    '{"id":"k2","text":"line\nbreak"}' \
    '' \
    '{"n":-1.5e3,"id":"k3","meta":{"a":[1,2,{"b":null}],"c":"}"},"ok":true,"text":"\ud83d\ude00 \"q\" \\ \/ \t"}' \
    >x.jsonl
run pack x.jsonl -o x.tome
expect_status 0 "pack x.jsonl"
printf 'caf\303\251' >k1.expected
run cat x.tome k1
expect_status 0 "cat x.tome k1"
expect_out_bytes k1.expected "cat x.tome k1 (\\u00e9 as UTF-8)"
printf 'line\nbreak' >k2.expected
run cat x.tome k2
expect_status 0 "cat x.tome k2"
expect_out_bytes k2.expected "cat x.tome k2 (\\n escape)"
printf '\360\237\230\200 "q" \\ / \t' >k3.expected
run cat x.tome k3
expect_status 0 "cat x.tome k3"
expect_out_bytes k3.expected "cat x.tome k3 (surrogate pair, escapes, other members ignored)"
run ls x.tome
expect_status 0 "ls x.tome"
check "ls x.tome: 3 lines (blank line skipped)" test "$(wc -l <"$OUT")" -eq 3
check "ls x.tome: first line is '0<TAB>k1<TAB>5<TAB>T'" \
    test "$(sed -n 1p "$OUT")" = "0${tab}k1${tab}5${tab}T"
check "ls x.tome: second line is '1<TAB>k2<TAB>10<TAB>'" \
    test "$(sed -n 2p "$OUT")" = "1${tab}k2${tab}10${tab}"

# empty strings and strings that start with an escape, on a file's first line
printf '%s\n' '{"id":"e","text":"","title":""}' >e.jsonl
run pack e.jsonl -o e.tome
expect_status 0 "pack of a first line with empty text and title"
run cat e.tome e
expect_status 0 "cat of an empty JSON text"
check "cat of an empty JSON text: no bytes" test ! -s "$OUT"
printf '%s\n' '{"id":"\u0041b","text":"\n\u00e9"}' >esc.jsonl
run pack esc.jsonl -o esc.tome
expect_status 0 "pack of a first line whose strings start with escapes"
printf '\n\303\251' >esc.expected
run cat esc.tome Ab
expect_status 0 "cat of key Ab (from \\u0041b)"
expect_out_bytes esc.expected "cat of key Ab (from \\u0041b)"
# CRLF line ends, a byte order mark, no final newline
printf '\357\273\277{"id":"a","text":"x"}\r\n{"id":"b","text":"y"}' >crlf.jsonl
run pack crlf.jsonl -o crlf.tome
expect_status 0 "pack of a .jsonl with BOM, CRLF and no final newline"
run cat crlf.tome a b
printf 'xy' >crlf.expected
expect_out_bytes crlf.expected "cat from a .jsonl with BOM, CRLF and no final newline"

mkdir jbad jbad.out
printf '%s\n' '{"id":"k1","text":"fine"}' '{"id":"k2","text":' >jbad/x.jsonl
run pack jbad/x.jsonl -o jbad.out/x.tome
expect_status 1 "pack of a malformed JSON line"
expect_err "x.jsonl:2:" "pack of a malformed JSON line"
dir_is jbad.out "" "pack of a malformed JSON line leaves nothing"
printf '%s\n' '{"id":"k1","text":"fine"}' '{"id":"k2","text":"a"}' '{"text":"no id"}' >jbad/noid.jsonl
run pack jbad/noid.jsonl -o jbad.out/x.tome
expect_status 1 "pack of a JSON line without id"
expect_err "noid.jsonl:3:" "pack of a JSON line without id"
dir_is jbad.out "" "pack of a JSON line without id leaves nothing"

# ---- 8. bad usage: exit status 2 -----------------------------------------------

mkdir usage
cd usage || exit 1
run
expect_status 2 "tome with no arguments"
expect_err "usage" "tome with no arguments"
run frobnicate
expect_status 2 "tome frobnicate"
expect_err "frobnicate" "tome frobnicate"
run pack "$SEEDS"
expect_status 2 "pack without -o"
run pack -o x
expect_status 2 "pack without input"
run pack "$SEEDS" -o x --level 99
expect_status 2 "pack --level 99"
run pack "$SEEDS" -o x -l 0
expect_status 2 "pack -l 0"
run pack "$SEEDS" -o x -b 0
expect_status 2 "pack -b 0"
run pack "$SEEDS" -o x -b 12Q
expect_status 2 "pack -b 12Q"
run pack "$SEEDS" -o x -j 0
expect_status 2 "pack -j 0"
run pack "$SEEDS" -o x --dict maybe
expect_status 2 "pack --dict maybe"
run pack "$SEEDS" -o x --frobnicate
expect_status 2 "pack --frobnicate"
run pack "$SEEDS" -o
expect_status 2 "pack -o without a value"
dir_is . "" "bad pack usage writes nothing"
run extract ../A.tome
expect_status 2 "extract without -C"
run extract -C dir
expect_status 2 "extract without an archive"
dir_is . "" "bad extract usage writes nothing"
run ls
expect_status 2 "ls without an archive"
run ls ../A.tome ../A.tome
expect_status 2 "ls with two archives"
run cat ../A.tome
expect_status 2 "cat without a key"
run info
expect_status 2 "info without an archive"
run verify
expect_status 2 "verify without an archive"
run verify --frobnicate ../A.tome
expect_status 2 "verify --frobnicate"
run --help
expect_status 0 "tome --help"
expect_out "usage" "tome --help"
run pack --help
expect_status 0 "tome pack --help"
expect_out "usage" "tome pack --help"
run verify --help
expect_status 0 "tome verify --help"
expect_out "usage" "tome verify --help"
run extract --help
expect_status 0 "tome extract --help"
expect_out "usage" "tome extract --help"
# --version: the library's version and the newest format it reads, exactly
# as include/tome.h defines them, on one line.
header_number() {
    sed -n "s/^#define TOME_$1 \([0-9][0-9]*\).*/\1/p" "$REPO/include/tome.h"
}
printf 'tome %s.%s.%s (reads format %s.%s)\n' "$(header_number VERSION_MAJOR)" \
    "$(header_number VERSION_MINOR)" "$(header_number VERSION_PATCH)" \
    "$(header_number FORMAT_MAJOR)" "$(header_number FORMAT_MINOR)" >"$T/log/version"
run --version
expect_status 0 "tome --version"
expect_out_bytes "$T/log/version" "tome --version prints \"$(cat "$T/log/version")\""
check "tome --version: nothing on standard error" not test -s "$ERR"
cd "$T" || exit 1

# ---- 9. bad input: exit 1, a message, nothing left behind -----------------------

mkdir e1
run pack "$T/no/such/dir" -o e1/out.tome
expect_status 1 "pack of a missing directory"
expect_err "$T/no/such/dir" "pack of a missing directory"
dir_is e1 "" "pack of a missing directory leaves nothing"

mkdir e2 emptydir
run pack emptydir -o e2/out.tome
expect_status 1 "pack of an empty directory"
expect_err "nothing to pack" "pack of an empty directory"
dir_is e2 "" "pack of an empty directory leaves nothing"

mkdir e3
printf '%s\n' '{"id":"one","text":"1"}' '{"id":"same","text":"first"}' >d1.jsonl
printf '%s\n' '{"id":"same","text":"second"}' >d2.jsonl
run pack d1.jsonl d2.jsonl -o e3/out.tome
expect_status 1 "pack of a duplicate key"
expect_err "duplicate key" "pack of a duplicate key"
expect_err "d1.jsonl" "pack of a duplicate key names the first file"
expect_err "d2.jsonl" "pack of a duplicate key names the second file"
dir_is e3 "" "pack of a duplicate key leaves nothing"
# the same key from a directory and a .jsonl file
mkdir -p dupdir
printf 'file body' >dupdir/same
run pack dupdir d2.jsonl -o e3/out.tome
expect_status 1 "pack of a key from a directory and a .jsonl file"
expect_err "duplicate key" "pack of a key from a directory and a .jsonl file"
dir_is e3 "" "pack of a key from a directory and a .jsonl file leaves nothing"

mkdir e4 badname
printf 'ok' >badname/good.txt
printf 'bad' >"badname/$(printf 'bad\377name')"
run pack badname -o e4/out.tome
expect_status 1 "pack of a non-UTF-8 file name"
expect_err "UTF-8" "pack of a non-UTF-8 file name"
dir_is e4 "" "pack of a non-UTF-8 file name leaves nothing"

mkdir e5
cp A.tome e5/good.tome
run pack emptydir -o e5/good.tome
expect_status 1 "failed pack over an existing archive"
same_file A.tome e5/good.tome "existing archive after a failed pack (empty input)"
run pack d1.jsonl d2.jsonl -o e5/good.tome
expect_status 1 "failed pack (duplicate) over an existing archive"
same_file A.tome e5/good.tome "existing archive after a failed pack (duplicate key)"
run pack jbad/x.jsonl -o e5/good.tome
expect_status 1 "failed pack (bad JSON) over an existing archive"
same_file A.tome e5/good.tome "existing archive after a failed pack (bad JSON)"
dir_is e5 "good.tome" "failed packs over an existing archive leave nothing else"

# ---- 10. full disk -------------------------------------------------------------

mkdir big e6
head -c 65536 /dev/urandom >big/random.bin
(
    ulimit -f 8
    trap '' XFSZ
    exec "$TOME" pack big -o e6/out.tome --dict off -l 1
) </dev/null >"$OUT" 2>"$ERR"
status=$?
sanitizer_check "pack (file size limit)"
expect_status 1 "pack with a full disk (ulimit -f 8)"
if grep -qF -e "e6/out.tome" -e "File too large" "$ERR"; then
    pass
else
    fail "pack with a full disk: message names neither e6/out.tome nor 'File too large'"
    show_err
fi
dir_is e6 "" "pack with a full disk leaves nothing"
# the same pack without the limit works (so the failure above was the limit)
run pack big -o e6/out.tome --dict off -l 1
expect_status 0 "pack of big/ without a size limit"
check "pack of big/: archive larger than 4096 bytes" test "$(size_of e6/out.tome)" -gt 4096
# the same limit with SIGXFSZ at its default (killing) action: pack ignores
# it itself, fails with a message and leaves no temporary file
mkdir e6k
(
    ulimit -f 8
    trap - XFSZ
    exec "$TOME" pack big -o e6k/out.tome --dict off -l 1
) </dev/null >"$OUT" 2>"$ERR"
status=$?
sanitizer_check "pack (file size limit, SIGXFSZ not ignored)"
expect_status 1 "pack past ulimit -f with SIGXFSZ at its default action"
expect_err "File too large" "pack past ulimit -f: says why"
dir_is e6k "" "pack past ulimit -f with SIGXFSZ at its default action leaves nothing"

# ---- 11. damage ----------------------------------------------------------------

mkdir dmg
awk 'BEGIN {
    for (f = 1; f <= 50; f++) {
        file = sprintf("dmg/doc%02d.txt", f)
        for (i = 1; i <= 40; i++)
            printf "document %d line %d: the %d quick brown foxes jump over %d lazy dogs (%d)\n",
                f, i, (f * i * 37) % 1000, (f + i * 13) % 97, (f * 7919 + i * 104729) % 65521 > file
        close(file)
    }
}'
run pack dmg -b 4K --dict off -l 3 -o dmg.tome
expect_status 0 "pack dmg -b 4K --dict off -l 3"
cp dmg.tome good.tome
check "dmg.tome: no dictionary (dict_size 0)" test "$(u32 dmg.tome 100)" -eq 0
bt=$(u32 dmg.tome 128)           # block table offset (low 32 bits)
frame0=$(u32 dmg.tome "$bt")     # frame 0 offset (low 32 bits)
fsize0=$(u32 dmg.tome $((bt + 8)))
check "dmg.tome: frame 0 starts at 160 and is over 200 bytes ($frame0, $fsize0)" \
    test "$frame0" -eq 160 -a "$fsize0" -gt 200
at=300
[ "$fsize0" -gt 200 ] && at=$((160 + fsize0 / 2))
flip_byte dmg.tome "$at"
check "damage: one byte differs" test "$(cmp -l good.tome dmg.tome | wc -l)" -eq 1
run verify dmg.tome
expect_status 1 "verify of a damaged block"
check "verify of a damaged block: a line starting 'damaged: article'" grep -q '^damaged: article' "$OUT"
check "verify of a damaged block: names doc01.txt" grep -qF 'damaged: article 0 "doc01.txt"' "$OUT"
check "verify of a damaged block: doc50.txt not damaged" not grep -qF 'doc50.txt' "$OUT"
expect_out "DAMAGED" "verify of a damaged block"
run cat dmg.tome doc01.txt
expect_status 1 "cat of an article in the damaged block"
run cat dmg.tome doc50.txt
expect_status 0 "cat of an article in an intact block"
expect_out_bytes dmg/doc50.txt "cat of an article in an intact block"
run extract dmg.tome -C dmgx
expect_status 1 "extract of a damaged archive"
same_file dmg/doc50.txt dmgx/doc50.txt "extract of a damaged archive still writes intact articles"
check "extract of a damaged archive: doc01.txt not written wrong" \
    absent_or_same dmgx/doc01.txt dmg/doc01.txt

size=$(size_of good.tome)
head -c $((size - 1)) good.tome >trunc.tome
run verify trunc.tome
expect_status 1 "verify of a truncated archive"
cat "$OUT" >>"$ERR"
expect_err "shorter than it says" "verify of a truncated archive"
run ls trunc.tome
expect_status 1 "ls of a truncated archive"

cp good.tome hdr.tome
flip_byte hdr.tome 30
run verify hdr.tome
expect_status 1 "verify of a damaged header"
run cat hdr.tome doc50.txt
expect_status 1 "cat from a damaged header"

cp good.tome tail.tome
flip_byte tail.tome $((size - 3))
run verify tail.tome
expect_status 1 "verify of a damaged footer checksum"

seed=$(find "$SEEDS" -type f | sed -n 1p)
run verify "$seed"
expect_status 1 "verify of a non-archive"
cat "$OUT" >>"$ERR"
expect_err "not a tome archive" "verify of a non-archive"
run info "$seed"
expect_status 1 "info of a non-archive"
expect_err "not a tome archive" "info of a non-archive"
: >zero.tome
run verify zero.tome
expect_status 1 "verify of an empty file"
run verify "$T/no-such.tome"
expect_status 1 "verify of a missing file"
expect_err "no-such.tome" "verify of a missing file"
run ls "$T"
expect_status 1 "ls of a directory"

# an archive may be followed by unrelated bytes
cat good.tome "$seed" >trailing.tome
run verify trailing.tome
expect_status 0 "verify of an archive followed by other bytes"
run cat trailing.tome doc50.txt
expect_status 0 "cat from an archive followed by other bytes"
expect_out_bytes dmg/doc50.txt "cat from an archive followed by other bytes"

# Every damaged byte is noticed: verify says so, and cat never returns
# wrong bytes with exit status 0.
mkdir fz
printf 'hello world\n' >fz/a
printf 'second article here\n' >fz/b
: >fz/e
cp fz/a fz/dup
printf '%s\n' '{"id":"t1","text":"titled body","title":"The Title"}' >fz.jsonl
run pack fz fz.jsonl -l 1 -o fz.tome
expect_status 0 "pack of the small corpus for byte flips"
cat fz/a fz/b fz/e fz/dup >fz.expected
printf 'titled body' >>fz.expected
fzsize=$(size_of fz.tome)
undetected=""
wrong=""
crashed=""
i=0
while [ "$i" -lt "$fzsize" ]; do
    if [ $((i % 3)) -eq 0 ] || [ "$i" -ge $((fzsize - 32)) ]; then
        cp fz.tome flip.tome
        flip_byte flip.tome "$i"
        "$TOME" verify flip.tome </dev/null >/dev/null 2>"$ERR"
        s=$?
        [ "$s" -eq 1 ] || undetected="$undetected $i($s)"
        grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR" && crashed="$crashed verify@$i"
        "$TOME" cat flip.tome a b e dup t1 </dev/null >"$OUT" 2>"$ERR"
        s=$?
        if [ "$s" -eq 0 ]; then
            cmp -s fz.expected "$OUT" || wrong="$wrong $i"
        elif [ "$s" -ne 1 ]; then
            crashed="$crashed cat@$i($s)"
        fi
        grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR" && crashed="$crashed cat@$i"
    fi
    i=$((i + 1))
done
check "byte flips: verify exits 1 for every flipped byte (not for:$undetected)" test -z "$undetected"
check "byte flips: cat never exits 0 with wrong bytes (did at:$wrong)" test -z "$wrong"
check "byte flips: no crash or sanitizer report (at:$crashed)" test -z "$crashed"

# Output that cannot be written is a failure.
if [ -w /dev/full ]; then
    for cmd in "ls" "info" "cat:a"; do
        case $cmd in
        cat:*) "$TOME" cat fz.tome "${cmd#cat:}" </dev/null >/dev/full 2>"$ERR" ;;
        *) "$TOME" "$cmd" fz.tome </dev/null >/dev/full 2>"$ERR" ;;
        esac
        status=$?
        sanitizer_check "$cmd > /dev/full"
        expect_status 1 "tome ${cmd%%:*} >/dev/full"
        expect_err "No space left on device" "tome ${cmd%%:*} >/dev/full"
    done
fi

# ---- 12. extract refuses unsafe keys -------------------------------------------

mkdir u
printf '%s\n' '{"id":"../evil","text":"evil"}' "{\"id\":\"$T/u/abs\",\"text\":\"abs\"}" \
    '{"id":"a/../../evil2","text":"evil2"}' '{"id":"ok.txt","text":"fine"}' >u.jsonl
run pack u.jsonl -o u.tome
expect_status 0 "pack of unsafe-looking keys"
run ls u.tome
check "ls u.tome: 4 articles" test "$(wc -l <"$OUT")" -eq 4
run cat u.tome ../evil
expect_status 0 "cat of key ../evil"
run extract u.tome -C u/target
expect_status 1 "extract of key ../evil"
expect_err "not a safe relative path" "extract of key ../evil"
check "extract: ../evil not written outside the target" test ! -e u/evil
check "extract: a/../../evil2 not written outside the target" test ! -e u/evil2
check "extract: absolute key not written" test ! -e u/abs
dir_is u "target" "extract of unsafe keys writes only under the target"
printf 'fine' >ok.expected
same_file ok.expected u/target/ok.txt "extract of unsafe keys still writes ok.txt"
dir_is u/target "ok.txt" "extract of unsafe keys: target holds only ok.txt"

# ---- 13. inputs the packer refuses: before reading, by line, as another user ----

# Bytes read so far by this shell and the children it has waited for (Linux
# counts a reaped child's reads in its parent's /proc/PID/io).
bytes_read() {
    sed -n 's/^rchar: //p' "/proc/$$/io" 2>/dev/null
}

# A 4 GiB article (a sparse file: no disk used) is refused from its size,
# before a byte of it is read.
mkdir huge e8
if truncate -s 4294967296 huge/big.bin 2>/dev/null && [ -n "$(bytes_read)" ]; then
    before=$(bytes_read)
    run pack huge -o e8/out.tome
    read_by_pack=$(($(bytes_read) - before))
    expect_status 1 "pack of a 4 GiB article"
    expect_err "huge/big.bin: 4294967296 bytes; articles must be under 4 GiB" "pack of a 4 GiB article"
    check "pack of a 4 GiB article reads none of it (read $read_by_pack bytes in all)" \
        test "$read_by_pack" -lt 67108864
    dir_is e8 "" "pack of a 4 GiB article leaves nothing"
else
    echo "SKIP: the 4 GiB article (needs truncate(1) and /proc/PID/io)"
fi
rm -rf huge

# A key that is not UTF-8 in a JSON Lines file names its line.
mkdir e10
printf '%s\n' '{"id":"a","text":"1"}' '{"id":"b","text":"2"}' >badkey.jsonl
printf '{"id":"c\377","text":"3"}\n' >>badkey.jsonl
run pack badkey.jsonl -o e10/out.tome
expect_status 1 "pack of a JSON line whose key is not UTF-8"
expect_err "badkey.jsonl:3:" "pack of a JSON line whose key is not UTF-8"
expect_err "UTF-8" "pack of a JSON line whose key is not UTF-8"
dir_is e10 "" "pack of a JSON line whose key is not UTF-8 leaves nothing"

# A file the packer may not read: root reads anything, so as root the case
# runs as user nobody (setpriv), in a directory nobody can use.
nobody_uid=$(id -u nobody 2>/dev/null)
as_user=
if [ "$(id -u)" != 0 ]; then
    as_user=" "
elif command -v setpriv >/dev/null && [ -n "$nobody_uid" ] &&
    setpriv --reuid="$nobody_uid" --regid="$nobody_uid" --clear-groups "$TOME" --help \
        >/dev/null 2>&1; then
    as_user="setpriv --reuid=$nobody_uid --regid=$nobody_uid --clear-groups"
fi
if [ -n "$as_user" ]; then
    U=$(mktemp -d "${TMPDIR:-/tmp}/tome-cli-user.XXXXXX")
    chmod 755 "$U"
    mkdir "$U/locked" "$U/out"
    printf 'fine' >"$U/locked/a.txt"
    printf 'secret' >"$U/locked/b.txt"
    chmod 000 "$U/locked/b.txt"
    chmod 777 "$U/out"
    $as_user "$TOME" pack "$U/locked" -o "$U/out/x.tome" </dev/null >"$OUT" 2>"$ERR"
    status=$?
    sanitizer_check "pack of an unreadable file"
    expect_status 1 "pack of an unreadable file"
    expect_err "$U/locked/b.txt: Permission denied" "pack of an unreadable file"
    dir_is "$U/out" "" "pack of an unreadable file leaves nothing"
    rm -rf "$U"
else
    echo "SKIP: the unreadable file (running as root, and cannot switch to user nobody)"
fi

# ---- 14. integrity, round 2 ------------------------------------------------------

# i1: extract never follows a symbolic link that is already under the target:
# neither a directory link on a key's path nor a link as the final name.
mkdir -p i1/outside i1/dest
printf 'victim' >i1/outside/victim
ln -s ../outside i1/dest/sub
ln -s ../outside/victim i1/dest/top.txt
printf '%s\n' '{"id":"sub/x.txt","text":"evil"}' '{"id":"top.txt","text":"evil2"}' \
    '{"id":"ok.txt","text":"fine"}' >i1.jsonl
run pack i1.jsonl -o i1.tome
expect_status 0 "i1: pack"
run extract i1.tome -C i1/dest
expect_status 1 "i1: extract over symbolic links"
expect_err 'key "sub/x.txt"' "i1: extract names the key under a directory link"
expect_err 'key "top.txt"' "i1: extract names the key that is a link"
expect_err "symbolic link" "i1: extract says why"
check "i1: nothing written through the directory link" test ! -e i1/outside/x.txt
printf 'victim' >i1.victim
same_file i1.victim i1/outside/victim "i1: the link's target is untouched"
check "i1: sub is still a link" test -L i1/dest/sub
check "i1: top.txt is still a link" test -L i1/dest/top.txt
printf 'fine' >i1.ok
same_file i1.ok i1/dest/ok.txt "i1: the safe key is still written"
dir_is i1/outside "victim" "i1: the outside directory holds only its own file"

# i3: an empty target directory name is bad usage (and no heap overrun)
mkdir i3
cd i3 || exit 1
run extract ../small.tome -C ''
expect_status 2 "i3: extract -C ''"
expect_err "empty" "i3: extract -C '' says the name is empty"
dir_is . "" "i3: extract -C '' writes nothing"
cd "$T" || exit 1

# i4: pack refuses an output that is one of its inputs or inside one
mkdir i4 i4d
cp x.jsonl i4/data.jsonl
run pack i4/data.jsonl -o i4/data.jsonl
expect_status 1 "i4: pack data.jsonl -o data.jsonl"
expect_err "i4/data.jsonl" "i4: pack -o its own input names it"
same_file x.jsonl i4/data.jsonl "i4: the input survives pack -o itself"
ln i4/data.jsonl i4/link.jsonl
run pack i4/data.jsonl -o i4/link.jsonl
expect_status 1 "i4: pack -o a hard link of the input"
same_file x.jsonl i4/data.jsonl "i4: the input survives pack -o its hard link"
dir_is i4 "data.jsonl
link.jsonl" "i4: nothing else written beside the input"
printf 'my notes\n' >i4d/notes.txt
cp i4d/notes.txt i4.notes
run pack i4d -o i4d/notes.txt
expect_status 1 "i4: pack d -o d/notes.txt"
same_file i4.notes i4d/notes.txt "i4: d/notes.txt survives pack d -o d/notes.txt"
run pack i4d -o i4d/out.tome
expect_status 1 "i4: pack d -o d/out.tome"
expect_err "inside the input directory" "i4: pack d -o d/out.tome says why"
dir_is i4d "notes.txt" "i4: pack d -o d/out.tome writes nothing"

# i5: extract replaces a file by renaming a new one over it (a hard link to
# the old file keeps its content), and --keep refuses to replace
mkdir -p i5/dest i5/k/b
printf 'old content' >i5/other-name
ln i5/other-name i5/dest/a.txt
run extract small.tome -C i5/dest
expect_status 0 "i5: extract over a hard-linked file"
same_file small/a.txt i5/dest/a.txt "i5: the file is replaced"
printf 'old content' >i5.old
same_file i5.old i5/other-name "i5: the file's other name keeps the old content"
dir_is i5/dest "a.txt
b" "i5: no temporary file left"
printf 'mine' >i5/k/a.txt
cp i5/k/a.txt i5.mine
run extract small.tome -C i5/k --keep
expect_status 1 "i5: extract --keep over an existing file"
expect_err "i5/k/a.txt" "i5: extract --keep names the existing file"
same_file i5.mine i5/k/a.txt "i5: --keep leaves the existing file alone"
same_file small/b/c.txt i5/k/b/c.txt "i5: --keep still writes the new file"
dir_is i5/k "a.txt
b" "i5: --keep leaves no temporary file"

# i6: memory stays bounded whatever an archive declares.  A hand-made archive
# (docs/FORMAT.md) of a few KiB holds one article of SIZE zero bytes in 1 MiB
# blocks of zstd RLE blocks, with wrong checksums.
python=${PYTHON:-/usr/bin/python3}
hostile_archive() {
    "$python" - "$REPO/tests/golden" "$@" <<'PYEOF'
# A tiny archive declaring one article of SIZE bytes: body blocks of 1 MiB
# of zstd RLE blocks whose segment and content checksums are wrong (so
# verify finds them, and a reader must not trust the size to allocate),
# with KEY as its key.  BLOCK_SIZE_MAX, when given, is what the header
# declares instead of the true 1 MiB and head.
import struct, sys
sys.path.insert(0, sys.argv[1])
from tome3 import varint, xxh32, header_bytes, FOOTER_MAGIC
out, size, key = sys.argv[2], int(sys.argv[3]), sys.argv[4].encode('utf-8', 'surrogateescape')
B, SEG = 1 << 20, 1 << 16
nblocks = max(1, (size + B - 1) // B)
frames = []
left = size
for b in range(nblocks):
    area = min(left, B)
    fields = varint(0 if b == 0 else 1) + varint(0 if b == 0 else area)
    fields += varint(1 if b == 0 else 0) + varint(max(1, (area + SEG - 1) // SEG))
    if b == 0:
        fields += varint(size) + varint(1) + varint(0)
    for e in range(SEG, area + SEG, SEG):
        fields += varint(min(e, area)) + struct.pack('<I', 0)
    head = struct.pack('<I', len(fields) + 8) + fields
    head += struct.pack('<I', xxh32(head, b))
    content_size = len(head) + area
    frame = b'\x28\xb5\x2f\xfd\xa0' + struct.pack('<I', content_size)
    frame += struct.pack('<I', len(head) << 3)[:3] + head
    rle = area
    while rle:
        n = min(rle, 1 << 17)
        rle -= n
        frame += struct.pack('<I', (n << 3) | 2 | (rle == 0))[:3] + b'\0'
    frames.append((frame, content_size, 0 if b == 0 else 1, 0))
    left -= area
name = varint(0) + varint(0) + varint(1) + varint(0) + varint(len(key)) + key
name += varint(0) + varint(0) + varint(0) + varint(0)
nframe = b'\x28\xb5\x2f\xfd\x20' + bytes([len(name)]) + struct.pack('<I', (len(name) << 3) | 1)[:3] + name
frames.append((nframe, len(name), 0, xxh32(name, 2 << 28)))
pos, table, blob = 160, b'', b''
for i, (f, csize, first, csum) in enumerate(frames):
    rec = struct.pack('<QIIII', pos, len(f), csize, first, csum)
    table += rec + struct.pack('<I', xxh32(rec, i))
    pos += len(f)
    blob += f
h = {'major': 3, 'minor': 0, 'header_size': 160, 'file_size': pos + len(table) + 24,
     'article_count': 1, 'body_count': 1, 'alias_count': 0, 'search_count': 0,
     'body_blocks': nblocks, 'name_leaves': 1, 'name_frames': 1, 'alias_leaves': 0,
     'alias_frames': 0, 'search_leaves': 0, 'search_frames': 0, 'meta_frames': 0,
     'block_size_max': int(sys.argv[5]) if len(sys.argv) > 5 else max(c for _, c, _, _ in frames[:-1]),
     'index_size_max': len(name), 'article_size_max': size, 'chunk_size_max': 1 << 17,
     'key_size_max': len(key), 'title_size_max': 0, 'fold_size_max': 0, 'dict_size': 0,
     'workspace_memory': 0, 'workspace_callback': 0, 'fold_version': 0, 'dict_checksum': 0,
     'dict_offset': 0, 'block_table_offset': pos, 'raw_size': size, 'stored_size': size,
     'meta_count': 0}
data = header_bytes(h) + blob + table + FOOTER_MAGIC + struct.pack('<QI', h['file_size'], 0)
data += struct.pack('<I', xxh32(data))
open(out, 'wb').write(data)
PYEOF
}
if [ -x "$python" ] && hostile_archive i6.tome 1073741824 big &&
    hostile_archive i6s.tome 293601280 big; then
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M' -o i6.rss "$TOME" cat i6.tome big </dev/null 2>"$ERR" | wc -c >i6.count
        status=$(cat i6.rss | sed -n 's/^Command exited with non-zero status //p')
        rss=$(tail -n 1 i6.rss)
        sanitizer_check "cat of a 1 GiB article"
        check "i6: cat of a 1 GiB article: max RSS ${rss} KB under 256 MB" test "$rss" -lt 262144
        check "i6: cat of a 1 GiB article exits 1 (wrong checksum), got '$status'" test "$status" = 1
        expect_err "content does not match its checksum" "i6: cat says the content is wrong"
        check "i6: cat wrote no byte that failed its check ($(cat i6.count) bytes)" test "$(cat i6.count)" -eq 0
        mkdir i6x
        /usr/bin/time -f '%M' -o i6.rss "$TOME" extract i6s.tome -C i6x </dev/null >"$OUT" 2>"$ERR"
        status=$(sed -n 's/^Command exited with non-zero status //p' i6.rss)
        rss=$(tail -n 1 i6.rss)
        sanitizer_check "extract of a 280 MiB article"
        check "i6: extract of a 280 MiB article: max RSS ${rss} KB under 256 MB" test "$rss" -lt 262144
        check "i6: extract of an article with a wrong checksum exits 1, got '$status'" test "$status" = 1
        expect_err 'key "big"' "i6: extract names the damaged article"
        dir_is i6x "" "i6: extract leaves no file and no temporary file for a damaged article"
        # i5: SIGTERM while extract writes a file leaves neither it nor its
        # temporary file (a sound archive of one 256 MiB article, so that
        # the file is there a while)
        mkdir i5t i5z
        head -c 268435456 /dev/zero >i5z/zeros
        "$TOME" pack i5z -l 1 --dict off --no-check -q -o i5z.tome </dev/null >/dev/null 2>&1
        rm -rf i5z
        "$TOME" extract i5z.tome -C i5t </dev/null >"$OUT" 2>"$ERR" &
        pid=$!
        n=0
        while [ $n -lt 2000 ] && [ -z "$(ls -A i5t)" ] && kill -0 $pid 2>/dev/null; do
            sleep 0.01
            n=$((n + 1))
        done
        if [ -n "$(ls -A i5t)" ]; then
            kill -TERM $pid 2>/dev/null
            wait $pid 2>/dev/null
            status=$?
            expect_status 143 "i5: extract ended by SIGTERM"
            dir_is i5t "" "i5: SIGTERM during extract leaves no partial or temporary file"
        else
            wait $pid 2>/dev/null
            echo "SKIP: i5 SIGTERM (extract finished before its file was seen)"
        fi
    else
        echo "SKIP: i6 memory (needs /usr/bin/time)"
    fi
    # verify and ls escape a hostile key
    hostile_archive i7.tome 1000 "$(printf 'k\033[2J\tx\ny')"
    run verify i7.tome
    expect_status 1 "i7: verify of a hostile archive"
    check "i7: verify prints no raw escape character" not grep -q "$(printf '\033')" "$OUT"
    expect_out 'damaged: article 0 "k\x1b[2J\tx\ny"' "i7: verify names the key escaped"
    run ls i7.tome
    printf '0\tk\\x1b[2J\\tx\\ny\t1000\t\n' >i7v.expected
    expect_out_bytes i7v.expected "i7: ls escapes a hostile key"
    # i6: a workspace that cannot be allocated is out of memory, not "too
    # small" (where a memory limit works: not under AddressSanitizer)
    hostile_archive i6w.tome 1000 big 4000000000
    if (ulimit -v 1000000 && exec "$TOME" --help) >/dev/null 2>&1; then
        (
            ulimit -v 1000000
            exec "$TOME" ls i6w.tome
        ) </dev/null >"$OUT" 2>"$ERR"
        status=$?
        expect_status 1 "i6: ls of an archive whose workspace does not fit in memory"
        expect_err "out of memory" "i6: a workspace that cannot be allocated is out of memory"
        check "i6: ... not 'workspace too small'" not grep -q "too small" "$ERR"
    else
        echo "SKIP: i6 out of memory (no ulimit -v under this build)"
    fi
else
    echo "SKIP: i6 memory and the hostile keys of i7 (needs $python)"
fi

# i7: control characters in keys and titles are escaped in human output;
# ls --null gives the raw fields; ls --help says how
run ls --help
expect_status 0 "i7: ls --help"
expect_out '\xHH' "i7: ls --help documents the escaping"
expect_out '--null' "i7: ls --help documents --null"
printf '%s\n' '{"id":"evil\tkey\n0\tforged","text":"x","title":"t\u001b[31mred"}' \
    '{"id":"back\\slash","text":"yy"}' >i7.jsonl
run pack i7.jsonl -o i7j.tome
expect_status 0 "i7: pack of keys with control characters"
expect_err "control characters" "i7: pack warns about control characters"
run ls i7j.tome
expect_status 0 "i7: ls"
printf '0\tback\\\\slash\t2\t\n1\tevil\\tkey\\n0\\tforged\t1\tt\\x1b[31mred\n' >i7.expected
expect_out_bytes i7.expected "i7: ls escapes tab, newline, backslash and ESC"
run ls --null i7j.tome
expect_status 0 "i7: ls --null"
printf '0|back\\slash|2||1|evil\tkey\n0\tforged|1|t\033[31mred|' | tr '|' '\000' >i7n.expected
expect_out_bytes i7n.expected "i7: ls --null gives raw NUL-terminated fields"
printf '%s\n' '{"id":"../\u001b[2Jx","text":"x"}' >i7u.jsonl
run pack i7u.jsonl -o i7u.tome
run extract i7u.tome -C i7ux
expect_status 1 "i7: extract of an unsafe key with an escape"
check "i7: extract's message has no raw escape character" not grep -q "$(printf '\033')" "$ERR"
expect_err '../\x1b[2Jx' "i7: extract's message names the key escaped"

# the packer's own messages quote keys escaped too
printf '%s\n' '{"id":"d\u001b[2Jup","text":"1"}' >i7d1.jsonl
cp i7d1.jsonl i7d2.jsonl
run pack i7d1.jsonl i7d2.jsonl -o i7d.tome
expect_status 1 "i7: pack of a duplicate key with an escape"
check "i7: pack's message has no raw escape character" not grep -q "$(printf '\033')" "$ERR"
expect_err 'duplicate key "d\x1b[2Jup"' "i7: pack's message names the key escaped"

# i9: SIGTERM during pack removes the temporary file; SIGKILL leaves none
# either (the archive is written to an unnamed file until it is whole)
mkdir i9 i9in
i=0
while [ $i -lt 24 ]; do
    head -c 2000000 /dev/urandom >i9in/r$i.bin
    i=$((i + 1))
done
# writing PID: the pack has its output file open (named or unnamed) in i9
writing() {
    ls -l "/proc/$1/fd" 2>/dev/null | grep -q -E "/i9/(out\.tome\.tmp-|#)"
}
for sig_status in TERM:143 KILL:137; do
    sig=${sig_status%:*}
    "$TOME" pack i9in -o i9/out.tome --dict off -l 1 -j 1 </dev/null >"$OUT" 2>"$ERR" &
    pid=$!
    seen=0
    n=0
    while [ $n -lt 2000 ] && kill -0 $pid 2>/dev/null; do
        if writing $pid; then
            seen=1
            break
        fi
        sleep 0.01
        n=$((n + 1))
    done
    kill -$sig $pid 2>/dev/null
    wait $pid 2>/dev/null
    status=$?
    if [ $seen = 1 ]; then
        expect_status ${sig_status#*:} "i9: pack ended by SIG$sig"
        dir_is i9 "" "i9: SIG$sig while pack writes leaves no file"
    else
        echo "SKIP: i9 SIG$sig (the pack finished before it was seen writing)"
    fi
    rm -f i9/*
done
rm -rf i9in

# i10: a full disk (a file size limit) during extract leaves no partial file
mkdir i10
(
    ulimit -f 8
    trap '' XFSZ
    exec "$TOME" extract tr.tome -C i10
) </dev/null >"$OUT" 2>"$ERR"
status=$?
sanitizer_check "extract (file size limit)"
expect_status 1 "i10: extract with a full disk (ulimit -f 8)"
expect_err "i10/big.txt: File too large" "i10: extract names the file it could not write"
check "i10: no truncated big.txt" test ! -e i10/big.txt
check "i10: no truncated bin/random.bin" test ! -e i10/bin/random.bin
check "i10: no temporary file left" test -z "$(find i10 -name '.tome-*')"
same_file tr/one i10/one "i10: small files are still written"

# i12: pack warns about keys that extract refuses, and extract names each
printf '%s\n' '{"id":".","text":"1"}' '{"id":"..","text":"2"}' '{"id":"../x","text":"3"}' \
    '{"id":"/abs","text":"4"}' '{"id":"a//b","text":"5"}' '{"id":"a/","text":"6"}' \
    '{"id":"a","text":"7"}' '{"id":"a/b","text":"8"}' '{"id":"fine","text":"9"}' >i12.jsonl
run pack i12.jsonl -o i12.tome
expect_status 0 "i12: pack of keys extract refuses"
for k in . .. ../x /abs a//b a/; do
    expect_err "warning: key \"$k\" cannot be extracted" "i12: pack warns about key '$k'"
done
expect_err 'keys "a" and "a/b" cannot both be extracted' "i12: pack warns about a and a/b"
run extract i12.tome -C i12x
expect_status 1 "i12: extract of keys it refuses"
for k in . .. ../x /abs a//b a/; do
    expect_err "key \"$k\" is not a safe relative path" "i12: extract names key '$k'"
done
if grep -qF -e 'key "a/b": "a" is not a directory' -e 'key "a": i12x/a is a directory' "$ERR"; then
    pass
else
    fail "i12: extract names the clash of a and a/b"
    show_err
fi
printf '9' >i12.fine
same_file i12.fine i12x/fine "i12: extract still writes the good key"

# i8: verify names keys that break the format's rules (NUL, invalid UTF-8,
# out of order) as such, and extract does not write them; archives written
# by tests/golden/tome3.py (every checksum right)
"$python" - <<'PYEOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ['REPO'], 'tests', 'golden'))
from tome3 import Article, Builder
for name, keys in (('i8nul', [b'ok\x00a', b'ok\x00b']), ('i8utf', [b'bad\xff', b'good'])):
    arts = [Article(k, b'body of ' + k) for k in keys]
    open(name + '.tome', 'wb').write(Builder(arts).build())
PYEOF
for a in i8nul i8utf; do
    run verify $a.tome
    expect_status 1 "i8: verify of keys with NUL or invalid UTF-8 ($a)"
    expect_out "keys are not unique and in order, or not UTF-8 without NUL" "i8: verify says what is wrong with the keys ($a)"
    run extract $a.tome -C i8x
    expect_status 1 "i8: extract refuses such keys ($a)"
done
check "i8: extract wrote no file under a NUL key" test ! -e i8x/ok

# i2, i11, i14: what a plain reader uses is checked before it is trusted.
# In 3.0 the storage order is the block heads' ID lists (2.0's order table),
# sizes come from the heads (2.0's entry table), and frames are bound to
# their kind and place by seeded checksums.  Every damage below must give
# an error, or output identical to the intact archive's: never a skipped,
# repeated or misattributed article with exit status 0.
mkdir i2src
awk 'BEGIN { for (f = 1; f <= 24; f++) { file = sprintf("i2src/f%02d.txt", f)
    for (i = 1; i <= 30; i++) printf "file %d line %d: %d %d\n", f, i, (f * i * 31) % 997, (f * 7 + i) % 89 > file
    close(file) } }'
run pack i2src -b 2K --dict off -l 3 -o i2.tome
expect_status 0 "i2: pack of 24 files in 2 KiB blocks"
"$TOME" ls i2.tome >i2.ls 2>/dev/null
# patch FILE OFFSET BYTE [header]: set a byte; with "header", recompute the
# header checksum only (the integrity issue's item 14)
patch() {
    "$python" - "$@" <<'PYEOF'
import os, struct, sys
sys.path.insert(0, os.path.join(os.environ['REPO'], 'tests', 'golden'))
from tome3 import xxh32
path, at, value = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = bytearray(open(path, 'rb').read())
d[at] = value
if len(sys.argv) > 4:
    struct.pack_into('<I', d, 156, xxh32(bytes(d[:156])))
open(path, 'wb').write(d)
PYEOF
}
bt=$(u32 i2.tome 128)
frame1=$(u32 i2.tome $((bt + 28)))      # body block 1's frame
size1=$(u32 i2.tome $((bt + 28 + 8)))
wrong=""
k=0
while [ $k -lt 24 ] && [ $k -lt "$size1" ]; do
    cp i2.tome i2d.tome
    at=$((frame1 + k))
    old=$(od -An -tu1 -j "$at" -N 1 i2d.tome | tr -d ' ')
    patch i2d.tome "$at" $((old ^ 0x10))
    rm -rf i2x
    "$TOME" extract i2d.tome -C i2x </dev/null >/dev/null 2>"$ERR"
    s=$?
    if [ "$s" -eq 0 ]; then
        diff -r i2src i2x >/dev/null 2>&1 || wrong="$wrong extract@$k"
    else
        # every file written is whole and right; none is there twice
        for f in i2x/*; do
            [ -e "$f" ] && { cmp -s "$f" "i2src/${f#i2x/}" || wrong="$wrong extract-file@$k"; }
        done
    fi
    "$TOME" ls i2d.tome </dev/null >i2d.ls 2>/dev/null
    [ $? -eq 0 ] && ! cmp -s i2.ls i2d.ls && wrong="$wrong ls@$k"
    "$TOME" cat i2d.tome '#0' '#5' '#23' </dev/null >i2d.cat 2>/dev/null
    [ $? -eq 0 ] && ! cat i2src/f01.txt i2src/f06.txt i2src/f24.txt | cmp -s - i2d.cat &&
        wrong="$wrong cat@$k"
    k=$((k + 1))
done
check "i2, i11: a damaged byte at the start of a body block (its head: sizes, ID lists) is an error or harmless for extract, ls and cat (wrong at:$wrong)" test -z "$wrong"
# i14: a header count moved by one with the header checksum recomputed
wrong=""
for field in 40 44 48 52 56 60 64 68 28 24; do
    for delta in 1 255; do
        cp i2.tome i14.tome
        old=$(od -An -tu1 -j "$field" -N 1 i14.tome | tr -d ' ')
        patch i14.tome "$field" $(((old + delta) % 256)) header
        "$TOME" ls i14.tome </dev/null >i14.ls 2>/dev/null
        [ $? -eq 0 ] && ! cmp -s i2.ls i14.ls && wrong="$wrong ls@$field+$delta"
        "$TOME" cat i14.tome '#0' </dev/null >i14.cat 2>/dev/null
        [ $? -eq 0 ] && ! cmp -s i2src/f01.txt i14.cat && wrong="$wrong cat@$field+$delta"
    done
done
# the shift of the issue: one more body block and one name frame less (the
# same total), so every frame would be read as another kind
cp i2.tome i14s.tome
nb=$(u32 i2.tome 40)
nf=$(u32 i2.tome 48)
patch i14s.tome 40 $(((nb + 1) % 256)) header
patch i14s.tome 48 $(((nf - 1) % 256)) header
"$TOME" ls i14s.tome </dev/null >i14.ls 2>/dev/null
[ $? -eq 0 ] && ! cmp -s i2.ls i14.ls && wrong="$wrong ls@shift"
"$TOME" cat i14s.tome '#0' </dev/null >i14.cat 2>/dev/null
[ $? -eq 0 ] && ! cmp -s i2src/f01.txt i14.cat && wrong="$wrong cat@shift"
check "i14: a header count moved by one (header checksum recomputed) never pairs a key with another body (wrong at:$wrong)" test -z "$wrong"

# i13: clear messages, before any work
run ls zero.tome
expect_status 1 "i13: ls of a 0-byte file"
expect_err "empty file" "i13: ls of a 0-byte file says it is empty"
mkdir i13 i13/adir
cd i13 || exit 1
run pack "$SEEDS" -o ''
expect_status 2 "i13: pack -o ''"
expect_err "empty" "i13: pack -o '' says the name is empty"
run pack ../jbad/x.jsonl -o adir
expect_status 1 "i13: pack -o a directory"
expect_err "adir: is a directory" "i13: pack -o a directory says so before reading input"
run pack '' -o out.tome
expect_status 2 "i13: pack ''"
expect_err "empty" "i13: pack '' says the name is empty"
check "i13: pack '' names no internal function" not grep -q 'tome_pack' "$ERR"
dir_is . "adir" "i13: bad output names write nothing"
printf 'x' >regular
run extract ../small.tome -C regular
expect_status 1 "i13: extract -C a regular file"
check "i13: extract -C a regular file prints one line ($(wc -l <"$ERR"))" test "$(wc -l <"$ERR")" -eq 1
expect_err "regular: not a directory" "i13: extract -C a regular file says so"
cd "$T" || exit 1
run cat small.tome -- a.txt
expect_status 0 "i13: cat ARCHIVE -- KEY"
expect_out_bytes small/a.txt "i13: cat ARCHIVE -- KEY"
printf '%s\n' '{"id":"-n","text":"dash"}' >i13d.jsonl
run pack i13d.jsonl -o i13d.tome
run cat i13d.tome -- -n
expect_status 0 "i13: cat ARCHIVE -- -n (a key that looks like an option)"
mkfifo i13.fifo.jsonl
printf '%s\n' '{"id":"f","text":"from a fifo"}' >i13.fifo.jsonl &
writer=$!
run pack i13.fifo.jsonl -o i13f.tome
kill $writer 2>/dev/null # blocked when pack did not open the FIFO
wait $writer 2>/dev/null
expect_status 0 "i13: pack of a FIFO"
run cat i13f.tome f
printf 'from a fifo' >i13f.expected
expect_out_bytes i13f.expected "i13: pack of a FIFO"
printf '%s\n' '{"id":"s","text":"from stdin"}' |
    "$TOME" pack /dev/stdin -o i13s.tome >"$OUT" 2>"$ERR"
status=$?
sanitizer_check "pack /dev/stdin"
expect_status 0 "i13: pack /dev/stdin"
run cat i13s.tome s
printf 'from stdin' >i13s.expected
expect_out_bytes i13s.expected "i13: pack /dev/stdin"

# ---- 15. find what you don't know the exact key of: search, aliases, metadata ----

cp "$REPO/tests/data/multilingual.jsonl" ml.jsonl
run pack ml.jsonl --meta title="Phrases" --meta language=mul --meta "date=2026-12-01" -o ml.tome
expect_status 0 "pack of the multilingual corpus with metadata"
run info ml.tome
expect_out "meta date 2026-12-01" "info prints metadata"
expect_out "meta language mul" "info prints metadata"
expect_out "meta title Phrases" "info prints metadata"
expect_out "articles           18 (18 distinct bodies, 7 aliases)" "info counts aliases"
# search_ids QUERY [OPTIONS]: the IDs tome search prints, space-separated
search_keys() {
    q=$1
    shift
    "$TOME" search ml.tome "$q" "$@" </dev/null 2>"$ERR" | cut -f2 | tr '\n' ' '
}
for pair in "strasse:de/strasse" "STRASSE:de/strasse" "straße:de/strasse" \
            "istanbul:tr/istanbul" "İSTANBUL:tr/istanbul" "izmir:tr/izmir" "ışık:tr/isik" \
            "isik:tr/isik" "οδυσσεας:el/odysseas" "ΟΔΥΣΣΈΑΣ:el/odysseas" "θαλασσα:el/thalassa" \
            "ежик:ru/ezhik" "ЁЖИК:ru/ezhik" "елка:ru/yolka" "ecole:fr/ecole" "oeuvre:fr/oeuvre" \
            "garcon:fr/garcon" "munchen:de/muenchen" "de/munich:de/muenchen" "aesir:misc/aesir" \
            "lodz:misc/lodz" "pierre robin:misc/pierre-robin" "pierre-robin:misc/pierre-robin" \
            "arger:de/aerger"; do
    q=${pair%%:*}
    want=${pair#*:}
    got=$(search_keys "$q")
    check "search '$q' finds $want (got: $got)" test "$got" = "$want "
done
got=$(search_keys "STRASSE" --exact)
check "search --exact 'STRASSE' finds nothing (got: $got)" test -z "$got"
got=$(search_keys "Straße" --exact)
check "search --exact 'Straße' finds de/strasse (got: $got)" test "$got" = "de/strasse "
got=$(search_keys "de/" --keys)
check "search --keys 'de/' finds the three German keys in order (got: $got)" \
    test "$got" = "de/aerger de/muenchen de/strasse "
got=$(search_keys "de/" --keys --limit 2)
check "search --limit 2 stops after two (got: $got)" test "$got" = "de/aerger de/muenchen "
got=$(search_keys "de/strassenbau" --aliases)
check "search --aliases finds an article by its alias (got: $got)" test "$got" = "de/strasse "
got=$(search_keys "de/strassenbau" --titles)
check "search --titles does not look at aliases (got: $got)" test -z "$got"
run search ml.tome "$(printf 'bad\377')"
expect_status 2 "search for invalid UTF-8 is a usage error"
run search ml.tome
expect_status 2 "search without a query"
# aliases: cat by alias, ls --aliases, extract as copies or links, verify
run cat ml.tome tr/constantinople
expect_status 0 "cat by alias"
expect_out "İstanbul iki kıtaya" "cat by alias gives the article"
run ls --aliases ml.tome
expect_out "tr/istanbul${tab}" "ls --aliases"
check "ls --aliases lists the alias after the title" \
    grep -q "^[0-9]*${tab}tr/istanbul${tab}[0-9]*${tab}İstanbul${tab}tr/constantinople\$" "$OUT"
run ls --aliases --null ml.tome
expect_status 0 "ls --aliases --null"
run extract ml.tome -C mlx
expect_status 0 "extract with aliases"
same_file mlx/tr/istanbul mlx/tr/constantinople "an alias is extracted as a copy"
check "the copy is a regular file" test -f mlx/tr/constantinople -a ! -L mlx/tr/constantinople
run extract ml.tome -C mll --symlinks
expect_status 0 "extract --symlinks"
check "an alias is a symbolic link with --symlinks" test -L mll/tr/constantinople
check "the link is relative: ../tr/istanbul" test "$(readlink mll/tr/constantinople)" = "../tr/istanbul"
same_file mll/tr/istanbul mll/tr/constantinople "the link reads as the article"
run verify ml.tome
expect_status 0 "verify of an archive with aliases, search and metadata"
# a symbolic link inside a packed tree becomes an alias, not a copy
mkdir -p tree/sub
printf 'real\n' >tree/sub/real.txt
ln -s sub/real.txt tree/link.txt
run pack tree -o tree.tome
expect_status 0 "pack of a tree with a symbolic link"
run ls --aliases tree.tome
check "the link is an alias of the file it points to" \
    grep -q "^0${tab}sub/real.txt${tab}5${tab}${tab}link.txt\$" "$OUT"
run extract tree.tome -C treex --symlinks
same_tree tree treex "pack then extract --symlinks gives the tree back, link and all"
# metadata and aliases the packer refuses
run pack ml.jsonl --meta novalue -o bad.tome
expect_status 2 "--meta without '=' is a usage error"
printf '%s\n' '{"id":"a","text":"x","aliases":["b"]}' '{"id":"b","text":"y"}' >clash.jsonl
run pack clash.jsonl -o clash.tome
expect_status 1 "an alias equal to a key is refused"
expect_err "\"b\"" "the refusal names the alias"
dir_is . "$(ls -A)" "no archive left behind by a refused pack"

finish
