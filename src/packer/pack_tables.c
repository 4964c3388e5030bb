/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_tables.c - the block table and the header, in the byte layout of
 * docs/FORMAT.md ("Header", "Block table").
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pack_plan.h"

int tome__plan_place_regions(tome_packer *p, plan *pl, regions *g)
{
    size_t i;
    uint64_t at;
    pl->block_table = malloc(pl->block_count * BLK_RECORD_SIZE + 1);
    if (!pl->block_table)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    g->dict = pl->dict_size ? TOME_HEADER_SIZE : 0;
    g->frames = TOME_HEADER_SIZE + pl->dict_size;
    g->index_bytes = (uint64_t)pl->block_count * BLK_RECORD_SIZE;
    at = g->frames;
    for (i = 0; i < pl->block_count; i++) {
        uint8_t *r = pl->block_table + i * BLK_RECORD_SIZE;
        const pack_block *b = &pl->blocks[i];
        tome_put64(r + BLK_FRAME_OFFSET, at);
        tome_put32(r + BLK_FRAME_SIZE, (uint32_t)b->frame_size);
        tome_put32(r + BLK_CONTENT_SIZE, (uint32_t)tome__pack_content_size(b));
        tome_put32(r + BLK_FIRST, b->first);
        tome_put32(r + BLK_CONTENT_CHECKSUM, b->content_checksum);
        tome_put32(r + BLK_RECORD_CHECKSUM,
                   tome__hash_seeded(r, BLK_RECORD_CHECKSUM, (uint32_t)i));
        at += b->frame_size;
        if (b->kind != TOME_KIND_BODY)
            g->index_bytes += b->frame_size;
    }
    g->block_table = at;
    g->footer = g->block_table + (uint64_t)pl->block_count * BLK_RECORD_SIZE;
    g->file_size = g->footer + TOME_FOOTER_SIZE;
    return TOME_PACK_OK;
}

/* The header's advisory workspace: TOME_WORKSPACE_BOUND in 64 bits,
 * saturated, so the archive is the same whatever machine packs it. */
static uint32_t advisory_workspace(uint64_t block, uint64_t index, uint64_t chunk,
                                   uint64_t dict, int callback)
{
    /* Always for the default zstd build: the archive's bytes must not
     * depend on a TOME_ZSTD_MINIMAL or TOME_ZSTD_DCTX_BOUND of the packer's. */
    uint64_t bound = TOME_WORKSPACE_BOUND(block, index, chunk, dict, callback) -
                     TOME_ZSTD_DCTX_BOUND + TOME_ZSTD_DCTX_BOUND_DEFAULT;
    return bound > UINT32_MAX ? UINT32_MAX : (uint32_t)bound;
}

/* The limits the header declares: the largest of each, found. */
typedef struct limits {
    uint32_t block, index, chunk, article, key, title;
} limits;

static void find_limits(const tome_packer *p, const plan *pl, limits *m)
{
    size_t i;
    memset(m, 0, sizeof *m);
    for (i = 0; i < pl->block_count; i++) {
        const pack_block *b = &pl->blocks[i];
        uint32_t size = (uint32_t)tome__pack_content_size(b);
        uint32_t *limit = b->kind == TOME_KIND_BODY ? &m->block : &m->index;
        if (size > *limit)
            *limit = size;
        if (b->chunk_max > m->chunk)
            m->chunk = b->chunk_max;
    }
    for (i = 0; i < p->article_count; i++) {
        const pack_article *a = &p->articles[i];
        if (p->bodies[a->body].size > m->article)
            m->article = p->bodies[a->body].size;
        if (a->key_size > m->key)
            m->key = a->key_size;
        if (a->title_size > m->title)
            m->title = a->title_size;
    }
    for (i = 0; i < p->alias_count; i++)
        if (p->aliases[i].alias_size > m->key)
            m->key = p->aliases[i].alias_size;
    {
        /* docs/FORMAT.md: long strings need a body buffer that holds two */
        uint32_t longest = m->key > pl->fold_size_max ? m->key : pl->fold_size_max;
        if (longest > TOME_SHORT_STRING_MAX && m->block < 2u * longest)
            m->block = 2u * longest;
    }
}

