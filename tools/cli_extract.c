/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_extract.c - tome extract: every article (and alias) back as a file
 * under a directory, never writing outside it.
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

static const char extract_usage[] =
    "usage: tome extract ARCHIVE -C DIR [--keep] [--symlinks]\n\n"
    "Write every article to DIR/KEY, and each alias to DIR/ALIAS, creating\n"
    "directories as needed.  Packing a directory and extracting it gives\n"
    "byte-identical files.\n\n"
    "Each file is written to a temporary file beside it and renamed over the\n"
    "old one when complete and checked, so an existing file is replaced, never\n"
    "truncated in place, and a failure leaves no partial file.  Symbolic links\n"
    "under DIR are never followed: a key whose path meets one is refused, as is\n"
    "a key that is absolute or has an empty, '.' or '..' component.\n\n"
    "  -C, --directory DIR   where to write (created if missing)\n"
    "  -k, --keep            never replace an existing file: refuse it, name it,\n"
    "                        and exit 1\n"
    "  -s, --symlinks        write each alias as a relative symbolic link to its\n"
    "                        article's file (default: a copy)\n"
    "      --alone           a volume of a set by itself\n"
    CLI_SET_HELP;

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
    int symlinks;     /* --symlinks: aliases as links */
    char *canon;      /* the article's key while its aliases are written */
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

/* Whether x->dir/NAME (x->key, last component `name` in `dfd`) may be
 * replaced: absent, or a regular file (or, for a link we make, a symbolic
 * link) and not --keep.  Says why not. */
static int replaceable(const extractor *x, uint32_t id, int dfd, const char *name, int link)
{
    struct stat sb;
    if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return 1;
    if (S_ISLNK(sb.st_mode) && !link) {
        cli_error("%s: article %u: key \"%s\": %s/%s is a symbolic link (never followed); "
                  "skipped", x->archive, id, cli_esc(x->key), cli_esc(x->dir), cli_esc(x->key));
        return 0;
    }
    if (S_ISDIR(sb.st_mode)) {
        cli_error("%s: article %u: key \"%s\": %s/%s is a directory; skipped", x->archive, id,
                  cli_esc(x->key), cli_esc(x->dir), cli_esc(x->key));
        return 0;
    }
    if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
        cli_error("%s: article %u: key \"%s\": %s/%s exists and is not a regular file; skipped",
                  x->archive, id, cli_esc(x->key), cli_esc(x->dir), cli_esc(x->key));
        return 0;
    }
    if (x->keep) {
        cli_error("%s/%s: exists; not replaced (--keep)", cli_esc(x->dir), cli_esc(x->key));
        return 0;
    }
    return 1;
}

/* Write article `id` (key in x->key) to x->dir/KEY: a temporary file beside
 * it, renamed over it only when complete.  0, or -1 after a message. */
