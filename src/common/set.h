/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * set.h - the conventions of a volume set (docs/FORMAT.md, "Volume sets"),
 * shared by the set packer and the set reader: the reserved metadata
 * names and the set index's per-volume record.
 */
#ifndef TOME_SET_H
#define TOME_SET_H

#include "tome.h" /* TOME_SET_NAME_MAX */

/* Metadata names starting with this are reserved for tome itself. */
#define TOME_SET_RESERVED_PREFIX "tome."
#define TOME_SET_RESERVED_PREFIX_SIZE 5

/* In every volume and in the set index: the set's identity, 16 lowercase
 * hex digits. */
#define TOME_SET_META_SET "tome.set"
#define TOME_SET_ID_DIGITS 16
/* In a volume: its number; its first global ID (decimal). */
#define TOME_SET_META_VOLUME "tome.volume"
#define TOME_SET_META_FIRST_ID "tome.first_id"
/* In the set index: the number of volumes; the articles of the set. */
#define TOME_SET_META_VOLUMES "tome.volumes"
#define TOME_SET_META_ARTICLES "tome.articles"

/* The body of set index article v: a fixed part, then the volume's file
 * name (1..TOME_SET_NAME_MAX bytes, no '/', no NUL, strict UTF-8). */
enum {
    SETR_FILE_SIZE = 0,        /* u64: the volume's file_size */
    SETR_FILE_CHECKSUM = 8,    /* u32: its footer's file_checksum */
    SETR_HEADER_CHECKSUM = 12, /* u32: its header_checksum */
    SETR_FIRST_ID = 16,        /* u32: global ID of its article 0 */
    SETR_ARTICLES = 20,        /* u32: its article_count, >= 1 */
    SETR_ALIASES = 24,         /* u32: its alias_count */
    SETR_NAME = 28             /* the file name */
};
#define TOME_SET_RECORD_FIXED 28u
#define TOME_SET_RECORD_MAX (TOME_SET_RECORD_FIXED + TOME_SET_NAME_MAX)

/* A "decimal" of the convention: `n` ASCII digits, "0" or without a
 * leading zero, below 2^32, into *v; 0, or -1 for anything else. */
int tome__set_decimal(const char *s, size_t n, uint32_t *v);

#endif
