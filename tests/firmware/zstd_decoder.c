/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zstd_decoder.c - zstd's decoder from the kernel's lib/zstd as one
 * translation unit, the way the kernel builds it for its pre-boot
 * decompressors (lib/zstd/decompress_sources.h), minus the module glue.
 * One unit lets the compiler share the tables that each file would
 * otherwise carry a copy of, and saves about 1.4 KB of flash at -Os.
 * common/debug.c is left out: it only holds a variable for DEBUGLEVEL >= 2.
 */
#include "common/entropy_common.c"
#include "common/error_private.c"
#include "common/fse_decompress.c"
#include "common/zstd_common.c"
#include "decompress/huf_decompress.c"
#include "decompress/zstd_ddict.c"
#include "decompress/zstd_decompress.c"
#include "decompress/zstd_decompress_block.c"
