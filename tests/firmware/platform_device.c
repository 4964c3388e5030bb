/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform_device.c - the reader check on the bare-metal board: archives in
 * flash, output through semihosting, scratch memory in RAM, and a stack
 * gauge that paints the free stack and finds the deepest word overwritten.
 */
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
