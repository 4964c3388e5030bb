/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_corpora.c - the base archives, packed with the real packer.
 */
#include "fuzz_corpora.h"

#include "../testlib.h"

static const char *const names[BASE_COUNT] = {"small", "dictionary", "spanning", "empty", "names"};

const char *base_name(int which)
{
    return which >= 0 && which < BASE_COUNT ? names[which] : "?";
}

/* Prose-like bodies sharing phrases, so a dictionary pays. */
static void add_similar(corpus *c, size_t n, uint32_t seed)
{
    uint8_t body[700];
    char key[32];
    size_t i;
    for (i = 0; i < n; i++) {
        size_t size = 200 + test_rng(&seed) % 400;
        snprintf(key, sizeof key, "news/%03zu", i);
        memcpy(body, "From: desk@example.org\nSubject: report\n\n", 40);
        make_text(body + 40, size - 40, (uint32_t)(i % 7) * 2654435761u + seed);
        corpus_add(c, key, NULL, body, size);
    }
}

static void build(int which, corpus *c, tome_pack_options *o)
{
    static uint8_t text[3000];
    size_t i;
    char key[64];
    make_text(text, sizeof text, 99);
    switch (which) {
    case BASE_SMALL:
        *o = test_options(3, TOME_DICT_OFF, 64 * 1024);
        corpus_add(c, "alpha", "First", "hello, world\n", 13);
        corpus_add(c, "beta", NULL, "hello, world\n", 13);
        corpus_add(c, "delta", NULL, "", 0);
        corpus_add(c, "gamma", NULL, "the third article, with more words in it\n", 41);
        break;
    case BASE_DICTIONARY:
        *o = test_options(3, TOME_DICT_ON, 1024);
        o->dict_size = 1024;
        add_similar(c, 60, 5);
        break;
    case BASE_SPANNING:
        *o = test_options(3, TOME_DICT_OFF, 256);
        corpus_add(c, "long", "A long one", text, sizeof text);
        corpus_add(c, "short", NULL, text + 7, 90);
        corpus_add(c, "twin", NULL, text + 7, 90);
        corpus_add(c, "x", NULL, "x", 1);
        break;
    case BASE_EMPTY:
        *o = test_options(3, TOME_DICT_OFF, 1024);
        corpus_add(c, "a", NULL, "", 0);
        corpus_add(c, "b", "Bee", "", 0);
        corpus_add(c, "c", NULL, "", 0);
        break;
    default:
        *o = test_options(3, TOME_DICT_OFF, 128);
        for (i = 0; i < 30; i++) {
            snprintf(key, sizeof key, "Zürich/straße-%02zu ✓", i);
            corpus_add(c, key, i % 3 ? "Titel – ü" : NULL, text + i * 11, 5 + i * 3);
        }
        break;
    }
    o->threads = 1;
    o->check = 1;
}

const uint8_t *base_archive(int which, size_t *size)
{
    static uint8_t *bytes[BASE_COUNT];
    static size_t sizes[BASE_COUNT];
    if (which < 0 || which >= BASE_COUNT)
        return NULL;
    if (!bytes[which]) {
        corpus c = {0};
        tome_pack_options o;
        build(which, &c, &o);
        bytes[which] = pack_corpus(&c, &o, 0, &sizes[which], NULL);
        corpus_free(&c);
        /* leave no temporary directory behind, and make a new one next time */
        temp_cleanup();
        test_dir[0] = '\0';
    }
    *size = sizes[which];
    return bytes[which];
}
