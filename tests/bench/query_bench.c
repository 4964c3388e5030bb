/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * query_bench.c - random fetches and prefix searches on one archive.
 *
 * usage: query_bench ARCHIVE [QUERIES [PAGE]]
 *
 * 10,000 random IDs (fixed seed) are fetched, three times; the median rate
 * is printed (fetch-rate).
 * QUERIES (default 1,000) random keys and titles, cut to a random prefix
 * (on a UTF-8 boundary), are searched folded over keys, titles and
 * aliases; a query is tome_search_start() and the first PAGE (default 10)
 * matches.  Prints one line each:
 *   search-time   median and 99th percentile of a query, memory mode
 *   search-frames frames decoded per query (callback mode: each read
 *                 starting at a frame's first byte is one decode), most and
 *                 mean
 *   search-index  bytes of the search tree, and its share of the archive
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tome.h"

typedef struct source {
    const uint8_t *data;
    size_t size;
    uint64_t *frames; /* frame offsets, sorted */
    size_t frame_count;
    unsigned long decodes;
} source;

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every frame's offset, from the block table (docs/FORMAT.md: the counts
 * at 40..71, the table's offset at 128, 28-byte records). */
static void load_frames(source *s)
{
    static const int counts[] = {40, 48, 56, 64, 68};
    uint64_t table = get_le(s->data + 128, 8), total = 0;
    size_t i;
    for (i = 0; i < sizeof counts / sizeof counts[0]; i++)
        total += get_le(s->data + counts[i], 4);
    s->frames = malloc((size_t)total * sizeof *s->frames + 1);
    for (i = 0; i < total; i++)
        s->frames[i] = get_le(s->data + table + 28 * i, 8);
    s->frame_count = (size_t)total;
    qsort(s->frames, s->frame_count, sizeof *s->frames, compare_u64);
}

static int read_at(void *user, uint64_t offset, void *dst, size_t len)
{
    source *s = user;
    if (offset > s->size || len > s->size - offset)
        return -1;
    if (bsearch(&offset, s->frames, s->frame_count, sizeof offset, compare_u64))
        s->decodes++;
    memcpy(dst, s->data + offset, len);
    return 0;
}

static tome_reader *open_mode(source *s, int callback, void **workspace)
{
    tome_config c;
    tome_reader *r;
    size_t need;
    memset(&c, 0, sizeof c);
    if (callback) {
        c.read = read_at;
        c.user = s;
    } else {
        c.data = s->data;
    }
    c.size = s->size;
    if (tome_workspace_size(&c, &need) != TOME_OK)
        return NULL;
    c.workspace = *workspace = malloc(need);
    c.workspace_size = need;
    return tome_open(&r, &c) == TOME_OK ? r : NULL;
}

/* A random key or title, cut to a random prefix on a UTF-8 boundary. */
static size_t make_query(tome_reader *r, uint32_t *seed, char *q, size_t cap)
{
    uint32_t id, n;
    size_t size;
    *seed = *seed * 1103515245u + 12345u;
    id = (*seed >> 8) % tome_count(r);
    if (((*seed >> 3) & 1) && tome_title(r, id, q, cap) == TOME_OK && q[0])
        ;
    else if (tome_key(r, id, q, cap) != TOME_OK)
        return 0;
    size = strlen(q);
    *seed = *seed * 1103515245u + 12345u;
    n = 1 + (*seed >> 8) % (uint32_t)(size ? size : 1);
    while (n < size && (q[n] & 0xC0) == 0x80)
        n++; /* not inside a character */
    if (n > 200)
        n = 200;
    while (n > 1 && (q[n] & 0xC0) == 0x80)
        n--;
    q[n] = '\0';
    return n;
}

/* One query: start and the first `page` matches. */
static int query(tome_reader *r, const char *q, size_t n, int page)
{
    tome_search s;
    tome_match m;
    int got = 0, err = tome_search_start(r, &s, q, n, TOME_SEARCH_ALL);
    while (err == TOME_OK && got < page && (err = tome_search_next(r, &s, &m)) == TOME_OK)
        got++;
    return err == TOME_OK || err == TOME_DONE ? got : -1;
}

int main(int argc, char **argv)
{
    source s;
    tome_reader *mem, *cb;
    void *mem_ws, *cb_ws;
    tome_sizes sizes;
    tome_archive_info info;
    struct stat st;
    int fd, i, queries = argc > 2 ? atoi(argv[2]) : 1000, page = argc > 3 ? atoi(argv[3]) : 10;
    uint32_t seed = 2026;
    unsigned long most = 0, total = 0;
    double *times;
    char q[65536 + 1];
    if (argc < 2 || queries < 1 || page < 1) {
        fprintf(stderr, "usage: query_bench ARCHIVE [QUERIES [PAGE]]\n");
        return 2;
    }
    if ((fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) != 0 ||
        (s.data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        perror(argv[1]);
        return 1;
    }
    s.size = (size_t)st.st_size;
    s.decodes = 0;
    load_frames(&s);
    mem = open_mode(&s, 0, &mem_ws);
    if (!mem || tome_count(mem) == 0) {
        fprintf(stderr, "query_bench: cannot open %s, or it is empty\n", argv[1]);
        return 1;
    }
    tome_info(mem, &info);
    times = malloc((size_t)queries * sizeof *times);
    for (i = 0; i < queries; i++) {
        size_t n = make_query(mem, &seed, q, sizeof q);
        struct timespec t0, t1;
        unsigned long before;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (query(mem, q, n, page) < 0)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        times[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
        /* the same query through the callback, on a reader opened afresh
         * (nothing cached from the previous query) */
        if (!(cb = open_mode(&s, 1, &cb_ws)))
            return 1;
        before = s.decodes;
        if (query(cb, q, n, page) < 0)
            return 1;
        free(cb_ws);
        if (s.decodes - before > most)
            most = s.decodes - before;
        total += s.decodes - before;
    }
    qsort(times, (size_t)queries, sizeof *times, compare_double);
    tome_sizes_of(mem, &sizes);
    {
        double rate[3];
        uint8_t *buf = malloc((size_t)info.article_size_max + 1);
        size_t got;
        int run, k;
        for (run = 0; run < 3; run++) {
            struct timespec t0, t1;
            uint32_t fseed = 7;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            for (k = 0; k < 10000; k++) {
                fseed = fseed * 1103515245u + 12345u;
                if (tome_fetch(mem, (fseed >> 8) % info.article_count, buf,
                               (size_t)info.article_size_max + 1, &got) != TOME_OK)
                    return 1;
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            rate[run] = 10000.0 / ((double)(t1.tv_sec - t0.tv_sec) +
                                   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        }
        qsort(rate, 3, sizeof rate[0], compare_double);
        printf("fetch-rate\t%.0f random fetches a second (median of 3 runs of 10,000)\n", rate[1]);
        free(buf);
    }
    printf("search-time\t%d queries of a first page of %d: median %.1f us, 99th percentile %.1f us\n",
           queries, page, times[queries / 2], times[(queries * 99) / 100]);
    printf("search-frames\tframes decoded per query: at most %lu, mean %.2f (%u articles)\n", most,
           (double)total / queries, info.article_count);
    printf("search-index\tsearch tree %llu bytes, %.2f%% of the archive (%u entries)\n",
           (unsigned long long)sizes.search,
           100.0 * (double)sizes.search / (double)info.file_size, info.search_count);
    return 0;
}
