/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * features.c - what each part of the API costs in flash: a program that
 * opens an archive, finds a key and fetches it (what the example does), and
 * with -DFEATURE_X also makes the calls of feature X.  make footprint links
 * one per feature against the example's objects (Cortex-M4, minimal zstd,
 * --gc-sections) and footprint.sh reads the reader's linked text from each
 * map.  Never run: the inputs are volatile so that no call is optimised away.
 */
#include <stddef.h>
#include <stdint.h>

#include "tome.h"

static unsigned char workspace[4096];
static char buf[64];
volatile uint32_t sink;

static int read_none(void *user, uint64_t offset, void *dst, size_t len)
{
    (void)user, (void)offset, (void)dst, (void)len;
    return -1;
}

#ifdef FEATURE_VERIFY
static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    (void)user;
    sink += (uint32_t)part + index + (uint32_t)error;
}
#endif

int main(void)
{
    tome_config c = {0};
    tome_reader *r;
    uint32_t id = 0;
    size_t n;
    c.read = read_none;
    c.size = sink;
    c.workspace = workspace;
    c.workspace_size = sizeof workspace;
    if (tome_open(&r, &c) != TOME_OK)
        return 1;
    sink += (uint32_t)tome_find(r, buf, sink, &id);
    sink += (uint32_t)tome_fetch(r, id, buf, sizeof buf, &n);
#ifdef FEATURE_NEXT
    {
        uint32_t cursor = sink;
        sink += (uint32_t)tome_next(r, &cursor, &id);
    }
#endif
#ifdef FEATURE_STAT
    {
        tome_article a;
        sink += (uint32_t)tome_stat(r, id, &a);
        sink += (uint32_t)tome_key(r, id, buf, sizeof buf);
        sink += (uint32_t)tome_title(r, id, buf, sizeof buf);
    }
#endif
#ifdef FEATURE_READ
    sink += (uint32_t)tome_read(r, id, sink, buf, sizeof buf);
#endif
#ifdef FEATURE_ALIAS
    sink += (uint32_t)tome_alias(r, id, sink, buf, sizeof buf);
#endif
#ifdef FEATURE_SEARCH
    {
        tome_search s;
        tome_match m;
        sink += (uint32_t)tome_search_start(r, &s, buf, sink, sink);
        sink += (uint32_t)tome_search_next(r, &s, &m);
    }
#endif
#ifdef FEATURE_META
    sink += (uint32_t)tome_meta_at(r, sink, buf, 16, buf + 16, 16);
    sink += (uint32_t)tome_meta_get(r, buf, sink, buf + 32, 16, &n);
#endif
#ifdef FEATURE_INFO
    {
        tome_archive_info info;
        tome_info(r, &info);
        sink += info.article_count;
    }
#endif
#ifdef FEATURE_VERIFY
    {
        tome_verify_report report;
        sink += (uint32_t)tome_verify(r, on_damage, NULL, &report);
    }
#endif
    return 0;
}
