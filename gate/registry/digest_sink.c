#include "registry/digest_sink.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct gate_digest_sink {
	struct gate_sink input;
	const struct gate_sink *next;
	EVP_MD_CTX *sha;
	unsigned char want[GATE_DIGEST_SIZE];
	uint64_t got, size;
	int next_failed;
	gate_err next_err;
};

static int tee_write(void *ctx, const void *buf, size_t len, gate_err *err)
{
	gate_digest_sink *d = ctx;

	if (len > d->size - d->got)
		return gate_err_set(err, GATE_EVERIFY, "blob is larger than the %llu bytes its descriptor says",
				    (unsigned long long)d->size);
	d->got += len;
	if (!EVP_DigestUpdate(d->sha, buf, len))
		return gate_err_set(err, GATE_EVERIFY, "blob: sha256 failed");
	if (!d->next_failed && gate_sink_write(d->next, buf, len, &d->next_err))
		d->next_failed = 1;
	return 0;
}

static int tee_finish(void *ctx, gate_err *err)
{
	gate_digest_sink *d = ctx;
	unsigned char md[GATE_DIGEST_SIZE];
	char hex[GATE_DIGEST_HEX_SIZE + 1];

	if (d->got != d->size)
		return gate_err_set(err, GATE_EVERIFY, "blob has %llu bytes, its descriptor says %llu",
				    (unsigned long long)d->got, (unsigned long long)d->size);
	if (!EVP_DigestFinal_ex(d->sha, md, NULL))
		return gate_err_set(err, GATE_EVERIFY, "blob: sha256 failed");
	if (memcmp(md, d->want, sizeof(md))) {
		gate_hex(hex, md, sizeof(md));
		return gate_err_set(err, GATE_EVERIFY, "blob content has digest sha256:%s", hex);
	}
	if (d->next_failed) {
		*err = d->next_err;
		return -1;
	}
	return gate_sink_finish(d->next, err);
}

int gate_digest_sink_new(gate_digest_sink **out, const unsigned char digest[GATE_DIGEST_SIZE],
			 uint64_t size, const struct gate_sink *next, gate_err *err)
{
	gate_digest_sink *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d || !(d->sha = EVP_MD_CTX_new())) {
		free(d);
		return gate_err_nomem(err);
	}
	d->input = (struct gate_sink){ "blob digest", tee_write, tee_finish, d };
	memcpy(d->want, digest, sizeof(d->want));
	d->size = size;
	if (gate_digest_sink_reset(d, next, err)) {
		gate_digest_sink_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

const struct gate_sink *gate_digest_sink_input(gate_digest_sink *d)
{
	return &d->input;
}

int gate_digest_sink_reset(gate_digest_sink *d, const struct gate_sink *next, gate_err *err)
{
	d->next = next;
	d->got = 0;
	d->next_failed = 0;
	gate_err_clear(&d->next_err);
	if (!EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL))
		return gate_err_set(err, GATE_EVERIFY, "blob: sha256 failed");
	return 0;
}

void gate_digest_sink_free(gate_digest_sink *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->sha);
	free(d);
}
