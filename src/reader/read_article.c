/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_article.c - the per-article calls: stat, key, title, alias, fetch,
 * read and find.  A name entry gives the location; the body block's head
 * binds it to the ID before any byte is returned.
 */
#include <stdint.h>
#include <string.h>

#include "read_internal.h"
#include "utf8.h"

/* Article `id`'s name entry, its key assembled into buf (clipped to cap). */
static int name_entry(tome_reader *r, uint32_t id, uint8_t *buf, size_t cap, tome_entry *e)
{
    tome_tree t;
    if (id >= r->h.article_count)
        return TOME_ERR_RANGE;
    tome__tree_of(r, TOME_KIND_NAME, &t);
    return tome__leaf_entry(r, &t, id, buf, cap, e);
}

/* Alias number n of article id: its key into buf (clipped), *size. */
static int alias_text(tome_reader *r, uint32_t id, uint32_t n, uint8_t *buf, size_t cap,
                      size_t *size)
{
    tome_entry e;
    tome_tree t;
    uint32_t ordinal;
    int err;
    if ((err = name_entry(r, id, NULL, 0, &e)) != TOME_OK ||
        (err = tome__alias_ordinal(r, &e, n, &ordinal)) != TOME_OK)
        return err;
    tome__tree_of(r, TOME_KIND_ALIAS, &t);
    if ((err = tome__leaf_entry(r, &t, ordinal, buf, cap, &e)) != TOME_OK)
        return err;
    /* the direction used: the alias names this article back */
    if (e.id != id)
        return TOME_ERR_CORRUPT;
    *size = e.size;
    return TOME_OK;
}

int tome__text(tome_reader *r, uint32_t id, uint32_t source, uint8_t *buf, size_t cap,
               size_t *size)
{
    tome_entry e;
    int err;
    if (source >= TOME_SOURCE_ALIAS)
        return alias_text(r, id, source - TOME_SOURCE_ALIAS, buf, cap, size);
    if ((err = name_entry(r, id, buf, source == TOME_SOURCE_KEY ? cap : 0, &e)) != TOME_OK)
        return err;
    if (source == TOME_SOURCE_KEY) {
        *size = e.size;
    } else {
        *size = e.value_size;
        if (e.value_size)
            memcpy(buf, e.value, e.value_size < cap ? e.value_size : cap);
    }
    return TOME_OK;
}

int tome_stat(tome_reader *r, uint32_t id, tome_article *a)
{
    tome_entry e;
    tome_body body;
    int err;
    if (!r || !a)
        return TOME_ERR_ARGUMENT;
    if ((err = name_entry(r, id, NULL, 0, &e)) != TOME_OK ||
        (err = tome__body_of(r, e.block, e.body, id, &body)) != TOME_OK)
        return err;
    a->size = (uint32_t)body.size; /* a varint */
    a->key_size = e.size;
    a->title_size = e.value_size;
    a->alias_count = e.alias_count;
    a->block = e.block;
    a->body = e.body;
    return TOME_OK;
}

/* Text `source` of article id into buf, NUL-terminated. */
static int copy_text(tome_reader *r, uint32_t id, uint32_t source, char *buf, size_t cap)
{
    size_t size;
    int err;
    if (!r || !buf)
        return TOME_ERR_ARGUMENT;
    if ((err = tome__text(r, id, source, (uint8_t *)buf, cap, &size)) != TOME_OK)
        return err;
    if (cap <= size)
        return TOME_ERR_BUFFER;
    /* a text breaking the format's rule (strict UTF-8, no NUL) is not the
     * archive's answer: with a NUL, a C string would say another key */
    if (!tome__key_valid((const uint8_t *)buf, size))
        return TOME_ERR_KEYS;
    buf[size] = '\0';
    return TOME_OK;
}

int tome_key(tome_reader *r, uint32_t id, char *buf, size_t cap)
{
    return copy_text(r, id, TOME_SOURCE_KEY, buf, cap);
}

int tome_title(tome_reader *r, uint32_t id, char *buf, size_t cap)
{
    return copy_text(r, id, TOME_SOURCE_TITLE, buf, cap);
}

