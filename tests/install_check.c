/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * install_check.c - a program of a user of the installed library, built by
 * tests/install.sh with nothing but `pkg-config --cflags --libs tome`.
 *
 *     install_check SEEDS ARCHIVE KEY FILE
 *
 * Packs the directory SEEDS into ARCHIVE with the packer, reads ARCHIVE into
 * memory, opens it with the reader, fetches the article KEY and compares it
 * with the bytes of FILE.  Prints "ok ..." and exits 0 when all holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tome.h>
#include <tome_pack.h>

static int failed(const char *what, const char *detail)
{
    fprintf(stderr, "install_check: %s: %s\n", what, detail);
    return 1;
}

/* The whole file, or NULL. */
static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    tome_pack_options o;
    tome_pack_stats st;
    tome_packer *p;
    tome_config c;
    tome_reader *r;
    unsigned char *archive, *want, *got;
    void *workspace;
    size_t archive_size, want_size, need, got_size;
    uint32_t id;
    int err;

    if (argc != 5) {
        fputs("usage: install_check SEEDS ARCHIVE KEY FILE\n", stderr);
        return 2;
    }
    if (tome_version_number() != TOME_VERSION_NUMBER)
        return failed("version", "the library is not the one tome.h describes");

    tome_pack_options_default(&o);
    o.threads = 1;
    p = tome_packer_new(&o);
    if (!p)
        return failed("tome_packer_new", "out of memory");
    err = tome_pack_add_tree(p, argv[1]);
    if (err == TOME_PACK_OK)
        err = tome_pack_write(p, argv[2], &st);
    if (err != TOME_PACK_OK)
        return failed("pack", tome_packer_message(p));
    tome_packer_free(p);

    archive = slurp(argv[2], &archive_size);
    want = slurp(argv[4], &want_size);
    if (!archive || !want)
        return failed(argv[archive ? 4 : 2], "cannot be read");
    memset(&c, 0, sizeof c);
    c.data = archive;
    c.size = archive_size;
    if ((err = tome_workspace_size(&c, &need)) != TOME_OK)
        return failed("tome_workspace_size", tome_error_name(err));
    workspace = malloc(need);
    got = malloc(want_size + 1);
    if (!workspace || !got)
        return failed("malloc", "out of memory");
    c.workspace = workspace;
    c.workspace_size = need;
    if ((err = tome_open(&r, &c)) != TOME_OK)
        return failed("tome_open", tome_error_name(err));
    if ((err = tome_find(r, argv[3], strlen(argv[3]), &id)) != TOME_OK)
        return failed("tome_find", tome_error_name(err));
    if ((err = tome_fetch(r, id, got, want_size + 1, &got_size)) != TOME_OK)
        return failed("tome_fetch", tome_error_name(err));
    if (got_size != want_size || memcmp(got, want, want_size) != 0)
        return failed(argv[3], "fetched bytes differ from the file");
    printf("ok: %u articles packed, %s is article %u, %zu bytes, library %s\n", st.articles,
           argv[3], (unsigned)id, got_size, tome_version_string());
    free(got);
    free(workspace);
    free(want);
    free(archive);
    return 0;
}
