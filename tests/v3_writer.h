/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * v3_writer.h - a test-only writer of format 3.0 archives from a spec
 * given by hand, independent of the packer: small blocks, segments, leaves
 * and nodes on demand, so that every structure of docs/FORMAT.md can be
 * made, and hooks that break one rule while every checksum is recomputed.
 *
 * Stages: w_plan() lays out blocks and trees as editable structures;
 * w_encode() turns them into frame contents; w_serialize() compresses,
 * writes the block table, header and footer with all checksums.  A test
 * edits between stages.
 */
#ifndef TOME_V3_WRITER_H
#define TOME_V3_WRITER_H

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "codec.h"
#include "fold.h"
#include "format.h"
#include "hash.h"
#include "tome.h"

#define W_MAX_ARTICLES 64
#define W_MAX_ALIASES 8
#define W_MAX_FRAMES 512
#define W_MAX_LIST 16

typedef struct w_article {
    const char *key, *title; /* title NULL or "" = none */
    const char *body;
    size_t size;
    const char *aliases[W_MAX_ALIASES]; /* NULL-terminated */
} w_article;

typedef struct w_spec {
    w_article a[W_MAX_ARTICLES]; /* in key order */
    uint32_t n;
    const char *meta[8][2]; /* name, value; NULL-terminated, in name order */
    size_t area_max;     /* body area bytes per block */
    size_t segment_max;  /* segment bytes */
    uint32_t leaf_max;   /* entries per leaf */
    uint32_t node_max;   /* children per node */
} w_spec;

typedef struct w_buf {
    uint8_t *p;
    size_t n, cap;
} w_buf;

static void w_put(w_buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void w_varint(w_buf *b, uint32_t v)
{
    uint8_t t[5];
    w_put(b, t, tome__put_varint(t, v));
}
static void w_u32(w_buf *b, uint32_t v)
{
    uint8_t t[4];
    tome_put32(t, v);
    w_put(b, t, 4);
}
static void w_string(w_buf *b, const void *s, size_t n)
{
    w_varint(b, (uint32_t)n);
    w_put(b, s, n);
}

/* ---- plan ---- */

typedef struct w_body {
    uint32_t size, ids[W_MAX_LIST], id_count;
    const char *bytes;
} w_body;

typedef struct w_block {
    uint32_t first, carry, body_count;
    w_body bodies[W_MAX_ARTICLES];
    uint8_t area[4096];
    size_t area_size;
    uint32_t seg_ends[256], seg_count;
    int seg_sum_damage; /* xor into segment 0's checksum */
} w_block;

typedef struct w_name {
    uint32_t block, body, aliases[W_MAX_ALIASES], alias_count;
} w_name;

typedef struct w_string_entry {
    uint8_t s[256];
    size_t n;
    uint32_t id, source;
    const char *value; /* meta */
} w_string_entry;

typedef struct w_frame {
    unsigned kind;
    uint32_t index; /* within kind */
    w_buf content;
    uint32_t first;
    uint8_t *zframe;
    size_t zsize;
} w_frame;

typedef struct w_archive {
    w_spec spec;
    w_block blocks[64];
    uint32_t block_count, body_count;
    w_name names[W_MAX_ARTICLES];
    w_string_entry aliases[64], search[256];
    uint32_t alias_count, search_count, meta_count;
    w_frame frames[W_MAX_FRAMES];
    uint32_t frame_count;
    uint32_t leaves[6], nframes[6]; /* per kind */
    uint8_t header[TOME_HEADER_SIZE];
    w_buf file;
} w_archive;

static int w_cmp_entry(const void *pa, const void *pb)
{
    const w_string_entry *a = pa, *b = pb;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->s, b->s, n);
    if (c)
        return c;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return a->source < b->source ? -1 : a->source > b->source;
}

