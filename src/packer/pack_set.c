/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_set.c - a volume set (docs/FORMAT.md, "Volume sets"): the corpus
 * planned once (IDs, aliases, the shared dictionary), then cut into key
 * ranges, each packed by a packer of its own into a complete archive, and
 * a set index describing them.
 *
 * Ranges are chosen front to back: a volume's articles are as many as the
 * size estimate says fit (bytes per input byte, learned from the volumes
 * packed so far); a volume over the size is packed again with fewer
 * articles, one well under it (with articles left) again with more, at
 * most MAX_GROWS times.  Everything depends only on the input and the
 * options, so the set is deterministic like an archive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "pack_set.h"

#define MIN_VOLUME_SIZE 4096u
/* Room kept for the header, footer, block table and metadata frame. */
#define VOLUME_OVERHEAD 512u
/* Aim at this share of a volume (in 1/100): the estimate is rough. */
#define FILL_TARGET 92u
/* A volume under this share of the size, with articles left, is packed
 * again with more articles. */
#define FILL_LOW 75u
#define MAX_GROWS 2
/* Bytes out per byte in, in 1/RATIO_ONE: integers only, so every machine
 * cuts the same ranges (no floating point in what decides the bytes).
 * FIRST_RATIO is assumed before any volume is packed; MIN_RATIO bounds
 * what is learned. */
#define RATIO_ONE 65536u
#define FIRST_RATIO (RATIO_ONE * 35u / 100u)
#define MIN_RATIO (RATIO_ONE / 100u)
#define MAX_RATIO (RATIO_ONE * 64u)
/* Dictionary capacity: at most 1/DICT_SHARE of a volume (measured on the
 * mails in 1 MiB volumes: 1/8 8,104,082 bytes of volumes, 1/16 7,673,356,
 * 1/32 7,685,615, none 8,107,004; the single archive 6,751,064), none below
 * MIN_DICT (zstd's trainer needs some room). */
#define DICT_SHARE 16u
#define MIN_DICT 1024u

typedef struct set_volume {
    uint32_t first, count, aliases;
    uint64_t size;
    uint32_t file_checksum, header_checksum;
    size_t workspace;
    char *final_path, *temp_path;
} set_volume;

typedef struct set_job {
    tome_packer *p;
    plan *pl;
    const char *path;
    uint64_t volume_size;
    uint8_t *dict;
    size_t dict_size;
    char set_id[TOME_SET_ID_DIGITS + 1];
    set_volume *vols;
    size_t vol_count, vol_cap;
    char *index_temp;
    uint64_t ratio; /* in 1/RATIO_ONE */
} set_job;

uint64_t tome__set_article_cost(const tome_packer *p, const plan *pl, uint32_t id)
{
    const pack_article *a = &p->articles[pl->ids[id]];
    uint64_t cost = (uint64_t)a->key_size + a->title_size + 8 + p->bodies[a->body].size;
    uint32_t k;
    for (k = pl->alias_start[id]; k < pl->alias_start[id + 1]; k++)
        cost += p->aliases[pl->alias_order[pl->alias_ordinals[k]]].alias_size + 4;
    return cost;
}

/* Room for articles in a volume, bytes after compression. */
static uint64_t volume_room(const set_job *j, unsigned percent)
{
    uint64_t share = j->volume_size / 100u * percent, fixed = j->dict_size + VOLUME_OVERHEAD;
    return share > fixed ? share - fixed : 0;
}

/* As many articles from `first` as the estimate says fit (at least 1). */
static uint32_t estimate_count(const set_job *j, uint32_t first)
{
    uint64_t room = volume_room(j, FILL_TARGET), used = 0;
    uint32_t n = 0, total = (uint32_t)j->p->article_count;
    while (first + n < total) {
        uint64_t c = tome__set_article_cost(j->p, j->pl, first + n) * j->ratio / RATIO_ONE;
        if (n > 0 && used + c > room)
            break;
        used += c;
        n++;
    }
    return n;
}

static uint64_t range_cost(const set_job *j, uint32_t first, uint32_t n)
{
    uint64_t c = 0;
    uint32_t i;
    for (i = 0; i < n; i++)
        c += tome__set_article_cost(j->p, j->pl, first + i);
    return c;
}

