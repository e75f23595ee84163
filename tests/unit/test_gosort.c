/*
 * test_gosort.c - gate_gosort_slice() leaves arrays sorted with an
 * inconsistent comparator in exactly the order Go's sort.Slice does.
 * usage: test_gosort CASES.in CASES.expected
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gosort.h"
#include "check.h"

struct entry {
	int index;
	char name[32];
	int pos;
};

static int entry_less(void *ctx, size_t i, size_t j)
{
	const struct entry *a = (struct entry *)ctx + i, *b = (struct entry *)ctx + j;
	size_t la = strlen(a->name), lb = strlen(b->name);

	return a->index < b->index || la < lb || strcmp(a->name, b->name) < 0;
}

static void entry_swap(void *ctx, size_t i, size_t j)
{
	struct entry *e = ctx, t = e[i];

	e[i] = e[j];
	e[j] = t;
}

int main(int argc, char **argv)
{
	FILE *in, *want;
	int ncases;

	if (argc != 3 || !(in = fopen(argv[1], "r")) || !(want = fopen(argv[2], "r"))) {
		fprintf(stderr, "usage: test_gosort CASES.in CASES.expected\n");
		return 2;
	}
	if (fscanf(in, "%d", &ncases) != 1)
		return 2;
	for (int c = 0; c < ncases; c++) {
		struct entry *e;
		int n;

		if (fscanf(in, "%d", &n) != 1 || n <= 0 || !(e = calloc((size_t)n, sizeof(*e))))
			return 2;
		for (int i = 0; i < n; i++) {
			if (fscanf(in, "%d %31s", &e[i].index, e[i].name) != 2)
				return 2;
			if (!strcmp(e[i].name, "-"))
				e[i].name[0] = '\0';
			e[i].pos = i;
		}
		gate_gosort_slice(&(struct gate_gosort){ entry_less, entry_swap, e }, (size_t)n);
		for (int i = 0; i < n; i++) {
			int pos;

			if (fscanf(want, "%d", &pos) != 1)
				return 2;
			if (!CHECK_MSG(pos == e[i].pos,
				       "case %d (n=%d): position %d holds input %d, Go has %d", c, n, i,
				       e[i].pos, pos))
				break;
		}
		free(e);
	}
	return check_done();
}
