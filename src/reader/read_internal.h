/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_internal.h - the reader's state, shared by the read_*.c files.
 * Private to src/reader/ (and the tests): the packer cannot include it.
 */
#ifndef TOME_READ_INTERNAL_H
#define TOME_READ_INTERNAL_H

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_initStaticDCtx and friends */
#include <zstd.h>

#include "codec.h"
#include "format.h"
#include "hash.h"
#include "records.h"
#include "tome.h"

#define TOME_NO_BLOCK 0xFFFFFFFFu

/* Header fields, decoded once at open and trusted afterwards. */
typedef struct tome_header {
    uint64_t file_size, dict_offset, block_table_offset, raw_size, stored_size;
    uint32_t article_count, body_count, alias_count, search_count;
    uint32_t body_blocks, name_leaves, name_frames, alias_leaves, alias_frames;
    uint32_t search_leaves, search_frames, meta_frames;
    uint32_t block_size_max, index_size_max, article_size_max, chunk_size_max;
    uint32_t key_size_max, title_size_max, fold_size_max, dict_size;
    uint32_t workspace_memory, workspace_callback, fold_version, dict_checksum;
    uint32_t meta_count;
    uint32_t block_total; /* records of the block table, every kind */
    unsigned major, minor;
} tome_header;

/* One block table record, checked (record checksum, bounds, limits). */
typedef struct tome_block {
    uint64_t frame_offset;
    size_t content_size; /* at most a buffer's size, so a size_t */
    uint32_t frame_size;
    uint32_t first;
    uint32_t checksum; /* of the decompressed content */
    uint32_t seed;     /* TOME_CONTENT_SEED(kind, index within kind) */
} tome_block;

/*
 * A slot: a buffer holding (a prefix of) one decompressed frame, and where
 * its decoding stands.  Body blocks and index frames have a slot each, so
 * looking up names while iterating does not evict the body block.  The
 * zstd context is shared by the two, which is what most states are about.
 *
 *   state     holds                          a request beyond `done`
 *   EMPTY     nothing (cur is TOME_NO_BLOCK) -
 *   DECODING  [0, done) of frame `cur`; the  goes on from `in_pos`; to the
 *             zstd context is in its frame   frame's end when `to_end`
 *   PARTIAL   [0, done); the other slot      begins the frame again, and
 *             has taken the context          goes to the end (to_end): two
 *                                            slots taking turns must not
 *                                            decode a frame over and over
 *   COMPLETE  the whole frame; its end and   -
 *             content checksum checked
 *   FAILED    [0, done), then `error`        `error`, the same every time
 *
 * A request within [0, done) of the frame held is served from `buf` in
 * every state but EMPTY, FAILED included: the failure came later.
 * `cur` is the record's index in the block table.  A read callback failure
 * leaves the slot EMPTY (trying again may succeed).  Only read_slot.c
 * writes a slot.  At most one slot is DECODING.
 */
typedef enum tome_slot_state {
    TOME_SLOT_EMPTY,
    TOME_SLOT_DECODING,
    TOME_SLOT_PARTIAL,
    TOME_SLOT_COMPLETE,
    TOME_SLOT_FAILED
} tome_slot_state;

typedef struct tome_slot {
    uint8_t *buf;
    tome_slot_state state;
    uint32_t cur;  /* record index, TOME_NO_BLOCK when EMPTY */
    size_t done;   /* bytes of `buf` decoded */
    int to_end;    /* DECODING: resumed after PARTIAL, so decode to the end */
    int error;     /* FAILED: the answer */
    tome_block block;
    uint64_t in_pos; /* DECODING: next compressed byte of the frame */
} tome_slot;

/* The head of the body block in the body slot, checked (read_body.c).
 * Offsets are into the block's content; the bytes stay valid whenever the
 * slot is decoded again, as decoding the same frame gives the same bytes. */
typedef struct tome_head {
    uint32_t block; /* TOME_NO_BLOCK: none */
    uint32_t first, carry, bodies, segments;
    size_t head_size, area;          /* area: the body area's bytes, A */
    size_t sizes_at, lists_at, segs_at, end_at; /* field offsets; end_at: head_size - 4 */
    size_t lo, hi;                   /* area bytes [lo, hi) matched their segments */
    size_t seg_at;                   /* the walk over segment records: the next one, */
    size_t seg_start;                /* where its segment starts, */
    uint32_t seg_index;              /* and its index */
} tome_head;

