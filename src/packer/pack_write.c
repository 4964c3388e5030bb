/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_write.c - from added articles to an archive file (docs/FORMAT.md).
 *
 * Steps: sort articles by key (IDs), resolve aliases (pack_alias.c), lay
 * distinct bodies out in blocks (pack_layout.c, clustering near-duplicates
 * with pack_cluster.c), train the dictionary on samples read back from the
 * body store, build the name, alias and search trees and the metadata
 * frame (pack_names.c, pack_search.c, pack_meta.c); then, into a temporary
 * file beside the output: header space and dictionary, every frame as it
 * is compressed (pack_compress.c: a bounded number in flight, each body
 * block's area and head made just before), the block table, the header
 * and the footer (its checksum read back); check it with the reader,
 * rename it into place.  Bodies never sit in memory all at once: they are
 * read back from the body store (pack_spill.c) when needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "hash.h"
#include "pack_plan.h"

void tome__plan_free(plan *pl)
{
    size_t i;
    for (i = 0; i < pl->block_count; i++) {
        free(pl->blocks[i].head);
        free(pl->blocks[i].cuts);
    }
    tome__tree_free(&pl->names);
    tome__tree_free(&pl->alias_tree);
    tome__tree_free(&pl->search);
    tome__tree_free(&pl->meta);
    free(pl->ids);
    free(pl->list_start);
    free(pl->list_ids);
    free(pl->layout);
    free(pl->segment_start);
    free(pl->layout_blocks);
    free(pl->ends);
    free(pl->sample_sizes);
    free(pl->alias_order);
    free(pl->alias_id);
    free(pl->alias_start);
    free(pl->alias_ordinals);
    free(pl->blocks);
    free(pl->dict);
    free(pl->block_table);
}

typedef struct keyed {
    const pack_article *article;
    uint32_t index;
} keyed;

static int compare_keyed(const void *a, const void *b)
{
    const pack_article *x = ((const keyed *)a)->article, *y = ((const keyed *)b)->article;
    return tome__key_compare((const uint8_t *)x->key, x->key_size, (const uint8_t *)y->key,
                             y->key_size);
}

/* IDs are ranks of keys; equal neighbours are duplicate keys. */
static int assign_ids(tome_packer *p, plan *pl)
{
    keyed *k = malloc(p->article_count * sizeof *k);
    size_t i;
    int err = TOME_PACK_OK;
    pl->ids = malloc(p->article_count * sizeof *pl->ids);
    if (!k || !pl->ids) {
        free(k);
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    }
    for (i = 0; i < p->article_count; i++) {
        k[i].article = &p->articles[i];
        k[i].index = (uint32_t)i;
    }
    qsort(k, p->article_count, sizeof *k, compare_keyed);
    for (i = 0; i < p->article_count; i++)
        pl->ids[i] = k[i].index;
    for (i = 1; i < p->article_count && !err; i++) {
        if (compare_keyed(&k[i - 1], &k[i]) == 0) {
            /* name the sources in the order they were added */
            const keyed *first = k[i - 1].index < k[i].index ? &k[i - 1] : &k[i];
            const keyed *second = first == &k[i] ? &k[i - 1] : &k[i];
            err = tome__pack_fail(p, TOME_PACK_ERR_DUPLICATE,
                                  "duplicate key \"%s\": from %s and from %s",
                                  first->article->key, first->article->source,
                                  second->article->source);
        }
    }
    free(k);
    return err;
}

/* Where the archive is written until it is whole: an unnamed file in the
 * output's directory (O_TMPFILE) where the system has them, so that a
 * process killed outright (SIGKILL, the OOM killer) leaves nothing behind;
 * else a new file beside `path`, created exclusively so nothing is
 * overwritten.  *named says which; `tmp` gets its name (`path` for an
 * unnamed one, for messages). */
static int create_temporary(tome_packer *p, const char *path, char *tmp, size_t cap, int *fd,
                            int *named)
{
    unsigned attempt;
#ifdef O_TMPFILE
    const char *slash = strrchr(path, '/');
    char proc[64];
    if (!slash)
        snprintf(tmp, cap, ".");
    else
        snprintf(tmp, cap, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    *fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
    if (*fd >= 0) {
        /* named at the end through /proc (linkat's AT_EMPTY_PATH needs a
         * privilege): without /proc, use a name from the start */
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", *fd);
        if (access(proc, F_OK) == 0) {
            *named = 0;
            snprintf(tmp, cap, "%s", path);
            return TOME_PACK_OK;
        }
        close(*fd);
    }
#endif
    *named = 1;
    for (attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, cap, "%s.tmp-%ld-%u", path, (long)getpid(), attempt);
        *fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (*fd >= 0)
            return TOME_PACK_OK;
        if (errno != EEXIST)
            break;
    }
    return tome__pack_fail(p, TOME_PACK_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
}

/* Give the whole unnamed file a name beside `path`, to rename over it. */
static int name_temporary(tome_packer *p, int fd, const char *path, char *tmp, size_t cap)
{
    char proc[64];
    unsigned attempt;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, cap, "%s.tmp-%ld-%u", path, (long)getpid(), attempt);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
            return TOME_PACK_OK;
        if (errno != EEXIST)
            break;
    }
    return tome__pack_fail(p, TOME_PACK_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
}

/* Reads of the written archive, reported as the check's progress (bytes
 * read of the file's size: the check reads each frame once). */
typedef struct check_io {
    int fd;
    tome_packer *p;
    uint64_t read, size;
    unsigned calls;
} check_io;

static int pread_all(void *user, uint64_t offset, void *dst, size_t len)
{
    check_io *io = user;
    if (tome__read_all(io->fd, dst, len, offset) != 0)
        return -1;
    io->read += len;
    if (io->p && io->p->opt.progress && (++io->calls & 255) == 0)
        io->p->opt.progress(io->p->opt.progress_user, "checking (MiB)",
                            io->read < io->size ? io->read >> 20 : io->size >> 20,
                            io->size >> 20);
    return 0;
}

/* Open the written file with the reader, fill the workspace figures and,
 * when asked, verify every article. */
static int check_written(tome_packer *p, int fd, const char *tmp, tome_pack_stats *st)
{
    tome_config c;
    tome_reader *r;
    void *map = MAP_FAILED, *ws = NULL;
    struct stat sb;
    size_t need = 0;
    check_io io;
    int err = TOME_ERR_READ;
    if (fstat(fd, &sb) != 0)
        goto done;
    memset(&c, 0, sizeof c);
    memset(&io, 0, sizeof io);
    io.fd = fd;
    io.size = (uint64_t)sb.st_size;
    c.read = pread_all;
    c.user = &io;
    c.size = (uint64_t)sb.st_size;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        goto done;
    st->workspace_callback = need;
    map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        err = TOME_ERR_READ;
        goto done;
    }
    c.read = NULL;
    c.user = NULL;
    c.data = map;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        goto done;
    st->workspace_memory = need;
    munmap(map, (size_t)sb.st_size);
    map = MAP_FAILED;
    if (!p->opt.check)
        goto done;
    if (p->opt.progress)
        p->opt.progress(p->opt.progress_user, "checking (MiB)", 0, 0);
    /* through reads, not the mapping: checking a big archive must not
     * bring all of it into the packer's memory */
    c.data = NULL;
    c.read = pread_all;
    c.user = &io;
    io.p = p;
    need = st->workspace_callback;
    ws = malloc(need);
    c.workspace = ws;
    c.workspace_size = need;
    if (!ws)
        err = TOME_ERR_WORKSPACE;
    else if ((err = tome_open(&r, &c)) == TOME_OK)
        err = tome_verify(r, NULL, NULL, NULL);
done:
    free(ws);
    if (map != MAP_FAILED)
        munmap(map, (size_t)sb.st_size);
    if (err != TOME_OK)
        return tome__pack_fail(p, TOME_PACK_ERR_CHECK, "the archive written to %s fails its check: %s",
                               tmp, tome_error_name(err));
    return TOME_PACK_OK;
}