static w_block *w_new_block(w_archive *w, uint32_t carry)
{
    w_block *b;
    if (w->block_count >= sizeof w->blocks / sizeof w->blocks[0]) {
        fprintf(stderr, "v3_writer: a spec needing more than %zu blocks\n",
                sizeof w->blocks / sizeof w->blocks[0]);
        abort();
    }
    b = &w->blocks[w->block_count++];
    memset(b, 0, sizeof *b);
    b->carry = carry;
    return b;
}

/* Bodies: distinct contents, in order of first use by ID; laid into
 * blocks of area_max bytes. */
static void w_plan_bodies(w_archive *w)
{
    const w_spec *s = &w->spec;
    w_body bodies[W_MAX_ARTICLES];
    uint32_t nb = 0, i, j, listed = 0;
    w_block *b = NULL;
    size_t pos = 0;
    for (i = 0; i < s->n; i++) {
        for (j = 0; j < nb; j++)
            if (bodies[j].size == s->a[i].size && !memcmp(bodies[j].bytes, s->a[i].body, s->a[i].size))
                break;
        if (j == nb) {
            memset(&bodies[nb], 0, sizeof bodies[nb]);
            bodies[nb].size = (uint32_t)s->a[i].size;
            bodies[nb].bytes = s->a[i].body;
            nb++;
        }
        bodies[j].ids[bodies[j].id_count++] = i;
    }
    w->body_count = nb;
    for (i = 0; i < nb; i++) {
        size_t left;
        if (!b || pos >= s->area_max) {
            if (b)
                b->area_size = pos;
            b = w_new_block(w, 0);
            pos = 0;
        }
        b->first = listed;
        for (j = 0; j < bodies[i].id_count; j++) {
            w->names[bodies[i].ids[j]].block = w->block_count - 1;
            w->names[bodies[i].ids[j]].body = b->body_count;
        }
        b->bodies[b->body_count++] = bodies[i];
        listed += bodies[i].id_count;
        /* the bytes: fill this block, then the following ones */
        left = bodies[i].size;
        {
            const char *src = bodies[i].bytes;
            while (1) {
                size_t room = s->area_max > pos ? s->area_max - pos : 0, n = left < room ? left : room;
                memcpy(b->area + pos, src, n);
                pos += n, src += n, left -= n;
                if (left == 0)
                    break;
                b->area_size = pos;
                b = w_new_block(w, (uint32_t)(left < s->area_max ? left : s->area_max));
                b->first = listed;
                pos = 0;
            }
        }
    }
    if (b)
        b->area_size = pos;
    /* first of each block: IDs listed before it */
    listed = 0;
    for (i = 0; i < w->block_count; i++) {
        w->blocks[i].first = listed;
        for (j = 0; j < w->blocks[i].body_count; j++)
            listed += w->blocks[i].bodies[j].id_count;
        /* segments */
        {
            w_block *k = &w->blocks[i];
            size_t at = 0;
            k->seg_count = 0;
            if (k->area_size == 0)
                k->seg_ends[k->seg_count++] = 0;
            while (at < k->area_size) {
                at += s->segment_max;
                if (at > k->area_size)
                    at = k->area_size;
                k->seg_ends[k->seg_count++] = (uint32_t)at;
            }
        }
    }
}

static void w_fold_add(w_archive *w, const char *text, uint32_t id, uint32_t source)
{
    w_string_entry *e = &w->search[w->search_count++];
    size_t n;
    tome__fold((const uint8_t *)text, strlen(text), e->s, sizeof e->s, &n);
    e->n = n;
    e->id = id;
    e->source = source;
}

