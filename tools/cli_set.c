/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli_set.c - volume sets for the read commands: recognising a set by its
 * index or by one of its volumes, opening it with every volume mapped, and
 * the set's own info and verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int has_meta(tome_reader *r, const char *name)
{
    char value[32];
    size_t n;
    int err = tome_meta_get(r, name, strlen(name), value, sizeof value, &n);
    return err == TOME_OK || err == TOME_ERR_BUFFER;
}

/* "DIR/NAME.007.tome" -> "DIR/NAME.tome", or NULL when it is not so named. */
static char *index_beside(const char *volume)
{
    size_t len = strlen(volume), digits = 0, at;
    char *out;
    if (len < 5 || strcmp(volume + len - 5, ".tome") != 0)
        return NULL;
    at = len - 5;
    while (at > 0 && volume[at - 1] >= '0' && volume[at - 1] <= '9') {
        at--;
        digits++;
    }
    if (digits < 3 || at < 2 || volume[at - 1] != '.')
        return NULL;
    at--;
    if (!(out = malloc(at + 6)))
        return NULL;
    memcpy(out, volume, at);
    memcpy(out + at, ".tome", 6);
    return out;
}

/* Map a volume file; 0, or -1 with errno (ENOENT: missing). */
static int map_file(const char *path, void **map, size_t *size)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;
    *map = NULL;
    *size = 0;
    if (fd < 0)
        return -1;
    e = fstat(fd, &sb) != 0 ? errno : !S_ISREG(sb.st_mode) ? EINVAL : 0;
    if (e) { /* not a regular file: EINVAL */
        close(fd);
        errno = e;
        return -1;
    }
    *size = (size_t)sb.st_size;
    if (*size > 0) {
        *map = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (*map == MAP_FAILED) {
            e = errno;
            *map = NULL;
            close(fd);
            errno = e;
            return -1;
        }
    }
    close(fd);
    return 0;
}

/* The volumes' names from the index opened alone, their files mapped. */
static int map_volumes(cli_archive *a)
{
    static const unsigned char empty[1];
    tome_set_config c;
    tome_set *s;
    void *ws;
    size_t need = 0, dir;
    const char *slash = strrchr(a->index_path, '/');
    uint32_t v;
    int err;
    memset(&c, 0, sizeof c);
    c.index.data = a->map;
    c.index.size = a->map_size;
    if ((err = tome_set_workspace_size(&c, &need)) != TOME_OK || !(ws = malloc(need))) {
        cli_error("%s: %s", a->index_path, err ? tome_error_text(err) : "out of memory");
        return -1;
    }
    c.workspace = ws;
    c.workspace_size = need;
    if ((err = tome_set_open(&s, &c)) != TOME_OK) {
        cli_error("%s: not a usable set index: %s (%s)", a->index_path, tome_error_text(err),
                  tome_error_name(err));
        free(ws);
        return -1;
    }
    a->volumes = tome_set_volume_count(s);
    a->vol_paths = calloc(a->volumes, sizeof *a->vol_paths);
    a->vol_maps = calloc(a->volumes, sizeof *a->vol_maps);
    a->vol_sizes = calloc(a->volumes, sizeof *a->vol_sizes);
    a->sources = calloc(a->volumes, sizeof *a->sources);
    if (!a->vol_paths || !a->vol_maps || !a->vol_sizes || !a->sources) {
        free(ws);
        a->volumes = 0;
        cli_error("out of memory");
        return -1;
    }
    dir = slash ? (size_t)(slash - a->index_path) + 1 : 0;
    for (v = 0; v < a->volumes; v++) {
        tome_set_volume info;
        if ((err = tome_set_volume_info(s, v, &info)) != TOME_OK) {
            cli_error("%s: volume %u: %s", a->index_path, v, tome_error_text(err));
            free(ws);
            return -1;
        }
        if (!(a->vol_paths[v] = malloc(dir + strlen(info.name) + 1))) {
            free(ws);
            cli_error("out of memory");
            return -1;
        }
        memcpy(a->vol_paths[v], a->index_path, dir);
        strcpy(a->vol_paths[v] + dir, info.name);
        if (map_file(a->vol_paths[v], &a->vol_maps[v], &a->vol_sizes[v]) != 0) {
            if (errno != ENOENT) {
                cli_error("%s: volume %u of set %s: %s", a->vol_paths[v], v, a->index_path,
                          strerror(errno));
                free(ws);
                return -1;
            }
            a->vol_sizes[v] = 0; /* missing: read as empty, named when used */
        }
        a->sources[v].data = a->vol_maps[v] ? a->vol_maps[v] : (const void *)empty;
        a->sources[v].size = a->vol_sizes[v];
    }
    free(ws);
    return 0;
}

