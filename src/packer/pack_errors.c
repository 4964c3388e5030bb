/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_errors.c - the packer's error codes and its message.  Apart from
 * pack.c, so a test can replace the packer core and keep these.
 */
#include <stdio.h>

#include "pack_internal.h"

const char *tome_pack_error_name(int code)
{
    switch (code) {
#define NAME_CASE(name, value, text) \
    case value:                      \
        return #name;
        TOME_PACK_ERROR_LIST(NAME_CASE)
#undef NAME_CASE
    }
    return "TOME_PACK_ERR_UNKNOWN";
}

const char *tome_pack_error_text(int code)
{
    switch (code) {
#define TEXT_CASE(name, value, text) \
    case value:                      \
        return text;
        TOME_PACK_ERROR_LIST(TEXT_CASE)
#undef TEXT_CASE
    }
    return "unknown error";
}

const char *tome_packer_message(const tome_packer *p)
{
    return p ? p->message : "";
}

int tome__pack_fail(tome_packer *p, int code, const char *fmt, ...)
{
    va_list ap;
    /* The first failure is the cause; what fails after it (the packer
     * refusing further calls, a cleanup) would only hide it. */
    if (!p->failed) {
        va_start(ap, fmt);
        vsnprintf(p->message, sizeof p->message, fmt, ap);
        va_end(ap);
    }
    p->failed = 1;
    return code;
}
