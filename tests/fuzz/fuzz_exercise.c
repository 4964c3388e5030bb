/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_exercise.c - every reader call over one hostile image, with the
 * promises of include/tome.h as checks.
 */
#include "fuzz_exercise.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hash.h"
#include "tome.h"

/* A set of result codes, one bit per code (codes run from -32 to 1). */
#define CODE_BIT(c) ((uint64_t)1 << ((c) + 32))
#define IS_ONE_OF(code, set) ((code) >= -32 && (code) <= 1 && (CODE_BIT(code) & (set)))

/* stat, key, title, alias and find decode the article's name leaf (and
 * stat the head of its body block; format 3.0), so they may meet a damaged
 * frame, a record or frame failing its checksum, or a bad structure. */
#define ALLOWED_STAT                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) |      \
     CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
/* key, title and alias also refuse a text breaking the format's rule */
#define ALLOWED_NAME (ALLOWED_STAT | CODE_BIT(TOME_ERR_KEYS))
#define ALLOWED_FETCH                                                                      \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) |      \
     CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_READ ALLOWED_FETCH
#define ALLOWED_FIND                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_NOT_FOUND) | CODE_BIT(TOME_ERR_CORRUPT) |       \
     CODE_BIT(TOME_ERR_DECOMPRESS) | CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_NEXT                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_DONE) | CODE_BIT(TOME_ERR_CORRUPT) |                \
     CODE_BIT(TOME_ERR_DECOMPRESS) | CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_SEARCH_START                                                               \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_ARGUMENT) | CODE_BIT(TOME_ERR_NOT_FOUND) |      \
     CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) | CODE_BIT(TOME_ERR_CHECKSUM) | \
     CODE_BIT(TOME_ERR_READ))
#define ALLOWED_SEARCH_NEXT ALLOWED_NEXT
#define ALLOWED_META                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_RANGE) | CODE_BIT(TOME_ERR_BUFFER) |            \
     CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) | CODE_BIT(TOME_ERR_CHECKSUM) | \
     CODE_BIT(TOME_ERR_READ))
#define ALLOWED_META_GET (ALLOWED_META | CODE_BIT(TOME_ERR_NOT_FOUND))
/* Matches looked at per search. */
#define FUZZ_MATCHES_MAX 256u
/* Bytes of a key used as a search query. */
#define FUZZ_QUERY_BYTES 24u
#define ALLOWED_VERIFY (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_DAMAGED) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_OPEN                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_READ) | CODE_BIT(TOME_ERR_NOT_ARCHIVE) |        \
     CODE_BIT(TOME_ERR_VERSION) | CODE_BIT(TOME_ERR_TRUNCATED) | CODE_BIT(TOME_ERR_HEADER) | \
     CODE_BIT(TOME_ERR_LIMIT) | CODE_BIT(TOME_ERR_DICTIONARY) | CODE_BIT(TOME_ERR_WORKSPACE))
#define ALLOWED_DAMAGE                                                                     \
    (CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) | \
     CODE_BIT(TOME_ERR_KEYS))

/* The archive seen through the read callback. */
typedef struct source {
    const uint8_t *bytes;
    size_t size;
    unsigned long calls;
    unsigned long fail_at; /* 0 = never */
} source;

static int source_read(void *user, uint64_t offset, void *dst, size_t len)
{
    source *s = user;
    s->calls++;
    /* The manual: "The reader never asks for bytes at or beyond size." */
    FUZZ_CHECK(offset <= s->size && len <= s->size - offset);
    if (offset > s->size || len > s->size - offset)
        return -1;
    if (s->calls == s->fail_at)
        return -1;
    memcpy(dst, s->bytes + offset, len);
    return 0;
}

/* One run: the reader, its options and what it has logged. */
typedef struct run {
    const exercise_options *o;
    source src;
    tome_reader *r;
    outcome_log *log;
    size_t next; /* index of the next outcome */
    int problems; /* calls that failed, for the clean-verify check */
    uint32_t search_count; /* tome_info()'s */
} run;

static uint64_t digest_of(const void *p, size_t n)
{
    return tome__hash(p, n);
}

