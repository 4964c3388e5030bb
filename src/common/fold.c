/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fold.c - PLACEHOLDER until the generated table lands: folds ASCII
 * letters only.  Replaced by the real folding (branch "fold").
 */
#include "fold.h"
#include "utf8.h"

size_t tome__fold_step(const uint8_t *s, size_t n, uint8_t *out, size_t *out_size)
{
    size_t len = 1;
    if (n == 0)
        return 0;
    if (s[0] >= 0x80) {
        len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
        if (len > n || !tome__utf8_valid((const char *)s, len))
            return 0;
    }
    for (*out_size = 0; *out_size < len; (*out_size)++) {
        uint8_t c = s[*out_size];
        out[*out_size] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return len;
}

int tome__fold(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *out_size)
{
    size_t done = 0, at = 0;
    while (at < n) {
        uint8_t tmp[TOME_FOLD_CP_MAX];
        size_t k, used = tome__fold_step(s + at, n - at, tmp, &k);
        if (used == 0)
            return -1;
        if (done + k <= cap) {
            size_t i;
            for (i = 0; i < k; i++)
                out[done + i] = tmp[i];
        }
        done += k;
        at += used;
    }
    *out_size = done;
    return done > cap ? -2 : 0;
}
