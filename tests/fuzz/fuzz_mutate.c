/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_mutate.c - targeted damage to valid archives (format 3.0).  The
 * input is a small program: its first byte picks a base archive, how much
 * to reseal, the open flags and the I/O mode; each following op changes a
 * header field, a block table record's field, swaps two records, changes
 * frame, dictionary or any bytes, flips a bit, moves or erases a run,
 * truncates or appends.  Then every reader call runs, with verify, under
 * the checks of fuzz_exercise.c.
 *
 * Integrity (the "Integrity, round 2" issue): when the program reseals the
 * header checksum, every record's record_checksum and the file checksum but
 * not the content checksums (a careless or hostile rewrite of the outer
 * checksums), the mutated archive's answers are compared with the
 * original's by the integrity oracle (integrity_oracle.c, shared with
 * mutation_run.c): the listing (tome_stat, tome_key, tome_title,
 * tome_alias of every ID), tome_fetch and tome_read of every ID, tome_find
 * of every key and alias, tome_next's walk, a few searches and the
 * metadata must each give an error or exactly the original's answer; a
 * walk that ends must have named every ID once, in the original's order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fuzz.h"
#include "fuzz_archive.h"
#include "fuzz_corpora.h"
#include "fuzz_exercise.h"
#include "integrity_oracle.h"
#include "tome.h"

/* Room for archives that ops make longer. */
#define IMAGE_MAX (64u * 1024u)

typedef struct field {
    uint8_t at, width;
} field;

/* Format 3.0's header fields (docs/FORMAT.md, "Header"), in order. */
static const field header_fields[] = {
    {HDR_MAJOR, 2}, {HDR_MINOR, 2}, {HDR_HEADER_SIZE, 4}, {HDR_FILE_SIZE, 8},
    {HDR_ARTICLE_COUNT, 4}, {HDR_BODY_COUNT, 4}, {HDR_ALIAS_COUNT, 4},
    {HDR_SEARCH_COUNT, 4}, {HDR_BODY_BLOCKS, 4}, {HDR_NAME_LEAVES, 4},
    {HDR_NAME_FRAMES, 4}, {HDR_ALIAS_LEAVES, 4}, {HDR_ALIAS_FRAMES, 4},
    {HDR_SEARCH_LEAVES, 4}, {HDR_SEARCH_FRAMES, 4}, {HDR_META_FRAMES, 4},
    {HDR_BLOCK_SIZE_MAX, 4}, {HDR_INDEX_SIZE_MAX, 4}, {HDR_ARTICLE_SIZE_MAX, 4},
    {HDR_CHUNK_SIZE_MAX, 4}, {HDR_KEY_SIZE_MAX, 4}, {HDR_TITLE_SIZE_MAX, 4},
    {HDR_FOLD_SIZE_MAX, 4}, {HDR_DICT_SIZE, 4}, {HDR_WORKSPACE_MEMORY, 4},
    {HDR_WORKSPACE_CALLBACK, 4}, {HDR_FOLD_VERSION, 4}, {HDR_DICT_CHECKSUM, 4},
    {HDR_DICT_OFFSET, 8}, {HDR_BLOCK_TABLE_OFFSET, 8}, {HDR_RAW_SIZE, 8},
    {HDR_STORED_SIZE, 8}, {HDR_META_COUNT, 4}};
static const field record_fields[] = {
    {BLK_FRAME_OFFSET, 8}, {BLK_FRAME_SIZE, 4}, {BLK_CONTENT_SIZE, 4}, {BLK_FIRST, 4},
    {BLK_CONTENT_CHECKSUM, 4}, {BLK_RECORD_CHECKSUM, 4}};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The program being read; bytes past its end read as zero. */
typedef struct program {
    const uint8_t *at, *end;
} program;

static uint32_t next_byte(program *p)
{
    return p->at < p->end ? *p->at++ : 0;
}

static uint32_t next_u16(program *p)
{
    uint32_t lo = next_byte(p);
    return lo | next_byte(p) << 8;
}

static uint32_t next_u32(program *p)
{
    uint32_t lo = next_u16(p);
    return lo | next_u16(p) << 16;
}

/* The image, and where the base archive's regions are. */
typedef struct image {
    uint8_t bytes[IMAGE_MAX];
    size_t size;
    uint64_t dict, dict_size, frames, frames_size, table;
    uint32_t records;
} image;

/* A little-endian field of `width` bytes (1..8). */
static uint64_t get(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;
    while (width-- > 0)
        v = v << 8 | p[width];
    return v;
}

