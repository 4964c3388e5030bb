#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# archive_bound.sh TOME_TOOL ARCHIVE OUT - write OUT, a header defining
# ARCHIVE_WORKSPACE_BOUND (the paste-ready line of `tome info`) and
# ARCHIVE_ARTICLE_MAX (the largest article) for the archive to embed.
tool=$1
archive=$2
out=$3
info=$("$tool" info "$archive") || exit 1
{
    echo '/* written by archive_bound.sh from tome info */'
    echo "$info" | sed -n \
        's/^workspace bound *\(TOME_WORKSPACE_BOUND([^)]*)\).*/#define ARCHIVE_WORKSPACE_BOUND \1/p'
    echo "$info" | sed -n 's/^largest article *\([0-9]*\) bytes.*/#define ARCHIVE_ARTICLE_MAX \1u/p'
} >"$out.tmp"
if grep -q ARCHIVE_WORKSPACE_BOUND "$out.tmp" && grep -q ARCHIVE_ARTICLE_MAX "$out.tmp"; then
    mv "$out.tmp" "$out"
else
    echo "$out: tome info printed no bound for $archive" >&2
    rm -f "$out.tmp"
    exit 1
fi
