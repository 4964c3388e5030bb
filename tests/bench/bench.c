/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.c - tome against one zstd frame per article, on one corpus.
 *
 * usage: bench CORPUS_DIR WORK_DIR RUNS KEYS_OUT
 *
 * Prints one TSV line per configuration:
 *   name  archive_bytes  pack_seconds  fetch_per_second  iterate_MB_per_second
 *   reader_memory_bytes  note
 * Timed figures are medians of RUNS runs.  Random fetches use 10,000 IDs
 * drawn from a fixed seed; their keys go to KEYS_OUT so every other reader
 * (bench.sh's peers) fetches the same articles in the same order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include "tome.h"
#include "tome_pack.h"

#define FETCHES 10000
#define MAX_RUNS 15
#define BASELINE_DICT (110u * 1024u) /* the one-frame-per-article row */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The articles, in ID (key) order, as the tome reader returns them. */
typedef struct articles {
    uint32_t count;
    uint8_t **data;
    size_t *size;
    uint64_t total;
    uint32_t ids[FETCHES];
} articles;

typedef struct archive_map {
    void *map;
    size_t size;
    void *ws;
    size_t ws_size;
    tome_reader *r;
} archive_map;

static int map_archive(archive_map *m, const char *path, uint32_t flags)
{
    struct stat sb;
    tome_config c;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) != 0)
        return -1;
    m->size = (size_t)sb.st_size;
    m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m->map == MAP_FAILED)
        return -1;
    memset(&c, 0, sizeof c);
    c.data = m->map;
    c.size = m->size;
    c.flags = flags;
    if (tome_workspace_size(&c, &m->ws_size) != TOME_OK)
        return -1;
    m->ws = malloc(m->ws_size);
    c.workspace = m->ws;
    c.workspace_size = m->ws_size;
    return tome_open(&m->r, &c) == TOME_OK ? 0 : -1;
}

static void unmap_archive(archive_map *m)
{
    munmap(m->map, m->size);
    free(m->ws);
}

static double pack_once(const char *corpus, const char *out, uint32_t block_size,
                        tome_pack_stats *st)
{
    tome_pack_options o;
    tome_packer *p;
    double t0 = now();
    tome_pack_options_default(&o);
    o.block_size = block_size;
    p = tome_packer_new(&o);
    if (tome_pack_add_tree(p, corpus) != TOME_PACK_OK || tome_pack_write(p, out, st) != TOME_PACK_OK) {
        fprintf(stderr, "bench: pack: %s\n", tome_packer_message(p));
        exit(1);
    }
    tome_packer_free(p);
    return now() - t0;
}

/* Random fetches and a storage-order pass, each timed RUNS times. */
static void time_reads(const char *path, uint32_t flags, const articles *a, int runs,
                       double *fetch_rate, double *iterate_rate, size_t *memory)
{
    archive_map m;
    double fetch[MAX_RUNS], iterate[MAX_RUNS];
    uint8_t *buf;
    size_t cap = 0, got;
    uint32_t i;
    int run;
    if (map_archive(&m, path, flags) != 0) {
        fprintf(stderr, "bench: cannot open %s\n", path);
        exit(1);
    }
    for (i = 0; i < a->count; i++)
        if (a->size[i] > cap)
            cap = a->size[i];
    buf = malloc(cap + 1);
    for (run = 0; run < runs; run++) {
        uint32_t cursor = 0, id;
        double t0 = now();
        for (i = 0; i < FETCHES; i++)
            if (tome_fetch(m.r, a->ids[i], buf, cap, &got) != TOME_OK || got != a->size[a->ids[i]])
                exit(1);
        fetch[run] = FETCHES / (now() - t0);
        t0 = now();
        while (tome_next(m.r, &cursor, &id) == TOME_OK)
            if (tome_fetch(m.r, id, buf, cap, &got) != TOME_OK)
                exit(1);
        iterate[run] = (double)a->total / 1e6 / (now() - t0);
    }
    *fetch_rate = median(fetch, runs);
    *iterate_rate = median(iterate, runs);
    *memory = m.ws_size;
    free(buf);
    unmap_archive(&m);
}

/* Load every article back from a tome archive, and draw the fetch IDs. */
static void load_articles(const char *path, articles *a, const char *keys_out)
{
    archive_map m;
    uint32_t i, seed = 12345;
    FILE *keys;
    char key[70000];
    if (map_archive(&m, path, 0) != 0)
        exit(1);
    a->count = tome_count(m.r);
    a->data = calloc(a->count, sizeof *a->data);
    a->size = calloc(a->count, sizeof *a->size);
    for (i = 0; i < a->count; i++) {
        tome_article st;
        tome_stat(m.r, i, &st);
        a->data[i] = malloc(st.size + 1);
        if (tome_fetch(m.r, i, a->data[i], st.size, &a->size[i]) != TOME_OK)
            exit(1);
        a->total += a->size[i];
    }
    keys = fopen(keys_out, "w");
    for (i = 0; i < FETCHES; i++) {
        seed ^= seed << 13; /* xorshift32: the same IDs on every machine */
        seed ^= seed >> 17;
        seed ^= seed << 5;
        a->ids[i] = seed % a->count;
        tome_key(m.r, a->ids[i], key, sizeof key);
        fprintf(keys, "%s\n", key);
    }
    fclose(keys);
    unmap_archive(&m);
}

/* One zstd -19 frame per article with a trained dictionary, decoded
 * through a static context and a prepared dictionary: random access at
 * its fastest. */
