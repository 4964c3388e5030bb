/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * archive.S - the archive in the firmware image, as it would sit in a
 * flash partition.  The build passes its path as ARCHIVE.
 */
    .section .archives, "a"
    .global archive_start, archive_end
    .balign 4
archive_start:
    .incbin ARCHIVE
archive_end:
