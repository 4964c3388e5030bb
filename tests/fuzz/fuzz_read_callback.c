/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_read_callback.c - the calls of fuzz_read_memory through the read
 * callback, which checks every request stays inside the archive; then the
 * same run again with one read failing, after which every call must give
 * the clean run's answer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_archive.h"
#include "fuzz_exercise.h"
#include "hash.h"
#include "tome.h"

FUZZ_TARGET(read_callback)
{
    exercise_options o;
    exercise_result r;
    uint64_t h = tome__hash(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    memset(&o, 0, sizeof o);
    o.callback = 1;
    exercise(data, size, &o, NULL, &r);
    memcpy(copy, data, size);
    reseal(copy, size, RESEAL_ALL);
    exercise_with_read_failure(copy, size,
                               (uint32_t)(h & (TOME_OPEN_NO_DICT_TABLES | TOME_OPEN_TRUST_CONTENT)),
                               0, h >> 8);
    free(copy);
    return 0;
}
