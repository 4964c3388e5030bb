/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * records.h - the format's record rules, in one place for reader and
 * packer: entry records, key records, key order and storage order
 * (docs/FORMAT.md, "Entry table", "Key blocks", "Order table").
 * C99, no allocation: part of the reader.
 */
#ifndef TOME_RECORDS_H
#define TOME_RECORDS_H

#include <stddef.h>
#include <stdint.h>

/* An entry record, decoded: where the article's body lies and its checksum. */
typedef struct tome_entry {
    uint32_t block, offset, size, checksum;
} tome_entry;

/* The bit widths of an entry record's fields, from the header. */
typedef struct tome_entry_widths {
    uint32_t block_bits, offset_bits, size_bits;
} tome_entry_widths;

/* Bytes of an entry record with these widths. */
uint32_t tome__entry_record_size(const tome_entry_widths *w);

/* Write `e` into a zeroed record; read one back. */
void tome__entry_encode(uint8_t *record, const tome_entry_widths *w, const tome_entry *e);
void tome__entry_decode(const uint8_t *record, const tome_entry_widths *w, tome_entry *e);

/* Key order: bytewise, a prefix before its extensions (<0, 0, >0). */
int tome__key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size);

/* Storage order: by (block, offset, size, ID).  An empty article sorts as
 * block 0, offset 0.  <0, 0, >0. */
int tome__storage_compare(const tome_entry *a, uint32_t a_id, const tome_entry *b,
                          uint32_t b_id);

/* A key record's fixed part: key_size and title_size (u16 each), then the
 * key's and the title's bytes. */
#define TOME_KEY_RECORD_HEADER 4u
void tome__key_record_put(uint8_t *record, uint16_t key_size, uint16_t title_size);
void tome__key_record_get(const uint8_t *record, uint32_t *key_size, uint32_t *title_size);

/* `width` (0..32) bits at bit `bit` of a little-endian bit string (bit 0 is
 * the lowest bit of byte 0); the writer ORs into zeroed bytes. */
uint32_t tome__get_bits(const uint8_t *p, uint32_t bit, uint32_t width);
void tome__put_bits(uint8_t *p, uint32_t bit, uint32_t width, uint32_t value);

#endif
