/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_alias.c - aliases: more keys for one article (docs/FORMAT.md,
 * "Alias tree").  Added by key, resolved to IDs when the archive is
 * written, once every article is known.
 */
#include <stdlib.h>
#include <string.h>

#include "pack_plan.h"

int tome_pack_add_alias(tome_packer *p, const char *alias, size_t alias_size, const char *key,
                        size_t key_size, const char *source)
{
    pack_alias *a;
    int err;
    if (!p || p->failed || (!alias && alias_size) || (!key && key_size))
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "invalid call to tome_pack_add_alias")
                 : TOME_PACK_ERR_ARGUMENT;
    if (!source)
        source = "alias";
    if ((err = tome__pack_check_name(p, "alias", alias, alias_size, 1, source)) ||
        (err = tome__pack_check_name(p, "alias's key", key, key_size, 1, source)))
        return err;
    if (!tome__pack_in_shard(p, key, key_size)) /* another shard's article's */
        return TOME_PACK_OK;
    if ((err = tome__pack_grow(p, (void **)&p->aliases, &p->alias_cap, p->alias_count + 1,
                               sizeof *p->aliases)))
        return err;
    a = &p->aliases[p->alias_count++];
    a->alias = tome__pack_strdup(alias, alias_size);
    a->alias_size = (uint32_t)alias_size;
    a->key = tome__pack_strdup(key, key_size);
    a->key_size = (uint32_t)key_size;
    a->source = tome__pack_strdup(source, strlen(source));
    if (!a->alias || !a->key || !a->source)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    return TOME_PACK_OK;
}

static const tome_packer *alias_order_packer; /* qsort has no context */

static int compare_aliases(const void *x, const void *y)
{
    const pack_alias *a = &alias_order_packer->aliases[*(const uint32_t *)x];
    const pack_alias *b = &alias_order_packer->aliases[*(const uint32_t *)y];
    int c = tome__key_compare((const uint8_t *)a->alias, a->alias_size,
                              (const uint8_t *)b->alias, b->alias_size);
    if (c)
        return c;
    return (*(const uint32_t *)x > *(const uint32_t *)y) - (*(const uint32_t *)x < *(const uint32_t *)y);
}

/* The ID of `key` (binary search of the keys in ID order), or -1. */
static int64_t find_key(const tome_packer *p, const plan *pl, const char *key, uint32_t size)
{
    size_t lo = 0, hi = p->article_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const pack_article *a = &p->articles[pl->ids[mid]];
        int c = tome__key_compare((const uint8_t *)a->key, a->key_size, (const uint8_t *)key, size);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int resolve(tome_packer *p, plan *pl)
{
    size_t o, n = p->alias_count;
    for (o = 0; o < n; o++) {
        const pack_alias *a = &p->aliases[pl->alias_order[o]];
        int64_t id;
        if (o > 0) {
            const pack_alias *b = &p->aliases[pl->alias_order[o - 1]];
            if (tome__key_compare((const uint8_t *)a->alias, a->alias_size,
                                  (const uint8_t *)b->alias, b->alias_size) == 0)
                return tome__pack_fail(p, TOME_PACK_ERR_DUPLICATE,
                                       "duplicate alias \"%s\": from %s and from %s", a->alias,
                                       b->source, a->source);
        }
        id = find_key(p, pl, a->alias, a->alias_size);
        if (id >= 0)
            return tome__pack_fail(p, TOME_PACK_ERR_DUPLICATE,
                                   "%s: alias \"%s\" is the key of an article (from %s)",
                                   a->source, a->alias, p->articles[pl->ids[id]].source);
        id = find_key(p, pl, a->key, a->key_size);
        if (id < 0)
            return tome__pack_fail(p, TOME_PACK_ERR_INPUT,
                                   "%s: alias \"%s\" names \"%s\", which is no article's key",
                                   a->source, a->alias, a->key);
        pl->alias_id[o] = (uint32_t)id;
        pl->alias_start[id + 1]++;
    }
    return TOME_PACK_OK;
}

int tome__plan_resolve_aliases(tome_packer *p, plan *pl)
{
    size_t n = p->alias_count, o, i;
    uint32_t *fill;
    int err;
    pl->alias_order = malloc((n ? n : 1) * sizeof *pl->alias_order);
    pl->alias_id = malloc((n ? n : 1) * sizeof *pl->alias_id);
    pl->alias_ordinals = malloc((n ? n : 1) * sizeof *pl->alias_ordinals);
    pl->alias_start = calloc(p->article_count + 1, sizeof *pl->alias_start);
    fill = malloc((p->article_count + 1) * sizeof *fill);
    if (!pl->alias_order || !pl->alias_id || !pl->alias_ordinals || !pl->alias_start || !fill) {
        free(fill);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (o = 0; o < n; o++)
        pl->alias_order[o] = (uint32_t)o;
    alias_order_packer = p;
    qsort(pl->alias_order, n, sizeof *pl->alias_order, compare_aliases);
    if ((err = resolve(p, pl))) {
        free(fill);
        return err;
    }
    for (i = 0; i < p->article_count; i++)
        pl->alias_start[i + 1] += pl->alias_start[i];
    memcpy(fill, pl->alias_start, (p->article_count + 1) * sizeof *fill);
    for (o = 0; o < n; o++) /* in ordinal order: each article's list increases */
        pl->alias_ordinals[fill[pl->alias_id[o]]++] = (uint32_t)o;
    free(fill);
    return TOME_PACK_OK;
}
