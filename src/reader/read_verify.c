/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_verify.c - tome_verify(): docs/FORMAT.md, "What a verifier checks",
 * in one pass over the file, the body blocks and the trees, with no memory
 * beyond the workspace.  Bindings between name entries, block lists,
 * aliases and search entries are proved by multiset hashes: the sum
 * modulo 2^64 of a 64-bit hash of each tuple, made on both sides.
 */
#include <string.h>

#include "fold.h"
#include "read_internal.h"
#include "utf8.h"

#define SEED_A 0x9E3779B1u
#define SEED_B 0x85EBCA77u

typedef struct verifier {
    tome_reader *r;
    tome_damage_fn fn;
    void *user;
    tome_verify_report rep;
    int read_error;
    /* multiset sums: name side and the other side */
    uint64_t names_loc, lists_loc, names_alias, tree_alias, folded_names, folded_search;
    uint64_t listings, raw, stored, bodies, article_max;
    int listings_unknown; /* a head before was unreadable: resync `first` */
    int partial; /* a string too long for the verifier's buffer */
    /* body blocks whose heads could not be read: their articles are found
     * from the name entries' locations */
    uint32_t unread_count, unread_lo, unread_hi;
} verifier;

static void damage(verifier *v, tome_part part, uint32_t index, int error)
{
    if (error == TOME_ERR_READ) {
        v->read_error = 1;
        return;
    }
    v->rep.damaged_parts |= 1u << part;
    if (part == TOME_PART_BLOCK)
        v->rep.damaged_blocks++;
    if (part == TOME_PART_ARTICLE)
        v->rep.damaged_articles++;
    if (v->fn)
        v->fn(v->user, part, index, error);
}

/* A 64-bit hash of a tuple: a tag, three numbers and a string. */
static uint64_t tuple_hash(tome_hash_state *st, uint32_t tag, uint32_t a, uint32_t b,
                           uint32_t c, const uint8_t *s, size_t n)
{
    uint8_t t[16];
    uint64_t h;
    tome_put32(t, tag), tome_put32(t + 4, a), tome_put32(t + 8, b), tome_put32(t + 12, c);
    tome__hash_reset(st, SEED_A);
    tome__hash_update(st, t, sizeof t);
    if (n)
        tome__hash_update(st, s, n);
    h = (uint64_t)tome__hash_digest(st) << 32;
    tome__hash_reset(st, SEED_B);
    tome__hash_update(st, t, sizeof t);
    if (n)
        tome__hash_update(st, s, n);
    return h | tome__hash_digest(st);
}

/* ---- 1: the file ---- */

static void check_file(verifier *v)
{
    tome_reader *r = v->r;
    uint64_t at = 0, len = r->h.file_size - 4;
    uint8_t tmp[4];
    const uint8_t *stored;
    tome__hash_reset(&r->hash, 0);
    if (r->data) {
        tome__hash_update(&r->hash, r->data, (size_t)len);
    } else {
        /* the staging buffer: nothing refers to it between calls */
        while (at < len) {
            size_t n = len - at < r->staging_size ? (size_t)(len - at) : r->staging_size;
            if (r->read(r->user, at, r->staging, n) != 0) {
                v->read_error = 1;
                return;
            }
            tome__hash_update(&r->hash, r->staging, n);
            at += n;
        }
    }
    if (!(stored = tome__bytes(r, len, 4, tmp))) {
        v->read_error = 1;
        return;
    }
    if (tome_get32(stored) != tome__hash_digest(&r->hash))
        damage(v, TOME_PART_FILE, TOME_NO_INDEX, TOME_ERR_CHECKSUM);
}

/* ---- 2: records (frames against the dictionary and the table) ---- */

static int overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return an && bn && a < b + bn && b < a + an;
}

/* Frames lie in block table order, so that they cannot overlap is one
 * comparison with the previous good record's end (*prev_end, moved on
 * when record i is good). */
