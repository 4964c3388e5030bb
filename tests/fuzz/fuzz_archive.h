/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_archive.h - rewriting the checksums of a (damaged) archive image
 * (format 3.0).
 *
 * Random bytes almost never carry a right XXH32, so a fuzzer would spend
 * its time on the header checksum.  Resealing recomputes the checksums the
 * damage broke, so the input reaches the code behind each check; every
 * range is bounds-checked first, since the image itself is hostile.
 */
#ifndef TOME_FUZZ_ARCHIVE_H
#define TOME_FUZZ_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

enum {
    RESEAL_HEADER = 1,  /* header checksum */
    RESEAL_TABLES = 2,  /* each block table record's record_checksum, the
                           footer's fields and the file checksum */
    RESEAL_CONTENT = 4, /* the dictionary checksum, and each frame's
                           content_checksum (seeded with its kind and index)
                           for every frame that decodes to exactly its
                           content_size bytes */
    RESEAL_ALL = 7
};

/* Recompute what `what` names, in an order where each checksum covers the
 * final bytes: contents, then records, then the header, then the file. */
void reseal(uint8_t *image, size_t size, unsigned what);

/* Kind (1..5 of docs/FORMAT.md, "Block table") and index within its kind
 * of block table record `record`, from the header's counts; 0 when the
 * record lies beyond them. */
unsigned record_kind(const uint8_t *image, uint64_t record, uint32_t *index);

#endif
