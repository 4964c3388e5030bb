/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_golden.c - the golden archives of tests/golden/ against the reader:
 * every line of tests/golden/MANIFEST, in memory mode and callback mode.
 *
 *     test_golden [DIR]      (default tests/golden)
 *
 * A valid archive must open, verify, and read exactly as its .expect file
 * says (keys, titles, aliases, sizes and XXH32 of the bodies, metadata),
 * and every key and alias must find its article.  An invalid one must fail
 * to open with the named error, or open and be reported by tome_verify()
 * with the named (part, index, error).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "check.h"
#include "tome.h"

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *size = (size_t)n;
        buf[n] = 0;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int error_code(const char *name)
{
    int c;
    for (c = -64; c <= 1; c++)
        if (strcmp(tome_error_name(c), name) == 0)
            return c;
    fprintf(stderr, "unknown error name %s\n", name);
    return 99;
}

static int part_code(const char *name)
{
    static const char *parts[] = {"FILE", "DICTIONARY", "BLOCK_TABLE", "NAMES", "ALIASES",
                                  "SEARCH", "BLOCK",    "ARTICLE",     "META",  "BINDINGS"};
    int i;
    for (i = 0; i < (int)(sizeof parts / sizeof parts[0]); i++)
        if (strcmp(parts[i], name) == 0)
            return i;
    fprintf(stderr, "unknown part name %s\n", name);
    return 99;
}

typedef struct archive {
    const unsigned char *data;
    size_t size;
} archive;

static int read_at(void *user, uint64_t offset, void *dst, size_t len)
{
    const archive *a = user;
    if (offset > a->size || len > a->size - offset)
        return -1;
    memcpy(dst, a->data + offset, len);
    return 0;
}

/* Open in memory mode (callback = 0) or through read_at (1). */
static int open_mode(const archive *a, int callback, void **ws, tome_reader **r)
{
    tome_config c;
    size_t need = 0;
    int err;
    memset(&c, 0, sizeof c);
    if (callback) {
        c.read = read_at;
        c.user = (void *)a;
    } else {
        c.data = a->data;
    }
    c.size = a->size;
    *ws = NULL;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        return err;
    c.workspace = *ws = malloc(need);
    c.workspace_size = need;
    return tome_open(r, &c);
}

typedef struct damage {
    int part, error;
    uint32_t index;
    int found;
    int log[8][3]; /* what was reported, for the message when not found */
    int log_count;
} damage;

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    damage *d = user;
    if ((int)part == d->part && error == d->error && index == d->index)
        d->found = 1;
    if (d->log_count < 8) {
        d->log[d->log_count][0] = (int)part;
        d->log[d->log_count][1] = error;
        d->log[d->log_count][2] = (int)index;
        d->log_count++;
    }
}

