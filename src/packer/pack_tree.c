/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_tree.c - tome_pack_add_tree: add every regular file under a directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack_internal.h"

#define ARTICLE_SIZE_LIMIT ((uint64_t)1 << 32)

/* A directory on the path from the root to where the walk is now. */
typedef struct dir_frame {
    dev_t dev;
    ino_t ino;
    size_t path_len; /* its path is walk->path[0, path_len) */
} dir_frame;

typedef struct tree_walk {
    tome_packer *p;
    char *path; /* NUL-terminated path of the current entry */
    size_t path_len, path_cap;
    size_t key_start; /* the key is path + key_start */
    dir_frame *frames;
    size_t depth, frame_cap;
    char *real_root; /* the root with every symbolic link resolved */
    size_t linked;   /* directories on the current path entered through a link */
} tree_walk;

static int out_of_memory(tree_walk *w)
{
    return tome__pack_fail(w->p, TOME_PACK_ERR_MEMORY, "out of memory");
}

static int io_error(tome_packer *p, const char *path)
{
    return tome__pack_fail(p, TOME_PACK_ERR_IO, "%s: %s", path, strerror(errno));
}

/* Append `n` bytes of `s` to the path; 0 when out of memory. */
static int path_append(tree_walk *w, const char *s, size_t n)
{
    if (w->path_len + n + 1 > w->path_cap) {
        size_t cap = w->path_cap ? w->path_cap : 256;
        char *grown;
        while (cap < w->path_len + n + 1)
            cap *= 2;
        grown = realloc(w->path, cap);
        if (!grown)
            return 0;
        w->path = grown;
        w->path_cap = cap;
    }
    memcpy(w->path + w->path_len, s, n);
    w->path_len += n;
    w->path[w->path_len] = '\0';
    return 1;
}

static void path_truncate(tree_walk *w, size_t len)
{
    w->path_len = len;
    w->path[len] = '\0';
}

/* Length of `root` without trailing slashes, keeping a lone "/". */
static size_t trimmed_length(const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    return n;
}

/* Read up to `size` bytes, retrying short reads; -1 on a read error. */
static ssize_t read_fully(int fd, char *buf, size_t size)
{
    size_t have = 0;

    while (have < size) {
        ssize_t got = read(fd, buf + have, size - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        have += (size_t)got;
    }
    return (ssize_t)have;
}

/* Files up to this size are read whole and handed to tome_pack_add();
 * bigger ones are streamed into the body store a piece at a time. */
#define WHOLE_FILE_LIMIT (4u << 20)

/* Read the file, checking that it still has the size stat reported, and
 * add it as the article `key`. */
static int read_and_add(tome_packer *p, const char *path, const char *key, size_t key_len,
                        uint64_t size)
{
    size_t cap = size < WHOLE_FILE_LIMIT ? (size_t)size : WHOLE_FILE_LIMIT;
    char *buf = malloc(cap ? cap : 1);
    char probe;
    uint64_t left = size;
    ssize_t got = 0, extra = 0;
    uint32_t index = 0;
    int fd, err = TOME_PACK_OK, streaming = size > WHOLE_FILE_LIMIT;

    if (!buf)
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory reading %s", path);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err = io_error(p, path);
        free(buf);
        return err;
    }
    if (streaming && (err = tome__pack_check_article(p, key, key_len, NULL, 0, path)) == 0)
        err = tome__body_begin(p);
    while (!err && left > 0) {
        size_t want = left < cap ? (size_t)left : cap;
        got = read_fully(fd, buf, want);
        if (got <= 0)
            break;
        left -= (uint64_t)got;
        if ((size_t)got < want)
            break;
        if (streaming)
            err = tome__body_append(p, buf, (size_t)got);
    }
    /* One byte past the size stat reported shows whether the file grew. */
    if (!err && got >= 0 && left == 0)
        extra = read_fully(fd, &probe, 1);
    if (err)
        ;
    else if (got < 0 || extra < 0)
        err = io_error(p, path);
    else if (left != 0 || extra != 0)
        err = tome__pack_fail(p, TOME_PACK_ERR_IO, "%s: changed while being read", path);
    else if (!streaming)
        err = tome_pack_add(p, key, key_len, NULL, 0, buf, (size_t)size, path);
    else if (!(err = tome__body_finish(p, &index)))
        err = tome__pack_add_article(p, key, key_len, NULL, 0, index, path);
    close(fd);
    free(buf);
    return err;
}

