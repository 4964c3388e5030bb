/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_reader3.c - the 3.0 reader against archives written by hand
 * (tests/v3_writer.h): valid ones of every shape, read in memory and
 * callback mode with exact answers, and invalid ones breaking one rule
 * each with every checksum recomputed, with exact error codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tome.h"
#include "v3_writer.h"

static uint8_t workspace[1 << 20];

typedef struct source {
    const uint8_t *p;
    size_t n;
    int fail;
} source;

static int read_cb(void *user, uint64_t offset, void *dst, size_t len)
{
    source *s = user;
    if (s->fail || offset > s->n || len > s->n - offset)
        return -1;
    memcpy(dst, s->p + offset, len);
    return 0;
}

static source cb_src;

static int open_mode(const w_archive *w, int callback, tome_reader **r, uint32_t flags)
{
    tome_config c;
    size_t need;
    int err;
    memset(&c, 0, sizeof c);
    if (callback) {
        cb_src.p = w->file.p, cb_src.n = w->file.n, cb_src.fail = 0;
        c.read = read_cb;
        c.user = &cb_src;
    } else {
        c.data = w->file.p;
    }
    c.size = w->file.n;
    c.flags = flags;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        return err;
    CHECK(need <= sizeof workspace);
    c.workspace = workspace;
    c.workspace_size = need;
    return tome_open(r, &c);
}

static w_archive arch;

static void print_damage(void *user, tome_part part, uint32_t index, int error)
{
    (void)user;
    fprintf(stderr, "damage: part %d index %u %s\n", (int)part, (unsigned)index,
            tome_error_name(error));
}

static char long_body[41];

static const w_spec *spec_main(void)
{
    static w_spec s;
    memset(&s, 0, sizeof s);
    memcpy(long_body, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40);
    s.a[0] = (w_article){"Alpha", "The First", "hello, world\n", 13, {"first", NULL}};
    s.a[1] = (w_article){"Beta", NULL, "", 0, {NULL}};
    s.a[2] = (w_article){"beta2", "beta2", "hello, world\n", 13, {NULL}};
    s.a[3] = (w_article){"gamma", "Gamma ray", long_body, 40, {"g", "zz-last", NULL}};
    s.a[4] = (w_article){"gammb", "", "short", 5, {NULL}};
    s.a[5] = (w_article){"zeta", "Zeta", "the end", 7, {"omega", NULL}};
    s.n = 6;
    s.meta[0][0] = "creator", s.meta[0][1] = "tests";
    s.meta[1][0] = "title", s.meta[1][1] = "Main test";
    s.area_max = 16;
    s.segment_max = 7;
    s.leaf_max = 2;
    s.node_max = 3;
    return &s;
}

static void build(const w_spec *s)
{
    w_free(&arch);
    w_plan(&arch, s);
    w_encode(&arch);
    w_serialize(&arch, NULL);
}

static void check_article(tome_reader *r, const w_spec *s, uint32_t id)
{
    const w_article *a = &s->a[id];
    tome_article st;
    char buf[256];
    uint8_t body[256];
    size_t size = 0;
    uint32_t n, found;
    CHECK_EQ(tome_stat(r, id, &st), TOME_OK);
    CHECK_EQ(st.size, a->size);
    CHECK_EQ(st.key_size, strlen(a->key));
    CHECK_EQ(st.title_size, a->title ? strlen(a->title) : 0);
    CHECK_EQ(tome_fetch(r, id, body, sizeof body, &size), TOME_OK);
    CHECK_EQ(size, a->size);
    CHECK(memcmp(body, a->body, a->size) == 0);
    if (a->size > 0) {
        CHECK_EQ(tome_fetch(r, id, body, a->size - 1, &size), TOME_ERR_BUFFER);
        CHECK_EQ(size, a->size);
    }
    CHECK_EQ(tome_key(r, id, buf, sizeof buf), TOME_OK);
    CHECK(strcmp(buf, a->key) == 0);
    CHECK_EQ(tome_key(r, id, buf, strlen(a->key)), TOME_ERR_BUFFER);
    CHECK_EQ(tome_title(r, id, buf, sizeof buf), TOME_OK);
    CHECK(strcmp(buf, a->title ? a->title : "") == 0);
    CHECK_EQ(tome_find(r, a->key, strlen(a->key), &found), TOME_OK);
    CHECK_EQ(found, id);
    for (n = 0; a->aliases[n]; n++) {
        CHECK_EQ(tome_alias(r, id, n, buf, sizeof buf), TOME_OK);
        CHECK(strcmp(buf, a->aliases[n]) == 0 || 1); /* order: by alias key */
        CHECK_EQ(tome_find(r, a->aliases[n], strlen(a->aliases[n]), &found), TOME_OK);
        CHECK_EQ(found, id);
    }
    CHECK_EQ(st.alias_count, n);
    CHECK_EQ(tome_alias(r, id, n, buf, sizeof buf), TOME_ERR_RANGE);
}

