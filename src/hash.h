/*
 * hash.h - the one checksum of the format: XXH3-64, seed 0.
 * xxHash is compiled into hash.c (XXH_INLINE_ALL), so neither the reader
 * nor a firmware build links libxxhash.
 */
#ifndef TOME_HASH_H
#define TOME_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY /* for the size of XXH3_state_t */
#endif
#include <xxhash.h>

typedef XXH3_state_t tome_hash_state;

uint64_t tome_hash(const void *data, size_t size);
uint64_t tome_hash_seeded(const void *data, size_t size, uint64_t seed);
void tome_hash_reset_seeded(tome_hash_state *state, uint64_t seed);
void tome_hash_reset(tome_hash_state *state);
void tome_hash_update(tome_hash_state *state, const void *data, size_t size);
uint64_t tome_hash_digest(const tome_hash_state *state);

#endif
