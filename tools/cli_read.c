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
    "usage: tome ls [--null] [--aliases] [--alone] ARCHIVE\n\n"
    "List every article, one per line: ID, key, size in bytes, title,\n"
    "separated by tabs, in ID (key) order.\n\n"
    "Keys and titles are escaped C-style, so that each article is one line\n"
    "and nothing reaches the terminal raw: \\t, \\n, \\r, \\\\ (a backslash),\n"
    "and \\xHH for other control characters (including U+0080..U+009F, one\n"
    "\\xHH per byte) and for bytes that are not valid UTF-8.  verify and\n"
    "extract escape keys in their messages the same way.\n\n"
    "  --null   for scripts: the four fields raw (unescaped), each followed\n"
    "           by a NUL byte, so an article is four NUL-terminated fields\n"
    "  --aliases   after the title, the article's aliases (other keys that\n"
    "           find it), a field each; with --null the list ends with an\n"
    "           empty field\n"
    CLI_SET_HELP;
static const char cat_usage[] =
    "usage: tome cat [--alone] ARCHIVE KEY|#ID...\n\n"
    "Write the named articles to standard output, byte for byte.  An argument\n"
    "'#N' (N digits) names article ID N; use --key KEY for a key that itself\n"
    "looks like that.  After '--' every argument is a KEY or #ID, even one\n"
    "that starts with '-'.  An article larger than 1 MiB is written as it is\n"
    "read, a checked piece at a time: when a piece is damaged, cat stops\n"
    "there, says so and exits 1 (what was written is then incomplete).\n"
    CLI_SET_HELP;
static const char info_usage[] =
    "usage: tome info [--alone] ARCHIVE\n\n"
    "Show counts, sizes, the compression ratio (articles, keys and titles\n"
    "against the file), bytes saved by deduplication, the index's bytes per\n"
    "article and share of the archive, the reader workspace (RAM) this\n"
    "archive needs, and the archive's metadata as 'meta NAME VALUE' lines.\n"
    "Of a set: its volumes, their sizes and ID ranges, and the set index's\n"
    "metadata.\n"
    CLI_SET_HELP;
static const char verify_usage[] =
    "usage: tome verify [--alone] ARCHIVE\n\n"
    "Check the whole archive: the file's checksum, every table record and\n"
    "frame, every body, key order, and that names, bodies, aliases and search\n"
    "entries agree.  Names each damaged part and article.  Exit\n"
    "status 0 when intact, 1 when damaged or unreadable.  Of a set: the index,\n"
    "every volume (a missing, truncated, swapped or foreign volume is named),\n"
    "and that the volumes' key ranges follow one another.\n"
    CLI_SET_HELP;

/* The option every read command takes: a volume of a set read by itself. */
static int alone_flag(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--key") == 0)
            i++; /* its KEY, whatever it looks like */
        else if (strcmp(argv[i], "--alone") == 0)
            return 1;
    }
    return 0;
}

/* Handle --help and count positional arguments for the simple commands;
 * `cat` alone takes "--key KEY" and "--" (the rest are keys), `ls` alone
 * "--null".  *first is the index of the first positional argument. */
static int simple_args(int argc, char **argv, const char *usage, int min, int max, int *first)
{
    int i, n = 0, keys = strcmp(argv[0], "cat") == 0, ls = strcmp(argv[0], "ls") == 0;
    int rest = 0;
    *first = 0;
    for (i = 1; i < argc; i++) {
        if (!rest && cli_is_help(argv[i])) {
            fputs(usage, stdout);
            exit(EXIT_OK);
        }
        if (rest) {
            /* a key, whatever it looks like */
        } else if (keys && strcmp(argv[i], "--") == 0) {
            rest = 1;
            continue;
        } else if (keys && strcmp(argv[i], "--key") == 0) {
            if (++i == argc)
                return cli_usage_error(argv[0], "--key needs a KEY");
            if (!*first)
                return cli_usage_error(argv[0], "give the ARCHIVE before --key");
        } else if (ls && (strcmp(argv[i], "--null") == 0 || strcmp(argv[i], "--aliases") == 0)) {
            continue;
        } else if (strcmp(argv[i], "--alone") == 0) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(argv[0], "unknown option '%s'", argv[i]);
        }
        if (!*first)
            *first = i;
        n++;
    }
    if (n < min)
        return cli_usage_error(argv[0], "missing argument");
    if (max && n > max)
        return cli_usage_error(argv[0], "too many arguments");
    if (*first && argv[*first][0] == '\0')
        return cli_usage_error(argv[0], "the ARCHIVE name is empty");
    return EXIT_OK;
}

