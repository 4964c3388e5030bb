/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz.h - what every fuzz target shares.
 *
 * Each target is one .c file with one FUZZ_TARGET(name) function.  Built
 * with -DFUZZ_LIBFUZZER it is libFuzzer's LLVMFuzzerTestOneInput; built
 * without, it is fuzz_target_<name>() and the replay runner (replay.c) calls
 * it for every saved input, so `make test` needs no libFuzzer.
 *
 * FUZZ_CHECK states an invariant the reader's manual promises.  Under
 * libFuzzer a broken one aborts, so the input is saved as a crash; under
 * replay it is counted against the input being replayed.
 */
#ifndef TOME_FUZZ_H
#define TOME_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_LIBFUZZER
#define FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#define FUZZ_INIT(name) int LLVMFuzzerInitialize(int *argc, char ***argv)
#else
#define FUZZ_TARGET(name) int fuzz_target_##name(const uint8_t *data, size_t size)
#define FUZZ_INIT(name) int fuzz_init_##name(int *argc, char ***argv)
#endif

/* Reports a broken invariant; aborts under libFuzzer. */
void fuzz_failed(const char *file, int line, const char *what);

#define FUZZ_CHECK(cond)                                                      \
    do {                                                                      \
        if (!(cond))                                                          \
            fuzz_failed(__FILE__, __LINE__, #cond);                           \
    } while (0)

/* A scratch directory private to this process, created on first use. */
const char *fuzz_temp_dir(void);

#endif
