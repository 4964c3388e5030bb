/*
 * pack_write.c - from added articles to an archive file (docs/FORMAT.md).
 *
 * Steps: sort articles by key (IDs), lay distinct bodies out in blocks,
 * train the dictionary, compress, build the tables, write everything to a
 * temporary file, check it with the reader, rename it into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "hash.h"
#include "pack_internal.h"
#include "read_internal.h"

#define NO_RANK UINT32_MAX

/* Key blocks of about 4 KiB: measured on the mail corpus's keys, 2 / 4 / 8
 * / 16 KiB blocks compress them to 124 / 116 / 113 / 111 KB; 4 KiB keeps
 * the key buffer (reader RAM) and the work of one lookup small. */
#define KEY_BLOCK_TARGET 4096u

/* Everything the archive is made of, before it is written. */
typedef struct plan {
    uint32_t *ids;        /* ids[id] = index into p->articles, in key order */
    uint32_t *layout;     /* body indexes in layout order (non-empty only) */
    uint8_t *segment_start; /* per layout position: a run of similar bodies begins */
    size_t layout_count;
    uint8_t *stream;      /* the bodies of `layout`, back to back, then the keys */
    uint64_t stream_size; /* the bodies' part */
    uint64_t *ends;       /* per layout position: where the body ends in the stream */
    uint8_t *group_start; /* per layout position: the body starts a block */
    pack_keys keys;
    size_t body_blocks;   /* blocks[0, body_blocks) hold bodies, the rest keys */
    size_t *sample_sizes; /* the stream cut at bodies and block boundaries */
    size_t sample_count;
    pack_block *blocks;
    size_t block_count, block_cap;
    uint8_t *dict;
    size_t dict_size;
    uint8_t *block_table, *entry_table, *order_table;
    uint32_t entry_record_size, block_bits, offset_bits, size_bits, order_record_size;
    uint8_t header[TOME_HEADER_SIZE];
    uint64_t raw_size;
    uint32_t groups;
} plan;

static void free_plan(plan *pl)
{
    size_t i;
    for (i = 0; i < pl->block_count; i++)
        free(pl->blocks[i].frame);
    free(pl->ids);
    free(pl->layout);
    free(pl->segment_start);
    free(pl->stream);
    free(pl->ends);
    free(pl->group_start);
    free(pl->keys.data);
    free(pl->keys.block_sizes);
    free(pl->sample_sizes);
    free(pl->blocks);
    free(pl->dict);
    free(pl->block_table);
    free(pl->entry_table);
    free(pl->order_table);
}

typedef struct keyed {
    const pack_article *article;
    uint32_t index;
} keyed;

static int compare_keyed(const void *a, const void *b)
{
    const pack_article *x = ((const keyed *)a)->article, *y = ((const keyed *)b)->article;
    uint32_t n = x->key_size < y->key_size ? x->key_size : y->key_size;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return (x->key_size > y->key_size) - (x->key_size < y->key_size);
}