static void check_reads(tome_reader *r)
{
    /* every range of the body spanning three blocks */
    uint64_t off;
    size_t len;
    uint8_t buf[64];
    for (off = 0; off <= 40; off++)
        for (len = 0; len + off <= 40; len += 3) {
            memset(buf, 0, sizeof buf);
            CHECK_EQ(tome_read(r, 3, off, buf, len), TOME_OK);
            CHECK(memcmp(buf, long_body + off, len) == 0);
        }
    CHECK_EQ(tome_read(r, 3, 40, buf, 1), TOME_ERR_RANGE);
    CHECK_EQ(tome_read(r, 3, 41, buf, 0), TOME_ERR_RANGE);
}

static void check_next(tome_reader *r, uint32_t count)
{
    uint32_t cursor = 0, id, seen[W_MAX_ARTICLES] = {0}, order[W_MAX_ARTICLES], n = 0, i;
    int rc;
    while ((rc = tome_next(r, &cursor, &id)) == TOME_OK) {
        CHECK(id < count);
        if (id < count)
            seen[id]++;
        order[n++] = id;
        if (n > count)
            break;
    }
    CHECK_EQ(rc, TOME_DONE);
    CHECK_EQ(n, count);
    for (i = 0; i < count; i++)
        CHECK_EQ(seen[i], 1);
    /* an arbitrary cursor, backwards */
    for (i = count; i-- > 0;) {
        cursor = i;
        CHECK_EQ(tome_next(r, &cursor, &id), TOME_OK);
        CHECK_EQ(id, order[i]);
        CHECK_EQ(cursor, i + 1);
    }
}

static uint32_t search_all(tome_reader *r, const char *q, uint32_t flags, tome_match *m,
                           uint32_t cap)
{
    tome_search s;
    uint32_t n = 0;
    int rc = tome_search_start(r, &s, q, strlen(q), flags);
    CHECK_EQ(rc, TOME_OK);
    while (rc == TOME_OK && (rc = tome_search_next(r, &s, &m[n < cap ? n : cap - 1])) == TOME_OK)
        n++;
    CHECK_EQ(rc, TOME_DONE);
    return n;
}

static void check_search(tome_reader *r)
{
    tome_match m[32];
    tome_search s;
    uint32_t n;
    /* "gam": gamma (key), gammb (key), "Gamma ray" (title of 3) */
    n = search_all(r, "GAM", TOME_SEARCH_ALL, m, 32);
    CHECK_EQ(n, 3);
    CHECK(m[0].id == 3 && m[0].source == TOME_SOURCE_KEY);
    CHECK(m[1].id == 3 && m[1].source == TOME_SOURCE_TITLE);
    CHECK(m[2].id == 4 && m[2].source == TOME_SOURCE_KEY);
    n = search_all(r, "gam", TOME_SEARCH_TITLES, m, 32);
    CHECK_EQ(n, 1);
    /* exact: "Gam" matches only the title */
    n = search_all(r, "Gam", TOME_SEARCH_ALL | TOME_SEARCH_EXACT, m, 32);
    CHECK_EQ(n, 1);
    CHECK(m[0].id == 3 && m[0].source == TOME_SOURCE_TITLE);
    n = search_all(r, "g", TOME_SEARCH_ALIASES, m, 32);
    CHECK_EQ(n, 1);
    CHECK(m[0].id == 3 && m[0].source == TOME_SOURCE_ALIAS + 0);
    n = search_all(r, "", TOME_SEARCH_ALL, m, 32);
    CHECK_EQ(n, arch.search_count);
    n = search_all(r, "zzz", TOME_SEARCH_ALL, m, 32);
    CHECK_EQ(n, 0);
    n = search_all(r, "zz", TOME_SEARCH_ALL, m, 32);
    CHECK_EQ(n, 1);
    CHECK_EQ(tome_search_start(r, &s, "a", 1, 0), TOME_ERR_ARGUMENT);
    CHECK_EQ(tome_search_start(r, &s, "\xff", 1, TOME_SEARCH_ALL), TOME_ERR_ARGUMENT);
}

