/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_set.c - a volume set (docs/FORMAT.md, "Volume sets") from one
 * input: the set index and up to four volumes, opened with
 * tome_set_open() from memory, then through the read callback (which must
 * give exactly the same answers), then through the callback with one read
 * failing (after one retry, every call must give the clean answer).
 *
 * The input is a small container, so that one file holds a whole set:
 *
 *     byte 0   options: bits 0-2 the number of volumes that follow (more
 *              than 4 reads as 4); bit 3 reseal the index, bit 4 reseal
 *              the volumes (fuzz_archive.c, every checksum); bit 5
 *              TOME_OPEN_NO_DICT_TABLES, bit 6 TOME_OPEN_TRUST_CONTENT
 *     then     the index, then each volume: a u16 length, little-endian,
 *              and that many bytes (fewer when the input ends first)
 *
 * A volume the index records but the input lacks is an empty file.
 *
 * The checks are the set API's promises (include/tome.h) and what the set
 * must agree with: the records run from global ID 0 up to the count; each
 * global ID's key, title and body are exactly those of its local ID in
 * that volume opened alone with tome_open(); what find returns holds the
 * key asked for; iteration moves the cursor by one and names each ID once;
 * verify's report matches its damage calls and repeats itself.  When
 * verify finds nothing, every call must have succeeded, find(key(id))
 * must be id, and iteration must have named every ID: a forged set that
 * passes verify must answer like an intact one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_archive.h"
#include "fuzz_exercise.h" /* FUZZ_ARTICLE_MAX, FUZZ_WORKSPACE_MAX, outcome_log */
#include "hash.h"
#include "tome.h"

#define SET_PARTS_MAX 4u      /* volumes an input can carry */
#define SET_VOLUMES_MAX 64u   /* volumes looked at per set */
#define SET_IDS_EACH_END 6u   /* global IDs tried at each end of a volume */
#define SET_WALK_MAX 4096u    /* tome_set_next() calls per walk */
#define KEY_CAP 65536u        /* a key or title (at most 65535 bytes) and its NUL */

#define CODE_BIT(c) ((uint64_t)1 << ((c) + 32))
#define IS_ONE_OF(code, set) ((code) >= -32 && (code) <= 1 && (CODE_BIT(code) & (set)))

/* Decoding any frame of an archive. */
#define DECODE_CODES                                                                         \
    (CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) | CODE_BIT(TOME_ERR_CHECKSUM) | \
     CODE_BIT(TOME_ERR_READ))
/* tome_open() of an archive (a workspace sized by tome_workspace_size()). */
#define OPEN_CODES                                                                           \
    (CODE_BIT(TOME_ERR_READ) | CODE_BIT(TOME_ERR_NOT_ARCHIVE) | CODE_BIT(TOME_ERR_VERSION) |   \
     CODE_BIT(TOME_ERR_TRUNCATED) | CODE_BIT(TOME_ERR_HEADER) | CODE_BIT(TOME_ERR_LIMIT) |     \
     CODE_BIT(TOME_ERR_DICTIONARY))
/* tome_set_workspace_size() and tome_set_open(): the index's open, its
 * metadata and records. */
#define ALLOWED_SET_OPEN (CODE_BIT(TOME_OK) | OPEN_CODES | DECODE_CODES | CODE_BIT(TOME_ERR_SET))
/* Opening a volume: its own open, its metadata, the record naming it. */
#define VOLUME_CODES                                                                         \
    (OPEN_CODES | DECODE_CODES | CODE_BIT(TOME_ERR_SET) | CODE_BIT(TOME_ERR_VOLUME) |         \
     CODE_BIT(TOME_ERR_RANGE))
