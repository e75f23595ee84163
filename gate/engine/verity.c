#include "engine/verity.h"

/* The low-level SHA256 API is deprecated in OpenSSL 3 but is the only one
 * whose context is a plain struct: the salted prefix state is copied by
 * value for each block, with no allocation per block (EVP duplicates
 * provider contexts on the heap). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#define BLOCK GATE_VERITY_BLOCK_SIZE
#define DIGEST 32u
#define DIGESTS_PER_BLOCK (BLOCK / DIGEST)
/* 1 MiB: one hand-over costs well under 1% of hashing a batch */
#define BATCH_BLOCKS 256u
#define CLAIM_BLOCKS 8u                 /* blocks a thread takes from a job at a time */

/* A full batch being hashed.  Either thread claims CLAIM_BLOCKS at a time
 * through next, which holds the job's number too: a thread still at an
 * older job claims nothing of a newer one.  digests are the job's own,
 * not v->digests, which reserve() may move meanwhile.  The caller writes
 * the other fields only when no claim is outstanding (under mu). */
struct job {
	const unsigned char *data;
	uint64_t first;                 /* block number of data's first block */
	size_t n;
	_Atomic uint64_t next;          /* job number << 32 | first block not claimed */
	size_t done;                    /* blocks hashed, under mu */
	unsigned char digests[BATCH_BLOCKS * DIGEST];
};

/* The second thread of gate_verity_parallel(). */
struct helper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job job;
	int active;                     /* job was posted and not collected */
	uint32_t posted;                /* jobs posted so far: the job's number */
	int quit;
};

struct gate_verity {
	unsigned char *digests;         /* DIGEST bytes per data block */
	unsigned char *written;         /* 1 bit per data block: digest is valid */
	uint64_t cap_blocks;
	uint64_t size;                  /* bytes appended */
	unsigned char partial[BLOCK];   /* the incomplete last block */
	unsigned char zero_digest[DIGEST];
	SHA256_CTX salted;              /* state after absorbing the salt */
	/* gate_verity_parallel(): whole blocks are staged in one batch while
	 * the other, full, is hashed by the helper (started when a first
	 * batch fills) and by this thread when it has nothing else to do */
	unsigned char *batch[2];        /* BATCH_BLOCKS blocks each, or NULL */
	unsigned fill;                  /* the batch being staged */
	uint64_t batch_first;           /* block number of its first block */
	size_t batch_n;
	struct helper *helper;
};

/* The salted prefix state is the same for every block, so it is computed once
 * and copied; this uses the low-level SHA256 API, which (unlike EVP) does not
 * allocate per call. */
static SHA256_CTX salted_ctx(void)
{
	static const unsigned char salt[GATE_VERITY_SALT_SIZE];
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, salt, sizeof(salt));
	return c;
}

static void hash_block(const gate_verity *v, unsigned char out[32], const void *block)
{
	SHA256_CTX c = v->salted;

	SHA256_Update(&c, block, BLOCK);
	SHA256_Final(out, &c);
}

static void mark_written(gate_verity *v, uint64_t first, uint64_t n)
{
	for (uint64_t blk = first; blk < first + n; blk++)
		v->written[blk / 8] |= (unsigned char)(1u << (blk % 8));
}

/* Hashes blocks of job number (of n blocks at data) until none is left to
 * claim; both threads. */
