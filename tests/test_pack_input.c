/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_pack_input.c - the packer's input readers: UTF-8 validation,
 * directory trees and JSON Lines; and its error codes and message.  The
 * packer core is replaced by a stub that records what the readers hand it.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "pack_internal.h"

/* ---- a stub for the packer core ---------------------------------------- */

typedef struct recorded_article {
    char *key;
    size_t key_size;
    char *title; /* NULL when none was given */
    size_t title_size;
    char *body;
    size_t body_size;
    char *source;
} recorded_article;

#define MAX_RECORDED 64

static recorded_article recorded[MAX_RECORDED];
static size_t recorded_count;
static size_t add_calls;
/* When non-zero, the add with this 1-based call number returns inject_code. */
static size_t inject_on_call;
static int inject_code;

static char *copy_bytes(const void *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        abort();
    if (size)
        memcpy(copy, data, size);
    copy[size] = '\0';
    return copy;
}

int tome_pack_add(tome_packer *p, const char *key, size_t key_size, const char *title,
                  size_t title_size, const void *body, size_t size, const char *source)
{
    recorded_article *a;

    (void)p;
    add_calls++;
    if (inject_on_call && add_calls == inject_on_call)
        return inject_code;
    if (recorded_count == MAX_RECORDED)
        abort();
    a = &recorded[recorded_count++];
    a->key = copy_bytes(key, key_size);
    a->key_size = key_size;
    a->title = title ? copy_bytes(title, title_size) : NULL;
    a->title_size = title_size;
    a->body = copy_bytes(body, size);
    a->body_size = size;
    a->source = source ? copy_bytes(source, strlen(source)) : NULL;
    return TOME_PACK_OK;
}

/* Aliases the readers hand the packer: "alias=key" each. */
static char *recorded_aliases[MAX_RECORDED];
static size_t alias_count;

int tome_pack_add_alias(tome_packer *p, const char *alias, size_t alias_size, const char *key,
                        size_t key_size, const char *source)
{
    char *pair = malloc(alias_size + key_size + 2);
    (void)p;
    (void)source;
    if (!pair || alias_count == MAX_RECORDED)
        abort();
    memcpy(pair, alias, alias_size);
    pair[alias_size] = '=';
    memcpy(pair + alias_size + 1, key, key_size);
    pair[alias_size + 1 + key_size] = '\0';
    recorded_aliases[alias_count++] = pair;
    return TOME_PACK_OK;
}

/* The core's key-range filter (a shard of a plan): keys below
 * `shard_from` are another shard's. */
static const char *shard_from;

int tome__pack_in_shard(const tome_packer *p, const char *key, size_t key_size)
{
    size_t n = shard_from ? strlen(shard_from) : 0;
    int c = memcmp(key, shard_from ? shard_from : "", key_size < n ? key_size : n);
    (void)p;
    return !shard_from || c > 0 || (c == 0 && key_size >= n);
}

static int has_alias(const char *pair)
{
    size_t i;
    for (i = 0; i < alias_count; i++)
        if (strcmp(recorded_aliases[i], pair) == 0)
            return 1;
    return 0;
}

static void forget_recorded(void)
{
    while (alias_count > 0)
        free(recorded_aliases[--alias_count]);
    size_t i;
    for (i = 0; i < recorded_count; i++) {
        free(recorded[i].key);
        free(recorded[i].title);
        free(recorded[i].body);
        free(recorded[i].source);
    }
    recorded_count = 0;
    add_calls = 0;
    inject_on_call = 0;
    inject_code = 0;
}

/* A fresh packer and an empty record, for each case. */
static tome_packer *new_packer(void)
{
    tome_packer *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    forget_recorded();
    return p;
}

