/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_shard.c - distributed packing (docs/DISTRIBUTED.md): a plan made
 * once from the whole corpus, a volume per shard packed by any worker with
 * only the plan and the input, and the set index joined from the volumes'
 * own indexes.
 *
 * The plan is itself a tome archive, so it is checked like one: its
 * article "dictionary" holds the shared dictionary, article "shard.NNNNNN"
 * shard N's record (first global ID, articles, aliases, then its first
 * key), and its metadata the options that shape the bytes, the set's
 * identity and the corpus's own pairs.  A shard is a key range: from its
 * first key to the next shard's.  Every volume depends only on the plan and
 * the input, so one process packing every shard in turn and many workers
 * packing one each write the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "format.h"
#include "pack_set.h"
#include "tome.h"

#define PLAN_VERSION "1"
#define PLAN_META_VERSION "tome.plan"
#define PLAN_META_SHARDS "tome.shards"
#define PLAN_META_ALIASES "tome.aliases"
#define PLAN_META_BLOCK_SIZE "tome.block_size"
#define PLAN_META_LEVEL "tome.level"
#define PLAN_META_CLUSTER "tome.cluster"
#define PLAN_DICTIONARY_KEY "dictionary"
/* Shard records: first_id, count, aliases (u32 each), the content digest
 * (u64), then the first key. */
#define PLAN_SHARD_FIXED 20u
/* A plan is small (a dictionary and a record per shard); anything bigger
 * is not one. */
#define PLAN_SIZE_LIMIT (1u << 30)
#define META_VALUE_CAP 65536u
/* As `tome pack -b` allows. */
#define PLAN_BLOCK_SIZE_MAX (1u << 30)

/* ---- writing a plan ---------------------------------------------------- */

static void shard_key(char *buf, size_t cap, uint32_t s)
{
    snprintf(buf, cap, "shard.%06u", (unsigned)s);
}

static int add_meta_u32(tome_packer *p, const char *name, uint32_t v)
{
    char value[16];
    snprintf(value, sizeof value, "%u", (unsigned)v);
    return tome__pack_meta_add(p, name, value);
}

/* The first ID of each shard: shards of about equal input bytes, each
 * with at least one article. */
static int cut_shards(tome_packer *p, const plan *pl, uint32_t shards, uint32_t *first)
{
    uint32_t n = (uint32_t)p->article_count, id = 0, s;
    uint64_t total = 0, seen = 0;
    for (id = 0; id < n; id++)
        total += tome__set_article_cost(p, pl, id);
    first[0] = 0;
    id = 0;
    for (s = 1; s < shards; s++) {
        uint64_t goal = total / shards * s + total % shards * s / shards;
        /* leave at least one article for each later shard */
        while (id < n - (shards - s) && (id < first[s - 1] + 1 || seen < goal))
            seen += tome__set_article_cost(p, pl, id++);
        first[s] = id;
    }
    return TOME_PACK_OK;
}

/* A shard's content digest: a sum of one hash per article (key, title,
 * body hash and size) and per alias (alias, its article's key).  A sum,
 * so the plan (articles in key order) and a worker (articles as the input
 * gives them) agree; a worker whose input changed since the plan (an
 * edited file) is told so instead of packing other content under the
 * plan's identity. */
static uint64_t article_digest(const pack_article *a, const pack_body *b)
{
    uint8_t n[21];
    uint64_t h = tome__pack_hash64(a->key, a->key_size + 1, 1); /* with its NUL: a separator */
    n[0] = a->title != NULL;
    tome_put64(n + 1, b->hash);
    tome_put32(n + 9, b->size);
    tome_put64(n + 13, a->title_size);
    h = tome__pack_hash64(n, sizeof n, h);
    return a->title ? tome__pack_hash64(a->title, a->title_size, h) : h;
}

static uint64_t alias_digest(const char *alias, size_t alias_size, const char *key, size_t key_size)
{
    return tome__pack_hash64(key, key_size + 1, tome__pack_hash64(alias, alias_size + 1, 2));
}

