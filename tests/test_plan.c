/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_plan.c - distributed packing's plan read back as hostile: a plan
 * rewritten with one metadata value changed must be refused, with the
 * plan named, never turned into a set readers refuse or a huge allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pack_internal.h" /* tome__pack_meta_add: plans rewritten by hand */
#include "testlib.h"

#define ARTICLES 60u
#define SHARDS 3u

/* `edited`: article k/0007 with other bytes, as a file edited after the
 * plan was made. */
static int add_corpus_as(tome_packer *p, int edited)
{
    uint8_t body[600];
    char key[32], alias[32];
    uint32_t i;
    int err = TOME_PACK_OK;
    for (i = 0; i < ARTICLES && !err; i++) {
        size_t n = make_text(body, 200 + (i * 37u) % 400u, i + 1 + (edited && i == 7 ? 99u : 0u));
        snprintf(key, sizeof key, "k/%04u", (unsigned)i);
        err = tome_pack_add(p, key, strlen(key), NULL, 0, body, n, key);
        if (!err && i % 4 == 0) {
            snprintf(alias, sizeof alias, "a/%04u", (unsigned)i);
            err = tome_pack_add_alias(p, alias, strlen(alias), key, strlen(key), alias);
        }
    }
    return err;
}

static int add_corpus(tome_packer *p)
{
    return add_corpus_as(p, 0);
}

static tome_pack_options options(void)
{
    tome_pack_options o = test_options(3, TOME_DICT_OFF, 4096);
    o.check = 0;
    return o;
}

/* The plan at `from` rewritten to `to`, metadata `name` given `value`
 * (or, for a name "=KEY", article KEY's body). */
static int rewrite_plan(const char *from, const char *to, const char *name, const char *value)
{
    tome_pack_options o = options();
    tome_packer *p = tome_packer_new(&o);
    size_t size = 0, n;
    uint8_t *bytes = read_file(from, &size), *body = NULL;
    opened r;
    tome_archive_info info;
    char key[64], mname[256], mvalue[256];
    uint32_t i;
    int err = TOME_PACK_OK;
    if (!bytes || !p)
        return -1;
    open_archive(&r, bytes, size, 0, 0);
    if (r.err != TOME_OK)
        return -1;
    tome_info(r.r, &info);
    body = malloc(1u << 16);
    for (i = 0; i < tome_count(r.r) && !err; i++) {
        if (tome_key(r.r, i, key, sizeof key) != TOME_OK ||
            tome_fetch(r.r, i, body, 1u << 16, &n) != TOME_OK)
            err = -1;
        else if (name[0] == '=' && strcmp(key, name + 1) == 0)
            err = tome_pack_add(p, key, strlen(key), NULL, 0, value, strlen(value), key);
        else
            err = tome_pack_add(p, key, strlen(key), NULL, 0, body, n, key);
    }
    for (i = 0; i < info.meta_count && !err; i++) {
        if (tome_meta_at(r.r, i, mname, sizeof mname, mvalue, sizeof mvalue) != TOME_OK)
            err = -1;
        else
            err = tome__pack_meta_add(p, mname, strcmp(mname, name) == 0 ? value : mvalue);
    }
    if (!err)
        err = tome_pack_write(p, to, NULL);
    close_archive(&r);
    tome_packer_free(p);
    free(body);
    free(bytes);
    return err;
}

/* Shard k of `plan` into its volume of `set` (from the corpus, `edited`
 * or not): 0, or the error. */
static int pack_shard_of(const char *plan, const char *set, uint32_t k, int edited, char *message,
                         size_t cap)
{
    tome_pack_options o = options();
    tome_packer *p = tome_packer_new(&o);
    int err = tome_pack_use_plan(p, plan, k);
    if (!err)
        err = add_corpus_as(p, edited);
    if (!err)
        err = tome_pack_write_shard(p, set, NULL);
    snprintf(message, cap, "%s", tome_packer_message(p));
    tome_packer_free(p);
    return err;
}

static int pack_one_shard(const char *plan, const char *set, uint32_t k, char *message, size_t cap)
{
    return pack_shard_of(plan, set, k, 0, message, cap);
}

static int join_set(const char *plan, const char *set, char *message, size_t cap)
{
    tome_pack_options o = options();
    tome_packer *p = tome_packer_new(&o);
    int err = tome_pack_join(p, plan, set, NULL);
    snprintf(message, cap, "%s", tome_packer_message(p));
    tome_packer_free(p);
    return err;
}

