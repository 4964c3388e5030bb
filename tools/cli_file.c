/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_file.c - temporary files that must not outlive an interrupted command.
 *
 * pack and extract write a temporary file and rename it into place only when
 * it is complete.  When SIGINT, SIGTERM or SIGHUP arrives meanwhile, the
 * handler removes the temporary files registered here, then lets the signal
 * end the process as it would have.  The names are prepared in advance in
 * static storage, so the handler only calls unlinkat(), signal() and
 * raise(), which are async-signal-safe.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define CLEANUP_MAX 8
#define CLEANUP_NAME 4160

static struct {
    int dirfd;
    char name[CLEANUP_NAME];
} pending[CLEANUP_MAX];
static volatile sig_atomic_t pending_count;

/* A numbered family: PREFIX, the number in at least three digits, then
 * either suffix (a set's volumes while they are packed). */
static struct {
    int dirfd;
    char prefix[CLEANUP_NAME], suffix[2][64];
} family;
static volatile sig_atomic_t family_set;
static char family_name[CLEANUP_NAME + 96];

/* A temporary directory, removed after the files (which may lie in it). */
static struct {
    int dirfd;
    char name[CLEANUP_NAME];
} folder;
static volatile sig_atomic_t folder_set;

/* PREFIX NNN SUFFIX into family_name, without stdio (async-signal-safe). */
static void family_format(unsigned v, int which)
{
    char digits[12];
    size_t n = 0, at = 0, i;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < 3)
        digits[n++] = '0';
    for (i = 0; family.prefix[i]; i++)
        family_name[at++] = family.prefix[i];
    while (n)
        family_name[at++] = digits[--n];
    for (i = 0; family.suffix[which][i]; i++)
        family_name[at++] = family.suffix[which][i];
    family_name[at] = '\0';
}

static void on_signal(int sig)
{
    int i, n = pending_count;
    unsigned v;
    for (i = 0; i < n && i < CLEANUP_MAX; i++)
        unlinkat(pending[i].dirfd, pending[i].name, 0);
    /* volumes are made in order: the first number with no file ends them */
    for (v = 0; family_set && v < 1000000; v++) {
        int removed = 0;
        family_format(v, 0);
        removed |= unlinkat(family.dirfd, family_name, 0) == 0;
        family_format(v, 1);
        removed |= unlinkat(family.dirfd, family_name, 0) == 0;
        if (!removed)
            break;
    }
    if (folder_set)
        unlinkat(folder.dirfd, folder.name, AT_REMOVEDIR);
    signal(sig, SIG_DFL);
    raise(sig);
}

int cli_cleanup_add_numbered(int dirfd, const char *prefix, const char *suffix0,
                             const char *suffix1)
{
    if (strlen(prefix) >= CLEANUP_NAME || strlen(suffix0) >= 64 || strlen(suffix1) >= 64)
        return -1;
    family.dirfd = dirfd;
    strcpy(family.prefix, prefix);
    strcpy(family.suffix[0], suffix0);
    strcpy(family.suffix[1], suffix1);
    family_set = 1; /* published only once complete */
    return 0;
}

void cli_cleanup_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    size_t i;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa, old;
        /* a signal ignored by whoever started us stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
    /* Past a file size limit (ulimit -f) a write then fails with EFBIG, so
     * the ordinary error path names the problem and removes what it wrote,
     * instead of the default action killing us with the file left. */
    signal(SIGXFSZ, SIG_IGN);
}

int cli_cleanup_add(int dirfd, const char *name)
{
    int n = pending_count;
    if (n >= CLEANUP_MAX || strlen(name) >= CLEANUP_NAME)
        return -1;
    pending[n].dirfd = dirfd;
    memcpy(pending[n].name, name, strlen(name) + 1);
    pending_count = n + 1; /* published only once complete */
    return 0;
}

int cli_cleanup_add_directory(int dirfd, const char *name)
{
    if (strlen(name) >= CLEANUP_NAME)
        return -1;
    folder.dirfd = dirfd;
    memcpy(folder.name, name, strlen(name) + 1);
    folder_set = 1; /* published only once complete */
    return 0;
}

void cli_cleanup_clear(void)
{
    pending_count = 0;
    family_set = 0;
    folder_set = 0;
}