static int record_check(tome_reader *r, uint32_t i, uint64_t *prev_end)
{
    const tome_header *h = &r->h;
    tome_block b;
    int err = tome__load_block(r, i, &b);
    if (err == TOME_OK &&
        (overlaps(b.frame_offset, b.frame_size, h->dict_offset, h->dict_size) ||
         overlaps(b.frame_offset, b.frame_size, h->block_table_offset,
                  (uint64_t)h->block_total * BLK_RECORD_SIZE) ||
         b.frame_offset < *prev_end))
        err = TOME_ERR_CORRUPT;
    if (err == TOME_OK)
        *prev_end = b.frame_offset + b.frame_size;
    return err;
}

static void check_records(verifier *v)
{
    uint64_t prev_end = 0;
    uint32_t i;
    for (i = 0; i < v->r->h.block_total && !v->read_error; i++) {
        int err = record_check(v->r, i, &prev_end);
        if (err != TOME_OK)
            damage(v, TOME_PART_BLOCK_TABLE, i, err);
    }
}

/* ---- 3, 4: body blocks ---- */

/* The IDs listed in the head in r->head, as damaged articles: all of
 * them, or (last_only) those of its last body. */
static void damage_listed(verifier *v, int err, int last_only)
{
    tome_reader *r = v->r;
    tome_head *hd = &r->head;
    tome_cursor c;
    uint32_t i, j;
    tome__cursor_init(&c, r->body.buf + hd->lists_at, hd->end_at - hd->lists_at);
    for (i = 0; i < hd->bodies; i++) {
        uint32_t n = tome__get_varint(&c), id = tome__get_varint(&c);
        for (j = 0; j < n && !c.bad; j++) {
            if (j)
                id += tome__get_varint(&c);
            if (!last_only || i + 1 == hd->bodies)
                damage(v, TOME_PART_ARTICLE, id, err);
        }
    }
}

/* A damaged block holding the continuation of a body that started in
 * block `carrier` (whose head was read before): that body's articles are
 * damaged too. */
static void damage_carried(verifier *v, uint32_t carrier, int err)
{
    int got = tome__head_load(v->r, carrier);
    if (got == TOME_OK)
        damage_listed(v, err, 1);
    else if (got == TOME_ERR_READ)
        v->read_error = 1;
}

/* Block b: whole (checksum, chunks, frame end), head, segments, and its
 * carry against what the previous block left (*pending).  A damaged frame
 * may still hold a sound head: *head_ok then says r->head lists the
 * block's articles. */
static int check_body_block(verifier *v, uint32_t b, uint64_t *pending, int *head_ok)
{
    tome_reader *r = v->r;
    tome_head *hd = &r->head;
    tome_cursor c;
    uint64_t sum = 0;
    uint32_t i, j;
    int err, frame_err;
    *head_ok = 0;
    if ((frame_err = tome__slot_check(r, &r->body, b)) == TOME_ERR_READ)
        return frame_err;
    /* the head is the frame's first bytes: a FAILED slot still serves
     * them when the damage lies after them */
    if ((err = tome__head_load(r, b)) != TOME_OK)
        return err == TOME_ERR_READ || frame_err == TOME_OK ? err : frame_err;
    *head_ok = 1;
    v->stored += hd->area; /* the bodies, each once */
    /* the carry against what the previous block left (UINT64_MAX: not
     * known, the previous head was damaged); then what this one leaves */
    err = *pending != UINT64_MAX &&
                  hd->carry != (*pending < hd->area ? *pending : hd->area)
              ? TOME_ERR_CORRUPT
              : TOME_OK;
    tome__cursor_init(&c, r->body.buf + hd->sizes_at, hd->end_at - hd->sizes_at);
    for (i = 0; i < hd->bodies; i++)
        sum += tome__get_varint(&c);
    if (hd->bodies)
        *pending = hd->carry + sum > hd->area ? hd->carry + sum - hd->area : 0;
    else if (*pending != UINT64_MAX)
        *pending = *pending > hd->carry ? *pending - hd->carry : 0;
    /* `first` sums; after an unreadable head the count is taken up again
     * here, so one damaged block does not make all later ones wrong */
    if (v->listings_unknown)
        v->listings = hd->first, v->listings_unknown = 0;
    if (hd->first != v->listings)
        err = TOME_ERR_CORRUPT;
    /* the listings: (ID, block, body) into the multiset, sizes into raw */
    tome__cursor_init(&c, r->body.buf + hd->sizes_at, hd->end_at - hd->sizes_at);
    {
        tome_cursor l = c;
        for (i = 0; i < hd->bodies; i++)
            (void)tome__get_varint(&l);
        for (i = 0; i < hd->bodies; i++) {
            uint32_t size = tome__get_varint(&c), n = tome__get_varint(&l);
            uint32_t id = tome__get_varint(&l);
            for (j = 0; j < n; j++) {
                if (j)
                    id += tome__get_varint(&l);
                v->lists_loc += tuple_hash(&r->hash, 1, id, b, i, NULL, 0);
                v->raw += size;
            }
            if (size > v->article_max)
                v->article_max = size;
            v->listings += n;
        }
        v->bodies += hd->bodies;
        if (c.bad || l.bad)
            err = TOME_ERR_CORRUPT;
    }
    if (frame_err != TOME_OK)
        return frame_err;
    if (err != TOME_OK)
        return err;
    return tome__body_check(r, 0, hd->area);
}

