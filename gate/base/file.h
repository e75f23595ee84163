/*
 * file.h - reading a whole input file under a size limit.
 */
#ifndef GATE_BASE_FILE_H
#define GATE_BASE_FILE_H

#include "base/err.h"

#include <stddef.h>
#include <stdio.h>

/* Reads f to its end into *out (NUL-terminated, *len bytes, free() it).
 * More than limit bytes is an error naming name, told without asking for
 * a size, which a FIFO or stdin does not have. */
int gate_file_read(FILE *f, const char *name, size_t limit, char **out, size_t *len, gate_err *err);

/* The error gate_file_read gives for more than limit bytes, for a reader
 * handed the bytes instead of a file.  Returns -1. */
int gate_file_too_large(gate_err *err, const char *name, size_t limit);

#endif
