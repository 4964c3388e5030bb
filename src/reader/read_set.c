/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_set.c - volume sets (docs/FORMAT.md, "Volume sets"): a set index
 * and its volumes, in one workspace: the set's state, two key buffers, the
 * index's reader, and one volume's reader, reopened when a call needs
 * another volume.
 */
#include <string.h>

#include "read_internal.h"
#include "set.h"
#include "utf8.h"

#define NO_VOLUME 0xFFFFFFFFu
#define SET_ALIGN 16u

struct tome_set {
    tome_set_config cfg;
    tome_reader *index;
    tome_reader *volume;  /* the open volume, or NULL */
    uint32_t current;     /* its number, NO_VOLUME when none */
    uint32_t cur_first, cur_count;
    uint32_t volumes;     /* in the index */
    uint32_t count;       /* articles of the set */
    uint32_t aliases;     /* the index's alias count */
    uint8_t *keys;        /* two key buffers of key_cap bytes */
    size_t key_cap;
    uint8_t *vol_ws;
    size_t vol_ws_size;
    char id[TOME_SET_ID_DIGITS + 1];
};

typedef char tome_set_state_fits[sizeof(struct tome_set) + SET_ALIGN <= TOME_SET_STATE_BOUND ? 1
                                                                                             : -1];

/* A record of the index, parsed and checked. */
typedef struct set_record {
    uint64_t file_size;
    uint32_t file_checksum, header_checksum, first, count, aliases;
    size_t name_size;
    uint8_t bytes[TOME_SET_RECORD_MAX + 1];
} set_record;

/* Key `id` of r into buf (cap bytes), *n its size: TOME_ERR_BUFFER when
 * it does not fit.  (Sizes from the entry: the reader imports no strlen.) */
static int key_of(tome_reader *r, uint32_t id, uint8_t *buf, size_t cap, size_t *n)
{
    int err = tome__text(r, id, TOME_SOURCE_KEY, buf, cap, n);
    if (err == TOME_OK && *n > cap)
        return TOME_ERR_BUFFER;
    return err;
}

/* A metadata name and its size, for the calls below. */
#define META(name) name, sizeof(name) - 1u

static void source_config(tome_config *c, const tome_source *s, const tome_set_config *sc)
{
    memset(c, 0, sizeof *c);
    c->data = s->data;
    c->read = s->read;
    c->user = s->user;
    c->size = s->size;
    c->flags = sc->flags;
    c->max_article_size = sc->max_article_size;
    c->max_block_size = sc->max_block_size;
    c->max_key_size = sc->max_key_size;
}

static int add_size(size_t *total, size_t more)
{
    if (more > (size_t)-1 - *total)
        return TOME_ERR_WORKSPACE;
    *total += more;
    return TOME_OK;
}

/* The workspace's parts: the index's reader, the largest volume's, and
 * the key buffers (the longest key of any of them, plus one). */
typedef struct set_layout {
    size_t index_ws, volume_ws, key_cap, total;
} set_layout;

static int layout_of(const tome_set_config *sc, set_layout *l)
{
    tome_config c;
    tome_header h;
    uint32_t v, longest;
    int err;
    memset(l, 0, sizeof *l);
    source_config(&c, &sc->index, sc);
    /* the size first: it checks the source before any byte is read */
    if ((err = tome_workspace_size(&c, &l->index_ws)) != TOME_OK ||
        (err = tome__parse_header(&c, &h)) != TOME_OK)
        return err;
    longest = h.key_size_max;
    for (v = 0; v < sc->volume_count; v++) {
        size_t need;
        source_config(&c, &sc->volumes[v], sc);
        err = tome_workspace_size(&c, &need);
        if (err == TOME_OK)
            err = tome__parse_header(&c, &h);
        /* a failed read says nothing about the volume: the caller retries */
        if (err == TOME_ERR_READ)
            return err;
        if (err != TOME_OK)
            continue; /* opening it will fail and say why */
        if (need > l->volume_ws)
            l->volume_ws = need;
        if (h.key_size_max > longest)
            longest = h.key_size_max;
    }
    /* a 16-bit size_t may not hold two keys and their NULs */
    l->key_cap = (size_t)longest + 1u;
    if (l->key_cap == 0 || l->key_cap - 1u != longest ||
        l->key_cap > ((size_t)-1 - TOME_SET_STATE_BOUND) / 2u)
        return TOME_ERR_WORKSPACE;
    l->total = TOME_SET_STATE_BOUND;
    if ((err = add_size(&l->total, l->key_cap)) || (err = add_size(&l->total, l->key_cap)) ||
        (err = add_size(&l->total, l->index_ws)) || (err = add_size(&l->total, l->volume_ws)))
        return err;
    return TOME_OK;
}

