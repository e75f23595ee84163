/*
 * inflate.h - the decompression stage of the layer pipeline.
 *
 * The format is detected from the first bytes, as container runtimes do:
 * gzip (1f 8b; concatenated members allowed), zstd (28 b5 2f fd, or a
 * skippable frame 5X 2a 4d 18 as pzstd writes first; several frames
 * allowed), anything else passes through unchanged.  gzip uses isa-l's
 * igzip, or zlib when asked (a cross-check of the fast path) and for a
 * member whose header carries a CRC (FHCRC), which igzip rejects when the
 * header arrives in more than one piece.
 *
 * A stream that breaks (a decoder error, or input ending inside a member
 * or frame) stops the stage without failing it: what was decoded before
 * the break has gone on, later input is counted and dropped, and
 * gate_inflate_broken() says why.  The caller decides: the reference reads
 * a layer only up to the tar's end-of-archive marker, so a break after it
 * does not change the hash, and a break before it is an error.
 */
#ifndef GATE_INFLATE_H
#define GATE_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sink.h"

enum gate_compression {
	GATE_COMPRESSION_UNKNOWN,       /* not decided: fewer than 4 bytes seen */
	GATE_COMPRESSION_NONE,
	GATE_COMPRESSION_GZIP,
	GATE_COMPRESSION_ZSTD,
};

typedef struct gate_inflate gate_inflate;

/* Decompressed bytes go to next, which must outlive the stage.  use_zlib:
 * decode gzip with zlib only. */
int gate_inflate_new(gate_inflate **out, const struct gate_sink *next, bool use_zlib,
		     gate_err *err);
/* Fails only when next fails. */
int gate_inflate_write(gate_inflate *z, const void *buf, size_t len, gate_err *err);
/* Finishes next.  If the stream broke, an error of next is replaced by
 * the reason of the break (the break caused it). */
int gate_inflate_finish(gate_inflate *z, gate_err *err);
/* Breaks the stream on purpose: nothing more is decoded. */
void gate_inflate_stop(gate_inflate *z, const char *why);
/* NULL if the stream was decoded to its clean end; else why it broke, and
 * *ignored_size receives the input bytes dropped since. */
const char *gate_inflate_broken(const gate_inflate *z, uint64_t *ignored_size);
void gate_inflate_free(gate_inflate *z);

#endif
