/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_exercise.h - drive every reader call over one archive image and
 * check what include/tome.h promises: only the documented error codes,
 * sizes and checksums that agree, a read callback never asked for bytes
 * outside the archive, a verify report that matches its damage calls, and
 * a clean verify meaning every call succeeds.
 */
#ifndef TOME_FUZZ_EXERCISE_H
#define TOME_FUZZ_EXERCISE_H

#include <stddef.h>
#include <stdint.h>

/* Caps the harness gives the reader (tome_config.max_*) and itself. */
#define FUZZ_ARTICLE_MAX (1u << 20)
#define FUZZ_WORKSPACE_MAX ((size_t)8 << 20)
/* Articles exercised per image: this many from each end of the ID range. */
#define FUZZ_IDS_EACH_END 24u

/* The outcome of one call: its code and a digest of what it returned. */
typedef struct outcome {
    int code;
    uint64_t digest;
} outcome;

#define OUTCOME_LOG_MAX 4096

typedef struct outcome_log {
    outcome at[OUTCOME_LOG_MAX];
    size_t n;
} outcome_log;

typedef struct exercise_options {
    int callback;       /* read through tome_config.read, else from memory */
    uint32_t flags;     /* TOME_OPEN_* */
    int verify;         /* run tome_verify too */
    unsigned long fail_read; /* callback mode: read call number N (1-based)
                                fails, once; 0 = none */
    /* When set, each call must give the outcome logged here by a run
     * without failures (after one retry when it met the failed read). */
    const outcome_log *expect;
} exercise_options;

typedef struct exercise_result {
    int opened;                /* tome_open succeeded */
    int verify;                /* tome_verify's return, when run */
    unsigned long read_calls;  /* callback mode */
} exercise_result;

/* Run everything over `image` (`size` bytes; give an exactly sized heap
 * copy so AddressSanitizer sees any over-read).  Logs each outcome in
 * `log` (may be NULL). */
void exercise(const uint8_t *image, size_t size, const exercise_options *o, outcome_log *log,
              exercise_result *result);

/* A clean run in callback mode, then one where read call k fails, for a k
 * picked from `seed`: after one retry every call must agree. */
void exercise_with_read_failure(const uint8_t *image, size_t size, uint32_t flags, int verify,
                                uint64_t seed);

#endif
