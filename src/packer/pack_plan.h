/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_plan.h - the packer's plan of an archive, shared by the steps that
 * build it (pack_layout.c, pack_tables.c) and pack_write.c, which runs them
 * and writes the file.  Host only.
 */
#ifndef TOME_PACK_PLAN_H
#define TOME_PACK_PLAN_H

#include "format.h"
#include "pack_internal.h"

/* Key blocks of about 4 KiB: measured on the mail corpus's keys, 2 / 4 / 8
 * / 16 KiB blocks compress them to 124 / 116 / 113 / 111 KB; 4 KiB keeps
 * the key buffer (reader RAM) and the work of one lookup small. */
#define KEY_BLOCK_TARGET 4096u

/* Everything the archive is made of, before it is written. */
typedef struct plan {
    uint32_t *ids;        /* ids[id] = index into p->articles, in key order */
    uint32_t *layout;     /* body indexes in layout order (non-empty only) */
    uint8_t *segment_start; /* per layout position: a run of similar bodies begins */
    size_t layout_count;
    uint8_t *stream;      /* the bodies of `layout`, back to back, then the keys */
    uint64_t stream_size; /* the bodies' part */
    uint64_t *ends;       /* per layout position: where the body ends in the stream */
    uint8_t *group_start; /* per layout position: the body starts a block */
    pack_keys keys;
    size_t body_blocks;   /* blocks[0, body_blocks) hold bodies, the rest keys */
    size_t *sample_sizes; /* the stream cut at bodies and block boundaries */
    size_t sample_count;
    pack_block *blocks;
    size_t block_count, block_cap;
    uint8_t *dict;
    size_t dict_size;
    uint8_t *block_table, *entry_table, *order_table;
    uint32_t entry_record_size, block_bits, offset_bits, size_bits, order_record_size;
    uint8_t header[TOME_HEADER_SIZE];
    uint64_t raw_size;
    uint32_t groups;
} plan;

/* Where each region goes; block records get their frame offsets here. */
typedef struct regions {
    uint64_t dict, frames, block_table, entry_table, order_table, footer, file_size;
    uint64_t frames_size;
} regions;

/* Bodies in the order their first article appears in key order. */
int tome__plan_order_bodies(tome_packer *p, plan *pl);

/* Blocks of the bodies (with near-duplicates together, each block's bodies
 * smallest first), the stream and the dictionary samples. */
int tome__plan_lay_out_blocks(tome_packer *p, plan *pl);

/* Key blocks after the body blocks, their records appended to the stream. */
int tome__plan_add_key_blocks(tome_packer *p, plan *pl);

/* Entry and order tables. */
int tome__plan_build_tables(tome_packer *p, plan *pl);

/* Region offsets, with the block table's records. */
void tome__plan_place_regions(const tome_packer *p, plan *pl, regions *g);

/* The header, once everything else is in place. */
void tome__plan_fill_header(const tome_packer *p, plan *pl, const regions *g);

#endif
