/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_output.c - output lines, expectations and scratch memory for the
 * reader check.  No stdio and no heap, so the same code runs bare-metal.
 */
#include "check.h"
#include "platform.h"

/* Lines are printed in pieces of this size: keys may be long. */
#define OUT_PIECE 96u

static char out_buf[OUT_PIECE + 1];
static size_t out_len;
static unsigned checks, failures;
static uint8_t *scratch_base;
static size_t scratch_size, scratch_used;

static void out_flush(void)
{
    out_buf[out_len] = '\0';
    platform_print(out_buf);
    out_len = 0;
}

void out_bytes(const void *bytes, size_t size)
{
    const char *p = (const char *)bytes;
    while (size--) {
        if (out_len == OUT_PIECE)
            out_flush();
        out_buf[out_len++] = *p++;
    }
}

size_t text_length(const char *text)
{
    size_t n = 0;
    while (text[n])
        n++;
    return n;
}

void out_text(const char *text)
{
    out_bytes(text, text_length(text));
}

/* 32-bit division only: a 64-bit one would pull libgcc's 64-bit divide
 * (about 750 bytes) into the firmware.  No count or size in the checked
 * archives reaches 2^32; a larger value would print in hex. */
void out_u64(uint64_t value)
{
    char digits[10];
    uint32_t v = (uint32_t)value;
    size_t n = 0;
    if (value > 0xFFFFFFFFu) {
        out_text("0x");
        out_hex(value, 16);
        return;
    }
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out_bytes(&digits[--n], 1);
}

void out_int(int value)
{
    if (value < 0) {
        out_text("-");
        out_u64((uint64_t)(-(int64_t)value));
    } else {
        out_u64((uint64_t)value);
    }
}

void out_hex(uint64_t value, unsigned digits)
{
    while (digits--)
        out_bytes(&"0123456789abcdef"[(value >> (4 * digits)) & 15u], 1);
}

/* The check names codes itself, so its output does not change when the
 * reader is built with TOME_NO_ERROR_NAMES. */
void out_code(int code)
{
    const char *name = "TOME_ERR_UNKNOWN";
    switch (code) {
#define CODE_NAME(symbol, value, text) \
    case value:                        \
        name = #symbol;                \
        break;
        TOME_ERROR_LIST(CODE_NAME)
#undef CODE_NAME
    }
    out_text(name);
}

void out_end(void)
{
    out_bytes("\n", 1);
    out_flush();
}

int expect(int holds, const char *what)
{
    checks++;
    if (!holds) {
        failures++;
        out_text("FAIL: ");
        out_text(what);
        out_end();
    }
    return holds;
}

int expect_code(int got, int want, const char *what)
{
    checks++;
    if (got != want) {
        failures++;
        out_text("FAIL: ");
        out_text(what);
        out_text(": got ");
        out_int(got);
        out_text(", want ");
        out_int(want);
        out_end();
    }
    return got == want;
}

unsigned checks_run(void)
{
    return checks;
}

unsigned checks_failed(void)
{
    return failures;
}

void scratch_init(uint8_t *memory, size_t size)
{
    scratch_base = memory;
    scratch_size = size;
    scratch_used = 0;
}

void *scratch_take(size_t size)
{
    size_t at = (scratch_used + 63u) & ~(size_t)63u;
    if (at > scratch_size || size > scratch_size - at)
        return NULL;
    scratch_used = at + size;
    return scratch_base + at;
}

size_t scratch_mark(void)
{
    return scratch_used;
}

void scratch_release(size_t mark)
{
    scratch_used = mark;
}

uint32_t fnv1a(const void *bytes, size_t size)
{
    const uint8_t *p = (const uint8_t *)bytes;
    uint32_t h = 2166136261u;
    while (size--)
        h = (h ^ *p++) * 16777619u;
    return h;
}
