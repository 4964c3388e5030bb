/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen_corpus.c - writes, as JSON Lines on stdout, the corpus of the larger
 * firmware test archive: a few hundred articles of made-up English and
 * German prose with titles, exact and near duplicates, an empty article, a
 * long key, non-ASCII keys, and one article longer than several blocks, so
 * the device meets dictionaries, deduplication and bodies spanning blocks.
 * The output depends on nothing but this file (its own random generator),
 * so every machine packs the same archive.  Usage: gen_corpus > corpus.jsonl
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ARTICLES 300
#define BIG_ARTICLE_BYTES (160u * 1024u)
#define TEXT_CAP (BIG_ARTICLE_BYTES + 16384u)

static const char *const words[] = {
    "the", "archive", "reader", "flash", "block", "article", "device", "memory",
    "sensor", "library", "river", "mountain", "winter", "summer", "city", "harbour",
    "council", "report", "market", "energy", "railway", "station", "village", "school",
    "and", "of", "in", "to", "with", "from", "under", "over", "after", "before",
    "quietly", "quickly", "often", "rarely", "new", "old", "small", "large", "bright",
    "der", "die", "das", "und", "nicht", "über", "für", "Straße", "Brücke", "Gespräch",
    "Behörde", "Gemeinde", "Wähler", "Größe", "schön", "müde", "Frühling", "Hafen",
    "Zürich", "Köln", "Übersicht", "Ärger", "Öffnung", "Stadt", "Bericht", "Zeitung",
    "measured", "opened", "closed", "announced", "repaired", "counted", "written",
    "read", "stored", "shipped", "built", "planned", "delayed", "approved", "rejected",
    "42", "1998", "2024", "17", "3.5", "100", "kilometres", "euros", "percent", "days",
};
#define WORD_COUNT (sizeof words / sizeof words[0])

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* xorshift64*: small, fast, and identical everywhere. */
static uint32_t rng(uint32_t bound)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32) % bound;
}

typedef struct text {
    char data[TEXT_CAP];
    size_t len;
} text;

static void append(text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n < TEXT_CAP) {
        memcpy(t->data + t->len, s, n);
        t->len += n;
    }
}

static void sentence(text *t)
{
    uint32_t n = 6 + rng(13), i;
    for (i = 0; i < n; i++) {
        const char *w = words[rng(WORD_COUNT)];
        if (i > 0)
            append(t, " ");
        if (i == 0 && w[0] >= 'a' && w[0] <= 'z') {
            char first[2] = {(char)(w[0] - 'a' + 'A'), 0};
            append(t, first);
            append(t, w + 1);
        } else {
            append(t, w);
        }
    }
    append(t, rng(8) == 0 ? "? " : ". ");
}

static void prose(text *t, size_t at_least)
{
    t->len = 0;
    while (t->len < at_least) {
        uint32_t n = 2 + rng(5);
        while (n--)
            sentence(t);
        append(t, rng(5) == 0 ? "\n\"Quoted\" line.\n\n" : "\n\n");
    }
}

/* A JSON string: quotes, backslashes and control characters escaped;
 * UTF-8 passes through. */
static void put_json_string(const char *s, size_t len)
{
    size_t i;
    putchar('"');
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void put_article(const char *key, const char *title, const text *t)
{
    fputs("{\"id\":", stdout);
    put_json_string(key, strlen(key));
    if (title) {
        fputs(",\"title\":", stdout);
        put_json_string(title, strlen(title));
    }
    fputs(",\"text\":", stdout);
    put_json_string(t->data, t->len);
    fputs("}\n", stdout);
}

/* `src` with one word inserted after a space near its middle, so UTF-8
 * sequences stay whole. */
static void near_duplicate(text *dst, const text *src)
{
    size_t cut = src->len / 2;
    while (cut < src->len && src->data[cut] != ' ')
        cut++;
    memcpy(dst->data, src->data, cut);
    dst->len = cut;
    append(dst, " EDITED");
    if (dst->len + (src->len - cut) < TEXT_CAP) {
        memcpy(dst->data + dst->len, src->data + cut, src->len - cut);
        dst->len += src->len - cut;
    }
}

static text current, earlier;

int main(void)
{
    char key[256], title[96];
    int i;
    prose(&current, BIG_ARTICLE_BYTES);
    put_article("generated/big/handbook.txt", "The handbook (longer than a block)", &current);
    current.len = 0;
    put_article("generated/empty.txt", NULL, &current);
    prose(&current, 900);
    put_article("generated/unicode/Grüße aus Zürich – ÄÖÜ.txt", "Grüße", &current);
    memset(key, 'k', 200);
    memcpy(key, "generated/long-key/", 19);
    key[200] = '\0';
    put_article(key, NULL, &current);
    for (i = 0; i < ARTICLES; i++) {
        snprintf(key, sizeof key, "generated/topic-%02d/article-%04d.txt", i % 23, i);
        snprintf(title, sizeof title, "Article %d: %s %s", i, words[rng(WORD_COUNT)],
                 words[rng(WORD_COUNT)]);
        if (i % 17 == 16) {
            put_article(key, title, &earlier); /* an exact duplicate body */
            continue;
        }
        prose(&current, 200 + rng(6000));
        if (i % 13 == 12 && earlier.len > 40)
            near_duplicate(&current, &earlier);
        put_article(key, i % 5 == 4 ? NULL : title, &current);
        if (i % 7 == 0)
            memcpy(&earlier, &current, sizeof current);
    }
    return ferror(stdout) ? 1 : 0;
}
