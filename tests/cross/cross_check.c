/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cross_check.c - the same archives on every CPU.
 *
 *     cross_check pack DIR        pack fixed corpora into DIR (NAME.tome each)
 *     cross_check damage IN OUT   a damaged copy of IN, deterministically
 *     cross_check dump ARCHIVE OUT
 *         everything the reader says about ARCHIVE, in both I/O modes, as
 *         text in OUT.txt, and every article's bytes, in ID order, in
 *         OUT.bytes
 *     cross_check dump-damaged ARCHIVE OUT
 *         the same for a damaged archive, less what zstd decides: how far
 *         it gets through a damaged frame differs by CPU (x86-64's build
 *         decodes some damage into garbage the block's or the article's
 *         checksum then rejects, where s390x's and armhf's stop with an
 *         error), so TOME_ERR_DECOMPRESS and TOME_ERR_CHECKSUM read as one
 *         "content damaged" (in every call: stat, key, title and find
 *         decode key blocks), and tome_read, which checks nothing, is left
 *         out
 *
 * tests/cross/run.sh runs these on x86-64 and, under qemu, on s390x and
 * armhf, and compares the files byte for byte: packing must give identical
 * archives, and reading must give identical answers, damage included.  The
 * dump holds nothing that may differ by design (workspace sizes depend on
 * the word size and on zstd's build).
 */
#include "format.h"
#include "../fuzz/fuzz_archive.h"
#include "hash.h"
#include "../testlib.h"

/* ---- pack ------------------------------------------------------------------ */

static void write_bytes(const char *path, const uint8_t *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void pack_to(const char *dir, const char *name, const corpus *c, const tome_pack_options *o)
{
    char path[4096];
    size_t size;
    uint8_t *bytes = pack_corpus(c, o, 0, &size, NULL);
    if (!bytes) {
        fprintf(stderr, "packing %s failed\n", name);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s.tome", dir, name);
    write_bytes(path, bytes, size);
    free(bytes);
}

static int pack_all(const char *dir)
{
    corpus prose = {0}, edge = {0};
    tome_pack_options o;
    uint8_t body[3000], *big = malloc(300000);
    char key[64];
    size_t i;
    uint32_t seed = 11;

    /* similar articles: a trained dictionary, many blocks, two threads */
    for (i = 0; i < 300; i++) {
        size_t size = 600 + test_rng(&seed) % 2000;
        snprintf(key, sizeof key, "news/%04zu.txt", i);
        memcpy(body, "From: newsroom@example.org\nSubject: daily report\n\n", 50);
        make_text(body + 50, size - 50, (uint32_t)(i % 37) * 2654435761u + 11);
        corpus_add(&prose, key, i % 4 ? NULL : "Täglicher Bericht", body, size);
    }
    o = test_options(9, TOME_DICT_ON, 16 * 1024);
    o.dict_size = 8192;
    o.threads = 2;
    pack_to(dir, "prose", &prose, &o);

    /* empty, one byte, binary, UTF-8, titles, duplicates, a body spanning
     * many blocks */
    make_text(big, 300000, 3);
    for (i = 0; i < 256; i++)
        body[i] = (uint8_t)i;
    corpus_add(&edge, "empty", NULL, "", 0);
    corpus_add(&edge, "empty/titled", "nothing here", "", 0);
    corpus_add(&edge, "one", NULL, "x", 1);
    corpus_add(&edge, "binary/all-bytes", NULL, body, 256);
    corpus_add(&edge, "Zürich/Straße – ünïcødé ✓", "Titel ü", "grüezi", 7);
    corpus_add(&edge, "big/spanning", "Big", big, 300000);
    corpus_add(&edge, "duplicate/a", NULL, big + 1000, 5000);
    corpus_add(&edge, "duplicate/b", NULL, big + 1000, 5000);
    for (i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "tiny/%05zu", i);
        corpus_add(&edge, key, NULL, big + i * 7, 1 + i % 50);
    }
    o = test_options(3, TOME_DICT_OFF, 4096);
    o.threads = 1;
    pack_to(dir, "edge", &edge, &o);

    corpus_free(&prose);
    corpus_free(&edge);
    free(big);
    temp_cleanup();
    return 0;
}

/* ---- damage ---------------------------------------------------------------- */

/* Damage that each reader must describe the same way: a byte in the middle
 * of every third block (body and key blocks alike), a swapped pair of
 * entries, and a header field changed with the header resealed. */
static int damage(const char *in, const char *out)
{
    size_t size, i;
    uint8_t *b = read_file(in, &size);
    uint64_t table, entries;
    uint32_t blocks, count, ers;
    uint8_t tmp[ENT_RECORD_SIZE_MAX];
    if (!b || size < TOME_HEADER_SIZE + TOME_FOOTER_SIZE) {
        fprintf(stderr, "%s: cannot read an archive\n", in);
        return 1;
    }
    table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET);
    entries = tome_get64(b + HDR_ENTRY_TABLE_OFFSET);
    blocks = tome_get32(b + HDR_BLOCK_COUNT) + tome_get32(b + HDR_KEY_BLOCK_COUNT);
    count = tome_get32(b + HDR_ARTICLE_COUNT);
    ers = b[HDR_ENTRY_RECORD_SIZE];
    if (ers > ENT_RECORD_SIZE_MAX) {
        fprintf(stderr, "%s: entry records of %u bytes\n", in, (unsigned)ers);
        return 1;
    }
    for (i = 0; i < blocks; i += 3) {
        const uint8_t *rec = b + table + i * BLK_RECORD_SIZE;
        b[tome_get64(rec + BLK_FRAME_OFFSET) + tome_get32(rec + BLK_FRAME_SIZE) / 2] ^= 0x21;
    }
    if (count > 8) {
        memcpy(tmp, b + entries + 3 * ers, ers);
        memcpy(b + entries + 3 * ers, b + entries + 7 * ers, ers);
        memcpy(b + entries + 7 * ers, tmp, ers);
    }
    tome_put64(b + HDR_RAW_SIZE, tome_get64(b + HDR_RAW_SIZE) + 1);
    reseal(b, size, RESEAL_HEADER);
    write_bytes(out, b, size);
    free(b);
    return 0;
}

/* ---- dump ------------------------------------------------------------------ */

static FILE *text;
static int damaged; /* dump-damaged: see the top of this file */

/* The name of a code, with zstd's say merged when the archive is damaged. */
static const char *code(int err)
{
    if (damaged && (err == TOME_ERR_DECOMPRESS || err == TOME_ERR_CHECKSUM))
        return "CONTENT_DAMAGED";
    return tome_error_name(err);
}

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    (void)user;
    fprintf(text, "  damage %d %lu %s\n", (int)part, (unsigned long)index, code(error));
}