/* The digest of articles [first, end) of the planned corpus. */
static uint64_t planned_digest(const tome_packer *p, const plan *pl, uint32_t first, uint32_t end)
{
    uint64_t d = 0;
    uint32_t id, k;
    for (id = first; id < end; id++) {
        const pack_article *a = &p->articles[pl->ids[id]];
        d += article_digest(a, &p->bodies[a->body]);
        for (k = pl->alias_start[id]; k < pl->alias_start[id + 1]; k++) {
            const pack_alias *al = &p->aliases[pl->alias_order[pl->alias_ordinals[k]]];
            d += alias_digest(al->alias, al->alias_size, a->key, a->key_size);
        }
    }
    return d;
}

/* The digest of what a shard's packer was given. */
static uint64_t given_digest(const tome_packer *p)
{
    uint64_t d = 0;
    size_t i;
    for (i = 0; i < p->article_count; i++)
        d += article_digest(&p->articles[i], &p->bodies[p->articles[i].body]);
    for (i = 0; i < p->alias_count; i++)
        d += alias_digest(p->aliases[i].alias, p->aliases[i].alias_size, p->aliases[i].key,
                          p->aliases[i].key_size);
    return d;
}

int tome_pack_write_plan(tome_packer *p, const char *path, uint32_t shards,
                         tome_pack_plan_stats *stats)
{
    plan pl;
    tome_packer *q = NULL;
    tome_pack_options o;
    tome_pack_stats st;
    uint32_t *first = NULL, s, n;
    char set_id[TOME_SET_ID_DIGITS + 1], key[32];
    uint8_t *rec = NULL;
    int err;
    if (!p || !path)
        return TOME_PACK_ERR_ARGUMENT;
    if (p->shard)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "a plan is made from the whole input, "
                                                          "not from a shard of another plan");
    if ((err = tome__pack_prepare(p)))
        return err;
    n = (uint32_t)p->article_count;
    if (shards < 1 || shards > n)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                               "%u shards asked for %u articles: give 1 to %u", (unsigned)shards,
                               (unsigned)n, (unsigned)n);
    if ((err = tome__plan_corpus(p, &pl))) {
        tome__plan_free(&pl);
        return err;
    }
    tome__set_identity(p, &pl, "tome shard plan 1", shards, pl.dict, pl.dict_size, set_id);
    o = p->opt;
    o.dict = TOME_DICT_OFF;
    o.cluster = 0;
    o.ram_budget = 0;
    o.progress = NULL;
    o.block_size = 64u * 1024u;
    first = malloc((size_t)shards * sizeof *first);
    rec = malloc(PLAN_SHARD_FIXED + TOME_PACK_NAME_LIMIT);
    if (!first || !rec || !(q = tome_packer_new(&o))) {
        err = tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        goto done;
    }
    cut_shards(p, &pl, shards, first);
    err = tome_pack_add(q, PLAN_DICTIONARY_KEY, strlen(PLAN_DICTIONARY_KEY), NULL, 0, pl.dict,
                        pl.dict_size, "the dictionary");
    for (s = 0; s < shards && !err; s++) {
        uint32_t end = s + 1 < shards ? first[s + 1] : n, id, aliases = 0;
        const pack_article *a = &p->articles[pl.ids[first[s]]];
        for (id = first[s]; id < end; id++)
            aliases += pl.alias_start[id + 1] - pl.alias_start[id];
        tome_put32(rec, first[s]);
        tome_put32(rec + 4, end - first[s]);
        tome_put32(rec + 8, aliases);
        tome_put64(rec + 12, planned_digest(p, &pl, first[s], end));
        memcpy(rec + PLAN_SHARD_FIXED, a->key, a->key_size);
        shard_key(key, sizeof key, s);
        err = tome_pack_add(q, key, strlen(key), NULL, 0, rec, PLAN_SHARD_FIXED + a->key_size,
                            key);
    }
    if (!err)
        err = tome__set_copy_metas(p, q);
    if (!err && !(err = tome__pack_meta_add(q, PLAN_META_VERSION, PLAN_VERSION)) &&
        !(err = tome__pack_meta_add(q, TOME_SET_META_SET, set_id)) &&
        !(err = add_meta_u32(q, PLAN_META_SHARDS, shards)) &&
        !(err = add_meta_u32(q, TOME_SET_META_ARTICLES, n)) &&
        !(err = add_meta_u32(q, PLAN_META_ALIASES, (uint32_t)p->alias_count)) &&
        !(err = add_meta_u32(q, PLAN_META_BLOCK_SIZE, p->opt.block_size)) &&
        !(err = add_meta_u32(q, PLAN_META_LEVEL, (uint32_t)p->opt.level)) &&
        !(err = add_meta_u32(q, PLAN_META_CLUSTER, p->opt.cluster != 0)))
        err = tome_pack_write(q, path, &st);
    if (err && q)
        err = tome__pack_fail(p, err, "%s: %s", path, tome_packer_message(q));
    if (!err && stats) {
        memset(stats, 0, sizeof *stats);
        stats->shards = shards;
        stats->articles = n;
        stats->aliases = (uint32_t)p->alias_count;
        stats->dict_size = (uint32_t)pl.dict_size;
        stats->raw_bytes = pl.raw_size;
        stats->plan_bytes = st.archive_bytes;
        memcpy(stats->set_id, set_id, sizeof set_id);
    }
