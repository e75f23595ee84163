#include "layer.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ext4.h"
#include "inflate.h"
#include "limits.h"
#include "sink.h"
#include "tar.h"
#include "tar2ext4.h"
#include "verity.h"

struct gate_layer {
	gate_inflate *inflate;
	struct gate_sink tar_sink;      /* inflate's output: diff_id, then tar */
	EVP_MD_CTX *diff_id;
	uint64_t tar_size;
	gate_tar *tar;
	struct gate_tar2ext4 conv;
	gate_ext4 *ext4;
	gate_verity *verity;
	int failed;
};

static int tar_write(void *ctx, const void *buf, size_t len, gate_err *err)
{
	gate_layer *l = ctx;

	l->tar_size += len;
	if (l->tar_size > GATE_MAX_DISK_SIZE)
		return gate_err_set(err, GATE_EINPUT, "layer is over %llu bytes uncompressed",
				    (unsigned long long)GATE_MAX_DISK_SIZE);
	if (!EVP_DigestUpdate(l->diff_id, buf, len))
		return gate_err_set(err, GATE_EVERIFY, "sha256 failed");
	return gate_tar_write(l->tar, buf, len, err);
}

static int tar_finish(void *ctx, gate_err *err)
{
	gate_layer *l = ctx;

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
	l->tar_sink = (struct gate_sink){ "tar", tar_write, tar_finish, l };
	if (!(l->diff_id = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(l->diff_id, EVP_sha256(), NULL)) {
		gate_err_nomem(err);
		goto fail;
	}
	if (gate_verity_new(&l->verity, err) ||
	    gate_ext4_new(&l->ext4, l->verity, opts->ext4_out_fd, err))
		goto fail;
	l->conv.ext4 = l->ext4;
	h = gate_tar2ext4_handler(&l->conv);
	if (gate_tar_new(&l->tar, &h, err) ||
	    gate_inflate_new(&l->inflate, &l->tar_sink, err))
		goto fail;
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

int gate_layer_finish(gate_layer *l, struct gate_layer_result *res, gate_err *err)
{
	unsigned int n = 0;

	if (l->failed)
		return gate_err_set(err, GATE_EVERIFY, "internal: layer finished after an error");
	l->failed = 1;
	if (gate_inflate_finish(l->inflate, err) ||
	    gate_ext4_close(l->ext4, err) ||
	    gate_verity_finish(l->verity, res->root_hash, err))
		return -1;
	if (!EVP_DigestFinal_ex(l->diff_id, res->diff_id, &n) || n != GATE_DIGEST_SIZE)
		return gate_err_set(err, GATE_EVERIFY, "sha256 failed");
	res->tar_size = l->tar_size;
	res->ext4_size = gate_verity_size(l->verity);
	return 0;
}

void gate_layer_free(gate_layer *l)
{
	if (!l)
		return;
	gate_inflate_free(l->inflate);
	gate_tar_free(l->tar);
	gate_ext4_free(l->ext4);
	gate_verity_free(l->verity);
	EVP_MD_CTX_free(l->diff_id);
	free(l);
}
