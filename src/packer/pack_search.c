/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_search.c - the search tree (docs/FORMAT.md, "Search tree"): the
 * folded key, title and aliases of every article, sorted by (folded
 * string, ID, source), so a reader finds "strasse" from "Straße" with a
 * prefix search over folded strings.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fold.h"
#include "pack_plan.h"

typedef struct search_entry {
    uint64_t at;    /* the folded string in the arena */
    uint32_t size;
    uint32_t id, source;
} search_entry;

typedef struct search_build {
    tome_packer *p;
    plan *pl;
    uint8_t *arena;
    uint64_t arena_size;
    size_t arena_cap;
    search_entry *items;
    size_t count, cap;
    uint8_t payload[2 * TOME_VARINT_MAX];
} search_build;

/* Fold [s, s + n) onto the arena's end; its size in *folded. */
static int fold_onto_arena(search_build *b, const char *s, size_t n, uint32_t *folded)
{
    size_t need = TOME_FOLD_GROWTH * n, got = 0;
    int err = tome__pack_grow(b->p, (void **)&b->arena, &b->arena_cap,
                              (size_t)b->arena_size + (need ? need : 1), 1);
    if (err)
        return err;
    if (tome__fold((const uint8_t *)s, n, b->arena + b->arena_size, need, &got) != 0)
        return tome__pack_fail(b->p, TOME_PACK_ERR_INPUT, "cannot fold \"%.*s\" for the search "
                               "tree", (int)(n < 200 ? n : 200), s);
    *folded = (uint32_t)got;
    return TOME_PACK_OK;
}

/* The folded string just placed at the arena's end becomes an entry. */
static int add_entry(search_build *b, uint32_t size, uint32_t id, uint32_t source)
{
    int err = tome__pack_grow(b->p, (void **)&b->items, &b->cap, b->count + 1, sizeof *b->items);
    if (err)
        return err;
    b->items[b->count].at = b->arena_size;
    b->items[b->count].size = size;
    b->items[b->count].id = id;
    b->items[b->count].source = source;
    b->count++;
    b->arena_size += size;
    if (size > b->pl->fold_size_max)
        b->pl->fold_size_max = size;
    return TOME_PACK_OK;
}

/* The entries of article `id`: its key, its title unless empty or folding
 * to the key's fold, and each alias. */
static int add_article(search_build *b, uint32_t id)
{
    const tome_packer *p = b->p;
    const plan *pl = b->pl;
    const pack_article *a = &p->articles[pl->ids[id]];
    uint32_t key_size, size, j, lo = pl->alias_start[id], hi = pl->alias_start[id + 1];
    int err;
    if ((err = fold_onto_arena(b, a->key, a->key_size, &key_size)) ||
        (err = add_entry(b, key_size, id, TOME_SOURCE_KEY)))
        return err;
    if (a->title_size) {
        const uint8_t *key_fold;
        if ((err = fold_onto_arena(b, a->title, a->title_size, &size)))
            return err;
        key_fold = b->arena + b->items[b->count - 1].at; /* after the arena may have moved */
        if ((size != key_size || memcmp(key_fold, b->arena + b->arena_size, size) != 0) &&
            (err = add_entry(b, size, id, TOME_SOURCE_TITLE)))
            return err;
    }
    for (j = lo; j < hi; j++) {
        const pack_alias *al = &p->aliases[pl->alias_order[pl->alias_ordinals[j]]];
        if ((err = fold_onto_arena(b, al->alias, al->alias_size, &size)) ||
            (err = add_entry(b, size, id, TOME_SOURCE_ALIAS + (j - lo))))
            return err;
    }
    return TOME_PACK_OK;
}

static const uint8_t *sort_arena; /* qsort has no context */

static int compare_entries(const void *x, const void *y)
{
    const search_entry *a = x, *b = y;
    int c = tome__key_compare(sort_arena + a->at, a->size, sort_arena + b->at, b->size);
    if (c)
        return c;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->source > b->source) - (a->source < b->source);
}

static int search_entry_at(void *ctx, size_t i, int starts_frame, const uint8_t **s, size_t *n,
                           const uint8_t **payload, size_t *payload_size)
{
    search_build *b = ctx;
    const search_entry *e = &b->items[i];
    size_t at;
    (void)starts_frame;
    *s = b->arena + e->at;
    *n = e->size;
    at = tome__put_varint(b->payload, e->id);
    at += tome__put_varint(b->payload + at, e->source);
    *payload = b->payload;
    *payload_size = at;
    return TOME_PACK_OK;
}

int tome__plan_search_tree(tome_packer *p, plan *pl)
{
    search_build b;
    size_t id;
    int err = TOME_PACK_OK;
    memset(&b, 0, sizeof b);
    b.p = p;
    b.pl = pl;
    for (id = 0; id < p->article_count && !err; id++)
        err = add_article(&b, (uint32_t)id);
    if (!err && b.count > UINT32_MAX)
        err = tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "too many search entries");
    if (!err) {
        sort_arena = b.arena;
        if (b.count > 1)
            qsort(b.items, b.count, sizeof *b.items, compare_entries);
        pl->search_count = (uint32_t)b.count;
        err = tome__tree_build(p, TOME_KIND_SEARCH, b.count, search_entry_at, &b,
                               tome__index_target(p), &pl->search);
    }
    free(b.arena);
    free(b.items);
    return err;
}