static void w_plan(w_archive *w, const w_spec *spec)
{
    uint32_t i, j;
    memset(w, 0, sizeof *w);
    w->spec = *spec;
    w_plan_bodies(w);
    /* aliases: sorted by key; ordinals back into the names */
    for (i = 0; i < spec->n; i++)
        for (j = 0; spec->a[i].aliases[j]; j++) {
            w_string_entry *e = &w->aliases[w->alias_count++];
            e->n = strlen(spec->a[i].aliases[j]);
            memcpy(e->s, spec->a[i].aliases[j], e->n);
            e->id = i;
        }
    qsort(w->aliases, w->alias_count, sizeof w->aliases[0], w_cmp_entry);
    for (i = 0; i < w->alias_count; i++) {
        w_name *nm = &w->names[w->aliases[i].id];
        nm->aliases[nm->alias_count++] = i;
    }
    /* search entries */
    for (i = 0; i < spec->n; i++) {
        const w_article *a = &spec->a[i];
        w_fold_add(w, a->key, i, TOME_SOURCE_KEY);
        if (a->title && a->title[0]) {
            w_fold_add(w, a->title, i, TOME_SOURCE_TITLE);
            if (w->search[w->search_count - 1].n == w->search[w->search_count - 2].n &&
                !memcmp(w->search[w->search_count - 1].s, w->search[w->search_count - 2].s,
                        w->search[w->search_count - 1].n))
                w->search_count--;
        }
        for (j = 0; j < w->names[i].alias_count; j++)
            w_fold_add(w, (const char *)w->aliases[w->names[i].aliases[j]].s, i,
                       TOME_SOURCE_ALIAS + j);
    }
    qsort(w->search, w->search_count, sizeof w->search[0], w_cmp_entry);
}

/* ---- encode ---- */

static w_frame *w_add_frame(w_archive *w, unsigned kind, uint32_t first)
{
    w_frame *f = &w->frames[w->frame_count++];
    free(f->content.p);
    free(f->zframe);
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->index = w->nframes[kind]++;
    f->first = first;
    return f;
}

static void w_encode_block(w_archive *w, uint32_t bi)
{
    w_block *b = &w->blocks[bi];
    w_frame *f = w_add_frame(w, TOME_KIND_BODY, b->first);
    w_buf head = {0};
    uint32_t i, j, at = 0;
    w_u32(&head, 0);
    w_varint(&head, b->first);
    w_varint(&head, b->carry);
    w_varint(&head, b->body_count);
    w_varint(&head, b->seg_count);
    for (i = 0; i < b->body_count; i++)
        w_varint(&head, b->bodies[i].size);
    for (i = 0; i < b->body_count; i++) {
        w_varint(&head, b->bodies[i].id_count);
        w_varint(&head, b->bodies[i].ids[0]);
        for (j = 1; j < b->bodies[i].id_count; j++)
            w_varint(&head, b->bodies[i].ids[j] - b->bodies[i].ids[j - 1]);
    }
    for (i = 0; i < b->seg_count; i++) {
        uint32_t end = b->seg_ends[i];
        uint32_t sum = tome__hash_seeded(b->area + at, end >= at ? end - at : 0, i);
        if (i == 0)
            sum ^= (uint32_t)b->seg_sum_damage;
        w_varint(&head, end);
        w_u32(&head, sum);
        at = end;
    }
    tome_put32(head.p, (uint32_t)head.n + 4);
    w_u32(&head, tome__hash_seeded(head.p, head.n, bi));
    w_put(&f->content, head.p, head.n);
    w_put(&f->content, b->area, b->area_size);
    free(head.p);
}

/* One tree from sorted entries: leaves of leaf_max entries, then nodes of
 * node_max children, level by level. */
