/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * records.c - the format's record rules, used by reader and packer alike.
 */
#include <string.h>

#include "format.h"
#include "records.h"

uint32_t tome__get_bits(const uint8_t *p, uint32_t bit, uint32_t width)
{
    uint32_t v = 0, i;
    /* bit by bit: no shift ever reaches a type's width, whatever `int` is */
    for (i = 0; i < width; i++, bit++)
        v |= (uint32_t)((p[bit / 8] >> (bit % 8)) & 1u) << i;
    return v;
}

void tome__put_bits(uint8_t *p, uint32_t bit, uint32_t width, uint32_t value)
{
    uint32_t i;
    for (i = 0; i < width; i++, bit++)
        if ((value >> i) & 1u)
            p[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

uint32_t tome__entry_record_size(const tome_entry_widths *w)
{
    return (ENT_FIELDS_BIT + w->block_bits + w->offset_bits + w->size_bits + 7u) / 8u;
}

void tome__entry_encode(uint8_t *record, const tome_entry_widths *w, const tome_entry *e)
{
    uint32_t bit = ENT_FIELDS_BIT;
    tome_put32(record + ENT_CHECKSUM, e->checksum);
    tome__put_bits(record, bit, w->block_bits, e->block);
    bit += w->block_bits;
    tome__put_bits(record, bit, w->offset_bits, e->offset);
    bit += w->offset_bits;
    tome__put_bits(record, bit, w->size_bits, e->size);
}

void tome__entry_decode(const uint8_t *record, const tome_entry_widths *w, tome_entry *e)
{
    uint32_t bit = ENT_FIELDS_BIT;
    e->checksum = tome_get32(record + ENT_CHECKSUM);
    e->block = tome__get_bits(record, bit, w->block_bits);
    bit += w->block_bits;
    e->offset = tome__get_bits(record, bit, w->offset_bits);
    bit += w->offset_bits;
    e->size = tome__get_bits(record, bit, w->size_bits);
}

int tome__key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    int c = memcmp(a, b, a_size < b_size ? a_size : b_size);
    if (c)
        return c < 0 ? -1 : 1;
    return (a_size > b_size) - (a_size < b_size);
}

static int compare_u32(uint32_t a, uint32_t b)
{
    return (a > b) - (a < b);
}

int tome__storage_compare(const tome_entry *a, uint32_t a_id, const tome_entry *b,
                          uint32_t b_id)
{
    int c;
    if ((c = compare_u32(a->block, b->block)) != 0 ||
        (c = compare_u32(a->offset, b->offset)) != 0 ||
        (c = compare_u32(a->size, b->size)) != 0)
        return c;
    return compare_u32(a_id, b_id);
}

void tome__key_record_put(uint8_t *record, uint16_t key_size, uint16_t title_size)
{
    tome_put16(record + KEY_REC_KEY_SIZE, key_size);
    tome_put16(record + KEY_REC_TITLE_SIZE, title_size);
}

void tome__key_record_get(const uint8_t *record, uint32_t *key_size, uint32_t *title_size)
{
    *key_size = tome_get16(record + KEY_REC_KEY_SIZE);
    *title_size = tome_get16(record + KEY_REC_TITLE_SIZE);
}