done:
    tome_packer_free(q);
    free(first);
    free(rec);
    tome__plan_free(&pl);
    return err;
}

/* ---- reading a plan ---------------------------------------------------- */

typedef struct plan_file {
    const char *path;
    uint8_t *bytes;
    void *workspace;
    tome_reader *r;
    uint32_t shards, articles, aliases, block_size, level, cluster;
    uint64_t dev, ino; /* the plan file's, so that no output replaces it */
    char set_id[TOME_SET_ID_DIGITS + 1];
    char *value; /* META_VALUE_CAP bytes */
} plan_file;

typedef struct shard_record {
    uint32_t first_id, count, aliases, key_size;
    uint64_t digest;
    char *key; /* owned, NUL after it */
} shard_record;

static void plan_close(plan_file *f)
{
    free(f->bytes);
    free(f->workspace);
    free(f->value);
}

static int plan_damaged(tome_packer *p, const plan_file *f, const char *what, int code)
{
    return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "%s is not a usable plan: %s%s%s", f->path,
                           what, code ? ": " : "", code ? tome_error_text(code) : "");
}

static int plan_meta(tome_packer *p, plan_file *f, const char *name)
{
    size_t size;
    int e = tome_meta_get(f->r, name, strlen(name), f->value, META_VALUE_CAP, &size);
    if (e != TOME_OK) {
        char what[64];
        snprintf(what, sizeof what, "metadata %s", name);
        return plan_damaged(p, f, what, e);
    }
    return TOME_PACK_OK;
}

static int plan_meta_u32(tome_packer *p, plan_file *f, const char *name, uint32_t *v)
{
    int err = plan_meta(p, f, name);
    if (!err && tome__set_decimal(f->value, strlen(f->value), v))
        err = plan_damaged(p, f, name, 0);
    return err;
}

