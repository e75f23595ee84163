/*
 * registry.h - hashes images straight from their registry.
 *
 * For each image: resolve the reference to a manifest (choosing a platform
 * from an index), check the manifest's sha256 against the digest asked for
 * or Docker-Content-Digest, fetch the config, then stream every layer blob
 * through the layer pipeline while checking its sha256 and size against
 * the descriptor, and its diff_id against the config's rootfs.diff_ids.
 * Nothing is assumed: any step that cannot be checked fails the image.
 *
 * Layers of all images are fetched by a pool of opts->jobs threads; a
 * layer whose diff_id is in the cache is not fetched at all.
 */
#ifndef GATE_REGISTRY_H
#define GATE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "base/array.h"
#include "registry/auth.h"
#include "registry/cache.h"
#include "base/err.h"
#include "registry/http.h"
#include "registry/image_config.h"
#include "engine/layer.h"
#include "registry/ref.h"

#define GATE_DEFAULT_PLATFORM "linux/amd64"

struct gate_image;

struct gate_registry_opts {
	gate_http *http;
	/* "os/arch[/variant]"; NULL means linux/amd64 from an index and
	 * whatever a single-platform image is. */
	const char *platform;
	/* Used for every registry when set; otherwise looked up per
	 * registry with gate_creds_lookup(). */
	const struct gate_creds *creds;
	gate_cache *cache;              /* NULL: no cache */
	/* Seconds one image may take, 0 for no limit: its manifests, config
	 * and token requests, then its layers.  Time an image spends waiting
	 * for other images' layers to be fetched does not count. */
	unsigned timeout_s;
	/* A containers auth file (auth.json) to look in before the usual
	 * places; NULL: $REGISTRY_AUTH_FILE, if set.  See gate_creds_lookup. */
	const char *authfile;
	unsigned jobs;                  /* worker threads, >= 1 */
	/* Called from worker threads as blob bytes arrive and layers end;
	 * must be thread-safe.  NULL: none. */
	void (*progress)(void *ctx, uint64_t bytes, int layers_done);
	/* Called from a worker thread as soon as img->layers[layer] has its
	 * root hash (hashed, cached, or shared with another image's layer);
	 * must be thread-safe.  NULL: none. */
	void (*layer_done)(void *ctx, const struct gate_image *img, size_t layer);
	void *progress_ctx;             /* for both */
};

struct gate_image_layer {
	char digest[GATE_REF_DIGEST_MAX + 1];   /* of the (compressed) blob */
	char media_type[128];
	uint64_t size;
	unsigned char diff_id[GATE_DIGEST_SIZE];
	unsigned char root_hash[GATE_DIGEST_SIZE];
	int from_cache;
};

struct gate_image {
	const char *ref;                /* set by the caller; borrowed */
	char name[GATE_REF_NAME_MAX + GATE_REF_TAG_MAX + GATE_REF_DIGEST_MAX + 3];
	char digest[GATE_REF_DIGEST_MAX + 1];   /* what the reference resolved to */
	char manifest_digest[GATE_REF_DIGEST_MAX + 1]; /* the platform's manifest */
	char platform[128];
	struct gate_image_layer *layers;
	size_t layer_count;
	struct gate_image_config config;        /* Entrypoint, Cmd, Env, WorkingDir, User */
	gate_err err;                   /* set if this image failed */
};

/* Fills imgs[i] (whose ref is set) for every i.  Returns 0 if all
 * succeeded, else -1; each failed image has its own err. */
int gate_registry_hash(const struct gate_registry_opts *opts, struct gate_image *imgs, size_t n);

void gate_image_release(struct gate_image *img);       /* frees layers and config */

/* Up to max tags of ref's repository (distribution's tags/list, its Link
 * pages followed), in the registry's order, appended to out.  0, or -1
 * with err set. */
int gate_registry_tags(const struct gate_registry_opts *opts, const char *ref, size_t max,
		       struct gate_strv *out, gate_err *err);

/* The parsers behind gate_registry_hash, for documents already fetched
 * and checked against their digest, which names them in messages.
 *
 * The layers of a manifest (OCI or Docker v2) into img->layers and
 * img->layer_count: each with a sha256 digest, a layer media type gate
 * can hash, and a size within GATE_MAX_LAYER_SIZE.  0, or -1 with err set. */
int gate_registry_read_layers(struct gate_image *img, json_t *manifest, const char *digest,
			      gate_err *err);

/* The descriptor in index (OCI index or Docker manifest list) of the
 * manifest for os/arch, and variant unless it is "": *digest (borrowed
 * from index) and *size (-1 when absent).  0, or -1 with err set. */
int gate_registry_pick_platform(json_t *index, const char *os, const char *arch, const char *variant,
				const char **digest, json_int_t *size, gate_err *err);

/* An image config for img's img->layer_count layers: rootfs.diff_ids,
 * one per layer, into img->layers[].diff_id, and the run settings into
 * img->config.  0, or -1 with err set (GATE_EINPUT). */
int gate_registry_read_config(struct gate_image *img, json_t *config, const char *digest,
			      gate_err *err);

/* Layer media types gate can hash; foreign and unknown ones it cannot. */
int gate_registry_layer_type_ok(const char *media_type);

#endif