int cli_open_any(cli_archive *a, const char *path, int alone)
{
    tome_set_config c;
    int err;
    if (cli_open(a, path))
        return -1;
    if (alone)
        return 0;
    if (!has_meta(a->reader, "tome.volumes")) {
        char *index;
        if (!has_meta(a->reader, "tome.set") || !has_meta(a->reader, "tome.volume"))
            return 0; /* a single archive */
        if (!(index = index_beside(path))) {
            cli_error("%s: a volume of a set, but not named NAME.NNN.tome: its index cannot "
                      "be found (--alone reads the volume by itself)", path);
            cli_close(a);
            return -1;
        }
        cli_close(a);
        if (access(index, F_OK) != 0) {
            cli_error("%s: a volume of a set whose index %s is missing (--alone reads the "
                      "volume by itself)", path, index);
            free(index);
            return -1;
        }
        if (cli_open(a, index)) {
            free(index);
            return -1;
        }
        a->index_path = index;
        if (!has_meta(a->reader, "tome.volumes")) {
            cli_error("%s: not a set index (beside the volume %s)", index, path);
            cli_close(a);
            return -1;
        }
    } else if (!(a->index_path = strdup(path))) {
        cli_error("out of memory");
        cli_close(a);
        return -1;
    }
    a->path = a->index_path;
    /* the index was opened as an archive: its workspace now goes to the set */
    free(a->workspace);
    a->workspace = NULL;
    a->reader = NULL;
    if (map_volumes(a) != 0) {
        cli_close(a);
        return -1;
    }
    memset(&c, 0, sizeof c);
    c.index.data = a->map;
    c.index.size = a->map_size;
    c.volumes = a->sources;
    c.volume_count = a->volumes;
    err = tome_set_workspace_size(&c, &a->workspace_size);
    if (err == TOME_OK && !(a->workspace = malloc(a->workspace_size)))
        err = TOME_ERR_WORKSPACE;
    c.workspace = a->workspace;
    c.workspace_size = a->workspace_size;
    if (err == TOME_OK)
        err = tome_set_open(&a->set, &c);
    if (err != TOME_OK) {
        cli_error("%s: %s (%s)", a->index_path, tome_error_text(err), tome_error_name(err));
        cli_close(a);
        return -1;
    }
    return 0;
}

int cli_volume(cli_archive *a, uint32_t v)
{
    tome_set_volume info;
    int err = tome_set_volume_info(a->set, v, &info);
    if (err == TOME_OK)
        err = tome_set_volume_reader(a->set, v, &a->reader);
    if (err != TOME_OK) {
        a->reader = NULL;
        if (v < a->volumes && !a->vol_maps[v] && access(a->vol_paths[v], F_OK) != 0)
            cli_error("%s: volume %u of set %s: missing", a->vol_paths[v], v, a->index_path);
        else
            cli_error("%s: volume %u of set %s: %s (%s)", v < a->volumes ? a->vol_paths[v] : "?",
                      v, a->index_path, tome_error_text(err), tome_error_name(err));
        return -1;
    }
    a->volume = v;
    a->first = info.first_id;
    a->path = a->vol_paths[v];
    return 0;
}

