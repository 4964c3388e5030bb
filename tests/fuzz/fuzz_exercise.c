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

/* stat, key, title and find decode the article's key block (format 2.0),
 * so they may meet a damaged frame or a key block failing its checksum. */
#define ALLOWED_STAT                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) |      \
     CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_NAME ALLOWED_STAT
#define ALLOWED_FETCH                                                                      \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) |      \
     CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_READ                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) |      \
     CODE_BIT(TOME_ERR_READ))
#define ALLOWED_FIND                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_NOT_FOUND) | CODE_BIT(TOME_ERR_CORRUPT) |       \
     CODE_BIT(TOME_ERR_DECOMPRESS) | CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_READ))
#define ALLOWED_NEXT                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_DONE) | CODE_BIT(TOME_ERR_CORRUPT) |                \
     CODE_BIT(TOME_ERR_READ))
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
    /* stat has just decoded and checked the key block holding this
     * article's record, and took key_size from that record: the key comes
     * from the same record, so it cannot fail now */
    FUZZ_CHECK(code == TOME_OK);
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
    FUZZ_CHECK(code == TOME_OK); /* the same record as the key's, as above */
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
    FUZZ_CHECK(!(x->o->flags & TOME_OPEN_TRUST_CONTENT) || code != TOME_ERR_CHECKSUM);
    if (code == TOME_OK) {
        FUZZ_CHECK(got == a.size);
        /* fetch never returns wrong bytes as success */
        FUZZ_CHECK((x->o->flags & TOME_OPEN_TRUST_CONTENT) || tome__hash_seeded(body, a.size, id) == a.checksum);
    }
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
    }
    free(key);
    free(body);
    free(pieces);
}

/* Storage-order iteration: IDs in range, the cursor moving by one, and
 * (on a clean archive) every ID exactly once. */
static int exercise_iteration(run *x, uint32_t count)
{
    uint32_t cursor = 0, id = 0, calls = 0, limit = count < 4096 ? count : 4096;
    uint8_t *seen = calloc(count / 8 + 1, 1);
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
        if (seen[id / 8] & (1u << (id % 8)))
            each_once = 0;
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
        digest = digest * 31 + id;
        if (++calls > limit)
            break;
    }
    if (code == TOME_DONE)
        FUZZ_CHECK(cursor == count);
    note(x, code, digest);
    free(seen);
    return code == TOME_DONE && calls == count && each_once;
}

/* What tome_verify reported through its callback. */
typedef struct damage_tally {
    uint32_t count, blocks, articles;
    uint32_t parts, block_count, key_block_count, calls, per_block, per_article;
    uint64_t digest;
} damage_tally;

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    damage_tally *t = user;
    t->calls++;
    FUZZ_CHECK(part >= TOME_PART_FILE && part <= TOME_PART_ARTICLE);
    FUZZ_CHECK(IS_ONE_OF(error, ALLOWED_DAMAGE));
    if (part == TOME_PART_BLOCK) {
        FUZZ_CHECK(index < t->block_count);
        t->per_block++;
    } else if (part == TOME_PART_ARTICLE) {
        FUZZ_CHECK(index < t->count);
        t->per_article++;
    } else if (part == TOME_PART_KEYS) {
        /* format 2.0: the key block that is bad or out of order */
        FUZZ_CHECK(index < t->key_block_count);
    } else if (part == TOME_PART_ENTRY_TABLE) {
        FUZZ_CHECK(index < t->count || index == TOME_NO_INDEX);
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
    t.key_block_count = info->key_block_count;
    second = t;
    if ((code = tome_verify(x->r, on_damage, &t, &rep)) == TOME_ERR_READ) {
        memset(&t, 0, sizeof t);
        t.count = second.count;
        t.block_count = second.block_count;
        t.key_block_count = second.key_block_count;
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
            second.key_block_count = t.key_block_count;
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
    FUZZ_CHECK(info.article_count == count && info.file_size <= size);
    FUZZ_CHECK(info.article_size_max <= FUZZ_ARTICLE_MAX && info.block_size_max <= FUZZ_ARTICLE_MAX);
    /* block_size_max covers blocks of either kind; the key blocks hold
     * keys_per_block IDs each, the last one possibly fewer */
    FUZZ_CHECK(info.key_block_size_max <= info.block_size_max);
    FUZZ_CHECK(count == 0 ? info.key_block_count == 0
                          : info.keys_per_block > 0 &&
                                info.key_block_count ==
                                    ((uint64_t)count + info.keys_per_block - 1) / info.keys_per_block);
    note(&x, TOME_OK, digest_of(&info, sizeof info));

    /* Out-of-range IDs and impossible keys, before and after the real ones. */
    {
        tome_article a;
        uint8_t byte;
        size_t got;
        FUZZ_CHECK(tome_stat(x.r, count, &a) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_fetch(x.r, count, &byte, 1, &got) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_key(x.r, 0xFFFFFFFFu, (char *)&byte, 1) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_find(x.r, "", 0, &id) == TOME_ERR_NOT_FOUND);
    }

    ids_end = count < 2 * FUZZ_IDS_EACH_END ? count : FUZZ_IDS_EACH_END;
    for (id = 0; id < ids_end; id++)
        exercise_article(&x, id, count);
    for (id = count - (count < 2 * FUZZ_IDS_EACH_END ? 0 : FUZZ_IDS_EACH_END); id < count; id++)
        if (id >= ids_end)
            exercise_article(&x, id, count);
    each_once = exercise_iteration(&x, count);

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
