/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tome.h - reader for tome compressed corpus archives.
 *
 * This header is the reference manual of the reader library.
 *
 * A tome archive holds text articles, each with a unique key (a UTF-8
 * string), an optional title and any number of aliases (more keys),
 * compressed with zstd into small blocks, with a folded search index and
 * optional metadata.  Articles are numbered 0..count-1 in byte-wise order of their keys, so an
 * ID is the rank of its key.  The on-disk format is specified in
 * docs/FORMAT.md.
 *
 * Memory.  The reader never allocates.  The caller provides one workspace
 * buffer; tome_workspace_size() says how big it must be for a given archive,
 * and TOME_WORKSPACE_BOUND() gives a compile-time bound for static arrays.
 * The reader handle itself lives inside the workspace.  Closing a reader is
 * just forgetting it: there is nothing to free.
 *
 * I/O.  An archive is read either from memory (a mapped file, or flash that
 * can be executed in place) or through a read-at-offset callback (SPI flash,
 * SD card, a file).  In memory mode the dictionary and compressed blocks are
 * used where they lie; in callback mode they are copied into the workspace,
 * and the size query accounts for that.
 *
 * Hostile input.  Every byte of an archive is treated as hostile.  Open
 * checks the header and footer; every later access checks the offsets and
 * lengths it uses; a damaged archive yields an error code, never a crash
 * or an out-of-bounds access.  Every frame and table record is checked
 * before it is trusted, and every body is bound to its article's ID, so no
 * call returns a wrong key, wrong bytes, or a skipped or repeated article
 * as success; tome_verify() checks everything, and names each damaged
 * article.
 *
 * Threads.  A reader keeps its last decompressed block in its workspace, so
 * calls on one reader must not overlap.  Open one reader (with its own
 * workspace) per thread; the archive bytes themselves are only read.
 *
 * Errors.  Functions return int: TOME_OK (0) on success, a negative
 * TOME_ERR_* code on failure (the numbers are pinned and never reused), and
 * tome_next() returns TOME_DONE (1) at the end of an iteration.
 * tome_error_name() turns a code into its name.
 *
 * Compile-time switches (define them the same for every file that includes
 * this header: on the command line, or in a TOME_CONFIG_FILE):
 *   TOME_CONFIG_FILE        a header this one includes first, named without
 *                           quotes (-DTOME_CONFIG_FILE=my_tome_config.h):
 *                           the place to define the switches below.
 *   TOME_ZSTD_MINIMAL       the smallest zstd decoder: src/port/tome_zstd.c
 *                           sets zstd's size macros (HUF_FORCE_DECOMPRESS_X1,
 *                           ZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT,
 *                           ZSTD_NO_INLINE, ZSTD_STRIP_ERROR_STRINGS,
 *                           ZSTD_DECODER_INTERNAL_BUFFER=2048), and
 *                           TOME_ZSTD_DCTX_BOUND becomes
 *                           TOME_ZSTD_DCTX_BOUND_MINIMAL.  tome_zstd.c fails
 *                           to compile when the context it builds does not
 *                           fit TOME_ZSTD_DCTX_BOUND.
 *   TOME_ZSTD_DCTX_BOUND    bytes of a zstd decompression context, used by
 *                           TOME_WORKSPACE_BOUND (default fits zstd 1.5.x
 *                           built with its default options, or with
 *                           TOME_ZSTD_MINIMAL the minimal build).
 *   TOME_ZSTD_DDICT_BOUND   bytes of a prepared zstd dictionary referenced
 *                           in place (same remark).
 *   TOME_NO_ERROR_NAMES     tome_error_name() returns "" for every code,
 *                           saving the string table on tiny devices.
 *
 * The reader is C99 and needs only <stddef.h>, <stdint.h>, memcpy, memcmp
 * and memset, plus zstd's decoder and xxHash.
 */
#ifndef TOME_H
#define TOME_H

/* The user's configuration first (see TOME_CONFIG_FILE above). */
#ifdef TOME_CONFIG_FILE
#define TOME_STRINGIZE_(x) #x
#define TOME_STRINGIZE(x) TOME_STRINGIZE_(x)
#include TOME_STRINGIZE(TOME_CONFIG_FILE)
#endif

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions ---------------------------------------------------------- */

/* Version of this library. */
#define TOME_VERSION_MAJOR 3
#define TOME_VERSION_MINOR 0
#define TOME_VERSION_PATCH 0
#define TOME_VERSION_NUMBER \
    (TOME_VERSION_MAJOR * 10000 + TOME_VERSION_MINOR * 100 + TOME_VERSION_PATCH)

