/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_verify.c - tome_verify(): every check of docs/FORMAT.md, "What a
 * verifier checks", using no memory beyond the workspace.
 *
 * Articles are checked in storage order, block by block, so each block is
 * decompressed once.  When the order table itself is damaged that order
 * cannot be trusted, and articles are checked by ID instead.
 */
#include <string.h>

#include "read_internal.h"
#include "utf8.h"

typedef struct verifier {
    tome_reader *r;
    tome_damage_fn fn;
    void *user;
    tome_verify_report rep;
    uint64_t frames, stored, keys; /* sums over the blocks, for the header */
    int read_error; /* the callback failed: stop, the answer is unknown */
} verifier;

static void damage(verifier *v, tome_part part, uint32_t index, int error)
{
    if (error == TOME_ERR_READ) {
        v->read_error = 1;
        return;
    }
    v->rep.damaged_parts |= 1u << part;
    if (part == TOME_PART_BLOCK)
        v->rep.damaged_blocks++;
    if (part == TOME_PART_ARTICLE)
        v->rep.damaged_articles++;
    if (v->fn)
        v->fn(v->user, part, index, error);
}

/* XXH32 of [offset, offset + len), which open or the caller bounds-checked. */
static int hash_range(tome_reader *r, uint64_t offset, uint64_t len, uint32_t *digest)
{
    if (r->data) {
        *digest = tome__hash(r->data + offset, (size_t)len);
        return TOME_OK;
    }
    tome__hash_reset(&r->hash, 0);
    while (len > 0) {
        size_t n = len < r->staging_size ? (size_t)len : r->staging_size;
        /* The staging buffer is about to be overwritten; if a block was
         * mid-decode from it, nothing refers to it between calls. */
        if (r->read(r->user, offset, r->staging, n) != 0)
            return TOME_ERR_READ;
        tome__hash_update(&r->hash, r->staging, n);
        offset += n;
        len -= n;
    }
    *digest = tome__hash_digest(&r->hash);
    return TOME_OK;
}

static void check_region(verifier *v, tome_part part, uint64_t offset, uint64_t len,
                         uint32_t expected)
{
    uint32_t digest;
    int err = hash_range(v->r, offset, len, &digest);
    if (err == TOME_OK && digest != expected)
        err = TOME_ERR_CHECKSUM;
    if (err != TOME_OK)
        damage(v, part, TOME_NO_INDEX, err);
}

static void check_file_and_tables(verifier *v)
{
    tome_reader *r = v->r;
    const tome_header *h = &r->h;
    uint8_t tmp[4];
    const uint8_t *stored = tome__bytes(r, h->file_size - 4, 4, tmp);
    if (!stored) {
        v->read_error = 1;
        return;
    }
    check_region(v, TOME_PART_FILE, 0, h->file_size - 4, tome_get32(stored));
    if (h->dict_size)
        check_region(v, TOME_PART_DICTIONARY, h->dict_offset, h->dict_size, h->dict_checksum);
    check_region(v, TOME_PART_BLOCK_TABLE, h->block_table_offset,
                 ((uint64_t)h->block_count + h->key_block_count) * BLK_RECORD_SIZE,
                 h->block_table_checksum);
    check_region(v, TOME_PART_ENTRY_TABLE, h->entry_table_offset,
                 (uint64_t)h->article_count * h->entry_record_size, h->entry_table_checksum);
    check_region(v, TOME_PART_ORDER_TABLE, h->order_table_offset,
                 (uint64_t)h->article_count * h->order_record_size, h->order_table_checksum);
}

static void check_entries(verifier *v)
{
    tome_entry e;
    uint32_t id;
    for (id = 0; id < v->r->h.article_count && !v->read_error; id++) {
        int err = tome__load_entry(v->r, id, &e);
        if (err != TOME_OK)
            damage(v, TOME_PART_ENTRY_TABLE, id, err);
    }
}

/* Key block `kb`: whole, its records filling it exactly, keys strictly
 * increasing, and above the previous block's last key.  The two slots take
 * turns, so the previous block is still decoded in the other one and each
 * key block is decoded once. */
static int check_key_block(verifier *v, uint32_t kb)
{
    tome_reader *r = v->r;
    const tome_header *h = &r->h;
    tome_slot *s = kb % 2 ? &r->bodies : &r->keys, *other = kb % 2 ? &r->keys : &r->bodies;
    uint32_t count = h->article_count - kb * h->keys_per_block, i;
    size_t at = 0;
    tome_name n, prev = {0, 0, 0, 0};
    tome_block b;
    int err, have_prev = 0;
    if (count > h->keys_per_block)
        count = h->keys_per_block;
    if ((err = tome__load_block(r, h->block_count + kb, &b)) != TOME_OK)
        return err;
    v->frames += b.frame_size;
    v->keys += b.content_size;
    if (kb > 0) { /* a damaged previous block was reported on its own turn */
        size_t end = 0;
        if ((err = tome__load_key_block(r, other, kb - 1)) == TOME_ERR_READ)
            return err;
        have_prev = err == TOME_OK;
        for (i = 0; i < h->keys_per_block && have_prev; i++)
            have_prev = tome__key_record(r, other, end, &prev, &end) == TOME_OK;
    }
    if ((err = tome__load_key_block(r, s, kb)) != TOME_OK)
        return err;
    for (i = 0; i < count; i++) {
        if ((err = tome__key_record(r, s, at, &n, &at)) != TOME_OK)
            return err;
        if (!tome__key_valid(n.key, n.key_size) ||
            (have_prev && tome__key_compare(prev.key, prev.key_size, n.key, n.key_size) >= 0))
            return TOME_ERR_KEYS;
        prev = n;
        have_prev = 1;
    }
    return at == s->done ? TOME_OK : TOME_ERR_CORRUPT;
}

