/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tome_pack.h - the packer: builds tome archives on a host (C11, allocates).
 *
 * Usage:
 *     tome_pack_options o;
 *     tome_pack_options_default(&o);
 *     tome_packer *p = tome_packer_new(&o);
 *     tome_pack_add_tree(p, "corpus/");          // and/or add_jsonl, add
 *     tome_pack_add_alias(p, "a", 1, "b.txt", 5, NULL); // optional
 *     tome_pack_meta(p, "title", "My corpus");   // optional
 *     tome_pack_write(p, "out.tome", &stats);
 *     tome_packer_free(p);
 *
 * Every function returns TOME_PACK_OK (0) or a negative TOME_PACK_ERR_*
 * code; tome_packer_message() then holds a sentence naming the problem and
 * the input it came from.  After an error the packer may only be freed;
 * tome_pack_add() and tome_pack_write() then fail with
 * TOME_PACK_ERR_ARGUMENT, and the message stays the first error's: the
 * cause, not a consequence.
 *
 * Determinism: the archive depends only on the set of (key, title, body)
 * articles, the set of aliases and metadata pairs, and the options, never
 * on the order they were added, the number of threads, or the machine.
 */
#ifndef TOME_PACK_H
#define TOME_PACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, description).  Values are pinned: never renumber.  They
 * lie apart from the reader's TOME_ERR_* codes, so one int can carry
 * either kind. */
#define TOME_PACK_ERROR_LIST(X)                                                   \
    X(TOME_PACK_OK, 0, "success")                                                 \
    X(TOME_PACK_ERR_ARGUMENT, -101, "bad option or call")                         \
    X(TOME_PACK_ERR_IO, -102, "reading input or writing output failed")           \
    X(TOME_PACK_ERR_INPUT, -103, "malformed input (JSON, UTF-8, file names)")     \
    X(TOME_PACK_ERR_DUPLICATE, -104, "two articles or aliases with one key")      \
    X(TOME_PACK_ERR_LIMIT, -105, "an article, key or title is too big")           \
    X(TOME_PACK_ERR_EMPTY, -106, "nothing to pack")                               \
    X(TOME_PACK_ERR_MEMORY, -107, "out of memory")                                \
    X(TOME_PACK_ERR_COMPRESS, -108, "zstd or the dictionary trainer failed")      \
    X(TOME_PACK_ERR_CHECK, -109, "the written archive failed its check")

#define TOME_PACK_ERROR_ENUM_ITEM(name, value, text) name = value,
enum tome_pack_error { TOME_PACK_ERROR_LIST(TOME_PACK_ERROR_ENUM_ITEM) };
#undef TOME_PACK_ERROR_ENUM_ITEM

/* Name of a code ("TOME_PACK_ERR_INPUT"), or "TOME_PACK_ERR_UNKNOWN" for a
 * value not in the list.  Never NULL. */
const char *tome_pack_error_name(int code);

/* One-line English description of a code.  Never NULL. */
const char *tome_pack_error_text(int code);

typedef enum tome_dict_mode {
    TOME_DICT_AUTO = 0, /* train one; keep it only if it pays for itself */
    TOME_DICT_OFF = 1,
    TOME_DICT_ON = 2    /* whenever the corpus is big enough to train one */
} tome_dict_mode;

