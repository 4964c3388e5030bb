/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * records.c - key order, used by reader and packer alike.
 */
#include <string.h>

#include "records.h"

int tome__key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    size_t n = a_size < b_size ? a_size : b_size;
    /* memcmp with a length of 0 still wants valid pointers: skip it */
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (a_size > b_size) - (a_size < b_size);
}
