/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * make_seeds.c - writes the seed corpora of tests/fuzz/corpus/TARGET/:
 * the base archives of fuzz_corpora.c for the reader targets, one program
 * per kind of damage for the mutation target, and sample inputs for the
 * packer's parsers.  Run by `make fuzz-seeds`; the output is committed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_corpora.h"

static const char *root;

static void write_seed(const char *target, const char *name, const void *data, size_t size)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", root, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void reader_seeds(void)
{
    static const char *const targets[] = {"read_memory", "read_callback", "verify"};
    char name[64];
    size_t t, size;
    int b;
    for (b = 0; b < BASE_COUNT; b++) {
        const uint8_t *bytes = base_archive(b, &size);
        if (!bytes) {
            fprintf(stderr, "packing base archive %s failed\n", base_name(b));
            exit(1);
        }
        for (t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            snprintf(name, sizeof name, "base-%s.tome", base_name(b));
            write_seed(targets[t], name, bytes, size);
        }
    }
}

/* One program per op of fuzz_mutate.c, on base archives in turn: head
 * byte = base | reseal << 3 | flags << 5 | callback << 7. */
static void mutate_seeds(void)
{
    static const struct {
        const char *name;
        uint8_t program[12];
        size_t size;
    } programs[] = {
        {"intact-small", {0x00}, 1},
        {"intact-dictionary-callback", {0x81}, 1},
        {"intact-spanning-lean", {0x22}, 1},
        {"intact-empty", {0x03}, 1},
        {"intact-names-trusted", {0x44}, 1},
        {"intact-names-integrity", {0x14}, 1},
        /* ops (fuzz_mutate.c): 0 header field, 1 record field, 2 record
         * swap, 3 frame byte, 4 bit flip, 5 dictionary byte, 6 truncate,
         * 7 append, 8 frame run swap, 9 copy range, 10 erase, 11 set byte */
        {"header-count", {0x18, 0, 4, 0, 200}, 5},
        {"header-block-size-max", {0x19, 0, 16, 3, 1}, 5},
        {"header-index-size-max", {0x1C, 0, 17, 2, 0xFF}, 5},
        {"record-content-size", {0x1A, 1, 2, 0, 2, 2, 0xFF}, 7},
        {"record-first", {0x1C, 1, 3, 0, 3, 2, 1}, 7},
        {"record-swap", {0x1A, 2, 0, 0, 3, 0}, 6},
        {"frame-byte", {0x1A, 3, 40, 0, 0, 0, 0x55}, 7},
        {"bit-flip-callback", {0x99, 4, 0x30, 0x01, 0, 0, 5}, 7},
        {"dictionary-byte", {0x19, 5, 99, 0, 0, 0, 0x10}, 7},
        {"truncate", {0x19, 6, 0x00, 0x04, 0, 0}, 6},
        {"trailing", {0x18, 7, 40, 0xEE}, 4},
        {"frame-run-swap", {0x9A, 8, 10, 0, 0, 0, 90, 0, 0, 0, 20}, 11},
        {"copy-range", {0x1B, 9, 0x40, 0x01, 0, 0, 0x00, 0x02, 0, 0, 64, 0}, 12},
        {"erased-run", {0x1A, 10, 0x00, 0x01, 0, 0, 40, 1}, 8},
        {"set-byte", {0x1B, 11, 0x20, 0, 0, 0, 0x7F}, 7},
        {"no-reseal-header-edit", {0x00, 0, 3, 0, 0}, 5},
        /* the integrity oracle (reseal 2: header, records and file, not
         * contents), against the original archive */
        {"integrity-article-count", {0x10, 0, 4, 2, 0xFF}, 5},
        {"integrity-body-blocks", {0x11, 0, 8, 2, 1}, 5},
        {"integrity-name-frames", {0x14, 0, 10, 2, 0xFF}, 5},
        {"integrity-shifted-kinds", {0x14, 0, 8, 2, 1, 0, 10, 2, 0xFF}, 9},
        {"integrity-alias-count", {0x10, 0, 6, 0, 1}, 5},
        {"integrity-meta-frames", {0x10, 0, 15, 0, 1}, 5},
        {"integrity-record-first", {0x14, 1, 1, 0, 3, 2, 1}, 7},
        {"integrity-record-offset", {0x12, 1, 0, 0, 0, 2, 4}, 7},
        {"integrity-record-content-size", {0x12, 1, 2, 0, 2, 2, 0xFF}, 7},
        {"integrity-record-swap", {0x14, 2, 0, 0, 1, 0}, 6},
        {"integrity-record-swap-kinds", {0x14, 2, 16, 0, 17, 0}, 6},
        {"integrity-frame-byte", {0x10, 3, 40, 0, 0, 0, 0x55}, 7},
        {"integrity-index-frame-byte", {0x14, 3, 0xF0, 0x01, 0, 0, 0x08}, 7},
        {"integrity-bit-flip", {0x11, 4, 0x00, 0x01, 0, 0, 3}, 7},
        {"integrity-trusted-frame-byte", {0x52, 3, 0x20, 0x01, 0, 0, 0x01}, 7},
    };
    size_t i;
    for (i = 0; i < sizeof programs / sizeof programs[0]; i++)
        write_seed("mutate", programs[i].name, programs[i].program, programs[i].size);
}

