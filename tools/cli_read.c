/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_read.c - the commands that read an archive: ls, cat, info, verify,
 * extract.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char ls_usage[] =
    "usage: tome ls ARCHIVE\n\n"
    "List every article, one per line: ID, key, size in bytes, title,\n"
    "separated by tabs, in ID (key) order.\n";
static const char cat_usage[] =
    "usage: tome cat ARCHIVE KEY|#ID...\n\n"
    "Write the named articles to standard output, byte for byte.  An argument\n"
    "'#N' (N digits) names article ID N; use --key KEY for a key that itself\n"
    "looks like that.\n";
static const char info_usage[] =
    "usage: tome info ARCHIVE\n\n"
    "Show counts, sizes, the compression ratio, bytes saved by deduplication,\n"
    "and the reader workspace (RAM) this archive needs.\n";
static const char verify_usage[] =
    "usage: tome verify ARCHIVE\n\n"
    "Check the whole archive: checksums of the file, tables and blocks, and\n"
    "every article's content.  Names each damaged part and article.  Exit\n"
    "status 0 when intact, 1 when damaged or unreadable.\n";
static const char extract_usage[] =
    "usage: tome extract ARCHIVE -C DIR\n\n"
    "Write every article to DIR/KEY, creating directories as needed.  Packing a\n"
    "directory and extracting it gives byte-identical files.\n";

/* Handle --help and count positional arguments for the simple commands;
 * `cat` alone takes "--key KEY". */
static int simple_args(int argc, char **argv, const char *usage, int min, int max)
{
    int i, n = 0, keys = strcmp(argv[0], "cat") == 0;
    for (i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            exit(EXIT_OK);
        }
        if (keys && strcmp(argv[i], "--key") == 0) {
            if (++i == argc)
                return cli_usage_error(argv[0], "--key needs a KEY");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(argv[0], "unknown option '%s'", argv[i]);
        }
        n++;
    }
    if (n < min)
        return cli_usage_error(argv[0], "missing argument");
    if (max && n > max)
        return cli_usage_error(argv[0], "too many arguments");
    return EXIT_OK;
}

static char *key_buffer(const tome_reader *r, size_t *cap)
{
    tome_archive_info info;
    tome_info(r, &info);
    *cap = (info.key_size_max > info.title_size_max ? info.key_size_max : info.title_size_max) + 1;
    return malloc(*cap);
}

static void *article_buffer(const tome_reader *r, size_t *cap)
{
    tome_archive_info info;
    tome_info(r, &info);
    *cap = info.article_size_max;
    return malloc(*cap ? *cap : 1);
}

int cmd_ls(int argc, char **argv)
{
    cli_archive a;
    char *key, *title;
    size_t cap;
    uint32_t id;
    int status = simple_args(argc, argv, ls_usage, 1, 1);
    if (status != EXIT_OK)
        return status;
    if (cli_open(&a, argv[1]))
        return EXIT_FAIL;
    key = key_buffer(a.reader, &cap);
    title = malloc(cap);
    for (id = 0; key && title && id < tome_count(a.reader); id++) {
        tome_article art;
        int err = tome_stat(a.reader, id, &art);
        if (err == TOME_OK)
            err = tome_key(a.reader, id, key, cap);
        if (err == TOME_OK)
            err = tome_title(a.reader, id, title, cap);
        if (err != TOME_OK) {
            cli_error("%s: article %u: %s (%s)", a.path, id, tome_error_text(err),
                      tome_error_name(err));
            status = EXIT_FAIL;
            break;
        }
        printf("%u\t%s\t%u\t%s\n", id, key, art.size, title);
    }
    if (!key || !title) {
        cli_error("out of memory");
        status = EXIT_FAIL;
    }
    free(key);
    free(title);
    cli_close(&a);
    return status;
}

/* "#123" is an ID; anything else a key. */
static int resolve(tome_reader *r, const char *arg, int force_key, uint32_t *id)
{
    if (!force_key && arg[0] == '#' && arg[1] && strspn(arg + 1, "0123456789") == strlen(arg + 1)) {
        unsigned long long v = strtoull(arg + 1, NULL, 10);
        if (v >= tome_count(r))
            return TOME_ERR_RANGE;
        *id = (uint32_t)v;
        return TOME_OK;
    }
    return tome_find(r, arg, strlen(arg), id);
}