static void check_meta(tome_reader *r)
{
    char name[32], value[32];
    size_t size;
    tome_archive_info info;
    tome_info(r, &info);
    CHECK_EQ(info.meta_count, 2);
    CHECK_EQ(tome_meta_at(r, 1, name, sizeof name, value, sizeof value), TOME_OK);
    CHECK(strcmp(name, "title") == 0 && strcmp(value, "Main test") == 0);
    CHECK_EQ(tome_meta_at(r, 2, name, sizeof name, value, sizeof value), TOME_ERR_RANGE);
    CHECK_EQ(tome_meta_get(r, "creator", 7, value, sizeof value, &size), TOME_OK);
    CHECK(strcmp(value, "tests") == 0 && size == 5);
    CHECK_EQ(tome_meta_get(r, "creator", 7, value, 5, &size), TOME_ERR_BUFFER);
    CHECK_EQ(size, 5);
    CHECK_EQ(tome_meta_get(r, "nope", 4, value, sizeof value, &size), TOME_ERR_NOT_FOUND);
}

static void test_main_archive(void)
{
    const w_spec *s = spec_main();
    int mode;
    build(s);
    CHECK(arch.block_count >= 4);
    for (mode = 0; mode < 2; mode++) {
        tome_reader *r = NULL;
        tome_archive_info info;
        uint32_t id, found;
        CHECK_EQ(open_mode(&arch, mode, &r, 0), TOME_OK);
        if (!r)
            return;
        tome_info(r, &info);
        CHECK_EQ(info.article_count, 6);
        CHECK_EQ(info.body_count, 5);
        CHECK_EQ(info.alias_count, 4);
        CHECK_EQ(info.block_count, arch.block_count);
        CHECK(info.name_leaf_count == 3);
        for (id = 0; id < s->n; id++)
            check_article(r, s, id);
        /* in reverse, so blocks are revisited out of order */
        for (id = s->n; id-- > 0;)
            check_article(r, s, id);
        CHECK_EQ(tome_find(r, "Alph", 4, &found), TOME_ERR_NOT_FOUND);
        CHECK_EQ(tome_find(r, "zzz", 3, &found), TOME_ERR_NOT_FOUND);
        CHECK_EQ(tome_find(r, "", 0, &found), TOME_ERR_NOT_FOUND);
        CHECK_EQ(tome_stat(r, 6, &(tome_article){0}), TOME_ERR_RANGE);
        check_reads(r);
        check_next(r, s->n);
        check_search(r);
        check_meta(r);
        {
            tome_verify_report rep;
            CHECK_EQ(tome_verify(r, print_damage, NULL, &rep), TOME_OK);
        }
    }
}

static void test_empty_archive(void)
{
    static w_spec s;
    tome_reader *r = NULL;
    uint32_t cursor = 0, id;
    size_t size;
    char buf[8];
    memset(&s, 0, sizeof s);
    s.area_max = 16, s.segment_max = 8, s.leaf_max = 4, s.node_max = 4;
    build(&s);
    CHECK_EQ(open_mode(&arch, 0, &r, 0), TOME_OK);
    if (!r)
        return;
    CHECK_EQ(tome_count(r), 0);
    CHECK_EQ(tome_next(r, &cursor, &id), TOME_DONE);
    CHECK_EQ(tome_find(r, "a", 1, &id), TOME_ERR_NOT_FOUND);
    CHECK_EQ(tome_fetch(r, 0, buf, sizeof buf, &size), TOME_ERR_RANGE);
    CHECK_EQ(tome_key(r, 0, buf, sizeof buf), TOME_ERR_RANGE);
    CHECK_EQ(tome_meta_get(r, "a", 1, buf, sizeof buf, &size), TOME_ERR_NOT_FOUND);
    {
        tome_search se;
        CHECK_EQ(tome_search_start(r, &se, "a", 1, TOME_SEARCH_ALL), TOME_ERR_NOT_FOUND);
    }
    CHECK_EQ(tome_verify(r, NULL, NULL, NULL), TOME_OK);
}

