/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_hash.c - XXH3-64 for the packer's hash tables and MinHash, where 64
 * bits keep collisions rare at a million articles.  The format's own
 * checksum is in hash.c.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>
#include <stdlib.h>

#include "pack_internal.h"

uint64_t tome__pack_hash64(const void *data, size_t size, uint64_t seed)
{
    return XXH3_64bits_withSeed(data, size, seed);
}

void *tome__pack_hasher_new(void)
{
    return XXH3_createState();
}

void tome__pack_hasher_free(void *h)
{
    if (h)
        XXH3_freeState(h);
}

void tome__pack_hasher_reset(void *h)
{
    XXH3_64bits_reset(h);
}

void tome__pack_hasher_update(void *h, const void *data, size_t size)
{
    XXH3_64bits_update(h, data, size);
}

uint64_t tome__pack_hasher_digest(void *h)
{
    return XXH3_64bits_digest(h);
}
