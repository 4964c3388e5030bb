/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_compress.c - one zstd frame per block, on several threads.
 * Each block is compressed alone with the same parameters, so the output
 * does not depend on the number of threads or their timing.
 */
#include <pthread.h>
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "format.h"
#include "hash.h"
#include "pack_plan.h"


/* A block in flight: its area read in, its frame once compressed. */
typedef struct slot {
    uint8_t *area, *frame;
    size_t area_cap, frame_cap, frame_size;
    size_t done_for; /* the block index + 1 once its frame is ready */
} slot;

typedef struct job {
    tome_packer *p;
    plan *pl;
    pack_block *blocks;
    size_t block_count;
    const ZSTD_CDict *cdict;
    slot *slots;
    size_t slot_count;
    /* under `lock`: blocks [0, filled) are ready to compress, [0,
     * taken) are taken by a worker; `stop` ends the workers */
    size_t filled, taken;
    int stop, failed;
    char reason[256];
    pthread_mutex_t lock;
    pthread_cond_t ready, done;
} job;

/* The largest piece ZSTD_decompressContinue will ask for (FORMAT.md,
 * chunk_size_max); also proves the frame is one well-formed zstd frame. */
static int scan_frame(const uint8_t *f, size_t size, uint32_t *chunk_max)
{
    ZSTD_frameHeader zfh;
    size_t pos, max;
    if (ZSTD_getFrameHeader(&zfh, f, size) != 0 || zfh.frameType != ZSTD_frame)
        return -1;
    pos = zfh.headerSize;
    max = zfh.headerSize > 3 ? zfh.headerSize : 3;
    for (;;) {
        uint32_t bh, type, bsize;
        size_t piece;
        if (size - pos < 3)
            return -1;
        bh = (uint32_t)f[pos] | ((uint32_t)f[pos + 1] << 8) | ((uint32_t)f[pos + 2] << 16);
        type = (bh >> 1) & 3;
        bsize = bh >> 3;
        piece = type == 1 ? 1 : bsize; /* RLE blocks carry one byte */
        pos += 3;
        if (size - pos < piece)
            return -1;
        pos += piece;
        if (piece > max)
            max = piece;
        if (bh & 1)
            break;
    }
    if (zfh.checksumFlag) {
        pos += 4;
        if (max < 4)
            max = 4;
    }
    if (pos != size)
        return -1;
    *chunk_max = (uint32_t)max;
    return 0;
}

static void fail_job(job *j, const char *reason)
{
    pthread_mutex_lock(&j->lock);
    if (!j->failed)
        snprintf(j->reason, sizeof j->reason, "%s", reason);
    j->failed = 1;
    pthread_cond_broadcast(&j->done);
    pthread_cond_broadcast(&j->ready);
    pthread_mutex_unlock(&j->lock);
}

static int setup_cctx(ZSTD_CCtx *cctx, const job *j)
{
    size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, j->p->opt.level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r) && j->cdict)
        r = ZSTD_CCtx_refCDict(cctx, j->cdict);
    return ZSTD_isError(r) ? -1 : 0;
}

/* Feed `len` bytes to zstd, then end the zstd block (or the frame). */
static size_t feed(ZSTD_CCtx *cctx, ZSTD_outBuffer *out, const uint8_t *src, size_t len,
                   ZSTD_EndDirective how)
{
    ZSTD_inBuffer in = { src, len, 0 };
    size_t left;
    do
        left = ZSTD_compressStream2(cctx, out, &in, how);
    while (!ZSTD_isError(left) && left != 0);
    return left;
}

/* One frame for block b: its head, then its area in segments, each ending
 * a zstd block (docs/FORMAT.md, "Body blocks": a reader decodes little
 * more than the body it wants, and checks a segment as soon as it has it).
 * The frame size, or a zstd error code. */
static size_t compress_block(ZSTD_CCtx *cctx, const pack_block *b, const uint8_t *area,
                             uint8_t *frame, size_t cap)
{
    ZSTD_outBuffer out = { frame, cap, 0 };
    uint32_t at = 0;
    size_t i, r;
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only);
    r = ZSTD_CCtx_setPledgedSrcSize(cctx, tome__pack_content_size(b));
    if (ZSTD_isError(r))
        return r;
    r = feed(cctx, &out, b->head, b->head_size, b->area_size ? ZSTD_e_flush : ZSTD_e_end);
    if (ZSTD_isError(r) || b->area_size == 0)
        return ZSTD_isError(r) ? r : out.pos;
    for (i = 0; i < b->cut_count; i++) {
        r = feed(cctx, &out, area + at, b->cuts[i] - at, ZSTD_e_flush);
        if (ZSTD_isError(r))
            return r;
        at = b->cuts[i];
    }
    r = feed(cctx, &out, area + at, b->area_size - at, ZSTD_e_end);
    return ZSTD_isError(r) ? r : out.pos;
}

