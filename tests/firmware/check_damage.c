/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_damage.c - damaged copies of an archive, made in RAM: a bad magic,
 * a bad header, a truncated file must be refused at open; a bad article
 * checksum, a bad compressed body block and a bad compressed key block must
 * be named by tome_verify(), in memory and in callback mode.  Keys live in
 * key blocks of their own (format 2.0), so a bad key block costs the keys in
 * it, never another key, and never an article's body.
 *
 * Which articles a damaged block takes with it depends on where the zstd
 * decoder in use notices the damage, and the device's decoder is built
 * differently from the host's; so those reports go on '#' lines, and the
 * compared lines say only what every decoder must agree on.
 */
#include <string.h>

#include "check.h"
#include "format.h"

static const char *const part_names[] = {"file",        "dictionary", "block-table",
                                         "entry-table", "order-table", "keys",
                                         "block",       "article"};

/* What tome_verify() reported through its callback. */
typedef struct damage_log {
    int articles_on_measure_lines; /* decoder-dependent: keep out of the diff */
    unsigned key_blocks;           /* key blocks reported */
    uint32_t key_block;            /* the last one reported */
} damage_log;

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    damage_log *log = (damage_log *)user;
    if (part == TOME_PART_KEYS) {
        log->key_blocks++;
        log->key_block = index;
    }
    if (part == TOME_PART_ARTICLE && log->articles_on_measure_lines)
        out_text("# ");
    out_text("  damaged ");
    out_text((unsigned)part < sizeof part_names / sizeof part_names[0] ? part_names[part] : "?");
    if (index != TOME_NO_INDEX) {
        out_text(" ");
        out_u64(index);
    }
    out_text(" ");
    out_code(error);
    out_end();
}

/* A reader over `copy` in memory mode or, through a simulated flash chip,
 * in callback mode.  Returns tome_open()'s code. */
static int open_copy(tome_reader **reader, const uint8_t *copy, size_t size, int callback,
                     spi_flash *flash)
{
    tome_config cfg;
    size_t need = 0;
    int err;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = size;
    if (callback) {
        spi_flash_attach(flash, copy, size);
        cfg.read = spi_flash_read;
        cfg.user = flash;
    } else {
        cfg.data = copy;
    }
    if ((err = tome_workspace_size(&cfg, &need)) != TOME_OK)
        return err;
    cfg.workspace = scratch_take(need);
    cfg.workspace_size = need;
    if (!expect(cfg.workspace != NULL, "scratch memory is large enough"))
        return TOME_ERR_WORKSPACE;
    return tome_open(reader, &cfg);
}

static void check_refused(const char *archive, uint8_t *copy, size_t size, const char *what,
                          int want)
{
    size_t mark = scratch_mark();
    tome_reader *reader;
    spi_flash flash;
    int err = open_copy(&reader, copy, size, 0, &flash);
    out_text("damage ");
    out_text(archive);
    out_text(" ");
    out_text(what);
    out_text(": open ");
    out_code(err);
    out_end();
    expect_code(err, want, what);
    scratch_release(mark);
}

static tome_verify_report verify_copy(uint8_t *copy, size_t size, int callback,
                                      int articles_on_measure_lines, damage_log *logged)
{
    size_t mark = scratch_mark();
    tome_verify_report rep;
    tome_reader *reader;
    spi_flash flash;
    damage_log log;
    int err;
    memset(&rep, 0, sizeof rep);
    memset(&log, 0, sizeof log);
    log.articles_on_measure_lines = articles_on_measure_lines;
    out_text(callback ? "  verify mode=callback" : "  verify mode=memory");
    out_end();
    if (expect_code(open_copy(&reader, copy, size, callback, &flash), TOME_OK,
                    "tome_open of a copy with damaged contents")) {
        err = tome_verify(reader, on_damage, &log, &rep);
        expect_code(err, TOME_ERR_DAMAGED, "tome_verify names the damage");
    }
    if (logged)
        *logged = log;
    scratch_release(mark);
    return rep;
}

