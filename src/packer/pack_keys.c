/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_keys.c - keys and titles in key order, cut into key blocks of a
 * fixed number of records (docs/FORMAT.md, "Key blocks").  A fixed count
 * lets a reader find an ID's key block by division, with no table.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "records.h"
#include "pack_internal.h"

static uint64_t record_size(const tome_packer *p, const uint32_t *ids, size_t i)
{
    const pack_article *a = &p->articles[ids[i]];
    return TOME_KEY_RECORD_HEADER + (uint64_t)a->key_size + a->title_size;
}

/* The largest key block with `per` records a block. */
static uint64_t largest_block(const tome_packer *p, const uint32_t *ids, uint32_t per)
{
    uint64_t largest = 0, block = 0;
    size_t i;
    for (i = 0; i < p->article_count; i++) {
        block += record_size(p, ids, i);
        if ((i + 1) % per == 0 || i + 1 == p->article_count) {
            if (block > largest)
                largest = block;
            block = 0;
        }
    }
    return largest;
}

/* The most records a block such that no key block exceeds `cap`: start
 * from the average that fits, and step down. */
static uint32_t records_per_block(const tome_packer *p, const uint32_t *ids, uint64_t cap,
                                  uint64_t total)
{
    uint64_t per = total ? cap * p->article_count / total : 1;
    if (per > p->article_count)
        per = p->article_count;
    if (per < 1)
        per = 1;
    while (per > 1 && largest_block(p, ids, (uint32_t)per) > cap)
        per -= per / 16 ? per / 16 : 1;
    return (uint32_t)per;
}

int tome__pack_keys(tome_packer *p, const uint32_t *ids, uint32_t target, pack_keys *out)
{
    size_t n = p->article_count, i;
    uint64_t total = 0, at = 0, block_start = 0, cap = target;
    memset(out, 0, sizeof *out);
    for (i = 0; i < n; i++) {
        uint64_t r = record_size(p, ids, i);
        total += r;
        if (r > cap)
            cap = r; /* one name longer than the target: its block holds it */
    }
    out->per_block = records_per_block(p, ids, cap, total);
    out->block_count = (n + out->per_block - 1) / out->per_block;
    out->data = malloc(total ? total : 1);
    out->block_sizes = malloc((out->block_count ? out->block_count : 1) * sizeof *out->block_sizes);
    if (!out->data || !out->block_sizes)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    for (i = 0; i < n; i++) {
        const pack_article *a = &p->articles[ids[i]];
        tome__key_record_put(out->data + at, (uint16_t)a->key_size, (uint16_t)a->title_size);
        at += TOME_KEY_RECORD_HEADER;
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
