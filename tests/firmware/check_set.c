/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_set.c - a volume set (docs/FORMAT.md, "Volume sets") read the way
 * a device reads one: the index and every volume in flash, each behind its
 * own read callback (a simulated SPI flash chip per file), one
 * caller-owned workspace for the whole set.  Prints the set's transcript:
 * its counts, each volume's record, every article in storage order with
 * its global ID, key and an FNV of its body, finds of chosen keys and
 * aliases, verify, and what a swapped pair of volumes does.  Host and
 * device must print the same lines.
 */
#include <string.h>

#include "check.h"

/* One set opened through callbacks, and its buffers. */
typedef struct set_run {
    const platform_archive *files; /* index, then volumes */
    uint32_t volumes;
    spi_flash *flash;              /* one per file */
    tome_source *src;              /* one per volume */
    tome_set_config cfg;
    tome_set *set;
    size_t workspace_size;
    uint8_t *article;              /* the largest article of any volume */
    uint32_t article_cap;
    char *name;                    /* a key or title and its NUL */
    size_t name_cap;
} set_run;

/* Sources in the order given by `order` (volume v read from file
 * order[v]); the flash chips are the files'. */
static int open_set(set_run *run, const uint32_t *order)
{
    uint32_t v;
    uint8_t *workspace;
    int err;
    memset(&run->cfg, 0, sizeof run->cfg);
    run->cfg.index.read = spi_flash_read;
    run->cfg.index.user = &run->flash[0];
    run->cfg.index.size = run->files[0].size;
    for (v = 0; v < run->volumes; v++) {
        uint32_t f = 1u + (order ? order[v] : v);
        memset(&run->src[v], 0, sizeof run->src[v]);
        run->src[v].read = spi_flash_read;
        run->src[v].user = &run->flash[f];
        run->src[v].size = run->files[f].size;
    }
    run->cfg.volumes = run->src;
    run->cfg.volume_count = run->volumes;
    err = tome_set_workspace_size(&run->cfg, &run->workspace_size);
    if (!expect_code(err, TOME_OK, "tome_set_workspace_size"))
        return err;
    /* one byte past an aligned address: the set aligns its workspace */
    workspace = (uint8_t *)scratch_take(run->workspace_size + 1u);
    if (!expect(workspace != NULL, "scratch memory is large enough"))
        return TOME_ERR_WORKSPACE;
    run->cfg.workspace = workspace + 1;
    run->cfg.workspace_size = run->workspace_size;
    err = tome_set_open(&run->set, &run->cfg);
    expect_code(err, TOME_OK, "tome_set_open");
    return err;
}

/* The file name of each volume, as the index records it, is the file's;
 * the buffers are sized from the largest volume. */
static int check_volumes(set_run *run)
{
    uint32_t v, first = 0;
    uint32_t key_max = 0, article_max = 0;
    expect(tome_set_volume_count(run->set) == run->volumes, "the index records every volume");
    for (v = 0; v < run->volumes; v++) {
        tome_set_volume info;
        tome_reader *r;
        tome_archive_info ai;
        if (!expect_code(tome_set_volume_info(run->set, v, &info), TOME_OK, "tome_set_volume_info"))
            return TOME_ERR_CORRUPT;
        out_text("set volume ");
        out_u64(v);
        out_text(" ");
        out_text(info.name);
        out_text(" first=");
        out_u64(info.first_id);
        out_text(" articles=");
        out_u64(info.article_count);
        out_text(" aliases=");
        out_u64(info.alias_count);
        out_text(" file=");
        out_u64(info.file_size);
        out_text(" file_checksum=");
        out_hex(info.file_checksum, 8);
        out_end();
        expect(strcmp(info.name, run->files[1u + v].name) == 0, "a volume's recorded name is its file's");
        expect(info.file_size == run->files[1u + v].size, "a volume's recorded size is its file's");
        expect(info.first_id == first, "first IDs run on from 0");
        first += info.article_count;
        if (!expect_code(tome_set_volume_reader(run->set, v, &r), TOME_OK, "tome_set_volume_reader"))
            return TOME_ERR_VOLUME;
        tome_info(r, &ai);
        if (ai.key_size_max > key_max)
            key_max = ai.key_size_max;
        if (ai.title_size_max > key_max)
            key_max = ai.title_size_max;
        if (ai.article_size_max > article_max)
            article_max = ai.article_size_max;
    }
    expect(first == tome_set_count(run->set), "the volumes hold every article");
    run->name_cap = (size_t)key_max + 1u;
    run->article_cap = article_max;
    run->name = (char *)scratch_take(run->name_cap);
    run->article = (uint8_t *)scratch_take(article_max ? article_max : 1u);
    if (!expect(run->name && run->article, "scratch memory is large enough"))
        return TOME_ERR_BUFFER;
    return TOME_OK;
}

