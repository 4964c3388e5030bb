/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_article.c - the per-article calls: stat, key, title, fetch, read,
 * find and storage-order iteration.
 */
#include <stdint.h>
#include <string.h>

#include "read_internal.h"

int tome_stat(tome_reader *r, uint32_t id, tome_article *a)
{
    tome_entry e;
    tome_name n;
    int err;
    if (!r || !a)
        return TOME_ERR_ARGUMENT;
    if ((err = tome__load_entry(r, id, &e)) != TOME_OK ||
        (err = tome__name_of(r, id, &n)) != TOME_OK)
        return err;
    a->checksum = e.checksum;
    a->size = e.size;
    a->key_size = (uint32_t)n.key_size;     /* at most TOME_KEY_SIZE_LIMIT */
    a->title_size = (uint32_t)n.title_size; /* the same */
    a->block = e.block;
    return TOME_OK;
}

static int copy_name(tome_reader *r, uint32_t id, int title, char *buf, size_t cap)
{
    tome_name n;
    size_t size;
    int err;
    if (!r || !buf)
        return TOME_ERR_ARGUMENT;
    if ((err = tome__name_of(r, id, &n)) != TOME_OK)
        return err;
    size = title ? n.title_size : n.key_size;
    if (cap <= size)
        return TOME_ERR_BUFFER;
    memcpy(buf, title ? n.title : n.key, size);
    buf[size] = '\0';
    return TOME_OK;
}

int tome_key(tome_reader *r, uint32_t id, char *buf, size_t cap)
{
    return copy_name(r, id, 0, buf, cap);
}

int tome_title(tome_reader *r, uint32_t id, char *buf, size_t cap)
{
    return copy_name(r, id, 1, buf, cap);
}

int tome_fetch(tome_reader *r, uint32_t id, void *dst, size_t cap, size_t *size)
{
    tome_entry e;
    int err;
    if (!r || !size || (!dst && cap))
        return TOME_ERR_ARGUMENT;
    if ((err = tome__load_entry(r, id, &e)) != TOME_OK)
        return err;
#if SIZE_MAX < 0xFFFFFFFFu
    /* 16-bit size_t: an article this long fits no buffer; say so without
     * truncating the size reported (tome_stat() has the exact one). */
    if (e.size > SIZE_MAX) {
        *size = SIZE_MAX;
        return TOME_ERR_BUFFER;
    }
#endif
    *size = (size_t)e.size; /* fits: checked above where size_t is narrower */
    if (cap < *size)
        return TOME_ERR_BUFFER;
    if ((err = tome__copy_body(r, e.block, e.offset, e.size, (uint8_t *)dst, 0)) != TOME_OK)
        return err;
    if (!(r->flags & TOME_OPEN_TRUST_CONTENT) && tome__hash_seeded(dst, *size, id) != e.checksum)
        return TOME_ERR_CHECKSUM;
    return TOME_OK;
}

int tome_read(tome_reader *r, uint32_t id, uint64_t offset, void *dst, size_t len)
{
    tome_entry e;
    uint64_t start;
    int err;
    if (!r || (!dst && len))
        return TOME_ERR_ARGUMENT;
    if ((err = tome__load_entry(r, id, &e)) != TOME_OK)
        return err;
    if (offset > e.size || len > e.size - offset)
        return TOME_ERR_RANGE;
    if (len == 0)
        return TOME_OK;
    /* Skip whole blocks until the block holding the first wanted byte. */
    start = (uint64_t)e.offset + offset;
    while (1) {
        tome_block b;
        if (e.block >= r->h.block_count)
            return TOME_ERR_CORRUPT;
        if ((err = tome__load_block(r, e.block, &b)) != TOME_OK)
            return err;
        if (start < b.content_size)
            break;
        start -= b.content_size;
        e.block++;
    }
    return tome__copy_body(r, e.block, (uint32_t)start, len, (uint8_t *)dst, 0);
}

/* Order of the first key of key block `kb` against the query. */
static int first_key_order(tome_reader *r, uint32_t kb, const char *key, size_t key_size,
                           int *order)
{
    tome_name n;
    size_t end;
    int err;
    if ((err = tome__load_key_block(r, &r->keys, kb)) != TOME_OK ||
        (err = tome__key_record(r, &r->keys, 0, &n, &end)) != TOME_OK)
        return err;
    *order = tome__key_compare(n.key, n.key_size, (const uint8_t *)key, key_size);
    return TOME_OK;
}

int tome_find(tome_reader *r, const char *key, size_t key_size, uint32_t *id)
{
    uint32_t lo = 0, hi, i, count;
    size_t at = 0;
    int order, err;
    if (!r || !id || (!key && key_size))
        return TOME_ERR_ARGUMENT;
    if (key_size == 0 || key_size > r->h.key_size_max || r->h.key_block_count == 0)
        return TOME_ERR_NOT_FOUND;
    /* the last key block whose first key is <= the query */
    hi = r->h.key_block_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((err = first_key_order(r, mid, key, key_size, &order)) != TOME_OK)
            return err;
        if (order > 0)
            hi = mid;
        else
            lo = mid;
    }
    if ((err = tome__load_key_block(r, &r->keys, lo)) != TOME_OK)
        return err;
    count = r->h.article_count - lo * r->h.keys_per_block;
    if (count > r->h.keys_per_block)
        count = r->h.keys_per_block;
    for (i = 0; i < count; i++) {
        tome_name n;
        if ((err = tome__key_record(r, &r->keys, at, &n, &at)) != TOME_OK)
            return err;
        order = tome__key_compare(n.key, n.key_size, (const uint8_t *)key, key_size);
        if (order == 0) {
            *id = lo * r->h.keys_per_block + i;
            return TOME_OK;
        }
        if (order > 0)
            break;
    }
    return TOME_ERR_NOT_FOUND;
}

int tome_next(tome_reader *r, uint32_t *cursor, uint32_t *id)
{
    int err;
    if (!r || !cursor || !id)
        return TOME_ERR_ARGUMENT;
    if (*cursor >= r->h.article_count)
        return TOME_DONE;
    if ((err = tome__load_order(r, *cursor, id)) != TOME_OK)
        return err;
    (*cursor)++;
    return TOME_OK;
}
