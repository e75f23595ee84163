/*
 * arena.h - a bump allocator for many small objects freed together.
 *
 * Objects come zeroed, aligned for any type, and stay where they are
 * until gate_arena_free(), which frees them all; none is freed alone.
 * It costs one mmap per chunk instead of a malloc per object, no
 * per-object header, and keeps objects made one after another together:
 * the ext4 writer makes an inode, a directory and a name for each of the
 * half a million levels of a 1 MiB path.
 */
#ifndef GATE_BASE_ARENA_H
#define GATE_BASE_ARENA_H

#include <stddef.h>

#include "base/err.h"

typedef struct gate_arena gate_arena;

int gate_arena_new(gate_arena **out, gate_err *err);
void gate_arena_free(gate_arena *a);    /* NULL is fine */

/* size zeroed bytes, or NULL with err set; size is at most
 * GATE_ARENA_MAX_OBJECT. */
#define GATE_ARENA_MAX_OBJECT 4096u
void *gate_arena_alloc(gate_arena *a, size_t size, gate_err *err);

/* A NUL-terminated copy of the len bytes at s, or NULL with err set; len
 * is below GATE_ARENA_MAX_OBJECT. */
char *gate_arena_strndup(gate_arena *a, const char *s, size_t len, gate_err *err);

#endif
