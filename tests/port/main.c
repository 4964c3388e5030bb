/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - a program that uses every reader entry point, for the link
 * check of tests/port/targets.sh: it must link against the reader, the
 * decoder port and the C library alone (no allocator).  Never run.
 */
#include <stddef.h>
#include <stdint.h>

#include "tome.h"

/* Small, so it links in picolibc's default memory map; the program is
 * never run, and tome_open() would refuse it (TOME_ERR_WORKSPACE). */
static unsigned char workspace[2048];
static const unsigned long bound = TOME_WORKSPACE_BOUND(16384u, 4096u, 16384u, 0u, 0);
static char text[512];

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    (void)user;
    (void)part;
    (void)index;
    (void)error;
}

int main(void)
{
    static const unsigned char none[TOME_HEADER_SIZE + TOME_FOOTER_SIZE];
    tome_config cfg = {0};
    tome_reader *r;
    tome_article a;
    uint32_t id, cursor = 0;
    size_t size;
    cfg.data = none;
    cfg.size = sizeof none;
    cfg.workspace = workspace;
    cfg.workspace_size = sizeof workspace < bound ? sizeof workspace : (size_t)bound;
    if (tome_workspace_size(&cfg, &size) != TOME_OK || tome_open(&r, &cfg) != TOME_OK)
        return (int)tome_error_name(TOME_ERR_HEADER)[0] + (int)tome_error_text(0)[0];
    if (tome_find(r, "a", 1, &id) == TOME_OK && tome_stat(r, id, &a) == TOME_OK &&
        tome_key(r, id, text, sizeof text) == TOME_OK && tome_title(r, id, text, sizeof text) == 0)
        (void)tome_fetch(r, id, text, sizeof text, &size);
    while (tome_next(r, &cursor, &id) == TOME_OK)
        (void)tome_read(r, id, 0, text, 1);
    return tome_verify(r, on_damage, NULL, NULL) + (int)tome_count(r);
}
