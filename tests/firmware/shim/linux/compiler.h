/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linux/compiler.h - zstd's own compiler.h defines the attributes it uses,
 * except the kernel's `fallthrough` pseudo-keyword (compiler_attributes.h).
 */
#ifndef TOME_SHIM_LINUX_COMPILER_H
#define TOME_SHIM_LINUX_COMPILER_H
#ifndef fallthrough
#define fallthrough __attribute__((__fallthrough__))
#endif
#endif
