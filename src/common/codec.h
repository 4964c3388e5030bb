/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * codec.h - the variable-length codings of docs/FORMAT.md ("Conventions",
 * "Trees"): varints, zigzag deltas and front-coded strings, one place for
 * the packer's writing and the reader's bounds-checked reading.
 * C99, no allocation: part of the reader.
 */
#ifndef TOME_CODEC_H
#define TOME_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Longest varint of a u32. */
#define TOME_VARINT_MAX 5u

/* A cursor over `[pos, end)` of a decoded frame.  Every get checks the
 * bounds; the first failure sets `bad`, and later gets then return 0 and
 * move nothing, so a parser may check `bad` once after a run of fields. */
typedef struct tome_cursor {
    const uint8_t *pos, *end;
    int bad;
} tome_cursor;

void tome__cursor_init(tome_cursor *c, const uint8_t *data, size_t size);

/* A minimal varint below 2^32; 0 and `bad` when truncated, too long or not
 * minimal. */
uint32_t tome__get_varint(tome_cursor *c);

/* A u32 as four little-endian bytes. */
uint32_t tome__get_u32(tome_cursor *c);

/* `size` bytes in place: a pointer to them, or NULL and `bad` when fewer
 * remain. */
const uint8_t *tome__get_bytes(tome_cursor *c, size_t size);

/* A varint byte count, then that many bytes in place: a pointer to them and
 * *size their count (a size_t: they lie in the buffer), or NULL, *size 0
 * and `bad`. */
const uint8_t *tome__get_run(tome_cursor *c, size_t *size);

/* Write a varint at `p` (TOME_VARINT_MAX bytes of room); bytes written. */
size_t tome__put_varint(uint8_t *p, uint32_t v);

/* Bytes of the varint of `v`. */
size_t tome__varint_size(uint32_t v);

/* zigzag(v) and back: small signed deltas as small unsigned numbers. */
uint32_t tome__zigzag(int64_t delta);
int64_t tome__unzigzag(uint32_t v);

/* A front-coded string: `shared` bytes of the previous string, then a
 * suffix.  tome__get_front() checks shared <= prev_size and the suffix's
 * bounds, and gives the parts; the caller assembles (or compares) them. */
typedef struct tome_front {
    size_t shared; /* at most prev_size */
    const uint8_t *suffix;
    size_t suffix_size;
} tome_front;
int tome__get_front(tome_cursor *c, uint32_t prev_size, tome_front *f);

#endif
