/*
 * sink.h - one stage of a streaming chain.
 *
 * Every stage of the layer pipeline (blob digest check, inflate, diff_id,
 * tar, ext4, verity) is a sink: bytes are pushed in with write() in chunks
 * of any size, and finish() says the stream ended.  A stage owns a pointer
 * to the next sink and knows nothing else about it, so stages stack like
 * curl's content writers.
 */
#ifndef GATE_SINK_H
#define GATE_SINK_H

#include <stddef.h>

#include "base/err.h"

struct gate_sink {
	const char *name;
	/* Consumes all len bytes or fails; returns 0 or -1 with err set. */
	int (*write)(void *ctx, const void *buf, size_t len, gate_err *err);
	/* End of stream: validates that nothing is missing.  0 or -1. */
	int (*finish)(void *ctx, gate_err *err);
	void *ctx;
};

static inline int gate_sink_write(const struct gate_sink *s, const void *buf,
				  size_t len, gate_err *err)
{
	return s->write(s->ctx, buf, len, err);
}

static inline int gate_sink_finish(const struct gate_sink *s, gate_err *err)
{
	return s->finish(s->ctx, err);
}

#endif
