/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_jsonl.c - tome_pack_add_jsonl on arbitrary bytes.  A failure must
 * name the file and a line that exists; a success must have added exactly
 * one article per non-blank line, each with a valid key; and what was
 * added, packed and read back, must come back exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pack_internal.h"
#include "tome.h"

/* Lines and non-blank lines, as the JSON Lines reader splits them. */
static void count_lines(const uint8_t *data, size_t size, unsigned long *lines,
                        unsigned long *nonblank)
{
    size_t start = 0, i;
    *lines = 0;
    *nonblank = 0;
    while (start < size) {
        size_t end = start, len;
        int blank = 1;
        while (end < size && data[end] != '\n')
            end++;
        len = end - start;
        if (len > 0 && data[start + len - 1] == '\r')
            len--;
        if (*lines == 0 && len >= 3 && !memcmp(data + start, "\xEF\xBB\xBF", 3)) {
            start += 3;
            len -= 3;
        }
        for (i = 0; i < len; i++)
            if (!strchr(" \t\r\n", data[start + i]) || data[start + i] == '\0')
                blank = 0;
        ++*lines;
        *nonblank += !blank;
        start = end + 1;
    }
}

/* The articles the parser produced, packed small and fast, then read back
 * by key through the reader. */
static void round_trip(tome_packer *p, const char *dir)
{
    char path[4200];
    size_t i, n = p->article_count;
    int err;
    char **keys = malloc(n * sizeof *keys);
    uint8_t **bodies = malloc(n * sizeof *bodies);
    uint32_t *sizes = malloc(n * sizeof *sizes);
    for (i = 0; i < n; i++) {
        const pack_body *b = &p->bodies[p->articles[i].body];
        keys[i] = strdup(p->articles[i].key);
        sizes[i] = b->size;
        bodies[i] = malloc(b->size ? b->size : 1);
        /* bodies live in the packer's body store (memory or a temporary file) */
        FUZZ_CHECK(tome__body_read(p, p->articles[i].body, 0, bodies[i], b->size) == TOME_PACK_OK);
    }
    snprintf(path, sizeof path, "%s/out.tome", dir);
    err = tome_pack_write(p, path, NULL);
    FUZZ_CHECK(err == TOME_PACK_OK || err == TOME_PACK_ERR_DUPLICATE);
    if (err == TOME_PACK_OK) {
        FILE *f = fopen(path, "rb");
        long size;
        uint8_t *archive, *buf;
        tome_config c;
        tome_reader *r = NULL;
        size_t need = 0, got;
        void *ws;
        FUZZ_CHECK(f != NULL);
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        rewind(f);
        archive = malloc((size_t)size);
        FUZZ_CHECK(fread(archive, 1, (size_t)size, f) == (size_t)size);
        fclose(f);
        memset(&c, 0, sizeof c);
        c.data = archive;
        c.size = (uint64_t)size;
        FUZZ_CHECK(tome_workspace_size(&c, &need) == TOME_OK);
        ws = malloc(need);
        c.workspace = ws;
        c.workspace_size = need;
        FUZZ_CHECK(tome_open(&r, &c) == TOME_OK);
        FUZZ_CHECK(tome_count(r) == n);
        for (i = 0; i < n; i++) {
            uint32_t id;
            buf = malloc(sizes[i] ? sizes[i] : 1);
            FUZZ_CHECK(tome_find(r, keys[i], strlen(keys[i]), &id) == TOME_OK);
            FUZZ_CHECK(tome_fetch(r, id, buf, sizes[i], &got) == TOME_OK && got == sizes[i] &&
                       memcmp(buf, bodies[i], sizes[i]) == 0);
            free(buf);
        }
        FUZZ_CHECK(tome_verify(r, NULL, NULL, NULL) == TOME_OK);
        free(ws);
        free(archive);
        remove(path);
    }
    for (i = 0; i < n; i++) {
        free(keys[i]);
        free(bodies[i]);
    }
    free(keys);
    free(bodies);
    free(sizes);
}

FUZZ_TARGET(jsonl)
{
    char path[4200], prefix[4300];
    unsigned long lines, nonblank, line;
    tome_pack_options o;
    tome_packer *p;
    FILE *f;
    size_t i;
    int err;
    snprintf(path, sizeof path, "%s/input.jsonl", fuzz_temp_dir());
    f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL && fwrite(data, 1, size, f) == size);
    fclose(f);
    tome_pack_options_default(&o);
    o.level = 1;
    o.dict = TOME_DICT_OFF;
    o.threads = 1;
    p = tome_packer_new(&o);
    err = tome_pack_add_jsonl(p, path);
    count_lines(data, size, &lines, &nonblank);
    FUZZ_CHECK(err == TOME_PACK_OK || err == TOME_PACK_ERR_INPUT || err == TOME_PACK_ERR_LIMIT);
    if (err != TOME_PACK_OK) {
        /* "PATH:LINE: reason", LINE a line of the file */
        snprintf(prefix, sizeof prefix, "%s:", path);
        FUZZ_CHECK(strncmp(tome_packer_message(p), prefix, strlen(prefix)) == 0);
        line = strtoul(tome_packer_message(p) + strlen(prefix), NULL, 10);
        FUZZ_CHECK(line >= 1 && line <= lines);
    } else {
        FUZZ_CHECK(p->article_count == nonblank);
        for (i = 0; i < p->article_count; i++) {
            const pack_article *a = &p->articles[i];
            FUZZ_CHECK(a->key_size >= 1 && a->key_size <= TOME_PACK_NAME_LIMIT);
            FUZZ_CHECK(tome__utf8_valid(a->key, a->key_size));
            FUZZ_CHECK(memchr(a->key, '\0', a->key_size) == NULL);
            FUZZ_CHECK(!a->title || tome__utf8_valid(a->title, a->title_size));
        }
        if (size <= 4096 && p->article_count > 0)
            round_trip(p, fuzz_temp_dir());
    }
    tome_packer_free(p);
    remove(path);
    return 0;
}
