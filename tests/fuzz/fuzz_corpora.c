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

static const char *const set_names[SET_COUNT] = {"plain", "dictionary"};

const char *set_name(int which)
{
    return which >= 0 && which < SET_COUNT ? set_names[which] : "?";
}

/* Volumes of the smallest size the packer allows, so that three of them
 * and the index fit one fuzz input. */
#define SET_VOLUME_SIZE 4096u

uint8_t *set_container(int which, unsigned head, unsigned volumes, size_t *size,
                       unsigned *total_volumes)
{
    static uint8_t body[900];
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 1024);
    tome_pack_set_stats st;
    tome_packer *p;
    uint8_t *out = NULL;
    size_t at = 1, n, i;
    uint32_t seed = 17;
    uint64_t volume_size = SET_VOLUME_SIZE;
    char path[1100], key[64], title[64];
    unsigned v;
    int err = TOME_PACK_OK;
    *total_volumes = 0;
    if (which == SET_DICTIONARY) {
        /* a dictionary needs volumes of 16 KiB (a sixteenth of them, at
         * least 1 KiB); bodies alike, so three volumes stay small */
        o.dict = TOME_DICT_ON;
        volume_size = 16384u;
    }
    o.threads = 1;
    o.check = 1;
    p = tome_packer_new(&o);
    n = which == SET_DICTIONARY ? 240 : 40;
    for (i = 0; i < n && !err; i++) {
        size_t len = 200 + test_rng(&seed) % 500;
        snprintf(key, sizeof key, "set/%03u%s", (unsigned)i, i % 4 ? "" : "/Zürich");
        snprintf(title, sizeof title, "Title %u", (unsigned)i);
        if (which == SET_DICTIONARY)
            make_text(body, len, (uint32_t)(i % 5) * 2654435761u);
        else
            make_text(body, len, seed);
        err = tome_pack_add(p, key, strlen(key), i % 3 ? title : NULL, i % 3 ? strlen(title) : 0,
                            body, i % 17 == 5 ? 0 : len, NULL);
        if (!err && i % 6 == 0) {
            char alias[64];
            snprintf(alias, sizeof alias, "%s/%u", i == 0 ? "a" : "z", (unsigned)i);
            err = tome_pack_add_alias(p, alias, strlen(alias), key, strlen(key), NULL);
        }
    }
    if (!err)
        err = tome_pack_meta(p, "title", "fuzz set");
    snprintf(path, sizeof path, "%s", temp_path("set.tome"));
    if (!err)
        err = tome_pack_write_set(p, path, volume_size, &st);
    if (err)
        fprintf(stderr, "packing set %s failed: %s\n", set_name(which), tome_packer_message(p));
    tome_packer_free(p);
    if (err)
        goto done;
    *total_volumes = st.volumes;
    if (volumes > st.volumes)
        volumes = st.volumes;
    out = malloc(1);
    out[0] = (uint8_t)((head & ~7u) | volumes);
    for (v = 0; v <= volumes; v++) {
        char vp[1200];
        size_t fs = 0;
        uint8_t *f;
        if (v == 0)
            snprintf(vp, sizeof vp, "%s", path);
        else
            snprintf(vp, sizeof vp, "%.*s.%03u.tome", (int)(strlen(path) - 5), path, v - 1);
        f = read_file(vp, &fs);
        if (!f || fs > 0xFFFFu) {
            fprintf(stderr, "set %s: %s missing or over 64 KiB\n", set_name(which), vp);
            free(f);
            free(out);
            out = NULL;
            goto done;
        }
        out = realloc(out, at + 2 + fs);
        out[at] = (uint8_t)(fs & 0xFF);
        out[at + 1] = (uint8_t)(fs >> 8);
        memcpy(out + at + 2, f, fs);
        at += 2 + fs;
        free(f);
    }
    *size = at;
done:
    temp_cleanup();
    test_dir[0] = '\0';
    return out;
}