static int check_set_config(const tome_set_config *sc)
{
    if (!sc || (sc->volume_count && !sc->volumes))
        return TOME_ERR_ARGUMENT;
    return TOME_OK;
}

int tome_set_workspace_size(const tome_set_config *config, size_t *size)
{
    set_layout l;
    int err;
    if (!size || (err = check_set_config(config)) != TOME_OK)
        return TOME_ERR_ARGUMENT;
    if ((err = layout_of(config, &l)) != TOME_OK)
        return err;
    *size = l.total;
    return TOME_OK;
}

/* Metadata `name` of `r` into buf (cap bytes); a missing name is
 * `missing`, a value too long for buf TOME_ERR_CORRUPT. */
static int meta_value(tome_reader *r, const char *name, size_t name_size, char *buf, size_t cap,
                      size_t *size, int missing)
{
    int err = tome_meta_get(r, name, name_size, buf, cap, size);
    if (err == TOME_ERR_NOT_FOUND)
        return missing;
    if (err == TOME_ERR_BUFFER)
        return TOME_ERR_CORRUPT;
    return err;
}

static int meta_u32(tome_reader *r, const char *name, size_t name_size, uint32_t *v, int missing)
{
    char buf[16];
    size_t n;
    int err = meta_value(r, name, name_size, buf, sizeof buf, &n, missing);
    if (err != TOME_OK)
        return err;
    return tome__set_decimal(buf, n, v) == 0 ? TOME_OK : TOME_ERR_CORRUPT;
}