int tome_alias(tome_reader *r, uint32_t id, uint32_t n, char *buf, size_t cap)
{
    if (n > 0xFFFFFFFFu - TOME_SOURCE_ALIAS)
        return TOME_ERR_RANGE;
    return copy_text(r, id, TOME_SOURCE_ALIAS + n, buf, cap);
}

/* The body of article id, bound to it by its block's head. */
static int body_of_id(tome_reader *r, uint32_t id, tome_body *body)
{
    tome_entry e;
    int err;
    if ((err = name_entry(r, id, NULL, 0, &e)) != TOME_OK)
        return err;
    return tome__body_of(r, e.block, e.body, id, body);
}

int tome_fetch(tome_reader *r, uint32_t id, void *dst, size_t cap, size_t *size)
{
    tome_body body;
    int err;
    if (!r || !size || (!dst && cap))
        return TOME_ERR_ARGUMENT;
    if ((err = body_of_id(r, id, &body)) != TOME_OK)
        return err;
#if SIZE_MAX < 0xFFFFFFFFu
    /* 16-bit size_t: an article this long fits no buffer; say so without
     * truncating the size reported (tome_stat() has the exact one). */
    if (body.size > SIZE_MAX) {
        *size = SIZE_MAX;
        return TOME_ERR_BUFFER;
    }
#endif
    *size = (size_t)body.size; /* fits: checked above where size_t is narrower */
    if (cap < *size)
        return TOME_ERR_BUFFER;
    return tome__body_copy(r, &body, 0, body.size, (uint8_t *)dst);
}

int tome_read(tome_reader *r, uint32_t id, uint64_t offset, void *dst, size_t len)
{
    tome_body body;
    int err;
    if (!r || (!dst && len))
        return TOME_ERR_ARGUMENT;
    if ((err = body_of_id(r, id, &body)) != TOME_OK)
        return err;
    if (offset > body.size || len > body.size - offset)
        return TOME_ERR_RANGE;
    return tome__body_copy(r, &body, offset, len, (uint8_t *)dst);
}

int tome__find_in(tome_reader *r, unsigned kind, const uint8_t *q, size_t q_size,
                   tome_entry *e, uint32_t *ordinal)
{
    tome_tree t;
    tome_frame f;
    tome_compare cmp = {0, 0};
    uint32_t i, prev = 0, block = 0;
    int err;
    tome__tree_of(r, kind, &t);
    if ((err = tome__descend(r, &t, q, q_size, 0, &f)) != TOME_OK)
        return err;
    for (i = 0; i < f.count; i++) {
        if ((err = tome__entry_next(r, &t, 0, &f.at, f.end, prev, &block, e)) != TOME_OK)
            return err;
        prev = e->size;
        tome__compare_step(&cmp, q, q_size, e);
        if (cmp.order == 0) {
            *ordinal = f.first + i;
            return TOME_OK;
        }
        if (cmp.order > 0)
            break;
    }
    return TOME_ERR_NOT_FOUND;
}

int tome_find(tome_reader *r, const char *key, size_t key_size, uint32_t *id)
{
    tome_entry e;
    uint32_t ordinal;
    int err;
    if (!r || !id || (!key && key_size))
        return TOME_ERR_ARGUMENT;
    /* no shortcut on key_size_max: a header lowered by damage would make
     * every key "not found", a wrong answer; an entry over the limit is
     * refused by its parse instead */
    err = tome__find_in(r, TOME_KIND_NAME, (const uint8_t *)key, key_size, &e, &ordinal);
    if (err == TOME_OK) {
        *id = ordinal;
        return TOME_OK;
    }
    if (err != TOME_ERR_NOT_FOUND)
        return err;
    if ((err = tome__find_in(r, TOME_KIND_ALIAS, (const uint8_t *)key, key_size, &e, &ordinal)) !=
        TOME_OK)
        return err;
    *id = e.id; /* below article_count, checked by the entry's parse */
    return TOME_OK;
}
