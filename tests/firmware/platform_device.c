/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_device.c - the reader check on the bare-metal board: archives in
 * flash, output through semihosting, scratch memory in RAM, and a stack
 * gauge that paints the free stack and finds the deepest word overwritten.
 */
#include <string.h>

#include "platform.h"
#include "semihost.h"

/* Scratch memory for the test itself (workspaces, fetched articles,
 * damaged copies); its own section so the footprint report can tell it
 * from the firmware's real .bss. */
#ifndef ARENA_SIZE
#define ARENA_SIZE (1024u * 1024u)
#endif
static uint8_t arena[ARENA_SIZE] __attribute__((section(".arena"), aligned(64)));

extern const uint8_t archive_seeds[], archive_seeds_end[];
extern const uint8_t archive_generated[], archive_generated_end[];
extern uint32_t __stack_limit[]; /* lowest stack address (linker script) */
/* The volume set (archives.S): start and end of each file, index first,
 * then the volumes in order; a null start ends the list. */
extern const uint8_t *const set_files[];

#define SET_FILES_MAX 16u

#define STACK_PAINT 0xA5C3A5C3u

const platform_archive *platform_archives(size_t *count)
{
    static platform_archive list[2];
    list[0].name = "seeds.tome";
    list[0].data = archive_seeds;
    list[0].size = (size_t)(archive_seeds_end - archive_seeds);
    list[1].name = "generated.tome";
    list[1].data = archive_generated;
    list[1].size = (size_t)(archive_generated_end - archive_generated);
    *count = 2;
    return list;
}

/* "set.tome", then "set.000.tome", "set.001.tome", ...: the names the
 * packer gave the files, which the host takes from the files themselves. */
const platform_archive *platform_set(size_t *count)
{
    static platform_archive list[SET_FILES_MAX];
    static char names[SET_FILES_MAX][16];
    size_t n;
    for (n = 0; n < SET_FILES_MAX && set_files[2 * n]; n++) {
        char *name = names[n];
        list[n].data = set_files[2 * n];
        list[n].size = (size_t)(set_files[2 * n + 1] - set_files[2 * n]);
        list[n].name = name;
        memcpy(name, "set.", 4);
        if (n == 0) {
            memcpy(name + 4, "tome", 5);
        } else {
            name[4] = (char)('0' + (n - 1) / 100 % 10);
            name[5] = (char)('0' + (n - 1) / 10 % 10);
            name[6] = (char)('0' + (n - 1) % 10);
            memcpy(name + 7, ".tome", 6);
        }
    }
    *count = n;
    return list;
}

void platform_print(const char *text)
{
    semihost_write0(text);
}

uint8_t *platform_scratch(size_t *size)
{
    *size = sizeof arena;
    return arena;
}

static uint32_t *stack_pointer(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Everything below the current stack pointer is free: paint it, call, and
 * the deepest word no longer painted marks the peak.  The measure includes
 * `call`'s own frame, so it errs on the high side by a few bytes. */
size_t platform_stack_peak(void (*call)(void *context), void *context)
{
    uint32_t *top = stack_pointer();
    volatile uint32_t *p;
    for (p = __stack_limit; p < (volatile uint32_t *)top; p++)
        *p = STACK_PAINT;
    call(context);
    for (p = __stack_limit; p < (volatile uint32_t *)top && *p == STACK_PAINT; p++) {
    }
    return (size_t)((uint8_t *)top - (uint8_t *)p);
}

int main(void)
{
    return reader_check_run();
}