/* tome.set: exactly 16 lowercase hex digits. */
static int meta_id(tome_reader *r, char *id, int missing)
{
    size_t n, i;
    int err = meta_value(r, META(TOME_SET_META_SET), id, TOME_SET_ID_DIGITS + 1, &n, missing);
    if (err != TOME_OK)
        return err;
    if (n != TOME_SET_ID_DIGITS)
        return TOME_ERR_CORRUPT;
    for (i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return TOME_ERR_CORRUPT;
    return TOME_OK;
}

/* Record `v` of the index: its body, parsed and checked alone. */
static int read_record(tome_set *s, uint32_t v, set_record *rec)
{
    size_t size, i;
    int err;
    if (v >= s->volumes)
        return TOME_ERR_RANGE;
    err = tome_fetch(s->index, v, rec->bytes, TOME_SET_RECORD_MAX, &size);
    if (err == TOME_ERR_BUFFER)
        return TOME_ERR_CORRUPT;
    if (err != TOME_OK)
        return err;
    if (size <= TOME_SET_RECORD_FIXED)
        return TOME_ERR_CORRUPT;
    rec->file_size = tome_get64(rec->bytes + SETR_FILE_SIZE);
    rec->file_checksum = tome_get32(rec->bytes + SETR_FILE_CHECKSUM);
    rec->header_checksum = tome_get32(rec->bytes + SETR_HEADER_CHECKSUM);
    rec->first = tome_get32(rec->bytes + SETR_FIRST_ID);
    rec->count = tome_get32(rec->bytes + SETR_ARTICLES);
    rec->aliases = tome_get32(rec->bytes + SETR_ALIASES);
    rec->name_size = size - TOME_SET_RECORD_FIXED;
    if (rec->count == 0 || rec->file_size < TOME_HEADER_SIZE + TOME_FOOTER_SIZE ||
        !tome__key_valid(rec->bytes + SETR_NAME, rec->name_size))
        return TOME_ERR_CORRUPT;
    for (i = 0; i < rec->name_size; i++)
        if (rec->bytes[SETR_NAME + i] == '/')
            return TOME_ERR_CORRUPT;
    rec->bytes[SETR_NAME + rec->name_size] = 0;
    return TOME_OK;
}

int tome_set_open(tome_set **set, const tome_set_config *config)
{
    set_layout l;
    tome_config c;
    tome_set *s;
    uint8_t *base;
    uint32_t volumes, articles, v, next = 0;
    int err;
    if (!set || check_set_config(config) != TOME_OK || !config->workspace)
        return TOME_ERR_ARGUMENT;
    *set = NULL;
    if ((err = layout_of(config, &l)) != TOME_OK)
        return err;
    if (config->workspace_size < l.total)
        return TOME_ERR_WORKSPACE;
    base = (uint8_t *)config->workspace;
    base += (SET_ALIGN - ((uintptr_t)base & (SET_ALIGN - 1u))) & (SET_ALIGN - 1u);
    s = (tome_set *)(void *)base;
    memset(s, 0, sizeof *s);
    s->cfg = *config;
    s->keys = (uint8_t *)config->workspace + TOME_SET_STATE_BOUND;
    s->key_cap = l.key_cap;
    s->current = NO_VOLUME;
    s->vol_ws = s->keys + 2u * l.key_cap + l.index_ws;
    s->vol_ws_size = config->workspace_size - TOME_SET_STATE_BOUND - 2u * l.key_cap - l.index_ws;
    source_config(&c, &config->index, config);
    c.workspace = s->keys + 2u * l.key_cap;
    c.workspace_size = l.index_ws;
    if ((err = tome_open(&s->index, &c)) != TOME_OK)
        return err;
    if ((err = meta_id(s->index, s->id, TOME_ERR_SET)) != TOME_OK ||
        (err = meta_u32(s->index, META(TOME_SET_META_VOLUMES), &volumes, TOME_ERR_SET)) != TOME_OK ||
        (err = meta_u32(s->index, META(TOME_SET_META_ARTICLES), &articles, TOME_ERR_SET)) != TOME_OK)
        return err;
    if (volumes != tome_count(s->index) || volumes == 0 || articles == 0xFFFFFFFFu)
        return TOME_ERR_CORRUPT;
    if (config->volume_count != 0 && config->volume_count != volumes)
        return TOME_ERR_ARGUMENT;
    s->volumes = volumes;
    {
        tome_archive_info info;
        tome_info(s->index, &info);
        s->aliases = info.alias_count;
    }
    /* the records: first IDs consecutive from 0, up to tome.articles */
    for (v = 0; v < volumes; v++) {
        set_record rec;
        if ((err = read_record(s, v, &rec)) != TOME_OK)
            return err;
        if (rec.first != next || rec.count > articles - next)
            return TOME_ERR_CORRUPT;
        next += rec.count;
    }
    if (next != articles)
        return TOME_ERR_CORRUPT;
    s->count = articles;
    *set = s;
    return TOME_OK;
}

uint32_t tome_set_count(const tome_set *s)
{
    return s ? s->count : 0;
}

uint32_t tome_set_volume_count(const tome_set *s)
{
    return s ? s->volumes : 0;
}

tome_reader *tome_set_index(tome_set *s)
{
    return s ? s->index : NULL;
}

int tome_set_volume_info(tome_set *s, uint32_t v, tome_set_volume *info)
{
    set_record rec;
    int err;
    if (!s || !info)
        return TOME_ERR_ARGUMENT;
    if ((err = read_record(s, v, &rec)) != TOME_OK)
        return err;
    info->file_size = rec.file_size;
    info->file_checksum = rec.file_checksum;
    info->header_checksum = rec.header_checksum;
    info->first_id = rec.first;
    info->article_count = rec.count;
    info->alias_count = rec.aliases;
    memcpy(info->name, rec.bytes + SETR_NAME, rec.name_size + 1u);
    return TOME_OK;
}

/* Bytes [offset, offset + 4) of a source, as a u32. */
static int source_u32(const tome_source *src, uint64_t offset, uint32_t *v)
{
    uint8_t b[4];
    if (offset > src->size || src->size - offset < 4)
        return TOME_ERR_TRUNCATED;
    if (src->data)
        memcpy(b, (const uint8_t *)src->data + (size_t)offset, 4);
    else if (src->read(src->user, offset, b, 4) != 0)
        return TOME_ERR_READ;
    *v = tome_get32(b);
    return TOME_OK;
}

/* Open volume v and check it against its record. */
static int open_volume(tome_set *s, uint32_t v)
{
    const tome_source *src;
    tome_config c;
    tome_archive_info info;
    set_record rec;
    char id[TOME_SET_ID_DIGITS + 1];
    uint32_t number, first, sum;
    int err;
    if (s->current == v && s->volume)
        return TOME_OK;
    if (v >= s->volumes || v >= s->cfg.volume_count)
        return TOME_ERR_RANGE;
    s->volume = NULL;
    s->current = NO_VOLUME;
    if ((err = read_record(s, v, &rec)) != TOME_OK)
        return err;
    src = &s->cfg.volumes[v];
    if ((!src->data && !src->read) || (src->data && src->read))
        return TOME_ERR_ARGUMENT;
    source_config(&c, src, &s->cfg);
    c.workspace = s->vol_ws;
    c.workspace_size = s->vol_ws_size;
    if ((err = tome_open(&s->volume, &c)) != TOME_OK) {
        s->volume = NULL;
        return err;
    }
    /* another set's volume first, then the recorded facts */
    err = meta_id(s->volume, id, TOME_ERR_SET);
    if (err == TOME_ERR_CORRUPT || (err == TOME_OK && memcmp(id, s->id, TOME_SET_ID_DIGITS) != 0))
        err = TOME_ERR_SET;
    if (err == TOME_OK) {
        tome_info(s->volume, &info);
        if (info.file_size != rec.file_size || info.article_count != rec.count ||
            info.alias_count != rec.aliases)
            err = TOME_ERR_VOLUME;
    }
    if (err == TOME_OK && (err = source_u32(src, HDR_CHECKSUM, &sum)) == TOME_OK &&
        sum != rec.header_checksum)
        err = TOME_ERR_VOLUME;
    if (err == TOME_OK && (err = source_u32(src, rec.file_size - 4u, &sum)) == TOME_OK &&
        sum != rec.file_checksum)
        err = TOME_ERR_VOLUME;
    if (err == TOME_OK) {
        err = meta_u32(s->volume, META(TOME_SET_META_VOLUME), &number, TOME_ERR_VOLUME);
        if (err == TOME_OK)
            err = meta_u32(s->volume, META(TOME_SET_META_FIRST_ID), &first, TOME_ERR_VOLUME);
        if (err == TOME_ERR_CORRUPT || (err == TOME_OK && (number != v || first != rec.first)))
            err = TOME_ERR_VOLUME;
    }
    if (err != TOME_OK) {
        s->volume = NULL;
        return err;
    }
    s->current = v;
    s->cur_first = rec.first;
    s->cur_count = rec.count;
    return TOME_OK;
}

int tome_set_volume_reader(tome_set *s, uint32_t v, tome_reader **reader)
{
    int err;
    if (!s || !reader)
        return TOME_ERR_ARGUMENT;
    if ((err = open_volume(s, v)) != TOME_OK)
        return err;
    *reader = s->volume;
    return TOME_OK;
}

/* Whether the IDs [first, first + count) hold id, written so that no sum
 * can wrap: first + count may pass 2^32 in a hostile record. */
static int span_holds(uint32_t first, uint32_t count, uint32_t id)
{
    return id >= first && id - first < count;
}

int tome_set_locate(tome_set *s, uint32_t id, uint32_t *volume, uint32_t *local)
{
    uint32_t lo = 0, hi;
    int err;
    if (!s || !volume || !local)
        return TOME_ERR_ARGUMENT;
    if (id >= s->count)
        return TOME_ERR_RANGE;
    if (s->current != NO_VOLUME && span_holds(s->cur_first, s->cur_count, id)) {
        *volume = s->current;
        *local = id - s->cur_first;
        return TOME_OK;
    }
    hi = s->volumes; /* the last volume whose first ID is <= id, in [lo, hi) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2u;
        set_record rec;
        if ((err = read_record(s, mid, &rec)) != TOME_OK)
            return err;
        if (rec.first <= id)
            lo = mid;
        else
            hi = mid;
    }
    {
        set_record rec;
        if ((err = read_record(s, lo, &rec)) != TOME_OK)
            return err;
        if (!span_holds(rec.first, rec.count, id))
            return TOME_ERR_CORRUPT; /* records checked at open: changed since */
        *volume = lo;
        *local = id - rec.first;
    }
    return TOME_OK;
}