/* Newest on-disk format this library reads and writes.  A reader refuses a
 * file with a newer major version, or the same major and a newer minor. */
#define TOME_FORMAT_MAJOR 3
#define TOME_FORMAT_MINOR 0

/* Library version of the compiled code, as TOME_VERSION_NUMBER and as
 * "MAJOR.MINOR.PATCH".  Compare with the macros to detect a header/library
 * mismatch. */
unsigned tome_version_number(void);
const char *tome_version_string(void);

/* Newest format version the compiled reader accepts, as MAJOR * 100 + MINOR. */
unsigned tome_format_version(void);

/* ---- errors ------------------------------------------------------------ */

/* X(name, value, description).  Values are pinned: never renumber. */
#define TOME_ERROR_LIST(X)                                                    \
    X(TOME_OK, 0, "success")                                                  \
    X(TOME_DONE, 1, "iteration finished")                                     \
    X(TOME_ERR_ARGUMENT, -1, "invalid argument (programming error)")          \
    X(TOME_ERR_WORKSPACE, -2, "workspace too small or misaligned")            \
    X(TOME_ERR_READ, -3, "the read callback failed")                          \
    X(TOME_ERR_NOT_ARCHIVE, -4, "not a tome archive (bad magic)")             \
    X(TOME_ERR_VERSION, -5, "archive format version is newer than reader")    \
    X(TOME_ERR_TRUNCATED, -6, "archive is shorter than it says it is")        \
    X(TOME_ERR_HEADER, -7, "header or footer is damaged or inconsistent")     \
    X(TOME_ERR_LIMIT, -8, "archive exceeds a limit set by the caller")        \
    X(TOME_ERR_RANGE, -9, "article ID or offset out of range")                \
    X(TOME_ERR_NOT_FOUND, -10, "no article has this key")                     \
    X(TOME_ERR_BUFFER, -11, "destination buffer too small")                   \
    X(TOME_ERR_CORRUPT, -12, "a table record points outside its bounds")      \
    X(TOME_ERR_DECOMPRESS, -13, "a block failed to decompress")               \
    X(TOME_ERR_CHECKSUM, -14, "content does not match its checksum")          \
    X(TOME_ERR_DICTIONARY, -15, "the dictionary is damaged")                  \
    X(TOME_ERR_DAMAGED, -16, "verification found damage")                    \
    X(TOME_ERR_KEYS, -17, "keys are not unique and in order, or not UTF-8 without NUL") \
    X(TOME_ERR_SET, -18, "not a set index, or a volume that does not belong to this set") \
    X(TOME_ERR_VOLUME, -19, "a volume is not the one the set index records (changed or swapped)")

#define TOME_ERROR_ENUM_ITEM(name, value, text) name = value,
enum tome_error { TOME_ERROR_LIST(TOME_ERROR_ENUM_ITEM) };
#undef TOME_ERROR_ENUM_ITEM

/* Name of a code ("TOME_ERR_CHECKSUM"), or "TOME_ERR_UNKNOWN" for a value
 * not in the list.  Never NULL.  Empty strings with TOME_NO_ERROR_NAMES. */
const char *tome_error_name(int code);

/* One-line English description of a code.  Never NULL. */
const char *tome_error_text(int code);

/* ---- opening ----------------------------------------------------------- */

/* Sizes of the fixed parts of the format (see docs/FORMAT.md). */
#define TOME_HEADER_SIZE 160
#define TOME_FOOTER_SIZE 24

/* The read callback of callback mode: copy `len` bytes of the archive
 * starting at byte `offset` into `dst`.  Return 0 on success, anything else
 * on failure (the reader then returns TOME_ERR_READ).  The reader never asks
 * for bytes at or beyond tome_config.size. */
typedef int (*tome_read_fn)(void *user, uint64_t offset, void *dst, size_t len);

/* Flags for tome_config.flags. */
/* Do not prepare the dictionary's entropy tables once at open; rebuild them
 * at the start of every block instead.  Saves TOME_ZSTD_DDICT_BOUND bytes of
 * workspace, costs time per block decompressed. */
#define TOME_OPEN_NO_DICT_TABLES 0x1u
/* tome_fetch() and tome_read() skip the segment checksums of body blocks.
 * Faster on slow CPUs; a damaged block may then yield wrong bytes without an
 * error.  Index frames and block heads are still checked (what to read and
 * for which ID never rests on unchecked bytes); tome_verify() checks all. */
