/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_text.c - keys and titles in human output.
 *
 * An archive is hostile input, and so are the keys and titles in it: a
 * control character printed raw could move the cursor, recolour the
 * terminal or forge lines of `tome ls`.  Human output therefore escapes
 * them, C-style:
 *
 *   \t \n \r         tab, line feed, carriage return
 *   \\               a backslash
 *   \xHH             any other control character (U+0000..U+001F, U+007F,
 *                    and U+0080..U+009F as its two UTF-8 bytes) and every
 *                    byte that is not part of valid UTF-8
 *
 * Everything else (printable ASCII and valid UTF-8) is printed as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    unsigned long cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Escape s (n bytes) into out (NULL: only count); returns the length. */
static size_t escape(const char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
#define PUT(ch) do { if (out) out[o] = (ch); o++; } while (0)
    while (i < n) {
        unsigned c = p[i];
        size_t len = utf8_length(p + i, n - i);
        if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
            PUT('\\');
            PUT(c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
            i++;
        } else if (len == 0 || c < 0x20 || c == 0x7F || (c == 0xC2 && p[i + 1] < 0xA0)) {
            /* invalid, or a C0/C1 control: escape each byte of it */
            size_t k, m = len ? len : 1;
            for (k = 0; k < m; k++) {
                PUT('\\');
                PUT('x');
                PUT(hex[p[i + k] >> 4]);
                PUT(hex[p[i + k] & 15]);
            }
            i += m;
        } else {
            size_t k;
            for (k = 0; k < len; k++)
                PUT((char)p[i + k]);
            i += len;
        }
    }
#undef PUT
    return o;
}

int cli_needs_escape(const char *s, size_t n)
{
    return escape(s, n, NULL) != n;
}

void cli_put_escaped(FILE *f, const char *s, size_t n)
{
    char small[256];
    size_t len = escape(s, n, NULL);
    char *buf = len <= sizeof small ? small : malloc(len);
    if (!buf) {
        fputs("(out of memory)", f);
        return;
    }
    escape(s, n, buf);
    fwrite(buf, 1, len, f);
    if (buf != small)
        free(buf);
}

const char *cli_esc(const char *s)
{
    /* a few results live at once, so one message may escape several names */
    static char *ring[4];
    static unsigned next;
    size_t n = strlen(s), len = escape(s, n, NULL);
    char *buf = malloc(len + 1);
    if (!buf)
        return "(name not shown: out of memory)";
    escape(s, n, buf);
    buf[len] = '\0';
    free(ring[next]);
    ring[next] = buf;
    next = (next + 1) % 4;
    return buf;
}
