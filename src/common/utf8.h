/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * utf8.h - what a key may be (docs/FORMAT.md, "Key blocks"): strict UTF-8
 * (no overlongs, no surrogates, nothing above U+10FFFF) and no NUL.  The
 * packer refuses other keys and the verifier reports them.
 */
#ifndef TOME_UTF8_H
#define TOME_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* True when [s, s + n) is strict UTF-8. */
int tome__utf8_valid(const char *s, size_t n);

/* True when [s, s + n) is strict UTF-8 without a NUL byte. */
int tome__key_valid(const uint8_t *s, size_t n);

#endif
