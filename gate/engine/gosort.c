#include "engine/gosort.h"

#include <stdint.h>

/* Indices are signed, as Go's ints: the loops below run j down to a-1. */
typedef ptrdiff_t idx;

enum hint { HINT_UNKNOWN, HINT_INCREASING, HINT_DECREASING };

#define MAX_INSERTION     12
#define SHORTEST_NINTHER  50
#define MAX_SWAPS         (4 * 3)
#define MAX_STEPS         5     /* adjacent out-of-order pairs a partial insertion sort shifts */
#define SHORTEST_SHIFTING 50

static int less(const struct gate_gosort *s, idx i, idx j)
{
	return s->less(s->ctx, (size_t)i, (size_t)j);
}

static void swap(const struct gate_gosort *s, idx i, idx j)
{
	s->swap(s->ctx, (size_t)i, (size_t)j);
}

static int bit_len(uint64_t x)
{
	int n = 0;

	for (; x; x >>= 1)
		n++;
	return n;
}

static void insertion_sort(const struct gate_gosort *s, idx a, idx b)
{
	for (idx i = a + 1; i < b; i++)
		for (idx j = i; j > a && less(s, j, j - 1); j--)
			swap(s, j, j - 1);
}

static void sift_down(const struct gate_gosort *s, idx lo, idx hi, idx first)
{
	idx root = lo;

	for (;;) {
		idx child = 2 * root + 1;

		if (child >= hi)
			return;
		if (child + 1 < hi && less(s, first + child, first + child + 1))
			child++;
		if (!less(s, first + root, first + child))
			return;
		swap(s, first + root, first + child);
		root = child;
	}
}

static void heap_sort(const struct gate_gosort *s, idx a, idx b)
{
	idx hi = b - a;

	for (idx i = (hi - 1) / 2; i >= 0; i--)
		sift_down(s, i, hi, a);
	for (idx i = hi - 1; i >= 0; i--) {
		swap(s, a, a + i);
		sift_down(s, 0, i, a);
	}
}

static void break_patterns(const struct gate_gosort *s, idx a, idx b)
{
	idx length = b - a;
	uint64_t random, modulus;

	if (length < 8)
		return;
	random = (uint64_t)length;
	modulus = (uint64_t)1 << bit_len((uint64_t)length);
	for (idx i = a + (length / 4) * 2 - 1; i <= a + (length / 4) * 2 + 1; i++) {
		idx other;

		random ^= random << 13;         /* xorshift64 */
		random ^= random >> 17;
		random ^= random << 5;
		other = (idx)(random & (modulus - 1));
		if (other >= length)
			other -= length;
		swap(s, i, a + other);
	}
}

static void order2(const struct gate_gosort *s, idx *a, idx *b, int *swaps)
{
	if (less(s, *b, *a)) {
		idx t = *a;

		(*swaps)++;
		*a = *b;
		*b = t;
	}
}

static idx median(const struct gate_gosort *s, idx a, idx b, idx c, int *swaps)
{
	order2(s, &a, &b, swaps);
	order2(s, &b, &c, swaps);
	order2(s, &a, &b, swaps);
	return b;
}

static idx choose_pivot(const struct gate_gosort *s, idx a, idx b, enum hint *hint)
{
	idx l = b - a;
	int swaps = 0;
	idx i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;

	if (l >= 8) {
		if (l >= SHORTEST_NINTHER) {
			i = median(s, i - 1, i, i + 1, &swaps);
			j = median(s, j - 1, j, j + 1, &swaps);
			k = median(s, k - 1, k, k + 1, &swaps);
		}
		j = median(s, i, j, k, &swaps);
	}
	*hint = swaps == 0 ? HINT_INCREASING : swaps == MAX_SWAPS ? HINT_DECREASING : HINT_UNKNOWN;
	return j;
}

static void reverse_range(const struct gate_gosort *s, idx a, idx b)
{
	for (idx i = a, j = b - 1; i < j; i++, j--)
		swap(s, i, j);
}

static int partial_insertion_sort(const struct gate_gosort *s, idx a, idx b)
{
	idx i = a + 1;

	for (int step = 0; step < MAX_STEPS; step++) {
		while (i < b && !less(s, i, i - 1))
			i++;
		if (i == b)
			return 1;
		if (b - a < SHORTEST_SHIFTING)
			return 0;
		swap(s, i, i - 1);
		if (i - a >= 2)
			for (idx j = i - 1; j >= 1 && less(s, j, j - 1); j--)
				swap(s, j, j - 1);
		if (b - i >= 2)
			for (idx j = i + 1; j < b && less(s, j, j - 1); j++)
				swap(s, j, j - 1);
	}
	return 0;
}

static idx partition_equal(const struct gate_gosort *s, idx a, idx b, idx pivot)
{
	idx i = a + 1, j = b - 1;

	swap(s, a, pivot);
	for (;;) {
		while (i <= j && !less(s, a, i))
			i++;
		while (i <= j && less(s, a, j))
			j--;
		if (i > j)
			return i;
		swap(s, i, j);
		i++;
		j--;
	}
}

static idx partition(const struct gate_gosort *s, idx a, idx b, idx pivot, int *already)
{
	idx i = a + 1, j = b - 1;

	swap(s, a, pivot);
	while (i <= j && less(s, i, a))
		i++;
	while (i <= j && !less(s, j, a))
		j--;
	if (i > j) {
		swap(s, j, a);
		*already = 1;
		return j;
	}
	swap(s, i, j);
	i++;
	j--;
	for (;;) {
		while (i <= j && less(s, i, a))
			i++;
		while (i <= j && !less(s, j, a))
			j--;
		if (i > j)
			break;
		swap(s, i, j);
		i++;
		j--;
	}
	swap(s, j, a);
	*already = 0;
	return j;
}

static void pdqsort(const struct gate_gosort *s, idx a, idx b, int limit)
{
	int was_balanced = 1, was_partitioned = 1;

	for (;;) {
		idx length = b - a, pivot, mid;
		enum hint hint;

		if (length <= MAX_INSERTION) {
			insertion_sort(s, a, b);
			return;
		}
		if (limit == 0) {
			heap_sort(s, a, b);
			return;
		}
		if (!was_balanced) {
			break_patterns(s, a, b);
			limit--;
		}
		pivot = choose_pivot(s, a, b, &hint);
		if (hint == HINT_DECREASING) {
			reverse_range(s, a, b);
			pivot = (b - 1) - (pivot - a);
			hint = HINT_INCREASING;
		}
		if (was_balanced && was_partitioned && hint == HINT_INCREASING &&
		    partial_insertion_sort(s, a, b))
			return;
		if (a > 0 && !less(s, a - 1, pivot)) {
			a = partition_equal(s, a, b, pivot);
			continue;
		}
		mid = partition(s, a, b, pivot, &was_partitioned);
		if (mid - a < b - mid) {
			was_balanced = mid - a >= length / 8;
			pdqsort(s, a, mid, limit);
			a = mid + 1;
		} else {
			was_balanced = b - mid >= length / 8;
			pdqsort(s, mid + 1, b, limit);
			b = mid;
		}
	}
}

void gate_gosort_slice(const struct gate_gosort *s, size_t n)
{
	pdqsort(s, 0, (idx)n, bit_len(n));
}