int cmd_cat(int argc, char **argv)
{
    cli_archive a;
    void *buf;
    size_t cap;
    int i, force_key = 0, status = simple_args(argc, argv, cat_usage, 2, 0);
    if (status != EXIT_OK)
        return status;
    if (cli_open(&a, argv[1]))
        return EXIT_FAIL;
    buf = article_buffer(a.reader, &cap);
    for (i = 2; buf && i < argc; i++) {
        uint32_t id = 0;
        size_t size;
        int err;
        if (strcmp(argv[i], "--key") == 0 && !force_key) {
            force_key = 1;
            continue;
        }
        err = resolve(a.reader, argv[i], force_key, &id);
        force_key = 0;
        if (err == TOME_OK)
            err = tome_fetch(a.reader, id, buf, cap, &size);
        if (err != TOME_OK) {
            cli_error("%s: %s: %s", a.path, argv[i],
                      err == TOME_ERR_NOT_FOUND ? "no such key" : tome_error_text(err));
            status = EXIT_FAIL;
            continue;
        }
        if (fwrite(buf, 1, size, stdout) != size) {
            cli_error("writing standard output: %s", strerror(errno));
            status = EXIT_FAIL;
            break;
        }
    }
    if (!buf) {
        cli_error("out of memory");
        status = EXIT_FAIL;
    }
    free(buf);
    cli_close(&a);
    return status;
}

static int copy_from_map(void *user, uint64_t offset, void *dst, size_t len)
{
    memcpy(dst, (const unsigned char *)user + offset, len);
    return 0;
}

/* TOME_WORKSPACE_BOUND() of an archive for a zstd context of `dctx` bytes:
 * the macro counts TOME_ZSTD_DCTX_BOUND, this build's, once. */
static uint64_t bound(const tome_archive_info *i, int callback, uint64_t dctx)
{
    uint64_t b = TOME_WORKSPACE_BOUND((uint64_t)i->block_size_max,
                                      (uint64_t)i->key_block_size_max,
                                      (uint64_t)i->chunk_size_max, (uint64_t)i->dict_size,
                                      callback);
    return b - TOME_ZSTD_DCTX_BOUND + dctx;
}

int cmd_info(int argc, char **argv)
{
    cli_archive a;
    tome_archive_info i;
    tome_config c;
    size_t callback_ws = 0;
    int status = simple_args(argc, argv, info_usage, 1, 1);
    if (status != EXIT_OK)
        return status;
    if (cli_open(&a, argv[1]))
        return EXIT_FAIL;
    tome_info(a.reader, &i);
    memset(&c, 0, sizeof c);
    c.read = copy_from_map;
    c.user = a.map;
    c.size = a.map_size;
    tome_workspace_size(&c, &callback_ws);
    printf("archive            %s\n", a.path);
    printf("format             %u.%u\n", i.format_major, i.format_minor);
    printf("file size          %llu bytes\n", (unsigned long long)i.file_size);
    printf("articles           %u (%u distinct bodies)\n", i.article_count, i.body_count);
    printf("raw size           %llu bytes\n", (unsigned long long)i.raw_size);
    printf("dedup saved        %llu bytes (stored %llu bytes)\n",
           (unsigned long long)(i.raw_size - i.stored_size), (unsigned long long)i.stored_size);
    printf("blocks             %u (largest %u bytes decompressed)\n", i.block_count,
           i.block_size_max);
    printf("key blocks         %u (%u keys each, %llu bytes of keys and titles, largest %u)\n",
           i.key_block_count, i.keys_per_block, (unsigned long long)i.keys_size,
           i.key_block_size_max);
    printf("largest chunk      %u bytes (compressed input read at once)\n", i.chunk_size_max);
    printf("dictionary         %u bytes\n", i.dict_size);
    printf("compressed         %llu bytes (blocks and dictionary)\n",
           (unsigned long long)i.compressed_size);
    printf("ratio              %.3f (raw size / file size)\n",
           i.file_size ? (double)i.raw_size / (double)i.file_size : 0.0);
    printf("largest article    %u bytes\n", i.article_size_max);
    printf("longest key        %u bytes\n", i.key_size_max);
    printf("reader workspace   %zu bytes (memory mode)\n", a.workspace_size);
    printf("                   %zu bytes (read-callback mode)\n", callback_ws);
    /* A firmware's static workspace: the bound's arguments, ready to paste,
     * and the bound with the minimal zstd decoder (TOME_ZSTD_MINIMAL). */
    printf("workspace bound    TOME_WORKSPACE_BOUND(%luUL, %luUL, %luUL, %luUL, 1)"
           " /* last: 1 read callback, 0 memory */\n",
           (unsigned long)i.block_size_max, (unsigned long)i.key_block_size_max,
           (unsigned long)i.chunk_size_max, (unsigned long)i.dict_size);
    printf("                   %llu bytes (memory), %llu (read callback) with zstd's default build\n",
           (unsigned long long)bound(&i, 0, TOME_ZSTD_DCTX_BOUND),
           (unsigned long long)bound(&i, 1, TOME_ZSTD_DCTX_BOUND));
    printf("                   %llu bytes (memory), %llu (read callback) with TOME_ZSTD_MINIMAL\n",
           (unsigned long long)bound(&i, 0, TOME_ZSTD_DCTX_BOUND_MINIMAL),
           (unsigned long long)bound(&i, 1, TOME_ZSTD_DCTX_BOUND_MINIMAL));
    cli_close(&a);
    return EXIT_OK;
}

