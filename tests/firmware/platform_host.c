/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_host.c - the reader check on the build machine: the archives are
 * files named on the command line, output goes to stdout.  The stack is
 * not measured here.  Usage: reader_check ARCHIVE... [--set INDEX VOLUME...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* The same amount of scratch memory as the device has. */
#ifndef ARENA_SIZE
#define ARENA_SIZE (1024u * 1024u)
#endif

static platform_archive *archives, *set_files;
static size_t archive_count, set_count;

const platform_archive *platform_archives(size_t *count)
{
    *count = archive_count;
    return archives;
}

const platform_archive *platform_set(size_t *count)
{
    *count = set_count;
    return set_files;
}

void platform_print(const char *text)
{
    fputs(text, stdout);
}

uint8_t *platform_scratch(size_t *size)
{
    static uint8_t *arena;
    if (!arena && !(arena = aligned_alloc(64, ARENA_SIZE))) {
        fputs("reader_check: out of memory\n", stderr);
        exit(2);
    }
    *size = ARENA_SIZE;
    return arena;
}

size_t platform_stack_peak(void (*call)(void *context), void *context)
{
    call(context);
    return 0;
}

static int load(const char *path, platform_archive *archive)
{
    FILE *f = fopen(path, "rb");
    long size;
    uint8_t *data;
    const char *slash = strrchr(path, '/');
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(data = malloc(size ? (size_t)size : 1)) || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "reader_check: cannot read %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    archive->name = slash ? slash + 1 : path;
    archive->data = data;
    archive->size = (size_t)size;
    return 0;
}

int main(int argc, char **argv)
{
    int i, set = argc;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--set") == 0 && set == argc)
            set = i;
    if (set < 2 || set == argc - 1) {
        fputs("usage: reader_check ARCHIVE... [--set INDEX VOLUME...]\n", stderr);
        return 2;
    }
    archive_count = (size_t)(set - 1);
    set_count = set < argc ? (size_t)(argc - set - 1) : 0;
    archives = calloc(archive_count, sizeof *archives);
    set_files = calloc(set_count + 1, sizeof *set_files);
    if (!archives || !set_files)
        return 2;
    for (i = 1; i < set; i++)
        if (load(argv[i], &archives[i - 1]) != 0)
            return 2;
    for (i = set + 1; i < argc; i++)
        if (load(argv[i], &set_files[i - set - 1]) != 0)
            return 2;
    return reader_check_run();
}
