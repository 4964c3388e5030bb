/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * set.c - the volume-set convention's value rule, in one place for the set
 * reader and the packer that reads plans (docs/FORMAT.md, "Volume sets").
 * C99, no allocation: part of the reader.
 */
#include "set.h"

int tome__set_decimal(const char *s, size_t n, uint32_t *v)
{
    uint32_t x = 0;
    size_t i;
    if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
        return -1;
    for (i = 0; i < n; i++) {
        uint32_t d;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        d = (uint32_t)(s[i] - '0');
        if (x > (0xFFFFFFFFu - d) / 10u)
            return -1;
        x = x * 10u + d;
    }
    *v = x;
    return 0;
}