#define TOME_OPEN_TRUST_CONTENT 0x2u

/* Everything the reader needs, in one struct.  Zero-initialise it, then set
 * the source (exactly one of `data` or `read`), `size`, and the workspace.
 * The struct is copied at open; the archive bytes (memory mode), the user
 * pointer and the workspace must outlive the reader. */
typedef struct tome_config {
    const void *data;     /* memory mode: the archive, `size` bytes */
    tome_read_fn read;    /* callback mode: reads the archive */
    void *user;           /* passed to `read` untouched */
    uint64_t size;        /* bytes available; the archive may be followed by
                             unrelated bytes (a flash partition), never less */
    void *workspace;      /* caller-owned, any alignment */
    size_t workspace_size;
    uint32_t flags;       /* TOME_OPEN_* */
    /* Caller limits; 0 means no limit.  An archive whose header declares a
     * larger article, block or key is refused at open with TOME_ERR_LIMIT. */
    uint64_t max_article_size;
    uint32_t max_block_size;
    uint32_t max_key_size;
} tome_config;

typedef struct tome_reader tome_reader;

/* Workspace bytes needed to open the archive described by `config` (its
 * workspace fields are ignored).  Reads and checks the header through the
 * configured source, so it returns the same errors as tome_open() for a bad
 * header.  The size depends on the archive, on the mode (callback mode adds
 * a copy of the dictionary and a staging buffer for compressed input) and on
 * TOME_OPEN_NO_DICT_TABLES. */
int tome_workspace_size(const tome_config *config, size_t *size);

/* The same size from the header fields alone, without an archive at hand:
 * what a tool that plans an archive for a RAM budget asks.  Exactly
 * tome_workspace_size() of an archive with these fields.
 * Errors: TOME_ERR_ARGUMENT, TOME_ERR_WORKSPACE (the total overflows). */
typedef struct tome_workspace_params {
    uint32_t block_size_max;
    uint32_t index_size_max;
    uint32_t chunk_size_max;
    uint32_t dict_size;
    int callback;   /* nonzero: callback mode */
    uint32_t flags; /* TOME_OPEN_* */
} tome_workspace_params;
int tome_workspace_size_for(const tome_workspace_params *params, size_t *size);

/* Compile-time upper bound of tome_workspace_size(), for static arrays,
 * from the header fields block_size_max, index_size_max, chunk_size_max
 * and dict_size (all shown by `tome info`, which prints the line to paste)
 * and whether callback mode is used.  Assumes prepared dictionary tables.
 * The sum is computed in at least unsigned long, but each argument plus 64
 * in the argument's own type: on a 16-bit target pass `UL` constants (as
 * `tome info` prints them), and on a host uint64_t values. */
/* Bytes of zstd 1.5's decompression context: default build, and the
 * TOME_ZSTD_MINIMAL build (32,304 on 32-bit Arm, 32,480 on x86-64 with
 * zstd 1.5.4).  `tome info` prints the workspace for both. */
#define TOME_ZSTD_DCTX_BOUND_DEFAULT (96UL * 1024UL)
#define TOME_ZSTD_DCTX_BOUND_MINIMAL (32UL * 1024UL)
#ifndef TOME_ZSTD_DCTX_BOUND
#ifdef TOME_ZSTD_MINIMAL
#define TOME_ZSTD_DCTX_BOUND TOME_ZSTD_DCTX_BOUND_MINIMAL
#else
#define TOME_ZSTD_DCTX_BOUND TOME_ZSTD_DCTX_BOUND_DEFAULT
#endif
#endif
#ifndef TOME_ZSTD_DDICT_BOUND
#define TOME_ZSTD_DDICT_BOUND (27UL * 1024UL + 512UL)
#endif
#define TOME_STATE_BOUND 2048u
#define TOME_WORKSPACE_BOUND(block_size_max, index_size_max, chunk_size_max,       \
                             dict_size, callback)                                \
    (TOME_STATE_BOUND + TOME_ZSTD_DCTX_BOUND + 64u +                            \
     ((dict_size) ? TOME_ZSTD_DDICT_BOUND + 64u : 0u) +                         \
     ((callback) ? (dict_size) + 64u : 0u) + (block_size_max) + 64u +           \
     (index_size_max) + 64u + ((callback) ? (chunk_size_max) + 64u : 0u))

