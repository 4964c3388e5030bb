/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_reader.c - round trips through packer and reader, every error code,
 * truncation and single-byte damage sweeps, workspace sizing, dedup,
 * determinism and frozen vectors.
 */
#include <dirent.h>
#include <sys/stat.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "format.h"
#include "hash.h"
#include "pack_internal.h"
#include "testlib.h"

/* XXH32 and size of the archive of small_corpus() at level 3, dictionary
 * off, zstd 1.5.4: a change here is a format or packer change. */
#define FROZEN_SIZE 380
#define FROZEN_HASH 0xf788b250u

/* Both I/O modes must give the same answers. */
static void check_round_trip(const char *what, const corpus *c, const tome_pack_options *o)
{
    size_t size;
    tome_pack_stats st;
    uint8_t *bytes = pack_corpus(c, o, 0, &size, &st);
    int mode;
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    CHECK_EQ(st.archive_bytes, size);
    for (mode = 0; mode < 2; mode++) {
        opened a;
        tome_verify_report rep;
        open_archive(&a, bytes, size, mode, 0);
        CHECK_EQ(a.err, TOME_OK);
        if (a.err != TOME_OK) {
            fprintf(stderr, "%s: open (mode %d): %s\n", what, mode, tome_error_name(a.err));
            close_archive(&a);
            continue;
        }
        if (check_contents(a.r, c) != 0) {
            fprintf(stderr, "%s: contents differ (mode %d)\n", what, mode);
            CHECK(0);
        } else {
            CHECK(1);
        }
        CHECK_EQ(tome_verify(a.r, NULL, NULL, &rep), TOME_OK);
        CHECK_EQ(rep.checked_articles, c->n);
        CHECK_EQ(rep.damaged_parts, 0);
        close_archive(&a);
    }
    free(bytes);
}

static void add_seeds(corpus *c)
{
    DIR *d = opendir("seeds");
    struct dirent *e;
    CHECK(d != NULL);
    while (d && (e = readdir(d)) != NULL) {
        char path[600];
        size_t size;
        uint8_t *b;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "seeds/%s", e->d_name);
        b = read_file(path, &size);
        corpus_add(c, e->d_name, NULL, b, size);
        free(b);
    }
    if (d)
        closedir(d);
}

static void test_seeds(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(19, TOME_DICT_AUTO, 64 * 1024);
    add_seeds(&c);
    CHECK_EQ(c.n, 2);
    check_round_trip("seeds", &c, &o);
    corpus_free(&c);
}

/* Empty, 1-byte, 20 MB, binary, UTF-8 keys, titles, thousands of tiny
 * articles and exact duplicates, in one archive. */
static void test_edge_corpus(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(1, TOME_DICT_OFF, 64 * 1024);
    size_t big = 20u * 1000 * 1000, i;
    uint8_t *buf = malloc(big), binary[1024];
    char key[64];
    make_text(buf, big, 7);
    for (i = 0; i < sizeof binary; i++)
        binary[i] = (uint8_t)(i * 7 + (i >> 8));
    corpus_add(&c, "empty", NULL, "", 0);
    corpus_add(&c, "empty-too", "also empty", "", 0);
    corpus_add(&c, "one", NULL, "x", 1);
    corpus_add(&c, "big/twenty-megabytes", "Big", buf, big);
    corpus_add(&c, "binary", NULL, binary, sizeof binary);
    corpus_add(&c, "Zürich/Straße – ünïcødé ✓", "Titel ü", "grüezi", 7);
    corpus_add(&c, "duplicate/a", NULL, buf + 1000, 5000);
    corpus_add(&c, "duplicate/b", NULL, buf + 1000, 5000);
    for (i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "tiny/%05zu", i);
        corpus_add(&c, key, NULL, buf + i * 3, 1 + i % 40);
    }
    check_round_trip("edge corpus", &c, &o);

    /* tome_read across block boundaries of the 20 MB article */
    {
        size_t size;
        uint8_t *bytes = pack_corpus(&c, &o, 0, &size, NULL), piece[200000];
        opened a;
        uint32_t id;
        static const uint64_t offsets[] = {0, 65535, 65536 - 100, 1000000, 19999999, 19800000};
        open_archive(&a, bytes, size, 1, 0);
        CHECK_EQ(a.err, TOME_OK);
        CHECK_EQ(tome_find(a.r, "big/twenty-megabytes", 20, &id), TOME_OK);
        for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
            size_t len = big - offsets[i] < sizeof piece ? big - offsets[i] : sizeof piece;
            CHECK_EQ(tome_read(a.r, id, offsets[i], piece, len), TOME_OK);
            CHECK(memcmp(piece, buf + offsets[i], len) == 0);
        }
        CHECK_EQ(tome_read(a.r, id, big - 10, piece, 11), TOME_ERR_RANGE);
        CHECK_EQ(tome_read(a.r, id, big, piece, 0), TOME_OK);
        close_archive(&a);
        free(bytes);
    }
    free(buf);
    corpus_free(&c);
}

/* Similar articles, enough to train a dictionary. */
static void make_similar(corpus *c, size_t n, uint32_t seed)
{
    size_t i;
    uint8_t body[3000];
    char key[64];
    for (i = 0; i < n; i++) {
        size_t size = 600 + (size_t)(test_rng(&seed) % 2000);
        snprintf(key, sizeof key, "news/%04zu.txt", i);
        memcpy(body, "From: newsroom@example.org\nSubject: daily report\n\n", 50);
        make_text(body + 50, size - 50, (uint32_t)(i % 37) * 2654435761u + seed);
        corpus_add(c, key, NULL, body, size);
    }
}