int main(void)
{
    char plan[1024], bad[1024], set[1024], message[1024];
    tome_pack_options o = options();
    tome_packer *p = tome_packer_new(&o);
    uint32_t k;
    (void)pack_corpus; /* of testlib.h */
    snprintf(plan, sizeof plan, "%s", temp_path("p.plan"));
    snprintf(bad, sizeof bad, "%s", temp_path("bad.plan"));
    snprintf(set, sizeof set, "%s", temp_path("s.tome"));
    CHECK_EQ(add_corpus(p), TOME_PACK_OK);
    CHECK_EQ(tome_pack_write_plan(p, plan, SHARDS, NULL), TOME_PACK_OK);
    tome_packer_free(p);
    for (k = 0; k < SHARDS; k++)
        CHECK_EQ(pack_one_shard(plan, set, k, message, sizeof message), TOME_PACK_OK);
    CHECK_EQ(join_set(plan, set, message, sizeof message), TOME_PACK_OK);

    /* the rewrite itself keeps a plan usable */
    CHECK_EQ(rewrite_plan(plan, bad, "", ""), TOME_PACK_OK);
    CHECK_EQ(pack_one_shard(bad, set, 1, message, sizeof message), TOME_PACK_OK);
    CHECK_EQ(join_set(bad, set, message, sizeof message), TOME_PACK_OK);

    /* a set identity readers refuse (not 16 lowercase hex digits): the set
     * would be packed and joined, then unreadable */
    CHECK_EQ(rewrite_plan(plan, bad, "tome.set", "zzzzzzzzzzzzzzzz"), TOME_PACK_OK);
    CHECK_EQ(pack_one_shard(bad, set, 0, message, sizeof message), TOME_PACK_ERR_INPUT);
    CHECK(strstr(message, "is not a usable plan: tome.set") != NULL);
    CHECK_EQ(join_set(bad, set, message, sizeof message), TOME_PACK_ERR_INPUT);
    CHECK_EQ(rewrite_plan(plan, bad, "tome.set", "0123456789ABCDEF"), TOME_PACK_OK);
    CHECK_EQ(pack_one_shard(bad, set, 0, message, sizeof message), TOME_PACK_ERR_INPUT);

    /* an alias count the shards do not add up to: refused by name, not
     * allocated (it was: calloc of 2^32 aliases, "out of memory") */
    CHECK_EQ(rewrite_plan(plan, bad, "tome.aliases", "4294967295"), TOME_PACK_OK);
    CHECK_EQ(join_set(bad, set, message, sizeof message), TOME_PACK_ERR_INPUT);
    CHECK(strstr(message, "do not add up to tome.aliases") != NULL);
    if (!strstr(message, "do not add up"))
        fprintf(stderr, "message: %s\n", message);

    /* a dictionary zstd refuses (its magic, then garbage): refused before
     * the input is read, naming the plan (it was "zstd refused the
     * dictionary" once the shard's input was read) */
    CHECK_EQ(rewrite_plan(plan, bad, "=dictionary",
                          "\x37\xa4\x30\xec" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
             TOME_PACK_OK);
    CHECK_EQ(pack_one_shard(bad, set, 0, message, sizeof message), TOME_PACK_ERR_INPUT);
    CHECK(strstr(message, "bad.plan is not a usable plan: its dictionary") != NULL);

    /* the same counts, other content (an article edited since the plan):
     * its shard is refused, the others still pack */
    CHECK_EQ(pack_shard_of(plan, set, 0, 1, message, sizeof message), TOME_PACK_ERR_INPUT);
    CHECK(strstr(message, "shard 0: the articles in its key range are not the ones the plan") !=
          NULL);
    CHECK_EQ(pack_shard_of(plan, set, 2, 1, message, sizeof message), TOME_PACK_OK);

    /* a block size past what tome pack allows */
    CHECK_EQ(rewrite_plan(plan, bad, "tome.block_size", "4294967295"), TOME_PACK_OK);
    CHECK_EQ(pack_one_shard(bad, set, 0, message, sizeof message), TOME_PACK_ERR_INPUT);
    CHECK(strstr(message, "its counts or options are out of range") != NULL);

    temp_cleanup();
    return check_summary();
}