void tome__plan_fill_header(const tome_packer *p, plan *pl, const regions *g)
{
    uint8_t *h = pl->header;
    limits m;
    find_limits(p, pl, &m);
    memset(h, 0, TOME_HEADER_SIZE);
    memcpy(h + HDR_MAGIC, TOME_HEADER_MAGIC, TOME_MAGIC_SIZE);
    tome_put16(h + HDR_MAJOR, TOME_FORMAT_MAJOR);
    tome_put16(h + HDR_MINOR, TOME_FORMAT_MINOR);
    tome_put32(h + HDR_HEADER_SIZE, TOME_HEADER_SIZE);
    tome_put64(h + HDR_FILE_SIZE, g->file_size);
    tome_put32(h + HDR_ARTICLE_COUNT, (uint32_t)p->article_count);
    tome_put32(h + HDR_BODY_COUNT, (uint32_t)p->body_count);
    tome_put32(h + HDR_ALIAS_COUNT, (uint32_t)p->alias_count);
    tome_put32(h + HDR_SEARCH_COUNT, pl->search_count);
    tome_put32(h + HDR_BODY_BLOCKS, (uint32_t)pl->body_blocks);
    tome_put32(h + HDR_NAME_LEAVES, (uint32_t)pl->names.leaves);
    tome_put32(h + HDR_NAME_FRAMES, (uint32_t)pl->names.count);
    tome_put32(h + HDR_ALIAS_LEAVES, (uint32_t)pl->alias_tree.leaves);
    tome_put32(h + HDR_ALIAS_FRAMES, (uint32_t)pl->alias_tree.count);
    tome_put32(h + HDR_SEARCH_LEAVES, (uint32_t)pl->search.leaves);
    tome_put32(h + HDR_SEARCH_FRAMES, (uint32_t)pl->search.count);
    tome_put32(h + HDR_META_FRAMES, (uint32_t)pl->meta.count);
    tome_put32(h + HDR_BLOCK_SIZE_MAX, m.block);
    tome_put32(h + HDR_INDEX_SIZE_MAX, m.index);
    tome_put32(h + HDR_ARTICLE_SIZE_MAX, m.article);
    tome_put32(h + HDR_CHUNK_SIZE_MAX, m.chunk);
    tome_put32(h + HDR_KEY_SIZE_MAX, m.key);
    tome_put32(h + HDR_TITLE_SIZE_MAX, m.title);
    tome_put32(h + HDR_FOLD_SIZE_MAX, pl->fold_size_max);
    tome_put32(h + HDR_DICT_SIZE, (uint32_t)pl->dict_size);
    tome_put32(h + HDR_WORKSPACE_MEMORY,
               advisory_workspace(m.block, m.index, m.chunk, pl->dict_size, 0));
    tome_put32(h + HDR_WORKSPACE_CALLBACK,
               advisory_workspace(m.block, m.index, m.chunk, pl->dict_size, 1));
    tome_put32(h + HDR_FOLD_VERSION, pl->search.count ? TOME_FOLD_VERSION : 0);
    tome_put32(h + HDR_DICT_CHECKSUM, pl->dict_size ? tome__hash(pl->dict, pl->dict_size) : 0);
    tome_put64(h + HDR_DICT_OFFSET, g->dict);
    tome_put64(h + HDR_BLOCK_TABLE_OFFSET, g->block_table);
    tome_put64(h + HDR_RAW_SIZE, pl->raw_size);
    tome_put64(h + HDR_STORED_SIZE, pl->stored_size);
    tome_put32(h + HDR_META_COUNT, (uint32_t)p->meta_count);
    tome_put32(h + HDR_CHECKSUM, tome__hash(h, HDR_CHECKSUM));
}
