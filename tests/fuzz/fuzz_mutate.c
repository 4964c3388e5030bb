/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_mutate.c - targeted damage to valid archives.  The input is a small
 * program: its first byte picks a base archive, how much to reseal, the
 * open flags and the I/O mode; each following op changes a header field, a
 * table record (an entry's bit fields included), body block, key block or
 * dictionary bytes, swaps records (entries, block records, storage order),
 * copies a range or truncates.  Then every reader call runs, with verify,
 * under the checks of fuzz_exercise.c.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "records.h"
#include "fuzz.h"
#include "fuzz_archive.h"
#include "fuzz_corpora.h"
#include "fuzz_exercise.h"
#include "records.h"

/* Room for archives that ops make longer. */
#define IMAGE_MAX (64u * 1024u)

typedef struct field {
    uint8_t at, width;
} field;

/* Format 2.0's header fields.  The first 20 keep the places they had in
 * 1.0 (the mutation seeds name fields by index); the key pool's two came
 * out and the key blocks' two took their places; the fields new in 2.0
 * follow. */
static const field header_fields[] = {
    {HDR_MAJOR, 2}, {HDR_MINOR, 2}, {HDR_HEADER_SIZE, 4}, {HDR_FILE_SIZE, 8},
    {HDR_ARTICLE_COUNT, 4}, {HDR_BODY_COUNT, 4}, {HDR_BLOCK_COUNT, 4},
    {HDR_BLOCK_SIZE_MAX, 4}, {HDR_ARTICLE_SIZE_MAX, 4}, {HDR_CHUNK_SIZE_MAX, 4},
    {HDR_KEY_SIZE_MAX, 4}, {HDR_TITLE_SIZE_MAX, 4}, {HDR_DICT_SIZE, 4},
    {HDR_WORKSPACE_MEMORY, 4}, {HDR_WORKSPACE_CALLBACK, 4}, {HDR_RESERVED32, 4},
    {HDR_DICT_OFFSET, 8}, {HDR_BLOCK_TABLE_OFFSET, 8}, {HDR_ENTRY_TABLE_OFFSET, 8},
    {HDR_ORDER_TABLE_OFFSET, 8}, {HDR_KEY_BLOCK_COUNT, 4}, {HDR_KEYS_PER_BLOCK, 4},
    {HDR_RAW_SIZE, 8}, {HDR_STORED_SIZE, 8}, {HDR_FRAMES_SIZE, 8},
    {HDR_KEY_BLOCK_SIZE_MAX, 4}, {HDR_KEYS_SIZE, 8}, {HDR_ENTRY_RECORD_SIZE, 1},
    {HDR_BLOCK_BITS, 1}, {HDR_OFFSET_BITS, 1}, {HDR_SIZE_BITS, 1},
    {HDR_ORDER_RECORD_SIZE, 1}, {HDR_RESERVED8, 1}, {HDR_RESERVED8 + 2, 1},
    {HDR_DICT_CHECKSUM, 4}, {HDR_BLOCK_TABLE_CHECKSUM, 4}, {HDR_ENTRY_TABLE_CHECKSUM, 4},
    {HDR_ORDER_TABLE_CHECKSUM, 4}};
static const field block_fields[] = {
    {BLK_FRAME_OFFSET, 8}, {BLK_FRAME_SIZE, 4}, {BLK_CONTENT_SIZE, 4}, {BLK_CHECKSUM, 4}};
/* An entry is a u32 checksum, then bit fields of the widths the header
 * gives; these are its fields in the order of 1.0's (block, offset, size,
 * then the checksum). */
enum { ENTRY_BLOCK, ENTRY_OFFSET, ENTRY_SIZE, ENTRY_CHECKSUM, ENTRY_FIELDS };

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
    uint64_t dict, dict_size, frames, frames_size, key_frames, key_frames_size;
    uint64_t blocks, entries, order;
    uint32_t block_count, key_block_count, count;
    uint32_t entry_record_size, order_record_size, widths[3]; /* block, offset, size bits */
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

/* `width` (0..32) bits at bit `bit` of a little-endian bit string. */
static void put_bits(uint8_t *p, uint32_t bit, uint32_t width, uint64_t v)
{
    uint32_t i;
    for (i = 0; i < width; i++, bit++) {
        uint8_t mask = (uint8_t)(1u << (bit % 8));
        p[bit / 8] = (uint8_t)((v >> i) & 1u ? p[bit / 8] | mask : p[bit / 8] & ~mask);
    }
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

/* One field of entry `i`: the checksum, or one of its bit fields. */
static void set_entry_field(program *p, image *im, uint32_t i, uint32_t which)
{
    uint64_t at = im->entries + (uint64_t)i * im->entry_record_size;
    uint32_t bit = ENT_FIELDS_BIT, k;
    uint8_t *rec;
    if (at + im->entry_record_size > im->size)
        return;
    rec = im->bytes + at;
    if (which == ENTRY_CHECKSUM) {
        put(rec + ENT_CHECKSUM, 4, next_value(p, tome_get32(rec + ENT_CHECKSUM), im));
        return;
    }
    for (k = 0; k < which; k++)
        bit += im->widths[k];
    put_bits(rec, bit, im->widths[which],
             next_value(p, tome__get_bits(rec, bit, im->widths[which]), im));
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

static void apply(program *p, image *im)
{
    uint32_t op = next_byte(p), i, j;
    uint32_t blocks = im->block_count + im->key_block_count, count = im->count ? im->count : 1;
    uint32_t ers = im->entry_record_size, ors = im->order_record_size;
    uint64_t a, b, n;
    switch (op % 16) {
    case 0:
        set_field(p, im, 0, &header_fields[next_byte(p) % COUNT_OF(header_fields)]);
        break;
    case 1: /* a field of a block record, body or key block */
        blocks = blocks ? blocks : 1;
        i = next_u16(p) % blocks;
        set_field(p, im, im->blocks + (uint64_t)i * BLK_RECORD_SIZE,
                  &block_fields[next_byte(p) % COUNT_OF(block_fields)]);
        break;
    case 2:
        i = next_u16(p) % count;
        set_entry_field(p, im, i, next_byte(p) % ENTRY_FIELDS);
        break;
    case 3: {
        field order_field = {0, (uint8_t)ors};
        i = next_u16(p) % count;
        set_field(p, im, im->order + (uint64_t)i * ors, &order_field);
        break;
    }
    case 4: /* two entries trade places: IDs and bodies no longer match */
        i = next_u16(p) % count;
        j = next_u16(p) % count;
        swap_bytes(im, im->entries + (uint64_t)i * ers, im->entries + (uint64_t)j * ers, ers);
        break;
    case 5: /* block order: two block records trade places (key blocks too) */
        blocks = blocks ? blocks : 1;
        i = next_u16(p) % blocks;
        j = next_u16(p) % blocks;
        swap_bytes(im, im->blocks + (uint64_t)i * BLK_RECORD_SIZE,
                   im->blocks + (uint64_t)j * BLK_RECORD_SIZE, BLK_RECORD_SIZE);
        break;
    case 6: /* storage order */
        i = next_u16(p) % count;
        j = next_u16(p) % count;
        swap_bytes(im, im->order + (uint64_t)i * ors, im->order + (uint64_t)j * ors, ors);
        break;
    case 7:
        a = pick(p, im, im->frames, im->frames_size);
        if (a < im->size)
            im->bytes[a] ^= (uint8_t)(next_byte(p) | 1);
        break;
    case 8:
        a = pick(p, im, im->dict, im->dict_size);
        if (a < im->size)
            im->bytes[a] ^= (uint8_t)(next_byte(p) | 1);
        break;
    case 9: /* keys and titles: a byte of a key block's frame */
        a = pick(p, im, im->key_frames, im->key_frames_size);
        if (a < im->size)
            im->bytes[a] ^= (uint8_t)(next_byte(p) | 1);
        break;
    case 10:
        a = pick(p, im, 0, 0);
        if (a < im->size)
            im->bytes[a] = (uint8_t)next_byte(p);
        break;
    case 11: /* cut the archive short */
        im->size = next_u32(p) % (im->size + 1);
        break;
    case 12: /* append bytes (allowed: the archive says where it ends) */
        n = next_byte(p);
        if (im->size + n <= IMAGE_MAX) {
            memset(im->bytes + im->size, (int)next_byte(p), n);
            im->size += n;
        }
        break;
    case 13: /* a run of bytes inside the frames swapped with another */
        a = pick(p, im, im->frames, im->frames_size);
        b = pick(p, im, im->frames, im->frames_size);
        swap_bytes(im, a, b, 1 + next_byte(p) % 64);
        break;
    case 14: /* copy a range over another (a stale or misplaced write) */
        a = pick(p, im, 0, 0);
        b = pick(p, im, 0, 0);
        n = next_u16(p) % 512;
        if (a + n <= im->size && b + n <= im->size)
            memmove(im->bytes + b, im->bytes + a, n);
        break;
    default: /* zero a run, as erased flash reads 0xFF or a bad sector 0 */
        a = pick(p, im, 0, 0);
        n = 1 + next_byte(p) % 128;
        if (a + n <= im->size)
            memset(im->bytes + a, (next_byte(p) & 1) ? 0xFF : 0, n);
        break;
    }
}

static int load(image *im, int which)
{
    size_t size;
    const uint8_t *base = base_archive(which, &size);
    const uint8_t *h = base;
    if (!base || size > IMAGE_MAX)
        return 0;
    memcpy(im->bytes, base, size);
    im->size = size;
    im->dict = tome_get64(h + HDR_DICT_OFFSET);
    im->dict_size = tome_get32(h + HDR_DICT_SIZE);
    im->blocks = tome_get64(h + HDR_BLOCK_TABLE_OFFSET);
    im->entries = tome_get64(h + HDR_ENTRY_TABLE_OFFSET);
    im->order = tome_get64(h + HDR_ORDER_TABLE_OFFSET);
    im->block_count = tome_get32(h + HDR_BLOCK_COUNT);
    im->key_block_count = tome_get32(h + HDR_KEY_BLOCK_COUNT);
    im->count = tome_get32(h + HDR_ARTICLE_COUNT);
    im->entry_record_size = h[HDR_ENTRY_RECORD_SIZE];
    im->order_record_size = h[HDR_ORDER_RECORD_SIZE];
    im->widths[ENTRY_BLOCK] = h[HDR_BLOCK_BITS];
    im->widths[ENTRY_OFFSET] = h[HDR_OFFSET_BITS];
    im->widths[ENTRY_SIZE] = h[HDR_SIZE_BITS];
    im->frames = TOME_HEADER_SIZE + im->dict_size;
    im->frames_size = im->blocks - im->frames;
    /* the key blocks' frames follow the body blocks' */
    im->key_frames = im->blocks;
    if (im->key_block_count)
        im->key_frames = tome_get64(base + im->blocks +
                                    (uint64_t)im->block_count * BLK_RECORD_SIZE + BLK_FRAME_OFFSET);
    im->key_frames_size = im->blocks - im->key_frames;
    return 1;
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

FUZZ_TARGET(mutate)
{
    static image im;
    static const unsigned reseals[] = {0, RESEAL_HEADER, RESEAL_HEADER | RESEAL_TABLES, RESEAL_ALL};
    program p;
    uint32_t head, ops = 0, flags;
    uint8_t *exact;
    exercise_options o;
    exercise_result r;
    p.at = data;
    p.end = data + size;
    head = next_byte(&p);
    if (!load(&im, (int)(head % 8) % BASE_COUNT))
        return 0;
    while (p.at < p.end && ops++ < 64)
        apply(&p, &im);
    reseal(im.bytes, im.size, reseals[(head >> 3) & 3]);
    flags = (head >> 5) & (TOME_OPEN_NO_DICT_TABLES | TOME_OPEN_TRUST_CONTENT);
    /* an exactly sized copy, so any over-read is caught */
    exact = malloc(im.size ? im.size : 1);
    memcpy(exact, im.bytes, im.size);
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
