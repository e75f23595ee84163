/*
 * test_manifest.c - the parsers of what a registry serves once it is
 * fetched: manifests, indexes, configs and token answers.  Each case is an
 * input the fuzzers (tests/fuzz/) found; fixtures/fuzz/ keeps it as a seed.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "registry/auth.h"
#include "registry/registry.h"

#define H0 "0000000000000000000000000000000000000000000000000000000000000000"

static json_t *load(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (!v)
		abort();
	return v;
}

/* A negative size would read as "no size", and the platform manifest's
 * size would go unchecked. */
static void test_index_negative_size(void)
{
	json_t *index = load("{\"manifests\":[{\"digest\":\"sha256:" H0 "\",\"size\":-5,"
			     "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");
	gate_err err = GATE_ERR_INIT;
	const char *digest;
	json_int_t size;

	CHECK(gate_registry_pick_platform(index, "linux", "amd64", "", &digest, &size, &err) == -1);
	CHECK_HAS(err.msg, "negative size");
	json_decref(index);
	index = load("{\"manifests\":[{\"digest\":\"sha256:" H0 "\","
		     "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");
	CHECK(gate_registry_pick_platform(index, "linux", "amd64", "", &digest, &size, &err) == 0);
	CHECK(size == -1);
	json_decref(index);
}

int main(void)
{
	test_index_negative_size();
	return check_done();
}