static int plan_open(tome_packer *p, const char *path, plan_file *f)
{
    tome_config c;
    size_t need = 0, have = 0;
    struct stat sb;
    int fd, e, err;
    memset(f, 0, sizeof *f);
    f->path = path;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0) {
        err = tome__pack_fail(p, TOME_PACK_ERR_IO, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return err;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 || (uint64_t)sb.st_size > PLAN_SIZE_LIMIT) {
        close(fd);
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "%s is not a plan (not a regular file of "
                                                       "1 byte to 1 GiB)", path);
    }
    have = (size_t)sb.st_size;
    f->dev = (uint64_t)sb.st_dev;
    f->ino = (uint64_t)sb.st_ino;
    f->bytes = malloc(have);
    f->value = malloc(META_VALUE_CAP);
    if (!f->bytes || !f->value) {
        close(fd);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    e = tome__read_all(fd, f->bytes, have, 0);
    close(fd);
    if (e != 0)
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "%s: %s", path, strerror(errno));
    memset(&c, 0, sizeof c);
    c.data = f->bytes;
    c.size = have;
    if ((e = tome_workspace_size(&c, &need)) != TOME_OK)
        return plan_damaged(p, f, "cannot open it", e);
    if (!(f->workspace = malloc(need)))
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    c.workspace = f->workspace;
    c.workspace_size = need;
    if ((e = tome_open(&f->r, &c)) != TOME_OK)
        return plan_damaged(p, f, "cannot open it", e);
    if (tome_meta_get(f->r, PLAN_META_VERSION, strlen(PLAN_META_VERSION), f->value,
                      META_VALUE_CAP, &need) != TOME_OK ||
        strcmp(f->value, PLAN_VERSION) != 0)
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT,
                               "%s is not a plan of this tome (no %s %s): make it with tome plan",
                               path, PLAN_META_VERSION, PLAN_VERSION);
    if ((err = plan_meta_u32(p, f, PLAN_META_SHARDS, &f->shards)) ||
        (err = plan_meta_u32(p, f, TOME_SET_META_ARTICLES, &f->articles)) ||
        (err = plan_meta_u32(p, f, PLAN_META_ALIASES, &f->aliases)) ||
        (err = plan_meta_u32(p, f, PLAN_META_BLOCK_SIZE, &f->block_size)) ||
        (err = plan_meta_u32(p, f, PLAN_META_LEVEL, &f->level)) ||
        (err = plan_meta_u32(p, f, PLAN_META_CLUSTER, &f->cluster)) ||
        (err = plan_meta(p, f, TOME_SET_META_SET)))
        return err;
    if (strlen(f->value) != TOME_SET_ID_DIGITS ||
        strspn(f->value, "0123456789abcdef") != TOME_SET_ID_DIGITS) /* as readers check it */
        return plan_damaged(p, f, TOME_SET_META_SET, 0);
    memcpy(f->set_id, f->value, sizeof f->set_id);
    if (f->shards < 1 || f->shards > f->articles || tome_count(f->r) != f->shards + 1 ||
        f->block_size < 1 || f->block_size > PLAN_BLOCK_SIZE_MAX || f->level < 1 ||
        f->level > 22 || f->cluster > 1)
        return plan_damaged(p, f, "its counts or options are out of range", 0);
    return TOME_PACK_OK;
}

/* Fetch the article keyed `key` of the plan into a new buffer. */
static int plan_fetch(tome_packer *p, plan_file *f, const char *key, uint8_t **body, size_t *size)
{
    tome_article a;
    uint32_t id;
    int e;
    *body = NULL;
    if ((e = tome_find(f->r, key, strlen(key), &id)) != TOME_OK ||
        (e = tome_stat(f->r, id, &a)) != TOME_OK)
        return plan_damaged(p, f, key, e);
    if (a.size > PLAN_SIZE_LIMIT) /* no dictionary or record is this big */
        return plan_damaged(p, f, key, 0);
    if (!(*body = malloc(a.size ? a.size : 1)))
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    if ((e = tome_fetch(f->r, id, *body, a.size, size)) != TOME_OK)
        return plan_damaged(p, f, key, e);
    return TOME_PACK_OK;
}

/* Shard s's record; its checks against the corpus totals and the shard
 * before it (`prev`, NULL for shard 0) make the records cut [0, articles)
 * into key ranges. */
static int plan_shard(tome_packer *p, plan_file *f, uint32_t s, const shard_record *prev,
                      shard_record *out)
{
    char key[32];
    uint8_t *body;
    size_t size;
    int err;
    memset(out, 0, sizeof *out);
    shard_key(key, sizeof key, s);
    if ((err = plan_fetch(p, f, key, &body, &size)))
        return err;
    if (size <= PLAN_SHARD_FIXED || size - PLAN_SHARD_FIXED > TOME_PACK_NAME_LIMIT) {
        free(body);
        return plan_damaged(p, f, key, 0);
    }
    out->first_id = tome_get32(body);
    out->count = tome_get32(body + 4);
    out->aliases = tome_get32(body + 8);
    out->digest = tome_get64(body + 12);
    out->key_size = (uint32_t)(size - PLAN_SHARD_FIXED);
    out->key = tome__pack_strdup((const char *)body + PLAN_SHARD_FIXED, out->key_size);
    free(body);
    if (!out->key)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    if (out->count < 1 || out->first_id != (prev ? prev->first_id + prev->count : 0) ||
        out->count > f->articles - out->first_id ||
        (s + 1 == f->shards && out->first_id + out->count != f->articles) ||
        (prev && tome__key_compare((const uint8_t *)prev->key, prev->key_size,
                                   (const uint8_t *)out->key, out->key_size) >= 0) ||
        !tome__utf8_valid(out->key, out->key_size) || memchr(out->key, 0, out->key_size))
        return plan_damaged(p, f, key, 0);
    return TOME_PACK_OK;
}

