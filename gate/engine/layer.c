/*
 * layer.c - the layer pipeline on two threads.
 *
 * The caller's thread inflates and hashes the tar for its diff_id; a
 * worker thread drives tar -> ext4 -> dm-verity.  The halves cost about
 * the same, so on two cores a layer takes about as long as the slower one.  Uncompressed bytes cross over in a ring of
 * PIPE_BUFS buffers: the inflater blocks when the worker is PIPE_BUFS
 * buffers behind, so memory stays bounded.
 */
#include "engine/layer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "engine/ext4.h"
#include "engine/inflate.h"
#include "base/limits.h"
#include "base/sink.h"
#include "engine/tar.h"
#include "engine/tar2ext4.h"
#include "engine/verity.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define PIPE_BUFS 4
#define PIPE_BUF_SIZE (1u << 20)

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *buf[PIPE_BUFS];
	size_t len[PIPE_BUFS];
	unsigned head;                  /* next buffer for the worker */
	unsigned tail;                  /* buffer the inflater is filling */
	unsigned handed;                /* buffers with the worker, incl. the one it works on */
	int eof;                        /* the inflater is done */
	int stop;                       /* the worker failed: worker_err holds why */
	int tail_full;                  /* the tar has a tail over GATE_MAX_TAIL_SIZE */
	pthread_t worker;
	int started;
};

struct gate_layer {
	gate_inflate *inflate;
	struct gate_sink pipe_sink;     /* inflate's output, into the pipe */
	struct pipe pipe;
	gate_err worker_err;
	EVP_MD_CTX *diff_id;
	uint64_t tar_size, max_tar_size;
	int tail_full;                  /* the inflater's copy of pipe.tail_full */
	gate_tar *tar;
	struct gate_tar2ext4 conv;
	gate_ext4 *ext4;
	gate_verity *verity;
	int failed;
};

static void *worker(void *arg)
{
	gate_layer *l = arg;
	struct pipe *p = &l->pipe;

	for (;;) {
		unsigned i;
		int failed;

		pthread_mutex_lock(&p->mu);
		while (!p->handed && !p->eof)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->handed) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->head;
		pthread_mutex_unlock(&p->mu);

		/* the tar reader drives ext4 and verity */
		failed = gate_tar_write(l->tar, p->buf[i], p->len[i], &l->worker_err);

		pthread_mutex_lock(&p->mu);
		p->head = (p->head + 1) % PIPE_BUFS;
		p->handed--;
		p->stop = failed;
		p->tail_full = gate_tar_tail_size(l->tar) > (int64_t)GATE_MAX_TAIL_SIZE;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (failed)
			return NULL;
	}
}

/* Inflater side: hands the filled buffer over; waits for a free one. */
static int pipe_hand_over(gate_layer *l, gate_err *err)
{
	struct pipe *p = &l->pipe;
	int stop;

	pthread_mutex_lock(&p->mu);
	p->handed++;
	p->tail = (p->tail + 1) % PIPE_BUFS;
	pthread_cond_broadcast(&p->cv);
	while (p->handed == PIPE_BUFS && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	p->len[p->tail] = 0;
	stop = p->stop;
	l->tail_full = p->tail_full;
	pthread_mutex_unlock(&p->mu);
	if (stop) {
		*err = l->worker_err;   /* the worker has exited: its error is stable */
		return -1;
	}
	return 0;
}

/* Inflater side: the diff_id is hashed here, to balance the threads
 * (inflate + sha256 here, tar + ext4 + sha256 there). */
static int pipe_write(void *ctx, const void *buf, size_t len, gate_err *err)
{
	gate_layer *l = ctx;
	struct pipe *p = &l->pipe;
	const unsigned char *b = buf;

	if (l->tail_full) {
		gate_inflate_stop(l->inflate, "the stream goes on for more than "
				  STR(GATE_MAX_TAIL_SIZE) " bytes, gate's bound (GATE_MAX_TAIL_SIZE)");
		return 0;
	}
	if (len > l->max_tar_size - l->tar_size)
		return gate_err_set(err, GATE_EINPUT,
				    "more than %llu bytes uncompressed, gate's bound (GATE_MAX_TAR_SIZE)",
				    (unsigned long long)l->max_tar_size);
	l->tar_size += len;
	if (l->diff_id && !EVP_DigestUpdate(l->diff_id, buf, len))
		return gate_err_set(err, GATE_EVERIFY, "sha256 failed");

	while (len) {
		size_t *fill = &p->len[p->tail];
		size_t n = PIPE_BUF_SIZE - *fill < len ? PIPE_BUF_SIZE - *fill : len;

		memcpy(p->buf[p->tail] + *fill, b, n);
		*fill += n;
		b += n;
		len -= n;
		if (*fill == PIPE_BUF_SIZE && pipe_hand_over(l, err))
			return -1;
	}
	return 0;
}

/* Ends the stream and waits for the worker; then the rest is single-threaded. */
static int pipe_close(gate_layer *l, gate_err *err)
{
	struct pipe *p = &l->pipe;

	if (!p->started)
		return 0;
	pthread_mutex_lock(&p->mu);
	if (p->len[p->tail] && !p->stop) {
		p->handed++;
		p->tail = (p->tail + 1) % PIPE_BUFS;
	}
	p->eof = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->worker, NULL);
	p->started = 0;
	if (p->stop) {
		*err = l->worker_err;
		return -1;
	}
	return 0;
}

