/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_open.c - header and footer checks, workspace sizing, open.
 * Everything the rest of the reader trusts is checked here once.
 */
#include <stddef.h>
#include <string.h>

#include "read_internal.h"

/* The handle must fit the bound the header promises. */
typedef char tome_state_fits_bound[(sizeof(struct tome_reader) + 64 <= TOME_STATE_BOUND) ? 1 : -1];

#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~(uint64_t)((a)-1))
/* zstd wants 8; 64 keeps each piece on its own cache line. */
#define PIECE_ALIGN 64u
/* Smallest staging buffer, so that hashing the whole file through the
 * callback does not take one call per byte.  No larger than the 64 bytes
 * TOME_WORKSPACE_BOUND adds to chunk_size_max, or the bound would fall short
 * for an archive whose largest chunk is smaller. */
#define STAGING_MIN 64u

int tome__in_body(const tome_header *h, uint64_t offset, uint64_t len)
{
    uint64_t end = h->file_size - TOME_FOOTER_SIZE;
    return offset >= TOME_HEADER_SIZE && offset <= end && len <= end - offset;
}

static int read_source(const tome_config *c, uint64_t offset, void *dst, size_t len)
{
    if (c->data) {
        memcpy(dst, (const uint8_t *)c->data + offset, len);
        return TOME_OK;
    }
    return c->read(c->user, offset, dst, len) == 0 ? TOME_OK : TOME_ERR_READ;
}

static int check_region(const tome_header *h, uint64_t offset, uint64_t count,
                        uint64_t record_size)
{
    /* count < 2^33 and record_size <= 20, so the product cannot overflow. */
    return tome__in_body(h, offset, count * record_size) ? TOME_OK : TOME_ERR_HEADER;
}

static int check_footer(const tome_config *c, const tome_header *h)
{
    uint8_t f[TOME_FOOTER_SIZE];
    int err = read_source(c, h->file_size - TOME_FOOTER_SIZE, f, sizeof f);
    if (err)
        return err;
    if (memcmp(f + FTR_MAGIC, TOME_FOOTER_MAGIC, TOME_MAGIC_SIZE) != 0 ||
        tome_get64(f + FTR_FILE_SIZE) != h->file_size || tome_get32(f + FTR_RESERVED) != 0)
        return TOME_ERR_HEADER;
    return TOME_OK;
}

/* Where each 32- and 64-bit field of the header goes in tome_header: a
 * table and a loop take less flash than a call per field. */
typedef struct tome_field {
    uint8_t at;    /* HDR_* offset in the header */
    uint8_t field; /* offsetof() in tome_header */
} tome_field;
#define FIELD(at, member) {at, (uint8_t)offsetof(tome_header, member)}
typedef char tome_header_fields_fit[sizeof(tome_header) <= 255 ? 1 : -1];

static const tome_field fields32[] = {
    FIELD(HDR_ARTICLE_COUNT, article_count),
    FIELD(HDR_BODY_COUNT, body_count),
    FIELD(HDR_BLOCK_COUNT, block_count),
    FIELD(HDR_KEY_BLOCK_COUNT, key_block_count),
    FIELD(HDR_KEYS_PER_BLOCK, keys_per_block),
    FIELD(HDR_BLOCK_SIZE_MAX, block_size_max),
    FIELD(HDR_KEY_BLOCK_SIZE_MAX, key_block_size_max),
    FIELD(HDR_ARTICLE_SIZE_MAX, article_size_max),
    FIELD(HDR_CHUNK_SIZE_MAX, chunk_size_max),
    FIELD(HDR_KEY_SIZE_MAX, key_size_max),
    FIELD(HDR_TITLE_SIZE_MAX, title_size_max),
    FIELD(HDR_DICT_SIZE, dict_size),
    FIELD(HDR_WORKSPACE_MEMORY, workspace_memory),
    FIELD(HDR_WORKSPACE_CALLBACK, workspace_callback),
    FIELD(HDR_DICT_CHECKSUM, dict_checksum),
    FIELD(HDR_BLOCK_TABLE_CHECKSUM, block_table_checksum),
    FIELD(HDR_ENTRY_TABLE_CHECKSUM, entry_table_checksum),
    FIELD(HDR_ORDER_TABLE_CHECKSUM, order_table_checksum),
};