/* The plan's byte-shaping options and the corpus's metadata pairs into
 * `p`, which must not have been given any. */
static int plan_apply(tome_packer *p, plan_file *f)
{
    char *name = malloc(TOME_SHORT_STRING_MAX + 1);
    uint32_t i, n;
    int err = TOME_PACK_OK, e;
    tome_archive_info info;
    if (!name)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    p->opt.block_size = f->block_size;
    p->opt.level = (int)f->level;
    p->opt.cluster = (int)f->cluster;
    p->opt.ram_budget = 0; /* the plan's block size already fits it */
    tome_info(f->r, &info);
    n = info.meta_count;
    for (i = 0; i < n && !err; i++) {
        if ((e = tome_meta_at(f->r, i, name, TOME_SHORT_STRING_MAX + 1, f->value,
                              META_VALUE_CAP)) != TOME_OK)
            err = plan_damaged(p, f, "its metadata", e);
        else if (strncmp(name, TOME_SET_RESERVED_PREFIX, TOME_SET_RESERVED_PREFIX_SIZE) != 0)
            err = tome__pack_meta_add(p, name, f->value);
    }
    free(name);
    return err;
}

/* Every record of the plan, each checked against the one before (so the
 * whole plan is known sound before a shard's input is read); *mine and
 * *next receive records `shard` and `shard + 1` (next->key NULL when
 * `shard` is the last). */
static int plan_scan(tome_packer *p, plan_file *f, uint32_t shard, shard_record *mine,
                     shard_record *next)
{
    shard_record recs[2];
    uint32_t s;
    int err = TOME_PACK_OK;
    memset(recs, 0, sizeof recs);
    for (s = 0; s < f->shards && !err; s++) {
        shard_record *now = &recs[s & 1];
        free(now->key);
        if ((err = plan_shard(p, f, s, s ? &recs[(s - 1) & 1] : NULL, now)))
            break;
        if (s == shard || s == shard + 1) {
            shard_record *out = s == shard ? mine : next;
            *out = *now;
            if (!(out->key = tome__pack_strdup(now->key, now->key_size)))
                err = tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        }
    }
    free(recs[0].key);
    free(recs[1].key);
    return err;
}

int tome_pack_use_plan(tome_packer *p, const char *path, uint32_t shard)
{
    plan_file f;
    shard_record mine, next;
    pack_shard *sh;
    uint8_t *dict = NULL;
    size_t dict_size = 0;
    int err;
    if (!p || !path)
        return TOME_PACK_ERR_ARGUMENT;
    if (p->failed || p->article_count || p->alias_count || p->meta_count || p->shard)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                               "tome_pack_use_plan: call it once, on a new packer");
    memset(&mine, 0, sizeof mine);
    memset(&next, 0, sizeof next);
    if ((err = plan_open(p, path, &f)))
        goto done;
    if (shard >= f.shards) {
        err = tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "shard %u: %s has shards 0 to %u",
                              (unsigned)shard, path, (unsigned)(f.shards - 1));
        goto done;
    }
    if ((err = plan_scan(p, &f, shard, &mine, &next)) ||
        (err = plan_fetch(p, &f, PLAN_DICTIONARY_KEY, &dict, &dict_size)))
        goto done;
    if (dict_size) { /* refused now, naming the plan, not after the input is read */
        ZSTD_CDict *cd = ZSTD_createCDict(dict, dict_size, (int)f.level);
        if (!cd) {
            err = plan_damaged(p, &f, "its dictionary: zstd refuses it", 0);
            goto done;
        }
        ZSTD_freeCDict(cd);
    }
    if ((err = tome_pack_use_dictionary(p, dict, dict_size)) || (err = plan_apply(p, &f)))
        goto done;
    if (!(sh = calloc(1, sizeof *sh))) {
        err = tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        goto done;
    }
    sh->number = shard;
    sh->shards = f.shards;
    sh->first_id = mine.first_id;
    sh->count = mine.count;
    sh->aliases = mine.aliases;
    sh->digest = mine.digest;
    sh->lo = mine.key;
    sh->lo_size = mine.key_size;
    mine.key = NULL;
    sh->hi = next.key; /* NULL for the last shard */
    sh->hi_size = next.key_size;
    next.key = NULL;
    memcpy(sh->set_id, f.set_id, sizeof sh->set_id);
    sh->plan_dev = f.dev;
    sh->plan_ino = f.ino;
    p->shard = sh;
