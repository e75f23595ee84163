#include "base/file.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int gate_file_too_large(gate_err *err, const char *name, size_t limit)
{
	return gate_err_set(err, GATE_EINPUT, "'%s' is larger than the limit of %zu bytes", name, limit);
}

int gate_file_read(FILE *f, const char *name, size_t limit, char **out, size_t *len, gate_err *err)
{
	size_t cap, n;
	char *buf;

	*out = NULL;
	*len = 0;
	/* A caller's bug, not an input's: the buffer below could not be sized. */
	if (limit > SIZE_MAX - 2)
		return gate_err_set(err, GATE_EINPUT, "'%s': no bound on its size", name);
	/* One byte past the limit tells "too large". */
	cap = limit + 1;
	if (!(buf = malloc(cap + 1)))
		return gate_err_nomem(err);
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		free(buf);
		return gate_err_set(err, GATE_EINPUT, "cannot read '%s': %s", name, strerror(errno));
	}
	if (n == cap) {
		free(buf);
		return gate_file_too_large(err, name, limit);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
