/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * archives.S - the archives packed at build time, placed in flash as they
 * would be on a device (the reader uses them in place).  The build passes
 * their paths as SEEDS_ARCHIVE and GENERATED_ARCHIVE, and the volume set's
 * folder on the assembler's include path.
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

/* The volume set: set.tome and its volumes set.NNN.tome, found on the
 * assembler's include path; SET_VOLUMES names a file, written when the set
 * is packed, with one "volume NNN" line per volume, so the count comes
 * from the packer. */
    .macro volume n
    .balign 4
set_volume_\n\():
    .incbin "set.\n\().tome"
set_volume_\n\()_end:
    .endm

    .balign 4
set_index:
    .incbin "set.tome"
set_index_end:
    .include SET_VOLUMES
    .purgem volume

/* Start and end of each file, index first; a null pair ends the list. */
    .macro volume n
    .word set_volume_\n, set_volume_\n\()_end
    .endm

    .section .rodata.set_files, "a"
    .global set_files
    .balign 4
set_files:
    .word set_index, set_index_end
    .include SET_VOLUMES
    .word 0, 0
