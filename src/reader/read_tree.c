/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_tree.c - the name, alias and search trees and the metadata frame
 * (docs/FORMAT.md, "Trees", "Metadata"): frames decoded whole and checked,
 * their heads against their records, entries parsed with every bound
 * checked, and the descent from the root, a loop bounded by the levels.
 */
#include <string.h>

#include "read_internal.h"

void tome__tree_of(const tome_reader *r, unsigned kind, tome_tree *t)
{
    const tome_header *h = &r->h;
    t->kind = kind;
    t->base = tome__kind_base(h, kind);
    switch (kind) {
    case TOME_KIND_NAME:
        t->frames = h->name_frames, t->leaves = h->name_leaves, t->entries = h->article_count;
        break;
    case TOME_KIND_ALIAS:
        t->frames = h->alias_frames, t->leaves = h->alias_leaves, t->entries = h->alias_count;
        break;
    case TOME_KIND_SEARCH:
        t->frames = h->search_frames, t->leaves = h->search_leaves;
        t->entries = h->search_count;
        break;
    default: /* one leaf */
        t->frames = h->meta_frames, t->leaves = h->meta_frames, t->entries = h->meta_count;
        break;
    }
}

/* A leaf's count against the next leaf's record, or the entry count. */
static int leaf_count_sound(tome_reader *r, const tome_tree *t, const tome_frame *f)
{
    tome_block next;
    uint32_t end = t->entries;
    int err;
    if (f->number + 1 < t->leaves) {
        if ((err = tome__load_block(r, t->base + f->number + 1, &next)) != TOME_OK)
            return err;
        end = next.first;
    }
    return end >= f->first && end - f->first == f->count ? TOME_OK : TOME_ERR_CORRUPT;
}

int tome__frame_load(tome_reader *r, const tome_tree *t, uint32_t number, tome_frame *f)
{
    tome_slot *s = &r->index;
    tome_cursor c;
    int err;
    if (number >= t->frames)
        return TOME_ERR_CORRUPT;
    if ((err = tome__slot_check(r, s, t->base + number)) != TOME_OK)
        return err;
    tome__cursor_init(&c, s->buf, s->done);
    f->number = number;
    f->level = tome__get_varint(&c);
    f->first = tome__get_varint(&c);
    f->count = tome__get_varint(&c);
    if (c.bad || f->count == 0 || f->first != s->block.first)
        return TOME_ERR_CORRUPT;
    f->at = (size_t)(c.pos - s->buf);
    f->end = s->done;
    if (number < t->leaves)
        return f->level == 0 ? leaf_count_sound(r, t, f) : TOME_ERR_CORRUPT;
    /* a node: its children are frames of the tree */
    if (f->level == 0 || f->level >= TOME_TREE_LEVELS_LIMIT ||
        (uint64_t)f->first + f->count > t->frames)
        return TOME_ERR_CORRUPT;
    return TOME_OK;
}

static uint32_t string_limit(const tome_reader *r, unsigned kind)
{
    if (kind == TOME_KIND_SEARCH)
        return r->h.fold_size_max;
    if (kind == TOME_KIND_META)
        return TOME_SHORT_STRING_MAX; /* metadata names */
    return r->h.key_size_max;
}

/* The payload of a name entry after its key. */
static void name_payload(const tome_reader *r, tome_cursor *c, const uint8_t *buf,
                         uint32_t *block, tome_entry *e)
{
    const tome_header *h = &r->h;
    int64_t b;
    uint32_t i, prev = 0;
    e->value = tome__get_run(c, &e->value_size);
    b = (int64_t)*block + tome__unzigzag(tome__get_varint(c));
    e->body = tome__get_varint(c);
    e->alias_count = tome__get_varint(c);
    e->aliases_at = (size_t)(c->pos - buf);
    if (e->value_size > h->title_size_max || b < 0 || b >= (int64_t)h->body_blocks ||
        e->alias_count > h->alias_count) {
        c->bad = 1;
        return;
    }
    e->block = *block = (uint32_t)b;
    for (i = 0; i < e->alias_count && !c->bad; i++) {
        uint32_t o = tome__get_varint(c);
        if (o >= h->alias_count || (i > 0 && o <= prev))
            c->bad = 1;
        prev = o;
    }
}

