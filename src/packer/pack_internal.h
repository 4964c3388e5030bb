/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_internal.h - state shared by the packer's sources (host only).
 */
#ifndef TOME_PACK_INTERNAL_H
#define TOME_PACK_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h" /* key order, shared with the reader */
#include "tome_pack.h"
#include "utf8.h"

/* Keys, alias keys and titles: at most this many bytes (format.h's
 * TOME_KEY_SIZE_LIMIT; the header's limits are checked against it). */
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
    /* placement, filled by the layout: the body block listing it, and its
     * index among the bodies listed there */
    uint32_t block, index;
} pack_body;

/* An alias: one more key for the article keyed `key`, resolved at write. */
typedef struct pack_alias {
    char *alias;        /* owned, NUL-terminated */
    uint32_t alias_size;
    char *key;          /* owned, NUL-terminated */
    uint32_t key_size;
    char *source;       /* owned: where it came from */
} pack_alias;

/* A metadata pair (docs/FORMAT.md, "Metadata"). */
typedef struct pack_meta {
    char *name, *value; /* owned, NUL-terminated */
    uint32_t name_size, value_size;
} pack_meta;

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
    pack_alias *aliases;
    size_t alias_count, alias_cap;
    pack_meta *metas;
    size_t meta_count, meta_cap;
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

/* A copy of [s, s + n) with a NUL after it; NULL when out of memory. */
char *tome__pack_strdup(const char *s, size_t n);

/* Check a key, alias key, title or metadata string: `min` to 65535 bytes,
 * strict UTF-8 without NUL; `what` and `source` name it in the message. */
int tome__pack_check_name(tome_packer *p, const char *what, const char *s, size_t n, size_t min,
                          const char *source);

/* One frame of the archive, before and after compression.  Its content is
 * `head` (owned: a body block's head, or an index frame's whole content)
 * followed by `area_size` bytes of the body stream from `area_start`;
 * zstd blocks end at the end of the head and at each of `cuts` (offsets in
 * the area, increasing, owned). */
typedef struct pack_block {
    uint8_t *head;
    uint32_t head_size;
    uint64_t area_start;
    uint32_t area_size;
    uint32_t *cuts;
    size_t cut_count;
    uint32_t kind, index; /* the content checksum's seed */
    uint32_t first;       /* the block table record's `first` */
    uint32_t content_checksum;
    uint8_t *frame; /* owned */
    size_t frame_size;
    uint32_t chunk_max; /* largest piece a block-by-block decoder reads */
} pack_block;

/* Content bytes of a frame. */
static inline uint64_t tome__pack_content_size(const pack_block *b)
{
    return (uint64_t)b->head_size + b->area_size;
}

/* Reorder `layout` (body indexes) so near-duplicates are adjacent, as
 * chains of similar bodies; segment_start[i] (n bytes, set here) marks
 * where a chain begins.  *groups counts near-duplicate groups of 2+. */
int tome__pack_cluster(tome_packer *p, uint32_t *layout, size_t n, uint32_t *groups,
                       uint8_t *segment_start);

/* A 64-bit hash for the packer's own tables (not the format's checksum). */
uint64_t tome__pack_hash64(const void *data, size_t size, uint64_t seed);

/* Compress every frame (one zstd frame each, with the shared dictionary
 * when `dict` is not NULL) on several threads, and compute each content
 * checksum.  `stream` is the body stream the areas point into. */
int tome__pack_compress(tome_packer *p, const uint8_t *stream, pack_block *blocks,
                        size_t block_count, const void *dict, size_t dict_size);

/* Decide on, and train, the dictionary from samples: the stream cut into
 * `sample_count` consecutive pieces of `sample_sizes` bytes, measured on
 * the body blocks.  *dict is NULL when none is used. */
int tome__pack_dictionary(tome_packer *p, const uint8_t *stream, const size_t *sample_sizes,
                          size_t sample_count, const pack_block *blocks, size_t block_count,
                          uint8_t **dict, size_t *dict_size);

#endif