typedef struct tome_pack_options {
    uint32_t block_size;   /* target decompressed block size, bytes */
    int level;             /* zstd level, 1..22 */
    tome_dict_mode dict;
    uint32_t dict_size;    /* dictionary capacity to train, bytes */
    int threads;           /* compression threads; 0 = one per core */
    int check;             /* re-open the written archive and verify it */
    int cluster;           /* place near-duplicate articles together */
    /* When non-zero: the reader's workspace (memory mode, default flags)
     * must fit in this many bytes.  The packer then picks the largest block
     * size (at most block_size) that fits, and drops the dictionary only if
     * no block of at least 1 KiB fits with it.  TOME_PACK_ERR_LIMIT when
     * even that does not fit. */
    size_t ram_budget;
    /* Called now and then while packing (may be NULL): `stage` names the
     * phase ("reading", "clustering", "compressing", ...); `total` is 0
     * when not known. */
    void (*progress)(void *user, const char *stage, uint64_t done, uint64_t total);
    void *progress_user;
    /* Peak memory the packer aims to stay under, bytes; 0 = the default:
     * 1 GiB, or when that is more, half of what the process may have (the
     * machine's physical memory, or its control group's limit, such as a
     * container's, when lower; at least 16 MiB).  Bodies,
     * signatures and frames that do not fit their share go to temporary
     * files; only where that data lives depends on the budget, never the
     * archive's bytes. */
    uint64_t memory;
    /* Directory for those temporary files (NULL: $TMPDIR, else /tmp);
     * `tome pack` gives the output's directory.  Each file is unlinked as
     * soon as it is created, so none outlives the process.  The string
     * must stay valid while the packer lives. */
    const char *temp_dir;
} tome_pack_options;

/* What a pack produced. */
typedef struct tome_pack_stats {
    uint32_t articles, bodies, aliases;
    uint32_t blocks;         /* body blocks */
    uint32_t index_frames;   /* frames of the name, alias and search trees
                                and the metadata */
    uint64_t raw_bytes;      /* sum of article sizes */
    uint64_t stored_bytes;   /* the distinct bodies, each once, before
                                compression */
    uint64_t dedup_saved;    /* raw_bytes - stored_bytes */
    uint64_t index_bytes;    /* index frames and block table, compressed */
    uint32_t dict_size;      /* 0 when no dictionary was kept */
    uint32_t near_duplicate_groups; /* groups of 2+ similar articles */
    uint64_t archive_bytes;
    size_t workspace_memory; /* reader workspace, memory mode */
    size_t workspace_callback;
} tome_pack_stats;

/* Defaults: 64 KiB blocks, level 19, dictionary auto (256 KiB), all cores,
 * check on, memory 0 (1 GiB, or less on a smaller machine or container), temporary
 * files in $TMPDIR or /tmp. */
void tome_pack_options_default(tome_pack_options *options);

typedef struct tome_packer tome_packer;

/* NULL only when out of memory.  `options` is copied; NULL = defaults. */
tome_packer *tome_packer_new(const tome_pack_options *options);
void tome_packer_free(tome_packer *packer);

/* The first error's message ("" when none): a later failure, often only a
 * consequence of the first, does not replace it.  Owned by the packer. */
const char *tome_packer_message(const tome_packer *packer);

/* Add one article; all bytes are copied (the body into the packer's body
 * store: memory, or a temporary file past a quarter of options.memory;
 * an identical body is stored once).  `key` must be valid UTF-8 without
 * NUL, 1..65535 bytes; `title` (may be NULL) valid UTF-8, at most 65535
 * bytes; `size` below 4 GiB.  `source` names where it came from, for
 * messages (may be NULL).  A key added twice is TOME_PACK_ERR_DUPLICATE,
 * naming both sources. */
int tome_pack_add(tome_packer *packer, const char *key, size_t key_size,
                  const char *title, size_t title_size, const void *body,
                  size_t size, const char *source);

/* Add every regular file under directory `root`, keyed by its path relative
 * to `root` with '/' separators; bytes are kept exactly.  A file reached
 * through a symbolic link (to it, or to a directory above it) whose real
 * path is inside the tree becomes an alias of that path's key, so a link
 * costs a key, not a copy; other links are followed (a file outside the
 * tree is copied in under the link's path); a directory loop is an error.  A regular file as
 * `root` is added under its base name. */
int tome_pack_add_tree(tome_packer *packer, const char *root);

/* Add JSON Lines: one object per line with string members "id" (the key),
 * "text" (the body, stored as UTF-8), optionally "title" and "aliases" (an
 * array of strings: more keys for the article); other members are ignored;
 * blank lines are skipped.  Errors name the file and line. */
int tome_pack_add_jsonl(tome_packer *packer, const char *path);

/* Add `path` as `tome pack` reads an INPUT: JSON Lines when it is a
 * regular file named *.jsonl or *.ndjson, or a FIFO, terminal or socket;
 * otherwise a tree (a directory, or a single file). */
