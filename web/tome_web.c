/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tome_web.c - the reader's calls for JavaScript, compiled to WebAssembly
 * (wasm32-wasi, web/web.mk) with src/common, src/reader and zstd's decoder
 * (src/port/tome_zstd.c).
 *
 * One reader per WebAssembly instance: web/worker.js opens it in callback
 * mode, and the callback is the host's `read` import, which answers
 * synchronously (HTTP range requests or FileReaderSync in a Web Worker).
 * The reader itself never allocates; this glue mallocs the workspace the
 * archive asks for and the buffers JavaScript passes in.
 *
 * Offsets cross the boundary as doubles (exact below 2^53 bytes), so the
 * JavaScript side needs no BigInt.
 */
#include <stdlib.h>
#include <string.h>

#include "tome.h"

#define IMPORT(name) __attribute__((import_module("tome_host"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

/* Copy `len` bytes at `offset` into `dst`: 0 on success. */
IMPORT("read") int host_read(double offset, void *dst, size_t len);
/* One damaged part or article found by tome_verify(). */
IMPORT("damage") void host_damage(int part, uint32_t index, int error);

static tome_reader *reader;
static void *workspace;
static size_t workspace_size;
static char *key_buf; /* key_size_max + 1 bytes, for tw_lower_bound() */
static size_t key_cap;
/* One search at a time, for worker.js's search as you type. */
static tome_search search;
static int search_live;

static int read_cb(void *user, uint64_t offset, void *dst, size_t len)
{
    (void)user;
    return host_read((double)offset, dst, len);
}

EXPORT("tw_alloc") void *tw_alloc(size_t size) { return malloc(size ? size : 1); }
EXPORT("tw_free") void tw_free(void *p) { free(p); }
EXPORT("tw_error_name") const char *tw_error_name(int code) { return tome_error_name(code); }
EXPORT("tw_error_text") const char *tw_error_text(int code) { return tome_error_text(code); }
EXPORT("tw_version") const char *tw_version(void) { return tome_version_string(); }

static void close_reader(void)
{
    reader = NULL;
    search_live = 0;
    free(workspace);
    free(key_buf);
    workspace = NULL;
    key_buf = NULL;
    workspace_size = 0;
    key_cap = 0;
}

/* Open the archive of `size` bytes behind the host's read import; closes
 * the one open before.  Returns a TOME_* code. */
EXPORT("tw_open") int tw_open(double size, uint32_t flags)
{
    tome_config c;
    tome_archive_info info;
    size_t need;
    int err;
    close_reader();
    if (!(size >= 0) || size > 9007199254740992.0)
        return TOME_ERR_ARGUMENT;
    memset(&c, 0, sizeof c);
    c.read = read_cb;
    c.size = (uint64_t)size;
    c.flags = flags;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        return err;
    if (!(workspace = malloc(need)))
        return TOME_ERR_WORKSPACE;
    workspace_size = need;
    c.workspace = workspace;
    c.workspace_size = need;
    if ((err = tome_open(&reader, &c)) != TOME_OK) {
        close_reader();
        return err;
    }
    tome_info(reader, &info);
    key_cap = (size_t)info.key_size_max + 1;
    if (!(key_buf = malloc(key_cap))) {
        close_reader();
        return TOME_ERR_WORKSPACE;
    }
    return TOME_OK;
}

EXPORT("tw_workspace_size") double tw_workspace_size(void) { return (double)workspace_size; }
EXPORT("tw_count") uint32_t tw_count(void) { return reader ? tome_count(reader) : 0; }

/* tome_info() as 23 doubles, in tome_archive_info's order, then from
 * tome_sizes_of() the index (trees, metadata, block table) and every
 * compressed byte (frames and dictionary). */
EXPORT("tw_info") int tw_info(double *out)
{
    tome_archive_info i;
    tome_sizes s;
    int err;
    if (!reader)
        return TOME_ERR_ARGUMENT;
    tome_info(reader, &i);
    if ((err = tome_sizes_of(reader, &s)) != TOME_OK)
        return err;
    out[0] = i.format_major;
    out[1] = i.format_minor;
    out[2] = (double)i.file_size;
    out[3] = i.article_count;
    out[4] = i.body_count;
    out[5] = i.alias_count;
    out[6] = i.search_count;
    out[7] = i.meta_count;
    out[8] = i.block_count;
    out[9] = i.index_frame_count;
    out[10] = i.name_leaf_count;
    out[11] = i.block_size_max;
    out[12] = i.index_size_max;
    out[13] = i.chunk_size_max;
    out[14] = i.article_size_max;
    out[15] = i.key_size_max;
    out[16] = i.title_size_max;
    out[17] = i.fold_size_max;
    out[18] = i.dict_size;
    out[19] = (double)i.raw_size;
    out[20] = (double)i.stored_size;
    out[21] = (double)(s.names + s.aliases + s.search + s.metadata + s.table);
    out[22] = (double)(s.dictionary + s.bodies + s.names + s.aliases + s.search + s.metadata);
    return TOME_OK;
}

/* tome_stat() as 6 uint32: size, key_size, title_size, alias_count, block,
 * body. */
