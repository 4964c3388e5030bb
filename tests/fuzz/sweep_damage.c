/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sweep_damage.c - damaged archives, counted by outcome.
 *
 * Every damaged copy is opened, verified and then read in full (find,
 * fetch, key, title, stat, read, iteration), in memory and through the read
 * callback, and its outcome is counted:
 *   detected at open    tome_open refused it;
 *   detected by verify  tome_verify reported damage;
 *   harmless            verify found nothing and every article, key and
 *                       title came back byte-exact;
 *   WRONG               a call returned wrong bytes as success, or verify
 *                       was clean while something differed.
 * A crash fails the program; a hang is stopped by a watchdog that names the
 * case.  WRONG must be zero.
 *
 * The sweeps: a small archive with every truncation and every single-byte
 * change; a large archive with a sample of truncations, multi-byte damage
 * and block swaps, each also with the header, table and file checksums
 * recomputed (damage a careless rewrite would hide from those checksums);
 * and a failing read at every position of open, fetch and verify.
 *
 * Format 3.0 keeps keys and titles in name leaves, each checked against its
 * content checksum whenever it is decoded, so a title is held to the same
 * standard as a key: one returned wrong as success is WRONG.  Block table
 * records check themselves (seeded with their place), and the "resealed"
 * cases recompute those checksums too: what then remains are the content
 * checksums, seeded with each frame's kind and index, the body heads' ID
 * lists and the segment checksums.
 */
#include <signal.h>

#include "format.h"
#include "fuzz_archive.h"
#include "hash.h"
#include "../testlib.h"

/* Seconds one damaged copy may take (sanitizers and qemu included). */
#define CASE_SECONDS 60

typedef struct counts {
    size_t cases, by_open, by_verify, harmless, wrong;
} counts;

static char case_name[256]; /* the case running, for the watchdog */

static void on_watchdog(int sig)
{
    static const char msg[] = "sweep: this case hangs: ";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, case_name, strlen(case_name)) < 0 ||
        write(2, "\n", 1) < 0)
        _exit(2);
    _exit(1);
}

/* ---- one damaged copy ------------------------------------------------------ */

typedef struct reading {
    int exact;      /* everything came back byte-exact */
    int wrong;      /* wrong bytes returned as success */
    const char *first_difference; /* what was not exact, first */
} reading;

/* Note whether one call came back exact. */
static void expect_exact(reading *rd, int exact, const char *what)
{
    if (!exact && rd->exact) {
        rd->exact = 0;
        rd->first_difference = what;
    }
}

static void mismatch(reading *rd, const char *what, const char *key)
{
    rd->wrong++;
    fprintf(stderr, "%s: %s of \"%s\" returned wrong bytes as success\n", case_name, what, key);
}

static int by_key(const void *x, const void *y)
{
    return strcmp((*(const article *const *)x)->key, (*(const article *const *)y)->key);
}

/* Read every article of `c` by key, and iterate. */
static reading read_everything(tome_reader *r, const corpus *c, size_t cap, uint8_t *buf,
                               uint8_t *piece)
{
    reading rd = {1, 0, NULL};
    char name[70000];
    uint32_t cursor = 0, id, visited = 0;
    const article **ranked = malloc((c->n ? c->n : 1) * sizeof *ranked);
    size_t i;
    for (i = 0; i < c->n; i++)
        ranked[i] = &c->a[i];
    expect_exact(&rd, tome_count(r) == c->n, "the article count");
    for (i = 0; i < c->n; i++) {
        const article *a = &c->a[i];
        size_t got = 0, key_len = strlen(a->key);
        tome_article st;
        int err = tome_find(r, a->key, key_len, &id);
        if (err != TOME_OK) {
            expect_exact(&rd, 0, "find");
            continue;
        }
        err = tome_fetch(r, id, buf, cap, &got);
        if (err == TOME_OK && (got != a->size || memcmp(buf, a->body, got) != 0))
            mismatch(&rd, "fetch", a->key);
        expect_exact(&rd, err == TOME_OK, "fetch");
        err = tome_key(r, id, name, sizeof name);
        if (err == TOME_OK && strcmp(name, a->key) != 0)
            mismatch(&rd, "key", a->key);
        expect_exact(&rd, err == TOME_OK, "key");
        /* a title comes from the key's entry in a checked name leaf */
        err = tome_title(r, id, name, sizeof name);
        if (err == TOME_OK && strcmp(name, a->title ? a->title : "") != 0)
            mismatch(&rd, "title", a->key);
        expect_exact(&rd, err == TOME_OK, "title");
        err = tome_stat(r, id, &st);
        expect_exact(&rd, err == TOME_OK && st.size == a->size &&
                              st.key_size == key_len &&
                              st.title_size == (a->title ? strlen(a->title) : 0),
                     "stat");
        /* tome_read checks the segments it touches, as fetch does */
        if (a->size <= cap) {
            err = tome_read(r, id, 0, piece, a->size);
            if (err == TOME_OK && memcmp(piece, a->body, a->size) != 0)
                mismatch(&rd, "read", a->key);
            expect_exact(&rd, err == TOME_OK, "read");
        }
    }
    /* the intact archive's ID of an article is the rank of its key */
    qsort(ranked, c->n, sizeof *ranked, by_key);
    while (visited <= c->n && tome_next(r, &cursor, &id) == TOME_OK) {
        size_t got;
        int err = tome_fetch(r, id, buf, cap, &got);
        visited++;
        if (err == TOME_OK && (id >= c->n || got != ranked[id]->size ||
                               memcmp(buf, ranked[id]->body, got) != 0))
            mismatch(&rd, "fetch while iterating", id < c->n ? ranked[id]->key : "?");
        expect_exact(&rd, err == TOME_OK, "fetch while iterating");
    }
    free(ranked);
    expect_exact(&rd, visited == c->n && cursor == c->n, "iteration");
    return rd;
}

