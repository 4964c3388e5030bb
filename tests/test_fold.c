/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_fold.c - the folding of docs/FORMAT.md (fold version 1): the
 * examples of the format and of the brief byte for byte, invalid UTF-8 and
 * short buffers refused, the whole fold equal to its streamed steps, and
 * over every code point: the fold is idempotent and within its bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fold.h"

/* The fold of the C string `source` is exactly `expected`. */
static void check_fold(const char *source, const char *expected)
{
    uint8_t out[256];
    size_t size = 0;
    int rc = tome__fold((const uint8_t *)source, strlen(source), out, sizeof out, &size);

    CHECK_EQ(rc, 0);
    if (rc == 0 && (size != strlen(expected) || memcmp(out, expected, size) != 0)) {
        check_failed++;
        fprintf(stderr, "fold(\"%s\") is \"%.*s\", expected \"%s\"\n", source, (int)size,
                (const char *)out, expected);
    } else {
        check_passed++;
    }
}

/* tome__fold equals the concatenation of tome__fold_step's outputs. */
static void check_streaming(const char *source)
{
    const uint8_t *s = (const uint8_t *)source;
    size_t n = strlen(source), at = 0, done = 0, whole_size = 0;
    uint8_t whole[256], streamed[256];
    int ok = tome__fold(s, n, whole, sizeof whole, &whole_size) == 0;

    while (ok && at < n) {
        size_t size = 99, used = tome__fold_step(s + at, n - at, streamed + done, &size);
        ok = used > 0 && size <= TOME_FOLD_CP_MAX;
        at += used;
        done += size;
    }
    CHECK(ok && done == whole_size && memcmp(whole, streamed, done) == 0);
}

/* `source` starts with invalid UTF-8: both forms refuse it. */
static void check_invalid(const char *source, size_t n)
{
    uint8_t out[16];
    size_t size = 99;

    CHECK_EQ(tome__fold((const uint8_t *)source, n, out, sizeof out, &size), -1);
    CHECK_EQ(tome__fold_step((const uint8_t *)source, n, out, &size), 0);
}

static size_t utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Every scalar value: fold(fold(c)) == fold(c), the fold is valid UTF-8 of
 * at most three times the source and TOME_FOLD_CP_MAX bytes, and one step
 * consumes the whole code point.  Counted as one check per property. */
static void check_every_code_point(void)
{
    uint32_t cp;
    unsigned long not_idempotent = 0, too_long = 0, bad_step = 0, changed = 0;

    for (cp = 0; cp <= 0x10FFFF; cp++) {
        uint8_t source[4], once[TOME_FOLD_CP_MAX], twice[3 * TOME_FOLD_CP_MAX];
        size_t n, once_size = 0, twice_size = 0, used;

        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        n = utf8_encode(cp, source);
        used = tome__fold_step(source, n, once, &once_size);
        if (used != n) {
            if (bad_step++ < 5)
                fprintf(stderr, "U+%04lX: step consumed %zu of %zu bytes\n", (unsigned long)cp,
                        used, n);
            continue;
        }
        if (once_size > 3 * n || once_size > TOME_FOLD_CP_MAX) {
            if (too_long++ < 5)
                fprintf(stderr, "U+%04lX folds to %zu bytes\n", (unsigned long)cp, once_size);
            continue;
        }
        changed += once_size != n || memcmp(once, source, n) != 0;
        if (tome__fold(once, once_size, twice, sizeof twice, &twice_size) != 0 ||
            twice_size != once_size || memcmp(once, twice, once_size) != 0) {
            if (not_idempotent++ < 5)
                fprintf(stderr, "U+%04lX: fold(fold(c)) != fold(c)\n", (unsigned long)cp);
        }
    }
    CHECK_EQ(bad_step, 0);
    CHECK_EQ(too_long, 0);
    CHECK_EQ(not_idempotent, 0);
    /* the table is in use: A-Z and well over a thousand code points above */
    CHECK(changed > 1000);
}