static void test_dictionary(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(9, TOME_DICT_ON, 4096);
    size_t size, plain_ws = 0, lean_ws = 0;
    tome_pack_stats st;
    uint8_t *bytes;
    opened a, lean;
    make_similar(&c, 400, 11);
    o.dict_size = 16 * 1024;
    bytes = pack_corpus(&c, &o, 0, &size, &st);
    CHECK(bytes != NULL && st.dict_size > 0);
    check_round_trip("dictionary", &c, &o);
    /* the lower-RAM mode skips the prepared tables and still reads */
    open_archive(&a, bytes, size, 0, 0);
    open_archive(&lean, bytes, size, 0, TOME_OPEN_NO_DICT_TABLES);
    CHECK_EQ(a.err, TOME_OK);
    CHECK_EQ(lean.err, TOME_OK);
    if (a.err == TOME_OK && lean.err == TOME_OK) {
        tome_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.data = bytes;
        cfg.size = size;
        tome_workspace_size(&cfg, &plain_ws);
        cfg.flags = TOME_OPEN_NO_DICT_TABLES;
        tome_workspace_size(&cfg, &lean_ws);
        CHECK(lean_ws + 20000 < plain_ws);
        CHECK_EQ(check_contents(lean.r, &c), 0);
        CHECK_EQ(tome_verify(lean.r, NULL, NULL, NULL), TOME_OK);
    }
    close_archive(&a);
    close_archive(&lean);
    /* auto mode keeps the dictionary only when it pays */
    o.dict = TOME_DICT_AUTO;
    free(bytes);
    bytes = pack_corpus(&c, &o, 0, &size, &st);
    CHECK(bytes != NULL && st.dict_size > 0);
    free(bytes);
    corpus_free(&c);
    {
        corpus tiny = {0};
        corpus_add(&tiny, "a", NULL, "alpha", 5);
        corpus_add(&tiny, "b", NULL, "beta", 4);
        o.dict = TOME_DICT_AUTO;
        bytes = pack_corpus(&tiny, &o, 0, &size, &st);
        CHECK(bytes != NULL && st.dict_size == 0);
        free(bytes);
        corpus_free(&tiny);
    }
}

/* Same articles in another order and with other thread counts: same bytes. */
static void test_determinism(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(5, TOME_DICT_ON, 8192);
    size_t s1, s2, s3;
    uint8_t *a, *b, *d;
    make_similar(&c, 300, 5);
    o.dict_size = 8192;
    o.threads = 1;
    a = pack_corpus(&c, &o, 0, &s1, NULL);
    o.threads = 4;
    b = pack_corpus(&c, &o, 123, &s2, NULL);
    d = pack_corpus(&c, &o, 299, &s3, NULL);
    CHECK(a && b && d);
    CHECK(s1 == s2 && s2 == s3);
    CHECK(a && b && s1 == s2 && memcmp(a, b, s1) == 0);
    CHECK(a && d && s1 == s3 && memcmp(a, d, s1) == 0);
    free(a);
    free(b);
    free(d);
    corpus_free(&c);
}

/* A corpus packed with a second copy of itself under other keys stores
 * every body once: the archive grows by the keys and index entries only. */
static void test_dedup(void)
{
    corpus c = {0}, twice = {0};
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 16384);
    size_t s1, s2, i, key_bytes = 0;
    tome_pack_stats st1, st2;
    uint8_t *a, *b;
    char key[80];
    make_similar(&c, 200, 3);
    for (i = 0; i < c.n; i++) {
        corpus_add(&twice, c.a[i].key, NULL, c.a[i].body, c.a[i].size);
        snprintf(key, sizeof key, "copy/%s", c.a[i].key);
        corpus_add(&twice, key, NULL, c.a[i].body, c.a[i].size);
        key_bytes += strlen(key);
    }
    a = pack_corpus(&c, &o, 0, &s1, &st1);
    b = pack_corpus(&twice, &o, 0, &s2, &st2);
    CHECK(a && b);
    CHECK_EQ(st2.bodies, c.n);
    CHECK_EQ(st2.stored_bytes, st1.stored_bytes);
    CHECK_EQ(st2.dedup_saved, st1.raw_bytes);
    CHECK(s2 <= s1 + key_bytes + 64 * c.n + s1 / 100);
    check_round_trip("dedup", &twice, &o);
    free(a);
    free(b);
    corpus_free(&c);
    corpus_free(&twice);
}

/* Two families of near-identical articles whose keys interleave: key order
 * alternates families, clustering must put each family together. */
static void test_clustering(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(9, TOME_DICT_OFF, 4096);
    uint8_t family[2][2000], body[2000];
    size_t i, plain_size, clustered_size;
    tome_pack_stats plain, clustered;
    uint8_t *a, *b;
    char key[32];
    make_text(family[0], sizeof family[0], 1001);
    make_text(family[1], sizeof family[1], 2002);
    for (i = 0; i < 40; i++) {
        memcpy(body, family[i % 2], sizeof body);
        snprintf((char *)body + 100 * (i % 10), 24, "variant %03zu edit", i); /* small edits */
        snprintf(key, sizeof key, "k%03zu", i);
        corpus_add(&c, key, NULL, body, sizeof body);
    }
    o.cluster = 0;
    a = pack_corpus(&c, &o, 0, &plain_size, &plain);
    o.cluster = 1;
    b = pack_corpus(&c, &o, 0, &clustered_size, &clustered);
    CHECK(a && b);
    CHECK_EQ(plain.near_duplicate_groups, 0);
    CHECK_EQ(clustered.near_duplicate_groups, 2);
    /* each 4 KiB block now holds two variants of one family, not one of each */
    CHECK(clustered_size * 10 < plain_size * 7);
    printf("clustering: %zu bytes, without: %zu bytes\n", clustered_size, plain_size);
    check_round_trip("clustered", &c, &o);
    free(a);
    free(b);
    corpus_free(&c);
}

static corpus small_corpus(void)
{
    corpus c = {0};
    corpus_add(&c, "alpha", "First", "hello, world\n", 13);
    corpus_add(&c, "beta", NULL, "hello, world\n", 13); /* duplicate body */
    corpus_add(&c, "delta", NULL, "", 0);
    corpus_add(&c, "gamma", NULL, "the third article, with more words in it\n", 41);
    return c;
}

static uint8_t *small_archive(size_t *size, uint32_t block_size)
{
    corpus c = small_corpus();
    tome_pack_options o = test_options(3, TOME_DICT_OFF, block_size);
    uint8_t *bytes = pack_corpus(&c, &o, 0, size, NULL);
    corpus_free(&c);
    return bytes;
}

static void reseal_header(uint8_t *b)
{
    tome_put32(b + HDR_CHECKSUM, tome__hash(b, HDR_CHECKSUM));
}

