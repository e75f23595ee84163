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

/* The lines of a text as an editor shows them: breaks at LF, CR LF and a
 * lone CR, counted over bytes in UTF-8 and over 16-bit units in UTF-16
 * (told by its byte order mark).  A parser's error must not name a line
 * beyond them (libyaml alone counts NEL, LS and PS as breaks too, and a
 * line after the end). */
static inline unsigned long fuzz_max_lines(const uint8_t *data, size_t size)
{
	int utf16 = size >= 2 && ((data[0] == 0xff && data[1] == 0xfe) ||
				  (data[0] == 0xfe && data[1] == 0xff));
	size_t i, step = utf16 ? 2 : 1;
	unsigned long lines = 1;
	unsigned c, prev = 0;

	for (i = utf16 ? 2 : 0; i + step <= size; i += step) {
		c = !utf16 ? data[i] : data[0] == 0xff ? (unsigned)(data[i] | data[i + 1] << 8)
						       : (unsigned)(data[i] << 8 | data[i + 1]);
		lines += c == '\r' || (c == '\n' && prev != '\r');
		prev = c;
	}
	return lines;
}

#endif
