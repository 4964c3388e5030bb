/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_body.c - body blocks (docs/FORMAT.md, "Body blocks"): the head,
 * checked whole before use; the binding of an ID to a body; segments
 * decoded and checked before any of their bytes is returned; bodies that
 * continue into the following blocks.
 */
#include <string.h>

#include "read_internal.h"

/* The head's fields after head_size, with every rule a block alone can
 * be checked against. */
static int parse_head(tome_reader *r, tome_head *hd, const uint8_t *buf, uint32_t b,
                      uint32_t record_first)
{
    const tome_header *h = &r->h;
    tome_cursor c;
    uint64_t sum = 0, ids = 0, last_start = 0;
    uint32_t i, prev_end = 0;
    tome__cursor_init(&c, buf + 4, hd->end_at - 4);
    hd->first = tome__get_varint(&c);
    hd->carry = tome__get_varint(&c);
    hd->bodies = tome__get_varint(&c);
    hd->segments = tome__get_varint(&c);
    hd->sizes_at = (size_t)(c.pos - buf);
    for (i = 0; i < hd->bodies && !c.bad; i++) {
        uint32_t size = tome__get_varint(&c);
        if (size > h->article_size_max)
            return TOME_ERR_CORRUPT;
        last_start = sum;
        sum += size;
    }
    hd->lists_at = (size_t)(c.pos - buf);
    for (i = 0; i < hd->bodies && !c.bad; i++) {
        uint32_t n = tome__get_varint(&c), k;
        uint64_t id = tome__get_varint(&c);
        if (n == 0 || id >= h->article_count)
            return TOME_ERR_CORRUPT;
        for (k = 1; k < n && !c.bad; k++) {
            uint32_t delta = tome__get_varint(&c);
            id += delta;
            if (delta == 0 || id >= h->article_count)
                return TOME_ERR_CORRUPT;
        }
        ids += n;
    }
    hd->segs_at = (size_t)(c.pos - buf);
    for (i = 0; i < hd->segments && !c.bad; i++) {
        uint32_t end = tome__get_varint(&c);
        (void)tome__get_u32(&c);
        /* strictly increasing; the one segment of an empty area ends at 0 */
        if ((i > 0 || hd->area > 0) && end <= prev_end)
            return TOME_ERR_CORRUPT;
        if (end > hd->area)
            return TOME_ERR_CORRUPT;
        prev_end = end;
    }
    if (c.bad || c.pos != c.end || hd->segments == 0 || prev_end != hd->area ||
        hd->first != record_first || ids > h->article_count - (uint64_t)hd->first)
        return TOME_ERR_CORRUPT;
    if (hd->carry > hd->area || (b == 0 && hd->carry != 0) ||
        (hd->bodies == 0) != (hd->carry == hd->area && hd->area >= 1))
        return TOME_ERR_CORRUPT;
    /* only the last body may continue past the area; the last block
     * leaves nothing over */
    if (hd->carry + last_start > hd->area)
        return TOME_ERR_CORRUPT;
    if (hd->carry + sum < hd->area && hd->bodies > 0)
        return TOME_ERR_CORRUPT;
    if (hd->carry + sum > hd->area && b + 1 >= h->body_blocks)
        return TOME_ERR_CORRUPT;
    return TOME_OK;
}

int tome__head_load(tome_reader *r, uint32_t b)
{
    tome_head *hd = &r->head;
    tome_slot *s = &r->body;
    size_t content, head_size;
    uint32_t v;
    int err;
    if (b >= r->h.body_blocks)
        return TOME_ERR_CORRUPT;
    if (hd->block == b)
        return tome__slot_decode(r, s, b, hd->head_size); /* the slot may have been reset */
    hd->block = TOME_NO_BLOCK;
    if ((err = tome__slot_decode(r, s, b, 0)) != TOME_OK)
        return err;
    content = s->block.content_size;
    if (content < TOME_HEAD_SIZE_MIN)
        return TOME_ERR_CORRUPT;
    if ((err = tome__slot_decode(r, s, b, 4)) != TOME_OK)
        return err;
    v = tome_get32(s->buf);
    if (v < TOME_HEAD_SIZE_MIN || v > content)
        return TOME_ERR_CORRUPT;
    head_size = (size_t)v;
    if ((err = tome__slot_decode(r, s, b, head_size)) != TOME_OK)
        return err;
    if (tome__hash_seeded(s->buf, head_size - 4, b) != tome_get32(s->buf + head_size - 4))
        return TOME_ERR_CHECKSUM;
    memset(hd, 0, sizeof *hd);
    hd->block = TOME_NO_BLOCK;
    hd->head_size = head_size;
    hd->end_at = head_size - 4;
    hd->area = content - head_size;
    if ((err = parse_head(r, hd, s->buf, b, s->block.first)) != TOME_OK)
        return err;
    hd->seg_at = hd->segs_at;
    hd->block = b;
    return TOME_OK;
}