/* All ones in the size field of the entry record at `entry`. */
static void set_size_field(uint8_t *b, uint64_t entry)
{
    uint32_t bit = ENT_FIELDS_BIT + b[HDR_BLOCK_BITS] + b[HDR_OFFSET_BITS], i;
    for (i = 0; i < b[HDR_SIZE_BITS]; i++, bit++)
        b[entry + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static int open_copy(const uint8_t *bytes, size_t size, int callback)
{
    opened a;
    int err;
    open_archive(&a, bytes, size, callback, 0);
    err = a.err;
    close_archive(&a);
    return err;
}

static void test_error_codes(void)
{
    size_t size, need = 0, i;
    uint8_t *bytes = small_archive(&size, 64 * 1024), *copy = malloc(size + 16), buf[64];
    opened a;
    tome_config cfg;
    tome_reader *r = NULL;
    uint32_t id, cursor;
    size_t got;
    uint64_t entry0;
    CHECK(bytes != NULL);
    if (!bytes)
        return;

    /* names */
    CHECK(strcmp(tome_error_name(TOME_OK), "TOME_OK") == 0);
    CHECK(strcmp(tome_error_name(TOME_ERR_CHECKSUM), "TOME_ERR_CHECKSUM") == 0);
    CHECK(strcmp(tome_error_name(TOME_ERR_DAMAGED), "TOME_ERR_DAMAGED") == 0);
    CHECK(strcmp(tome_error_name(-999), "TOME_ERR_UNKNOWN") == 0);
    CHECK(strcmp(tome_error_text(TOME_ERR_TRUNCATED), "archive is shorter than it says it is") == 0);
    CHECK_EQ(tome_version_number(), TOME_VERSION_NUMBER);
    CHECK(strcmp(tome_version_string(), "2.1.0") == 0);
    CHECK_EQ(tome_format_version(), 200);

    /* TOME_ERR_ARGUMENT */
    memset(&cfg, 0, sizeof cfg);
    CHECK_EQ(tome_open(NULL, &cfg), TOME_ERR_ARGUMENT);
    CHECK_EQ(tome_open(&r, &cfg), TOME_ERR_ARGUMENT); /* no source */
    cfg.data = bytes;
    cfg.read = image_read;
    cfg.size = size;
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_ERR_ARGUMENT); /* two sources */
    cfg.read = NULL;
    CHECK_EQ(tome_open(&r, &cfg), TOME_ERR_ARGUMENT);               /* no workspace */

    /* TOME_ERR_WORKSPACE: one byte short; any alignment of the buffer works */
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
    cfg.workspace = malloc(need + 1);
    cfg.workspace_size = need - 1;
    CHECK_EQ(tome_open(&r, &cfg), TOME_ERR_WORKSPACE);
    cfg.workspace = (uint8_t *)cfg.workspace + 1;
    cfg.workspace_size = need;
    CHECK_EQ(tome_open(&r, &cfg), TOME_OK);
    CHECK(need <= TOME_WORKSPACE_BOUND(64 * 1024, 4096, 64 * 1024, 0, 0));
    free((uint8_t *)cfg.workspace - 1);

    /* TOME_ERR_LIMIT: caller caps */
    memset(&cfg, 0, sizeof cfg);
    cfg.data = bytes;
    cfg.size = size;
    cfg.max_article_size = 40;
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_ERR_LIMIT);
    cfg.max_article_size = 41;
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
    cfg.max_key_size = 4;
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_ERR_LIMIT);
    cfg.max_key_size = 0;
    cfg.max_block_size = 10;
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_ERR_LIMIT);

    /* TOME_ERR_NOT_ARCHIVE, TOME_ERR_TRUNCATED, TOME_ERR_VERSION, TOME_ERR_HEADER */
    memcpy(copy, bytes, size);
    copy[0] = 'X';
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_NOT_ARCHIVE);
    CHECK_EQ(open_copy((const uint8_t *)"hello", 5, 0), TOME_ERR_NOT_ARCHIVE);
    CHECK_EQ(open_copy(bytes, 100, 0), TOME_ERR_TRUNCATED);
    CHECK_EQ(open_copy(bytes, size - 1, 1), TOME_ERR_TRUNCATED);
    memcpy(copy, bytes, size);
    tome_put16(copy + HDR_MAJOR, 1); /* format 1.0 files are not read */
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_VERSION);
    tome_put16(copy + HDR_MAJOR, 3);
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_VERSION);
    tome_put16(copy + HDR_MAJOR, 2);
    tome_put16(copy + HDR_MINOR, 1);
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_VERSION);
    memcpy(copy, bytes, size);
    copy[HDR_ARTICLE_COUNT] ^= 1;
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_HEADER); /* header checksum */
    memcpy(copy, bytes, size);
    tome_put32(copy + HDR_RESERVED32, 1);
    reseal_header(copy);
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_HEADER); /* reserved field */
    memcpy(copy, bytes, size);
    tome_put64(copy + HDR_ORDER_TABLE_OFFSET, size);
    reseal_header(copy);
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_HEADER); /* region out of bounds */
    memcpy(copy, bytes, size);
    copy[HDR_ENTRY_RECORD_SIZE]++;
    reseal_header(copy);
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_HEADER); /* record size against widths */
    memcpy(copy, bytes, size);
    tome_put32(copy + HDR_KEYS_PER_BLOCK, 1);
    reseal_header(copy);
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_HEADER); /* key blocks do not cover the IDs */
    memcpy(copy, bytes, size);
    copy[size - TOME_FOOTER_SIZE] ^= 0xFF;
    CHECK_EQ(open_copy(copy, size, 0), TOME_ERR_HEADER); /* footer magic */
    /* trailing bytes after the archive are allowed (a flash partition) */
    memcpy(copy, bytes, size);
    memset(copy + size, 0xEE, 16);
    CHECK_EQ(open_copy(copy, size + 16, 0), TOME_OK);

    /* TOME_ERR_READ: the callback fails at open, and later */
    open_archive(&a, bytes, size, 1, 0);
    CHECK_EQ(a.err, TOME_OK);
    a.im.fail_after = 0;
    CHECK_EQ(tome_fetch(a.r, 0, buf, sizeof buf, &got), TOME_ERR_READ);
    CHECK_EQ(tome_find(a.r, "gamma", 5, &id), TOME_ERR_READ);
    CHECK_EQ(tome_verify(a.r, NULL, NULL, NULL), TOME_ERR_READ);
    a.im.fail_after = -1;
    CHECK_EQ(tome_fetch(a.r, 0, buf, sizeof buf, &got), TOME_OK); /* recovers */
    close_archive(&a);
    {
        image im = {bytes, size, 0, 0};
        memset(&cfg, 0, sizeof cfg);
        cfg.read = image_read;
        cfg.user = &im;
        cfg.size = size;
        CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_ERR_READ);
    }

    /* per-article calls */
    open_archive(&a, bytes, size, 0, 0);
    CHECK_EQ(a.err, TOME_OK);
    CHECK_EQ(tome_count(a.r), 4);
    CHECK_EQ(tome_fetch(a.r, 4, buf, sizeof buf, &got), TOME_ERR_RANGE);
    CHECK_EQ(tome_stat(a.r, 4, NULL), TOME_ERR_ARGUMENT);
    CHECK_EQ(tome_find(a.r, "omega", 5, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "gamm", 4, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "gamma!", 6, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "", 0, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "gamma", 5, &id), TOME_OK);
    CHECK_EQ(id, 3);
    CHECK_EQ(tome_fetch(a.r, id, buf, 40, &got), TOME_ERR_BUFFER);
    CHECK_EQ(got, 41);
    CHECK_EQ(tome_key(a.r, id, (char *)buf, 5), TOME_ERR_BUFFER);
    CHECK_EQ(tome_key(a.r, id, (char *)buf, 6), TOME_OK);
    CHECK(strcmp((char *)buf, "gamma") == 0);
    CHECK_EQ(tome_title(a.r, 0, (char *)buf, sizeof buf), TOME_OK);
    CHECK(strcmp((char *)buf, "First") == 0);
    {
        tome_article st;
        tome_archive_info info;
        CHECK_EQ(tome_stat(a.r, 0, &st), TOME_OK);
        CHECK_EQ(st.size, 13);
        CHECK_EQ(st.key_size, 5);
        CHECK_EQ(st.title_size, 5);
        CHECK(st.checksum == tome__hash("hello, world\n", 13));
        tome_info(a.r, &info);
        CHECK_EQ(info.article_count, 4);
        CHECK_EQ(info.body_count, 3);
        CHECK_EQ(info.raw_size, 13 + 13 + 41);
        CHECK_EQ(info.stored_size, 13 + 41);
        CHECK_EQ(info.dict_size, 0);
        CHECK_EQ(info.file_size, size);
    }
    cursor = 0;
    for (i = 0; i < 4; i++)
        CHECK_EQ(tome_next(a.r, &cursor, &id), TOME_OK);
    CHECK_EQ(tome_next(a.r, &cursor, &id), TOME_DONE);
    close_archive(&a);

    /* TOME_ERR_CORRUPT, TOME_ERR_CHECKSUM, TOME_ERR_DECOMPRESS, TOME_ERR_DAMAGED */
    entry0 = tome_get64(bytes + HDR_ENTRY_TABLE_OFFSET);
    memcpy(copy, bytes, size);
    set_size_field(copy, entry0); /* alpha's size: above the largest article */
    open_archive(&a, copy, size, 0, 0);
    CHECK_EQ(tome_fetch(a.r, 0, buf, sizeof buf, &got), TOME_ERR_CORRUPT);
    CHECK_EQ(tome_verify(a.r, NULL, NULL, NULL), TOME_ERR_DAMAGED);
    close_archive(&a);
    memcpy(copy, bytes, size);
    copy[entry0 + ENT_CHECKSUM] ^= 1;
    open_archive(&a, copy, size, 0, 0);
    CHECK_EQ(tome_fetch(a.r, 0, buf, sizeof buf, &got), TOME_ERR_CHECKSUM);
    close_archive(&a);
    memcpy(copy, bytes, size);
    copy[TOME_HEADER_SIZE] ^= 0xFF; /* the first frame's magic number */
    open_archive(&a, copy, size, 0, 0);
    CHECK_EQ(tome_fetch(a.r, 0, buf, sizeof buf, &got), TOME_ERR_DECOMPRESS);
    {
        tome_verify_report rep;
        CHECK_EQ(tome_verify(a.r, NULL, NULL, &rep), TOME_ERR_DAMAGED);
        CHECK_EQ(rep.damaged_blocks, 1);
        CHECK_EQ(rep.damaged_articles, 3); /* alpha, beta, gamma; delta is empty */
        CHECK(rep.damaged_parts & (1u << TOME_PART_FILE));
    }
    close_archive(&a);
    /* TOME_OPEN_TRUST_CONTENT skips the article checksum */
    memcpy(copy, bytes, size);
    copy[entry0 + ENT_CHECKSUM] ^= 1;
    open_archive(&a, copy, size, 0, TOME_OPEN_TRUST_CONTENT);
    CHECK_EQ(tome_fetch(a.r, 0, buf, sizeof buf, &got), TOME_OK);
    close_archive(&a);
    free(copy);
    free(bytes);
}

