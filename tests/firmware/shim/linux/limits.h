/* SPDX-License-Identifier: BSD-2-Clause */
/* linux/limits.h - INT_MAX and UINT_MAX for zstd's decoder. */
#ifndef TOME_SHIM_LINUX_LIMITS_H
#define TOME_SHIM_LINUX_LIMITS_H
#include <limits.h>
#endif
