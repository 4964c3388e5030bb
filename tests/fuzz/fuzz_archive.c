/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_archive.c - resealing checksums of hostile archive images (format
 * 3.0: XXH32 everywhere; a frame's content checksum covers its decompressed
 * content, so resealing one means decoding its frame).
 *
 * This is host code: it decodes frames with libzstd's ordinary API and the
 * archive's own dictionary, never through the reader it is testing.
 */
#include "fuzz_archive.h"

#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "format.h"
#include "hash.h"

/* Largest frame content resealed, and decoded bytes per reseal() call at
 * most: a hostile block table may name the same tiny frame of a huge
 * content size hundreds of times. */
#define RESEAL_CONTENT_MAX (16u << 20)
#define RESEAL_DECODE_BUDGET ((uint64_t)64 << 20)

/* [offset, offset + len) inside an image of `size` bytes, without overflow. */
static int inside(size_t size, uint64_t offset, uint64_t len)
{
    return offset <= size && len <= size - offset;
}

/* Frames per kind, in block table order. */
static void kind_counts(const uint8_t *b, uint64_t counts[6])
{
    counts[0] = 0;
    counts[1] = tome_get32(b + HDR_BODY_BLOCKS);
    counts[2] = tome_get32(b + HDR_NAME_FRAMES);
    counts[3] = tome_get32(b + HDR_ALIAS_FRAMES);
    counts[4] = tome_get32(b + HDR_SEARCH_FRAMES);
    counts[5] = tome_get32(b + HDR_META_FRAMES);
}

static uint64_t record_total(const uint8_t *b)
{
    uint64_t counts[6], total = 0;
    unsigned k;
    kind_counts(b, counts);
    for (k = 1; k <= 5; k++)
        total += counts[k];
    return total;
}

unsigned record_kind(const uint8_t *b, uint64_t record, uint32_t *index)
{
    uint64_t counts[6];
    unsigned k;
    kind_counts(b, counts);
    for (k = 1; k <= 5; k++) {
        if (record < counts[k]) {
            *index = (uint32_t)record;
            return k;
        }
        record -= counts[k];
    }
    *index = 0;
    return 0;
}

/* Scratch kept between calls: one decoder and one output buffer. */
static ZSTD_DCtx *dctx;
static uint8_t *content;
static size_t content_cap;

/* At least `need` (> 0) bytes, or NULL. */
static uint8_t *content_buffer(size_t need)
{
    if (need > content_cap) {
        uint8_t *grown = realloc(content, need);
        if (!grown)
            return NULL;
        content = grown;
        content_cap = need;
    }
    return content;
}

/* The dictionary checksum, and each record whose frame lies in the image
 * and decodes to exactly content_size bytes gets the XXH32 of those bytes,
 * seeded with its kind and index.  A frame that does not decode keeps its
 * checksum. */
static void reseal_contents(uint8_t *b, size_t size)
{
    uint64_t table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET), records = record_total(b);
    uint64_t dict_offset = tome_get64(b + HDR_DICT_OFFSET), budget = RESEAL_DECODE_BUDGET;
    uint32_t dict_size = tome_get32(b + HDR_DICT_SIZE);
    const uint8_t *dict = NULL;
    uint64_t i;
    if (dict_size) {
        if (!inside(size, dict_offset, dict_size))
            return; /* the reader refuses it at open: nothing to get past */
        dict = b + dict_offset;
        tome_put32(b + HDR_DICT_CHECKSUM, tome__hash(dict, dict_size));
    }
    if (!dctx && !(dctx = ZSTD_createDCtx()))
        return;
    for (i = 0; i < records && inside(size, table, (i + 1) * BLK_RECORD_SIZE); i++) {
        uint8_t *rec = b + table + i * BLK_RECORD_SIZE;
        uint64_t frame = tome_get64(rec + BLK_FRAME_OFFSET);
        uint32_t frame_size = tome_get32(rec + BLK_FRAME_SIZE);
        uint32_t content_size = tome_get32(rec + BLK_CONTENT_SIZE), index;
        unsigned kind = record_kind(b, i, &index);
        uint8_t *out;
        size_t got;
        if (content_size == 0 || content_size > RESEAL_CONTENT_MAX || content_size > budget ||
            frame_size == 0 || !inside(size, frame, frame_size))
            continue;
        if (!(out = content_buffer(content_size)))
            return;
        budget -= content_size;
        got = ZSTD_decompress_usingDict(dctx, out, content_size, b + frame, frame_size, dict,
                                        dict_size);
        if (!ZSTD_isError(got) && got == content_size)
            tome_put32(rec + BLK_CONTENT_CHECKSUM,
                       tome__hash_seeded(out, content_size, TOME_CONTENT_SEED(kind, index)));
    }
}

/* Each record's own checksum, seeded with its index, and the footer. */
static void reseal_tables(uint8_t *b, size_t size)
{
    uint64_t table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET), records = record_total(b), i;
    uint64_t file_size = tome_get64(b + HDR_FILE_SIZE);
    for (i = 0; i < records && inside(size, table, (i + 1) * BLK_RECORD_SIZE); i++) {
        uint8_t *rec = b + table + i * BLK_RECORD_SIZE;
        tome_put32(rec + BLK_RECORD_CHECKSUM,
                   tome__hash_seeded(rec, BLK_RECORD_CHECKSUM, (uint32_t)i));
    }
    if (file_size >= TOME_HEADER_SIZE + TOME_FOOTER_SIZE && file_size <= size) {
        uint8_t *f = b + file_size - TOME_FOOTER_SIZE;
        memcpy(f + FTR_MAGIC, TOME_FOOTER_MAGIC, TOME_MAGIC_SIZE);
        tome_put64(f + FTR_FILE_SIZE, file_size);
        tome_put32(f + FTR_RESERVED, 0);
    }
}

/* The footer's last field: XXH32 of everything before it. */
static void reseal_file(uint8_t *b, size_t size)
{
    uint64_t file_size = tome_get64(b + HDR_FILE_SIZE);
    if (file_size >= TOME_HEADER_SIZE + TOME_FOOTER_SIZE && file_size <= size)
        tome_put32(b + file_size - TOME_FOOTER_SIZE + FTR_CHECKSUM,
                   tome__hash(b, (size_t)file_size - TOME_FOOTER_SIZE + FTR_CHECKSUM));
}

void reseal(uint8_t *b, size_t size, unsigned what)
{
    if (size < TOME_HEADER_SIZE)
        return;
    if (what & RESEAL_CONTENT)
        reseal_contents(b, size);
    if (what & RESEAL_TABLES)
        reseal_tables(b, size);
    if (what & RESEAL_HEADER)
        tome_put32(b + HDR_CHECKSUM, tome__hash(b, HDR_CHECKSUM));
    if (what & RESEAL_TABLES)
        reseal_file(b, size);
}
