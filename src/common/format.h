/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * format.h - the on-disk layout of docs/FORMAT.md, shared by reader and
 * packer.  Offsets are the tables of that document; keep them in step.
 */
#ifndef TOME_FORMAT_H
#define TOME_FORMAT_H

#include <stdint.h>
#include <stddef.h>

#include "tome.h"

#define TOME_MAGIC_SIZE 8
#define TOME_HEADER_MAGIC "\x89TOME\r\n\x1a"
#define TOME_FOOTER_MAGIC "\x1a\n\rEMOT\x89"

/* header field offsets */
enum {
    HDR_MAGIC = 0,
    HDR_MAJOR = 8,
    HDR_MINOR = 10,
    HDR_HEADER_SIZE = 12,
    HDR_FILE_SIZE = 16,
    HDR_ARTICLE_COUNT = 24,
    HDR_BODY_COUNT = 28,
    HDR_BLOCK_COUNT = 32,
    HDR_KEY_BLOCK_COUNT = 36,
    HDR_KEYS_PER_BLOCK = 40,
    HDR_BLOCK_SIZE_MAX = 44,
    HDR_KEY_BLOCK_SIZE_MAX = 48,
    HDR_ARTICLE_SIZE_MAX = 52,
    HDR_CHUNK_SIZE_MAX = 56,
    HDR_KEY_SIZE_MAX = 60,
    HDR_TITLE_SIZE_MAX = 64,
    HDR_DICT_SIZE = 68,
    HDR_WORKSPACE_MEMORY = 72,
    HDR_WORKSPACE_CALLBACK = 76,
    HDR_ENTRY_RECORD_SIZE = 80,
    HDR_BLOCK_BITS = 81,
    HDR_OFFSET_BITS = 82,
    HDR_SIZE_BITS = 83,
    HDR_ORDER_RECORD_SIZE = 84,
    HDR_RESERVED8 = 85, /* 3 bytes */
    HDR_DICT_OFFSET = 88,
    HDR_BLOCK_TABLE_OFFSET = 96,
    HDR_ENTRY_TABLE_OFFSET = 104,
    HDR_ORDER_TABLE_OFFSET = 112,
    HDR_DICT_CHECKSUM = 120,
    HDR_BLOCK_TABLE_CHECKSUM = 124,
    HDR_ENTRY_TABLE_CHECKSUM = 128,
    HDR_ORDER_TABLE_CHECKSUM = 132,
    HDR_RAW_SIZE = 136,
    HDR_STORED_SIZE = 144,
    HDR_KEYS_SIZE = 152,
    HDR_FRAMES_SIZE = 160,
    HDR_RESERVED32 = 168,
    HDR_CHECKSUM = 172
};

enum { FTR_MAGIC = 0, FTR_FILE_SIZE = 8, FTR_RESERVED = 16, FTR_CHECKSUM = 20 };

/* block table record */
enum { BLK_FRAME_OFFSET = 0, BLK_FRAME_SIZE = 8, BLK_CONTENT_SIZE = 12,
       BLK_CHECKSUM = 16, BLK_RECORD_SIZE = 20 };

/* entry table record: the checksum, then bit fields from bit 32 */
enum { ENT_CHECKSUM = 0, ENT_FIELDS_BIT = 32, ENT_RECORD_SIZE_MAX = 16 };

enum { ORD_RECORD_SIZE_MAX = 4 };

/* key block record: key_size, title_size, key bytes, title bytes */
enum { KEY_REC_KEY_SIZE = 0, KEY_REC_TITLE_SIZE = 2 };

/* Largest key and title a u16 can describe. */
#define TOME_KEY_SIZE_LIMIT 65535u

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