/* The footer's checksum: XXH32 of the file's first `size` bytes, read
 * back (the header, written last, comes first). */
static int file_checksum(tome_packer *p, int fd, const char *tmp, uint64_t size, uint32_t *sum)
{
    tome_hash_state h;
    uint8_t *buf = malloc(1 << 20);
    uint64_t at = 0;
    if (!buf)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    tome__hash_reset(&h, 0);
    while (at < size) {
        size_t piece = size - at < (1u << 20) ? (size_t)(size - at) : (1u << 20);
        if (tome__read_all(fd, buf, piece, at) != 0) {
            free(buf);
            return tome__pack_fail(p, TOME_PACK_ERR_IO, "reading back %s: %s", tmp, strerror(errno));
        }
        tome__hash_update(&h, buf, piece);
        at += piece;
    }
    free(buf);
    *sum = tome__hash_digest(&h);
    return TOME_PACK_OK;
}

/* Header space and dictionary, every frame as it is compressed, then the
 * block table, the header and the footer. */
static int write_contents(tome_packer *p, plan *pl, regions *g, int fd, const char *tmp)
{
    uint8_t footer[TOME_FOOTER_SIZE], zero[TOME_HEADER_SIZE];
    uint64_t end = 0;
    uint32_t sum = 0;
    int err;
    memset(zero, 0, sizeof zero);
    if (tome__write_all(fd, zero, sizeof zero, 0) != 0 ||
        (pl->dict_size && tome__write_all(fd, pl->dict, pl->dict_size, TOME_HEADER_SIZE) != 0))
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", tmp, strerror(errno));
    if ((err = tome__pack_compress(p, pl, fd, tmp, TOME_HEADER_SIZE + pl->dict_size, &end)) ||
        (err = tome__plan_place_regions(p, pl, g)))
        return err;
    if (end != g->block_table)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "internal error: frames end at %llu, "
                               "not %llu", (unsigned long long)end,
                               (unsigned long long)g->block_table);
    tome__plan_fill_header(p, pl, g);
    if (tome__write_all(fd, pl->block_table, pl->block_count * BLK_RECORD_SIZE, g->block_table) ||
        tome__write_all(fd, pl->header, TOME_HEADER_SIZE, 0))
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", tmp, strerror(errno));
    memcpy(footer + FTR_MAGIC, TOME_FOOTER_MAGIC, TOME_MAGIC_SIZE);
    tome_put64(footer + FTR_FILE_SIZE, g->file_size);
    tome_put32(footer + FTR_RESERVED, 0);
    if (tome__write_all(fd, footer, FTR_CHECKSUM, g->footer) != 0)
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", tmp, strerror(errno));
    if ((err = file_checksum(p, fd, tmp, g->file_size - 4, &sum)))
        return err;
    tome_put32(footer + FTR_CHECKSUM, sum);
    if (tome__write_all(fd, footer + FTR_CHECKSUM, 4, g->footer + FTR_CHECKSUM) != 0 ||
        fsync(fd) != 0)
        return tome__pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", tmp, strerror(errno));
    return TOME_PACK_OK;
}