static const tome_field fields64[] = {
    FIELD(HDR_FILE_SIZE, file_size),
    FIELD(HDR_DICT_OFFSET, dict_offset),
    FIELD(HDR_BLOCK_TABLE_OFFSET, block_table_offset),
    FIELD(HDR_ENTRY_TABLE_OFFSET, entry_table_offset),
    FIELD(HDR_ORDER_TABLE_OFFSET, order_table_offset),
    FIELD(HDR_RAW_SIZE, raw_size),
    FIELD(HDR_STORED_SIZE, stored_size),
    FIELD(HDR_KEYS_SIZE, keys_size),
    FIELD(HDR_FRAMES_SIZE, frames_size),
};

static void decode_header(const uint8_t *b, tome_header *h)
{
    uint8_t *base = (uint8_t *)h;
    size_t i;
    for (i = 0; i < sizeof fields32 / sizeof fields32[0]; i++)
        *(uint32_t *)(void *)(base + fields32[i].field) = tome_get32(b + fields32[i].at);
    for (i = 0; i < sizeof fields64 / sizeof fields64[0]; i++)
        *(uint64_t *)(void *)(base + fields64[i].field) = tome_get64(b + fields64[i].at);
    h->major = tome_get16(b + HDR_MAJOR);
    h->minor = tome_get16(b + HDR_MINOR);
    h->entry_record_size = b[HDR_ENTRY_RECORD_SIZE];
    h->block_bits = b[HDR_BLOCK_BITS];
    h->offset_bits = b[HDR_OFFSET_BITS];
    h->size_bits = b[HDR_SIZE_BITS];
    h->order_record_size = b[HDR_ORDER_RECORD_SIZE];
}

/* The record sizes follow from the field widths; key blocks cover every
 * ID; a key block fits both buffers (verify uses the body buffer as a
 * second key buffer). */
static int check_shape(const tome_header *h)
{
    uint32_t bits = ENT_FIELDS_BIT + h->block_bits + h->offset_bits + h->size_bits;
    uint64_t covered = (uint64_t)h->key_block_count * h->keys_per_block;
    if (h->block_bits > 32 || h->offset_bits > 32 || h->size_bits > 32 ||
        h->entry_record_size != (bits + 7) / 8 || h->order_record_size == 0 ||
        h->order_record_size > ORD_RECORD_SIZE_MAX || h->key_block_size_max > h->block_size_max)
        return TOME_ERR_HEADER;
    if (h->article_count == 0)
        return h->key_block_count == 0 ? TOME_OK : TOME_ERR_HEADER;
    if (h->keys_per_block == 0 || covered < h->article_count ||
        covered - h->keys_per_block >= h->article_count || h->key_block_size_max == 0 ||
        (uint64_t)h->block_count + h->key_block_count > 0xFFFFFFFEu)
        return TOME_ERR_HEADER;
    return TOME_OK;
}

static int check_fields(const tome_header *h)
{
    int err;
    if (h->key_size_max > TOME_KEY_SIZE_LIMIT || h->title_size_max > TOME_KEY_SIZE_LIMIT ||
        h->body_count > h->article_count || h->reserved)
        return TOME_ERR_HEADER;
    if (h->block_count > 0 && h->block_size_max == 0)
        return TOME_ERR_HEADER;
    if ((err = check_shape(h)) != TOME_OK)
        return err;
    if (h->dict_size == 0) {
        if (h->dict_offset != 0 || h->dict_checksum != 0)
            return TOME_ERR_HEADER;
    } else if ((err = check_region(h, h->dict_offset, h->dict_size, 1)) != TOME_OK) {
        return err;
    }
    if ((err = check_region(h, h->block_table_offset,
                            (uint64_t)h->block_count + h->key_block_count, BLK_RECORD_SIZE)) ||
        (err = check_region(h, h->entry_table_offset, h->article_count, h->entry_record_size)) ||
        (err = check_region(h, h->order_table_offset, h->article_count, h->order_record_size)))
        return err;
    return TOME_OK;
}

static int check_limits(const tome_config *c, const tome_header *h)
{
    if ((c->max_article_size && h->article_size_max > c->max_article_size) ||
        (c->max_block_size && h->block_size_max > c->max_block_size) ||
        (c->max_key_size && h->key_size_max > c->max_key_size))
        return TOME_ERR_LIMIT;
    return TOME_OK;
}

static int check_config(const tome_config *c)
{
    if (!c || (!c->data == !c->read))
        return TOME_ERR_ARGUMENT;
    return TOME_OK;
}

