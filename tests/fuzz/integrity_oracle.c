/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * integrity_oracle.c - a damaged archive's answers against the intact
 * archive's: an error or exactly the intact answer, call by call.
 */
#include "integrity_oracle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for any key, alias, title, metadata name or value (65535 bytes at
 * most, docs/FORMAT.md) and its terminator. */
#define TEXT_CAP (65535u + 1u)
/* IDs compared past the intact count, when a mutated count is larger. */
#define EXTRA_IDS 8u
/* Absent keys looked up: every ABSENT_STRIDE-th key with a suffix. */
#define ABSENT_STRIDE 17u

static char *copy_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    memcpy(c, s, n);
    return c;
}

int oracle_expect_take(oracle_expect *e, tome_reader *r, const oracle_query *queries,
                       size_t query_count)
{
    tome_archive_info info;
    char *text = malloc(TEXT_CAP), *value = malloc(TEXT_CAP);
    uint32_t id, n, cursor = 0;
    size_t q, got;
    int err = TOME_OK;
    memset(e, 0, sizeof *e);
    tome_info(r, &info);
    e->count = tome_count(r);
    e->body_cap = (size_t)info.article_size_max + 1u;
    e->stat = calloc(e->count + 1u, sizeof *e->stat);
    e->key = calloc(e->count + 1u, sizeof *e->key);
    e->title = calloc(e->count + 1u, sizeof *e->title);
    e->alias = calloc(e->count + 1u, sizeof *e->alias);
    e->body = calloc(e->count + 1u, sizeof *e->body);
    e->order = calloc(e->count + 1u, sizeof *e->order);
    for (id = 0; id < e->count && err == TOME_OK; id++) {
        tome_article *a = &e->stat[id];
        if ((err = tome_stat(r, id, a)) != TOME_OK)
            break;
        if ((err = tome_key(r, id, text, TEXT_CAP)) != TOME_OK)
            break;
        e->key[id] = copy_text(text);
        if ((err = tome_title(r, id, text, TEXT_CAP)) != TOME_OK)
            break;
        e->title[id] = copy_text(text);
        e->alias[id] = calloc(a->alias_count + 1u, sizeof *e->alias[id]);
        for (n = 0; n < a->alias_count && err == TOME_OK; n++)
            if ((err = tome_alias(r, id, n, text, TEXT_CAP)) == TOME_OK)
                e->alias[id][n] = copy_text(text);
        e->body[id] = malloc(a->size + 1u);
        if (err == TOME_OK)
            err = tome_fetch(r, id, e->body[id], a->size, &got);
    }
    for (n = 0; n < e->count && err == TOME_OK; n++)
        err = tome_next(r, &cursor, &e->order[n]);
    if (err == TOME_OK && tome_next(r, &cursor, &id) != TOME_DONE)
        err = TOME_ERR_CORRUPT;
    e->meta_count = info.meta_count;
    e->meta_name = calloc(e->meta_count + 1u, sizeof *e->meta_name);
    e->meta_value = calloc(e->meta_count + 1u, sizeof *e->meta_value);
    for (n = 0; n < e->meta_count && err == TOME_OK; n++) {
        if ((err = tome_meta_at(r, n, text, TEXT_CAP, value, TEXT_CAP)) == TOME_OK) {
            e->meta_name[n] = copy_text(text);
            e->meta_value[n] = copy_text(value);
        }
    }
    e->search = calloc(query_count + 1u, sizeof *e->search);
    e->search_count = query_count;
    for (q = 0; q < query_count && err == TOME_OK; q++) {
        oracle_search *s = &e->search[q];
        tome_search cur;
        tome_match m;
        uint32_t cap = 16;
        int code;
        s->query = queries[q];
        s->matches = malloc(cap * sizeof *s->matches);
        s->start_code = tome_search_start(r, &cur, s->query.text, strlen(s->query.text),
                                          s->query.flags);
        if (s->start_code != TOME_OK)
            continue;
        while ((code = tome_search_next(r, &cur, &m)) == TOME_OK) {
            if (s->match_count == cap)
                s->matches = realloc(s->matches, (cap *= 2) * sizeof *s->matches);
            s->matches[s->match_count++] = m;
        }
        if (code != TOME_DONE)
            err = code;
    }
    free(text);
    free(value);
    return err;
}

