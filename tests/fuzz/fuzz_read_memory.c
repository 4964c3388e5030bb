/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_read_memory.c - open, count, stat, key, title, fetch, read, find and
 * iterate over arbitrary bytes held in memory: once as they are, once with
 * every checksum resealed so the bytes behind the header get exercised.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_archive.h"
#include "fuzz_exercise.h"
#include "hash.h"
#include "tome.h"

FUZZ_TARGET(read_memory)
{
    exercise_options o;
    exercise_result r;
    uint8_t *copy = malloc(size ? size : 1);
    memset(&o, 0, sizeof o);
    exercise(data, size, &o, NULL, &r);
    /* Open flags from the input, so both dictionary modes and trusted
     * content get their share. */
    o.flags = (uint32_t)(tome__hash(data, size) & (TOME_OPEN_NO_DICT_TABLES | TOME_OPEN_TRUST_CONTENT));
    memcpy(copy, data, size);
    reseal(copy, size, RESEAL_ALL);
    exercise(copy, size, &o, NULL, &r);
    free(copy);
    return 0;
}
