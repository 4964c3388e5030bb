/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_dict.c - the shared dictionary: trained with zstd's own trainer, and
 * in auto mode kept only when a measurement on sample blocks says it saves
 * more than it costs to store.
 */
#include <stdlib.h>
#include <string.h>

#include <zdict.h>
#include <zstd.h>

#include "pack_internal.h"

/* zstd's advice: about 100 bytes of samples per byte of dictionary; more
 * only slows training. */
#define TRAINING_BYTES_PER_DICT_BYTE 100u
/* Fewer samples than this and the trainer has nothing to generalise from. */
#define MIN_SAMPLES 8u
/* zstd's trainer keeps the first 3/4 of the samples for training; with too
 * few bytes there, zstd 1.5.4 crashes instead of returning an error. */
#define MIN_TRAINING_BYTES 1024u
/* Blocks compressed both ways to measure what the dictionary saves. */
#define PAYOFF_BLOCKS 24u

/* Every k-th sample, copied together, when there are more than needed. */
static uint8_t *pick_samples(const pack_stream *stream, const size_t *sizes, size_t count,
                             uint64_t budget, size_t *picked_sizes, size_t *picked, int *err)
{
    uint64_t total = 0, kept = 0;
    size_t i, step, n = 0, at = 0, pos = 0;
    uint8_t *buf;
    for (i = 0; i < count; i++)
        total += sizes[i];
    step = total > budget ? (size_t)((total + budget - 1) / budget) : 1;
    for (i = 0; i < count; i += step)
        kept += sizes[i];
    buf = malloc(kept ? (size_t)kept : 1);
    if (!buf)
        return NULL;
    for (i = 0; i < count; i++) {
        if (i % step == 0) {
            if ((*err = stream->read(stream->ctx, pos, buf + at, sizes[i])) != 0) {
                free(buf);
                return NULL;
            }
            at += sizes[i];
            picked_sizes[n++] = sizes[i];
        }
        pos += sizes[i];
    }
    *picked = n;
    return buf;
}

/* Enough samples, and enough bytes in the part the trainer learns from. */
static int trainable(const size_t *sizes, size_t count)
{
    uint64_t learned = 0;
    size_t i;
    if (count < MIN_SAMPLES)
        return 0;
    for (i = 0; i < count * 3 / 4; i++)
        learned += sizes[i];
    return learned >= MIN_TRAINING_BYTES;
}

static size_t compressed_size(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, void *dst, size_t cap,
                              const uint8_t *src, size_t n, int level)
{
    size_t r = cdict ? ZSTD_compress_usingCDict(cctx, dst, cap, src, n, cdict)
                     : ZSTD_compressCCtx(cctx, dst, cap, src, n, level);
    return ZSTD_isError(r) ? n : r;
}

/* Bytes the dictionary saves over the whole archive, estimated from up to
 * PAYOFF_BLOCKS evenly spread blocks, minus its own size. */
static int64_t measured_saving(tome_packer *p, const pack_stream *stream,
                               const pack_block *blocks, size_t block_count, const uint8_t *dict,
                               size_t dict_size, int *err)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_CDict *cdict = ZSTD_createCDict(dict, dict_size, p->opt.level);
    size_t step = block_count > PAYOFF_BLOCKS ? block_count / PAYOFF_BLOCKS : 1, i, sampled = 0;
    uint64_t with = 0, without = 0;
    uint32_t largest = 1;
    void *dst;
    uint8_t *src = NULL;
    int64_t saving = -1;
    for (i = 0; i < block_count; i++)
        if (blocks[i].area_size > largest)
            largest = blocks[i].area_size;
    dst = malloc(ZSTD_compressBound(largest));
    src = malloc(largest);
    if (cctx && cdict && dst && src) {
        for (i = 0; i < block_count; i += step, sampled++) {
            size_t cap = ZSTD_compressBound(blocks[i].area_size);
            if ((*err = stream->read(stream->ctx, blocks[i].area_start, src,
                                     blocks[i].area_size)) != 0)
                break;
            with += compressed_size(cctx, cdict, dst, cap, src, blocks[i].area_size, p->opt.level);
            without += compressed_size(cctx, NULL, dst, cap, src, blocks[i].area_size, p->opt.level);
        }
        saving = (int64_t)((double)((int64_t)without - (int64_t)with) * (double)block_count /
                           (double)sampled) -
                 (int64_t)dict_size;
    }
    free(dst);
    free(src);
    ZSTD_freeCDict(cdict);
    ZSTD_freeCCtx(cctx);
    return saving;
}

int tome__pack_dictionary(tome_packer *p, const pack_stream *stream, const size_t *sample_sizes,
                          size_t sample_count, const pack_block *blocks, size_t block_count,
                          uint8_t **dict, size_t *dict_size)
{
    uint64_t budget = (uint64_t)p->opt.dict_size * TRAINING_BYTES_PER_DICT_BYTE;
    size_t *sizes, picked = 0, trained;
    uint8_t *samples, *d;
    int err = TOME_PACK_OK;
    int64_t saving;
    *dict = NULL;
    *dict_size = 0;
    if (p->fixed_dict_set) { /* given: used as it is, whatever the mode */
        if (p->fixed_dict_size == 0 || block_count == 0)
            return TOME_PACK_OK;
        if (!(*dict = malloc(p->fixed_dict_size)))
            return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        memcpy(*dict, p->fixed_dict, p->fixed_dict_size);
        *dict_size = p->fixed_dict_size;
        return TOME_PACK_OK;
    }
    if (p->opt.dict == TOME_DICT_OFF || p->opt.dict_size == 0 || block_count == 0)
        return TOME_PACK_OK;
    if (!trainable(sample_sizes, sample_count))
        return TOME_PACK_OK; /* too small a corpus to train on, in any mode */
    if (p->opt.progress)
        p->opt.progress(p->opt.progress_user, "training dictionary", 0, 0);
    sizes = malloc(sample_count * sizeof *sizes);
    d = malloc(p->opt.dict_size);
    samples = sizes ? pick_samples(stream, sample_sizes, sample_count, budget, sizes, &picked,
                                   &err)
                    : NULL;
    if (!sizes || !d || !samples) {
        free(sizes);
        free(d);
        free(samples);
        return err ? err : tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    trained = trainable(sizes, picked)
                  ? ZDICT_trainFromBuffer(d, p->opt.dict_size, samples, sizes, (unsigned)picked)
                  : (size_t)-1; /* an error code: the subsample is too small */
    free(samples);
    free(sizes);
    if (ZDICT_isError(trained)) {
        free(d);
        if (p->opt.dict == TOME_DICT_ON)
            return tome__pack_fail(p, TOME_PACK_ERR_COMPRESS, "training the dictionary: %s",
                                   ZDICT_getErrorName(trained));
        return TOME_PACK_OK; /* auto: the corpus does not support one */
    }
    if (p->opt.dict == TOME_DICT_AUTO) {
        saving = measured_saving(p, stream, blocks, block_count, d, trained, &err);
        if (err || saving <= 0) {
            free(d);
            return err;
        }
    }
    *dict = d;
    *dict_size = trained;
    return TOME_PACK_OK;
}
