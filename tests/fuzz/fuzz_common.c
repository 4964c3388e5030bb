/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_common.c - the scratch directory, and (under libFuzzer) what a
 * broken invariant does.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static char temp_dir[512];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_temp_dir(void)
{
    if (temp_dir[0])
        nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_temp_dir(void)
{
    if (!temp_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(temp_dir, sizeof temp_dir, "%s/tome-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(temp_dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(remove_temp_dir);
    }
    return temp_dir;
}

#ifdef FUZZ_LIBFUZZER
void fuzz_failed(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}
#endif