#define ALLOWED_VOLUME (CODE_BIT(TOME_OK) | VOLUME_CODES)
#define ALLOWED_NAME (CODE_BIT(TOME_OK) | VOLUME_CODES | CODE_BIT(TOME_ERR_KEYS))
#define ALLOWED_FETCH (CODE_BIT(TOME_OK) | VOLUME_CODES)
#define ALLOWED_FIND (CODE_BIT(TOME_OK) | VOLUME_CODES | CODE_BIT(TOME_ERR_NOT_FOUND))
#define ALLOWED_NEXT (CODE_BIT(TOME_OK) | CODE_BIT(TOME_DONE) | VOLUME_CODES)
#define ALLOWED_SEARCH                                                                       \
    (CODE_BIT(TOME_OK) | CODE_BIT(TOME_DONE) | VOLUME_CODES | CODE_BIT(TOME_ERR_NOT_FOUND) | \
     CODE_BIT(TOME_ERR_ARGUMENT))
#define ALLOWED_VERIFY (CODE_BIT(TOME_OK) | CODE_BIT(TOME_ERR_DAMAGED) | CODE_BIT(TOME_ERR_READ))
/* A damage call: an archive's own damage, or a volume refused at open;
 * never a failed read, which verify returns instead. */
#define ALLOWED_DAMAGE                                                                       \
    ((CODE_BIT(TOME_ERR_CHECKSUM) | CODE_BIT(TOME_ERR_CORRUPT) | CODE_BIT(TOME_ERR_DECOMPRESS) | \
      CODE_BIT(TOME_ERR_KEYS) | VOLUME_CODES) & ~CODE_BIT(TOME_ERR_READ))

/* One file of the set. */
typedef struct part {
    const uint8_t *bytes;
    size_t size;
} part;

/* The read callback's view of one file; `counter` is shared by all the
 * files of a run, so "read call k fails" counts across them. */
typedef struct read_counter {
    unsigned long calls, fail_at; /* fail_at 0: never */
} read_counter;

typedef struct source_view {
    part p;
    read_counter *counter;
} source_view;

static int view_read(void *user, uint64_t offset, void *dst, size_t len)
{
    source_view *v = user;
    v->counter->calls++;
    /* the manual: the reader never asks for bytes at or beyond size */
    FUZZ_CHECK(offset <= v->p.size && len <= v->p.size - offset);
    if (offset > v->p.size || len > v->p.size - offset)
        return -1;
    if (v->counter->calls == v->counter->fail_at)
        return -1;
    memcpy(dst, v->p.bytes + offset, len);
    return 0;
}

/* One run over the set, and what it logs. */
typedef struct run {
    const part *parts; /* index, then volumes */
    unsigned given;    /* volumes in the input */
    int callback;
    uint32_t flags;
    read_counter counter;
    source_view views[1 + SET_VOLUMES_MAX];
    tome_source src[SET_VOLUMES_MAX];
    outcome_log *log;
    const outcome_log *expect;
    size_t next;
    int problems; /* calls that failed or disagreed, for the clean-verify check */
    int search_missed; /* a clean set's search that missed its first key */
    /* each volume opened alone, from memory: what the set must agree with */
    tome_reader *alone[SET_PARTS_MAX];
    void *alone_ws[SET_PARTS_MAX];
    int volume_ok[SET_VOLUMES_MAX];
    tome_set_volume info[SET_VOLUMES_MAX];
    uint8_t *body, *other;
    char *text, *again, *third;
} run;

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
    if (x->expect && i < x->expect->n) {
        FUZZ_CHECK(code == x->expect->at[i].code);
        FUZZ_CHECK(digest == x->expect->at[i].digest);
    }
}

/* A call that met the failed read is tried once more: a failed read must
 * leave nothing behind, so the retry gives the clean answer. */
#define CALL(code, expr)                                                     \
    do {                                                                     \
        if (((code) = (expr)) == TOME_ERR_READ)                              \
            (code) = (expr);                                                 \
    } while (0)

static uint64_t digest_of(const void *p, size_t n)
{
    return tome__hash(p, n);
}

static const uint8_t no_bytes[1];