static int write_file(tome_packer *p, plan *pl, regions *g, const char *path,
                      tome_pack_stats *st)
{
    char tmp[4096 + 64];
    int fd, err, named;
    if ((err = create_temporary(p, path, tmp, sizeof tmp, &fd, &named)))
        return err;
    err = write_contents(p, pl, g, fd, tmp);
    if (!err)
        err = check_written(p, fd, tmp, st);
    if (!err && p->opt.ram_budget && st->workspace_memory > p->opt.ram_budget)
        /* the blocks were sized to fit; only a very long name can do this */
        err = tome__pack_fail(p, TOME_PACK_ERR_LIMIT,
                              "the archive needs a reader workspace of %zu bytes, over the "
                              "budget of %zu: a key with its title, or the metadata, is too long for it",
                              st->workspace_memory, p->opt.ram_budget);
    if (!err && !named && (err = name_temporary(p, fd, path, tmp, sizeof tmp)) == TOME_PACK_OK)
        named = 1;
    if (close(fd) != 0 && !err)
        err = tome__pack_fail(p, TOME_PACK_ERR_IO, "writing %s: %s", path, strerror(errno));
    if (!err && rename(tmp, path) != 0) {
        int e = errno;
        err = tome__pack_fail(p, TOME_PACK_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                              strerror(e));
    }
    if (err && named)
        unlink(tmp);
    return err;
}