static void w_encode_tree(w_archive *w, unsigned kind, const w_string_entry *entries,
                          uint32_t count)
{
    uint32_t first_frame = w->frame_count, i, level_start, level_end, level = 0;
    uint32_t prev_block = 0;
    const w_spec *s = &w->spec;
    if (count == 0)
        return;
    for (i = 0; i < count; i++) {
        const w_string_entry *e = &entries[i];
        w_frame *f;
        size_t shared = 0;
        if (i % s->leaf_max == 0) {
            uint32_t n = count - i < s->leaf_max ? count - i : s->leaf_max;
            f = w_add_frame(w, kind, i);
            w_varint(&f->content, 0);
            w_varint(&f->content, i);
            w_varint(&f->content, n);
            prev_block = 0;
        } else {
            const w_string_entry *p = &entries[i - 1];
            while (shared < p->n && shared < e->n && p->s[shared] == e->s[shared])
                shared++;
        }
        f = &w->frames[w->frame_count - 1];
        w_varint(&f->content, (uint32_t)shared);
        w_string(&f->content, e->s + shared, e->n - shared);
        if (kind == TOME_KIND_NAME) {
            const w_article *a = &s->a[i];
            const w_name *nm = &w->names[i];
            uint32_t j;
            w_string(&f->content, a->title ? a->title : "", a->title ? strlen(a->title) : 0);
            w_varint(&f->content, tome__zigzag((int64_t)nm->block - (int64_t)prev_block));
            prev_block = nm->block;
            w_varint(&f->content, nm->body);
            w_varint(&f->content, nm->alias_count);
            for (j = 0; j < nm->alias_count; j++)
                w_varint(&f->content, nm->aliases[j]);
        } else if (kind == TOME_KIND_META) {
            w_string(&f->content, e->value, strlen(e->value));
        } else {
            w_varint(&f->content, e->id);
            if (kind == TOME_KIND_SEARCH)
                w_varint(&f->content, e->source);
        }
    }
    w->leaves[kind] = w->frame_count - first_frame;
    level_start = first_frame;
    level_end = w->frame_count;
    while (level_end - level_start > 1) {
        uint32_t child;
        level++;
        for (child = level_start; child < level_end; child += s->node_max) {
            uint32_t n = level_end - child < s->node_max ? level_end - child : s->node_max, k;
            w_frame *f = w_add_frame(w, kind, child - first_frame);
            w_varint(&f->content, level);
            w_varint(&f->content, child - first_frame);
            w_varint(&f->content, n);
            for (k = 0; k < n; k++) {
                /* the child's first string: its first leaf entry, found by
                 * descending to the leftmost leaf */
                uint32_t c = child + k;
                while (w->frames[c].content.p[0] != 0) {
                    tome_cursor cur;
                    uint32_t fst;
                    tome__cursor_init(&cur, w->frames[c].content.p, w->frames[c].content.n);
                    (void)tome__get_varint(&cur);
                    fst = tome__get_varint(&cur);
                    c = first_frame + fst;
                }
                {
                    const w_string_entry *e = &entries[w->frames[c].first];
                    w_varint(&f->content, 0);
                    w_string(&f->content, e->s, e->n);
                }
            }
        }
        level_start = level_end;
        level_end = w->frame_count;
    }
}

static void w_encode(w_archive *w)
{
    static w_string_entry keys[W_MAX_ARTICLES], meta[8];
    uint32_t i, nm = 0;
    w->frame_count = 0;
    memset(w->nframes, 0, sizeof w->nframes);
    memset(w->leaves, 0, sizeof w->leaves);
    for (i = 0; i < w->block_count; i++)
        w_encode_block(w, i);
    for (i = 0; i < w->spec.n; i++) {
        keys[i].n = strlen(w->spec.a[i].key);
        memcpy(keys[i].s, w->spec.a[i].key, keys[i].n);
    }
    w_encode_tree(w, TOME_KIND_NAME, keys, w->spec.n);
    w_encode_tree(w, TOME_KIND_ALIAS, w->aliases, w->alias_count);
    w_encode_tree(w, TOME_KIND_SEARCH, w->search, w->search_count);
    for (nm = 0; nm < 8 && w->spec.meta[nm][0]; nm++) {
        meta[nm].n = strlen(w->spec.meta[nm][0]);
        memcpy(meta[nm].s, w->spec.meta[nm][0], meta[nm].n);
        meta[nm].value = w->spec.meta[nm][1];
    }
    if (nm) {
        uint32_t saved = w->spec.leaf_max;
        w->spec.leaf_max = 1000;
        w_encode_tree(w, TOME_KIND_META, meta, nm);
    w->meta_count = nm;
        w->spec.leaf_max = saved;
    }
}