int tome__parse_header(const tome_config *c, tome_header *h)
{
    uint8_t b[TOME_HEADER_SIZE];
    size_t have = c->size < TOME_HEADER_SIZE ? (size_t)c->size : TOME_HEADER_SIZE;
    size_t magic = have < TOME_MAGIC_SIZE ? have : TOME_MAGIC_SIZE;
    int err = read_source(c, 0, b, have);
    if (err)
        return err;
    if (memcmp(b, TOME_HEADER_MAGIC, magic) != 0)
        return TOME_ERR_NOT_ARCHIVE;
    if (c->size < TOME_HEADER_SIZE + TOME_FOOTER_SIZE)
        return TOME_ERR_TRUNCATED;
    decode_header(b, h);
    h->reserved = tome_get32(b + HDR_RESERVED32) | b[HDR_RESERVED8] | b[HDR_RESERVED8 + 1] |
                  b[HDR_RESERVED8 + 2];
    if (h->major != TOME_FORMAT_MAJOR || h->minor > TOME_FORMAT_MINOR)
        return TOME_ERR_VERSION;
    if (tome_get32(b + HDR_HEADER_SIZE) != TOME_HEADER_SIZE ||
        tome_get32(b + HDR_CHECKSUM) != tome__hash(b, HDR_CHECKSUM))
        return TOME_ERR_HEADER;
    if (h->file_size > c->size)
        return TOME_ERR_TRUNCATED;
    if (h->file_size < TOME_HEADER_SIZE + TOME_FOOTER_SIZE)
        return TOME_ERR_HEADER;
    if ((err = check_fields(h)) != TOME_OK || (err = check_footer(c, h)) != TOME_OK)
        return err;
    return check_limits(c, h);
}

/* Place a piece of `size` bytes at *at; fails when the total would not fit
 * a size_t (a 32-bit device facing a huge block). */
static int add_piece(uint64_t *at, uint64_t size, size_t *where)
{
    *where = (size_t)*at;
    *at = ALIGN_UP(*at + size, (uint64_t)PIECE_ALIGN);
    return *at <= (uint64_t)(size_t)-1 - PIECE_ALIGN ? TOME_OK : TOME_ERR_WORKSPACE;
}

int tome__layout_for(const tome_header *h, int callback, uint32_t flags, tome_layout *l)
{
    uint64_t at = ALIGN_UP(sizeof(struct tome_reader), PIECE_ALIGN);
    int tables = h->dict_size > 0 && !(flags & TOME_OPEN_NO_DICT_TABLES);
    uint64_t staging = h->chunk_size_max > STAGING_MIN ? h->chunk_size_max : STAGING_MIN;
    int err;
    memset(l, 0, sizeof *l);
    l->dict_size = (size_t)h->dict_size;
    if (l->dict_size != h->dict_size)
        return TOME_ERR_WORKSPACE; /* a 16-bit target cannot address the dictionary */
    if ((err = add_piece(&at, ZSTD_estimateDCtxSize(), &l->dctx)) ||
        (err = add_piece(&at, tables ? ZSTD_estimateDDictSize(l->dict_size, ZSTD_dlm_byRef) : 0,
                         &l->ddict)) ||
        (err = add_piece(&at, callback ? l->dict_size : 0, &l->dict)) ||
        (err = add_piece(&at, h->block_size_max, &l->block_buf)) ||
        (err = add_piece(&at, h->key_block_size_max, &l->key_buf)) ||
        (err = add_piece(&at, callback ? staging : 0, &l->staging)))
        return err;
    l->staging_size = callback ? (size_t)staging : 0;
    /* slack for aligning an arbitrary workspace pointer */
    l->total = (size_t)at + PIECE_ALIGN;
    return TOME_OK;
}

int tome_workspace_size(const tome_config *config, size_t *size)
{
    tome_header h;
    tome_layout l;
    int err;
    if (!size || (err = check_config(config)) != TOME_OK)
        return TOME_ERR_ARGUMENT;
    if ((err = tome__parse_header(config, &h)) != TOME_OK ||
        (err = tome__layout_for(&h, config->read != NULL, config->flags, &l)) != TOME_OK)
        return err;
    *size = l.total;
    return TOME_OK;
}