static void test_dictionary_damage(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_ON, 4096);
    size_t size;
    uint8_t *bytes;
    make_similar(&c, 100, 9);
    o.dict_size = 4096;
    bytes = pack_corpus(&c, &o, 0, &size, NULL);
    CHECK(bytes && tome_get32(bytes + HDR_DICT_SIZE) > 0);
    if (bytes) {
        bytes[TOME_HEADER_SIZE + 100] ^= 0x10;
        CHECK_EQ(open_copy(bytes, size, 0), TOME_ERR_DICTIONARY);
        CHECK_EQ(open_copy(bytes, size, 1), TOME_ERR_DICTIONARY);
    }
    free(bytes);
    corpus_free(&c);
}

/* Every prefix of an archive is refused at open, with one code. */
static void test_truncation_sweep(void)
{
    size_t size, n, refused = 0;
    uint8_t *bytes = small_archive(&size, 64 * 1024);
    CHECK(bytes != NULL);
    for (n = 0; bytes && n < size; n++) {
        uint8_t *prefix = malloc(n ? n : 1); /* exact size, so ASan sees overreads */
        memcpy(prefix, bytes, n);
        if (open_copy(prefix, n, 0) == TOME_ERR_TRUNCATED &&
            open_copy(prefix, n, 1) == TOME_ERR_TRUNCATED)
            refused++;
        free(prefix);
    }
    CHECK_EQ(refused, size);
    printf("truncation sweep: %zu of %zu prefixes refused at open\n", refused, size);
    free(bytes);
}

typedef struct sweep_counts {
    size_t by_open, by_verify, harmless, wrong;
} sweep_counts;