void tome__set_identity(const tome_packer *p, const plan *pl, const char *domain, uint64_t shape,
                        const uint8_t *dict, size_t dict_size, char id[TOME_SET_ID_DIGITS + 1])
{
    const tome_pack_options *o = &p->opt;
    uint64_t h, opts[8], meta_sum = 0;
    size_t i;
    opts[0] = shape;
    opts[1] = o->block_size;
    opts[2] = (uint64_t)o->level;
    opts[3] = (uint64_t)o->dict;
    opts[4] = o->dict_size;
    opts[5] = (uint64_t)o->cluster;
    opts[6] = (uint64_t)o->ram_budget;
    opts[7] = p->article_count;
    h = tome__pack_hash64(domain, strlen(domain), 0);
    for (i = 0; i < 8; i++) {
        uint8_t b[8];
        tome_put64(b, opts[i]);
        h = tome__pack_hash64(b, 8, h);
    }
    h = tome__pack_hash64(dict ? dict : (const uint8_t *)"", dict_size, h);
    for (i = 0; i < p->article_count; i++) {
        const pack_article *a = &p->articles[pl->ids[i]];
        const pack_body *b = &p->bodies[a->body];
        uint8_t n[21];
        h = tome__pack_hash64(a->key, a->key_size + 1, h); /* with its NUL: a separator */
        n[0] = a->title != NULL;
        tome_put64(n + 1, b->hash);
        tome_put32(n + 9, b->size);
        tome_put64(n + 13, a->title_size);
        h = tome__pack_hash64(n, sizeof n, h);
        if (a->title)
            h = tome__pack_hash64(a->title, a->title_size, h);
    }
    for (i = 0; i < p->alias_count; i++) {
        const pack_alias *a = &p->aliases[pl->alias_order[i]];
        uint8_t n[4];
        tome_put32(n, pl->alias_id[i]);
        h = tome__pack_hash64(a->alias, a->alias_size + 1, h);
        h = tome__pack_hash64(n, 4, h);
    }
    /* metadata in any order: a sum of the pairs' hashes */
    for (i = 0; i < p->meta_count; i++)
        meta_sum += tome__pack_hash64(p->metas[i].value, p->metas[i].value_size,
                                      tome__pack_hash64(p->metas[i].name,
                                                        p->metas[i].name_size + 1, 0));
    {
        uint8_t b[8];
        tome_put64(b, meta_sum);
        h = tome__pack_hash64(b, 8, h);
    }
    snprintf(id, TOME_SET_ID_DIGITS + 1, "%016llx", (unsigned long long)h);
}

int tome__set_copy_metas(const tome_packer *from, tome_packer *to)
{
    size_t i;
    int err = TOME_PACK_OK;
    for (i = 0; i < from->meta_count && !err; i++)
        err = tome__pack_meta_add(to, from->metas[i].name, from->metas[i].value);
    return err;
}

/* Pass a volume's or the index's failure on, with its message. */
static int relay(tome_packer *p, tome_packer *q, int err, const char *what)
{
    if (!q)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    return tome__pack_fail(p, err, "%s: %s", what, tome_packer_message(q));
}

/* One article of the corpus into a volume's packer, its body streamed. */
static int copy_article(tome_packer *p, const plan *pl, tome_packer *vp, uint32_t id, uint8_t *buf,
                        size_t cap)
{
    const pack_article *a = &p->articles[pl->ids[id]];
    uint32_t size = p->bodies[a->body].size, index = 0;
    uint64_t at = 0;
    int err;
    if ((err = tome__pack_check_article(vp, a->key, a->key_size, a->title, a->title_size,
                                        a->source)) ||
        (err = tome__body_begin(vp)))
        return err;
    while (at < size) {
        size_t piece = size - at < cap ? (size_t)(size - at) : cap;
        if ((err = tome__body_read(p, a->body, at, buf, piece)))
            return err;
        if ((err = tome__body_append(vp, buf, piece)))
            return err;
        at += piece;
    }
    if ((err = tome__body_finish(vp, &index)))
        return err;
    return tome__pack_add_article(vp, a->key, a->key_size, a->title, a->title_size, index,
                                  a->source);
}

