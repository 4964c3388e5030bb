/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_corpora.h - the valid archives fuzzing and the damage sweeps start
 * from: small, deterministic, and each reaching a different part of the
 * format (duplicates and empty bodies, a dictionary, bodies spanning
 * blocks, no blocks at all, UTF-8 keys with titles).
 */
#ifndef TOME_FUZZ_CORPORA_H
#define TOME_FUZZ_CORPORA_H

#include <stddef.h>
#include <stdint.h>

enum { BASE_SMALL, BASE_DICTIONARY, BASE_SPANNING, BASE_EMPTY, BASE_NAMES, BASE_COUNT };

/* Short name of base archive `which`, for file names. */
const char *base_name(int which);

/* The archive bytes (malloc'd, exactly sized), packed on first use and
 * kept; NULL when packing failed. */
const uint8_t *base_archive(int which, size_t *size);

/* The volume sets of the `set` target, each as its container
 * (fuzz_set.c): index and volumes, packed by tome_pack_write_set(). */
enum { SET_PLAIN, SET_DICTIONARY, SET_COUNT };

const char *set_name(int which);

/* The container of set `which` carrying its first `volumes` volumes
 * (all of them when larger), `head` giving the option bits of byte 0
 * (the volume count is filled in); malloc'd, NULL when packing failed;
 * *total_volumes receives how many the set has. */
uint8_t *set_container(int which, unsigned head, unsigned volumes, size_t *size,
                       unsigned *total_volumes);

#endif
