/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * format.h - the on-disk layout of docs/FORMAT.md (format 3.0), shared by
 * reader and packer.  Offsets are the tables of that document; keep them in
 * step.  The variable-length codecs are in codec.h.
 */
#ifndef TOME_FORMAT_H
#define TOME_FORMAT_H

#include <stdint.h>
#include <stddef.h>

#include "tome.h"

#define TOME_MAGIC_SIZE 8
#define TOME_HEADER_MAGIC "\x89TOME\r\n\x1a"
#define TOME_FOOTER_MAGIC "\x1a\n\rEMOT\x89"

/* header field offsets (docs/FORMAT.md, "Header") */
enum {
    HDR_MAGIC = 0,
    HDR_MAJOR = 8,
    HDR_MINOR = 10,
    HDR_HEADER_SIZE = 12,
    HDR_FILE_SIZE = 16,
    HDR_ARTICLE_COUNT = 24,
    HDR_BODY_COUNT = 28,
    HDR_ALIAS_COUNT = 32,
    HDR_SEARCH_COUNT = 36,
    HDR_BODY_BLOCKS = 40,
    HDR_NAME_LEAVES = 44,
    HDR_NAME_FRAMES = 48,
    HDR_ALIAS_LEAVES = 52,
    HDR_ALIAS_FRAMES = 56,
    HDR_SEARCH_LEAVES = 60,
    HDR_SEARCH_FRAMES = 64,
    HDR_META_FRAMES = 68,
    HDR_BLOCK_SIZE_MAX = 72,
    HDR_INDEX_SIZE_MAX = 76,
    HDR_ARTICLE_SIZE_MAX = 80,
    HDR_CHUNK_SIZE_MAX = 84,
    HDR_KEY_SIZE_MAX = 88,
    HDR_TITLE_SIZE_MAX = 92,
    HDR_FOLD_SIZE_MAX = 96,
    HDR_DICT_SIZE = 100,
    HDR_WORKSPACE_MEMORY = 104,
    HDR_WORKSPACE_CALLBACK = 108,
    HDR_FOLD_VERSION = 112,
    HDR_DICT_CHECKSUM = 116,
    HDR_DICT_OFFSET = 120,
    HDR_BLOCK_TABLE_OFFSET = 128,
    HDR_RAW_SIZE = 136,
    HDR_STORED_SIZE = 144,
    HDR_META_COUNT = 152,
    HDR_CHECKSUM = 156
};

enum { FTR_MAGIC = 0, FTR_FILE_SIZE = 8, FTR_RESERVED = 16, FTR_CHECKSUM = 20 };

/* block table record (docs/FORMAT.md, "Block table") */
enum { BLK_FRAME_OFFSET = 0, BLK_FRAME_SIZE = 8, BLK_CONTENT_SIZE = 12,
       BLK_FIRST = 16, BLK_CONTENT_CHECKSUM = 20, BLK_RECORD_CHECKSUM = 24,
       BLK_RECORD_SIZE = 28 };

/* Frame kinds, in block table order; a frame's content checksum is seeded
 * with TOME_CONTENT_SEED(kind, index within kind). */
enum { TOME_KIND_BODY = 1, TOME_KIND_NAME = 2, TOME_KIND_ALIAS = 3,
       TOME_KIND_SEARCH = 4, TOME_KIND_META = 5 };
#define TOME_CONTENT_SEED(kind, index) (((uint32_t)(kind) << 28) | (uint32_t)(index))
/* Frames of one kind are fewer than this, so the seed's index fits. */
#define TOME_KIND_FRAMES_LIMIT 0x10000000u

/* Body block head: u32 head_size first, u32 head checksum last. */
#define TOME_HEAD_SIZE_MIN 9u

/* Search entry sources: 0 key, 1 title, 2 + j alias j. */
enum { TOME_SOURCE_KEY = 0, TOME_SOURCE_TITLE = 1, TOME_SOURCE_ALIAS = 2 };

/* Folding of docs/FORMAT.md, "Folding". */
#define TOME_FOLD_VERSION 1u
/* A folded string is at most this many times its source's bytes. */
#define TOME_FOLD_GROWTH 3u

/* Largest key, alias key and title; largest folded string. */
#define TOME_KEY_SIZE_LIMIT 65535u
#define TOME_FOLD_SIZE_LIMIT (TOME_FOLD_GROWTH * TOME_KEY_SIZE_LIMIT)

/* Strings up to this size (and every metadata name) a verifier holds on
 * its stack; when keys or folded strings are longer, block_size_max is at
 * least twice the longest, so that the body buffer, free once the bodies
 * are checked, holds two of them whole (docs/FORMAT.md, "Checks at open"). */
#define TOME_SHORT_STRING_MAX 256u

/* A tree's root level is below this: the descent's bound. */
#define TOME_TREE_LEVELS_LIMIT 32u

static inline uint16_t tome_get16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] | (uint16_t)((uint16_t)p[1] << 8));
}

static inline uint32_t tome_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t tome_get64(const uint8_t *p)
{
    return (uint64_t)tome_get32(p) | ((uint64_t)tome_get32(p + 4) << 32);
}

static inline void tome_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void tome_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void tome_put64(uint8_t *p, uint64_t v)
{
    tome_put32(p, (uint32_t)v);
    tome_put32(p + 4, (uint32_t)(v >> 32));
}

#endif
