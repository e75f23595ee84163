/*
 * sink.h - a stage that bytes are pushed through, in chunks of any size.
 *
 * write() takes the next chunk and finish() says the stream ended.  A
 * stage that passes bytes on holds a pointer to the next sink and knows
 * nothing else about it, so stages stack like curl's content writers.
 *
 * The chain a blob from a registry goes through, and where it is a sink:
 *
 *   HTTP body (registry/http: req->sink)
 *     -> blob size and digest check (registry/digest_sink, a tee)
 *     -> the layer (registry.c wraps gate_layer_write as a sink)
 *          -> inflate (engine/inflate: writes into a sink)
 *          -> diff_id, then a pipe to a worker thread (engine/layer.c)
 *
 * Past the pipe, tar, ext4 and verity are called directly, not as sinks:
 * the tar reader drives ext4 entry by entry, and ext4 hands whole blocks
 * to verity.
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
