/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_compress.c - one zstd frame per block, on several threads.
 * Each block is compressed alone with the same parameters, so the output
 * does not depend on the number of threads or their timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "format.h"
#include "hash.h"
#include "pack_internal.h"


typedef struct job {
    tome_packer *p;
    const uint8_t *stream;
    pack_block *blocks;
    size_t block_count;
    const ZSTD_CDict *cdict;
    atomic_size_t next;
    atomic_size_t finished;
    atomic_int failed;
    char reason[256];
    pthread_mutex_t lock;
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
    if (!atomic_load(&j->failed))
        snprintf(j->reason, sizeof j->reason, "%s", reason);
    atomic_store(&j->failed, 1);
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
static size_t compress_block(ZSTD_CCtx *cctx, const job *j, const pack_block *b, size_t cap)
{
    ZSTD_outBuffer out = { b->frame, cap, 0 };
    const uint8_t *area = j->stream + b->area_start;
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

static uint32_t content_checksum(const job *j, const pack_block *b)
{
    tome_hash_state h;
    tome__hash_reset(&h, TOME_CONTENT_SEED(b->kind, b->index));
    tome__hash_update(&h, b->head, b->head_size);
    tome__hash_update(&h, j->stream + b->area_start, b->area_size);
    return tome__hash_digest(&h);
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
    while (!atomic_load(&j->failed)) {
        size_t i = atomic_fetch_add(&j->next, 1), cap, n;
        pack_block *b;
        if (i >= j->block_count)
            break;
        b = &j->blocks[i];
        cap = ZSTD_compressBound((size_t)tome__pack_content_size(b));
        b->frame = malloc(cap);
        if (!b->frame) {
            fail_job(j, "out of memory");
            break;
        }
        n = compress_block(cctx, j, b, cap);
        if (ZSTD_isError(n)) {
            fail_job(j, ZSTD_getErrorName(n));
            break;
        }
        b->frame_size = n;
        b->content_checksum = content_checksum(j, b);
        if (scan_frame(b->frame, n, &b->chunk_max) != 0) {
            fail_job(j, "zstd wrote a frame this packer cannot parse");
            break;
        }
        atomic_fetch_add(&j->finished, 1);
    }
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

int tome__pack_compress(tome_packer *p, const uint8_t *stream, pack_block *blocks,
                        size_t block_count, const void *dict, size_t dict_size)
{
    pthread_t threads[64];
    int n = thread_count(p, block_count), started = 0, i;
    job j;
    memset(&j, 0, sizeof j);
    j.p = p;
    j.stream = stream;
    j.blocks = blocks;
    j.block_count = block_count;
    pthread_mutex_init(&j.lock, NULL);
    if (dict) {
        j.cdict = ZSTD_createCDict(dict, dict_size, p->opt.level);
        if (!j.cdict) {
            pthread_mutex_destroy(&j.lock);
            return tome__pack_fail(p, TOME_PACK_ERR_COMPRESS, "zstd refused the dictionary");
        }
    }
    for (i = 0; i < n; i++) {
        if (pthread_create(&threads[i], NULL, worker, &j) != 0)
            break;
        started++;
    }
    if (started == 0)
        worker(&j);
    while (p->opt.progress && started > 0) {
        size_t done = atomic_load(&j.finished);
        p->opt.progress(p->opt.progress_user, "compressing", done, block_count);
        if (done >= block_count || atomic_load(&j.failed))
            break;
        usleep(200000);
    }
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    ZSTD_freeCDict((ZSTD_CDict *)j.cdict);
    pthread_mutex_destroy(&j.lock);
    if (atomic_load(&j.failed))
        return tome__pack_fail(p, TOME_PACK_ERR_COMPRESS, "compressing blocks: %s", j.reason);
    return TOME_PACK_OK;
}
