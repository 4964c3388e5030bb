#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make-library.sh OUT - assembles the Arduino library of tome's reader in
# OUT/tome/: library.properties, LICENSE, and in src/ the reader's sources and
# headers (src/common/, src/reader/) with include/tome.h, side by side, since
# Arduino puts only a library's src/ on the include path.  The packer is left
# out: Arduino compiles every file under src/.  Zip OUT/tome for the IDE's
# "Add .ZIP Library", or copy it into the sketchbook's libraries/ folder.
# zstd's decoder and xxhash.h come from other libraries (not bundled).
# Arduino runs no generator: the folding table src/common/fold.c includes is
# generated here into src/ (tools/gen_fold.py with $PYTHON, default
# python3, from Unicode 15.0's files in $UNICODE_DIR, default Debian's
# unicode-data in /usr/share/unicode).
set -e
if [ $# -ne 1 ]; then
    echo "usage: sh arduino/make-library.sh OUT" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$1/tome
rm -rf "$lib"
mkdir -p "$lib/src"
cp "$root/arduino/library.properties" "$root/LICENSE" "$lib/"
cp "$root"/src/common/*.c "$root"/src/common/*.h "$root"/src/reader/*.c \
    "$root"/src/reader/*.h "$root/include/tome.h" "$lib/src/"
"${PYTHON:-python3}" "$root/tools/gen_fold.py" --unicode-dir "${UNICODE_DIR:-/usr/share/unicode}" \
    -o "$lib/src/fold_table.h" >/dev/null
echo "$lib"