int tome_pack_add_path(tome_packer *packer, const char *path);

/* Add an alias: `alias` becomes one more key of the article keyed `key`
 * (found with tome_find(), listed by the reader with the article, folded
 * into the search tree).  Both are valid UTF-8 without NUL, 1..65535 bytes;
 * `source` names where it came from, for messages (may be NULL).  Resolved
 * by tome_pack_write(), which fails with TOME_PACK_ERR_DUPLICATE for an
 * alias given twice or equal to an article's key, and TOME_PACK_ERR_INPUT
 * for an alias of a key no article has, naming the alias. */
int tome_pack_add_alias(tome_packer *packer, const char *alias, size_t alias_size,
                        const char *key, size_t key_size, const char *source);

/* Set a metadata pair about the whole archive (NUL-terminated; the name
 * 1..256 bytes, the value at most 65535, both valid UTF-8).  Recommended
 * names: title, description, language (BCP 47), date (ISO 8601), creator,
 * publisher, source, license.  A name given twice is
 * TOME_PACK_ERR_DUPLICATE; a name starting with "tome." is reserved for
 * volume sets (docs/FORMAT.md, "Volume sets"): TOME_PACK_ERR_INPUT. */
int tome_pack_meta(tome_packer *packer, const char *name, const char *value);

/* Build and write the archive.  Writes a temporary file beside `path` (an
 * unnamed one, O_TMPFILE, where the system has it, so that even a process
 * killed outright leaves nothing) and renames it over `path` only when
 * complete (and checked, when options.check), so a failure never leaves a
 * partial archive.  `stats` may be NULL. */
int tome_pack_write(tome_packer *packer, const char *path, tome_pack_stats *stats);

/* Use `dict` (`size` bytes, copied; a zstd dictionary, structured or raw
 * content) for every frame instead of training one: the dictionary mode
 * and size options are then ignored.  `size` 0 means no dictionary.  The
 * set packer gives every volume the dictionary trained once for the whole
 * corpus, so each volume stays readable alone.  Errors:
 * TOME_PACK_ERR_ARGUMENT, TOME_PACK_ERR_MEMORY. */
int tome_pack_use_dictionary(tome_packer *packer, const void *dict, size_t size);

/* ---- volume sets (docs/FORMAT.md, "Volume sets") ------------------------ */

/* What a set pack produced. */
typedef struct tome_pack_set_stats {
    uint32_t volumes;
    uint32_t articles, aliases;
    uint32_t repacks;        /* volumes packed again because a size estimate
                                missed (too big, or well under the size) */
    uint64_t raw_bytes;      /* sum of article sizes */
    uint64_t volume_bytes;   /* all volumes together */
    uint64_t largest_volume;
    uint64_t index_bytes;    /* the set index file */
    uint32_t dict_size;      /* the shared dictionary, in every volume */
    size_t workspace_memory; /* tome_set_workspace_size() in memory mode:
                                TOME_SET_STATE_BOUND, the index's workspace
                                and the largest volume's */
} tome_pack_set_stats;

/* Build a volume set instead of one archive: volumes of at most
 * `volume_size` bytes each, named after `path` ("NAME.tome" gives
 * "NAME.000.tome", "NAME.001.tome", ...: NAME plus a dot, the volume
 * number in at least three decimal digits and ".tome"; a `path` not
 * ending in ".tome" keeps its whole name as NAME), and the set index at
 * `path`.  Every volume is a complete archive of one key range of the
 * corpus (IDs in it are local: global ID = its tome.first_id + local ID),
 * with the dictionary trained once for the whole corpus, capped at
 * volume_size / 16 (none below 1 KiB); its aliases are those of its
 * articles.  The volumes' key ranges are chosen from sizes estimated from
 * the volumes already packed; a volume that comes out over `volume_size`
 * is packed again with fewer articles, so the result is deterministic like
 * tome_pack_write()'s.  Every file is written under a temporary name
 * (its final name followed by ".tmp-set-PID", itself written through
 * tome_pack_write()'s own temporary file) and renamed into place only when
 * the whole set is complete; after a failure none is left.  Errors: those
 * of tome_pack_write(); TOME_PACK_ERR_LIMIT when one article cannot fit a
 * volume alone, or a file name is longer than 255 bytes;
 * TOME_PACK_ERR_ARGUMENT for a volume_size below 4 KiB.  `stats` may be
 * NULL. */
