/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux/xxhash.h - the kernel's xxh64 API, which zstd's decoder uses for
 * frame content checksums, on top of the xxHash header the reader already
 * compiles in (src/hash.c): one xxHash source for both, nothing to link.
 */
#ifndef TOME_SHIM_LINUX_XXHASH_H
#define TOME_SHIM_LINUX_XXHASH_H
#include <linux/types.h>

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t is a complete type */
#endif
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
/* In C11, xxhash.h includes <assert.h> for its static assertions, and
 * zstd's debug.h would then find assert() defined and keep its run-time
 * checks, which the kernel compiles out; a C99-style static assertion keeps
 * <assert.h> out. */
#ifndef XXH_STATIC_ASSERT
#define XXH_STATIC_ASSERT(c) ((void)sizeof(char[(c) ? 1 : -1]))
#endif
/* xxhash.h spells __attribute__((fallthrough)), which the kernel's
 * `fallthrough` macro (linux/compiler.h) would rewrite into nonsense. */
#pragma push_macro("fallthrough")
#undef fallthrough
#include <xxhash.h>
#pragma pop_macro("fallthrough")

struct xxh64_state {
    XXH64_state_t state;
};

static inline uint64_t xxh64(const void *input, size_t length, uint64_t seed)
{
    return XXH64(input, length, seed);
}

static inline void xxh64_reset(struct xxh64_state *s, uint64_t seed)
{
    (void)XXH64_reset(&s->state, seed);
}

static inline int xxh64_update(struct xxh64_state *s, const void *input, size_t length)
{
    return XXH64_update(&s->state, input, length) == XXH_OK ? 0 : -1;
}

static inline uint64_t xxh64_digest(const struct xxh64_state *s)
{
    return XXH64_digest(&s->state);
}
#endif
