/*
 * array.h - growable arrays and string lists.
 *
 * A growable array is a typed pointer plus a count, nothing else: its
 * capacity is implied by the count (the next power of two), so it must
 * grow only through gate_array_push() and shrink only to NULL and 0.
 * Plain data structs can then hold `struct foo *v; size_t n;` and stay
 * readable field by field.
 */
#ifndef GATE_BASE_ARRAY_H
#define GATE_BASE_ARRAY_H

#include <stddef.h>

#include "base/err.h"

/* A list of owned strings; v[n] is not required to be NULL. */
struct gate_strv {
	char **v;
	size_t n;
};

/* Appends a zeroed element to the array *arrayp of *n elements of
 * elem_size bytes and returns it, or NULL with err set.  arrayp is the
 * address of the typed pointer (struct foo **). */
void *gate_array_push(void *arrayp, size_t *n, size_t elem_size, gate_err *err);

/* Appends a copy of the len bytes at s, NUL-terminated. */
int gate_strv_push(struct gate_strv *sv, const char *s, size_t len, gate_err *err);
void gate_strv_free(struct gate_strv *sv);

/* strdup() reporting ENOMEM through err. */
char *gate_strdup(const char *s, gate_err *err);

#endif