/* Check the segments overlapping area bytes [from, to), and decode the
 * block that far.  Segments wholly before `from` are decoded but not
 * hashed: the bytes returned are exactly those of checked segments, and a
 * fetch late in a block does not hash the block's whole prefix. */
int tome__body_check(tome_reader *r, size_t from, size_t to)
{
    tome_head *hd = &r->head;
    tome_slot *s = &r->body;
    int err;
    if (r->flags & TOME_OPEN_TRUST_CONTENT || from >= to || (from >= hd->lo && to <= hd->hi))
        return tome__slot_decode(r, s, hd->block, hd->head_size + to);
    if (from < hd->seg_start) {
        /* the walk has passed `from`: start it again */
        hd->seg_at = hd->segs_at;
        hd->seg_start = 0;
        hd->seg_index = 0;
    }
    while (hd->seg_start < to) {
        tome_cursor c;
        uint32_t v, sum;
        size_t end;
        /* the head's bytes, checked whole by parse_head() */
        tome__cursor_init(&c, s->buf + hd->seg_at, hd->end_at - hd->seg_at);
        v = tome__get_varint(&c);
        sum = tome__get_u32(&c);
        if (c.bad || v <= hd->seg_start || v > hd->area)
            return TOME_ERR_CORRUPT;
        end = (size_t)v;
        if (end > from) {
            if ((err = tome__slot_decode(r, s, hd->block, hd->head_size + end)) != TOME_OK)
                return err;
            if (tome__hash_seeded(s->buf + hd->head_size + hd->seg_start, end - hd->seg_start,
                                  hd->seg_index) != sum)
                return TOME_ERR_CHECKSUM;
            if (hd->hi != hd->seg_start)
                hd->lo = hd->seg_start; /* not next to the checked range: a new one */
            hd->hi = end;
        }
        hd->seg_start = end;
        hd->seg_at = (size_t)(c.pos - s->buf);
        hd->seg_index++;
    }
    /* [lo, hi) is a verdict on the frame's bytes, not on the buffer: the
     * slot may since have been reset, or have held another block (verify
     * decodes blocks without loading their heads), so the bytes wanted
     * are decoded again when they are not there */
    return tome__slot_decode(r, s, hd->block, hd->head_size + to);
}

int tome__body_of(tome_reader *r, uint32_t b, uint32_t k, uint32_t id, tome_body *body)
{
    tome_head *hd = &r->head;
    tome_cursor c;
    uint64_t offset;
    uint32_t i, size = 0;
    int err;
    if ((err = tome__head_load(r, b)) != TOME_OK)
        return err;
    if (k >= hd->bodies)
        return TOME_ERR_CORRUPT;
    tome__cursor_init(&c, r->body.buf + hd->sizes_at, hd->end_at - hd->sizes_at);
    offset = hd->carry;
    for (i = 0; i < hd->bodies; i++) {
        uint32_t v = tome__get_varint(&c);
        if (i < k)
            offset += v;
        if (i == k)
            size = v;
    }
    /* the lists follow the sizes: find body k's, and `id` in it */
    for (i = 0; i < hd->bodies; i++) {
        uint32_t n = tome__get_varint(&c), at = tome__get_varint(&c), j;
        int holds = at == id;
        for (j = 1; j < n; j++) {
            at += tome__get_varint(&c);
            holds |= at == id;
        }
        if (c.bad)
            return TOME_ERR_CORRUPT;
        if (i == k) {
            if (!holds)
                return TOME_ERR_CORRUPT;
            break;
        }
    }
    body->block = b;
    body->index = k;
    body->size = size;
    body->offset = (size_t)offset; /* <= the area, checked by parse_head() */
    return TOME_OK;
}

int tome__body_copy(tome_reader *r, const tome_body *body, uint64_t skip, uint64_t len,
                    uint8_t *dst)
{
    tome_head *hd = &r->head;
    uint32_t b = body->block;
    uint64_t left = body->size; /* bytes of the body from `pos` on */
    uint64_t at = 0;            /* the body's byte at `pos` */
    size_t pos = body->offset;
    int err;
    if (skip > body->size || len > body->size - skip)
        return TOME_ERR_RANGE;
    if ((err = tome__head_load(r, b)) != TOME_OK)
        return err;
    while (len > 0) {
        size_t here = hd->area - pos; /* the body's bytes in this block */
        if (here > left)
            here = (size_t)left;
        if (skip < at + here) {
            /* bytes [from, to) of this block's area are wanted */
            size_t from = pos + (size_t)(skip > at ? skip - at : 0);
            size_t to = pos + here;
            if (to - from > len)
                to = from + (size_t)len;
            if ((err = tome__body_check(r, from, to)) != TOME_OK)
                return err;
            if (dst) {
                memcpy(dst, r->body.buf + hd->head_size + from, to - from);
                dst += to - from;
            }
            len -= to - from;
            skip += to - from;
        }
        at += here;
        left -= here;
        if (len == 0)
            break;
        /* the body continues: the next block's carry is what is left, or
         * its whole area */
        if ((err = tome__head_load(r, ++b)) != TOME_OK)
            return err;
        if (hd->carry != (left < hd->area ? left : hd->area))
            return TOME_ERR_CORRUPT;
        pos = 0;
    }
    return TOME_OK;
}