/* Largest block size, in whole KiB up to the option's, whose reader
 * workspace fits the budget; with the dictionary if possible. */
static int fit_ram_budget(tome_packer *p)
{
    const uint32_t step = 1024;
    int with_dict;
    for (with_dict = p->opt.dict != TOME_DICT_OFF; with_dict >= 0; with_dict--) {
        uint32_t block = p->opt.block_size / step * step;
        for (; block >= step; block -= step) {
            tome_workspace_params w;
            size_t need;
            memset(&w, 0, sizeof w);
            w.block_size_max = block;
            w.index_size_max = block < INDEX_FRAME_TARGET ? block : INDEX_FRAME_TARGET;
            w.dict_size = with_dict ? p->opt.dict_size : 0;
            if (tome_workspace_size_for(&w, &need) == TOME_OK && need <= p->opt.ram_budget) {
                p->opt.block_size = block;
                if (!with_dict)
                    p->opt.dict = TOME_DICT_OFF;
                return TOME_PACK_OK;
            }
        }
    }
    {
        tome_workspace_params w;
        size_t least = 0;
        memset(&w, 0, sizeof w);
        w.block_size_max = w.index_size_max = step;
        tome_workspace_size_for(&w, &least);
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT,
                               "a reader workspace of %zu bytes is too small: the smallest "
                               "archive's needs %zu", p->opt.ram_budget, least);
    }
}

/* Move a tree's frames to the end of the block table. */
static int append_frames(tome_packer *p, plan *pl, pack_tree *t)
{
    pack_block *grown;
    if (t->count == 0)
        return TOME_PACK_OK;
    if (t->count >= TOME_KIND_FRAMES_LIMIT)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "too many index frames");
    grown = realloc(pl->blocks, (pl->block_count + t->count) * sizeof *grown);
    if (!grown)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    pl->blocks = grown;
    memcpy(pl->blocks + pl->block_count, t->frames, t->count * sizeof *t->frames);
    pl->block_count += t->count;
    free(t->frames); /* the contents now belong to pl->blocks */
    t->frames = NULL;
    t->cap = 0;    /* count and leaves stay, for the header */
    return TOME_PACK_OK;
}

static void stage(const tome_packer *p, const char *what)
{
    if (p->opt.progress)
        p->opt.progress(p->opt.progress_user, what, 0, 0);
}