static void hex_to_bytes(const char *hex, size_t n, char *out)
{
    size_t i;
    for (i = 0; i + 1 < n + 1 && i < n / 2; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    out[n / 2] = '\0';
}

/* The hex field `name=` of `line`, decoded into `out`. */
static void field(const char *line, const char *name, char *out)
{
    const char *p = strstr(line, name);
    size_t n = 0;
    out[0] = '\0';
    if (!p)
        return;
    p += strlen(name);
    while (p[n] && p[n] != ' ' && p[n] != ',' && p[n] != '\n')
        n++;
    hex_to_bytes(p, n, out);
}

static void check_valid(const char *name, tome_reader *r, const char *expect)
{
    char line[4096], want[1024], got[1024];
    const char *p = expect;
    unsigned long count = 0;
    uint32_t meta_seen = 0;
    tome_archive_info info;
    tome_verify_report rep;
    tome_info(r, &info);
    CHECK_EQ(tome_verify(r, NULL, NULL, &rep), TOME_OK);
    while (*p) {
        size_t n = strcspn(p, "\n");
        unsigned long id, size;
        unsigned xx;
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (p[n] == '\n');
        if (sscanf(line, "articles %lu", &count) == 1) {
            CHECK_EQ(tome_count(r), count);
        } else if (sscanf(line, "%lu key=", &id) == 1) {
            uint32_t found = 0xFFFFFFFFu, a;
            tome_article art;
            char *body;
            size_t got_size = 0;
            const char *aliases = strstr(line, "aliases=") + 8;
            field(line, "key=", want);
            CHECK_EQ(tome_key(r, (uint32_t)id, got, sizeof got), TOME_OK);
            if (strcmp(want, got) != 0)
                fprintf(stderr, "%s: ID %lu: key %s, expected %s\n", name, id, got, want);
            CHECK(strcmp(want, got) == 0);
            CHECK_EQ(tome_find(r, want, strlen(want), &found), TOME_OK);
            CHECK_EQ(found, id);
            field(line, "title=", want);
            CHECK_EQ(tome_title(r, (uint32_t)id, got, sizeof got), TOME_OK);
            CHECK(strcmp(want, got) == 0);
            sscanf(strstr(line, "size="), "size=%lu xxh32=%x", &size, &xx);
            CHECK_EQ(tome_stat(r, (uint32_t)id, &art), TOME_OK);
            CHECK_EQ(art.size, size);
            body = malloc(size + 1);
            CHECK_EQ(tome_fetch(r, (uint32_t)id, body, size + 1, &got_size), TOME_OK);
            CHECK_EQ(got_size, size);
            CHECK_EQ(XXH32(body, got_size, 0), xx);
            free(body);
            for (a = 0; *aliases && *aliases != '\n'; a++) {
                size_t k = strcspn(aliases, ",\n");
                hex_to_bytes(aliases, k, want);
                CHECK_EQ(tome_alias(r, (uint32_t)id, a, got, sizeof got), TOME_OK);
                CHECK(strcmp(want, got) == 0);
                CHECK_EQ(tome_find(r, want, strlen(want), &found), TOME_OK);
                CHECK_EQ(found, id);
                aliases += k + (aliases[k] == ',');
            }
            CHECK_EQ(art.alias_count, a);
            CHECK_EQ(tome_alias(r, (uint32_t)id, a, got, sizeof got), TOME_ERR_RANGE);
        } else if (strncmp(line, "meta ", 5) == 0) {
            char value[1024], meta_name[1024];
            char *eq = strchr(line, '=');
            size_t size_v = 0;
            *eq = '\0';
            hex_to_bytes(line + 5, strlen(line + 5), want);
            hex_to_bytes(eq + 1, strlen(eq + 1), value);
            CHECK_EQ(tome_meta_get(r, want, strlen(want), got, sizeof got, &size_v), TOME_OK);
            CHECK(strcmp(value, got) == 0);
            CHECK_EQ(tome_meta_at(r, meta_seen, meta_name, sizeof meta_name, got, sizeof got),
                     TOME_OK);
            CHECK(strcmp(meta_name, want) == 0 && strcmp(value, got) == 0);
            meta_seen++;
        }
    }
    CHECK_EQ(info.meta_count, meta_seen);
    {
        /* every ID once in storage order */
        uint32_t cursor = 0, id, visited = 0;
        unsigned char *seen = calloc(count + 1, 1);
        int err;
        while ((err = tome_next(r, &cursor, &id)) == TOME_OK) {
            CHECK(id < count && !seen[id]);
            if (id < count)
                seen[id] = 1;
            visited++;
        }
        CHECK_EQ(err, TOME_DONE);
        CHECK_EQ(visited, count);
        free(seen);
    }
}

/* ---- volume sets ---- */

typedef struct set_damage {
    uint32_t volume;
    int error, found;
} set_damage;

static void on_set_damage(void *user, uint32_t volume, tome_part part, uint32_t index, int error)
{
    set_damage *d = user;
    if (volume == d->volume && part == TOME_PART_FILE && index == TOME_NO_INDEX &&
        error == d->error)
        d->found = 1;
}

/* Every ID's key finds it, every alias finds its article, every article
 * fetches. */
static void check_set_valid(const char *name, tome_set *s)
{
    char key[256];
    static unsigned char body[65536];
    uint32_t id, v, found, cursor = 0, visited = 0;
    size_t size;
    int bad = 0, err;
    CHECK_EQ(tome_set_verify(s, NULL, NULL, NULL), TOME_OK);
    for (id = 0; id < tome_set_count(s); id++) {
        if (tome_set_key(s, id, key, sizeof key) != TOME_OK ||
            tome_set_find(s, key, strlen(key), &found) != TOME_OK || found != id ||
            tome_set_fetch(s, id, body, sizeof body, &size) != TOME_OK)
            bad++;
    }
    for (v = 0; v < tome_set_volume_count(s); v++) {
        tome_set_volume info;
        tome_reader *r;
        uint32_t local, n;
        if (tome_set_volume_info(s, v, &info) != TOME_OK ||
            tome_set_volume_reader(s, v, &r) != TOME_OK) {
            bad++;
            continue;
        }
        for (local = 0; local < info.article_count; local++) {
            tome_article art;
            if (tome_stat(r, local, &art) != TOME_OK) {
                bad++;
                continue;
            }
            for (n = 0; n < art.alias_count; n++) {
                /* r stays valid: the alias's volume is this one */
                if (tome_alias(r, local, n, key, sizeof key) != TOME_OK ||
                    tome_set_find(s, key, strlen(key), &found) != TOME_OK ||
                    found != info.first_id + local)
                    bad++;
                if (tome_set_volume_reader(s, v, &r) != TOME_OK)
                    bad++;
            }
        }
    }
    while ((err = tome_set_next(s, &cursor, &id)) == TOME_OK)
        visited++;
    CHECK_EQ(err, TOME_DONE);
    CHECK_EQ(visited, tome_set_count(s));
    if (bad)
        fprintf(stderr, "%s: %d set reads wrong\n", name, bad);
    CHECK_EQ(bad, 0);
}

/* Size a workspace for `c`, allocate it and open the set; *ws is the
 * workspace (NULL when sizing failed), for the caller to free. */
static int open_set(tome_set_config *c, tome_set **s, void **ws)
{
    size_t need = 0;
    int err = tome_set_workspace_size(c, &need);
    *ws = err == TOME_OK ? malloc(need) : NULL;
    c->workspace = *ws;
    c->workspace_size = need;
    return err == TOME_OK ? tome_set_open(s, c) : err;
}

/* A set line: the index NAME.tome and the volumes it names, beside it. */
static void check_set(const char *dir, const char *name, const char *what, const char *a2,
                      const char *a3, int callback)
{
    char path[1024];
    archive index, vol[8];
    unsigned char *vol_data[8];
    tome_source src[8];
    tome_set_config c;
    tome_set *s;
    void *ws;
    uint32_t v, volumes = 0;
    int err;
    snprintf(path, sizeof path, "%s/%s.tome", dir, name);
    index.data = slurp(path, &index.size);
    CHECK(index.data != NULL);
    if (!index.data)
        return;
    memset(&c, 0, sizeof c);
    memset(src, 0, sizeof src);
    if (callback) {
        c.index.read = read_at;
        c.index.user = &index;
    } else {
        c.index.data = index.data;
    }
    c.index.size = index.size;
    /* the index alone, for the volumes' names */
    err = open_set(&c, &s, &ws);
    if (strcmp(what, "open") == 0) {
        if (err != error_code(a2))
            fprintf(stderr, "%s: set open gave %s, expected %s\n", name, tome_error_name(err), a2);
        CHECK_EQ(err, error_code(a2));
        free(ws);
        free((void *)index.data);
        return;
    }
    CHECK_EQ(err, TOME_OK);
    if (err == TOME_OK)
        volumes = tome_set_volume_count(s);
    CHECK(volumes >= 1 && volumes <= 8);
    for (v = 0; v < volumes && v < 8; v++) {
        tome_set_volume info;
        vol_data[v] = NULL;
        vol[v].data = NULL;
        vol[v].size = 0;
        CHECK_EQ(tome_set_volume_info(s, v, &info), TOME_OK);
        snprintf(path, sizeof path, "%s/%s", dir, info.name);
        vol_data[v] = slurp(path, &vol[v].size);
        CHECK(vol_data[v] != NULL);
        vol[v].data = vol_data[v];
        if (callback) {
            src[v].read = read_at;
            src[v].user = &vol[v];
        } else {
            src[v].data = vol[v].data ? vol[v].data : index.data;
        }
        src[v].size = vol[v].size;
    }
    free(ws);
    c.volumes = src;
    c.volume_count = volumes;
    err = open_set(&c, &s, &ws);
    CHECK_EQ(err, TOME_OK);
    if (err == TOME_OK && strcmp(what, "valid") == 0) {
        check_set_valid(name, s);
    } else if (err == TOME_OK && strcmp(what, "volume") == 0) {
        tome_reader *r;
        set_damage d;
        d.volume = (uint32_t)strtoul(a2, NULL, 10);
        d.error = error_code(a3);
        d.found = 0;
        err = tome_set_volume_reader(s, d.volume, &r);
        if (err != d.error)
            fprintf(stderr, "%s: volume %s gave %s, expected %s\n", name, a2,
                    tome_error_name(err), a3);
        CHECK_EQ(err, d.error);
        CHECK_EQ(tome_set_verify(s, on_set_damage, &d, NULL), TOME_ERR_DAMAGED);
        CHECK(d.found);
    } else if (err == TOME_OK) {
        fprintf(stderr, "MANIFEST: unknown set outcome '%s'\n", what);
        CHECK(0);
    }
    for (v = 0; v < volumes && v < 8; v++)
        free(vol_data[v]);
    free(ws);
    free((void *)index.data);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/golden";
    char path[1024], line[512];
    size_t manifest_size;
    unsigned char *manifest;
    const char *p;
    int cases = 0;
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    manifest = slurp(path, &manifest_size);
    CHECK(manifest != NULL);
    for (p = manifest ? (const char *)manifest : ""; *p;) {
        size_t n = strcspn(p, "\n");
        char name[128], kind[16], a1[32], a2[32], a3[32];
        int fields, mode;
        archive ar;
        unsigned char *data;
        memcpy(line, p, n < sizeof line ? n : sizeof line - 1);
        line[n < sizeof line ? n : sizeof line - 1] = '\0';
        p += n + (p[n] == '\n');
        if (line[0] == '#' || line[0] == '\0')
            continue;
        fields = sscanf(line, "%127s %15s %31s %31s %31s", name, kind, a1, a2, a3);
        if (strcmp(kind, "set") == 0 && fields >= 3) {
            for (mode = 0; mode < 2; mode++)
                check_set(dir, name, a1, fields > 3 ? a2 : "", fields > 4 ? a3 : "", mode);
            cases++;
            continue;
        }
        snprintf(path, sizeof path, "%s/%s.tome", dir, name);
        data = slurp(path, &ar.size);
        CHECK(data != NULL);
        if (!data)
            continue;
        ar.data = data;
        cases++;
        for (mode = 0; mode < 2; mode++) {
            tome_reader *r = NULL;
            void *ws = NULL;
            int err = open_mode(&ar, mode, &ws, &r);
            if (strcmp(kind, "open") == 0 && fields == 3) {
                if (err != error_code(a1))
                    fprintf(stderr, "%s (%s): open gave %s, expected %s\n", name,
                            mode ? "callback" : "memory", tome_error_name(err), a1);
                CHECK_EQ(err, error_code(a1));
            } else if (strcmp(kind, "verify") == 0 && fields == 5) {
                damage d;
                d.part = part_code(a1);
                d.index = strcmp(a2, "-") == 0 ? TOME_NO_INDEX : (uint32_t)strtoul(a2, NULL, 10);
                d.error = error_code(a3);
                d.found = 0;
                d.log_count = 0;
                if (err != TOME_OK)
                    fprintf(stderr, "%s: open gave %s, expected success\n", name,
                            tome_error_name(err));
                CHECK_EQ(err, TOME_OK);
                if (err == TOME_OK) {
                    CHECK_EQ(tome_verify(r, on_damage, &d, NULL), TOME_ERR_DAMAGED);
                    if (!d.found) {
                        int k;
                        fprintf(stderr, "%s: verify did not report %s %s %s; it reported:", name,
                                a1, a2, a3);
                        for (k = 0; k < d.log_count; k++)
                            fprintf(stderr, " (%d %d %s)", d.log[k][0], d.log[k][2],
                                    tome_error_name(d.log[k][1]));
                        fputc('\n', stderr);
                    }
                    CHECK(d.found);
                }
            } else if (strcmp(kind, "valid") == 0) {
                size_t expect_size;
                unsigned char *expect;
                snprintf(path, sizeof path, "%s/%s.expect", dir, name);
                expect = slurp(path, &expect_size);
                CHECK(expect != NULL);
                if (err != TOME_OK)
                    fprintf(stderr, "%s: open gave %s\n", name, tome_error_name(err));
                CHECK_EQ(err, TOME_OK);
                if (err == TOME_OK && expect)
                    check_valid(name, r, (const char *)expect);
                free(expect);
            } else {
                fprintf(stderr, "MANIFEST: cannot parse '%s'\n", line);
                CHECK(0);
            }
            free(ws);
        }
        free(data);
    }
    printf("%d golden archives\n", cases);
    CHECK(cases >= 70);
    free(manifest);
    return check_summary();
}