/* ---- serialize ---- */

static void w_header_fields(w_archive *w, uint64_t table_offset, uint64_t file_size)
{
    uint8_t *h = w->header;
    uint32_t i, bmax = 0, imax = 0, cmax = 0, amax = 0, kmax = 0, tmax = 0, fmax = 0;
    uint64_t raw = 0, stored = 0;
    for (i = 0; i < w->frame_count; i++) {
        w_frame *f = &w->frames[i];
        if (f->kind == TOME_KIND_BODY) {
            if (f->content.n > bmax)
                bmax = (uint32_t)f->content.n;
            stored += w->blocks[f->index].area_size; /* the body area */
        } else if (f->content.n > imax) {
            imax = (uint32_t)f->content.n;
        }
        if (f->zsize > cmax)
            cmax = (uint32_t)f->zsize;
    }
    for (i = 0; i < w->spec.n; i++) {
        const w_article *a = &w->spec.a[i];
        raw += a->size;
        if (a->size > amax)
            amax = (uint32_t)a->size;
        if (strlen(a->key) > kmax)
            kmax = (uint32_t)strlen(a->key);
        if (a->title && strlen(a->title) > tmax)
            tmax = (uint32_t)strlen(a->title);
    }
    for (i = 0; i < w->alias_count; i++)
        if (w->aliases[i].n > kmax)
            kmax = (uint32_t)w->aliases[i].n;
    for (i = 0; i < w->search_count; i++)
        if (w->search[i].n > fmax)
            fmax = (uint32_t)w->search[i].n;
    memset(h, 0, TOME_HEADER_SIZE);
    memcpy(h, TOME_HEADER_MAGIC, 8);
    tome_put16(h + HDR_MAJOR, 3);
    tome_put16(h + HDR_MINOR, 0);
    tome_put32(h + HDR_HEADER_SIZE, TOME_HEADER_SIZE);
    tome_put64(h + HDR_FILE_SIZE, file_size);
    tome_put32(h + HDR_ARTICLE_COUNT, w->spec.n);
    tome_put32(h + HDR_BODY_COUNT, w->body_count);
    tome_put32(h + HDR_ALIAS_COUNT, w->alias_count);
    tome_put32(h + HDR_SEARCH_COUNT, w->search_count);
    tome_put32(h + HDR_BODY_BLOCKS, w->nframes[1]);
    tome_put32(h + HDR_NAME_LEAVES, w->leaves[2]);
    tome_put32(h + HDR_NAME_FRAMES, w->nframes[2]);
    tome_put32(h + HDR_ALIAS_LEAVES, w->leaves[3]);
    tome_put32(h + HDR_ALIAS_FRAMES, w->nframes[3]);
    tome_put32(h + HDR_SEARCH_LEAVES, w->leaves[4]);
    tome_put32(h + HDR_SEARCH_FRAMES, w->nframes[4]);
    tome_put32(h + HDR_META_FRAMES, w->nframes[5]);
    tome_put32(h + HDR_META_COUNT, w->meta_count);
    tome_put32(h + HDR_BLOCK_SIZE_MAX, bmax);
    tome_put32(h + HDR_INDEX_SIZE_MAX, imax);
    tome_put32(h + HDR_ARTICLE_SIZE_MAX, amax);
    tome_put32(h + HDR_CHUNK_SIZE_MAX, cmax);
    tome_put32(h + HDR_KEY_SIZE_MAX, kmax);
    tome_put32(h + HDR_TITLE_SIZE_MAX, tmax);
    tome_put32(h + HDR_FOLD_SIZE_MAX, fmax);
    tome_put32(h + HDR_WORKSPACE_MEMORY, (uint32_t)TOME_WORKSPACE_BOUND(bmax, imax, cmax, 0, 0));
    tome_put32(h + HDR_WORKSPACE_CALLBACK, (uint32_t)TOME_WORKSPACE_BOUND(bmax, imax, cmax, 0, 1));
    tome_put32(h + HDR_FOLD_VERSION, w->nframes[4] ? 1 : 0);
    tome_put64(h + HDR_BLOCK_TABLE_OFFSET, table_offset);
    tome_put64(h + HDR_RAW_SIZE, raw);
    tome_put64(h + HDR_STORED_SIZE, stored);
}