/* Open an archive.  Checks the magic, version, header checksum, every
 * header field against the archive size and the caller's limits, the footer,
 * and the dictionary's checksum; prepares the zstd context and dictionary in
 * the workspace.  Tables and blocks are checked when they are used (and all
 * at once by tome_verify()).  On success *reader points into the workspace.
 * Errors: TOME_ERR_ARGUMENT, TOME_ERR_WORKSPACE, TOME_ERR_READ,
 * TOME_ERR_NOT_ARCHIVE, TOME_ERR_VERSION, TOME_ERR_TRUNCATED,
 * TOME_ERR_HEADER, TOME_ERR_LIMIT, TOME_ERR_DICTIONARY. */
int tome_open(tome_reader **reader, const tome_config *config);

/* ---- archive-wide facts ------------------------------------------------ */

typedef struct tome_archive_info {
    unsigned format_major, format_minor;
    uint64_t file_size;        /* bytes of the archive proper */
    uint32_t article_count;    /* articles (keys) */
    uint32_t body_count;       /* distinct bodies stored (after dedup) */
    uint32_t alias_count;      /* aliases (more keys for articles) */
    uint32_t search_count;     /* entries of the folded search tree */
    uint32_t meta_count;       /* metadata pairs (needs the metadata frame
                                  decoded: 0 when it is damaged) */
    uint32_t block_count;      /* zstd frames holding bodies */
    uint32_t index_frame_count; /* zstd frames of the trees and metadata */
    uint32_t name_leaf_count;  /* frames holding keys, titles and locations */
    uint32_t block_size_max;   /* largest decompressed body block */
    uint32_t index_size_max;   /* largest decompressed index frame */
    uint32_t chunk_size_max;   /* largest compressed piece read at once */
    uint32_t article_size_max; /* largest article */
    uint32_t key_size_max;     /* longest key or alias, bytes */
    uint32_t title_size_max;   /* longest title, bytes */
    uint32_t fold_size_max;    /* longest folded string of the search tree */
    uint32_t dict_size;        /* 0 when no dictionary */
    uint64_t raw_size;         /* sum of all article lengths */
    uint64_t stored_size;      /* bytes of the distinct bodies, each once */
} tome_archive_info;

/* Compressed bytes of each part of the archive, for reports (`tome
 * info`): the sum of the frame sizes of the block table's records, by kind.
 * Reads every record, so it costs a read per frame: not for a hot path
 * (tome_info() reads nothing).  Records failing their checksum are counted
 * in `damaged` instead.  Errors: TOME_ERR_ARGUMENT, TOME_ERR_READ. */
typedef struct tome_sizes {
    uint64_t dictionary;
    uint64_t bodies;   /* body block frames */
    uint64_t names;    /* name tree frames: keys, titles, locations */
    uint64_t aliases;  /* alias tree frames */
    uint64_t search;   /* search tree frames */
    uint64_t metadata; /* the metadata frame */
    uint64_t table;    /* the block table */
    uint32_t damaged;  /* records not counted */
} tome_sizes;
int tome_sizes_of(tome_reader *reader, tome_sizes *sizes);

/* Number of articles; IDs are 0..count-1. */
uint32_t tome_count(const tome_reader *reader);

/* Facts from the header.  Cannot fail on an open reader. */
void tome_info(const tome_reader *reader, tome_archive_info *info);

/* ---- articles ---------------------------------------------------------- */

typedef struct tome_article {
    uint32_t size;         /* bytes */
    uint32_t key_size;     /* bytes, without a terminator */
    uint32_t title_size;   /* bytes, 0 when the article has no title */
    uint32_t alias_count;  /* aliases of the article */
    uint32_t block;        /* body block holding the article's first byte */
    uint32_t body;         /* its body's index among that block's bodies */
} tome_article;

/* Describe article `id`: sizes from its name entry (in a name leaf, a
 * few KiB decompressed and kept in the workspace), and its size from the
 * head of its body block, which binds the body to the ID.
 * Errors: TOME_ERR_RANGE (id >= count), TOME_ERR_CORRUPT, TOME_ERR_READ,
 * TOME_ERR_DECOMPRESS, TOME_ERR_CHECKSUM. */
int tome_stat(tome_reader *reader, uint32_t id, tome_article *article);

