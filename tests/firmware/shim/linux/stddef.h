/* SPDX-License-Identifier: BSD-2-Clause */
/* linux/stddef.h - NULL and size_t for zstd's decoder. */
#ifndef TOME_SHIM_LINUX_STDDEF_H
#define TOME_SHIM_LINUX_STDDEF_H
#include <stddef.h>
#endif
