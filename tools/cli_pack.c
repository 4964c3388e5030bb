/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_pack.c - `tome pack`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tome_pack.h"

static const char pack_usage[] =
    "usage: tome pack INPUT... -o ARCHIVE [options]\n"
    "\n"
    "Pack articles into ARCHIVE.  Each INPUT is a directory (every file under it\n"
    "is an article keyed by its relative path), a .jsonl file (one JSON object\n"
    "per line with \"id\", \"text\" and optional \"title\"), or a single file.\n"
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
    "      --no-check          skip re-reading the archive after writing it\n"
    "      --no-cluster        keep key order; do not group near-duplicates\n"
    "  -q, --quiet             no summary line\n";

static void show_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
    (void)user;
    if (total)
        fprintf(stderr, "\rtome pack: %s %llu/%llu ", stage, (unsigned long long)done,
                (unsigned long long)total);
    else if (done)
        fprintf(stderr, "\rtome pack: %s %llu ", stage, (unsigned long long)done);
    else
        fprintf(stderr, "\rtome pack: %s...   ", stage);
    fflush(stderr);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int add_input(tome_packer *p, const char *input)
{
    struct stat sb;
    if (stat(input, &sb) == 0 && S_ISREG(sb.st_mode) &&
        (has_suffix(input, ".jsonl") || has_suffix(input, ".ndjson")))
        return tome_pack_add_jsonl(p, input);
    return tome_pack_add_tree(p, input);
}

static int parse_options(int argc, char **argv, tome_pack_options *o, const char **out,
                         int *quiet)
{
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'},  {"block-size", required_argument, 0, 'b'},
        {"level", required_argument, 0, 'l'},   {"dict", required_argument, 0, 'D'},
        {"dict-size", required_argument, 0, 'S'}, {"threads", required_argument, 0, 'j'},
        {"no-check", no_argument, 0, 'N'},      {"quiet", no_argument, 0, 'q'},
        {"no-cluster", no_argument, 0, 'C'},    {"ram", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c;
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
        case 'R':
            if (cli_parse_size(optarg, &v) || v > SIZE_MAX)
                return cli_usage_error("pack", "bad RAM budget '%s'", optarg);
            o->ram_budget = (size_t)v;
            break;
        case 'q': *quiet = 1; break;
        case 'h': fputs(pack_usage, stdout); exit(EXIT_OK);
        case ':': return cli_usage_error("pack", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("pack", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*out)
        return cli_usage_error("pack", "no output archive: give -o ARCHIVE");
    if (optind >= argc)
        return cli_usage_error("pack", "no input: give a directory or .jsonl file");
    return EXIT_OK;
}

int cmd_pack(int argc, char **argv)
{
    tome_pack_options o;
    tome_pack_stats st;
    tome_packer *p;
    const char *out = NULL;
    int quiet = 0, err = TOME_PACK_OK, status, i;
    tome_pack_options_default(&o);
    if ((status = parse_options(argc, argv, &o, &out, &quiet)) != EXIT_OK)
        return status;
    if (isatty(STDERR_FILENO))
        o.progress = show_progress;
    p = tome_packer_new(&o);
    if (!p) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    for (i = optind; i < argc && err == TOME_PACK_OK; i++)
        err = add_input(p, argv[i]);
    if (err == TOME_PACK_OK)
        err = tome_pack_write(p, out, &st);
    if (o.progress)
        fputs("\r\033[K", stderr);
    if (err != TOME_PACK_OK) {
        cli_error("%s", tome_packer_message(p));
        tome_packer_free(p);
        return EXIT_FAIL;
    }
    if (!quiet)
        printf("%s: %u articles, %u distinct, %llu bytes -> %llu bytes (ratio %.2f), "
               "%u near-duplicate groups, dictionary %u bytes, reader workspace %zu bytes\n",
               out, st.articles, st.bodies, (unsigned long long)st.raw_bytes,
               (unsigned long long)st.archive_bytes,
               st.archive_bytes ? (double)st.raw_bytes / (double)st.archive_bytes : 0.0,
               st.near_duplicate_groups, st.dict_size, st.workspace_memory);
    tome_packer_free(p);
    return EXIT_OK;
}
