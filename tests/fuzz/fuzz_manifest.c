/*
 * fuzz_manifest.c - libFuzzer target for manifests and indexes as a
 * registry serves them: any bytes must end in layers (or a platform's
 * descriptor) or an error.  Layers that are read must be what the layer
 * fetcher relies on: a sha256 digest of 64 lowercase hex, a media type
 * gate can hash and a size within GATE_MAX_LAYER_SIZE.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "base/hex.h"
#include "base/limits.h"
#include "registry/registry.h"

#define DIGEST "sha256:0000000000000000000000000000000000000000000000000000000000000000"

static void check_layers(const struct gate_image *img)
{
	size_t i;

	for (i = 0; i < img->layer_count; i++) {
		const struct gate_image_layer *l = &img->layers[i];

		if (strlen(l->digest) != GATE_REF_DIGEST_MAX || !gate_digest_parse(l->digest, NULL) ||
		    !gate_registry_layer_type_ok(l->media_type) || l->size > GATE_MAX_LAYER_SIZE)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	struct gate_image img;
	gate_err err = GATE_ERR_INIT;
	const char *digest;
	json_int_t dsize;

	if (!root)
		return 0;
	memset(&img, 0, sizeof(img));
	if (gate_registry_read_layers(&img, root, DIGEST, &err) == 0)
		check_layers(&img);
	else
		fuzz_check_error(&err, 0);
	gate_image_release(&img);
	gate_err_clear(&err);
	/* The index: a descriptor that is picked is one of its entries'. */
	if (gate_registry_pick_platform(root, "linux", "amd64", "", &digest, &dsize, &err) == 0 &&
	    (!digest || dsize < -1))
		abort();
	json_decref(root);
	return 0;
}
