#include "base/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Chunks double from the first to the last size: a layer of a few files
 * maps 64 KiB, half a million directories ~110 mappings. */
#define FIRST_CHUNK_SIZE (64u << 10)
#define LAST_CHUNK_SIZE (1u << 20)
#define ALIGN alignof(max_align_t)

/* Under ASan, a poisoned gap on each side of every object, the first and
 * last of a chunk too, so that an overflow into the next object or the
 * chunk's header is caught as it would be between two mallocs. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE ALIGN
/* ASan's shadow granule: a string starting inside one would make the bytes
 * before it in the granule addressable */
#define STRING_ALIGN 8u
#else
#define REDZONE 0
#define STRING_ALIGN 1u
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

struct chunk {
	struct chunk *prev;
	size_t size;                    /* of the mapping, this header included */
	alignas(max_align_t) unsigned char data[];
};

struct gate_arena {
	struct chunk *top;
	size_t used, cap;               /* bytes of top->data handed out, and its size */
};

int gate_arena_new(gate_arena **out, gate_err *err)
{
	gate_arena *a = calloc(1, sizeof(*a));

	if (!a)
		return gate_err_nomem(err);
	/* the first alloc makes the first chunk */
	*out = a;
	return 0;
}

void gate_arena_free(gate_arena *a)
{
	if (!a)
		return;
	while (a->top) {
		struct chunk *prev = a->top->prev;

		ASAN_UNPOISON_MEMORY_REGION(a->top->data, a->top->size - sizeof(*a->top));
		munmap(a->top, a->top->size);
		a->top = prev;
	}
	free(a);
}

/* Where an object may start after used bytes of a chunk: past a red zone,
 * which also keeps the first object of a chunk off the chunk's header. */
static size_t start_after(size_t used, size_t align)
{
	return (used + REDZONE + align - 1) & ~(align - 1);
}

/* align is a power of two up to ALIGN.  An object fits in top with a red
 * zone after it too: the rest of a chunk stays poisoned. */
static void *bump(gate_arena *a, size_t size, size_t align, gate_err *err)
{
	size_t start = start_after(a->used, align);
	void *p;

	if (size > GATE_ARENA_MAX_OBJECT) {
		gate_err_set(err, GATE_EVERIFY, "internal: arena object of %zu bytes", size);
		return NULL;
	}
	if (!a->top || start > a->cap || a->cap - start < size + REDZONE) {
		size_t map_size = !a->top ? FIRST_CHUNK_SIZE
				  : a->top->size < LAST_CHUNK_SIZE ? 2 * a->top->size : LAST_CHUNK_SIZE;
		/* Zeroed by the kernel, and populated, as a chunk is used
		 * whole: on virtual machines where a page fault costs ~20 us,
		 * like the 2-core one of bench/hostile.sh, this halves the
		 * system time of the 1 MiB path layer (0.5 -> 0.28 s). */
		struct chunk *c = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (c == MAP_FAILED) {
			gate_err_nomem(err);
			return NULL;
		}
		c->prev = a->top;
		c->size = map_size;
		a->top = c;
		a->cap = map_size - sizeof(*c);
		ASAN_POISON_MEMORY_REGION(c->data, a->cap);
		start = start_after(0, align);
	}
	p = a->top->data + start;
	ASAN_UNPOISON_MEMORY_REGION(p, size);
	a->used = start + size;
	return p;
}

void *gate_arena_alloc(gate_arena *a, size_t size, gate_err *err)
{
	return bump(a, size, ALIGN, err);
}

char *gate_arena_strndup(gate_arena *a, const char *s, size_t len, gate_err *err)
{
	char *copy;

	/* checked before the + 1, which wraps for len == SIZE_MAX */
	if (len >= GATE_ARENA_MAX_OBJECT) {
		gate_err_set(err, GATE_EVERIFY, "internal: arena string of %zu bytes", len);
		return NULL;
	}
	copy = bump(a, len + 1, STRING_ALIGN, err);
	if (copy)
		memcpy(copy, s, len);
	return copy;
}
