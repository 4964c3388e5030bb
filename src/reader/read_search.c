/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_search.c - prefix search over the folded search tree: one descent,
 * then the leaves in order from the first entry not below the query.  The
 * cursor (tome_search) is the caller's: the reader keeps nothing of it.
 * With TOME_SEARCH_EXACT each candidate's text is read (a name or alias
 * leaf, which takes the index slot from the search leaf; the next call
 * decodes the leaf again: correct, if slower).
 */
#include <string.h>

#include "fold.h"
#include "read_internal.h"

static int source_wanted(uint32_t flags, uint32_t source)
{
    if (source == TOME_SOURCE_KEY)
        return (flags & TOME_SEARCH_KEYS) != 0;
    if (source == TOME_SOURCE_TITLE)
        return (flags & TOME_SEARCH_TITLES) != 0;
    return (flags & TOME_SEARCH_ALIASES) != 0;
}

int tome_search_start(tome_reader *r, tome_search *s, const char *query, size_t query_size,
                      uint32_t flags)
{
    tome_tree t;
    tome_frame f;
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
    if (r->h.search_frames == 0)
        return TOME_ERR_NOT_FOUND;
    tome__tree_of(r, TOME_KIND_SEARCH, &t);
    if ((err = tome__descend(r, &t, s->query, (size_t)s->query_size, 1, &f)) != TOME_OK)
        return err;
    /* the leaf found; tome_search_next() skips what lies below the query */
    s->frame = f.number;
    s->entry = 0;
    s->state = 1;
    return TOME_OK;
}

int tome_search_next(tome_reader *r, tome_search *s, tome_match *m)
{
    tome_tree t;
    tome_frame f;
    int err;
    if (!r || !s || !m || s->query_size > sizeof s->query || s->exact_size > sizeof s->exact)
        return TOME_ERR_ARGUMENT;
    tome__tree_of(r, TOME_KIND_SEARCH, &t);
    while (s->state == 1) {
        tome_compare cmp;
        tome_entry e;
        size_t at;
        uint32_t block = 0, entry = s->entry, prev_size = s->prev_size, prev_lcp = s->prev_lcp;
        if (s->frame >= t.leaves)
            break;
        if ((err = tome__frame_load(r, &t, s->frame, &f)) != TOME_OK)
            return err;
        /* (a size_t: within the leaf's content, else the leaf is done) */
        at = !s->entry ? f.at : s->entry < f.end ? (size_t)s->entry : f.end;
        if (at >= f.end) { /* the leaf is done: the next one, from its start */
            s->frame++;
            s->entry = 0;
            s->prev_size = 0;
            s->prev_lcp = 0;
            continue;
        }
        if (!s->entry) {
            s->prev_size = 0;
            s->prev_lcp = 0;
        }
        if ((err = tome__entry_next(r, &t, 0, &at, f.end, s->prev_size, &block, &e)) != TOME_OK)
            return err;
        cmp.lcp = (size_t)s->prev_lcp;
        cmp.order = 0;
        tome__compare_step(&cmp, s->query, (size_t)s->query_size, &e);
        s->entry = (uint32_t)at; /* within a frame of index_size_max bytes */
        s->prev_size = e.size;
        s->prev_lcp = (uint32_t)cmp.lcp;
        if (cmp.lcp < s->query_size) {
            if (cmp.order > 0)
                break; /* past every string with the prefix */
            continue;  /* below the query: before the matches */
        }
        if (!source_wanted(s->flags, e.source))
            continue;
        if (s->flags & TOME_SEARCH_EXACT) {
            uint8_t text[TOME_QUERY_MAX];
            size_t size;
            if ((err = tome__text(r, e.id, e.source, text, (size_t)s->exact_size, &size)) !=
                TOME_OK) {
                /* the entry is not consumed: a call after a failed read
                 * must find it again */
                s->entry = entry;
                s->prev_size = prev_size;
                s->prev_lcp = prev_lcp;
                return err;
            }
            if (size < s->exact_size ||
                (s->exact_size && memcmp(text, s->exact, (size_t)s->exact_size) != 0))
                continue;
        }
        m->id = e.id;
        m->source = e.source;
        return TOME_OK;
    }
    s->state = 0;
    return TOME_DONE;
}
