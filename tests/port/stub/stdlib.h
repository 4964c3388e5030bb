/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stdlib.h - empty: src/common/hash.c includes it before it turns xxHash's
 * allocator hooks off, and uses nothing of it.
 */
#ifndef TOME_STUB_STDLIB_H
#define TOME_STUB_STDLIB_H
#include <stddef.h>
#endif
