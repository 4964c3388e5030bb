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
    char *key;          /* NUL-terminated copy, in the packer's string arena */
    uint32_t key_size;
    char *title;        /* in the arena, or NULL */
    uint32_t title_size;
    char *source;       /* in the arena: where the article came from */
    uint32_t body;      /* index into bodies */
} pack_article;

typedef struct pack_body {
    uint64_t offset;    /* where its bytes are in the packer's body store */
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

/* An append-only byte store: in memory up to `memory_cap` bytes, then in
 * an unlinked temporary file (pack_spill.c). */
typedef struct pack_spill {
    const char *what;     /* names it in messages */
    uint8_t *mem;         /* the bytes, while in memory */
    size_t memory_cap;
    int fd;               /* the file, once spilled; -1 before */
    uint8_t *wbuf;        /* file mode: the last `wlen` bytes, not yet written */
    size_t wlen;
    uint64_t size;
} pack_spill;

void tome__spill_init(pack_spill *s, const char *what, size_t memory_cap);
void tome__spill_free(pack_spill *s);
int tome__spill_append(tome_packer *p, pack_spill *s, const void *data, size_t n);
int tome__spill_read(tome_packer *p, pack_spill *s, uint64_t at, void *dst, size_t n);
int tome__spill_truncate(tome_packer *p, pack_spill *s, uint64_t size);
/* Whether [a, a + n) and [b, b + n) hold the same bytes. */
int tome__spill_compare(tome_packer *p, pack_spill *s, uint64_t a, uint64_t b, uint64_t n,
                        int *equal);
/* The directory for temporary files, and a new unlinked file there (-1
 * after failing the packer). */
const char *tome__temp_dir(const tome_packer *p);
int tome__temp_file(tome_packer *p, const char *what);
/* Whole pwrite / pread; 0 or -1 with errno. */
int tome__write_all(int fd, const void *data, size_t n, uint64_t at);
int tome__read_all(int fd, void *dst, size_t n, uint64_t at);

/* The memory budget in bytes (options.memory, or the default). */
uint64_t tome__memory_budget(const tome_packer *p);
/* The lowest memory limit on this process's control group and those above
 * it, from the cgroup list `proc_cgroup` (/proc/self/cgroup) and the
 * hierarchy mounted at `root` (/sys/fs/cgroup); 0 when none is set. */
uint64_t tome__cgroup_memory_limit(const char *proc_cgroup, const char *root);

/* tome_pack_use_plan(): the shard of a plan this packer packs.  Its key
 * range is [lo, hi) (no hi for the last shard; shard 0 also takes the keys
 * before lo, so that an article the plan did not count is refused by the
 * counts, never dropped); articles outside it, and aliases of them, are
 * skipped as they are added. */
typedef struct pack_shard {
    uint32_t number, shards;
    uint32_t first_id, count, aliases; /* what the plan says the range holds */
    uint64_t digest;                   /* and its content digest */
    char *lo, *hi;
    uint32_t lo_size, hi_size;
    char set_id[17];
    uint64_t plan_dev, plan_ino; /* the plan file, which no output may replace */
} pack_shard;

/* Whether an article keyed `key` belongs to this packer (always, without
 * a plan). */
int tome__pack_in_shard(const tome_packer *p, const char *key, size_t key_size);

struct tome_packer {
    tome_pack_options opt;
    char message[1024];
    int failed;

    pack_article *articles;
    size_t article_count, article_cap;
    pack_body *bodies;
    size_t body_count, body_cap;
    void *arena;           /* keys, titles and sources of articles */
    pack_spill body_store; /* every distinct body, back to back */
    uint64_t body_start;   /* where the body being added starts in it */
    void *hasher;          /* its running hash */
    /* open-addressing table of body indexes by hash, for dedup */
    uint32_t *body_slots;
    size_t slot_cap;
    pack_alias *aliases;
    size_t alias_count, alias_cap;
    pack_meta *metas;
    size_t meta_count, meta_cap;
    /* tome_pack_use_dictionary(): the dictionary every frame uses instead
     * of one trained here (owned; NULL with fixed_dict_set = no dictionary) */
    int fixed_dict_set;
    uint8_t *fixed_dict;
    size_t fixed_dict_size;
    pack_shard *shard; /* owned; NULL without a plan */
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

/* A 64-bit hash for the packer's own tables (not the format's checksum),
 * in one call or streamed (the same value: XXH3-64, seed 0 when streamed). */
uint64_t tome__pack_hash64(const void *data, size_t size, uint64_t seed);
void *tome__pack_hasher_new(void);
void tome__pack_hasher_free(void *h);
void tome__pack_hasher_reset(void *h);
void tome__pack_hasher_update(void *h, const void *data, size_t size);
uint64_t tome__pack_hasher_digest(void *h);

/* Adding an article: checks of the key and title (and room for one more
 * article), then its body streamed into the body store (begin, append...,
 * finish: the index of the distinct body, a duplicate found and dropped),
 * then the article itself. */
int tome__pack_check_article(tome_packer *p, const char *key, size_t key_size, const char *title,
                             size_t title_size, const char *source);
int tome__body_begin(tome_packer *p);
int tome__body_append(tome_packer *p, const void *data, size_t n);
int tome__body_finish(tome_packer *p, uint32_t *index);
int tome__pack_add_article(tome_packer *p, const char *key, size_t key_size, const char *title,
                           size_t title_size, uint32_t body, const char *source);
void tome__pack_arena_free(tome_packer *p);
/* Bytes [from, from + n) of body `body`. */
int tome__body_read(tome_packer *p, uint32_t body, uint64_t from, void *dst, size_t n);

/* The body stream, read on demand: bytes [pos, pos + n); 0 or an error
 * code after failing the packer. */
typedef struct pack_stream {
    int (*read)(void *ctx, uint64_t pos, void *dst, size_t n);
    void *ctx;
} pack_stream;

/* Decide on, and train, the dictionary from samples: the stream cut into
 * `sample_count` consecutive pieces of `sample_sizes` bytes, measured on
 * the body blocks.  *dict is NULL when none is used. */
int tome__pack_dictionary(tome_packer *p, const pack_stream *stream, const size_t *sample_sizes,
                          size_t sample_count, const pack_block *blocks, size_t block_count,
                          uint8_t **dict, size_t *dict_size);

/* Add a metadata pair without refusing the reserved prefix "tome.": for
 * the set packer (pack_set.c). */
int tome__pack_meta_add(tome_packer *p, const char *name, const char *value);

#endif
