/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux/unaligned.h - loads and stores at any alignment, for zstd's mem.h.
 * A packed struct tells the compiler the pointer may be misaligned, so it
 * emits single unaligned loads where the CPU allows them (Cortex-M4) and
 * byte accesses where it does not (Cortex-M0), never a faulting access.
 * The _le/_be forms are native accesses swapped when the CPU's order
 * differs.  Needs GNU C (typeof, statement expressions), as the kernel does.
 */
#ifndef TOME_SHIM_LINUX_UNALIGNED_H
#define TOME_SHIM_LINUX_UNALIGNED_H
#include <linux/swab.h>
#include <linux/types.h>

#define get_unaligned(ptr)                                                   \
    __extension__({                                                          \
        const struct { __typeof__(*(ptr)) v; } __attribute__((packed)) *p_ = \
            (const void *)(ptr);                                             \
        p_->v;                                                               \
    })

#define put_unaligned(val, ptr)                                              \
    do {                                                                     \
        struct { __typeof__(*(ptr)) v; } __attribute__((packed)) *p_ =       \
            (void *)(ptr);                                                   \
        p_->v = (val);                                                       \
    } while (0)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define tome_shim_le16(x) (x)
#define tome_shim_le32(x) (x)
#define tome_shim_le64(x) (x)
#define tome_shim_be32(x) swab32(x)
#define tome_shim_be64(x) swab64(x)
#else
#define tome_shim_le16(x) ((uint16_t)__builtin_bswap16(x))
#define tome_shim_le32(x) swab32(x)
#define tome_shim_le64(x) swab64(x)
#define tome_shim_be32(x) (x)
#define tome_shim_be64(x) (x)
#endif

static inline uint16_t get_unaligned_le16(const void *p)
{
    return tome_shim_le16(get_unaligned((const uint16_t *)p));
}
static inline uint32_t get_unaligned_le32(const void *p)
{
    return tome_shim_le32(get_unaligned((const uint32_t *)p));
}
static inline uint64_t get_unaligned_le64(const void *p)
{
    return tome_shim_le64(get_unaligned((const uint64_t *)p));
}
static inline uint32_t get_unaligned_be32(const void *p)
{
    return tome_shim_be32(get_unaligned((const uint32_t *)p));
}
static inline uint64_t get_unaligned_be64(const void *p)
{
    return tome_shim_be64(get_unaligned((const uint64_t *)p));
}
static inline void put_unaligned_le16(uint16_t v, void *p)
{
    put_unaligned(tome_shim_le16(v), (uint16_t *)p);
}
static inline void put_unaligned_le32(uint32_t v, void *p)
{
    put_unaligned(tome_shim_le32(v), (uint32_t *)p);
}
static inline void put_unaligned_le64(uint64_t v, void *p)
{
    put_unaligned(tome_shim_le64(v), (uint64_t *)p);
}
static inline void put_unaligned_be32(uint32_t v, void *p)
{
    put_unaligned(tome_shim_be32(v), (uint32_t *)p);
}
static inline void put_unaligned_be64(uint64_t v, void *p)
{
    put_unaligned(tome_shim_be64(v), (uint64_t *)p);
}
#endif
