/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reader_check.c - the reader used the way a device uses it, on every
 * archive the platform provides, in each I/O mode: open in a caller-owned
 * workspace, list and fetch every article in storage order, find keys,
 * read a slice, verify; then damaged copies.  The same source runs on the
 * build machine and on the bare-metal board, and the two outputs must be
 * equal line for line (lines starting with '#' excepted, see check.h).
 */
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* the size estimates, as the reader uses them */
#include <zstd.h>

#include "check.h"
#include "format.h" /* the header's article count, before opening */
#include "platform.h"

typedef enum io_mode { MODE_MEMORY, MODE_CALLBACK, MODE_MEMORY_NO_TABLES, MODE_COUNT } io_mode;

static const char *const mode_names[MODE_COUNT] = {"memory", "callback",
                                                   "memory-no-dict-tables"};

/* One archive opened in one mode, and what the checks learn about it. */
typedef struct archive_run {
    const platform_archive *archive;
    io_mode mode;
    spi_flash flash;
    tome_config cfg;
    tome_reader *reader;
    tome_archive_info info;
    size_t workspace_size;
    uint8_t *article;    /* article_size_max bytes */
    char *name;          /* a key or title and its terminator */
    size_t name_cap;
    uint32_t *fnv_by_id; /* filled in memory mode, compared in the others */
    uint8_t *seen;       /* per ID: visited by the iteration */
    uint32_t largest;    /* ID of the first largest article met */
    uint32_t largest_size;
} archive_run;

static void configure(archive_run *run)
{
    tome_config *cfg = &run->cfg;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = run->archive->size;
    if (run->mode == MODE_CALLBACK) {
        spi_flash_attach(&run->flash, run->archive->data, run->archive->size);
        cfg->read = spi_flash_read;
        cfg->user = &run->flash;
    } else {
        cfg->data = run->archive->data;
    }
    if (run->mode == MODE_MEMORY_NO_TABLES)
        cfg->flags = TOME_OPEN_NO_DICT_TABLES;
}

static void out_measure(const archive_run *run, const char *what)
{
    out_text("# ");
    out_text(what);
    out_text(" ");
    out_text(run->archive->name);
    out_text(" ");
    out_text(mode_names[run->mode]);
    out_text(" ");
}

/* The workspace is taken one byte past an aligned address on purpose:
 * tome_open() accepts any alignment and must align it itself. */
static int open_reader(archive_run *run)
{
    uint8_t *workspace;
    int err = tome_workspace_size(&run->cfg, &run->workspace_size);
    if (!expect_code(err, TOME_OK, "tome_workspace_size"))
        return err;
    workspace = (uint8_t *)scratch_take(run->workspace_size + 1);
    if (!expect(workspace != NULL, "scratch memory is large enough"))
        return TOME_ERR_WORKSPACE;
    run->cfg.workspace = workspace + 1;
    run->cfg.workspace_size = run->workspace_size;
    err = tome_open(&run->reader, &run->cfg);
    if (!expect_code(err, TOME_OK, "tome_open"))
        return err;
    tome_info(run->reader, &run->info);
    out_measure(run, "workspace");
    out_u64(run->workspace_size);
    out_end();
    expect(run->workspace_size <=
               TOME_WORKSPACE_BOUND(run->info.block_size_max, run->info.key_block_size_max,
                                    run->info.chunk_size_max, run->info.dict_size,
                                    run->mode == MODE_CALLBACK),
           "tome_workspace_size() within TOME_WORKSPACE_BOUND()");
    return TOME_OK;
}

static void print_info(const archive_run *run)
{
    const tome_archive_info *i = &run->info;
    out_text("archive ");
    out_text(run->archive->name);
    out_text(" mode=");
    out_text(mode_names[run->mode]);
    out_text(" format=");
    out_u64(i->format_major);
    out_text(".");
    out_u64(i->format_minor);
    out_text(" file=");
    out_u64(i->file_size);
    out_text(" articles=");
    out_u64(i->article_count);
    out_text(" bodies=");
    out_u64(i->body_count);
    out_text(" blocks=");
    out_u64(i->block_count);
    out_text(" block_max=");
    out_u64(i->block_size_max);
    out_text(" key_blocks=");
    out_u64(i->key_block_count);
    out_text(" keys_per_block=");
    out_u64(i->keys_per_block);
    out_text(" key_block_max=");
    out_u64(i->key_block_size_max);
    out_text(" chunk_max=");
    out_u64(i->chunk_size_max);
    out_text(" dict=");
    out_u64(i->dict_size);
    out_text(" raw=");
    out_u64(i->raw_size);
    out_text(" keys=");
    out_u64(i->keys_size);
    out_end();
}

