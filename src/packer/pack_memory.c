/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pack_memory.c - the packer's memory budget: --memory, or by default
 * half of what the process may have (the machine's memory, or its control
 * group's limit when lower), at most 1 GiB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pack_internal.h"

#define DEFAULT_MEMORY ((uint64_t)1 << 30)
/* cgroup v1 writes "no limit" as a number near 2^63 */
#define CGROUP_NO_LIMIT ((uint64_t)1 << 62)

/* The number in file `path` (cgroup v2's memory.max, v1's
 * memory.limit_in_bytes), or 0 for "max", a huge value, or no file. */
static uint64_t limit_in(const char *path)
{
    char text[32];
    unsigned long long v;
    FILE *f = fopen(path, "r");
    int ok = f && fgets(text, sizeof text, f) && sscanf(text, "%llu", &v) == 1;
    if (f)
        fclose(f);
    return ok && (uint64_t)v < CGROUP_NO_LIMIT ? (uint64_t)v : 0;
}

/* The lowest limit of `file` in directory `dir` and its parents down to
 * `root` (a limit anywhere above a group binds it too); 0 when none. */
static uint64_t lowest_limit(char *dir, size_t root_len, const char *file)
{
    uint64_t low = 0;
    char path[4200];
    for (;;) {
        char *slash;
        uint64_t v;
        snprintf(path, sizeof path, "%s/%s", dir, file);
        v = limit_in(path);
        if (v && (!low || v < low))
            low = v;
        slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < root_len)
            return low;
        *slash = '\0';
    }
}

uint64_t tome__cgroup_memory_limit(const char *proc_cgroup, const char *root)
{
    char line[4096], dir[4096];
    uint64_t low = 0, v;
    FILE *f = fopen(proc_cgroup, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *controllers = strchr(line, ':'), *path, *end;
        int v2, memory;
        if (!controllers || !(path = strchr(controllers + 1, ':')))
            continue;
        *controllers++ = '\0';
        *path++ = '\0';
        if ((end = strchr(path, '\n')) != NULL)
            *end = '\0';
        /* "0::/path" (v2); "N:a,memory,b:/path" (v1) */
        v2 = strcmp(line, "0") == 0 && *controllers == '\0';
        memory = strstr(controllers, "memory") != NULL;
        if (!v2 && !memory)
            continue;
        if (snprintf(dir, sizeof dir, "%s%s%s", root, v2 ? "" : "/memory",
                     strcmp(path, "/") ? path : "") >= (int)sizeof dir)
            continue;
        v = lowest_limit(dir, strlen(root) + (v2 ? 0 : strlen("/memory")),
                         v2 ? "memory.max" : "memory.limit_in_bytes");
        if (v && (!low || v < low))
            low = v;
    }
    fclose(f);
    return low;
}

uint64_t tome__memory_budget(const tome_packer *p)
{
    uint64_t m = p->opt.memory ? p->opt.memory : DEFAULT_MEMORY, has;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (p->opt.memory)
        return m;
    /* what this process may have: the machine's memory, or its control
     * group's limit (a container's) when that is lower; half of it, as the
     * budget is a target, not a ceiling, and others need memory too */
    has = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    {
        uint64_t group = tome__cgroup_memory_limit("/proc/self/cgroup", "/sys/fs/cgroup");
        if (group && (!has || group < has))
            has = group;
    }
    if (has && has / 2 < m)
        m = has / 2 < ((uint64_t)16 << 20) ? (uint64_t)16 << 20 : has / 2;
    return m;
}