/* The calls by global ID: open the volume holding `id` (a NULL set is
 * refused by tome_set_locate); *r its reader, *local the ID there. */
static int volume_of(tome_set *s, uint32_t id, tome_reader **r, uint32_t *local)
{
    uint32_t v;
    int err;
    if ((err = tome_set_locate(s, id, &v, local)) != TOME_OK || (err = open_volume(s, v)) != TOME_OK)
        return err;
    *r = s->volume;
    return TOME_OK;
}

int tome_set_fetch(tome_set *s, uint32_t id, void *dst, size_t cap, size_t *size)
{
    tome_reader *r;
    uint32_t local;
    int err = volume_of(s, id, &r, &local);
    return err != TOME_OK ? err : tome_fetch(r, local, dst, cap, size);
}

int tome_set_key(tome_set *s, uint32_t id, char *buf, size_t cap)
{
    tome_reader *r;
    uint32_t local;
    int err = volume_of(s, id, &r, &local);
    return err != TOME_OK ? err : tome_key(r, local, buf, cap);
}

int tome_set_title(tome_set *s, uint32_t id, char *buf, size_t cap)
{
    tome_reader *r;
    uint32_t local;
    int err = volume_of(s, id, &r, &local);
    return err != TOME_OK ? err : tome_title(r, local, buf, cap);
}