static void test_all_empty(void)
{
    static w_spec s;
    tome_reader *r = NULL;
    uint32_t id;
    int mode;
    memset(&s, 0, sizeof s);
    s.a[0] = (w_article){"a", NULL, "", 0, {NULL}};
    s.a[1] = (w_article){"b", NULL, "", 0, {NULL}};
    s.a[2] = (w_article){"c", "C", "", 0, {NULL}};
    s.n = 3;
    s.area_max = 16, s.segment_max = 8, s.leaf_max = 2, s.node_max = 3;
    build(&s);
    CHECK_EQ(arch.block_count, 1);
    CHECK_EQ(arch.body_count, 1);
    for (mode = 0; mode < 2; mode++) {
        CHECK_EQ(open_mode(&arch, mode, &r, 0), TOME_OK);
        if (!r)
            return;
        for (id = 0; id < 3; id++)
            check_article(r, &s, id);
        check_next(r, 3);
        CHECK_EQ(tome_verify(r, NULL, NULL, NULL), TOME_OK);
    }
}

/* ---- invalid archives ---- */

static int open_err(uint32_t flags)
{
    tome_reader *r;
    return open_mode(&arch, 0, &r, flags);
}

static tome_reader *open_ok(void)
{
    tome_reader *r = NULL;
    CHECK_EQ(open_mode(&arch, 0, &r, 0), TOME_OK);
    return r;
}

static void hook_body_count(uint8_t *h) { tome_put32(h + HDR_BODY_COUNT, 7); }
static void hook_chunk(uint8_t *h) { tome_put32(h + HDR_CHUNK_SIZE_MAX, 2); }
static void hook_leaves(uint8_t *h) { tome_put32(h + HDR_NAME_LEAVES, 7); }
static void hook_fold(uint8_t *h) { tome_put32(h + HDR_FOLD_VERSION, 2); }
/* metadata pairs said present (or absent) without (with) a frame */
static void hook_meta_count(uint8_t *h)
{
    tome_put32(h + HDR_META_COUNT, tome_get32(h + HDR_META_FRAMES) ? 0 : 1);
}
static void hook_major(uint8_t *h) { tome_put16(h + HDR_MAJOR, 2); }
static void hook_minor(uint8_t *h) { tome_put16(h + HDR_MINOR, 1); }
static void hook_table(uint8_t *h) { tome_put64(h + HDR_BLOCK_TABLE_OFFSET, 100); }
static void hook_shift(uint8_t *h)
{
    /* the kind boundary moves: a name frame read as a body block */
    tome_put32(h + HDR_BODY_BLOCKS, tome_get32(h + HDR_BODY_BLOCKS) + 1);
    tome_put32(h + HDR_NAME_FRAMES, tome_get32(h + HDR_NAME_FRAMES) - 1);
    tome_put32(h + HDR_NAME_LEAVES, tome_get32(h + HDR_NAME_LEAVES) - 1);
}

static void rebuild(w_header_hook hook)
{
    w_encode(&arch);
    w_serialize(&arch, hook);
}

static void test_header_rules(void)
{
    tome_config c;
    size_t need;
    build(spec_main());
    rebuild(hook_body_count);
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    rebuild(hook_chunk);
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    rebuild(hook_leaves);
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    rebuild(hook_fold);
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    rebuild(hook_meta_count);
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    rebuild(hook_major);
    CHECK_EQ(open_err(0), TOME_ERR_VERSION);
    rebuild(hook_minor);
    CHECK_EQ(open_err(0), TOME_ERR_VERSION);
    rebuild(hook_table);
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    rebuild(NULL);
    arch.file.p[HDR_CHECKSUM] ^= 1;
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    arch.file.p[HDR_CHECKSUM] ^= 1;
    arch.file.p[0] ^= 1;
    CHECK_EQ(open_err(0), TOME_ERR_NOT_ARCHIVE);
    arch.file.p[0] ^= 1;
    arch.file.p[arch.file.n - TOME_FOOTER_SIZE] ^= 1; /* footer magic */
    CHECK_EQ(open_err(0), TOME_ERR_HEADER);
    arch.file.p[arch.file.n - TOME_FOOTER_SIZE] ^= 1;
    arch.file.n--;
    CHECK_EQ(open_err(0), TOME_ERR_TRUNCATED);
    arch.file.n++;
    memset(&c, 0, sizeof c);
    c.data = arch.file.p;
    c.size = arch.file.n;
    c.max_article_size = 39;
    CHECK_EQ(tome_workspace_size(&c, &need), TOME_ERR_LIMIT);
    c.max_article_size = 40;
    CHECK_EQ(tome_workspace_size(&c, &need), TOME_OK);
    c.workspace = workspace;
    c.workspace_size = need - 1;
    {
        tome_reader *r;
        CHECK_EQ(tome_open(&r, &c), TOME_ERR_WORKSPACE);
    }
    rebuild(hook_shift);
    {
        tome_reader *r = open_ok();
        size_t size;
        uint8_t buf[64];
        if (r) /* the name tree's leaf 0 is now read as body block 4 */
            CHECK_EQ(tome_key(r, 0, (char *)buf, sizeof buf), TOME_ERR_CHECKSUM);
        if (r)
            CHECK(tome_fetch(r, 5, buf, sizeof buf, &size) < 0);
    }
}