static void frame_per_article(const articles *a, int runs)
{
    size_t *sizes = malloc(a->count * sizeof *sizes), i, dict_size, total = 0, cap = 0;
    uint8_t *samples = malloc(a->total + 1), *dict = malloc(BASELINE_DICT), **frames;
    size_t *frame_size = malloc(a->count * sizeof *frame_size), at = 0, ws_size;
    double t0 = now(), pack_seconds, fetch[MAX_RUNS], iterate[MAX_RUNS];
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_CDict *cdict;
    ZSTD_DCtx *dctx;
    const ZSTD_DDict *ddict;
    void *ws;
    uint8_t *buf;
    int run;
    for (i = 0; i < a->count; i++) {
        memcpy(samples + at, a->data[i], a->size[i]);
        sizes[i] = a->size[i];
        at += a->size[i];
        if (a->size[i] > cap)
            cap = a->size[i];
    }
    dict_size = ZDICT_trainFromBuffer(dict, BASELINE_DICT, samples, sizes, a->count);
    if (ZDICT_isError(dict_size))
        dict_size = 0;
    cdict = ZSTD_createCDict(dict, dict_size, 19);
    frames = malloc(a->count * sizeof *frames);
    for (i = 0; i < a->count; i++) {
        size_t bound = ZSTD_compressBound(a->size[i]);
        frames[i] = malloc(bound);
        frame_size[i] = ZSTD_compress_usingCDict(cctx, frames[i], bound, a->data[i], a->size[i], cdict);
        total += frame_size[i];
    }
    pack_seconds = now() - t0;
    /* reader: a static context plus the prepared dictionary, by reference */
    ws_size = ZSTD_estimateDCtxSize() + ZSTD_estimateDDictSize(dict_size, ZSTD_dlm_byRef);
    ws = malloc(ws_size);
    dctx = ZSTD_initStaticDCtx(ws, ZSTD_estimateDCtxSize());
    ddict = ZSTD_initStaticDDict((uint8_t *)ws + ZSTD_estimateDCtxSize(),
                                 ZSTD_estimateDDictSize(dict_size, ZSTD_dlm_byRef), dict,
                                 dict_size, ZSTD_dlm_byRef, ZSTD_dct_auto);
    buf = malloc(cap + 1);
    for (run = 0; run < runs; run++) {
        double t = now();
        for (i = 0; i < FETCHES; i++) {
            uint32_t id = a->ids[i];
            if (ZSTD_decompress_usingDDict(dctx, buf, cap, frames[id], frame_size[id], ddict) !=
                a->size[id])
                exit(1);
        }
        fetch[run] = FETCHES / (now() - t);
        t = now();
        for (i = 0; i < a->count; i++)
            ZSTD_decompress_usingDDict(dctx, buf, cap, frames[i], frame_size[i], ddict);
        iterate[run] = (double)a->total / 1e6 / (now() - t);
    }
    /* archive bytes: frames, dictionary, and an 8-byte offset per article */
    printf("frame-per-article+dict\t%zu\t%.2f\t%.0f\t%.1f\t%zu\tdictionary %zu bytes; index counted as 8 bytes/article\n",
           total + dict_size + 8 * (size_t)a->count, pack_seconds, median(fetch, runs),
           median(iterate, runs), ws_size, dict_size);
    for (i = 0; i < a->count; i++)
        free(frames[i]);
    free(frames), free(frame_size), free(sizes), free(samples), free(dict), free(buf), free(ws);
    ZSTD_freeCDict(cdict);
    ZSTD_freeCCtx(cctx);
}

static void tome_row(const char *name, const char *corpus, const char *work, uint32_t block,
                     uint32_t flags, const articles *a, int runs)
{
    char path[4096];
    double pack[MAX_RUNS], fetch_rate, iterate_rate;
    size_t memory;
    tome_pack_stats st;
    int run;
    snprintf(path, sizeof path, "%s/%s.tome", work, name);
    for (run = 0; run < runs; run++)
        pack[run] = pack_once(corpus, path, block, &st);
    time_reads(path, flags, a, runs, &fetch_rate, &iterate_rate, &memory);
    printf("%s\t%llu\t%.2f\t%.0f\t%.1f\t%zu\t%u-byte blocks, dictionary %u bytes, %u near-duplicate groups\n",
           name, (unsigned long long)st.archive_bytes, median(pack, runs), fetch_rate, iterate_rate,
           memory, block, st.dict_size, st.near_duplicate_groups);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static articles a;
    static const uint32_t sweep[] = {16384, 32768, 131072, 262144};
    char path[4096], name[64];
    int runs;
    size_t i;
    tome_pack_stats st;
    if (argc != 5 || (runs = atoi(argv[3])) < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: bench CORPUS_DIR WORK_DIR RUNS(1..%d) KEYS_OUT\n", MAX_RUNS);
        return 2;
    }
    mkdir(argv[2], 0777);
    snprintf(path, sizeof path, "%s/reference.tome", argv[2]);
    pack_once(argv[1], path, 65536, &st);
    load_articles(path, &a, argv[4]);
    fprintf(stderr, "bench: %u articles, %llu bytes\n", a.count, (unsigned long long)a.total);
    tome_row("tome-default", argv[1], argv[2], 65536, 0, &a, runs);
    tome_row("tome-default-lowram", argv[1], argv[2], 65536, TOME_OPEN_NO_DICT_TABLES, &a, runs);
    for (i = 0; i < sizeof sweep / sizeof sweep[0]; i++) {
        snprintf(name, sizeof name, "tome-%uK", sweep[i] / 1024);
        tome_row(name, argv[1], argv[2], sweep[i], 0, &a, runs);
    }
    frame_per_article(&a, runs);
    return 0;
}