/* Open, verify, then use everything; classify the outcome. */
static void try_damaged(const uint8_t *bytes, size_t size, const corpus *c, int callback,
                        sweep_counts *n)
{
    opened a;
    int verify, exact = 1;
    size_t i;
    uint8_t buf[64];
    open_archive(&a, bytes, size, callback, 0);
    if (a.err != TOME_OK) {
        n->by_open++;
        close_archive(&a);
        return;
    }
    verify = tome_verify(a.r, NULL, NULL, NULL);
    for (i = 0; i < c->n; i++) {
        uint32_t id, cursor = 0;
        size_t got;
        int err = tome_find(a.r, c->a[i].key, strlen(c->a[i].key), &id);
        if (err == TOME_OK)
            err = tome_fetch(a.r, id, buf, sizeof buf, &got);
        if (err == TOME_OK && (got != c->a[i].size || memcmp(buf, c->a[i].body, got) != 0))
            n->wrong++; /* wrong bytes returned as success: never allowed */
        if (err != TOME_OK)
            exact = 0;
        while (tome_next(a.r, &cursor, &id) == TOME_OK)
            (void)tome_fetch(a.r, id, buf, sizeof buf, &got);
        (void)tome_key(a.r, (uint32_t)i, (char *)buf, sizeof buf);
    }
    if (verify != TOME_OK)
        n->by_verify++;
    else if (exact)
        n->harmless++;
    else
        n->wrong++; /* verify said clean but an article is not exact */
    close_archive(&a);
}

/* Every single-byte change of a small archive, all 255 other values:
 * detected at open, detected by verify, or harmless; nothing else. */
static void test_byte_sweep(void)
{
    size_t size, pos;
    int v;
    uint8_t *bytes = small_archive(&size, 64 * 1024), *copy;
    corpus c = small_corpus();
    sweep_counts n = {0, 0, 0, 0}, cb = {0, 0, 0, 0};
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    copy = malloc(size);
    memcpy(copy, bytes, size);
    for (pos = 0; pos < size; pos++) {
        for (v = 1; v < 256; v++) {
            copy[pos] = (uint8_t)(bytes[pos] ^ v);
            try_damaged(copy, size, &c, 0, &n);
            if (v == 0x01 || v == 0x80 || v == 0xFF)
                try_damaged(copy, size, &c, 1, &cb);
        }
        copy[pos] = bytes[pos];
    }
    printf("byte sweep (%zu bytes x 255 values, memory): %zu detected at open, %zu by verify, "
           "%zu harmless, %zu wrong\n", size, n.by_open, n.by_verify, n.harmless, n.wrong);
    printf("byte sweep (callback mode, 3 values): %zu at open, %zu by verify, %zu harmless, "
           "%zu wrong\n", cb.by_open, cb.by_verify, cb.harmless, cb.wrong);
    CHECK_EQ(n.wrong, 0);
    CHECK_EQ(cb.wrong, 0);
    /* the whole-file checksum covers every byte: no change goes unseen */
    CHECK_EQ(n.by_open + n.by_verify, size * 255);
    CHECK_EQ(cb.by_open + cb.by_verify, size * 3);
    free(copy);
    free(bytes);
    corpus_free(&c);
}

/* Damage inside a block names exactly the articles whose bytes it touches. */
static void test_block_damage_names_articles(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 2048);
    size_t size, i, flagged = 0;
    uint8_t *bytes;
    opened a;
    tome_verify_report rep;
    make_similar(&c, 60, 21);
    bytes = pack_corpus(&c, &o, 0, &size, NULL);
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    {
        /* flip a byte in the middle of block 5's frame */
        uint64_t table = tome_get64(bytes + HDR_BLOCK_TABLE_OFFSET) + 5 * BLK_RECORD_SIZE;
        uint64_t frame = tome_get64(bytes + table + BLK_FRAME_OFFSET);
        uint32_t frame_size = tome_get32(bytes + table + BLK_FRAME_SIZE);
        bytes[frame + frame_size / 2] ^= 0x55;
    }
    open_archive(&a, bytes, size, 0, 0);
    CHECK_EQ(a.err, TOME_OK);
    CHECK_EQ(tome_verify(a.r, NULL, NULL, &rep), TOME_ERR_DAMAGED);
    CHECK_EQ(rep.damaged_blocks, 1);
    CHECK(rep.damaged_articles >= 1);
    /* every article verify did not flag still fetches exactly */
    for (i = 0; i < tome_count(a.r); i++) {
        uint8_t buf[4096];
        size_t got;
        if (tome_fetch(a.r, (uint32_t)i, buf, sizeof buf, &got) != TOME_OK)
            flagged++;
    }
    CHECK_EQ(flagged, rep.damaged_articles);
    close_archive(&a);
    free(bytes);
    corpus_free(&c);
}

/* Keys the format forbids (a NUL, invalid UTF-8), written by a packer whose
 * checks were bypassed, with every checksum valid: verify names the key
 * block with TOME_ERR_KEYS. */
typedef struct key_damage {
    tome_part part;
    uint32_t index;
    int error, count;
} key_damage;

static void record_key_damage(void *user, tome_part part, uint32_t index, int error)
{
    key_damage *d = user;
    d->part = part;
    d->index = index;
    d->error = error;
    d->count++;
}

static void check_forbidden_key(const char *what, size_t at, char byte)
{
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 16384);
    tome_packer *p;
    const char *path = temp_path("badkey.tome");
    key_damage d = {TOME_PART_FILE, 0, 0, 0};
    uint8_t *bytes = NULL;
    size_t size = 0;
    opened a;
    o.check = 0; /* the packer's own verify would refuse to write it */
    p = tome_packer_new(&o);
    CHECK_EQ(tome_pack_add(p, "ok-a", 4, NULL, 0, "one", 3, "a"), TOME_PACK_OK);
    CHECK_EQ(tome_pack_add(p, "ok-b", 4, NULL, 0, "two", 3, "b"), TOME_PACK_OK);
    p->articles[0].key[at] = byte; /* behind the packer's back */
    CHECK_EQ(tome_pack_write(p, path, NULL), TOME_PACK_OK);
    tome_packer_free(p);
    bytes = read_file(path, &size);
    unlink(path);
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    open_archive(&a, bytes, size, 0, 0);
    CHECK_EQ(a.err, TOME_OK);
    if (a.err == TOME_OK) {
        CHECK_EQ(tome_verify(a.r, record_key_damage, &d, NULL), TOME_ERR_DAMAGED);
        CHECK_EQ(d.count, 1);
        CHECK_EQ(d.part, TOME_PART_KEYS);
        CHECK_EQ(d.index, 0);
        CHECK_EQ(d.error, TOME_ERR_KEYS);
        if (d.error != TOME_ERR_KEYS)
            fprintf(stderr, "forbidden key (%s): verify said %s\n", what, tome_error_name(d.error));
    }
    close_archive(&a);
    free(bytes);
}

