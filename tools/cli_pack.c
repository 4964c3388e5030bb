/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_pack.c - `tome pack`.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tome_pack.h"

static const char pack_usage[] =
    "usage: tome pack INPUT... -o ARCHIVE [options]\n"
    "\n"
    "Pack articles into ARCHIVE.  Each INPUT is a directory (every file under it\n"
    "is an article keyed by its relative path), a .jsonl file (one JSON object\n"
    "per line with \"id\", \"text\", optional \"title\" and \"aliases\" (an array\n"
    "of strings: more keys for the article); also a FIFO or\n"
    "/dev/stdin), or a single file.  The archive may not be an input, nor lie\n"
    "inside an input directory.  Pack warns about keys that extract refuses\n"
    "('..', absolute, ...) and keys with control characters.  In a directory, a\n"
    "symbolic link to a file inside it becomes an alias of that file's key.\n"
    "Identical articles are stored once.  The same inputs and options always\n"
    "give a byte-identical archive.\n"
    "\n"
    "  -o, --output ARCHIVE    archive to write (replaced only when complete)\n"
    "  -b, --block-size SIZE   target block size (default 64K)\n"
    "      --ram SIZE          reader RAM budget: the largest block size whose\n"
    "                          reader workspace (memory mode) fits it\n"
    "  -l, --level N           zstd level 1..22 (default 19)\n"
    "      --dict auto|on|off  shared dictionary (default auto: kept if it pays)\n"
    "      --dict-size SIZE    dictionary capacity (default 256K)\n"
    "  -j, --threads N         compression threads (default: all cores)\n"
    "      --memory SIZE       memory to stay under (default 1G, or the machine's\n"
    "                          RAM when less); the rest goes to temporary files\n"
    "                          beside ARCHIVE, removed however pack ends.  The\n"
    "                          archive is the same whatever the budget\n"
    "      --volume-size SIZE  write a volume set: volumes NAME.000.tome,\n"
    "                          NAME.001.tome, ... of at most SIZE bytes each\n"
    "                          (4K or more), each a complete archive, and the\n"
    "                          set index ARCHIVE (NAME.tome); the dictionary is\n"
    "                          capped at SIZE/16\n"
    "      --no-check          skip re-reading the archive after writing it\n"
    "      --no-cluster        keep key order; do not group near-duplicates\n"
    "      --meta NAME=VALUE   metadata about the archive (repeatable): title,\n"
    "                          description, language, date, creator, license...\n"
    "      --meta-file FILE    metadata from FILE, one NAME=VALUE a line\n"
    "  -q, --quiet             no summary line\n";

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One line on the terminal, rewritten: the phase, its counts, and for a
 * phase with a known total the time left at the rate so far. */
static void show_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
    static const char *current;
    static double started;
    double now = seconds_now();
    (void)user;
    if (stage != current && (!current || strcmp(stage, current) != 0)) {
        current = stage;
        started = now;
    }
    fputs("\r\033[K", stderr);
    if (total) {
        fprintf(stderr, "tome pack: %s %llu/%llu", stage, (unsigned long long)done,
                (unsigned long long)total);
        if (done > 0 && done < total && now - started >= 2.0) {
            double left = (now - started) * (double)(total - done) / (double)done;
            if (left >= 60)
                fprintf(stderr, ", about %.0f min %02.0f s left", (double)(long)(left / 60),
                        left - 60.0 * (double)(long)(left / 60));
            else
                fprintf(stderr, ", about %.0f s left", left);
        }
    } else if (done) {
        fprintf(stderr, "tome pack: %s %llu", stage, (unsigned long long)done);
    } else {
        fprintf(stderr, "tome pack: %s...", stage);
    }
    fflush(stderr);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Is this input JSON Lines?  A regular file named *.jsonl or *.ndjson, and
 * anything that can only be read as a stream: a FIFO, a terminal, a pipe as
 * /dev/stdin. */
static int is_jsonl(const char *input, const struct stat *sb)
{
    if (S_ISFIFO(sb->st_mode) || S_ISCHR(sb->st_mode) || S_ISSOCK(sb->st_mode))
        return 1;
    return S_ISREG(sb->st_mode) && (has_suffix(input, ".jsonl") || has_suffix(input, ".ndjson"));
}

