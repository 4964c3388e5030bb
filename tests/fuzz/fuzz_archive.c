/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_archive.c - resealing checksums of hostile archive images (format
 * 2.0: XXH32 everywhere; a block's checksum covers its decompressed
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

/* Largest block content resealed, and decoded bytes per reseal() call at
 * most: a hostile block table may name the same tiny frame of a huge
 * content size hundreds of times. */
#define RESEAL_CONTENT_MAX (16u << 20)
#define RESEAL_DECODE_BUDGET ((uint64_t)64 << 20)

/* [offset, offset + len) inside an image of `size` bytes, without overflow. */
static int inside(size_t size, uint64_t offset, uint64_t len)
{
    return offset <= size && len <= size - offset;
}

static void reseal_region(uint8_t *b, size_t size, size_t field, uint64_t offset, uint64_t len)
{
    if (inside(size, offset, len))
        tome_put32(b + field, tome__hash(b + offset, (size_t)len));
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

/* Each block record (body blocks, then key blocks) whose frame lies in the
 * image and decodes to exactly content_size bytes gets the XXH32 of those
 * bytes.  A frame that does not decode keeps its checksum. */
static void reseal_blocks(uint8_t *b, size_t size)
{
    uint64_t table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET);
    uint64_t records = (uint64_t)tome_get32(b + HDR_BLOCK_COUNT) +
                       tome_get32(b + HDR_KEY_BLOCK_COUNT);
    uint64_t dict_offset = tome_get64(b + HDR_DICT_OFFSET), budget = RESEAL_DECODE_BUDGET;
    uint32_t dict_size = tome_get32(b + HDR_DICT_SIZE);
    const uint8_t *dict = NULL;
    uint64_t i;
    if (dict_size) {
        if (!inside(size, dict_offset, dict_size))
            return; /* the reader refuses it at open: nothing to get past */
        dict = b + dict_offset;
    }
    if (!dctx && !(dctx = ZSTD_createDCtx()))
        return;
    for (i = 0; i < records && inside(size, table, (i + 1) * BLK_RECORD_SIZE); i++) {
        uint8_t *rec = b + table + i * BLK_RECORD_SIZE;
        uint64_t frame = tome_get64(rec + BLK_FRAME_OFFSET);
        uint32_t frame_size = tome_get32(rec + BLK_FRAME_SIZE);
        uint32_t content_size = tome_get32(rec + BLK_CONTENT_SIZE);
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
            tome_put32(rec + BLK_CHECKSUM, tome__hash_seeded(out, content_size, (uint32_t)i));
    }
}

static void reseal_tables(uint8_t *b, size_t size)
{
    uint64_t records = (uint64_t)tome_get32(b + HDR_BLOCK_COUNT) +
                       tome_get32(b + HDR_KEY_BLOCK_COUNT);
    uint64_t count = tome_get32(b + HDR_ARTICLE_COUNT);
    uint32_t dict_size = tome_get32(b + HDR_DICT_SIZE);
    uint64_t file_size = tome_get64(b + HDR_FILE_SIZE);
    if (dict_size)
        reseal_region(b, size, HDR_DICT_CHECKSUM, tome_get64(b + HDR_DICT_OFFSET), dict_size);
    reseal_region(b, size, HDR_BLOCK_TABLE_CHECKSUM, tome_get64(b + HDR_BLOCK_TABLE_OFFSET),
                  records * BLK_RECORD_SIZE);
    reseal_region(b, size, HDR_ENTRY_TABLE_CHECKSUM, tome_get64(b + HDR_ENTRY_TABLE_OFFSET),
                  count * b[HDR_ENTRY_RECORD_SIZE]);
    reseal_region(b, size, HDR_ORDER_TABLE_CHECKSUM, tome_get64(b + HDR_ORDER_TABLE_OFFSET),
                  count * b[HDR_ORDER_RECORD_SIZE]);
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
    if (what & RESEAL_RECORDS)
        reseal_blocks(b, size);
    if (what & RESEAL_TABLES)
        reseal_tables(b, size);
    if (what & RESEAL_HEADER)
        tome_put32(b + HDR_CHECKSUM, tome__hash(b, HDR_CHECKSUM));
    if (what & RESEAL_TABLES)
        reseal_file(b, size);
}
