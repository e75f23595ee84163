/*
 * inflate.h - the decompression stage of the layer pipeline.
 *
 * The format is detected from the first bytes, as container runtimes do:
 * gzip (1f 8b; concatenated members allowed), zstd (28 b5 2f fd; several
 * frames allowed), anything else passes through unchanged.  gzip uses
 * isa-l's igzip; zlib decodes the same streams when GATE_GZIP=zlib is set
 * in the environment (a cross-check of the fast path).
 */
#ifndef GATE_INFLATE_H
#define GATE_INFLATE_H

#include <stddef.h>

#include "base/err.h"
#include "base/sink.h"

enum gate_compression {
	GATE_COMPRESSION_UNKNOWN,       /* not decided: fewer than 4 bytes seen */
	GATE_COMPRESSION_NONE,
	GATE_COMPRESSION_GZIP,
	GATE_COMPRESSION_ZSTD,
};

typedef struct gate_inflate gate_inflate;

/* Decompressed bytes go to next, which must outlive the stage. */
int gate_inflate_new(gate_inflate **out, const struct gate_sink *next, gate_err *err);
int gate_inflate_write(gate_inflate *z, const void *buf, size_t len, gate_err *err);
/* Fails on a truncated stream; then finishes next. */
int gate_inflate_finish(gate_inflate *z, gate_err *err);
void gate_inflate_free(gate_inflate *z);

#endif
