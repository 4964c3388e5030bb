/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack.c - the packer's state: options, adding articles, exact dedup.
 */
#include <stdlib.h>
#include <string.h>

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
    for (i = 0; i < p->article_count; i++) {
        free(p->articles[i].key);
        free(p->articles[i].title);
        free(p->articles[i].source);
    }
    for (i = 0; i < p->body_count; i++)
        free(p->bodies[i].data);
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
    free(p->articles);
    free(p->bodies);
    free(p->body_slots);
    free(p);
}

int tome__pack_grow(tome_packer *p, void **items, size_t *cap, size_t need, size_t item_size)
{
    size_t n;
    void *bigger;
    if (need <= *cap)
        return TOME_PACK_OK;
    n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    bigger = realloc(*items, n * item_size);
    if (!bigger)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    *items = bigger;
    *cap = n;
    return TOME_PACK_OK;
}

/* Open addressing over body indexes; slot value 0 = empty, else index + 1.
 * Kept at most half full. */
static int rehash(tome_packer *p, size_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    size_t i;
    if (!slots)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    for (i = 0; i < p->body_count; i++) {
        size_t s = (size_t)p->bodies[i].hash & (cap - 1);
        while (slots[s])
            s = (s + 1) & (cap - 1);
        slots[s] = (uint32_t)i + 1;
    }
    free(p->body_slots);
    p->body_slots = slots;
    p->slot_cap = cap;
    return TOME_PACK_OK;
}

/* Index of the stored body equal to these bytes, adding it if new. */
static int intern_body(tome_packer *p, const void *data, size_t size, uint32_t *index)
{
    uint64_t hash = tome__pack_hash64(data, size, 0);
    size_t s;
    pack_body *b;
    int err;
    if ((p->body_count + 1) * 2 > p->slot_cap &&
        (err = rehash(p, p->slot_cap ? p->slot_cap * 2 : 1024)) != TOME_PACK_OK)
        return err;
    for (s = (size_t)hash & (p->slot_cap - 1); p->body_slots[s]; s = (s + 1) & (p->slot_cap - 1)) {
        const pack_body *c = &p->bodies[p->body_slots[s] - 1];
        if (c->hash == hash && c->size == size && memcmp(c->data, data, size) == 0) {
            *index = p->body_slots[s] - 1;
            return TOME_PACK_OK;
        }
    }
    if ((err = tome__pack_grow(p, (void **)&p->bodies, &p->body_cap, p->body_count + 1, sizeof *p->bodies)))
        return err;
    b = &p->bodies[p->body_count];
    memset(b, 0, sizeof *b);
    b->data = malloc(size ? size : 1);
    if (!b->data)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory (%zu-byte article)", size);
    memcpy(b->data, data, size);
    b->size = (uint32_t)size;
    b->hash = hash;
    *index = (uint32_t)p->body_count;
    p->body_slots[s] = (uint32_t)p->body_count + 1;
    p->body_count++;
    return TOME_PACK_OK;
}

char *tome__pack_strdup(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

int tome__pack_check_name(tome_packer *p, const char *what, const char *s, size_t n, size_t min,
                          const char *source)
{
    if (n < min || n > TOME_PACK_NAME_LIMIT)
        return tome__pack_fail(p, n < min ? TOME_PACK_ERR_INPUT : TOME_PACK_ERR_LIMIT,
                               "%s: %s is %zu bytes; it must be %zu to %u", source, what, n,
                               min, TOME_PACK_NAME_LIMIT);
    if (memchr(s, '\0', n))
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "%s: %s contains a NUL byte", source, what);
    if (!tome__utf8_valid(s, n))
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "%s: %s is not valid UTF-8", source, what);
    return TOME_PACK_OK;
}

int tome_pack_add(tome_packer *p, const char *key, size_t key_size, const char *title,
                  size_t title_size, const void *body, size_t size, const char *source)
{
    pack_article *a;
    uint32_t index = 0;
    int err;
    if (!p || p->failed || (!key && key_size) || (!title && title_size) || (!body && size))
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "invalid call to tome_pack_add")
                 : TOME_PACK_ERR_ARGUMENT;
    if (!source)
        source = "article";
    if ((err = tome__pack_check_name(p, "key", key, key_size, 1, source)) ||
        (title && (err = tome__pack_check_name(p, "title", title, title_size, 0, source))))
        return err;
    if (size > UINT32_MAX)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT,
                               "%s: %zu bytes; articles must be under 4 GiB", source, size);
    if ((err = tome__pack_grow(p, (void **)&p->articles, &p->article_cap, p->article_count + 1,
                    sizeof *p->articles)) ||
        (err = intern_body(p, body, size, &index)))
        return err;
    a = &p->articles[p->article_count];
    memset(a, 0, sizeof *a);
    a->key = tome__pack_strdup(key, key_size);
    a->key_size = (uint32_t)key_size;
    a->title = title_size ? tome__pack_strdup(title, title_size) : NULL;
    a->title_size = (uint32_t)title_size;
    a->source = tome__pack_strdup(source, strlen(source));
    a->body = index;
    p->article_count++; /* counted now so free() releases what was copied */
    if (!a->key || !a->source || (title_size && !a->title))
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    if (p->opt.progress && (p->article_count & 1023) == 0)
        p->opt.progress(p->opt.progress_user, "reading", p->article_count, 0);
    return TOME_PACK_OK;
}
