/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_archive.c - an independent check of a 3.0 archive, written from
 * docs/FORMAT.md alone (no reader code): every header field, block table
 * record, frame, body block head, tree and binding; then the bytes each
 * region takes.  For testing the packer before and beside the reader.
 *     check_archive ARCHIVE [--dump]
 * Exit 0 when everything holds; otherwise the first broken rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "codec.h"
#include "fold.h"
#include "format.h"
#include "hash.h"
#include "utf8.h"

static const uint8_t *file;
static size_t file_size;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("check_archive: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

typedef struct header {
    uint32_t article_count, body_count, alias_count, search_count, body_blocks;
    uint32_t leaves[6], frames[6]; /* by kind */
    uint32_t block_size_max, index_size_max, article_size_max, chunk_size_max;
    uint32_t key_size_max, title_size_max, fold_size_max, dict_size, fold_version;
    uint64_t dict_offset, block_table_offset, raw_size, stored_size, size;
} header;

static header h;
static ZSTD_DDict *ddict;
static ZSTD_DCtx *dctx;
static uint32_t kind_base[7]; /* first record of each kind */
static uint64_t kind_bytes[7];

typedef struct frame {
    uint8_t *content;
    uint32_t size, first;
} frame;

/* Record r, checked, its frame decoded and checked whole. */
static frame load(uint32_t kind, uint32_t index)
{
    uint32_t r = kind_base[kind] + index;
    const uint8_t *rec = file + h.block_table_offset + (uint64_t)r * BLK_RECORD_SIZE;
    uint64_t off = tome_get64(rec + BLK_FRAME_OFFSET);
    uint32_t fsize = tome_get32(rec + BLK_FRAME_SIZE), csize = tome_get32(rec + BLK_CONTENT_SIZE);
    frame f;
    size_t got;
    unsigned long long fcs;
    CHECK(tome__hash_seeded(rec, 24, r) == tome_get32(rec + BLK_RECORD_CHECKSUM),
          "record %u: record checksum", r);
    CHECK(off >= TOME_HEADER_SIZE && fsize >= 1 && off + fsize <= h.size - TOME_FOOTER_SIZE,
          "record %u: frame outside the body area", r);
    CHECK(csize >= 1 && csize <= (kind == TOME_KIND_BODY ? h.block_size_max : h.index_size_max),
          "record %u: content size %u over its limit", r, csize);
    CHECK(ZSTD_findFrameCompressedSize(file + off, fsize) == fsize, "record %u: not one frame", r);
    fcs = ZSTD_getFrameContentSize(file + off, fsize);
    CHECK(fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == csize, "record %u: frame content size", r);
    f.content = malloc(csize);
    got = ZSTD_decompress_usingDDict(dctx, f.content, csize, file + off, fsize, ddict);
    CHECK(!ZSTD_isError(got) && got == csize, "record %u: decodes to %zu of %u bytes (%s)", r,
          got, csize, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "");
    CHECK(tome__hash_seeded(f.content, csize, TOME_CONTENT_SEED(kind, index)) ==
              tome_get32(rec + BLK_CONTENT_CHECKSUM), "record %u: content checksum", r);
    f.size = csize;
    f.first = tome_get32(rec + BLK_FIRST);
    kind_bytes[kind] += fsize;
    return f;
}

/* ---- body blocks ---- */

typedef struct location { uint32_t block, body; } location;
static location *listed;     /* per ID, from the heads */
static uint32_t *body_sizes; /* per (global body number) */
static uint32_t *block_body_base; /* global number of each block's first body */

static void check_bodies(void)
{
    uint32_t b, bodies = 0, ordinal = 0;
    uint64_t left = 0, stored = 0; /* of the body going on */
    listed = malloc(sizeof *listed * (h.article_count + 1));
    body_sizes = malloc(sizeof *body_sizes * (h.body_count + 1));
    block_body_base = malloc(sizeof *block_body_base * (h.body_blocks + 1));
    for (b = 0; b < h.article_count; b++)
        listed[b].block = UINT32_MAX;
    for (b = 0; b < h.body_blocks; b++) {
        frame f = load(TOME_KIND_BODY, b);
        tome_cursor c;
        uint32_t head_size, first, carry, n, s, i, area, end_prev = 0;
        uint64_t sum = 0;
        const uint8_t *area_bytes;
        CHECK(f.size >= 4, "block %u: no head", b);
        head_size = tome_get32(f.content);
        CHECK(head_size >= TOME_HEAD_SIZE_MIN && head_size <= f.size, "block %u: head size", b);
        CHECK(tome__hash_seeded(f.content, head_size - 4, b) == tome_get32(f.content + head_size - 4),
              "block %u: head checksum", b);
        tome__cursor_init(&c, f.content + 4, head_size - 8);
        first = tome__get_varint(&c);
        carry = tome__get_varint(&c);
        n = tome__get_varint(&c);
        s = tome__get_varint(&c);
        CHECK(!c.bad && first == f.first && first == ordinal, "block %u: first %u (record %u, "
              "expected %u)", b, first, f.first, ordinal);
        area = f.size - head_size;
        area_bytes = f.content + head_size;
        stored += f.size;
        CHECK(carry <= area, "block %u: carry over the area", b);
        CHECK(carry == (left < area ? left : area), "block %u: carry %u, expected %llu", b, carry,
              (unsigned long long)(left < area ? left : area));
        left -= carry;
        CHECK((n == 0) == (carry == area && area >= 1), "block %u: body count %u", b, n);
        CHECK(s >= 1, "block %u: no segment", b);
        block_body_base[b] = bodies;
        for (i = 0; i < n; i++) {
            uint32_t size = tome__get_varint(&c);
            CHECK(bodies + i < h.body_count, "too many bodies");
            body_sizes[bodies + i] = size;
            sum += size;
        }
        if (n > 0) {
            CHECK(left == 0, "block %u: lists bodies while one goes on", b);
            CHECK(carry + sum >= area, "block %u: bodies end before the area does", b);
            left = carry + sum - area;
        }
        for (i = 0; i < n; i++) {
            uint32_t count = tome__get_varint(&c), id = tome__get_varint(&c), k;
            CHECK(!c.bad && count >= 1, "block %u: ID list %u", b, i);
            for (k = 0; k < count; k++) {
                if (k)
                    id += tome__get_varint(&c);
                CHECK(!c.bad && id < h.article_count && listed[id].block == UINT32_MAX,
                      "block %u body %u: ID %u bad or listed twice", b, i, id);
                listed[id].block = b;
                listed[id].body = i;
            }
            ordinal += count;
        }
        for (i = 0; i < s; i++) {
            uint32_t end = tome__get_varint(&c), sum32 = tome__get_u32(&c);
            CHECK(!c.bad && (end > end_prev || (i == 0 && end == 0 && area == 0)) && end <= area,
                  "block %u: segment %u ends at %u", b, i, end);
            CHECK(tome__hash_seeded(area_bytes + end_prev, end - end_prev, i) == sum32,
                  "block %u: segment %u checksum", b, i);
            end_prev = end;
        }
        CHECK(end_prev == area, "block %u: segments end at %u of %u", b, end_prev, area);
        CHECK(!c.bad && c.pos == c.end, "block %u: head fields do not fill the head", b);
        bodies += n;
        free(f.content);
    }
    CHECK(left == 0, "the last block leaves %llu bytes over", (unsigned long long)left);
    CHECK(bodies == h.body_count, "body_count %u, heads list %u", h.body_count, bodies);
    CHECK(ordinal == h.article_count, "heads list %u IDs of %u", ordinal, h.article_count);
    CHECK(stored == h.stored_size, "stored_size");
    block_body_base[h.body_blocks] = bodies;
}

/* ---- trees ---- */

typedef struct string { uint8_t *data; uint32_t size; } string;

/* Calls `entry` for each leaf entry with its string and a cursor on the
 * payload; checks the shape, the separators and the order. */
typedef void (*entry_fn)(uint32_t ordinal, const uint8_t *s, uint32_t n, tome_cursor *c,
                         int starts_frame);

static string *first_strings;
static int order_strict;

static int compare(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (an > bn) - (an < bn);
}

static void check_tree(uint32_t kind, uint32_t entries, entry_fn entry, int strict)
{
    uint32_t leaves = h.leaves[kind], frames = h.frames[kind], i, ordinal = 0;
    uint8_t prev[TOME_FOLD_SIZE_LIMIT + 1], last[TOME_FOLD_SIZE_LIMIT + 1];
    uint32_t last_size = 0;
    int have_last = 0;
    uint32_t *level_of = calloc(frames + 1, sizeof *level_of);
    uint32_t *parent_seen = calloc(frames + 1, sizeof *parent_seen);
    (void)order_strict;
    first_strings = calloc(frames + 1, sizeof *first_strings);
    for (i = 0; i < frames; i++) {
        frame f = load(kind, i);
        tome_cursor c;
        uint32_t level, first, count, k, prev_size = 0;
        tome__cursor_init(&c, f.content, f.size);
        level = tome__get_varint(&c);
        first = tome__get_varint(&c);
        count = tome__get_varint(&c);
        CHECK(!c.bad && count >= 1 && first == f.first, "kind %u frame %u: head", kind, i);
        CHECK((i < leaves) == (level == 0), "kind %u frame %u: level %u", kind, i, level);
        level_of[i] = level;
        if (level == 0)
            CHECK(first == ordinal, "kind %u leaf %u: first %u, expected %u", kind, i, first, ordinal);
        else {
            CHECK(first + count <= i, "kind %u node %u: children", kind, i);
            for (k = first; k < first + count; k++) {
                CHECK(level_of[k] == level - 1 && !parent_seen[k], "kind %u node %u: child %u",
                      kind, i, k);
                parent_seen[k] = 1;
            }
        }
        for (k = 0; k < count; k++) {
            tome_front fr;
            CHECK(tome__get_front(&c, prev_size, &fr) && (k > 0 || fr.shared == 0),
                  "kind %u frame %u entry %u: front coding", kind, i, k);
            CHECK(fr.shared + fr.suffix_size <= TOME_FOLD_SIZE_LIMIT, "string too long");
            memcpy(prev + fr.shared, fr.suffix, fr.suffix_size);
            prev_size = fr.shared + fr.suffix_size;
            if (k == 0) {
                first_strings[i].data = malloc(prev_size + 1);
                memcpy(first_strings[i].data, prev, prev_size);
                first_strings[i].size = prev_size;
            }
            if (level == 0) {
                if (have_last) {
                    int cmp = compare(last, last_size, prev, prev_size);
                    CHECK(strict ? cmp < 0 : cmp <= 0, "kind %u entry %u: out of order", kind, ordinal);
                }
                memcpy(last, prev, prev_size);
                last_size = prev_size;
                have_last = 1;
                entry(ordinal, prev, prev_size, &c, k == 0);
                CHECK(!c.bad, "kind %u entry %u: payload", kind, ordinal);
                ordinal++;
            } else {
                uint32_t child = first + k;
                CHECK(prev_size == first_strings[child].size &&
                          !memcmp(prev, first_strings[child].data, prev_size),
                      "kind %u node %u: separator %u", kind, i, k);
            }
        }
        CHECK(c.pos == c.end, "kind %u frame %u: bytes after the entries", kind, i);
        free(f.content);
    }
    CHECK(ordinal == entries, "kind %u: %u entries of %u", kind, ordinal, entries);
    for (i = 0; i + 1 < frames; i++)
        CHECK(parent_seen[i], "kind %u frame %u: no parent", kind, i);
    CHECK(frames == 0 || level_of[frames - 1] < TOME_TREE_LEVELS_LIMIT, "root level");
    CHECK(frames <= 1 || level_of[frames - 1] > level_of[frames - 2], "root not alone");
    for (i = 0; i < frames; i++)
        free(first_strings[i].data);
    free(first_strings);
    free(level_of);
    free(parent_seen);
}

/* name entries, kept for the bindings */
static string *keys, *titles, *alias_keys;
static uint32_t **alias_lists, *alias_list_sizes, *alias_ids;
static uint32_t prev_block, key_max, title_max, fold_max, article_max;
static uint64_t raw;

static string copy(const uint8_t *s, uint32_t n)
{
    string r;
    r.data = malloc(n + 1);
    memcpy(r.data, s, n);
    r.size = n;
    return r;
}

static void name_entry(uint32_t id, const uint8_t *s, uint32_t n, tome_cursor *c, int starts)
{
    uint32_t title_size, block, body, count, k;
    const uint8_t *title;
    int64_t delta;
    CHECK(tome__key_valid(s, n), "key %u: not UTF-8 without NUL", id);
    keys[id] = copy(s, n);
    title_size = tome__get_varint(c);
    title = tome__get_bytes(c, title_size);
    CHECK(!c->bad && tome__key_valid(title, title_size), "title %u", id);
    titles[id] = copy(title, title_size);
    delta = tome__unzigzag(tome__get_varint(c));
    block = (uint32_t)((starts ? 0 : (int64_t)prev_block) + delta);
    prev_block = block;
    body = tome__get_varint(c);
    CHECK(block == listed[id].block && body == listed[id].body,
          "ID %u: name says block %u body %u, heads say %u %u", id, block, body,
          listed[id].block, listed[id].body);
    count = tome__get_varint(c);
    alias_lists[id] = malloc(sizeof(uint32_t) * (count + 1));
    alias_list_sizes[id] = count;
    for (k = 0; k < count; k++) {
        alias_lists[id][k] = tome__get_varint(c);
        CHECK(alias_lists[id][k] < h.alias_count && (k == 0 || alias_lists[id][k] > alias_lists[id][k - 1]),
              "ID %u: alias ordinals", id);
    }
    if (n > key_max) key_max = n;
    if (title_size > title_max) title_max = title_size;
    {
        uint32_t size = body_sizes[block_body_base[block] + body];
        raw += size;
        if (size > article_max) article_max = size;
    }
}

static void alias_entry(uint32_t o, const uint8_t *s, uint32_t n, tome_cursor *c, int starts)
{
    (void)starts;
    CHECK(tome__key_valid(s, n), "alias %u: not UTF-8 without NUL", o);
    alias_keys[o] = copy(s, n);
    alias_ids[o] = tome__get_varint(c);
    CHECK(alias_ids[o] < h.article_count, "alias %u: ID", o);
    if (n > key_max) key_max = n;
}

/* search entries expected, sorted, compared one by one */
typedef struct sentry { string s; uint32_t id, source; } sentry;
static sentry *expected_search;
static uint32_t expected_count;

static int compare_sentry(const void *x, const void *y)
{
    const sentry *a = x, *b = y;
    int c = compare(a->s.data, a->s.size, b->s.data, b->s.size);
    if (c) return c;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return (a->source > b->source) - (a->source < b->source);
}

static string folded(const string *s)
{
    string r;
    size_t got = 0;
    r.data = malloc(3 * s->size + 1);
    CHECK(tome__fold(s->data, s->size, r.data, 3 * s->size, &got) == 0, "fold");
    r.size = (uint32_t)got;
    return r;
}

static void search_entry(uint32_t i, const uint8_t *s, uint32_t n, tome_cursor *c, int starts)
{
    uint32_t id = tome__get_varint(c), source = tome__get_varint(c);
    const sentry *e = &expected_search[i];
    (void)starts;
    CHECK(i < expected_count && n == e->s.size && !memcmp(s, e->s.data, n) && id == e->id &&
              source == e->source, "search entry %u differs from the folding rule", i);
    if (n > fold_max) fold_max = n;
}

static void meta_entry(uint32_t i, const uint8_t *s, uint32_t n, tome_cursor *c, int starts)
{
    uint32_t size = tome__get_varint(c);
    const uint8_t *v = tome__get_bytes(c, size);
    (void)starts;
    CHECK(n >= 1 && tome__key_valid(s, n) && !c->bad && tome__key_valid(v, size), "meta %u", i);
    printf("meta %.*s=%.*s\n", (int)n, (const char *)s, (int)size, (const char *)v);
}

int main(int argc, char **argv)
{
    FILE *f;
    long n;
    uint8_t *buf;
    const uint8_t *hd;
    uint32_t i, k, total;
    if (argc < 2)
        fail("usage: check_archive ARCHIVE");
    f = fopen(argv[1], "rb");
    CHECK(f, "cannot open %s", argv[1]);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n, "read");
    fclose(f);
    file = buf;
    file_size = (size_t)n;
    hd = file;
    CHECK(file_size >= 184 && !memcmp(hd, TOME_HEADER_MAGIC, 8), "magic");
    CHECK(tome_get16(hd + HDR_MAJOR) == 3 && tome_get16(hd + HDR_MINOR) == 0, "version");
    CHECK(tome_get32(hd + HDR_HEADER_SIZE) == 160, "header size");
    CHECK(tome__hash(hd, 156) == tome_get32(hd + HDR_CHECKSUM), "header checksum");
    CHECK(tome_get32(hd + HDR_RESERVED) == 0, "reserved");
    h.size = tome_get64(hd + HDR_FILE_SIZE);
    CHECK(h.size == file_size, "file_size %llu, file %zu", (unsigned long long)h.size, file_size);
    CHECK(!memcmp(file + h.size - 24, TOME_FOOTER_MAGIC, 8) &&
              tome_get64(file + h.size - 24 + FTR_FILE_SIZE) == h.size &&
              tome_get32(file + h.size - 24 + FTR_RESERVED) == 0, "footer");
    CHECK(tome__hash(file, h.size - 4) == tome_get32(file + h.size - 4), "file checksum");
    h.article_count = tome_get32(hd + HDR_ARTICLE_COUNT);
    h.body_count = tome_get32(hd + HDR_BODY_COUNT);
    h.alias_count = tome_get32(hd + HDR_ALIAS_COUNT);
    h.search_count = tome_get32(hd + HDR_SEARCH_COUNT);
    h.body_blocks = tome_get32(hd + HDR_BODY_BLOCKS);
    h.frames[1] = h.leaves[1] = h.body_blocks;
    h.leaves[2] = tome_get32(hd + HDR_NAME_LEAVES);
    h.frames[2] = tome_get32(hd + HDR_NAME_FRAMES);
    h.leaves[3] = tome_get32(hd + HDR_ALIAS_LEAVES);
    h.frames[3] = tome_get32(hd + HDR_ALIAS_FRAMES);
    h.leaves[4] = tome_get32(hd + HDR_SEARCH_LEAVES);
    h.frames[4] = tome_get32(hd + HDR_SEARCH_FRAMES);
    h.frames[5] = h.leaves[5] = tome_get32(hd + HDR_META_FRAMES);
    h.block_size_max = tome_get32(hd + HDR_BLOCK_SIZE_MAX);
    h.index_size_max = tome_get32(hd + HDR_INDEX_SIZE_MAX);
    h.article_size_max = tome_get32(hd + HDR_ARTICLE_SIZE_MAX);
    h.chunk_size_max = tome_get32(hd + HDR_CHUNK_SIZE_MAX);
    h.key_size_max = tome_get32(hd + HDR_KEY_SIZE_MAX);
    h.title_size_max = tome_get32(hd + HDR_TITLE_SIZE_MAX);
    h.fold_size_max = tome_get32(hd + HDR_FOLD_SIZE_MAX);
    h.dict_size = tome_get32(hd + HDR_DICT_SIZE);
    h.fold_version = tome_get32(hd + HDR_FOLD_VERSION);
    h.dict_offset = tome_get64(hd + HDR_DICT_OFFSET);
    h.block_table_offset = tome_get64(hd + HDR_BLOCK_TABLE_OFFSET);
    h.raw_size = tome_get64(hd + HDR_RAW_SIZE);
    h.stored_size = tome_get64(hd + HDR_STORED_SIZE);
    CHECK(h.article_count >= 1 && h.body_blocks >= 1 && h.body_count >= 1 &&
              h.body_count <= h.article_count, "counts");
    for (k = 2; k <= 4; k++)
        CHECK(h.leaves[k] <= h.frames[k] && (h.leaves[k] == 0) == (h.frames[k] == 0) &&
                  (h.leaves[k] == 0 || h.frames[k] - h.leaves[k] < h.leaves[k]), "kind %u counts", k);
    CHECK(h.leaves[2] >= 1 && h.leaves[2] <= h.article_count && h.leaves[3] <= h.alias_count &&
              h.leaves[4] <= h.search_count && (h.frames[3] == 0) == (h.alias_count == 0) &&
              (h.frames[4] == 0) == (h.search_count == 0) && h.frames[5] <= 1, "tree counts");
    CHECK(h.key_size_max <= 65535 && h.title_size_max <= 65535 && h.fold_size_max <= 196605 &&
              h.chunk_size_max >= 3 && h.fold_version == (h.frames[4] ? 1u : 0u), "limits");
    total = 0;
    for (k = 1; k <= 5; k++) {
        kind_base[k] = total;
        total += h.frames[k];
    }
    CHECK(h.block_table_offset >= 160 &&
              h.block_table_offset + (uint64_t)total * 28 <= h.size - 24, "block table region");
    if (h.dict_size) {
        CHECK(h.dict_offset >= 160 && h.dict_offset + h.dict_size <= h.size - 24 &&
                  (h.dict_offset + h.dict_size <= h.block_table_offset ||
                   h.block_table_offset + (uint64_t)total * 28 <= h.dict_offset), "dictionary region");
        CHECK(tome__hash(file + h.dict_offset, h.dict_size) == tome_get32(hd + HDR_DICT_CHECKSUM),
              "dictionary checksum");
    } else
        CHECK(h.dict_offset == 0 && tome_get32(hd + HDR_DICT_CHECKSUM) == 0, "no dictionary");
    CHECK(tome_get32(hd + HDR_WORKSPACE_MEMORY) ==
              TOME_WORKSPACE_BOUND((uint64_t)h.block_size_max, (uint64_t)h.index_size_max,
                                   (uint64_t)h.chunk_size_max, (uint64_t)h.dict_size, 0) -
                  TOME_ZSTD_DCTX_BOUND + TOME_ZSTD_DCTX_BOUND_DEFAULT, "workspace_memory");
    dctx = ZSTD_createDCtx();
    ddict = ZSTD_createDDict(h.dict_size ? (const void *)(file + h.dict_offset) : (const void *)"", h.dict_size);
    {   /* frames disjoint, in order, each's chunks within chunk_size_max */
        uint64_t at = 0;
        uint32_t max_block = 0, max_index = 0, max_chunk = 0, r;
        for (r = 0; r < total; r++) {
            const uint8_t *rec = file + h.block_table_offset + (uint64_t)r * 28;
            uint64_t off = tome_get64(rec);
            uint32_t fs = tome_get32(rec + 8), cs = tome_get32(rec + 12);
            ZSTD_frameHeader zfh;
            size_t pos;
            CHECK(off >= at && off >= 160 + (h.dict_offset ? h.dict_size : 0), "frame %u overlaps", r);
            at = off + fs;
            if (r < h.body_blocks) { if (cs > max_block) max_block = cs; }
            else if (cs > max_index) max_index = cs;
            CHECK(ZSTD_getFrameHeader(&zfh, file + off, fs) == 0, "frame %u header", r);
            pos = zfh.headerSize;
            if (zfh.headerSize > max_chunk) max_chunk = zfh.headerSize;
            for (;;) {
                uint32_t bh = file[off + pos] | (file[off + pos + 1] << 8) | ((uint32_t)file[off + pos + 2] << 16);
                uint32_t piece = ((bh >> 1) & 3) == 1 ? 1 : bh >> 3;
                if (piece > max_chunk) max_chunk = piece;
                pos += 3 + piece;
                if (bh & 1) break;
            }
            if (zfh.checksumFlag) pos += 4;
            CHECK(pos == fs, "frame %u: blocks do not fill it", r);
        }
        CHECK(at <= h.block_table_offset, "frames run into the block table");
        CHECK(max_block == h.block_size_max && max_index == h.index_size_max, "size limits not exact");
        CHECK(max_chunk <= h.chunk_size_max && (max_chunk > 3 ? max_chunk : 3) == h.chunk_size_max,
              "chunk_size_max %u, found %u", h.chunk_size_max, max_chunk);
    }
    check_bodies();
    keys = calloc(h.article_count, sizeof *keys);
    titles = calloc(h.article_count, sizeof *titles);
    alias_lists = calloc(h.article_count, sizeof *alias_lists);
    alias_list_sizes = calloc(h.article_count, sizeof *alias_list_sizes);
    alias_keys = calloc(h.alias_count + 1, sizeof *alias_keys);
    alias_ids = calloc(h.alias_count + 1, sizeof *alias_ids);
    check_tree(TOME_KIND_NAME, h.article_count, name_entry, 1);
    check_tree(TOME_KIND_ALIAS, h.alias_count, alias_entry, 1);
    for (i = 0; i < h.article_count; i++)
        for (k = 0; k < alias_list_sizes[i]; k++)
            CHECK(alias_ids[alias_lists[i][k]] == i, "alias %u does not name %u back", alias_lists[i][k], i);
    {
        uint32_t listed_aliases = 0, a = 0;
        for (i = 0; i < h.article_count; i++)
            listed_aliases += alias_list_sizes[i];
        CHECK(listed_aliases == h.alias_count, "aliases listed %u of %u", listed_aliases, h.alias_count);
        for (i = 0; i < h.alias_count; i++) { /* no alias equals a key */
            while (a < h.article_count && compare(keys[a].data, keys[a].size, alias_keys[i].data, alias_keys[i].size) < 0)
                a++;
            CHECK(a == h.article_count || compare(keys[a].data, keys[a].size, alias_keys[i].data, alias_keys[i].size) != 0,
                  "alias %u equals a key", i);
        }
    }
    expected_search = malloc(sizeof *expected_search * (h.article_count * 2 + h.alias_count + 1));
    for (i = 0; i < h.article_count; i++) {
        sentry e;
        string kf = folded(&keys[i]);
        e.s = kf; e.id = i; e.source = 0;
        expected_search[expected_count++] = e;
        if (titles[i].size) {
            string tf = folded(&titles[i]);
            if (tf.size != kf.size || memcmp(tf.data, kf.data, kf.size)) {
                e.s = tf; e.source = 1;
                expected_search[expected_count++] = e;
            }
        }
        for (k = 0; k < alias_list_sizes[i]; k++) {
            e.s = folded(&alias_keys[alias_lists[i][k]]);
            e.source = 2 + k;
            expected_search[expected_count++] = e;
        }
    }
    qsort(expected_search, expected_count, sizeof *expected_search, compare_sentry);
    CHECK(expected_count == h.search_count, "search_count %u, expected %u", h.search_count, expected_count);
    check_tree(TOME_KIND_SEARCH, h.search_count, search_entry, 0);
    if (h.frames[5]) {
        frame m = load(TOME_KIND_META, 0);
        tome_cursor c;
        uint32_t count;
        tome__cursor_init(&c, m.content, m.size);
        CHECK(tome__get_varint(&c) == 0 && tome__get_varint(&c) == 0 && m.first == 0, "meta head");
        count = tome__get_varint(&c);
        free(m.content);
        kind_bytes[TOME_KIND_META] = 0; /* counted again by check_tree */
        h.leaves[5] = 1;
        check_tree(TOME_KIND_META, count, meta_entry, 1);
    }
    for (i = 0; i < h.article_count; i++)
        CHECK(listed[i].block != UINT32_MAX, "ID %u listed in no block", i);
    CHECK(raw == h.raw_size, "raw_size");
    CHECK(key_max == h.key_size_max && title_max == h.title_size_max && fold_max == h.fold_size_max &&
              article_max == h.article_size_max, "key/title/fold/article limits not exact "
              "(%u %u %u %u vs %u %u %u %u)", key_max, title_max, fold_max, article_max,
              h.key_size_max, h.title_size_max, h.fold_size_max, h.article_size_max);
    printf("ok: %u articles, %u bodies, %u aliases, %u search entries; bytes: file %llu, "
           "dictionary %u, body blocks %llu, names %llu (%u frames), aliases %llu, search %llu "
           "(%u frames), meta %llu, block table %u; index total %llu (%.2f%%), search %.2f%%\n",
           h.article_count, h.body_count, h.alias_count, h.search_count,
           (unsigned long long)h.size, h.dict_size, (unsigned long long)kind_bytes[1],
           (unsigned long long)kind_bytes[2], h.frames[2], (unsigned long long)kind_bytes[3],
           (unsigned long long)kind_bytes[4], h.frames[4], (unsigned long long)kind_bytes[5], total * 28,
           (unsigned long long)(kind_bytes[2] + kind_bytes[3] + kind_bytes[4] + kind_bytes[5] + total * 28),
           100.0 * (double)(kind_bytes[2] + kind_bytes[3] + kind_bytes[4] + kind_bytes[5] + total * 28) / (double)h.size,
           100.0 * (double)kind_bytes[4] / (double)h.size);
    return 0;
}