static uint32_t content_checksum(const pack_block *b, const uint8_t *area)
{
    tome_hash_state h;
    tome__hash_reset(&h, TOME_CONTENT_SEED(b->kind, b->index));
    tome__hash_update(&h, b->head, b->head_size);
    tome__hash_update(&h, area, b->area_size);
    return tome__hash_digest(&h);
}

/* Compress block i into its slot; NULL, or why not. */
static const char *compress_one(job *j, ZSTD_CCtx *cctx, size_t i)
{
    pack_block *b = &j->blocks[i];
    slot *s = &j->slots[i % j->slot_count];
    size_t cap = ZSTD_compressBound((size_t)tome__pack_content_size(b)), n;
    if (cap > s->frame_cap) {
        uint8_t *grown = realloc(s->frame, cap);
        if (!grown)
            return "out of memory";
        s->frame = grown;
        s->frame_cap = cap;
    }
    n = compress_block(cctx, b, s->area, s->frame, cap);
    if (ZSTD_isError(n))
        return ZSTD_getErrorName(n);
    s->frame_size = n;
    b->frame_size = n;
    b->content_checksum = content_checksum(b, s->area);
    if (scan_frame(s->frame, n, &b->chunk_max) != 0)
        return "zstd wrote a frame this packer cannot parse";
    return NULL;
}

static void *worker(void *arg)
{
    job *j = arg;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (!cctx || setup_cctx(cctx, j) != 0) {
        fail_job(j, "cannot set up a zstd compression context");
        ZSTD_freeCCtx(cctx);
        return NULL;
    }
    pthread_mutex_lock(&j->lock);
    for (;;) {
        size_t i;
        const char *why;
        while (!j->stop && !j->failed && j->taken >= j->filled)
            pthread_cond_wait(&j->ready, &j->lock);
        if (j->failed || j->taken >= j->filled)
            break;
        i = j->taken++;
        pthread_mutex_unlock(&j->lock);
        why = compress_one(j, cctx, i);
        if (why) {
            fail_job(j, why);
            pthread_mutex_lock(&j->lock);
            break;
        }
        pthread_mutex_lock(&j->lock);
        j->slots[i % j->slot_count].done_for = i + 1;
        pthread_cond_broadcast(&j->done);
    }
    pthread_mutex_unlock(&j->lock);
    ZSTD_freeCCtx(cctx);
    return NULL;
}

static int thread_count(const tome_packer *p, size_t blocks)
{
    long n = p->opt.threads > 0 ? p->opt.threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 64)
        n = 64;
    if ((size_t)n > blocks)
        n = blocks ? (long)blocks : 1;
    return (int)n;
}

/* Read block i's area into its slot and make a body block's head. */
static int fill_slot(job *j, size_t i)
{
    pack_block *b = &j->blocks[i];
    slot *s = &j->slots[i % j->slot_count];
    int err;
    if (b->kind != TOME_KIND_BODY)
        return TOME_PACK_OK; /* an index frame: all in its head */
    if (b->area_size > s->area_cap) {
        uint8_t *grown = realloc(s->area, b->area_size);
        if (!grown)
            return tome__pack_fail(j->p, TOME_PACK_ERR_MEMORY, "out of memory");
        s->area = grown;
        s->area_cap = b->area_size;
    }
    if ((err = tome__plan_read_stream(j->pl, b->area_start, s->area, b->area_size)))
        return err;
    return tome__plan_make_head(j->p, j->pl, i, s->area, b);
}

/* Sequential output through a buffer. */
typedef struct writer {
    tome_packer *p;
    int fd;
    const char *path;
    uint8_t *buf;
    size_t len, cap;
    uint64_t at; /* file offset of buf[0] */
} writer;

static int writer_flush(writer *w)
{
    if (w->len && tome__write_all(w->fd, w->buf, w->len, w->at) != 0)
        return tome__pack_fail(w->p, TOME_PACK_ERR_IO, "writing %s: %s", w->path, strerror(errno));
    w->at += w->len;
    w->len = 0;
    return TOME_PACK_OK;
}

static int writer_put(writer *w, const void *data, size_t n)
{
    const uint8_t *d = data;
    int err;
    while (n > 0) {
        size_t piece = w->cap - w->len < n ? w->cap - w->len : n;
        memcpy(w->buf + w->len, d, piece);
        w->len += piece;
        d += piece;
        n -= piece;
        if (w->len == w->cap && (err = writer_flush(w)))
            return err;
    }
    return TOME_PACK_OK;
}

/* Blocks in flight: two per thread and two more, fewer when blocks are so
 * big that these would take more than an eighth of the memory budget. */
