/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_open.c - header and footer checks ("Checks at open", in that order),
 * workspace sizing, open and the archive-wide facts.  Everything the rest
 * of the reader trusts about the header is checked here once.
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
 * TOME_WORKSPACE_BOUND adds to chunk_size_max. */
#define STAGING_MIN 64u

static int read_source(const tome_config *c, uint64_t offset, void *dst, size_t len)
{
    if (c->data) {
        memcpy(dst, (const uint8_t *)c->data + offset, len);
        return TOME_OK;
    }
    return c->read(c->user, offset, dst, len) == 0 ? TOME_OK : TOME_ERR_READ;
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
    FIELD(HDR_ARTICLE_COUNT, article_count),     FIELD(HDR_BODY_COUNT, body_count),
    FIELD(HDR_ALIAS_COUNT, alias_count),         FIELD(HDR_SEARCH_COUNT, search_count),
    FIELD(HDR_BODY_BLOCKS, body_blocks),         FIELD(HDR_NAME_LEAVES, name_leaves),
    FIELD(HDR_NAME_FRAMES, name_frames),         FIELD(HDR_ALIAS_LEAVES, alias_leaves),
    FIELD(HDR_ALIAS_FRAMES, alias_frames),       FIELD(HDR_SEARCH_LEAVES, search_leaves),
    FIELD(HDR_SEARCH_FRAMES, search_frames),     FIELD(HDR_META_FRAMES, meta_frames),
    FIELD(HDR_BLOCK_SIZE_MAX, block_size_max),   FIELD(HDR_INDEX_SIZE_MAX, index_size_max),
    FIELD(HDR_ARTICLE_SIZE_MAX, article_size_max), FIELD(HDR_CHUNK_SIZE_MAX, chunk_size_max),
    FIELD(HDR_KEY_SIZE_MAX, key_size_max),       FIELD(HDR_TITLE_SIZE_MAX, title_size_max),
    FIELD(HDR_FOLD_SIZE_MAX, fold_size_max),     FIELD(HDR_DICT_SIZE, dict_size),
    FIELD(HDR_WORKSPACE_MEMORY, workspace_memory),
    FIELD(HDR_WORKSPACE_CALLBACK, workspace_callback),
    FIELD(HDR_FOLD_VERSION, fold_version),       FIELD(HDR_DICT_CHECKSUM, dict_checksum),
    FIELD(HDR_META_COUNT, meta_count),
};

static const tome_field fields64[] = {
    FIELD(HDR_FILE_SIZE, file_size),
    FIELD(HDR_DICT_OFFSET, dict_offset),
    FIELD(HDR_BLOCK_TABLE_OFFSET, block_table_offset),
    FIELD(HDR_RAW_SIZE, raw_size),
    FIELD(HDR_STORED_SIZE, stored_size),
};

