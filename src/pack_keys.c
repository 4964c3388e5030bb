/*
 * pack_keys.c - keys and titles in key order, cut into key blocks of a
 * fixed number of records (docs/FORMAT.md, "Key blocks").  A fixed count
 * lets a reader find an ID's key block by division, with no table.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "pack_internal.h"

int tome_pack_keys(tome_packer *p, const uint32_t *ids, uint32_t target, pack_keys *out)
{
    size_t n = p->article_count, i;
    uint64_t total = 0, at = 0, block_start = 0;
    memset(out, 0, sizeof *out);
    for (i = 0; i < n; i++)
        total += KEY_REC_HEADER + p->articles[i].key_size + p->articles[i].title_size;
    /* as many records as fit the target on average; a block of unusually
     * long names may exceed it, and the header records the largest */
    out->per_block = (uint32_t)(total ? (uint64_t)target * n / total : 1);
    if (out->per_block < 1)
        out->per_block = 1;
    if (out->per_block > n)
        out->per_block = (uint32_t)n;
    out->block_count = (n + out->per_block - 1) / out->per_block;
    out->data = malloc(total ? total : 1);
    out->block_sizes = malloc((out->block_count ? out->block_count : 1) * sizeof *out->block_sizes);
    if (!out->data || !out->block_sizes)
        return tome_pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    for (i = 0; i < n; i++) {
        const pack_article *a = &p->articles[ids[i]];
        tome_put16(out->data + at + KEY_REC_KEY_SIZE, (uint16_t)a->key_size);
        tome_put16(out->data + at + KEY_REC_TITLE_SIZE, (uint16_t)a->title_size);
        at += KEY_REC_HEADER;
        memcpy(out->data + at, a->key, a->key_size);
        at += a->key_size;
        if (a->title_size)
            memcpy(out->data + at, a->title, a->title_size);
        at += a->title_size;
        if ((i + 1) % out->per_block == 0 || i + 1 == n) {
            out->block_sizes[i / out->per_block] = (uint32_t)(at - block_start);
            block_start = at;
        }
    }
    out->size = total;
    return TOME_PACK_OK;
}