static void put_field(const char *s, int raw)
{
    if (raw)
        fwrite(s, 1, strlen(s) + 1, stdout); /* with its NUL */
    else
        cli_put_escaped(stdout, s, strlen(s));
}

/* The articles of one archive, or of one volume of a set (IDs shifted by
 * `offset`). */
static int ls_archive(cli_archive *a, int raw, int aliases, uint32_t offset)
{
    char *key, *title;
    size_t cap;
    uint32_t id, n = 0;
    int status = EXIT_OK;
    key = cli_name_buffer(a->reader, &cap);
    title = malloc(cap);
    for (id = 0; key && title && id < tome_count(a->reader); id++) {
        tome_article art;
        int err = tome_stat(a->reader, id, &art);
        if (err == TOME_OK)
            err = tome_key(a->reader, id, key, cap);
        if (err == TOME_OK)
            err = tome_title(a->reader, id, title, cap);
        if (err != TOME_OK) {
            cli_error("%s: article %u: %s (%s)", a->path, id, tome_error_text(err),
                      tome_error_name(err));
            status = EXIT_FAIL;
            break;
        }
        if (raw) {
            printf("%u%c", offset + id, 0);
            put_field(key, 1);
            printf("%u%c", art.size, 0);
            put_field(title, 1);
        } else {
            printf("%u\t", offset + id);
            put_field(key, 0);
            printf("\t%u\t", art.size);
            put_field(title, 0);
        }
        for (n = 0; aliases && err == TOME_OK && n < art.alias_count; n++) {
            /* the key buffer holds an alias as well (key_size_max covers both) */
            if ((err = tome_alias(a->reader, id, n, key, cap)) != TOME_OK)
                break;
            if (!raw)
                putchar('\t');
            put_field(key, raw);
        }
        if (aliases && raw)
            putchar('\0');
        if (!raw)
            putchar('\n');
        if (err != TOME_OK) {
            cli_error("%s: article %u: alias %u: %s (%s)", a->path, id, n, tome_error_text(err),
                      tome_error_name(err));
            status = EXIT_FAIL;
            break;
        }
    }
    if (!key || !title) {
        cli_error("out of memory");
        status = EXIT_FAIL;
    }
    free(key);
    free(title);
    return status;
}