typedef struct damage_list {
    struct damage_item { tome_part part; uint32_t index; int error; } *items;
    size_t count, cap;
} damage_list;

static void collect(void *user, tome_part part, uint32_t index, int error)
{
    damage_list *l = user;
    if (l->count == l->cap) {
        size_t n = l->cap ? l->cap * 2 : 64;
        struct damage_item *bigger = realloc(l->items, n * sizeof *bigger);
        if (!bigger)
            return; /* the summary counts still say damaged */
        l->items = bigger;
        l->cap = n;
    }
    l->items[l->count].part = part;
    l->items[l->count].index = index;
    l->items[l->count].error = error;
    l->count++;
}

static const char *part_name(tome_part part)
{
    static const char *names[] = {"file",        "dictionary", "block table", "entry table",
                                  "order table", "key block",  "block",       "article"};
    return (unsigned)part < sizeof names / sizeof names[0] ? names[part] : "?";
}

int cmd_verify(int argc, char **argv)
{
    cli_archive a;
    damage_list l = {0};
    tome_verify_report rep;
    char *key;
    size_t cap, k;
    int err, status = simple_args(argc, argv, verify_usage, 1, 1);
    if (status != EXIT_OK)
        return status;
    if (cli_open(&a, argv[1])) {
        fprintf(stderr, "tome: %s: DAMAGED (cannot be opened)\n", argv[1]);
        return EXIT_FAIL;
    }
    err = tome_verify(a.reader, collect, &l, &rep);
    key = key_buffer(a.reader, &cap);
    for (k = 0; k < l.count; k++) {
        const struct damage_item *d = &l.items[k];
        const char *why = tome_error_text(d->error);
        if (d->part == TOME_PART_ARTICLE) {
            int kerr = key ? tome_key(a.reader, d->index, key, cap) : TOME_ERR_BUFFER;
            printf("damaged: article %u \"%s\": %s\n", d->index,
                   kerr == TOME_OK ? key : "(key unreadable)", why);
        } else if (d->index != TOME_NO_INDEX) {
            printf("damaged: %s %u: %s\n", part_name(d->part), d->index, why);
        } else {
            printf("damaged: %s: %s\n", part_name(d->part), why);
        }
    }
    if (err == TOME_OK)
        printf("%s: OK, %u articles verified\n", a.path, rep.checked_articles);
    else if (err == TOME_ERR_DAMAGED)
        printf("%s: DAMAGED: %u of %u articles, %u blocks\n", a.path, rep.damaged_articles,
               tome_count(a.reader), rep.damaged_blocks);
    else
        cli_error("%s: %s", a.path, tome_error_text(err));
    free(key);
    free(l.items);
    cli_close(&a);
    return err == TOME_OK ? EXIT_OK : EXIT_FAIL;
}