static void test_forbidden_keys(void)
{
    check_forbidden_key("NUL", 2, '\0');
    check_forbidden_key("invalid UTF-8", 3, (char)0xFF);
    check_forbidden_key("a surrogate's lead", 3, (char)0xED);
}

/* The whole archive of a fixed corpus is frozen: a format or packer change
 * shows up here.  Tied to the zstd release that produced it. */
/* Names in many key blocks: lookups at every boundary, and a damaged key
 * block refused by the calls that read it and named by verify. */
static void record_damage(void *user, tome_part part, uint32_t index, int error)
{
    uint32_t *seen = user;
    (void)error;
    if (part == TOME_PART_KEYS)
        *seen = index;
}

static void test_key_blocks(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 16384);
    size_t size, i;
    uint8_t *bytes;
    uint32_t id, seen = TOME_NO_INDEX, per;
    tome_archive_info info;
    opened a;
    for (i = 0; i < 300; i++) {
        char key[16], title[256], body[64];
        snprintf(key, sizeof key, "k%04zu", i * 2);
        snprintf(title, sizeof title, "title %zu %0*d", i, (int)(100 + i % 100), 7);
        snprintf(body, sizeof body, "body of article %zu\n", i);
        corpus_add(&c, key, title, body, strlen(body));
    }
    check_round_trip("key blocks", &c, &o);
    bytes = pack_corpus(&c, &o, 0, &size, NULL);
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    open_archive(&a, bytes, size, 0, 0);
    CHECK_EQ(a.err, TOME_OK);
    tome_info(a.r, &info);
    per = info.keys_per_block;
    CHECK(info.key_block_count >= 10);
    CHECK_EQ(info.key_block_count, (300 + per - 1) / per);
    CHECK(info.key_block_size_max <= 4096);
    CHECK_EQ(tome_find(a.r, "k", 1, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "k0000", 5, &id), TOME_OK);
    CHECK_EQ(id, 0);
    CHECK_EQ(tome_find(a.r, "k0001", 5, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "k0598", 5, &id), TOME_OK);
    CHECK_EQ(id, 299);
    CHECK_EQ(tome_find(a.r, "k0599", 5, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_find(a.r, "k9", 2, &id), TOME_ERR_NOT_FOUND);
    for (i = 1; i < info.key_block_count; i++) { /* first keys, and just before */
        char key[16];
        snprintf(key, sizeof key, "k%04zu", i * per * 2);
        CHECK_EQ(tome_find(a.r, key, 5, &id), TOME_OK);
        CHECK_EQ(id, i * per);
        snprintf(key, sizeof key, "k%04zu", i * per * 2 - 1);
        CHECK_EQ(tome_find(a.r, key, 5, &id), TOME_ERR_NOT_FOUND);
    }
    close_archive(&a);
    {
        /* one byte in the middle of key block 3's frame */
        uint64_t table = tome_get64(bytes + HDR_BLOCK_TABLE_OFFSET);
        uint64_t rec = table + (uint64_t)(tome_get32(bytes + HDR_BLOCK_COUNT) + 3) * BLK_RECORD_SIZE;
        uint64_t frame = tome_get64(bytes + rec + BLK_FRAME_OFFSET);
        bytes[frame + tome_get32(bytes + rec + BLK_FRAME_SIZE) / 2] ^= 0x20;
    }
    open_archive(&a, bytes, size, 1, 0);
    CHECK_EQ(a.err, TOME_OK);
    {
        char key[16];
        int err = tome_key(a.r, 3 * per, key, sizeof key);
        CHECK(err == TOME_ERR_CHECKSUM || err == TOME_ERR_DECOMPRESS);
        CHECK_EQ(tome_key(a.r, 3 * per + 1, key, sizeof key), err); /* same answer again */
        CHECK_EQ(tome_key(a.r, 0, key, sizeof key), TOME_OK);
        CHECK(strcmp(key, "k0000") == 0);
        snprintf(key, sizeof key, "k%04u", (unsigned)(3 * per * 2 + 2));
        err = tome_find(a.r, key, 5, &id);
        CHECK(err == TOME_ERR_CHECKSUM || err == TOME_ERR_DECOMPRESS);
    }
    CHECK_EQ(tome_verify(a.r, record_damage, &seen, NULL), TOME_ERR_DAMAGED);
    CHECK_EQ(seen, 3);
    close_archive(&a);
    free(bytes);
    corpus_free(&c);
}

static void test_frozen_vector(void)
{
    size_t size;
    uint8_t *bytes = small_archive(&size, 64 * 1024);
    CHECK(bytes != NULL);
    if (!bytes)
        return;
    CHECK(memcmp(bytes, "\x89TOME\r\n\x1a\x02\x00\x00\x00\xb0\x00\x00\x00", 16) == 0);
    CHECK_EQ(size, tome_get64(bytes + HDR_FILE_SIZE));
    if (ZSTD_versionNumber() == 10504) {
        printf("frozen archive: %zu bytes, XXH32 %08lx\n", size,
               (unsigned long)tome__hash(bytes, size));
        CHECK_EQ(size, FROZEN_SIZE);
        CHECK(tome__hash(bytes, size) == FROZEN_HASH);
    }
    free(bytes);
}

