/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_table.c - archive bytes and block table records: each record is
 * checked (its checksum seeded with its index, its frame's bounds, its
 * content size against its kind's limit) before anything uses it.
 */
#include <string.h>

#include "read_internal.h"

const uint8_t *tome__bytes(tome_reader *r, uint64_t offset, size_t len, uint8_t *scratch)
{
    if (r->data)
        return r->data + offset;
    return r->read(r->user, offset, scratch, len) == 0 ? scratch : NULL;
}

int tome__in_body(const tome_header *h, uint64_t offset, uint64_t len)
{
    uint64_t end = h->file_size - TOME_FOOTER_SIZE;
    return offset >= TOME_HEADER_SIZE && offset <= end && len <= end - offset;
}

uint32_t tome__kind_base(const tome_header *h, unsigned kind)
{
    /* each count is below 2^28 (checked at open): the sums cannot wrap */
    uint32_t base = 0;
    if (kind > TOME_KIND_BODY)
        base += h->body_blocks;
    if (kind > TOME_KIND_NAME)
        base += h->name_frames;
    if (kind > TOME_KIND_ALIAS)
        base += h->alias_frames;
    if (kind > TOME_KIND_SEARCH)
        base += h->search_frames;
    return base;
}

unsigned tome__kind_of(const tome_header *h, uint32_t index, uint32_t *within)
{
    unsigned kind = TOME_KIND_META;
    while (kind > TOME_KIND_BODY && index < tome__kind_base(h, kind))
        kind--;
    *within = index - tome__kind_base(h, kind);
    return kind;
}

int tome__load_block(tome_reader *r, uint32_t index, tome_block *b)
{
    uint8_t tmp[BLK_RECORD_SIZE];
    const uint8_t *p;
    uint32_t content, within, cap;
    unsigned kind;
    if (index >= r->h.block_total)
        return TOME_ERR_CORRUPT;
    kind = tome__kind_of(&r->h, index, &within);
    cap = kind == TOME_KIND_BODY ? r->h.block_size_max : r->h.index_size_max;
    /* the table lies in the body area (checked at open) */
    p = tome__bytes(r, r->h.block_table_offset + (uint64_t)index * BLK_RECORD_SIZE,
                    BLK_RECORD_SIZE, tmp);
    if (!p)
        return TOME_ERR_READ;
    if (tome__hash_seeded(p, BLK_RECORD_CHECKSUM, index) != tome_get32(p + BLK_RECORD_CHECKSUM))
        return TOME_ERR_CORRUPT;
    b->frame_offset = tome_get64(p + BLK_FRAME_OFFSET);
    b->frame_size = tome_get32(p + BLK_FRAME_SIZE);
    content = tome_get32(p + BLK_CONTENT_SIZE);
    b->first = tome_get32(p + BLK_FIRST);
    b->checksum = tome_get32(p + BLK_CONTENT_CHECKSUM);
    b->seed = TOME_CONTENT_SEED(kind, within);
    if (b->frame_size == 0 || content == 0 || content > cap ||
        !tome__in_body(&r->h, b->frame_offset, b->frame_size))
        return TOME_ERR_CORRUPT;
    /* at most a buffer's size: tome_open() fitted both in a size_t workspace */
    b->content_size = (size_t)content;
    return TOME_OK;
}

int tome__find_first(tome_reader *r, uint32_t base, uint32_t count, uint32_t ordinal,
                     uint32_t *found)
{
    uint32_t lo = 0, hi = count;
    /* invariant: the answer is in [lo, hi) (lo when nothing is <= ordinal) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        tome_block b;
        int err = tome__load_block(r, base + mid, &b);
        if (err != TOME_OK)
            return err;
        if (b.first <= ordinal)
            lo = mid;
        else
            hi = mid;
    }
    *found = base + lo;
    return TOME_OK;
}
