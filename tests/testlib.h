/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testlib.h - helpers shared by the test programs: deterministic corpora,
 * packing into memory, opening in either I/O mode.
 */
#ifndef TOME_TESTLIB_H
#define TOME_TESTLIB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tome.h"
#include "tome_pack.h"

typedef struct article {
    char *key;
    char *title; /* NULL = none */
    uint8_t *body;
    size_t size;
} article;

typedef struct corpus {
    article *a;
    size_t n, cap;
} corpus;

static inline void corpus_add(corpus *c, const char *key, const char *title, const void *body,
                       size_t size)
{
    article *a;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->a = realloc(c->a, c->cap * sizeof *c->a);
    }
    a = &c->a[c->n++];
    a->key = strdup(key);
    a->title = title ? strdup(title) : NULL;
    a->body = malloc(size ? size : 1);
    if (size)
        memcpy(a->body, body, size);
    a->size = size;
}

static inline void corpus_free(corpus *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->a[i].key);
        free(c->a[i].title);
        free(c->a[i].body);
    }
    free(c->a);
    memset(c, 0, sizeof *c);
}

/* Deterministic text: words from a small vocabulary, so it compresses like
 * prose and similar articles share phrases. */
static inline uint32_t test_rng(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static inline size_t make_text(uint8_t *dst, size_t size, uint32_t seed)
{
    static const char *words[] = {"the",     "archive", "block",  "zstd",  "reader",
                                  "device",  "flash",   "memory", "corpus", "article",
                                  "checksum", "Zürich", "über",   "and",   "of",
                                  "news",    "report",  "said",   "on",    "today"};
    size_t at = 0;
    while (at < size) {
        const char *w = words[test_rng(&seed) % (sizeof words / sizeof words[0])];
        size_t n = strlen(w);
        if (n > size - at)
            n = size - at;
        memcpy(dst + at, w, n);
        at += n;
        if (at < size)
            dst[at++] = (test_rng(&seed) % 13 == 0) ? '\n' : ' ';
    }
    return size;
}

static char test_dir[512];

static const char *temp_path(const char *name)
{
    static char path[1024];
    if (!test_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(test_dir, sizeof test_dir, "%s/tome-test-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(test_dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    return path;
}

static inline void temp_cleanup(void)
{
    char cmd[600];
    if (test_dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", test_dir);
    }
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = malloc(n > 0 ? (size_t)n : 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static inline tome_pack_options test_options(int level, tome_dict_mode dict, uint32_t block_size)
{
    tome_pack_options o;
    tome_pack_options_default(&o);
    o.level = level;
    o.dict = dict;
    o.block_size = block_size;
    return o;
}

/* Pack `c` (articles added from index `first`, wrapping, so tests can vary
 * the order) and return the archive bytes; NULL on failure. */
static uint8_t *pack_corpus(const corpus *c, const tome_pack_options *o, size_t first,
                            size_t *size, tome_pack_stats *stats)
{
    tome_packer *p = tome_packer_new(o);
    const char *path = temp_path("pack.tome");
    uint8_t *bytes = NULL;
    size_t i;
    int err = TOME_PACK_OK;
    for (i = 0; i < c->n && err == TOME_PACK_OK; i++) {
        const article *a = &c->a[(first + i) % c->n];
        err = tome_pack_add(p, a->key, strlen(a->key), a->title, a->title ? strlen(a->title) : 0,
                            a->body, a->size, a->key);
    }
    if (err == TOME_PACK_OK)
        err = tome_pack_write(p, path, stats);
    if (err == TOME_PACK_OK)
        bytes = read_file(path, size);
    else
        fprintf(stderr, "pack failed: %s\n", tome_packer_message(p));
    tome_packer_free(p);
    unlink(path);
    return bytes;
}

/* Read callback over a memory image, with a way to make it fail. */
typedef struct image {
    const uint8_t *bytes;
    size_t size;
    long fail_after; /* calls until failure; -1 = never */
    unsigned long calls;
} image;

static inline int image_read(void *user, uint64_t offset, void *dst, size_t len)
{
    image *im = user;
    im->calls++;
    if (im->fail_after == 0)
        return -1;
    if (im->fail_after > 0)
        im->fail_after--;
    if (offset > im->size || len > im->size - offset) {
        fprintf(stderr, "read callback asked for [%llu, +%zu) of %zu bytes\n",
                (unsigned long long)offset, len, im->size);
        abort(); /* the reader promised never to do this */
    }
    memcpy(dst, im->bytes + offset, len);
    return 0;
}

/* An opened reader and what it owns. */
typedef struct opened {
    tome_reader *r;
    void *ws;
    image im;
    int err;
} opened;

static inline void open_archive(opened *o, const uint8_t *bytes, size_t size, int callback,
                         uint32_t flags)
{
    tome_config c;
    size_t need = 0;
    memset(o, 0, sizeof *o);
    memset(&c, 0, sizeof c);
    o->im.bytes = bytes;
    o->im.size = size;
    o->im.fail_after = -1;
    if (callback) {
        c.read = image_read;
        c.user = &o->im;
    } else {
        c.data = bytes;
    }
    c.size = size;
    c.flags = flags;
    o->err = tome_workspace_size(&c, &need);
    if (o->err != TOME_OK)
        return;
    o->ws = malloc(need);
    c.workspace = o->ws;
    c.workspace_size = need;
    o->err = tome_open(&o->r, &c);
}

static inline void close_archive(opened *o)
{
    free(o->ws);
    memset(o, 0, sizeof *o);
}

/* Every article of `c` comes back exact by ID (through find) and by
 * iteration; returns the number of mismatches. */
static inline int check_contents(tome_reader *r, const corpus *c)
{
    size_t i, cap = 0;
    int bad = 0;
    uint8_t *buf;
    uint32_t cursor = 0, id, visited = 0;
    char key[70000];
    for (i = 0; i < c->n; i++)
        if (c->a[i].size > cap)
            cap = c->a[i].size;
    buf = malloc(cap + 1);
    if (tome_count(r) != c->n)
        bad++;
    for (i = 0; i < c->n; i++) {
        const article *a = &c->a[i];
        size_t size = 0;
        if (tome_find(r, a->key, strlen(a->key), &id) != TOME_OK ||
            tome_fetch(r, id, buf, cap + 1, &size) != TOME_OK || size != a->size ||
            memcmp(buf, a->body, size) != 0 || tome_key(r, id, key, sizeof key) != TOME_OK ||
            strcmp(key, a->key) != 0 || tome_title(r, id, key, sizeof key) != TOME_OK ||
            strcmp(key, a->title ? a->title : "") != 0)
            bad++;
    }
    /* storage order with a key lookup between fetches: the key block and
     * the body block take turns with the one zstd context */
    while (tome_next(r, &cursor, &id) == TOME_OK) {
        size_t size, j;
        visited++;
        if (tome_key(r, id, key, sizeof key) != TOME_OK ||
            tome_fetch(r, id, buf, cap + 1, &size) != TOME_OK) {
            bad++;
            continue;
        }
        for (j = 0; j < c->n && strcmp(c->a[j].key, key) != 0; j++)
            ;
        if (j == c->n || size != c->a[j].size || memcmp(buf, c->a[j].body, size) != 0)
            bad++;
    }
    if (visited != c->n)
        bad++;
    free(buf);
    return bad;
}

#endif
