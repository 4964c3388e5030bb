#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# install.sh BUILD - `make install DESTDIR=TMP PREFIX=/usr` of the build in
# BUILD, then a user's program (tests/install_check.c) built with nothing
# but `pkg-config --cflags --libs tome` packs seeds/, opens the archive and
# fetches an article: once against the shared library, once with only the
# static library installed.  `make uninstall` must remove every file
# install wrote and nothing else.  Run from the repository root; prints
# "N passed, M failed".
build=$1
REPO=$(pwd)
. "$(dirname "$0")/lib.sh"

# not_grep PATTERN FILE: FILE has no line matching PATTERN.
not_grep() {
    ! grep -q "$1" "$2"
}

# show FILE: its first lines, indented (after a failure).
show() {
    sed -n '1,15s/^/    /p' "$1"
}

if [ ! -d "$REPO/seeds" ] || [ ! -f "$build/tome" ]; then
    echo "FAIL: run from the repository root after building $build/tome"
    echo "0 passed, 1 failed"
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/tome-install.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
D=$T/dest

# A make of its own: not the jobserver or goals of a `make test` around us.
unset MAKEFLAGS MFLAGS
MAKE=${MAKE:-make}
CC=${CC:-cc}
# make_in LOG TARGET: make TARGET into $D; its status.
make_in() {
    "$MAKE" --no-print-directory BUILD="$build" DESTDIR="$D" PREFIX=/usr "$2" >"$T/$1" 2>&1
}

number() {
    sed -n "s/^#define TOME_$1 \\([0-9][0-9]*\\).*/\\1/p" include/tome.h
}
major=$(number VERSION_MAJOR)
version=$major.$(number VERSION_MINOR).$(number VERSION_PATCH)

# Files relative to $D, sorted; symbolic links included.
listing() {
    (cd "$D" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort)
}

# Exactly what install writes.
LC_ALL=C sort >"$T/expected" <<EOF
usr/bin/tome
usr/include/tome.h
usr/include/tome_pack.h
usr/lib/libtome.a
usr/lib/libtome.so
usr/lib/libtome.so.$major
usr/lib/libtome.so.$version
usr/lib/pkgconfig/tome.pc
usr/share/man/man1/tome.1
EOF

# Files of others beside ours, with names like ours: uninstall keeps them.
others() {
    for f in usr/bin/tome-other usr/include/tome_other.h usr/lib/libtome-other.a \
        usr/lib/libtome.so.other usr/lib/pkgconfig/tome-other.pc usr/share/man/man1/tome-other.1; do
        mkdir -p "$D/$(dirname "$f")"
        echo other >"$D/$f"
        echo "$f"
    done | LC_ALL=C sort >"$T/others"
}

# expect_listing FILE WHAT: the files under $D are exactly those of FILE.
expect_listing() {
    listing >"$T/listing"
    if cmp -s "$1" "$T/listing"; then
        pass
    else
        fail "$2: files under DESTDIR differ (< expected, > found):"
        diff "$1" "$T/listing" | sed -n '1,20s/^/    /p'
    fi
}

# ---- 1. make install -------------------------------------------------------------

if make_in install.log install; then
    pass
else
    fail "make install DESTDIR=... PREFIX=/usr"
    show "$T/install.log"
fi
expect_listing "$T/expected" "make install"
check "libtome.so -> libtome.so.$major" \
    test "$(readlink "$D/usr/lib/libtome.so")" = "libtome.so.$major"
check "libtome.so.$major -> libtome.so.$version" \
    test "$(readlink "$D/usr/lib/libtome.so.$major")" = "libtome.so.$version"
check "the installed headers are include/'s" \
    cmp -s include/tome.h "$D/usr/include/tome.h"
check "the installed tome_pack.h is include/'s" \
    cmp -s include/tome_pack.h "$D/usr/include/tome_pack.h"
check "the installed man page is docs/tome.1" cmp -s docs/tome.1 "$D/usr/share/man/man1/tome.1"
check "the man page names version $version (.TH)" \
    grep -q "^\\.TH TOME 1 .*\"tome $version\"" "$D/usr/share/man/man1/tome.1"
"$D/usr/bin/tome" --version >"$T/version" 2>&1
check "installed tome --version: 'tome $version (reads format ...)' ($(cat "$T/version"))" \
    grep -q "^tome $version (reads format [0-9]*\\.[0-9]*)\$" "$T/version"

# ---- 2. pkg-config ----------------------------------------------------------------

