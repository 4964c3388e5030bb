/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mutation_run.c - the structured mutation run of the integrity issue
 * ("Integrity, round 2", Done when, second bullet).
 *
 * One archive with every frame kind (body blocks, name, alias and search
 * trees with nodes above their leaves, metadata) and a dictionary is
 * mutated, one change at a time, exhaustively by construction:
 *   header fields   each u16/u32/u64 field of docs/FORMAT.md's header set
 *                   to value + 1, value - 1, 0, 0xFFFFFFFF (u64 also 2^32,
 *                   the file's size, 2^64 - 1);
 *   count moves     each pair of count fields: one + 1, the other - 1
 *                   (frames moved between kinds, the item 14);
 *   record fields   each field of each block table record (frame_offset,
 *                   frame_size, content_size, first, content_checksum) set
 *                   to + 1, - 1, 0 and the neighbouring record's value;
 *   record swaps    every adjacent pair, the first records of each two
 *                   kinds, and records half the table apart;
 *   bit flips       every bit of the header; in every record's bytes 0..23
 *                   (all but its checksum) one bit per byte, bit (record +
 *                   byte) % 8; bit 0x10 of every 11th byte of the dictionary
 *                   and the frames.
 * After each change the header checksum, every record's record_checksum
 * and the file checksum (with the footer) are recomputed; the content
 * checksums (dictionary, frames, body heads, segments) stay as written.  A
 * change the resealing undoes (it falls on a recomputed checksum) is not a
 * case.
 *
 * Each case is opened from memory (and every CALLBACK_EVERY-th case also
 * through the read callback) and, when it opens, compared by the integrity
 * oracle (integrity_oracle.c) with the intact archive: every call gives an
 * error or exactly the intact answer.  Counted as refused at open, an
 * error (some call failed, every success exact), harmless (everything
 * identical) or WRONG (a success with another answer); WRONG fails the
 * run and names the case.  Under AddressSanitizer every 8th case runs
 * (`mutation_run N` runs every N-th).  MUTATION_RUN_SAVE=DIR writes each
 * WRONG case's image into DIR.
 */
#include <signal.h>
#include <stdarg.h>

#include "format.h"
#include "fuzz_archive.h"
#include "integrity_oracle.h"
#include "../testlib.h"

/* Seconds one case may take (sanitizers included). */
#define CASE_SECONDS 60
/* Cases also tried through the read callback: every this many. */
#define CALLBACK_EVERY 4u
/* WRONG cases described on stderr, at most. */
#define WRONG_SHOWN 20u
/* Cases where the intact archive's key, alias, query or metadata name
 * came back TOME_ERR_NOT_FOUND (an error, not a success), named at most. */
#define NOT_FOUND_SHOWN 20u

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
/* The sanitized build runs a deterministic subsample: every 8th case. */
#define SANITIZED_STRIDE 8u

static char case_name[512]; /* the case running, for the watchdog */

static void on_watchdog(int sig)
{
    static const char msg[] = "mutation run: this case hangs: ";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, case_name, strlen(case_name)) < 0 ||
        write(2, "\n", 1) < 0)
        _exit(2);
    _exit(1);
}

/* ---- the archive ----------------------------------------------------------- */

#define ARTICLES 300u
#define ALIASES 40u
#define SPANNING_ID 150u /* a body of several 1 KiB blocks */
#define SPANNING_SIZE 5000u

static const oracle_query queries[] = {
    {"library/shelf-03/", TOME_SEARCH_ALL},
    {"zurich", TOME_SEARCH_ALL},
    {"see/01", TOME_SEARCH_ALIASES},
    {"Volume 1", TOME_SEARCH_TITLES | TOME_SEARCH_EXACT},
    {"library/shelf-1", TOME_SEARCH_KEYS | TOME_SEARCH_EXACT},
    {"nothing matches this", TOME_SEARCH_ALL},
};