/* Every article in storage order: one line each, global ID, key, size,
 * FNV of the body; each ID once, each key finding its ID. */
static void check_articles(set_run *run)
{
    uint32_t count = tome_set_count(run->set), cursor = 0, id, n = 0, found_ok = 0;
    uint8_t *seen = (uint8_t *)scratch_take(count ? count : 1u);
    int err;
    if (!expect(seen != NULL, "scratch memory is large enough"))
        return;
    memset(seen, 0, count);
    while ((err = tome_set_next(run->set, &cursor, &id)) == TOME_OK) {
        size_t size = 0;
        uint32_t found = TOME_NO_INDEX;
        n++;
        if (!expect(id < count && !seen[id], "each global ID visited once"))
            break;
        seen[id] = 1;
        if (!expect_code(tome_set_key(run->set, id, run->name, run->name_cap), TOME_OK,
                         "tome_set_key"))
            continue;
        out_text("set article ");
        out_u64(id);
        out_text(" ");
        out_text(run->name);
        if (tome_set_find(run->set, run->name, text_length(run->name), &found) == TOME_OK &&
            found == id)
            found_ok++;
        err = tome_set_fetch(run->set, id, run->article, run->article_cap, &size);
        out_text(" size=");
        out_u64(size);
        out_text(" fnv=");
        out_hex(fnv1a(run->article, size), 8);
        if (tome_set_title(run->set, id, run->name, run->name_cap) == TOME_OK && run->name[0]) {
            out_text(" title=");
            out_text(run->name);
        }
        out_end();
        expect_code(err, TOME_OK, "tome_set_fetch");
    }
    expect_code(err, TOME_DONE, "tome_set_next ends with TOME_DONE");
    expect(n == count, "tome_set_next visits every article");
    expect(found_ok == count, "every key finds its global ID");
    out_text("set find every key: ");
    out_u64(found_ok);
    out_text(" of ");
    out_u64(count);
    out_end();
}

static void print_find(set_run *run, const char *key, size_t key_size)
{
    uint32_t id = TOME_NO_INDEX;
    int err = tome_set_find(run->set, key, key_size, &id);
    out_text("set find \"");
    out_bytes(key, key_size);
    out_text("\" -> ");
    if (err == TOME_OK)
        out_u64(id);
    else
        out_code(err);
    out_end();
}

/* Each volume's first key (the index's key), a prefix of it (the last
 * volume before it, or none), each alias the index holds for it, and keys
 * no article has. */
static void check_finds(set_run *run)
{
    tome_reader *index = tome_set_index(run->set);
    uint32_t v, n;
    for (v = 0; v < run->volumes; v++) {
        tome_article a;
        if (!expect_code(tome_key(index, v, run->name, run->name_cap), TOME_OK, "tome_key of the index"))
            continue;
        print_find(run, run->name, text_length(run->name));
        print_find(run, run->name, text_length(run->name) - 1u);
        if (!expect_code(tome_stat(index, v, &a), TOME_OK, "tome_stat of the index"))
            continue;
        for (n = 0; n < a.alias_count && n < 2u; n++)
            if (expect_code(tome_alias(index, v, n, run->name, run->name_cap), TOME_OK,
                            "tome_alias of the index"))
                print_find(run, run->name, text_length(run->name));
    }
    print_find(run, "no/such/article", 15);
    print_find(run, "\x01", 1);
    print_find(run, "\xef\xbf\xbf", 3);
}