static void work(const gate_verity *v, struct helper *h, uint32_t number,
		 const unsigned char *data, size_t n)
{
	struct job *j = &h->job;
	uint64_t cur = atomic_load(&j->next);
	size_t hashed = 0;

	while (cur >> 32 == number && (uint32_t)cur < n) {
		size_t i = (uint32_t)cur, end = i + CLAIM_BLOCKS < n ? i + CLAIM_BLOCKS : n;

		if (!atomic_compare_exchange_weak(&j->next, &cur, cur + CLAIM_BLOCKS))
			continue;       /* cur is reloaded */
		for (; i < end; i++, hashed++)
			hash_block(v, j->digests + i * DIGEST, data + i * BLOCK);
		cur = atomic_load(&j->next);
	}
	if (!hashed)
		return;
	pthread_mutex_lock(&h->mu);
	j->done += hashed;
	if (j->done == j->n)
		pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void *helper_main(void *arg)
{
	gate_verity *v = arg;
	struct helper *h = v->helper;
	uint32_t seen = 0;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		const unsigned char *data;
		size_t n;

		while (h->posted == seen && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->posted == seen)
			break;
		seen = h->posted;
		data = h->job.data;
		n = h->job.n;
		pthread_mutex_unlock(&h->mu);
		work(v, h, seen, data, n);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* 0, or -1 when there is no second thread to be had (a process at its
 * thread limit, or short of memory): the caller then hashes alone. */
static int start_helper(gate_verity *v)
{
	struct helper *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	v->helper = h;
	if (pthread_create(&h->thread, NULL, helper_main, v)) {
		v->helper = NULL;
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		free(h);
		return -1;
	}
	return 0;
}

static void stop_helper(gate_verity *v)
{
	struct helper *h = v->helper;

	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
	v->helper = NULL;
}

/* Finishes the job in flight, helping with what is left of it. */
static void collect(gate_verity *v)
{
	struct helper *h = v->helper;
	struct job *j = &h->job;

	if (!h->active)
		return;
	work(v, h, h->posted, j->data, j->n);
	pthread_mutex_lock(&h->mu);
	while (j->done < j->n)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	memcpy(v->digests + j->first * DIGEST, j->digests, j->n * DIGEST);
	mark_written(v, j->first, j->n);
	h->active = 0;
}

/* Makes the staged batch the job, after the one before it is collected;
 * staging goes on in the other batch. */
static void post(gate_verity *v)
{
	struct helper *h = v->helper;
	struct job *j = &h->job;

	collect(v);
	pthread_mutex_lock(&h->mu);
	j->data = v->batch[v->fill];
	j->first = v->batch_first;
	j->n = v->batch_n;
	j->done = 0;
	h->active = 1;
	h->posted++;
	atomic_store(&j->next, (uint64_t)h->posted << 32);
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	v->fill ^= 1;
	v->batch_n = 0;
}

/* Hashes everything staged, so that v->digests is complete. */
static void flush(gate_verity *v)
{
	if (!v->helper) {
		for (size_t i = 0; i < v->batch_n; i++)
			hash_block(v, v->digests + (v->batch_first + i) * DIGEST,
				   v->batch[v->fill] + i * BLOCK);
		mark_written(v, v->batch_first, v->batch_n);
		v->batch_n = 0;
		return;
	}
	if (v->batch_n)
		post(v);
	collect(v);
}

/* Hashes what is staged on this thread and, from now on, each block as it
 * comes, as without gate_verity_parallel(): the digests are the same. */
static void serial(gate_verity *v)
{
	flush(v);
	for (int i = 0; i < 2; i++) {
		free(v->batch[i]);
		v->batch[i] = NULL;
	}
}

/* blk is the next block of the image: staged, and posted with a full batch.
 * A layer is not refused for want of a thread, as the registry's pool and
 * the progress line are not: without one, hashing goes on serially. */
static void stage_block(gate_verity *v, uint64_t blk, const void *block)
{
	if (v->batch_n && v->batch_first + v->batch_n != blk)
		flush(v);
	if (!v->batch_n)
		v->batch_first = blk;
	memcpy(v->batch[v->fill] + v->batch_n++ * BLOCK, block, BLOCK);
	if (v->batch_n < BATCH_BLOCKS)
		return;
	if (!v->helper && start_helper(v))
		serial(v);
	else
		post(v);
}

int gate_verity_new(gate_verity **out, gate_err *err)
{
	static const unsigned char zero[BLOCK];
	gate_verity *v = calloc(1, sizeof(*v));

	if (!v)
		return gate_err_nomem(err);
	v->salted = salted_ctx();
	hash_block(v, v->zero_digest, zero);
	*out = v;
	return 0;
}

void gate_verity_free(gate_verity *v)
{
	if (!v)
		return;
	stop_helper(v);
	free(v->batch[0]);
	free(v->batch[1]);
	free(v->digests);
	free(v->written);
	free(v);
}

int gate_verity_parallel(gate_verity *v, gate_err *err)
{
	for (int i = 0; i < 2; i++)
		if (!v->batch[i] && !(v->batch[i] = malloc((size_t)BATCH_BLOCKS * BLOCK)))
			return gate_err_nomem(err);
	return 0;
}

uint64_t gate_verity_size(const gate_verity *v)
{
	return v->size;
}

static int reserve(gate_verity *v, uint64_t blocks, gate_err *err)
{
	uint64_t cap = v->cap_blocks ? v->cap_blocks : 1024;
	unsigned char *d, *w;

	if (blocks <= v->cap_blocks)
		return 0;
	while (cap < blocks)
		cap *= 2;
	d = realloc(v->digests, cap * DIGEST);
	if (!d)
		return gate_err_nomem(err);
	v->digests = d;
	w = realloc(v->written, cap / 8 + 1);
	if (!w)
		return gate_err_nomem(err);
	/* cap is a power of two >= 1024, so old bits never share a byte with new ones */
	memset(w + v->cap_blocks / 8, 0, cap / 8 + 1 - v->cap_blocks / 8);
	v->written = w;
	v->cap_blocks = cap;
	return 0;
}

static void set_digest(gate_verity *v, uint64_t blk, const unsigned char *digest)
{
	memcpy(v->digests + blk * DIGEST, digest, DIGEST);
	mark_written(v, blk, 1);
}

static int append_block(gate_verity *v, const void *block, gate_err *err)
{
	uint64_t blk = v->size / BLOCK;

	if (reserve(v, blk + 1, err))
		return -1;
	if (v->batch[1]) {
		stage_block(v, blk, block);
	} else {
		hash_block(v, v->digests + blk * DIGEST, block);
		mark_written(v, blk, 1);
	}
	v->size += BLOCK;
	return 0;
}

int gate_verity_write(gate_verity *v, const void *buf, size_t len, gate_err *err)
{
	const unsigned char *p = buf;
	size_t fill = v->size % BLOCK;

	/* v->size counts only whole blocks plus the bytes parked in partial. */
	if (fill) {
		size_t n = BLOCK - fill < len ? BLOCK - fill : len;

		memcpy(v->partial + fill, p, n);
		p += n;
		len -= n;
		v->size += n;
		if ((v->size % BLOCK) != 0)
			return 0;
		v->size -= BLOCK;
		if (append_block(v, v->partial, err))
			return -1;
	}
	for (; len >= BLOCK; p += BLOCK, len -= BLOCK)
		if (append_block(v, p, err))
			return -1;
	if (len) {
		memcpy(v->partial, p, len);
		v->size += len;
	}
	return 0;
}

int gate_verity_zero(gate_verity *v, uint64_t n, gate_err *err)
{
	static const unsigned char zero[BLOCK];
	uint64_t blk, whole;

	while (n && (v->size % BLOCK)) {
		size_t k = BLOCK - v->size % BLOCK < n ? BLOCK - v->size % BLOCK : (size_t)n;

		if (gate_verity_write(v, zero, k, err))
			return -1;
		n -= k;
	}
	whole = n / BLOCK;
	blk = v->size / BLOCK;
	if (reserve(v, blk + whole, err))
		return -1;
	for (uint64_t i = 0; i < whole; i++)
		set_digest(v, blk + i, v->zero_digest);
	v->size += whole * BLOCK;
	return gate_verity_write(v, zero, n % BLOCK, err);
}

int gate_verity_put_block(gate_verity *v, uint64_t blk, const void *data, gate_err *err)
{
	unsigned char digest[DIGEST];

	if (v->size % BLOCK)
		return gate_err_set(err, GATE_EVERIFY, "internal: block %llu rewritten at unaligned end",
				    (unsigned long long)blk);
	if (reserve(v, blk + 1, err))
		return -1;
	flush(v);                       /* blk may be staged: the new data must win */
	hash_block(v, digest, data);
	set_digest(v, blk, digest);
	return 0;
}

/* Hashes one level of the tree (n digests, padded to whole blocks) into the
 * next: one digest per block of the level. */
static uint64_t next_level(const gate_verity *v, unsigned char *level, uint64_t n)
{
	uint64_t blocks = (n + DIGESTS_PER_BLOCK - 1) / DIGESTS_PER_BLOCK;

	memset(level + n * DIGEST, 0, blocks * BLOCK - n * DIGEST);
	/* In place: digest i only overwrites bytes of blocks < i+1, already read. */
	for (uint64_t i = 0; i < blocks; i++) {
		unsigned char d[DIGEST];

		hash_block(v, d, level + i * BLOCK);
		memcpy(level + i * DIGEST, d, DIGEST);
	}
	return blocks;
}

int gate_verity_finish(gate_verity *v, unsigned char root[32], gate_err *err)
{
	uint64_t n = v->size / BLOCK;

	if (v->size % BLOCK)
		return gate_err_set(err, GATE_EVERIFY, "internal: image size %llu is not block aligned",
				    (unsigned long long)v->size);
	if (n == 0)
		return gate_err_set(err, GATE_EVERIFY, "internal: empty image");
	flush(v);
	for (uint64_t i = 0; i < n; i++)
		if (!(v->written[i / 8] & (1u << (i % 8))))
			return gate_err_set(err, GATE_EVERIFY, "internal: image block %llu never written",
					    (unsigned long long)i);
	/* Padding of a level needs room up to a whole block. */
	if (reserve(v, (n + DIGESTS_PER_BLOCK - 1) / DIGESTS_PER_BLOCK * DIGESTS_PER_BLOCK, err))
		return -1;
	/* The level above the data is the list of data block digests; levels
	 * are hashed until one block of digests remains. */
	while (n > DIGESTS_PER_BLOCK)
		n = next_level(v, v->digests, n);
	memset(v->digests + n * DIGEST, 0, BLOCK - n * DIGEST);
	hash_block(v, root, v->digests);
	return 0;
}
