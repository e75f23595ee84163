/*
 * fuzz.h - what the libFuzzer targets share.
 */
#ifndef GATE_TESTS_FUZZ_H
#define GATE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string, for parsers of text that ends at a NUL (a
 * header value, a command-line argument, a line); NULL if out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* A parser that fails says why, with the code its header promises (0:
 * any); anything else is a finding. */
static inline void fuzz_check_error(const gate_err *err, int code)
{
	if (!err->code || (code && err->code != code) || !err->msg[0])
		abort();
}

/* An upper bound on the lines of a text an editor shows, in UTF-8 or
 * UTF-16: one more than its CR and LF bytes.  A parser's error must not
 * name a line beyond it (libyaml alone counts NEL, LS and PS as breaks,
 * and a line after the end). */
static inline unsigned long fuzz_max_lines(const uint8_t *data, size_t size)
{
	unsigned long lines = 1;
	size_t i;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r';
	return lines;
}

#endif
