/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h - shared by the reader check's files: building output lines,
 * counting expectations, and carving scratch memory.
 *
 * Output lines are the same on host and device; a line starting with '#'
 * carries a measurement that depends on the build (workspace bytes, stack
 * peaks, flash traffic) and is left out of the host/device comparison.
 */
#ifndef TOME_FW_CHECK_H
#define TOME_FW_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "tome.h"

/* ---- output: pieces of one line, then out_end() ---- */
size_t text_length(const char *text); /* strlen, without newlib's large one */
void out_text(const char *text);
void out_bytes(const void *bytes, size_t size);
void out_u64(uint64_t value);
void out_int(int value);
void out_hex(uint64_t value, unsigned digits);
void out_code(int code); /* TOME_OK, TOME_ERR_... */
void out_end(void);

/* ---- expectations: each counts as one check; a failure prints a
 * "FAIL:" line.  Return whether it held. ---- */
int expect(int holds, const char *what);
int expect_code(int got, int want, const char *what);
unsigned checks_run(void);
unsigned checks_failed(void);

/* ---- scratch memory, taken in order and given back to a mark ---- */
void scratch_init(uint8_t *memory, size_t size);
void *scratch_take(size_t size); /* 64-byte aligned, NULL when exhausted */
size_t scratch_mark(void);
void scratch_release(size_t mark);

/* FNV-1a, 32 bits: a checksum of fetched bytes that does not come from
 * the reader, so the output shows the bytes themselves agree. */
uint32_t fnv1a(const void *bytes, size_t size);

/* A simulated SPI NOR flash chip holding an archive; its read callback is
 * what a device's flash driver would provide (see spi_flash.c). */
typedef struct spi_flash {
    const uint8_t *chip;
    uint64_t size;
    uint32_t transactions; /* page-sized bus transactions so far */
    uint64_t bytes;        /* bytes moved so far */
    int out_of_range;      /* the reader asked beyond the chip */
} spi_flash;

void spi_flash_attach(spi_flash *flash, const uint8_t *chip, uint64_t size);
int spi_flash_read(void *flash, uint64_t offset, void *dst, size_t len);

/* Damaged copies of an archive: each must be refused or reported. */
void check_damage(const char *name, const uint8_t *archive, size_t size);

/* A volume set, `count` files (index first), opened through one read
 * callback per file (check_set.c). */
void check_set(const platform_archive *files, size_t count);

#endif