static void check_verify(set_run *run)
{
    tome_set_verify_report rep;
    int err = tome_set_verify(run->set, NULL, NULL, &rep);
    out_text("set verify ");
    out_code(err);
    out_text(" checked=");
    out_u64(rep.checked_articles);
    out_text(" damaged_volumes=");
    out_u64(rep.damaged_volumes);
    out_end();
    expect_code(err, TOME_OK, "tome_set_verify of the intact set");
    expect(rep.checked_articles == tome_set_count(run->set), "set verify checks every article");
}

static void measured_fetch(void *context)
{
    set_run *run = (set_run *)context;
    size_t size;
    (void)tome_set_fetch(run->set, tome_set_count(run->set) - 1u, run->article, run->article_cap,
                         &size);
}

static void measured_verify(void *context)
{
    set_run *run = (set_run *)context;
    (void)tome_set_verify(run->set, NULL, NULL, NULL);
}

/* Volumes 0 and 1 in each other's place: both refused as not the volume
 * the index records, the others still read. */
static void check_swapped(set_run *run)
{
    static const uint32_t order[] = {1, 0, 2, 3, 4, 5, 6, 7};
    tome_set_verify_report rep;
    size_t size = 0, mark = scratch_mark();
    uint32_t last;
    int err;
    if (run->volumes < 3 || run->volumes > sizeof order / sizeof order[0])
        return;
    if (open_set(run, order) != TOME_OK)
        return;
    last = tome_set_count(run->set) - 1u;
    err = tome_set_fetch(run->set, 0, run->article, run->article_cap, &size);
    out_text("set swapped: fetch 0 -> ");
    out_code(err);
    expect_code(err, TOME_ERR_VOLUME, "a swapped volume is refused");
    err = tome_set_fetch(run->set, last, run->article, run->article_cap, &size);
    out_text(", fetch ");
    out_u64(last);
    out_text(" -> ");
    out_code(err);
    expect_code(err, TOME_OK, "the volumes in place still read");
    err = tome_set_verify(run->set, NULL, NULL, &rep);
    out_text(", verify ");
    out_code(err);
    out_text(" damaged_volumes=");
    out_u64(rep.damaged_volumes);
    out_end();
    expect(err == TOME_ERR_DAMAGED && rep.damaged_volumes == 2, "verify names both volumes");
    scratch_release(mark);
}

void check_set(const platform_archive *files, size_t count)
{
    size_t mark = scratch_mark(), i;
    set_run run;
    memset(&run, 0, sizeof run);
    if (!expect(count >= 4, "a set of three volumes or more"))
        return;
    run.files = files;
    run.volumes = (uint32_t)(count - 1u);
    run.flash = (spi_flash *)scratch_take(count * sizeof *run.flash);
    run.src = (tome_source *)scratch_take(run.volumes * sizeof *run.src);
    if (!expect(run.flash && run.src, "scratch memory is large enough"))
        return;
    for (i = 0; i < count; i++)
        spi_flash_attach(&run.flash[i], files[i].data, files[i].size);
    if (open_set(&run, NULL) == TOME_OK) {
        out_text("set ");
        out_text(files[0].name);
        out_text(" volumes=");
        out_u64(tome_set_volume_count(run.set));
        out_text(" articles=");
        out_u64(tome_set_count(run.set));
        out_end();
        out_text("# set-workspace ");
        out_text(files[0].name);
        out_text(" callback ");
        out_u64(run.workspace_size);
        out_end();
        if (check_volumes(&run) == TOME_OK) {
            check_articles(&run);
            check_finds(&run);
            check_verify(&run);
            out_text("# set-stack ");
            out_text(files[0].name);
            out_text(" callback fetch=");
            out_u64(platform_stack_peak(measured_fetch, &run));
            out_text(" verify=");
            out_u64(platform_stack_peak(measured_verify, &run));
            out_end();
            check_swapped(&run);
        }
    }
    for (i = 0; i < count; i++)
        expect(!run.flash[i].out_of_range, "the set reader never reads beyond a file");
    scratch_release(mark);
}