static const char *const words[] = {"amber", "birch", "cedar", "delta", "ember", "fjord", "grove"};

static void add_or_fail(int err, tome_packer *p)
{
    if (err != TOME_PACK_OK) {
        fprintf(stderr, "mutation run: packing failed: %s\n", tome_packer_message(p));
        exit(2);
    }
}

/* 300 articles with long keys (name leaves fill ~3.8 KiB each), titles on
 * three in four, duplicate and empty bodies, one body spanning blocks; 40
 * aliases; 3 metadata pairs; 1 KiB blocks and a dictionary. */
static uint8_t *pack_archive(size_t *size)
{
    tome_pack_options o = test_options(3, TOME_DICT_ON, 1024);
    tome_packer *p;
    uint8_t body[SPANNING_SIZE], previous[SPANNING_SIZE];
    size_t previous_size = 0, len;
    char key[128], title[128], alias[32];
    const char *path = temp_path("mutation_run.tome");
    uint8_t *bytes;
    uint32_t seed = 2718, i;
    o.dict_size = 2048;
    o.threads = 1;
    p = tome_packer_new(&o);
    for (i = 0; i < ARTICLES; i++) {
        const char *word = words[i % (sizeof words / sizeof words[0])];
        snprintf(key, sizeof key, "library/shelf-%02u/volume-%04u-%s-catalogue-entry", i / 12, i,
                 word);
        if (i % 4 == 0)
            snprintf(title, sizeof title, "Zürich volume %u", i);
        else
            snprintf(title, sizeof title, "Volume %u – über %s", i, word);
        if (i == SPANNING_ID)
            len = make_text(body, SPANNING_SIZE, i);
        else if (i % 37 == 5)
            len = 0;
        else if (i % 10 == 9) /* the previous article's body again */
            memcpy(body, previous, len = previous_size);
        else
            len = make_text(body, 30 + test_rng(&seed) % 300, i * 2654435761u);
        add_or_fail(tome_pack_add(p, key, strlen(key), i % 4 == 3 ? NULL : title,
                                  i % 4 == 3 ? 0 : strlen(title), body, len, key),
                    p);
        memcpy(previous, body, previous_size = len);
    }
    for (i = 0; i < ALIASES; i++) {
        uint32_t target = (i * 7 + 3) % ARTICLES;
        snprintf(alias, sizeof alias, "see/%03u", i);
        snprintf(key, sizeof key, "library/shelf-%02u/volume-%04u-%s-catalogue-entry",
                 target / 12, target, words[target % (sizeof words / sizeof words[0])]);
        add_or_fail(tome_pack_add_alias(p, alias, strlen(alias), key, strlen(key), alias), p);
    }
    add_or_fail(tome_pack_meta(p, "title", "The mutation run's corpus"), p);
    add_or_fail(tome_pack_meta(p, "language", "en"), p);
    add_or_fail(tome_pack_meta(p, "creator", "tests/fuzz/mutation_run.c"), p);
    add_or_fail(tome_pack_write(p, path, NULL), p);
    tome_packer_free(p);
    bytes = read_file(path, size);
    unlink(path);
    return bytes;
}

/* ---- cases -------------------------------------------------------------------- */

typedef struct tally {
    size_t cases, refused, error, harmless, wrong, callback, not_found;
} tally;

typedef struct mutation_run {
    const uint8_t *intact;
    size_t size;
    uint8_t *image; /* the intact bytes, changed by a case, then restored */
    const oracle_expect *expect;
    unsigned stride;      /* every stride-th case runs */
    unsigned long made;   /* cases made (run or not) */
    unsigned long undone; /* changes the resealing undid */
    tally family, total;
    /* from the intact header */
    uint64_t table;
    uint32_t records, kind_first[6];
} mutation_run;

enum { REFUSED, AN_ERROR, HARMLESS, WRONG };