static void put_name(const char *what, const char *s, size_t n)
{
    fprintf(text, " %s %zu:", what, n);
    fwrite(s, 1, n, text);
}

static void dump_mode(const uint8_t *bytes, size_t size, int callback, FILE *body_out)
{
    opened a;
    tome_archive_info info;
    tome_verify_report rep;
    uint32_t id, count, cursor = 0;
    int err;
    open_archive(&a, bytes, size, callback, 0);
    fprintf(text, "mode %s: open %s\n", callback ? "callback" : "memory", tome_error_name(a.err));
    if (a.err != TOME_OK) {
        close_archive(&a);
        return;
    }
    tome_info(a.r, &info);
    fprintf(text,
            "format %u.%u file %llu articles %lu bodies %lu blocks %lu key_blocks %lu "
            "keys_per_block %lu block_max %lu key_block_max %lu "
            "chunk_max %lu article_max %lu key_max %lu title_max %lu dict %lu raw %llu "
            "stored %llu keys %llu compressed %llu\n",
            info.format_major, info.format_minor, (unsigned long long)info.file_size,
            (unsigned long)info.article_count, (unsigned long)info.body_count,
            (unsigned long)info.block_count, (unsigned long)info.key_block_count,
            (unsigned long)info.keys_per_block, (unsigned long)info.block_size_max,
            (unsigned long)info.key_block_size_max,
            (unsigned long)info.chunk_size_max, (unsigned long)info.article_size_max,
            (unsigned long)info.key_size_max, (unsigned long)info.title_size_max,
            (unsigned long)info.dict_size, (unsigned long long)info.raw_size,
            (unsigned long long)info.stored_size, (unsigned long long)info.keys_size,
            (unsigned long long)info.compressed_size);
    count = tome_count(a.r);
    for (id = 0; id < count; id++) {
        tome_article st;
        char *key, *title;
        uint8_t *buf;
        size_t got = 0;
        uint32_t found = 0;
        err = tome_stat(a.r, id, &st);
        fprintf(text, "%lu stat %s", (unsigned long)id, code(err));
        if (err != TOME_OK) {
            fprintf(text, "\n");
            continue;
        }
        fprintf(text, " size %lu block %lu checksum %08lx", (unsigned long)st.size,
                (unsigned long)st.block, (unsigned long)st.checksum);
        key = malloc(st.key_size + 1u);
        title = malloc(st.title_size + 1u);
        buf = malloc(st.size + 1u);
        err = tome_key(a.r, id, key, st.key_size + 1u);
        fprintf(text, " key %s", code(err));
        if (err == TOME_OK) {
            put_name("=", key, st.key_size);
            err = tome_find(a.r, key, st.key_size, &found);
            fprintf(text, " find %s %lu", code(err), (unsigned long)found);
        }
        err = tome_title(a.r, id, title, st.title_size + 1u);
        fprintf(text, " title %s", code(err));
        if (err == TOME_OK)
            put_name("=", title, st.title_size);
        err = tome_fetch(a.r, id, buf, st.size, &got);
        fprintf(text, " fetch %s %zu %08lx", code(err), got,
                (unsigned long)(err == TOME_OK ? tome__hash(buf, got) : 0));
        if (body_out && err == TOME_OK && fwrite(buf, 1, got, body_out) != got)
            exit(1);
        if (!damaged) {
            err = tome_read(a.r, id, st.size / 3, buf, st.size - st.size / 3);
            fprintf(text, " read %s %08lx", tome_error_name(err),
                    (unsigned long)(err == TOME_OK ? tome__hash(buf, st.size - st.size / 3) : 0));
        }
        fprintf(text, "\n");
        free(key);
        free(title);
        free(buf);
    }
    fprintf(text, "order");
    while ((err = tome_next(a.r, &cursor, &id)) == TOME_OK)
        fprintf(text, " %lu", (unsigned long)id);
    fprintf(text, " -> %s\n", tome_error_name(err));
    err = tome_verify(a.r, on_damage, NULL, &rep);
    fprintf(text, "verify %s parts %lx blocks %lu articles %lu checked %lu\n", tome_error_name(err),
            (unsigned long)rep.damaged_parts, (unsigned long)rep.damaged_blocks,
            (unsigned long)rep.damaged_articles, (unsigned long)rep.checked_articles);
    close_archive(&a);
}

static int dump(const char *archive, const char *out)
{
    char path[4096];
    size_t size;
    uint8_t *bytes = read_file(archive, &size);
    FILE *body_out;
    if (!bytes) {
        perror(archive);
        return 1;
    }
    snprintf(path, sizeof path, "%s.txt", out);
    text = fopen(path, "w");
    snprintf(path, sizeof path, "%s.bytes", out);
    body_out = fopen(path, "wb");
    if (!text || !body_out) {
        perror(out);
        return 1;
    }
    fprintf(text, "archive %zu bytes, XXH32 %08lx\n", size, (unsigned long)tome__hash(bytes, size));
    dump_mode(bytes, size, 0, body_out);
    dump_mode(bytes, size, 1, NULL);
    free(bytes);
    return fclose(text) != 0 || fclose(body_out) != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "pack"))
        return pack_all(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "damage"))
        return damage(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "dump"))
        return dump(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "dump-damaged")) {
        damaged = 1;
        return dump(argv[2], argv[3]);
    }
    fprintf(stderr, "usage: cross_check pack DIR | damage IN OUT | dump[-damaged] ARCHIVE OUT\n");
    return 2;
}
