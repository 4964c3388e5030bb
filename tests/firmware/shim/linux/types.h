/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux/types.h - sized integers and size_t for zstd's decoder.
 * The kernel learns its byte order from asm/byteorder.h, which defines
 * __LITTLE_ENDIAN on little-endian CPUs; zstd's mem.h tests exactly that.
 */
#ifndef TOME_SHIM_LINUX_TYPES_H
#define TOME_SHIM_LINUX_TYPES_H
#include <stddef.h>
#include <stdint.h>
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    !defined(__LITTLE_ENDIAN)
#define __LITTLE_ENDIAN 1234
#endif
#endif