static void decode_header(const uint8_t *b, tome_header *h)
{
    uint8_t *base = (uint8_t *)h;
    size_t i;
    memset(h, 0, sizeof *h);
    for (i = 0; i < sizeof fields32 / sizeof fields32[0]; i++)
        *(uint32_t *)(void *)(base + fields32[i].field) = tome_get32(b + fields32[i].at);
    for (i = 0; i < sizeof fields64 / sizeof fields64[0]; i++)
        *(uint64_t *)(void *)(base + fields64[i].field) = tome_get64(b + fields64[i].at);
    h->major = tome_get16(b + HDR_MAJOR);
    h->minor = tome_get16(b + HDR_MINOR);
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

/* A tree's leaves and frames (check 5). */
static int tree_sound(uint32_t leaves, uint32_t frames, uint32_t entries)
{
    return leaves <= frames && (leaves == 0) == (frames == 0) && leaves <= entries;
}

/* Check 5: counts. */
static int check_counts(tome_header *h)
{
    const uint32_t kinds[5] = {h->body_blocks, h->name_frames, h->alias_frames,
                               h->search_frames, h->meta_frames};
    uint64_t total = 0;
    unsigned i;
    if (h->article_count == 0xFFFFFFFFu)
        return 0;
    for (i = 0; i < 5; i++) {
        if (kinds[i] >= TOME_KIND_FRAMES_LIMIT)
            return 0;
        total += kinds[i];
    }
    /* five counts below 2^28 sum below 2^31: no overflow, and x 28 fits */
    h->block_total = (uint32_t)total;
    if ((h->body_blocks == 0) != (h->article_count == 0) || h->body_count > h->article_count ||
        (h->body_count >= 1) != (h->body_blocks >= 1))
        return 0;
    if (!tree_sound(h->name_leaves, h->name_frames, h->article_count) ||
        !tree_sound(h->alias_leaves, h->alias_frames, h->alias_count) ||
        !tree_sound(h->search_leaves, h->search_frames, h->search_count))
        return 0;
    if ((h->name_leaves == 0) != (h->article_count == 0) ||
        (h->alias_frames == 0) != (h->alias_count == 0) ||
        (h->search_frames == 0) != (h->search_count == 0) || h->meta_frames > 1 ||
        (h->meta_frames == 0) != (h->meta_count == 0))
        return 0;
    return 1;
}

/* Check 6: limits. */
static int check_limits_fields(const tome_header *h)
{
    uint32_t index_frames = h->block_total - h->body_blocks;
    if (h->key_size_max > TOME_KEY_SIZE_LIMIT || h->title_size_max > TOME_KEY_SIZE_LIMIT ||
        h->fold_size_max > TOME_FOLD_SIZE_LIMIT)
        return 0;
    if ((h->body_blocks >= 1 && h->block_size_max == 0) ||
        (index_frames >= 1 && h->index_size_max == 0) ||
        (h->block_total >= 1 && h->chunk_size_max < 3))
        return 0;
    {
        uint32_t longest = h->key_size_max > h->fold_size_max ? h->key_size_max
                                                               : h->fold_size_max;
        /* both at most 196605, so the product fits */
        if (longest > TOME_SHORT_STRING_MAX && h->block_size_max < 2u * longest)
            return 0;
    }
    return h->fold_version == (h->search_frames >= 1 ? TOME_FOLD_VERSION : 0u);
}

/* Check 7: regions.  Both lie in the body area; they do not overlap; the
 * block table ends where the footer begins (so a header count changed by
 * damage, which changes the table's size, is refused here). */
static int check_regions(const tome_header *h)
{
    uint64_t table = (uint64_t)h->block_total * BLK_RECORD_SIZE;
    if (!tome__in_body(h, h->block_table_offset, table) ||
        h->block_table_offset + table != h->file_size - TOME_FOOTER_SIZE)
        return 0;
    if (h->dict_size == 0)
        return h->dict_offset == 0 && h->dict_checksum == 0;
    if (!tome__in_body(h, h->dict_offset, h->dict_size))
        return 0;
    /* both within the body area, so these sums cannot overflow */
    return h->dict_offset + h->dict_size <= h->block_table_offset ||
           h->block_table_offset + table <= h->dict_offset;
}

/* Check 8: the caller's limits. */
static int check_caller_limits(const tome_config *c, const tome_header *h)
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
    int err;
    /* 1: the magic (a file shorter than the magic is not an archive), the
     * version */
    if (have < TOME_MAGIC_SIZE)
        return TOME_ERR_NOT_ARCHIVE;
    if ((err = read_source(c, 0, b, have)) != TOME_OK)
        return err;
    if (memcmp(b, TOME_HEADER_MAGIC, TOME_MAGIC_SIZE) != 0)
        return TOME_ERR_NOT_ARCHIVE;
    if (have < HDR_MINOR + 2)
        return TOME_ERR_TRUNCATED;
    if (tome_get16(b + HDR_MAJOR) != TOME_FORMAT_MAJOR ||
        tome_get16(b + HDR_MINOR) > TOME_FORMAT_MINOR)
        return TOME_ERR_VERSION;
    /* 2: a header must be there to say how long the file is */
    if (have < TOME_HEADER_SIZE)
        return TOME_ERR_TRUNCATED;
    decode_header(b, h);
    if (h->file_size > c->size)
        return TOME_ERR_TRUNCATED;
    /* 3 */
    if (tome_get32(b + HDR_HEADER_SIZE) != TOME_HEADER_SIZE ||
        tome_get32(b + HDR_CHECKSUM) != tome__hash(b, HDR_CHECKSUM))
        return TOME_ERR_HEADER;
    /* 4 */
    if (h->file_size < TOME_HEADER_SIZE + TOME_FOOTER_SIZE)
        return TOME_ERR_HEADER;
    if ((err = check_footer(c, h)) != TOME_OK)
        return err;
    /* 5, 6, 7 */
    if (!check_counts(h) || !check_limits_fields(h) || !check_regions(h))
        return TOME_ERR_HEADER;
    /* 8 */
    return check_caller_limits(c, h);
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
        (err = add_piece(&at, h->block_size_max, &l->body_buf)) ||
        (err = add_piece(&at, h->index_size_max, &l->index_buf)) ||
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
    h.index_size_max = params->index_size_max;
    h.chunk_size_max = params->chunk_size_max;
    h.dict_size = params->dict_size;
    if ((err = tome__layout_for(&h, params->callback != 0, params->flags, &l)) != TOME_OK)
        return err;
    *size = l.total;
    return TOME_OK;
}

