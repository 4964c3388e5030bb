/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_article.c - reading articles in bounded memory, for cat and extract.
 */
#include <stdlib.h>

#include "cli.h"

/* Articles up to this size are fetched whole; larger ones are read in
 * pieces of this size. */
#define PIECE_SIZE ((size_t)1 << 20)

char *cli_name_buffer(const tome_reader *r, size_t *cap)
{
    tome_archive_info info;
    tome_info(r, &info);
    *cap = (info.key_size_max > info.title_size_max ? info.key_size_max : info.title_size_max) + 1;
    return malloc(*cap);
}

void *cli_article_buffer(const tome_reader *r, size_t *cap)
{
    tome_archive_info info;
    tome_info(r, &info);
    *cap = info.article_size_max < PIECE_SIZE ? info.article_size_max : PIECE_SIZE;
    return malloc(*cap ? *cap : 1);
}

int cli_emit_article(tome_reader *r, uint32_t id, void *buf, size_t cap, cli_sink_fn sink,
                     void *user, uint64_t *size_out)
{
    tome_article art;
    uint64_t off;
    size_t size;
    int err = tome_stat(r, id, &art);
    if (err != TOME_OK)
        return err;
    *size_out = art.size;
    if (art.size <= cap) {
        if ((err = tome_fetch(r, id, buf, cap, &size)) != TOME_OK)
            return err;
        return sink(user, buf, size) ? CLI_SINK_FAILED : TOME_OK;
    }
    for (off = 0; off < art.size; off += size) {
        size = art.size - off < cap ? (size_t)(art.size - off) : cap;
        if ((err = tome_read(r, id, off, buf, size)) != TOME_OK)
            return err;
        if (sink(user, buf, size))
            return CLI_SINK_FAILED;
    }
    return TOME_OK;
}
