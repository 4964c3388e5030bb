/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_alloc.c - the reader never allocates.  Linked with --wrap for
 * malloc, calloc, realloc and free, so every call from the reader and from
 * the statically linked zstd goes through the counters below.
 */
#include <stddef.h>

#include "testlib.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);

/* volatile: the compiler assumes malloc cannot see globals and would move
 * the stores around the probe calls below. */
static volatile int counting;
static volatile unsigned long calls;

void *__wrap_malloc(size_t size)
{
    calls += counting;
    return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    calls += counting;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    calls += counting;
    return __real_realloc(p, size);
}

void __wrap_free(void *p)
{
    calls += counting;
    __real_free(p);
}

/* Everything a device does with an archive, in one mode. */
static void use_everything(const uint8_t *bytes, size_t size, int callback, uint32_t flags,
                           void *ws, size_t ws_size, const corpus *c)
{
    image im = {bytes, size, -1, 0};
    tome_config cfg;
    tome_reader *r;
    size_t need = 0, i, got;
    uint32_t id, cursor = 0;
    uint8_t buf[4096];
    char key[256];
    tome_article st;
    memset(&cfg, 0, sizeof cfg);
    if (callback) {
        cfg.read = image_read;
        cfg.user = &im;
    } else {
        cfg.data = bytes;
    }
    cfg.size = size;
    cfg.flags = flags;
    cfg.workspace = ws;
    cfg.workspace_size = ws_size;
    CHECK_EQ(tome_workspace_size(&cfg, &need), TOME_OK);
    CHECK(need <= ws_size);
    CHECK_EQ(tome_open(&r, &cfg), TOME_OK);
    for (i = 0; i < c->n; i++) {
        CHECK_EQ(tome_find(r, c->a[i].key, strlen(c->a[i].key), &id), TOME_OK);
        CHECK_EQ(tome_stat(r, id, &st), TOME_OK);
        CHECK_EQ(tome_key(r, id, key, sizeof key), TOME_OK);
        CHECK_EQ(tome_fetch(r, id, buf, sizeof buf, &got), TOME_OK);
        CHECK_EQ(tome_read(r, id, 0, buf, got / 2), TOME_OK);
    }
    while (tome_next(r, &cursor, &id) == TOME_OK)
        CHECK_EQ(tome_fetch(r, id, buf, sizeof buf, &got), TOME_OK);
    CHECK_EQ(tome_verify(r, NULL, NULL, NULL), TOME_OK);
}

/* The same of a volume set: every volume in memory or behind the
 * callback. */
#define SET_VOLUMES_MAX 32
static void use_set(const corpus *c, const char *index_path, int callback, void *ws,
                    size_t ws_size)
{
    static uint8_t *vol[SET_VOLUMES_MAX];
    static size_t vol_size[SET_VOLUMES_MAX];
    static image im[SET_VOLUMES_MAX + 1];
    tome_source src[SET_VOLUMES_MAX];
    tome_set_config cfg;
    tome_set *s;
    uint8_t *index, buf[4096];
    size_t index_size = 0, need = 0, i, got;
    uint32_t v, volumes = 0, id, cursor = 0;
    char path[1200];
    int was = counting;
    counting = 0; /* reading the files is the test's, not the reader's */
    index = read_file(index_path, &index_size);
    for (v = 0; v < SET_VOLUMES_MAX; v++) {
        snprintf(path, sizeof path, "%.*s.%03u.tome", (int)(strlen(index_path) - 5), index_path,
                 (unsigned)v);
        if (!(vol[v] = read_file(path, &vol_size[v])))
            break;
        volumes++;
    }
    CHECK(index != NULL && volumes >= 3);
    memset(&cfg, 0, sizeof cfg);
    for (v = 0; v <= volumes; v++) {
        tome_source *so = v < volumes ? &src[v] : &cfg.index;
        im[v].bytes = v < volumes ? vol[v] : index;
        im[v].size = v < volumes ? vol_size[v] : index_size;
        im[v].fail_after = -1;
        memset(so, 0, sizeof *so);
        if (callback) {
            so->read = image_read;
            so->user = &im[v];
        } else {
            so->data = im[v].bytes;
        }
        so->size = im[v].size;
    }
    cfg.volumes = src;
    cfg.volume_count = volumes;
    cfg.workspace = ws;
    cfg.workspace_size = ws_size;
    counting = was;
    CHECK_EQ(tome_set_workspace_size(&cfg, &need), TOME_OK);
    CHECK(need <= ws_size);
    CHECK_EQ(tome_set_open(&s, &cfg), TOME_OK);
    for (i = 0; i < c->n; i++) {
        CHECK_EQ(tome_set_find(s, c->a[i].key, strlen(c->a[i].key), &id), TOME_OK);
        CHECK_EQ(tome_set_key(s, id, (char *)buf, sizeof buf), TOME_OK);
        CHECK_EQ(tome_set_fetch(s, id, buf, sizeof buf, &got), TOME_OK);
    }
    while (tome_set_next(s, &cursor, &id) == TOME_OK)
        CHECK_EQ(tome_set_fetch(s, id, buf, sizeof buf, &got), TOME_OK);
    CHECK_EQ(tome_set_verify(s, NULL, NULL, NULL), TOME_OK);
    counting = 0;
    free(index);
    for (v = 0; v < volumes; v++)
        free(vol[v]);
    counting = was;
}

int main(void)
{
    corpus c = {0};
    tome_pack_options o = test_options(3, TOME_DICT_ON, 4096);
    size_t size = 0, i;
    uint8_t *bytes, body[2000];
    char key[32];
    void *ws = malloc(1 << 20);
    void *volatile probe;
    for (i = 0; i < 120; i++) {
        snprintf(key, sizeof key, "doc/%03zu", i);
        make_text(body, 300 + i * 13, (uint32_t)(i % 17));
        corpus_add(&c, key, NULL, body, 300 + i * 13);
    }
    o.dict_size = 4096;
    bytes = pack_corpus(&c, &o, 0, &size, NULL);
    CHECK(bytes != NULL);
    {
        tome_packer *p = tome_packer_new(&o);
        int err = TOME_PACK_OK;
        for (i = 0; i < c.n && !err; i++)
            err = tome_pack_add(p, c.a[i].key, strlen(c.a[i].key), NULL, 0, c.a[i].body,
                                c.a[i].size, NULL);
        if (!err)
            err = tome_pack_write_set(p, temp_path("set.tome"), 8192, NULL);
        CHECK_EQ(err, TOME_PACK_OK);
        tome_packer_free(p);
    }

    /* the counters see allocations at all */
    counting = 1;
    probe = malloc(16);
    free(probe);
    counting = 0;
    CHECK_EQ(calls, 2);

    calls = 0;
    counting = 1;
    use_everything(bytes, size, 0, 0, ws, 1 << 20, &c);
    use_everything(bytes, size, 1, 0, ws, 1 << 20, &c);
    use_everything(bytes, size, 0, TOME_OPEN_NO_DICT_TABLES, ws, 1 << 20, &c);
    use_everything(bytes, size, 1, TOME_OPEN_NO_DICT_TABLES, ws, 1 << 20, &c);
    use_set(&c, temp_path("set.tome"), 0, ws, 1 << 20);
    use_set(&c, temp_path("set.tome"), 1, ws, 1 << 20);
    counting = 0;
    printf("allocator calls during open, find, stat, key, fetch, read, iterate, verify "
           "(archive and set): %lu\n",
           calls);
    CHECK_EQ(calls, 0);
    free(ws);
    free(bytes);
    corpus_free(&c);
    temp_cleanup();
    return check_summary();
}