/* A key becomes a path under the target only if it cannot escape it. */
static int safe_relative_path(const char *key)
{
    const char *c = key;
    if (*key == '/' || *key == '\0')
        return 0;
    while (*c) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += n;
        if (*c == '/')
            c++;
        if (*c == '\0' && c[-1] == '/')
            return 0;
    }
    return 1;
}

/* mkdir -p */
static int make_directory(const char *dir)
{
    char *copy = strdup(dir), *slash;
    int ok = copy != NULL;
    for (slash = copy ? copy + 1 : NULL; ok && (slash = strchr(slash, '/')) != NULL; slash++) {
        *slash = '\0';
        ok = mkdir(copy, 0777) == 0 || errno == EEXIST;
        *slash = '/';
    }
    ok = ok && (mkdir(dir, 0777) == 0 || errno == EEXIST);
    free(copy);
    return ok ? 0 : -1;
}

static int make_parents(char *path, size_t root_len)
{
    char *slash;
    for (slash = path + root_len + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
        *slash = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            *slash = '/';
            return -1;
        }
        *slash = '/';
    }
    return 0;
}

static int write_whole(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    const unsigned char *p = data;
    if (fd < 0)
        return -1;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd);
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longs[] = {{"directory", required_argument, 0, 'C'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    const char *dir = NULL;
    cli_archive a;
    char *key, *path = NULL;
    void *buf;
    size_t cap, key_cap;
    uint32_t cursor = 0, id;
    int c, err = TOME_DONE, status = EXIT_OK;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":C:h", longs, NULL)) != -1) {
        if (c == 'C')
            dir = optarg;
        else if (c == 'h') {
            fputs(extract_usage, stdout);
            return EXIT_OK;
        } else if (c == ':')
            return cli_usage_error("extract", "option '%s' needs a value", argv[optind - 1]);
        else
            return cli_usage_error("extract", "unknown option '%s'", argv[optind - 1]);
    }
    if (!dir)
        return cli_usage_error("extract", "no target: give -C DIR");
    if (optind != argc - 1)
        return cli_usage_error("extract", "give exactly one ARCHIVE");
    if (make_directory(dir) != 0) {
        cli_error("%s: %s", dir, strerror(errno));
        return EXIT_FAIL;
    }
    if (cli_open(&a, argv[optind]))
        return EXIT_FAIL;
    buf = article_buffer(a.reader, &cap);
    key = key_buffer(a.reader, &key_cap);
    if (buf && key)
        path = malloc(strlen(dir) + key_cap + 2);
    if (!path) {
        cli_error("out of memory");
        status = EXIT_FAIL;
    }
    /* storage order: each block is decompressed once */
    while (path && (err = tome_next(a.reader, &cursor, &id)) == TOME_OK) {
        size_t size;
        if ((err = tome_key(a.reader, id, key, key_cap)) != TOME_OK ||
            (err = tome_fetch(a.reader, id, buf, cap, &size)) != TOME_OK) {
            cli_error("%s: article %u: %s", a.path, id, tome_error_text(err));
            status = EXIT_FAIL;
            continue;
        }
        if (!safe_relative_path(key)) {
            cli_error("%s: article %u: key \"%s\" is not a safe relative path; skipped", a.path,
                      id, key);
            status = EXIT_FAIL;
            continue;
        }
        sprintf(path, "%s/%s", dir, key);
        if (make_parents(path, strlen(dir)) != 0 || write_whole(path, buf, size) != 0) {
            cli_error("%s: %s", path, strerror(errno));
            status = EXIT_FAIL;
        }
    }
    if (path && err != TOME_DONE && err != TOME_OK) {
        cli_error("%s: %s", a.path, tome_error_text(err));
        status = EXIT_FAIL;
    }
    free(path);
    free(key);
    free(buf);
    cli_close(&a);
    return status;
}
