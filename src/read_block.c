/*
 * read_block.c - table records and block decompression.
 *
 * Blocks are decoded with zstd's block-by-block API into the workspace's
 * block buffer, and only as far as a request needs: a fetch near the start
 * of a block stops early, and a later request in the same block continues
 * where the last one stopped.  So iteration in storage order decompresses
 * each block exactly once.
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
    if (index >= r->h.block_count)
        return TOME_ERR_CORRUPT;
    p = tome_bytes(r, r->h.block_table_offset + (uint64_t)index * BLK_RECORD_SIZE,
                   BLK_RECORD_SIZE, tmp);
    if (!p)
        return TOME_ERR_READ;
    b->frame_offset = tome_get64(p + BLK_FRAME_OFFSET);
    b->frame_size = tome_get32(p + BLK_FRAME_SIZE);
    b->content_size = tome_get32(p + BLK_CONTENT_SIZE);
    b->checksum = tome_get64(p + BLK_CHECKSUM);
    if (b->content_size == 0 || b->content_size > r->h.block_size_max ||
        !tome_in_body(&r->h, b->frame_offset, b->frame_size))
        return TOME_ERR_CORRUPT;
    return TOME_OK;
}

int tome_load_entry(tome_reader *r, uint32_t id, tome_entry *e)
{
    uint8_t tmp[ENT_RECORD_SIZE];
    const uint8_t *p;
    if (id >= r->h.article_count)
        return TOME_ERR_RANGE;
    p = tome_bytes(r, r->h.entry_table_offset + (uint64_t)id * ENT_RECORD_SIZE,
                   ENT_RECORD_SIZE, tmp);
    if (!p)
        return TOME_ERR_READ;
    e->block = tome_get32(p + ENT_BLOCK);
    e->offset = tome_get32(p + ENT_OFFSET);
    e->size = tome_get32(p + ENT_SIZE);
    e->key_offset = tome_get32(p + ENT_KEY_OFFSET);
    e->key_size = tome_get16(p + ENT_KEY_SIZE);
    e->title_size = tome_get16(p + ENT_TITLE_SIZE);
    e->key_check = tome_get32(p + ENT_KEY_CHECK);
    e->checksum = tome_get64(p + ENT_CHECKSUM);
    e->key_seed = tome_hash(p, ENT_KEY_CHECK);
    return tome_check_entry(r, e);
}

int tome_check_entry(const tome_reader *r, const tome_entry *e)
{
    const tome_header *h = &r->h;
    uint64_t names_end = (uint64_t)e->key_offset + e->key_size + e->title_size;
    if (e->key_size == 0 || e->key_size > h->key_size_max ||
        e->title_size > h->title_size_max || e->size > h->article_size_max ||
        names_end > h->pool_size)
        return TOME_ERR_CORRUPT;
    if (e->size == 0)
        return (e->block == 0 && e->offset == 0) ? TOME_OK : TOME_ERR_CORRUPT;
    return e->block < h->block_count && e->offset < h->block_size_max ? TOME_OK
                                                                      : TOME_ERR_CORRUPT;
}

int tome_key_matches(const tome_entry *e, const void *key)
{
    return (uint32_t)tome_hash_seeded(key, e->key_size, e->key_seed) == e->key_check;
}

int tome_compare_key(tome_reader *r, const tome_entry *e, const tome_entry *other,
                     const char *key, size_t key_size, int *order)
{
    uint64_t at = r->h.pool_offset + e->key_offset;
    uint64_t other_at = other ? r->h.pool_offset + other->key_offset : 0;
    size_t other_size = other ? other->key_size : key_size, done = 0;
    size_t common = e->key_size < other_size ? e->key_size : other_size;
    int c = 0;
    while (c == 0 && done < common) {
        uint8_t piece[KEY_PIECE], other_piece[KEY_PIECE];
        size_t n = common - done < KEY_PIECE ? common - done : KEY_PIECE;
        const uint8_t *a = tome_bytes(r, at + done, n, piece);
        const uint8_t *b = other ? tome_bytes(r, other_at + done, n, other_piece)
                                 : (const uint8_t *)key + done;
        if (!a || !b)
            return TOME_ERR_READ;
        c = memcmp(a, b, n);
        done += n;
    }
    if (c == 0)
        c = (e->key_size > other_size) - (e->key_size < other_size);
    *order = c;
    return TOME_OK;
}

int tome_load_order(tome_reader *r, uint32_t position, uint32_t *id)
{
    uint8_t tmp[ORD_RECORD_SIZE];
    const uint8_t *p;
    p = tome_bytes(r, r->h.order_table_offset + (uint64_t)position * ORD_RECORD_SIZE,
                   ORD_RECORD_SIZE, tmp);
    if (!p)
        return TOME_ERR_READ;
    *id = tome_get32(p);
    return *id < r->h.article_count ? TOME_OK : TOME_ERR_CORRUPT;
}

static int begin_frame(tome_reader *r)
{
    size_t ret;
    if (r->ddict)
        ret = ZSTD_decompressBegin_usingDDict(r->dctx, r->ddict);
    else if (r->h.dict_size)
        ret = ZSTD_decompressBegin_usingDict(r->dctx, r->dict, r->h.dict_size);
    else
        ret = ZSTD_decompressBegin(r->dctx);
    return ZSTD_isError(ret) ? TOME_ERR_DECOMPRESS : TOME_OK;
}

static int start_block(tome_reader *r, uint32_t index)
{
    int err;
    r->cur = TOME_NO_BLOCK;
    r->live = 0;
    r->done = 0;
    r->failed = 0;
    if ((err = tome_load_block(r, index, &r->cur_block)) != TOME_OK)
        return err;
    r->cur = index;
    r->in_pos = r->cur_block.frame_offset;
    if ((err = begin_frame(r)) != TOME_OK) {
        r->failed = err;
        return err;
    }
    r->live = 1;
    return TOME_OK;
}

/* Feed the frame to zstd one piece at a time until `upto` bytes are out. */
static int continue_block(tome_reader *r, uint32_t upto)
{
    const tome_block *b = &r->cur_block;
    uint64_t frame_end = b->frame_offset + b->frame_size;
    while (r->done < upto) {
        size_t want = ZSTD_nextSrcSizeToDecompress(r->dctx);
        const uint8_t *src;
        size_t out;
        if (want == 0 || want > frame_end - r->in_pos || (!r->data && want > r->staging_size))
            return TOME_ERR_DECOMPRESS; /* frame ended early, or overruns */
        src = tome_bytes(r, r->in_pos, want, r->staging);
        if (!src)
            return TOME_ERR_READ;
        out = ZSTD_decompressContinue(r->dctx, r->block_buf + r->done,
                                      b->content_size - r->done, src, want);
        if (ZSTD_isError(out))
            return TOME_ERR_DECOMPRESS;
        r->in_pos += want;
        r->done += (uint32_t)out;
    }
    return TOME_OK;
}