static const recorded_article *find_key(const char *key)
{
    size_t i;
    for (i = 0; i < recorded_count; i++)
        if (recorded[i].key_size == strlen(key) && !memcmp(recorded[i].key, key, recorded[i].key_size))
            return &recorded[i];
    return NULL;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when the recorded keys are exactly `expected` (sorted, n of them). */
static int keys_are(const char *const *expected, size_t n)
{
    char *keys[MAX_RECORDED];
    size_t i;

    if (recorded_count != n)
        return 0;
    for (i = 0; i < n; i++)
        keys[i] = recorded[i].key;
    qsort(keys, n, sizeof *keys, compare_strings);
    for (i = 0; i < n; i++)
        if (strcmp(keys[i], expected[i]) != 0)
            return 0;
    return 1;
}

static int bytes_equal(const char *data, size_t size, const char *want, size_t want_size)
{
    return size == want_size && (size == 0 || !memcmp(data, want, size));
}

/* ---- temporary files -------------------------------------------------- */

static char temp_root[4096];

static void make_temp_root(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_root, sizeof temp_root, "%s/tome_pack_input_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(temp_root)) {
        perror("mkdtemp");
        exit(2);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_temp_root(void)
{
    nftw(temp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* temp_root/<rel>, in a static buffer rotated so two may be live at once. */
static const char *temp_path(const char *rel)
{
    static char paths[4][8192];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", temp_root, rel);
    return path;
}

static int write_file(const char *rel, const void *data, size_t size)
{
    FILE *f = fopen(temp_path(rel), "wb");
    int ok;
    if (!f)
        return 0;
    ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static int make_dir(const char *rel)
{
    return mkdir(temp_path(rel), 0755) == 0;
}

static int contains(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

/* ---- UTF-8 ------------------------------------------------------------ */

static int utf8(const char *s, size_t n)
{
    return tome__utf8_valid(s, n);
}

static void test_utf8(void)
{
    CHECK_EQ(utf8("", 0), 1);
    CHECK_EQ(utf8("plain ascii", 11), 1);
    CHECK_EQ(utf8("a\0b", 3), 1);
    CHECK_EQ(utf8("\xC3\xA9", 2), 1);             /* U+00E9 */
    CHECK_EQ(utf8("\xC2\x80", 2), 1);             /* U+0080, smallest 2-byte */
    CHECK_EQ(utf8("\xDF\xBF", 2), 1);             /* U+07FF */
    CHECK_EQ(utf8("\xE0\xA0\x80", 3), 1);         /* U+0800, smallest 3-byte */
    CHECK_EQ(utf8("\xE2\x82\xAC", 3), 1);         /* U+20AC */
    CHECK_EQ(utf8("\xED\x9F\xBF", 3), 1);         /* U+D7FF, just below surrogates */
    CHECK_EQ(utf8("\xEE\x80\x80", 3), 1);         /* U+E000, just above */
    CHECK_EQ(utf8("\xEF\xBF\xBF", 3), 1);         /* U+FFFF */
    CHECK_EQ(utf8("\xF0\x90\x80\x80", 4), 1);     /* U+10000 */
    CHECK_EQ(utf8("\xF0\x9F\x98\x80", 4), 1);     /* U+1F600 */
    CHECK_EQ(utf8("\xF4\x8F\xBF\xBF", 4), 1);     /* U+10FFFF */

    CHECK_EQ(utf8("\x80", 1), 0);                 /* lone continuation */
    CHECK_EQ(utf8("\xC0\x80", 2), 0);             /* overlong NUL */
    CHECK_EQ(utf8("\xC1\xBF", 2), 0);             /* overlong */
    CHECK_EQ(utf8("\xE0\x80\x80", 3), 0);         /* overlong */
    CHECK_EQ(utf8("\xE0\x9F\xBF", 3), 0);         /* overlong U+07FF */
    CHECK_EQ(utf8("\xF0\x8F\xBF\xBF", 4), 0);     /* overlong U+FFFF */
    CHECK_EQ(utf8("\xED\xA0\x80", 3), 0);         /* U+D800 */
    CHECK_EQ(utf8("\xED\xBF\xBF", 3), 0);         /* U+DFFF */
    CHECK_EQ(utf8("\xF4\x90\x80\x80", 4), 0);     /* U+110000 */
    CHECK_EQ(utf8("\xF5\x80\x80\x80", 4), 0);
    CHECK_EQ(utf8("\xFF", 1), 0);
    CHECK_EQ(utf8("\xC3", 1), 0);                 /* truncated */
    CHECK_EQ(utf8("\xE2\x82", 2), 0);
    CHECK_EQ(utf8("\xF0\x9F\x98", 3), 0);
    CHECK_EQ(utf8("\xE2\x82\xACx\xE2", 5), 0);    /* truncated at the end */
    CHECK_EQ(utf8("\xE2\x41\xAC", 3), 0);         /* bad continuation */
    CHECK_EQ(utf8("\xF0\x9F\x41\x80", 4), 0);
    /* The length bounds the scan: a valid prefix of a longer buffer. */
    CHECK_EQ(utf8("ab\xC3\xA9", 2), 1);
    CHECK_EQ(utf8("ab\xC3\xA9", 3), 0);
}

/* ---- directory trees -------------------------------------------------- */

static const char binary_bytes[] = {'\0', '\xFF', '\r', '\n', '\x80', 'z', '\0', '\r'};

static void build_tree(void)
{
    int ok = make_dir("tree") && make_dir("tree/a") && make_dir("tree/a/b") && make_dir("tree/empty") &&
             write_file("tree/top.txt", "top\n", 4) &&
             write_file("tree/a/one.txt", "one", 3) &&
             write_file("tree/a/b/deep.bin", binary_bytes, sizeof binary_bytes) &&
             write_file("tree/a/b/empty.txt", "", 0) &&
             write_file("tree/caf\xC3\xA9.txt", "accent", 6);
    CHECK(ok);
}

static const char *const tree_keys[] = {"a/b/deep.bin", "a/b/empty.txt", "a/one.txt", "caf\xC3\xA9.txt",
                                         "top.txt"};

static void test_tree_keys(const char *root)
{
    tome_packer *p = new_packer();
    const recorded_article *a;

    CHECK_EQ(tome_pack_add_tree(p, root), TOME_PACK_OK);
    CHECK_EQ(p->failed, 0);
    CHECK(keys_are(tree_keys, sizeof tree_keys / sizeof *tree_keys));
    a = find_key("a/b/deep.bin");
    CHECK(a && bytes_equal(a->body, a->body_size, binary_bytes, sizeof binary_bytes));
    CHECK(a && a->title == NULL);
    a = find_key("a/b/empty.txt");
    CHECK(a && a->body_size == 0);
    a = find_key("top.txt");
    CHECK(a && bytes_equal(a->body, a->body_size, "top\n", 4));
    CHECK(a && a->source && contains(a->source, "tree/top.txt"));
    free(p);
}

static void test_tree_walk(void)
{
    char with_slashes[8192];

    build_tree();
    test_tree_keys(temp_path("tree"));
    test_tree_keys(temp_path("tree/"));
    snprintf(with_slashes, sizeof with_slashes, "%s//", temp_path("tree"));
    test_tree_keys(with_slashes);
}

/* A shard's packer: files keyed outside its range are skipped (not even
 * read); tome_pack_add_path() reads a directory as a tree and a .jsonl
 * file as JSON Lines. */
static void test_tree_shard_and_add_path(void)
{
    static const char *const kept[] = {"a/one.txt", "caf\xC3\xA9.txt", "top.txt"};
    tome_packer *p = new_packer();
    forget_recorded();
    shard_from = "a/c";
    CHECK_EQ(tome_pack_add_path(p, temp_path("tree")), TOME_PACK_OK);
    CHECK(keys_are(kept, sizeof kept / sizeof *kept));
    shard_from = NULL;
    free(p);
    p = new_packer();
    forget_recorded();
    CHECK(write_file("shard.jsonl", "{\"id\":\"j1\",\"text\":\"x\"}\n", 23));
    CHECK_EQ(tome_pack_add_path(p, temp_path("shard.jsonl")), TOME_PACK_OK);
    CHECK(recorded_count == 1 && !strcmp(recorded[0].key, "j1"));
    free(p);
    forget_recorded();
}

static void test_tree_single_file(void)
{
    tome_packer *p = new_packer();

    CHECK_EQ(tome_pack_add_tree(p, temp_path("tree/a/b/deep.bin")), TOME_PACK_OK);
    CHECK_EQ(recorded_count, 1);
    CHECK(recorded_count == 1 && !strcmp(recorded[0].key, "deep.bin"));
    CHECK(recorded_count == 1 &&
          bytes_equal(recorded[0].body, recorded[0].body_size, binary_bytes, sizeof binary_bytes));
    free(p);

    /* A symbolic link to a file is added under the link's name. */
    p = new_packer();
    CHECK_EQ(symlink("tree/top.txt", temp_path("top-link")), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("top-link")), TOME_PACK_OK);
    CHECK(recorded_count == 1 && !strcmp(recorded[0].key, "top-link"));
    CHECK(recorded_count == 1 && bytes_equal(recorded[0].body, recorded[0].body_size, "top\n", 4));
    free(p);
}

static void test_tree_missing_root(void)
{
    tome_packer *p = new_packer();
    char want[8192];
    const char *missing = temp_path("no-such-dir");

    snprintf(want, sizeof want, "%s: %s", missing, strerror(ENOENT));
    CHECK_EQ(tome_pack_add_tree(p, missing), TOME_PACK_ERR_IO);
    CHECK_EQ(p->failed, 1);
    CHECK(!strcmp(p->message, want));
    free(p);
}

static void test_tree_symlinks(void)
{
    static const char *const linked_keys[] = {"real/deep/y.txt", "real/x.txt"};
    tome_packer *p;

    /* A link to a directory inside the tree is walked, not a loop, and
     * every file under it is an alias of the file it reaches. */
    p = new_packer();
    CHECK(make_dir("linked") && make_dir("linked/real") && make_dir("linked/real/deep") &&
          write_file("linked/real/x.txt", "x", 1) && write_file("linked/real/deep/y.txt", "y", 1));
    CHECK_EQ(symlink("real", temp_path("linked/via")), 0);
    CHECK_EQ(symlink("../real/deep", temp_path("linked/real/deeper")), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("linked")), TOME_PACK_OK);
    CHECK(keys_are(linked_keys, 2));
    CHECK_EQ(alias_count, 4);
    CHECK(has_alias("via/x.txt=real/x.txt"));
    CHECK(has_alias("via/deep/y.txt=real/deep/y.txt"));
    CHECK(has_alias("real/deeper/y.txt=real/deep/y.txt"));
    CHECK(has_alias("via/deeper/y.txt=real/deep/y.txt"));
    free(p);
    forget_recorded();

    /* A link to a directory outside the tree is packed as found. */
    p = new_packer();
    CHECK(make_dir("reach") && make_dir("far") && write_file("far/z.txt", "z", 1));
    CHECK_EQ(symlink("../far", temp_path("reach/far")), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("reach")), TOME_PACK_OK);
    CHECK_EQ(recorded_count, 1);
    CHECK(find_key("far/z.txt") != NULL && bytes_equal(find_key("far/z.txt")->body, 1, "z", 1));
    CHECK_EQ(alias_count, 0);
    free(p);
    forget_recorded();

    p = new_packer();
    CHECK(make_dir("loop") && make_dir("loop/sub") && write_file("loop/sub/f.txt", "f", 1));
    CHECK_EQ(symlink("..", temp_path("loop/sub/up")), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("loop")), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, "directory loop"));
    CHECK(contains(p->message, "loop/sub/up leads back to"));
    free(p);

    /* A link to a file inside the tree is an alias of that file's key, not
     * a second copy; one to a file outside is followed. */
    forget_recorded();
    p = new_packer();
    CHECK(make_dir("aliased") && make_dir("aliased/sub") &&
          write_file("aliased/sub/real.txt", "real", 4) && write_file("outside.txt", "out", 3));
    CHECK_EQ(symlink("sub/real.txt", temp_path("aliased/link.txt")), 0);
    CHECK_EQ(symlink("../../outside.txt", temp_path("aliased/sub/out.txt")), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("aliased")), TOME_PACK_OK);
    CHECK_EQ(recorded_count, 2);
    CHECK(find_key("sub/real.txt") != NULL);
    CHECK(find_key("sub/out.txt") != NULL && bytes_equal(find_key("sub/out.txt")->body, 3, "out", 3));
    CHECK(find_key("link.txt") == NULL);
    CHECK_EQ(alias_count, 1);
    CHECK(has_alias("link.txt=sub/real.txt"));
    free(p);
    forget_recorded();

    p = new_packer();
    CHECK(make_dir("dangling"));
    CHECK_EQ(symlink("nowhere", temp_path("dangling/broken")), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("dangling")), TOME_PACK_ERR_IO);
    CHECK(contains(p->message, "dangling/broken: "));
    CHECK(contains(p->message, strerror(ENOENT)));
    free(p);
}