static void set_config(run *x, tome_set_config *c, uint32_t volumes)
{
    uint32_t v;
    memset(c, 0, sizeof *c);
    for (v = 0; v <= volumes; v++) {
        tome_source *s = v == 0 ? &c->index : &x->src[v - 1];
        source_view *view = &x->views[v];
        if (v == 0)
            view->p = x->parts[0];
        else if (v - 1 < x->given)
            view->p = x->parts[v];
        else { /* recorded, but not in the input: an empty file */
            view->p.bytes = no_bytes;
            view->p.size = 0;
        }
        view->counter = &x->counter;
        memset(s, 0, sizeof *s);
        if (x->callback) {
            s->read = view_read;
            s->user = view;
        } else {
            s->data = view->p.bytes;
        }
        s->size = view->p.size;
    }
    c->volumes = volumes ? x->src : NULL;
    c->volume_count = volumes;
    c->flags = x->flags;
    c->max_article_size = FUZZ_ARTICLE_MAX;
    c->max_block_size = FUZZ_ARTICLE_MAX;
}

/* Open the set of `c` in a workspace of exactly the size asked for, taken
 * from the second byte of an allocation (any alignment must do); *ws is
 * the allocation (NULL when nothing was opened). */
static int open_set(run *x, tome_set_config *c, tome_set **s, uint8_t **ws)
{
    size_t need = 0;
    int code;
    *ws = NULL;
    *s = NULL;
    CALL(code, tome_set_workspace_size(c, &need));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_SET_OPEN) || code == TOME_ERR_WORKSPACE);
    /* (memory and callback mode need different sizes) */
    note(x, code, 0);
    if (code != TOME_OK || need > 4 * FUZZ_WORKSPACE_MAX)
        return code == TOME_OK ? TOME_ERR_WORKSPACE : code;
    *ws = malloc(need + 1);
    c->workspace = *ws + 1;
    /* a byte short is refused (sizing it reads the headers again: the
     * failed read may fall there) */
    c->workspace_size = need - 1;
    code = tome_set_open(s, c);
    FUZZ_CHECK((code == TOME_ERR_WORKSPACE || code == TOME_ERR_READ) && *s == NULL);
    c->workspace_size = need;
    CALL(code, tome_set_open(s, c));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_SET_OPEN));
    FUZZ_CHECK((code == TOME_OK) == (*s != NULL));
    note(x, code, 0);
    if (code != TOME_OK) {
        free(*ws);
        *ws = NULL;
    }
    return code;
}

/* The records: first IDs consecutive from 0, counts >= 1, names valid,
 * summing to the set's count. */
static void check_records(run *x, tome_set *s, uint32_t volumes, uint32_t count)
{
    uint32_t v, next = 0;
    int code;
    for (v = 0; v < volumes && v < SET_VOLUMES_MAX; v++) {
        tome_set_volume *in = &x->info[v];
        size_t n;
        CALL(code, tome_set_volume_info(s, v, in));
        /* checked at open, and decoded the same way again */
        FUZZ_CHECK(code == TOME_OK);
        if (code != TOME_OK) {
            note(x, code, 0);
            return;
        }
        n = strlen(in->name);
        FUZZ_CHECK(in->first_id == next && in->article_count >= 1 &&
                   in->article_count <= count - next);
        FUZZ_CHECK(n >= 1 && n <= TOME_SET_NAME_MAX && !strchr(in->name, '/'));
        FUZZ_CHECK(in->file_size >= TOME_HEADER_SIZE + TOME_FOOTER_SIZE);
        note(x, code, digest_of(in, sizeof *in));
        next += in->article_count;
    }
    if (volumes <= SET_VOLUMES_MAX)
        FUZZ_CHECK(next == count);
    {
        tome_set_volume past;
        CALL(code, tome_set_volume_info(s, volumes, &past));
        FUZZ_CHECK(code == TOME_ERR_RANGE);
    }
}

