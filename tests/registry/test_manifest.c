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
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"

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

/* Each refused layer descriptor is named the same way: the manifest, the
 * index in its layers list, and the layer's digest. */
static void test_layer_messages(void)
{
	static const struct { const char *layer; const char *msg; } cases[] = {
		{ "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"size\":1}",
		  "manifest sha256:" H1 ": layers[1] has no sha256 digest" },
		{ "{\"digest\":\"sha256:" H0 "\",\"size\":1,"
		  "\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\"}",
		  "manifest sha256:" H1 ": layers[1] sha256:" H0 ": media type "
		  "'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' is a foreign layer, "
		  "not served by this registry" },
		{ "{\"digest\":\"sha256:" H0 "\",\"size\":-1,"
		  "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"}",
		  "manifest sha256:" H1 ": layers[1] sha256:" H0 ": negative size" },
		{ "{\"digest\":\"sha256:" H0 "\",\"size\":1125899906842624,"
		  "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"}",
		  "manifest sha256:" H1 ": layers[1] sha256:" H0 ": declared size 1125899906842624 "
		  "is beyond the 64 GiB gate accepts" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		struct gate_image img = { 0 };
		gate_err err = GATE_ERR_INIT;
		json_t *manifest;

		snprintf(text, sizeof(text), "{\"layers\":[{\"digest\":\"sha256:" H0 "\",\"size\":1,"
			 "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"},%s]}",
			 cases[i].layer);
		manifest = load(text);
		CHECK(gate_registry_read_layers(&img, manifest, "sha256:" H1, &err) == -1);
		CHECK_STR(err.msg, cases[i].msg);
		gate_image_release(&img);
		json_decref(manifest);
	}
}

int main(void)
{
	test_index_negative_size();
	test_layer_messages();
	return check_done();
}