/* A u32 of a written file. */
static int read_u32(tome_packer *p, const char *path, uint64_t at, uint32_t *v)
{
    uint8_t b[4];
    FILE *f = fopen(path, "rb");
    int ok = f && fseeko(f, (off_t)at, SEEK_SET) == 0 && fread(b, 1, 4, f) == 4;
    if (f)
        fclose(f);
    if (!ok)
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "reading back %s: %s", path, strerror(errno));
    *v = tome_get32(b);
    return TOME_PACK_OK;
}

int tome__set_read_checksums(tome_packer *p, const char *path, uint64_t size,
                             uint32_t *header_checksum, uint32_t *file_checksum)
{
    int err;
    if ((err = read_u32(p, path, HDR_CHECKSUM, header_checksum)))
        return err;
    return read_u32(p, path, size - 4, file_checksum);
}

/* Pack volume `v` = articles [first, first + n) to its temporary path. */
static int pack_volume(set_job *j, uint32_t v, uint32_t first, uint32_t n, tome_pack_stats *st)
{
    tome_packer *p = j->p, *vp;
    const plan *pl = j->pl;
    set_volume *vol = &j->vols[v];
    tome_pack_options o = p->opt;
    char value[32], what[64];
    uint8_t *buf;
    const size_t cap = 1u << 20;
    uint32_t i, k;
    int err = TOME_PACK_OK, q;
    o.ram_budget = 0; /* the corpus's fit already chose block size and dictionary */
    /* the corpus's body store keeps its share: a volume gets half the
     * budget (only where bytes wait changes, never the volume) */
    o.memory = tome__memory_budget(p) / 2;
    vp = tome_packer_new(&o);
    buf = malloc(cap);
    snprintf(what, sizeof what, "volume %u", (unsigned)v);
    if (!vp || !buf) {
        free(buf);
        tome_packer_free(vp);
        return relay(p, NULL, TOME_PACK_ERR_MEMORY, what);
    }
    if ((q = tome_pack_use_dictionary(vp, j->dict, j->dict_size)))
        err = q;
    for (i = 0; i < n && !err; i++) {
        uint32_t id = first + i;
        if ((q = copy_article(p, pl, vp, id, buf, cap)))
            err = q;
        for (k = pl->alias_start[id]; k < pl->alias_start[id + 1] && !err; k++) {
            const pack_alias *a = &p->aliases[pl->alias_order[pl->alias_ordinals[k]]];
            const pack_article *t = &p->articles[pl->ids[id]];
            err = tome_pack_add_alias(vp, a->alias, a->alias_size, t->key, t->key_size, a->source);
        }
    }
    free(buf);
    if (!err)
        err = tome__set_copy_metas(p, vp);
    if (!err)
        err = tome__pack_meta_add(vp, TOME_SET_META_SET, j->set_id);
    snprintf(value, sizeof value, "%u", (unsigned)v);
    if (!err)
        err = tome__pack_meta_add(vp, TOME_SET_META_VOLUME, value);
    snprintf(value, sizeof value, "%u", (unsigned)first);
    if (!err)
        err = tome__pack_meta_add(vp, TOME_SET_META_FIRST_ID, value);
    if (!err)
        err = tome_pack_write(vp, vol->temp_path, st);
    if (err) {
        err = relay(p, vp, err, vol->final_path);
        tome_packer_free(vp);
        return err;
    }
    tome_packer_free(vp);
    vol->first = first;
    vol->count = n;
    vol->aliases = st->aliases;
    vol->size = st->archive_bytes;
    vol->workspace = st->workspace_memory;
    return tome__set_read_checksums(p, vol->temp_path, vol->size, &vol->header_checksum,
                                    &vol->file_checksum);
}

size_t tome_pack_volume_name(const char *set_path, uint32_t volume, char *buf, size_t cap)
{
    const char *base = strrchr(set_path, '/');
    size_t len = strlen(set_path), cut = len;
    int n;
    base = base ? base + 1 : set_path;
    /* NAME.tome gives NAME.000.tome; a file named just ".tome" keeps it */
    if (strlen(base) > 5 && strcmp(set_path + len - 5, ".tome") == 0)
        cut = len - 5;
    n = snprintf(buf, cap, "%.*s.%03u.tome", (int)cut, set_path, (unsigned)volume);
    return n < 0 ? 0 : (size_t)n;
}

