/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_verify.c - tome_verify() (work in progress).
 */
#include "read_internal.h"

int tome_verify(tome_reader *r, tome_damage_fn on_damage, void *user,
                tome_verify_report *report)
{
    (void)r, (void)on_damage, (void)user, (void)report;
    return TOME_ERR_DAMAGED;
}
