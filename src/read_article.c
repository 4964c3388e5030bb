/*
 * read_article.c - the per-article calls: stat, key, title, fetch, read,
 * find and storage-order iteration.
 */
#include <string.h>

#include "read_internal.h"

int tome_stat(tome_reader *r, uint32_t id, tome_article *a)
{
    tome_entry e;
    int err;
    if (!r || !a)
        return TOME_ERR_ARGUMENT;
    if ((err = tome_load_entry(r, id, &e)) != TOME_OK)
        return err;
    a->checksum = e.checksum;
    a->size = e.size;
    a->key_size = e.key_size;
    a->title_size = e.title_size;
    a->block = e.block;
    return TOME_OK;
}

static int copy_name(tome_reader *r, uint32_t id, int title, char *buf, size_t cap)
{
    tome_entry e;
    uint32_t offset, size;
    int err;
    if (!r || !buf)
        return TOME_ERR_ARGUMENT;
    if ((err = tome_load_entry(r, id, &e)) != TOME_OK)
        return err;
    offset = e.key_offset + (title ? e.key_size : 0);
    size = title ? e.title_size : e.key_size;
    if (cap <= size)
        return TOME_ERR_BUFFER;
    if (r->data)
        memcpy(buf, r->data + r->h.pool_offset + offset, size);
    else if (size && r->read(r->user, r->h.pool_offset + offset, buf, size) != 0)
        return TOME_ERR_READ;
    buf[size] = '\0';
    if (!title && !tome_key_matches(&e, buf))
        return TOME_ERR_CORRUPT;
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
    if ((err = tome_load_entry(r, id, &e)) != TOME_OK)
        return err;
    *size = e.size;
    if (cap < e.size)
        return TOME_ERR_BUFFER;
    if ((err = tome_copy_body(r, e.block, e.offset, e.size, (uint8_t *)dst, 0)) != TOME_OK)
        return err;
    if (!(r->flags & TOME_OPEN_TRUST_CONTENT) && tome_hash(dst, e.size) != e.checksum)
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
    if ((err = tome_load_entry(r, id, &e)) != TOME_OK)
        return err;
    if (offset > e.size || len > e.size - offset)
        return TOME_ERR_RANGE;
    if (len == 0)
        return TOME_OK;
    /* Skip whole blocks until the block holding the first wanted byte. */
    start = (uint64_t)e.offset + offset;
    while (1) {
        tome_block b;
        if ((err = tome_load_block(r, e.block, &b)) != TOME_OK)
            return err;
        if (start < b.content_size)
            break;
        start -= b.content_size;
        e.block++;
    }
    return tome_copy_body(r, e.block, (uint32_t)start, len, (uint8_t *)dst, 0);
}

int tome_find(tome_reader *r, const char *key, size_t key_size, uint32_t *id)
{
    uint32_t lo = 0, hi;
    if (!r || !id || (!key && key_size))
        return TOME_ERR_ARGUMENT;
    hi = r->h.article_count;
    if (key_size == 0 || key_size > r->h.key_size_max)
        return TOME_ERR_NOT_FOUND;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        tome_entry e;
        int order, err;
        if ((err = tome_load_entry(r, mid, &e)) != TOME_OK ||
            (err = tome_compare_key(r, &e, NULL, key, key_size, &order)) != TOME_OK)
            return err;
        if (order == 0) {
            /* the query is the stored key: check it belongs to this record */
            if (!tome_key_matches(&e, key))
                return TOME_ERR_CORRUPT;
            *id = mid;
            return TOME_OK;
        }
        if (order > 0) /* the entry's key sorts after the query */
            hi = mid;
        else
            lo = mid + 1;
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
    if ((err = tome_load_order(r, *cursor, id)) != TOME_OK)
        return err;
    (*cursor)++;
    return TOME_OK;
}
