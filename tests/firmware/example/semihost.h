/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * semihost.h - the two Arm semihosting calls the firmware needs: write text
 * to the debugger's console and end the program with a status.  Under
 * `qemu-system-arm -semihosting` the text goes to qemu's console and the
 * status becomes qemu's exit status.
 */
#ifndef TOME_FW_SEMIHOST_H
#define TOME_FW_SEMIHOST_H

/* Write a NUL-terminated string to the host console. */
void semihost_write0(const char *text);

/* Stop the program; qemu exits with `status` (0..255). */
void semihost_exit(int status);

#endif