/* Open `bytes` (an exactly sized heap copy) and compare; the outcome. */
static int judge_mode(const uint8_t *bytes, size_t size, int callback, const oracle_expect *e,
                      oracle_verdict *v)
{
    opened a;
    int outcome;
    memset(v, 0, sizeof *v);
    open_archive(&a, bytes, size, callback, 0);
    if (a.err != TOME_OK) {
        close_archive(&a);
        return REFUSED;
    }
    oracle_compare(a.r, e, 0, v);
    close_archive(&a);
    outcome = v->wrong ? WRONG : v->errors ? AN_ERROR : HARMLESS;
    return outcome;
}

/* With MUTATION_RUN_SAVE=DIR, a WRONG case's image is written to
 * DIR/wrong-N.tome, to try with the tool (tome ls, cat, extract). */
static void save_case(const mutation_run *m)
{
    static unsigned saved;
    const char *dir = getenv("MUTATION_RUN_SAVE");
    char path[1024];
    FILE *f;
    if (!dir || !*dir)
        return;
    snprintf(path, sizeof path, "%s/wrong-%u.tome", dir, saved++);
    if (!(f = fopen(path, "wb")) || fwrite(m->image, 1, m->size, f) != m->size)
        fprintf(stderr, "mutation run: cannot write %s\n", path);
    else
        fprintf(stderr, "  written to %s\n", path);
    if (f)
        fclose(f);
}

/* Reseal the changed image and run it as a case (every stride-th), then
 * restore the intact bytes. */
