/*
 * fuzz_image_config.c - libFuzzer target for image configs: any bytes
 * must end in diff_ids and run settings or an error.  A config that is
 * read must give each layer the diff_id its rootfs.diff_ids spells, and
 * settings that are either absent or real strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "base/hex.h"
#include "registry/registry.h"

#define DIGEST "sha256:0000000000000000000000000000000000000000000000000000000000000000"

static void check_strv(const struct gate_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!v->v[i])
			abort();
}

static void check(const struct gate_image *img, json_t *ids)
{
	const struct gate_image_config *c = &img->config;
	char hex[GATE_DIGEST_HEX_SIZE + 1];
	size_t i;

	for (i = 0; i < img->layer_count; i++) {
		gate_hex(hex, img->layers[i].diff_id, GATE_DIGEST_SIZE);
		if (strcmp(hex, gate_digest_parse(json_string_value(json_array_get(ids, i)), NULL)))
			abort();
	}
	check_strv(&c->entrypoint);
	check_strv(&c->cmd);
	check_strv(&c->env);
	if ((c->working_dir && !c->working_dir[0]) || (c->user && !c->user[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	json_t *ids = json_object_get(json_object_get(root, "rootfs"), "diff_ids");
	struct gate_image img;
	gate_err err = GATE_ERR_INIT;

	if (!root)
		return 0;
	memset(&img, 0, sizeof(img));
	/* As many layers as the config names, so that the diff_ids are read. */
	img.layer_count = json_array_size(ids);
	img.layers = calloc(img.layer_count ? img.layer_count : 1, sizeof(*img.layers));
	if (img.layers) {
		if (gate_registry_read_config(&img, root, DIGEST, &err) == 0)
			check(&img, ids);
		else
			fuzz_check_error(&err, GATE_EINPUT);
	}
	gate_image_release(&img);
	json_decref(root);
	return 0;
}