/* tome_next()'s cached position, so sequential calls cost O(1). */
typedef struct tome_walk {
    uint32_t ordinal; /* storage ordinal of the last listing given; TOME_NO_BLOCK: none */
    uint32_t block, body; /* body: index of the next list in the block (the last ID is in body - 1) */
    uint32_t left, id;    /* IDs left in the current list, and the last ID */
    size_t at;            /* content offset of the next varint of the lists */
} tome_walk;

struct tome_reader {
    tome_hash_state hash;
    tome_header h;

    const uint8_t *data; /* memory mode, else NULL */
    tome_read_fn read;
    void *user;
    uint32_t flags;

    ZSTD_DCtx *dctx;
    const ZSTD_DDict *ddict; /* NULL without a dictionary or tables */
    const uint8_t *dict;     /* in the archive, or copied into the workspace */
    size_t dict_size;        /* h.dict_size, checked to fit a size_t at open */
    uint8_t *staging;        /* callback mode: compressed input */
    size_t staging_size;

    tome_slot body;  /* block_size_max bytes: body blocks */
    tome_slot index; /* index_size_max bytes: tree and metadata frames */
    tome_head head;
    tome_walk walk;
};

/* Workspace layout for an archive: byte offsets from an aligned base. */
typedef struct tome_layout {
    size_t dctx, ddict, dict, body_buf, index_buf, staging, staging_size, total;
    size_t dict_size; /* the header's, as a size_t */
} tome_layout;

int tome__parse_header(const tome_config *config, tome_header *h);
int tome__layout_for(const tome_header *h, int callback, uint32_t flags,
                     tome_layout *layout);

/* ---- read_table.c: bytes and block table records ---- */

/* A pointer to `len` bytes at `offset`, in place (memory mode) or copied
 * into `scratch`.  The caller bounds-checked the range.  NULL when the read
 * callback failed. */
const uint8_t *tome__bytes(tome_reader *r, uint64_t offset, size_t len, uint8_t *scratch);

/* True when [offset, offset + len) lies inside the body area, without
 * overflow. */
int tome__in_body(const tome_header *h, uint64_t offset, uint64_t len);

/* Record `index` of the block table, checked: its record checksum, its
 * frame within the body area, content_size within its kind's limit. */
int tome__load_block(tome_reader *r, uint32_t index, tome_block *block);

/* Kind (TOME_KIND_*) and index within kind of record `index`. */
unsigned tome__kind_of(const tome_header *h, uint32_t index, uint32_t *within);

/* Record index of the first frame of `kind`. */
uint32_t tome__kind_base(const tome_header *h, unsigned kind);

/* The last record in [base, base + count) whose `first` is <= `ordinal`
 * (base when none): a binary search over checked records. */
int tome__find_first(tome_reader *r, uint32_t base, uint32_t count, uint32_t ordinal,
                     uint32_t *found);

/* ---- read_slot.c ---- */

void tome__slot_init(tome_slot *s, uint8_t *buf);

/* Make bytes [0, upto) of frame `index` available in the slot's buffer
 * (upto = 0 just selects the frame, loading its record). */
int tome__slot_decode(tome_reader *r, tome_slot *s, uint32_t index, size_t upto);

/* Decode all of frame `index`, check that it ends exactly there and that
 * the content matches its checksum.  The answer is kept. */
int tome__slot_check(tome_reader *r, tome_slot *s, uint32_t index);

/* Check the segments overlapping area bytes [from, to) of the block in
 * r->head, and decode the block up to `to`. */
int tome__body_check(tome_reader *r, size_t from, size_t to);

/* ---- read_body.c: body blocks ---- */

/* Load and check the head of body block `b` into r->head. */
int tome__head_load(tome_reader *r, uint32_t b);

/* Where a body lies: its size and its offset in its block's area. */
typedef struct tome_body {
    uint32_t block, index;
    uint64_t size;
    size_t offset;
} tome_body;