int tome_decode_block(tome_reader *r, uint32_t index, uint32_t upto)
{
    int err;
    if (r->cur == index && r->done >= upto)
        return TOME_OK;
    if (r->cur == index && r->failed)
        return r->failed;
    if (r->cur != index || !r->live) {
        if ((err = start_block(r, index)) != TOME_OK)
            return err;
    }
    if (upto > r->cur_block.content_size)
        return TOME_ERR_CORRUPT;
    err = continue_block(r, upto);
    if (err != TOME_OK) {
        r->live = 0;
        r->failed = err == TOME_ERR_READ ? 0 : err; /* a read may succeed later */
        if (err == TOME_ERR_READ)
            r->cur = TOME_NO_BLOCK;
    }
    return err;
}

int tome_copy_body(tome_reader *r, uint32_t block, uint32_t offset, uint64_t len,
                   uint8_t *dst, int hash)
{
    while (len > 0) {
        uint32_t content, piece;
        int err;
        if ((err = tome_decode_block(r, block, 0)) != TOME_OK) /* selects it */
            return err;
        content = r->cur_block.content_size;
        if (offset >= content)
            return TOME_ERR_CORRUPT;
        piece = content - offset;
        if (piece > len)
            piece = (uint32_t)len;
        if ((err = tome_decode_block(r, block, offset + piece)) != TOME_OK)
            return err;
        if (dst) {
            memcpy(dst, r->block_buf + offset, piece);
            dst += piece;
        }
        if (hash)
            tome_hash_update(&r->hash, r->block_buf + offset, piece);
        len -= piece;
        offset = 0;
        block++; /* a long body continues at the start of the next block */
    }
    return TOME_OK;
}

int tome_finish_block(tome_reader *r, uint32_t index)
{
    const tome_block *b = &r->cur_block;
    int err = tome_decode_block(r, index, 0); /* selects it */
    if (err == TOME_OK)
        err = tome_decode_block(r, index, r->cur_block.content_size);
    if (err != TOME_OK)
        return err;
    if (!r->live)
        return TOME_ERR_DECOMPRESS;
    /* Whatever is left of the frame (a content checksum, empty blocks) must
     * produce nothing and end exactly at the frame's recorded size. */
    for (;;) {
        size_t want = ZSTD_nextSrcSizeToDecompress(r->dctx);
        uint64_t frame_end = b->frame_offset + b->frame_size;
        const uint8_t *src;
        size_t out;
        if (want == 0)
            return r->in_pos == frame_end ? TOME_OK : TOME_ERR_DECOMPRESS;
        if (want > frame_end - r->in_pos || (!r->data && want > r->staging_size))
            return TOME_ERR_DECOMPRESS;
        if (!(src = tome_bytes(r, r->in_pos, want, r->staging)))
            return TOME_ERR_READ;
        out = ZSTD_decompressContinue(r->dctx, r->block_buf + r->done, 0, src, want);
        if (ZSTD_isError(out) || out != 0)
            return TOME_ERR_DECOMPRESS;
        r->in_pos += want;
    }
}