EXPORT("tw_stat") int tw_stat(uint32_t id, uint32_t *out)
{
    tome_article a;
    int err;
    if (!reader)
        return TOME_ERR_ARGUMENT;
    if ((err = tome_stat(reader, id, &a)) != TOME_OK)
        return err;
    out[0] = a.size;
    out[1] = a.key_size;
    out[2] = a.title_size;
    out[3] = a.alias_count;
    out[4] = a.block;
    out[5] = a.body;
    return TOME_OK;
}

EXPORT("tw_key") int tw_key(uint32_t id, char *buf, size_t cap)
{
    return reader ? tome_key(reader, id, buf, cap) : TOME_ERR_ARGUMENT;
}

EXPORT("tw_title") int tw_title(uint32_t id, char *buf, size_t cap)
{
    return reader ? tome_title(reader, id, buf, cap) : TOME_ERR_ARGUMENT;
}

EXPORT("tw_alias") int tw_alias(uint32_t id, uint32_t n, char *buf, size_t cap)
{
    return reader ? tome_alias(reader, id, n, buf, cap) : TOME_ERR_ARGUMENT;
}

EXPORT("tw_fetch") int tw_fetch(uint32_t id, void *dst, size_t cap, size_t *size)
{
    return reader ? tome_fetch(reader, id, dst, cap, size) : TOME_ERR_ARGUMENT;
}

EXPORT("tw_find") int tw_find(const char *key, size_t key_size, uint32_t *id)
{
    return reader ? tome_find(reader, key, key_size, id) : TOME_ERR_ARGUMENT;
}

/* Byte-wise comparison of a NUL-terminated key with `key` (`n` bytes). */
static int compare(const char *a, size_t a_size, const char *b, size_t b_size)
{
    size_t n = a_size < b_size ? a_size : b_size;
    int c = memcmp(a, b, n);
    if (c)
        return c;
    return a_size < b_size ? -1 : a_size > b_size;
}

/* 1 when the key of article `id` sorts before `key` (`n` bytes), 0 when
 * not, or a negative TOME_* code. */
static int key_before(uint32_t id, const char *key, size_t n)
{
    int err = tome_key(reader, id, key_buf, key_cap);
    if (err != TOME_OK)
        return err;
    return compare(key_buf, strlen(key_buf), key, n) < 0;
}

/* The first ID whose key is >= `key` in byte-wise order (count when none):
 * IDs are ranks of keys, so the articles whose keys start with a prefix are
 * the IDs from here on while their keys still start with it.  A binary
 * search over IDs; tome_key() decodes the name leaf holding each probe
 * (the last one stays in the workspace, so the final probes cost nothing). */
EXPORT("tw_lower_bound") int tw_lower_bound(const char *key, size_t key_size, uint32_t *id)
{
    uint32_t lo = 0, hi;
    int before;
    if (!reader)
        return TOME_ERR_ARGUMENT;
    hi = tome_count(reader);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((before = key_before(mid, key, key_size)) < 0)
            return before;
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    *id = lo;
    return TOME_OK;
}

/* tome_search_start() over `query` (`query_size` bytes) with TOME_SEARCH_*
 * `flags`; the matches then come from tw_search_next(). */
EXPORT("tw_search_start") int tw_search_start(const char *query, size_t query_size,
                                              uint32_t flags)
{
    int err;
    search_live = 0;
    if (!reader)
        return TOME_ERR_ARGUMENT;
    err = tome_search_start(reader, &search, query, query_size, flags);
    search_live = err == TOME_OK;
    return err;
}

/* The next match as 2 uint32 (id, source): TOME_OK, TOME_DONE after the
 * last, or an error. */
EXPORT("tw_search_next") int tw_search_next(uint32_t *out)
{
    tome_match m;
    int err;
    if (!reader || !search_live)
        return TOME_ERR_ARGUMENT;
    if ((err = tome_search_next(reader, &search, &m)) != TOME_OK) {
        search_live = 0;
        return err;
    }
    out[0] = m.id;
    out[1] = m.source;
    return TOME_OK;
}

/* Metadata pair `index` into `name` and `value` (tome_meta_at()). */
EXPORT("tw_meta_at") int tw_meta_at(uint32_t index, char *name, size_t name_cap, char *value,
                                    size_t value_cap)
{
    return reader ? tome_meta_at(reader, index, name, name_cap, value, value_cap)
                  : TOME_ERR_ARGUMENT;
}

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    (void)user;
    host_damage((int)part, index, error);
}

/* tome_verify(); the report as 4 uint32: damaged_parts, damaged_blocks,
 * damaged_articles, checked_articles. */
EXPORT("tw_verify") int tw_verify(uint32_t *out)
{
    tome_verify_report rep;
    int err;
    if (!reader)
        return TOME_ERR_ARGUMENT;
    err = tome_verify(reader, on_damage, NULL, &rep);
    out[0] = rep.damaged_parts;
    out[1] = rep.damaged_blocks;
    out[2] = rep.damaged_articles;
    out[3] = rep.checked_articles;
    return err;
}
