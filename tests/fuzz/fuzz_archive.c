/*
 * fuzz_archive.c - resealing checksums of hostile archive images.
 */
#include "fuzz_archive.h"

#include <string.h>

#include "format.h"
#include "hash.h"

/* [offset, offset + len) inside an image of `size` bytes, without overflow. */
static int inside(size_t size, uint64_t offset, uint64_t len)
{
    return offset <= size && len <= size - offset;
}

static void reseal_region(uint8_t *b, size_t size, int field, uint64_t offset, uint64_t len)
{
    if (inside(size, offset, len))
        tome_put64(b + field, tome_hash(b + offset, (size_t)len));
}

static void reseal_records(uint8_t *b, size_t size)
{
    uint64_t table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET);
    uint64_t entries = tome_get64(b + HDR_ENTRY_TABLE_OFFSET);
    uint64_t pool = tome_get64(b + HDR_POOL_OFFSET), pool_size = tome_get64(b + HDR_POOL_SIZE);
    uint32_t blocks = tome_get32(b + HDR_BLOCK_COUNT);
    uint32_t count = tome_get32(b + HDR_ARTICLE_COUNT), i;
    for (i = 0; i < blocks && inside(size, table, ((uint64_t)i + 1) * BLK_RECORD_SIZE); i++) {
        uint8_t *rec = b + table + (uint64_t)i * BLK_RECORD_SIZE;
        reseal_region(b, size, (int)(rec - b) + BLK_CHECKSUM, tome_get64(rec + BLK_FRAME_OFFSET),
                      tome_get32(rec + BLK_FRAME_SIZE));
    }
    if (!inside(size, pool, pool_size))
        return;
    for (i = 0; i < count && inside(size, entries, ((uint64_t)i + 1) * ENT_RECORD_SIZE); i++) {
        uint8_t *rec = b + entries + (uint64_t)i * ENT_RECORD_SIZE;
        uint64_t key = tome_get32(rec + ENT_KEY_OFFSET);
        uint32_t key_size = tome_get16(rec + ENT_KEY_SIZE);
        if (key + key_size <= pool_size)
            tome_put32(rec + ENT_KEY_CHECK,
                       (uint32_t)tome_hash_seeded(b + pool + key, key_size,
                                                  tome_hash(rec, ENT_KEY_CHECK)));
    }
}

static void reseal_tables(uint8_t *b, size_t size)
{
    uint32_t blocks = tome_get32(b + HDR_BLOCK_COUNT), count = tome_get32(b + HDR_ARTICLE_COUNT);
    uint32_t dict_size = tome_get32(b + HDR_DICT_SIZE);
    uint64_t file_size = tome_get64(b + HDR_FILE_SIZE);
    if (dict_size)
        reseal_region(b, size, HDR_DICT_CHECKSUM, tome_get64(b + HDR_DICT_OFFSET), dict_size);
    reseal_region(b, size, HDR_BLOCK_TABLE_CHECKSUM, tome_get64(b + HDR_BLOCK_TABLE_OFFSET),
                  (uint64_t)blocks * BLK_RECORD_SIZE);
    reseal_region(b, size, HDR_ENTRY_TABLE_CHECKSUM, tome_get64(b + HDR_ENTRY_TABLE_OFFSET),
                  (uint64_t)count * ENT_RECORD_SIZE);
    reseal_region(b, size, HDR_ORDER_TABLE_CHECKSUM, tome_get64(b + HDR_ORDER_TABLE_OFFSET),
                  (uint64_t)count * ORD_RECORD_SIZE);
    reseal_region(b, size, HDR_POOL_CHECKSUM, tome_get64(b + HDR_POOL_OFFSET),
                  tome_get64(b + HDR_POOL_SIZE));
    if (file_size >= TOME_HEADER_SIZE + TOME_FOOTER_SIZE && file_size <= size) {
        uint8_t *f = b + file_size - TOME_FOOTER_SIZE;
        memcpy(f + FTR_MAGIC, TOME_FOOTER_MAGIC, TOME_MAGIC_SIZE);
        tome_put64(f + FTR_FILE_SIZE, file_size);
        tome_put64(f + FTR_RESERVED, 0);
    }
}

static void reseal_file(uint8_t *b, size_t size)
{
    uint64_t file_size = tome_get64(b + HDR_FILE_SIZE);
    if (file_size >= TOME_HEADER_SIZE + TOME_FOOTER_SIZE && file_size <= size)
        tome_put64(b + file_size - 8, tome_hash(b, (size_t)file_size - 8));
}

void reseal(uint8_t *b, size_t size, unsigned what)
{
    if (size < TOME_HEADER_SIZE)
        return;
    if (what & RESEAL_RECORDS)
        reseal_records(b, size);
    if (what & RESEAL_TABLES)
        reseal_tables(b, size);
    if (what & RESEAL_HEADER)
        tome_put64(b + HDR_CHECKSUM, tome_hash(b, HDR_CHECKSUM));
    if (what & RESEAL_TABLES)
        reseal_file(b, size);
}