static void test_packer_errors(void)
{
    tome_packer *p = tome_packer_new(NULL);
    const char *path = temp_path("never.tome");
    char long_key[70000];
    CHECK_EQ(tome_pack_write(p, path, NULL), TOME_PACK_ERR_EMPTY);
    CHECK(strstr(tome_packer_message(p), "nothing to pack") != NULL);
    tome_packer_free(p);

    p = tome_packer_new(NULL);
    CHECK_EQ(tome_pack_add(p, "k", 1, NULL, 0, "a", 1, "first.txt"), TOME_PACK_OK);
    CHECK_EQ(tome_pack_add(p, "k", 1, NULL, 0, "b", 1, "second.txt"), TOME_PACK_OK);
    CHECK_EQ(tome_pack_write(p, path, NULL), TOME_PACK_ERR_DUPLICATE);
    CHECK(strstr(tome_packer_message(p), "\"k\": from first.txt and from second.txt") != NULL);
    CHECK(access(path, F_OK) != 0);
    /* the packer takes no more work, and the message stays the cause */
    CHECK_EQ(tome_pack_add(p, "j", 1, NULL, 0, "c", 1, "third.txt"), TOME_PACK_ERR_ARGUMENT);
    CHECK_EQ(tome_pack_write(p, path, NULL), TOME_PACK_ERR_ARGUMENT);
    CHECK(strstr(tome_packer_message(p), "\"k\": from first.txt and from second.txt") != NULL);
    tome_packer_free(p);

    p = tome_packer_new(NULL);
    CHECK_EQ(tome_pack_add(p, "a\0b", 3, NULL, 0, "x", 1, "s"), TOME_PACK_ERR_INPUT);
    tome_packer_free(p);
    p = tome_packer_new(NULL);
    CHECK_EQ(tome_pack_add(p, "bad\xff", 4, NULL, 0, "x", 1, "s"), TOME_PACK_ERR_INPUT);
    CHECK(strstr(tome_packer_message(p), "not valid UTF-8") != NULL);
    tome_packer_free(p);
    p = tome_packer_new(NULL);
    memset(long_key, 'k', sizeof long_key);
    CHECK_EQ(tome_pack_add(p, long_key, 65536, NULL, 0, "x", 1, "s"), TOME_PACK_ERR_LIMIT);
    tome_packer_free(p);
    p = tome_packer_new(NULL);
    CHECK_EQ(tome_pack_add(p, "", 0, NULL, 0, "x", 1, "s"), TOME_PACK_ERR_INPUT);
    tome_packer_free(p);

    p = tome_packer_new(NULL);
    CHECK_EQ(tome_pack_add(p, "k", 1, NULL, 0, "a", 1, "s"), TOME_PACK_OK);
    CHECK_EQ(tome_pack_write(p, temp_path("no/such/dir/out.tome"), NULL), TOME_PACK_ERR_IO);
    CHECK(strstr(tome_packer_message(p), "no/such/dir") != NULL);
    tome_packer_free(p);
}

static void test_workspace_bound(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_ON, 16384);
    size_t size, need;
    uint8_t *bytes;
    tome_config cfg;
    make_similar(&c, 100, 4);
    o.dict_size = 8192;
    bytes = pack_corpus(&c, &o, 0, &size, NULL);
    CHECK(bytes != NULL);
    if (bytes) {
        uint32_t block = tome_get32(bytes + HDR_BLOCK_SIZE_MAX);
        uint32_t keys = tome_get32(bytes + HDR_KEY_BLOCK_SIZE_MAX);
        uint32_t chunk = tome_get32(bytes + HDR_CHUNK_SIZE_MAX);
        uint32_t dict = tome_get32(bytes + HDR_DICT_SIZE);
        image im = {bytes, size, -1, 0};
        memset(&cfg, 0, sizeof cfg);
        cfg.data = bytes;
        cfg.size = size;
        CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
        CHECK(need <= TOME_WORKSPACE_BOUND(block, keys, chunk, dict, 0));
        CHECK_EQ(tome_get32(bytes + HDR_WORKSPACE_MEMORY), TOME_WORKSPACE_BOUND(block, keys, chunk, dict, 0));
        cfg.data = NULL;
        cfg.read = image_read;
        cfg.user = &im;
        CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
        CHECK(need <= TOME_WORKSPACE_BOUND(block, keys, chunk, dict, 1));
        CHECK_EQ(tome_get32(bytes + HDR_WORKSPACE_CALLBACK), TOME_WORKSPACE_BOUND(block, keys, chunk, dict, 1));
        CHECK(ZSTD_estimateDCtxSize() <= TOME_ZSTD_DCTX_BOUND);
        CHECK(ZSTD_estimateDDictSize(dict, ZSTD_dlm_byRef) <= TOME_ZSTD_DDICT_BOUND);
    }
    free(bytes);
    corpus_free(&c);
}

/* --ram: the largest block whose workspace fits; refused when nothing does */
static void test_ram_budget(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_ON, 65536);
    size_t size, need = 0;
    uint8_t *bytes;
    tome_pack_stats st;
    tome_config cfg;
    make_similar(&c, 150, 8);
    o.dict_size = 8192;
    o.ram_budget = 140000;
    bytes = pack_corpus(&c, &o, 0, &size, &st);
    CHECK(bytes != NULL);
    if (bytes) {
        memset(&cfg, 0, sizeof cfg);
        cfg.data = bytes;
        cfg.size = size;
        CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
        CHECK(need <= 140000);
        /* largest whole-KiB block that fits, with the key buffer at its 4 KiB
         * target (these keys fill less) */
        CHECK(need > 140000 - 1024 - 64 - 4096 - 64);
        CHECK(st.dict_size > 0);
        CHECK_EQ(st.workspace_memory, need);
    }
    free(bytes);
    o.ram_budget = 50000;
    {
        tome_packer *p = tome_packer_new(&o);
        CHECK_EQ(tome_pack_add(p, "k", 1, NULL, 0, "v", 1, "s"), TOME_PACK_OK);
        CHECK_EQ(tome_pack_write(p, temp_path("small.tome"), NULL), TOME_PACK_ERR_LIMIT);
        CHECK(strstr(tome_packer_message(p), "too small") != NULL);
        tome_packer_free(p);
    }
    o.ram_budget = 140000;
    {
        /* a 60,000-byte title needs a key buffer no block size can make up for */
        static char title[60001];
        tome_packer *p = tome_packer_new(&o);
        const char *path = temp_path("long-title.tome");
        memset(title, 't', sizeof title - 1);
        CHECK_EQ(tome_pack_add(p, "k", 1, title, sizeof title - 1, "v", 1, "s"), TOME_PACK_OK);
        CHECK_EQ(tome_pack_write(p, path, NULL), TOME_PACK_ERR_LIMIT);
        CHECK(strstr(tome_packer_message(p), "too long") != NULL);
        CHECK(access(path, F_OK) != 0); /* nothing left behind */
        tome_packer_free(p);
    }
    corpus_free(&c);
}

