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

static void on_signal(int sig)
{
    int i, n = pending_count;
    for (i = 0; i < n && i < CLEANUP_MAX; i++)
        unlinkat(pending[i].dirfd, pending[i].name, 0);
    signal(sig, SIG_DFL);
    raise(sig);
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

void cli_cleanup_clear(void)
{
    pending_count = 0;
}
