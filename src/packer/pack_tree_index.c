/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_tree_index.c - the shape shared by the name, alias and search trees
 * and the metadata frame (docs/FORMAT.md, "Trees"): front-coded leaves of
 * about a target size, then nodes holding each child's first string, level
 * by level, the root last.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "pack_plan.h"

/* Most bytes of a frame's level, first and count. */
#define FRAME_HEAD_MAX (3u * TOME_VARINT_MAX)

typedef struct bytes {
    uint8_t *data;
    size_t size, cap;
} bytes;

static int reserve(tome_packer *p, bytes *b, size_t extra)
{
    return tome__pack_grow(p, (void **)&b->data, &b->cap, b->size + extra, 1);
}

/* A frame being filled: its entries, its first string (a node's separator
 * for it) and the previous entry's string (what front coding shares). */
typedef struct frame_builder {
    bytes entries, first_string, previous;
    uint32_t count, first;
} frame_builder;

typedef struct frame_strings {
    uint8_t **items; /* owned: each frame's first string */
    size_t *sizes;
    size_t cap;
} frame_strings;

static size_t shared_prefix(const bytes *prev, const uint8_t *s, size_t n)
{
    size_t k = 0, max = prev->size < n ? prev->size : n;
    while (k < max && prev->data[k] == s[k])
        k++;
    return k;
}

static int set_bytes(tome_packer *p, bytes *b, const uint8_t *s, size_t n)
{
    b->size = 0;
    if (reserve(p, b, n ? n : 1))
        return TOME_PACK_ERR_MEMORY;
    if (n)
        memcpy(b->data, s, n);
    b->size = n;
    return TOME_PACK_OK;
}

