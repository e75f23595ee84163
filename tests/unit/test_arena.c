/*
 * test_arena.c - the bump allocator of base/arena.h: objects come zeroed
 * and aligned, keep their bytes across many chunks, names are copied and
 * terminated, and an object over the bound is an error, not a crash.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "check.h"

#define OBJECTS 100000

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
	/* sizes 1..200 interleaved with names of odd lengths: ~11 MiB, ~40 chunks */
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
	return check_done();
}
