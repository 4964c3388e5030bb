/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_internal.h - state shared by the packer's sources (host only).
 */
#ifndef TOME_PACK_INTERNAL_H
#define TOME_PACK_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tome_pack.h"
#include "utf8.h"

/* Keys and titles are described by u16 sizes on disk. */
#define TOME_PACK_NAME_LIMIT 65535u

typedef struct pack_article {
    char *key;          /* owned, NUL-terminated copy */
    uint32_t key_size;
    char *title;        /* owned or NULL */
    uint32_t title_size;
    char *source;       /* owned: where the article came from */
    uint32_t body;      /* index into bodies */
} pack_article;

typedef struct pack_body {
    uint8_t *data; /* owned */
    uint32_t size;
    uint64_t hash;      /* for finding duplicates */
    uint32_t first_article; /* the article that brought it in */
    /* placement, filled by the layout */
    uint32_t block, offset;
} pack_body;

struct tome_packer {
    tome_pack_options opt;
    char message[1024];
    int failed;

    pack_article *articles;
    size_t article_count, article_cap;
    pack_body *bodies;
    size_t body_count, body_cap;
    /* open-addressing table of body indexes by hash, for dedup */
    uint32_t *body_slots;
    size_t slot_cap;
};

/* Fail with `code`: the packer takes no more work, and keeps the message
 * (printf-style) when it is the first failure. */
int tome__pack_fail(tome_packer *p, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Make room for `need` items of `item_size` bytes in *items (capacity
 * *cap, doubling). */
int tome__pack_grow(tome_packer *p, void **items, size_t *cap, size_t need, size_t item_size);

/* One block of the layout: a range of the stored stream (all distinct
 * non-empty bodies back to back, in layout order), and its frame. */
typedef struct pack_block {
    uint64_t start;
    uint32_t size;
    uint8_t *frame; /* owned */
    size_t frame_size;
    uint32_t chunk_max; /* largest piece a block-by-block decoder reads */
} pack_block;

/* Reorder `layout` (body indexes) so near-duplicates are adjacent, as
 * chains of similar bodies; segment_start[i] (n bytes, set here) marks
 * where a chain begins.  *groups counts near-duplicate groups of 2+. */
int tome__pack_cluster(tome_packer *p, uint32_t *layout, size_t n, uint32_t *groups,
                       uint8_t *segment_start);

/* Keys and titles of the articles in ID order, cut into key blocks. */
typedef struct pack_keys {
    uint8_t *data; /* owned: the records back to back */
    uint64_t size;
    uint32_t per_block;
    size_t block_count;
    uint32_t *block_sizes; /* owned */
} pack_keys;

/* Key blocks of at most `target` bytes (or of the longest name's record,
 * when that is longer); ids[id] indexes p->articles. */
int tome__pack_keys(tome_packer *p, const uint32_t *ids, uint32_t target, pack_keys *out);

/* A 64-bit hash for the packer's own tables (not the format's checksum). */
uint64_t tome__pack_hash64(const void *data, size_t size, uint64_t seed);

/* Blocks compressed with a shared dictionary (may be NULL).  A block's
 * zstd blocks end at the body ends listed in `ends` (stream positions,
 * increasing) once FLUSH_SPACING bytes have gone since the last end, so a
 * reader can stop decoding soon after the article it wants. */
int tome__pack_compress(tome_packer *p, const uint8_t *stream, const uint64_t *ends,
                        size_t end_count, pack_block *blocks,
                        size_t block_count, const void *dict, size_t dict_size);

/* Decide on, and train, the dictionary from samples: the stream cut into
 * `sample_count` consecutive pieces of `sample_sizes` bytes.  *dict is NULL
 * when none is used. */
int tome__pack_dictionary(tome_packer *p, const uint8_t *stream, const size_t *sample_sizes,
                          size_t sample_count, const pack_block *blocks, size_t block_count,
                          uint8_t **dict, size_t *dict_size);


#endif
