/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_heads.c - the head of each body block (docs/FORMAT.md, "Body
 * blocks"): its bodies' sizes and ID lists, which bind keys to bodies, and
 * its segments, each checked by its own XXH32 so a reader checks every
 * byte it returns after decoding little more than the body it wants.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "hash.h"
#include "pack_plan.h"

typedef struct cut_list {
    uint32_t *items;
    size_t count, cap;
} cut_list;

static int add_cut(tome_packer *p, cut_list *c, uint32_t at)
{
    int err = tome__pack_grow(p, (void **)&c->items, &c->cap, c->count + 1, sizeof *c->items);
    if (!err)
        c->items[c->count++] = at;
    return err;
}

/* Segment ends of block b (area offsets, the last one the area's size):
 * at the first body end SEGMENT_SPACING or more after the previous end,
 * and inside a body longer than SEGMENT_SPACING every SEGMENT_SPACING from
 * its start (or from the previous end).  So no segment is 24 KiB or more. */
static int find_segments(tome_packer *p, const plan *pl, size_t b, cut_list *c)
{
    const body_block *k = &pl->layout_blocks[b];
    uint64_t start = k->start, end = start + k->area, last = start;
    size_t i = k->lo > 0 && k->carry > 0 ? k->lo - 1 : k->lo; /* the carried body, first */
    int err;
    c->count = 0;
    for (; i < k->hi; i++) {
        uint64_t body_end = pl->ends[i] < end ? pl->ends[i] : end;
        uint64_t body_start = pl->ends[i] - p->bodies[pl->layout[i]].size;
        if (pl->ends[i] <= start)
            continue;
        if (body_start < last)
            body_start = last;
        while (body_end - body_start > SEGMENT_SPACING) {
            body_start += SEGMENT_SPACING;
            last = body_start;
            if ((err = add_cut(p, c, (uint32_t)(last - start))))
                return err;
        }
        if (body_end - last >= SEGMENT_SPACING && body_end < end) {
            last = body_end;
            if ((err = add_cut(p, c, (uint32_t)(last - start))))
                return err;
        }
    }
    return add_cut(p, c, k->area); /* the last segment ends the area */
}

/* The head of block b, `first` listings before it, its segments in `c`. */
static int build_head(tome_packer *p, const plan *pl, size_t b, uint32_t first,
                      const cut_list *c, const uint8_t *area, pack_block *out)
{
    const body_block *k = &pl->layout_blocks[b];
    size_t cap = 4 + 4 * TOME_VARINT_MAX + 4, i, at;
    uint32_t from = 0;
    uint8_t *h;
    for (i = k->lo; i < k->hi; i++) {
        uint32_t body = pl->layout[i];
        cap += TOME_VARINT_MAX * (2 + (size_t)(pl->list_start[body + 1] - pl->list_start[body]));
    }
    cap += c->count * (TOME_VARINT_MAX + 4);
    h = malloc(cap);
    if (!h)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    at = 4;
    at += tome__put_varint(h + at, first);
    at += tome__put_varint(h + at, k->carry);
    at += tome__put_varint(h + at, (uint32_t)(k->hi - k->lo));
    at += tome__put_varint(h + at, (uint32_t)c->count);
    for (i = k->lo; i < k->hi; i++)
        at += tome__put_varint(h + at, p->bodies[pl->layout[i]].size);
    for (i = k->lo; i < k->hi; i++) {
        uint32_t body = pl->layout[i], lo = pl->list_start[body], hi = pl->list_start[body + 1], j;
        at += tome__put_varint(h + at, hi - lo);
        at += tome__put_varint(h + at, pl->list_ids[lo]);
        for (j = lo + 1; j < hi; j++)
            at += tome__put_varint(h + at, pl->list_ids[j] - pl->list_ids[j - 1]);
    }
    for (i = 0; i < c->count; i++) {
        at += tome__put_varint(h + at, c->items[i]);
        /* a block of empty bodies has no area (NULL): its one segment is empty */
        tome_put32(h + at, tome__hash_seeded(area ? area + from : h, c->items[i] - from,
                                             (uint32_t)i));
        at += 4;
        from = c->items[i];
    }
    tome_put32(h, (uint32_t)(at + 4));
    tome_put32(h + at, tome__hash_seeded(h, at, (uint32_t)b));
    at += 4;
    free(out->head);
    free(out->cuts);
    out->head = h;
    out->head_size = (uint32_t)at;
    out->cuts = NULL;
    out->cut_count = 0;
    /* zstd blocks end at every segment end; the last ends the frame */
    if (c->count > 1) {
        out->cuts = malloc((c->count - 1) * sizeof *out->cuts);
        if (!out->cuts)
            return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        memcpy(out->cuts, c->items, (c->count - 1) * sizeof *out->cuts);
        out->cut_count = c->count - 1;
    }
    return TOME_PACK_OK;
}

int tome__plan_make_head(tome_packer *p, const plan *pl, size_t b, const uint8_t *area,
                         pack_block *out)
{
    cut_list c;
    int err;
    memset(&c, 0, sizeof c);
    if (!(err = find_segments(p, pl, b, &c)))
        err = build_head(p, pl, b, out->first, &c, area, out);
    free(c.items);
    return err;
}

int tome__plan_build_heads(tome_packer *p, plan *pl)
{
    uint32_t first = 0;
    size_t b;
    pl->blocks = calloc(pl->body_blocks ? pl->body_blocks : 1, sizeof *pl->blocks);
    if (!pl->blocks)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    for (b = 0; b < pl->body_blocks; b++) {
        const body_block *k = &pl->layout_blocks[b];
        pack_block *out = &pl->blocks[b];
        size_t i;
        out->area_start = k->start;
        out->area_size = k->area;
        out->kind = TOME_KIND_BODY;
        out->index = (uint32_t)b;
        out->first = first;
        pl->block_count = b + 1;
        for (i = k->lo; i < k->hi; i++)
            first += pl->list_start[pl->layout[i] + 1] - pl->list_start[pl->layout[i]];
        pl->stored_size += k->area; /* the bodies, each once */
    }
    return TOME_PACK_OK;
}
