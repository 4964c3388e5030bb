/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * utf8.c - strict UTF-8 validation, for keys, titles and JSON text (packer)
 * and for keys (verifier), and the one decoder and encoder of a code point (folding).
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

size_t tome__utf8_decode(const uint8_t *s, size_t n, uint32_t *code_point)
{
    unsigned second_min, second_max;
    size_t len, k;
    uint32_t cp;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *code_point = s[0];
        return 1;
    }
    len = sequence_shape(s[0], &second_min, &second_max);
    if (len == 0 || n < len)
        return 0;
    if (s[1] < second_min || s[1] > second_max)
        return 0;
    /* the lead's payload bits: 5, 4 or 3 for a 2-, 3- or 4-byte sequence */
    cp = (uint32_t)s[0] & (0x7Fu >> len);
    for (k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | ((uint32_t)s[k] & 0x3Fu);
    }
    *code_point = cp;
    return len;
}

size_t tome__utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80u) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (uint8_t)(0xC0u | (cp >> 6));
        out[1] = (uint8_t)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (uint8_t)(0xE0u | (cp >> 12));
        out[1] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (uint8_t)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (uint8_t)(0xF0u | (cp >> 18));
    out[1] = (uint8_t)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (uint8_t)(0x80u | (cp & 0x3Fu));
    return 4;
}

int tome__utf8_valid(const char *s, size_t n)
{
    const uint8_t *b = (const uint8_t *)s;
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t len = tome__utf8_decode(b + i, n - i, &cp);
        if (len == 0)
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
