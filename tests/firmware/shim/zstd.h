/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zstd.h - the reader includes <zstd.h>; on the device it is the kernel
 * copy's zstd_lib.h, which always exposes the static-linking-only API
 * (ZSTD_initStaticDCtx and friends) that the reader relies on.
 */
#ifndef TOME_SHIM_ZSTD_H
#define TOME_SHIM_ZSTD_H
#include <linux/zstd_lib.h>
#endif
