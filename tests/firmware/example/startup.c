/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * startup.c - reset and fault handling for a Cortex-M without an operating
 * system: the vector table, copying initialised data from flash to RAM,
 * clearing .bss, then main().  No heap exists; nothing here allocates.
 */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

int main(void);

/* Symbols of the linker script (mps2_an386.ld). */
extern uint32_t __stack_top[];
extern uint8_t __data_load[], __data_start[], __data_end[];
extern uint8_t __bss_start[], __bss_end[];

/* Configuration and Control Register of the System Control Block. */
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define CCR_UNALIGN_TRP (1u << 3)
#define CCR_DIV_0_TRP (1u << 4)

void reset_handler(void);
void fault_handler(void);

static void enable_fault_traps(void)
{
#if defined(__ARM_ARCH_6M__)
    /* Built for Cortex-M0 but run on the board's Cortex-M4: make unaligned
     * loads and stores fault as they would on a real Cortex-M0. */
    SCB_CCR |= CCR_UNALIGN_TRP;
#else
    /* Unaligned access is legal here; a division by zero is a bug. */
    SCB_CCR |= CCR_DIV_0_TRP;
#endif
}

void reset_handler(void)
{
    memcpy(__data_start, __data_load, (size_t)(__data_end - __data_start));
    memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
    enable_fault_traps();
    semihost_exit(main());
}

void fault_handler(void)
{
    semihost_write0("FAULT: the CPU took an exception; the run failed\n");
    semihost_exit(3);
}

/* Initial stack pointer, then the handlers of exceptions 1..15 (reset,
 * NMI, hard fault, memory management, bus, usage fault, ..., SysTick). */
typedef void (*vector)(void);
__attribute__((section(".vectors"), used)) static const vector vector_table[16] = {
    (vector)(uintptr_t)__stack_top, reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0, 0, 0, 0,
    fault_handler, fault_handler, 0, fault_handler, fault_handler,
};