/* Record an outcome, and compare it with the clean run's. */
static void note(run *x, int code, uint64_t digest)
{
    size_t i = x->next++;
    if (i >= OUTCOME_LOG_MAX)
        return;
    if (x->log) {
        x->log->at[i].code = code;
        x->log->at[i].digest = digest;
        x->log->n = i + 1;
    }
    if (x->o->expect && i < x->o->expect->n) {
        FUZZ_CHECK(code == x->o->expect->at[i].code);
        FUZZ_CHECK(digest == x->o->expect->at[i].digest);
    }
}

/* Throughout, a call that met the failed read is tried once more: a failed
 * read must leave nothing behind, so the retry gives the clean answer. */

/* Each alias of article `id`: it exists, and what it finds is an article
 * holding that alias or key (on a clean archive, this one). */
static void exercise_aliases(run *x, uint32_t id, const tome_article *a, uint32_t count)
{
    tome_archive_info info;
    size_t cap;
    char *alias, *name;
    uint32_t n, found;
    int code;
    tome_info(x->r, &info);
    cap = (size_t)info.key_size_max + 1u;
    alias = malloc(cap);
    name = malloc(cap);
    for (n = 0; n < a->alias_count && n < 64; n++) {
        if ((code = tome_alias(x->r, id, n, alias, cap)) == TOME_ERR_READ)
            code = tome_alias(x->r, id, n, alias, cap);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NAME));
        FUZZ_CHECK(code != TOME_OK || strlen(alias) <= info.key_size_max);
        note(x, code, code == TOME_OK ? digest_of(alias, strlen(alias)) : 0);
        if (code != TOME_OK) {
            x->problems++;
            continue;
        }
        if ((code = tome_find(x->r, alias, strlen(alias), &found)) == TOME_ERR_READ)
            code = tome_find(x->r, alias, strlen(alias), &found);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND));
        FUZZ_CHECK(code != TOME_OK || found < count);
        note(x, code, code == TOME_OK ? found : 0);
        x->problems += code != TOME_OK || found != id;
    }
    if ((code = tome_alias(x->r, id, a->alias_count, alias, cap)) == TOME_ERR_READ)
        code = tome_alias(x->r, id, a->alias_count, alias, cap);
    FUZZ_CHECK(code == TOME_ERR_RANGE);
    free(alias);
    free(name);
}

/* Searches for the first bytes of key `key` of article `id`: folded over
 * everything, and exact over keys.  Matches are in range; on a clean
 * archive both list (id, key). */
static void exercise_search(run *x, uint32_t id, const char *key, uint32_t key_size,
                            uint32_t count, uint32_t search_count)
{
    static const uint32_t flags[] = {TOME_SEARCH_ALL, TOME_SEARCH_KEYS | TOME_SEARCH_EXACT};
    tome_search s;
    tome_match m;
    size_t len = key_size < FUZZ_QUERY_BYTES ? key_size : FUZZ_QUERY_BYTES;
    size_t f;
    /* cut at a character boundary: a valid key gives a valid query */
    while (len > 0 && len < key_size && ((uint8_t)key[len] & 0xC0) == 0x80)
        len--;
    for (f = 0; f < sizeof flags / sizeof flags[0]; f++) {
        uint32_t n = 0, seen = 0;
        uint64_t digest = 0;
        int code;
        if ((code = tome_search_start(x->r, &s, key, len, flags[f])) == TOME_ERR_READ)
            code = tome_search_start(x->r, &s, key, len, flags[f]);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_SEARCH_START));
        note(x, code, 0);
        while (code == TOME_OK && n < FUZZ_MATCHES_MAX) {
            tome_search before = s;
            if ((code = tome_search_next(x->r, &s, &m)) == TOME_ERR_READ) {
                s = before; /* the cursor is the caller's: retry from where it was */
                code = tome_search_next(x->r, &s, &m);
            }
            FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_SEARCH_NEXT));
            if (code != TOME_OK)
                break;
            FUZZ_CHECK(m.id < count);
            FUZZ_CHECK(!(flags[f] & TOME_SEARCH_EXACT) || m.source == 0);
            seen |= m.id == id && m.source == 0;
            digest = digest * 31u + m.id * 7u + m.source;
            n++;
        }
        note(x, code, digest);
        /* a clean archive lists the key among its matches (when they were
         * all looked at); one without a search tree may say so */
        if (code == TOME_ERR_NOT_FOUND && n == 0 && search_count == 0)
            continue;
        if (code == TOME_DONE)
            x->problems += !seen;
        else if (code != TOME_OK)
            x->problems++;
    }
}