/* Every body block, and the articles of each damaged one: those of the
 * bodies starting in it (from its head, or, when the head cannot be read,
 * from the name entries' locations: see damage_located()) and that of a
 * body continuing into it from a block before. */
static void check_bodies(verifier *v)
{
    tome_reader *r = v->r;
    uint64_t pending = 0, prev_end = 0;
    /* the block where the body continuing past block b - 1 starts, while
     * its articles are not named; TOME_NO_BLOCK when there is none or
     * they are */
    uint32_t b, carrier = TOME_NO_BLOCK;
    for (b = 0; b < r->h.body_blocks && !v->read_error; b++) {
        /* a damaged record makes the block's articles damaged too */
        int head_ok = 0, record = record_check(r, b, &prev_end);
        int err = record == TOME_ERR_READ ? record : check_body_block(v, b, &pending, &head_ok);
        uint32_t bodies;
        if (err == TOME_ERR_READ) {
            v->read_error = 1;
            return;
        }
        if (err == TOME_OK)
            err = record;
        bodies = head_ok ? r->head.bodies : 0;
        if (!head_ok) {
            pending = UINT64_MAX; /* carries unknown until a head says */
            v->listings_unknown = 1;
        }
        if (err != TOME_OK) {
            damage(v, TOME_PART_BLOCK, b, err);
            if (head_ok) {
                damage_listed(v, err, 0);
            } else {
                if (v->unread_count++ == 0)
                    v->unread_lo = b;
                v->unread_hi = b;
            }
            if (carrier != TOME_NO_BLOCK)
                damage_carried(v, carrier, err);
            carrier = TOME_NO_BLOCK; /* whatever continues past b is named */
        } else if (bodies > 0) {
            carrier = b;
        }
        if (pending == 0)
            carrier = TOME_NO_BLOCK;
    }
    if (!v->read_error && pending != 0 && pending != UINT64_MAX)
        damage(v, TOME_PART_BLOCK, r->h.body_blocks - 1, TOME_ERR_CORRUPT);
}

/* ---- 5, 6: trees ---- */

typedef struct tree_walk {
    tome_tree t;
    tome_part part;
    uint64_t separators, firsts; /* multisets: node side, frame side */
    uint32_t expected_child, level, level_start, prev_level_start;
    uint8_t *str;       /* the entry's string, assembled (a prefix of it when
                           longer than str_cap) */
    size_t str_cap;
    uint8_t *last;      /* the previous leaf's last string (a prefix of it) */
    size_t last_cap, last_size;
    uint32_t last_id, last_source;
    int have_last, last_clipped;
} tree_walk;

