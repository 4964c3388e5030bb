/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_meta.c - metadata: (name, value) pairs about the whole archive, in
 * one frame of their own (docs/FORMAT.md, "Metadata").
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "pack_plan.h"
#include "set.h"

int tome_pack_meta(tome_packer *p, const char *name, const char *value)
{
    if (p && !p->failed && name && value &&
        strncmp(name, TOME_SET_RESERVED_PREFIX, TOME_SET_RESERVED_PREFIX_SIZE) == 0)
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "metadata name \"%.60s\": names starting "
                               "with \"" TOME_SET_RESERVED_PREFIX "\" are reserved for tome", name);
    return tome__pack_meta_add(p, name, value);
}

int tome__pack_meta_add(tome_packer *p, const char *name, const char *value)
{
    size_t name_size, value_size, i;
    pack_meta *m;
    int err;
    if (!p || p->failed || !name || !value)
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "invalid call to tome_pack_meta")
                 : TOME_PACK_ERR_ARGUMENT;
    name_size = strlen(name);
    value_size = strlen(value);
    if ((err = tome__pack_check_name(p, "metadata name", name, name_size, 1, "metadata")) ||
        (err = tome__pack_check_name(p, "metadata value", value, value_size, 0, name)))
        return err;
    if (name_size > TOME_SHORT_STRING_MAX)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "metadata name \"%.40s...\" is %zu bytes "
                               "long; at most %u", name, name_size, TOME_SHORT_STRING_MAX);
    for (i = 0; i < p->meta_count; i++)
        if (strcmp(p->metas[i].name, name) == 0)
            return tome__pack_fail(p, TOME_PACK_ERR_DUPLICATE, "metadata \"%s\" given twice", name);
    if ((err = tome__pack_grow(p, (void **)&p->metas, &p->meta_cap, p->meta_count + 1,
                               sizeof *p->metas)))
        return err;
    m = &p->metas[p->meta_count++];
    m->name = tome__pack_strdup(name, name_size);
    m->value = tome__pack_strdup(value, value_size);
    m->name_size = (uint32_t)name_size;
    m->value_size = (uint32_t)value_size;
    if (!m->name || !m->value)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    return TOME_PACK_OK;
}

static int compare_metas(const void *x, const void *y)
{
    const pack_meta *a = x, *b = y;
    return tome__key_compare((const uint8_t *)a->name, a->name_size, (const uint8_t *)b->name,
                             b->name_size);
}

typedef struct meta_entries {
    tome_packer *p;
    uint8_t *value; /* the value as a string: varint size, bytes */
    size_t cap;
} meta_entries;

static int meta_entry(void *ctx, size_t i, int starts_frame, const uint8_t **s, size_t *n,
                      const uint8_t **payload, size_t *payload_size)
{
    meta_entries *e = ctx;
    const pack_meta *m = &e->p->metas[i];
    size_t at;
    int err;
    (void)starts_frame;
    if ((err = tome__pack_grow(e->p, (void **)&e->value, &e->cap,
                               TOME_VARINT_MAX + (size_t)m->value_size, 1)))
        return err;
    at = tome__put_varint(e->value, m->value_size);
    memcpy(e->value + at, m->value, m->value_size);
    *s = (const uint8_t *)m->name;
    *n = m->name_size;
    *payload = e->value;
    *payload_size = at + m->value_size;
    return TOME_PACK_OK;
}

int tome__plan_meta_frame(tome_packer *p, plan *pl)
{
    meta_entries e;
    int err;
    if (p->meta_count == 0)
        return TOME_PACK_OK;
    qsort(p->metas, p->meta_count, sizeof *p->metas, compare_metas);
    memset(&e, 0, sizeof e);
    e.p = p;
    /* one frame, whatever its size: the format allows no more */
    err = tome__tree_build(p, TOME_KIND_META, p->meta_count, meta_entry, &e, UINT32_MAX,
                           &pl->meta);
    free(e.value);
    return err;
}