static int add_file(tome_packer *p, const char *path, const char *key, size_t key_len,
                    const struct stat *st)
{
    if (!tome__utf8_valid(key, key_len))
        return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "%s: file name is not valid UTF-8", path);
    if (key_len > TOME_PACK_NAME_LIMIT)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "%s: key is %zu bytes; keys must be at most %u",
                               path, key_len, TOME_PACK_NAME_LIMIT);
    if ((uint64_t)st->st_size >= ARTICLE_SIZE_LIMIT)
        return tome__pack_fail(p, TOME_PACK_ERR_LIMIT, "%s: %llu bytes; articles must be under 4 GiB",
                               path, (unsigned long long)st->st_size);
    if (p->failed)
        return tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "invalid call to tome_pack_add");
    if (!tome__pack_in_shard(p, key, key_len)) /* another shard's: not even read */
        return TOME_PACK_OK;
    return read_and_add(p, path, key, key_len, (uint64_t)st->st_size);
}

static int name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* The entries of the directory at w->path, sorted so that which error is
 * reported first never depends on readdir order. */
static int list_directory(tree_walk *w, char ***names_out, size_t *count_out)
{
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *entry;
    DIR *dir = opendir(w->path);

    if (!dir)
        return io_error(w->p, w->path);
    for (;;) {
        errno = 0;
        entry = readdir(dir);
        if (!entry)
            break;
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        if (count == cap) {
            size_t new_cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, new_cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
            cap = new_cap;
        }
        names[count] = strdup(entry->d_name);
        if (!names[count])
            break;
        count++;
    }
    if (entry || errno) {
        int err = entry ? out_of_memory(w) : io_error(w->p, w->path);
        closedir(dir);
        free_names(names, count);
        return err;
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof *names, name_order);
    *names_out = names;
    *count_out = count;
    return TOME_PACK_OK;
}

static int walk_directory(tree_walk *w);

/* Enter the directory at w->path unless it is already on the current path;
 * `via_link`: w->path is a symbolic link to it. */
static int enter_directory(tree_walk *w, const struct stat *st, int via_link)
{
    size_t i;
    int err;

    for (i = 0; i < w->depth; i++)
        if (w->frames[i].dev == st->st_dev && w->frames[i].ino == st->st_ino)
            return tome__pack_fail(w->p, TOME_PACK_ERR_INPUT, "directory loop: %s leads back to %.*s",
                                   w->path, (int)w->frames[i].path_len, w->path);
    if (w->depth == w->frame_cap) {
        size_t cap = w->frame_cap ? w->frame_cap * 2 : 16;
        dir_frame *grown = realloc(w->frames, cap * sizeof *grown);
        if (!grown)
            return out_of_memory(w);
        w->frames = grown;
        w->frame_cap = cap;
    }
    w->frames[w->depth].dev = st->st_dev;
    w->frames[w->depth].ino = st->st_ino;
    w->frames[w->depth].path_len = w->path_len;
    w->depth++;
    w->linked += via_link != 0;
    err = walk_directory(w);
    w->linked -= via_link != 0;
    w->depth--;
    return err;
}

/* The key of a file inside the tree from its resolved path, or NULL when
 * the path lies outside the tree. */
static const char *key_inside_tree(const tree_walk *w, const char *real)
{
    size_t n = strlen(w->real_root);
    if (n == 1 && w->real_root[0] == '/')
        return real[0] == '/' && real[1] ? real + 1 : NULL;
    if (strncmp(real, w->real_root, n) != 0 || real[n] != '/' || !real[n + 1])
        return NULL;
    return real + n + 1;
}

/* A regular file reached through a symbolic link (to it, or to a directory
 * above it) whose real path lies inside the tree: an alias of the key of
 * that path rather than a second copy of its bytes (*done set), so that
 * links inside a tree cost a key each, whether they name a file or a
 * directory.  Anything else reached through a link is packed as found. */
