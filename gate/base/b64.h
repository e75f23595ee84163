/*
 * b64.h - strict standard base64 (RFC 4648 section 4), as confcom writes
 * ccePolicy: '+' and '/', '=' padding to a multiple of 4, no whitespace,
 * and zero unused bits, so each policy has exactly one accepted spelling.
 */
#ifndef GATE_B64_H
#define GATE_B64_H

#include <stddef.h>

#include "base/err.h"

/* Decodes len bytes of in into a new NUL-terminated buffer *out of
 * *out_size bytes (the NUL not counted).  Returns 0, or -1 with err set
 * (GATE_EINPUT) naming the first offending offset. */
int gate_b64_decode(unsigned char **out, size_t *out_size, const char *in, size_t len,
		    gate_err *err);

/* Encodes len bytes into a new NUL-terminated string of *out_size
 * characters, padded with '='.  Returns NULL with err set on no memory. */
char *gate_b64_encode(const unsigned char *in, size_t len, size_t *out_size, gate_err *err);

#endif
