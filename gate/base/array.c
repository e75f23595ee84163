#include "base/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *gate_array_push(void *arrayp, size_t *n, size_t elem_size, gate_err *err)
{
	void *v, *grown;
	char *elem;

	/* arrayp is the address of a typed pointer; copying its bytes avoids
	 * pretending that a struct foo ** is a void **. */
	memcpy(&v, arrayp, sizeof(v));
	if (*n >= SIZE_MAX / 2 / elem_size) {
		gate_err_nomem(err);
		return NULL;
	}
	/* The capacity is *n rounded up to a power of two, so the array grows
	 * by doubling: growing by one element copied it on every push with
	 * allocators that do not extend in place (ASan's, musl's), which
	 * made a long env list quadratic. */
	if (!(*n & (*n - 1))) {
		grown = realloc(v, (*n ? *n * 2 : 1) * elem_size);
		if (!grown) {
			gate_err_nomem(err);
			return NULL;
		}
		memcpy(arrayp, &grown, sizeof(grown));
		v = grown;
	}
	elem = (char *)v + *n * elem_size;
	memset(elem, 0, elem_size);
	(*n)++;
	return elem;
}

int gate_strv_push(struct gate_strv *sv, const char *s, size_t len, gate_err *err)
{
	char **slot, *copy;

	copy = malloc(len + 1);
	if (!copy)
		return gate_err_nomem(err);
	memcpy(copy, s, len);
	copy[len] = '\0';
	slot = gate_array_push(&sv->v, &sv->n, sizeof(*sv->v), err);
	if (!slot) {
		free(copy);
		return -1;
	}
	*slot = copy;
	return 0;
}

void gate_strv_free(struct gate_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

char *gate_strdup(const char *s, gate_err *err)
{
	char *copy = strdup(s);

	if (!copy)
		gate_err_nomem(err);
	return copy;
}