static void put(uint8_t *p, unsigned width, uint64_t v)
{
    unsigned i;
    for (i = 0; i < width; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

/* A new value for a field: boundary values are where bugs live. */
static uint64_t next_value(program *p, uint64_t current, const image *im)
{
    static const uint64_t edges[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF,
                                     0x80000000u, 0xFFFFFFFFu, 0x100000000ull,
                                     0xFFFFFFFFFFFFFFFFull, 0x8000000000000000ull};
    uint32_t how = next_byte(p);
    switch (how % 6) {
    case 0:
        return next_byte(p);
    case 1: {
        uint64_t lo = next_u32(p);
        return lo | (uint64_t)next_u32(p) << 32;
    }
    case 2:
        return current + (uint64_t)(int64_t)(int8_t)next_byte(p);
    case 3:
        return edges[next_byte(p) % COUNT_OF(edges)];
    case 4:
        return im->size - next_byte(p) % 64;
    default:
        return current ^ (1ull << (next_byte(p) % 64));
    }
}

static void set_field(program *p, image *im, uint64_t base, const field *f)
{
    if (base + f->at + f->width > im->size)
        return;
    put(im->bytes + base + f->at, f->width,
        next_value(p, get(im->bytes + base + f->at, f->width), im));
}

static void swap_bytes(image *im, uint64_t a, uint64_t b, uint64_t n)
{
    uint8_t tmp[64];
    if (n > sizeof tmp || a + n > im->size || b + n > im->size)
        return;
    memcpy(tmp, im->bytes + a, n);
    memmove(im->bytes + a, im->bytes + b, n);
    memcpy(im->bytes + b, tmp, n);
}

/* A position inside region [start, start + len), or the whole image. */
static uint64_t pick(program *p, const image *im, uint64_t start, uint64_t len)
{
    if (len == 0)
        return next_u32(p) % (im->size ? im->size : 1);
    return start + next_u32(p) % len;
}

static void flip(program *p, image *im, uint64_t a)
{
    if (a < im->size)
        im->bytes[a] ^= (uint8_t)(next_byte(p) | 1);
}

static void apply(program *p, image *im)
{
    uint32_t op = next_byte(p), i, j, records = im->records ? im->records : 1;
    uint64_t a, b, n;
    switch (op % 12) {
    case 0:
        set_field(p, im, 0, &header_fields[next_byte(p) % COUNT_OF(header_fields)]);
        break;
    case 1: /* a field of a block table record: body block or index frame */
        i = next_u16(p) % records;
        set_field(p, im, im->table + (uint64_t)i * BLK_RECORD_SIZE,
                  &record_fields[next_byte(p) % COUNT_OF(record_fields)]);
        break;
    case 2: /* two records trade places (frames of one kind, or of two) */
        i = next_u16(p) % records;
        j = next_u16(p) % records;
        swap_bytes(im, im->table + (uint64_t)i * BLK_RECORD_SIZE,
                   im->table + (uint64_t)j * BLK_RECORD_SIZE, BLK_RECORD_SIZE);
        break;
    case 3: /* a byte of a frame: a body block, a tree's frame, the metadata */
        flip(p, im, pick(p, im, im->frames, im->frames_size));
        break;
    case 4: /* one bit anywhere */
        a = pick(p, im, 0, 0);
        if (a < im->size)
            im->bytes[a] ^= (uint8_t)(1u << (next_byte(p) % 8));
        break;
    case 5:
        flip(p, im, pick(p, im, im->dict, im->dict_size));
        break;
    case 6: /* cut the archive short */
        im->size = next_u32(p) % (im->size + 1);
        break;
    case 7: /* append bytes (allowed: the archive says where it ends) */
        n = next_byte(p);
        if (im->size + n <= IMAGE_MAX) {
            memset(im->bytes + im->size, (int)next_byte(p), n);
            im->size += n;
        }
        break;
    case 8: /* a run of bytes inside the frames swapped with another */
        a = pick(p, im, im->frames, im->frames_size);
        b = pick(p, im, im->frames, im->frames_size);
        swap_bytes(im, a, b, 1 + next_byte(p) % 64);
        break;
    case 9: /* copy a range over another (a stale or misplaced write) */
        a = pick(p, im, 0, 0);
        b = pick(p, im, 0, 0);
        n = next_u16(p) % 512;
        if (a + n <= im->size && b + n <= im->size)
            memmove(im->bytes + b, im->bytes + a, n);
        break;
    case 10: /* erase a run, as erased flash reads 0xFF or a bad sector 0 */
        a = pick(p, im, 0, 0);
        n = 1 + next_byte(p) % 128;
        if (a + n <= im->size)
            memset(im->bytes + a, (next_byte(p) & 1) ? 0xFF : 0, n);
        break;
    default:
        a = pick(p, im, 0, 0);
        if (a < im->size)
            im->bytes[a] = (uint8_t)next_byte(p);
        break;
    }
}

static int load(image *im, int which)
{
    size_t size;
    const uint8_t *base = base_archive(which, &size);
    const uint8_t *h = base;
    uint64_t end;
    if (!base || size > IMAGE_MAX)
        return 0;
    memcpy(im->bytes, base, size);
    im->size = size;
    im->dict = tome_get64(h + HDR_DICT_OFFSET);
    im->dict_size = tome_get32(h + HDR_DICT_SIZE);
    im->table = tome_get64(h + HDR_BLOCK_TABLE_OFFSET);
    im->records = tome_get32(h + HDR_BODY_BLOCKS) + tome_get32(h + HDR_NAME_FRAMES) +
                  tome_get32(h + HDR_ALIAS_FRAMES) + tome_get32(h + HDR_SEARCH_FRAMES) +
                  tome_get32(h + HDR_META_FRAMES);
    /* the packer writes header, dictionary, frames, block table, footer */
    im->frames = im->dict_size ? im->dict + im->dict_size : TOME_HEADER_SIZE;
    end = im->table > im->frames && im->table <= size ? im->table : size;
    im->frames_size = end > im->frames ? end - im->frames : 0;
    return 1;
}

/* ---- the integrity oracle ---------------------------------------------- */

/* A reader over `bytes` in memory mode, its workspace malloc'd into *ws. */
static int open_image(const uint8_t *bytes, size_t size, uint32_t flags, tome_reader **r,
                      void **ws)
{
    tome_config c;
    size_t need = 0;
    int err;
    *ws = NULL;
    memset(&c, 0, sizeof c);
    c.data = bytes;
    c.size = size;
    c.flags = flags;
    c.max_article_size = FUZZ_ARTICLE_MAX;
    c.max_block_size = FUZZ_ARTICLE_MAX;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        return err;
    if (need > FUZZ_WORKSPACE_MAX)
        return TOME_ERR_LIMIT;
    c.workspace = *ws = malloc(need);
    c.workspace_size = need;
    return tome_open(r, &c);
}

/* Searches the oracle repeats: a key prefix of every base archive, and a
 * folded one. */
static const oracle_query integrity_queries[] = {
    {"a", TOME_SEARCH_ALL}, {"k", TOME_SEARCH_KEYS | TOME_SEARCH_EXACT}, {"n", TOME_SEARCH_ALL}};

/* Open the mutated image beside its original and compare their answers
 * (integrity_oracle.c): every call an error or exactly the original's. */
static void check_integrity(const uint8_t *image, size_t size, int which, uint32_t flags)
{
    static oracle_expect expected[BASE_COUNT];
    static int taken[BASE_COUNT];
    tome_reader *mut;
    void *mut_ws;
    oracle_verdict v;
    if (!taken[which]) { /* the original's answers, once per base */
        size_t base_size;
        const uint8_t *base = base_archive(which, &base_size);
        tome_reader *orig;
        void *orig_ws;
        FUZZ_CHECK(open_image(base, base_size, 0, &orig, &orig_ws) == TOME_OK);
        FUZZ_CHECK(oracle_expect_take(&expected[which], orig, integrity_queries,
                                      sizeof integrity_queries / sizeof integrity_queries[0]) ==
                   TOME_OK);
        free(orig_ws);
        taken[which] = 1;
    }
    if (open_image(image, size, flags, &mut, &mut_ws) == TOME_OK) {
        oracle_compare(mut, &expected[which], (flags & TOME_OPEN_TRUST_CONTENT) != 0, &v);
        if (v.wrong)
            fprintf(stderr, "integrity oracle: %s\n", v.first_wrong);
        FUZZ_CHECK(v.wrong == 0);
    }
    free(mut_ws);
}

FUZZ_INIT(mutate)
{
    int i;
    size_t size;
    (void)argc;
    (void)argv;
    for (i = 0; i < BASE_COUNT; i++)
        if (!base_archive(i, &size))
            fuzz_failed(__FILE__, __LINE__, "packing a base archive");
    return 0;
}

/* head byte = base (0..7, modulo the bases) | reseal << 3 | flags << 5 |
 * callback << 7; reseal 0 none, 1 the header, 2 the header, records and
 * file (and the integrity oracle), 3 everything. */
FUZZ_TARGET(mutate)
{
    static image im;
    static const unsigned reseals[] = {0, RESEAL_HEADER, RESEAL_HEADER | RESEAL_TABLES,
                                       RESEAL_ALL};
    program p;
    uint32_t head, ops = 0, flags;
    unsigned level;
    int which;
    uint8_t *exact;
    exercise_options o;
    exercise_result r;
    p.at = data;
    p.end = data + size;
    head = next_byte(&p);
    which = (int)(head % 8) % BASE_COUNT;
    if (!load(&im, which))
        return 0;
    while (p.at < p.end && ops++ < 64)
        apply(&p, &im);
    level = (head >> 3) & 3;
    reseal(im.bytes, im.size, reseals[level]);
    flags = (head >> 5) & (TOME_OPEN_NO_DICT_TABLES | TOME_OPEN_TRUST_CONTENT);
    /* an exactly sized copy, so any over-read is caught */
    exact = malloc(im.size ? im.size : 1);
    memcpy(exact, im.bytes, im.size);
    if (level == 2)
        check_integrity(exact, im.size, which, flags);
    if (head & 0x80) {
        exercise_with_read_failure(exact, im.size, flags, 1, (uint64_t)size * 2654435761u);
    } else {
        memset(&o, 0, sizeof o);
        o.flags = flags;
        o.verify = 1;
        exercise(exact, im.size, &o, NULL, &r);
        /* no ops at all: the base archive is intact */
        if (ops == 0)
            FUZZ_CHECK(r.opened && r.verify == 0);
    }
    free(exact);
    return 0;
}