static void test_tree_bad_entries(void)
{
    tome_packer *p = new_packer();

    CHECK(make_dir("badname") && write_file("badname/ok.txt", "ok", 2));
    CHECK(write_file("badname/bad\xFF.txt", "bad", 3));
    CHECK_EQ(tome_pack_add_tree(p, temp_path("badname")), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, "file name is not valid UTF-8"));
    free(p);

    /* Entries are visited in name order, so the first fifo named is "a". */
    p = new_packer();
    CHECK(make_dir("fifo"));
    CHECK_EQ(mkfifo(temp_path("fifo/z"), 0644), 0);
    CHECK_EQ(mkfifo(temp_path("fifo/a"), 0644), 0);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("fifo")), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, "fifo/a: not a regular file or directory"));
    free(p);

    p = new_packer();
    CHECK_EQ(tome_pack_add_tree(p, temp_path("fifo/z")), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, "not a regular file or directory"));
    free(p);
}

static void test_tree_limits(void)
{
    tome_packer *p = new_packer();
    int fd;

    /* Sparse, so nothing is written; the size alone must be refused. */
    CHECK(make_dir("huge"));
    fd = open(temp_path("huge/big.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(ftruncate(fd, (off_t)1 << 32), 0);
    close(fd);
    CHECK_EQ(tome_pack_add_tree(p, temp_path("huge")), TOME_PACK_ERR_LIMIT);
    CHECK(contains(p->message, "big.bin: 4294967296 bytes; articles must be under 4 GiB"));
    CHECK_EQ(add_calls, 0);
    free(p);

    /* /proc files claim size 0 but have content: the size check catches it. */
    p = new_packer();
    if (access("/proc/self/stat", R_OK) == 0) {
        CHECK_EQ(tome_pack_add_tree(p, "/proc/self/stat"), TOME_PACK_ERR_IO);
        CHECK(!strcmp(p->message, "/proc/self/stat: changed while being read"));
    }
    free(p);

    /* Root can read anything, so permissions only bite other users. */
    if (geteuid() != 0) {
        p = new_packer();
        CHECK(make_dir("locked") && write_file("locked/secret", "s", 1));
        CHECK_EQ(chmod(temp_path("locked/secret"), 0), 0);
        CHECK_EQ(tome_pack_add_tree(p, temp_path("locked")), TOME_PACK_ERR_IO);
        CHECK(contains(p->message, strerror(EACCES)));
        free(p);
    }
}

static void test_tree_propagates_add_errors(void)
{
    tome_packer *p = new_packer();

    inject_on_call = 2;
    inject_code = TOME_PACK_ERR_DUPLICATE;
    CHECK_EQ(tome_pack_add_tree(p, temp_path("tree")), TOME_PACK_ERR_DUPLICATE);
    CHECK_EQ(add_calls, 2);
    free(p);
}

/* ---- JSON Lines ------------------------------------------------------- */

static int jsonl_file_number;

/* Write `text` to a new .jsonl file and add it; the path goes to `path`. */
static int add_jsonl_text(tome_packer *p, const char *text, size_t size, char *path, size_t path_size)
{
    char rel[64];

    snprintf(rel, sizeof rel, "input%d.jsonl", ++jsonl_file_number);
    snprintf(path, path_size, "%s", temp_path(rel));
    if (!write_file(rel, text, size))
        return 1;
    return tome_pack_add_jsonl(p, path);
}

static void test_jsonl_good(void)
{
    static const char text[] =
        "{\"id\":\"caf\\u00e9\",\"text\":\"a\\nb \\\"q\\\" \\\\ \\/ \\b\\f\\r\\t\",\"title\":\"T\"}\n"
        "{\"text\":\"smile \\ud83d\\ude00\",\"id\":\"k2\"}\n"
        "   \t\n"
        "{\"n\":-1.5e+10,\"z\":0,\"e\":2E-3,\"t\":true,\"f\":false,\"nl\":null,"
        "\"arr\":[1,[2,{\"x\":[]}],\"s\",{}],\"obj\":{\"a\":{\"b\":{}}},"
        "\"id\":\"k3\",\"text\":\"raw \xC3\xA9 \xF0\x9F\x98\x80\",\"s\":\"\\u0041\",\"title\":\"\"}\n"
        "\n"
        "{\"id\":\"k4\",\"text\":\"crlf\"}\r\n"
        " { \"\\u0069d\" : \"k5\" , \"text\" : \"\" } \n"
        "{\"id\":\"k6\",\"text\":\"no newline\"}";
    tome_packer *p = new_packer();
    char path[8192], source[8300];
    const recorded_article *a;

    CHECK_EQ(add_jsonl_text(p, text, sizeof text - 1, path, sizeof path), TOME_PACK_OK);
    CHECK_EQ(p->failed, 0);
    CHECK_EQ(recorded_count, 6);

    a = find_key("caf\xC3\xA9");
    CHECK(a != NULL);
    CHECK(a && bytes_equal(a->body, a->body_size, "a\nb \"q\" \\ / \b\f\r\t", 16));
    CHECK(a && a->title && bytes_equal(a->title, a->title_size, "T", 1));
    snprintf(source, sizeof source, "%s:1", path);
    CHECK(a && a->source && !strcmp(a->source, source));

    a = find_key("k2");
    CHECK(a && bytes_equal(a->body, a->body_size, "smile \xF0\x9F\x98\x80", 10));
    CHECK(a && a->title == NULL);
    snprintf(source, sizeof source, "%s:2", path);
    CHECK(a && a->source && !strcmp(a->source, source));

    a = find_key("k3");
    CHECK(a && bytes_equal(a->body, a->body_size, "raw \xC3\xA9 \xF0\x9F\x98\x80", 11));
    CHECK(a && a->title && a->title_size == 0);
    snprintf(source, sizeof source, "%s:4", path);
    CHECK(a && a->source && !strcmp(a->source, source));

    a = find_key("k4");
    CHECK(a && bytes_equal(a->body, a->body_size, "crlf", 4));
    snprintf(source, sizeof source, "%s:6", path);
    CHECK(a && a->source && !strcmp(a->source, source));

    a = find_key("k5");
    CHECK(a && a->body_size == 0);

    a = find_key("k6");
    CHECK(a && bytes_equal(a->body, a->body_size, "no newline", 10));
    snprintf(source, sizeof source, "%s:8", path);
    CHECK(a && a->source && !strcmp(a->source, source));
    CHECK_EQ(alias_count, 0);
    free(p);

    /* "aliases": an array of strings, each one more key of the article */
    {
        static const char aliased[] =
            "{\"id\":\"main\",\"text\":\"body\",\"aliases\":[\"other\",\"caf\\u00e9\"]}\n"
            "{\"id\":\"plain\",\"text\":\"x\",\"aliases\":[]}\n";
        forget_recorded();
        p = new_packer();
        CHECK_EQ(add_jsonl_text(p, aliased, sizeof aliased - 1, path, sizeof path), TOME_PACK_OK);
        CHECK_EQ(recorded_count, 2);
        CHECK_EQ(alias_count, 2);
        CHECK(has_alias("other=main"));
        CHECK(has_alias("caf\xC3\xA9=main"));
        free(p);
    }
}

static void test_jsonl_bom_and_empty_file(void)
{
    static const char bom[] = "\xEF\xBB\xBF{\"id\":\"b\",\"text\":\"t\"}\n";
    tome_packer *p = new_packer();
    char path[8192];

    CHECK_EQ(add_jsonl_text(p, bom, sizeof bom - 1, path, sizeof path), TOME_PACK_OK);
    CHECK(recorded_count == 1 && !strcmp(recorded[0].key, "b"));
    free(p);

    p = new_packer();
    CHECK_EQ(add_jsonl_text(p, "", 0, path, sizeof path), TOME_PACK_OK);
    CHECK_EQ(recorded_count, 0);
    free(p);
}

static void test_jsonl_long_line(void)
{
    const size_t body_size = 5u << 20;
    static const char head[] = "{\"id\":\"long\",\"text\":\"", tail[] = "\"}\n";
    size_t size = sizeof head - 1 + body_size + sizeof tail - 1, i;
    char *text = malloc(size), path[8192];
    tome_packer *p = new_packer();
    int body_ok;

    if (!text)
        abort();
    memcpy(text, head, sizeof head - 1);
    for (i = 0; i < body_size; i++)
        text[sizeof head - 1 + i] = (char)('a' + i % 26);
    memcpy(text + sizeof head - 1 + body_size, tail, sizeof tail - 1);
    CHECK_EQ(add_jsonl_text(p, text, size, path, sizeof path), TOME_PACK_OK);
    CHECK_EQ(recorded_count, 1);
    body_ok = recorded_count == 1 &&
              bytes_equal(recorded[0].body, recorded[0].body_size, text + sizeof head - 1, body_size);
    CHECK(body_ok);
    free(text);
    free(p);
}

/* `depth` nested arrays inside the line's object. */
static char *nested_line(int depth)
{
    static const char head[] = "{\"id\":\"d\",\"text\":\"t\",\"n\":", tail[] = "}\n";
    size_t size = sizeof head - 1 + 2 * (size_t)depth + sizeof tail;
    char *line = malloc(size), *at;

    if (!line)
        abort();
    at = line + sprintf(line, "%s", head);
    memset(at, '[', (size_t)depth);
    memset(at + depth, ']', (size_t)depth);
    strcpy(at + 2 * depth, tail);
    return line;
}

static void test_jsonl_depth(void)
{
    tome_packer *p = new_packer();
    char path[8192], *line;

    /* The object plus 255 arrays is exactly the 256 levels allowed. */
    line = nested_line(255);
    CHECK_EQ(add_jsonl_text(p, line, strlen(line), path, sizeof path), TOME_PACK_OK);
    CHECK_EQ(recorded_count, 1);
    free(line);
    free(p);

    p = new_packer();
    line = nested_line(256);
    CHECK_EQ(add_jsonl_text(p, line, strlen(line), path, sizeof path), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, ":1: nesting deeper than 256 levels"));
    free(line);
    free(p);

    p = new_packer();
    line = nested_line(100000);
    CHECK_EQ(add_jsonl_text(p, line, strlen(line), path, sizeof path), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, "nesting deeper"));
    free(line);
    free(p);
}

