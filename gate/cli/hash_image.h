/*
 * hash_image.h - `gate hash IMAGE...`: root hashes straight from registries.
 *
 * cmd_hash() hands its whole argument vector (argv[0] is "hash") here when
 * it is not hashing --tar files; the return value is the exit status.
 */
#ifndef GATE_CLI_HASH_IMAGE_H
#define GATE_CLI_HASH_IMAGE_H

#include <stdio.h>

int gate_cli_hash_images(int argc, char **argv);

/* Prints the IMAGE options, for cmd_hash's --help. */
void gate_cli_hash_images_usage(FILE *f);

#endif
