/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_block.c - table records, bodies across blocks, key records.
 * Decoding a block is read_slot.c's.
 */
#include <string.h>

#include "read_internal.h"

const uint8_t *tome__bytes(tome_reader *r, uint64_t offset, size_t len, uint8_t *scratch)
{
    if (r->data)
        return r->data + offset;
    return r->read(r->user, offset, scratch, len) == 0 ? scratch : NULL;
}

int tome__load_block(tome_reader *r, uint32_t index, tome_block *b)
{
    uint8_t tmp[BLK_RECORD_SIZE];
    const uint8_t *p;
    uint32_t content;
    uint32_t cap = index < r->h.block_count ? r->h.block_size_max : r->h.key_block_size_max;
    if (index >= r->h.block_count + r->h.key_block_count)
        return TOME_ERR_CORRUPT;
    p = tome__bytes(r, r->h.block_table_offset + (uint64_t)index * BLK_RECORD_SIZE,
                    BLK_RECORD_SIZE, tmp);
    if (!p)
        return TOME_ERR_READ;
    b->frame_offset = tome_get64(p + BLK_FRAME_OFFSET);
    b->frame_size = tome_get32(p + BLK_FRAME_SIZE);
    content = tome_get32(p + BLK_CONTENT_SIZE);
    b->checksum = tome_get32(p + BLK_CHECKSUM);
    if (content == 0 || content > cap || !tome__in_body(&r->h, b->frame_offset, b->frame_size))
        return TOME_ERR_CORRUPT;
    /* at most a buffer's size: tome_open() fitted both in a size_t workspace */
    b->content_size = (size_t)content;
    return TOME_OK;
}

int tome__load_entry(tome_reader *r, uint32_t id, tome_entry *e)
{
    const tome_header *h = &r->h;
    uint8_t tmp[ENT_RECORD_SIZE_MAX];
    const uint8_t *p;
    tome_entry_widths w;
    if (id >= h->article_count)
        return TOME_ERR_RANGE;
    p = tome__bytes(r, h->entry_table_offset + (uint64_t)id * h->entry_record_size,
                    h->entry_record_size, tmp);
    if (!p)
        return TOME_ERR_READ;
    w.block_bits = h->block_bits;
    w.offset_bits = h->offset_bits;
    w.size_bits = h->size_bits;
    tome__entry_decode(p, &w, e);
    if (e->size > h->article_size_max)
        return TOME_ERR_CORRUPT;
    if (e->size == 0)
        return (e->block == 0 && e->offset == 0) ? TOME_OK : TOME_ERR_CORRUPT;
    return e->block < h->block_count && e->offset < h->block_size_max ? TOME_OK
                                                                      : TOME_ERR_CORRUPT;
}

int tome__load_order(tome_reader *r, uint32_t position, uint32_t *id)
{
    uint8_t tmp[ORD_RECORD_SIZE_MAX];
    unsigned n = r->h.order_record_size;
    const uint8_t *p = tome__bytes(r, r->h.order_table_offset + (uint64_t)position * n, n, tmp);
    if (!p)
        return TOME_ERR_READ;
    *id = tome__get_bits(p, 0, n * 8);
    return *id < r->h.article_count ? TOME_OK : TOME_ERR_CORRUPT;
}

int tome__copy_body(tome_reader *r, uint32_t block, uint32_t offset, uint64_t len,
                    uint8_t *dst, int hash)
{
    tome_slot *s = &r->bodies;
    while (len > 0) {
        size_t content, start, piece;
        int err;
        if (block >= r->h.block_count)
            return TOME_ERR_CORRUPT;
        if ((err = tome__slot_decode(r, s, block, 0)) != TOME_OK) /* selects it */
            return err;
        content = s->block.content_size;
        if (offset >= content)
            return TOME_ERR_CORRUPT;
        start = (size_t)offset; /* below content, a size_t */
        piece = content - start;
        if (piece > len)
            piece = (size_t)len; /* below piece */
        if ((err = tome__slot_decode(r, s, block, start + piece)) != TOME_OK)
            return err;
        if (dst) {
            memcpy(dst, s->buf + start, piece);
            dst += piece;
        }
        if (hash)
            tome__hash_update(&r->hash, s->buf + start, piece);
        len -= piece;
        offset = 0;
        block++; /* a long body continues at the start of the next block */
    }
    return TOME_OK;
}

int tome__load_key_block(tome_reader *r, tome_slot *s, uint32_t kb)
{
    return tome__slot_check(r, s, r->h.block_count + kb);
}

int tome__key_record(const tome_reader *r, const tome_slot *s, size_t at, tome_name *n,
                     size_t *end)
{
    size_t size = s->done;
    uint32_t key_size, title_size;
    if (at > size || size - at < TOME_KEY_RECORD_HEADER)
        return TOME_ERR_CORRUPT;
    tome__key_record_get(s->buf + at, &key_size, &title_size);
    at += TOME_KEY_RECORD_HEADER;
    /* each at most TOME_KEY_SIZE_LIMIT, so the sum cannot wrap */
    if (key_size == 0 || key_size > r->h.key_size_max || title_size > r->h.title_size_max ||
        size - at < key_size + title_size)
        return TOME_ERR_CORRUPT;
    /* both within the block's bytes left, a size_t */
    n->key_size = (size_t)key_size;
    n->title_size = (size_t)title_size;
    n->key = s->buf + at;
    n->title = n->key + n->key_size;
    *end = at + n->key_size + n->title_size;
    return TOME_OK;
}

int tome__name_of(tome_reader *r, uint32_t id, tome_name *name)
{
    size_t at = 0;
    uint32_t i;
    int err;
    if (id >= r->h.article_count)
        return TOME_ERR_RANGE;
    if ((err = tome__load_key_block(r, &r->keys, id / r->h.keys_per_block)) != TOME_OK)
        return err;
    for (i = 0; i <= id % r->h.keys_per_block && err == TOME_OK; i++)
        err = tome__key_record(r, &r->keys, at, name, &at);
    return err;
}
