/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack.c - the packer's state: options, tome_pack_add() (the rest of adding
 * an article, exact dedup included, is in pack_body.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "pack_internal.h"

#define DEFAULT_BLOCK_SIZE (64u * 1024u)
#define DEFAULT_LEVEL 19
#define DEFAULT_DICT_SIZE (256u * 1024u) /* measured: 110K, 192K, 256K, 512K on the mail corpus */

void tome_pack_options_default(tome_pack_options *o)
{
    memset(o, 0, sizeof *o);
    o->block_size = DEFAULT_BLOCK_SIZE;
    o->level = DEFAULT_LEVEL;
    o->dict = TOME_DICT_AUTO;
    o->dict_size = DEFAULT_DICT_SIZE;
    o->threads = 0;
    o->check = 1;
    o->cluster = 1;
}

tome_packer *tome_packer_new(const tome_pack_options *options)
{
    tome_packer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (options)
        p->opt = *options;
    else
        tome_pack_options_default(&p->opt);
    return p;
}

void tome_packer_free(tome_packer *p)
{
    size_t i;
    if (!p)
        return;
    tome__pack_arena_free(p);
    tome__spill_free(&p->body_store);
    tome__pack_hasher_free(p->hasher);
    for (i = 0; i < p->alias_count; i++) {
        free(p->aliases[i].alias);
        free(p->aliases[i].key);
        free(p->aliases[i].source);
    }
    for (i = 0; i < p->meta_count; i++) {
        free(p->metas[i].name);
        free(p->metas[i].value);
    }
    free(p->aliases);
    free(p->metas);
    free(p->fixed_dict);
    if (p->shard) {
        free(p->shard->lo);
        free(p->shard->hi);
        free(p->shard);
    }
    free(p->articles);
    free(p->bodies);
    free(p->body_slots);
    free(p);
}

int tome_pack_add(tome_packer *p, const char *key, size_t key_size, const char *title,
                  size_t title_size, const void *body, size_t size, const char *source)
{
    uint32_t index = 0;
    int err;
    if (!p || p->failed || (!key && key_size) || (!title && title_size) || (!body && size))
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "invalid call to tome_pack_add")
                 : TOME_PACK_ERR_ARGUMENT;
    if (!source)
        source = "article";
    if ((err = tome__pack_check_article(p, key, key_size, title, title_size, source)))
        return err;
    if (!tome__pack_in_shard(p, key, key_size))
        return TOME_PACK_OK;
    if (size > UINT32_MAX)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT,
                               "%s: %zu bytes; articles must be under 4 GiB", source, size);
    if ((err = tome__body_begin(p)) || (err = tome__body_append(p, body, size)) ||
        (err = tome__body_finish(p, &index)))
        return err;
    return tome__pack_add_article(p, key, key_size, title, title_size, index, source);
}

int tome__pack_in_shard(const tome_packer *p, const char *key, size_t key_size)
{
    const pack_shard *s = p->shard;
    if (!s)
        return 1;
    /* shard 0 from the start: a key before the plan's first is counted
     * there (and refused with the counts), not dropped by every shard */
    if (s->number > 0 &&
        tome__key_compare((const uint8_t *)key, key_size, (const uint8_t *)s->lo, s->lo_size) < 0)
        return 0;
    return !s->hi ||
           tome__key_compare((const uint8_t *)key, key_size, (const uint8_t *)s->hi, s->hi_size) < 0;
}

int tome_pack_use_dictionary(tome_packer *p, const void *dict, size_t size)
{
    if (!p || p->failed || (!dict && size) || size > UINT32_MAX)
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                                   "invalid call to tome_pack_use_dictionary")
                 : TOME_PACK_ERR_ARGUMENT;
    free(p->fixed_dict);
    p->fixed_dict = NULL;
    p->fixed_dict_size = 0;
    p->fixed_dict_set = 1;
    if (size) {
        if (!(p->fixed_dict = malloc(size)))
            return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        memcpy(p->fixed_dict, dict, size);
        p->fixed_dict_size = size;
    }
    return TOME_PACK_OK;
}
