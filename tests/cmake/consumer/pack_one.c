/* SPDX-License-Identifier: BSD-2-Clause */
/* pack_one ARCHIVE - packs two articles with the installed tome::tome. */
#include <stdio.h>
#include <string.h>

#include <tome.h>
#include <tome_pack.h>

int main(int argc, char **argv)
{
    static const char hello[] = "hello from a find_package(tome) consumer";
    static const char other[] = "a second article";
    tome_pack_options options;
    tome_packer *packer;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: pack_one ARCHIVE\n");
        return 2;
    }
    tome_pack_options_default(&options);
    options.threads = 1;
    packer = tome_packer_new(&options);
    if (packer == NULL)
        return 1;
    rc = tome_pack_add(packer, "hello", 5, "Hello", 5, hello, strlen(hello), NULL);
    if (rc == TOME_PACK_OK)
        rc = tome_pack_add(packer, "other", 5, NULL, 0, other, strlen(other), NULL);
    if (rc == TOME_PACK_OK)
        rc = tome_pack_write(packer, argv[1], NULL);
    if (rc != TOME_PACK_OK)
        fprintf(stderr, "pack_one: %s\n", tome_packer_message(packer));
    tome_packer_free(packer);
    printf("packed with tome %s\n", tome_version_string());
    return rc == TOME_PACK_OK ? 0 : 1;
}