/* A read callback that counts how often each byte of the archive is read. */
typedef struct counted {
    image im;
    uint8_t *times;
} counted;

static int counted_read(void *user, uint64_t offset, void *dst, size_t len)
{
    counted *c = user;
    size_t i;
    for (i = 0; i < len && offset + i < c->im.size; i++)
        if (c->times[offset + i] < 255)
            c->times[offset + i]++;
    return image_read(&c->im, offset, dst, len);
}

/* Fewest and most reads of any byte of the body frames (with_keys: of the
 * key frames too). */
static void frame_reads(const uint8_t *b, const uint8_t *times, int with_keys, unsigned *least,
                        unsigned *most)
{
    uint32_t blocks = tome_get32(b + HDR_BLOCK_COUNT), i, j;
    uint64_t table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET);
    if (with_keys)
        blocks += tome_get32(b + HDR_KEY_BLOCK_COUNT);
    *least = 255;
    *most = 0;
    for (i = 0; i < blocks; i++) {
        const uint8_t *rec = b + table + (uint64_t)i * BLK_RECORD_SIZE;
        uint64_t at = tome_get64(rec + BLK_FRAME_OFFSET);
        for (j = 0; j < tome_get32(rec + BLK_FRAME_SIZE); j++) {
            if (times[at + j] < *least)
                *least = times[at + j];
            if (times[at + j] > *most)
                *most = times[at + j];
        }
    }
}

/* The slots' promise: iterating in storage order decodes each block once;
 * a key lookup between fetches (the key block takes the zstd context) at
 * most twice, the prefix and then the whole block; verify decodes every
 * block once, besides hashing the whole file once.  (Verify does decode a
 * block twice when an article spans three blocks or more: no article here
 * is longer than a block.) */
static void test_each_block_decoded_once(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 64 * 1024);
    size_t size = 0, got, pass;
    uint8_t *bytes, *body = malloc(4096);
    char key[64];
    make_similar(&c, 600, 5);
    bytes = pack_corpus(&c, &o, 0, &size, NULL);
    CHECK(bytes != NULL && tome_get32(bytes + HDR_BLOCK_COUNT) > 5);
    CHECK(bytes != NULL && tome_get32(bytes + HDR_KEY_BLOCK_COUNT) > 1);
    for (pass = 0; bytes && pass < 3; pass++) {
        counted cnt;
        tome_config cfg;
        tome_reader *r = NULL;
        tome_verify_report rep;
        void *ws;
        size_t need = 0;
        uint32_t cursor = 0, id;
        unsigned least, most;
        int err = TOME_OK;
        memset(&cnt, 0, sizeof cnt);
        memset(&cfg, 0, sizeof cfg);
        cnt.im.bytes = bytes;
        cnt.im.size = size;
        cnt.im.fail_after = -1;
        cnt.times = calloc(size, 1);
        cfg.read = counted_read;
        cfg.user = &cnt;
        cfg.size = size;
        CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
        ws = malloc(need);
        cfg.workspace = ws;
        cfg.workspace_size = need;
        CHECK_EQ(tome_open(&r, &cfg), TOME_OK);
        memset(cnt.times, 0, size);
        if (pass < 2) {
            while (err == TOME_OK && (err = tome_next(r, &cursor, &id)) == TOME_OK) {
                if (pass == 1) /* another key block, now and then */
                    err = tome_key(r, (uint32_t)((id * 7919u) % tome_count(r)), key, sizeof key);
                if (err == TOME_OK)
                    err = tome_fetch(r, id, body, 4096, &got);
            }
            CHECK_EQ(err, TOME_DONE);
            frame_reads(bytes, cnt.times, 0, &least, &most);
            CHECK_EQ(least, 1);
            CHECK_EQ(most, pass == 0 ? 1 : 2);
        } else {
            CHECK_EQ(tome_verify(r, NULL, NULL, &rep), TOME_OK);
            frame_reads(bytes, cnt.times, 1, &least, &most);
            CHECK_EQ(least, 2);
            CHECK_EQ(most, 2);
        }
        free(ws);
        free(cnt.times);
    }
    free(bytes);
    free(body);
    corpus_free(&c);
}

/* A body block decoded to its end, then the key block took the zstd
 * context (the slot is PARTIAL): verify must decode it anew to see its
 * frame end, not call it damaged (a fuzz finding). */
static void test_verify_after_context_moved(void)
{
    size_t size = 0, got;
    uint8_t *bytes = small_archive(&size, 64 * 1024);
    uint8_t buf[64];
    tome_article a;
    tome_verify_report rep;
    opened o;
    uint32_t id;
    int mode;
    for (mode = 0; bytes && mode < 2; mode++) {
        open_archive(&o, bytes, size, mode, 0);
        CHECK_EQ(o.err, TOME_OK);
        if (o.err != TOME_OK)
            continue;
        for (id = 0; id < tome_count(o.r); id++)
            CHECK_EQ(tome_fetch(o.r, id, buf, sizeof buf, &got), TOME_OK);
        CHECK_EQ(tome_stat(o.r, 0, &a), TOME_OK);
        CHECK_EQ(tome_verify(o.r, NULL, NULL, &rep), TOME_OK);
        CHECK_EQ(rep.damaged_parts, 0);
        /* and the same again, the slots as verify left them */
        CHECK_EQ(tome_fetch(o.r, 3, buf, sizeof buf, &got), TOME_OK);
        CHECK_EQ(tome_stat(o.r, 1, &a), TOME_OK);
        CHECK_EQ(tome_verify(o.r, NULL, NULL, &rep), TOME_OK);
        close_archive(&o);
    }
    free(bytes);
}

int main(void)
{
    test_forbidden_keys();
    test_error_codes();
    test_seeds();
    test_edge_corpus();
    test_dictionary();
    test_dictionary_damage();
    test_determinism();
    test_dedup();
    test_clustering();
    test_truncation_sweep();
    test_byte_sweep();
    test_block_damage_names_articles();
    test_key_blocks();
    test_each_block_decoded_once();
    test_verify_after_context_moved();
    test_frozen_vector();
    test_packer_errors();
    test_workspace_bound();
    test_ram_budget();
    temp_cleanup();
    return check_summary();
}