static int add_input(tome_packer *p, const char *input)
{
    struct stat sb;
    if (stat(input, &sb) == 0 && is_jsonl(input, &sb))
        return tome_pack_add_jsonl(p, input);
    return tome_pack_add_tree(p, input);
}

/* The directory part of `path` ("." when none), in a new string. */
static char *parent_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash)
        return strdup(".");
    while (slash > path && slash[-1] == '/')
        slash--;
    if (slash == path)
        return strdup("/");
    dir = malloc((size_t)(slash - path) + 1);
    if (dir) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    return dir;
}

/* Is `inner` (a resolved path) `outer` or beneath it? */
static int is_within(const char *inner, const char *outer)
{
    size_t n = strlen(outer);
    if (strcmp(outer, "/") == 0)
        return 1;
    return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

/* Everything that can be known about the inputs and the output before any
 * work: each input exists, the output's directory exists, the output is
 * not a directory, not one of the inputs (same file, also by another name)
 * and not inside an input directory.  0, or an exit status after a
 * message. */
static int check_paths(char **inputs, int count, const char *out)
{
    struct stat osb, isb, dsb;
    char *dir = parent_of(out), *real_dir = NULL;
    int i, out_exists, status = EXIT_OK;
    if (!dir) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    out_exists = stat(out, &osb) == 0;
    if (out_exists && S_ISDIR(osb.st_mode)) {
        cli_error("-o %s: is a directory; give the archive's file name", out);
        status = EXIT_FAIL;
    } else if (stat(dir, &dsb) != 0) {
        cli_error("-o %s: directory %s: %s", out, dir, strerror(errno));
        status = EXIT_FAIL;
    } else if (!S_ISDIR(dsb.st_mode)) {
        cli_error("-o %s: %s is not a directory", out, dir);
        status = EXIT_FAIL;
    } else if (!(real_dir = realpath(dir, NULL))) {
        cli_error("-o %s: %s: %s", out, dir, strerror(errno));
        status = EXIT_FAIL;
    }
    for (i = 0; i < count && status == EXIT_OK; i++) {
        if (stat(inputs[i], &isb) != 0) {
            cli_error("%s: %s", inputs[i], strerror(errno));
            status = EXIT_FAIL;
        } else if (out_exists && isb.st_dev == osb.st_dev && isb.st_ino == osb.st_ino) {
            cli_error("-o %s: is the input %s; packing would destroy it", out, inputs[i]);
            status = EXIT_FAIL;
        } else if (S_ISDIR(isb.st_mode)) {
            char *real_in = realpath(inputs[i], NULL);
            if (real_in && is_within(real_dir, real_in)) {
                cli_error("-o %s: lies inside the input directory %s; the archive would "
                          "become one of its own articles", out, inputs[i]);
                status = EXIT_FAIL;
            }
            free(real_in);
        }
    }
    free(real_dir);
    free(dir);
    return status;
}

/* Prepare, for the signal handler, the names tome_pack_write() gives its
 * temporary file ("OUT.tmp-PID-N", the first N free): those free now. */
static void prepare_cleanup(const char *out)
{
    char tmp[4160];
    unsigned n, added = 0;
    struct stat sb;
    for (n = 0; n < 100 && added < 4; n++) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%u", out, (long)getpid(), n) >=
            (int)sizeof tmp)
            return;
        if (lstat(tmp, &sb) != 0 && errno == ENOENT && cli_cleanup_add(AT_FDCWD, tmp) == 0)
            added++;
    }
    cli_cleanup_install();
}

/* The same for a set (tome_pack_write_set()): the index's temporary
 * "OUT.tmp-set-PID" and the one tome_pack_write() writes it through, and
 * each volume's, "NAME.NNN.tome.tmp-set-PID" and its own ".tmp-PID-0". */
static void prepare_set_cleanup(const char *out)
{
    char tmp[4160], prefix[4160], s0[64], s1[64];
    size_t len = strlen(out), cut = len;
    long pid = (long)getpid();
    if (len > 5 && strcmp(out + len - 5, ".tome") == 0)
        cut = len - 5;
    if (snprintf(tmp, sizeof tmp, "%s.tmp-set-%ld", out, pid) < (int)sizeof tmp)
        cli_cleanup_add(AT_FDCWD, tmp);
    if (snprintf(tmp, sizeof tmp, "%s.tmp-set-%ld.tmp-%ld-0", out, pid, pid) < (int)sizeof tmp)
        cli_cleanup_add(AT_FDCWD, tmp);
    snprintf(s0, sizeof s0, ".tome.tmp-set-%ld", pid);
    snprintf(s1, sizeof s1, ".tome.tmp-set-%ld.tmp-%ld-0", pid, pid);
    if (snprintf(prefix, sizeof prefix, "%.*s.", (int)cut, out) < (int)sizeof prefix)
        cli_cleanup_add_numbered(AT_FDCWD, prefix, s0, s1);
    cli_cleanup_install();
}

