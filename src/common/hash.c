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

/* Through the streaming functions rather than XXH32(): a firmware that
 * checks articles links one copy of XXH32's loop instead of two (188 bytes
 * less on Cortex-M4); the host cannot tell the difference. */
uint32_t tome__hash_seeded(const void *data, size_t size, uint32_t seed)
{
    tome_hash_state state;
    tome__hash_reset(&state, seed);
    tome__hash_update(&state, data, size);
    return tome__hash_digest(&state);
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
