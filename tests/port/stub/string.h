/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * string.h - the declarations the reader needs from a C library, for the
 * freestanding compile checks of tests/port/targets.sh (no C library for
 * the target is installed there).
 */
#ifndef TOME_STUB_STRING_H
#define TOME_STUB_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
