/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.c - runs every saved fuzz input through its target without
 * libFuzzer, for `make test`: the seed corpora (tests/fuzz/corpus/TARGET/)
 * and every input that ever found a bug (tests/fuzz/regressions/TARGET/).
 *
 *     replay [DIR...]      default: tests/fuzz/corpus tests/fuzz/regressions
 *
 * Each DIR holds one subdirectory per target.  Prints one line per failed
 * input and ends with "N passed, N failed", one count per input.  A crash
 * or a hang names the input before the process dies.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Seconds one input may take, sanitizers and qemu included. */
#define INPUT_SECONDS 120

typedef int (*target_fn)(const uint8_t *data, size_t size);
typedef int (*init_fn)(int *argc, char ***argv);

#define TARGET(name) int fuzz_target_##name(const uint8_t *data, size_t size);
#define INIT(name) int fuzz_init_##name(int *argc, char ***argv);
TARGET(read_memory)
TARGET(read_callback)
TARGET(verify)
TARGET(mutate)
INIT(mutate)
TARGET(jsonl)
TARGET(paths)
TARGET(set)

static const struct {
    const char *name;
    target_fn run;
    init_fn init;
} targets[] = {
    {"read_memory", fuzz_target_read_memory, NULL},
    {"read_callback", fuzz_target_read_callback, NULL},
    {"verify", fuzz_target_verify, NULL},
    {"mutate", fuzz_target_mutate, fuzz_init_mutate},
    {"jsonl", fuzz_target_jsonl, NULL},
    {"paths", fuzz_target_paths, NULL},
    {"set", fuzz_target_set, NULL},
};

static char current[4400]; /* the input being replayed */
static int broken;         /* invariants it broke */

void fuzz_failed(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s: %s:%d: invariant broken: %s\n", current, file, line, what);
    broken++;
}

/* Name the input that crashed or hung, then die as before. */
static void on_fatal(int sig)
{
    static const char hung[] = ": took too long (hang?)\n", died[] = ": crashed\n";
    size_t n = strlen(current);
    if (write(2, current, n) < 0 || write(2, sig == SIGALRM ? hung : died,
                                          sig == SIGALRM ? sizeof hung - 1 : sizeof died - 1) < 0)
        _exit(3);
    if (sig) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

/* The sanitizer has printed its report and is about to exit. */
static void on_sanitizer_death(void)
{
    on_fatal(0);
}

/* Present in sanitized builds, absent (NULL) in plain ones. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static uint8_t *read_input(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    /* exactly sized, as libFuzzer gives it, so over-reads are caught */
    b = malloc(n > 0 ? (size_t)n : 1);
    if (n < 0 || fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replay every file in dir/target; counts go to *passed and *failed. */
static void replay_dir(const char *dir, size_t t, int *passed, int *failed)
{
    char path[4096];
    struct dirent **names;
    int n, i;
    snprintf(path, sizeof path, "%s/%s", dir, targets[t].name);
    n = scandir(path, &names, NULL, by_name);
    for (i = 0; i < n; i++) {
        size_t size;
        uint8_t *data;
        if (names[i]->d_name[0] == '.' || !strcmp(names[i]->d_name, "README")) {
            free(names[i]);
            continue;
        }
        snprintf(current, sizeof current, "%s/%s", path, names[i]->d_name);
        free(names[i]);
        data = read_input(current, &size);
        if (!data) {
            fprintf(stderr, "%s: cannot read\n", current);
            (*failed)++;
            continue;
        }
        broken = 0;
        alarm(INPUT_SECONDS);
        targets[t].run(data, size);
        alarm(0);
        free(data);
        if (broken)
            (*failed)++;
        else
            (*passed)++;
    }
    if (n > 0)
        free(names);
}

int main(int argc, char **argv)
{
    static char *defaults[] = {"tests/fuzz/corpus", "tests/fuzz/regressions"};
    char **dirs = argc > 1 ? argv + 1 : defaults;
    int ndirs = argc > 1 ? argc - 1 : 2, passed = 0, failed = 0, d;
    size_t t;
    signal(SIGSEGV, on_fatal);
    signal(SIGBUS, on_fatal);
    signal(SIGABRT, on_fatal);
    signal(SIGFPE, on_fatal);
    signal(SIGILL, on_fatal);
    signal(SIGALRM, on_fatal);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(on_sanitizer_death);
    for (t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        int before = passed + failed;
        snprintf(current, sizeof current, "initialising %s", targets[t].name);
        if (targets[t].init)
            targets[t].init(&argc, &argv);
        for (d = 0; d < ndirs; d++)
            replay_dir(dirs[d], t, &passed, &failed);
        printf("%-14s %d inputs\n", targets[t].name, passed + failed - before);
    }
    /* No inputs at all means the runner looked in the wrong place. */
    if (passed + failed == 0) {
        fprintf(stderr, "no inputs found under %s\n", dirs[0]);
        failed = 1;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