/* Copy article `id`'s key (or title) into `buf` and terminate it with NUL;
 * `cap` must be at least key_size + 1 (title_size + 1); key_size_max + 1
 * (title_size_max + 1) from tome_info() always suffices.  An absent title
 * copies "".  Name leaves are checked against their checksums whenever they
 * are decompressed, so a damaged archive cannot return another key; a
 * text that breaks the format's rule (strict UTF-8 without NUL: with a NUL
 * the C string would read as another key) is TOME_ERR_KEYS.
 * Errors: TOME_ERR_RANGE, TOME_ERR_BUFFER, TOME_ERR_CORRUPT, TOME_ERR_KEYS,
 * TOME_ERR_DECOMPRESS, TOME_ERR_CHECKSUM, TOME_ERR_READ. */
int tome_key(tome_reader *reader, uint32_t id, char *buf, size_t cap);
int tome_title(tome_reader *reader, uint32_t id, char *buf, size_t cap);

/* Copy alias number `n` (0 .. alias_count - 1 of tome_stat()) of article
 * `id` into `buf`, NUL-terminated; key_size_max + 1 always suffices.
 * Errors: as tome_key(), TOME_ERR_RANGE when n >= the article's aliases. */
int tome_alias(tome_reader *reader, uint32_t id, uint32_t n, char *buf, size_t cap);

/* Decompress article `id` into `dst` (`cap` bytes).  Every byte returned
 * was checked against its segment's checksum (unless
 * TOME_OPEN_TRUST_CONTENT), and the body was checked to be article `id`'s.
 * On success *size is its length.  On TOME_ERR_BUFFER, *size is the length
 * needed and nothing was decompressed (SIZE_MAX where size_t cannot hold
 * it: 16-bit targets; see tome_stat()).  Blocks are decompressed only as far
 * as needed, and the last block is kept, so fetching neighbours or
 * iterating with tome_next() decompresses each block once.
 * Errors: TOME_ERR_RANGE, TOME_ERR_BUFFER, TOME_ERR_CORRUPT,
 * TOME_ERR_DECOMPRESS, TOME_ERR_CHECKSUM, TOME_ERR_READ. */
int tome_fetch(tome_reader *reader, uint32_t id, void *dst, size_t cap,
               size_t *size);

/* Copy `len` bytes of article `id` starting at byte `offset` into `dst`,
 * for articles too big for the caller's RAM.  Checked as tome_fetch():
 * each segment the range touches is decoded whole and checked.
 * Errors: as tome_fetch(), and TOME_ERR_RANGE when offset + len exceeds
 * the article. */
int tome_read(tome_reader *reader, uint32_t id, uint64_t offset, void *dst,
              size_t len);

/* Find the article whose key, or one of whose aliases, is exactly `key`
 * (`key_size` bytes, need not be NUL-terminated): one descent of the name
 * tree (a frame per level), then of the alias tree when no key matches.
 * *id is the article's ID (tome_key() gives its canonical key).
 * Errors: TOME_ERR_NOT_FOUND, TOME_ERR_CORRUPT, TOME_ERR_DECOMPRESS,
 * TOME_ERR_CHECKSUM, TOME_ERR_READ. */
int tome_find(tome_reader *reader, const char *key, size_t key_size,
              uint32_t *id);

/* Iterate over all articles in storage order (the order of their bytes in
 * the archive), which reads the archive sequentially and decompresses each
 * block once when each article is fetched in turn.  Set *cursor = 0, then
 * call until it returns TOME_DONE; each TOME_OK call sets *id.  The cursor
 * is the position in storage order: every ID is visited exactly once, or an
 * error is returned (the block heads listing the IDs are checked).
 * Errors: TOME_ERR_CORRUPT, TOME_ERR_DECOMPRESS, TOME_ERR_CHECKSUM,
 * TOME_ERR_READ. */
int tome_next(tome_reader *reader, uint32_t *cursor, uint32_t *id);

/* ---- search ------------------------------------------------------------ */

/* Prefix search over keys, titles and aliases, folded (case and accents
 * ignored, docs/FORMAT.md "Folding") or exact, a match at a time through a
 * caller-owned cursor.  Matches come in the order of the search tree:
 * folded string, then ID; an article matching by several texts comes once
 * per text.  A query decodes one frame per tree level, then the leaves
 * holding matches: no scan of the archive.
 *
 *     tome_search s;
 *     tome_match m;
 *     int rc = tome_search_start(r, &s, "strasse", 7, TOME_SEARCH_ALL);
 *     while (rc == TOME_OK && (rc = tome_search_next(r, &s, &m)) == TOME_OK)
 *         ... m.id, m.source ...
 *     (rc is TOME_DONE at the end)
 */
