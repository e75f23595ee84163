#include <string.h>

#include "report/hash.h"
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

void gate_report_image_json(FILE *f, const struct gate_image *img)
{
	struct gate_report_hashes h;
	size_t i;

	gate_report_hashes_begin(&h, f);
	for (i = 0; i < img->layer_count; i++)
		gate_report_hashes_add(&h, img->layers[i].root_hash);
	gate_report_hashes_end(&h);
}
