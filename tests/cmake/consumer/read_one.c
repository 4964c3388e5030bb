/* SPDX-License-Identifier: BSD-2-Clause */
/* read_one ARCHIVE KEY - prints article KEY with the installed tome::reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tome.h>

int main(int argc, char **argv)
{
    static unsigned char archive[1 << 16];
    static char text[1 << 12];
    tome_config config;
    tome_reader *reader;
    size_t size, length;
    uint32_t id;
    FILE *f;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: read_one ARCHIVE KEY\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL)
        return 1;
    length = fread(archive, 1, sizeof archive, f);
    fclose(f);

    memset(&config, 0, sizeof config);
    config.data = archive;
    config.size = length;
    rc = tome_workspace_size(&config, &size);
    if (rc == TOME_OK) {
        config.workspace = malloc(size);
        config.workspace_size = size;
        rc = tome_open(&reader, &config);
    }
    if (rc == TOME_OK)
        rc = tome_find(reader, argv[2], strlen(argv[2]), &id);
    if (rc == TOME_OK)
        rc = tome_fetch(reader, id, text, sizeof text - 1, &size);
    if (rc != TOME_OK) {
        fprintf(stderr, "read_one: %s\n", tome_error_text(rc));
        return 1;
    }
    text[size] = '\0';
    printf("%s\n", text);
    free(config.workspace);
    return 0;
}