void oracle_expect_free(oracle_expect *e)
{
    uint32_t id, n;
    size_t q;
    for (id = 0; id < e->count; id++) {
        free(e->key[id]);
        free(e->title[id]);
        if (e->alias[id])
            for (n = 0; n < e->stat[id].alias_count; n++)
                free(e->alias[id][n]);
        free(e->alias[id]);
        free(e->body[id]);
    }
    for (n = 0; n < e->meta_count; n++) {
        free(e->meta_name[n]);
        free(e->meta_value[n]);
    }
    for (q = 0; q < e->search_count; q++)
        free(e->search[q].matches);
    free(e->stat);
    free(e->key);
    free(e->title);
    free(e->alias);
    free(e->body);
    free(e->order);
    free(e->meta_name);
    free(e->meta_value);
    free(e->search);
    memset(e, 0, sizeof *e);
}

/* ---- comparing ----------------------------------------------------------- */

/* One call's outcome: an error, or success with the intact answer
 * (`same`), or success with another (WRONG, described). */
static void judge(oracle_verdict *v, int code, int same, const char *fmt, ...)
{
    v->calls++;
    if (code != TOME_OK) {
        v->errors++;
        return;
    }
    if (same)
        return;
    if (v->wrong++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->first_wrong, sizeof v->first_wrong, fmt, ap);
        va_end(ap);
    }
}

/* A call the intact archive refuses: any error is its answer, and a
 * success is WRONG. */
static void judge_refusal(oracle_verdict *v, int code, const char *fmt, ...)
{
    v->calls++;
    if (code != TOME_OK && code != TOME_DONE)
        return;
    if (v->wrong++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->first_wrong, sizeof v->first_wrong, fmt, ap);
        va_end(ap);
    }
}

/* An error where the intact archive has the answer: NOT_FOUND counted apart. */
static void judge_found(oracle_verdict *v, int code, int same, const char *fmt, const char *what)
{
    if (code == TOME_ERR_NOT_FOUND && v->not_found++ == 0)
        snprintf(v->first_not_found, sizeof v->first_not_found, fmt, what);
    judge(v, code, same, fmt, what);
}

static void compare_article(tome_reader *m, const oracle_expect *e, uint32_t id, int trusted,
                            char *text, uint8_t *body, oracle_verdict *v)
{
    const tome_article *want = id < e->count ? &e->stat[id] : NULL;
    tome_article a;
    size_t got = 0;
    uint32_t n;
    int code;
    code = tome_stat(m, id, &a);
    judge(v, code, want && memcmp(&a, want, sizeof a) == 0, "tome_stat of ID %u", id);
    code = tome_key(m, id, text, TEXT_CAP);
    judge(v, code, want && strcmp(text, e->key[id]) == 0, "tome_key of ID %u", id);
    code = tome_title(m, id, text, TEXT_CAP);
    judge(v, code, want && strcmp(text, e->title[id]) == 0, "tome_title of ID %u", id);
    for (n = 0; want && n < want->alias_count; n++) {
        code = tome_alias(m, id, n, text, TEXT_CAP);
        judge(v, code, strcmp(text, e->alias[id][n]) == 0, "tome_alias %u of ID %u", n, id);
    }
    code = tome_alias(m, id, want ? want->alias_count : 0, text, TEXT_CAP);
    judge_refusal(v, code, "tome_alias past the aliases of ID %u", id);
    code = tome_fetch(m, id, body, e->body_cap - 1u, &got);
    judge(v, code,
          want && got == want->size && (trusted || memcmp(body, e->body[id], got) == 0),
          "tome_fetch of ID %u", id);
    if (want && want->size >= 3) { /* the middle third, as a streaming reader reads it */
        uint32_t at = want->size / 3, len = want->size / 3;
        code = tome_read(m, id, at, body, len);
        judge(v, code, trusted || memcmp(body, e->body[id] + at, len) == 0,
              "tome_read of ID %u", id);
    }
}

static void compare_finds(tome_reader *m, const oracle_expect *e, char *text, oracle_verdict *v)
{
    uint32_t id, n, found;
    int code;
    for (id = 0; id < e->count; id++) {
        const char *key = e->key[id];
        found = ~0u;
        code = tome_find(m, key, strlen(key), &found);
        judge_found(v, code, found == id, "tome_find of \"%s\"", key);
        for (n = 0; n < e->stat[id].alias_count; n++) {
            key = e->alias[id][n];
            found = ~0u;
            code = tome_find(m, key, strlen(key), &found);
            judge_found(v, code, found == id, "tome_find of alias \"%s\"", key);
        }
        if (id % ABSENT_STRIDE == 0) { /* a key no article has */
            snprintf(text, TEXT_CAP, "%s\x7f", e->key[id]);
            code = tome_find(m, text, strlen(text), &found);
            judge_refusal(v, code, "tome_find of the absent key \"%s\" found ID %u", text, found);
        }
    }
}