export PKG_CONFIG_SYSROOT_DIR="$D"
export PKG_CONFIG_PATH="$D/usr/lib/pkgconfig"
check "pkg-config --modversion tome is $version" \
    test "$(pkg-config --modversion tome 2>&1)" = "$version"
check "tome.pc: Requires libzstd" grep -q '^Requires:.*libzstd' "$D/usr/lib/pkgconfig/tome.pc"
flags=$(pkg-config --cflags --libs tome 2>"$T/pkg-config.err")
check "pkg-config --cflags --libs tome ($(cat "$T/pkg-config.err"))" test $? -eq 0
for want in "-I$D/usr/include" "-L$D/usr/lib" -ltome -lzstd; do
    case " $flags " in
    *" $want "*) pass ;;
    *) fail "pkg-config --cflags --libs tome lacks $want: '$flags'" ;;
    esac
done

# build NAME: compile tests/install_check.c with the flags pkg-config gives.
build_check() {
    # shellcheck disable=SC2086 # the flags are words
    "$CC" -std=c11 -Wall -Wextra -Werror "$REPO/tests/install_check.c" -o "$T/$1" \
        $(pkg-config --cflags --libs tome) >"$T/$1.log" 2>&1
}

key=$(cd seeds && ls | head -n 1)

# ---- 3. against the shared library -------------------------------------------------

if build_check shared; then
    pass
else
    fail "cc install_check.c \$(pkg-config --cflags --libs tome), shared library installed"
    show "$T/shared.log"
fi
readelf -d "$T/shared" >"$T/shared.dynamic" 2>&1
check "the program needs libtome.so.$major" \
    grep -q "NEEDED.*\\[libtome\\.so\\.$major\\]" "$T/shared.dynamic"
LD_LIBRARY_PATH="$D/usr/lib" ldd "$T/shared" >"$T/shared.ldd" 2>&1
check "the program loads $D/usr/lib/libtome.so.$major" \
    grep -q "libtome\\.so\\.$major => $D/usr/lib/libtome\\.so\\.$major " "$T/shared.ldd"
LD_LIBRARY_PATH="$D/usr/lib" "$T/shared" seeds "$T/shared.tome" "$key" "seeds/$key" \
    >"$T/shared.out" 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -q "^ok: .* $key is article .*, library $version\$" "$T/shared.out"; then
    pass
else
    fail "the program linked to the shared library (exit $status):"
    show "$T/shared.out"
fi
# The shared library packs exactly as the static one in the tool does.
"$build/tome" pack -q seeds -o "$T/tool.tome" >/dev/null 2>&1
check "the shared library's archive is byte-identical to $build/tome's" \
    cmp -s "$T/tool.tome" "$T/shared.tome"

# ---- 4. uninstall ------------------------------------------------------------------

others
if make_in uninstall.log uninstall; then
    pass
else
    fail "make uninstall"
    show "$T/uninstall.log"
fi
expect_listing "$T/others" "make uninstall (others' files stay)"

# ---- 5. only the static library installed ----------------------------------------

make_in install2.log install || {
    fail "second make install"
    show "$T/install2.log"
}
cat "$T/expected" "$T/others" | LC_ALL=C sort >"$T/expected2"
expect_listing "$T/expected2" "second make install"
rm -f "$D/usr/lib/libtome.so" "$D/usr/lib/libtome.so.$major" "$D/usr/lib/libtome.so.$version"
if build_check static; then
    pass
else
    fail "cc install_check.c \$(pkg-config --cflags --libs tome), only libtome.a installed"
    show "$T/static.log"
fi
readelf -d "$T/static" >"$T/static.dynamic" 2>&1
nm "$T/static" >"$T/static.nm" 2>&1
check "the program built with only libtome.a needs no libtome.so" \
    not_grep 'NEEDED.*libtome' "$T/static.dynamic"
check "the program built with only libtome.a holds tome_open" \
    grep -q ' T tome_open$' "$T/static.nm"
"$T/static" seeds "$T/static.tome" "$key" "seeds/$key" >"$T/static.out" 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -q "^ok: .* $key is article .*, library $version\$" "$T/static.out"; then
    pass
else
    fail "the program linked to the static library (exit $status):"
    show "$T/static.out"
fi
check "the static library's archive is byte-identical to $build/tome's" \
    cmp -s "$T/tool.tome" "$T/static.tome"

# Uninstall after a partial removal still succeeds and leaves only others'.
if make_in uninstall2.log uninstall; then
    pass
else
    fail "second make uninstall"
    show "$T/uninstall2.log"
fi
expect_listing "$T/others" "second make uninstall (others' files stay)"

finish
