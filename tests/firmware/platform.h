/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform.h - what the reader check needs from where it runs: the
 * archives, somewhere to print, scratch memory, and a stack gauge.
 * platform_device.c implements it on the bare-metal board, platform_host.c
 * on the build machine, so one program runs on both and their outputs can
 * be compared line by line.
 */
#ifndef TOME_FW_PLATFORM_H
#define TOME_FW_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

typedef struct platform_archive {
    const char *name;    /* printed; the same on host and device */
    const uint8_t *data; /* device: in flash, read in place */
    size_t size;
} platform_archive;

/* The archives to check; *count receives how many. */
const platform_archive *platform_archives(size_t *count);

/* The files of a volume set to check through the set API: the index
 * first, then its volumes in order; *count receives how many (0: none). */
const platform_archive *platform_set(size_t *count);

/* Print NUL-terminated text. */
void platform_print(const char *text);

/* Scratch memory for workspaces, fetched articles and damaged copies;
 * 64-byte aligned; *size receives its size. */
uint8_t *platform_scratch(size_t *size);

/* Call `call(context)` and return the most stack it used, in bytes (its
 * own frame and everything it called), or 0 where the stack cannot be
 * measured (the host). */
size_t platform_stack_peak(void (*call)(void *context), void *context);

/* The entry point of the check: returns the process's exit status. */
int reader_check_run(void);

#endif