static int take_buffers(archive_run *run)
{
    const tome_archive_info *i = &run->info;
    run->name_cap = (i->key_size_max > i->title_size_max ? i->key_size_max
                                                          : i->title_size_max) + 1u;
    run->article = (uint8_t *)scratch_take(i->article_size_max ? i->article_size_max : 1);
    run->name = (char *)scratch_take(run->name_cap);
    run->seen = (uint8_t *)scratch_take(i->article_count ? i->article_count : 1);
    if (!expect(run->article && run->name && run->seen, "scratch memory is large enough"))
        return TOME_ERR_BUFFER;
    memset(run->seen, 0, i->article_count);
    return TOME_OK;
}

/* One line per article: ID, key, size, stored checksum, FNV of the fetched
 * bytes, title. */
static void check_article(archive_run *run, uint32_t id)
{
    tome_article a;
    size_t size = 0;
    uint32_t fnv;
    int err;
    if (!expect(id < run->info.article_count && !run->seen[id], "each ID visited once"))
        return;
    run->seen[id] = 1;
    if (!expect_code(tome_stat(run->reader, id, &a), TOME_OK, "tome_stat") ||
        !expect_code(tome_key(run->reader, id, run->name, run->name_cap), TOME_OK, "tome_key"))
        return;
    if (a.size > run->largest_size) {
        run->largest = id;
        run->largest_size = a.size;
    }
    out_text("article ");
    out_u64(id);
    out_text(" ");
    out_text(run->name);
    err = tome_fetch(run->reader, id, run->article, run->info.article_size_max, &size);
    fnv = fnv1a(run->article, size);
    out_text(" size=");
    out_u64(size);
    out_text(" xxh32=");
    out_hex(a.checksum, 8);
    out_text(" fnv=");
    out_hex(fnv, 8);
    if (tome_title(run->reader, id, run->name, run->name_cap) == TOME_OK && run->name[0]) {
        out_text(" title=");
        out_text(run->name);
    }
    out_end();
    expect_code(err, TOME_OK, "tome_fetch");
    expect(size == a.size, "fetched size is the stated size");
    if (run->mode == MODE_MEMORY)
        run->fnv_by_id[id] = fnv;
    else
        expect(run->fnv_by_id[id] == fnv, "same bytes as in memory mode");
}

/* Every article in storage order, each visited exactly once. */
static void check_articles(archive_run *run)
{
    uint32_t cursor = 0, id, n = 0;
    int err;
    while ((err = tome_next(run->reader, &cursor, &id)) == TOME_OK) {
        check_article(run, id);
        n++;
    }
    expect_code(err, TOME_DONE, "tome_next ends with TOME_DONE");
    expect(n == run->info.article_count, "tome_next visits every article");
}

static void print_find(archive_run *run, const char *key, size_t key_size)
{
    uint32_t id = TOME_NO_INDEX;
    int err = tome_find(run->reader, key, key_size, &id);
    out_text("find \"");
    out_bytes(key, key_size);
    out_text("\" -> ");
    if (err == TOME_OK)
        out_u64(id);
    else
        out_code(err);
    out_end();
}

/* Every key finds its own ID; a few chosen lookups are printed. */
static void check_finds(archive_run *run)
{
    size_t cap = run->name_cap;
    uint32_t count = run->info.article_count, id, found, ok = 0;
    for (id = 0; id < count; id++) {
        if (tome_key(run->reader, id, run->name, cap) == TOME_OK &&
            tome_find(run->reader, run->name, text_length(run->name), &found) == TOME_OK &&
            found == id)
            ok++;
    }
    expect(ok == count, "every key finds its article");
    out_text("find every key: ");
    out_u64(ok);
    out_text(" of ");
    out_u64(count);
    out_end();
    if (count > 0 && tome_key(run->reader, count - 1, run->name, cap) == TOME_OK) {
        size_t len = text_length(run->name);
        print_find(run, run->name, len);
        print_find(run, run->name, len - 1); /* a prefix is another key */
    }
    if (count > 0 && tome_key(run->reader, count / 2, run->name, cap) == TOME_OK)
        print_find(run, run->name, text_length(run->name));
    print_find(run, "no/such/article", 15);
}

