/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_spill.c - append-only byte stores that live in memory while they
 * are small and move to a temporary file when they outgrow their share of
 * the memory budget (--memory).  Only where the bytes live depends on the
 * budget; what is stored, and so the archive, never does.
 *
 * The temporary file is created beside the output (options.temp_dir) and
 * unlinked at once, so it disappears on every exit path, a signal or a
 * crash included: only its open descriptor keeps it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pack_internal.h"

/* Writes to the file go through a buffer of this size. */
#define SPILL_WRITE_BUFFER (1u << 20)

void tome__spill_init(pack_spill *s, const char *what, size_t memory_cap)
{
    memset(s, 0, sizeof *s);
    s->what = what;
    s->memory_cap = memory_cap;
    s->fd = -1;
}

void tome__spill_free(pack_spill *s)
{
    if (!s->what)
        return; /* never initialised (all zero: fd 0 is not ours) */
    free(s->mem);
    free(s->wbuf);
    if (s->fd >= 0)
        close(s->fd);
    s->mem = s->wbuf = NULL;
    s->fd = -1;
}

const char *tome__temp_dir(const tome_packer *p)
{
    const char *d = p->opt.temp_dir;
    if (!d || !*d)
        d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

int tome__temp_file(tome_packer *p, const char *what)
{
    const char *dir = tome__temp_dir(p);
    char path[4096 + 64];
    unsigned attempt;
    static unsigned counter;
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    for (attempt = 0; attempt < 100; attempt++) {
        snprintf(path, sizeof path, "%s/.tome-%s-%ld-%u", dir, what, (long)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            unlink(path); /* gone whatever happens next; the descriptor keeps it */
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    tome__pack_fail(p, TOME_PACK_ERR_IO, "cannot create a temporary file in %s: %s", dir,
                    strerror(errno));
    return -1;
}

int tome__write_all(int fd, const void *data, size_t n, uint64_t at)
{
    const uint8_t *d = data;
    while (n > 0) {
        ssize_t w = pwrite(fd, d, n, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC; /* no progress and no error: say why */
            return -1;
        }
        d += w;
        at += (uint64_t)w;
        n -= (size_t)w;
    }
    return 0;
}

int tome__read_all(int fd, void *dst, size_t n, uint64_t at)
{
    uint8_t *d = dst;
    while (n > 0) {
        ssize_t r = pread(fd, d, n, (off_t)at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return -1;
        }
        d += r;
        at += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

static int spill_io_error(tome_packer *p, const pack_spill *s)
{
    return tome__pack_fail(p, TOME_PACK_ERR_IO, "temporary file (%s) in %s: %s", s->what,
                           tome__temp_dir(p), strerror(errno));
}

/* Write out the buffered tail. */
static int flush_buffer(tome_packer *p, pack_spill *s)
{
    if (s->wlen == 0)
        return TOME_PACK_OK;
    if (tome__write_all(s->fd, s->wbuf, s->wlen, s->size - s->wlen) != 0)
        return spill_io_error(p, s);
    s->wlen = 0;
    return TOME_PACK_OK;
}

/* From memory to a file: the bytes so far written out, the memory freed. */
static int move_to_file(tome_packer *p, pack_spill *s)
{
    if (!s->wbuf)
        s->wbuf = malloc(SPILL_WRITE_BUFFER);
    if (!s->wbuf)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    s->fd = tome__temp_file(p, s->what);
    if (s->fd < 0)
        return TOME_PACK_ERR_IO;
    if (s->size && tome__write_all(s->fd, s->mem, (size_t)s->size, 0) != 0)
        return spill_io_error(p, s);
    free(s->mem);
    s->mem = NULL;
    return TOME_PACK_OK;
}

int tome__spill_append(tome_packer *p, pack_spill *s, const void *data, size_t n)
{
    const uint8_t *d = data;
    int err;
    if (n == 0)
        return TOME_PACK_OK;
    if (s->fd < 0) {
        if (s->size + n <= s->memory_cap) {
            if (!s->mem) {
                /* reserved, not touched: pages count only once written */
                s->mem = malloc(s->memory_cap);
                if (!s->mem)
                    s->memory_cap = 0;
            }
            if (s->mem) {
                memcpy(s->mem + s->size, d, n);
                s->size += n;
                return TOME_PACK_OK;
            }
        }
        if ((err = move_to_file(p, s)))
            return err;
    }
    while (n > 0) {
        size_t room = SPILL_WRITE_BUFFER - s->wlen, piece = n < room ? n : room;
        memcpy(s->wbuf + s->wlen, d, piece);
        s->wlen += piece;
        s->size += piece;
        d += piece;
        n -= piece;
        if (s->wlen == SPILL_WRITE_BUFFER && (err = flush_buffer(p, s)))
            return err;
    }
    return TOME_PACK_OK;
}

int tome__spill_read(tome_packer *p, pack_spill *s, uint64_t at, void *dst, size_t n)
{
    if (n == 0)
        return TOME_PACK_OK;
    if (at > s->size || n > s->size - at)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "internal error: reading past the "
                               "end of a temporary store (%s)", s->what);
    if (s->fd < 0) {
        memcpy(dst, s->mem + at, n);
        return TOME_PACK_OK;
    }
    {
        /* what is still in the write buffer comes from there: so a body
         * just added, compared with its duplicate and dropped, never
         * reaches the file */
        uint64_t flushed = s->size - s->wlen;
        size_t from_file = at >= flushed ? 0 : (at + n <= flushed ? n : (size_t)(flushed - at));
        if (from_file && tome__read_all(s->fd, dst, from_file, at) != 0)
            return spill_io_error(p, s);
        if (from_file < n)
            memcpy((uint8_t *)dst + from_file, s->wbuf + (at + from_file - flushed), n - from_file);
    }
    return TOME_PACK_OK;
}

int tome__spill_truncate(tome_packer *p, pack_spill *s, uint64_t size)
{
    if (size >= s->size)
        return TOME_PACK_OK;
    if (s->fd >= 0) {
        uint64_t flushed = s->size - s->wlen;
        if (size >= flushed) {
            s->wlen = (size_t)(size - flushed);
        } else {
            s->wlen = 0;
            if (ftruncate(s->fd, (off_t)size) != 0)
                return spill_io_error(p, s);
        }
    }
    s->size = size;
    return TOME_PACK_OK;
}

int tome__spill_compare(tome_packer *p, pack_spill *s, uint64_t a, uint64_t b, uint64_t n,
                        int *equal)
{
    uint8_t x[16384], y[16384];
    int err;
    *equal = 1;
    while (n > 0) {
        size_t piece = n < sizeof x ? (size_t)n : sizeof x;
        if ((err = tome__spill_read(p, s, a, x, piece)) ||
            (err = tome__spill_read(p, s, b, y, piece)))
            return err;
        if (memcmp(x, y, piece) != 0) {
            *equal = 0;
            return TOME_PACK_OK;
        }
        a += piece;
        b += piece;
        n -= piece;
    }
    return TOME_PACK_OK;
}
