/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_block.c - table records and block decompression.
 *
 * Blocks are decoded with zstd's block-by-block API, and only as far as a
 * request needs: a fetch near the start of a block stops early, and a later
 * request in the same block continues where the last one stopped.  So
 * iteration in storage order decompresses each block once.  Body blocks and
 * key blocks have a buffer (slot) each, so looking up keys while iterating
 * does not evict the body block; the zstd context is shared, and a slot
 * whose frame was interrupted is decoded to its end when it is next needed.
 */
#include <string.h>

#include "read_internal.h"

const uint8_t *tome_bytes(tome_reader *r, uint64_t offset, size_t len, uint8_t *scratch)
{
    if (r->data)
        return r->data + offset;
    return r->read(r->user, offset, scratch, len) == 0 ? scratch : NULL;
}

int tome_load_block(tome_reader *r, uint32_t index, tome_block *b)
{
    uint8_t tmp[BLK_RECORD_SIZE];
    const uint8_t *p;
    uint32_t content;
    uint32_t cap = index < r->h.block_count ? r->h.block_size_max : r->h.key_block_size_max;
    if (index >= r->h.block_count + r->h.key_block_count)
        return TOME_ERR_CORRUPT;
    p = tome_bytes(r, r->h.block_table_offset + (uint64_t)index * BLK_RECORD_SIZE,
                   BLK_RECORD_SIZE, tmp);
    if (!p)
        return TOME_ERR_READ;
    b->frame_offset = tome_get64(p + BLK_FRAME_OFFSET);
    b->frame_size = tome_get32(p + BLK_FRAME_SIZE);
    content = tome_get32(p + BLK_CONTENT_SIZE);
    b->checksum = tome_get32(p + BLK_CHECKSUM);
    if (content == 0 || content > cap || !tome_in_body(&r->h, b->frame_offset, b->frame_size))
        return TOME_ERR_CORRUPT;
    /* at most a buffer's size: tome_open() fitted both in a size_t workspace */
    b->content_size = (size_t)content;
    return TOME_OK;
}

int tome_load_entry(tome_reader *r, uint32_t id, tome_entry *e)
{
    const tome_header *h = &r->h;
    uint8_t tmp[ENT_RECORD_SIZE_MAX];
    const uint8_t *p;
    tome_entry_widths w;
    if (id >= h->article_count)
        return TOME_ERR_RANGE;
    p = tome_bytes(r, h->entry_table_offset + (uint64_t)id * h->entry_record_size,
                   h->entry_record_size, tmp);
    if (!p)
        return TOME_ERR_READ;
    w.block_bits = h->block_bits;
    w.offset_bits = h->offset_bits;
    w.size_bits = h->size_bits;
    tome_entry_decode(p, &w, e);
    if (e->size > h->article_size_max)
        return TOME_ERR_CORRUPT;
    if (e->size == 0)
        return (e->block == 0 && e->offset == 0) ? TOME_OK : TOME_ERR_CORRUPT;
    return e->block < h->block_count && e->offset < h->block_size_max ? TOME_OK
                                                                      : TOME_ERR_CORRUPT;
}

int tome_load_order(tome_reader *r, uint32_t position, uint32_t *id)
{
    uint8_t tmp[ORD_RECORD_SIZE_MAX];
    unsigned n = r->h.order_record_size;
    const uint8_t *p = tome_bytes(r, r->h.order_table_offset + (uint64_t)position * n, n, tmp);
    if (!p)
        return TOME_ERR_READ;
    *id = tome_get_bits(p, 0, n * 8);
    return *id < r->h.article_count ? TOME_OK : TOME_ERR_CORRUPT;
}

static int begin_frame(tome_reader *r)
{
    size_t ret;
    if (r->ddict)
        ret = ZSTD_decompressBegin_usingDDict(r->dctx, r->ddict);
    else if (r->h.dict_size)
        ret = ZSTD_decompressBegin_usingDict(r->dctx, r->dict, r->dict_size);
    else
        ret = ZSTD_decompressBegin(r->dctx);
    return ZSTD_isError(ret) ? TOME_ERR_DECOMPRESS : TOME_OK;
}

static int start_block(tome_reader *r, tome_slot *s, uint32_t index)
{
    int err;
    s->restarted = s->cur == index;
    s->cur = TOME_NO_BLOCK;
    s->done = 0;
    s->failed = 0;
    if ((err = tome_load_block(r, index, &s->block)) != TOME_OK)
        return err;
    s->cur = index;
    s->in_pos = s->block.frame_offset;
    r->bodies.live = r->keys.live = 0; /* the context is this slot's now */
    if ((err = begin_frame(r)) != TOME_OK) {
        s->failed = err;
        return err;
    }
    s->live = 1;
    return TOME_OK;
}

/* One piece of the frame through zstd; *out gets the bytes it produced. */
static int step(tome_reader *r, tome_slot *s, size_t room, size_t *out)
{
    uint64_t frame_end = s->block.frame_offset + s->block.frame_size;
    size_t want = ZSTD_nextSrcSizeToDecompress(r->dctx);
    const uint8_t *src;
    if (want == 0 || want > frame_end - s->in_pos || (!r->data && want > r->staging_size))
        return TOME_ERR_DECOMPRESS; /* frame ended early, or overruns */
    if (!(src = tome_bytes(r, s->in_pos, want, r->staging)))
        return TOME_ERR_READ;
    *out = ZSTD_decompressContinue(r->dctx, s->buf + s->done, room, src, want);
    if (ZSTD_isError(*out))
        return TOME_ERR_DECOMPRESS;
    s->in_pos += want;
    return TOME_OK;
}

