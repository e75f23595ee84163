/*
 * fuzz_tar - the tar reader on arbitrary bytes.
 *
 * The first input byte picks a chunk size and whether whiteout-like
 * entries skip their data; the rest is the tar.  Each input is parsed
 * whole and in chunks, and both runs must see the same callbacks (digested)
 * and the same outcome.  Callbacks are also checked for their order and
 * for delivering exactly the promised number of data bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tar.h"

struct run {
	uint64_t digest;        /* FNV-1a over every callback and its bytes */
	bool in_entry, skipping, skip_some;
	int64_t want, got;
};

static void mix(struct run *r, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		r->digest = (r->digest ^ *b++) * 0x100000001b3ULL;
}

static int on_entry(void *ctx, const struct gate_tar_header *h, gate_err *err)
{
	struct run *r = ctx;
	size_t i;

	if (r->in_entry)
		abort();
	r->in_entry = true;
	mix(r, "E", 1);
	mix(r, h->name, strlen(h->name) + 1);
	mix(r, h->linkname, strlen(h->linkname) + 1);
	mix(r, &h->typeflag, 1);
	mix(r, &h->mode, sizeof(h->mode));
	mix(r, &h->size, sizeof(h->size));
	mix(r, &h->mtime.sec, sizeof(h->mtime.sec));
	mix(r, &h->mtime.nsec, sizeof(h->mtime.nsec));
	for (i = 0; i < h->xattr_count; i++) {
		if (i && strcmp(h->xattrs[i - 1].name, h->xattrs[i].name) >= 0)
			abort();        /* sorted, one per name */
		mix(r, h->xattrs[i].name, strlen(h->xattrs[i].name) + 1);
		mix(r, h->xattrs[i].value, h->xattrs[i].value_size);
	}
	r->got = 0;
	r->want = (h->typeflag >= '1' && h->typeflag <= '6') ? 0 : h->size;
	r->skipping = r->skip_some && strstr(h->name, ".wh.");
	/* Sparse holes cost time, not input: keep runs short. */
	if (!r->skipping && r->want > (1 << 24))
		return gate_err_set(err, GATE_EINPUT, "entry too big for fuzzing");
	return r->skipping ? GATE_TAR_SKIP_DATA : 0;
}

static int on_data(void *ctx, const void *buf, size_t len, gate_err *err)
{
	struct run *r = ctx;

	if (!r->in_entry || r->skipping || len == 0)
		abort();
	r->got += (int64_t)len;
	if (r->got > r->want)
		abort();
	mix(r, buf, len);
	return 0;
}

static int on_entry_end(void *ctx, gate_err *err)
{
	struct run *r = ctx;

	if (!r->in_entry || (!r->skipping && r->got != r->want))
		abort();
	r->in_entry = false;
	mix(r, "Z", 1);
	return 0;
}

static int parse(struct run *r, const uint8_t *data, size_t size, size_t chunk)
{
	struct gate_tar_handler h = { on_entry, on_data, on_entry_end, r };
	gate_err err = GATE_ERR_INIT;
	gate_tar *t;
	size_t off, n;
	int rc = -1;

	if (gate_tar_new(&t, &h, &err))
		return -1;
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (gate_tar_write(t, data + off, n, &err))
			goto out;
	}
	rc = gate_tar_finish(t, &err);
out:
	if (rc && (err.code != GATE_EINPUT || !err.msg[0]))
		abort();
	gate_tar_free(t);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole = { .digest = 0xcbf29ce484222325ULL }, chunked;
	size_t chunk;
	int rc;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] & 0x7f) + 1;
	whole.skip_some = data[0] & 0x80;
	chunked = whole;
	rc = parse(&whole, data + 1, size - 1, size);
	if (parse(&chunked, data + 1, size - 1, chunk) != rc ||
	    chunked.digest != whole.digest)
		abort();
	return 0;
}