/* Volume v through the set, and alone: the same archive. */
static void check_volume(run *x, tome_set *s, uint32_t v)
{
    tome_reader *r = NULL;
    int code;
    CALL(code, tome_set_volume_reader(s, v, &r));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_VOLUME));
    FUZZ_CHECK(code != TOME_ERR_RANGE);
    note(x, code, 0);
    x->volume_ok[v] = code == TOME_OK;
    if (code != TOME_OK) {
        x->problems++;
        return;
    }
    FUZZ_CHECK(tome_count(r) == x->info[v].article_count);
    if (v < x->given && !x->alone[v]) {
        /* opened from the same bytes with the same flags: it opens alone */
        tome_config c;
        size_t need = 0;
        memset(&c, 0, sizeof c);
        c.data = x->parts[1 + v].bytes;
        c.size = x->parts[1 + v].size;
        c.flags = x->flags;
        c.max_article_size = FUZZ_ARTICLE_MAX;
        c.max_block_size = FUZZ_ARTICLE_MAX;
        FUZZ_CHECK(tome_workspace_size(&c, &need) == TOME_OK);
        x->alone_ws[v] = malloc(need ? need : 1);
        c.workspace = x->alone_ws[v];
        c.workspace_size = need;
        FUZZ_CHECK(tome_open(&x->alone[v], &c) == TOME_OK);
    }
}

/* Global ID `id`: where it is, its key, title and body, each exactly what
 * its volume alone gives for its local ID; and find of its key. */
static void check_id(run *x, tome_set *s, uint32_t id, uint32_t count, uint32_t volumes)
{
    uint32_t v = 0, local = 0, found = 0;
    tome_reader *alone;
    size_t size = 0, size2 = 0;
    int code, code2, key_ok;
    CALL(code, tome_set_locate(s, id, &v, &local));
    /* the records were checked at open: every ID has its volume */
    FUZZ_CHECK(code == TOME_OK);
    if (code != TOME_OK)
        return;
    FUZZ_CHECK(v < volumes);
    if (v < SET_VOLUMES_MAX)
        FUZZ_CHECK(id >= x->info[v].first_id && id - x->info[v].first_id == local);
    note(x, code, (uint64_t)v << 32 | local);
    alone = v < x->given && v < SET_VOLUMES_MAX && x->volume_ok[v] ? x->alone[v] : NULL;

    CALL(code, tome_set_key(s, id, x->text, KEY_CAP));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NAME));
    note(x, code, code == TOME_OK ? digest_of(x->text, strlen(x->text)) : 0);
    if (alone) {
        code2 = tome_key(alone, local, x->again, KEY_CAP);
        FUZZ_CHECK(code2 == code && (code != TOME_OK || strcmp(x->text, x->again) == 0));
    }
    key_ok = code == TOME_OK;
    x->problems += !key_ok;

    CALL(code, tome_set_title(s, id, x->again, KEY_CAP));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NAME));
    note(x, code, code == TOME_OK ? digest_of(x->again, strlen(x->again)) : 0);
    if (alone) {
        code2 = tome_title(alone, local, x->third, KEY_CAP);
        FUZZ_CHECK(code2 == code && (code != TOME_OK || strcmp(x->third, x->again) == 0));
    }
    x->problems += code != TOME_OK;

    CALL(code, tome_set_fetch(s, id, x->body, FUZZ_ARTICLE_MAX, &size));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FETCH));
    note(x, code, code == TOME_OK ? digest_of(x->body, size) : 0);
    if (alone) {
        code2 = tome_fetch(alone, local, x->other, FUZZ_ARTICLE_MAX, &size2);
        FUZZ_CHECK(code2 == code);
        FUZZ_CHECK(code != TOME_OK || (size == size2 && memcmp(x->body, x->other, size) == 0));
    }
    x->problems += code != TOME_OK;

    if (key_ok) {
        size_t n = strlen(x->text);
        CALL(code, tome_set_find(s, x->text, n, &found));
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND));
        note(x, code, code == TOME_OK ? found : 0);
        if (code == TOME_OK) {
            /* whatever find returns holds exactly the key asked for */
            FUZZ_CHECK(found < count);
            CALL(code2, tome_set_key(s, found, x->again, KEY_CAP));
            FUZZ_CHECK(code2 != TOME_OK || strcmp(x->again, x->text) == 0);
        }
        x->problems += code != TOME_OK || found != id;
    }
    (void)volumes;
}

