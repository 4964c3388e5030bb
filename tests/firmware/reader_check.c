/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reader_check.c - the reader used the way a device uses it, on every
 * archive the platform provides, in each I/O mode: open in a caller-owned
 * workspace, list and fetch every article in storage order (with its
 * aliases), find keys and aliases, search (folded and exact prefixes), read
 * the metadata, read a slice, verify; then damaged copies; then a volume
 * set through the set API (check_set.c).  The same source runs on the
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
    uint32_t *search_fnv; /* per query: the same, for the matches */
    tome_search search;  /* caller-owned, as on a device: not on the stack */
    const char *query;   /* the measured search's query */
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
               TOME_WORKSPACE_BOUND(run->info.block_size_max, run->info.index_size_max,
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
    out_text(" aliases=");
    out_u64(i->alias_count);
    out_text(" search=");
    out_u64(i->search_count);
    out_text(" meta=");
    out_u64(i->meta_count);
    out_text(" blocks=");
    out_u64(i->block_count);
    out_text(" block_max=");
    out_u64(i->block_size_max);
    out_text(" index_frames=");
    out_u64(i->index_frame_count);
    out_text(" name_leaves=");
    out_u64(i->name_leaf_count);
    out_text(" index_max=");
    out_u64(i->index_size_max);
    out_text(" chunk_max=");
    out_u64(i->chunk_size_max);
    out_text(" fold_max=");
    out_u64(i->fold_size_max);
    out_text(" dict=");
    out_u64(i->dict_size);
    out_text(" raw=");
    out_u64(i->raw_size);
    out_text(" stored=");
    out_u64(i->stored_size);
    out_text(" index=");
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

/* One line per article: ID, key, size, FNV of the fetched bytes, title,
 * aliases (each of which finds the article). */
static void check_article(archive_run *run, uint32_t id)
{
    tome_article a;
    size_t size = 0;
    uint32_t fnv, n;
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
    out_text(" fnv=");
    out_hex(fnv, 8);
    if (tome_title(run->reader, id, run->name, run->name_cap) == TOME_OK && run->name[0]) {
        out_text(" title=");
        out_text(run->name);
    }
    for (n = 0; n < a.alias_count; n++) {
        uint32_t found = TOME_NO_INDEX;
        if (!expect_code(tome_alias(run->reader, id, n, run->name, run->name_cap), TOME_OK,
                         "tome_alias"))
            break;
        out_text(" alias=");
        out_text(run->name);
        expect(tome_find(run->reader, run->name, text_length(run->name), &found) == TOME_OK &&
                   found == id,
               "an alias finds its article");
    }
    expect_code(tome_alias(run->reader, id, a.alias_count, run->name, run->name_cap),
                TOME_ERR_RANGE, "tome_alias past the last alias");
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

/* The queries of check_search(): folded ones in upper case (folding
 * ignores case, and "GRUSSE" finds "Grüße" by ß -> ss and ü -> u), and an
 * exact key prefix also asked folded, over keys only, where both must give
 * the same articles. */
#define EXACT_PREFIX "generated/topic-07/"
static const struct {
    const char *query;
    uint32_t flags;
} queries[] = {
    {"GRUSSE", TOME_SEARCH_ALL},
    {"ARTICLE 12", TOME_SEARCH_ALL},
    {"ARTICLE 12", TOME_SEARCH_TITLES},
    {"000_", TOME_SEARCH_ALL},
    {EXACT_PREFIX, TOME_SEARCH_KEYS | TOME_SEARCH_EXACT},
    {EXACT_PREFIX, TOME_SEARCH_KEYS},
    {"Generated/", TOME_SEARCH_KEYS | TOME_SEARCH_EXACT},
};
#define QUERY_COUNT (sizeof queries / sizeof queries[0])
/* At most this many matches are printed on the line; all are counted. */
#define MATCHES_SHOWN 12u

/* One line per query: the matches in the tree's order as ID/source (the
 * first MATCHES_SHOWN), their number, and an FNV of them all.  Each match's
 * text exists, and an exact key match begins with the query. */
static void check_search(archive_run *run)
{
    uint32_t q, n, exact_ids = 0, folded_ids = 0;
    for (q = 0; q < QUERY_COUNT; q++) {
        const char *query = queries[q].query;
        size_t len = text_length(query);
        uint32_t fnv = 2166136261u, ids = 0, pair[2];
        tome_match m;
        int err = tome_search_start(run->reader, &run->search, query, len, queries[q].flags);
        out_text("search \"");
        out_text(query);
        out_text("\" flags=");
        out_u64(queries[q].flags);
        out_text(" ->");
        n = 0;
        while (err == TOME_OK && (err = tome_search_next(run->reader, &run->search, &m)) == TOME_OK) {
            int text_err;
            if (n < MATCHES_SHOWN) {
                out_text(" ");
                out_u64(m.id);
                out_text("/");
                out_u64(m.source);
            }
            pair[0] = m.id;
            pair[1] = m.source;
            fnv = fnv1a(pair, sizeof pair) ^ (fnv * 16777619u);
            ids += m.id;
            n++;
            if (m.source == 0)
                text_err = tome_key(run->reader, m.id, run->name, run->name_cap);
            else if (m.source == 1)
                text_err = tome_title(run->reader, m.id, run->name, run->name_cap);
            else
                text_err = tome_alias(run->reader, m.id, m.source - 2u, run->name, run->name_cap);
            expect_code(text_err, TOME_OK, "a match's text exists");
            if (queries[q].flags & TOME_SEARCH_EXACT)
                expect(m.source == 0 && memcmp(run->name, query, len) == 0,
                       "an exact key match begins with the query");
        }
        out_text(" count=");
        out_u64(n);
        out_text(" fnv=");
        out_hex(fnv, 8);
        out_text(" end=");
        out_code(err);
        out_end();
        expect(err == TOME_DONE || (err == TOME_ERR_NOT_FOUND && run->info.search_count == 0),
               "a search ends with TOME_DONE");
        if (q == QUERY_COUNT - 3)
            exact_ids = ids + n;
        if (q == QUERY_COUNT - 2)
            folded_ids = ids + n;
        if (run->mode == MODE_MEMORY)
            run->search_fnv[q] = fnv;
        else
            expect(run->search_fnv[q] == fnv, "the same matches as in memory mode");
    }
    expect(exact_ids == folded_ids, "an exact and a folded prefix of lower-case keys agree");
    if (run->info.search_count > 0)
        expect_code(tome_search_start(run->reader, &run->search, "a", 1, TOME_SEARCH_EXACT),
                    TOME_ERR_ARGUMENT, "a search over no source");
    expect_code(tome_search_start(run->reader, &run->search, "\xff", 1, TOME_SEARCH_ALL),
                run->info.search_count > 0 ? TOME_ERR_ARGUMENT : TOME_ERR_NOT_FOUND,
                "a query that is not UTF-8");
}

/* One line per metadata pair, and tome_meta_get() of each name agrees. */
static void check_meta(archive_run *run)
{
    size_t cap = (size_t)run->info.index_size_max + 1u, size;
    size_t mark = scratch_mark();
    char *name = (char *)scratch_take(cap), *value = (char *)scratch_take(cap);
    char *again = (char *)scratch_take(cap);
    uint32_t k;
    if (!expect(name && value && again, "scratch memory is large enough"))
        return;
    for (k = 0; k < run->info.meta_count; k++) {
        if (!expect_code(tome_meta_at(run->reader, k, name, cap, value, cap), TOME_OK,
                         "tome_meta_at"))
            break;
        out_text("meta ");
        out_text(name);
        out_text("=");
        out_text(value);
        out_end();
        expect(tome_meta_get(run->reader, name, strlen(name), again, cap, &size) == TOME_OK &&
                   size == text_length(value) && memcmp(again, value, size + 1) == 0,
               "tome_meta_get gives what tome_meta_at gave");
    }
    expect_code(tome_meta_at(run->reader, run->info.meta_count, name, cap, value, cap),
                TOME_ERR_RANGE, "tome_meta_at past the last pair");
    expect_code(tome_meta_get(run->reader, "no such name", sizeof "no such name" - 1, value, cap, &size),
                TOME_ERR_NOT_FOUND, "tome_meta_get of an absent name");
    scratch_release(mark);
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

/* One folded search to its end; the cursor is the run's (caller-owned
 * memory, as a device would keep it), so the peak is the reader's own. */
static void measured_search(void *context)
{
    archive_run *run = (archive_run *)context;
    tome_match m;
    int err = tome_search_start(run->reader, &run->search, run->query, text_length(run->query),
                                TOME_SEARCH_ALL);
    while (err == TOME_OK)
        err = tome_search_next(run->reader, &run->search, &m);
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
                 {"search", measured_search},
                 {"verify", measured_verify}};
    uint32_t transactions[sizeof calls / sizeof calls[0]];
    uint64_t bytes[sizeof calls / sizeof calls[0]];
    size_t i;
    if (tome_key(run->reader, run->largest, run->name, run->name_cap) != TOME_OK)
        return;
    run->query = queries[1].query;
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

static void check_mode(const platform_archive *archive, io_mode mode, uint32_t *fnv_by_id,
                       uint32_t *search_fnv)
{
    size_t mark = scratch_mark();
    archive_run run;
    memset(&run, 0, sizeof run);
    run.archive = archive;
    run.mode = mode;
    run.fnv_by_id = fnv_by_id;
    run.search_fnv = search_fnv;
    configure(&run);
    if (open_reader(&run) == TOME_OK && take_buffers(&run) == TOME_OK) {
        print_info(&run);
        check_articles(&run);
        check_finds(&run);
        check_search(&run);
        check_meta(&run);
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
    uint32_t *search_fnv = (uint32_t *)scratch_take(QUERY_COUNT * sizeof *search_fnv);
    int mode;
    if (expect(fnv_by_id != NULL && search_fnv != NULL, "scratch memory is large enough"))
        for (mode = 0; mode < MODE_COUNT; mode++)
            check_mode(archive, (io_mode)mode, fnv_by_id, search_fnv);
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
    archives = platform_set(&count);
    if (count > 0)
        check_set(archives, count);
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
