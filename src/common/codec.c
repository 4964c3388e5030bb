/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * codec.c - varints, zigzag and front coding (docs/FORMAT.md).
 */
#include "codec.h"

void tome__cursor_init(tome_cursor *c, const uint8_t *data, size_t size)
{
    c->pos = data;
    c->end = data + size;
    c->bad = 0;
}

uint32_t tome__get_varint(tome_cursor *c)
{
    uint32_t v = 0;
    unsigned i;
    if (c->bad)
        return 0;
    for (i = 0; i < TOME_VARINT_MAX && c->pos + i < c->end; i++) {
        uint8_t b = c->pos[i];
        /* the fifth byte holds bits 28..31 only */
        if (i == TOME_VARINT_MAX - 1 && b > 0x0F)
            break;
        v |= (uint32_t)(b & 0x7Fu) << (7u * i);
        if (!(b & 0x80u)) {
            if (b == 0 && i > 0) /* not minimal */
                break;
            c->pos += i + 1;
            return v;
        }
    }
    c->bad = 1;
    return 0;
}

uint32_t tome__get_u32(tome_cursor *c)
{
    const uint8_t *p = tome__get_bytes(c, 4);
    if (!p)
        return 0;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

const uint8_t *tome__get_bytes(tome_cursor *c, size_t size)
{
    const uint8_t *p = c->pos;
    if (c->bad || size > (size_t)(c->end - c->pos)) {
        c->bad = 1;
        return NULL;
    }
    c->pos += size;
    return p;
}

size_t tome__put_varint(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    while (v >= 0x80u) {
        p[n++] = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

size_t tome__varint_size(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

uint32_t tome__zigzag(int64_t delta)
{
    return delta >= 0 ? (uint32_t)((uint64_t)delta * 2u)
                      : (uint32_t)((uint64_t)(-(delta + 1)) * 2u + 1u);
}

int64_t tome__unzigzag(uint32_t v)
{
    return (v & 1u) ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1);
}

const uint8_t *tome__get_run(tome_cursor *c, size_t *size)
{
    uint32_t n = tome__get_varint(c);
    const uint8_t *p = c->pos;
    *size = 0;
    if (c->bad || n > (size_t)(c->end - c->pos)) {
        c->bad = 1;
        return NULL;
    }
    *size = (size_t)n;
    c->pos += *size;
    return p;
}

int tome__get_front(tome_cursor *c, uint32_t prev_size, tome_front *f)
{
    uint32_t shared = tome__get_varint(c);
    f->suffix = tome__get_run(c, &f->suffix_size);
    if (c->bad || shared > prev_size) {
        c->bad = 1;
        return 0;
    }
    f->shared = (size_t)shared;
    return 1;
}
