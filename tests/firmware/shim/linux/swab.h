/* SPDX-License-Identifier: BSD-2-Clause */
/* linux/swab.h - byte swaps for zstd's big-endian reads. */
#ifndef TOME_SHIM_LINUX_SWAB_H
#define TOME_SHIM_LINUX_SWAB_H
#include <stdint.h>
#define swab32(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))
#define swab64(x) ((uint64_t)__builtin_bswap64((uint64_t)(x)))
#endif