int tome_pack_write_set(tome_packer *packer, const char *path, uint64_t volume_size,
                        tome_pack_set_stats *stats);

/* The file name of volume `volume` of the set `set_path`, as the set
 * packers write it, into buf (snprintf-style: the length it needs without
 * the NUL is returned, and buf holds it whole when that is below cap). */
size_t tome_pack_volume_name(const char *set_path, uint32_t volume, char *buf, size_t cap);

/* ---- distributed packing (docs/DISTRIBUTED.md) ------------------------- */

/* A set packed by workers that share only a plan: tome_pack_write_plan()
 * once, on a packer given the whole input; then, for each shard, on any
 * machine, a new packer given tome_pack_use_plan() before the same input,
 * and tome_pack_write_shard(); finally tome_pack_join().  The volumes and
 * the index depend only on the plan and the input: packed by one process
 * or by many, the set has the same bytes. */

typedef struct tome_pack_plan_stats {
    uint32_t shards, articles, aliases;
    uint32_t dict_size;     /* the shared dictionary, 0 for none */
    uint64_t raw_bytes;     /* sum of article sizes */
    uint64_t plan_bytes;    /* the plan file */
    char set_id[17];        /* the set's identity, 16 hex digits */
} tome_pack_plan_stats;

/* Plan a set of `shards` volumes of the packer's articles (1 to their
 * count) and write it to `path` (itself a small tome archive): the
 * dictionary trained on the whole input, the options that shape the bytes
 * (block size, level, clustering), the corpus's metadata pairs, the set's
 * identity, and each shard's key range, first global ID and counts, cut so
 * that shards bring about equal input bytes.  Errors: those of
 * tome_pack_write(); TOME_PACK_ERR_ARGUMENT for a bad shard count. */
int tome_pack_write_plan(tome_packer *packer, const char *path, uint32_t shards,
                         tome_pack_plan_stats *stats);

/* Make a new packer (no articles, aliases or metadata yet) pack shard
 * `shard` of the plan at `path`: its options that shape bytes, its
 * dictionary and metadata replace the packer's; articles added afterwards
 * outside the shard's key range, and aliases of them, are skipped (a file
 * of a tree outside it is not even read).  Errors: TOME_PACK_ERR_ARGUMENT
 * (not a new packer, no such shard), TOME_PACK_ERR_IO,
 * TOME_PACK_ERR_INPUT (not a plan, or a damaged one). */
int tome_pack_use_plan(tome_packer *packer, const char *path, uint32_t shard);

/* The shards of the plan the packer was given, 0 without one. */
uint32_t tome_pack_shard_count(const tome_packer *packer);

/* Write the shard as volume NAME.NNN.tome of the set `set_path` (named as
 * by tome_pack_write_set()), after checking that the input brought as many
 * articles and aliases into the key range as the plan counted
 * (TOME_PACK_ERR_INPUT otherwise), and that the volume's name is not the
 * plan file's (TOME_PACK_ERR_ARGUMENT).  Errors: those of tome_pack_write(). */
int tome_pack_write_shard(tome_packer *packer, const char *set_path, tome_pack_stats *stats);

/* Write the set index `set_path` of the plan's volumes (NAME.NNN.tome
 * beside it), reading only their headers, metadata and name entries, never
 * their blocks, and refusing a missing volume (TOME_PACK_ERR_IO) or one
 * that is not the plan's (TOME_PACK_ERR_INPUT: another set, shard, key
 * range or counts, not a regular file).  The index is written under a
 * temporary name and renamed into place; never over the plan file
 * (TOME_PACK_ERR_ARGUMENT).  `packer` must be new: it carries the options
 * that do not shape bytes and the message.  Errors: those of
 * tome_pack_write(). */
int tome_pack_join(tome_packer *packer, const char *plan_path, const char *set_path,
                   tome_pack_set_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* TOME_PACK_H */
