/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_jsonl.c - tome_pack_add_jsonl: articles from JSON Lines.
 *
 * Each line is parsed by a strict RFC 8259 parser that decodes the "id",
 * "text" and "title" strings and the "aliases" array of strings, and
 * validates, without keeping, everything else.
 * Nesting is tracked with an explicit stack so hostile input cannot exhaust
 * the C stack.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_internal.h"

/* Levels of nesting allowed on a line, the line's own object included. */
#define JSON_MAX_DEPTH 256

typedef struct byte_buf {
    char *data;
    size_t len, cap;
} byte_buf;

/* A decoded string member we care about. */
typedef struct json_field {
    const char *name;
    byte_buf value;
    int present;
} json_field;

enum { FIELD_ID, FIELD_TEXT, FIELD_TITLE, FIELD_COUNT };

typedef struct json_line {
    const char *at, *end;
    int out_of_memory;
    char reason[192]; /* what is wrong, when parsing fails */
    byte_buf name, scratch;
    json_field fields[FIELD_COUNT];
    /* "aliases": the strings back to back, and each one's size */
    int aliases_present;
    byte_buf alias_data;
    size_t *alias_sizes, alias_count, alias_cap;
} json_line;

static int buf_reserve(byte_buf *b, size_t extra)
{
    size_t cap;
    char *grown;

    if (b->cap - b->len >= extra)
        return 1;
    if (extra > SIZE_MAX / 2 - b->len)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap - b->len < extra)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (!grown)
        return 0;
    b->data = grown;
    b->cap = cap;
    return 1;
}

static int buf_append(byte_buf *b, const char *s, size_t n)
{
    if (n == 0)
        return 1;
    if (!buf_reserve(b, n))
        return 0;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 1;
}

/* Record why parsing failed; returns 0 so callers can `return fail(...)`. */
static int parse_fail(json_line *j, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int parse_fail(json_line *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->reason, sizeof j->reason, fmt, ap);
    va_end(ap);
    return 0;
}

static int no_memory(json_line *j)
{
    j->out_of_memory = 1;
    return parse_fail(j, "out of memory");
}

/* "expected X" naming what was found instead, or that the line ended. */
static int expected(json_line *j, const char *what)
{
    unsigned char c;

    if (j->at == j->end)
        return parse_fail(j, "unexpected end of line; expected %s", what);
    c = (unsigned char)*j->at;
    if (c > 0x20 && c < 0x7F)
        return parse_fail(j, "expected %s, found '%c'", what, c);
    return parse_fail(j, "expected %s, found byte 0x%02X", what, c);
}

static void skip_space(json_line *j)
{
    while (j->at < j->end && (*j->at == ' ' || *j->at == '\t' || *j->at == '\n' || *j->at == '\r'))
        j->at++;
}