/* Storage order: the cursor moves by one, each ID comes from the volume
 * the cursor is in, and (on a clean set) every ID exactly once. */
static int check_walk(run *x, tome_set *s, uint32_t count)
{
    uint32_t cursor = 0, id = 0, calls = 0, limit = count < SET_WALK_MAX ? count : SET_WALK_MAX;
    uint8_t *seen = calloc(limit / 8 + 1, 1);
    uint64_t digest = 0;
    int code, each_once = 1;
    for (;;) {
        uint32_t before = cursor, v1 = 0, v2 = 1, l;
        int c1, c2;
        CALL(code, tome_set_next(s, &cursor, &id));
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_NEXT));
        if (code != TOME_OK)
            break;
        FUZZ_CHECK(id < count && cursor == before + 1);
        if (id >= count || cursor != before + 1)
            break;
        CALL(c1, tome_set_locate(s, before, &v1, &l));
        CALL(c2, tome_set_locate(s, id, &v2, &l));
        FUZZ_CHECK(c1 == TOME_OK && c2 == TOME_OK && v1 == v2);
        if (id < limit) {
            if (seen[id / 8] & (1u << (id % 8)))
                each_once = 0;
            seen[id / 8] |= (uint8_t)(1u << (id % 8));
        }
        digest = digest * 31u + id;
        if (++calls > limit)
            break;
    }
    if (code == TOME_DONE) {
        FUZZ_CHECK(cursor == count);
        FUZZ_CHECK(calls == count && each_once);
    }
    note(x, code, digest);
    free(seen);
    return code == TOME_DONE && calls == count && each_once;
}

/* Each index key finds an article holding it (on a clean set, the
 * volume's first); each alias of the index finds one holding it in the
 * volume of its index article. */
static void check_index_keys(run *x, tome_set *s, uint32_t volumes, uint32_t count)
{
    tome_reader *index = tome_set_index(s);
    uint32_t v, n, found = 0;
    int code;
    for (v = 0; v < volumes && v < SET_VOLUMES_MAX; v++) {
        tome_article a;
        CALL(code, tome_key(index, v, x->text, KEY_CAP));
        if (code == TOME_OK) {
            CALL(code, tome_set_find(s, x->text, strlen(x->text), &found));
            FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND));
            note(x, code, code == TOME_OK ? found : 0);
            x->problems += code != TOME_OK || found != x->info[v].first_id;
        } else {
            x->problems++;
        }
        CALL(code, tome_stat(index, v, &a));
        if (code != TOME_OK) {
            x->problems++;
            continue;
        }
        for (n = 0; n < a.alias_count && n < 8; n++) {
            CALL(code, tome_alias(index, v, n, x->text, KEY_CAP));
            if (code != TOME_OK) {
                x->problems++;
                continue;
            }
            CALL(code, tome_set_find(s, x->text, strlen(x->text), &found));
            FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND));
            FUZZ_CHECK(code != TOME_OK || found < count);
            note(x, code, code == TOME_OK ? found : 0);
            x->problems += code != TOME_OK || found < x->info[v].first_id ||
                           found - x->info[v].first_id >= x->info[v].article_count;
        }
    }
    /* no key is empty */
    CALL(code, tome_set_find(s, "", 0, &found));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_FIND) && code != TOME_OK);
}

/* What tome_set_verify() reported through its callback. */
typedef struct tally {
    uint32_t volumes, count, calls, file_calls;
    uint64_t digest;
} tally;

