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

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "cli.h"

/* Articles up to this size are fetched whole (the reader checks them);
 * larger ones are streamed in pieces of this size and checked here, so
 * memory stays bounded whatever size an archive declares. */
#define PIECE_SIZE ((size_t)1 << 20)

static const char ls_usage[] =
    "usage: tome ls [--null] ARCHIVE\n\n"
    "List every article, one per line: ID, key, size in bytes, title,\n"
    "separated by tabs, in ID (key) order.\n\n"
    "Keys and titles are escaped C-style, so that each article is one line\n"
    "and nothing reaches the terminal raw: \\t, \\n, \\r, \\\\ (a backslash),\n"
    "and \\xHH for other control characters (including U+0080..U+009F, one\n"
    "\\xHH per byte) and for bytes that are not valid UTF-8.  verify and\n"
    "extract escape keys in their messages the same way.\n\n"
    "  --null   for scripts: the four fields raw (unescaped), each followed\n"
    "           by a NUL byte, so an article is four NUL-terminated fields\n";
static const char cat_usage[] =
    "usage: tome cat ARCHIVE KEY|#ID...\n\n"
    "Write the named articles to standard output, byte for byte.  An argument\n"
    "'#N' (N digits) names article ID N; use --key KEY for a key that itself\n"
    "looks like that.  After '--' every argument is a KEY or #ID, even one\n"
    "that starts with '-'.  An article larger than 1 MiB is written as it is\n"
    "read and checked at its end: when it does not match its checksum, cat\n"
    "says so and exits 1 (what was written is then wrong).\n";
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
    "usage: tome extract ARCHIVE -C DIR [--keep]\n\n"
    "Write every article to DIR/KEY, creating directories as needed.  Packing a\n"
    "directory and extracting it gives byte-identical files.\n\n"
    "Each file is written to a temporary file beside it and renamed over the\n"
    "old one when complete and checked, so an existing file is replaced, never\n"
    "truncated in place, and a failure leaves no partial file.  Symbolic links\n"
    "under DIR are never followed: a key whose path meets one is refused, as is\n"
    "a key that is absolute or has an empty, '.' or '..' component.\n\n"
    "  -C, --directory DIR   where to write (created if missing)\n"
    "  -k, --keep            never replace an existing file: refuse it, name it,\n"
    "                        and exit 1\n";

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
        } else if (ls && strcmp(argv[i], "--null") == 0) {
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

static char *key_buffer(const tome_reader *r, size_t *cap)
{
    tome_archive_info info;
    tome_info(r, &info);
    *cap = (info.key_size_max > info.title_size_max ? info.key_size_max : info.title_size_max) + 1;
    return malloc(*cap);
}

/* A buffer for one piece of an article: the largest article when smaller
 * than PIECE_SIZE, else PIECE_SIZE (what the archive declares does not
 * decide how much memory is used). */
static void *article_buffer(const tome_reader *r, size_t *cap)
{
    tome_archive_info info;
    tome_info(r, &info);
    *cap = info.article_size_max < PIECE_SIZE ? info.article_size_max : PIECE_SIZE;
    return malloc(*cap ? *cap : 1);
}

/* Where an article's bytes go: 0, or -1 with errno set. */
typedef int (*sink_fn)(void *user, const void *data, size_t len);

/* emit_article() result when the sink failed (errno set). */
#define EMIT_SINK_FAILED 1000

/* Send article `id` to `sink`.  One that fits `buf` is fetched whole, and
 * the reader checks it before a byte is sent.  A larger one is read in
 * pieces (tome_read() checks no checksum) and hashed here with the rule of
 * docs/FORMAT.md: XXH32 seeded with the ID, against the entry's checksum;
 * TOME_ERR_CHECKSUM when it differs, after the sink got every byte. */
static int emit_article(tome_reader *r, uint32_t id, void *buf, size_t cap, sink_fn sink,
                        void *user, uint64_t *size_out)
{
    tome_article art;
    XXH32_state_t h;
    uint64_t off;
    size_t size;
    int err = tome_stat(r, id, &art);
    if (err != TOME_OK)
        return err;
    *size_out = art.size;
    if (art.size <= cap) {
        if ((err = tome_fetch(r, id, buf, cap, &size)) != TOME_OK)
            return err;
        return sink(user, buf, size) ? EMIT_SINK_FAILED : TOME_OK;
    }
    XXH32_reset(&h, id);
    for (off = 0; off < art.size; off += size) {
        size = art.size - off < cap ? (size_t)(art.size - off) : cap;
        if ((err = tome_read(r, id, off, buf, size)) != TOME_OK)
            return err;
        XXH32_update(&h, buf, size);
        if (sink(user, buf, size))
            return EMIT_SINK_FAILED;
    }
    return XXH32_digest(&h) == art.checksum ? TOME_OK : TOME_ERR_CHECKSUM;
}

static void put_field(const char *s, int raw)
{
    if (raw)
        fwrite(s, 1, strlen(s) + 1, stdout); /* with its NUL */
    else
        cli_put_escaped(stdout, s, strlen(s));
}

int cmd_ls(int argc, char **argv)
{
    cli_archive a;
    char *key, *title;
    size_t cap;
    uint32_t id;
    int i, raw = 0, first, status = simple_args(argc, argv, ls_usage, 1, 1, &first);
    if (status != EXIT_OK)
        return status;
    for (i = 1; i < argc; i++)
        raw |= strcmp(argv[i], "--null") == 0;
    if (cli_open(&a, argv[first]))
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
        if (raw) {
            printf("%u%c", id, 0);
            put_field(key, 1);
            printf("%u%c", art.size, 0);
            put_field(title, 1);
        } else {
            printf("%u\t", id);
            put_field(key, 0);
            printf("\t%u\t", art.size);
            put_field(title, 0);
            putchar('\n');
        }
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
    if (cli_open(&a, argv[first]))
        return EXIT_FAIL;
    buf = article_buffer(a.reader, &cap);
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
        err = resolve(a.reader, argv[i], force_key || rest, &id);
        force_key = 0;
        if (err == TOME_OK)
            err = emit_article(a.reader, id, buf, cap, to_stdout, NULL, &size);
        if (err == EMIT_SINK_FAILED) {
            cli_error("writing standard output: %s", strerror(errno));
            status = EXIT_FAIL;
            break;
        }
        if (err == TOME_ERR_CHECKSUM && size > cap) {
            cli_error("%s: %s: %s: the %llu bytes written to standard output are wrong", a.path,
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
    int first, status = simple_args(argc, argv, info_usage, 1, 1, &first);
    if (status != EXIT_OK)
        return status;
    if (cli_open(&a, argv[first]))
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
    int err, first, status = simple_args(argc, argv, verify_usage, 1, 1, &first);
    if (status != EXIT_OK)
        return status;
    if (cli_open(&a, argv[first])) {
        fprintf(stderr, "tome: %s: DAMAGED (cannot be opened)\n", argv[first]);
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

/* Why a key cannot become a path under the target, or NULL when it can. */
const char *cli_unsafe_key_reason(const char *key)
{
    const char *c = key;
    if (*key == '\0')
        return "it is empty";
    if (*key == '/')
        return "it is absolute";
    while (*c) {
        size_t n = strcspn(c, "/");
        if (n == 0)
            return "it has an empty component ('//')";
        if (n == 1 && c[0] == '.')
            return "it has a '.' component";
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return "it has a '..' component";
        c += n;
        if (*c == '/' && c[1] == '\0')
            return "it ends in '/'";
        if (*c == '/')
            c++;
    }
    return NULL;
}

/* mkdir -p of the target itself: the user named it, so symbolic links in
 * it are theirs to follow. */
static int make_directory(const char *dir)
{
    char *copy = strdup(dir), *slash;
    int ok = copy != NULL;
    for (slash = copy && copy[0] ? copy + 1 : NULL; ok && slash && (slash = strchr(slash, '/'));
         slash++) {
        *slash = '\0';
        ok = mkdir(copy, 0777) == 0 || errno == EEXIST;
        *slash = '/';
    }
    ok = ok && (mkdir(dir, 0777) == 0 || errno == EEXIST);
    free(copy);
    return ok ? 0 : -1;
}

typedef struct extractor {
    const char *archive, *dir;
    int root;         /* the target, open */
    int keep;         /* --keep */
    unsigned serial;  /* temporary names */
    void *buf;
    size_t cap;
    char *key;
    size_t key_cap;
    tome_reader *reader;
} extractor;

/* Refuse article `id`: name its key (escaped) and the reason. */
static int refuse(const extractor *x, uint32_t id, const char *why)
{
    cli_error("%s: article %u: key \"%s\" is not a safe relative path (%s); skipped", x->archive,
              id, cli_esc(x->key), why);
    return -1;
}

/* Open the directory that holds the key's last component, creating the
 * directories on the way, beneath x->root without following any symbolic
 * link.  Returns a descriptor and points *name at the last component;
 * -1 after a message. */
static int open_parent(extractor *x, uint32_t id, char *path, char **name)
{
    int fd = x->root;
    char *c = path, *slash;
    while ((slash = strchr(c, '/')) != NULL) {
        struct stat sb;
        int next;
        *slash = '\0';
        if (mkdirat(fd, c, 0777) != 0 && errno != EEXIST) {
            cli_error("%s/%s: cannot create directory %s: %s", cli_esc(x->dir), cli_esc(x->key),
                      cli_esc(path), strerror(errno));
            *slash = '/';
            break;
        }
        next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            int e = errno, link = fstatat(fd, c, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
                                   S_ISLNK(sb.st_mode);
            if (link || e == ENOTDIR || e == ELOOP) {
                cli_error("%s: article %u: key \"%s\": \"%s\" is %sunder %s; skipped", x->archive,
                          id, cli_esc(x->key), cli_esc(path),
                          link ? "a symbolic link (never followed) " : "not a directory ",
                          cli_esc(x->dir));
            } else {
                cli_error("%s/%s: %s", cli_esc(x->dir), cli_esc(path), strerror(e));
            }
            *slash = '/';
            break;
        }
        *slash = '/';
        if (fd != x->root)
            close(fd);
        fd = next;
        c = slash + 1;
    }
    if (slash) {
        if (fd != x->root)
            close(fd);
        return -1;
    }
    *name = c;
    return fd;
}

typedef struct file_sink {
    int fd;
} file_sink;

static int to_file(void *user, const void *data, size_t len)
{
    const file_sink *f = user;
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write article `id` (key in x->key) to x->dir/KEY: a temporary file beside
 * it, renamed over it only when complete.  0, or -1 after a message. */
static int extract_one(extractor *x, uint32_t id, char *path)
{
    const char *why = cli_unsafe_key_reason(x->key);
    char *name, tmp[64];
    struct stat sb;
    file_sink f;
    uint64_t size = 0;
    int dfd, err, e, exists, status = -1;
    if (why)
        return refuse(x, id, why);
    strcpy(path, x->key);
    if ((dfd = open_parent(x, id, path, &name)) < 0)
        return -1;
    exists = fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISLNK(sb.st_mode)) {
        cli_error("%s: article %u: key \"%s\": %s/%s is a symbolic link (never followed); "
                  "skipped", x->archive, id, cli_esc(x->key), cli_esc(x->dir), cli_esc(x->key));
        goto done;
    }
    if (exists && S_ISDIR(sb.st_mode)) {
        cli_error("%s: article %u: key \"%s\": %s/%s is a directory; skipped", x->archive, id,
                  cli_esc(x->key), cli_esc(x->dir), cli_esc(x->key));
        goto done;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        cli_error("%s: article %u: key \"%s\": %s/%s exists and is not a regular file; skipped",
                  x->archive, id, cli_esc(x->key), cli_esc(x->dir), cli_esc(x->key));
        goto done;
    }
    if (exists && x->keep) {
        cli_error("%s/%s: exists; not replaced (--keep)", cli_esc(x->dir), cli_esc(x->key));
        goto done;
    }
    /* a fresh name: the prepared path is removed if a signal ends us */
    do {
        snprintf(tmp, sizeof tmp, ".tome-extract-%ld-%u.tmp", (long)getpid(), x->serial++);
        cli_cleanup_add(dfd, tmp);
        f.fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (f.fd < 0)
            cli_cleanup_clear();
    } while (f.fd < 0 && errno == EEXIST);
    if (f.fd < 0) {
        cli_error("%s/%s: cannot create a temporary file beside it: %s", cli_esc(x->dir),
                  cli_esc(x->key), strerror(errno));
        goto done;
    }
    err = emit_article(x->reader, id, x->buf, x->cap, to_file, &f, &size);
    e = errno;
    if (err == EMIT_SINK_FAILED) {
        cli_error("%s/%s: %s; nothing written", cli_esc(x->dir), cli_esc(x->key), strerror(e));
    } else if (err != TOME_OK) {
        cli_error("%s: article %u: key \"%s\": %s; nothing written", x->archive, id,
                  cli_esc(x->key), tome_error_text(err));
    }
    if (close(f.fd) != 0 && err == TOME_OK) {
        cli_error("%s/%s: %s; nothing written", cli_esc(x->dir), cli_esc(x->key),
                  strerror(errno));
        err = EMIT_SINK_FAILED;
    }
    if (err == TOME_OK) {
#ifdef RENAME_NOREPLACE
        int r = x->keep ? renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE)
                        : renameat(dfd, tmp, dfd, name);
#else
        int r = renameat(dfd, tmp, dfd, name);
#endif
        if (r == 0) {
            status = 0;
        } else if (errno == EEXIST && x->keep) {
            cli_error("%s/%s: exists; not replaced (--keep)", cli_esc(x->dir), cli_esc(x->key));
        } else {
            cli_error("%s/%s: %s", cli_esc(x->dir), cli_esc(x->key), strerror(errno));
        }
    }
    if (status != 0)
        unlinkat(dfd, tmp, 0);
    cli_cleanup_clear();
done:
    if (dfd != x->root)
        close(dfd);
    return status;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longs[] = {{"directory", required_argument, 0, 'C'},
                                          {"keep", no_argument, 0, 'k'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    extractor x;
    cli_archive a;
    char *path = NULL;
    uint32_t cursor = 0, id;
    int c, err = TOME_DONE, status = EXIT_OK;
    memset(&x, 0, sizeof x);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":C:kh", longs, NULL)) != -1) {
        if (c == 'C')
            x.dir = optarg;
        else if (c == 'k')
            x.keep = 1;
        else if (c == 'h') {
            fputs(extract_usage, stdout);
            return EXIT_OK;
        } else if (c == ':')
            return cli_usage_error("extract", "option '%s' needs a value", argv[optind - 1]);
        else
            return cli_usage_error("extract", "unknown option '%s'", argv[optind - 1]);
    }
    if (!x.dir)
        return cli_usage_error("extract", "no target: give -C DIR");
    if (!x.dir[0])
        return cli_usage_error("extract", "the target directory name (-C) is empty");
    if (optind != argc - 1)
        return cli_usage_error("extract", "give exactly one ARCHIVE");
    if (!argv[optind][0])
        return cli_usage_error("extract", "the ARCHIVE name is empty");
    if (cli_open(&a, argv[optind]))
        return EXIT_FAIL;
    x.archive = a.path;
    if (make_directory(x.dir) != 0 ||
        (x.root = open(x.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        cli_error("%s: %s", cli_esc(x.dir),
                  errno == ENOTDIR || errno == EEXIST ? "not a directory" : strerror(errno));
        cli_close(&a);
        return EXIT_FAIL;
    }
    x.reader = a.reader;
    x.buf = article_buffer(a.reader, &x.cap);
    x.key = key_buffer(a.reader, &x.key_cap);
    if (x.buf && x.key)
        path = malloc(x.key_cap);
    if (!path) {
        cli_error("out of memory");
        status = EXIT_FAIL;
    }
    cli_cleanup_install();
    /* storage order: each block is decompressed once */
    while (path && (err = tome_next(a.reader, &cursor, &id)) == TOME_OK) {
        if ((err = tome_key(a.reader, id, x.key, x.key_cap)) != TOME_OK) {
            cli_error("%s: article %u: %s", a.path, id, tome_error_text(err));
            status = EXIT_FAIL;
            continue;
        }
        if (extract_one(&x, id, path) != 0)
            status = EXIT_FAIL;
    }
    if (path && err != TOME_DONE && err != TOME_OK) {
        cli_error("%s: %s", a.path, tome_error_text(err));
        status = EXIT_FAIL;
    }
    close(x.root);
    free(path);
    free(x.key);
    free(x.buf);
    cli_close(&a);
    return status;
}
