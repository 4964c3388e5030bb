/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_meta.c - metadata pairs (docs/FORMAT.md, "Metadata"): one frame,
 * decoded whole and checked, names front-coded.
 */
#include <string.h>

#include "read_internal.h"

/* Walk the pairs to `index` (or to the one named `name` when name is not
 * NULL): its name assembled into buf (clipped to cap). */
static int meta_pair(tome_reader *r, uint32_t index, const uint8_t *name, size_t name_size,
                     uint8_t *buf, size_t cap, tome_entry *e)
{
    tome_tree t;
    tome_frame f;
    tome_compare cmp = {0, 0};
    uint32_t i, prev = 0, block = 0;
    int err;
    if (r->h.meta_frames == 0)
        return name ? TOME_ERR_NOT_FOUND : TOME_ERR_RANGE;
    tome__tree_of(r, TOME_KIND_META, &t);
    if ((err = tome__frame_load(r, &t, 0, &f)) != TOME_OK)
        return err;
    if (!name && index >= f.count)
        return TOME_ERR_RANGE;
    for (i = 0; i < f.count; i++) {
        if ((err = tome__entry_next(r, &t, 0, &f.at, f.end, prev, &block, e)) != TOME_OK)
            return err;
        prev = e->size;
        tome__assemble(buf, cap, e);
        if (!name) {
            if (i == index)
                return TOME_OK;
            continue;
        }
        tome__compare_step(&cmp, name, name_size, e);
        if (cmp.order == 0)
            return TOME_OK;
    }
    return TOME_ERR_NOT_FOUND;
}

int tome_meta_at(tome_reader *r, uint32_t index, char *name, size_t name_cap, char *value,
                 size_t value_cap)
{
    tome_entry e;
    int err;
    if (!r || !name || !value)
        return TOME_ERR_ARGUMENT;
    if ((err = meta_pair(r, index, NULL, 0, (uint8_t *)name, name_cap, &e)) != TOME_OK)
        return err;
    if (name_cap <= e.size || value_cap <= e.value_size)
        return TOME_ERR_BUFFER;
    name[e.size] = '\0';
    if (e.value_size)
        memcpy(value, e.value, e.value_size);
    value[e.value_size] = '\0';
    return TOME_OK;
}

int tome_meta_get(tome_reader *r, const char *name, size_t name_size, char *value, size_t cap,
                  size_t *size)
{
    tome_entry e;
    int err;
    if (!r || (!name && name_size) || !size || (!value && cap))
        return TOME_ERR_ARGUMENT;
    if ((err = meta_pair(r, 0, (const uint8_t *)name, name_size, NULL, 0, &e)) != TOME_OK)
        return err;
    *size = e.value_size;
    if (cap <= e.value_size)
        return TOME_ERR_BUFFER;
    if (e.value_size)
        memcpy(value, e.value, e.value_size);
    value[e.value_size] = '\0';
    return TOME_OK;
}