/* IDs are ranks of keys; equal neighbours are duplicate keys. */
static int assign_ids(tome_packer *p, plan *pl)
{
    keyed *k = malloc(p->article_count * sizeof *k);
    size_t i;
    int err = TOME_PACK_OK;
    pl->ids = malloc(p->article_count * sizeof *pl->ids);
    if (!k || !pl->ids) {
        free(k);
        return tome_pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (i = 0; i < p->article_count; i++) {
        k[i].article = &p->articles[i];
        k[i].index = (uint32_t)i;
    }
    qsort(k, p->article_count, sizeof *k, compare_keyed);
    for (i = 0; i < p->article_count; i++)
        pl->ids[i] = k[i].index;
    for (i = 1; i < p->article_count && !err; i++) {
        if (compare_keyed(&k[i - 1], &k[i]) == 0) {
            /* name the sources in the order they were added */
            const keyed *first = k[i - 1].index < k[i].index ? &k[i - 1] : &k[i];
            const keyed *second = first == &k[i] ? &k[i - 1] : &k[i];
            err = tome_pack_fail(p, TOME_PACK_ERR_DUPLICATE,
                                 "duplicate key \"%s\": from %s and from %s",
                                 first->article->key, first->article->source,
                                 second->article->source);
        }
    }
    free(k);
    return err;
}

/* Bodies in the order their first article appears in key order. */
static int order_bodies(tome_packer *p, plan *pl)
{
    uint32_t *rank = malloc(p->body_count * sizeof *rank);
    size_t i;
    pl->layout = malloc(p->body_count * sizeof *pl->layout);
    pl->segment_start = calloc(p->body_count ? p->body_count : 1, 1);
    if (!rank || !pl->layout || !pl->segment_start) {
        free(rank);
        return tome_pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (i = 0; i < p->body_count; i++)
        rank[i] = NO_RANK;
    for (i = 0; i < p->article_count; i++) {
        uint32_t body = p->articles[pl->ids[i]].body;
        if (rank[body] == NO_RANK && p->bodies[body].size > 0) {
            rank[body] = (uint32_t)pl->layout_count;
            pl->layout[pl->layout_count++] = body;
        }
    }
    free(rank);
    return TOME_PACK_OK;
}

static int add_block(tome_packer *p, plan *pl, size_t *cap, uint64_t start, uint32_t size)
{
    int err = tome_pack_grow(p, (void **)&pl->blocks, cap, pl->block_count + 1, sizeof *pl->blocks);
    if (err)
        return err;
    memset(&pl->blocks[pl->block_count], 0, sizeof *pl->blocks);
    pl->blocks[pl->block_count].start = start;
    pl->blocks[pl->block_count].size = size;
    pl->block_count++;
    return TOME_PACK_OK;
}

/* Bytes of the run of similar bodies starting at layout position i. */
static uint64_t segment_bytes(const tome_packer *p, const plan *pl, size_t i)
{
    uint64_t total = p->bodies[pl->layout[i]].size;
    for (i++; i < pl->layout_count && !pl->segment_start[i]; i++)
        total += p->bodies[pl->layout[i]].size;
    return total;
}

/* Fill blocks up to block_size; a body that does not fit starts a new
 * block, and a body bigger than a block runs over several whole blocks.
 * A run of similar bodies that would not fit the rest of a block at least
 * a quarter full starts a new one, so the run stays together (measured on
 * the mail corpus: a quarter beat a half; less full made no difference). */
/* Where blocks begin: before a body that does not fit the rest of the
 * block, and before a run of similar bodies that would not fit the rest of
 * a block at least a quarter full, so the run stays together (measured on
 * the mail corpus: a quarter beat a half; less full made no difference).
 * A body bigger than a block starts one and runs over whole blocks. */
static void find_block_starts(const tome_packer *p, plan *pl)
{
    const uint64_t limit = p->opt.block_size;
    uint64_t used = 0;
    size_t i;
    for (i = 0; i < pl->layout_count; i++) {
        uint64_t size = p->bodies[pl->layout[i]].size;
        int keep_run = pl->segment_start[i] && used * 4 >= limit &&
                       used + segment_bytes(p, pl, i) > limit;
        pl->group_start[i] = i == 0 || used == 0 || keep_run || used + size > limit;
        if (pl->group_start[i])
            used = 0;
        used = (used + size) % limit;
    }
}

static const tome_packer *size_order_packer; /* qsort has no context */

static int compare_body_size(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t sx = size_order_packer->bodies[x].size, sy = size_order_packer->bodies[y].size;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return (x > y) - (x < y);
}

/* Each block's bodies smallest first: a random fetch decodes a block only
 * up to the body it wants, so small bodies first shorten the mean decode
 * (measured: 23.0 -> 23.7 thousand fetches a second, and 0.2% smaller,
 * as zstd finds the shared text either way round). */
static void smallest_first(const tome_packer *p, plan *pl)
{
    size_t g, end;
    size_order_packer = p;
    for (g = 0; g < pl->layout_count; g = end) {
        size_t first = g;
        for (end = g + 1; end < pl->layout_count && !pl->group_start[end]; end++)
            ;
        if (p->bodies[pl->layout[g]].size > p->opt.block_size)
            first++; /* a long body's tail opens the block: it stays there */
        if (end > first + 1)
            qsort(pl->layout + first, end - first, sizeof *pl->layout, compare_body_size);
    }
}

/* Record one dictionary sample: a body's piece within one block. */
static int add_sample(tome_packer *p, plan *pl, size_t *cap, uint64_t piece)
{
    int err = tome_pack_grow(p, (void **)&pl->sample_sizes, cap, pl->sample_count + 1,
                             sizeof *pl->sample_sizes);
    if (err)
        return err;
    pl->sample_sizes[pl->sample_count++] = (size_t)piece;
    return TOME_PACK_OK;
}

/* Fill blocks up to block_size, starting new ones where find_block_starts
 * said; a body bigger than a block runs over several whole blocks. */
static int lay_out_blocks(tome_packer *p, plan *pl)
{
    const uint64_t limit = p->opt.block_size;
    uint64_t at = 0, block_start = 0;
    size_t i, cap = 0, samples_cap = 0;
    int err;
    for (i = 0; i < pl->layout_count; i++)
        pl->stream_size += p->bodies[pl->layout[i]].size;
    pl->stream = malloc(pl->stream_size ? pl->stream_size : 1);
    pl->ends = malloc((pl->layout_count ? pl->layout_count : 1) * sizeof *pl->ends);
    pl->group_start = malloc(pl->layout_count ? pl->layout_count : 1);
    if (!pl->stream || !pl->ends || !pl->group_start)
        return tome_pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    find_block_starts(p, pl);
    smallest_first(p, pl);
    for (i = 0; i < pl->layout_count; i++) {
        pack_body *b = &p->bodies[pl->layout[i]];
        uint64_t left = b->size;
        if (at > block_start && pl->group_start[i]) {
            if ((err = add_block(p, pl, &cap, block_start, (uint32_t)(at - block_start))))
                return err;
            block_start = at;
        }
        b->block = (uint32_t)pl->block_count;
        b->offset = (uint32_t)(at - block_start);
        memcpy(pl->stream + at, b->data, b->size);
        pl->ends[i] = at + b->size;
        while (left > 0) {
            uint64_t piece = limit - (at - block_start);
            if (piece > left)
                piece = left;
            if ((err = add_sample(p, pl, &samples_cap, piece)))
                return err;
            at += piece;
            left -= piece;
            if (at - block_start == limit) {
                if ((err = add_block(p, pl, &cap, block_start, (uint32_t)limit)))
                    return err;
                block_start = at;
            }
        }
    }
    if (at > block_start && (err = add_block(p, pl, &cap, block_start,
                                             (uint32_t)(at - block_start))))
        return err;
    pl->body_blocks = pl->block_count;
    pl->block_cap = cap;
    return TOME_PACK_OK;
}

/* Key blocks after the body blocks, their records appended to the stream
 * (after the dictionary was trained on the bodies alone). */
static int add_key_blocks(tome_packer *p, plan *pl)
{
    uint32_t target = p->opt.block_size < KEY_BLOCK_TARGET ? p->opt.block_size
                                                           : KEY_BLOCK_TARGET;
    uint64_t at = pl->stream_size;
    uint8_t *grown;
    size_t i;
    int err;
    if ((err = tome_pack_keys(p, pl->ids, target, &pl->keys)) != TOME_PACK_OK)
        return err;
    grown = realloc(pl->stream, pl->stream_size + pl->keys.size);
    if (!grown)
        return tome_pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    pl->stream = grown;
    memcpy(pl->stream + pl->stream_size, pl->keys.data, pl->keys.size);
    for (i = 0; i < pl->keys.block_count; i++) {
        if ((err = add_block(p, pl, &pl->block_cap, at, pl->keys.block_sizes[i])))
            return err;
        at += pl->keys.block_sizes[i];
    }
    return TOME_PACK_OK;
}

/* The storage-order sort key of FORMAT.md: (block, offset, size, ID). */
typedef struct placed {
    uint32_t block, offset, size, id;
} placed;

static int compare_placed(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    if (x->block != y->block)
        return x->block < y->block ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Bits needed to write v. */
static uint32_t bits_for(uint64_t v)
{
    uint32_t n = 0;
    while (v >> n)
        n++;
    return n;
}

/* Little-endian bit string writer, the inverse of tome_get_bits(). */
static void put_bits(uint8_t *p, uint32_t bit, uint32_t width, uint32_t value)
{
    uint32_t i;
    for (i = 0; i < width; i++, bit++)
        if ((value >> i) & 1u)
            p[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void choose_widths(const tome_packer *p, plan *pl)
{
    uint32_t block_max = 0, offset_max = 0, size_max = 0;
    size_t i;
    for (i = 0; i < p->body_count; i++) {
        const pack_body *b = &p->bodies[i];
        if (b->size == 0)
            continue;
        if (b->block > block_max)
            block_max = b->block;
        if (b->offset > offset_max)
            offset_max = b->offset;
        if (b->size > size_max)
            size_max = b->size;
    }
    pl->block_bits = bits_for(block_max);
    pl->offset_bits = bits_for(offset_max);
    pl->size_bits = bits_for(size_max);
    pl->entry_record_size = (ENT_FIELDS_BIT + pl->block_bits + pl->offset_bits +
                             pl->size_bits + 7) / 8;
    pl->order_record_size = (bits_for(p->article_count - 1) + 7) / 8;
    if (pl->order_record_size == 0)
        pl->order_record_size = 1;
}

static int build_tables(tome_packer *p, plan *pl)
{
    size_t n = p->article_count, i;
    placed *order = malloc(n * sizeof *order);
    choose_widths(p, pl);
    pl->block_table = malloc(pl->block_count * BLK_RECORD_SIZE + 1);
    pl->entry_table = calloc(n, pl->entry_record_size);
    pl->order_table = calloc(n, pl->order_record_size);
    if (!order || !pl->block_table || !pl->entry_table || !pl->order_table) {
        free(order);
        return tome_pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const pack_article *a = &p->articles[pl->ids[i]];
        const pack_body *b = &p->bodies[a->body];
        uint8_t *e = pl->entry_table + i * pl->entry_record_size;
        uint32_t bit = ENT_FIELDS_BIT;
        placed *o = &order[i];
        o->block = b->size ? b->block : 0;
        o->offset = b->size ? b->offset : 0;
        o->size = b->size;
        o->id = (uint32_t)i;
        tome_put32(e + ENT_CHECKSUM, tome_hash_seeded(b->data, b->size, (uint32_t)i));
        put_bits(e, bit, pl->block_bits, o->block);
        bit += pl->block_bits;
        put_bits(e, bit, pl->offset_bits, o->offset);
        bit += pl->offset_bits;
        put_bits(e, bit, pl->size_bits, o->size);
        pl->raw_size += b->size;
    }
    qsort(order, n, sizeof *order, compare_placed);
    for (i = 0; i < n; i++)
        put_bits(pl->order_table + i * pl->order_record_size, 0, pl->order_record_size * 8,
                 order[i].id);
    free(order);
    return TOME_PACK_OK;
}

/* Where each region goes; block records get their frame offsets here. */
typedef struct regions {
    uint64_t dict, frames, block_table, entry_table, order_table, footer, file_size;
    uint64_t frames_size;
} regions;

static void place_regions(const tome_packer *p, plan *pl, regions *g)
{
    size_t i;
    uint64_t at;
    g->dict = pl->dict_size ? TOME_HEADER_SIZE : 0;
    g->frames = TOME_HEADER_SIZE + pl->dict_size;
    at = g->frames;
    for (i = 0; i < pl->block_count; i++) {
        uint8_t *r = pl->block_table + i * BLK_RECORD_SIZE;
        const pack_block *b = &pl->blocks[i];
        tome_put64(r + BLK_FRAME_OFFSET, at);
        tome_put32(r + BLK_FRAME_SIZE, (uint32_t)b->frame_size);
        tome_put32(r + BLK_CONTENT_SIZE, b->size);
        tome_put32(r + BLK_CHECKSUM, tome_hash_seeded(pl->stream + b->start, b->size, (uint32_t)i));
        at += b->frame_size;
    }
    g->frames_size = at - g->frames;
    g->block_table = at;
    g->entry_table = g->block_table + (uint64_t)pl->block_count * BLK_RECORD_SIZE;
    g->order_table = g->entry_table + (uint64_t)p->article_count * pl->entry_record_size;
    g->footer = g->order_table + (uint64_t)p->article_count * pl->order_record_size;
    g->file_size = g->footer + TOME_FOOTER_SIZE;
}

/* The header's advisory workspace: TOME_WORKSPACE_BOUND in 64 bits,
 * saturated, so the archive is the same whatever machine packs it. */
static uint32_t advisory_workspace(uint64_t block, uint64_t key_block, uint64_t chunk,
                                   uint64_t dict, int callback)
{
    uint64_t bound = TOME_WORKSPACE_BOUND(block, key_block, chunk, dict, callback);
    return bound > UINT32_MAX ? UINT32_MAX : (uint32_t)bound;
}

static void fill_header(const tome_packer *p, plan *pl, const regions *g)
{
    uint8_t *h = pl->header;
    uint32_t block_max = 0, key_block_max = 0, chunk_max = 0, article_max = 0;
    uint32_t key_max = 0, title_max = 0;
    size_t i;
    for (i = 0; i < pl->block_count; i++) {
        if (pl->blocks[i].size > block_max)
            block_max = pl->blocks[i].size;
        if (i >= pl->body_blocks && pl->blocks[i].size > key_block_max)
            key_block_max = pl->blocks[i].size;
        if (pl->blocks[i].chunk_max > chunk_max)
            chunk_max = pl->blocks[i].chunk_max;
    }
    for (i = 0; i < p->article_count; i++) {
        const pack_article *a = &p->articles[i];
        if (p->bodies[a->body].size > article_max)
            article_max = p->bodies[a->body].size;
        if (a->key_size > key_max)
            key_max = a->key_size;
        if (a->title_size > title_max)
            title_max = a->title_size;
    }
    memset(h, 0, TOME_HEADER_SIZE);
    memcpy(h + HDR_MAGIC, TOME_HEADER_MAGIC, TOME_MAGIC_SIZE);
    tome_put16(h + HDR_MAJOR, TOME_FORMAT_MAJOR);
    tome_put16(h + HDR_MINOR, TOME_FORMAT_MINOR);
    tome_put32(h + HDR_HEADER_SIZE, TOME_HEADER_SIZE);
    tome_put64(h + HDR_FILE_SIZE, g->file_size);
    tome_put32(h + HDR_ARTICLE_COUNT, (uint32_t)p->article_count);
    tome_put32(h + HDR_BODY_COUNT, (uint32_t)p->body_count);
    tome_put32(h + HDR_BLOCK_COUNT, (uint32_t)pl->body_blocks);
    tome_put32(h + HDR_KEY_BLOCK_COUNT, (uint32_t)pl->keys.block_count);
    tome_put32(h + HDR_KEYS_PER_BLOCK, pl->keys.per_block);
    tome_put32(h + HDR_BLOCK_SIZE_MAX, block_max);
    tome_put32(h + HDR_KEY_BLOCK_SIZE_MAX, key_block_max);
    tome_put32(h + HDR_ARTICLE_SIZE_MAX, article_max);
    tome_put32(h + HDR_CHUNK_SIZE_MAX, chunk_max);
    tome_put32(h + HDR_KEY_SIZE_MAX, key_max);
    tome_put32(h + HDR_TITLE_SIZE_MAX, title_max);
    tome_put32(h + HDR_DICT_SIZE, (uint32_t)pl->dict_size);
    tome_put32(h + HDR_WORKSPACE_MEMORY,
               advisory_workspace(block_max, key_block_max, chunk_max, pl->dict_size, 0));
    tome_put32(h + HDR_WORKSPACE_CALLBACK,
               advisory_workspace(block_max, key_block_max, chunk_max, pl->dict_size, 1));
    h[HDR_ENTRY_RECORD_SIZE] = (uint8_t)pl->entry_record_size;
    h[HDR_BLOCK_BITS] = (uint8_t)pl->block_bits;
    h[HDR_OFFSET_BITS] = (uint8_t)pl->offset_bits;
    h[HDR_SIZE_BITS] = (uint8_t)pl->size_bits;
    h[HDR_ORDER_RECORD_SIZE] = (uint8_t)pl->order_record_size;
    tome_put64(h + HDR_DICT_OFFSET, g->dict);
    tome_put64(h + HDR_BLOCK_TABLE_OFFSET, g->block_table);
    tome_put64(h + HDR_ENTRY_TABLE_OFFSET, g->entry_table);
    tome_put64(h + HDR_ORDER_TABLE_OFFSET, g->order_table);
    tome_put32(h + HDR_DICT_CHECKSUM, pl->dict_size ? tome_hash(pl->dict, pl->dict_size) : 0);
    tome_put32(h + HDR_BLOCK_TABLE_CHECKSUM,
               tome_hash(pl->block_table, pl->block_count * BLK_RECORD_SIZE));
    tome_put32(h + HDR_ENTRY_TABLE_CHECKSUM,
               tome_hash(pl->entry_table, p->article_count * pl->entry_record_size));
    tome_put32(h + HDR_ORDER_TABLE_CHECKSUM,
               tome_hash(pl->order_table, p->article_count * pl->order_record_size));
    tome_put64(h + HDR_RAW_SIZE, pl->raw_size);
    tome_put64(h + HDR_STORED_SIZE, pl->stream_size);
    tome_put64(h + HDR_KEYS_SIZE, pl->keys.size);
    tome_put64(h + HDR_FRAMES_SIZE, g->frames_size);
    tome_put32(h + HDR_CHECKSUM, tome_hash(h, HDR_CHECKSUM));
}

/* Sequential output that hashes what it writes, for the footer. */
typedef struct output {
    FILE *f;
    tome_hash_state hash;
    int failed;
} output;

static void put(output *o, const void *data, size_t n)
{
    if (o->failed || n == 0)
        return;
    tome_hash_update(&o->hash, data, n);
    if (fwrite(data, 1, n, o->f) != n)
        o->failed = 1;
}

static void write_archive(const tome_packer *p, const plan *pl, const regions *g, output *o)
{
    uint8_t footer[TOME_FOOTER_SIZE];
    size_t i;
    tome_hash_reset(&o->hash, 0);
    put(o, pl->header, TOME_HEADER_SIZE);
    put(o, pl->dict, pl->dict_size);
    for (i = 0; i < pl->block_count; i++)
        put(o, pl->blocks[i].frame, pl->blocks[i].frame_size);
    put(o, pl->block_table, pl->block_count * BLK_RECORD_SIZE);
    put(o, pl->entry_table, p->article_count * pl->entry_record_size);
    put(o, pl->order_table, p->article_count * pl->order_record_size);
    memcpy(footer + FTR_MAGIC, TOME_FOOTER_MAGIC, TOME_MAGIC_SIZE);
    tome_put64(footer + FTR_FILE_SIZE, g->file_size);
    tome_put32(footer + FTR_RESERVED, 0);
    put(o, footer, FTR_CHECKSUM);
    tome_put32(footer + FTR_CHECKSUM, tome_hash_digest(&o->hash));
    put(o, footer + FTR_CHECKSUM, 4);
}

/* A new file beside `path`, created exclusively so nothing is overwritten. */
static int create_temporary(tome_packer *p, const char *path, char *tmp, size_t cap, int *fd)
{
    unsigned attempt;
    for (attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, cap, "%s.tmp-%ld-%u", path, (long)getpid(), attempt);
        *fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (*fd >= 0)
            return TOME_PACK_OK;
        if (errno != EEXIST)
            break;
    }
    return tome_pack_fail(p, TOME_PACK_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
}

static int pread_all(void *user, uint64_t offset, void *dst, size_t len)
{
    int fd = *(int *)user;
    while (len > 0) {
        ssize_t n = pread(fd, dst, len, (off_t)offset);
        if (n <= 0)
            return -1;
        dst = (uint8_t *)dst + n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* Open the written file with the reader, fill the workspace figures and,
 * when asked, verify every article. */
static int check_written(tome_packer *p, const char *tmp, tome_pack_stats *st)
{
    tome_config c;
    tome_reader *r;
    void *map = MAP_FAILED, *ws = NULL;
    struct stat sb;
    size_t need = 0;
    int fd = open(tmp, O_RDONLY | O_CLOEXEC), err = TOME_ERR_READ;
    if (fd < 0 || fstat(fd, &sb) != 0)
        goto done;
    memset(&c, 0, sizeof c);
    c.read = pread_all;
    c.user = &fd;
    c.size = (uint64_t)sb.st_size;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        goto done;
    st->workspace_callback = need;
    map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        err = TOME_ERR_READ;
        goto done;
    }
    c.read = NULL;
    c.user = NULL;
    c.data = map;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        goto done;
    st->workspace_memory = need;
    if (!p->opt.check)
        goto done;
    if (p->opt.progress)
        p->opt.progress(p->opt.progress_user, "checking", 0, 0);
    ws = malloc(need);
    c.workspace = ws;
    c.workspace_size = need;
    if (!ws)
        err = TOME_ERR_WORKSPACE;
    else if ((err = tome_open(&r, &c)) == TOME_OK)
        err = tome_verify(r, NULL, NULL, NULL);
done:
    free(ws);
    if (map != MAP_FAILED)
        munmap(map, (size_t)sb.st_size);
    if (fd >= 0)
        close(fd);
    if (err != TOME_OK)
        return tome_pack_fail(p, TOME_PACK_ERR_CHECK, "the archive written to %s fails its check: %s",
                              tmp, tome_error_name(err));
    return TOME_PACK_OK;
}

static int write_file(tome_packer *p, const plan *pl, const regions *g, const char *path,
                      tome_pack_stats *st)
{
    char tmp[4096 + 64];
    output o;
    int fd, err;
    if ((err = create_temporary(p, path, tmp, sizeof tmp, &fd)))
        return err;
    memset(&o, 0, sizeof o);
    o.f = fdopen(fd, "wb");
    if (!o.f) {
        close(fd);
        unlink(tmp);
        return tome_pack_fail(p, TOME_PACK_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    setvbuf(o.f, NULL, _IOFBF, 1 << 20);
    write_archive(p, pl, g, &o);
    if (o.failed || fflush(o.f) != 0 || fsync(fileno(o.f)) != 0) {
        int e = errno;
        fclose(o.f);
        unlink(tmp);
        return tome_pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", path, strerror(e));
    }
    if (fclose(o.f) != 0) {
        int e = errno;
        unlink(tmp);
        return tome_pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", path, strerror(e));
    }
    if ((err = check_written(p, tmp, st)) != TOME_PACK_OK) {
        unlink(tmp);
        return err;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return tome_pack_fail(p, TOME_PACK_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                              strerror(e));
    }
    return TOME_PACK_OK;
}

/* Largest block size, in whole KiB up to the option's, whose reader
 * workspace fits the budget; with the dictionary if possible. */
static int fit_ram_budget(tome_packer *p)
{
    const uint32_t step = 1024;
    int with_dict;
    for (with_dict = p->opt.dict != TOME_DICT_OFF; with_dict >= 0; with_dict--) {
        uint32_t block = p->opt.block_size / step * step;
        for (; block >= step; block -= step) {
            tome_header h;
            tome_layout l;
            memset(&h, 0, sizeof h);
            h.block_size_max = block;
            h.key_block_size_max = block < KEY_BLOCK_TARGET ? block : KEY_BLOCK_TARGET;
            h.dict_size = with_dict ? p->opt.dict_size : 0;
            if (tome_layout_for(&h, 0, 0, &l) == TOME_OK && l.total <= p->opt.ram_budget) {
                p->opt.block_size = block;
                if (!with_dict)
                    p->opt.dict = TOME_DICT_OFF;
                return TOME_PACK_OK;
            }
        }
    }
    return tome_pack_fail(p, TOME_PACK_ERR_LIMIT,
                          "a reader workspace of %zu bytes is too small: zstd's context alone "
                          "needs %zu", p->opt.ram_budget, ZSTD_estimateDCtxSize());
}

int tome_pack_write(tome_packer *p, const char *path, tome_pack_stats *stats)
{
    plan pl;
    regions g;
    tome_pack_stats st;
    int err;
    if (!p || !path)
        return TOME_PACK_ERR_ARGUMENT;
    if (p->failed)
        return tome_pack_fail(p, TOME_PACK_ERR_ARGUMENT, "an earlier error stopped this pack");
    if (p->opt.block_size < 1 || p->opt.level < 1 || p->opt.level > ZSTD_maxCLevel())
        return tome_pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                              "invalid options: block size %u, level %d (1..%d)",
                              p->opt.block_size, p->opt.level, ZSTD_maxCLevel());
    if (p->article_count == 0)
        return tome_pack_fail(p, TOME_PACK_ERR_EMPTY, "nothing to pack: the input has no articles");
    if (p->opt.ram_budget && (err = fit_ram_budget(p)) != TOME_PACK_OK)
        return err;
    if (p->article_count > UINT32_MAX - 1)
        return tome_pack_fail(p, TOME_PACK_ERR_LIMIT, "too many articles");
    memset(&pl, 0, sizeof pl);
    memset(&st, 0, sizeof st);
    if (!(err = assign_ids(p, &pl)) && !(err = order_bodies(p, &pl)) &&
        (!p->opt.cluster ||
         !(err = tome_pack_cluster(p, pl.layout, pl.layout_count, &pl.groups,
                                   pl.segment_start))) &&
        !(err = lay_out_blocks(p, &pl)) &&
        !(err = tome_pack_dictionary(p, pl.stream, pl.sample_sizes, pl.sample_count, pl.blocks,
                                     pl.block_count, &pl.dict, &pl.dict_size)) &&
        !(err = add_key_blocks(p, &pl)) &&
        !(err = tome_pack_compress(p, pl.stream, pl.ends, pl.layout_count, pl.blocks,
                                   pl.block_count, pl.dict, pl.dict_size)) &&
        !(err = build_tables(p, &pl))) {
        place_regions(p, &pl, &g);
        fill_header(p, &pl, &g);
        err = write_file(p, &pl, &g, path, &st);
    }
    if (!err) {
        st.articles = (uint32_t)p->article_count;
        st.bodies = (uint32_t)p->body_count;
        st.blocks = (uint32_t)pl.body_blocks;
        st.key_blocks = (uint32_t)pl.keys.block_count;
        st.raw_bytes = pl.raw_size;
        st.stored_bytes = pl.stream_size;
        st.dedup_saved = pl.raw_size - pl.stream_size;
        st.dict_size = (uint32_t)pl.dict_size;
        st.near_duplicate_groups = pl.groups;
        st.archive_bytes = g.file_size;
        if (stats)
            *stats = st;
    }
    free_plan(&pl);
    return err;
}