static void on_damage(void *user, uint32_t volume, tome_part part, uint32_t index, int error)
{
    tally *t = user;
    t->calls++;
    FUZZ_CHECK(volume < t->volumes || volume == TOME_NO_INDEX);
    FUZZ_CHECK(part >= TOME_PART_FILE && part <= TOME_PART_BINDINGS);
    FUZZ_CHECK(IS_ONE_OF(error, ALLOWED_DAMAGE));
    FUZZ_CHECK(part != TOME_PART_ARTICLE || index < t->count || volume == TOME_NO_INDEX);
    t->digest = t->digest * 1000003u + (uint64_t)volume * 8191u + (uint64_t)part * 65599u +
                index * 257u + (uint64_t)-error;
}

static int check_verify(run *x, tome_set *s, uint32_t volumes, uint32_t count)
{
    tome_set_verify_report rep, rep2;
    tally t, t2;
    int code, code2;
    memset(&t, 0, sizeof t);
    t.volumes = volumes;
    t.count = count;
    t2 = t;
    if ((code = tome_set_verify(s, on_damage, &t, &rep)) == TOME_ERR_READ) {
        t = t2;
        code = tome_set_verify(s, on_damage, &t, &rep);
    }
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_VERIFY));
    if (code != TOME_ERR_READ) {
        FUZZ_CHECK((code == TOME_OK) == (t.calls == 0));
        FUZZ_CHECK(code != TOME_OK || (rep.damaged_volumes == 0 && !rep.index_damaged &&
                                       rep.damaged_articles == 0 &&
                                       rep.checked_articles == count));
        FUZZ_CHECK(rep.checked_articles <= count && rep.damaged_volumes <= volumes);
        /* verify keeps no state: a second run says the same */
        if ((code2 = tome_set_verify(s, on_damage, &t2, &rep2)) == TOME_ERR_READ) {
            memset(&t2, 0, sizeof t2);
            t2.volumes = volumes;
            t2.count = count;
            code2 = tome_set_verify(s, on_damage, &t2, &rep2);
        }
        FUZZ_CHECK(code2 == code && memcmp(&rep, &rep2, sizeof rep) == 0 &&
                   t2.digest == t.digest);
    }
    note(x, code, t.digest);
    return code;
}

/* An exact search for the first bytes of the set's first key: each match
 * is an ID of the set whose key or title (as the match says) begins with
 * them; on a clean set, the article of that key is among them. */
#define SEARCH_MATCHES_MAX 256u
static void check_search(run *x, tome_set *s, uint32_t count)
{
    tome_set_search search;
    tome_match m;
    uint64_t digest = 0;
    uint32_t matches = 0;
    size_t q;
    int code, code2, found_first = 0;
    char query[4];
    CALL(code, tome_set_key(s, 0, x->third, KEY_CAP));
    if (code != TOME_OK)
        return;
    q = strlen(x->third) < sizeof query - 1 ? strlen(x->third) : sizeof query - 1;
    memcpy(query, x->third, q);
    query[q] = '\0';
    CALL(code, tome_set_search_start(s, &search, query, q, TOME_SEARCH_ALL | TOME_SEARCH_EXACT));
    FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_SEARCH));
    while (code == TOME_OK && matches < SEARCH_MATCHES_MAX) {
        CALL(code, tome_set_search_next(s, &search, &m));
        FUZZ_CHECK(IS_ONE_OF(code, ALLOWED_SEARCH));
        if (code != TOME_OK)
            break;
        matches++;
        FUZZ_CHECK(m.id < count);
        if (m.id >= count)
            break;
        digest = digest * 31u + m.id * 4u + (m.source < 2 ? m.source : 2);
        found_first |= m.id == 0 && m.source == 0;
        if (m.source < 2) {
            CALL(code2, m.source ? tome_set_title(s, m.id, x->again, KEY_CAP)
                                 : tome_set_key(s, m.id, x->again, KEY_CAP));
            FUZZ_CHECK(code2 != TOME_OK || strncmp(x->again, query, q) == 0);
        }
    }
    if (code == TOME_DONE && x->problems == 0)
        x->search_missed += !found_first;
    note(x, code, digest);
}

