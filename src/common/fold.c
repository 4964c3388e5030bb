/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fold.c - the folding of docs/FORMAT.md ("Folding", version 1), one code
 * point at a time: ASCII inline (A-Z to a-z, ' ' to '-'), every other changed code
 * point of the BMP by the rule of its run, binary searched in the table
 * tools/gen_fold.py generates (fold_table.h, on the include path of a build
 * that folds: build/gen/ for the Makefile).  Above the BMP nothing folds.
 * Under TOME_NO_FOLDING the table is left out and every query is refused.
 */
#include "fold.h"
#include "utf8.h"

#ifndef TOME_NO_FOLDING

#include "fold_table.h"

/* The fold of `cp` (U+0080-U+FFFF) to out[]; returns its size.  The run
 * holding `cp` is the last whose start is at most `cp` (the first run starts
 * at U+0080, so there is one). */
static size_t fold_bmp(uint32_t cp, uint8_t *out)
{
    size_t lo = 0, hi = TOME_FOLD_RUNS, run, i, size;
    unsigned rule, data;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tome__fold_run_starts[mid] <= cp)
            lo = mid;
        else
            hi = mid;
    }
    run = lo;
    rule = tome__fold_run_rules[run];
    data = rule & ((1u << TOME_FOLD_KIND_SHIFT) - 1u);
    switch (rule >> TOME_FOLD_KIND_SHIFT) {
    case TOME_FOLD_KIND_STRING:
        size = data & ((1u << TOME_FOLD_LENGTH_BITS) - 1u);
        for (i = 0; i < size; i++)
            out[i] = tome__fold_pool[(data >> TOME_FOLD_LENGTH_BITS) + i];
        return size;
    case TOME_FOLD_KIND_DELTA:
        /* data is the delta in DELTA_BITS two's complement (top bit set:
         * negative), unpacked without a signed shift, so alike on every C */
        if (data >> (TOME_FOLD_DELTA_BITS - 1u))
            cp -= (uint32_t)(1u << TOME_FOLD_DELTA_BITS) - data;
        else
            cp += data;
        return tome__utf8_encode(cp, out);
    default: /* TOME_FOLD_KIND_PAIRS */
        if (((cp - tome__fold_run_starts[run]) & 1u) == 0)
            cp++;
        return tome__utf8_encode(cp, out);
    }
}

size_t tome__fold_step(const uint8_t *s, size_t n, uint8_t *out, size_t *out_size)
{
    uint32_t cp;
    size_t i, used = tome__utf8_decode(s, n, &cp);

    if (used == 0)
        return 0;
    if (cp < 0x80u) {
        out[0] = (uint8_t)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp == ' ' ? '-' : cp);
        *out_size = 1;
    } else if (cp <= 0xFFFFu) {
        *out_size = fold_bmp(cp, out);
    } else {
        /* every covered range is in the BMP: above it nothing is mapped */
        for (i = 0; i < used; i++)
            out[i] = s[i];
        *out_size = used;
    }
    return used;
}

int tome__fold(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *out_size)
{
    size_t done = 0, at = 0;

    while (at < n) {
        uint8_t step[TOME_FOLD_CP_MAX];
        size_t i, size, used = tome__fold_step(s + at, n - at, step, &size);
        if (used == 0) {
            *out_size = 0;
            return -1;
        }
        /* past `cap`, go on counting: the caller learns the size needed
         * (and whether the rest is valid UTF-8) */
        if (done <= cap && size <= cap - done)
            for (i = 0; i < size; i++)
                out[done + i] = step[i];
        done += size;
        at += used;
    }
    *out_size = done;
    return done > cap ? -2 : 0;
}

#else /* TOME_NO_FOLDING */

size_t tome__fold_step(const uint8_t *s, size_t n, uint8_t *out, size_t *out_size)
{
    (void)s;
    (void)n;
    (void)out;
    *out_size = 0;
    return 0;
}

int tome__fold(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *out_size)
{
    (void)s;
    (void)n;
    (void)out;
    (void)cap;
    *out_size = 0;
    return -3;
}

#endif