/* Hooks: edit the header (checksum recomputed after) or the file (the
 * file checksum recomputed after, unless the hook returns nonzero). */
typedef void (*w_header_hook)(uint8_t *header);

static void w_serialize(w_archive *w, w_header_hook hook)
{
    uint32_t i;
    uint64_t table_offset, file_size;
    w_buf *out = &w->file;
    uint8_t footer[TOME_FOOTER_SIZE];
    out->n = 0;
    w_put(out, w->header, TOME_HEADER_SIZE); /* placeholder */
    for (i = 0; i < w->frame_count; i++) {
        w_frame *f = &w->frames[i];
        size_t bound = ZSTD_compressBound(f->content.n);
        free(f->zframe);
        f->zframe = malloc(bound);
        f->zsize = ZSTD_compress(f->zframe, bound, f->content.p, f->content.n, 3);
    }
    /* frames in table order: kinds ascending (they were added so) */
    {
        uint64_t at = TOME_HEADER_SIZE;
        uint64_t offsets[W_MAX_FRAMES];
        for (i = 0; i < w->frame_count; i++) {
            offsets[i] = at;
            w_put(out, w->frames[i].zframe, w->frames[i].zsize);
            at += w->frames[i].zsize;
        }
        table_offset = at;
        for (i = 0; i < w->frame_count; i++) {
            uint8_t r[BLK_RECORD_SIZE];
            w_frame *f = &w->frames[i];
            tome_put64(r + BLK_FRAME_OFFSET, offsets[i]);
            tome_put32(r + BLK_FRAME_SIZE, (uint32_t)f->zsize);
            tome_put32(r + BLK_CONTENT_SIZE, (uint32_t)f->content.n);
            tome_put32(r + BLK_FIRST, f->first);
            tome_put32(r + BLK_CONTENT_CHECKSUM,
                       tome__hash_seeded(f->content.p, f->content.n,
                                         TOME_CONTENT_SEED(f->kind, f->index)));
            tome_put32(r + BLK_RECORD_CHECKSUM, tome__hash_seeded(r, 24, i));
            w_put(out, r, sizeof r);
        }
    }
    file_size = out->n + TOME_FOOTER_SIZE;
    w_header_fields(w, table_offset, file_size);
    if (hook)
        hook(w->header);
    tome_put32(w->header + HDR_CHECKSUM, tome__hash(w->header, HDR_CHECKSUM));
    memcpy(out->p, w->header, TOME_HEADER_SIZE);
    memcpy(footer, TOME_FOOTER_MAGIC, 8);
    tome_put64(footer + 8, file_size);
    tome_put32(footer + 16, 0);
    tome_put32(footer + 20, 0);
    w_put(out, footer, sizeof footer);
    tome_put32(out->p + out->n - 4, tome__hash(out->p, out->n - 4));
}

/* After editing file bytes: the file checksum again. */
static void w_refile(w_archive *w)
{
    tome_put32(w->file.p + w->file.n - 4, tome__hash(w->file.p, w->file.n - 4));
}

static void w_free(w_archive *w)
{
    uint32_t i;
    for (i = 0; i < W_MAX_FRAMES; i++) {
        free(w->frames[i].content.p);
        free(w->frames[i].zframe);
    }
    free(w->file.p);
}

#endif