/* The metadata pairs: tome_meta_get() of each name gives tome_meta_at()'s
 * value. */
static void exercise_meta(run *x, const tome_archive_info *info)
{
    size_t cap = (size_t)info->index_size_max + 1u, size = 0;
    char *name = malloc(cap), *value = malloc(cap), *again = malloc(cap);
    uint32_t k;
    int code;
    for (k = 0; k < info->meta_count && k < 64; k++) {
        if ((code = tome_meta_at(x->r, k, name, cap, value, cap)) == TOME_ERR_READ)
            code = tome_meta_at(x->r, k, name, cap, value, cap);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_META) && code != TOME_ERR_RANGE &&
                   code != TOME_ERR_BUFFER);
        note(x, code, code == TOME_OK ? digest_of(value, strlen(value)) : 0);
        if (code != TOME_OK) {
            x->problems++;
            continue;
        }
        if ((code = tome_meta_get(x->r, name, strlen(name), again, cap, &size)) == TOME_ERR_READ)
            code = tome_meta_get(x->r, name, strlen(name), again, cap, &size);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_META_GET));
        FUZZ_CHECK(code != TOME_OK || (size == strlen(value) && strcmp(again, value) == 0));
        x->problems += code != TOME_OK;
    }
    if ((code = tome_meta_at(x->r, info->meta_count, name, cap, value, cap)) == TOME_ERR_READ)
        code = tome_meta_at(x->r, info->meta_count, name, cap, value, cap);
    FUZZ_CHECK(code == TOME_ERR_RANGE);
    free(name);
    free(value);
    free(again);
}

