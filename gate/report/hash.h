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

/* The {"layers":["<hex>",...]} document of `gate hash --format json`,
 * the shape dmverity-vhd prints, written one layer at a time. */
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

/* The image's layers as one {"layers":[...]} document. */
void gate_report_image_json(FILE *f, const struct gate_image *img);

#endif