/* Fold `s` into the hash pair, without a buffer. */
static uint64_t fold_hash(tome_hash_state *st, uint32_t tag, uint32_t id, uint32_t source,
                          const uint8_t *s, size_t n, int *ok)
{
    tome_hash_state a, b;
    uint8_t t[16], out[TOME_FOLD_CP_MAX];
    size_t at = 0;
    (void)st;
    tome_put32(t, tag), tome_put32(t + 4, id), tome_put32(t + 8, source), tome_put32(t + 12, 0);
    tome__hash_reset(&a, SEED_A), tome__hash_reset(&b, SEED_B);
    tome__hash_update(&a, t, sizeof t), tome__hash_update(&b, t, sizeof t);
    while (at < n) {
        size_t k, used = tome__fold_step(s + at, n - at, out, &k);
        if (used == 0) {
            *ok = 0;
            return 0;
        }
        tome__hash_update(&a, out, k), tome__hash_update(&b, out, k);
        at += used;
    }
    *ok = 1;
    return ((uint64_t)tome__hash_digest(&a) << 32) | tome__hash_digest(&b);
}

/* Order of `cur` against `prev` (<0, 0, >0) when the known bytes decide
 * it, 2 when a clipped string leaves it open. */
static int clipped_order(const uint8_t *prev, size_t pn, int prev_clipped, const uint8_t *cur,
                         size_t cn, int cur_clipped)
{
    size_t n = pn < cn ? pn : cn;
    int c = n ? memcmp(cur, prev, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    if (pn < cn && !prev_clipped)
        return 1;
    if (cn < pn && !cur_clipped)
        return -1;
    if (pn == cn && !prev_clipped && !cur_clipped)
        return 0;
    return 2;
}

/* An entry's checks.  `clipped`: only a prefix of its string is at hand
 * (a string longer than the verifier's buffer): what depends on the whole
 * string is left unproved (v->partial), the bindings of its place are
 * still counted. */
static int check_entry(verifier *v, tree_walk *w, const tome_frame *f, uint32_t i,
                       const tome_entry *e, const uint8_t *str, size_t str_size, int clipped)
{
    tome_reader *r = v->r;
    int ok = 1;
    uint32_t ordinal = f->first + i;
    if (clipped)
        v->partial = 1;
    switch (w->t.kind) {
    case TOME_KIND_NAME: {
        uint32_t j, o;
        tome_cursor c;
        if ((!clipped && !tome__key_valid(str, str_size)) ||
            !tome__key_valid(e->value, e->value_size))
            return TOME_ERR_KEYS;
        v->names_loc += tuple_hash(&r->hash, 1, ordinal, e->block, e->body, NULL, 0);
        tome__cursor_init(&c, r->index.buf + e->aliases_at, r->index.done - e->aliases_at);
        for (j = 0; j < e->alias_count; j++) {
            o = tome__get_varint(&c);
            v->names_alias += tuple_hash(&r->hash, 2, o, ordinal, 0, NULL, 0);
        }
        if (clipped)
            return TOME_OK;
        {
            uint64_t key = fold_hash(&r->hash, 3, ordinal, 0, str, str_size, &ok);
            uint64_t title = 0, title_as_key = 0;
            v->folded_names += key;
            if (e->value_size) {
                title = fold_hash(&r->hash, 3, ordinal, 1, e->value, e->value_size, &ok);
                title_as_key = fold_hash(&r->hash, 3, ordinal, 0, e->value, e->value_size, &ok);
                if (title_as_key != key)
                    v->folded_names += title;
            }
        }
        return ok ? TOME_OK : TOME_ERR_KEYS;
    }
    case TOME_KIND_ALIAS:
        v->tree_alias += tuple_hash(&r->hash, 2, ordinal, e->id, 0, NULL, 0);
        if (clipped)
            return TOME_OK;
        if (!tome__key_valid(str, str_size))
            return TOME_ERR_KEYS;
        /* alias-sourced search entries: (folded alias, ID); the alias
         * number j is not bound (see the search side) */
        v->folded_names += fold_hash(&r->hash, 4, e->id, 0, str, str_size, &ok);
        return ok ? TOME_OK : TOME_ERR_KEYS;
    case TOME_KIND_SEARCH:
        return TOME_OK; /* hashed by search_side() */
    default:
        if (str_size == 0 || (!clipped && !tome__key_valid(str, str_size)) ||
            !tome__key_valid(e->value, e->value_size))
            return TOME_ERR_KEYS;
        return TOME_OK;
    }
}

/* Search entries hash their folded string as the name side does. */
static void search_side(verifier *v, const tome_entry *e, const uint8_t *str, size_t n)
{
    tome_reader *r = v->r;
    uint8_t t[16];
    tome_hash_state a, b;
    uint32_t tag = e->source >= TOME_SOURCE_ALIAS ? 4 : 3;
    uint32_t source = e->source >= TOME_SOURCE_ALIAS ? 0 : e->source;
    (void)r;
    tome_put32(t, tag), tome_put32(t + 4, e->id), tome_put32(t + 8, source), tome_put32(t + 12, 0);
    tome__hash_reset(&a, SEED_A), tome__hash_reset(&b, SEED_B);
    tome__hash_update(&a, t, sizeof t), tome__hash_update(&b, t, sizeof t);
    if (n)
        tome__hash_update(&a, str, n), tome__hash_update(&b, str, n);
    v->folded_search += ((uint64_t)tome__hash_digest(&a) << 32) | tome__hash_digest(&b);
}

/* The articles of a sound name leaf (entries at [at, f->end) of the index
 * buffer) whose bodies start in a body block with an unreadable head:
 * their IDs could not be listed by check_bodies(), so they are named from
 * their locations.  Whether a block's head is unreadable is asked again
 * of the block (the same bytes give the same answer), for the blocks in
 * the range where unreadable heads were met. */
static void damage_located(verifier *v, tree_walk *w, const tome_frame *f, size_t at)
{
    tome_reader *r = v->r;
    uint32_t i, prev_size = 0, block = 0;
    for (i = 0; i < f->count && !v->read_error; i++) {
        tome_entry e;
        int err;
        if (tome__entry_next(r, &w->t, 0, &at, f->end, prev_size, &block, &e) != TOME_OK)
            return; /* parsed once already: cannot happen */
        prev_size = e.size;
        if (e.block < v->unread_lo || e.block > v->unread_hi)
            continue;
        err = tome__head_load(r, e.block);
        if (err == TOME_ERR_READ)
            v->read_error = 1;
        else if (err != TOME_OK)
            damage(v, TOME_PART_ARTICLE, f->first + i, err);
    }
}

/* Frame `number`: head, children coverage, entries, order. */
static int check_frame(verifier *v, tree_walk *w, uint32_t number)
{
    tome_reader *r = v->r;
    tome_frame f;
    uint32_t i, prev_size = 0, block = 0;
    uint8_t *str = w->str;
    size_t entries_at;
    int err;
    if ((err = tome__frame_load(r, &w->t, number, &f)) != TOME_OK)
        return err;
    entries_at = f.at;
    /* levels: leaves, then nodes level by level, each level's children
     * exactly the frames of the level below */
    if (f.level != w->level) {
        /* a new level, one up; the level below it fully covered by the
         * children of its own parents' level */
        if (f.level != w->level + 1 || (w->level > 0 && w->expected_child != w->level_start))
            return TOME_ERR_CORRUPT;
        w->prev_level_start = w->level_start;
        w->level_start = number;
        w->level = f.level;
        w->expected_child = w->prev_level_start;
    }
    if (f.level > 0) {
        if (f.first != w->expected_child)
            return TOME_ERR_CORRUPT;
        w->expected_child += f.count;
    }
    for (i = 0; i < f.count; i++) {
        tome_entry e;
        size_t n;
        if ((err = tome__entry_next(r, &w->t, f.level, &f.at, f.end, prev_size, &block, &e)) !=
            TOME_OK)
            return err;
        /* the string itself, assembled into the buffer (its first
         * str_cap bytes when longer) */
        tome__assemble(str, w->str_cap, &e);
        n = e.size < w->str_cap ? e.size : w->str_cap;
        /* every frame but the root: its first string, to meet its
         * separator in the parent */
        if (i == 0 && number + 1 < w->t.frames)
            w->firsts += tuple_hash(&r->hash, 5, number, 0, 0, str, n);
        if (f.level > 0) {
            w->separators += tuple_hash(&r->hash, 5, f.first + i, 0, 0, str, n);
        } else {
            if (w->have_last) {
                int c = clipped_order(w->last, w->last_size, w->last_clipped, str, n,
                                      e.size > n);
                if (w->t.kind == TOME_KIND_SEARCH && c == 0)
                    c = e.id != w->last_id ? (e.id > w->last_id ? 1 : -1)
                                           : (e.source > w->last_source) -
                                                 (e.source < w->last_source);
                if (c != 2 && c <= 0)
                    return TOME_ERR_KEYS;
            }
            if (w->t.kind == TOME_KIND_SEARCH)
                search_side(v, &e, str, n);
            if ((err = check_entry(v, w, &f, i, &e, str, n, e.size > n)) != TOME_OK)
                return err;
            memcpy(w->last, str, n);
            w->last_size = n;
            w->last_clipped = e.size > n;
            w->last_id = e.id;
            w->last_source = e.source;
            w->have_last = 1;
        }
        prev_size = e.size;
    }
    if (f.at != f.end)
        return TOME_ERR_CORRUPT;
    /* a damaged leaf names all its IDs instead (check_tree()) */
    if (w->t.kind == TOME_KIND_NAME && f.level == 0 && v->unread_count > 0)
        damage_located(v, w, &f, entries_at);
    return TOME_OK;
}

static void check_tree(verifier *v, unsigned kind, tome_part part, uint8_t *str,
                       uint8_t *last, size_t cap)
{
    tree_walk w;
    uint32_t number;
    memset(&w, 0, sizeof w);
    tome__tree_of(v->r, kind, &w.t);
    w.part = part;
    w.str = str;
    w.str_cap = cap;
    w.last = last;
    w.last_cap = cap;
    for (number = 0; number < w.t.frames && !v->read_error; number++) {
        int err = check_frame(v, &w, number);
        if (err != TOME_OK) {
            damage(v, part, number, err);
            if (kind == TOME_KIND_NAME && number < w.t.leaves) {
                /* the IDs of the leaf, from the records */
                tome_block b, next;
                uint32_t id, end = v->r->h.article_count;
                int got = tome__load_block(v->r, w.t.base + number, &b), got_next = TOME_OK;
                if (got == TOME_OK && number + 1 < w.t.leaves &&
                    (got_next = tome__load_block(v->r, w.t.base + number + 1, &next)) == TOME_OK)
                    end = next.first;
                /* a failed read is the answer, never a shorter report */
                if (got == TOME_ERR_READ || got_next == TOME_ERR_READ)
                    v->read_error = 1;
                else if (got == TOME_OK) {
                    /* a leaf holds at most one entry per byte of its content:
                     * a damaged header's count does not make this loop long */
                    if (end > b.first && end - b.first > b.content_size)
                        end = b.first + (uint32_t)b.content_size;
                    for (id = b.first; id < end && id < v->r->h.article_count; id++)
                        damage(v, TOME_PART_ARTICLE, id, err);
                }
            }
            /* the frame's place in the levels is unknown: stop the
             * structural checks of this tree, keep the entry checks */
            w.level = 0xFFFFFFFFu;
            break;
        }
    }
    if (w.t.frames > 0 && w.level != 0xFFFFFFFFu && !v->read_error &&
        (w.separators != w.firsts ||
         (w.level == 0 ? w.t.frames != 1
                       : w.level_start != w.t.frames - 1 || w.expected_child != w.level_start)))
        damage(v, part, TOME_NO_INDEX, TOME_ERR_CORRUPT);
}

/* No alias key is also a key: each alias looked up among the keys (the
 * two trees are walked apart, as the index buffer holds one frame). */
static void check_alias_keys(verifier *v)
{
    tome_reader *r = v->r;
    tome_tree t;
    uint32_t ordinal;
    tome__tree_of(r, TOME_KIND_ALIAS, &t);
    for (ordinal = 0; ordinal < t.entries && !v->read_error; ordinal++) {
        uint8_t str[TOME_QUERY_MAX];
        tome_entry e;
        uint32_t leaf = 0, found;
        int err = tome__leaf_entry(r, &t, ordinal, str, sizeof str, &e);
        if (err == TOME_OK && e.size <= sizeof str) {
            size_t n = e.size;
            err = tome__find_first(r, t.base, t.leaves, ordinal, &leaf);
            if (err == TOME_OK) {
                err = tome__find_in(r, TOME_KIND_NAME, str, n, &e, &found);
                err = err == TOME_OK ? TOME_ERR_KEYS : err == TOME_ERR_NOT_FOUND ? TOME_OK : err;
            }
        }
        if (err != TOME_OK) {
            damage(v, TOME_PART_ALIASES, leaf - t.base, err);
            return;
        }
    }
}

int tome_verify(tome_reader *r, tome_damage_fn on_damage, void *user,
                tome_verify_report *report)
{
    verifier v;
    uint32_t flags;
    uint8_t small_str[TOME_QUERY_MAX], small_last[TOME_QUERY_MAX];
    if (!r)
        return TOME_ERR_ARGUMENT;
    memset(&v, 0, sizeof v);
    v.r = r;
    v.fn = on_damage;
    v.user = user;
    flags = r->flags;
    r->flags &= ~TOME_OPEN_TRUST_CONTENT; /* the verifier checks every byte */
    check_file(&v);
    if (!v.read_error)
        check_records(&v);
    if (!v.read_error)
        check_bodies(&v);
    if (!v.read_error) {
        /* Strings whole: two buffers as long as any string of the trees,
         * from the body buffer (free once the bodies are checked) when it
         * holds them, as it does for all but archives of tiny blocks and
         * long keys; else prefixes, and what needs the whole string is left
         * unproved. */
        const tome_header *h = &r->h;
        uint64_t longest = h->key_size_max > h->fold_size_max ? h->key_size_max
                                                               : h->fold_size_max;
        uint8_t *str = small_str, *last = small_last;
        size_t cap = sizeof small_str;
        /* open made sure of the room (metadata names are short) */
        if (h->body_blocks > 0 && longest > cap && 2 * longest <= h->block_size_max) {
            tome__slot_init(&r->body, r->body.buf); /* the slot forgets its block */
            r->head.block = TOME_NO_BLOCK;
            r->walk.ordinal = TOME_NO_BLOCK;
            str = r->body.buf;
            last = r->body.buf + (size_t)longest;
            cap = (size_t)longest;
        }
        check_tree(&v, TOME_KIND_NAME, TOME_PART_NAMES, str, last, cap);
        check_tree(&v, TOME_KIND_ALIAS, TOME_PART_ALIASES, str, last, cap);
        check_tree(&v, TOME_KIND_SEARCH, TOME_PART_SEARCH, str, last, cap);
        check_tree(&v, TOME_KIND_META, TOME_PART_META, str, last, cap);
    }
    if (!v.read_error && !(v.rep.damaged_parts & ((1u << TOME_PART_NAMES) |
                                                  (1u << TOME_PART_ALIASES))))
        check_alias_keys(&v);
    r->flags = flags;
    if (!v.read_error && v.rep.damaged_parts == 0) {
        const tome_header *h = &r->h;
        if (v.names_loc != v.lists_loc || v.listings != h->article_count ||
            v.names_alias != v.tree_alias ||
            (h->search_frames && !v.partial && v.folded_names != v.folded_search) || v.raw != h->raw_size ||
            v.stored != h->stored_size || v.bodies != h->body_count ||
            v.article_max > h->article_size_max)
            damage(&v, TOME_PART_BINDINGS, TOME_NO_INDEX, TOME_ERR_CORRUPT);
    }
    v.rep.checked_articles = r->h.article_count;
    if (report)
        *report = v.rep;
    if (v.read_error)
        return TOME_ERR_READ;
    return v.rep.damaged_parts ? TOME_ERR_DAMAGED : TOME_OK;
}
