/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tome_zstd.c - zstd's decoder for a device, as one translation unit.
 *
 * Compile this file instead of linking a libzstd.  It includes zstd's own
 * sources, which are not part of tome (docs/EMBEDDING.md says where to get
 * them):
 *
 *   default               "zstddeclib.c", zstd's single-file decoder, made
 *                         by zstd's build/single_file_libs/
 *                         create_single_file_decoder.sh; put the folder
 *                         holding it on the include path
 *   TOME_ZSTD_LIB_SOURCES the decoder's files of zstd's lib/ (common/ and
 *                         decompress/); put zstd's lib/ on the include path
 *
 * and zstd.h (zstd's lib/) on the include path of the reader.
 *
 * TOME_ZSTD_MINIMAL (in tome.h's switch list) builds the smallest decoder:
 * one Huffman decoder, one sequence decoder, no forced inlining, no error
 * strings, and a 2 KiB literal buffer in the context instead of 64 KiB.  The
 * same macro makes tome.h's TOME_WORKSPACE_BOUND() count the smaller
 * context, so every file of a firmware must see it (set it on the command
 * line or in a TOME_CONFIG_FILE).  This file checks at compile time that the
 * context and dictionary tables zstd really builds fit the bounds tome.h
 * gives: a build that combines them wrongly does not compile.
 *
 * Nothing here allocates: zstd's allocator is replaced by one that always
 * fails, and the reader only uses zstd's static-allocation API.
 */
#include "tome.h"

#ifdef TOME_ZSTD_MINIMAL
#ifndef HUF_FORCE_DECOMPRESS_X1
#define HUF_FORCE_DECOMPRESS_X1
#endif
#ifndef ZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT
#define ZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT
#endif
#ifndef ZSTD_NO_INLINE
#define ZSTD_NO_INLINE
#endif
#ifndef ZSTD_STRIP_ERROR_STRINGS
#define ZSTD_STRIP_ERROR_STRINGS
#endif
#ifndef ZSTD_DECODER_INTERNAL_BUFFER
#define ZSTD_DECODER_INTERNAL_BUFFER 2048 /* bytes; longer literals go to the output */
#endif
#endif

/* No heap: zstd's allocation hooks always fail (zstd_deps.h takes these
 * when ZSTD_DEPS_MALLOC is already defined). */
#define ZSTD_DEPS_MALLOC
#define ZSTD_malloc(s) ((void)(s), (void *)0)
#define ZSTD_calloc(n, s) ((void)(n), (void)(s), (void *)0)
#define ZSTD_free(p) ((void)(p))

#ifdef TOME_ZSTD_LIB_SOURCES
/* The settings zstd's single-file decoder bakes in, then its files. */
#define DEBUGLEVEL 0
#define ZSTD_LEGACY_SUPPORT 0
#define ZSTD_TRACE 0
#define ZSTD_DISABLE_ASM 1
#include "common/entropy_common.c"
#include "common/error_private.c"
#include "common/fse_decompress.c"
#include "common/zstd_common.c"
#include "decompress/huf_decompress.c"
#include "decompress/zstd_ddict.c"
#include "decompress/zstd_decompress.c"
#include "decompress/zstd_decompress_block.c"
#else
#include "zstddeclib.c"
#endif

/* The decoder's real sizes against the bounds of TOME_WORKSPACE_BOUND():
 * a negative array size (a C99 static assertion) when one does not fit.
 * The reader asks zstd for sizeof(ZSTD_DCtx) and sizeof(ZSTD_DDict)
 * (ZSTD_estimateDCtxSize(), ZSTD_estimateDDictSize(n, ZSTD_dlm_byRef)). */
typedef char tome_zstd_dctx_fits_TOME_ZSTD_DCTX_BOUND
    [sizeof(ZSTD_DCtx) <= TOME_ZSTD_DCTX_BOUND ? 1 : -1];
typedef char tome_zstd_ddict_fits_TOME_ZSTD_DDICT_BOUND
    [sizeof(ZSTD_DDict) <= TOME_ZSTD_DDICT_BOUND ? 1 : -1];

/* The context and tables sizes, for a test or a map file to show. */
const unsigned long tome_zstd_dctx_size = (unsigned long)sizeof(ZSTD_DCtx);
const unsigned long tome_zstd_ddict_size = (unsigned long)sizeof(ZSTD_DDict);
