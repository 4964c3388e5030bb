/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * archives.S - the archives packed at build time, placed in flash as they
 * would be on a device (the reader uses them in place).  The build passes
 * their paths as SEEDS_ARCHIVE and GENERATED_ARCHIVE.
 */
    .section .archives, "a"

    .global archive_seeds, archive_seeds_end
    .balign 4
archive_seeds:
    .incbin SEEDS_ARCHIVE
archive_seeds_end:

    .global archive_generated, archive_generated_end
    .balign 4
archive_generated:
    .incbin GENERATED_ARCHIVE
archive_generated_end:
