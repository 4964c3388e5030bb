/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_hash.c - XXH3-64 for the packer's hash tables and MinHash, where 64
 * bits keep collisions rare at a million articles.  The format's own
 * checksum is in hash.c.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "pack_internal.h"

uint64_t tome__pack_hash64(const void *data, size_t size, uint64_t seed)
{
    return XXH3_64bits_withSeed(data, size, seed);
}