int tome__set_volume_path(tome_packer *p, const char *set_path, uint32_t v, char **path)
{
    size_t size = tome_pack_volume_name(set_path, v, NULL, 0) + 1;
    const char *base;
    if (!(*path = malloc(size)))
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    tome_pack_volume_name(set_path, v, *path, size);
    base = strrchr(*path, '/');
    base = base ? base + 1 : *path;
    if (strlen(base) > TOME_SET_NAME_MAX)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "volume name %s is longer than %u bytes",
                               base, TOME_SET_NAME_MAX);
    return TOME_PACK_OK;
}

/* Volume v's final and temporary paths. */
static int name_volume(set_job *j, set_volume *vol, uint32_t v)
{
    size_t size;
    int err;
    if ((err = tome__set_volume_path(j->p, j->path, v, &vol->final_path)))
        return err;
    size = strlen(vol->final_path) + 32;
    if (!(vol->temp_path = malloc(size)))
        return tome__pack_fail(j->p, TOME_PACK_ERR_MEMORY, "out of memory");
    snprintf(vol->temp_path, size, "%s.tmp-set-%ld", vol->final_path, (long)getpid());
    return TOME_PACK_OK;
}

/* Every volume, front to back. */
static int pack_volumes(set_job *j, tome_pack_set_stats *ss)
{
    uint32_t total = (uint32_t)j->p->article_count, first = 0;
    int err;
    while (first < total) {
        uint32_t v = (uint32_t)j->vol_count, n, lowest_over = 0;
        int grows = 0;
        tome_pack_stats st;
        if ((err = tome__pack_grow(j->p, (void **)&j->vols, &j->vol_cap, j->vol_count + 1,
                                   sizeof *j->vols)))
            return err;
        memset(&j->vols[v], 0, sizeof j->vols[v]);
        j->vol_count++;
        if ((err = name_volume(j, &j->vols[v], v)))
            return err;
        n = estimate_count(j, first);
        for (;;) {
            uint64_t cost = range_cost(j, first, n);
            uint64_t fixed = j->dict_size + VOLUME_OVERHEAD;
            if ((err = pack_volume(j, v, first, n, &st)))
                return err;
            if (st.archive_bytes > fixed && cost > 0) {
                j->ratio = (st.archive_bytes - fixed) * RATIO_ONE / cost;
                if (j->ratio < MIN_RATIO)
                    j->ratio = MIN_RATIO;
                if (j->ratio > MAX_RATIO) /* tiny articles: the index is most of it */
                    j->ratio = MAX_RATIO;
            }
            if (st.archive_bytes > j->volume_size) {
                uint32_t fewer;
                if (n == 1)
                    return tome__pack_fail(j->p, TOME_PACK_ERR_LIMIT,
                                           "article \"%.200s\" alone makes a volume of %llu bytes, "
                                           "over the volume size of %llu",
                                           j->p->articles[j->pl->ids[first]].key,
                                           (unsigned long long)st.archive_bytes,
                                           (unsigned long long)j->volume_size);
                lowest_over = n;
                fewer = estimate_count(j, first);
                n = fewer < n ? fewer : n - 1;
                if (n > n / 2 + 1 && st.archive_bytes / 3u > j->volume_size / 2u)
                    n = n / 2 + 1; /* far over: at least halve */
                ss->repacks++;
                continue;
            }
            if (first + n < total && grows < MAX_GROWS &&
                st.archive_bytes < j->volume_size / 100u * FILL_LOW) {
                uint32_t more = estimate_count(j, first);
                if (lowest_over && more >= lowest_over)
                    more = lowest_over - 1;
                if (more > n) {
                    n = more;
                    grows++;
                    ss->repacks++;
                    continue;
                }
            }
            break;
        }
        first += n;
    }
    return TOME_PACK_OK;
}