/* Classify one damaged image (an exactly sized heap copy). */
static void try_image(const uint8_t *image, size_t size, const corpus *c, int callback,
                      counts *n)
{
    opened a;
    size_t cap = 0, i;
    uint8_t *buf, *piece;
    int verify;
    reading rd;
    n->cases++;
    alarm(CASE_SECONDS);
    open_archive(&a, image, size, callback, 0);
    if (a.err != TOME_OK) {
        n->by_open++;
        close_archive(&a);
        alarm(0);
        return;
    }
    for (i = 0; i < c->n; i++)
        if (c->a[i].size > cap)
            cap = c->a[i].size;
    buf = malloc(cap + 1);
    piece = malloc(cap + 1);
    verify = tome_verify(a.r, NULL, NULL, NULL);
    rd = read_everything(a.r, c, cap + 1, buf, piece);
    n->wrong += (size_t)rd.wrong;
    if (verify != TOME_OK) {
        n->by_verify++;
    } else if (rd.exact) {
        n->harmless++;
    } else {
        n->wrong++;
        fprintf(stderr, "%s: verify found nothing, yet %s is not exact\n", case_name,
                rd.first_difference);
    }
    free(buf);
    free(piece);
    close_archive(&a);
    alarm(0);
}

static void try_copy(const uint8_t *bytes, size_t size, const corpus *c, int callback, counts *n)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees over-reads */
    memcpy(copy, bytes, size);
    try_image(copy, size, c, callback, n);
    free(copy);
}

static void report(const char *what, const counts *n)
{
    printf("%s: %zu cases: %zu detected at open, %zu by verify, %zu harmless, %zu WRONG\n", what,
           n->cases, n->by_open, n->by_verify, n->harmless, n->wrong);
    CHECK_EQ(n->wrong, 0);
    CHECK_EQ(n->by_open + n->by_verify + n->harmless, n->cases);
}

/* ---- the archives ------------------------------------------------------------ */

static corpus small_corpus(void)
{
    corpus c = {0};
    corpus_add(&c, "alpha", "First", "hello, world\n", 13);
    corpus_add(&c, "beta", NULL, "hello, world\n", 13); /* duplicate body */
    corpus_add(&c, "delta", NULL, "", 0);
    corpus_add(&c, "gamma", NULL, "the third article, with more words in it\n", 41);
    return c;
}

/* Many blocks, a dictionary, titles, a body spanning blocks, duplicates. */
static corpus large_corpus(void)
{
    corpus c = {0};
    uint8_t body[2200];
    char key[64], title[64];
    uint32_t seed = 17;
    size_t i;
    for (i = 0; i < 240; i++) {
        size_t size = 300 + test_rng(&seed) % 1800;
        snprintf(key, sizeof key, "news/%04zu.txt", i);
        snprintf(title, sizeof title, "Report %zu – über", i);
        memcpy(body, "From: newsroom@example.org\nSubject: daily report\n\n", 50);
        make_text(body + 50, size - 50, (uint32_t)(i % 29) * 2654435761u + 17);
        corpus_add(&c, key, i % 5 ? NULL : title, body, size);
    }
    {
        uint8_t *big = malloc(30000);
        make_text(big, 30000, 5);
        corpus_add(&c, "long/spanning", "Long", big, 30000);
        corpus_add(&c, "long/copy", NULL, big, 30000);
        free(big);
    }
    corpus_add(&c, "empty", NULL, "", 0);
    return c;
}

