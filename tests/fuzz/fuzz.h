/*
 * fuzz.h - what the libFuzzer targets share.
 */
#ifndef GATE_TESTS_FUZZ_H
#define GATE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

#endif
