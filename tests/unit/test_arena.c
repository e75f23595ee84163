/*
 * test_arena.c - the bump allocator of base/arena.h: objects come zeroed
 * and aligned, keep their bytes across many chunks, names are copied and
 * terminated, and an object over the bound is an error, not a crash.
 * Under ASan, the bytes on each side of every object are poisoned, at the
 * ends of chunks too.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "check.h"

#define OBJECTS 100000

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>

enum kind { ALLOCS, STRINGS, BOTH };

/* Objects of kind until a few chunks are made: the byte before each and
 * the one after it are poisoned, and the one after the object before it
 * still is, where the object is the first of a new chunk too. */
static void check_gaps(enum kind kind)
{
	static const char text[300];
	gate_arena *a = NULL;
	gate_err err = GATE_ERR_INIT;
	const unsigned char *prev_end = NULL;
	int switches = 0, bad = 0, bad_at_switch = 0;

	if (!CHECK(gate_arena_new(&a, &err) == 0))
		return;
	for (int i = 0; switches < 4 && i < 1000000; i++) {
		size_t size = 1 + (size_t)i % 300;
		int string = kind == STRINGS || (kind == BOTH && i % 2);
		unsigned char *p = string ? (unsigned char *)gate_arena_strndup(a, text, size - 1, &err)
					  : gate_arena_alloc(a, size, &err);
		/* within a chunk, the next object starts at most a red zone
		 * and an alignment after the last */
		int moved = prev_end && (p < prev_end || p > prev_end + 2 * alignof(max_align_t));
		int ok;

		if (!p) {
			CHECK_MSG(0, "object %d: %s", i, err.msg);
			break;
		}
		ok = __asan_address_is_poisoned(p - 1) && __asan_address_is_poisoned(p + size) &&
		     !__asan_region_is_poisoned(p, size) &&
		     (!prev_end || __asan_address_is_poisoned(prev_end));
		switches += moved;
		bad += !ok;
		bad_at_switch += !ok && moved;
		prev_end = p + size;
	}
	CHECK_MSG(switches == 4, "kind %d: %d chunk switches, not 4", kind, switches);
	CHECK_MSG(!bad, "kind %d: %d objects not fenced by poisoned bytes, %d first of a chunk",
		  kind, bad, bad_at_switch);
	gate_arena_free(a);
}
#endif

int main(void)
{
	static unsigned char *obj[OBJECTS];
	static char *names[OBJECTS];
	static const char text[GATE_ARENA_MAX_OBJECT];
	gate_arena *a = NULL;
	gate_err err = GATE_ERR_INIT;
	int zeroed = 1, aligned = 1, kept = 1;

	if (!CHECK(gate_arena_new(&a, &err) == 0))
		return check_done();
	/* sizes 1..200 interleaved with names of odd lengths: ~12 MiB in 15 chunks
	 * (~15 MiB in 18 under ASan, which adds red zones) */
	for (int i = 0; i < OBJECTS; i++) {
		size_t size = 1 + (size_t)i % 200;
		char name[16];
		int len = snprintf(name, sizeof(name), "n%d", i);

		obj[i] = gate_arena_alloc(a, size, &err);
		names[i] = gate_arena_strndup(a, name, (size_t)len, &err);
		if (!obj[i] || !names[i])
			break;
		for (size_t k = 0; k < size; k++)
			zeroed &= obj[i][k] == 0;
		aligned &= (uintptr_t)obj[i] % alignof(max_align_t) == 0;
		memset(obj[i], i & 0xff, size);
	}
	CHECK_MSG(err.code == 0, "alloc failed: %s", err.msg);
	for (int i = 0; i < OBJECTS && obj[i]; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		kept &= obj[i][0] == (i & 0xff) && obj[i][i % 200] == (i & 0xff) &&
			!strcmp(names[i], name);
	}
	CHECK(zeroed);
	CHECK(aligned);
	CHECK(kept);
	CHECK(gate_arena_alloc(a, GATE_ARENA_MAX_OBJECT, &err) != NULL);
	CHECK(gate_arena_alloc(a, GATE_ARENA_MAX_OBJECT + 1, &err) == NULL);
	CHECK_HAS(err.msg, "arena object");
	/* a string's bound leaves room for its NUL; len + 1 must not wrap */
	gate_err_clear(&err);
	CHECK(gate_arena_strndup(a, text, GATE_ARENA_MAX_OBJECT - 1, &err) != NULL);
	CHECK(gate_arena_strndup(a, text, GATE_ARENA_MAX_OBJECT, &err) == NULL);
	CHECK_HAS(err.msg, "arena string");
	gate_err_clear(&err);
	CHECK(gate_arena_strndup(a, text, SIZE_MAX, &err) == NULL);
	CHECK_HAS(err.msg, "arena string");
	gate_arena_free(a);
	gate_arena_free(NULL);
#ifdef TEST_ASAN
	check_gaps(ALLOCS);
	check_gaps(STRINGS);
	check_gaps(BOTH);
#endif
	return check_done();
}