int cmd_ls(int argc, char **argv)
{
    cli_archive a;
    uint32_t v;
    int i, raw = 0, aliases = 0, first, status = simple_args(argc, argv, ls_usage, 1, 1, &first);
    if (status != EXIT_OK)
        return status;
    for (i = 1; i < argc; i++) {
        raw |= strcmp(argv[i], "--null") == 0;
        aliases |= strcmp(argv[i], "--aliases") == 0;
    }
    if (cli_open_any(&a, argv[first], alone_flag(argc, argv)))
        return EXIT_FAIL;
    if (!a.set)
        status = ls_archive(&a, raw, aliases, 0);
    for (v = 0; a.set && v < a.volumes && status == EXIT_OK; v++)
        status = cli_volume(&a, v) ? EXIT_FAIL : ls_archive(&a, raw, aliases, a.first);
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

/* The same over a set: "#N" a global ID. */
static int resolve_in_set(tome_set *s, const char *arg, int force_key, uint32_t *id)
{
    if (!force_key && arg[0] == '#' && arg[1] && strspn(arg + 1, "0123456789") == strlen(arg + 1)) {
        unsigned long long v = strtoull(arg + 1, NULL, 10);
        if (v >= tome_set_count(s))
            return TOME_ERR_RANGE;
        *id = (uint32_t)v;
        return TOME_OK;
    }
    return tome_set_find(s, arg, strlen(arg), id);
}

static int to_stdout(void *user, const void *data, size_t len)
{
    (void)user;
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int cmd_cat(int argc, char **argv)
{
    cli_archive a;
    void *buf;
    size_t cap;
    int i, first, force_key = 0, rest = 0;
    int status = simple_args(argc, argv, cat_usage, 2, 0, &first);
    if (status != EXIT_OK)
        return status;
    if (cli_open_any(&a, argv[first], alone_flag(argc, argv)))
        return EXIT_FAIL;
    /* a set: the largest article any volume may hold */
    buf = a.set ? malloc(cap = 1u << 20) : cli_article_buffer(a.reader, &cap);
    for (i = 1; buf && i < argc; i++) {
        uint32_t id = 0;
        uint64_t size = 0;
        int err;
        if (i == first)
            continue;
        if (!rest && strcmp(argv[i], "--") == 0) {
            rest = 1;
            continue;
        }
        if (!rest && strcmp(argv[i], "--key") == 0 && !force_key) {
            force_key = 1;
            continue;
        }
        if (!rest && !force_key && strcmp(argv[i], "--alone") == 0)
            continue;
        if (a.set) {
            uint32_t v = 0;
            err = resolve_in_set(a.set, argv[i], force_key || rest, &id);
            force_key = 0;
            if (err == TOME_OK)
                err = tome_set_locate(a.set, id, &v, &id);
            if (err == TOME_OK && cli_volume(&a, v) != 0) {
                status = EXIT_FAIL;
                continue;
            }
        } else {
            err = resolve(a.reader, argv[i], force_key || rest, &id);
            force_key = 0;
        }
        if (err == TOME_OK)
            err = cli_emit_article(a.reader, id, buf, cap, to_stdout, NULL, &size);
        if (err == CLI_SINK_FAILED) {
            cli_error("writing standard output: %s", strerror(errno));
            status = EXIT_FAIL;
            break;
        }
        if (err != TOME_OK && size > cap) {
            cli_error("%s: %s: %s: stopped before the end of its %llu bytes, which were "
                      "written to standard output as far as they checked", a.path,
                      cli_esc(argv[i]), tome_error_text(err), (unsigned long long)size);
            status = EXIT_FAIL;
        } else if (err != TOME_OK) {
            cli_error("%s: %s: %s", a.path, cli_esc(argv[i]),
                      err == TOME_ERR_NOT_FOUND ? "no such key" : tome_error_text(err));
            status = EXIT_FAIL;
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
                                      (uint64_t)i->index_size_max,
                                      (uint64_t)i->chunk_size_max, (uint64_t)i->dict_size,
                                      callback);
    return b - TOME_ZSTD_DCTX_BOUND + dctx;
}

/* Bytes of every key and title: part of what was packed, so part of the
 * raw size the ratio divides.  0 after a message when a name is damaged. */
static int names_size(cli_archive *a, uint64_t *total)
{
    char *buf;
    size_t cap;
    uint32_t id;
    int err = TOME_OK;
    *total = 0;
    if (!(buf = cli_name_buffer(a->reader, &cap))) {
        cli_error("out of memory");
        return -1;
    }
    for (id = 0; err == TOME_OK && id < tome_count(a->reader); id++) {
        if ((err = tome_key(a->reader, id, buf, cap)) == TOME_OK)
            *total += strlen(buf);
        if (err == TOME_OK && (err = tome_title(a->reader, id, buf, cap)) == TOME_OK)
            *total += strlen(buf);
    }
    free(buf);
    if (err != TOME_OK)
        cli_error("%s: article %u: %s", a->path, id - 1, tome_error_text(err));
    return err == TOME_OK ? 0 : -1;
}

/* "meta NAME VALUE" lines, escaped like keys. */
static int print_meta(cli_archive *a, const tome_archive_info *i)
{
    char name[1024], *value;
    size_t size;
    uint32_t k;
    int err = TOME_OK;
    if (!(value = malloc(i->index_size_max + 1u))) {
        cli_error("out of memory");
        return -1;
    }
    for (k = 0; err == TOME_OK && k < i->meta_count; k++) {
        err = tome_meta_at(a->reader, k, name, sizeof name, value, i->index_size_max + 1u);
        if (err == TOME_ERR_BUFFER) { /* a name over 1 KiB: shown cut */
            err = TOME_OK;
            continue;
        }
        if (err == TOME_OK) {
            fputs("meta ", stdout);
            cli_put_escaped(stdout, name, strlen(name));
            putchar(' ');
            size = strlen(value);
            cli_put_escaped(stdout, value, size);
            putchar('\n');
        }
    }
    free(value);
    if (err != TOME_OK)
        cli_error("%s: metadata: %s", a->path, tome_error_text(err));
    return err == TOME_OK ? 0 : -1;
}

int cmd_info(int argc, char **argv)
{
    cli_archive a;
    tome_archive_info i;
    tome_config c;
    size_t callback_ws = 0;
    tome_sizes sz;
    uint64_t names = 0, raw, index;
    int err, first, status = simple_args(argc, argv, info_usage, 1, 1, &first);
    if (status != EXIT_OK)
        return status;
    if (cli_open_any(&a, argv[first], alone_flag(argc, argv)))
        return EXIT_FAIL;
    if (a.set) {
        status = cli_set_info(&a);
        cli_close(&a);
        return status;
    }
    tome_info(a.reader, &i);
    memset(&c, 0, sizeof c);
    c.read = copy_from_map;
    c.user = a.map;
    c.size = a.map_size;
    tome_workspace_size(&c, &callback_ws);
    if (names_size(&a, &names) != 0)
        status = EXIT_FAIL;
    if ((err = tome_sizes_of(a.reader, &sz)) != TOME_OK) {
        cli_error("%s: %s", a.path, tome_error_text(err));
        status = EXIT_FAIL;
    }
    index = sz.names + sz.aliases + sz.search + sz.metadata + sz.table;
    raw = i.raw_size + names;
    printf("archive            %s\n", a.path);
    printf("format             %u.%u\n", i.format_major, i.format_minor);
    printf("file size          %llu bytes\n", (unsigned long long)i.file_size);
    printf("articles           %u (%u distinct bodies, %u aliases)\n", i.article_count,
           i.body_count, i.alias_count);
    printf("raw size           %llu bytes (%llu of articles, %llu of keys and titles)\n",
           (unsigned long long)raw, (unsigned long long)i.raw_size, (unsigned long long)names);
    printf("dedup saved        %llu bytes\n",
           (unsigned long long)(i.raw_size > i.stored_size ? i.raw_size - i.stored_size : 0));
    printf("body blocks        %u (largest %u bytes decompressed, %llu in all)\n", i.block_count,
           i.block_size_max, (unsigned long long)i.stored_size);
    printf("index              %llu bytes, %.2f per article, %.2f%% of the archive\n",
           (unsigned long long)index,
           i.article_count ? (double)index / (double)i.article_count : 0.0,
           i.file_size ? 100.0 * (double)index / (double)i.file_size : 0.0);
    printf("                   names %llu, aliases %llu, search %llu (%.2f%%), metadata %llu, "
           "block table %llu\n", (unsigned long long)sz.names, (unsigned long long)sz.aliases,
           (unsigned long long)sz.search,
           i.file_size ? 100.0 * (double)sz.search / (double)i.file_size : 0.0,
           (unsigned long long)sz.metadata, (unsigned long long)sz.table);
    printf("index frames       %u (%u name leaves; largest %u bytes decompressed)\n",
           i.index_frame_count, i.name_leaf_count, i.index_size_max);
    printf("search entries     %u (folded keys, titles and aliases)\n", i.search_count);
    printf("largest chunk      %u bytes (compressed input read at once)\n", i.chunk_size_max);
    printf("dictionary         %u bytes\n", i.dict_size);
    printf("compressed         %llu bytes (frames and dictionary)\n",
           (unsigned long long)(sz.dictionary + sz.bodies + index - sz.table));
    printf("ratio              %.3f (raw size / file size)\n",
           i.file_size ? (double)raw / (double)i.file_size : 0.0);
    printf("largest article    %u bytes\n", i.article_size_max);
    printf("longest key        %u bytes\n", i.key_size_max);
    printf("reader workspace   %zu bytes (memory mode)\n", a.workspace_size);
    printf("                   %zu bytes (read-callback mode)\n", callback_ws);
    /* A firmware's static workspace: the bound's arguments, ready to paste,
     * and the bound with the minimal zstd decoder (TOME_ZSTD_MINIMAL). */
    printf("workspace bound    TOME_WORKSPACE_BOUND(%luUL, %luUL, %luUL, %luUL, 1)"
           " /* last: 1 read callback, 0 memory */\n",
           (unsigned long)i.block_size_max, (unsigned long)i.index_size_max,
           (unsigned long)i.chunk_size_max, (unsigned long)i.dict_size);
    printf("                   %llu bytes (memory), %llu (read callback) with zstd's default build\n",
           (unsigned long long)bound(&i, 0, TOME_ZSTD_DCTX_BOUND),
           (unsigned long long)bound(&i, 1, TOME_ZSTD_DCTX_BOUND));
    printf("                   %llu bytes (memory), %llu (read callback) with TOME_ZSTD_MINIMAL\n",
           (unsigned long long)bound(&i, 0, TOME_ZSTD_DCTX_BOUND_MINIMAL),
           (unsigned long long)bound(&i, 1, TOME_ZSTD_DCTX_BOUND_MINIMAL));
    if (print_meta(&a, &i) != 0)
        status = EXIT_FAIL;
    cli_close(&a);
    return status;
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
    static const char *names[] = {"file",         "dictionary", "block table", "name frame",
                                  "alias frame",  "search frame", "block",     "article",
                                  "metadata",     "bindings"};
    return (unsigned)part < sizeof names / sizeof names[0] ? names[part] : "?";
}

int cmd_verify(int argc, char **argv)
{
    cli_archive a;
    damage_list l = {0};
    tome_verify_report rep;
    char *key;
    size_t cap, k;
    int err, first, status = simple_args(argc, argv, verify_usage, 1, 1, &first);
    if (status != EXIT_OK)
        return status;
    if (cli_open_any(&a, argv[first], alone_flag(argc, argv))) {
        fprintf(stderr, "tome: %s: DAMAGED (cannot be opened)\n", argv[first]);
        return EXIT_FAIL;
    }
    if (a.set) {
        status = cli_set_verify(&a);
        cli_close(&a);
        return status;
    }
    err = tome_verify(a.reader, collect, &l, &rep);
    key = cli_name_buffer(a.reader, &cap);
    for (k = 0; k < l.count; k++) {
        const struct damage_item *d = &l.items[k];
        const char *why = tome_error_text(d->error);
        if (d->part == TOME_PART_ARTICLE) {
            int kerr = key ? tome_key(a.reader, d->index, key, cap) : TOME_ERR_BUFFER;
            printf("damaged: article %u \"%s\": %s\n", d->index,
                   kerr == TOME_OK ? cli_esc(key) : "(key unreadable)", why);
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