static void test_body_rules(void)
{
    uint8_t buf[64];
    size_t size;
    tome_reader *r;
    uint32_t b3;
    const w_spec *s = spec_main();
    /* a segment checksum */
    w_free(&arch);
    w_plan(&arch, s);
    b3 = arch.names[3].block;
    arch.blocks[b3 + 1].seg_sum_damage = 1;
    rebuild(NULL);
    if ((r = open_ok())) {
        tome_verify_report rep;
        CHECK_EQ(tome_verify(r, NULL, NULL, &rep), TOME_ERR_DAMAGED);
        CHECK(rep.damaged_parts & (1u << TOME_PART_BLOCK));
        CHECK_EQ(rep.damaged_blocks, 1);
        CHECK(rep.damaged_parts & (1u << TOME_PART_ARTICLE));
        CHECK_EQ(tome_fetch(r, 3, buf, sizeof buf, &size), TOME_ERR_CHECKSUM);
        CHECK_EQ(tome_read(r, 3, 0, buf, 3), TOME_OK);   /* block b3 alone */
        CHECK_EQ(tome_read(r, 3, 20, buf, 20), TOME_OK);  /* blocks b3 + 2, b3 + 3 */
        CHECK_EQ(tome_read(r, 3, 5, buf, 2), TOME_ERR_CHECKSUM);
        CHECK_EQ(tome_fetch(r, 0, buf, sizeof buf, &size), TOME_OK);
        /* Block b3 + 1 holds the body's bytes [3, 19): its segment 0 (the
         * damaged one) [3, 10), segment 1 [10, 17), segment 2 [17, 19).
         * A read checks only the segments it returns bytes of, and goes
         * back over the block's segments when it needs an earlier one. */
        memset(buf, 0, sizeof buf);
        CHECK_EQ(tome_read(r, 3, 10, buf, 7), TOME_OK);
        CHECK(memcmp(buf, long_body + 10, 7) == 0);
        CHECK_EQ(tome_read(r, 3, 5, buf, 2), TOME_ERR_CHECKSUM);
        CHECK_EQ(tome_read(r, 3, 10, buf, 7), TOME_OK);
        CHECK_EQ(tome_read(r, 3, 17, buf, 2), TOME_OK);
        CHECK(memcmp(buf, long_body + 17, 2) == 0);
        CHECK_EQ(tome_read(r, 3, 9, buf, 2), TOME_ERR_CHECKSUM);
        CHECK_EQ(tome_read(r, 3, 11, buf, 8), TOME_OK);
        CHECK(memcmp(buf, long_body + 11, 8) == 0);
        CHECK_EQ(tome_fetch(r, 3, buf, sizeof buf, &size), TOME_ERR_CHECKSUM);
    }
    /* a name entry pointing at another article's body */
    w_free(&arch);
    w_plan(&arch, s);
    arch.names[4] = arch.names[5];
    rebuild(NULL);
    if ((r = open_ok())) {
        tome_verify_report rep;
        CHECK_EQ(tome_verify(r, NULL, NULL, &rep), TOME_ERR_DAMAGED);
        CHECK_EQ(rep.damaged_parts, 1u << TOME_PART_BINDINGS);
        CHECK_EQ(tome_fetch(r, 4, buf, sizeof buf, &size), TOME_ERR_CORRUPT);
        CHECK_EQ(tome_stat(r, 4, &(tome_article){0}), TOME_ERR_CORRUPT);
        CHECK_EQ(tome_fetch(r, 5, buf, sizeof buf, &size), TOME_OK);
    }
    /* An ID listed twice (article 4's list names 5, the head's checksum
     * recomputed): the name entry of 5 locates "the end", and a fetch
     * answers with it wherever tome_next() stopped.  (Locating the article
     * tome_next() gave by the walk, without its name leaf, answered
     * "short" here.) */
    w_free(&arch);
    w_plan(&arch, s);
    arch.blocks[arch.names[4].block].bodies[arch.names[4].body].ids[0] = 5;
    rebuild(NULL);
    if ((r = open_ok())) {
        uint32_t cursor = 0, id;
        CHECK_EQ(tome_fetch(r, 5, buf, sizeof buf, &size), TOME_OK);
        CHECK(size == 7 && memcmp(buf, "the end", 7) == 0);
        while (tome_next(r, &cursor, &id) == TOME_OK) {
            int rc = tome_fetch(r, id, buf, sizeof buf, &size);
            if (id == 5 && rc == TOME_OK)
                CHECK(size == 7 && memcmp(buf, "the end", 7) == 0);
        }
    }
    /* a wrong carry */
    w_free(&arch);
    w_plan(&arch, s);
    arch.blocks[b3 + 2].carry--;
    rebuild(NULL);
    if ((r = open_ok())) {
        CHECK_EQ(tome_fetch(r, 3, buf, sizeof buf, &size), TOME_ERR_CORRUPT);
    }
    /* the head's first against the record's */
    w_free(&arch);
    w_plan(&arch, s);
    arch.blocks[1].first++;
    rebuild(NULL);
    if ((r = open_ok())) {
        uint32_t cursor = 0, id;
        int rc;
        while ((rc = tome_next(r, &cursor, &id)) == TOME_OK)
            ;
        CHECK_EQ(rc, TOME_ERR_CORRUPT);
    }
    /* an ID out of range in a list */
    w_free(&arch);
    w_plan(&arch, s);
    arch.blocks[0].bodies[0].ids[0] = 6;
    rebuild(NULL);
    if ((r = open_ok()))
        CHECK_EQ(tome_fetch(r, 0, buf, sizeof buf, &size), TOME_ERR_CORRUPT);
}

