/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_tables.c - the entry, order and block tables and the header, in the
 * byte layout of docs/FORMAT.md.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pack_plan.h"
#include "records.h"

typedef struct placed {
    tome_entry entry;
    uint32_t id;
} placed;

static int compare_placed(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    return tome__storage_compare(&x->entry, x->id, &y->entry, y->id);
}

/* Bits needed to write v. */
static uint32_t bits_for(uint64_t v)
{
    uint32_t n = 0;
    while (v >> n)
        n++;
    return n;
}

static void choose_widths(const tome_packer *p, plan *pl)
{
    uint32_t block_max = 0, offset_max = 0, size_max = 0;
    size_t i;
    for (i = 0; i < p->body_count; i++) {
        const pack_body *b = &p->bodies[i];
        if (b->size == 0)
            continue;
        if (b->block > block_max)
            block_max = b->block;
        if (b->offset > offset_max)
            offset_max = b->offset;
        if (b->size > size_max)
            size_max = b->size;
    }
    pl->block_bits = bits_for(block_max);
    pl->offset_bits = bits_for(offset_max);
    pl->size_bits = bits_for(size_max);
    pl->entry_record_size = tome__entry_record_size(&(tome_entry_widths){
        pl->block_bits, pl->offset_bits, pl->size_bits});
    pl->order_record_size = (bits_for(p->article_count - 1) + 7) / 8;
    if (pl->order_record_size == 0)
        pl->order_record_size = 1;
}

int tome__plan_build_tables(tome_packer *p, plan *pl)
{
    size_t n = p->article_count, i;
    placed *order = malloc(n * sizeof *order);
    tome_entry_widths widths;
    choose_widths(p, pl);
    widths.block_bits = pl->block_bits;
    widths.offset_bits = pl->offset_bits;
    widths.size_bits = pl->size_bits;
    pl->block_table = malloc(pl->block_count * BLK_RECORD_SIZE + 1);
    pl->entry_table = calloc(n, pl->entry_record_size);
    pl->order_table = calloc(n, pl->order_record_size);
    if (!order || !pl->block_table || !pl->entry_table || !pl->order_table) {
        free(order);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const pack_article *a = &p->articles[pl->ids[i]];
        const pack_body *b = &p->bodies[a->body];
        uint8_t *e = pl->entry_table + i * pl->entry_record_size;
        placed *o = &order[i];
        o->entry.block = b->size ? b->block : 0;
        o->entry.offset = b->size ? b->offset : 0;
        o->entry.size = b->size;
        o->entry.checksum = tome__hash_seeded(b->data, b->size, (uint32_t)i);
        o->id = (uint32_t)i;
        tome__entry_encode(e, &widths, &o->entry);
        pl->raw_size += b->size;
    }
    qsort(order, n, sizeof *order, compare_placed);
    for (i = 0; i < n; i++)
        tome__put_bits(pl->order_table + i * pl->order_record_size, 0, pl->order_record_size * 8,
                 order[i].id);
    free(order);
    return TOME_PACK_OK;
}

void tome__plan_place_regions(const tome_packer *p, plan *pl, regions *g)
{
    size_t i;
    uint64_t at;
    g->dict = pl->dict_size ? TOME_HEADER_SIZE : 0;
    g->frames = TOME_HEADER_SIZE + pl->dict_size;
    at = g->frames;
    for (i = 0; i < pl->block_count; i++) {
        uint8_t *r = pl->block_table + i * BLK_RECORD_SIZE;
        const pack_block *b = &pl->blocks[i];
        tome_put64(r + BLK_FRAME_OFFSET, at);
        tome_put32(r + BLK_FRAME_SIZE, (uint32_t)b->frame_size);
        tome_put32(r + BLK_CONTENT_SIZE, b->size);
        tome_put32(r + BLK_CHECKSUM, tome__hash_seeded(pl->stream + b->start, b->size, (uint32_t)i));
        at += b->frame_size;
    }
    g->frames_size = at - g->frames;
    g->block_table = at;
    g->entry_table = g->block_table + (uint64_t)pl->block_count * BLK_RECORD_SIZE;
    g->order_table = g->entry_table + (uint64_t)p->article_count * pl->entry_record_size;
    g->footer = g->order_table + (uint64_t)p->article_count * pl->order_record_size;
    g->file_size = g->footer + TOME_FOOTER_SIZE;
}

/* The header's advisory workspace: TOME_WORKSPACE_BOUND in 64 bits,
 * saturated, so the archive is the same whatever machine packs it. */
static uint32_t advisory_workspace(uint64_t block, uint64_t key_block, uint64_t chunk,
                                   uint64_t dict, int callback)
{
    /* Always for the default zstd build: the archive's bytes must not
     * depend on a TOME_ZSTD_MINIMAL or TOME_ZSTD_DCTX_BOUND of the packer's. */
    uint64_t bound = TOME_WORKSPACE_BOUND(block, key_block, chunk, dict, callback) -
                     TOME_ZSTD_DCTX_BOUND + TOME_ZSTD_DCTX_BOUND_DEFAULT;
    return bound > UINT32_MAX ? UINT32_MAX : (uint32_t)bound;
}