/* Close the frame being built: it becomes frame out->count of the tree. */
static int close_frame(tome_packer *p, uint32_t kind, uint32_t level, frame_builder *f,
                       pack_tree *out, frame_strings *firsts)
{
    pack_block *fr;
    size_t at;
    int err;
    if ((err = tome__pack_grow(p, (void **)&out->frames, &out->cap, out->count + 1,
                               sizeof *out->frames)))
        return err;
    if (out->count + 1 > firsts->cap) {
        size_t cap = out->cap;
        uint8_t **items = realloc(firsts->items, cap * sizeof *items);
        size_t *sizes = items ? realloc(firsts->sizes, cap * sizeof *sizes) : NULL;
        if (items)
            firsts->items = items;
        if (!items || !sizes)
            return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        firsts->sizes = sizes;
        firsts->cap = cap;
    }
    fr = &out->frames[out->count];
    memset(fr, 0, sizeof *fr);
    fr->head = malloc(FRAME_HEAD_MAX + f->entries.size);
    firsts->items[out->count] = malloc(f->first_string.size ? f->first_string.size : 1);
    if (!fr->head || !firsts->items[out->count]) {
        free(fr->head);
        free(firsts->items[out->count]);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    memcpy(firsts->items[out->count], f->first_string.data, f->first_string.size);
    firsts->sizes[out->count] = f->first_string.size;
    at = tome__put_varint(fr->head, level);
    at += tome__put_varint(fr->head + at, f->first);
    at += tome__put_varint(fr->head + at, f->count);
    memcpy(fr->head + at, f->entries.data, f->entries.size);
    fr->head_size = (uint32_t)(at + f->entries.size);
    fr->kind = kind;
    fr->index = (uint32_t)out->count;
    fr->first = f->first;
    out->count++;
    f->entries.size = 0;
    f->count = 0;
    return TOME_PACK_OK;
}

/* Bytes an entry takes in the frame being built. */
static size_t entry_bytes(const frame_builder *f, const uint8_t *s, size_t n, size_t payload_size)
{
    size_t shared = f->count ? shared_prefix(&f->previous, s, n) : 0;
    return tome__varint_size((uint32_t)shared) + tome__varint_size((uint32_t)(n - shared)) +
           (n - shared) + payload_size;
}

/* Whether the frame being built must be closed before an entry of `need`
 * bytes: it would go past `target` and holds `min_count` entries. */
static int full(const frame_builder *f, size_t need, uint32_t target, uint32_t min_count)
{
    return f->count >= min_count && FRAME_HEAD_MAX + f->entries.size + need > target;
}

/* Append an entry (string and payload) to the frame being built;
 * `first` is the frame's `first` when the entry starts it. */
static int append_entry(tome_packer *p, frame_builder *f, uint32_t first, const uint8_t *s,
                        size_t n, const uint8_t *payload, size_t payload_size)
{
    size_t shared = f->count ? shared_prefix(&f->previous, s, n) : 0;
    size_t need = entry_bytes(f, s, n, payload_size);
    int err;
    if (f->count == 0) {
        f->first = first;
        if ((err = set_bytes(p, &f->first_string, s, n)))
            return err;
    }
    if ((err = reserve(p, &f->entries, need)))
        return err;
    f->entries.size += tome__put_varint(f->entries.data + f->entries.size, (uint32_t)shared);
    f->entries.size += tome__put_varint(f->entries.data + f->entries.size, (uint32_t)(n - shared));
    memcpy(f->entries.data + f->entries.size, s + shared, n - shared);
    f->entries.size += n - shared;
    if (payload_size)
        memcpy(f->entries.data + f->entries.size, payload, payload_size);
    f->entries.size += payload_size;
    f->count++;
    return set_bytes(p, &f->previous, s, n);
}

/* Entry i of the leaves: asked again when it starts a new leaf, as its
 * payload may depend on that (the name tree's block deltas). */
static int add_leaf_entry(tome_packer *p, uint32_t kind, frame_builder *f, pack_tree *out,
                          frame_strings *firsts, uint32_t target, tree_entry_fn entry,
                          void *ctx, size_t i)
{
    const uint8_t *s, *payload;
    size_t n, payload_size;
    int err = entry(ctx, i, f->count == 0, &s, &n, &payload, &payload_size);
    if (!err && full(f, entry_bytes(f, s, n, payload_size), target, 1)) {
        if (!(err = close_frame(p, kind, 0, f, out, firsts)))
            err = entry(ctx, i, 1, &s, &n, &payload, &payload_size);
    }
    return err ? err : append_entry(p, f, (uint32_t)i, s, n, payload, payload_size);
}

/* Child i as a separator in the node being built, two children a node at
 * least so that every level is smaller than the one below. */
static int add_child(tome_packer *p, uint32_t kind, uint32_t level, frame_builder *f,
                     pack_tree *out, frame_strings *firsts, uint32_t target, size_t i)
{
    const uint8_t *s = firsts->items[i];
    size_t n = firsts->sizes[i];
    int err;
    if (full(f, entry_bytes(f, s, n, 0), target, 2) &&
        (err = close_frame(p, kind, level, f, out, firsts)))
        return err;
    return append_entry(p, f, (uint32_t)i, s, n, NULL, 0);
}

int tome__tree_build(tome_packer *p, uint32_t kind, size_t count, tree_entry_fn entry,
                     void *ctx, uint32_t target, pack_tree *out)
{
    frame_builder f;
    frame_strings firsts;
    size_t i, level_lo, level_hi;
    uint32_t level = 0;
    int err = TOME_PACK_OK;
    memset(&f, 0, sizeof f);
    memset(&firsts, 0, sizeof firsts);
    memset(out, 0, sizeof *out);
    for (i = 0; i < count && !err; i++)
        err = add_leaf_entry(p, kind, &f, out, &firsts, target, entry, ctx, i);
    if (!err && f.count)
        err = close_frame(p, kind, 0, &f, out, &firsts);
    out->leaves = out->count;
    /* Nodes: each level's frames are the children of the next. */
    for (level_lo = 0, level_hi = out->count; !err && level_hi - level_lo > 1;
         level_lo = level_hi, level_hi = out->count) {
        level++;
        for (i = level_lo; i < level_hi && !err; i++)
            err = add_child(p, kind, level, &f, out, &firsts, target, i);
        if (!err && f.count)
            err = close_frame(p, kind, level, &f, out, &firsts);
    }
    for (i = 0; i < out->count; i++)
        free(firsts.items[i]);
    free(firsts.items);
    free(firsts.sizes);
    free(f.entries.data);
    free(f.first_string.data);
    free(f.previous.data);
    return err;
}

void tome__tree_free(pack_tree *t)
{
    size_t i;
    for (i = 0; t->frames && i < t->count; i++) /* NULL once moved to the block table */
        free(t->frames[i].head);
    free(t->frames);
    memset(t, 0, sizeof *t);
}

uint32_t tome__index_target(const tome_packer *p)
{
    return p->opt.block_size < INDEX_FRAME_TARGET ? p->opt.block_size : INDEX_FRAME_TARGET;
}