static void exercise_article(run *x, uint32_t id, uint32_t count)
{
    tome_article a;
    int code, key_ok = 0;
    char *key = NULL, *again = NULL;
    uint8_t *body = NULL, *pieces = NULL;
    size_t got = 0;
    uint32_t found = 0;

    if ((code = tome_stat(x->r, id, &a)) == TOME_ERR_READ)
        code = tome_stat(x->r, id, &a);
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_STAT));
    note(x, code, code == TOME_OK ? digest_of(&a, sizeof a) : 0);
    if (code != TOME_OK) {
        x->problems++;
        return;
    }

    key = malloc(a.key_size + 1u);
    if ((code = tome_key(x->r, id, key, a.key_size + 1u)) == TOME_ERR_READ)
        code = tome_key(x->r, id, key, a.key_size + 1u);
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NAME));
    /* stat has just decoded and checked the name leaf holding this
     * article's entry, and took key_size from that entry: the key comes
     * from the same entry, so it cannot fail now, unless it breaks the
     * key rule (UTF-8 without NUL), which only the text calls check */
    FUZZ_CHECK(code == TOME_OK || code == TOME_ERR_KEYS);
    FUZZ_CHECK(code != TOME_OK || key[a.key_size] == '\0');
    note(x, code, code == TOME_OK ? digest_of(key, a.key_size) : 0);
    key_ok = code == TOME_OK;
    x->problems += !key_ok;
    if ((code = tome_key(x->r, id, key, a.key_size)) == TOME_ERR_READ)
        code = tome_key(x->r, id, key, a.key_size);
    FUZZ_CHECK(code == TOME_ERR_BUFFER);

    again = malloc(a.title_size + 1u);
    if ((code = tome_title(x->r, id, again, a.title_size + 1u)) == TOME_ERR_READ)
        code = tome_title(x->r, id, again, a.title_size + 1u);
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NAME));
    FUZZ_CHECK(code == TOME_OK || code == TOME_ERR_KEYS); /* the same entry as the key's */
    note(x, code, code == TOME_OK ? digest_of(again, a.title_size) : 0);
    free(again);
    again = NULL;

    /* The header limit keeps every article within FUZZ_ARTICLE_MAX. */
    FUZZ_CHECK(a.size <= FUZZ_ARTICLE_MAX);
    body = malloc(a.size ? a.size : 1u);
    pieces = malloc(a.size ? a.size : 1u);
    if ((code = tome_fetch(x->r, id, body, a.size, &got)) == TOME_ERR_READ)
        code = tome_fetch(x->r, id, body, a.size, &got);
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FETCH));
    /* No check that TOME_OPEN_TRUST_CONTENT never gives TOME_ERR_CHECKSUM:
     * since 3.0 it skips only the body segments' checksums, while index
     * frames and body block heads are still checked (include/tome.h), and
     * the heads' checksums are never resealed (fuzz_archive.c). */
    if (code == TOME_OK)
        FUZZ_CHECK(got == a.size);
    note(x, code, code == TOME_OK ? digest_of(body, a.size) : 0);
    x->problems += code != TOME_OK;
    if (a.size > 0) {
        int small;
        if ((small = tome_fetch(x->r, id, body, a.size - 1u, &got)) == TOME_ERR_READ)
            small = tome_fetch(x->r, id, body, a.size - 1u, &got);
        FUZZ_CHECK(small == TOME_ERR_BUFFER && got == a.size);
    }

    /* tome_read in two pieces gives the bytes fetch gave. */
    {
        uint32_t half = a.size / 2;
        int first, second;
        if ((first = tome_read(x->r, id, 0, pieces, half)) == TOME_ERR_READ)
            first = tome_read(x->r, id, 0, pieces, half);
        if ((second = tome_read(x->r, id, half, pieces + half, a.size - half)) == TOME_ERR_READ)
            second = tome_read(x->r, id, half, pieces + half, a.size - half);
        FUZZ_CHECK(IS_ONE_OF(first, ALLOWED_READ) && IS_ONE_OF(second, ALLOWED_READ));
        if (code == TOME_OK && first == TOME_OK && second == TOME_OK)
            FUZZ_CHECK(memcmp(body, pieces, a.size) == 0);
        note(x, first * 32 + second, 0);
        if ((first = tome_read(x->r, id, (uint64_t)a.size + 1u, pieces, 0)) == TOME_ERR_READ)
            first = tome_read(x->r, id, (uint64_t)a.size + 1u, pieces, 0);
        FUZZ_CHECK(first == TOME_ERR_RANGE);
    }

    if (key_ok) {
        if ((code = tome_find(x->r, key, a.key_size, &found)) == TOME_ERR_READ)
            code = tome_find(x->r, key, a.key_size, &found);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND));
        note(x, code, code == TOME_OK ? found : 0);
        if (code == TOME_OK) {
            int same;
            FUZZ_CHECK(found < count);
            /* whatever find returns holds exactly the key asked for */
            again = malloc(a.key_size + 1u);
            if ((same = tome_key(x->r, found, again, a.key_size + 1u)) == TOME_ERR_READ)
                same = tome_key(x->r, found, again, a.key_size + 1u);
            FUZZ_CHECK(same != TOME_OK || memcmp(again, key, a.key_size) == 0);
            free(again);
        }
        x->problems += code != TOME_OK || found != id;
        exercise_search(x, id, key, a.key_size, count, x->search_count);
    }
    exercise_aliases(x, id, &a, count);
    free(key);
    free(body);
    free(pieces);
}

/* Storage-order iteration: IDs in range, the cursor moving by one, and
 * (on a clean archive) every ID exactly once. */
static int exercise_iteration(run *x, uint32_t count)
{
    uint32_t cursor = 0, id = 0, calls = 0, limit = count < 4096 ? count : 4096;
    /* Only as many IDs as the walk can visit: a hostile count of 2^32 - 2
     * must not cost a 512 MB bitmap per input. */
    uint8_t *seen = calloc(limit / 8 + 1, 1);
    int code, each_once = 1;
    uint64_t digest = 0;
    for (;;) {
        uint32_t before = cursor;
        if ((code = tome_next(x->r, &cursor, &id)) == TOME_ERR_READ)
            code = tome_next(x->r, &cursor, &id);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NEXT));
        if (code != TOME_OK)
            break;
        FUZZ_CHECK(id < count && cursor == before + 1);
        if (id >= count)
            break;
        if (id < limit) {
            if (seen[id / 8] & (1u << (id % 8)))
                each_once = 0;
            seen[id / 8] |= (uint8_t)(1u << (id % 8));
        }
        digest = digest * 31 + id;
        if (++calls > limit)
            break;
    }
    if (code == TOME_DONE) {
        FUZZ_CHECK(cursor == count);
        /* the manual: every ID exactly once, or an error */
        FUZZ_CHECK(calls == count && each_once);
    }
    note(x, code, digest);
    free(seen);
    return code == TOME_DONE && calls == count && each_once;
}

