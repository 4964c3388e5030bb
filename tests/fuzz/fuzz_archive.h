/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_archive.h - rewriting the checksums of a (damaged) archive image.
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
    RESEAL_TABLES = 2,  /* dictionary and table checksums, footer, file checksum */
    RESEAL_RECORDS = 4, /* each block's content checksum (body and key blocks),
                           for every block whose frame decodes to exactly its
                           content_size bytes */
    RESEAL_ALL = 7
};

/* Recompute what `what` names, in an order where each checksum covers the
 * final bytes: records, then tables, then the header, then the file. */
void reseal(uint8_t *image, size_t size, unsigned what);

#endif
