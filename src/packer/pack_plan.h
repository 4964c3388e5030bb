/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_plan.h - the packer's plan of an archive, shared by the steps that
 * build it (layout, heads, trees, tables) and pack_write.c, which runs them
 * and writes the file.  Host only.
 */
#ifndef TOME_PACK_PLAN_H
#define TOME_PACK_PLAN_H

#include "format.h"
#include "pack_internal.h"

/* Index frames (tree leaves and nodes) of at most 3,840 bytes: measured
 * on the mail corpus's keys (2.0's key blocks), 2 / 4 / 8 / 16 KiB compress
 * them to 124 / 116 / 113 / 111 KB; under 4 KiB keeps the reader's index
 * buffer and the work of one lookup small, and 3,840 rather than 4,096
 * keeps the whole default workspace of the mails within 2.0's 193,408
 * bytes (the reader's state grew by one 64-byte step). */
#define INDEX_FRAME_TARGET 3840u

/* Segments end at the first body end 12 KiB or more after the previous
 * segment end, and every 12 KiB inside a long body.  Measured on the mail
 * corpus (2.0's zstd flush points, which segments now are): 8 / 12 / 16 /
 * 24 KiB gave 41.3 / 37.6 / 35.8 / 32.5 thousand random fetches a second
 * (23.7 without), for +1.3 / +1.0 / +0.8 / +0.5% of archive bytes. */
#define SEGMENT_SPACING (12u * 1024u)
/* Below this mean size of a distinct body, bodies stay in key order: no
 * near-duplicate clustering (the sketches of a line or two are noise, and
 * neighbouring records of one source share more than any cluster: on 1M
 * lines of a source tree, clustering made the bodies 10% bigger) and no
 * smallest-first reordering (a short record's block is decoded quickly
 * anyway; key order keeps name entries' locations in step). */
#define KEY_ORDER_MEAN_BODY 512u

/* A body block as laid out: the bodies listed in it are layout positions
 * [lo, hi); its area holds `carry` bytes of the previous block's last body,
 * then those bodies (the last of which may go on into the next block). */
typedef struct body_block {
    size_t lo, hi;
    uint64_t start; /* the area's offset in the body stream */
    uint32_t carry, area;
} body_block;

/* The frames of one tree (or of the metadata), in frame number order: the
 * leaves, then the nodes level by level, the root last.  Each frame's
 * whole content is its `head`. */
typedef struct pack_tree {
    pack_block *frames;
    size_t count, cap, leaves;
} pack_tree;

/* Everything the archive is made of, before it is written. */
typedef struct plan {
    tome_packer *packer;
    uint32_t *ids;          /* ids[id] = index into p->articles, in key order */
    int key_order;          /* bodies stay in key order: short records */
    /* the IDs of each body, increasing: list_ids[list_start[b], list_start[b + 1]) */
    uint32_t *list_start, *list_ids;
    uint32_t *layout;       /* body indexes in layout (= storage) order */
    uint8_t *segment_start; /* per layout position: a run of similar bodies begins */
    size_t layout_count;
    body_block *layout_blocks;
    size_t body_blocks;
    /* the body stream: the bodies of `layout`, back to back (read from the
     * body store with tome__plan_read_stream) */
    uint64_t stream_size;
    uint64_t *ends;         /* per layout position: where the body ends in the stream */
    size_t *sample_sizes;   /* the stream cut at bodies and block boundaries */
    size_t sample_count;
    /* aliases in alias key order: p->aliases[alias_order[o]] has ordinal o
     * and names article alias_id[o]; the ordinals of article i are
     * alias_ordinals[alias_start[i], alias_start[i + 1]) */
    uint32_t *alias_order, *alias_id, *alias_start, *alias_ordinals;
    pack_tree names, alias_tree, search, meta;
    uint32_t search_count, fold_size_max;
    pack_block *blocks;     /* every frame, in block table order */
    size_t block_count;
    uint8_t *dict;
    size_t dict_size;
    uint8_t *block_table;
    uint8_t header[TOME_HEADER_SIZE];
    uint64_t raw_size, stored_size;
    uint32_t groups;
} plan;

/* Where each region goes; block records get their frame offsets here. */
typedef struct regions {
    uint64_t dict, frames, block_table, footer, file_size;
    uint64_t index_bytes; /* the block table and the index frames */
} regions;

/* Bodies in the order their first article appears in key order (the empty
 * body first), and each body's ID list. */
int tome__plan_order_bodies(tome_packer *p, plan *pl);

/* Body blocks (with near-duplicates together, each block's bodies smallest
 * first), the body stream, each body's location and the dictionary
 * samples. */
int tome__plan_lay_out_blocks(tome_packer *p, plan *pl);

/* Bytes [pos, pos + n) of the body stream (ctx is the plan). */
int tome__plan_read_stream(void *ctx, uint64_t pos, void *dst, size_t n);

/* The body blocks' records pl->blocks[0, body_blocks): area, `first`;
 * their heads are made as they are compressed. */
int tome__plan_build_heads(tome_packer *p, plan *pl);

/* The head and segments of body block b, whose area bytes are `area`. */
int tome__plan_make_head(tome_packer *p, const plan *pl, size_t b, const uint8_t *area,
                         pack_block *out);

/* Aliases sorted and resolved to IDs; TOME_PACK_ERR_* for an alias equal
 * to a key, given twice, or naming a missing key. */
int tome__plan_resolve_aliases(tome_packer *p, plan *pl);

/* The trees and the metadata frame. */
int tome__plan_name_tree(tome_packer *p, plan *pl);
int tome__plan_alias_tree(tome_packer *p, plan *pl);
int tome__plan_search_tree(tome_packer *p, plan *pl);
int tome__plan_meta_frame(tome_packer *p, plan *pl);

/* Entry `i` of a tree being built: its string and the bytes after it
 * (valid until the next call), `starts_frame` when it is a leaf's first. */
typedef int (*tree_entry_fn)(void *ctx, size_t i, int starts_frame, const uint8_t **string,
                             size_t *string_size, const uint8_t **payload, size_t *payload_size);

/* A tree of `count` entries (docs/FORMAT.md, "Trees"): leaves of about
 * `target` content bytes, then nodes of separators of about `target`
 * bytes, level by level up to one root. */
int tome__tree_build(tome_packer *p, uint32_t kind, size_t count, tree_entry_fn entry,
                     void *ctx, uint32_t target, pack_tree *out);
void tome__tree_free(pack_tree *t);

/* The target content size of index frames for these options. */
uint32_t tome__index_target(const tome_packer *p);

/* Compress every frame (one zstd frame each, with the dictionary when
 * there is one) on several threads, a bounded number in flight, and write
 * them in block table order to `fd` from `offset`; each block's frame
 * size, content checksum and chunk_max are set, its head freed.  *end is
 * the offset after the last frame. */
int tome__pack_compress(tome_packer *p, plan *pl, int fd, const char *path, uint64_t offset,
                        uint64_t *end);

/* The block table after the frames, with offsets, and the header. */
int tome__plan_place_regions(tome_packer *p, plan *pl, regions *g);
void tome__plan_fill_header(const tome_packer *p, plan *pl, const regions *g);

/* The checks of options and input every pack begins with (fitting the
 * RAM budget included). */
int tome__pack_prepare(tome_packer *p);
/* IDs, aliases resolved, bodies laid out, the dictionary: what
 * tome_pack_write() plans before the index; the set packer uses it for
 * the whole corpus.  Free with tome__plan_free() whatever it returns. */
int tome__plan_corpus(tome_packer *p, plan *pl);
void tome__plan_free(plan *pl);

#endif