/* -1, 0, 1: the order of key a against key b (byte-wise, a prefix first). */
static int key_order(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return tome__key_compare(a, an, b, bn);
}

/* The last volume whose first key (its index key) is <= key: a binary
 * search over the index's keys.  TOME_ERR_NOT_FOUND when key precedes
 * them all. */
static int floor_volume(tome_set *s, const char *key, size_t key_size, uint32_t *v)
{
    uint32_t lo = 0, hi = s->volumes; /* answer in [lo - 1, hi) */
    int err;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2u;
        size_t n;
        if ((err = key_of(s->index, mid, s->keys, s->key_cap, &n)) != TOME_OK)
            return err == TOME_ERR_BUFFER ? TOME_ERR_CORRUPT : err;
        if (key_order(s->keys, n, (const uint8_t *)key, key_size) <= 0)
            lo = mid + 1u;
        else
            hi = mid;
    }
    if (lo == 0)
        return TOME_ERR_NOT_FOUND;
    *v = lo - 1u;
    return TOME_OK;
}

int tome_set_find(tome_set *s, const char *key, size_t key_size, uint32_t *id)
{
    uint32_t v, local;
    int err;
    if (!s || !id || (!key && key_size))
        return TOME_ERR_ARGUMENT;
    /* an alias, or a volume's first key, names its volume exactly */
    err = tome_find(s->index, key, key_size, &v);
    if (err == TOME_ERR_NOT_FOUND)
        err = floor_volume(s, key, key_size, &v);
    if (err != TOME_OK)
        return err;
    if ((err = open_volume(s, v)) != TOME_OK ||
        (err = tome_find(s->volume, key, key_size, &local)) != TOME_OK)
        return err;
    *id = s->cur_first + local;
    return TOME_OK;
}

int tome_set_next(tome_set *s, uint32_t *cursor, uint32_t *id)
{
    tome_reader *r;
    uint32_t local, local_id;
    int err;
    if (!s || !cursor || !id)
        return TOME_ERR_ARGUMENT;
    if (*cursor >= s->count)
        return TOME_DONE;
    if ((err = volume_of(s, *cursor, &r, &local)) != TOME_OK)
        return err;
    if ((err = tome_next(r, &local, &local_id)) != TOME_OK)
        return err == TOME_DONE ? TOME_ERR_CORRUPT : err;
    *id = s->cur_first + local_id;
    *cursor = s->cur_first + local;
    return TOME_OK;
}

