/*
 * digest_sink.h - checks a blob against its descriptor as it streams.
 *
 * A tee stage: every byte is counted and sha256-hashed, then passed on to
 * the next sink (the layer pipeline).  A byte beyond the descriptor's size
 * fails the write at once.  finish() fails unless the size and digest
 * match, and only then reports an error the next sink had: a blob that is
 * not what its digest says is the finding that matters, not what the
 * engine made of its bytes.  After such an error the next sink is given
 * no more bytes, but hashing goes on to the end.
 *
 * One blob, one thread; reset() starts over for a retried download.
 */
#ifndef GATE_REGISTRY_DIGEST_SINK_H
#define GATE_REGISTRY_DIGEST_SINK_H

#include <stdint.h>

#include "base/err.h"
#include "base/hex.h"
#include "base/sink.h"

typedef struct gate_digest_sink gate_digest_sink;

/* digest: the sha256 the blob must have; size: its byte count.  next is
 * borrowed.  Returns 0, or -1 with err set. */
int gate_digest_sink_new(gate_digest_sink **out, const unsigned char digest[GATE_DIGEST_SIZE],
			 uint64_t size, const struct gate_sink *next, gate_err *err);

/* The sink to write the blob into; valid until gate_digest_sink_free(). */
const struct gate_sink *gate_digest_sink_input(gate_digest_sink *d);

/* Forgets the bytes seen so far and passes the next ones to next. */
int gate_digest_sink_reset(gate_digest_sink *d, const struct gate_sink *next, gate_err *err);

void gate_digest_sink_free(gate_digest_sink *d);       /* NULL is fine */

#endif