int cli_set_info(cli_archive *a)
{
    tome_reader *ix = tome_set_index(a->set);
    tome_archive_info ii;
    uint64_t total = 0, largest = 0;
    uint32_t v;
    char name[1024], value[1024];
    int status = EXIT_OK;
    tome_info(ix, &ii);
    for (v = 0; v < a->volumes; v++) {
        total += a->vol_sizes[v];
        if (a->vol_sizes[v] > largest)
            largest = a->vol_sizes[v];
    }
    printf("set index          %s (%llu bytes)\n", a->index_path,
           (unsigned long long)ii.file_size);
    printf("volumes            %u, %llu bytes (largest %llu)\n", a->volumes,
           (unsigned long long)total, (unsigned long long)largest);
    printf("articles           %u (%u aliases)\n", tome_set_count(a->set), ii.alias_count);
    printf("reader workspace   %zu bytes (memory mode: set state, index and largest volume)\n",
           a->workspace_size);
    for (v = 0; v < a->volumes; v++) {
        tome_set_volume info;
        int err = tome_set_volume_info(a->set, v, &info);
        if (err != TOME_OK) {
            cli_error("%s: volume %u: %s", a->index_path, v, tome_error_text(err));
            status = EXIT_FAIL;
            continue;
        }
        printf("volume %-11u %s: %llu bytes, IDs %u..%u (%u articles, %u aliases)\n", v,
               a->vol_paths[v], (unsigned long long)info.file_size, info.first_id,
               info.first_id + info.article_count - 1u, info.article_count, info.alias_count);
    }
    for (v = 0; v < ii.meta_count; v++) {
        if (tome_meta_at(ix, v, name, sizeof name, value, sizeof value) != TOME_OK)
            continue;
        fputs("meta ", stdout);
        cli_put_escaped(stdout, name, strlen(name));
        putchar(' ');
        cli_put_escaped(stdout, value, strlen(value));
        putchar('\n');
    }
    return status;
}

typedef struct set_damage {
    cli_archive *a;
    unsigned count;
} set_damage;

static const char *part_name(tome_part part)
{
    static const char *names[] = {"file",         "dictionary", "block table", "name frame",
                                  "alias frame",  "search frame", "block",     "article",
                                  "metadata",     "bindings"};
    return (unsigned)part < sizeof names / sizeof names[0] ? names[part] : "?";
}

static void on_damage(void *user, uint32_t volume, tome_part part, uint32_t index, int error)
{
    set_damage *d = user;
    const char *where = volume == TOME_NO_INDEX ? d->a->index_path
                        : volume < d->a->volumes ? d->a->vol_paths[volume] : "?";
    d->count++;
    if (volume != TOME_NO_INDEX && volume < d->a->volumes && part == TOME_PART_FILE &&
        !d->a->vol_maps[volume] && access(where, F_OK) != 0) {
        printf("damaged: volume %u %s: missing\n", volume, where);
        return;
    }
    if (volume == TOME_NO_INDEX)
        printf("damaged: set index %s: ", where);
    else
        printf("damaged: volume %u %s: ", volume, where);
    if (part == TOME_PART_ARTICLE)
        printf("article %u: %s (%s)\n", index, tome_error_text(error), tome_error_name(error));
    else if (index != TOME_NO_INDEX)
        printf("%s %u: %s (%s)\n", part_name(part), index, tome_error_text(error),
               tome_error_name(error));
    else
        printf("%s: %s (%s)\n", part_name(part), tome_error_text(error), tome_error_name(error));
}

int cli_set_verify(cli_archive *a)
{
    tome_set_verify_report rep;
    set_damage d;
    int err;
    d.a = a;
    d.count = 0;
    err = tome_set_verify(a->set, on_damage, &d, &rep);
    if (err == TOME_OK)
        printf("%s: OK, set of %u volumes, %u articles verified\n", a->index_path, a->volumes,
               rep.checked_articles);
    else if (err == TOME_ERR_DAMAGED)
        printf("%s: DAMAGED: %u of %u volumes%s, %u of %u articles\n", a->index_path,
               rep.damaged_volumes, a->volumes, rep.index_damaged ? " and the index" : "",
               rep.damaged_articles, tome_set_count(a->set));
    else
        cli_error("%s: %s", a->index_path, tome_error_text(err));
    return err == TOME_OK ? EXIT_OK : EXIT_FAIL;
}
