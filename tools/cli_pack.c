/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_pack.c - `tome pack`.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
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
    "file reached through a symbolic link, whose real path is inside it, becomes\n"
    "an alias of that path's key, not a copy.\n"
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
    "      --plan FILE         pack the set a plan describes (see tome plan): every\n"
    "                          shard in turn and the set index ARCHIVE, or with\n"
    "                          --shard K only volume K (NAME.012.tome for K 12),\n"
    "                          for a worker; the same INPUTs as the plan's.  Options\n"
    "                          that shape the bytes come from the plan\n"
    "  -q, --quiet             no summary line\n";

static const char plan_usage[] =
    "usage: tome plan INPUT... --shards N -o PLAN [options]\n"
    "\n"
    "Plan a volume set of N shards for packing by independent workers\n"
    "(docs/DISTRIBUTED.md): read the whole input once, train the shared\n"
    "dictionary and cut the key order into N ranges of about equal input\n"
    "bytes.  PLAN (a small tome archive) holds the dictionary, the options that\n"
    "shape the bytes, the metadata and the ranges.  Then each worker runs\n"
    "'tome pack INPUT... --plan PLAN --shard K -o NAME.tome' and one runs\n"
    "'tome join --plan PLAN -o NAME.tome'.  The set has the same bytes however\n"
    "the shards are spread.  Options: those of tome pack that shape bytes\n"
    "(-b, --ram, -l, --dict, --dict-size, --no-cluster, --meta, --meta-file),\n"
    "-j, --memory, -q.\n";

static const char join_usage[] =
    "usage: tome join --plan PLAN -o NAME.tome\n"
    "\n"
    "Write the set index NAME.tome of the volumes NAME.000.tome, ... packed\n"
    "with 'tome pack --plan PLAN --shard K', reading only their headers,\n"
    "metadata and keys.  Refuses a missing volume and one that is not the\n"
    "plan's.\n";

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

/* What a set's volume names have before their number ("NAME." for
 * NAME.tome), by tome_pack_volume_name()'s own rule; -1 when too long. */
static int volume_prefix(const char *set_path, char *buf, size_t cap)
{
    size_t n = tome_pack_volume_name(set_path, 0, buf, cap);
    if (n >= cap || n < sizeof "000.tome" - 1)
        return -1;
    buf[n - (sizeof "000.tome" - 1)] = '\0';
    return 0;
}

/* The same for a set (tome_pack_write_set()): the index's temporary
 * "OUT.tmp-set-PID" and the one tome_pack_write() writes it through, and
 * each volume's, "NAME.NNN.tome.tmp-set-PID" and its own ".tmp-PID-0". */