static int add_link_alias(tree_walk *w, int *done)
{
    const char *key = w->path + w->key_start, *target_key;
    char *real;
    int err = TOME_PACK_OK;

    *done = 0;
    real = realpath(w->path, NULL);
    if (!real)
        return io_error(w->p, w->path);
    target_key = key_inside_tree(w, real);
    if (target_key) {
        *done = 1;
        err = tome_pack_add_alias(w->p, key, strlen(key), target_key, strlen(target_key), w->path);
    }
    free(real);
    return err;
}

static int visit_entry(tree_walk *w)
{
    struct stat st;
    int done, err, is_link;

    if (lstat(w->path, &st) != 0)
        return io_error(w->p, w->path);
    is_link = S_ISLNK(st.st_mode);
    if (is_link && stat(w->path, &st) != 0)
        return io_error(w->p, w->path);
    if (S_ISDIR(st.st_mode))
        return enter_directory(w, &st, is_link);
    if (!S_ISREG(st.st_mode))
        return tome__pack_fail(w->p, TOME_PACK_ERR_INPUT, "%s: not a regular file or directory",
                               w->path);
    if ((is_link || w->linked) && (err = add_link_alias(w, &done)) != TOME_PACK_OK)
        return err;
    if ((is_link || w->linked) && done)
        return TOME_PACK_OK;
    return add_file(w->p, w->path, w->path + w->key_start, w->path_len - w->key_start, &st);
}

static int walk_directory(tree_walk *w)
{
    size_t dir_len = w->path_len;
    char **names = NULL;
    size_t count = 0, i;
    int err = list_directory(w, &names, &count);

    for (i = 0; !err && i < count; i++) {
        int separated = w->path[dir_len - 1] == '/';
        if ((!separated && !path_append(w, "/", 1)) ||
            !path_append(w, names[i], strlen(names[i])))
            err = out_of_memory(w);
        else
            err = visit_entry(w);
        path_truncate(w, dir_len);
    }
    free_names(names, count);
    return err;
}

static int add_root_file(tome_packer *p, const char *root, const struct stat *st)
{
    size_t end = trimmed_length(root), start = end;

    while (start > 0 && root[start - 1] != '/')
        start--;
    return add_file(p, root, root + start, end - start, st);
}

static int add_root_directory(tome_packer *p, const char *root, const struct stat *st)
{
    tree_walk w;
    size_t root_len = trimmed_length(root);
    int err;

    memset(&w, 0, sizeof w);
    w.p = p;
    if (!path_append(&w, root, root_len))
        return tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory");
    /* Keys start after the root and its separator; "/" already ends in one. */
    w.key_start = root[root_len - 1] == '/' ? root_len : root_len + 1;
    w.real_root = realpath(root, NULL);
    if (!w.real_root)
        err = io_error(p, root);
    else
        err = enter_directory(&w, st, 0);
    free(w.real_root);
    free(w.path);
    free(w.frames);
    return err;
}

int tome_pack_add_tree(tome_packer *p, const char *root)
{
    struct stat st;

    if (!p || !root || !*root)
        return p ? tome__pack_fail(p, TOME_PACK_ERR_ARGUMENT, "tome_pack_add_tree: no root given")
                 : TOME_PACK_ERR_ARGUMENT;
    if (stat(root, &st) != 0)
        return io_error(p, root);
    if (S_ISDIR(st.st_mode))
        return add_root_directory(p, root, &st);
    if (S_ISREG(st.st_mode))
        return add_root_file(p, root, &st);
    return tome__pack_fail(p, TOME_PACK_ERR_INPUT, "%s: not a regular file or directory", root);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int tome_pack_add_path(tome_packer *p, const char *path)
{
    struct stat sb;
    if (path && stat(path, &sb) == 0 &&
        (S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode) || S_ISSOCK(sb.st_mode) ||
         (S_ISREG(sb.st_mode) && (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson")))))
        return tome_pack_add_jsonl(p, path);
    return tome_pack_add_tree(p, path);
}