int tome_decode_block(tome_reader *r, tome_slot *s, uint32_t index, size_t upto)
{
    int err = TOME_OK;
    if (s->cur == index && s->done >= upto)
        return TOME_OK;
    if (s->cur == index && s->failed)
        return s->failed;
    if (s->cur != index || !s->live) {
        if ((err = start_block(r, s, index)) != TOME_OK)
            return err;
    }
    if (upto > s->block.content_size)
        return TOME_ERR_CORRUPT;
    if (s->restarted) /* interrupted once already: do not let it happen again */
        upto = s->block.content_size;
    while (s->done < upto && err == TOME_OK) {
        size_t out;
        if ((err = step(r, s, s->block.content_size - s->done, &out)) == TOME_OK)
            s->done += out;
    }
    if (err != TOME_OK) {
        s->live = 0;
        s->failed = err == TOME_ERR_READ ? 0 : err; /* a read may succeed later */
        if (err == TOME_ERR_READ)
            s->cur = TOME_NO_BLOCK;
    }
    return err;
}

int tome_copy_body(tome_reader *r, uint32_t block, uint32_t offset, uint64_t len,
                   uint8_t *dst, int hash)
{
    tome_slot *s = &r->bodies;
    while (len > 0) {
        size_t content, start, piece;
        int err;
        if (block >= r->h.block_count)
            return TOME_ERR_CORRUPT;
        if ((err = tome_decode_block(r, s, block, 0)) != TOME_OK) /* selects it */
            return err;
        content = s->block.content_size;
        if (offset >= content)
            return TOME_ERR_CORRUPT;
        start = (size_t)offset; /* below content, a size_t */
        piece = content - start;
        if (piece > len)
            piece = (size_t)len; /* below piece */
        if ((err = tome_decode_block(r, s, block, start + piece)) != TOME_OK)
            return err;
        if (dst) {
            memcpy(dst, s->buf + start, piece);
            dst += piece;
        }
        if (hash)
            tome_hash_update(&r->hash, s->buf + start, piece);
        len -= piece;
        offset = 0;
        block++; /* a long body continues at the start of the next block */
    }
    return TOME_OK;
}

int tome_finish_block(tome_reader *r, tome_slot *s, uint32_t index)
{
    int err;
    /* Decoded before, but the context has moved on to the other slot: the
     * frame's end must be seen again, so decode it anew. */
    if (s->cur == index && !s->live && !s->failed)
        s->cur = TOME_NO_BLOCK;
    err = tome_decode_block(r, s, index, 0); /* selects it */
    if (err == TOME_OK)
        err = tome_decode_block(r, s, index, s->block.content_size);
    if (err != TOME_OK)
        return err;
    if (!s->live)
        return TOME_ERR_DECOMPRESS;
    /* Whatever is left of the frame (a content checksum, empty blocks) must
     * produce nothing and end exactly at the frame's recorded size. */
    while (ZSTD_nextSrcSizeToDecompress(r->dctx) != 0) {
        size_t out;
        if ((err = step(r, s, 0, &out)) != TOME_OK)
            return err;
        if (out != 0)
            return TOME_ERR_DECOMPRESS;
    }
    if (s->in_pos != s->block.frame_offset + s->block.frame_size)
        return TOME_ERR_DECOMPRESS;
    return tome_hash_seeded(s->buf, s->done, index) == s->block.checksum ? TOME_OK
                                                                         : TOME_ERR_CHECKSUM;
}

int tome_load_key_block(tome_reader *r, tome_slot *s, uint32_t kb)
{
    uint32_t index = r->h.block_count + kb;
    int err;
    if (s->cur == index && s->failed)
        return s->failed; /* the same answer every time */
    if (s->cur == index && !s->live && s->done == s->block.content_size)
        return TOME_OK; /* decoded and checked before */
    err = tome_finish_block(r, s, index);
    s->live = 0; /* the frame is done; the context is free for the bodies */
    if (err != TOME_OK) {
        s->cur = err == TOME_ERR_READ ? TOME_NO_BLOCK : index;
        s->failed = err == TOME_ERR_READ ? 0 : err;
    }
    return err;
}

int tome_key_record(const tome_reader *r, const tome_slot *s, size_t at, tome_name *n,
                    size_t *end)
{
    size_t size = s->done;
    uint32_t key_size, title_size;
    if (at > size || size - at < TOME_KEY_RECORD_HEADER)
        return TOME_ERR_CORRUPT;
    tome_key_record_get(s->buf + at, &key_size, &title_size);
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

int tome_name_of(tome_reader *r, uint32_t id, tome_name *name)
{
    size_t at = 0;
    uint32_t i;
    int err;
    if (id >= r->h.article_count)
        return TOME_ERR_RANGE;
    if ((err = tome_load_key_block(r, &r->keys, id / r->h.keys_per_block)) != TOME_OK)
        return err;
    for (i = 0; i <= id % r->h.keys_per_block && err == TOME_OK; i++)
        err = tome_key_record(r, &r->keys, at, name, &at);
    return err;
}
