/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_internal.h - the reader's state, shared by the read_*.c files.
 * Private to src/reader/ (and the tests): the packer cannot include it.
 */
#ifndef TOME_READ_INTERNAL_H
#define TOME_READ_INTERNAL_H

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_initStaticDCtx and friends */
#include <zstd.h>

#include "format.h"
#include "hash.h"
#include "records.h"
#include "tome.h"

#define TOME_NO_BLOCK 0xFFFFFFFFu

/* Header fields, decoded once at open and trusted afterwards. */
typedef struct tome_header {
    uint64_t file_size;
    uint32_t article_count, body_count, block_count, key_block_count, keys_per_block;
    uint32_t block_size_max, key_block_size_max, article_size_max, chunk_size_max;
    uint32_t key_size_max, title_size_max, dict_size;
    uint32_t workspace_memory, workspace_callback;
    unsigned entry_record_size, block_bits, offset_bits, size_bits, order_record_size; /* bytes */
    uint64_t dict_offset, block_table_offset, entry_table_offset, order_table_offset;
    uint32_t dict_checksum, block_table_checksum, entry_table_checksum, order_table_checksum;
    uint64_t raw_size, stored_size, keys_size, frames_size;
    uint32_t reserved; /* the reserved fields ORed: must be 0 */
    unsigned major, minor;
} tome_header;

/* One block table record. */
/* Widest fields first: no padding, so the reader's state stays within the
 * 64-byte step of the workspace layout it had (193,408 bytes for the mails). */
typedef struct tome_block {
    uint64_t frame_offset;
    size_t content_size; /* at most a buffer's size, so a size_t */
    uint32_t frame_size;
    uint32_t checksum; /* of the decompressed content */
} tome_block;


/*
 * A slot: a buffer holding (a prefix of) one decompressed block, and where
 * its decoding stands.  Body blocks and key blocks have a slot each, so
 * looking up keys while iterating does not evict the body block (verify
 * uses both for key blocks).  The zstd context is shared by the two, which
 * is what most of the states are about.
 *
 *   state     holds                          a request beyond `done`
 *   EMPTY     nothing (cur is TOME_NO_BLOCK) -
 *   DECODING  [0, done) of block `cur`; the  goes on from `in_pos`; to the
 *             zstd context is in its frame   block's end when `to_end`
 *   PARTIAL   [0, done); the other slot      begins the frame again, and
 *             has taken the context          goes to the end (to_end): two
 *                                            slots taking turns must not
 *                                            decode a block over and over
 *   COMPLETE  the whole block; its frame     -
 *             end and checksum checked
 *   FAILED    [0, done), then `error`        `error`, the same every time
 *
 * A request within [0, done) of the block held is served from `buf` in
 * every state but EMPTY, FAILED included: the failure came later.
 *
 * Transitions, all in read_slot.c; no other code writes a slot:
 *
 *   tome__slot_decode(), a request beyond `done` or for another block:
 *     PARTIAL, COMPLETE, EMPTY, other block -> DECODING  record loaded,
 *                                                        frame begun
 *       ... -> EMPTY     instead, when the block's record is bad
 *       ... -> FAILED    instead, when the frame cannot begin
 *     and the other slot: DECODING -> PARTIAL
 *     DECODING -> DECODING  zstd produced more
 *     DECODING -> FAILED    zstd, or the frame's bounds, refused a piece
 *   tome__slot_check():
 *     PARTIAL -> EMPTY      the frame's end must be seen again
 *     then as tome__slot_decode() to the block's end, and
 *     DECODING -> COMPLETE  the frame ends there and the checksum matches
 *     any -> FAILED         anything went wrong, a bad record included
 *   either, when the read callback fails:
 *     any -> EMPTY          the same call may succeed when tried again
 *
 * At most one slot is DECODING.
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
    uint32_t cur;  /* block index, TOME_NO_BLOCK when EMPTY */
    size_t done;   /* bytes of `buf` decoded */
    int to_end;    /* DECODING: resumed after PARTIAL, so decode to the end */
    int error;     /* FAILED: the answer */
    tome_block block;
    uint64_t in_pos; /* DECODING: next compressed byte of the frame */
} tome_slot;

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

    tome_slot bodies; /* block_size_max bytes: body blocks (and verify's spare) */
    tome_slot keys;   /* key_block_size_max bytes: key blocks */
};

/* Workspace layout for an archive: byte offsets from an aligned base. */
typedef struct tome_layout {
    size_t dctx, ddict, dict, block_buf, key_buf, staging, staging_size, total;
    size_t dict_size; /* the header's, as a size_t */
} tome_layout;

int tome__parse_header(const tome_config *config, tome_header *h);
int tome__layout_for(const tome_header *h, int callback, uint32_t flags,
                     tome_layout *layout);

/* Byte access: a pointer to `len` bytes at `offset`, either in place
 * (memory mode) or copied into `scratch`.  The caller has bounds-checked
 * the range against the archive.  NULL when the read callback failed. */
const uint8_t *tome__bytes(tome_reader *r, uint64_t offset, size_t len,
                           uint8_t *scratch);

/* True when [offset, offset + len) lies inside the archive's body area
 * (between header and footer), without overflow. */
int tome__in_body(const tome_header *h, uint64_t offset, uint64_t len);

/* Block `index` of the block table: body blocks first, then key blocks. */
int tome__load_block(tome_reader *r, uint32_t index, tome_block *block);
int tome__load_entry(tome_reader *r, uint32_t id, tome_entry *entry);
int tome__load_order(tome_reader *r, uint32_t position, uint32_t *id);

/* A slot at open: EMPTY, decoding into `buf`. */
void tome__slot_init(tome_slot *s, uint8_t *buf);

/* Make bytes [0, upto) of block `index` available in the slot's buffer
 * (upto = 0 just selects the block, loading its record). */
int tome__slot_decode(tome_reader *r, tome_slot *s, uint32_t index, size_t upto);

/* Decode all of block `index` into the slot, check that its frame ends
 * exactly there and that the content matches the block's checksum.  The
 * answer is kept: asking again gives it without decoding. */
int tome__slot_check(tome_reader *r, tome_slot *s, uint32_t index);

/* Copy `len` bytes of the body stream starting at `offset` in `block`
 * to `dst`, hashing them into r->hash when `hash` is set. */
int tome__copy_body(tome_reader *r, uint32_t block, uint32_t offset,
                    uint64_t len, uint8_t *dst, int hash);

/* One record of a key block. */
typedef struct tome_name {
    const uint8_t *key, *title;
    size_t key_size, title_size;
} tome_name;

/* Decode key block `kb` (0-based among key blocks) into `s`, checked. */
int tome__load_key_block(tome_reader *r, tome_slot *s, uint32_t kb);

/* The record at byte `at` of the key block in `s`; *end gets the position
 * after it.  TOME_ERR_CORRUPT when the record overruns the block. */
int tome__key_record(const tome_reader *r, const tome_slot *s, size_t at, tome_name *name,
                     size_t *end);

/* The key and title of article `id`, pointing into the key slot. */
int tome__name_of(tome_reader *r, uint32_t id, tome_name *name);


#endif
