/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_search.c - prefix search in two runs (docs/FORMAT.md, "Search
 * tree"): the name tree from the first key not below the query, for the
 * keys that are their own fold (or, exact, for every key); then the search
 * tree from the first folded string not below the folded query.  Each run
 * is one descent, then leaves in order.  The cursor (tome_search) is the
 * caller's: the reader keeps nothing of it.  With TOME_SEARCH_EXACT a title
 * or alias candidate's text is read (a name or alias leaf, which takes the
 * index slot from the search leaf; the next call decodes the leaf again:
 * correct, if slower).
 */
#include <string.h>

#include "fold.h"
#include "read_internal.h"

/* the runs in order; the one after the last is done */
enum { RUN_KEYS = 1, RUN_SEARCH = 2, RUN_DONE = 3 };

static int source_wanted(uint32_t flags, uint32_t source)
{
    if (source == TOME_SOURCE_KEY) /* exact key matches came in the first run */
        return (flags & TOME_SEARCH_KEYS) && !(flags & TOME_SEARCH_EXACT);
    if (source == TOME_SOURCE_TITLE)
        return (flags & TOME_SEARCH_TITLES) != 0;
    return (flags & TOME_SEARCH_ALIASES) != 0;
}

/* The tree of a run, and the prefix it looks for. */
static void run_of(const tome_reader *r, const tome_search *s, tome_tree *t, const uint8_t **q,
                   size_t *q_size)
{
    int raw = s->state == RUN_KEYS && (s->flags & TOME_SEARCH_EXACT);
    tome__tree_of(r, s->state == RUN_KEYS ? TOME_KIND_NAME : TOME_KIND_SEARCH, t);
    *q = raw ? s->exact : s->query;
    *q_size = raw ? s->exact_size : s->query_size;
}

/* Begin run `state`, or the next one that has a tree: descend to the leaf
 * of its first candidate. */
static int begin_run(tome_reader *r, tome_search *s, uint32_t state)
{
    tome_tree t;
    tome_frame f;
    const uint8_t *q;
    size_t q_size;
    int err;
    if (state == RUN_KEYS && !(s->flags & TOME_SEARCH_KEYS))
        state = RUN_SEARCH;
    for (s->state = state; s->state != RUN_DONE; s->state++) {
        run_of(r, s, &t, &q, &q_size);
        s->frame = s->entry = s->index = s->prev_size = s->prev_lcp = s->prev_block = 0;
        if (t.frames == 0)
            continue;
        if ((err = tome__descend(r, &t, q, q_size, 1, &f)) != TOME_OK)
            return err;
        s->frame = f.number;
        return TOME_OK;
    }
    return TOME_OK;
}

int tome_search_start(tome_reader *r, tome_search *s, const char *query, size_t query_size,
                      uint32_t flags)
{
    size_t folded;
    int err;
    if (!r || !s || (!query && query_size))
        return TOME_ERR_ARGUMENT;
    memset(s, 0, sizeof *s);
    if (!(flags & TOME_SEARCH_ALL) || (flags & ~(TOME_SEARCH_ALL | TOME_SEARCH_EXACT)))
        return TOME_ERR_ARGUMENT;
    err = tome__fold((const uint8_t *)query, query_size, s->query, sizeof s->query, &folded);
    if (err == -3)
        return TOME_ERR_NOT_FOUND; /* built without folding */
    if (err != 0)
        return TOME_ERR_ARGUMENT;
    if (flags & TOME_SEARCH_EXACT) {
        if (query_size > sizeof s->exact)
            return TOME_ERR_ARGUMENT;
        if (query_size)
            memcpy(s->exact, query, query_size);
        s->exact_size = (uint32_t)query_size;
    }
    s->query_size = (uint32_t)folded; /* <= TOME_QUERY_MAX */
    s->flags = flags;
    return begin_run(r, s, RUN_KEYS);
}

/* Whether entry `e` of the current run is a match to report. */
static int wanted(tome_reader *r, const tome_search *s, const tome_entry *e, int *err)
{
    uint8_t text[TOME_QUERY_MAX];
    size_t size;
    *err = TOME_OK;
    if (s->state == RUN_KEYS)
        return (s->flags & TOME_SEARCH_EXACT) || e->self_folded;
    if (!source_wanted(s->flags, e->source))
        return 0;
    if (!(s->flags & TOME_SEARCH_EXACT))
        return 1;
    if ((*err = tome__text(r, e->id, e->source, text, s->exact_size, &size)) != TOME_OK)
        return 0;
    return size >= s->exact_size && (!s->exact_size || !memcmp(text, s->exact, s->exact_size));
}

int tome_search_next(tome_reader *r, tome_search *s, tome_match *m)
{
    int err;
    if (!r || !s || !m || s->query_size > sizeof s->query || s->exact_size > sizeof s->exact ||
        s->state > RUN_DONE)
        return TOME_ERR_ARGUMENT;
    while (s->state == RUN_KEYS || s->state == RUN_SEARCH) {
        tome_tree t;
        tome_frame f;
        tome_compare cmp;
        tome_entry e;
        const uint8_t *q;
        size_t at, q_size;
        uint32_t index;
        run_of(r, s, &t, &q, &q_size);
        if (s->frame >= t.leaves) {
            if ((err = begin_run(r, s, s->state + 1)) != TOME_OK)
                return err;
            continue;
        }
        if ((err = tome__frame_load(r, &t, s->frame, &f)) != TOME_OK)
            return err;
        at = s->entry ? s->entry : f.at;
        if (at >= f.end) { /* the leaf is done: the next one, from its start */
            s->frame++;
            s->entry = s->index = s->prev_size = s->prev_lcp = s->prev_block = 0;
            continue;
        }
        if ((err = tome__entry_next(r, &t, 0, &at, f.end, s->prev_size, &s->prev_block, &e)) !=
            TOME_OK)
            return err;
        cmp.lcp = s->prev_lcp;
        cmp.order = 0;
        tome__compare_step(&cmp, q, q_size, &e);
        index = s->index++;
        s->entry = (uint32_t)at; /* within a frame of index_size_max bytes */
        s->prev_size = e.size;
        s->prev_lcp = (uint32_t)cmp.lcp;
        if (cmp.lcp < q_size) {
            if (cmp.order > 0) { /* past every string with the prefix */
                if ((err = begin_run(r, s, s->state + 1)) !=
                    TOME_OK)
                    return err;
            }
            continue; /* else below the query: before the matches */
        }
        if (!wanted(r, s, &e, &err)) {
            if (err != TOME_OK)
                return err;
            continue;
        }
        m->id = s->state == RUN_KEYS ? f.first + index : e.id;
        m->source = s->state == RUN_KEYS ? TOME_SOURCE_KEY : e.source;
        return TOME_OK;
    }
    return TOME_DONE;
}
