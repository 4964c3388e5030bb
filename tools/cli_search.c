/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_search.c - tome search: prefix search over keys, titles and aliases,
 * folded (case and accents ignored) or exact.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char search_usage[] =
    "usage: tome search ARCHIVE QUERY [--exact] [--keys] [--titles] [--aliases]\n"
    "                   [--limit N]\n\n"
    "Print the articles whose key, title or an alias begins with QUERY, one\n"
    "line each: ID, key and title, separated by tabs and escaped as in\n"
    "'tome ls'.  Case and accents are ignored (\"strasse\" finds \"Straße\",\n"
    "\"istanbul\" finds \"İstanbul\"; docs/FORMAT.md, \"Folding\", says exactly\n"
    "how), and matches come in the order of their folded text.  An article\n"
    "matching by several texts is printed once.\n\n"
    "  --exact      the text must begin with QUERY byte for byte\n"
    "  --keys, --titles, --aliases   search only these (combinable; default\n"
    "               all three)\n"
    "  --limit N    print at most N articles\n"
    "  --alone      a volume of a set by itself\n"
    CLI_SET_HELP
    "A set is searched volume by volume: matches in the order of their\n"
    "folded text within each volume, volumes in order.\n";

int cmd_search(int argc, char **argv)
{
    static const struct option longs[] = {{"exact", no_argument, 0, 'e'},
                                          {"keys", no_argument, 0, 'K'},
                                          {"titles", no_argument, 0, 'T'},
                                          {"aliases", no_argument, 0, 'A'},
                                          {"limit", required_argument, 0, 'n'},
                                          {"alone", no_argument, 0, 'a'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    cli_archive a;
    tome_search s;
    tome_match m;
    unsigned char *seen = NULL;
    char *key = NULL, *title = NULL, *end;
    size_t cap;
    uint32_t flags = 0, printed = 0, v = 0;
    unsigned long long limit = 0;
    int c, err, status = EXIT_OK, alone = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'e': flags |= TOME_SEARCH_EXACT; break;
        case 'K': flags |= TOME_SEARCH_KEYS; break;
        case 'T': flags |= TOME_SEARCH_TITLES; break;
        case 'A': flags |= TOME_SEARCH_ALIASES; break;
        case 'a': alone = 1; break;
        case 'n':
            limit = strtoull(optarg, &end, 10);
            if (!optarg[0] || *end || optarg[0] == '-' || limit == 0)
                return cli_usage_error("search", "--limit needs a positive number, not '%s'",
                                       optarg);
            break;
        case 'h': fputs(search_usage, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("search", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("search", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("search", "give an ARCHIVE and a QUERY");
    if (!argv[optind][0])
        return cli_usage_error("search", "the ARCHIVE name is empty");
    if (!(flags & TOME_SEARCH_ALL))
        flags |= TOME_SEARCH_ALL;
    if (cli_open_any(&a, argv[optind], alone))
        return EXIT_FAIL;
    if (a.set && cli_volume(&a, 0) != 0) {
        status = EXIT_FAIL;
        goto out;
    }
    /* a set: buffers for any volume (the longest key the format allows) */
    cap = a.set ? 65536 : 0;
    key = a.set ? malloc(cap) : cli_name_buffer(a.reader, &cap);
    title = malloc(cap);
    /* one bit per article: each is printed once, however many texts match */
    seen = calloc((a.set ? tome_set_count(a.set) : tome_count(a.reader)) / 8u + 1u, 1);
    if (!key || !title || !seen) {
        cli_error("out of memory");
        status = EXIT_FAIL;
        goto out;
    }
    for (;;) {
        err = tome_search_start(a.reader, &s, argv[optind + 1], strlen(argv[optind + 1]), flags);
        if (err == TOME_ERR_ARGUMENT) {
            status = cli_usage_error("search", "the QUERY is not UTF-8, or longer than %u bytes "
                                     "once folded", TOME_QUERY_MAX);
            goto out;
        }
        while (err == TOME_OK && (!limit || printed < limit) &&
               (err = tome_search_next(a.reader, &s, &m)) == TOME_OK) {
            uint32_t id = a.first + m.id; /* global in a set */
            if (seen[id / 8u] & (1u << (id % 8u)))
                continue;
            seen[id / 8u] |= (unsigned char)(1u << (id % 8u));
            if ((err = tome_key(a.reader, m.id, key, cap)) != TOME_OK ||
                (err = tome_title(a.reader, m.id, title, cap)) != TOME_OK)
                break;
            printf("%u\t", id);
            cli_put_escaped(stdout, key, strlen(key));
            putchar('\t');
            cli_put_escaped(stdout, title, strlen(title));
            putchar('\n');
            printed++;
        }
        if (err == TOME_ERR_NOT_FOUND) {
            cli_error("%s: the archive has no search index", a.path);
            status = EXIT_FAIL;
        } else if (err != TOME_OK && err != TOME_DONE) {
            cli_error("%s: %s (%s)", a.path, tome_error_text(err), tome_error_name(err));
            status = EXIT_FAIL;
        }
        if (!a.set || ++v >= a.volumes || (limit && printed >= limit))
            break;
        if (cli_volume(&a, v) != 0) {
            status = EXIT_FAIL;
            break;
        }
    }
out:
    free(seen);
    free(title);
    free(key);
    cli_close(&a);
    return status;
}
