/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_slot.c - the slots' state machine; read_internal.h has the table of
 * states and transitions, and these functions are the only writers.
 *
 * Frames are decoded with zstd's block-by-block API, and only as far as a
 * request needs: a fetch near the start of a block stops early, and a later
 * request in the same block goes on where the last one stopped, so
 * iteration in storage order decodes each block once.
 */
#include <string.h>

#include "read_internal.h"

void tome__slot_init(tome_slot *s, uint8_t *buf)
{
    memset(s, 0, sizeof *s);
    s->buf = buf;
    s->state = TOME_SLOT_EMPTY;
    s->cur = TOME_NO_BLOCK;
}

/* -> EMPTY */
static void forget(tome_slot *s)
{
    uint8_t *buf = s->buf;
    tome__slot_init(s, buf);
}


/* -> FAILED, or EMPTY for a failed read: the read callback may succeed
 * when the same call is tried again, so a read failure must leave nothing
 * behind; any other error is the block's answer from now on. */
static int settle(tome_slot *s, uint32_t index, int err)
{
    if (err == TOME_ERR_READ) {
        forget(s);
    } else if (err != TOME_OK) {
        s->state = TOME_SLOT_FAILED;
        s->cur = index;
        s->error = err;
    }
    return err;
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

/* -> DECODING with nothing decoded yet; EMPTY when the block's record is
 * bad, FAILED when the frame cannot begin.  The other slot, if it was
 * DECODING, loses the shared context: -> PARTIAL. */
static int begin(tome_reader *r, tome_slot *s, uint32_t index, int to_end)
{
    tome_block b;
    int err;
    forget(s);
    if ((err = tome__load_block(r, index, &b)) != TOME_OK)
        return err;
    if (r->body.state == TOME_SLOT_DECODING)
        r->body.state = TOME_SLOT_PARTIAL;
    if (r->index.state == TOME_SLOT_DECODING)
        r->index.state = TOME_SLOT_PARTIAL;
    s->block = b;
    s->cur = index;
    s->in_pos = b.frame_offset;
    if ((err = begin_frame(r)) != TOME_OK)
        return settle(s, index, err);
    s->state = TOME_SLOT_DECODING;
    s->to_end = to_end;
    return TOME_OK;
}

/* One piece of a DECODING slot's frame through zstd; *out gets the bytes
 * it produced. */
static int step(tome_reader *r, tome_slot *s, size_t room, size_t *out)
{
    uint64_t frame_end = s->block.frame_offset + s->block.frame_size;
    size_t want = ZSTD_nextSrcSizeToDecompress(r->dctx);
    const uint8_t *src;
    if (want == 0 || want > frame_end - s->in_pos)
        return TOME_ERR_DECOMPRESS; /* frame ended early, or overruns */
    /* a piece larger than the header promised: the staging buffer is
     * sized by it, and memory mode refuses it alike */
    if (want > r->h.chunk_size_max || (!r->data && want > r->staging_size))
        return TOME_ERR_CORRUPT;
    if (!(src = tome__bytes(r, s->in_pos, want, r->staging)))
        return TOME_ERR_READ;
    *out = ZSTD_decompressContinue(r->dctx, s->buf + s->done, room, src, want);
    if (ZSTD_isError(*out))
        return TOME_ERR_DECOMPRESS;
    s->in_pos += want;
    return TOME_OK;
}

int tome__slot_decode(tome_reader *r, tome_slot *s, uint32_t index, size_t upto)
{
    int err = TOME_OK;
    int same = s->state != TOME_SLOT_EMPTY && s->cur == index;
    /* A failed block still serves the prefix it decoded: a request that
     * the failure did not touch succeeds, as it did before the failure. */
    if (same && s->done >= upto)
        return TOME_OK;
    if (same && s->state == TOME_SLOT_FAILED)
        return s->error;
    /* Past the end of the block held: refused before anything is undone. */
    if (same && upto > s->block.content_size)
        return TOME_ERR_CORRUPT;
    if (!same || s->state != TOME_SLOT_DECODING) {
        /* Begun again after losing the context (same): this time to the
         * end, or two slots taking turns would decode it again and again. */
        if ((err = begin(r, s, index, same)) != TOME_OK)
            return err;
    }
    if (upto > s->block.content_size)
        return TOME_ERR_CORRUPT;
    if (s->to_end)
        upto = s->block.content_size;
    while (s->done < upto && err == TOME_OK) {
        size_t out;
        if ((err = step(r, s, s->block.content_size - s->done, &out)) == TOME_OK)
            s->done += out;
    }
    return settle(s, index, err);
}

/* Whatever is left of a DECODING slot's frame after its content (a content
 * checksum, empty blocks) must produce nothing and end exactly at the
 * frame's recorded size; then the content must match its checksum. */
static int finish_frame(tome_reader *r, tome_slot *s, uint32_t index)
{
    while (ZSTD_nextSrcSizeToDecompress(r->dctx) != 0) {
        size_t out;
        int err = step(r, s, 0, &out);
        if (err != TOME_OK)
            return err;
        if (out != 0)
            return TOME_ERR_DECOMPRESS;
    }
    if (s->in_pos != s->block.frame_offset + s->block.frame_size)
        return TOME_ERR_DECOMPRESS;
    (void)index;
    return tome__hash_seeded(s->buf, s->done, s->block.seed) == s->block.checksum
               ? TOME_OK
               : TOME_ERR_CHECKSUM;
}

int tome__slot_check(tome_reader *r, tome_slot *s, uint32_t index)
{
    int err;
    if (s->state != TOME_SLOT_EMPTY && s->cur == index) {
        if (s->state == TOME_SLOT_COMPLETE)
            return TOME_OK;
        if (s->state == TOME_SLOT_FAILED)
            return s->error; /* the same answer every time */
        /* Decoded before, but the context has moved on to the other slot:
         * the frame's end must be seen again, so decode it anew. */
        if (s->state == TOME_SLOT_PARTIAL)
            forget(s);
    }
    /* The first call loads the record, for the content size; after the
     * second the slot is DECODING at the content's end, the context its. */
    err = tome__slot_decode(r, s, index, 0);
    if (err == TOME_OK)
        err = tome__slot_decode(r, s, index, s->block.content_size);
    if (err == TOME_OK)
        err = finish_frame(r, s, index);
    if (err == TOME_OK) {
        s->state = TOME_SLOT_COMPLETE;
        return TOME_OK;
    }
    return settle(s, index, err);
}