/* Bodies: IDs, storage order, blocks and their heads, the dictionary. */
static int plan_bodies(tome_packer *p, plan *pl)
{
    size_t i;
    int err;
    if ((err = assign_ids(p, pl)) || (err = tome__plan_resolve_aliases(p, pl)) ||
        (err = tome__plan_order_bodies(p, pl)))
        return err;
    {
        uint64_t total = 0;
        for (i = 0; i < p->body_count; i++)
            total += p->bodies[i].size;
        pl->key_order = total < (uint64_t)KEY_ORDER_MEAN_BODY * p->body_count;
    }
    if (p->opt.cluster && !pl->key_order &&
        (err = tome__pack_cluster(p, pl->layout, pl->layout_count, &pl->groups,
                                  pl->segment_start)))
        return err;
    if ((err = tome__plan_lay_out_blocks(p, pl)) || (err = tome__plan_build_heads(p, pl)))
        return err;
    if (pl->body_blocks >= TOME_KIND_FRAMES_LIMIT)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "too many body blocks");
    for (i = 0; i < p->article_count; i++)
        pl->raw_size += p->bodies[p->articles[i].body].size;
    {
        pack_stream stream;
        stream.read = tome__plan_read_stream;
        stream.ctx = pl;
        return tome__pack_dictionary(p, &stream, pl->sample_sizes, pl->sample_count, pl->blocks,
                                     pl->body_blocks, &pl->dict, &pl->dict_size);
    }
}

/* The trees and the metadata, after the body blocks in the block table. */
static int plan_index(tome_packer *p, plan *pl)
{
    int err;
    stage(p, "indexing");
    if ((err = tome__plan_name_tree(p, pl)) || (err = tome__plan_alias_tree(p, pl)) ||
        (err = tome__plan_search_tree(p, pl)) || (err = tome__plan_meta_frame(p, pl)))
        return err;
    if ((err = append_frames(p, pl, &pl->names)) || (err = append_frames(p, pl, &pl->alias_tree)) ||
        (err = append_frames(p, pl, &pl->search)) || (err = append_frames(p, pl, &pl->meta)))
        return err;
    return TOME_PACK_OK;
}

int tome__pack_prepare(tome_packer *p)
{
    int err;
    if (p->failed)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "an earlier error stopped this pack");
    if (p->opt.block_size < 1 || p->opt.level < 1 || p->opt.level > ZSTD_maxCLevel())
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT,
                               "invalid options: block size %u, level %d (1..%d)",
                               p->opt.block_size, p->opt.level, ZSTD_maxCLevel());
    if (p->article_count == 0)
        return tome__pack_fail(p, TOME_PACK_ERR_EMPTY, "nothing to pack: the input has no articles");
    if (p->opt.ram_budget && (err = fit_ram_budget(p)) != TOME_PACK_OK)
        return err;
    if (p->article_count > UINT32_MAX - 1 || p->alias_count > UINT32_MAX - 1)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "too many articles or aliases");
    return TOME_PACK_OK;
}

int tome__plan_corpus(tome_packer *p, plan *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->packer = p;
    return plan_bodies(p, pl);
}

int tome_pack_write(tome_packer *p, const char *path, tome_pack_stats *stats)
{
    plan pl;
    regions g;
    tome_pack_stats st;
    int err;
    if (!p || !path)
        return TOME_PACK_ERR_ARGUMENT;
    if ((err = tome__pack_prepare(p)) != TOME_PACK_OK)
        return err;
    memset(&g, 0, sizeof g);
    memset(&st, 0, sizeof st);
    if (!(err = tome__plan_corpus(p, &pl)) && !(err = plan_index(p, &pl)))
        err = write_file(p, &pl, &g, path, &st);
    if (!err) {
        st.articles = (uint32_t)p->article_count;
        st.bodies = (uint32_t)p->body_count;
        st.aliases = (uint32_t)p->alias_count;
        st.blocks = (uint32_t)pl.body_blocks;
        st.index_frames = (uint32_t)(pl.block_count - pl.body_blocks);
        st.raw_bytes = pl.raw_size;
        st.stored_bytes = pl.stored_size;
        st.dedup_saved = pl.raw_size - pl.stored_size;
        st.index_bytes = g.index_bytes;
        st.dict_size = (uint32_t)pl.dict_size;
        st.near_duplicate_groups = pl.groups;
        st.archive_bytes = g.file_size;
        if (stats)
            *stats = st;
    }
    tome__plan_free(&pl);
    return err;
}
