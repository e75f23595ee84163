/*
 * gosort.h - Go's sort.Slice (pattern-defeating quicksort, Go >= 1.19),
 * step for step.
 *
 * Needed because the reference sorts xattr block entries with a comparator
 * that is not a strict weak order: the resulting order, and so the image
 * bytes, depend on exactly which comparisons and swaps the algorithm makes.
 * Any consistent comparator gives an ordinary sorted order.
 */
#ifndef GATE_GOSORT_H
#define GATE_GOSORT_H

#include <stddef.h>

struct gate_gosort {
	int (*less)(void *ctx, size_t i, size_t j);
	void (*swap)(void *ctx, size_t i, size_t j);
	void *ctx;
};

void gate_gosort_slice(const struct gate_gosort *s, size_t n);

#endif