typedef struct bad_line {
    const char *line; /* written as line 3, after two good lines and a blank */
    const char *reason;
} bad_line;

static const bad_line bad_lines[] = {
    {"{\"text\":\"x\"}", "missing \"id\""},
    {"{\"id\":\"a\"}", "missing \"text\""},
    {"{}", "missing \"id\""},
    {"{\"id\":\"a\",\"text\":5}", "\"text\" must be a string"},
    {"{\"id\":[\"a\"],\"text\":\"x\"}", "\"id\" must be a string"},
    {"{\"id\":\"a\",\"text\":\"x\",\"title\":null}", "\"title\" must be a string"},
    {"{\"id\":\"a\",\"text\":\"x\",\"id\":\"b\"}", "duplicate \"id\""},
    {"{\"id\":\"\",\"text\":\"x\"}", "\"id\" is empty"},
    {"{\"id\":\"a\\u0000b\",\"text\":\"x\"}", "\"id\" contains NUL"},
    {"{\"id\":\"\\ud800\",\"text\":\"x\"}", "lone surrogate \\uD800"},
    {"{\"id\":\"\\udc00x\",\"text\":\"x\"}", "lone surrogate \\uDC00"},
    {"{\"id\":\"a\",\"text\":\"\\ud83d\\u0041\"}", "lone surrogate \\uD83D"},
    {"{\"id\":\"a\",\"text\":\"\\ud83d\"}", "lone surrogate \\uD83D"},
    {"{\"id\":\"a\",\"text\":\"\\u12G4\"}", "invalid \\u escape"},
    {"{\"id\":\"a\",\"text\":\"\\q\"}", "invalid escape \\q"},
    {"{\"id\":\"a\x01\",\"text\":\"x\"}", "raw control character 0x01"},
    {"{\"id\":\"a\",\"text\":\"tab\there\"}", "raw control character 0x09"},
    {"{\"id\":\"a\",\"text\":\"\xC0\x80\"}", "invalid UTF-8"},
    {"{\"id\":\"a\",\"text\":\"\xED\xA0\x80\"}", "invalid UTF-8"},
    {"{\"id\":\"a\",\"text\":\"x\",\"o\":\"\xFF\"}", "invalid UTF-8"},
    {"{\"id\":\"a\",\"text\":\"x\"} x", "unexpected data after the object"},
    {"{\"id\":\"a\",\"text\":\"x\"}{}", "unexpected data after the object"},
    {"{\"id\":\"a\",\"text\":\"x", "unterminated string"},
    {"{\"id\":\"a\",\"text\":\"x\\", "unterminated string"},
    {"{\"id\":\"a\",\"text\":\"x\"", "unexpected end of line; expected ',' or '}'"},
    {"{\"id\" \"a\",\"text\":\"x\"}", "expected ':' after member name"},
    {"{\"id\":\"a\",\"text\":\"x\",}", "expected member name"},
    {"{id:\"a\",\"text\":\"x\"}", "expected member name"},
    {"[\"a\"]", "expected '{'"},
    {"\"just a string\"", "expected '{'"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":01}", "invalid number: leading zero"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":1.}", "invalid number"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":1e+}", "invalid number"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":-}", "invalid number"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":+1}", "expected a value"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":tru}", "expected a value"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":[1,]}", "expected a value"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":[1 2]}", "expected ',' or ']'"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":{\"k\" 1}}", "expected ':' after member name"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":{\"k\":1,}}", "expected member name"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":{\"k\":1]}", "expected ',' or '}'"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":[[1]", "unexpected end of line; expected ',' or ']'"},
    {"{\"id\":\"a\",\"text\":\"x\",\"n\":\"\\x\"}", "invalid escape \\x"},
};

