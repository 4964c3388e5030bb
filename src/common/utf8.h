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

/* Decodes the strict UTF-8 sequence at s[0] (at most n bytes) into
 * *code_point; returns its length (1-4), 0 when it is not strict UTF-8. */
size_t tome__utf8_decode(const uint8_t *s, size_t n, uint32_t *code_point);

/* Writes the UTF-8 bytes of the scalar value `cp` (not a surrogate, at most
 * U+10FFFF) to out[0..4); returns how many (1-4). */
size_t tome__utf8_encode(uint32_t cp, uint8_t *out);

/* True when [s, s + n) is strict UTF-8. */
int tome__utf8_valid(const char *s, size_t n);

/* True when [s, s + n) is strict UTF-8 without a NUL byte. */
int tome__key_valid(const uint8_t *s, size_t n);

#endif
