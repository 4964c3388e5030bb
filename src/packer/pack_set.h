/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_set.h - what the two ways of making a volume set share: the set
 * packer (pack_set.c, one process cuts the corpus itself) and distributed
 * packing (pack_shard.c, a plan, workers, a join).  Host only.
 */
#ifndef TOME_PACK_SET_H
#define TOME_PACK_SET_H

#include "pack_plan.h"
#include "set.h"

/* One volume as the set index records it. */
typedef struct set_record {
    const char *first_key; /* its local key 0: the index key */
    uint32_t first_key_size;
    const char *path;      /* its final path; the record keeps the base name */
    uint64_t size;
    uint32_t file_checksum, header_checksum;
    uint32_t first, count, aliases;
} set_record;

/* An alias of the set, and the volume holding its article. */
typedef struct set_alias {
    const char *alias;
    uint32_t alias_size;
    uint32_t volume;
} set_alias;

/* The bytes article `id` (in key order) brings, before compression: what
 * volumes and shards are cut by. */
uint64_t tome__set_article_cost(const tome_packer *p, const plan *pl, uint32_t id);

/* "NAME.tome" -> "NAME.007.tome" in a new string (*path); fails when the
 * base name is longer than a record can hold. */
int tome__set_volume_path(tome_packer *p, const char *set_path, uint32_t v, char **path);

/* The set's identity (docs/FORMAT.md, "Volume sets"): a chain of XXH3-64
 * over `domain`, `shape` (what cuts the volumes: a volume size, a shard
 * count), the options that shape the bytes, the dictionary and everything
 * of the planned corpus. */
void tome__set_identity(const tome_packer *p, const plan *pl, const char *domain, uint64_t shape,
                        const uint8_t *dict, size_t dict_size,
                        char id[TOME_SET_ID_DIGITS + 1]);

/* A written volume's header_checksum and footer file_checksum. */
int tome__set_read_checksums(tome_packer *p, const char *path, uint64_t size,
                             uint32_t *header_checksum, uint32_t *file_checksum);

/* Copy `from`'s metadata pairs into `to`. */
int tome__set_copy_metas(const tome_packer *from, tome_packer *to);

/* Write the set index to `temp_path` (then renamed by the caller to
 * `set_path`, which messages name): article v = records[v], the aliases
 * pointing at the first key of their volume, `p`'s metadata plus the set's
 * own; frames shaped by `options` (no dictionary, no clustering). */
int tome__set_write_index(tome_packer *p, const tome_pack_options *options, const char *temp_path,
                          const char *set_path, const set_record *records, size_t count,
                          const set_alias *aliases, size_t alias_count, const char *set_id,
                          uint32_t articles, tome_pack_stats *st);

#endif