int tome_workspace_size_for(const tome_workspace_params *params, size_t *size)
{
    tome_header h;
    tome_layout l;
    int err;
    if (!params || !size)
        return TOME_ERR_ARGUMENT;
    memset(&h, 0, sizeof h);
    h.block_size_max = params->block_size_max;
    h.key_block_size_max = params->key_block_size_max;
    h.chunk_size_max = params->chunk_size_max;
    h.dict_size = params->dict_size;
    if ((err = tome__layout_for(&h, params->callback != 0, params->flags, &l)) != TOME_OK)
        return err;
    *size = l.total;
    return TOME_OK;
}

static int prepare_dictionary(tome_reader *r, uint8_t *base, const tome_layout *l)
{
    const tome_header *h = &r->h;
    if (h->dict_size == 0)
        return TOME_OK;
    if (r->data) {
        r->dict = r->data + h->dict_offset;
    } else {
        if (r->read(r->user, h->dict_offset, base + l->dict, l->dict_size) != 0)
            return TOME_ERR_READ;
        r->dict = base + l->dict;
    }
    if (tome__hash(r->dict, l->dict_size) != h->dict_checksum)
        return TOME_ERR_DICTIONARY;
    if (r->flags & TOME_OPEN_NO_DICT_TABLES) {
        /* Try it once now, so a bad dictionary is refused at open. */
        if (ZSTD_isError(ZSTD_decompressBegin_usingDict(r->dctx, r->dict, l->dict_size)))
            return TOME_ERR_DICTIONARY;
        return TOME_OK;
    }
    r->ddict = ZSTD_initStaticDDict(base + l->ddict, l->dict - l->ddict, r->dict,
                                    l->dict_size, ZSTD_dlm_byRef, ZSTD_dct_auto);
    return r->ddict ? TOME_OK : TOME_ERR_DICTIONARY;
}

int tome_open(tome_reader **reader, const tome_config *config)
{
    tome_header h;
    tome_layout l;
    tome_reader *r;
    uint8_t *base;
    int err;
    if (!reader || check_config(config) != TOME_OK || !config->workspace)
        return TOME_ERR_ARGUMENT;
    *reader = NULL;
    if ((err = tome__parse_header(config, &h)) != TOME_OK ||
        (err = tome__layout_for(&h, config->read != NULL, config->flags, &l)) != TOME_OK)
        return err;
    if (config->workspace_size < l.total)
        return TOME_ERR_WORKSPACE;
    base = (uint8_t *)config->workspace;
    base += (PIECE_ALIGN - ((uintptr_t)base & (PIECE_ALIGN - 1))) & (PIECE_ALIGN - 1);
    r = (tome_reader *)(void *)base;
    memset(r, 0, sizeof *r);
    r->h = h;
    r->data = (const uint8_t *)config->data;
    r->read = config->read;
    r->user = config->user;
    r->flags = config->flags;
    r->dict_size = l.dict_size;
    tome__slot_init(&r->bodies, base + l.block_buf);
    tome__slot_init(&r->keys, base + l.key_buf);
    r->staging = config->read ? base + l.staging : NULL;
    r->staging_size = l.staging_size;
    r->dctx = ZSTD_initStaticDCtx(base + l.dctx, l.ddict - l.dctx);
    if (!r->dctx)
        return TOME_ERR_WORKSPACE;
    if ((err = prepare_dictionary(r, base, &l)) != TOME_OK)
        return err;
    *reader = r;
    return TOME_OK;
}

uint32_t tome_count(const tome_reader *r)
{
    return r->h.article_count;
}

void tome_info(const tome_reader *r, tome_archive_info *info)
{
    const tome_header *h = &r->h;
    memset(info, 0, sizeof *info);
    info->format_major = h->major;
    info->format_minor = h->minor;
    info->file_size = h->file_size;
    info->article_count = h->article_count;
    info->body_count = h->body_count;
    info->block_count = h->block_count;
    info->key_block_count = h->key_block_count;
    info->keys_per_block = h->keys_per_block;
    info->block_size_max = h->block_size_max;
    info->key_block_size_max = h->key_block_size_max;
    info->chunk_size_max = h->chunk_size_max;
    info->article_size_max = h->article_size_max;
    info->key_size_max = h->key_size_max;
    info->title_size_max = h->title_size_max;
    info->dict_size = h->dict_size;
    info->raw_size = h->raw_size;
    info->stored_size = h->stored_size;
    info->keys_size = h->keys_size;
    info->compressed_size = h->frames_size + h->dict_size;
}