/* The walk: the intact order, then TOME_DONE; or an error. */
static void compare_walk(tome_reader *m, const oracle_expect *e, oracle_verdict *v)
{
    uint32_t cursor = 0, id = 0, n;
    int code;
    for (n = 0; n <= e->count + EXTRA_IDS; n++) {
        code = tome_next(m, &cursor, &id);
        if (code == TOME_DONE) {
            judge(v, TOME_OK, n == e->count, "tome_next: TOME_DONE after %u of %u IDs", n,
                  e->count);
            return;
        }
        judge(v, code, n < e->count && id == e->order[n],
              "tome_next: step %u gave ID %u (intact: %s)", n, id,
              n < e->count ? "another ID" : "TOME_DONE");
        if (code != TOME_OK || n >= e->count || id != e->order[n])
            return;
    }
}

static void compare_searches(tome_reader *m, const oracle_expect *e, oracle_verdict *v)
{
    size_t q;
    for (q = 0; q < e->search_count; q++) {
        const oracle_search *s = &e->search[q];
        tome_search cur;
        tome_match got;
        uint32_t n;
        int code = tome_search_start(m, &cur, s->query.text, strlen(s->query.text),
                                     s->query.flags);
        if (s->start_code != TOME_OK) { /* the intact archive refused it too */
            judge_refusal(v, code, "tome_search_start of \"%s\" succeeded", s->query.text);
            continue;
        }
        judge_found(v, code, 1, "tome_search_start of \"%s\"", s->query.text);
        for (n = 0; code == TOME_OK && n <= s->match_count; n++) {
            code = tome_search_next(m, &cur, &got);
            if (code == TOME_DONE) {
                judge(v, TOME_OK, n == s->match_count,
                      "search \"%s\" (flags %u): TOME_DONE after %u of %u matches",
                      s->query.text, s->query.flags, n, s->match_count);
                break;
            }
            judge(v, code,
                  n < s->match_count && got.id == s->matches[n].id &&
                      got.source == s->matches[n].source,
                  "search \"%s\" (flags %u): match %u is ID %u source %u", s->query.text,
                  s->query.flags, n, got.id, got.source);
        }
    }
}

static void compare_meta(tome_reader *m, const oracle_expect *e, char *name, char *value,
                         oracle_verdict *v)
{
    uint32_t n;
    size_t size = 0;
    int code;
    for (n = 0; n <= e->meta_count; n++) {
        int real = n < e->meta_count;
        code = tome_meta_at(m, n, name, TEXT_CAP, value, TEXT_CAP);
        if (!real) {
            judge_refusal(v, code, "tome_meta_at %u, past the pairs", n);
            break;
        }
        judge(v, code,
              strcmp(name, e->meta_name[n]) == 0 && strcmp(value, e->meta_value[n]) == 0,
              "tome_meta_at %u", n);
        code = tome_meta_get(m, e->meta_name[n], strlen(e->meta_name[n]), value, TEXT_CAP, &size);
        judge_found(v, code, strcmp(value, e->meta_value[n]) == 0, "tome_meta_get of \"%s\"",
                    e->meta_name[n]);
    }
}

void oracle_compare(tome_reader *m, const oracle_expect *e, int trusted, oracle_verdict *v)
{
    char *text = malloc(TEXT_CAP), *value = malloc(TEXT_CAP);
    uint8_t *body = malloc(e->body_cap);
    uint32_t count = tome_count(m), id, ids = e->count;
    memset(v, 0, sizeof *v);
    /* IDs a mutated count adds are compared too: none may succeed */
    if (count > ids)
        ids = count - ids > EXTRA_IDS ? e->count + EXTRA_IDS : count;
    for (id = 0; id < ids; id++)
        compare_article(m, e, id, trusted, text, body, v);
    compare_finds(m, e, text, v);
    compare_walk(m, e, v);
    compare_searches(m, e, v);
    compare_meta(m, e, text, value, v);
    free(text);
    free(value);
    free(body);
}