/* ---- sweeps ------------------------------------------------------------------ */

static void sweep_truncations(const char *what, const uint8_t *bytes, size_t size, const corpus *c,
                              size_t step)
{
    counts n = {0}, cb = {0};
    size_t len;
    char line[128];
    /* every `step` bytes, then each of the last 64 prefixes (the footer) */
    for (len = 0; len < size; len = len + step < size - 64 ? len + step : len < size - 64 ? size - 64 : len + 1) {
        snprintf(case_name, sizeof case_name, "%s cut to %zu bytes", what, len);
        try_copy(bytes, len, c, 0, &n);
        try_copy(bytes, len, c, 1, &cb);
    }
    snprintf(line, sizeof line, "%s, truncations (memory)", what);
    report(line, &n);
    snprintf(line, sizeof line, "%s, truncations (callback)", what);
    report(line, &cb);
    /* a prefix is never harmless: open sees the file is short */
    CHECK_EQ(n.by_open, n.cases);
    CHECK_EQ(cb.by_open, cb.cases);
}

static void sweep_single_bytes(const uint8_t *bytes, size_t size, const corpus *c)
{
    counts n = {0}, cb = {0};
    uint8_t *copy = malloc(size);
    size_t pos;
    int v;
    memcpy(copy, bytes, size);
    for (pos = 0; pos < size; pos++) {
        for (v = 1; v < 256; v++) {
            copy[pos] = (uint8_t)(bytes[pos] ^ v);
            snprintf(case_name, sizeof case_name, "small archive, byte %zu ^ 0x%02x", pos, v);
            try_image(copy, size, c, 0, &n);
            try_image(copy, size, c, 1, &cb);
        }
        copy[pos] = bytes[pos];
    }
    report("small archive, every single-byte change (memory)", &n);
    report("small archive, every single-byte change (callback)", &cb);
    /* the file checksum covers every byte, so no change goes unseen */
    CHECK_EQ(n.harmless, 0);
    CHECK_EQ(cb.harmless, 0);
    CHECK_EQ(n.cases, size * 255);
    free(copy);
}

/* Regions of a packed archive, from its (intact) header: the frames (body
 * blocks', then the index frames), the block table, the dictionary. */
typedef struct regions {
    uint64_t frames, index_frames, frames_end, blocks, tables_end, dict, dict_size;
    uint32_t block_count, name_frames, records, count;
} regions;

static regions regions_of(const uint8_t *b, size_t size)
{
    regions g;
    g.dict = tome_get64(b + HDR_DICT_OFFSET);
    g.dict_size = tome_get32(b + HDR_DICT_SIZE);
    g.blocks = tome_get64(b + HDR_BLOCK_TABLE_OFFSET);
    g.tables_end = size - TOME_FOOTER_SIZE;
    g.block_count = tome_get32(b + HDR_BODY_BLOCKS);
    g.name_frames = tome_get32(b + HDR_NAME_FRAMES);
    g.records = g.block_count + g.name_frames + tome_get32(b + HDR_ALIAS_FRAMES) +
                tome_get32(b + HDR_SEARCH_FRAMES) + tome_get32(b + HDR_META_FRAMES);
    g.count = tome_get32(b + HDR_ARTICLE_COUNT);
    g.frames = g.dict_size ? g.dict + g.dict_size : TOME_HEADER_SIZE;
    g.frames_end = g.blocks;
    g.index_frames = tome_get64(b + g.blocks + (uint64_t)g.block_count * BLK_RECORD_SIZE +
                                BLK_FRAME_OFFSET);
    return g;
}

/* A start in [lo, hi) leaving room for `len` bytes before `end`. */
static uint64_t start_in(uint32_t *seed, uint64_t lo, uint64_t hi, uint64_t len, uint64_t end)
{
    uint64_t at = lo + test_rng(seed) % (hi > lo ? hi - lo : 1);
    return at + len <= end ? at : end - len;
}

