/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xxHash compiled in, with its allocator shims disabled: the reader must not
 * import malloc/free at any optimisation level, and xxHash 0.8.1 (Debian 12)
 * predates XXH_NO_STDLIB.  <stdlib.h> comes first so its own declarations are
 * not touched by the macros.
 */
#define XXH_NO_STDLIB
#include <stdlib.h>
#define malloc(size) ((void)(size), (void *)0)
#define free(ptr) ((void)(ptr))
#define XXH_INLINE_ALL
#include "hash.h"

uint32_t tome__hash(const void *data, size_t size)
{
    return tome__hash_seeded(data, size, 0);
}

/* One-shot XXH32(), not through the streaming functions.  Since format 3.0
 * only tome_verify() streams (the whole file, its multiset sums), so a
 * firmware that finds and fetches links the one-shot loop alone: 260 bytes
 * less on Cortex-M4 at -Os (the example's reader text 6946 -> 6686), while
 * a firmware that also verifies carries both loops (168 bytes more).  In
 * 2.x fetch streamed its per-article checksum, and the opposite held. */
uint32_t tome__hash_seeded(const void *data, size_t size, uint32_t seed)
{
    return XXH32(data, size, seed);
}

void tome__hash_reset(tome_hash_state *state, uint32_t seed)
{
    (void)XXH32_reset(state, seed);
}

void tome__hash_update(tome_hash_state *state, const void *data, size_t size)
{
    (void)XXH32_update(state, data, size);
}

uint32_t tome__hash_digest(const tome_hash_state *state)
{
    return XXH32_digest(state);
}