static void test_jsonl_bad_line(const bad_line *bad)
{
    static const char good[] = "{\"id\":\"g1\",\"text\":\"one\"}\n\n";
    char text[512], path[8192], want[8400];
    tome_packer *p = new_packer();
    int n = snprintf(text, sizeof text, "%s%s\n{\"id\":\"after\",\"text\":\"x\"}\n", good, bad->line);

    CHECK_EQ(add_jsonl_text(p, text, (size_t)n, path, sizeof path), TOME_PACK_ERR_INPUT);
    snprintf(want, sizeof want, "%s:3: %s", path, bad->reason);
    if (strncmp(p->message, want, strlen(want)) != 0)
        fprintf(stderr, "line %s\n  message: %s\n  wanted:  %s\n", bad->line, p->message, want);
    CHECK(!strncmp(p->message, want, strlen(want)));
    CHECK_EQ(recorded_count, 1); /* only the good line before it */
    free(p);
}

static void test_jsonl_bad_lines(void)
{
    size_t i;
    for (i = 0; i < sizeof bad_lines / sizeof *bad_lines; i++)
        test_jsonl_bad_line(&bad_lines[i]);
}

static void test_jsonl_raw_nul(void)
{
    static const char text[] = "{\"id\":\"a\",\"text\":\"x\0y\"}\n";
    static const char outside[] = "{\"id\":\"a\",\0\"text\":\"x\"}\n";
    tome_packer *p = new_packer();
    char path[8192];

    CHECK_EQ(add_jsonl_text(p, text, sizeof text - 1, path, sizeof path), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, ":1: raw control character 0x00"));
    free(p);

    p = new_packer();
    CHECK_EQ(add_jsonl_text(p, outside, sizeof outside - 1, path, sizeof path), TOME_PACK_ERR_INPUT);
    CHECK(contains(p->message, ":1: expected member name, found byte 0x00"));
    free(p);
}