/* One multi-byte damage of kind `kind`; returns its description. */
static const char *damage_many(uint8_t *b, size_t size, const regions *g, uint32_t *seed, int kind)
{
    size_t i, len;
    uint64_t at;
    switch (kind) {
    case 0: /* scattered bytes anywhere */
        len = 2 + test_rng(seed) % 15;
        for (i = 0; i < len; i++)
            b[test_rng(seed) % size] ^= (uint8_t)(1 + test_rng(seed) % 255);
        return "scattered bytes";
    case 1: /* a run of erased flash (0xFF) or a zeroed sector */
        len = 2 + test_rng(seed) % 255;
        at = start_in(seed, 0, size, len, size);
        memset(b + at, (test_rng(seed) & 1) ? 0xFF : 0x00, len);
        return "erased run";
    case 2: /* a run of noise inside the compressed blocks */
        len = 2 + test_rng(seed) % 64;
        at = start_in(seed, g->frames, g->frames_end, len, g->frames_end);
        for (i = 0; i < len; i++)
            b[at + i] = (uint8_t)test_rng(seed);
        return "noise in blocks";
    case 3: /* noise inside the block table */
        len = 2 + test_rng(seed) % 32;
        at = start_in(seed, g->blocks, g->tables_end, len, g->tables_end);
        for (i = 0; i < len; i++)
            b[at + i] ^= (uint8_t)(1 + test_rng(seed) % 255);
        return "noise in tables";
    case 4: /* noise inside the index frames (name, alias, search trees, metadata) */
        len = 2 + test_rng(seed) % 32;
        at = start_in(seed, g->index_frames, g->frames_end, len, g->frames_end);
        for (i = 0; i < len; i++)
            b[at + i] ^= (uint8_t)(1 + test_rng(seed) % 255);
        return "noise in index frames";
    default: /* noise inside the dictionary */
        len = 2 + test_rng(seed) % 16;
        at = start_in(seed, g->dict, g->dict + g->dict_size, len, g->dict + g->dict_size);
        for (i = 0; i < len; i++)
            b[at + i] ^= (uint8_t)(1 + test_rng(seed) % 255);
        return "noise in dictionary";
    }
}

static void swap_records(uint8_t *b, uint64_t x, uint64_t y, size_t n)
{
    uint8_t tmp[64];
    memcpy(tmp, b + x, n);
    memcpy(b + x, b + y, n);
    memcpy(b + y, tmp, n);
}

/* One block-level damage: frames in the wrong place or order, or a header
 * whose counts move the boundary between kinds.  The records are all of
 * the block table's: body blocks and index frames. */
static const char *damage_blocks(uint8_t *b, const regions *g, uint32_t *seed, int kind)
{
    uint32_t i = test_rng(seed) % g->records, j = test_rng(seed) % g->records;
    uint64_t ri, rj;
    if (i == j)
        j = (i + 1) % g->records;
    ri = g->blocks + (uint64_t)i * BLK_RECORD_SIZE;
    rj = g->blocks + (uint64_t)j * BLK_RECORD_SIZE;
    switch (kind) {
    case 0: /* two records trade places: frames read in the wrong order */
        swap_records(b, ri, rj, BLK_RECORD_SIZE);
        return "block records swapped";
    case 1: { /* one frame's bytes written over another's start (a misplaced write) */
        uint64_t fi = tome_get64(b + ri + BLK_FRAME_OFFSET), fj = tome_get64(b + rj + BLK_FRAME_OFFSET);
        uint32_t si = tome_get32(b + ri + BLK_FRAME_SIZE), sj = tome_get32(b + rj + BLK_FRAME_SIZE);
        memmove(b + fj, b + fi, si < sj ? si : sj);
        return "frame copied over another";
    }
    case 2: /* a record points at another frame */
        memcpy(b + ri + BLK_FRAME_OFFSET, b + rj + BLK_FRAME_OFFSET, 8);
        memcpy(b + ri + BLK_FRAME_SIZE, b + rj + BLK_FRAME_SIZE, 4);
        memcpy(b + ri + BLK_CONTENT_SIZE, b + rj + BLK_CONTENT_SIZE, 4);
        return "record points at another frame";
    case 3: /* two body blocks' records trade places, content checksums and
             * all: bodies under the wrong blocks */
        i = test_rng(seed) % g->block_count;
        j = (i + 1 + test_rng(seed) % (g->block_count - 1)) % g->block_count;
        swap_records(b, g->blocks + (uint64_t)i * BLK_RECORD_SIZE,
                     g->blocks + (uint64_t)j * BLK_RECORD_SIZE, BLK_RECORD_SIZE);
        return "body block records swapped";
    case 4: /* the header's counts shifted: one more body block, one name
             * frame fewer (the integrity issue's item 14) */
        if (g->name_frames < 2)
            return damage_blocks(b, g, seed, 0);
        tome_put32(b + HDR_BODY_BLOCKS, g->block_count + 1);
        tome_put32(b + HDR_NAME_FRAMES, g->name_frames - 1);
        return "header counts shifted between kinds";
    default: { /* a record's `first` moved by one: leaves or blocks misnumbered */
        uint32_t first = tome_get32(b + ri + BLK_FIRST);
        tome_put32(b + ri + BLK_FIRST, first ? first - 1 : 1);
        return "a record's first moved";
    }
    }
}