/* ---- storage order ---- */

/* Put the walk at storage ordinal `ordinal`: the block holding it by a
 * binary search over the records' `first`, then its lists. */
static int seek(tome_reader *r, uint32_t ordinal)
{
    tome_walk *w = &r->walk;
    tome_head *hd = &r->head;
    tome_cursor c;
    uint32_t b, skip, i;
    int err;
    w->ordinal = TOME_NO_BLOCK;
    if ((err = tome__find_first(r, 0, r->h.body_blocks, ordinal, &b)) != TOME_OK ||
        (err = tome__head_load(r, b)) != TOME_OK)
        return err;
    if (ordinal < hd->first)
        return TOME_ERR_CORRUPT;
    skip = ordinal - hd->first;
    tome__cursor_init(&c, r->body.buf + hd->lists_at, hd->end_at - hd->lists_at);
    for (i = 0; i < hd->bodies; i++) {
        uint32_t n = tome__get_varint(&c), id = tome__get_varint(&c), j;
        if (skip < n) {
            for (j = 0; j < skip; j++)
                id += tome__get_varint(&c);
            w->block = b;
            w->body = i + 1;
            w->left = n - skip - 1;
            w->id = id;
            w->at = (size_t)(c.pos - r->body.buf);
            w->ordinal = ordinal;
            return c.bad ? TOME_ERR_CORRUPT : TOME_OK; /* the caller returns id */
        }
        skip -= n;
        for (j = 1; j < n; j++)
            (void)tome__get_varint(&c);
    }
    return TOME_ERR_CORRUPT; /* the records' `first` promised more IDs */
}

/* Step the walk to the next listing after the current one.  The walk is
 * changed only on success: after a failed read (or any error) the same call
 * starts from the same place, and gives the same answer. */
static int advance(tome_reader *r)
{
    tome_walk w = r->walk;
    tome_head *hd = &r->head;
    tome_cursor c;
    uint32_t ordinal = w.ordinal + 1;
    int err;
    if ((err = tome__head_load(r, w.block)) != TOME_OK)
        return err;
    while (w.left == 0 && w.body >= hd->bodies) {
        /* the next block with a list; its `first` continues the count */
        if (++w.block >= r->h.body_blocks)
            return TOME_ERR_CORRUPT;
        if ((err = tome__head_load(r, w.block)) != TOME_OK)
            return err;
        if (hd->first != ordinal)
            return TOME_ERR_CORRUPT;
        w.body = 0;
        w.at = hd->lists_at;
    }
    tome__cursor_init(&c, r->body.buf + w.at, hd->end_at - w.at);
    if (w.left == 0) {
        w.left = tome__get_varint(&c) - 1; /* >= 1, checked by parse_head() */
        w.id = tome__get_varint(&c);
        w.body++;
    } else {
        w.id += tome__get_varint(&c);
        w.left--;
    }
    if (c.bad)
        return TOME_ERR_CORRUPT;
    w.at = (size_t)(c.pos - r->body.buf);
    w.ordinal = ordinal;
    r->walk = w;
    return TOME_OK;
}

/* The walk's end: the last block's lists end at article_count.  Else a
 * header whose count was lowered would end an iteration early with
 * success (and a raised one is refused at the first missing listing). */
static int check_end(tome_reader *r)
{
    tome_head *hd = &r->head;
    tome_cursor c;
    uint64_t listed;
    uint32_t i;
    int err;
    if (r->h.body_blocks == 0)
        return r->h.article_count == 0 ? TOME_DONE : TOME_ERR_CORRUPT;
    if ((err = tome__head_load(r, r->h.body_blocks - 1)) != TOME_OK)
        return err;
    listed = hd->first;
    tome__cursor_init(&c, r->body.buf + hd->lists_at, hd->end_at - hd->lists_at);
    for (i = 0; i < hd->bodies && !c.bad; i++) {
        uint32_t n = tome__get_varint(&c), j;
        listed += n;
        for (j = 0; j < n; j++) /* the first ID, then the deltas */
            (void)tome__get_varint(&c);
    }
    return !c.bad && listed == r->h.article_count ? TOME_DONE : TOME_ERR_CORRUPT;
}

int tome_next(tome_reader *r, uint32_t *cursor, uint32_t *id)
{
    int err;
    if (!r || !cursor || !id)
        return TOME_ERR_ARGUMENT;
    if (*cursor >= r->h.article_count)
        return check_end(r);
    if (r->walk.ordinal != TOME_NO_BLOCK && r->walk.ordinal + 1 == *cursor)
        err = advance(r);
    else if (r->walk.ordinal == *cursor)
        err = TOME_OK;
    else
        err = seek(r, *cursor);
    if (err != TOME_OK)
        return err;
    *id = r->walk.id;
    (*cursor)++;
    return TOME_OK;
}