done:
    free(dict);
    free(mine.key);
    free(next.key);
    plan_close(&f);
    return err;
}

uint32_t tome_pack_shard_count(const tome_packer *p)
{
    return p && p->shard ? p->shard->shards : 0;
}

/* ---- packing a shard --------------------------------------------------- */

/* Whether `path` names the plan file (dev, ino): writing it would destroy
 * the plan. */
static int is_plan_file(const char *path, uint64_t dev, uint64_t ino)
{
    struct stat sb;
    return stat(path, &sb) == 0 && (uint64_t)sb.st_dev == dev && (uint64_t)sb.st_ino == ino;
}

int tome_pack_write_shard(tome_packer *p, const char *set_path, tome_pack_stats *stats)
{
    const pack_shard *sh;
    char *path = NULL;
    int err;
    if (!p || !set_path)
        return TOME_PACK_ERR_ARGUMENT;
    if (!(sh = p->shard))
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                               "tome_pack_write_shard: no plan (tome_pack_use_plan)");
    if (p->article_count != sh->count || p->alias_count != sh->aliases)
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT,
                               "shard %u: the input has %zu articles and %zu aliases in its key "
                               "range, the plan %u and %u: give the input the plan was made from",
                               (unsigned)sh->number, p->article_count, p->alias_count,
                               (unsigned)sh->count, (unsigned)sh->aliases);
    if (given_digest(p) != sh->digest)
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT,
                               "shard %u: the articles in its key range are not the ones the "
                               "plan was made from (a file changed since?): give the input the "
                               "plan was made from", (unsigned)sh->number);
    if ((err = tome__pack_meta_add(p, TOME_SET_META_SET, sh->set_id)) ||
        (err = add_meta_u32(p, TOME_SET_META_VOLUME, sh->number)) ||
        (err = add_meta_u32(p, TOME_SET_META_FIRST_ID, sh->first_id)) ||
        (err = tome__set_volume_path(p, set_path, sh->number, &path)))
        goto done;
    if (is_plan_file(path, sh->plan_dev, sh->plan_ino)) {
        err = tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                              "%s is the plan: volume %u would replace it; give the set "
                              "another name", path, (unsigned)sh->number);
        goto done;
    }
    err = tome_pack_write(p, path, stats);
done:
    free(path);
    return err;
}

/* ---- joining the volumes ----------------------------------------------- */

typedef struct volume_io {
    int fd;
} volume_io;

static int volume_read(void *user, uint64_t offset, void *dst, size_t len)
{
    return tome__read_all(((volume_io *)user)->fd, dst, len, offset) == 0 ? 0 : -1;
}

typedef struct join_job {
    tome_packer *p;
    plan_file *f;
    set_record *records;
    shard_record *shards;
    set_alias *aliases; /* grown volume by volume, as their headers confirm the counts */
    size_t alias_count;
    char **paths;
    size_t largest_workspace;
} join_job;

static int volume_refused(join_job *j, uint32_t v, const char *what)
{
    return tome__pack_fail(j->p, TOME_PACK_ERR_INPUT, "%s: %s: it is not volume %u of the plan's "
                           "set %s", j->paths[v], what, (unsigned)v, j->f->set_id);
}

/* A metadata value of the volume, compared with what the plan says. */
static int volume_meta_is(join_job *j, tome_reader *r, uint32_t v, const char *name,
                          const char *want)
{
    size_t size;
    int e = tome_meta_get(r, name, strlen(name), j->f->value, META_VALUE_CAP, &size);
    char what[128];
    if (e == TOME_OK && size == strlen(want) && memcmp(j->f->value, want, size) == 0)
        return TOME_PACK_OK;
    snprintf(what, sizeof what, "its %s is %s", name, e == TOME_OK ? "another" : "missing");
    return volume_refused(j, v, what);
}

/* Collect volume v's aliases from its name entries (alias n of each
 * article until the volume's count is reached). */