static size_t slot_count(const tome_packer *p, int threads)
{
    uint64_t per = 2ull * p->opt.block_size + 65536, budget = tome__memory_budget(p) / 8;
    size_t n = (size_t)threads * 2 + 2;
    while (n > 1 && n * per > budget)
        n--;
    return n;
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

int tome__pack_compress(tome_packer *p, plan *pl, int fd, const char *path, uint64_t offset,
                        uint64_t *end)
{
    pthread_t threads[64];
    int n = thread_count(p, pl->block_count), started = 0, i, err = TOME_PACK_OK;
    size_t next_write = 0, k;
    uint64_t last_report = 0;
    ZSTD_CCtx *own = NULL;
    writer w;
    job j;
    memset(&j, 0, sizeof j);
    memset(&w, 0, sizeof w);
    j.p = p;
    j.pl = pl;
    j.blocks = pl->blocks;
    j.block_count = pl->block_count;
    j.slot_count = slot_count(p, n);
    w.p = p;
    w.fd = fd;
    w.path = path;
    w.at = offset;
    w.cap = 1u << 20;
    w.buf = malloc(w.cap);
    j.slots = calloc(j.slot_count, sizeof *j.slots);
    if (!w.buf || !j.slots) {
        free(w.buf);
        free(j.slots);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    pthread_mutex_init(&j.lock, NULL);
    pthread_cond_init(&j.ready, NULL);
    pthread_cond_init(&j.done, NULL);
    if (pl->dict) {
        j.cdict = ZSTD_createCDict(pl->dict, pl->dict_size, p->opt.level);
        if (!j.cdict)
            err = tome__pack_fail(p, TOME_PACK_ERR_COMPRESS, "zstd refused the dictionary");
    }
    for (i = 0; i < n && !err; i++) {
        if (pthread_create(&threads[i], NULL, worker, &j) != 0)
            break;
        started++;
    }
    if (!err && started == 0) { /* no threads: compress here */
        own = ZSTD_createCCtx();
        if (!own || setup_cctx(own, &j) != 0)
            err = tome__pack_fail(p, TOME_PACK_ERR_COMPRESS,
                                  "cannot set up a zstd compression context");
    }
    while (!err && next_write < j.block_count) {
        slot *s;
        /* fill what the ring has room for */
        while (!err && j.filled < j.block_count && j.filled - next_write < j.slot_count) {
            size_t f = j.filled;
            if ((err = fill_slot(&j, f)))
                break;
            if (own) {
                const char *why = compress_one(&j, own, f);
                if (why) {
                    err = tome__pack_fail(p, TOME_PACK_ERR_COMPRESS, "compressing blocks: %s", why);
                    break;
                }
                j.slots[f % j.slot_count].done_for = f + 1;
                j.filled++;
            } else {
                pthread_mutex_lock(&j.lock);
                j.filled++;
                pthread_cond_signal(&j.ready);
                pthread_mutex_unlock(&j.lock);
            }
        }
        if (err)
            break;
        s = &j.slots[next_write % j.slot_count];
        {
            char reason[sizeof j.reason];
            int failed;
            pthread_mutex_lock(&j.lock);
            while (s->done_for != next_write + 1 && !j.failed)
                pthread_cond_wait(&j.done, &j.lock);
            /* copied under the lock: another worker may be failing now */
            failed = j.failed;
            memcpy(reason, j.reason, sizeof reason);
            pthread_mutex_unlock(&j.lock);
            if (failed) {
                err = tome__pack_fail(p, TOME_PACK_ERR_COMPRESS, "compressing blocks: %s", reason);
                break;
            }
        }
        if ((err = writer_put(&w, s->frame, s->frame_size)))
            break;
        {
            pack_block *b = &pl->blocks[next_write];
            free(b->head);
            free(b->cuts);
            b->head = NULL; /* head_size stays, for the header's limits */
            b->cuts = NULL;
        }
        next_write++;
        if (p->opt.progress) {
            uint64_t t = now_ms();
            if (t - last_report >= 200 || next_write == j.block_count) {
                last_report = t;
                p->opt.progress(p->opt.progress_user, "compressing", next_write, j.block_count);
            }
        }
    }
    pthread_mutex_lock(&j.lock);
    j.stop = 1;
    if (err)
        j.failed = 1;
    pthread_cond_broadcast(&j.ready);
    pthread_mutex_unlock(&j.lock);
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (!err)
        err = writer_flush(&w);
    *end = w.at;
    ZSTD_freeCCtx(own);
    ZSTD_freeCDict((ZSTD_CDict *)j.cdict);
    for (k = 0; k < j.slot_count; k++) {
        free(j.slots[k].area);
        free(j.slots[k].frame);
    }
    free(j.slots);
    free(w.buf);
    pthread_cond_destroy(&j.ready);
    pthread_cond_destroy(&j.done);
    pthread_mutex_destroy(&j.lock);
    return err;
}