#define TOME_SEARCH_KEYS 0x1u    /* match keys */
#define TOME_SEARCH_TITLES 0x2u  /* match titles */
#define TOME_SEARCH_ALIASES 0x4u /* match aliases */
#define TOME_SEARCH_ALL 0x7u
/* Unfolded: the text must begin with the query byte for byte. */
#define TOME_SEARCH_EXACT 0x8u
/* Longest query, in bytes after folding. */
#define TOME_QUERY_MAX 256u

typedef struct tome_search {
    uint32_t flags;
    uint32_t frame;      /* leaf of the next entry */
    uint32_t entry;      /* its byte offset in the leaf's content (0: the
                            leaf's first entry) */
    uint32_t query_size; /* folded query */
    uint32_t exact_size; /* the query as given (TOME_SEARCH_EXACT) */
    uint32_t state;      /* 0 finished, 1 going on */
    uint32_t prev_size;  /* the previous entry's string: its size and */
    uint32_t prev_lcp;   /* common prefix with the query (front coding) */
    uint8_t query[TOME_QUERY_MAX];
    uint8_t exact[TOME_QUERY_MAX];
} tome_search;

typedef struct tome_match {
    uint32_t id;     /* the article */
    uint32_t source; /* 0 its key, 1 its title, 2 + j its alias j */
} tome_match;

/* Begin a search.  Errors: TOME_ERR_ARGUMENT (query not UTF-8, longer than
 * TOME_QUERY_MAX folded, or as given with TOME_SEARCH_EXACT, no source flag), TOME_ERR_NOT_FOUND (the archive
 * has no search tree, or the reader was built with TOME_NO_FOLDING), and the
 * errors of decoding a frame. */
int tome_search_start(tome_reader *reader, tome_search *search,
                      const char *query, size_t query_size, uint32_t flags);

/* The next match: TOME_OK and *match, TOME_DONE after the last, or an
 * error of decoding a frame. */
int tome_search_next(tome_reader *reader, tome_search *search, tome_match *match);

/* ---- metadata ---------------------------------------------------------- */

/* Metadata pair `index` (0 .. meta_count - 1, in name order) copied into
 * `name` and `value`, NUL-terminated.  Errors: TOME_ERR_RANGE,
 * TOME_ERR_BUFFER, and the errors of decoding a frame. */
int tome_meta_at(tome_reader *reader, uint32_t index, char *name, size_t name_cap,
                 char *value, size_t value_cap);

/* The value of metadata `name` (`name_size` bytes, need not be
 * NUL-terminated) into `value`, NUL-terminated; *size its bytes (on
 * TOME_ERR_BUFFER, the bytes needed without the terminator).
 * Errors: TOME_ERR_NOT_FOUND, TOME_ERR_BUFFER, and the errors of decoding
 * a frame. */
int tome_meta_get(tome_reader *reader, const char *name, size_t name_size, char *value,
                  size_t cap, size_t *size);

/* ---- verification ------------------------------------------------------ */

/* Parts of an archive named in damage reports. */
typedef enum tome_part {
    TOME_PART_FILE = 0,        /* whole-file checksum or footer */
    TOME_PART_DICTIONARY = 1,
    TOME_PART_BLOCK_TABLE = 2, /* index = record */
    TOME_PART_NAMES = 3,       /* index = name tree frame; TOME_ERR_KEYS for
                                  keys out of order, not unique or not UTF-8 */
    TOME_PART_ALIASES = 4,     /* index = alias tree frame */
    TOME_PART_SEARCH = 5,      /* index = search tree frame */
    TOME_PART_BLOCK = 6,       /* index = body block */
    TOME_PART_ARTICLE = 7,     /* index = article ID */
    TOME_PART_META = 8,        /* the metadata frame */
    TOME_PART_BINDINGS = 9     /* name entries, block heads, aliases and search
                                  entries disagree (TOME_NO_INDEX) */
} tome_part;

#define TOME_NO_INDEX 0xFFFFFFFFu

/* Called once per damaged part or article found by tome_verify().  `error`
 * says what is wrong (TOME_ERR_CHECKSUM, TOME_ERR_DECOMPRESS, ...). */
typedef void (*tome_damage_fn)(void *user, tome_part part, uint32_t index,
                               int error);

typedef struct tome_verify_report {
    uint32_t damaged_parts;    /* bit (1 << tome_part) set for each part */
    uint32_t damaged_blocks;
    uint32_t damaged_articles;
    uint32_t checked_articles;
} tome_verify_report;

