/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_verify.c - tome_verify over arbitrary bytes, in memory and through
 * the callback, resealed so verification gets past the file checksum: its
 * report must match its damage calls, repeat itself, and be clean only
 * when every other call succeeds.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_archive.h"
#include "fuzz_exercise.h"
#include "hash.h"
#include "tome.h"

FUZZ_TARGET(verify)
{
    exercise_options o;
    exercise_result r;
    uint64_t h = tome__hash(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    /* Which checksums to reseal comes from the input: each level leaves
     * a different check for verify to find. */
    reseal(copy, size, RESEAL_HEADER | (unsigned)(h & (RESEAL_TABLES | RESEAL_CONTENT)));
    memset(&o, 0, sizeof o);
    o.verify = 1;
    o.flags = (uint32_t)(h >> 8) & TOME_OPEN_NO_DICT_TABLES;
    exercise(copy, size, &o, NULL, &r);
    if (r.opened)
        exercise_with_read_failure(copy, size, o.flags, 1, h >> 16);
    free(copy);
    return 0;
}