static int next_is(json_line *j, char c)
{
    return j->at < j->end && *j->at == c;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at j->at (just past "\u"); -1 if malformed. */
static long read_hex4(json_line *j)
{
    long v = 0;
    int i;

    if (j->end - j->at < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int d = hex_value(j->at[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    j->at += 4;
    return v;
}

static int append_code_point(json_line *j, byte_buf *out, unsigned long cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_append(out, u, n) ? 1 : no_memory(j);
}

/* Decode a \u escape (j->at just past the 'u'), pairing surrogates. */
static int decode_unicode_escape(json_line *j, byte_buf *out)
{
    long high = read_hex4(j), low;

    if (high < 0)
        return parse_fail(j, "invalid \\u escape: expected four hex digits");
    if (high >= 0xDC00 && high <= 0xDFFF)
        return parse_fail(j, "lone surrogate \\u%04lX", high);
    if (high < 0xD800 || high > 0xDBFF)
        return append_code_point(j, out, (unsigned long)high);
    if (j->end - j->at < 2 || j->at[0] != '\\' || j->at[1] != 'u')
        return parse_fail(j, "lone surrogate \\u%04lX", high);
    j->at += 2;
    low = read_hex4(j);
    if (low < 0)
        return parse_fail(j, "invalid \\u escape: expected four hex digits");
    if (low < 0xDC00 || low > 0xDFFF)
        return parse_fail(j, "lone surrogate \\u%04lX", high);
    return append_code_point(j, out, 0x10000 + (((unsigned long)high - 0xD800) << 10) +
                                         ((unsigned long)low - 0xDC00));
}

/* Decode the escape at j->at (just past the backslash). */
static int decode_escape(json_line *j, byte_buf *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit;
    unsigned char c;

    if (j->at == j->end)
        return parse_fail(j, "unterminated string");
    c = (unsigned char)*j->at++;
    if (c == 'u')
        return decode_unicode_escape(j, out);
    hit = c ? strchr(from, c) : NULL;
    if (hit)
        return buf_append(out, &to[hit - from], 1) ? 1 : no_memory(j);
    if (c > 0x20 && c < 0x7F)
        return parse_fail(j, "invalid escape \\%c", c);
    return parse_fail(j, "invalid escape: backslash followed by byte 0x%02X", c);
}

/* Decode the string starting at j->at (on its opening quote) into `out`. */
static int parse_string(json_line *j, byte_buf *out)
{
    out->len = 0;
    if (!next_is(j, '"'))
        return expected(j, "'\"'");
    j->at++;
    for (;;) {
        const char *run = j->at;
        unsigned char c;

        while (j->at < j->end && *j->at != '"' && *j->at != '\\' && (unsigned char)*j->at >= 0x20)
            j->at++;
        /* Escapes and quotes are ASCII, so each raw run holds whole characters. */
        if (!tome__utf8_valid(run, (size_t)(j->at - run)))
            return parse_fail(j, "invalid UTF-8 in string");
        if (!buf_append(out, run, (size_t)(j->at - run)))
            return no_memory(j);
        if (j->at == j->end)
            return parse_fail(j, "unterminated string");
        c = (unsigned char)*j->at++;
        if (c == '"')
            return 1;
        if (c != '\\')
            return parse_fail(j, "raw control character 0x%02X in string (must be escaped)", c);
        if (!decode_escape(j, out))
            return 0;
    }
}

static int is_digit(json_line *j)
{
    return j->at < j->end && *j->at >= '0' && *j->at <= '9';
}

static int skip_digits(json_line *j)
{
    const char *start = j->at;
    while (is_digit(j))
        j->at++;
    return j->at > start;
}

static int skip_number(json_line *j)
{
    if (next_is(j, '-'))
        j->at++;
    if (next_is(j, '0')) {
        j->at++;
        if (is_digit(j))
            return parse_fail(j, "invalid number: leading zero");
    } else if (!skip_digits(j)) {
        return parse_fail(j, "invalid number: expected a digit");
    }
    if (next_is(j, '.')) {
        j->at++;
        if (!skip_digits(j))
            return parse_fail(j, "invalid number: expected a digit after '.'");
    }
    if (next_is(j, 'e') || next_is(j, 'E')) {
        j->at++;
        if (next_is(j, '+') || next_is(j, '-'))
            j->at++;
        if (!skip_digits(j))
            return parse_fail(j, "invalid number: expected a digit in the exponent");
    }
    return 1;
}

static int skip_literal(json_line *j)
{
    static const char *const literals[] = {"true", "false", "null"};
    size_t i;

    for (i = 0; i < sizeof literals / sizeof *literals; i++) {
        size_t n = strlen(literals[i]);
        if ((size_t)(j->end - j->at) >= n && !memcmp(j->at, literals[i], n)) {
            j->at += n;
            return 1;
        }
    }
    return expected(j, "a value");
}

static int skip_scalar(json_line *j)
{
    if (next_is(j, '"'))
        return parse_string(j, &j->scratch);
    if (next_is(j, '-') || is_digit(j))
        return skip_number(j);
    return skip_literal(j);
}

/* `"name" :` inside an object, leaving j->at on the value. */
static int parse_member_name(json_line *j)
{
    skip_space(j);
    if (!next_is(j, '"'))
        return expected(j, "member name");
    if (!parse_string(j, &j->name))
        return 0;
    skip_space(j);
    if (!next_is(j, ':'))
        return expected(j, "':' after member name");
    j->at++;
    skip_space(j);
    return 1;
}

/*
 * Validate one value of any type without keeping it.  `depth` is the
 * nesting level of the container holding it.  The loop alternates between
 * reading a value (opening containers as it goes) and closing containers
 * until one expects another element.
 */
static int skip_value(json_line *j, int depth)
{
    char open[JSON_MAX_DEPTH]; /* '{' or '[' for each container entered here */
    int entered = 0;

    for (;;) {
        skip_space(j);
        if (next_is(j, '{') || next_is(j, '[')) {
            char kind = *j->at;

            if (depth + entered >= JSON_MAX_DEPTH)
                return parse_fail(j, "nesting deeper than %d levels", JSON_MAX_DEPTH);
            j->at++;
            open[entered++] = kind;
            skip_space(j);
            if (!next_is(j, kind == '{' ? '}' : ']')) {
                if (kind == '{' && !parse_member_name(j))
                    return 0;
                continue; /* read the container's first element */
            }
            j->at++;
            entered--;
        } else if (!skip_scalar(j)) {
            return 0;
        }
        /* A value is complete: close containers until one wants more. */
        for (;;) {
            char close;

            if (entered == 0)
                return 1;
            close = open[entered - 1] == '{' ? '}' : ']';
            skip_space(j);
            if (next_is(j, close)) {
                j->at++;
                entered--;
                continue;
            }
            if (!next_is(j, ','))
                return expected(j, close == '}' ? "',' or '}'" : "',' or ']'");
            j->at++;
            if (close == '}' && !parse_member_name(j))
                return 0;
            break;
        }
    }
}

/* "aliases": [ "...", ... ], each string kept. */
static int parse_aliases(json_line *j)
{
    if (j->aliases_present)
        return parse_fail(j, "duplicate \"aliases\"");
    j->aliases_present = 1;
    if (!next_is(j, '['))
        return parse_fail(j, "\"aliases\" must be an array of strings");
    j->at++;
    skip_space(j);
    if (next_is(j, ']')) {
        j->at++;
        return 1;
    }
    for (;;) {
        if (!next_is(j, '"'))
            return parse_fail(j, "\"aliases\" must be an array of strings");
        if (!parse_string(j, &j->scratch))
            return 0;
        if (j->alias_count == j->alias_cap) {
            size_t cap = j->alias_cap ? j->alias_cap * 2 : 8;
            size_t *grown = realloc(j->alias_sizes, cap * sizeof *grown);
            if (!grown)
                return no_memory(j);
            j->alias_sizes = grown;
            j->alias_cap = cap;
        }
        if (!buf_append(&j->alias_data, j->scratch.data, j->scratch.len))
            return no_memory(j);
        j->alias_sizes[j->alias_count++] = j->scratch.len;
        skip_space(j);
        if (next_is(j, ']')) {
            j->at++;
            return 1;
        }
        if (!next_is(j, ','))
            return expected(j, "',' or ']'");
        j->at++;
        skip_space(j);
    }
}

static json_field *field_named(json_line *j)
{
    int i;

    for (i = 0; i < FIELD_COUNT; i++)
        if (strlen(j->fields[i].name) == j->name.len &&
            !memcmp(j->fields[i].name, j->name.data, j->name.len))
            return &j->fields[i];
    return NULL;
}

static int parse_member(json_line *j)
{
    json_field *field;

    if (!parse_member_name(j))
        return 0;
    if (j->name.len == 7 && !memcmp(j->name.data, "aliases", 7))
        return parse_aliases(j);
    field = field_named(j);
    if (!field)
        return skip_value(j, 1);
    if (field->present)
        return parse_fail(j, "duplicate \"%s\"", field->name);
    if (!next_is(j, '"'))
        return parse_fail(j, "\"%s\" must be a string", field->name);
    field->present = 1;
    return parse_string(j, &field->value);
}

static int parse_object(json_line *j)
{
    skip_space(j);
    if (!next_is(j, '{'))
        return expected(j, "'{' (each line must be one JSON object)");
    j->at++;
    skip_space(j);
    if (next_is(j, '}')) {
        j->at++;
    } else {
        for (;;) {
            if (!parse_member(j))
                return 0;
            skip_space(j);
            if (next_is(j, '}')) {
                j->at++;
                break;
            }
            if (!next_is(j, ','))
                return expected(j, "',' or '}'");
            j->at++;
        }
    }
    skip_space(j);
    if (j->at != j->end)
        return parse_fail(j, "unexpected data after the object");
    return 1;
}

static int check_fields(json_line *j)
{
    const json_field *id = &j->fields[FIELD_ID];

    if (!id->present)
        return parse_fail(j, "missing \"id\"");
    if (!j->fields[FIELD_TEXT].present)
        return parse_fail(j, "missing \"text\"");
    if (id->value.len == 0)
        return parse_fail(j, "\"id\" is empty");
    if (memchr(id->value.data, '\0', id->value.len))
        return parse_fail(j, "\"id\" contains NUL");
    return 1;
}

static int parse_line(json_line *j, const char *line, size_t len)
{
    int i;

    j->at = line;
    j->end = line + len;
    j->reason[0] = '\0';
    for (i = 0; i < FIELD_COUNT; i++)
        j->fields[i].present = 0;
    j->aliases_present = 0;
    j->alias_data.len = 0;
    j->alias_count = 0;
    return parse_object(j) && check_fields(j);
}

static int is_blank(const char *line, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n')
            return 0;
    return 1;
}

static int add_line(tome_packer *p, json_line *j, const char *path, unsigned long line_number,
                    const char *line, size_t len)
{
    const json_field *id = &j->fields[FIELD_ID], *text = &j->fields[FIELD_TEXT],
                     *title = &j->fields[FIELD_TITLE];
    char *source;
    int err;

    if (!parse_line(j, line, len))
        return tome__pack_fail(p, j->out_of_memory ? TOME_PACK_ERR_MEMORY : TOME_PACK_ERR_INPUT,
                               "%s:%lu: %s", path, line_number, j->reason);
    source = malloc(strlen(path) + 24);
    if (!source)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "%s:%lu: out of memory", path, line_number);
    sprintf(source, "%s:%lu", path, line_number);
    /* Empty values may never have allocated; give tome_pack_add a real pointer. */
    err = tome_pack_add(p, id->value.data, id->value.len,
                        title->present ? (title->value.data ? title->value.data : "") : NULL,
                        title->present ? title->value.len : 0,
                        text->value.data ? text->value.data : "", text->value.len, source);
    {
        size_t k, at = 0;
        for (k = 0; k < j->alias_count && !err; k++) {
            err = tome_pack_add_alias(p, j->alias_data.data + at, j->alias_sizes[k],
                                      id->value.data, id->value.len, source);
            at += j->alias_sizes[k];
        }
    }
    free(source);
    return err;
}

static void free_line_state(json_line *j)
{
    int i;

    free(j->name.data);
    free(j->scratch.data);
    free(j->alias_data.data);
    free(j->alias_sizes);
    for (i = 0; i < FIELD_COUNT; i++)
        free(j->fields[i].value.data);
}

static int add_lines(tome_packer *p, FILE *f, const char *path)
{
    json_line j;
    char *line = NULL;
    size_t line_cap = 0;
    unsigned long line_number = 0;
    ssize_t got;
    int err = TOME_PACK_OK;

    memset(&j, 0, sizeof j);
    j.fields[FIELD_ID].name = "id";
    j.fields[FIELD_TEXT].name = "text";
    j.fields[FIELD_TITLE].name = "title";
    while (!err && (got = getline(&line, &line_cap, f)) >= 0) {
        const char *start = line;
        size_t len = (size_t)got;

        line_number++;
        /* The terminator is not part of the line: a string left open at the
         * end must read as unterminated, not as holding a raw newline. */
        if (len > 0 && start[len - 1] == '\n')
            len--;
        if (len > 0 && start[len - 1] == '\r')
            len--;
        /* RFC 8259 lets a parser ignore a byte order mark; editors add them. */
        if (line_number == 1 && len >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3)) {
            start += 3;
            len -= 3;
        }
        if (!is_blank(start, len))
            err = add_line(p, &j, path, line_number, start, len);
    }
    if (!err && !feof(f))
        err = ferror(f) ? tome__pack_fail(p, TOME_PACK_ERR_IO, "%s: %s", path, strerror(errno))
                        : tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "%s:%lu: out of memory", path,
                                          line_number + 1);
    free(line);
    free_line_state(&j);
    return err;
}

int tome_pack_add_jsonl(tome_packer *p, const char *path)
{
    FILE *f;
    int err;

    if (!p || !path)
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "tome_pack_add_jsonl: no path given")
                 : TOME_PACK_ERR_ARGUMENT;
    f = fopen(path, "rb");
    if (!f)
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "%s: %s", path, strerror(errno));
    err = add_lines(p, f, path);
    fclose(f);
    return err;
}