/* Damage from `make` (multi-byte or block-level), `cases` times, each
 * tried as is and with the outer checksums recomputed. */
static void sweep_sample(const char *what, const uint8_t *bytes, size_t size, const corpus *c,
                         int blocks, int cases)
{
    regions g = regions_of(bytes, size);
    counts n = {0}, cb = {0}, sealed = {0};
    uint32_t seed = blocks ? 4242 : 777;
    uint8_t *copy = malloc(size);
    char line[160];
    int k;
    for (k = 0; k < cases; k++) {
        const char *kind;
        memcpy(copy, bytes, size);
        kind = blocks ? damage_blocks(copy, &g, &seed, k % 6)
                      : damage_many(copy, size, &g, &seed, k % (g.dict_size ? 6 : 5));
        if (memcmp(copy, bytes, size) == 0)
            copy[TOME_HEADER_SIZE + (size_t)k % (size - TOME_HEADER_SIZE)] ^= 0x5A;
        snprintf(case_name, sizeof case_name, "%s, case %d (%s)", what, k, kind);
        try_image(copy, size, c, 0, &n);
        if (k % 4 == 0)
            try_image(copy, size, c, 1, &cb);
        reseal(copy, size, RESEAL_HEADER | RESEAL_TABLES);
        snprintf(case_name, sizeof case_name, "%s, case %d (%s), resealed", what, k, kind);
        try_image(copy, size, c, k % 2, &sealed);
    }
    snprintf(line, sizeof line, "%s (memory)", what);
    report(line, &n);
    snprintf(line, sizeof line, "%s (callback, every 4th)", what);
    report(line, &cb);
    CHECK_EQ(n.harmless, 0);
    CHECK_EQ(cb.harmless, 0);
    snprintf(line, sizeof line, "%s, outer checksums recomputed", what);
    report(line, &sealed);
    /* what the outer checksums no longer see, the content checksums still do */
    CHECK(sealed.by_verify > sealed.cases / 2);
    free(copy);
}

/* ---- failing reads ----------------------------------------------------------- */

/* Open in callback mode with the read after the first `k` failing (k < 0:
 * none); *made gets the number of reads open asked for. */
static int open_failing(opened *a, const uint8_t *bytes, size_t size, long k, unsigned long *made)
{
    tome_config cfg;
    size_t need = 0;
    memset(a, 0, sizeof *a);
    memset(&cfg, 0, sizeof cfg);
    a->im.bytes = bytes;
    a->im.size = size;
    a->im.fail_after = -1;
    cfg.read = image_read;
    cfg.user = &a->im;
    cfg.size = size;
    if (tome_workspace_size(&cfg, &need) != TOME_OK)
        return -999;
    a->ws = malloc(need);
    cfg.workspace = a->ws;
    cfg.workspace_size = need;
    a->im.calls = 0;
    a->im.fail_after = k;
    a->err = tome_open(&a->r, &cfg);
    *made = a->im.calls;
    a->im.fail_after = -1;
    return a->err;
}

/* A read callback failing at each position of open, verify and fetch in
 * turn: the call meeting the failure returns TOME_ERR_READ, and the same
 * call again, the callback healthy, gives the clean answer. */