/* The first volume holding ID `id`. */
static uint32_t volume_of(const set_job *j, uint32_t id)
{
    size_t lo = 0, hi = j->vol_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->vols[mid].first <= id)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

int tome__set_write_index(tome_packer *p, const tome_pack_options *options, const char *temp_path,
                          const char *set_path, const set_record *records, size_t count,
                          const set_alias *aliases, size_t alias_count, const char *set_id,
                          uint32_t articles, tome_pack_stats *st)
{
    tome_packer *ip;
    tome_pack_options o = *options;
    uint8_t rec[TOME_SET_RECORD_MAX];
    char value[32];
    size_t v, a;
    int err = TOME_PACK_OK;
    o.dict = TOME_DICT_OFF;
    o.cluster = 0;
    o.ram_budget = 0;
    o.progress = NULL;
    if (!(ip = tome_packer_new(&o)))
        return relay(p, NULL, TOME_PACK_ERR_MEMORY, set_path);
    for (v = 0; v < count && !err; v++) {
        const set_record *r = &records[v];
        const char *base = strrchr(r->path, '/');
        size_t name_size;
        base = base ? base + 1 : r->path;
        name_size = strlen(base);
        tome_put64(rec + SETR_FILE_SIZE, r->size);
        tome_put32(rec + SETR_FILE_CHECKSUM, r->file_checksum);
        tome_put32(rec + SETR_HEADER_CHECKSUM, r->header_checksum);
        tome_put32(rec + SETR_FIRST_ID, r->first);
        tome_put32(rec + SETR_ARTICLES, r->count);
        tome_put32(rec + SETR_ALIASES, r->aliases);
        memcpy(rec + SETR_NAME, base, name_size);
        err = tome_pack_add(ip, r->first_key, r->first_key_size, NULL, 0, rec,
                            TOME_SET_RECORD_FIXED + name_size, r->path);
    }
    for (a = 0; a < alias_count && !err; a++) {
        const set_record *r = &records[aliases[a].volume];
        err = tome_pack_add_alias(ip, aliases[a].alias, aliases[a].alias_size, r->first_key,
                                  r->first_key_size, r->path);
    }
    if (!err)
        err = tome__set_copy_metas(p, ip);
    if (!err)
        err = tome__pack_meta_add(ip, TOME_SET_META_SET, set_id);
    snprintf(value, sizeof value, "%u", (unsigned)count);
    if (!err)
        err = tome__pack_meta_add(ip, TOME_SET_META_VOLUMES, value);
    snprintf(value, sizeof value, "%u", (unsigned)articles);
    if (!err)
        err = tome__pack_meta_add(ip, TOME_SET_META_ARTICLES, value);
    if (!err)
        err = tome_pack_write(ip, temp_path, st);
    if (err)
        err = relay(p, ip, err, set_path);
    tome_packer_free(ip);
    return err;
}

/* The set index of this pack: its volumes, and every alias pointing at
 * the volume of its article. */