static void run_case(mutation_run *m, const char *fmt, ...)
{
    uint8_t *copy;
    oracle_verdict v, cv;
    int outcome, callback_outcome = HARMLESS;
    va_list ap;
    reseal(m->image, m->size, RESEAL_HEADER | RESEAL_TABLES);
    if (memcmp(m->image, m->intact, m->size) == 0) {
        m->undone++;
        return;
    }
    if (m->made++ % m->stride != 0) {
        memcpy(m->image, m->intact, m->size);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(case_name, sizeof case_name, fmt, ap);
    va_end(ap);
    alarm(CASE_SECONDS);
    copy = malloc(m->size); /* exact size: ASan sees over-reads */
    memcpy(copy, m->image, m->size);
    outcome = judge_mode(copy, m->size, 0, m->expect, &v);
    if (m->family.cases % CALLBACK_EVERY == 0) {
        callback_outcome = judge_mode(copy, m->size, 1, m->expect, &cv);
        m->family.callback++;
    }
    free(copy);
    alarm(0);
    if (callback_outcome == WRONG) {
        outcome = WRONG;
        v = cv;
    }
    m->family.cases++;
    if (v.not_found && m->family.not_found++ + m->total.not_found < NOT_FOUND_SHOWN)
        printf("  note: %s: %s answered TOME_ERR_NOT_FOUND (%lu such calls)\n", case_name,
               v.first_not_found, v.not_found);
    switch (outcome) {
    case REFUSED:
        m->family.refused++;
        break;
    case AN_ERROR:
        m->family.error++;
        break;
    case HARMLESS:
        m->family.harmless++;
        break;
    default:
        if (m->family.wrong++ + m->total.wrong < WRONG_SHOWN) {
            fprintf(stderr, "WRONG: %s%s: %s (%lu such calls)\n", case_name,
                    callback_outcome == WRONG ? " (read callback)" : "", v.first_wrong, v.wrong);
            save_case(m);
        }
        break;
    }
    memcpy(m->image, m->intact, m->size);
}

static void family_done(mutation_run *m, const char *what)
{
    tally *f = &m->family, *t = &m->total;
    printf("  %s: %zu cases: %zu refused at open, %zu an error, %zu harmless, %zu WRONG "
           "(%zu also through the read callback)\n",
           what, f->cases, f->refused, f->error, f->harmless, f->wrong, f->callback);
    t->cases += f->cases;
    t->refused += f->refused;
    t->error += f->error;
    t->harmless += f->harmless;
    t->wrong += f->wrong;
    t->callback += f->callback;
    t->not_found += f->not_found;
    memset(f, 0, sizeof *f);
}

static uint64_t get_field(const uint8_t *p, unsigned width)
{
    return width == 2 ? tome_get16(p) : width == 4 ? tome_get32(p) : tome_get64(p);
}

static void put_field(uint8_t *p, unsigned width, uint64_t v)
{
    if (width == 2)
        tome_put16(p, (uint16_t)v);
    else if (width == 4)
        tome_put32(p, (uint32_t)v);
    else
        tome_put64(p, v);
}

/* ---- 1. header fields ------------------------------------------------------ */

typedef struct field {
    unsigned at, width;
    const char *name;
} field;

/* docs/FORMAT.md, "Header": every field after the magic, but the checksum
 * the run recomputes. */
static const field header_fields[] = {
    {HDR_MAJOR, 2, "format_major"}, {HDR_MINOR, 2, "format_minor"},
    {HDR_HEADER_SIZE, 4, "header_size"}, {HDR_FILE_SIZE, 8, "file_size"},
    {HDR_ARTICLE_COUNT, 4, "article_count"}, {HDR_BODY_COUNT, 4, "body_count"},
    {HDR_ALIAS_COUNT, 4, "alias_count"}, {HDR_SEARCH_COUNT, 4, "search_count"},
    {HDR_BODY_BLOCKS, 4, "body_blocks"}, {HDR_NAME_LEAVES, 4, "name_leaves"},
    {HDR_NAME_FRAMES, 4, "name_frames"}, {HDR_ALIAS_LEAVES, 4, "alias_leaves"},
    {HDR_ALIAS_FRAMES, 4, "alias_frames"}, {HDR_SEARCH_LEAVES, 4, "search_leaves"},
    {HDR_SEARCH_FRAMES, 4, "search_frames"}, {HDR_META_FRAMES, 4, "meta_frames"},
    {HDR_BLOCK_SIZE_MAX, 4, "block_size_max"}, {HDR_INDEX_SIZE_MAX, 4, "index_size_max"},
    {HDR_ARTICLE_SIZE_MAX, 4, "article_size_max"}, {HDR_CHUNK_SIZE_MAX, 4, "chunk_size_max"},
    {HDR_KEY_SIZE_MAX, 4, "key_size_max"}, {HDR_TITLE_SIZE_MAX, 4, "title_size_max"},
    {HDR_FOLD_SIZE_MAX, 4, "fold_size_max"}, {HDR_DICT_SIZE, 4, "dict_size"},
    {HDR_WORKSPACE_MEMORY, 4, "workspace_memory"},
    {HDR_WORKSPACE_CALLBACK, 4, "workspace_callback"}, {HDR_FOLD_VERSION, 4, "fold_version"},
    {HDR_DICT_CHECKSUM, 4, "dict_checksum"}, {HDR_DICT_OFFSET, 8, "dict_offset"},
    {HDR_BLOCK_TABLE_OFFSET, 8, "block_table_offset"}, {HDR_RAW_SIZE, 8, "raw_size"},
    {HDR_STORED_SIZE, 8, "stored_size"}, {HDR_META_COUNT, 4, "meta_count"}};

/* The counts of the header: articles, bodies, aliases, search entries, and
 * each kind's frames and leaves. */
static const unsigned count_fields[] = {HDR_ARTICLE_COUNT, HDR_BODY_COUNT, HDR_ALIAS_COUNT,
                                        HDR_SEARCH_COUNT,  HDR_BODY_BLOCKS, HDR_NAME_LEAVES,
                                        HDR_NAME_FRAMES,   HDR_ALIAS_LEAVES, HDR_ALIAS_FRAMES,
                                        HDR_SEARCH_LEAVES, HDR_SEARCH_FRAMES, HDR_META_FRAMES};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *header_name(unsigned at)
{
    size_t i;
    for (i = 0; i < COUNT_OF(header_fields); i++)
        if (header_fields[i].at == at)
            return header_fields[i].name;
    return "?";
}

static void mutate_header_fields(mutation_run *m)
{
    size_t i, k;
    for (i = 0; i < COUNT_OF(header_fields); i++) {
        const field *f = &header_fields[i];
        uint64_t v = get_field(m->intact + f->at, f->width);
        uint64_t values[] = {v + 1, v - 1, 0, 0xFFFFFFFFu, (uint64_t)1 << 32, m->size,
                             ~(uint64_t)0};
        size_t n = f->width == 8 ? COUNT_OF(values) : 4;
        for (k = 0; k < n; k++) {
            size_t j;
            for (j = 0; j < k && values[j] != values[k]; j++)
                ;
            if (j < k) /* the same value as an earlier case */
                continue;
            put_field(m->image + f->at, f->width, values[k]);
            run_case(m, "header %s (offset %u) %#llx -> %#llx", f->name, f->at,
                     (unsigned long long)v,
                     (unsigned long long)get_field(m->image + f->at, f->width));
        }
    }
    family_done(m, "header fields (+1, -1, 0, 0xFFFFFFFF; u64 also 2^32, size, 2^64-1)");
}

static void mutate_count_moves(mutation_run *m)
{
    size_t i, j;
    for (i = 0; i < COUNT_OF(count_fields); i++)
        for (j = 0; j < COUNT_OF(count_fields); j++) {
            if (i == j)
                continue;
            tome_put32(m->image + count_fields[i], tome_get32(m->intact + count_fields[i]) + 1);
            tome_put32(m->image + count_fields[j], tome_get32(m->intact + count_fields[j]) - 1);
            run_case(m, "header counts moved: %s + 1, %s - 1", header_name(count_fields[i]),
                     header_name(count_fields[j]));
        }
    family_done(m, "header counts moved between kinds (one + 1, another - 1)");
}

/* ---- 2. block table records --------------------------------------------------- */

static const field record_fields[] = {{BLK_FRAME_OFFSET, 8, "frame_offset"},
                                      {BLK_FRAME_SIZE, 4, "frame_size"},
                                      {BLK_CONTENT_SIZE, 4, "content_size"},
                                      {BLK_FIRST, 4, "first"},
                                      {BLK_CONTENT_CHECKSUM, 4, "content_checksum"}};

static uint64_t record_at(const mutation_run *m, uint32_t r)
{
    return m->table + (uint64_t)r * BLK_RECORD_SIZE;
}

/* "record 12 (kind 2, frame 3)" */
static const char *record_name(const mutation_run *m, uint32_t r)
{
    static char name[2][64];
    static int which;
    uint32_t index;
    unsigned kind = record_kind(m->intact, r, &index);
    which ^= 1;
    snprintf(name[which], sizeof name[which], "record %u (kind %u, #%u)", r, kind, index);
    return name[which];
}

static void mutate_record_fields(mutation_run *m)
{
    uint32_t r;
    size_t i, k;
    for (r = 0; r < m->records; r++) {
        uint32_t neighbour = r + 1 < m->records ? r + 1 : r - 1;
        for (i = 0; i < COUNT_OF(record_fields); i++) {
            const field *f = &record_fields[i];
            uint64_t at = record_at(m, r) + f->at;
            uint64_t v = get_field(m->intact + at, f->width);
            uint64_t values[] = {v + 1, v - 1, 0,
                                 get_field(m->intact + record_at(m, neighbour) + f->at, f->width)};
            for (k = 0; k < COUNT_OF(values); k++) {
                size_t j;
                for (j = 0; j < k && values[j] != values[k]; j++)
                    ;
                if (j < k) /* the same value as an earlier case */
                    continue;
                put_field(m->image + at, f->width, values[k]);
                run_case(m, "%s %s %#llx -> %#llx", record_name(m, r), f->name,
                         (unsigned long long)v,
                         (unsigned long long)get_field(m->image + at, f->width));
            }
        }
    }
    family_done(m, "record fields (+1, -1, 0, the neighbour's)");
}

static void swap_records(mutation_run *m, uint32_t a, uint32_t b)
{
    if (a == b || a >= m->records || b >= m->records)
        return;
    memcpy(m->image + record_at(m, a), m->intact + record_at(m, b), BLK_RECORD_SIZE);
    memcpy(m->image + record_at(m, b), m->intact + record_at(m, a), BLK_RECORD_SIZE);
    run_case(m, "%s and %s swapped", record_name(m, a), record_name(m, b));
}

static void mutate_record_swaps(mutation_run *m)
{
    uint32_t r, k, j;
    for (r = 0; r + 1 < m->records; r++)
        swap_records(m, r, r + 1);
    /* the first records of two kinds: frames read as another kind's */
    for (k = 1; k <= 5; k++)
        for (j = k + 1; j <= 5; j++)
            swap_records(m, m->kind_first[k], m->kind_first[j]);
    for (r = 0; r < m->records / 2; r += 3)
        swap_records(m, r, r + m->records / 2);
    swap_records(m, 0, m->records - 1);
    family_done(m, "records swapped (adjacent, first of two kinds, half the table apart)");
}

/* ---- 3. bit flips ---------------------------------------------------------------- */

static void mutate_bits(mutation_run *m)
{
    uint64_t at;
    uint32_t r;
    unsigned bit;
    for (at = 0; at < HDR_CHECKSUM; at++)
        for (bit = 0; bit < 8; bit++) {
            m->image[at] ^= (uint8_t)(1u << bit);
            run_case(m, "header byte %llu (%s) bit %u flipped", (unsigned long long)at,
                     at < HDR_MAJOR ? "magic" : "a field", bit);
        }
    family_done(m, "header bit flips (every bit of bytes 0..155)");
    /* one bit per byte, the bit turning with the byte and the record, so
     * each field's every bit is flipped in some record */
    for (r = 0; r < m->records; r++)
        for (at = 0; at < BLK_RECORD_CHECKSUM; at++) {
            bit = (unsigned)(r + at) % 8;
            m->image[record_at(m, r) + at] ^= (uint8_t)(1u << bit);
            run_case(m, "%s byte %llu bit %u flipped", record_name(m, r),
                     (unsigned long long)at, bit);
        }
    family_done(m, "block table bit flips (bit (record + byte) % 8 of every record's bytes "
                   "0..23)");
    for (at = TOME_HEADER_SIZE; at < m->table; at += 11) {
        m->image[at] ^= 0x10;
        run_case(m, "byte %llu ^ 0x10 (dictionary or frames)", (unsigned long long)at);
    }
    family_done(m, "dictionary and frame bit flips (bit 0x10 of every 11th byte)");
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    mutation_run m;
    oracle_expect expect;
    tome_archive_info info;
    oracle_verdict v;
    opened a;
    uint8_t *intact;
    size_t size = 0;
    uint32_t k;

    (void)pack_corpus; /* testlib's packer of plain corpora: this one has aliases */
    signal(SIGALRM, on_watchdog);
    memset(&m, 0, sizeof m);
    m.stride = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : SANITIZED ? SANITIZED_STRIDE : 1;
    if (m.stride == 0)
        m.stride = 1;

    intact = pack_archive(&size);
    CHECK(intact != NULL);
    if (!intact)
        return check_summary();

    /* the intact archive: its shape, and its answers, identical in both modes */
    open_archive(&a, intact, size, 0, 0);
    CHECK_EQ(a.err, TOME_OK);
    if (a.err != TOME_OK)
        return check_summary();
    tome_info(a.r, &info);
    CHECK_EQ(oracle_expect_take(&expect, a.r, queries, COUNT_OF(queries)), TOME_OK);
    close_archive(&a);
    printf("archive: %zu bytes, %u articles, %u aliases, %u metadata pairs, %u body blocks, "
           "%u index frames (%u name leaves), dictionary %u bytes\n",
           size, info.article_count, info.alias_count, info.meta_count, info.block_count,
           info.index_frame_count, info.name_leaf_count, info.dict_size);
    CHECK_EQ(info.article_count, ARTICLES);
    CHECK_EQ(info.alias_count, ALIASES);
    CHECK_EQ(info.meta_count, 3);
    CHECK(info.dict_size > 0);
    CHECK(info.name_leaf_count > 2);
    CHECK(info.index_frame_count > info.name_leaf_count);
    /* every kind has frames, and the name tree has a node above its leaves */
    CHECK(tome_get32(intact + HDR_NAME_FRAMES) > tome_get32(intact + HDR_NAME_LEAVES));
    CHECK(tome_get32(intact + HDR_SEARCH_FRAMES) > tome_get32(intact + HDR_SEARCH_LEAVES));
    CHECK(tome_get32(intact + HDR_ALIAS_FRAMES) >= 1);
    CHECK_EQ(tome_get32(intact + HDR_META_FRAMES), 1);
    CHECK(expect.stat[SPANNING_ID].size == SPANNING_SIZE);
    {
        size_t q, matched = 0;
        for (q = 0; q < COUNT_OF(queries); q++)
            matched += expect.search[q].match_count;
        CHECK(matched > 50);
    }
    for (k = 0; k < 2; k++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, intact, size);
        CHECK_EQ(judge_mode(copy, size, (int)k, &expect, &v), HARMLESS);
        free(copy);
    }

    m.intact = intact;
    m.size = size;
    m.image = malloc(size);
    memcpy(m.image, intact, size);
    m.expect = &expect;
    m.table = tome_get64(intact + HDR_BLOCK_TABLE_OFFSET);
    m.kind_first[1] = 0;
    m.kind_first[2] = m.kind_first[1] + tome_get32(intact + HDR_BODY_BLOCKS);
    m.kind_first[3] = m.kind_first[2] + tome_get32(intact + HDR_NAME_FRAMES);
    m.kind_first[4] = m.kind_first[3] + tome_get32(intact + HDR_ALIAS_FRAMES);
    m.kind_first[5] = m.kind_first[4] + tome_get32(intact + HDR_SEARCH_FRAMES);
    m.records = m.kind_first[5] + tome_get32(intact + HDR_META_FRAMES);

    if (m.stride > 1)
        printf("running every %u. case%s\n", m.stride,
               SANITIZED ? " (AddressSanitizer build: a deterministic subsample)" : "");
    mutate_header_fields(&m);
    mutate_count_moves(&m);
    mutate_record_fields(&m);
    mutate_record_swaps(&m);
    mutate_bits(&m);

    printf("mutation run: %zu cases: %zu refused at open, %zu an error, %zu harmless, %zu WRONG\n",
           m.total.cases, m.total.refused, m.total.error, m.total.harmless, m.total.wrong);
    printf("  (of %lu cases made, every %u. run; %lu changes undone by the resealing not "
           "counted; %zu cases also through the read callback; %zu cases with a key, alias, "
           "search or metadata name answered TOME_ERR_NOT_FOUND)\n",
           m.made, m.stride, m.undone, m.total.callback, m.total.not_found);
    CHECK_EQ(m.total.wrong, 0);
    CHECK_EQ(m.total.refused + m.total.error + m.total.harmless + m.total.wrong, m.total.cases);
    CHECK(m.total.cases > 1000 / m.stride);

    free(m.image);
    oracle_expect_free(&expect);
    free(intact);
    temp_cleanup();
    return check_summary();
}
