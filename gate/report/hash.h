/*
 * hash.h - printers for `gate hash`: layer root hashes of tar files and
 * of images.  Untrusted strings (file names, image names, platforms) are
 * escaped (base/escape.h).
 */
#ifndef GATE_REPORT_HASH_H
#define GATE_REPORT_HASH_H

#include <stdio.h>

#include "base/hex.h"
#include "registry/registry.h"

/* The {"layers":["<hex>",...]} document of `gate hash --tar --format
 * json`, the shape dmverity-vhd prints, written one layer at a time. */
struct gate_report_hashes {
	FILE *f;
	size_t n;
};

void gate_report_hashes_begin(struct gate_report_hashes *h, FILE *f);
void gate_report_hashes_add(struct gate_report_hashes *h,
			    const unsigned char root_hash[GATE_DIGEST_SIZE]);
void gate_report_hashes_end(struct gate_report_hashes *h);

/* "<hex>  FILE", as sha256sum prints. */
void gate_report_tar_text(FILE *f, const unsigned char root_hash[GATE_DIGEST_SIZE],
			  const char *file);

/* image, digest, manifest (if another), platform, and a line per layer. */
void gate_report_image_text(FILE *f, const struct gate_image *img);

/* The one document of `gate hash --format json IMAGE...`: every image,
 * in the order given, with its layers or, if it failed, its error
 * (docs/hash-report.schema.json):
 *   {"images":[{"reference","name","digest","manifest_digest","platform",
 *               "layers":[{"digest","diff_id","root_hash"}]}
 *              | {"reference","name","error":{"message","exit_code","class"}}]}
 * Returns 0, or -1 if it could not be built (out of memory) or written. */
int gate_report_images_json(FILE *f, const struct gate_image *imgs, size_t n);

#endif