/* The stored checksum of one article no longer matches its bytes. */
static void check_bad_article_checksum(const char *archive, uint8_t *copy, size_t size)
{
    uint32_t count = tome_get32(copy + HDR_ARTICLE_COUNT), id = count / 2;
    uint64_t entries = tome_get64(copy + HDR_ENTRY_TABLE_OFFSET);
    uint32_t want_parts = (1u << TOME_PART_FILE) | (1u << TOME_PART_ENTRY_TABLE) |
                          (1u << TOME_PART_ARTICLE);
    int callback;
    if (count == 0)
        return;
    copy[entries + (uint64_t)id * copy[HDR_ENTRY_RECORD_SIZE] + ENT_CHECKSUM] ^= 0x01;
    for (callback = 0; callback <= 1; callback++) {
        size_t mark = scratch_mark();
        tome_verify_report rep;
        tome_reader *reader;
        spi_flash flash;
        uint8_t *out;
        size_t n;
        out_text("damage ");
        out_text(archive);
        out_text(" checksum of article ");
        out_u64(id);
        out_end();
        rep = verify_copy(copy, size, callback, 0, NULL);
        expect(rep.damaged_parts == want_parts && rep.damaged_articles == 1,
               "verify names the file, the entry table and the one article");
        out = (uint8_t *)scratch_take(tome_get32(copy + HDR_ARTICLE_SIZE_MAX) + 1u);
        if (expect(out != NULL, "scratch memory is large enough") &&
            open_copy(&reader, copy, size, callback, &flash) == TOME_OK)
            expect_code(tome_fetch(reader, id, out, tome_get32(copy + HDR_ARTICLE_SIZE_MAX), &n),
                        TOME_ERR_CHECKSUM, "tome_fetch of the damaged article");
        scratch_release(mark);
    }
}

/* Where block `index` of the block table (body blocks, then key blocks)
 * keeps its frame: *offset gets the frame's offset; returns its size. */
static uint32_t frame_of(const uint8_t *copy, uint32_t index, uint64_t *offset)
{
    const uint8_t *record =
        copy + tome_get64(copy + HDR_BLOCK_TABLE_OFFSET) + (uint64_t)index * BLK_RECORD_SIZE;
    *offset = tome_get64(record + BLK_FRAME_OFFSET);
    return tome_get32(record + BLK_FRAME_SIZE);
}

/* One byte in the middle of the last body block's compressed frame. */
static void check_bad_block(const char *archive, uint8_t *copy, size_t size)
{
    uint32_t blocks = tome_get32(copy + HDR_BLOCK_COUNT), b, frame_size;
    uint64_t frame;
    uint32_t want_parts = (1u << TOME_PART_FILE) | (1u << TOME_PART_BLOCK) |
                          (1u << TOME_PART_ARTICLE);
    int callback;
    if (blocks == 0)
        return;
    b = blocks - 1;
    frame_size = frame_of(copy, b, &frame);
    copy[frame + frame_size / 2] ^= 0x10;
    for (callback = 0; callback <= 1; callback++) {
        tome_verify_report rep;
        out_text("damage ");
        out_text(archive);
        out_text(" compressed block ");
        out_u64(b);
        out_end();
        rep = verify_copy(copy, size, callback, 1, NULL);
        out_text("  articles damaged: ");
        out_text(rep.damaged_articles > 0 ? "some" : "none");
        out_end();
        expect(rep.damaged_parts == want_parts && rep.damaged_blocks == 1 &&
                   rep.damaged_articles > 0,
               "verify names the file, the block and its articles");
    }
}

/* After one byte in the middle of a key block's compressed frame: the key
 * of article `id`, the block's first, can be neither read nor found, and
 * its body is still fetched intact.  `key` is that key, read from the
 * intact archive. */
