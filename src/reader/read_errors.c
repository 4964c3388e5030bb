/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_errors.c - error names and version getters.
 */
#include "tome.h"

#define STR2(x) #x
#define STR(x) STR2(x)

unsigned tome_version_number(void)
{
    return TOME_VERSION_NUMBER;
}

const char *tome_version_string(void)
{
    return STR(TOME_VERSION_MAJOR) "." STR(TOME_VERSION_MINOR) "." STR(TOME_VERSION_PATCH);
}

unsigned tome_format_version(void)
{
    return TOME_FORMAT_MAJOR * 100 + TOME_FORMAT_MINOR;
}

#ifdef TOME_NO_ERROR_NAMES
const char *tome_error_name(int code)
{
    (void)code;
    return "";
}

const char *tome_error_text(int code)
{
    (void)code;
    return "";
}
#else
const char *tome_error_name(int code)
{
    switch (code) {
#define NAME_CASE(name, value, text) \
    case value:                      \
        return #name;
        TOME_ERROR_LIST(NAME_CASE)
#undef NAME_CASE
    }
    return "TOME_ERR_UNKNOWN";
}

const char *tome_error_text(int code)
{
    switch (code) {
#define TEXT_CASE(name, value, text) \
    case value:                      \
        return text;
        TOME_ERROR_LIST(TEXT_CASE)
#undef TEXT_CASE
    }
    return "unknown error";
}
#endif
