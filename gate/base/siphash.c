/*
 * siphash.c - SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012; one compression round, three finalization rounds).
 */
#include "base/siphash.h"

#include <pthread.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t key[2];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* getrandom() blocks only until the kernel's pool is first seeded.  If
 * the call is missing (old kernels, seccomp), the clock, the pid and the
 * address space layout still give a key the input cannot foresee. */
static void key_init(void)
{
	struct timespec ts;

	if (getrandom(key, sizeof(key), 0) == (ssize_t)sizeof(key))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec;
	key[1] = (uint64_t)(uintptr_t)&ts ^ (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)key_init;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                        \
	do {                                                            \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                  \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                  \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t load64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t gate_siphash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t v0, v1, v2, v3, m;
	size_t left = len;

	pthread_once(&key_once, key_init);
	v0 = key[0] ^ 0x736f6d6570736575ULL;
	v1 = key[1] ^ 0x646f72616e646f6dULL;
	v2 = key[0] ^ 0x6c7967656e657261ULL;
	v3 = key[1] ^ 0x7465646279746573ULL;
	for (; left >= 8; p += 8, left -= 8) {
		m = load64(p, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = load64(p, left) | (uint64_t)len << 56;
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
