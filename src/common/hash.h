/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hash.h - the one checksum of the format: XXH32, seed 0.
 * XXH32 rather than XXH3: tome's checksums guard against damage, not
 * attack, and on the 32-bit microcontrollers the reader targets XXH32 is
 * both the fastest xxHash and the smallest in code (measured on Cortex-M4:
 * about a fifth of XXH3's).  xxHash is compiled into hash.c
 * (XXH_INLINE_ALL), so neither the reader nor a firmware build links
 * libxxhash.
 */
#ifndef TOME_HASH_H
#define TOME_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY /* for the size of XXH32_state_t */
#endif
#include <xxhash.h>

typedef XXH32_state_t tome_hash_state;

uint32_t tome__hash(const void *data, size_t size);
/* With a seed: the format seeds an article's checksum with its ID and a
 * block's with its index, so a record moved to another place fails. */
uint32_t tome__hash_seeded(const void *data, size_t size, uint32_t seed);
void tome__hash_reset(tome_hash_state *state, uint32_t seed);
void tome__hash_update(tome_hash_state *state, const void *data, size_t size);
uint32_t tome__hash_digest(const tome_hash_state *state);

#endif