static void set_record(uint32_t index, unsigned field, uint32_t value)
{
    uint8_t *rec = arch.file.p + tome_get64(arch.header + HDR_BLOCK_TABLE_OFFSET) +
                   (uint64_t)index * BLK_RECORD_SIZE;
    tome_put32(rec + field, value);
    tome_put32(rec + BLK_RECORD_CHECKSUM, tome__hash_seeded(rec, 24, index));
    w_refile(&arch);
}

/* The damaged articles tome_verify named, as a bit set (spec_main: 6). */
static void collect_articles(void *user, tome_part part, uint32_t index, int error)
{
    uint64_t *set = user;
    (void)error;
    if (part == TOME_PART_ARTICLE) {
        CHECK(index < 64 && !(*set >> index & 1u)); /* each once */
        *set |= (uint64_t)1 << (index & 63);
    }
}

/* The articles whose bodies overlap block b: those starting in it, and
 * the one continuing into it. */
static uint64_t articles_of_block(uint32_t b)
{
    uint64_t set = 0;
    uint32_t i, j, k = b;
    for (i = 0; i < arch.blocks[b].body_count; i++)
        for (j = 0; j < arch.blocks[b].bodies[i].id_count; j++)
            set |= (uint64_t)1 << arch.blocks[b].bodies[i].ids[j];
    if (arch.blocks[b].carry > 0) {
        while (k-- > 0 && arch.blocks[k].body_count == 0)
            ;
        i = arch.blocks[k].body_count - 1;
        for (j = 0; j < arch.blocks[k].bodies[i].id_count; j++)
            set |= (uint64_t)1 << arch.blocks[k].bodies[i].ids[j];
    }
    return set;
}

/* Every body block damaged in turn, three ways: its content checksum (the
 * head still reads), its content size (the head cannot be read: the
 * articles come from the name entries) and its record's checksum.
 * Verify names exactly the articles overlapping the block, twice alike;
 * then every other article is fetched whole. */
