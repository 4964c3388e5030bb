/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_body.c - what adding an article does: checks, the body streamed
 * into the body store with exact dedup (same hash and size, then compared
 * byte for byte), the article recorded; and the packer's small helpers.
 * Apart from tome_pack_add() (pack.c), so the input readers' tests can
 * stand in for it.
 */
#include <stdlib.h>
#include <string.h>

#include "pack_internal.h"

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

/* A body is streamed into the body store (begin, append..., finish); when
 * the same bytes are stored already (equal hash and size, then compared
 * byte for byte), the new copy is dropped again. */
int tome__body_begin(tome_packer *p)
{
    if (!p->hasher && !(p->hasher = tome__pack_hasher_new()))
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    if (p->body_store.what == NULL)
        tome__spill_init(&p->body_store, "bodies", (size_t)(tome__memory_budget(p) / 4));
    tome__pack_hasher_reset(p->hasher);
    p->body_start = p->body_store.size;
    return TOME_PACK_OK;
}

int tome__body_append(tome_packer *p, const void *data, size_t n)
{
    tome__pack_hasher_update(p->hasher, data, n);
    return tome__spill_append(p, &p->body_store, data, n);
}

int tome__body_finish(tome_packer *p, uint32_t *index)
{
    uint64_t hash = tome__pack_hasher_digest(p->hasher);
    uint64_t size = p->body_store.size - p->body_start;
    size_t s;
    pack_body *b;
    int err;
    if ((p->body_count + 1) * 2 > p->slot_cap &&
        (err = rehash(p, p->slot_cap ? p->slot_cap * 2 : 1024)) != TOME_PACK_OK)
        return err;
    for (s = (size_t)hash & (p->slot_cap - 1); p->body_slots[s]; s = (s + 1) & (p->slot_cap - 1)) {
        const pack_body *c = &p->bodies[p->body_slots[s] - 1];
        int equal = 0;
        if (c->hash == hash && c->size == size &&
            (err = tome__spill_compare(p, &p->body_store, c->offset, p->body_start, size, &equal)))
            return err;
        if (c->hash == hash && c->size == size && equal) {
            *index = p->body_slots[s] - 1;
            return tome__spill_truncate(p, &p->body_store, p->body_start);
        }
    }
    if ((err = tome__pack_grow(p, (void **)&p->bodies, &p->body_cap, p->body_count + 1, sizeof *p->bodies)))
        return err;
    b = &p->bodies[p->body_count];
    memset(b, 0, sizeof *b);
    b->offset = p->body_start;
    b->size = (uint32_t)size;
    b->hash = hash;
    *index = (uint32_t)p->body_count;
    p->body_slots[s] = (uint32_t)p->body_count + 1;
    p->body_count++;
    return TOME_PACK_OK;
}

int tome__body_read(tome_packer *p, uint32_t body, uint64_t from, void *dst, size_t n)
{
    return tome__spill_read(p, &p->body_store, p->bodies[body].offset + from, dst, n);
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

int tome__pack_check_article(tome_packer *p, const char *key, size_t key_size, const char *title,
                             size_t title_size, const char *source)
{
    int err;
    if ((err = tome__pack_check_name(p, "key", key, key_size, 1, source)) ||
        (title && (err = tome__pack_check_name(p, "title", title, title_size, 0, source))))
        return err;
    return tome__pack_grow(p, (void **)&p->articles, &p->article_cap, p->article_count + 1,
                           sizeof *p->articles);
}

/* Room for n bytes in the string arena: chunks of ARENA_CHUNK bytes,
 * never moved, so what is placed there stays where it is. */
#define ARENA_CHUNK (1u << 20)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
} arena_chunk;

static char *arena_room(tome_packer *p, size_t n)
{
    arena_chunk *c = p->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
        arena_chunk *fresh = malloc(sizeof *fresh + cap);
        if (!fresh)
            return NULL;
        fresh->used = 0;
        fresh->cap = cap;
        if (c && n > ARENA_CHUNK / 4) { /* a big one: keep filling the current chunk */
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            p->arena = fresh;
        }
        c = fresh;
    }
    c->used += n;
    return c->data + c->used - n;
}

void tome__pack_arena_free(tome_packer *p)
{
    arena_chunk *c = p->arena;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    p->arena = NULL;
}

int tome__pack_add_article(tome_packer *p, const char *key, size_t key_size, const char *title,
                           size_t title_size, uint32_t body, const char *source)
{
    pack_article *a;
    size_t source_size = strlen(source);
    char *at;
    int err;
    if ((err = tome__pack_grow(p, (void **)&p->articles, &p->article_cap, p->article_count + 1,
                               sizeof *p->articles)))
        return err;
    /* key, title and source side by side, each with a NUL after it */
    at = arena_room(p, key_size + 1 + (title_size ? title_size + 1 : 0) + source_size + 1);
    if (!at)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    a = &p->articles[p->article_count];
    memset(a, 0, sizeof *a);
    a->key = at;
    memcpy(at, key, key_size);
    at[key_size] = '\0';
    at += key_size + 1;
    a->key_size = (uint32_t)key_size;
    if (title_size) {
        a->title = at;
        memcpy(at, title, title_size);
        at[title_size] = '\0';
        at += title_size + 1;
    }
    a->title_size = (uint32_t)title_size;
    a->source = at;
    memcpy(at, source, source_size + 1);
    a->body = body;
    p->article_count++;
    if (p->opt.progress && (p->article_count & 1023) == 0)
        p->opt.progress(p->opt.progress_user, "reading", p->article_count, 0);
    return TOME_PACK_OK;
}

