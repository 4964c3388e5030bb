/*
 * read_internal.h - the reader's state, shared by the read_*.c files.
 * Never included by the packer's public header; the packer includes it only
 * to check what it wrote.
 */
#ifndef TOME_READ_INTERNAL_H
#define TOME_READ_INTERNAL_H

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_initStaticDCtx and friends */
#include <zstd.h>

#include "format.h"
#include "hash.h"
#include "tome.h"

#define TOME_NO_BLOCK 0xFFFFFFFFu
/* Keys are compared and hashed in pieces of this many bytes on the stack,
 * so callback mode needs no key buffer. */
#define KEY_PIECE 64u

/* Header fields, decoded once at open and trusted afterwards. */
typedef struct tome_header {
    uint64_t file_size;
    uint32_t article_count, body_count, block_count;
    uint32_t block_size_max, article_size_max, chunk_size_max;
    uint32_t key_size_max, title_size_max, dict_size;
    uint32_t workspace_memory, workspace_callback;
    uint64_t dict_offset, block_table_offset, entry_table_offset;
    uint64_t order_table_offset, pool_offset, pool_size;
    uint64_t dict_checksum, block_table_checksum, entry_table_checksum;
    uint64_t order_table_checksum, pool_checksum;
    uint64_t raw_size, stored_size, frames_size;
    unsigned major, minor;
} tome_header;

/* One block table record. */
typedef struct tome_block {
    uint64_t frame_offset;
    uint32_t frame_size;
    uint32_t content_size;
    uint64_t checksum;
} tome_block;

/* One entry table record. */
typedef struct tome_entry {
    uint32_t block, offset, size, key_offset;
    uint32_t key_size, title_size, key_check;
    uint64_t checksum;
    uint64_t key_seed; /* XXH3 of record bytes 0..19, seeds key_check */
} tome_entry;

struct tome_reader {
    tome_hash_state hash; /* first: it wants 64-byte alignment */
    tome_header h;

    const uint8_t *data; /* memory mode, else NULL */
    tome_read_fn read;
    void *user;
    uint32_t flags;

    ZSTD_DCtx *dctx;
    const ZSTD_DDict *ddict; /* NULL without a dictionary or tables */
    const uint8_t *dict;     /* in the archive, or copied into the workspace */
    uint8_t *block_buf;      /* block_size_max bytes */
    uint8_t *staging;        /* callback mode: compressed input */
    size_t staging_size;

    /* The block in block_buf: bytes [0, done) are decoded.  While `live`,
     * dctx is in the middle of its frame and can go on from `in_pos`. */
    uint32_t cur;
    uint32_t done;
    int live;
    int failed; /* error that stopped decoding at `done`, or 0 */
    tome_block cur_block;
    uint64_t in_pos;
};

/* Workspace layout for an archive: byte offsets from an aligned base. */
typedef struct tome_layout {
    size_t dctx, ddict, dict, block_buf, staging, staging_size, total;
} tome_layout;

int tome_parse_header(const tome_config *config, tome_header *h);
int tome_layout_for(const tome_header *h, int callback, uint32_t flags,
                    tome_layout *layout);

/* Byte access: a pointer to `len` bytes at `offset`, either in place
 * (memory mode) or copied into `scratch`.  The caller has bounds-checked
 * the range against the archive.  NULL when the read callback failed. */
const uint8_t *tome_bytes(tome_reader *r, uint64_t offset, size_t len,
                          uint8_t *scratch);

/* True when [offset, offset + len) lies inside the archive's body area
 * (between header and footer), without overflow. */
int tome_in_body(const tome_header *h, uint64_t offset, uint64_t len);

int tome_load_block(tome_reader *r, uint32_t index, tome_block *block);
int tome_load_entry(tome_reader *r, uint32_t id, tome_entry *entry);
int tome_load_order(tome_reader *r, uint32_t position, uint32_t *id);

/* Make bytes [0, upto) of block `index` available in block_buf. */
int tome_decode_block(tome_reader *r, uint32_t index, uint32_t upto);

/* Decode all of block `index` and check that its frame ends exactly there. */
int tome_finish_block(tome_reader *r, uint32_t index);

/* Copy `len` bytes of the body stream starting at `offset` in `block`
 * to `dst`, hashing them into r->hash when `hash` is set. */
int tome_copy_body(tome_reader *r, uint32_t block, uint32_t offset,
                   uint64_t len, uint8_t *dst, int hash);

/* Check an entry's fields against the header (not the blocks). */
int tome_check_entry(const tome_reader *r, const tome_entry *e);

/* memcmp order (shorter prefix first) of entry e's key against `other`'s
 * key, or, when other is NULL, against `key` (key_size bytes in memory). */
int tome_compare_key(tome_reader *r, const tome_entry *e, const tome_entry *other,
                     const char *key, size_t key_size, int *order);

/* True when `key` (the entry's key, read by the caller) matches key_check. */
int tome_key_matches(const tome_entry *e, const void *key);

#endif