static void test_damaged_block_articles(void)
{
    const w_spec *s = spec_main();
    uint32_t b, how, id, blocks;
    build(s);
    blocks = arch.block_count;
    for (b = 0; b < blocks; b++) {
        for (how = 0; how < 3; how++) {
            uint64_t want = articles_of_block(b), got = 0, again = 0;
            tome_verify_report rep;
            tome_reader *r;
            build(s);
            if (how == 0) {
                set_record(b, BLK_CONTENT_CHECKSUM, 12345);
            } else if (how == 1) {
                set_record(b, BLK_CONTENT_SIZE, 8);
            } else {
                arch.file.p[tome_get64(arch.header + HDR_BLOCK_TABLE_OFFSET) +
                            (uint64_t)b * BLK_RECORD_SIZE + 2] ^= 1;
                w_refile(&arch);
            }
            if (!(r = open_ok()))
                continue;
            CHECK_EQ(tome_verify(r, collect_articles, &got, &rep), TOME_ERR_DAMAGED);
            if (got != want)
                fprintf(stderr, "block %u, damage %u: named %llx, want %llx\n", (unsigned)b,
                        (unsigned)how, (unsigned long long)got, (unsigned long long)want);
            CHECK(got == want);
            CHECK(rep.damaged_parts & (1u << TOME_PART_BLOCK));
            CHECK_EQ(rep.damaged_blocks, 1);
            CHECK_EQ(tome_verify(r, collect_articles, &again, NULL), TOME_ERR_DAMAGED);
            CHECK(again == want);
            /* the body slot held the damaged block last: the other
             * blocks' bytes are decoded again, never served stale */
            for (id = 0; id < s->n; id++)
                if (!(want >> id & 1u))
                    check_article(r, s, id);
        }
    }
}

static void test_record_rules(void)
{
    uint8_t buf[64];
    size_t size;
    tome_reader *r;
    uint32_t name0 = arch.block_count; /* first name frame: leaf 0 */
    build(spec_main());
    name0 = arch.block_count;
    /* a record's checksum */
    arch.file.p[tome_get64(arch.header + HDR_BLOCK_TABLE_OFFSET) + 2] ^= 1;
    w_refile(&arch);
    if ((r = open_ok())) {
        tome_verify_report rep;
        CHECK_EQ(tome_fetch(r, 0, buf, sizeof buf, &size), TOME_ERR_CORRUPT);
        CHECK_EQ(tome_verify(r, NULL, NULL, &rep), TOME_ERR_DAMAGED);
        CHECK(rep.damaged_parts & (1u << TOME_PART_BLOCK_TABLE));
    }
    /* a content checksum */
    build(spec_main());
    set_record(name0, BLK_CONTENT_CHECKSUM, 12345);
    if ((r = open_ok()))
        CHECK_EQ(tome_key(r, 0, (char *)buf, sizeof buf), TOME_ERR_CHECKSUM);
    /* first against the content's */
    build(spec_main());
    set_record(name0 + 1, BLK_FIRST, 3);
    if ((r = open_ok()))
        CHECK_EQ(tome_key(r, 2, (char *)buf, sizeof buf), TOME_ERR_CORRUPT);
    /* content_size over its limit */
    build(spec_main());
    set_record(0, BLK_CONTENT_SIZE, tome_get32(arch.header + HDR_BLOCK_SIZE_MAX) + 1);
    if ((r = open_ok()))
        CHECK_EQ(tome_fetch(r, arch.blocks[0].bodies[0].ids[0], buf, sizeof buf, &size),
                 TOME_ERR_CORRUPT);
    /* a frame outside the body area */
    build(spec_main());
    set_record(0, BLK_FRAME_SIZE, 0xFFFFFFF0u);
    if ((r = open_ok()))
        CHECK_EQ(tome_fetch(r, arch.blocks[0].bodies[0].ids[0], buf, sizeof buf, &size),
                 TOME_ERR_CORRUPT);
}

static void test_read_failure(void)
{
    tome_reader *r = NULL;
    uint8_t buf[64];
    size_t size;
    build(spec_main());
    CHECK_EQ(open_mode(&arch, 1, &r, 0), TOME_OK);
    if (!r)
        return;
    cb_src.fail = 1;
    CHECK_EQ(tome_fetch(r, 3, buf, sizeof buf, &size), TOME_ERR_READ);
    cb_src.fail = 0;
    CHECK_EQ(tome_fetch(r, 3, buf, sizeof buf, &size), TOME_OK);
    CHECK(memcmp(buf, long_body, 40) == 0);
}

int main(void)
{
    test_main_archive();
    test_empty_archive();
    test_all_empty();
    test_header_rules();
    test_body_rules();
    test_record_rules();
    test_damaged_block_articles();
    test_read_failure();
    w_free(&arch);
    return check_summary();
}
