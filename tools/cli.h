/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli.h - pieces shared by the tome command's subcommands.
 */
#ifndef TOME_CLI_H
#define TOME_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tome.h"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* An archive opened from a mapped file, with its workspace; or a volume
 * set (cli_set.c), whose `reader` is the volume cli_volume() opened. */
typedef struct cli_archive {
    const char *path;     /* in a set: the index, then the open volume */
    void *map;
    size_t map_size;
    void *workspace;
    size_t workspace_size;
    tome_reader *reader;
    /* a set: NULL for a single archive */
    tome_set *set;
    uint32_t volumes;
    char **vol_paths;     /* beside the index, by the names it records */
    void **vol_maps;
    size_t *vol_sizes;
    tome_source *sources;
    char *index_path;
    uint32_t volume, first; /* the volume `reader` reads, its first ID */
} cli_archive;

/* Open `path`; on failure print "tome: PATH: reason" and return non-zero. */
int cli_open(cli_archive *a, const char *path);
void cli_close(cli_archive *a);

/* Open `path` as cli_open() does, then, unless `alone`, as a volume set
 * when it is one: a set index (metadata tome.volumes), or a volume
 * (tome.set and tome.volume) named NAME.NNN.tome whose index NAME.tome
 * lies beside it.  The volumes are the files the index names, beside it;
 * a missing one is read as empty: cli_volume() names it missing, verify
 * reports it.  Non-zero after a message. */
int cli_open_any(cli_archive *a, const char *path, int alone);

/* Open volume `v` of a set: a->reader, a->path, a->volume, a->first.
 * Non-zero after a message naming the volume. */
int cli_volume(cli_archive *a, uint32_t v);

/* The read commands' paragraph about sets. */
#define CLI_SET_HELP                                                                  \
    "\nARCHIVE may be a volume set (tome pack --volume-size): its index NAME.tome\n" \
    "or any volume NAME.NNN.tome; IDs are then the set's.  --alone reads a\n"     \
    "volume by itself, as the archive it also is.\n"

/* "tome info" of a set (cli_set.c). */
int cli_set_info(cli_archive *a);
/* "tome verify" of a set: prints each damage naming its volume file. */
int cli_set_verify(cli_archive *a);

/* Print "tome: " and the message to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Usage error: print the message and a hint to run --help; returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* True for "-h" and "--help". */
int cli_is_help(const char *arg);

/* Parse "123", "64K", "64KiB", "2M": bytes.  Non-zero on bad syntax. */
int cli_parse_size(const char *s, uint64_t *bytes);

/* Keys and titles in human output (cli_text.c): control characters,
 * backslash and invalid UTF-8 escaped C-style (\t \n \r \\ \xHH).
 * cli_esc() returns a string valid until four more calls. */
int cli_needs_escape(const char *s, size_t n);
void cli_put_escaped(FILE *f, const char *s, size_t n);
const char *cli_esc(const char *s);

/* Temporary files removed when SIGINT, SIGTERM or SIGHUP ends the command
 * (cli_file.c).  `name` is relative to `dirfd` (AT_FDCWD: the current
 * directory). */
void cli_cleanup_install(void);
int cli_cleanup_add(int dirfd, const char *name);
void cli_cleanup_clear(void);
/* And a numbered family: PREFIX, a number in at least three digits, then
 * SUFFIX0 or SUFFIX1, for 0, 1, ... until a number has neither. */
int cli_cleanup_add_numbered(int dirfd, const char *prefix, const char *suffix0,
                             const char *suffix1);
/* And an (empty by then) directory, removed after all of those. */
int cli_cleanup_add_directory(int dirfd, const char *name);

/* Why extract refuses `key` as a path ("it has a '..' component"), or NULL
 * when it is a safe relative path (cli_read.c). */
const char *cli_unsafe_key_reason(const char *key);

/* Buffers sized from the archive's header (cli_article.c): one for a key,
 * title or alias (*cap bytes), one for a piece of an article: the largest
 * article when below 1 MiB, else 1 MiB, so what an archive declares does
 * not decide how much memory a command uses.  NULL when out of memory. */
char *cli_name_buffer(const tome_reader *r, size_t *cap);
void *cli_article_buffer(const tome_reader *r, size_t *cap);

/* Where an article's bytes go: 0, or -1 with errno set. */
typedef int (*cli_sink_fn)(void *user, const void *data, size_t len);

/* cli_emit_article() result when the sink failed (errno set). */
#define CLI_SINK_FAILED 1000

/* Send article `id` to `sink` in pieces of `cap` bytes; *size gets its
 * size.  The reader checks every piece before it is sent. */
int cli_emit_article(tome_reader *r, uint32_t id, void *buf, size_t cap, cli_sink_fn sink,
                     void *user, uint64_t *size);

int cmd_pack(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_join(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_search(int argc, char **argv);

#endif
