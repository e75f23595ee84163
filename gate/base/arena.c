#include "base/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* Big enough that chunks are a sliver of the allocator's work, small
 * enough that a layer of a few files does not notice the first one. */
#define CHUNK_SIZE (256u << 10)
#define ALIGN alignof(max_align_t)

struct chunk {
	struct chunk *prev;
	alignas(max_align_t) unsigned char data[];
};

struct gate_arena {
	struct chunk *top;
	size_t used;                    /* bytes of top->data handed out */
};

int gate_arena_new(gate_arena **out, gate_err *err)
{
	gate_arena *a = calloc(1, sizeof(*a));

	if (!a)
		return gate_err_nomem(err);
	a->used = CHUNK_SIZE;           /* the first alloc makes the first chunk */
	*out = a;
	return 0;
}

void gate_arena_free(gate_arena *a)
{
	if (!a)
		return;
	while (a->top) {
		struct chunk *prev = a->top->prev;

		free(a->top);
		a->top = prev;
	}
	free(a);
}

/* align is a power of two up to ALIGN */
static void *bump(gate_arena *a, size_t size, size_t align, gate_err *err)
{
	size_t start = (a->used + align - 1) & ~(align - 1);
	void *p;

	if (size > GATE_ARENA_MAX_OBJECT) {
		gate_err_set(err, GATE_EVERIFY, "internal: arena object of %zu bytes", size);
		return NULL;
	}
	if (start > CHUNK_SIZE || CHUNK_SIZE - start < size) {
		/* calloc: a fresh chunk's pages come zeroed from the kernel */
		struct chunk *c = calloc(1, sizeof(*c) + CHUNK_SIZE);

		if (!c) {
			gate_err_nomem(err);
			return NULL;
		}
		c->prev = a->top;
		a->top = c;
		start = 0;
	}
	p = a->top->data + start;
	a->used = start + size;
	return p;
}

void *gate_arena_alloc(gate_arena *a, size_t size, gate_err *err)
{
	return bump(a, size, ALIGN, err);
}

char *gate_arena_strndup(gate_arena *a, const char *s, size_t len, gate_err *err)
{
	char *copy = bump(a, len + 1, 1, err);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}