/* A slice from a third of the way into the largest article (which in the
 * generated archive spans many blocks), read without fetching the article;
 * it must equal the same bytes of a whole fetch. */
static void check_read(archive_run *run)
{
    uint32_t id = run->largest;
    tome_article a;
    size_t size, offset, len;
    uint8_t *slice;
    if (tome_stat(run->reader, id, &a) != TOME_OK || a.size == 0)
        return;
    offset = a.size / 3;
    len = a.size - offset < 70000u ? a.size - offset : 70000u;
    slice = (uint8_t *)scratch_take(len);
    if (!expect(slice != NULL, "scratch memory is large enough"))
        return;
    expect_code(tome_read(run->reader, id, offset, slice, len), TOME_OK, "tome_read");
    out_text("read ");
    out_u64(id);
    out_text(" [");
    out_u64(offset);
    out_text(", +");
    out_u64(len);
    out_text(") fnv=");
    out_hex(fnv1a(slice, len), 8);
    out_end();
    expect_code(tome_fetch(run->reader, id, run->article, run->info.article_size_max, &size),
                TOME_OK, "tome_fetch of the largest article");
    expect(memcmp(slice, run->article + offset, len) == 0, "tome_read matches tome_fetch");
    expect_code(tome_read(run->reader, id, a.size, slice, 1), TOME_ERR_RANGE,
                "tome_read past the end");
}

static void check_verify(archive_run *run)
{
    tome_verify_report rep;
    int err = tome_verify(run->reader, NULL, NULL, &rep);
    out_text("verify ");
    out_code(err);
    out_text(" checked=");
    out_u64(rep.checked_articles);
    out_text(" damaged_parts=");
    out_u64(rep.damaged_parts);
    out_end();
    expect_code(err, TOME_OK, "tome_verify of the intact archive");
    expect(rep.checked_articles == run->info.article_count, "verify checks every article");
}

/* ---- what single calls cost: peak stack, and in callback mode the flash
 * traffic.  Each call starts from a freshly opened reader, so the fetch
 * (of the largest article) decompresses its blocks from the start. ---- */

static void measured_open(void *context)
{
    archive_run *run = (archive_run *)context;
    (void)tome_open(&run->reader, &run->cfg);
}

static void measured_fetch(void *context)
{
    archive_run *run = (archive_run *)context;
    size_t size;
    (void)tome_fetch(run->reader, run->largest, run->article, run->info.article_size_max,
                     &size);
}

static void measured_find(void *context)
{
    archive_run *run = (archive_run *)context;
    uint32_t id;
    (void)tome_find(run->reader, run->name, text_length(run->name), &id);
}

static void measured_verify(void *context)
{
    archive_run *run = (archive_run *)context;
    (void)tome_verify(run->reader, NULL, NULL, NULL);
}

static void measure_calls(archive_run *run)
{
    static const struct {
        const char *name;
        void (*call)(void *);
    } calls[] = {{"open", measured_open},
                 {"fetch", measured_fetch},
                 {"find", measured_find},
                 {"verify", measured_verify}};
    uint32_t transactions[sizeof calls / sizeof calls[0]];
    uint64_t bytes[sizeof calls / sizeof calls[0]];
    size_t i;
    if (tome_key(run->reader, run->largest, run->name, run->name_cap) != TOME_OK)
        return;
    out_measure(run, "stack");
    for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        size_t peak;
        if (i > 0)
            (void)tome_open(&run->reader, &run->cfg); /* cold: nothing decoded yet */
        transactions[i] = run->flash.transactions;
        bytes[i] = run->flash.bytes;
        peak = platform_stack_peak(calls[i].call, run);
        transactions[i] = run->flash.transactions - transactions[i];
        bytes[i] = run->flash.bytes - bytes[i];
        out_text(calls[i].name);
        out_text("=");
        out_u64(peak);
        out_text(" ");
    }
    out_end();
    if (run->mode != MODE_CALLBACK)
        return;
    /* What each call costs on the simulated SPI flash: transactions/bytes. */
    out_measure(run, "spi-flash-per-call");
    for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        out_text(calls[i].name);
        out_text("=");
        out_u64(transactions[i]);
        out_text("/");
        out_u64(bytes[i]);
        out_text(" ");
    }
    out_end();
}