static int pipe_finish(void *ctx, gate_err *err)
{
	gate_layer *l = ctx;

	if (pipe_close(l, err))
		return -1;
	return gate_tar_finish(l->tar, err);
}

int gate_layer_new(gate_layer **out, const struct gate_layer_opts *opts, gate_err *err)
{
	static const struct gate_layer_opts defaults = GATE_LAYER_OPTS_INIT;
	gate_layer *l = calloc(1, sizeof(*l));
	struct gate_tar_handler h;

	if (!l)
		return gate_err_nomem(err);
	if (!opts)
		opts = &defaults;
	l->pipe_sink = (struct gate_sink){ "pipe", pipe_write, pipe_finish, l };
	l->max_tar_size = opts->max_tar_size ? opts->max_tar_size : GATE_MAX_TAR_SIZE;
	pthread_mutex_init(&l->pipe.mu, NULL);
	pthread_cond_init(&l->pipe.cv, NULL);
	for (int i = 0; i < PIPE_BUFS; i++)
		if (!(l->pipe.buf[i] = malloc(PIPE_BUF_SIZE))) {
			gate_err_nomem(err);
			goto fail;
		}
	if (!opts->skip_diff_id &&
	    (!(l->diff_id = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(l->diff_id, EVP_sha256(), NULL))) {
		gate_err_nomem(err);
		goto fail;
	}
	if (gate_verity_new(&l->verity, err) ||
	    gate_ext4_new(&l->ext4, l->verity, opts->ext4_out_fd, err))
		goto fail;
	l->conv.ext4 = l->ext4;
	h = gate_tar2ext4_handler(&l->conv);
	if (gate_tar_new(&l->tar, &h, err) ||
	    gate_inflate_new(&l->inflate, &l->pipe_sink, opts->gzip_zlib, err))
		goto fail;
	if (pthread_create(&l->pipe.worker, NULL, worker, l)) {
		gate_err_set(err, GATE_EVERIFY, "cannot start a thread");
		goto fail;
	}
	l->pipe.started = 1;
	*out = l;
	return 0;
fail:
	gate_layer_free(l);
	return -1;
}

int gate_layer_write(gate_layer *l, const void *buf, size_t len, gate_err *err)
{
	if (l->failed)
		return gate_err_set(err, GATE_EVERIFY, "internal: layer written after an error");
	if (gate_inflate_write(l->inflate, buf, len, err)) {
		l->failed = 1;
		return -1;
	}
	return 0;
}

/* A stream that broke before the end-of-archive marker took part of
 * the archive with it; after the marker, only bytes the reference never
 * reads. */
static int check_stream(gate_layer *l, struct gate_layer_result *res, gate_err *err)
{
	const char *why = gate_inflate_broken(l->inflate, &res->trailing_bytes);

	res->stream_complete = !why;
	res->stream_error[0] = '\0';
	if (!why)
		return 0;
	if (gate_tar_tail_size(l->tar) < 0)
		return gate_err_set(err, GATE_EINPUT, "%s", why);
	snprintf(res->stream_error, sizeof(res->stream_error), "%s", why);
	return 0;
}

int gate_layer_finish(gate_layer *l, struct gate_layer_result *res, gate_err *err)
{
	unsigned int n = 0;

	if (l->failed)
		return gate_err_set(err, GATE_EVERIFY, "internal: layer finished after an error");
	l->failed = 1;
	/* The worker is done: the ext4 writer's close has both cores. */
	if (gate_inflate_finish(l->inflate, err) ||
	    check_stream(l, res, err) ||
	    gate_verity_parallel(l->verity, err) ||
	    gate_ext4_close(l->ext4, err) ||
	    gate_verity_finish(l->verity, res->root_hash, err))
		return -1;
	memset(res->diff_id, 0, sizeof(res->diff_id));
	if (l->diff_id && (!EVP_DigestFinal_ex(l->diff_id, res->diff_id, &n) || n != GATE_DIGEST_SIZE))
		return gate_err_set(err, GATE_EVERIFY, "sha256 failed");
	res->tar_size = l->tar_size;
	res->ext4_size = gate_verity_size(l->verity);
	return 0;
}

void gate_layer_free(gate_layer *l)
{
	gate_err ignored = GATE_ERR_INIT;

	if (!l)
		return;
	pipe_close(l, &ignored);
	for (int i = 0; i < PIPE_BUFS; i++)
		free(l->pipe.buf[i]);
	pthread_mutex_destroy(&l->pipe.mu);
	pthread_cond_destroy(&l->pipe.cv);
	gate_inflate_free(l->inflate);
	gate_tar_free(l->tar);
	gate_ext4_free(l->ext4);
	gate_verity_free(l->verity);
	EVP_MD_CTX_free(l->diff_id);
	free(l);
}