/* Check 9. */
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

/* The name tree's last leaf ends at article_count: else a header whose
 * article count is lower than the tree's would make every listing stop
 * early with success.  A leaf that is itself damaged is left to the calls
 * that use it (they report it); open only refuses a sound leaf that
 * disagrees with the header. */
static int check_article_count(tome_reader *r)
{
    tome_block b;
    tome_cursor c;
    uint32_t level, first, count;
    int err;
    if (r->h.name_leaves == 0)
        return TOME_OK;
    err = tome__load_block(r, tome__kind_base(&r->h, TOME_KIND_NAME) + r->h.name_leaves - 1, &b);
    if (err == TOME_ERR_READ)
        return err;
    if (err != TOME_OK)
        return TOME_OK;
    if (b.first >= r->h.article_count)
        return TOME_ERR_HEADER;
    err = tome__slot_check(r, &r->index, tome__kind_base(&r->h, TOME_KIND_NAME) +
                                             r->h.name_leaves - 1);
    if (err == TOME_ERR_READ)
        return err;
    if (err != TOME_OK)
        return TOME_OK;
    tome__cursor_init(&c, r->index.buf, r->index.done);
    level = tome__get_varint(&c);
    first = tome__get_varint(&c);
    count = tome__get_varint(&c);
    if (!c.bad && level == 0 && first == b.first &&
        (uint64_t)first + count != r->h.article_count)
        return TOME_ERR_HEADER;
    return TOME_OK;
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
    tome__slot_init(&r->body, base + l.body_buf);
    tome__slot_init(&r->index, base + l.index_buf);
    r->head.block = TOME_NO_BLOCK;
    r->walk.ordinal = TOME_NO_BLOCK;
    r->staging = config->read ? base + l.staging : NULL;
    r->staging_size = l.staging_size;
    r->dctx = ZSTD_initStaticDCtx(base + l.dctx, l.ddict - l.dctx);
    if (!r->dctx)
        return TOME_ERR_WORKSPACE;
    if ((err = prepare_dictionary(r, base, &l)) != TOME_OK ||
        (err = check_article_count(r)) != TOME_OK)
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
    info->alias_count = h->alias_count;
    info->search_count = h->search_count;
    info->meta_count = h->meta_count;
    info->block_count = h->body_blocks;
    info->index_frame_count = h->block_total - h->body_blocks;
    info->name_leaf_count = h->name_leaves;
    info->block_size_max = h->block_size_max;
    info->index_size_max = h->index_size_max;
    info->chunk_size_max = h->chunk_size_max;
    info->article_size_max = h->article_size_max;
    info->key_size_max = h->key_size_max;
    info->title_size_max = h->title_size_max;
    info->fold_size_max = h->fold_size_max;
    info->dict_size = h->dict_size;
    info->raw_size = h->raw_size;
    info->stored_size = h->stored_size;
}

int tome_sizes_of(tome_reader *r, tome_sizes *s)
{
    uint64_t *by_kind[6];
    uint32_t i;
    if (!r || !s)
        return TOME_ERR_ARGUMENT;
    memset(s, 0, sizeof *s);
    by_kind[0] = NULL;
    by_kind[TOME_KIND_BODY] = &s->bodies;
    by_kind[TOME_KIND_NAME] = &s->names;
    by_kind[TOME_KIND_ALIAS] = &s->aliases;
    by_kind[TOME_KIND_SEARCH] = &s->search;
    by_kind[TOME_KIND_META] = &s->metadata;
    s->dictionary = r->h.dict_size;
    s->table = (uint64_t)r->h.block_total * BLK_RECORD_SIZE;
    for (i = 0; i < r->h.block_total; i++) {
        tome_block b;
        uint32_t within;
        int err = tome__load_block(r, i, &b);
        if (err == TOME_ERR_READ)
            return err;
        if (err == TOME_OK)
            *by_kind[tome__kind_of(&r->h, i, &within)] += b.frame_size;
        else
            s->damaged++;
    }
    return TOME_OK;
}