/* Keys that extract will refuse, or that print escaped: said once, after a
 * pack.  They are valid keys, so the archive is kept. */
static void warn_about_keys(const char *out)
{
    cli_archive a;
    tome_archive_info info;
    char *key, *prefix;
    size_t cap;
    uint32_t id, other, count;
    /* a set: every key of every volume, prefixes looked up over the set */
    if (cli_open_any(&a, out, 0))
        return;
    if (a.set) {
        cap = 65536; /* the longest key the format allows, and its NUL */
        count = tome_set_count(a.set);
    } else {
        tome_info(a.reader, &info);
        cap = (size_t)info.key_size_max + 1;
        count = tome_count(a.reader);
    }
    key = malloc(cap);
    prefix = malloc(cap);
    for (id = 0; key && prefix && id < count; id++) {
        const char *why;
        char *slash;
        if ((a.set ? tome_set_key(a.set, id, key, cap) : tome_key(a.reader, id, key, cap)) !=
            TOME_OK)
            break;
        if (cli_needs_escape(key, strlen(key)))
            cli_error("warning: key \"%s\" has control characters (or backslashes); "
                      "ls, verify and extract show it escaped", cli_esc(key));
        if ((why = cli_unsafe_key_reason(key)) != NULL) {
            cli_error("warning: key \"%s\" cannot be extracted to a file: %s", cli_esc(key), why);
            continue;
        }
        /* "a" and "a/b": a path cannot be a file and a directory */
        strcpy(prefix, key);
        for (slash = strchr(prefix, '/'); slash; slash = strchr(slash + 1, '/')) {
            *slash = '\0';
            if ((a.set ? tome_set_find(a.set, prefix, strlen(prefix), &other)
                       : tome_find(a.reader, prefix, strlen(prefix), &other)) == TOME_OK)
                cli_error("warning: keys \"%s\" and \"%s\" cannot both be extracted: \"%s\" "
                          "would be a file and a directory", cli_esc(prefix), cli_esc(key),
                          cli_esc(prefix));
            *slash = '/';
        }
    }
    free(key);
    free(prefix);
    cli_close(&a);
}

/* --meta and --meta-file, in the order given: applied once the packer
 * exists. */
typedef struct meta_args {
    char **items; /* "=NAME=VALUE" for --meta, "@FILE" for --meta-file */
    int count;
} meta_args;

