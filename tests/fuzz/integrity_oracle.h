/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * integrity_oracle.h - a damaged archive's answers against the intact
 * archive's (the "Integrity, round 2" issue).
 *
 * The intact archive's answers are taken once (oracle_expect_take); a
 * reader over a mutated copy is then asked the same (oracle_compare), and
 * every call must give an error or exactly the intact answer:
 *   tome_stat, tome_key, tome_title and tome_alias of every ID (`ls`), and
 *   alias n = alias_count refused;
 *   tome_fetch and a tome_read piece of every ID (`cat`, `extract`);
 *   tome_find of every key and alias names its ID, and of a few absent
 *   keys finds nothing;
 *   tome_next: the intact IDs in the intact storage order, then TOME_DONE
 *   (so no article is skipped or repeated), or an error;
 *   tome_search_start/next of the given queries: the intact matches in
 *   order, then TOME_DONE, or an error;
 *   tome_meta_at and tome_meta_get of every pair;
 *   and for IDs past the intact count (a mutated count), nothing succeeds.
 * Used by fuzz_mutate.c (libFuzzer) and mutation_run.c (make test).
 */
#ifndef TOME_INTEGRITY_ORACLE_H
#define TOME_INTEGRITY_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "tome.h"

/* A search the oracle repeats. */
typedef struct oracle_query {
    const char *text;
    uint32_t flags; /* TOME_SEARCH_* */
} oracle_query;

typedef struct oracle_search {
    oracle_query query;
    int start_code;       /* tome_search_start on the intact archive */
    tome_match *matches;  /* every match, in order */
    uint32_t match_count;
} oracle_search;

/* The intact archive's answers. */
typedef struct oracle_expect {
    uint32_t count;
    tome_article *stat;   /* per ID */
    char **key, **title;  /* per ID */
    char ***alias;        /* per ID, stat[id].alias_count each */
    uint8_t **body;       /* per ID, stat[id].size bytes */
    uint32_t *order;      /* storage order: tome_next's IDs */
    uint32_t meta_count;
    char **meta_name, **meta_value;
    oracle_search *search;
    size_t search_count;
    size_t body_cap;      /* largest article + 1 */
} oracle_expect;

/* What a mutated archive answered. */
typedef struct oracle_verdict {
    unsigned long calls;     /* calls compared */
    unsigned long errors;    /* calls that returned an error */
    unsigned long not_found; /* of those, TOME_ERR_NOT_FOUND for a key, alias or
                                search the intact archive has */
    unsigned long wrong;     /* calls that returned another answer as success */
    char first_wrong[256];   /* the first of those, described */
    char first_not_found[256]; /* the first TOME_ERR_NOT_FOUND, described */
} oracle_verdict;

/* The answers of `intact` (which must read cleanly: returns a TOME_ERR_*
 * otherwise), with `queries` (`query_count`) as the searches. */
int oracle_expect_take(oracle_expect *e, tome_reader *intact, const oracle_query *queries,
                       size_t query_count);
void oracle_expect_free(oracle_expect *e);

/* Ask `mutated` everything and compare; `trusted` (opened with
 * TOME_OPEN_TRUST_CONTENT) skips the comparison of body bytes, which that
 * flag gives up. */
void oracle_compare(tome_reader *mutated, const oracle_expect *e, int trusted,
                    oracle_verdict *v);

#endif