static int volume_aliases(join_job *j, tome_reader *r, uint32_t v, uint32_t want, size_t key_cap)
{
    char *buf = malloc(key_cap);
    uint32_t id, n, got = 0, count = tome_count(r);
    int e = TOME_OK, err = TOME_PACK_OK;
    set_alias *grown = want ? realloc(j->aliases, (j->alias_count + want) * sizeof *grown)
                            : j->aliases;
    if (grown)
        j->aliases = grown;
    if (!buf || (want && !grown)) {
        free(buf);
        return tome__pack_fail(j->p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (id = 0; id < count && got < want && !err; id++) {
        for (n = 0; got < want && !err; n++) {
            set_alias *a;
            if ((e = tome_alias(r, id, n, buf, key_cap)) == TOME_ERR_RANGE)
                break;
            if (e != TOME_OK) {
                err = tome__pack_fail(j->p, TOME_PACK_ERR_INPUT, "%s: reading its aliases: %s",
                                      j->paths[v], tome_error_text(e));
                break;
            }
            a = &j->aliases[j->alias_count++];
            a->alias_size = (uint32_t)strlen(buf);
            a->volume = v;
            if (!(a->alias = tome__pack_strdup(buf, a->alias_size)))
                err = tome__pack_fail(j->p, TOME_PACK_ERR_MEMORY, "out of memory");
            got++;
        }
    }
    free(buf);
    if (!err && got != want)
        err = volume_refused(j, v, "its aliases are not as many as its header says");
    return err;
}

/* Open volume v through reads of its index parts only, check it is the
 * plan's, and fill its record and aliases. */
static int join_volume(join_job *j, uint32_t v)
{
    const shard_record *sh = &j->shards[v];
    set_record *rec = &j->records[v];
    tome_config c;
    tome_reader *r;
    tome_archive_info info;
    volume_io io;
    struct stat sb;
    void *ws = NULL;
    size_t need = 0;
    char value[16], *key = NULL;
    int e, err = TOME_PACK_OK;
    /* O_NONBLOCK: a FIFO in a volume's place is refused, not waited on */
    if ((io.fd = open(j->paths[v], O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
        fstat(io.fd, &sb) != 0) {
        err = tome__pack_fail(j->p, TOME_PACK_ERR_IO, "%s: %s: is shard %u packed?", j->paths[v],
                              strerror(errno), (unsigned)v);
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        err = volume_refused(j, v, "not a regular file");
        goto done;
    }
    memset(&c, 0, sizeof c);
    c.read = volume_read;
    c.user = &io;
    c.size = (uint64_t)sb.st_size;
    if ((e = tome_workspace_size(&c, &need)) != TOME_OK || !(ws = malloc(need)) ||
        (c.workspace = ws, c.workspace_size = need, e = tome_open(&r, &c)) != TOME_OK) {
        err = ws || e != TOME_OK
                  ? tome__pack_fail(j->p, TOME_PACK_ERR_INPUT, "%s: %s", j->paths[v],
                                    tome_error_text(e))
                  : tome__pack_fail(j->p, TOME_PACK_ERR_MEMORY, "out of memory");
        goto done;
    }
    tome_info(r, &info);
    if ((err = volume_meta_is(j, r, v, TOME_SET_META_SET, j->f->set_id)))
        goto done;
    snprintf(value, sizeof value, "%u", (unsigned)v);
    if ((err = volume_meta_is(j, r, v, TOME_SET_META_VOLUME, value)))
        goto done;
    snprintf(value, sizeof value, "%u", (unsigned)sh->first_id);
    if ((err = volume_meta_is(j, r, v, TOME_SET_META_FIRST_ID, value)))
        goto done;
    if (info.article_count != sh->count || info.alias_count != sh->aliases) {
        err = volume_refused(j, v, "its counts differ from the plan's");
        goto done;
    }
    if (!(key = malloc((size_t)info.key_size_max + 1))) {
        err = tome__pack_fail(j->p, TOME_PACK_ERR_MEMORY, "out of memory");
        goto done;
    }
    if ((e = tome_key(r, 0, key, (size_t)info.key_size_max + 1)) != TOME_OK ||
        strlen(key) != sh->key_size || memcmp(key, sh->key, sh->key_size) != 0) {
        err = volume_refused(j, v, "its first key is not the plan's");
        goto done;
    }
    if ((err = volume_aliases(j, r, v, sh->aliases, (size_t)info.key_size_max + 1)))
        goto done;
    rec->first_key = sh->key;
    rec->first_key_size = sh->key_size;
    rec->path = j->paths[v];
    rec->size = info.file_size;
    rec->first = sh->first_id;
    rec->count = sh->count;
    rec->aliases = sh->aliases;
    err = tome__set_read_checksums(j->p, j->paths[v], info.file_size, &rec->header_checksum,
                                   &rec->file_checksum);
    if (need > j->largest_workspace)
        j->largest_workspace = need;
done:
    free(key);
    free(ws);
    if (io.fd >= 0)
        close(io.fd);
    return err;
}

int tome_pack_join(tome_packer *p, const char *plan_path, const char *set_path,
                   tome_pack_set_stats *stats)
{
    plan_file f;
    join_job j;
    tome_pack_stats ist;
    char *temp = NULL;
    uint32_t v;
    int err;
    if (!p || !plan_path || !set_path)
        return TOME_PACK_ERR_ARGUMENT;
    if (p->failed || p->article_count || p->alias_count || p->meta_count || p->shard)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "tome_pack_join: give it a new packer");
    memset(&j, 0, sizeof j);
    j.p = p;
    j.f = &f;
    if ((err = plan_open(p, plan_path, &f)) || (err = plan_apply(p, &f)))
        goto done;
    if (is_plan_file(set_path, f.dev, f.ino)) {
        err = tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                              "%s is the plan: the set index would replace it; give the set "
                              "another name", set_path);
        goto done;
    }
    j.records = calloc(f.shards, sizeof *j.records);
    j.shards = calloc(f.shards, sizeof *j.shards);
    j.paths = calloc(f.shards, sizeof *j.paths);
    temp = malloc(strlen(set_path) + 32);
    if (!j.records || !j.shards || !j.paths || !temp) {
        err = tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
        goto done;
    }
    for (v = 0; v < f.shards && !err; v++)
        if (!(err = plan_shard(p, &f, v, v ? &j.shards[v - 1] : NULL, &j.shards[v])))
            err = tome__set_volume_path(p, set_path, v, &j.paths[v]);
    if (!err) { /* the records' aliases are the corpus's (each is checked by its volume) */
        uint64_t sum = 0;
        for (v = 0; v < f.shards; v++)
            sum += j.shards[v].aliases;
        if (sum != f.aliases)
            err = plan_damaged(p, &f, "its shards' aliases do not add up to " PLAN_META_ALIASES, 0);
    }
    for (v = 0; v < f.shards && !err; v++)
        err = join_volume(&j, v);
    if (err)
        goto done;
    snprintf(temp, strlen(set_path) + 32, "%s.tmp-join-%ld", set_path, (long)getpid());
    memset(&ist, 0, sizeof ist);
    err = tome__set_write_index(p, &p->opt, temp, set_path, j.records, f.shards, j.aliases,
                                j.alias_count, f.set_id, f.articles, &ist);
    if (!err && rename(temp, set_path) != 0)
        err = tome__pack_fail(p, TOME_PACK_ERR_IO, "cannot rename %s to %s: %s", temp, set_path,
                              strerror(errno));
    if (err)
        unlink(temp);
    if (!err && stats) {
        memset(stats, 0, sizeof *stats);
        stats->volumes = f.shards;
        stats->articles = f.articles;
        stats->aliases = f.aliases;
        stats->index_bytes = ist.archive_bytes;
        for (v = 0; v < f.shards; v++) {
            stats->volume_bytes += j.records[v].size;
            if (j.records[v].size > stats->largest_volume)
                stats->largest_volume = j.records[v].size;
        }
        stats->workspace_memory = TOME_SET_STATE_BOUND + ist.workspace_memory + j.largest_workspace;
    }
done:
    if (j.shards)
        for (v = 0; v < f.shards; v++)
            free(j.shards[v].key);
    if (j.paths)
        for (v = 0; v < f.shards; v++)
            free(j.paths[v]);
    for (v = 0; v < j.alias_count; v++)
        free((char *)j.aliases[v].alias);
    free(j.shards);
    free(j.paths);
    free(j.aliases);
    free(j.records);
    free(temp);
    plan_close(&f);
    return err;
}
