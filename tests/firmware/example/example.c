/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * example.c - a firmware that finds one article by its key and prints it.
 *
 * The archive stands in for an external SPI flash: the reader sees it only
 * through a read callback (flash_read), as it would see a real flash chip.
 * Everything the reader needs lives in one static workspace, sized at
 * compile time by TOME_WORKSPACE_BOUND() with the arguments `tome info`
 * prints for the archive (archive_bound.h, written by the Makefile).  No
 * heap; the text goes out through Arm semihosting.
 */
#include <stdint.h>
#include <string.h>

#include "archive_bound.h" /* ARCHIVE_WORKSPACE_BOUND, ARCHIVE_ARTICLE_MAX */
#include "semihost.h"
#include "tome.h"

#ifndef EXAMPLE_KEY
#define EXAMPLE_KEY "hello"
#endif

/* The archive in the image (archive.S); on a real board: a flash partition. */
extern const uint8_t archive_start[], archive_end[];

/* Read `len` bytes at `offset` of the archive.  A real driver would send
 * SPI read commands here and return nonzero on a bus error. */
static int flash_read(void *user, uint64_t offset, void *dst, size_t len)
{
    const uint8_t *flash = user;
    memcpy(dst, flash + (size_t)offset, len);
    return 0;
}

static uint8_t workspace[ARCHIVE_WORKSPACE_BOUND];
static char article[ARCHIVE_ARTICLE_MAX + 1];

/* Print "what failed: -N" and return a nonzero exit status. */
static int fail(const char *what, int err)
{
    char number[8];
    unsigned n = (unsigned)-err;
    size_t at = sizeof number - 1;
    number[at] = '\0';
    do {
        number[--at] = (char)('0' + n % 10u);
        n /= 10u;
    } while (n != 0 && at > 1);
    number[--at] = '-';
    semihost_write0(what);
    semihost_write0(" failed: ");
    semihost_write0(number + at);
    semihost_write0("\n");
    return 1;
}

int main(void)
{
    tome_config cfg;
    tome_reader *reader;
    uint32_t id;
    size_t size;
    int err;

    memset(&cfg, 0, sizeof cfg);
    cfg.read = flash_read;
    cfg.user = (void *)(uintptr_t)archive_start;
    cfg.size = (uint64_t)(archive_end - archive_start);
    cfg.workspace = workspace;
    cfg.workspace_size = sizeof workspace;

    if ((err = tome_open(&reader, &cfg)) != TOME_OK)
        return fail("tome_open", err);
    if ((err = tome_find(reader, EXAMPLE_KEY, strlen(EXAMPLE_KEY), &id)) != TOME_OK)
        return fail("tome_find", err);
    if ((err = tome_fetch(reader, id, article, sizeof article - 1, &size)) != TOME_OK)
        return fail("tome_fetch", err);
    article[size] = '\0';
    semihost_write0(article);
    return 0;
}
