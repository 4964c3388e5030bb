/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fold.h - the folding of docs/FORMAT.md ("Folding", version 1): case and
 * accents folded away so that "strasse" finds "Straße".  The packer folds
 * keys, titles and aliases into the search tree; a device folds only its
 * query, with the same generated table (tools/gen_fold.py, from Debian's
 * unicode-data).  C99, no allocation: part of the reader.  Compiled out by
 * TOME_NO_FOLDING (tome__fold then refuses every query).
 */
#ifndef TOME_FOLD_H
#define TOME_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* Fold the UTF-8 string [s, s + n) into `out` (`cap` bytes); *out_size gets
 * the folded size.  Returns 0 on success, -1 when `s` is not strict UTF-8,
 * -2 when `out` is too small (*out_size is then the bytes needed), -3
 * under TOME_NO_FOLDING. */
int tome__fold(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *out_size);

/* Streaming form, for a verifier that folds without a buffer: the folded
 * bytes of the code point starting at s[0] go to out[0..*out_size) (at most
 * TOME_FOLD_CP_MAX bytes); returns the source bytes consumed, 0 for invalid
 * UTF-8 (or under TOME_NO_FOLDING). */
#define TOME_FOLD_CP_MAX 12u
size_t tome__fold_step(const uint8_t *s, size_t n, uint8_t *out, size_t *out_size);

#endif