/* What tome_verify reported through its callback. */
typedef struct damage_tally {
    uint32_t count, blocks, articles;
    uint32_t parts, block_count, frame_count, calls, per_block, per_article;
    uint64_t digest;
} damage_tally;

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    damage_tally *t = user;
    t->calls++;
    FUZZ_CHECK(part >= TOME_PART_FILE && part <= TOME_PART_BINDINGS);
    FUZZ_CHECK(IS_ONE_OF(error, ALLOWED_DAMAGE));
    if (part == TOME_PART_BLOCK) {
        FUZZ_CHECK(index < t->block_count);
        t->per_block++;
    } else if (part == TOME_PART_ARTICLE) {
        FUZZ_CHECK(index < t->count);
        t->per_article++;
    } else if (part == TOME_PART_BLOCK_TABLE) {
        FUZZ_CHECK(index < (uint64_t)t->block_count + t->frame_count || index == TOME_NO_INDEX);
    } else if (part == TOME_PART_NAMES || part == TOME_PART_ALIASES ||
               part == TOME_PART_SEARCH) {
        /* a frame of that tree, or the tree as a whole */
        FUZZ_CHECK(index < t->frame_count || index == TOME_NO_INDEX);
    } else if (part == TOME_PART_META) {
        FUZZ_CHECK(index == 0 || index == TOME_NO_INDEX);
    } else {
        FUZZ_CHECK(index == TOME_NO_INDEX);
    }
    t->parts |= 1u << part;
    t->digest = t->digest * 1000003u + (uint64_t)part * 65599u + index * 257u + (uint64_t)-error;
}

static int exercise_verify(run *x, const tome_archive_info *info)
{
    damage_tally t, second;
    tome_verify_report rep, rep2;
    int code, code2;
    memset(&t, 0, sizeof t);
    t.count = info->article_count;
    t.block_count = info->block_count;
    t.frame_count = info->index_frame_count;
    second = t;
    if ((code = tome_verify(x->r, on_damage, &t, &rep)) == TOME_ERR_READ) {
        memset(&t, 0, sizeof t);
        t.count = second.count;
        t.block_count = second.block_count;
        t.frame_count = second.frame_count;
        code = tome_verify(x->r, on_damage, &t, &rep);
    }
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_VERIFY));
    if (code != TOME_ERR_READ) {
        FUZZ_CHECK((code == TOME_OK) == (rep.damaged_parts == 0));
        FUZZ_CHECK(rep.damaged_parts == t.parts);
        FUZZ_CHECK(rep.damaged_blocks == t.per_block);
        FUZZ_CHECK(rep.damaged_articles == t.per_article);
        FUZZ_CHECK(rep.checked_articles <= info->article_count);
        FUZZ_CHECK(code != TOME_OK || rep.checked_articles == info->article_count);
        /* verify keeps no state: a second run says the same */
        if ((code2 = tome_verify(x->r, on_damage, &second, &rep2)) == TOME_ERR_READ) {
            memset(&second, 0, sizeof second);
            second.count = t.count;
            second.block_count = t.block_count;
            second.frame_count = t.frame_count;
            code2 = tome_verify(x->r, on_damage, &second, &rep2);
        }
        FUZZ_CHECK(code2 == code && memcmp(&rep, &rep2, sizeof rep) == 0 &&
                   second.digest == t.digest);
    }
    note(x, code, t.digest);
    return code;
}