static int extract_one(extractor *x, uint32_t id, char *path)
{
    const char *why = cli_unsafe_key_reason(x->key);
    char *name, tmp[64];
    file_sink f;
    uint64_t size = 0;
    int dfd, err, e, status = -1;
    if (why)
        return refuse(x, id, why);
    strcpy(path, x->key);
    if ((dfd = open_parent(x, id, path, &name)) < 0)
        return -1;
    if (!replaceable(x, id, dfd, name, 0))
        goto done;
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
    err = cli_emit_article(x->reader, id, x->buf, x->cap, to_file, &f, &size);
    e = errno;
    if (err == CLI_SINK_FAILED) {
        cli_error("%s/%s: %s; nothing written", cli_esc(x->dir), cli_esc(x->key), strerror(e));
    } else if (err != TOME_OK) {
        cli_error("%s: article %u: key \"%s\": %s; nothing written", x->archive, id,
                  cli_esc(x->key), tome_error_text(err));
    }
    if (close(f.fd) != 0 && err == TOME_OK) {
        cli_error("%s/%s: %s; nothing written", cli_esc(x->dir), cli_esc(x->key),
                  strerror(errno));
        err = CLI_SINK_FAILED;
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

/* Make x->dir/ALIAS (x->key) a symbolic link to the article's file
 * (x->canon), relative, so the tree can move: made under a temporary name
 * beside it and renamed over it.  0, or -1 after a message. */
static int link_one(extractor *x, uint32_t id, char *path)
{
    const char *why = cli_unsafe_key_reason(x->key), *c;
    char *name, *target, tmp[64];
    size_t up = 0;
    int dfd, status = -1;
    if (why)
        return refuse(x, id, why);
    for (c = x->key; *c; c++)
        up += *c == '/';
    if (!(target = malloc(up * 3 + strlen(x->canon) + 1))) {
        cli_error("out of memory");
        return -1;
    }
    for (target[0] = '\0'; up > 0; up--)
        strcat(target, "../");
    strcat(target, x->canon);
    strcpy(path, x->key);
    if ((dfd = open_parent(x, id, path, &name)) < 0) {
        free(target);
        return -1;
    }
    if (replaceable(x, id, dfd, name, 1)) {
        snprintf(tmp, sizeof tmp, ".tome-extract-%ld-%u.tmp", (long)getpid(), x->serial++);
        cli_cleanup_add(dfd, tmp);
        if (symlinkat(target, dfd, tmp) != 0)
            cli_error("%s/%s: cannot create a symbolic link beside it: %s", cli_esc(x->dir),
                      cli_esc(x->key), strerror(errno));
        else if (renameat(dfd, tmp, dfd, name) != 0)
            cli_error("%s/%s: %s", cli_esc(x->dir), cli_esc(x->key), strerror(errno));
        else
            status = 0;
        if (status != 0)
            unlinkat(dfd, tmp, 0);
        cli_cleanup_clear();
    }
    if (dfd != x->root)
        close(dfd);
    free(target);
    return status;
}

/* The article's aliases, each as a copy (or a link with --symlinks) of the
 * file just written under its key. */
static int extract_aliases(extractor *x, uint32_t id, char *path)
{
    uint32_t n;
    int err, status = 0;
    strcpy(x->canon, x->key);
    for (n = 0; (err = tome_alias(x->reader, id, n, x->key, x->key_cap)) == TOME_OK; n++)
        if ((x->symlinks ? link_one(x, id, path) : extract_one(x, id, path)) != 0)
            status = -1;
    if (err != TOME_ERR_RANGE) {
        cli_error("%s: article %u: alias %u: %s", x->archive, id, n, tome_error_text(err));
        status = -1;
    }
    strcpy(x->key, x->canon);
    return status;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longs[] = {{"directory", required_argument, 0, 'C'},
                                          {"keep", no_argument, 0, 'k'},
                                          {"symlinks", no_argument, 0, 's'},
                                          {"alone", no_argument, 0, 'a'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    extractor x;
    cli_archive a;
    char *path = NULL;
    uint32_t cursor = 0, id, v = 0;
    int c, err = TOME_DONE, status = EXIT_OK, alone = 0;
    memset(&x, 0, sizeof x);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":C:ksh", longs, NULL)) != -1) {
        if (c == 'C')
            x.dir = optarg;
        else if (c == 'k')
            x.keep = 1;
        else if (c == 's')
            x.symlinks = 1;
        else if (c == 'a')
            alone = 1;
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
    if (cli_open_any(&a, argv[optind], alone))
        return EXIT_FAIL;
    if (a.set && cli_volume(&a, 0) != 0) {
        cli_close(&a);
        return EXIT_FAIL;
    }
    x.archive = a.path;
    if (make_directory(x.dir) != 0 ||
        (x.root = open(x.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        cli_error("%s: %s", cli_esc(x.dir),
                  errno == ENOTDIR || errno == EEXIST ? "not a directory" : strerror(errno));
        cli_close(&a);
        return EXIT_FAIL;
    }
    x.reader = a.reader;
    if (a.set) { /* buffers for any volume: the longest key the format allows */
        x.buf = malloc(x.cap = 1u << 20);
        x.key = malloc(x.key_cap = 65536);
    } else {
        x.buf = cli_article_buffer(a.reader, &x.cap);
        x.key = cli_name_buffer(a.reader, &x.key_cap);
    }
    if (x.buf && x.key && (x.canon = malloc(x.key_cap)) != NULL)
        path = malloc(x.key_cap);
    if (!path) {
        cli_error("out of memory");
        status = EXIT_FAIL;
    }
    cli_cleanup_install();
    /* storage order: each block is decompressed once; a set volume by
     * volume, each read as the archive it is (its IDs local in messages) */
    for (;;) {
        while (path && (err = tome_next(a.reader, &cursor, &id)) == TOME_OK) {
            if ((err = tome_key(a.reader, id, x.key, x.key_cap)) != TOME_OK) {
                cli_error("%s: article %u: %s", a.path, id, tome_error_text(err));
                status = EXIT_FAIL;
                continue;
            }
            if (extract_one(&x, id, path) != 0)
                status = EXIT_FAIL;
            if (extract_aliases(&x, id, path) != 0)
                status = EXIT_FAIL;
        }
        if (path && err != TOME_DONE && err != TOME_OK) {
            cli_error("%s: %s", a.path, tome_error_text(err));
            status = EXIT_FAIL;
        }
        /* the next volume that opens (one that does not is named) */
        while (path && a.set && ++v < a.volumes && cli_volume(&a, v) != 0)
            status = EXIT_FAIL;
        if (!path || !a.set || v >= a.volumes)
            break;
        x.archive = a.path;
        x.reader = a.reader;
        cursor = 0;
    }
    close(x.root);
    free(path);
    free(x.key);
    free(x.canon);
    free(x.buf);
    cli_close(&a);
    return status;
}