void tome__plan_fill_header(const tome_packer *p, plan *pl, const regions *g)
{
    uint8_t *h = pl->header;
    uint32_t block_max = 0, key_block_max = 0, chunk_max = 0, article_max = 0;
    uint32_t key_max = 0, title_max = 0;
    size_t i;
    for (i = 0; i < pl->block_count; i++) {
        if (pl->blocks[i].size > block_max)
            block_max = pl->blocks[i].size;
        if (i >= pl->body_blocks && pl->blocks[i].size > key_block_max)
            key_block_max = pl->blocks[i].size;
        if (pl->blocks[i].chunk_max > chunk_max)
            chunk_max = pl->blocks[i].chunk_max;
    }
    for (i = 0; i < p->article_count; i++) {
        const pack_article *a = &p->articles[i];
        if (p->bodies[a->body].size > article_max)
            article_max = p->bodies[a->body].size;
        if (a->key_size > key_max)
            key_max = a->key_size;
        if (a->title_size > title_max)
            title_max = a->title_size;
    }
    memset(h, 0, TOME_HEADER_SIZE);
    memcpy(h + HDR_MAGIC, TOME_HEADER_MAGIC, TOME_MAGIC_SIZE);
    tome_put16(h + HDR_MAJOR, TOME_FORMAT_MAJOR);
    tome_put16(h + HDR_MINOR, TOME_FORMAT_MINOR);
    tome_put32(h + HDR_HEADER_SIZE, TOME_HEADER_SIZE);
    tome_put64(h + HDR_FILE_SIZE, g->file_size);
    tome_put32(h + HDR_ARTICLE_COUNT, (uint32_t)p->article_count);
    tome_put32(h + HDR_BODY_COUNT, (uint32_t)p->body_count);
    tome_put32(h + HDR_BLOCK_COUNT, (uint32_t)pl->body_blocks);
    tome_put32(h + HDR_KEY_BLOCK_COUNT, (uint32_t)pl->keys.block_count);
    tome_put32(h + HDR_KEYS_PER_BLOCK, pl->keys.per_block);
    tome_put32(h + HDR_BLOCK_SIZE_MAX, block_max);
    tome_put32(h + HDR_KEY_BLOCK_SIZE_MAX, key_block_max);
    tome_put32(h + HDR_ARTICLE_SIZE_MAX, article_max);
    tome_put32(h + HDR_CHUNK_SIZE_MAX, chunk_max);
    tome_put32(h + HDR_KEY_SIZE_MAX, key_max);
    tome_put32(h + HDR_TITLE_SIZE_MAX, title_max);
    tome_put32(h + HDR_DICT_SIZE, (uint32_t)pl->dict_size);
    tome_put32(h + HDR_WORKSPACE_MEMORY,
               advisory_workspace(block_max, key_block_max, chunk_max, pl->dict_size, 0));
    tome_put32(h + HDR_WORKSPACE_CALLBACK,
               advisory_workspace(block_max, key_block_max, chunk_max, pl->dict_size, 1));
    h[HDR_ENTRY_RECORD_SIZE] = (uint8_t)pl->entry_record_size;
    h[HDR_BLOCK_BITS] = (uint8_t)pl->block_bits;
    h[HDR_OFFSET_BITS] = (uint8_t)pl->offset_bits;
    h[HDR_SIZE_BITS] = (uint8_t)pl->size_bits;
    h[HDR_ORDER_RECORD_SIZE] = (uint8_t)pl->order_record_size;
    tome_put64(h + HDR_DICT_OFFSET, g->dict);
    tome_put64(h + HDR_BLOCK_TABLE_OFFSET, g->block_table);
    tome_put64(h + HDR_ENTRY_TABLE_OFFSET, g->entry_table);
    tome_put64(h + HDR_ORDER_TABLE_OFFSET, g->order_table);
    tome_put32(h + HDR_DICT_CHECKSUM, pl->dict_size ? tome__hash(pl->dict, pl->dict_size) : 0);
    tome_put32(h + HDR_BLOCK_TABLE_CHECKSUM,
               tome__hash(pl->block_table, pl->block_count * BLK_RECORD_SIZE));
    tome_put32(h + HDR_ENTRY_TABLE_CHECKSUM,
               tome__hash(pl->entry_table, p->article_count * pl->entry_record_size));
    tome_put32(h + HDR_ORDER_TABLE_CHECKSUM,
               tome__hash(pl->order_table, p->article_count * pl->order_record_size));
    tome_put64(h + HDR_RAW_SIZE, pl->raw_size);
    tome_put64(h + HDR_STORED_SIZE, pl->stream_size);
    tome_put64(h + HDR_KEYS_SIZE, pl->keys.size);
    tome_put64(h + HDR_FRAMES_SIZE, g->frames_size);
    tome_put32(h + HDR_CHECKSUM, tome__hash(h, HDR_CHECKSUM));
}