int tome_set_search_start(tome_set *s, tome_set_search *search, const char *query,
                          size_t query_size, uint32_t flags)
{
    int err;
    if (!s || !search || (!query && query_size))
        return TOME_ERR_ARGUMENT;
    if (query_size > TOME_QUERY_MAX)
        return TOME_ERR_ARGUMENT;
    search->volume = 0;
    search->started = 0;
    search->flags = flags;
    search->query_size = (uint32_t)query_size;
    if (query_size)
        memcpy(search->query, query, query_size);
    if ((err = open_volume(s, 0)) != TOME_OK ||
        (err = tome_search_start(s->volume, &search->inner, query, query_size, flags)) != TOME_OK)
        return err;
    search->started = 1;
    return TOME_OK;
}

int tome_set_search_next(tome_set *s, tome_set_search *search, tome_match *match)
{
    int err;
    if (!s || !search || !match || search->query_size > TOME_QUERY_MAX)
        return TOME_ERR_ARGUMENT;
    while (search->volume < s->volumes) {
        if ((err = open_volume(s, search->volume)) != TOME_OK)
            return err;
        if (!search->started) {
            if ((err = tome_search_start(s->volume, &search->inner, (const char *)search->query,
                                         (size_t)search->query_size, search->flags)) != TOME_OK)
                return err;
            search->started = 1;
        }
        err = tome_search_next(s->volume, &search->inner, match);
        if (err == TOME_OK) {
            match->id += s->cur_first; /* local < cur_count: checked at open */
            return TOME_OK;
        }
        if (err != TOME_DONE)
            return err;
        search->volume++;
        search->started = 0;
    }
    return TOME_DONE;
}

/* ---- verification ---- */

typedef struct set_verify {
    tome_set *s;
    tome_set_damage_fn fn;
    void *user;
    uint32_t volume, first;
} set_verify;

static void relay_damage(void *user, tome_part part, uint32_t index, int error)
{
    set_verify *sv = user;
    if (part == TOME_PART_ARTICLE && sv->volume != TOME_NO_INDEX)
        index += sv->first;
    if (sv->fn)
        sv->fn(sv->user, sv->volume, part, index, error);
}

static void report(set_verify *sv, uint32_t volume, tome_part part, uint32_t index, int error)
{
    if (sv->fn)
        sv->fn(sv->user, volume, part, index, error);
}

/* Key `id` of reader r into key buffer `which`; *n its size. */
static int key_into(tome_set *s, tome_reader *r, uint32_t id, unsigned which, size_t *n)
{
    int err = key_of(r, id, s->keys + (size_t)which * s->key_cap, s->key_cap, n);
    if (err == TOME_ERR_BUFFER)
        return TOME_ERR_VOLUME; /* longer than any key seen at open */
    return err;
}

/* The volume's keys within its range: its first key is its index key, its
 * last key is below the next volume's index key. */
static int check_range(tome_set *s, uint32_t v)
{
    const uint8_t *a = s->keys, *b = s->keys + s->key_cap;
    size_t an, bn;
    int err;
    if ((err = key_into(s, s->index, v, 0, &an)) != TOME_OK ||
        (err = key_into(s, s->volume, 0, 1, &bn)) != TOME_OK)
        return err;
    if (key_order(a, an, b, bn) != 0)
        return TOME_ERR_VOLUME;
    if (v + 1u < s->volumes) {
        if ((err = key_into(s, s->index, v + 1u, 0, &an)) != TOME_OK ||
            (err = key_into(s, s->volume, s->cur_count - 1u, 1, &bn)) != TOME_OK)
            return err;
        if (key_order(b, bn, a, an) >= 0)
            return TOME_ERR_VOLUME;
    }
    return TOME_OK;
}

/* The index's aliases of volume v are aliases in the volume (and as many
 * as its record says, which is the volume's alias count): so each alias
 * finds the volume holding its article. */