static void use_bad_key_block(uint8_t *copy, size_t size, int callback, uint32_t id,
                              const char *key, char *name, uint32_t name_cap)
{
    uint32_t article_cap = tome_get32(copy + HDR_ARTICLE_SIZE_MAX), found = TOME_NO_INDEX;
    uint8_t *out = (uint8_t *)scratch_take(article_cap + 1u);
    tome_reader *reader;
    spi_flash flash;
    size_t n;
    int err;
    if (!expect(out != NULL, "scratch memory is large enough") ||
        !expect_code(open_copy(&reader, copy, size, callback, &flash), TOME_OK,
                     "tome_open of a copy with a damaged key block"))
        return;
    err = tome_key(reader, id, name, name_cap);
    out_text("  key of article ");
    out_u64(id);
    out_text(": ");
    out_text(err == TOME_OK ? "returned" : "refused");
    out_end();
    expect(err != TOME_OK, "tome_key refuses a key of the damaged key block");
    expect(tome_key(reader, id, name, name_cap) != TOME_OK, "and refuses it again");
    err = tome_find(reader, key, text_length(key), &found);
    out_text("  find of its key: ");
    out_text(err == TOME_OK ? "found" : err == TOME_ERR_NOT_FOUND ? "not found" : "refused");
    out_end();
    expect(err != TOME_OK && err != TOME_ERR_NOT_FOUND,
           "tome_find through the damaged key block reports damage");
    err = tome_fetch(reader, id, out, article_cap, &n);
    out_text("  fetch of article ");
    out_u64(id);
    out_text(": ");
    out_code(err);
    out_end();
    expect_code(err, TOME_OK, "tome_fetch does not need the key block");
}

/* One byte in the middle of the middle key block's compressed frame (so
 * that it has a neighbour on each side when there are three or more):
 * verify names that key block, and no other part but the file. */
static void check_bad_key_block(const char *archive, uint8_t *copy, size_t size)
{
    uint32_t blocks = tome_get32(copy + HDR_BLOCK_COUNT);
    uint32_t key_blocks = tome_get32(copy + HDR_KEY_BLOCK_COUNT);
    uint32_t count = tome_get32(copy + HDR_ARTICLE_COUNT);
    uint32_t name_cap = tome_get32(copy + HDR_KEY_SIZE_MAX) + 1u, kb, id, frame_size;
    uint32_t want_parts = (1u << TOME_PART_FILE) | (1u << TOME_PART_KEYS);
    uint64_t frame;
    int callback;
    if (key_blocks == 0 || count == 0)
        return;
    kb = key_blocks / 2;
    id = kb * tome_get32(copy + HDR_KEYS_PER_BLOCK);
    frame_size = frame_of(copy, blocks + kb, &frame);
    for (callback = 0; callback <= 1; callback++) {
        size_t mark = scratch_mark();
        char *key = (char *)scratch_take(name_cap), *name = (char *)scratch_take(name_cap);
        tome_verify_report rep;
        damage_log log;
        tome_reader *reader;
        spi_flash flash;
        if (expect(key && name, "scratch memory is large enough") &&
            expect_code(open_copy(&reader, copy, size, callback, &flash), TOME_OK,
                        "tome_open of the intact copy") &&
            expect_code(tome_key(reader, id, key, name_cap), TOME_OK,
                        "tome_key of the intact copy")) {
            copy[frame + frame_size / 2] ^= 0x10;
            out_text("damage ");
            out_text(archive);
            out_text(" compressed key block ");
            out_u64(kb);
            out_end();
            rep = verify_copy(copy, size, callback, 0, &log);
            expect(rep.damaged_parts == want_parts && rep.damaged_articles == 0 &&
                       log.key_blocks == 1 && log.key_block == kb,
                   "verify names the file and the one key block");
            use_bad_key_block(copy, size, callback, id, key, name, name_cap);
            copy[frame + frame_size / 2] ^= 0x10;
        }
        scratch_release(mark);
    }
}

void check_damage(const char *archive, const uint8_t *original, size_t size)
{
    size_t mark = scratch_mark();
    uint8_t *copy = (uint8_t *)scratch_take(size);
    if (!expect(copy != NULL, "scratch memory is large enough") ||
        !expect(size >= TOME_HEADER_SIZE, "the archive has a header"))
        return;
    memcpy(copy, original, size);
    copy[0] ^= 0xFF;
    check_refused(archive, copy, size, "magic", TOME_ERR_NOT_ARCHIVE);
    memcpy(copy, original, size);
    copy[HDR_ARTICLE_COUNT] ^= 0x01;
    check_refused(archive, copy, size, "header", TOME_ERR_HEADER);
    memcpy(copy, original, size);
    check_refused(archive, copy, size - 1, "truncated", TOME_ERR_TRUNCATED);
    check_bad_article_checksum(archive, copy, size);
    memcpy(copy, original, size);
    check_bad_block(archive, copy, size);
    memcpy(copy, original, size);
    check_bad_key_block(archive, copy, size);
    scratch_release(mark);
}
