/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tome.c - the tome command: dispatch and shared helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: tome COMMAND [ARGS]\n"
    "\n"
    "  pack INPUT... -o ARCHIVE   pack directories and .jsonl files into an archive\n"
    "  ls [--null] ARCHIVE        list articles: ID, key, size, title (escaped)\n"
    "  cat ARCHIVE KEY|#ID...     write articles to standard output\n"
    "  info ARCHIVE               sizes, ratio, dedup savings, reader memory\n"
    "  verify ARCHIVE             check everything; exit 1 and name what is damaged\n"
    "  extract ARCHIVE -C DIR     write every article back as a file under DIR\n"
    "  search ARCHIVE QUERY       articles whose key, title or alias begins with QUERY\n"
    "                             (case and accents ignored)\n"
    "  plan INPUT... --shards N -o PLAN  plan a set for independent workers\n"
    "  join --plan PLAN -o NAME.tome     the set index of a plan's packed volumes\n"
    "  --version                  library version and the format version it reads\n"
    "\n"
    "'tome COMMAND --help' describes a command.  Exit status: 0 success,\n"
    "1 failure (or damage found), 2 bad usage.\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("tome: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tome %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nrun 'tome %s --help' for usage\n", command);
    return EXIT_USAGE;
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_size(const char *s, uint64_t *bytes)
{
    char *end;
    unsigned long long v;
    uint64_t unit = 1;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (*end == 'K' || *end == 'k')
        unit = 1024;
    else if (*end == 'M' || *end == 'm')
        unit = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        unit = 1024ull * 1024 * 1024;
    if (unit > 1) {
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
            end += strlen(end);
    }
    if (*end || v > UINT64_MAX / unit)
        return -1;
    *bytes = v * unit;
    return 0;
}

int cli_open(cli_archive *a, const char *path)
{
    static const unsigned char empty[1];
    struct stat sb;
    tome_config c;
    int fd, err;
    memset(a, 0, sizeof *a);
    a->path = path;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        cli_error("%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (sb.st_size == 0) {
        cli_error("%s: empty file (0 bytes), not a tome archive", path);
        close(fd);
        return -1;
    }
    a->map_size = (size_t)sb.st_size;
    if (a->map_size > 0) {
        a->map = mmap(NULL, a->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (a->map == MAP_FAILED) {
            cli_error("%s: %s", path, strerror(errno));
            a->map = NULL;
            close(fd);
            return -1;
        }
    }
    close(fd);
    memset(&c, 0, sizeof c);
    c.data = a->map ? a->map : (const void *)empty;
    c.size = a->map_size;
    err = tome_workspace_size(&c, &a->workspace_size);
    if (err == TOME_OK) {
        a->workspace = malloc(a->workspace_size);
        if (!a->workspace) {
            cli_error("%s: out of memory: the reader needs a workspace of %zu bytes", path,
                      a->workspace_size);
            cli_close(a);
            return -1;
        }
        c.workspace = a->workspace;
        c.workspace_size = a->workspace_size;
        err = tome_open(&a->reader, &c);
    }
    if (err != TOME_OK) {
        cli_error("%s: %s (%s)", path, tome_error_text(err), tome_error_name(err));
        cli_close(a);
        return -1;
    }
    return 0;
}

void cli_close(cli_archive *a)
{
    uint32_t v;
    for (v = 0; v < a->volumes; v++) {
        if (a->vol_maps && a->vol_maps[v])
            munmap(a->vol_maps[v], a->vol_sizes[v]);
        if (a->vol_paths)
            free(a->vol_paths[v]);
    }
    free(a->vol_maps);
    free(a->vol_sizes);
    free(a->vol_paths);
    free(a->sources);
    free(a->index_path);
    if (a->map)
        munmap(a->map, a->map_size);
    free(a->workspace);
    memset(a, 0, sizeof *a);
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} commands[] = {
    {"pack", cmd_pack}, {"ls", cmd_ls},           {"cat", cmd_cat},
    {"info", cmd_info}, {"verify", cmd_verify}, {"extract", cmd_extract},
    {"search", cmd_search}, {"plan", cmd_plan}, {"join", cmd_join},
};

int main(int argc, char **argv)
{
    size_t i;
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        /* the library's own versions, whichever libtome this was linked with */
        unsigned format = tome_format_version();
        printf("tome %s (reads format %u.%u)\n", tome_version_string(), format / 100,
               format % 100);
        return EXIT_OK;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            int status = commands[i].run(argc - 1, argv + 1);
            /* output that never arrived is a failure, whatever the command */
            if ((fflush(stdout) != 0 || ferror(stdout)) && status == EXIT_OK) {
                cli_error("writing standard output: %s", strerror(errno));
                status = EXIT_FAIL;
            }
            return status;
        }
    }
    fprintf(stderr, "tome: unknown command '%s'\n%s", argv[1], usage);
    return EXIT_USAGE;
}
