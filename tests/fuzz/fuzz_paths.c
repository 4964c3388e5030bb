/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_paths.c - tome_pack_add_tree on file names from the input, and the
 * UTF-8 check that decides which names are keys.
 *
 * The input is a list of relative paths, one a line.  Each becomes a file
 * (its directories created on the way) in a fresh tree; the walk must then
 * add exactly those files, keyed by their paths with single '/' separators
 * whatever the root's trailing slashes, or, when a name is not UTF-8, fail
 * saying so.  The whole input is also checked by tome__utf8_valid against a
 * decoder written from RFC 3629.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "pack_internal.h"

#define MAX_FILES 16
#define MAX_DEPTH 6
#define NAME_MAX_BYTES 200

/* RFC 3629: shortest form only, no surrogates, nothing above U+10FFFF. */
static int utf8_reference(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i], cp;
        size_t len, k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Make the file at relative path `line` (`len` bytes) under `root`; its
 * key goes to *key.  0 when the line names no file we can make. */
static int make_file(const char *root, const uint8_t *line, size_t len, char **key)
{
    char path[2800], rel[2048];
    size_t at = 0, rel_len = 0, depth = 0;
    int fd;
    snprintf(path, sizeof path, "%s", root);
    while (at < len) {
        size_t start = at, n;
        while (at < len && line[at] != '/')
            at++;
        n = at - start;
        at++;
        if (n == 0 || (n == 1 && line[start] == '.') ||
            (n == 2 && line[start] == '.' && line[start + 1] == '.'))
            continue; /* empty, "." and ".." name nothing new */
        if (n > NAME_MAX_BYTES || ++depth > MAX_DEPTH || memchr(line + start, '\0', n))
            return 0;
        if (rel_len)
            rel[rel_len++] = '/';
        memcpy(rel + rel_len, line + start, n);
        rel_len += n;
        rel[rel_len] = '\0';
        snprintf(path, sizeof path, "%s/%s", root, rel);
        if (at < len && mkdir(path, 0755) != 0 && errno != EEXIST)
            return 0;
    }
    if (rel_len == 0)
        return 0;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return 0;
    /* the body is the key, so a mix-up shows */
    if (write(fd, rel, rel_len) != (ssize_t)rel_len) {
        close(fd);
        return 0;
    }
    close(fd);
    *key = strdup(rel);
    return 1;
}

FUZZ_TARGET(paths)
{
    static const char *const slashes[] = {"", "/", "//"};
    char root[600], arg[4200], *keys[MAX_FILES];
    size_t nkeys = 0, at = 0, i;
    int all_utf8 = 1, err;
    tome_packer *p;

    FUZZ_CHECK(tome__utf8_valid((const char *)data, size) == utf8_reference(data, size));

    snprintf(root, sizeof root, "%s/tree", fuzz_temp_dir());
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(root, 0755) != 0)
        return 0;
    while (at < size && nkeys < MAX_FILES) {
        size_t start = at;
        while (at < size && data[at] != '\n')
            at++;
        if (make_file(root, data + start, at - start, &keys[nkeys])) {
            all_utf8 &= utf8_reference((const uint8_t *)keys[nkeys], strlen(keys[nkeys]));
            nkeys++;
        }
        at++;
    }
    /* a line may have made a directory where an earlier one made a file,
     * or the reverse: keep only what is a regular file now */
    for (i = 0; i < nkeys;) {
        struct stat st;
        snprintf(arg, sizeof arg, "%s/%s", root, keys[i]);
        if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
            i++;
        } else {
            free(keys[i]);
            keys[i] = keys[--nkeys];
        }
    }
    snprintf(arg, sizeof arg, "%s%s", root, slashes[size ? data[0] % 3 : 0]);
    p = tome_packer_new(NULL);
    err = tome_pack_add_tree(p, arg);
    if (!all_utf8) {
        FUZZ_CHECK(err == TOME_PACK_ERR_INPUT);
        FUZZ_CHECK(strstr(tome_packer_message(p), "not valid UTF-8") != NULL);
    } else {
        FUZZ_CHECK(err == TOME_PACK_OK);
        FUZZ_CHECK(p->article_count == nkeys);
        if (err == TOME_PACK_OK && p->article_count == nkeys) {
            char *added[MAX_FILES];
            for (i = 0; i < nkeys; i++) {
                const pack_body *b = &p->bodies[p->articles[i].body];
                char body[4200]; /* a key fits in arg */
                added[i] = p->articles[i].key;
                /* bodies live in the packer's body store */
                FUZZ_CHECK(b->size == p->articles[i].key_size && b->size <= sizeof body &&
                           tome__body_read(p, p->articles[i].body, 0, body, b->size) == 0 &&
                           memcmp(body, p->articles[i].key, b->size) == 0);
            }
            qsort(added, nkeys, sizeof *added, by_string);
            qsort(keys, nkeys, sizeof *keys, by_string);
            for (i = 0; i < nkeys; i++)
                FUZZ_CHECK(strcmp(added[i], keys[i]) == 0);
        }
    }
    tome_packer_free(p);
    for (i = 0; i < nkeys; i++)
        free(keys[i]);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