static void test_jsonl_io_and_propagation(void)
{
    static const char text[] = "{\"id\":\"a\",\"text\":\"1\"}\n{\"id\":\"b\",\"text\":\"2\"}\n"
                               "{\"id\":\"c\",\"text\":\"3\"}\n";
    tome_packer *p = new_packer();
    char want[8400], path[8192];
    const char *missing = temp_path("missing.jsonl");

    snprintf(want, sizeof want, "%s: %s", missing, strerror(ENOENT));
    CHECK_EQ(tome_pack_add_jsonl(p, missing), TOME_PACK_ERR_IO);
    CHECK(!strcmp(p->message, want));
    free(p);

    p = new_packer();
    CHECK_EQ(tome_pack_add_jsonl(p, temp_root), TOME_PACK_ERR_IO);
    CHECK(contains(p->message, strerror(EISDIR)));
    free(p);

    p = new_packer();
    inject_on_call = 2;
    inject_code = TOME_PACK_ERR_DUPLICATE;
    CHECK_EQ(add_jsonl_text(p, text, sizeof text - 1, path, sizeof path), TOME_PACK_ERR_DUPLICATE);
    CHECK_EQ(add_calls, 2);
    free(p);
}

/* ---- errors ------------------------------------------------------------ */

static void test_error_names(void)
{
    /* pinned: programs may have stored these numbers */
    CHECK_EQ(TOME_PACK_OK, 0);
    CHECK_EQ(TOME_PACK_ERR_ARGUMENT, -101);
    CHECK_EQ(TOME_PACK_ERR_IO, -102);
    CHECK_EQ(TOME_PACK_ERR_INPUT, -103);
    CHECK_EQ(TOME_PACK_ERR_DUPLICATE, -104);
    CHECK_EQ(TOME_PACK_ERR_LIMIT, -105);
    CHECK_EQ(TOME_PACK_ERR_EMPTY, -106);
    CHECK_EQ(TOME_PACK_ERR_MEMORY, -107);
    CHECK_EQ(TOME_PACK_ERR_COMPRESS, -108);
    CHECK_EQ(TOME_PACK_ERR_CHECK, -109);
#define CHECK_NAMED(name, value, text)                                  \
    CHECK(!strcmp(tome_pack_error_name(value), #name));                 \
    CHECK(!strcmp(tome_pack_error_text(value), text) && text[0] != '\0');
    TOME_PACK_ERROR_LIST(CHECK_NAMED)
#undef CHECK_NAMED
    CHECK(!strcmp(tome_pack_error_name(-100), "TOME_PACK_ERR_UNKNOWN"));
    CHECK(!strcmp(tome_pack_error_name(-110), "TOME_PACK_ERR_UNKNOWN"));
    CHECK(!strcmp(tome_pack_error_name(-14), "TOME_PACK_ERR_UNKNOWN")); /* a reader code */
    CHECK(!strcmp(tome_pack_error_text(1), "unknown error"));
}

/* The first failure is the cause; later ones must not hide it. */
static void test_first_message_kept(void)
{
    tome_packer *p = new_packer();
    char want[8192];
    const char *missing = temp_path("no-such-input.jsonl");

    snprintf(want, sizeof want, "%s: %s", missing, strerror(ENOENT));
    CHECK(!strcmp(tome_packer_message(p), ""));
    CHECK_EQ(tome_pack_add_jsonl(p, missing), TOME_PACK_ERR_IO);
    CHECK(!strcmp(tome_packer_message(p), want));
    /* each later failure still answers with its own code */
    CHECK_EQ(tome_pack_add_tree(p, temp_path("no-such-tree")), TOME_PACK_ERR_IO);
    CHECK_EQ(tome_pack_add_jsonl(p, NULL), TOME_PACK_ERR_ARGUMENT);
    CHECK_EQ(tome__pack_fail(p, TOME_PACK_ERR_MEMORY, "out of memory"), TOME_PACK_ERR_MEMORY);
    CHECK(!strcmp(tome_packer_message(p), want));
    CHECK_EQ(p->failed, 1);
    free(p);
    CHECK(!strcmp(tome_packer_message(NULL), ""));
}


/* The default memory budget's view of control groups: the lowest limit on
 * the process's group and those above it, v2 and v1, "max" and v1's huge
 * "no limit" ignored. */
static void test_cgroup_memory_limit(void)
{
    static const char v2[] = "0::/box/job\n";
    static const char v1[] = "12:cpu,cpuacct:/x\n4:memory:/box/job\n0::/\n";
    char list[4096], root[4096];
    CHECK(make_dir("cg") && make_dir("cg/box") && make_dir("cg/box/job"));
    snprintf(list, sizeof list, "%s", temp_path("cg-list"));
    snprintf(root, sizeof root, "%s", temp_path("cg"));
    CHECK(write_file("cg-list", v2, sizeof v2 - 1));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 0); /* no files: no limit */
    CHECK(write_file("cg/box/job/memory.max", "max\n", 4));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 0);
    CHECK(write_file("cg/box/memory.max", "536870912\n", 10));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 536870912u); /* a parent's binds */
    CHECK(write_file("cg/box/job/memory.max", "268435456\n", 10));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 268435456u);
    CHECK_EQ(tome__cgroup_memory_limit(temp_path("no-such-list"), root), 0);
    /* v1: the memory controller's line, under root/memory */
    CHECK(write_file("cg-list", v1, sizeof v1 - 1));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 0);
    CHECK(make_dir("cg/memory") && make_dir("cg/memory/box") && make_dir("cg/memory/box/job"));
    CHECK(write_file("cg/memory/box/job/memory.limit_in_bytes", "9223372036854771712\n", 20));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 0);
    CHECK(write_file("cg/memory/memory.limit_in_bytes", "1073741824\n", 11));
    CHECK_EQ(tome__cgroup_memory_limit(list, root), 1073741824u);
}

int main(void)
{
    make_temp_root();
    test_utf8();
    test_tree_walk();
    test_tree_shard_and_add_path();
    test_tree_single_file();
    test_tree_missing_root();
    test_tree_symlinks();
    test_tree_bad_entries();
    test_tree_limits();
    test_tree_propagates_add_errors();
    test_jsonl_good();
    test_jsonl_bom_and_empty_file();
    test_jsonl_long_line();
    test_jsonl_depth();
    test_jsonl_bad_lines();
    test_jsonl_raw_nul();
    test_jsonl_io_and_propagation();
    test_error_names();
    test_first_message_kept();
    test_cgroup_memory_limit();
    forget_recorded();
    remove_temp_root();
    return check_summary();
}