static void prepare_set_cleanup(const char *out)
{
    char tmp[4160], prefix[4160], s0[64], s1[64];
    long pid = (long)getpid();
    if (snprintf(tmp, sizeof tmp, "%s.tmp-set-%ld", out, pid) < (int)sizeof tmp)
        cli_cleanup_add(AT_FDCWD, tmp);
    if (snprintf(tmp, sizeof tmp, "%s.tmp-set-%ld.tmp-%ld-0", out, pid, pid) < (int)sizeof tmp)
        cli_cleanup_add(AT_FDCWD, tmp);
    snprintf(s0, sizeof s0, ".tome.tmp-set-%ld", pid);
    snprintf(s1, sizeof s1, ".tome.tmp-set-%ld.tmp-%ld-0", pid, pid);
    if (volume_prefix(out, prefix, sizeof prefix) == 0)
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

/* What the command line asks for, besides the packer's options. */
typedef struct pack_args {
    const char *command; /* "pack" or "plan" */
    const char *out;
    int quiet;
    meta_args metas;
    uint64_t volume_size;
    uint32_t shards;     /* plan: --shards */
    const char *plan;    /* pack: --plan */
    long shard;          /* pack: --shard, -1 for every shard and the join */
    const char *shaping; /* the first option given that shapes the bytes */
} pack_args;

/* The name of an option that shapes the archive's bytes, or NULL. */
static const char *shaping_option(int c)
{
    switch (c) {
    case 'b': return "--block-size";
    case 'l': return "--level";
    case 'D': return "--dict";
    case 'S': return "--dict-size";
    case 'C': return "--no-cluster";
    case 'R': return "--ram";
    case 'M': return "--meta";
    case 'F': return "--meta-file";
    case 'V': return "--volume-size";
    default: return NULL;
    }
}

static int parse_options(int argc, char **argv, tome_pack_options *o, pack_args *a)
{
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'},  {"block-size", required_argument, 0, 'b'},
        {"level", required_argument, 0, 'l'},   {"dict", required_argument, 0, 'D'},
        {"dict-size", required_argument, 0, 'S'}, {"threads", required_argument, 0, 'j'},
        {"no-check", no_argument, 0, 'N'},      {"quiet", no_argument, 0, 'q'},
        {"no-cluster", no_argument, 0, 'C'},    {"ram", required_argument, 0, 'R'},
        {"meta", required_argument, 0, 'M'},   {"meta-file", required_argument, 0, 'F'},
        {"memory", required_argument, 0, 'm'}, {"volume-size", required_argument, 0, 'V'},
        {"shards", required_argument, 0, 'n'}, {"plan", required_argument, 0, 'P'},
        {"shard", required_argument, 0, 'k'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *cmd = a->command;
    int c, status;
    uint64_t v;
    char *end;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:b:l:j:qh", longs, NULL)) != -1) {
        if (!a->shaping)
            a->shaping = shaping_option(c);
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'b':
            if (cli_parse_size(optarg, &v) || v < 1 || v > 1u << 30)
                return cli_usage_error(cmd, "bad block size '%s' (1 byte to 1G)", optarg);
            o->block_size = (uint32_t)v;
            break;
        case 'l':
            o->level = (int)strtol(optarg, &end, 10);
            if (*end || o->level < 1 || o->level > 22)
                return cli_usage_error(cmd, "bad level '%s' (1..22)", optarg);
            break;
        case 'D':
            if (strcmp(optarg, "auto") == 0) o->dict = TOME_DICT_AUTO;
            else if (strcmp(optarg, "on") == 0) o->dict = TOME_DICT_ON;
            else if (strcmp(optarg, "off") == 0) o->dict = TOME_DICT_OFF;
            else return cli_usage_error(cmd, "bad --dict '%s' (auto, on or off)", optarg);
            break;
        case 'S':
            if (cli_parse_size(optarg, &v) || v < 256 || v > 1u << 30)
                return cli_usage_error(cmd, "bad dictionary size '%s' (256 to 1G)", optarg);
            o->dict_size = (uint32_t)v;
            break;
        case 'j':
            o->threads = (int)strtol(optarg, &end, 10);
            if (*end || o->threads < 1 || o->threads > 64)
                return cli_usage_error(cmd, "bad thread count '%s' (1..64)", optarg);
            break;
        case 'N': o->check = 0; break;
        case 'C': o->cluster = 0; break;
        case 'm':
            if (cli_parse_size(optarg, &v) || v < (16u << 20))
                return cli_usage_error(cmd, "bad memory budget '%s' (16M or more)", optarg);
            o->memory = v;
            break;
        case 'R':
            if (cli_parse_size(optarg, &v) || v > SIZE_MAX)
                return cli_usage_error(cmd, "bad RAM budget '%s'", optarg);
            o->ram_budget = (size_t)v;
            break;
        case 'M':
        case 'F':
            if ((status = add_meta_arg(&a->metas, c == 'M' ? '=' : '@', optarg)) != EXIT_OK)
                return status;
            break;
        case 'V':
            if (cli_parse_size(optarg, &v) || v < 4096)
                return cli_usage_error(cmd, "bad volume size '%s' (4K or more)", optarg);
            a->volume_size = v;
            break;
        case 'n':
            v = strtoull(optarg, &end, 10);
            if (*end || !isdigit((unsigned char)optarg[0]) || v < 1 || v > 999999)
                return cli_usage_error(cmd, "bad shard count '%s' (1..999999)", optarg);
            a->shards = (uint32_t)v;
            break;
        case 'P': a->plan = optarg; break;
        case 'k':
            v = strtoull(optarg, &end, 10);
            if (*end || !isdigit((unsigned char)optarg[0]) || v > 999998)
                return cli_usage_error(cmd, "bad shard '%s' (a number from 0)", optarg);
            a->shard = (long)v;
            break;
        case 'q': a->quiet = 1; break;
        case 'h': fputs(strcmp(cmd, "plan") == 0 ? plan_usage : pack_usage, stdout); exit(EXIT_OK);
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (strcmp(cmd, "plan") == 0) {
        if (!a->shards)
            return cli_usage_error(cmd, "give the number of shards: --shards N");
        if (a->plan || a->shard >= 0 || a->volume_size)
            return cli_usage_error(cmd, "--plan, --shard and --volume-size are pack's options");
    } else if (a->shards) {
        return cli_usage_error(cmd, "--shards is plan's option (tome plan)");
    } else if (a->shard >= 0 && !a->plan) {
        return cli_usage_error(cmd, "--shard needs the plan: --plan FILE");
    } else if (a->plan && a->volume_size) {
        return cli_usage_error(cmd, "--volume-size does not go with --plan: the plan's shards "
                                    "are the set's volumes (tome plan --shards N)");
    } else if (a->plan && a->shaping) {
        return cli_usage_error(cmd, "%s: the plan sets what shapes the set's bytes; give it to "
                                    "tome plan", a->shaping);
    }
    if (!a->out)
        return cli_usage_error(cmd, "no output: give -o %s", strcmp(cmd, "plan") == 0 ? "PLAN"
                                                                                      : "ARCHIVE");
    if (!*a->out)
        return cli_usage_error(cmd, "the output name (-o) is empty");
    if (optind >= argc)
        return cli_usage_error(cmd, "no input: give a directory or .jsonl file");
    for (c = optind; c < argc; c++)
        if (!argv[c][0])
            return cli_usage_error(cmd, "an INPUT name is empty");
    return EXIT_OK;
}

/* Fail with the packer's message (it may quote a key from the input:
 * escaped like every key). */
static int pack_failed(tome_packer *p)
{
    cli_error("%s", cli_esc(tome_packer_message(p)));
    return EXIT_FAIL;
}

static void print_set_stats(const char *out, const tome_pack_set_stats *ss)
{
    printf("%s: set of %u volumes, %u articles, %llu bytes -> %llu bytes of volumes "
           "(largest %llu) + index %llu bytes (ratio %.2f), dictionary %u bytes, "
           "%u repacks, reader workspace %zu bytes\n",
           out, ss->volumes, ss->articles, (unsigned long long)ss->raw_bytes,
           (unsigned long long)ss->volume_bytes, (unsigned long long)ss->largest_volume,
           (unsigned long long)ss->index_bytes,
           ss->volume_bytes + ss->index_bytes
               ? (double)ss->raw_bytes / (double)(ss->volume_bytes + ss->index_bytes)
               : 0.0,
           ss->dict_size, ss->repacks, ss->workspace_memory);
}

static void print_stats(const char *out, const tome_pack_stats *st)
{
    printf("%s: %u articles, %u distinct, %llu bytes -> %llu bytes (ratio %.2f), "
           "%u near-duplicate groups, dictionary %u bytes, index %llu bytes, "
           "reader workspace %zu bytes\n",
           out, st->articles, st->bodies, (unsigned long long)st->raw_bytes,
           (unsigned long long)st->archive_bytes,
           st->archive_bytes ? (double)st->raw_bytes / (double)st->archive_bytes : 0.0,
           st->near_duplicate_groups, st->dict_size, (unsigned long long)st->index_bytes,
           st->workspace_memory);
}

/* Shard `shard` of the plan into its volume of the set `set_path`
 * (a->out, or the same name in a temporary directory when `alone` is 0:
 * the caller then owns the cleanup, and the stats name a->out's volume);
 * *shards learns the plan's shard count. */
static int pack_shard(const tome_pack_options *o, const pack_args *a, char **inputs, int count,
                      uint32_t shard, uint32_t *shards, const char *set_path, int alone)
{
    tome_packer *p = tome_packer_new(o);
    tome_pack_stats st;
    char name[4160];
    int err = TOME_PACK_OK, i, status = EXIT_OK;
    if (!p) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    if (tome_pack_volume_name(a->out, shard, name, sizeof name) >= sizeof name) {
        tome_packer_free(p);
        cli_error("-o %s: the name is too long", a->out);
        return EXIT_FAIL;
    }
    err = tome_pack_use_plan(p, a->plan, shard);
    for (i = 0; i < count && err == TOME_PACK_OK; i++)
        err = tome_pack_add_path(p, inputs[i]);
    if (err == TOME_PACK_OK) {
        if (alone)
            prepare_cleanup(name);
        err = tome_pack_write_shard(p, set_path, &st);
        if (alone)
            cli_cleanup_clear();
    }
    if (o->progress)
        fputs("\r\033[K", stderr);
    if (err != TOME_PACK_OK)
        status = pack_failed(p);
    else if (!a->quiet)
        print_stats(name, &st);
    *shards = tome_pack_shard_count(p);
    tome_packer_free(p);
    return status;
}

/* The set index of the plan's volumes: `out`, shown as `shown`; `alone`
 * as for pack_shard(). */
static int join_shards(const tome_pack_options *o, const char *plan, const char *out,
                       const char *shown, int quiet, int alone)
{
    tome_packer *p = tome_packer_new(o);
    tome_pack_set_stats ss;
    char tmp[4160];
    int err;
    if (!p) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    if (alone && snprintf(tmp, sizeof tmp, "%s.tmp-join-%ld", out, (long)getpid()) <
                     (int)sizeof tmp) {
        cli_cleanup_add(AT_FDCWD, tmp);
        prepare_cleanup(tmp);
    }
    err = tome_pack_join(p, plan, out, &ss);
    if (alone)
        cli_cleanup_clear();
    if (err != TOME_PACK_OK) {
        err = pack_failed(p);
        tome_packer_free(p);
        return err;
    }
    if (!quiet)
        printf("%s: set of %u volumes, %u articles, %llu bytes of volumes (largest %llu) + "
               "index %llu bytes\n",
               shown, ss.volumes, ss.articles, (unsigned long long)ss.volume_bytes,
               (unsigned long long)ss.largest_volume, (unsigned long long)ss.index_bytes);
    tome_packer_free(p);
    if (alone) /* the whole set is there: its keys, as pack warns of them */
        warn_about_keys(out);
    return EXIT_OK;
}

/* Remove the temporary directory `dir` and what is in it (it made the
 * directory; a symbolic link put in its place is not followed). */
static void remove_temp_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    if (d) {
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    rmdir(dir);
}

/* Block (or, with `old`, restore) the signals whose handler removes the
 * temporary files, around steps it must not cut in two. */
static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* Move the finished set from `tmp_out` (in its temporary directory) to
 * a->out: the volumes, then the index, so the index never names a volume
 * that is not there yet.  Every name is checked first (not the plan, not
 * a directory), so nothing is moved unless all can be; *moved counts what
 * was, when a rename fails part way. */
static int move_set(const pack_args *a, const char *tmp_out, uint32_t shards,
                    const struct stat *plan, uint32_t *moved)
{
    char from[8400], to[8400];
    struct stat sb;
    uint32_t v;
    *moved = 0;
    for (v = 0; v <= shards; v++) { /* shards: the index */
        if (v < shards)
            tome_pack_volume_name(a->out, v, to, sizeof to);
        else
            snprintf(to, sizeof to, "%s", a->out);
        if (lstat(to, &sb) != 0)
            continue;
        if (v < shards && stat(to, &sb) == 0 && sb.st_dev == plan->st_dev &&
            sb.st_ino == plan->st_ino) {
            cli_error("%s is the plan %s: volume %u would replace it; give the set another name",
                      to, a->plan, (unsigned)v);
            return EXIT_FAIL;
        }
        if (S_ISDIR(sb.st_mode)) {
            cli_error("%s is a directory: the set cannot take its name", to);
            return EXIT_FAIL;
        }
    }
    for (v = 0; v <= shards; v++, (*moved)++) {
        if (v < shards) {
            tome_pack_volume_name(tmp_out, v, from, sizeof from);
            tome_pack_volume_name(a->out, v, to, sizeof to);
        } else {
            snprintf(from, sizeof from, "%s", tmp_out);
            snprintf(to, sizeof to, "%s", a->out);
        }
        if (rename(from, to) != 0) {
            cli_error("cannot rename %s to %s: %s", from, to, strerror(errno));
            return EXIT_FAIL;
        }
    }
    return EXIT_OK;
}

/* Every shard in turn, then the join, all into a temporary directory
 * beside the set, moved into place once all is done: a failure part way
 * leaves whatever set had that name as it was. */
static int pack_every_shard(const tome_pack_options *o, const pack_args *a, char **inputs,
                            int count, const struct stat *plan)
{
    char dir[4160], tmp_out[8320], tmp[8400], prefix[8400], s1[64];
    const char *base = strrchr(a->out, '/') ? strrchr(a->out, '/') + 1 : a->out;
    long pid = (long)getpid();
    uint32_t shards = 0, k, moved = 0;
    sigset_t old;
    int status;
    if (snprintf(dir, sizeof dir, "%s.tmp-plan-XXXXXX", a->out) >= (int)sizeof dir) {
        cli_error("-o %s: the name is too long", a->out);
        return EXIT_FAIL;
    }
    /* made and registered for removal with no signal in between */
    block_signals(&old);
    if (!mkdtemp(dir)) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        cli_error("cannot make a temporary directory beside %s: %s", a->out, strerror(errno));
        return EXIT_FAIL;
    }
    snprintf(tmp_out, sizeof tmp_out, "%s/%s", dir, base);
    /* what a signal must remove: volumes (and the files tome_pack_write()
     * writes them through), the index and its own, then the directory */
    snprintf(s1, sizeof s1, ".tome.tmp-%ld-0", pid);
    if (volume_prefix(tmp_out, prefix, sizeof prefix) == 0)
        cli_cleanup_add_numbered(AT_FDCWD, prefix, ".tome", s1);
    cli_cleanup_add(AT_FDCWD, tmp_out);
    snprintf(tmp, sizeof tmp, "%s.tmp-join-%ld", tmp_out, pid);
    cli_cleanup_add(AT_FDCWD, tmp);
    snprintf(tmp, sizeof tmp, "%s.tmp-join-%ld.tmp-%ld-0", tmp_out, pid, pid);
    cli_cleanup_add(AT_FDCWD, tmp);
    cli_cleanup_add_directory(AT_FDCWD, dir);
    cli_cleanup_install();
    sigprocmask(SIG_SETMASK, &old, NULL);
    status = pack_shard(o, a, inputs, count, 0, &shards, tmp_out, 0);
    for (k = 1; k < shards && status == EXIT_OK; k++)
        status = pack_shard(o, a, inputs, count, k, &shards, tmp_out, 0);
    if (status == EXIT_OK)
        status = join_shards(o, a->plan, tmp_out, a->out, a->quiet, 0);
    /* a signal now waits until the set is moved, or left whole */
    block_signals(&old);
    if (status == EXIT_OK)
        status = move_set(a, tmp_out, shards, plan, &moved);
    cli_cleanup_clear();
    if (moved > 0 && status != EXIT_OK)
        cli_error("the new set is moved in part (%u of its %u files); the rest is in %s",
                  (unsigned)moved, (unsigned)shards + 1, dir);
    else
        remove_temp_dir(dir);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (status == EXIT_OK)
        warn_about_keys(a->out);
    return status;
}

/* `tome pack --plan`: one shard, or every shard in turn and the join. */
static int pack_planned(const tome_pack_options *o, const pack_args *a, char **inputs, int count)
{
    uint32_t shards = 0, k;
    struct stat psb, osb;
    if (a->shard >= 0)
        return pack_shard(o, a, inputs, count, (uint32_t)a->shard, &shards, a->out, 1);
    for (k = 0; k < (uint32_t)count; k++) /* each shard reads the input again */
        if (stat(inputs[k], &osb) == 0 &&
            (S_ISFIFO(osb.st_mode) || S_ISCHR(osb.st_mode) || S_ISSOCK(osb.st_mode))) {
            cli_error("%s: a stream is read once, and --plan without --shard reads the input "
                      "once per shard: give a file, or pack each shard with --shard K",
                      inputs[k]);
            return EXIT_FAIL;
        }
    if (stat(a->plan, &psb) != 0) {
        cli_error("%s: %s", a->plan, strerror(errno));
        return EXIT_FAIL;
    }
    if (stat(a->out, &osb) == 0 && psb.st_dev == osb.st_dev && psb.st_ino == osb.st_ino) {
        cli_error("-o %s: is the plan %s; the set index would replace it", a->out, a->plan);
        return EXIT_FAIL;
    }
    return pack_every_shard(o, a, inputs, count, &psb);
}

static int pack_main(int argc, char **argv, const char *command)
{
    tome_pack_options o;
    tome_pack_stats st;
    tome_pack_plan_stats ps;
    tome_packer *p;
    char *temp_dir = NULL;
    pack_args a;
    tome_pack_set_stats ss;
    int err = TOME_PACK_OK, status, i;
    memset(&a, 0, sizeof a);
    a.command = command;
    a.shard = -1;
    tome_pack_options_default(&o);
    if ((status = parse_options(argc, argv, &o, &a)) != EXIT_OK ||
        (status = check_paths(argv + optind, argc - optind, a.out)) != EXIT_OK) {
        free_meta_args(&a.metas);
        return status;
    }
    if (isatty(STDERR_FILENO))
        o.progress = show_progress;
    temp_dir = parent_of(a.out); /* temporary files beside the archive */
    if (!temp_dir) {
        free_meta_args(&a.metas);
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    o.temp_dir = temp_dir;
    if (a.plan) {
        status = pack_planned(&o, &a, argv + optind, argc - optind);
        free(temp_dir);
        return status;
    }
    p = tome_packer_new(&o);
    if (!p) {
        free_meta_args(&a.metas);
        free(temp_dir);
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    status = apply_meta_args(p, &a.metas);
    free_meta_args(&a.metas);
    if (status != EXIT_OK) {
        tome_packer_free(p);
        free(temp_dir);
        return status;
    }
    for (i = optind; i < argc && err == TOME_PACK_OK; i++)
        err = tome_pack_add_path(p, argv[i]);
    if (err == TOME_PACK_OK) {
        if (a.volume_size) {
            prepare_set_cleanup(a.out);
            err = tome_pack_write_set(p, a.out, a.volume_size, &ss);
        } else {
            prepare_cleanup(a.out);
            err = a.shards ? tome_pack_write_plan(p, a.out, a.shards, &ps)
                           : tome_pack_write(p, a.out, &st);
        }
        cli_cleanup_clear();
    }
    if (o.progress)
        fputs("\r\033[K", stderr);
    if (err != TOME_PACK_OK) {
        status = pack_failed(p);
        tome_packer_free(p);
        free(temp_dir);
        return status;
    }
    if (!a.quiet && a.volume_size)
        print_set_stats(a.out, &ss);
    else if (!a.quiet && a.shards)
        printf("%s: plan of %u shards for %u articles and %u aliases (%llu bytes), set %s, "
               "dictionary %u bytes, plan %llu bytes\n",
               a.out, ps.shards, ps.articles, ps.aliases, (unsigned long long)ps.raw_bytes,
               ps.set_id, ps.dict_size, (unsigned long long)ps.plan_bytes);
    else if (!a.quiet)
        print_stats(a.out, &st);
    tome_packer_free(p);
    free(temp_dir);
    if (!a.shards)
        warn_about_keys(a.out);
    else if (ps.dict_size && ps.raw_bytes / ps.shards < (uint64_t)ps.dict_size * 16)
        cli_error("warning: %u shards of about %llu bytes of input each, and every volume "
                  "carries the %u-byte dictionary: fewer shards make a smaller set",
                  ps.shards, (unsigned long long)(ps.raw_bytes / ps.shards), ps.dict_size);
    return EXIT_OK;
}

int cmd_pack(int argc, char **argv)
{
    return pack_main(argc, argv, "pack");
}

int cmd_plan(int argc, char **argv)
{
    return pack_main(argc, argv, "plan");
}

int cmd_join(int argc, char **argv)
{
    static const struct option longs[] = {{"output", required_argument, 0, 'o'},
                                          {"plan", required_argument, 0, 'P'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    const char *out = NULL, *plan = NULL;
    tome_pack_options o;
    int c, quiet = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'P': plan = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(join_usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("join", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("join", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!plan)
        return cli_usage_error("join", "give the plan: --plan FILE");
    if (!out || !*out)
        return cli_usage_error("join", "give the set index to write: -o NAME.tome");
    if (optind < argc)
        return cli_usage_error("join", "unexpected argument '%s'", argv[optind]);
    if (check_paths(NULL, 0, out) != EXIT_OK) /* a directory, a missing one */
        return EXIT_FAIL;
    tome_pack_options_default(&o);
    return join_shards(&o, plan, out, out, quiet, 1);
}