static void print_flash_traffic(const archive_run *run)
{
    if (run->mode != MODE_CALLBACK)
        return;
    expect(!run->flash.out_of_range, "the reader never reads beyond the archive");
    out_measure(run, "spi-flash");
    out_text("transactions=");
    out_u64(run->flash.transactions);
    out_text(" bytes=");
    out_u64(run->flash.bytes);
    out_end();
}

static void check_mode(const platform_archive *archive, io_mode mode, uint32_t *fnv_by_id)
{
    size_t mark = scratch_mark();
    archive_run run;
    memset(&run, 0, sizeof run);
    run.archive = archive;
    run.mode = mode;
    run.fnv_by_id = fnv_by_id;
    configure(&run);
    if (open_reader(&run) == TOME_OK && take_buffers(&run) == TOME_OK) {
        print_info(&run);
        check_articles(&run);
        check_finds(&run);
        check_read(&run);
        check_verify(&run);
        measure_calls(&run);
        print_flash_traffic(&run);
    }
    scratch_release(mark);
}

static void check_archive(const platform_archive *archive)
{
    size_t mark = scratch_mark();
    uint32_t count = archive->size >= TOME_HEADER_SIZE
                         ? tome_get32(archive->data + HDR_ARTICLE_COUNT) : 0;
    uint32_t *fnv_by_id = (uint32_t *)scratch_take(((size_t)count + 1) * sizeof *fnv_by_id);
    int mode;
    if (expect(fnv_by_id != NULL, "scratch memory is large enough"))
        for (mode = 0; mode < MODE_COUNT; mode++)
            check_mode(archive, (io_mode)mode, fnv_by_id);
    check_damage(archive->name, archive->data, archive->size);
    scratch_release(mark);
}

/* ---- facts about the build, on '#' lines ---- */

static void fill_a_kilobyte(void *context)
{
    volatile uint8_t frame[1024];
    size_t i;
    (void)context;
    for (i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)i;
}

/* The gauge must see a frame of known size, or its peaks mean nothing. */
static void check_stack_gauge(void)
{
    size_t peak = platform_stack_peak(fill_a_kilobyte, NULL);
    if (peak > 0) { /* 0: not measured here */
        out_text("# stack gauge: a 1024-byte frame measures ");
        out_u64(peak);
        out_end();
    }
    expect(peak == 0 || (peak >= 1024 && peak <= 1024 + 128),
           "the stack gauge measures a known frame");
}

/* What the workspace is made of besides the two block buffers (see
 * docs/EMBEDDING.md): zstd's context, and its dictionary tables. */
static void print_zstd_sizes(void)
{
    out_text("# zstd ");
    out_u64(ZSTD_versionNumber());
    out_text(" dctx=");
    out_u64(ZSTD_estimateDCtxSize());
    out_text(" ddict-tables=");
    out_u64(ZSTD_estimateDDictSize(16384, ZSTD_dlm_byRef));
    out_end();
}

int reader_check_run(void)
{
    size_t count, size, i;
    const platform_archive *archives = platform_archives(&count);
    uint8_t *scratch = platform_scratch(&size);
    scratch_init(scratch, size);
    out_text("tome reader ");
    out_text(tome_version_string());
    out_text(", format ");
    out_u64(tome_format_version());
    out_end();
    print_zstd_sizes();
    check_stack_gauge();
    for (i = 0; i < count; i++)
        check_archive(&archives[i]);
    out_text("checks: ");
    out_u64(checks_run() - checks_failed());
    out_text(" passed, ");
    out_u64(checks_failed());
    out_text(" failed");
    out_end();
    out_text(checks_failed() ? "RESULT: FAIL" : "RESULT: PASS");
    out_end();
    return checks_failed() ? 1 : 0;
}