/* Body `k` of block `b`, after checking that its ID list holds `id`. */
int tome__body_of(tome_reader *r, uint32_t b, uint32_t k, uint32_t id, tome_body *body);

/* Copy bytes [skip, skip + len) of the body to `dst` (NULL: only check
 * them), checking each segment first and following the body into later
 * blocks.  `hash`: hash them into r->hash. */
int tome__body_copy(tome_reader *r, const tome_body *body, uint64_t skip, uint64_t len,
                    uint8_t *dst);

/* ---- read_tree.c: tree frames and entries ---- */

/* One tree (or the metadata, as a tree of one leaf). */
typedef struct tome_tree {
    unsigned kind;
    uint32_t base, frames, leaves;
    uint32_t entries; /* TOME_NO_BLOCK for the metadata: its count is its own */
} tome_tree;

void tome__tree_of(const tome_reader *r, unsigned kind, tome_tree *t);

/* A decoded frame's head; its entries are at [at, end) of r->index.buf. */
typedef struct tome_frame {
    uint32_t number, level, first, count;
    size_t at, end;
} tome_frame;

/* Decode frame `number` of the tree into the index slot, checked whole,
 * its head parsed and checked against its record (and, for a leaf, the
 * next record or the tree's entry count). */
int tome__frame_load(tome_reader *r, const tome_tree *t, uint32_t number, tome_frame *f);

/* One entry of a frame, parsed.  Pointers are into r->index.buf. */
typedef struct tome_entry {
    tome_front s;   /* its string: shared bytes of the previous, then suffix */
    size_t size;    /* the string's size (within the frame's strings) */
    const uint8_t *value; /* name: the title; metadata: the value */
    size_t value_size;
    uint32_t block, body, alias_count; /* name entries */
    size_t aliases_at;                 /* name entries: the alias ordinals */
    uint32_t id, source;               /* alias and search entries */
} tome_entry;

/* The entry at `*at` of a frame of tree `t` at `level`; *at moves past it.
 * `prev_size` is the previous entry's string size (0 for the first);
 * `*block` the previous name entry's block (0 for the first). */
int tome__entry_next(const tome_reader *r, const tome_tree *t, uint32_t level, size_t *at,
                     size_t end, uint32_t prev_size, uint32_t *block, tome_entry *e);

/* Assemble an entry's string into buf, clipped to `cap` bytes: done for
 * every entry of a frame in turn, buf holds the first min(size, cap) bytes
 * of each string. */
void tome__assemble(uint8_t *buf, size_t cap, const tome_entry *e);

/* Running comparison of a frame's strings against a query, front coding
 * followed without assembling: lcp and order (<0, 0, >0) of the last
 * string against the query. */
typedef struct tome_compare {
    size_t lcp;
    int order;
} tome_compare;
void tome__compare_step(tome_compare *c, const uint8_t *q, size_t q_size, const tome_entry *e);

/* Entry `ordinal` of tree t's leaves; its string assembled into buf
 * (clipped to cap). */
int tome__leaf_entry(tome_reader *r, const tome_tree *t, uint32_t ordinal, uint8_t *buf,
                     size_t cap, tome_entry *e);

/* Descend to the leaf for `q`: the last child whose separator is <= q
 * (prefix: < q), or the first. */
int tome__descend(tome_reader *r, const tome_tree *t, const uint8_t *q, size_t q_size,
                  int prefix, tome_frame *leaf);

/* Alias number `n` of name entry `e` (in the index slot): its ordinal. */
/* The ordinal of the leaf entry whose string is exactly q in the tree of
 * `kind`, and the entry (pointing into the index buffer).
 * TOME_ERR_NOT_FOUND when there is none. */
int tome__find_in(tome_reader *r, unsigned kind, const uint8_t *q, size_t q_size, tome_entry *e,
                  uint32_t *ordinal);

int tome__alias_ordinal(tome_reader *r, const tome_entry *e, uint32_t n, uint32_t *ordinal);

/* The first min(size, cap) bytes of text `source` (0 key, 1 title, 2 + j
 * alias j) of article `id` into buf; *size its full size. */
int tome__text(tome_reader *r, uint32_t id, uint32_t source, uint8_t *buf, size_t cap,
               size_t *size);

#endif
