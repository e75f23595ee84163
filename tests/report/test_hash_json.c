/*
 * test_hash_json.c - the document of `gate hash --format json IMAGE...`
 * (report/hash.h): an image that hashed and two that failed, one of each
 * exit code, with bytes that are not UTF-8 and a control byte where a
 * command line or a registry chose them.  registry.output checks a real
 * run against docs/hash-report.schema.json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/hash.h"

#define BLOB "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define MANIFEST "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *error_of(json_t *images, size_t i)
{
	return json_object_get(json_array_get(images, i), "error");
}

int main(void)
{
	struct gate_image_layer layer = { .digest = BLOB };
	struct gate_image imgs[3];
	json_t *doc, *images, *ok, *l;
	char *out = NULL;
	size_t size = 0, non_ascii = 0;
	FILE *f;

	memset(imgs, 0, sizeof(imgs));
	memset(layer.diff_id, 0x44, sizeof(layer.diff_id));
	memset(layer.root_hash, 0xab, sizeof(layer.root_hash));
	imgs[0].ref = "app:v1";
	strcpy(imgs[0].name, "docker.io/library/app:v1");
	strcpy(imgs[0].digest, DIGEST);
	strcpy(imgs[0].manifest_digest, MANIFEST);
	strcpy(imgs[0].platform, "linux/arm64/v8");
	imgs[0].layers = &layer;
	imgs[0].layer_count = 1;
	imgs[1].ref = "Bad\xff";
	strcpy(imgs[1].name, "Bad\xff");
	gate_err_set(&imgs[1].err, GATE_EINPUT, "image reference 'Bad\xff': repository name must be lowercase");
	imgs[2].ref = "host:5000/gone:v1";
	strcpy(imgs[2].name, "host:5000/gone:v1");
	gate_err_set(&imgs[2].err, GATE_EVERIFY, "manifest v1: \x1b[31mnot found");

	f = open_memstream(&out, &size);
	CHECK(f && gate_report_images_json(f, imgs, 3) == 0);
	fclose(f);
	CHECK_MSG(size && out[size - 1] == '\n' && !memchr(out, '\n', size - 1), "not one line: %s", out);
	for (size_t i = 0; i < size; i++)
		non_ascii += (unsigned char)out[i] >= 0x80;
	CHECK_MSG(!non_ascii, "%zu bytes are not ASCII", non_ascii);
	doc = json_loads(out, 0, NULL);
	images = json_object_get(doc, "images");
	CHECK_MSG(json_object_size(doc) == 1 && json_array_size(images) == 3, "shape: %s", out);

	ok = json_array_get(images, 0);
	CHECK_STR(str(ok, "reference"), "app:v1");
	CHECK_STR(str(ok, "name"), "docker.io/library/app:v1");
	CHECK_STR(str(ok, "digest"), DIGEST);
	CHECK_STR(str(ok, "manifest_digest"), MANIFEST);
	CHECK_STR(str(ok, "platform"), "linux/arm64/v8");
	CHECK(!json_object_get(ok, "error") && json_array_size(json_object_get(ok, "layers")) == 1);
	l = json_array_get(json_object_get(ok, "layers"), 0);
	CHECK(json_object_size(l) == 3);
	CHECK_STR(str(l, "digest"), BLOB);
	CHECK_STR(str(l, "diff_id"), "sha256:4444444444444444444444444444444444444444444444444444444444444444");
	CHECK_STR(str(l, "root_hash"), "abababababababababababababababababababababababababababababababab");

	/* A failed image has its error instead of its resolution. */
	for (size_t i = 1; i < 3; i++)
		CHECK_MSG(json_object_size(json_array_get(images, i)) == 3, "image %zu: %s", i, out);
	CHECK_STR(str(json_array_get(images, 1), "reference"), "Bad\\xff");
	CHECK_STR(str(error_of(images, 1), "message"),
		  "image reference 'Bad\\xff': repository name must be lowercase");
	CHECK_STR(str(error_of(images, 1), "class"), "bad-input");
	CHECK(json_integer_value(json_object_get(error_of(images, 1), "exit_code")) == 2);
	CHECK_STR(str(error_of(images, 2), "message"), "manifest v1: \x1b[31mnot found");
	CHECK_STR(str(error_of(images, 2), "class"), "could-not-verify");
	CHECK(json_integer_value(json_object_get(error_of(images, 2), "exit_code")) == 3);
	/* The escape is JSON's: no raw control byte on a terminal. */
	CHECK_HAS(out, "\\u001B[31m");

	json_decref(doc);
	free(out);
	return check_done();
}
