/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * semihost.c - Arm semihosting: the operation number in r0, its argument in
 * r1, and `bkpt 0xab`, which a debugger (or qemu) traps and serves.
 */
#include "semihost.h"

#include <stdint.h>

enum {
    SYS_WRITE0 = 0x04,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
    ADP_STOPPED_APPLICATION_EXIT = 0x20026
};

static uintptr_t semihost_call(uintptr_t op, const void *arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihost_write0(const char *text)
{
    (void)semihost_call(SYS_WRITE0, text);
}

void semihost_exit(int status)
{
    /* On 32-bit Arm, plain SYS_EXIT carries only "success" or "failure";
     * SYS_EXIT_EXTENDED carries the status itself. */
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)status;
    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    /* A host without the extended call still learns success or failure. */
    (void)semihost_call(SYS_EXIT, (const void *)(uintptr_t)(status == 0
                                                   ? ADP_STOPPED_APPLICATION_EXIT
                                                   : 0x20023 /* RunTimeErrorUnknown */));
    for (;;) {
    }
}
