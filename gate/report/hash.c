#include <stdlib.h>
#include <string.h>

#include "report/hash.h"
#include "report/json_write.h"
#include "base/escape.h"

void gate_report_hashes_begin(struct gate_report_hashes *h, FILE *f)
{
	h->f = f;
	h->n = 0;
	fputs("{\"layers\":[", f);
}

void gate_report_hashes_add(struct gate_report_hashes *h,
			    const unsigned char root_hash[GATE_DIGEST_SIZE])
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];

	gate_hex(hex, root_hash, GATE_DIGEST_SIZE);
	fprintf(h->f, "%s\"%s\"", h->n++ ? "," : "", hex);
}

void gate_report_hashes_end(struct gate_report_hashes *h)
{
	fputs("]}\n", h->f);
}

void gate_report_tar_text(FILE *f, const unsigned char root_hash[GATE_DIGEST_SIZE],
			  const char *file)
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];

	gate_hex(hex, root_hash, GATE_DIGEST_SIZE);
	fprintf(f, "%s  ", hex);
	gate_put_escaped(f, file);
	fputc('\n', f);
}

void gate_report_image_text(FILE *f, const struct gate_image *img)
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];
	size_t i;

	fputs("image    ", f);
	gate_put_escaped(f, img->name);
	fprintf(f, "\ndigest   %s\n", img->digest);
	if (strcmp(img->digest, img->manifest_digest))
		fprintf(f, "manifest %s\n", img->manifest_digest);
	gate_put_line(f, "platform ", img->platform);
	for (i = 0; i < img->layer_count; i++) {
		gate_hex(hex, img->layers[i].root_hash, GATE_DIGEST_SIZE);
		fprintf(f, "layer    %s\n", hex);
	}
}

/* jansson takes UTF-8 only; a reference from argv or a message quoting
 * a server may hold any byte. */
static json_t *text(const char *s)
{
	char *u = gate_utf8_dup(s);
	json_t *j = u ? json_string(u) : NULL;

	free(u);
	return j;
}

static json_t *layers_json(const struct gate_image *img)
{
	char diff_id[GATE_DIGEST_HEX_SIZE + 1], root[GATE_DIGEST_HEX_SIZE + 1];
	json_t *a = json_array();

	for (size_t i = 0; a && i < img->layer_count; i++) {
		const struct gate_image_layer *L = &img->layers[i];

		gate_hex(diff_id, L->diff_id, GATE_DIGEST_SIZE);
		gate_hex(root, L->root_hash, GATE_DIGEST_SIZE);
		if (json_array_append_new(a, json_pack("{s:s, s:s+, s:s}", "digest", L->digest,
						       "diff_id", "sha256:", diff_id,
						       "root_hash", root))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The exit code's class, as the README's table of exit codes names it. */
static json_t *error_json(const gate_err *err)
{
	int code = err->code == GATE_EINPUT ? GATE_EINPUT : GATE_EVERIFY;

	return json_pack("{s:o, s:i, s:s}", "message", text(err->msg), "exit_code", code,
			 "class", code == GATE_EINPUT ? "bad-input" : "could-not-verify");
}

static json_t *image_json(const struct gate_image *img)
{
	if (img->err.code)
		return json_pack("{s:o, s:o, s:o}", "reference", text(img->ref), "name",
				 text(img->name), "error", error_json(&img->err));
	return json_pack("{s:o, s:o, s:s, s:s, s:o, s:o}", "reference", text(img->ref),
			 "name", text(img->name), "digest", img->digest,
			 "manifest_digest", img->manifest_digest, "platform", text(img->platform),
			 "layers", layers_json(img));
}

int gate_report_images_json(FILE *f, const struct gate_image *imgs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, image_json(&imgs[i]))) {
			json_decref(a);
			a = NULL;
		}
	return gate_report_json_write(f, json_pack("{s:o}", "images", a), JSON_COMPACT);
}