int tome__entry_next(const tome_reader *r, const tome_tree *t, uint32_t level, size_t *at,
                     size_t end, uint32_t prev_size, uint32_t *block, tome_entry *e)
{
    const uint8_t *buf = r->index.buf;
    tome_cursor c;
    memset(e, 0, sizeof *e);
    if (*at > end)
        return TOME_ERR_CORRUPT;
    tome__cursor_init(&c, buf + *at, end - *at);
    if (!tome__get_front(&c, prev_size, &e->s))
        return TOME_ERR_CORRUPT;
    /* each part below 2^32: the sum in 64 bits */
    if ((uint64_t)e->s.shared + e->s.suffix_size > string_limit(r, t->kind))
        return TOME_ERR_CORRUPT;
    e->size = e->s.shared + e->s.suffix_size;
    /* keys, alias keys and metadata names are never empty: an empty one
     * would be found by a query for "" and returned as a key */
    if (e->size == 0 && t->kind != TOME_KIND_SEARCH)
        return TOME_ERR_CORRUPT;
    if (level == 0) {
        switch (t->kind) {
        case TOME_KIND_NAME:
            name_payload(r, &c, buf, block, e);
            break;
        case TOME_KIND_ALIAS:
        case TOME_KIND_SEARCH:
            e->id = tome__get_varint(&c);
            if (t->kind == TOME_KIND_SEARCH)
                e->source = tome__get_varint(&c);
            if (e->id >= r->h.article_count)
                c.bad = 1;
            break;
        default:
            e->value = tome__get_run(&c, &e->value_size);
            break;
        }
    }
    if (c.bad)
        return TOME_ERR_CORRUPT;
    *at = (size_t)(c.pos - buf);
    return TOME_OK;
}

void tome__assemble(uint8_t *buf, size_t cap, const tome_entry *e)
{
    size_t n = e->s.suffix_size;
    if (e->s.shared >= cap)
        return;
    if (n > cap - e->s.shared)
        n = cap - e->s.shared;
    if (n)
        memcpy(buf + e->s.shared, e->s.suffix, n);
}

void tome__compare_step(tome_compare *c, const uint8_t *q, size_t q_size, const tome_entry *e)
{
    size_t s = e->s.shared, k = 0;
    /* sharing more than the previous string had in common with q: this
     * string agrees with q exactly as far, and differs the same way */
    if (s > c->lcp)
        return;
    while (k < e->s.suffix_size && s + k < q_size && e->s.suffix[k] == q[s + k])
        k++;
    c->lcp = s + k;
    if (k < e->s.suffix_size && s + k < q_size)
        c->order = e->s.suffix[k] < q[s + k] ? -1 : 1;
    else
        c->order = (e->size > q_size) - (e->size < q_size);
}

int tome__leaf_entry(tome_reader *r, const tome_tree *t, uint32_t ordinal, uint8_t *buf,
                     size_t cap, tome_entry *e)
{
    tome_frame f;
    uint32_t idx, i, prev = 0, block = 0;
    int err;
    if (ordinal >= t->entries || t->leaves == 0)
        return TOME_ERR_CORRUPT;
    if ((err = tome__find_first(r, t->base, t->leaves, ordinal, &idx)) != TOME_OK ||
        (err = tome__frame_load(r, t, idx - t->base, &f)) != TOME_OK)
        return err;
    if (ordinal < f.first || ordinal - f.first >= f.count)
        return TOME_ERR_CORRUPT;
    for (i = 0; i <= ordinal - f.first; i++) {
        if ((err = tome__entry_next(r, t, 0, &f.at, f.end, prev, &block, e)) != TOME_OK)
            return err;
        tome__assemble(buf, cap, e);
        prev = e->size;
    }
    return TOME_OK;
}

int tome__descend(tome_reader *r, const tome_tree *t, const uint8_t *q, size_t q_size,
                  int prefix, tome_frame *f)
{
    int err;
    if (t->frames == 0)
        return TOME_ERR_NOT_FOUND;
    if ((err = tome__frame_load(r, t, t->frames - 1, f)) != TOME_OK)
        return err;
    /* the root's children end right before it: a header whose frame count
     * is short by one would otherwise make a node the root, and a search
     * would see part of the tree only */
    if (f->level > 0 && (uint64_t)f->first + f->count != t->frames - 1)
        return TOME_ERR_CORRUPT;
    /* each step goes one level down, from below TOME_TREE_LEVELS_LIMIT */
    while (f->level > 0) {
        tome_compare cmp = {0, 0};
        tome_entry e;
        uint32_t i, chosen = 0, prev = 0, block = 0, level = f->level;
        for (i = 0; i < f->count; i++) {
            if ((err = tome__entry_next(r, t, level, &f->at, f->end, prev, &block, &e)) !=
                TOME_OK)
                return err;
            prev = e.size;
            tome__compare_step(&cmp, q, q_size, &e);
            if (cmp.order < 0 || (!prefix && cmp.order == 0))
                chosen = i;
            else
                break;
        }
        if ((err = tome__frame_load(r, t, f->first + chosen, f)) != TOME_OK)
            return err;
        if (f->level + 1 != level)
            return TOME_ERR_CORRUPT;
    }
    return TOME_OK;
}

int tome__alias_ordinal(tome_reader *r, const tome_entry *e, uint32_t n, uint32_t *ordinal)
{
    tome_cursor c;
    uint32_t i;
    if (n >= e->alias_count)
        return TOME_ERR_RANGE;
    /* the name entry's bytes, checked by its parse */
    tome__cursor_init(&c, r->index.buf + e->aliases_at, r->index.done - e->aliases_at);
    for (i = 0; i <= n; i++)
        *ordinal = tome__get_varint(&c);
    return c.bad ? TOME_ERR_CORRUPT : TOME_OK;
}