/* Every call over the whole set (`volumes` sources, as the index records). */
static void exercise_set(run *x, tome_set *s, uint32_t volumes, uint32_t count)
{
    uint32_t v, id, first_fetched = TOME_NO_INDEX;
    int code, each_once, verified;
    size_t size = 0;
    uint64_t before = 0;
    for (v = 0; v < volumes && v < SET_VOLUMES_MAX; v++)
        check_volume(x, s, v);
    for (v = 0; v < volumes && v < SET_VOLUMES_MAX; v++) {
        const tome_set_volume *in = &x->info[v];
        uint32_t ends = in->article_count < 2 * SET_IDS_EACH_END ? in->article_count
                                                                 : SET_IDS_EACH_END;
        for (id = 0; id < ends; id++)
            check_id(x, s, in->first_id + id, count, volumes);
        for (id = in->article_count - ends; id < in->article_count; id++)
            if (id >= ends)
                check_id(x, s, in->first_id + id, count, volumes);
    }
    {
        uint8_t byte;
        uint32_t l;
        tome_reader *r;
        FUZZ_CHECK(tome_set_fetch(s, count, &byte, 1, &size) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_set_key(s, 0xFFFFFFFFu, (char *)&byte, 1) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_set_locate(s, count, &v, &l) == TOME_ERR_RANGE);
        FUZZ_CHECK(tome_set_volume_reader(s, volumes, &r) == TOME_ERR_RANGE);
    }
    each_once = check_walk(x, s, count);
    check_index_keys(x, s, volumes, count);
    check_search(x, s, count);
    /* a fetch before verify and after it (which closes the open volume)
     * gives the same answer */
    if (count > 0) {
        first_fetched = count - 1u;
        CALL(code, tome_set_fetch(s, first_fetched, x->body, FUZZ_ARTICLE_MAX, &size));
        before = (uint64_t)(code + 64) << 56 ^ (code == TOME_OK ? digest_of(x->body, size) : 0);
    }
    verified = check_verify(x, s, volumes, count);
    if (first_fetched != TOME_NO_INDEX) {
        CALL(code, tome_set_fetch(s, first_fetched, x->body, FUZZ_ARTICLE_MAX, &size));
        FUZZ_CHECK(before ==
                   ((uint64_t)(code + 64) << 56 ^ (code == TOME_OK ? digest_of(x->body, size) : 0)));
    }
    /* A clean verify means every call above succeeded exactly. */
    if (verified == TOME_OK)
        FUZZ_CHECK(x->problems == 0 && each_once && volumes <= SET_VOLUMES_MAX &&
                   x->search_missed == 0);
}