/* Check everything docs/FORMAT.md's "What a verifier checks" lists: the
 * whole-file checksum, every block table record, every frame's content and
 * structure, key order, and the bindings between names, bodies, aliases and
 * search entries, in one pass with no memory beyond the workspace.  Reports every problem to `on_damage` (may be
 * NULL) and fills `report` (may be NULL).  Returns TOME_OK when the archive
 * is intact, TOME_ERR_DAMAGED when anything was reported, or TOME_ERR_READ
 * when the callback failed. */
int tome_verify(tome_reader *reader, tome_damage_fn on_damage, void *user,
                tome_verify_report *report);

/* ---- volume sets ------------------------------------------------------- */

/* A set is one corpus in several archives (volumes), each complete on its
 * own, plus a set index: docs/FORMAT.md, "Volume sets".  Global IDs run
 * over the volumes in order (volume v holds [first_id, first_id + count));
 * keys are in one order across the set.  The set reader keeps at most one
 * volume open, in its part of the workspace, and reopens (and rechecks)
 * a volume when a call needs another one. */

/* Where one archive's bytes are: memory (`data`) or a callback (`read`,
 * `user`), `size` bytes available, as in tome_config. */
typedef struct tome_source {
    const void *data;
    tome_read_fn read;
    void *user;
    uint64_t size;
} tome_source;

/* Longest volume file name a set index records, bytes. */
#define TOME_SET_NAME_MAX 255u

typedef struct tome_set_config {
    tome_source index;            /* the set index */
    const tome_source *volumes;   /* volume_count sources, volume 0 first;
                                     the array must outlive the set */
    uint32_t volume_count;        /* 0: open the index alone (volume calls
                                     then fail with TOME_ERR_RANGE), to
                                     learn the volumes' names first */
    void *workspace;              /* caller-owned, any alignment */
    size_t workspace_size;
    uint32_t flags;               /* TOME_OPEN_*, for the index and every volume */
    uint64_t max_article_size;    /* caller limits, as in tome_config */
    uint32_t max_block_size;
    uint32_t max_key_size;
} tome_set_config;

typedef struct tome_set tome_set;

/* Bytes of the set's own state in the workspace (with alignment slack). */
#define TOME_SET_STATE_BOUND 512u

/* Workspace bytes for tome_set_open(): TOME_SET_STATE_BOUND, plus
 * tome_workspace_size() of the index, plus the largest
 * tome_workspace_size() of the volumes (each read through its source;
 * a volume whose header is missing, short or damaged is left out: opening
 * it fails later, and tome_set_verify() reports it).  A static bound: the
 * sum of TOME_WORKSPACE_BOUND() of the index and of the largest volume,
 * plus TOME_SET_STATE_BOUND.  Errors: as tome_workspace_size() for the
 * index, TOME_ERR_ARGUMENT, and TOME_ERR_READ when a volume's read
 * callback fails (a volume left out for it would later be refused for a
 * workspace sized without it). */
int tome_set_workspace_size(const tome_set_config *config, size_t *size);

/* Open a set: the index is opened and checked as by tome_open(), then its
 * metadata (tome.set, tome.volumes, tome.articles) and every volume record
 * (first IDs consecutive from 0, counts >= 1, names valid) are checked;
 * volumes are opened when first used.  Errors: those of tome_open() for the
 * index; TOME_ERR_SET (not a set index: no tome.set or tome.volumes);
 * TOME_ERR_CORRUPT (records or values break the rules);
 * TOME_ERR_ARGUMENT (volume_count is neither 0 nor the index's count). */
int tome_set_open(tome_set **set, const tome_set_config *config);

/* Articles of the whole set; volumes in the set. */
uint32_t tome_set_count(const tome_set *set);
uint32_t tome_set_volume_count(const tome_set *set);

/* The set index, opened as an archive (its metadata: tome_meta_get()). */
tome_reader *tome_set_index(tome_set *set);

/* What the set index records of volume `volume`. */
typedef struct tome_set_volume {
    uint64_t file_size;
    uint32_t file_checksum, header_checksum;
    uint32_t first_id, article_count, alias_count;
    char name[TOME_SET_NAME_MAX + 1]; /* file name, NUL-terminated */
} tome_set_volume;
int tome_set_volume_info(tome_set *set, uint32_t volume, tome_set_volume *info);

/* Open volume `volume` (closing the one open before) and check that it is
 * the one the index records: its tome.set equal to the index's
 * (TOME_ERR_SET otherwise), then its file size, header and file checksums
 * (read from its header and footer), article and alias counts, tome.volume
 * and tome.first_id (TOME_ERR_VOLUME otherwise).  *reader is valid until a
 * set call opens another volume; its IDs are local (global = first_id +
 * local).  Errors: those, TOME_ERR_RANGE, and those of tome_open(). */