static void sweep_read_failures(const uint8_t *bytes, size_t size, const corpus *c)
{
    opened a;
    tome_verify_report clean, rep;
    unsigned long total = 0, bad = 0, made, before;
    uint8_t buf[64];
    size_t i, got;
    long k;
    int err;

    for (k = 0;; k++) {
        err = open_failing(&a, bytes, size, k, &made);
        close_archive(&a);
        if (made <= (unsigned long)k) { /* open finished before the failure */
            bad += err != TOME_OK;
            break;
        }
        total++;
        bad += err != TOME_ERR_READ;
    }

    open_failing(&a, bytes, size, -1, &made);
    CHECK_EQ(tome_verify(a.r, NULL, NULL, &clean), TOME_OK);
    for (k = 0;; k++) {
        before = a.im.calls;
        a.im.fail_after = k;
        err = tome_verify(a.r, NULL, NULL, &rep);
        a.im.fail_after = -1;
        if (a.im.calls - before <= (unsigned long)k) {
            bad += err != TOME_OK;
            break;
        }
        total++;
        bad += err != TOME_ERR_READ;
        bad += tome_verify(a.r, NULL, NULL, &rep) != TOME_OK ||
               memcmp(&rep, &clean, sizeof rep) != 0;
    }
    close_archive(&a);

    for (i = 0; i < c->n; i++) {
        const article *art = &c->a[i];
        for (k = 0;; k++) {
            uint32_t id;
            /* a fresh reader that last fetched another article */
            open_failing(&a, bytes, size, -1, &made);
            CHECK_EQ(tome_find(a.r, art->key, strlen(art->key), &id), TOME_OK);
            (void)tome_fetch(a.r, (id + 1) % tome_count(a.r), buf, sizeof buf, &got);
            before = a.im.calls;
            a.im.fail_after = k;
            err = tome_fetch(a.r, id, buf, sizeof buf, &got);
            a.im.fail_after = -1;
            if (a.im.calls - before <= (unsigned long)k) {
                bad += err != TOME_OK;
                close_archive(&a);
                break;
            }
            total++;
            bad += err != TOME_ERR_READ;
            bad += tome_fetch(a.r, id, buf, sizeof buf, &got) != TOME_OK || got != art->size ||
                   memcmp(buf, art->body, got) != 0;
            close_archive(&a);
        }
    }
    printf("small archive, a failing read at each of %lu positions (open, verify, fetch): "
           "%lu answers not TOME_ERR_READ, or not clean on retry\n", total, bad);
    CHECK(total > 20);
    CHECK_EQ(bad, 0);
}

int main(void)
{
    corpus small = small_corpus(), large = large_corpus();
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 64 * 1024);
    size_t small_size, large_size;
    uint8_t *small_bytes, *large_bytes;
    signal(SIGALRM, on_watchdog);

    small_bytes = pack_corpus(&small, &o, 0, &small_size, NULL);
    o = test_options(3, TOME_DICT_ON, 4096);
    o.dict_size = 4096;
    o.threads = 1;
    large_bytes = pack_corpus(&large, &o, 0, &large_size, NULL);
    CHECK(small_bytes && large_bytes);
    if (!small_bytes || !large_bytes)
        return check_summary();
    CHECK(tome_get32(large_bytes + HDR_DICT_SIZE) > 0);
    CHECK(tome_get32(large_bytes + HDR_BODY_BLOCKS) > 20);
    CHECK(tome_get32(large_bytes + HDR_NAME_FRAMES) >= 1);
    printf("small archive: %zu bytes; large archive: %zu bytes, %u body blocks, %u name tree "
           "frames, dictionary %u bytes\n",
           small_size, large_size, tome_get32(large_bytes + HDR_BODY_BLOCKS),
           tome_get32(large_bytes + HDR_NAME_FRAMES), tome_get32(large_bytes + HDR_DICT_SIZE));

    /* the intact archives read exactly: the sweeps' baseline */
    {
        counts n = {0};
        snprintf(case_name, sizeof case_name, "intact archives");
        try_copy(small_bytes, small_size, &small, 0, &n);
        try_copy(small_bytes, small_size, &small, 1, &n);
        try_copy(large_bytes, large_size, &large, 0, &n);
        try_copy(large_bytes, large_size, &large, 1, &n);
        CHECK_EQ(n.harmless, 4);
    }

    sweep_truncations("small archive", small_bytes, small_size, &small, 1);
    sweep_single_bytes(small_bytes, small_size, &small);
    sweep_read_failures(small_bytes, small_size, &small);
    sweep_truncations("large archive", large_bytes, large_size, &large, large_size / 97 + 1);
    sweep_sample("large archive, multi-byte damage", large_bytes, large_size, &large, 0, 400);
    sweep_sample("large archive, block swaps and moved records", large_bytes, large_size, &large,
                 1, 200);

    free(small_bytes);
    free(large_bytes);
    corpus_free(&small);
    corpus_free(&large);
    temp_cleanup();
    return check_summary();
}
