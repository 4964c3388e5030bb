/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spi_flash.c - a simulated SPI NOR flash driver behind tome's read
 * callback.  A real driver sends a READ command with a 24- or 32-bit
 * address and clocks the bytes into RAM; a bus transaction moves at most
 * one page, so a long read becomes several.  Here the "chip" is an array
 * in the board's memory and each page is a memcpy; the reader sees only the
 * callback, exactly as it would with real hardware.
 */
#include <string.h>

#include "check.h"

/* Bytes moved per bus transaction (a common NOR page size). */
#define SPI_PAGE 256u

void spi_flash_attach(spi_flash *flash, const uint8_t *chip, uint64_t size)
{
    memset(flash, 0, sizeof *flash);
    flash->chip = chip;
    flash->size = size;
}

int spi_flash_read(void *user, uint64_t offset, void *dst, size_t len)
{
    spi_flash *flash = (spi_flash *)user;
    uint8_t *out = (uint8_t *)dst;
    if (offset > flash->size || len > flash->size - offset) {
        flash->out_of_range = 1; /* tome promises never to ask for this */
        return -1;
    }
    while (len > 0) {
        size_t piece = len < SPI_PAGE ? len : SPI_PAGE;
        memcpy(out, flash->chip + offset, piece);
        flash->transactions++;
        flash->bytes += piece;
        out += piece;
        offset += piece;
        len -= piece;
    }
    return 0;
}
