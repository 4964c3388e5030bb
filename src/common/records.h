/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * records.h - the format's ordering rule, in one place for reader and
 * packer: key order (docs/FORMAT.md, "Conventions").
 * C99, no allocation: part of the reader.
 */
#ifndef TOME_RECORDS_H
#define TOME_RECORDS_H

#include <stddef.h>
#include <stdint.h>

/* Key order: bytewise, a prefix before its extensions (<0, 0, >0).  Also
 * the order of alias keys, folded search strings and metadata names. */
int tome__key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size);

#endif