void exercise(const uint8_t *image, size_t size, const exercise_options *o, outcome_log *log,
              exercise_result *result)
{
    run x;
    tome_config c;
    tome_archive_info info;
    size_t need = 0;
    uint8_t *ws;
    uint32_t count, id, ids_end, each_once = 0;
    int code;

    memset(&x, 0, sizeof x);
    memset(result, 0, sizeof *result);
    x.o = o;
    x.log = log;
    if (log)
        log->n = 0;
    x.src.bytes = image;
    x.src.size = size;
    x.src.fail_at = o->callback ? o->fail_read : 0;
    memset(&c, 0, sizeof c);
    if (o->callback) {
        c.read = source_read;
        c.user = &x.src;
    } else {
        c.data = image;
    }
    c.size = size;
    c.flags = o->flags;
    c.max_article_size = FUZZ_ARTICLE_MAX;
    c.max_block_size = FUZZ_ARTICLE_MAX;
    if ((code = tome_workspace_size(&c, &need)) == TOME_ERR_READ)
        code = tome_workspace_size(&c, &need);
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_OPEN));
    note(&x, code, code == TOME_OK ? need : 0);
    result->read_calls = x.src.calls;
    if (code != TOME_OK || need > FUZZ_WORKSPACE_MAX)
        return;
    /* One byte more, used from the second byte: a misaligned workspace. */
    ws = malloc(need + 1);
    c.workspace = ws + 1;
    c.workspace_size = need;
    if ((code = tome_open(&x.r, &c)) == TOME_ERR_READ)
        code = tome_open(&x.r, &c);
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_OPEN) && code != TOME_ERR_WORKSPACE);
    note(&x, code, 0);
    if (code != TOME_OK) {
        result->read_calls = x.src.calls;
        free(ws);
        return;
    }
    result->opened = 1;

    count = tome_count(x.r);
    tome_info(x.r, &info);
    x.search_count = info.search_count;
    FUZZ_CHECK(info.article_count == count && info.file_size <= size);
    FUZZ_CHECK(info.article_size_max <= FUZZ_ARTICLE_MAX && info.block_size_max <= FUZZ_ARTICLE_MAX);
    /* the header's counts, as checked at open (docs/FORMAT.md) */
    FUZZ_CHECK(info.name_leaf_count <= info.index_frame_count);
    FUZZ_CHECK((count == 0) == (info.name_leaf_count == 0));
    FUZZ_CHECK((count == 0) == (info.block_count == 0));
    FUZZ_CHECK(info.name_leaf_count <= count && info.body_count <= count);
    FUZZ_CHECK(info.key_size_max <= 65535u && info.title_size_max <= 65535u);
    note(&x, TOME_OK, digest_of(&info, sizeof info));

    /* Out-of-range IDs and impossible keys, before and after the real ones. */
    {
        tome_article a;
        uint8_t byte;
        size_t got;
        FUZZ_CHECK(tome_stat(x.r, count, &a) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_fetch(x.r, count, &byte, 1, &got) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_key(x.r, 0xFFFFFFFFu, (char *)&byte, 1) == TOME_ERR_RANGE);
        /* no key is empty; a damaged tree may say so on the way */
        code = tome_find(x.r, "", 0, &id);
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND) && code != TOME_OK);
    }

    ids_end = count < 2 * FUZZ_IDS_EACH_END ? count : FUZZ_IDS_EACH_END;
    for (id = 0; id < ids_end; id++)
        exercise_article(&x, id, count);
    for (id = count - (count < 2 * FUZZ_IDS_EACH_END ? 0 : FUZZ_IDS_EACH_END); id < count; id++)
        if (id >= ids_end)
            exercise_article(&x, id, count);
    each_once = exercise_iteration(&x, count);
    exercise_meta(&x, &info);

    if (o->verify) {
        result->verify = exercise_verify(&x, &info);
        /* A clean verify means every call above succeeded exactly. */
        if (result->verify == TOME_OK)
            FUZZ_CHECK(x.problems == 0 && each_once);
    }
    result->read_calls = x.src.calls;
    free(ws);
}

void exercise_with_read_failure(const uint8_t *image, size_t size, uint32_t flags, int verify,
                                uint64_t seed)
{
    static outcome_log clean;
    exercise_options o;
    exercise_result r;
    memset(&o, 0, sizeof o);
    o.callback = 1;
    o.flags = flags;
    o.verify = verify;
    exercise(image, size, &o, &clean, &r);
    if (r.read_calls == 0)
        return;
    o.fail_read = 1 + (unsigned long)(seed % r.read_calls);
    o.expect = &clean;
    exercise(image, size, &o, NULL, &r);
}