static void run_set(const part *parts, unsigned given, uint32_t flags, int callback,
                    unsigned long fail_at, outcome_log *log, const outcome_log *expect,
                    unsigned long *read_calls)
{
    run *x = calloc(1, sizeof *x);
    tome_set_config c;
    tome_set *s;
    uint8_t *ws;
    uint32_t volumes, count, v;
    int code;
    x->parts = parts;
    x->given = given;
    x->callback = callback;
    x->flags = flags;
    x->counter.fail_at = fail_at;
    x->log = log;
    x->expect = expect;
    if (log)
        log->n = 0;
    x->body = malloc(FUZZ_ARTICLE_MAX);
    x->other = malloc(FUZZ_ARTICLE_MAX);
    x->text = malloc(KEY_CAP);
    x->again = malloc(KEY_CAP);
    x->third = malloc(KEY_CAP);

    /* The index alone first: what it records, and that the volume calls
     * then say there are no volumes. */
    set_config(x, &c, 0);
    if (open_set(x, &c, &s, &ws) != TOME_OK)
        goto done;
    volumes = tome_set_volume_count(s);
    count = tome_set_count(s);
    FUZZ_CHECK(volumes >= 1 && volumes == tome_count(tome_set_index(s)));
    FUZZ_CHECK(count != 0xFFFFFFFFu);
    note(x, TOME_OK, (uint64_t)volumes << 32 | count);
    check_records(x, s, volumes, count);
    {
        tome_reader *r;
        uint8_t byte;
        size_t size;
        FUZZ_CHECK(tome_set_volume_reader(s, 0, &r) == TOME_ERR_RANGE);
        code = tome_set_fetch(s, 0, &byte, 1, &size);
        FUZZ_CHECK(code == TOME_ERR_RANGE);
    }
    free(ws);
    if (volumes > SET_VOLUMES_MAX)
        goto done;

    /* A volume count other than the index's is the caller's mistake. */
    if (given != 0 && given != volumes) {
        set_config(x, &c, given);
        CALL(code, tome_set_workspace_size(&c, &c.workspace_size));
        if (code == TOME_OK && c.workspace_size <= 4 * FUZZ_WORKSPACE_MAX) {
            ws = malloc(c.workspace_size);
            c.workspace = ws;
            CALL(code, tome_set_open(&s, &c));
            FUZZ_CHECK(code == TOME_ERR_ARGUMENT);
            free(ws);
        }
    }

    set_config(x, &c, volumes);
    code = open_set(x, &c, &s, &ws);
    /* the index opened alone above; the volumes' headers only size the
     * workspace */
    FUZZ_CHECK(code == TOME_OK || code == TOME_ERR_WORKSPACE);
    if (code != TOME_OK)
        goto done;
    FUZZ_CHECK(tome_set_volume_count(s) == volumes && tome_set_count(s) == count);
    check_records(x, s, volumes, count);
    exercise_set(x, s, volumes, count);
    free(ws);
done:
    for (v = 0; v < SET_PARTS_MAX; v++)
        free(x->alone_ws[v]);
    if (read_calls)
        *read_calls = x->counter.calls;
    free(x->body);
    free(x->other);
    free(x->text);
    free(x->again);
    free(x->third);
    free(x);
}

FUZZ_TARGET(set)
{
    static outcome_log clean;
    part parts[1 + SET_PARTS_MAX];
    uint8_t *copy;
    unsigned given, n, head;
    size_t at = 1;
    uint32_t flags = 0;
    unsigned long calls = 0;
    if (size < 1)
        return 0;
    head = data[0];
    given = head & 7u;
    if (given > SET_PARTS_MAX)
        given = SET_PARTS_MAX;
    if (head & 0x20u)
        flags |= TOME_OPEN_NO_DICT_TABLES;
    if (head & 0x40u)
        flags |= TOME_OPEN_TRUST_CONTENT;
    /* each part its own exactly sized copy, so AddressSanitizer sees an
     * over-read of any one of them */
    copy = malloc(size);
    memcpy(copy, data, size);
    for (n = 0; n <= given; n++) {
        size_t len = 0;
        if (size - at >= 2) {
            len = (size_t)copy[at] | (size_t)copy[at + 1] << 8;
            at += 2;
        } else {
            at = size;
        }
        if (len > size - at)
            len = size - at;
        parts[n].bytes = malloc(len ? len : 1);
        memcpy((uint8_t *)parts[n].bytes, copy + at, len);
        parts[n].size = len;
        at += len;
        if (head & (n == 0 ? 0x08u : 0x10u))
            reseal((uint8_t *)parts[n].bytes, len, RESEAL_ALL);
    }
    free(copy);
    run_set(parts, given, flags, 0, 0, &clean, NULL, NULL);
    /* through the callback: the very same answers */
    run_set(parts, given, flags, 1, 0, NULL, &clean, &calls);
    if (calls > 0)
        run_set(parts, given, flags, 1, 1 + (unsigned long)(tome__hash(data, size) % calls), NULL,
                &clean, NULL);
    for (n = 0; n <= given; n++)
        free((void *)parts[n].bytes);
    return 0;
}
