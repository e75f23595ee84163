/*
 * test_verity.c - the root digest is the same whether blocks are hashed as
 * they come or staged and hashed on two threads (gate_verity_parallel),
 * and both equal a plain dm-verity tree over the whole image kept in
 * memory.  The script of writes mixes what the ext4 writer does: writes
 * of any length, runs of zeros, and whole-block rewrites of blocks that
 * may still be staged, before the helper starts and after.  Linked with
 * -Wl,--wrap=pthread_create (tests/engine.cmake), so that the helper can
 * be refused a thread: the image is then hashed on the caller's alone,
 * to the same root.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "engine/verity.h"

#define BLOCK GATE_VERITY_BLOCK_SIZE
#define IMAGE_BLOCKS 3000u              /* > 10 batches of the helper */

/* pthread_create fails with EAGAIN while refuse_threads is set. */
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);
static int refuse_threads, refused;

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg)
{
	if (refuse_threads) {
		refused++;
		return EAGAIN;
	}
	return __real_pthread_create(t, attr, fn, arg);
}

enum op { WRITE, ZERO, PUT };

struct step {
	enum op op;
	uint64_t arg;                   /* bytes to write or zero; block to put */
	unsigned seed;                  /* the bytes written */
};

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

static void sha256(unsigned char out[32], const unsigned char *a, size_t a_len,
		   const unsigned char *b, size_t b_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, a, a_len);
	EVP_DigestUpdate(c, b, b_len);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

/* dm-verity as verity.h states it, over the image in memory. */
static void plain_root(unsigned char root[32], const unsigned char *image, size_t blocks)
{
	static const unsigned char salt[GATE_VERITY_SALT_SIZE];
	size_t n = blocks;
	unsigned char *level = calloc(((n + 127) / 128) * 128, 32);

	for (size_t i = 0; i < n; i++)
		sha256(level + i * 32, salt, sizeof(salt), image + i * BLOCK, BLOCK);
	while (n > 128) {
		size_t up = (n + 127) / 128;

		memset(level + n * 32, 0, up * BLOCK - n * 32);
		for (size_t i = 0; i < up; i++) {
			unsigned char d[32];

			sha256(d, salt, sizeof(salt), level + i * BLOCK, BLOCK);
			memcpy(level + i * 32, d, 32);
		}
		n = up;
	}
	memset(level + n * 32, 0, BLOCK - n * 32);
	sha256(root, salt, sizeof(salt), level, BLOCK);
	free(level);
}

static void add(struct step *s, size_t *n, unsigned char *image, uint64_t *size, enum op op,
		uint64_t len, unsigned seed)
{
	s[(*n)++] = (struct step){ op, len, seed };
	if (op == WRITE)
		fill(image + *size, len, seed);
	else
		memset(image + *size, 0, len);
	*size += len;
}

/* A script of writes that ends block aligned at IMAGE_BLOCKS blocks; the
 * image it makes is left in image. */
static size_t script(struct step *s, unsigned char *image)
{
	static const uint64_t lengths[] = { 1, 100, BLOCK - 1, BLOCK, BLOCK + 7, 3 * BLOCK,
					    BLOCK, 2 * BLOCK, 5 * BLOCK + 5 };
	uint64_t size = 0;
	size_t n = 0;

	for (unsigned seed = 1; size < (IMAGE_BLOCKS - 1000) * (uint64_t)BLOCK; seed++) {
		uint64_t len = seed % 97 == 0 ? 700 * BLOCK : lengths[seed % 9];

		add(s, &n, image, &size, seed % 5 == 0 ? ZERO : WRITE, len, seed);
		if (seed % 7 == 0) {
			/* rewrite the last block (likely staged) or an early one */
			uint64_t blk;

			if (size % BLOCK)
				add(s, &n, image, &size, WRITE, BLOCK - size % BLOCK, seed);
			blk = seed % 2 ? size / BLOCK - 1 : seed % (size / BLOCK);
			s[n++] = (struct step){ PUT, blk, seed };
			fill(image + blk * BLOCK, BLOCK, seed);
		}
	}
	add(s, &n, image, &size, ZERO, IMAGE_BLOCKS * (uint64_t)BLOCK - size, 0);
	return n;
}

static int run(unsigned char root[32], const struct step *s, size_t n, int parallel)
{
	unsigned char *buf = malloc(700 * BLOCK + BLOCK);
	gate_verity *v = NULL;
	gate_err err = GATE_ERR_INIT;
	int rc = -1;

	if (gate_verity_new(&v, &err) || (parallel && gate_verity_parallel(v, &err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		switch (s[i].op) {
		case WRITE:
			fill(buf, s[i].arg, s[i].seed);
			if (gate_verity_write(v, buf, s[i].arg, &err))
				goto out;
			break;
		case ZERO:
			if (gate_verity_zero(v, s[i].arg, &err))
				goto out;
			break;
		case PUT:
			fill(buf, BLOCK, s[i].seed);
			if (gate_verity_put_block(v, s[i].arg, buf, &err))
				goto out;
			break;
		}
	}
	rc = gate_verity_finish(v, root, &err);
out:
	CHECK_MSG(rc == 0, "parallel %d: %s", parallel, err.msg);
	gate_verity_free(v);
	free(buf);
	return rc;
}

int main(void)
{
	unsigned char *image = calloc(IMAGE_BLOCKS, BLOCK);
	struct step *s = calloc(4 * IMAGE_BLOCKS, sizeof(*s));
	unsigned char want[32], serial[32], parallel[32];
	size_t n = script(s, image);

	plain_root(want, image, IMAGE_BLOCKS);
	if (!run(serial, s, n, 0))
		CHECK_MSG(!memcmp(serial, want, 32), "serial root differs from the plain tree");
	if (!run(parallel, s, n, 1))
		CHECK_MSG(!memcmp(parallel, want, 32), "parallel root differs from the plain tree");
	refuse_threads = 1;
	if (!run(parallel, s, n, 1))
		CHECK_MSG(!memcmp(parallel, serial, 32), "root without a thread differs from the serial one");
	CHECK_MSG(refused == 1, "the helper was refused a thread %d times, not once", refused);
	free(image);
	free(s);
	return check_done();
}
