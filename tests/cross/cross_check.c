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
 *         decodes some damage into garbage a frame's or a segment's
 *         checksum then rejects, where s390x's and armhf's stop with an
 *         error), so TOME_ERR_DECOMPRESS and TOME_ERR_CHECKSUM read as one
 *         "content damaged" (in every call: stat, key, title, alias, find
 *         and search decode index frames)
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
 * of every third frame (body blocks and index frames alike), two block
 * table records swapped (their own checksums, seeded with their places, no
 * longer hold), and a header field changed with the header resealed. */
static int damage(const char *in, const char *out)
{
    size_t size, i;
    uint8_t *b = read_file(in, &size);
    uint64_t table;
    uint32_t records;
    uint8_t tmp[BLK_RECORD_SIZE];
    if (!b || size < TOME_HEADER_SIZE + TOME_FOOTER_SIZE) {
        fprintf(stderr, "%s: cannot read an archive\n", in);
        return 1;
    }
    table = tome_get64(b + HDR_BLOCK_TABLE_OFFSET);
    records = tome_get32(b + HDR_BODY_BLOCKS) + tome_get32(b + HDR_NAME_FRAMES) +
              tome_get32(b + HDR_ALIAS_FRAMES) + tome_get32(b + HDR_SEARCH_FRAMES) +
              tome_get32(b + HDR_META_FRAMES);
    if (table + (uint64_t)records * BLK_RECORD_SIZE > size) {
        fprintf(stderr, "%s: the block table lies outside the file\n", in);
        return 1;
    }
    for (i = 0; i < records; i += 3) {
        const uint8_t *rec = b + table + i * BLK_RECORD_SIZE;
        b[tome_get64(rec + BLK_FRAME_OFFSET) + tome_get32(rec + BLK_FRAME_SIZE) / 2] ^= 0x21;
    }
    if (records > 8) {
        memcpy(tmp, b + table + 4 * BLK_RECORD_SIZE, BLK_RECORD_SIZE);
        memcpy(b + table + 4 * BLK_RECORD_SIZE, b + table + 7 * BLK_RECORD_SIZE, BLK_RECORD_SIZE);
        memcpy(b + table + 7 * BLK_RECORD_SIZE, tmp, BLK_RECORD_SIZE);
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

/* Each alias, and what it finds. */
static void dump_aliases(tome_reader *r, uint32_t id, uint32_t n, uint32_t key_max)
{
    char *alias = malloc((size_t)key_max + 1u);
    uint32_t j, found;
    int err;
    for (j = 0; j < n; j++) {
        err = tome_alias(r, id, j, alias, (size_t)key_max + 1u);
        fprintf(text, " alias %s", code(err));
        if (err == TOME_OK) {
            put_name("=", alias, strlen(alias));
            found = 0;
            err = tome_find(r, alias, strlen(alias), &found);
            fprintf(text, " find %s %lu", code(err), (unsigned long)found);
        }
    }
    free(alias);
}

/* Folded and exact searches: every match as ID/source. */
static void dump_searches(tome_reader *r)
{
    static const struct {
        const char *query;
        uint32_t flags;
    } queries[] = {{"ZURICH", TOME_SEARCH_ALL},       {"taglich", TOME_SEARCH_ALL},
                   {"NEWS/00", TOME_SEARCH_KEYS},     {"tiny/000", TOME_SEARCH_ALL},
                   {"tiny/0001", TOME_SEARCH_KEYS | TOME_SEARCH_EXACT},
                   {"Tiny", TOME_SEARCH_KEYS | TOME_SEARCH_EXACT},
                   {"e", TOME_SEARCH_TITLES | TOME_SEARCH_ALIASES}};
    tome_search s;
    tome_match m;
    size_t q;
    int err;
    for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        fprintf(text, "search %s %lu:", queries[q].query, (unsigned long)queries[q].flags);
        err = tome_search_start(r, &s, queries[q].query, strlen(queries[q].query),
                                queries[q].flags);
        while (err == TOME_OK && (err = tome_search_next(r, &s, &m)) == TOME_OK)
            fprintf(text, " %lu/%lu", (unsigned long)m.id, (unsigned long)m.source);
        fprintf(text, " -> %s\n", code(err));
    }
}

/* The metadata pairs. */
static void dump_meta(tome_reader *r, const tome_archive_info *info)
{
    size_t cap = (size_t)info->index_size_max + 1u;
    char *name = malloc(cap), *value = malloc(cap);
    uint32_t k;
    int err;
    for (k = 0; k < info->meta_count; k++) {
        err = tome_meta_at(r, k, name, cap, value, cap);
        fprintf(text, "meta %lu %s", (unsigned long)k, code(err));
        if (err == TOME_OK) {
            put_name("name", name, strlen(name));
            put_name("value", value, strlen(value));
        }
        fprintf(text, "\n");
    }
    free(name);
    free(value);
}

static void dump_mode(const uint8_t *bytes, size_t size, int callback, FILE *body_out)
{
    opened a;
    tome_archive_info info;
    tome_sizes sizes;
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
    if (tome_sizes_of(a.r, &sizes) != TOME_OK)
        memset(&sizes, 0, sizeof sizes);
    fprintf(text,
            "format %u.%u file %llu articles %lu bodies %lu aliases %lu search %lu meta %lu "
            "blocks %lu index_frames %lu name_leaves %lu block_max %lu index_max %lu "
            "chunk_max %lu article_max %lu key_max %lu title_max %lu fold_max %lu dict %lu "
            "raw %llu stored %llu bodies %llu names %llu aliases %llu search %llu meta %llu "
            "table %llu\n",
            info.format_major, info.format_minor, (unsigned long long)info.file_size,
            (unsigned long)info.article_count, (unsigned long)info.body_count,
            (unsigned long)info.alias_count, (unsigned long)info.search_count,
            (unsigned long)info.meta_count, (unsigned long)info.block_count,
            (unsigned long)info.index_frame_count, (unsigned long)info.name_leaf_count,
            (unsigned long)info.block_size_max, (unsigned long)info.index_size_max,
            (unsigned long)info.chunk_size_max, (unsigned long)info.article_size_max,
            (unsigned long)info.key_size_max, (unsigned long)info.title_size_max,
            (unsigned long)info.fold_size_max, (unsigned long)info.dict_size,
            (unsigned long long)info.raw_size, (unsigned long long)info.stored_size,
            (unsigned long long)sizes.bodies, (unsigned long long)sizes.names,
            (unsigned long long)sizes.aliases, (unsigned long long)sizes.search,
            (unsigned long long)sizes.metadata, (unsigned long long)sizes.table);
    dump_meta(a.r, &info);
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
        fprintf(text, " size %lu block %lu body %lu aliases %lu", (unsigned long)st.size,
                (unsigned long)st.block, (unsigned long)st.body, (unsigned long)st.alias_count);
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
        err = tome_read(a.r, id, st.size / 3, buf, st.size - st.size / 3);
        fprintf(text, " read %s %08lx", code(err),
                (unsigned long)(err == TOME_OK ? tome__hash(buf, st.size - st.size / 3) : 0));
        dump_aliases(a.r, id, st.alias_count, info.key_size_max);
        fprintf(text, "\n");
        free(key);
        free(title);
        free(buf);
    }
    dump_searches(a.r);
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
