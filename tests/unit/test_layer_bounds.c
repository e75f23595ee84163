/*
 * test_layer_bounds.c - the bound on uncompressed bytes per layer is
 * explicit and configurable (gate_layer_opts.max_tar_size, by default
 * GATE_MAX_TAR_SIZE): LAYER (more than 1 MiB uncompressed) hashes with
 * the default and fails, naming the bound, with a 1 MiB one.
 * usage: test_layer_bounds LAYER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/layer.h"

static int hash(const char *path, uint64_t max_tar_size, struct gate_layer_result *res,
		gate_err *err)
{
	struct gate_layer_opts o = GATE_LAYER_OPTS_INIT;
	unsigned char buf[65536];
	gate_layer *l = NULL;
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = -1;

	if (!f)
		return gate_err_set(err, GATE_EINPUT, "cannot open '%s'", path);
	o.max_tar_size = max_tar_size;
	if (gate_layer_new(&l, &o, err))
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (gate_layer_write(l, buf, n, err))
			goto out;
	rc = gate_layer_finish(l, res, err);
out:
	gate_layer_free(l);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	struct gate_layer_result res;
	gate_err err = GATE_ERR_INIT;

	if (argc != 2) {
		fprintf(stderr, "usage: test_layer_bounds LAYER\n");
		return 2;
	}
	if (hash(argv[1], 0, &res, &err)) {
		fprintf(stderr, "default bound: %s\n", err.msg);
		return 1;
	}
	if (res.tar_size <= (1u << 20)) {
		fprintf(stderr, "%s: only %llu bytes uncompressed\n", argv[1],
			(unsigned long long)res.tar_size);
		return 1;
	}
	gate_err_clear(&err);
	if (!hash(argv[1], 1u << 20, &res, &err)) {
		fprintf(stderr, "1 MiB bound: hashed %llu bytes\n", (unsigned long long)res.tar_size);
		return 1;
	}
	if (!strstr(err.msg, "more than 1048576 bytes uncompressed") ||
	    !strstr(err.msg, "GATE_MAX_TAR_SIZE")) {
		fprintf(stderr, "unclear error: %s\n", err.msg);
		return 1;
	}
	printf("1 MiB bound: %s\n", err.msg);
	return 0;
}