static int pack_index(set_job *j, tome_pack_stats *st)
{
    tome_packer *p = j->p;
    set_record *records = calloc(j->vol_count, sizeof *records);
    set_alias *aliases = malloc((p->alias_count ? p->alias_count : 1) * sizeof *aliases);
    size_t v, a;
    int err;
    if (!records || !aliases) {
        free(records);
        free(aliases);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (v = 0; v < j->vol_count; v++) {
        const set_volume *vol = &j->vols[v];
        const pack_article *first = &p->articles[j->pl->ids[vol->first]];
        set_record *r = &records[v];
        r->first_key = first->key;
        r->first_key_size = first->key_size;
        r->path = vol->final_path;
        r->size = vol->size;
        r->file_checksum = vol->file_checksum;
        r->header_checksum = vol->header_checksum;
        r->first = vol->first;
        r->count = vol->count;
        r->aliases = vol->aliases;
    }
    for (a = 0; a < p->alias_count; a++) {
        const pack_alias *al = &p->aliases[j->pl->alias_order[a]];
        aliases[a].alias = al->alias;
        aliases[a].alias_size = al->alias_size;
        aliases[a].volume = volume_of(j, j->pl->alias_id[a]);
    }
    err = tome__set_write_index(p, &p->opt, j->index_temp, j->path, records, j->vol_count, aliases,
                                p->alias_count, j->set_id, (uint32_t)p->article_count, st);
    free(records);
    free(aliases);
    return err;
}

/* Every volume and the index into place; or, after a failure, every
 * temporary file removed. */
static int finish(set_job *j, int err)
{
    size_t v;
    for (v = 0; v < j->vol_count && !err; v++)
        if (rename(j->vols[v].temp_path, j->vols[v].final_path) != 0)
            err = tome__pack_fail(j->p, TOME_PACK_ERR_IO, "cannot rename %s to %s: %s",
                                  j->vols[v].temp_path, j->vols[v].final_path, strerror(errno));
    if (!err && rename(j->index_temp, j->path) != 0)
        err = tome__pack_fail(j->p, TOME_PACK_ERR_IO, "cannot rename %s to %s: %s", j->index_temp,
                              j->path, strerror(errno));
    if (err) {
        for (v = 0; v < j->vol_count; v++)
            if (j->vols[v].temp_path)
                unlink(j->vols[v].temp_path);
        if (j->index_temp)
            unlink(j->index_temp);
    }
    return err;
}

int tome_pack_write_set(tome_packer *p, const char *path, uint64_t volume_size,
                        tome_pack_set_stats *stats)
{
    set_job j;
    plan pl;
    tome_pack_set_stats ss;
    tome_pack_stats ist;
    size_t v, largest_ws = 0;
    int err;
    if (!p || !path)
        return TOME_PACK_ERR_ARGUMENT;
    if (volume_size < MIN_VOLUME_SIZE)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "volume size %llu is below %u bytes",
                               (unsigned long long)volume_size, MIN_VOLUME_SIZE);
    /* a dictionary is at most a sixteenth of a volume */
    if (p->opt.dict_size > volume_size / DICT_SHARE)
        p->opt.dict_size = (uint32_t)(volume_size / DICT_SHARE);
    if (p->opt.dict_size < MIN_DICT)
        p->opt.dict = TOME_DICT_OFF;
    if ((err = tome__pack_prepare(p)))
        return err;
    memset(&j, 0, sizeof j);
    memset(&ss, 0, sizeof ss);
    j.p = p;
    j.pl = &pl;
    j.path = path;
    j.volume_size = volume_size;
    j.ratio = FIRST_RATIO;
    if (!(err = tome__plan_corpus(p, &pl))) {
        j.dict = pl.dict;
        j.dict_size = pl.dict_size;
        tome__set_identity(p, &pl, "tome volume set 1", volume_size, j.dict, j.dict_size,
                           j.set_id);
        j.index_temp = malloc(strlen(path) + 32);
        if (!j.index_temp)
            err = tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        else
            snprintf(j.index_temp, strlen(path) + 32, "%s.tmp-set-%ld", path, (long)getpid());
    }
    if (!err)
        err = pack_volumes(&j, &ss);
    memset(&ist, 0, sizeof ist);
    if (!err)
        err = pack_index(&j, &ist);
    err = finish(&j, err);
    if (!err) {
        ss.volumes = (uint32_t)j.vol_count;
        ss.articles = (uint32_t)p->article_count;
        ss.aliases = (uint32_t)p->alias_count;
        ss.raw_bytes = pl.raw_size;
        ss.dict_size = (uint32_t)j.dict_size;
        ss.index_bytes = ist.archive_bytes;
        for (v = 0; v < j.vol_count; v++) {
            ss.volume_bytes += j.vols[v].size;
            if (j.vols[v].size > ss.largest_volume)
                ss.largest_volume = j.vols[v].size;
            if (j.vols[v].workspace > largest_ws)
                largest_ws = j.vols[v].workspace;
        }
        ss.workspace_memory = TOME_SET_STATE_BOUND + ist.workspace_memory + largest_ws;
        if (stats)
            *stats = ss;
    }
    for (v = 0; v < j.vol_count; v++) {
        free(j.vols[v].final_path);
        free(j.vols[v].temp_path);
    }
    free(j.vols);
    free(j.index_temp);
    tome__plan_free(&pl);
    return err;
}
