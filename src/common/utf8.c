/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * utf8.c - strict UTF-8 validation, for keys, titles and JSON text (packer)
 * and for keys (verifier).
 */
#include "utf8.h"

/* Length of the sequence led by `lead` and the allowed range of its second
 * byte; the narrowed ranges are what exclude overlongs, surrogates and code
 * points above U+10FFFF.  Returns 0 for a byte that cannot lead. */
static size_t sequence_shape(unsigned lead, unsigned *second_min, unsigned *second_max)
{
    *second_min = 0x80;
    *second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead == 0xE0) {
        *second_min = 0xA0;
        return 3;
    }
    if (lead == 0xED) {
        *second_max = 0x9F;
        return 3;
    }
    if (lead >= 0xE1 && lead <= 0xEF)
        return 3;
    if (lead == 0xF0) {
        *second_min = 0x90;
        return 4;
    }
    if (lead >= 0xF1 && lead <= 0xF3)
        return 4;
    if (lead == 0xF4) {
        *second_max = 0x8F;
        return 4;
    }
    return 0;
}

int tome__utf8_valid(const char *s, size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned second_min, second_max;
        size_t len, k;

        if (b[i] < 0x80) {
            i++;
            continue;
        }
        len = sequence_shape(b[i], &second_min, &second_max);
        if (len == 0 || n - i < len)
            return 0;
        if (b[i + 1] < second_min || b[i + 1] > second_max)
            return 0;
        for (k = 2; k < len; k++)
            if ((b[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

int tome__key_valid(const uint8_t *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] == 0)
            return 0;
    return tome__utf8_valid((const char *)s, n);
}