int main(void)
{
    static const char *const streamed[] = {
        "Straße", "İstanbul", "Οδυσσέας", "Ёжик", "Æsir", "e\xCC\x81", "東京 😀 ÅNGSTRÖM ﬃ ᾼ",
    };
    uint8_t out[64];
    size_t i, size;

    /* Latin: case, sharp s, dotted and dotless i, the expansions */
    check_fold("Straße", "strasse");
    check_fold("STRASSE", "strasse");
    check_fold("\xE1\xBA\x9E", "ss"); /* capital sharp s */
    check_fold("İstanbul", "istanbul");
    check_fold("ISTANBUL", "istanbul");
    check_fold("ıstanbul", "istanbul");
    check_fold("Æsir", "aesir");
    check_fold("Œuvre", "oeuvre");
    check_fold("Łódź", "lodz");
    check_fold("Ørsted", "orsted");
    check_fold("Þórr", "thorr");
    check_fold("Đorđe Ħamrun ŧ ĸ Ŀ ð", "dorde-hamrun-t-q-l-d");
    check_fold("Pierre-Robin", "pierre-robin");
    check_fold("Pierre Robin", "pierre-robin");
    check_fold("en\xE2\x80\x93" "dash\xC2\xA0" "nbsp", "en-dash-nbsp");
    check_fold("ﬃ", "ffi");
    /* Greek: final sigma, accents, iota subscript */
    check_fold("Οδυσσέας", "οδυσσεασ");
    check_fold("ΟΔΥΣΣΕΑΣ", "οδυσσεασ");
    check_fold("ᾼ", "αι");
    /* Cyrillic, Armenian */
    check_fold("Ёжик", "ежик");
    check_fold("ԵՐԵՎԱՆ", "երեվան");
    /* decomposed input: the combining marks go */
    check_fold("e\xCC\x81", "e");
    check_fold("\xCC\x81", "");
    /* scripts that are not covered keep their code points, even those with
     * a case folding (Cherokee, the Kelvin sign) */
    check_fold("東京", "東京");
    check_fold("😀🇩🇪", "😀🇩🇪");
    check_fold("\xE1\x8E\xA0", "\xE1\x8E\xA0"); /* U+13A0 */
    check_fold("\xE2\x84\xAA", "\xE2\x84\xAA"); /* U+212A */
    check_fold("", "");

    /* invalid UTF-8: overlong, surrogate, above U+10FFFF, truncated, a lone
     * continuation byte, a byte that never occurs */
    check_invalid("\xC0\xAF", 2);
    check_invalid("\xE0\x80\xAF", 3);
    check_invalid("\xED\xA0\x80", 3);
    check_invalid("\xF4\x90\x80\x80", 4);
    check_invalid("\xC3", 1);
    check_invalid("\x80", 1);
    check_invalid("\xFF", 1);
    CHECK_EQ(tome__fold((const uint8_t *)"abc\xC3", 4, out, sizeof out, &size), -1);
    CHECK_EQ(tome__fold((const uint8_t *)"ok\xC3(", 4, out, sizeof out, &size), -1);

    /* a buffer too small: -2 and the size needed, whatever the cap */
    size = 0;
    CHECK_EQ(tome__fold((const uint8_t *)"Straße", strlen("Straße"), out, 3, &size), -2);
    CHECK_EQ(size, 7);
    size = 0;
    CHECK_EQ(tome__fold((const uint8_t *)"Straße", strlen("Straße"), out, 6, &size), -2);
    CHECK_EQ(size, 7);
    CHECK_EQ(tome__fold((const uint8_t *)"Straße", strlen("Straße"), out, 0, &size), -2);
    CHECK_EQ(size, 7);
    CHECK_EQ(tome__fold((const uint8_t *)"Straße", strlen("Straße"), out, 7, &size), 0);
    CHECK_EQ(size, 7);
    /* an invalid tail is refused even past the cap */
    CHECK_EQ(tome__fold((const uint8_t *)"Straße\xFF", strlen("Straße") + 1, out, 2, &size), -1);

    for (i = 0; i < sizeof streamed / sizeof streamed[0]; i++)
        check_streaming(streamed[i]);
    CHECK_EQ(tome__fold_step((const uint8_t *)"", 0, out, &size), 0);

    check_every_code_point();
    return check_summary();
}