static int add_meta_arg(meta_args *m, char kind, const char *arg)
{
    char **grown, *item;
    /* the syntax of --meta is usage: checked before anything is read */
    if (kind == '=' && (arg[0] == '=' || !strchr(arg, '=')))
        return cli_usage_error("pack", "--meta needs NAME=VALUE with a non-empty NAME, not '%s'",
                               cli_esc(arg));
    grown = realloc(m->items, (size_t)(m->count + 1) * sizeof *grown);
    item = malloc(strlen(arg) + 2);
    if (!grown || !item) {
        free(item);
        if (grown)
            m->items = grown;
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    item[0] = kind;
    strcpy(item + 1, arg);
    m->items = grown;
    m->items[m->count++] = item;
    return EXIT_OK;
}

static void free_meta_args(meta_args *m)
{
    int i;
    for (i = 0; i < m->count; i++)
        free(m->items[i]);
    free(m->items);
}

/* One NAME=VALUE pair; `where` names it in messages. */
static int apply_meta_pair(tome_packer *p, char *pair, const char *where)
{
    char *eq = strchr(pair, '=');
    int err;
    if (!eq || eq == pair) {
        cli_error("%s: metadata must be NAME=VALUE with a non-empty NAME, not '%s'", where,
                  cli_esc(pair));
        return EXIT_FAIL;
    }
    *eq = '\0';
    err = tome_pack_meta(p, pair, eq + 1);
    *eq = '=';
    if (err != TOME_PACK_OK) {
        cli_error("%s: %s", where, cli_esc(tome_packer_message(p)));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* Each line NAME=VALUE; blank lines are skipped. */
static int apply_meta_file(tome_packer *p, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, where[64 + PATH_MAX];
    size_t cap = 0;
    unsigned long number = 0;
    ssize_t got;
    int status = EXIT_OK;
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return EXIT_FAIL;
    }
    while (status == EXIT_OK && (got = getline(&line, &cap, f)) >= 0) {
        number++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0)
            continue;
        if ((size_t)got != strlen(line)) {
            cli_error("%s:%lu: a NUL byte in the line", path, number);
            status = EXIT_FAIL;
            break;
        }
        snprintf(where, sizeof where, "%s:%lu", path, number);
        status = apply_meta_pair(p, line, where);
    }
    if (status == EXIT_OK && ferror(f)) {
        cli_error("%s: %s", path, strerror(errno));
        status = EXIT_FAIL;
    }
    free(line);
    fclose(f);
    return status;
}

static int apply_meta_args(tome_packer *p, const meta_args *m)
{
    int i, status = EXIT_OK;
    for (i = 0; i < m->count && status == EXIT_OK; i++)
        status = m->items[i][0] == '=' ? apply_meta_pair(p, m->items[i] + 1, "--meta")
                                      : apply_meta_file(p, m->items[i] + 1);
    return status;
}

static int parse_options(int argc, char **argv, tome_pack_options *o, const char **out,
                         int *quiet, meta_args *metas, uint64_t *volume_size)
{
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'},  {"block-size", required_argument, 0, 'b'},
        {"level", required_argument, 0, 'l'},   {"dict", required_argument, 0, 'D'},
        {"dict-size", required_argument, 0, 'S'}, {"threads", required_argument, 0, 'j'},
        {"no-check", no_argument, 0, 'N'},      {"quiet", no_argument, 0, 'q'},
        {"no-cluster", no_argument, 0, 'C'},    {"ram", required_argument, 0, 'R'},
        {"meta", required_argument, 0, 'M'},   {"meta-file", required_argument, 0, 'F'},
        {"memory", required_argument, 0, 'm'}, {"volume-size", required_argument, 0, 'V'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c, status;
    uint64_t v;
    char *end;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:b:l:j:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': *out = optarg; break;
        case 'b':
            if (cli_parse_size(optarg, &v) || v < 1 || v > 1u << 30)
                return cli_usage_error("pack", "bad block size '%s' (1 byte to 1G)", optarg);
            o->block_size = (uint32_t)v;
            break;
        case 'l':
            o->level = (int)strtol(optarg, &end, 10);
            if (*end || o->level < 1 || o->level > 22)
                return cli_usage_error("pack", "bad level '%s' (1..22)", optarg);
            break;
        case 'D':
            if (strcmp(optarg, "auto") == 0) o->dict = TOME_DICT_AUTO;
            else if (strcmp(optarg, "on") == 0) o->dict = TOME_DICT_ON;
            else if (strcmp(optarg, "off") == 0) o->dict = TOME_DICT_OFF;
            else return cli_usage_error("pack", "bad --dict '%s' (auto, on or off)", optarg);
            break;
        case 'S':
            if (cli_parse_size(optarg, &v) || v < 256 || v > 1u << 30)
                return cli_usage_error("pack", "bad dictionary size '%s' (256 to 1G)", optarg);
            o->dict_size = (uint32_t)v;
            break;
        case 'j':
            o->threads = (int)strtol(optarg, &end, 10);
            if (*end || o->threads < 1 || o->threads > 64)
                return cli_usage_error("pack", "bad thread count '%s' (1..64)", optarg);
            break;
        case 'N': o->check = 0; break;
        case 'C': o->cluster = 0; break;
        case 'm':
            if (cli_parse_size(optarg, &v) || v < (16u << 20))
                return cli_usage_error("pack", "bad memory budget '%s' (16M or more)", optarg);
            o->memory = v;
            break;
        case 'R':
            if (cli_parse_size(optarg, &v) || v > SIZE_MAX)
                return cli_usage_error("pack", "bad RAM budget '%s'", optarg);
            o->ram_budget = (size_t)v;
            break;
        case 'M':
        case 'F':
            if ((status = add_meta_arg(metas, c == 'M' ? '=' : '@', optarg)) != EXIT_OK)
                return status;
            break;
        case 'V':
            if (cli_parse_size(optarg, &v) || v < 4096)
                return cli_usage_error("pack", "bad volume size '%s' (4K or more)", optarg);
            *volume_size = v;
            break;
        case 'q': *quiet = 1; break;
        case 'h': fputs(pack_usage, stdout); exit(EXIT_OK);
        case ':': return cli_usage_error("pack", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("pack", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*out)
        return cli_usage_error("pack", "no output archive: give -o ARCHIVE");
    if (!**out)
        return cli_usage_error("pack", "the output name (-o) is empty");
    if (optind >= argc)
        return cli_usage_error("pack", "no input: give a directory or .jsonl file");
    for (c = optind; c < argc; c++)
        if (!argv[c][0])
            return cli_usage_error("pack", "an INPUT name is empty");
    return EXIT_OK;
}

int cmd_pack(int argc, char **argv)
{
    tome_pack_options o;
    tome_pack_stats st;
    tome_packer *p;
    const char *out = NULL;
    char *temp_dir = NULL;
    meta_args metas = {NULL, 0};
    tome_pack_set_stats ss;
    uint64_t volume_size = 0;
    int quiet = 0, err = TOME_PACK_OK, status, i;
    tome_pack_options_default(&o);
    if ((status = parse_options(argc, argv, &o, &out, &quiet, &metas, &volume_size)) != EXIT_OK ||
        (status = check_paths(argv + optind, argc - optind, out)) != EXIT_OK) {
        free_meta_args(&metas);
        return status;
    }
    if (isatty(STDERR_FILENO))
        o.progress = show_progress;
    temp_dir = parent_of(out); /* temporary files beside the archive */
    if (!temp_dir) {
        free_meta_args(&metas);
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    o.temp_dir = temp_dir;
    p = tome_packer_new(&o);
    if (!p) {
        free_meta_args(&metas);
        free(temp_dir);
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    status = apply_meta_args(p, &metas);
    free_meta_args(&metas);
    if (status != EXIT_OK) {
        tome_packer_free(p);
        free(temp_dir);
        return status;
    }
    for (i = optind; i < argc && err == TOME_PACK_OK; i++)
        err = add_input(p, argv[i]);
    if (err == TOME_PACK_OK) {
        if (volume_size) {
            prepare_set_cleanup(out);
            err = tome_pack_write_set(p, out, volume_size, &ss);
            cli_cleanup_clear();
        } else {
            prepare_cleanup(out);
            err = tome_pack_write(p, out, &st);
            cli_cleanup_clear();
        }
    }
    if (o.progress)
        fputs("\r\033[K", stderr);
    if (err != TOME_PACK_OK) {
        /* the message may quote a key from the input: escaped like every key */
        cli_error("%s", cli_esc(tome_packer_message(p)));
        tome_packer_free(p);
        free(temp_dir);
        return EXIT_FAIL;
    }
    if (!quiet && volume_size)
        printf("%s: set of %u volumes, %u articles, %llu bytes -> %llu bytes of volumes "
               "(largest %llu) + index %llu bytes (ratio %.2f), dictionary %u bytes, "
               "%u repacks, reader workspace %zu bytes\n",
               out, ss.volumes, ss.articles, (unsigned long long)ss.raw_bytes,
               (unsigned long long)ss.volume_bytes, (unsigned long long)ss.largest_volume,
               (unsigned long long)ss.index_bytes,
               ss.volume_bytes + ss.index_bytes
                   ? (double)ss.raw_bytes / (double)(ss.volume_bytes + ss.index_bytes)
                   : 0.0,
               ss.dict_size, ss.repacks, ss.workspace_memory);
    else if (!quiet)
        printf("%s: %u articles, %u distinct, %llu bytes -> %llu bytes (ratio %.2f), "
               "%u near-duplicate groups, dictionary %u bytes, index %llu bytes, "
               "reader workspace %zu bytes\n",
               out, st.articles, st.bodies, (unsigned long long)st.raw_bytes,
               (unsigned long long)st.archive_bytes,
               st.archive_bytes ? (double)st.raw_bytes / (double)st.archive_bytes : 0.0,
               st.near_duplicate_groups, st.dict_size, (unsigned long long)st.index_bytes,
               st.workspace_memory);
    tome_packer_free(p);
    free(temp_dir);
    warn_about_keys(out);
    return EXIT_OK;
}