/* Whole sets, and sets with a volume missing, only the index, or volumes
 * given in another order's place (fuzz_set.c's container; head bits: 0x08
 * reseal the index, 0x10 the volumes, 0x20 and 0x40 open flags). */
static void set_seeds(void)
{
    static const struct {
        const char *name;
        int set;
        unsigned head, volumes;
    } seeds[] = {
        {"plain", SET_PLAIN, 0x00, 4},
        {"plain-no-dict-tables", SET_PLAIN, 0x20, 4},
        {"plain-trusted", SET_PLAIN, 0x40, 4},
        {"plain-resealed", SET_PLAIN, 0x18, 4},
        {"plain-last-volume-missing", SET_PLAIN, 0x00, 2},
        {"plain-index-only", SET_PLAIN, 0x00, 0},
        {"dictionary", SET_DICTIONARY, 0x00, 4},
    };
    size_t i, size = 0;
    for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        unsigned total = 0;
        uint8_t *bytes = set_container(seeds[i].set, seeds[i].head, seeds[i].volumes, &size, &total);
        if (!bytes) {
            fprintf(stderr, "packing set %s failed\n", seeds[i].name);
            exit(1);
        }
        /* every file of the set in one input: the target reads four volumes */
        if (seeds[i].volumes >= 4 && (total < 3 || total > 4)) {
            fprintf(stderr, "set %s has %u volumes, not 3 or 4\n", seeds[i].name, total);
            exit(1);
        }
        write_seed("set", seeds[i].name, bytes, size);
        free(bytes);
    }
}

static void text_seed(const char *target, const char *name, const char *text)
{
    write_seed(target, name, text, strlen(text));
}

static void jsonl_seeds(void)
{
    text_seed("jsonl", "plain", "{\"id\":\"a\",\"text\":\"hello\"}\n{\"id\":\"b\",\"text\":\"world\",\"title\":\"B\"}\n");
    text_seed("jsonl", "escapes",
              "{\"id\":\"\\u0041b\",\"text\":\"line\\nbreak \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\t\"}\n");
    text_seed("jsonl", "other-members",
              "{\"n\":-1.5e3,\"id\":\"k3\",\"meta\":{\"a\":[1,2,{\"b\":null}],\"c\":\"}\"},\"ok\":true,"
              "\"text\":\"x\"}\n");
    text_seed("jsonl", "bom-crlf-no-final-newline",
              "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\r\n\r\n{\"id\":\"b\",\"text\":\"y\"}");
    text_seed("jsonl", "utf8", "{\"id\":\"Z\xC3\xBCrich/na\xC3\xAFve\",\"text\":\"gr\xC3\xBC\x65zi\",\"title\":\"\xE2\x9C\x93\"}\n");
    text_seed("jsonl", "duplicate-key", "{\"id\":\"same\",\"text\":\"1\"}\n{\"id\":\"same\",\"text\":\"2\"}\n");
    text_seed("jsonl", "bad-unterminated", "{\"id\":\"k1\",\"text\":\"fine\"}\n{\"id\":\"k2\",\"text\":\n");
    text_seed("jsonl", "bad-missing-id", "{\"text\":\"no id\"}\n");
    text_seed("jsonl", "bad-lone-surrogate", "{\"id\":\"a\",\"text\":\"\\ud800\"}\n");
    text_seed("jsonl", "bad-utf8", "{\"id\":\"a\xFF\",\"text\":\"x\"}\n");
    text_seed("jsonl", "bad-nesting", "{\"id\":\"a\",\"text\":\"x\",\"deep\":[[[[[[[[[[]]]]]]]]]]]}\n");
    text_seed("jsonl", "bad-number", "{\"id\":\"a\",\"text\":\"x\",\"n\":01}\n");
    text_seed("jsonl", "empty-strings", "{\"id\":\"e\",\"text\":\"\",\"title\":\"\"}\n");
}

static void paths_seeds(void)
{
    text_seed("paths", "flat", "a.txt\nb.txt\nc");
    text_seed("paths", "nested", "a/b/deep.bin\na/one.txt\n./x//y/z\n");
    text_seed("paths", "dots", "../up\na/../b\n.hidden\n");
    text_seed("paths", "utf8", "caf\xC3\xA9.txt\nZ\xC3\xBCrich/na\xC3\xAFve.txt\n");
    text_seed("paths", "bad-utf8", "ok.txt\nbad\xFFname\n");
    text_seed("paths", "overlong", "\xC0\xAF\n\xED\xA0\x80\n\xF4\x90\x80\x80\n");
    text_seed("paths", "conflict", "a\na/b\nb/c\nb\n");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    root = argv[1];
    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        perror(root);
        return 1;
    }
    reader_seeds();
    mutate_seeds();
    jsonl_seeds();
    paths_seeds();
    set_seeds();
    printf("seeds written under %s\n", root);
    return 0;
}