static void check_keys(verifier *v)
{
    uint32_t kb;
    for (kb = 0; kb < v->r->h.key_block_count && !v->read_error; kb++) {
        int err = check_key_block(v, kb);
        if (err != TOME_OK)
            damage(v, TOME_PART_KEYS, kb, err);
    }
}

/* One pass over the order table: every ID in range and the sort key
 * strictly increasing, which makes it a permutation. */
static int order_is_sound(verifier *v)
{
    tome_reader *r = v->r;
    tome_entry prev, e;
    uint32_t p, id, prev_id = 0;
    memset(&prev, 0, sizeof prev);
    for (p = 0; p < r->h.article_count; p++) {
        int err = tome__load_order(r, p, &id);
        if (err == TOME_OK)
            err = tome__load_entry(r, id, &e);
        if (err != TOME_OK) {
            v->read_error = err == TOME_ERR_READ;
            return 0;
        }
        if (p > 0 && tome__storage_compare(&prev, prev_id, &e, id) >= 0)
            return 0;
        prev = e;
        prev_id = id;
    }
    return 1;
}

static int check_block(verifier *v, uint32_t index)
{
    tome_reader *r = v->r;
    tome_block b;
    int err = tome__load_block(r, index, &b);
    if (err == TOME_OK) {
        v->frames += b.frame_size;
        v->stored += b.content_size;
        err = tome__slot_check(r, &r->bodies, index);
    }
    if (err != TOME_OK)
        damage(v, TOME_PART_BLOCK, index, err);
    return err;
}

static void check_article(verifier *v, uint32_t id, const tome_entry *e)
{
    tome_reader *r = v->r;
    int err;
    v->rep.checked_articles++;
    tome__hash_reset(&r->hash, id);
    err = tome__copy_body(r, e->block, e->offset, e->size, NULL, 1);
    if (err == TOME_OK && tome__hash_digest(&r->hash) != e->checksum)
        err = TOME_ERR_CHECKSUM;
    if (err != TOME_OK)
        damage(v, TOME_PART_ARTICLE, id, err);
}

/* Blocks in order; after each, the articles whose bodies start in it. */
static void check_in_storage_order(verifier *v)
{
    tome_reader *r = v->r;
    const tome_header *h = &r->h;
    uint64_t raw = 0;
    uint32_t b, p = 0, bodies = 0;
    tome_entry prev;
    memset(&prev, 0, sizeof prev);
    for (b = 0; b <= h->block_count && !v->read_error; b++) {
        if (b < h->block_count)
            check_block(v, b);
        while (p < h->article_count && !v->read_error) {
            tome_entry e;
            uint32_t id;
            int err;
            if ((err = tome__load_order(r, p, &id)) != TOME_OK ||
                (err = tome__load_entry(r, id, &e)) != TOME_OK) {
                /* order_is_sound() checked every record, so only a failed
                 * read gets here: verify must say so, not stop quietly. */
                damage(v, TOME_PART_ORDER_TABLE, TOME_NO_INDEX, err);
                return;
            }
            if (b < h->block_count && e.size > 0 && e.block > b)
                break;
            check_article(v, id, &e);
            raw += e.size;
            /* identical bodies are adjacent in storage order */
            if (p == 0 || e.block != prev.block || e.offset != prev.offset ||
                e.size != prev.size)
                bodies++;
            prev = e;
            p++;
        }
    }
    if (!v->read_error && (raw != h->raw_size || v->stored != h->stored_size ||
                           v->frames != h->frames_size || v->keys != h->keys_size ||
                           bodies != h->body_count))
        damage(v, TOME_PART_ENTRY_TABLE, TOME_NO_INDEX, TOME_ERR_CORRUPT);
}

static void check_by_id(verifier *v)
{
    tome_reader *r = v->r;
    uint32_t b, id;
    for (b = 0; b < r->h.block_count && !v->read_error; b++)
        check_block(v, b);
    for (id = 0; id < r->h.article_count && !v->read_error; id++) {
        tome_entry e;
        int err = tome__load_entry(r, id, &e);
        if (err == TOME_OK)
            check_article(v, id, &e);
        else
            damage(v, TOME_PART_ARTICLE, id, err);
    }
}

int tome_verify(tome_reader *r, tome_damage_fn on_damage, void *user, tome_verify_report *report)
{
    verifier v;
    if (!r)
        return TOME_ERR_ARGUMENT;
    memset(&v, 0, sizeof v);
    v.r = r;
    v.fn = on_damage;
    v.user = user;
    check_file_and_tables(&v);
    if (!v.read_error)
        check_entries(&v);
    if (!v.read_error)
        check_keys(&v);
    if (!v.read_error) {
        if (order_is_sound(&v))
            check_in_storage_order(&v);
        else if (!v.read_error) {
            damage(&v, TOME_PART_ORDER_TABLE, TOME_NO_INDEX, TOME_ERR_CORRUPT);
            check_by_id(&v);
        }
    }
    if (report)
        *report = v.rep;
    if (v.read_error)
        return TOME_ERR_READ;
    return v.rep.damaged_parts ? TOME_ERR_DAMAGED : TOME_OK;
}