int tome_set_volume_reader(tome_set *set, uint32_t volume, tome_reader **reader);

/* The volume holding global ID `id`, and its local ID there (the volume is
 * not opened).  Errors: TOME_ERR_RANGE, and decoding the index. */
int tome_set_locate(tome_set *set, uint32_t id, uint32_t *volume, uint32_t *local);

/* As tome_fetch(), tome_key(), tome_title() of the volume holding `id`,
 * with its local ID; plus the errors of opening that volume. */
int tome_set_fetch(tome_set *set, uint32_t id, void *dst, size_t cap, size_t *size);
int tome_set_key(tome_set *set, uint32_t id, char *buf, size_t cap);
int tome_set_title(tome_set *set, uint32_t id, char *buf, size_t cap);

/* Find by key or alias over the whole set: the index names the volume (an
 * alias exactly, a key by the last volume whose first key is <= it), then
 * tome_find() there.  *id is global.  Errors: as tome_find(), plus those of
 * opening the volume. */
int tome_set_find(tome_set *set, const char *key, size_t key_size, uint32_t *id);

/* Iterate over every article: volume by volume, in each in storage order
 * (tome_next()).  Set *cursor = 0; each TOME_OK call sets *id (global);
 * TOME_DONE at the end.  Errors: as tome_next(), plus opening volumes. */
int tome_set_next(tome_set *set, uint32_t *cursor, uint32_t *id);

/* Prefix search over the whole set, as tome_search_start()/next() over
 * one archive: volume by volume (so keys come in volume order), in each in
 * the order of its search tree; match IDs are global.  The cursor keeps
 * the query as given, at most TOME_QUERY_MAX bytes, to search each volume
 * with it; other set calls may come between two tome_set_search_next()
 * calls (the volume is reopened).  Start searches volume 0 at once, so a
 * bad query fails there.  Errors: those of tome_search_start() and
 * tome_search_next(), plus opening volumes. */
typedef struct tome_set_search {
    tome_search inner;  /* the search in the current volume */
    uint32_t volume;    /* the current volume */
    uint32_t started;   /* inner belongs to `volume` */
    uint32_t flags;
    uint32_t query_size;
    uint8_t query[TOME_QUERY_MAX];
} tome_set_search;
int tome_set_search_start(tome_set *set, tome_set_search *search, const char *query,
                          size_t query_size, uint32_t flags);
int tome_set_search_next(tome_set *set, tome_set_search *search, tome_match *match);

/* Called for each damage tome_set_verify() finds: `volume` is the volume
 * (TOME_NO_INDEX for the set index itself); part, index and error as in
 * tome_damage_fn, an article's index being its global ID.  A volume that
 * cannot be opened, or is not the one recorded, is reported once as
 * TOME_PART_FILE with the error (TOME_ERR_TRUNCATED, TOME_ERR_SET,
 * TOME_ERR_VOLUME, ...). */
typedef void (*tome_set_damage_fn)(void *user, uint32_t volume, tome_part part, uint32_t index,
                                   int error);

typedef struct tome_set_verify_report {
    uint32_t damaged_volumes;  /* volumes with any damage, or not opening */
    int index_damaged;         /* the set index failed its own verify */
    uint32_t damaged_articles; /* over all volumes */
    uint32_t checked_articles;
} tome_set_verify_report;

/* tome_verify() of the index and of every volume (opened and checked as by
 * tome_set_volume_reader()), and the set's own rules: each volume's first
 * key equal to its index key and its last key below the next volume's
 * first key (else TOME_PART_NAMES, TOME_ERR_VOLUME), the index's aliases of
 * each volume aliases in it, as many as it has (else TOME_PART_ALIASES,
 * TOME_ERR_VOLUME), and the alias counts summing to the index's (else
 * TOME_PART_BINDINGS for the index).  Returns TOME_OK, TOME_ERR_DAMAGED
 * when anything was reported, or TOME_ERR_READ when a read callback
 * failed, of the index or of any volume (never reported as damage: call
 * again).  Afterwards no volume is open (the next call reopens one). */
int tome_set_verify(tome_set *set, tome_set_damage_fn on_damage, void *user,
                    tome_set_verify_report *report);

#ifdef __cplusplus
}
#endif
#endif /* TOME_H */
