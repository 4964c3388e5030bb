/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_damage.c - damaged copies of an archive, made in RAM: a bad magic,
 * a bad header, a truncated file must be refused at open; a bad block table
 * record, a bad compressed body block and a bad compressed name leaf must be
 * named by tome_verify(), in memory and in callback mode, and the calls that
 * need them must fail (format 3.0: a record checks itself, a fetch needs its
 * article's name entry and its body block's head).
 *
 * Which articles a damaged block takes with it depends on where the zstd
 * decoder in use notices the damage, and the device's decoder is built
 * differently from the host's; so those reports go on '#' lines, and the
 * compared lines say only what every decoder must agree on.
 */
#include <string.h>

#include "check.h"
#include "format.h"

static const char *const part_names[] = {"file",    "dictionary", "block-table", "names",
                                         "aliases", "search",     "block",       "article",
                                         "meta",    "bindings"};

/* What tome_verify() reported through its callback. */
typedef struct damage_log {
    int articles_on_measure_lines; /* decoder-dependent: keep out of the diff */
    unsigned name_frames;          /* name tree frames reported */
    uint32_t name_frame;           /* the last one reported */
    unsigned records;              /* block table records reported */
    uint32_t record;               /* the last one reported */
} damage_log;

static void on_damage(void *user, tome_part part, uint32_t index, int error)
{
    damage_log *log = (damage_log *)user;
    if (part == TOME_PART_NAMES) {
        log->name_frames++;
        log->name_frame = index;
    }
    if (part == TOME_PART_BLOCK_TABLE) {
        log->records++;
        log->record = index;
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

#define PART(p) (1u << (p))

/* The parts reported are all of `must` and nothing beyond `must | may`. */
static int parts_are(uint32_t got, uint32_t must, uint32_t may)
{
    return (got & must) == must && (got & ~(must | may)) == 0;
}

/* Block table record `index`. */
static uint8_t *record_of(uint8_t *copy, uint32_t index)
{
    return copy + tome_get64(copy + HDR_BLOCK_TABLE_OFFSET) + (uint64_t)index * BLK_RECORD_SIZE;
}

/* Where frame `index` of the block table (body blocks, then the name tree,
 * ...) lies: *offset gets the frame's offset; returns its size. */
static uint32_t frame_of(uint8_t *copy, uint32_t index, uint64_t *offset)
{
    const uint8_t *record = record_of(copy, index);
    *offset = tome_get64(record + BLK_FRAME_OFFSET);
    return tome_get32(record + BLK_FRAME_SIZE);
}

/* The last ID in storage order and its body block, from the intact copy:
 * 0 when there is none. */
static int last_stored(uint8_t *copy, size_t size, uint32_t *id, uint32_t *block)
{
    size_t mark = scratch_mark();
    tome_reader *reader;
    tome_article a;
    spi_flash flash;
    uint32_t cursor = 0, next;
    int found = 0;
    if (open_copy(&reader, copy, size, 0, &flash) == TOME_OK) {
        while (tome_next(reader, &cursor, &next) == TOME_OK) {
            *id = next;
            found = 1;
        }
        found = found && tome_stat(reader, *id, &a) == TOME_OK;
        if (found)
            *block = a.block;
    }
    scratch_release(mark);
    return found;
}

/* A fetch of article `id` from the damaged copy must fail; returns its code,
 * printed on a '#' line when `measure` (which error depends on where the
 * zstd decoder in use notices the damage). */
static int fetch_fails(uint8_t *copy, size_t size, int callback, uint32_t id, int measure,
                       const char *what)
{
    size_t mark = scratch_mark();
    uint32_t cap = tome_get32(copy + HDR_ARTICLE_SIZE_MAX);
    uint8_t *out = (uint8_t *)scratch_take(cap + 1u);
    tome_reader *reader;
    spi_flash flash;
    size_t n;
    int err = TOME_ERR_WORKSPACE;
    if (expect(out != NULL, "scratch memory is large enough") &&
        expect_code(open_copy(&reader, copy, size, callback, &flash), TOME_OK,
                    "tome_open of a copy with damaged contents"))
        err = tome_fetch(reader, id, out, cap, &n);
    if (measure)
        out_text("# ");
    out_text("  fetch of article ");
    out_u64(id);
    out_text(": ");
    out_code(err);
    out_end();
    expect(err != TOME_OK, what);
    scratch_release(mark);
    return err;
}

/* One bit of the content checksum of the record of the block holding the
 * last article in storage order: the record's own checksum no longer
 * holds, so the record is refused before its frame is read. */
static void check_bad_record(const char *archive, uint8_t *copy, size_t size)
{
    uint32_t id = 0, b = 0;
    int callback;
    if (!last_stored(copy, size, &id, &b))
        return;
    record_of(copy, b)[BLK_CONTENT_CHECKSUM] ^= 0x01;
    for (callback = 0; callback <= 1; callback++) {
        tome_verify_report rep;
        damage_log log;
        out_text("damage ");
        out_text(archive);
        out_text(" block table record ");
        out_u64(b);
        out_end();
        rep = verify_copy(copy, size, callback, 1, &log);
        expect(parts_are(rep.damaged_parts,
                         PART(TOME_PART_FILE) | PART(TOME_PART_BLOCK_TABLE) |
                             PART(TOME_PART_ARTICLE),
                         PART(TOME_PART_BLOCK) | PART(TOME_PART_BINDINGS)) &&
                   log.records == 1 && log.record == b && rep.damaged_articles > 0,
               "verify names the file, the record and articles of its block");
        expect_code(fetch_fails(copy, size, callback, id, 0, "tome_fetch through a bad record"),
                    TOME_ERR_CORRUPT, "a bad record is TOME_ERR_CORRUPT");
    }
}

/* One byte in the middle of the last body block's compressed frame. */
static void check_bad_block(const char *archive, uint8_t *copy, size_t size)
{
    uint32_t id = 0, b = 0, frame_size;
    uint64_t frame;
    int callback;
    if (!last_stored(copy, size, &id, &b))
        return;
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
        expect(parts_are(rep.damaged_parts,
                         PART(TOME_PART_FILE) | PART(TOME_PART_BLOCK) | PART(TOME_PART_ARTICLE),
                         PART(TOME_PART_BINDINGS)) &&
                   rep.damaged_blocks == 1 && rep.damaged_articles > 0,
               "verify names the file, the block and its articles");
        (void)fetch_fails(copy, size, callback, id, 1, "tome_fetch from a damaged block fails");
    }
}

/* After one byte in the middle of a name leaf's compressed frame: the key
 * of article `id`, the leaf's first, can be neither read nor found, nor
 * its body fetched (its location is in the leaf).  `key` is that key, read
 * from the intact archive. */
static void use_bad_name_leaf(uint8_t *copy, size_t size, int callback, uint32_t id,
                              const char *key, char *name, uint32_t name_cap)
{
    uint32_t found = TOME_NO_INDEX;
    tome_reader *reader;
    spi_flash flash;
    int err;
    if (!expect_code(open_copy(&reader, copy, size, callback, &flash), TOME_OK,
                     "tome_open of a copy with a damaged name leaf"))
        return;
    err = tome_key(reader, id, name, name_cap);
    out_text("  key of article ");
    out_u64(id);
    out_text(": ");
    out_text(err == TOME_OK ? "returned" : "refused");
    out_end();
    expect(err != TOME_OK, "tome_key refuses a key of the damaged name leaf");
    expect(tome_key(reader, id, name, name_cap) != TOME_OK, "and refuses it again");
    err = tome_find(reader, key, text_length(key), &found);
    out_text("  find of its key: ");
    out_text(err == TOME_OK ? "found" : err == TOME_ERR_NOT_FOUND ? "not found" : "refused");
    out_end();
    expect(err != TOME_OK && err != TOME_ERR_NOT_FOUND,
           "tome_find through the damaged name leaf reports damage");
    (void)fetch_fails(copy, size, callback, id, 1, "tome_fetch needs the article's name leaf");
}

/* One byte in the middle of the middle name leaf's compressed frame (a
 * neighbour on each side when there are three or more): verify names that
 * frame and the articles it holds. */
static void check_bad_name_leaf(const char *archive, uint8_t *copy, size_t size)
{
    uint32_t blocks = tome_get32(copy + HDR_BODY_BLOCKS);
    uint32_t leaves = tome_get32(copy + HDR_NAME_LEAVES);
    uint32_t count = tome_get32(copy + HDR_ARTICLE_COUNT);
    uint32_t name_cap = tome_get32(copy + HDR_KEY_SIZE_MAX) + 1u, leaf, id, end, frame_size;
    uint64_t frame;
    int callback;
    if (leaves == 0 || count == 0)
        return;
    leaf = leaves / 2;
    id = tome_get32(record_of(copy, blocks + leaf) + BLK_FIRST);
    end = leaf + 1 < leaves ? tome_get32(record_of(copy, blocks + leaf + 1) + BLK_FIRST) : count;
    frame_size = frame_of(copy, blocks + leaf, &frame);
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
            out_text(" compressed name leaf ");
            out_u64(leaf);
            out_text(" (articles ");
            out_u64(id);
            out_text(" to ");
            out_u64(end - 1u);
            out_text(")");
            out_end();
            rep = verify_copy(copy, size, callback, 0, &log);
            expect(parts_are(rep.damaged_parts,
                             PART(TOME_PART_FILE) | PART(TOME_PART_NAMES) |
                                 PART(TOME_PART_ARTICLE),
                             PART(TOME_PART_BINDINGS)) &&
                       rep.damaged_articles == end - id && log.name_frames == 1 &&
                       log.name_frame == leaf,
                   "verify names the file, the one name leaf and its articles");
            use_bad_name_leaf(copy, size, callback, id, key, name, name_cap);
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
    check_bad_record(archive, copy, size);
    memcpy(copy, original, size);
    check_bad_block(archive, copy, size);
    memcpy(copy, original, size);
    check_bad_name_leaf(archive, copy, size);
    scratch_release(mark);
}