static int check_aliases(tome_set *s, uint32_t v, uint32_t recorded)
{
    tome_article art;
    tome_entry e;
    uint32_t n, ordinal;
    size_t size;
    int err;
    if ((err = tome_stat(s->index, v, &art)) != TOME_OK)
        return err;
    if (art.alias_count != recorded)
        return TOME_ERR_VOLUME;
    for (n = 0; n < art.alias_count; n++) {
        if ((err = tome__text(s->index, v, TOME_SOURCE_ALIAS + n, s->keys, s->key_cap, &size)) !=
            TOME_OK)
            return err;
        if (size > s->key_cap)
            return TOME_ERR_VOLUME;
        err = tome__find_in(s->volume, TOME_KIND_ALIAS, s->keys, size, &e, &ordinal);
        if (err == TOME_ERR_NOT_FOUND)
            return TOME_ERR_VOLUME;
        if (err != TOME_OK)
            return err;
    }
    return TOME_OK;
}

int tome_set_verify(tome_set *s, tome_set_damage_fn on_damage, void *user,
                    tome_set_verify_report *out)
{
    tome_set_verify_report rep;
    tome_verify_report vr;
    set_verify sv;
    uint32_t v, alias_sum = 0;
    int err, damaged = 0;
    if (!s)
        return TOME_ERR_ARGUMENT;
    memset(&rep, 0, sizeof rep);
    sv.s = s;
    sv.fn = on_damage;
    sv.user = user;
    sv.volume = TOME_NO_INDEX;
    sv.first = 0;
    s->volume = NULL;
    s->current = NO_VOLUME;
    err = tome_verify(s->index, relay_damage, &sv, &vr);
    if (err == TOME_ERR_READ)
        return err;
    if (err != TOME_OK) {
        rep.index_damaged = 1;
        damaged = 1;
    }
    for (v = 0; v < s->volumes; v++) {
        set_record rec;
        if ((err = read_record(s, v, &rec)) == TOME_ERR_READ)
            return err;
        if (err != TOME_OK) {
            report(&sv, TOME_NO_INDEX, TOME_PART_ARTICLE, v, err);
            rep.index_damaged = 1;
            damaged = 1;
            continue;
        }
        alias_sum += rec.aliases;
        err = v < s->cfg.volume_count ? open_volume(s, v) : TOME_ERR_RANGE;
        /* a failed read is not damage: the whole verify is retried */
        if (err == TOME_ERR_READ)
            return err;
        if (err != TOME_OK) {
            report(&sv, v, TOME_PART_FILE, TOME_NO_INDEX, err);
            rep.damaged_volumes++;
            rep.damaged_articles += rec.count;
            damaged = 1;
            continue;
        }
        sv.volume = v;
        sv.first = rec.first;
        err = tome_verify(s->volume, relay_damage, &sv, &vr);
        sv.volume = TOME_NO_INDEX;
        if (err == TOME_ERR_READ)
            return err;
        rep.checked_articles += vr.checked_articles;
        rep.damaged_articles += vr.damaged_articles;
        if (err == TOME_OK) {
            tome_part part = TOME_PART_NAMES;
            if ((err = check_range(s, v)) == TOME_OK) {
                part = TOME_PART_ALIASES;
                err = check_aliases(s, v, rec.aliases);
            }
            if (err == TOME_ERR_READ)
                return err;
            if (err != TOME_OK)
                report(&sv, v, part, TOME_NO_INDEX, err);
        }
        if (err != TOME_OK) {
            rep.damaged_volumes++;
            damaged = 1;
        }
        s->volume = NULL; /* verify moved its state: reopen on next use */
        s->current = NO_VOLUME;
    }
    if (!rep.index_damaged && alias_sum != s->aliases) {
        report(&sv, TOME_NO_INDEX, TOME_PART_BINDINGS, TOME_NO_INDEX, TOME_ERR_CORRUPT);
        rep.index_damaged = 1;
        damaged = 1;
    }
    if (out)
        *out = rep;
    return damaged ? TOME_ERR_DAMAGED : TOME_OK;
}
