/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_names.c - the name tree (one entry per article, in ID order: key,
 * title, location, aliases) and the alias tree (one entry per alias: the
 * alias key and its article), docs/FORMAT.md "Name tree", "Alias tree".
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "pack_plan.h"

typedef struct entries {
    tome_packer *p;
    const plan *pl;
    uint8_t *payload;
    size_t cap;
} entries;

static int name_entry(void *ctx, size_t id, int starts_frame, const uint8_t **s, size_t *n,
                      const uint8_t **payload, size_t *payload_size)
{
    entries *e = ctx;
    const plan *pl = e->pl;
    const pack_article *a = &e->p->articles[pl->ids[id]];
    const pack_body *b = &e->p->bodies[a->body];
    uint32_t lo = pl->alias_start[id], hi = pl->alias_start[id + 1], k;
    int64_t previous_block = 0;
    size_t at;
    int err;
    if (!starts_frame) /* the block is a delta from the previous entry's in the leaf */
        previous_block = e->p->bodies[e->p->articles[pl->ids[id - 1]].body].block;
    if ((err = tome__pack_grow(e->p, (void **)&e->payload, &e->cap,
                               (size_t)a->title_size + TOME_VARINT_MAX * (5 + (size_t)(hi - lo)), 1)))
        return err;
    at = tome__put_varint(e->payload, a->title_size);
    if (a->title_size)
        memcpy(e->payload + at, a->title, a->title_size);
    at += a->title_size;
    at += tome__put_varint(e->payload + at, tome__zigzag((int64_t)b->block - previous_block));
    at += tome__put_varint(e->payload + at, b->index);
    at += tome__put_varint(e->payload + at, hi - lo);
    for (k = lo; k < hi; k++)
        at += tome__put_varint(e->payload + at, pl->alias_ordinals[k]);
    *s = (const uint8_t *)a->key;
    *n = a->key_size;
    *payload = e->payload;
    *payload_size = at;
    return TOME_PACK_OK;
}

int tome__plan_name_tree(tome_packer *p, plan *pl)
{
    entries e;
    int err;
    memset(&e, 0, sizeof e);
    e.p = p;
    e.pl = pl;
    err = tome__tree_build(p, TOME_KIND_NAME, p->article_count, name_entry, &e,
                           tome__index_target(p), &pl->names);
    free(e.payload);
    return err;
}

static int alias_entry(void *ctx, size_t o, int starts_frame, const uint8_t **s, size_t *n,
                       const uint8_t **payload, size_t *payload_size)
{
    entries *e = ctx;
    const pack_alias *a = &e->p->aliases[e->pl->alias_order[o]];
    int err;
    (void)starts_frame;
    if ((err = tome__pack_grow(e->p, (void **)&e->payload, &e->cap, TOME_VARINT_MAX, 1)))
        return err;
    *s = (const uint8_t *)a->alias;
    *n = a->alias_size;
    *payload = e->payload;
    *payload_size = tome__put_varint(e->payload, e->pl->alias_id[o]);
    return TOME_PACK_OK;
}

int tome__plan_alias_tree(tome_packer *p, plan *pl)
{
    entries e;
    int err;
    if (p->alias_count == 0)
        return TOME_PACK_OK;
    memset(&e, 0, sizeof e);
    e.p = p;
    e.pl = pl;
    err = tome__tree_build(p, TOME_KIND_ALIAS, p->alias_count, alias_entry, &e,
                           tome__index_target(p), &pl->alias_tree);
    free(e.payload);
    return err;
}
