#include "registry/registry.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "registry/digest_sink.h"

#define MT_OCI_INDEX     "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST  "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_V2     "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1     "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_V1_JWS "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MANIFEST_ACCEPT  MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_V2

#define URL_SIZE 1024

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.diff.tar.zstd",
};

/* What gate knows about one image while it is being hashed. */
struct session {
	struct gate_image *img;
	const struct gate_registry_opts *opts;
	struct gate_ref ref;
	char base[URL_SIZE];            /* "https://host/v2/path" */
	char scope[GATE_REF_NAME_MAX + 32];
	pthread_mutex_t lock;           /* guards what follows */
	char *authorization;
	struct gate_creds creds;
	int creds_looked_up;
	/* Set for the resolve, then again when the first layer starts, less
	 * the time the resolve took. */
	struct gate_http_deadline deadline;
	uint64_t resolve_ms;
	int layers_started;
};

struct job {
	struct session *s;
	size_t layer;
	/* An earlier job of this run for the same blob and diff_id: its root
	 * hash is this one's. */
	struct job *same;
	int ok;
};

struct run {
	const struct gate_registry_opts *opts;
	struct session *sessions;
	size_t n_sessions;
	struct job *jobs;               /* those with same == NULL first */
	size_t n_jobs, n_first;
};

int gate_registry_layer_type_ok(const char *media_type)
{
	size_t i;

	for (i = 0; i < sizeof(layer_types) / sizeof(layer_types[0]); i++)
		if (!strcmp(media_type, layer_types[i]))
			return 1;
	return 0;
}

void gate_image_release(struct gate_image *img)
{
	free(img->layers);
	gate_image_config_free(&img->config);
	img->layers = NULL;
	img->layer_count = 0;
}

static void fail(struct session *s, const gate_err *e)
{
	pthread_mutex_lock(&s->lock);
	if (!s->img->err.code)
		s->img->err = *e;
	pthread_mutex_unlock(&s->lock);
}

static int failed(struct session *s)
{
	int code;

	pthread_mutex_lock(&s->lock);
	code = s->img->err.code;
	pthread_mutex_unlock(&s->lock);
	return code;
}

/* "sha256:<hex>" of buf.  Returns 0, or -1 with err set. */
static int sha256_str(const void *buf, size_t len, char out[GATE_REF_DIGEST_MAX + 1], gate_err *err)
{
	unsigned char md[GATE_DIGEST_SIZE];

	if (!EVP_Digest(buf, len, md, NULL, EVP_sha256(), NULL))
		return gate_err_set(err, GATE_EVERIFY, "sha256 failed");
	memcpy(out, "sha256:", 7);
	gate_hex(out + 7, md, sizeof(md));
	return 0;
}

/* --- requests with the registry's authentication --- */

static int authenticate(struct session *s, const char *used, const char *challenge, gate_err *err)
{
	struct gate_auth_challenge c;
	char *value = NULL;
	const struct gate_creds *creds;
	int rc;

	if (!challenge)
		return gate_err_set(err, GATE_EVERIFY, "HTTP 401 without a WWW-Authenticate challenge");
	if (gate_auth_parse_challenge(&c, challenge, err))
		return -1;
	pthread_mutex_lock(&s->lock);
	if (!s->opts->creds && !s->creds_looked_up) {
		gate_err lerr = GATE_ERR_INIT;

		s->creds_looked_up = 1;
		if (gate_creds_lookup(&s->creds, s->ref.domain, s->opts->authfile, &lerr) < 0) {
			pthread_mutex_unlock(&s->lock);
			*err = lerr;
			return gate_err_prefix(err, "credentials for %s", s->ref.domain);
		}
	}
	pthread_mutex_unlock(&s->lock);
	creds = s->opts->creds ? s->opts->creds :
		s->creds.username || s->creds.identity_token ? &s->creds : NULL;
	rc = gate_auth_authorize(s->opts->http, &c, creds, s->scope, &s->deadline, &value, err);
	if (rc)
		return -1;
	pthread_mutex_lock(&s->lock);
	/* Another thread may have renewed it meanwhile; keep the newest. */
	if (!s->authorization || !used || !strcmp(s->authorization, used)) {
		free(s->authorization);
		s->authorization = value;
		value = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	free(value);
	return 0;
}

static const char *creds_source(const struct session *s)
{
	if (s->opts->creds)
		return s->opts->creds->source;
	if (s->creds.username || s->creds.identity_token)
		return s->creds.source;
	return NULL;
}

/* GET with the session's Authorization, authenticating on 401 once. */
static int reg_get(struct session *s, struct gate_http_req *req, struct gate_http_resp *resp, gate_err *err)
{
	char *auth = NULL;
	int round;

	for (round = 0; ; round++) {
		pthread_mutex_lock(&s->lock);
		auth = s->authorization ? strdup(s->authorization) : NULL;
		pthread_mutex_unlock(&s->lock);
		req->method = "GET";
		req->authorization = auth;
		req->deadline = &s->deadline;
		if (gate_http_do(s->opts->http, req, resp, err))
			break;
		if (resp->status != 401)
			break;
		/* Blob storage asking for credentials must not be given the
		 * registry's, nor a token from a realm it names. */
		if (resp->other_origin) {
			gate_err_set(err, GATE_EVERIFY, "redirected to another host, which answered HTTP 401");
			break;
		}
		if (round > 0) {
			const char *src = creds_source(s);

			gate_err_set(err, GATE_EVERIFY, "authentication failed (HTTP 401) with %s%s",
				     src ? "credentials from " : "anonymous access", src ? src : "");
			break;
		}
		if (authenticate(s, auth, resp->www_authenticate, err))
			break;
		gate_http_resp_free(resp);
		free(auth);
	}
	free(auth);
	return err && err->code ? -1 : 0;
}

static int status_error(long status, const char *what, const struct gate_http_resp *r, gate_err *err)
{
	if (status == 403)
		return gate_err_set(err, GATE_EVERIFY, "%s: access denied (HTTP 403)", what);
	if (status == 404)
		return gate_err_set(err, GATE_EVERIFY, "%s: not found (HTTP 404)", what);
	if (status >= 500 || status == 429)
		return gate_err_set(err, GATE_EVERIFY, "%s: HTTP %ld after %u attempt%s", what, status,
				    r->attempts, r->attempts == 1 ? "" : "s");
	return gate_err_set(err, GATE_EVERIFY, "%s: unexpected HTTP %ld", what, status);
}

/* Fetches a manifest or a config into memory, at most max bytes; any
 * answer but 200 is an error. */
static int get_small(struct session *s, const char *label, const char *kind, const char *id,
		     const char *accept, size_t max, struct gate_http_resp *resp, gate_err *err)
{
	struct gate_http_req req = { 0 };
	char url[URL_SIZE], what[GATE_REF_DIGEST_MAX + 32];

	snprintf(what, sizeof(what), "%s %s", label, id);
	if (snprintf(url, sizeof(url), "%s/%s/%s", s->base, kind, id) >= (int)sizeof(url))
		return gate_err_set(err, GATE_EINPUT, "%s: url too long", what);
	req.url = url;
	req.accept = accept;
	req.max_body_size = max;
	if (reg_get(s, &req, resp, err))
		return gate_err_prefix(err, "%s", what);
	if (resp->status != 200)
		return status_error(resp->status, what, resp, err);
	return 0;
}

/* --- manifests --- */

static int platform_matches(json_t *p, const char *os, const char *arch, const char *variant)
{
	const char *pos = json_string_value(json_object_get(p, "os"));
	const char *parch = json_string_value(json_object_get(p, "architecture"));
	const char *pvar = json_string_value(json_object_get(p, "variant"));

	if (!pos || !parch || strcmp(pos, os) || strcmp(parch, arch))
		return 0;
	return !*variant || (pvar && !strcmp(pvar, variant));
}

static int split_platform(const char *platform, char *os, char *arch, char *variant, size_t size)
{
	const char *a = strchr(platform, '/'), *v;

	if (!a || a == platform)
		return -1;
	v = strchr(a + 1, '/');
	if ((size_t)(a - platform) >= size)
		return -1;
	snprintf(os, size, "%.*s", (int)(a - platform), platform);
	if (v) {
		if ((size_t)(v - a - 1) >= size || strlen(v + 1) >= size || !v[1] || strchr(v + 1, '/'))
			return -1;
		snprintf(arch, size, "%.*s", (int)(v - a - 1), a + 1);
		snprintf(variant, size, "%s", v + 1);
	} else {
		if (strlen(a + 1) >= size)
			return -1;
		snprintf(arch, size, "%s", a + 1);
		variant[0] = '\0';
	}
	return *arch ? 0 : -1;
}

static const char *media_type_of(json_t *root, const struct gate_http_resp *r)
{
	const char *mt = json_string_value(json_object_get(root, "mediaType"));

	if (mt && *mt)
		return mt;
	/* Old Docker v2 manifests have no mediaType field; the
	 * Content-Type and the shape tell. */
	if (json_is_array(json_object_get(root, "manifests")))
		return MT_OCI_INDEX;
	if (json_object_get(root, "config") && json_object_get(root, "layers"))
		return MT_OCI_MANIFEST;
	return r->content_type ? r->content_type : "";
}

/* Fetches a manifest and checks its bytes' digest.  want: the digest it
 * must have, or NULL when asked by tag. */
static int fetch_manifest(struct session *s, const char *id, const char *want, json_int_t want_size,
			  json_t **root, char digest[GATE_REF_DIGEST_MAX + 1], char **media_type, gate_err *err)
{
	struct gate_http_resp resp;
	json_error_t jerr;
	const char *mt;
	int rc = -1;

	*root = NULL;
	if (get_small(s, "manifest", "manifests", id, MANIFEST_ACCEPT, GATE_MAX_MANIFEST_SIZE, &resp, err))
		goto out;
	if (sha256_str(resp.body ? resp.body : "", resp.body_size, digest, err))
		goto out;
	if (want && strcmp(want, digest)) {
		gate_err_set(err, GATE_EVERIFY, "manifest %s: content has digest %s", id, digest);
		goto out;
	}
	if (!want && resp.docker_content_digest && strcmp(resp.docker_content_digest, digest)) {
		gate_err_set(err, GATE_EVERIFY, "manifest %s: content has digest %s but the registry says %.80s",
			     id, digest, resp.docker_content_digest);
		goto out;
	}
	if (want_size >= 0 && resp.body_size != (size_t)want_size) {
		gate_err_set(err, GATE_EVERIFY, "manifest %s: %zu bytes, its descriptor says %lld",
			     id, resp.body_size, (long long)want_size);
		goto out;
	}
	*root = json_loadb(resp.body ? resp.body : "", resp.body_size, 0, &jerr);
	if (!json_is_object(*root)) {
		gate_err_set(err, GATE_EINPUT, "manifest %s: not a JSON object: %s", id, jerr.text);
		goto out;
	}
	mt = media_type_of(*root, &resp);
	if (!(*media_type = strdup(mt))) {
		gate_err_nomem(err);
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		json_decref(*root);
		*root = NULL;
	}
	gate_http_resp_free(&resp);
	return rc;
}

int gate_registry_pick_platform(json_t *index, const char *os, const char *arch, const char *variant,
				const char **digest, json_int_t *size, gate_err *err)
{
	json_t *manifests = json_object_get(index, "manifests"), *m;
	size_t i;

	json_array_foreach(manifests, i, m) {
		if (!platform_matches(json_object_get(m, "platform"), os, arch, variant))
			continue;
		*digest = json_string_value(json_object_get(m, "digest"));
		*size = json_is_integer(json_object_get(m, "size")) ?
			json_integer_value(json_object_get(m, "size")) : -1;
		if (!*digest)
			return gate_err_set(err, GATE_EINPUT, "index entry for %s/%s has no digest", os, arch);
		/* -1 would mean "no size" and skip the check of the manifest's. */
		if (json_is_integer(json_object_get(m, "size")) && *size < 0)
			return gate_err_set(err, GATE_EINPUT, "index entry for %s/%s has a negative size",
					    os, arch);
		return 0;
	}
	return gate_err_set(err, GATE_EINPUT, "no manifest for platform %s/%s%s%s in the index",
			    os, arch, *variant ? "/" : "", variant);
}

/* --- config --- */

int gate_registry_read_config(struct gate_image *img, json_t *config, const char *digest, gate_err *err)
{
	json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	size_t i;

	if (!json_is_array(ids))
		return gate_err_set(err, GATE_EINPUT, "config %s: no rootfs.diff_ids", digest);
	if (json_array_size(ids) != img->layer_count)
		return gate_err_set(err, GATE_EINPUT, "config %s: %zu diff_ids for %zu layers", digest,
				    json_array_size(ids), img->layer_count);
	for (i = 0; i < img->layer_count; i++)
		if (!gate_digest_parse(json_string_value(json_array_get(ids, i)), img->layers[i].diff_id))
			return gate_err_set(err, GATE_EINPUT, "config %s: diff_ids[%zu] is not a sha256 digest",
					    digest, i);
	if (gate_image_config_read(&img->config, config, err))
		return gate_err_prefix(err, "config %s", digest);
	return 0;
}

/* Reads the diff_ids, and the platform unless an index named it already.
 * want_os: the platform the config must be for, or NULL. */
static int fetch_config(struct session *s, json_t *manifest, char *platform,
			size_t platform_size, const char *want_os, const char *want_arch,
			const char *want_variant, gate_err *err)
{
	json_t *desc = json_object_get(manifest, "config"), *cfg = NULL;
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	json_int_t size = json_integer_value(json_object_get(desc, "size"));
	struct gate_http_resp resp;
	char got[GATE_REF_DIGEST_MAX + 1];
	const char *os, *arch, *variant;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (!gate_digest_parse(digest, NULL))
		return gate_err_set(err, GATE_EINPUT, "manifest: config descriptor has no sha256 digest");
	if (size <= 0 || (json_int_t)GATE_MAX_CONFIG_SIZE < size)
		return gate_err_set(err, GATE_EINPUT, "config %s: size %lld outside 1..%u bytes",
				    digest, (long long)size, GATE_MAX_CONFIG_SIZE);
	/* A config is content-addressed, so a cached copy whose digest
	 * still matches is the config: a warm run fetches manifests only. */
	if (!s->opts->cache || gate_cache_get_blob(s->opts->cache, digest, (size_t)size,
						   &resp.body, &resp.body_size) != 1) {
		if (get_small(s, "config", "blobs", digest, NULL, (size_t)size, &resp, err))
			goto out;
		if (sha256_str(resp.body ? resp.body : "", resp.body_size, got, err))
			goto out;
		if (resp.body_size != (size_t)size || strcmp(got, digest)) {
			gate_err_set(err, GATE_EVERIFY, "config %s: content has digest %s and %zu bytes (descriptor: %lld)",
				     digest, got, resp.body_size, (long long)size);
			goto out;
		}
		if (s->opts->cache) {
			gate_err cerr = GATE_ERR_INIT;

			/* The cache only saves work; failing to write it loses nothing. */
			gate_cache_put_blob(s->opts->cache, digest, resp.body, resp.body_size, &cerr);
		}
	}
	cfg = json_loadb(resp.body, resp.body_size, 0, NULL);
	if (gate_registry_read_config(s->img, cfg, digest, err))
		goto out;
	os = json_string_value(json_object_get(cfg, "os"));
	arch = json_string_value(json_object_get(cfg, "architecture"));
	variant = json_string_value(json_object_get(cfg, "variant"));
	if (!platform[0])
		snprintf(platform, platform_size, "%.40s/%.40s%s%.12s", os ? os : "unknown",
			 arch ? arch : "unknown", variant ? "/" : "", variant ? variant : "");
	if (want_os && (!os || strcmp(os, want_os) || !arch || strcmp(arch, want_arch) ||
			(*want_variant && (!variant || strcmp(variant, want_variant))))) {
		gate_err_set(err, GATE_EINPUT, "image is for %s, not %s/%s%s%s", platform, want_os, want_arch,
			     *want_variant ? "/" : "", want_variant);
		goto out;
	}
	rc = 0;
out:
	json_decref(cfg);
	gate_http_resp_free(&resp);
	return rc;
}

/* --- resolving one image --- */

static int is_index(const char *mt)
{
	return !strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST);
}

/* Replaces the index in *root and *mt by the manifest for the platform,
 * whose digest goes into digest. */
static int pick_from_index(struct session *s, const char *os, const char *arch, const char *variant,
			   json_t **root, char **mt, char digest[GATE_REF_DIGEST_MAX + 1], gate_err *err)
{
	struct gate_image *img = s->img;
	const char *want;
	json_int_t size = -1;
	char *want_copy;
	int rc;

	if (gate_registry_pick_platform(*root, os, arch, variant, &want, &size, err))
		return -1;
	if (!(want_copy = strdup(want)))
		return gate_err_nomem(err);
	json_decref(*root);
	free(*mt);
	*mt = NULL;
	rc = fetch_manifest(s, want_copy, want_copy, size, root, digest, mt, err);
	free(want_copy);
	if (rc)
		return -1;
	memcpy(img->manifest_digest, digest, GATE_REF_DIGEST_MAX + 1);
	snprintf(img->platform, sizeof(img->platform), "%s/%s%s%s", os, arch, *variant ? "/" : "", variant);
	if (is_index(*mt))
		return gate_err_set(err, GATE_EINPUT, "manifest %s: an index inside an index", digest);
	return 0;
}

/* Fills layer i from its descriptor l in manifest digest. */
static int read_layer(struct gate_image_layer *L, size_t i, json_t *l, const char *digest, gate_err *err)
{
	const char *ld = json_string_value(json_object_get(l, "digest"));
	const char *lmt = json_string_value(json_object_get(l, "mediaType"));
	json_int_t lsize = json_integer_value(json_object_get(l, "size"));

	if (!gate_digest_parse(ld, NULL))
		return gate_err_set(err, GATE_EINPUT, "manifest %s: layers[%zu] has no sha256 digest", digest, i);
	memcpy(L->digest, ld, strlen(ld) + 1);
	if (!lmt || !gate_registry_layer_type_ok(lmt))
		return gate_err_set(err, GATE_EINPUT, "manifest %s: layers[%zu] %s: media type '%.100s' %s",
				    digest, i, ld,
				    lmt ? lmt : "(none)",
				    lmt && (strstr(lmt, "foreign") || strstr(lmt, "nondistributable"))
				    ? "is a foreign layer, not served by this registry" : "is not a layer type gate can hash");
	snprintf(L->media_type, sizeof(L->media_type), "%s", lmt);
	if (lsize < 0)
		return gate_err_set(err, GATE_EINPUT, "manifest %s: layers[%zu] %s: negative size", digest, i,
				    ld);
	if ((uint64_t)lsize > GATE_MAX_LAYER_SIZE)
		return gate_err_set(err, GATE_EVERIFY, "manifest %s: layers[%zu] %s: declared size %lld is beyond the %llu GiB gate accepts",
				    digest, i, ld, (long long)lsize, GATE_MAX_LAYER_SIZE >> 30);
	L->size = (uint64_t)lsize;
	return 0;
}

int gate_registry_read_layers(struct gate_image *img, json_t *root, const char *digest, gate_err *err)
{
	json_t *layers = json_object_get(root, "layers"), *l;
	size_t i;

	if (!json_is_array(layers))
		return gate_err_set(err, GATE_EINPUT, "manifest %s: no layers", digest);
	img->layer_count = json_array_size(layers);
	img->layers = calloc(img->layer_count ? img->layer_count : 1, sizeof(*img->layers));
	if (!img->layers)
		return gate_err_nomem(err);
	json_array_foreach(layers, i, l)
		if (read_layer(&img->layers[i], i, l, digest, err))
			return -1;
	return 0;
}

static int resolve(struct session *s, gate_err *err)
{
	const struct gate_registry_opts *o = s->opts;
	struct gate_image *img = s->img;
	char os[40], arch[40], variant[40], digest[GATE_REF_DIGEST_MAX + 1];
	const char *id = s->ref.digest[0] ? s->ref.digest : s->ref.tag;
	const char *platform = o->platform ? o->platform : GATE_DEFAULT_PLATFORM;
	json_t *root = NULL;
	char *mt = NULL;
	int rc = -1;

	if (split_platform(platform, os, arch, variant, sizeof(os)))
		return gate_err_set(err, GATE_EINPUT, "platform '%s' is not OS/ARCH[/VARIANT]", platform);
	if (fetch_manifest(s, id, s->ref.digest[0] ? s->ref.digest : NULL, -1, &root, digest, &mt, err))
		goto out;
	memcpy(img->digest, digest, sizeof(digest));
	memcpy(img->manifest_digest, digest, sizeof(digest));
	if (is_index(mt) && pick_from_index(s, os, arch, variant, &root, &mt, digest, err))
		goto out;
	if (!strcmp(mt, MT_DOCKER_V1) || !strcmp(mt, MT_DOCKER_V1_JWS)) {
		gate_err_set(err, GATE_EINPUT, "manifest %s: Docker schema 1 manifests are not supported", digest);
		goto out;
	}
	if (strcmp(mt, MT_OCI_MANIFEST) && strcmp(mt, MT_DOCKER_V2)) {
		gate_err_set(err, GATE_EINPUT, "manifest %s: unsupported media type '%.100s'", digest, mt);
		goto out;
	}
	if (gate_registry_read_layers(img, root, digest, err))
		goto out;
	/* A single-platform image is taken as it is, unless a platform was
	 * asked for; an index entry's platform was matched already. */
	if (fetch_config(s, root, img->platform, sizeof(img->platform),
			 o->platform && !img->platform[0] ? os : NULL, arch, variant, err))
		goto out;
	rc = 0;
out:
	json_decref(root);
	free(mt);
	return rc;
}

/* --- layers --- */

/* The layer pipeline as the sink behind the blob's digest check. */
struct blob {
	const struct gate_registry_opts *opts;
	gate_layer *layer;
	struct gate_sink sink;
	gate_digest_sink *check;
};

static int blob_write(void *ctx, const void *buf, size_t len, gate_err *err)
{
	struct blob *b = ctx;

	if (b->opts->progress)
		b->opts->progress(b->opts->progress_ctx, len, 0);
	return gate_layer_write(b->layer, buf, len, err);
}

/* The layer ends in hash_layer, which wants its result. */
static int blob_finish(void *ctx, gate_err *err)
{
	return 0;
}

static int blob_restart(void *ctx, gate_err *err)
{
	struct blob *b = ctx;

	gate_layer_free(b->layer);
	b->layer = NULL;
	if (gate_layer_new(&b->layer, NULL, err))
		return -1;
	return gate_digest_sink_reset(b->check, &b->sink, err);
}

/* Fetches layer i's blob through the digest check into the pipeline. */
static int fetch_layer(struct session *s, size_t i, struct blob *b, gate_err *err)
{
	struct gate_image_layer *L = &s->img->layers[i];
	struct gate_http_req req = { 0 };
	struct gate_http_resp resp;
	unsigned char want[GATE_DIGEST_SIZE];
	char url[URL_SIZE];
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	gate_digest_parse(L->digest, want);     /* checked by resolve() */
	b->opts = s->opts;
	b->sink = (struct gate_sink){ "layer", blob_write, blob_finish, b };
	if (gate_layer_new(&b->layer, NULL, err) ||
	    gate_digest_sink_new(&b->check, want, L->size, &b->sink, err))
		return -1;
	if (snprintf(url, sizeof(url), "%s/blobs/%s", s->base, L->digest) >= (int)sizeof(url))
		return gate_err_set(err, GATE_EINPUT, "url too long");
	req.url = url;
	req.sink = gate_digest_sink_input(b->check);
	req.restart = blob_restart;
	req.restart_ctx = b;
	if (reg_get(s, &req, &resp, err))
		goto out;
	if (resp.status != 200) {
		status_error(resp.status, "blob", &resp, err);
		goto out;
	}
	rc = gate_sink_finish(gate_digest_sink_input(b->check), err);
out:
	gate_http_resp_free(&resp);
	return rc;
}

static int hash_layer(struct session *s, size_t i, gate_err *err)
{
	struct gate_image_layer *L = &s->img->layers[i];
	struct blob b = { 0 };
	struct gate_layer_result res;
	char hex[GATE_DIGEST_HEX_SIZE + 1];
	int rc = -1;

	if (s->opts->cache && gate_cache_get(s->opts->cache, L->diff_id, L->root_hash)) {
		L->from_cache = 1;
		return 0;
	}
	if (fetch_layer(s, i, &b, err) || gate_layer_finish(b.layer, &res, err))
		goto out;
	/* The root hash stops at the tar's end marker, but the diff_id is the
	 * digest of the whole uncompressed stream: without it, nothing ties
	 * the blob to the config, so the image is not verified. */
	if (!res.stream_complete) {
		gate_err_set(err, GATE_EVERIFY,
			     "diff_id cannot be checked: the compressed stream breaks after the end of the archive (%llu bytes ignored): %s",
			     (unsigned long long)res.trailing_bytes, res.stream_error);
		goto out;
	}
	if (memcmp(res.diff_id, L->diff_id, GATE_DIGEST_SIZE)) {
		gate_hex(hex, res.diff_id, sizeof(res.diff_id));
		gate_err_set(err, GATE_EVERIFY, "uncompressed layer has digest sha256:%s, not the config's diff_id", hex);
		goto out;
	}
	memcpy(L->root_hash, res.root_hash, GATE_DIGEST_SIZE);
	/* The cache only saves work; failing to write it loses nothing. */
	if (s->opts->cache) {
		gate_err cerr = GATE_ERR_INIT;

		gate_cache_put(s->opts->cache, L->diff_id, L->root_hash, &cerr);
	}
	rc = 0;
out:
	gate_digest_sink_free(b.check);
	gate_layer_free(b.layer);
	return rc;
}

/* --- the pool --- */

struct pool {
	size_t n;
	size_t next;
	void (*fn)(struct run *r, size_t i);
	struct run *run;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n)
		p->fn(p->run, i);
	return NULL;
}

static void pool_run(struct run *r, size_t n, void (*fn)(struct run *, size_t))
{
	struct pool p = { n, 0, fn, r };
	unsigned jobs = r->opts->jobs ? r->opts->jobs : 1, t, started = 0;
	pthread_t *th;

	if (jobs > n)
		jobs = (unsigned)n;
	th = jobs > 1 ? calloc(jobs - 1, sizeof(*th)) : NULL;
	/* Fewer threads than asked for (or none) is slower, not wrong. */
	for (t = 0; th && t + 1 < jobs; t++)
		if (!pthread_create(&th[started], NULL, pool_worker, &p))
			started++;
	pool_worker(&p);
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	free(th);
}

static void resolve_one(struct run *r, size_t i)
{
	struct session *s = &r->sessions[i];
	gate_err err = GATE_ERR_INIT;
	uint64_t start = gate_http_now_ms();

	if (s->img->err.code)
		return;
	if (r->opts->timeout_s)
		s->deadline = (struct gate_http_deadline){ start + r->opts->timeout_s * 1000ull, r->opts->timeout_s };
	if (resolve(s, &err))
		fail(s, &err);
	s->resolve_ms = gate_http_now_ms() - start;
}

/* The image's clock goes on when its first layer starts. */
static void start_layers(struct session *s)
{
	pthread_mutex_lock(&s->lock);
	if (!s->layers_started && s->deadline.at_ms)
		s->deadline.at_ms = gate_http_now_ms() + s->deadline.total_s * 1000ull - s->resolve_ms;
	s->layers_started = 1;
	pthread_mutex_unlock(&s->lock);
}

static void layer_one(struct run *r, size_t i)
{
	struct job *j = &r->jobs[i];
	struct gate_image_layer *L = &j->s->img->layers[j->layer];
	gate_err err = GATE_ERR_INIT;

	if (failed(j->s))
		return;
	start_layers(j->s);
	if (j->same && j->same->ok) {
		memcpy(L->root_hash, j->same->s->img->layers[j->same->layer].root_hash, GATE_DIGEST_SIZE);
		L->from_cache = j->same->s->img->layers[j->same->layer].from_cache;
		j->ok = 1;
	} else if (hash_layer(j->s, j->layer, &err)) {
		gate_err_prefix(&err, "layer %zu of %zu %s", j->layer + 1, j->s->img->layer_count, L->digest);
		fail(j->s, &err);
	} else {
		j->ok = 1;
	}
	if (j->ok && r->opts->layer_done)
		r->opts->layer_done(r->opts->progress_ctx, j->s->img, j->layer);
	if (r->opts->progress)
		r->opts->progress(r->opts->progress_ctx, 0, 1);
}

static void layer_again(struct run *r, size_t i)
{
	layer_one(r, r->n_first + i);
}

/* The same blob, meant to unpack to the same tar.  Only the blob digest
 * and the diff_id together: a config that gives two different blobs one
 * diff_id must still have each checked. */
static int same_layer(const struct gate_image_layer *a, const struct gate_image_layer *b)
{
	return !strcmp(a->digest, b->digest) && !memcmp(a->diff_id, b->diff_id, GATE_DIGEST_SIZE);
}

/* Orders the jobs so that each layer is hashed once, by its first job,
 * and its twins follow; shared base layers are common across images.
 * scratch holds 2 * n entries. */
static void plan_jobs(struct run *r, const struct job *all, size_t *scratch, size_t n)
{
	size_t *twin = scratch, *pos = scratch + n;   /* twin[i] == i: first of its diff_id */
	size_t i, k;

	for (i = 0; i < n; i++) {
		twin[i] = i;
		for (k = 0; k < i && twin[i] == i; k++)
			if (twin[k] == k && same_layer(&all[k].s->img->layers[all[k].layer],
						       &all[i].s->img->layers[all[i].layer]))
				twin[i] = k;
	}
	for (i = 0; i < n; i++)
		if (twin[i] == i) {
			pos[i] = r->n_first;
			r->jobs[r->n_first++] = all[i];
		}
	r->n_jobs = r->n_first;
	for (i = 0; i < n; i++)
		if (twin[i] != i) {
			r->jobs[r->n_jobs] = all[i];
			r->jobs[r->n_jobs++].same = &r->jobs[pos[twin[i]]];
		}
}

static int session_init(struct session *s, const struct gate_registry_opts *o, struct gate_image *img)
{
	const char *host;

	memset(s, 0, sizeof(*s));
	s->img = img;
	s->opts = o;
	pthread_mutex_init(&s->lock, NULL);
	gate_err_clear(&img->err);
	img->layers = NULL;
	img->layer_count = 0;
	img->digest[0] = img->manifest_digest[0] = img->platform[0] = '\0';
	snprintf(img->name, sizeof(img->name), "%s", img->ref);
	if (gate_ref_parse(&s->ref, img->ref, &img->err))
		return -1;
	gate_ref_format(&s->ref, img->name, sizeof(img->name));
	host = gate_ref_api_host(&s->ref);
	/* Plain HTTP is chosen by the HTTP module, and only for hosts named
	 * insecure that do not speak TLS. */
	if (snprintf(s->base, sizeof(s->base), "https://%s/v2/%s", host, s->ref.path) >= (int)sizeof(s->base) ||
	    snprintf(s->scope, sizeof(s->scope), "repository:%s:pull", s->ref.path) >= (int)sizeof(s->scope))
		return gate_err_set(&img->err, GATE_EINPUT, "image reference '%s' too long", img->ref);
	return 0;
}

static void session_destroy(struct session *s)
{
	if (s->authorization) {
		explicit_bzero(s->authorization, strlen(s->authorization));
		free(s->authorization);
	}
	gate_creds_free(&s->creds);
	pthread_mutex_destroy(&s->lock);
}

/* --- tags --- */

/* Tags asked for per page of tags/list; registries cap it (Docker Hub
 * and ACR at 100) and send a Link to the next page. */
#define TAGS_PAGE 32u

/* The path and query of the next page from a Link header,
 * `</v2/name/tags/list?n=64&last=x>; rel="next"`, or NULL. */
static const char *next_page(char *link)
{
	char *lt = link ? strchr(link, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;

	if (!gt || !strstr(gt, "rel=\"next\"") || strncmp(lt + 1, "/v2/", 4))
		return NULL;
	*gt = '\0';
	return lt + 1;
}

static int tags_page(struct session *s, const char *url, struct gate_strv *out, size_t max,
		     char **next, gate_err *err)
{
	struct gate_http_req req = { 0 };
	struct gate_http_resp resp = { 0 };
	json_t *root = NULL, *tags;
	const char *page;
	size_t i;
	int rc = -1;

	req.url = url;
	req.accept = "application/json";
	req.max_body_size = GATE_MAX_MANIFEST_SIZE;
	*next = NULL;
	if (reg_get(s, &req, &resp, err))
		goto out;
	if (resp.status != 200) {
		status_error(resp.status, "tags/list", &resp, err);
		goto out;
	}
	root = json_loadb(resp.body, resp.body_size, 0, NULL);
	tags = json_object_get(root, "tags");
	if (!json_is_array(tags) && !json_is_null(tags)) {
		gate_err_set(err, GATE_EVERIFY, "tags/list: not a list of tags");
		goto out;
	}
	for (i = 0; i < json_array_size(tags) && out->n < max; i++) {
		const char *t = json_string_value(json_array_get(tags, i));

		if (t && strlen(t) <= GATE_REF_TAG_MAX && gate_strv_push(out, t, strlen(t), err))
			goto out;
	}
	page = next_page(resp.link);
	if (page && !(*next = strdup(page))) {
		gate_err_nomem(err);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	gate_http_resp_free(&resp);
	return rc;
}

int gate_registry_tags(const struct gate_registry_opts *opts, const char *ref, size_t max,
		       struct gate_strv *out, gate_err *err)
{
	struct gate_image img = { .ref = ref };
	struct session s;
	char url[URL_SIZE], host[URL_SIZE];
	char *next = NULL;
	int rc = 0;

	if (session_init(&s, opts, &img)) {
		*err = img.err;
		session_destroy(&s);
		return -1;
	}
	if (opts->timeout_s)
		s.deadline = (struct gate_http_deadline){
			gate_http_now_ms() + opts->timeout_s * 1000ull, opts->timeout_s };
	snprintf(host, sizeof(host), "https://%s", gate_ref_api_host(&s.ref));
	if (snprintf(url, sizeof(url), "%s/tags/list?n=%u", s.base, TAGS_PAGE) >= (int)sizeof(url))
		rc = gate_err_set(err, GATE_EINPUT, "image reference '%s' too long", ref);
	/* Pages go on while the registry names a next one on the same host
	 * (distribution sends a relative Link) and each page adds a tag. */
	while (!rc && out->n < max) {
		size_t before = out->n;

		rc = tags_page(&s, url, out, max, &next, err);
		if (rc || !next || out->n == before)
			break;
		if (snprintf(url, sizeof(url), "%s%s", host, next) >= (int)sizeof(url))
			break;
		free(next);
		next = NULL;
	}
	free(next);
	if (rc)
		gate_err_prefix(err, "tags of %s", s.ref.path);
	session_destroy(&s);
	return rc;
}

int gate_registry_hash(const struct gate_registry_opts *opts, struct gate_image *imgs, size_t n)
{
	struct run r = { opts, NULL, n, NULL, 0, 0 };
	struct job *all = NULL;
	size_t *scratch = NULL, i, k, m = 0, total = 0;
	int rc = 0;

	r.sessions = calloc(n ? n : 1, sizeof(*r.sessions));
	if (!r.sessions) {
		for (i = 0; i < n; i++)
			gate_err_nomem(&imgs[i].err);
		return -1;
	}
	for (i = 0; i < n; i++)
		session_init(&r.sessions[i], opts, &imgs[i]);
	pool_run(&r, n, resolve_one);
	for (i = 0; i < n; i++)
		if (!imgs[i].err.code)
			total += imgs[i].layer_count;
	r.jobs = calloc(total ? total : 1, sizeof(*r.jobs));
	all = calloc(total ? total : 1, sizeof(*all));
	scratch = calloc(total ? 2 * total : 1, sizeof(*scratch));
	if (!r.jobs || !all || !scratch) {
		for (i = 0; i < n; i++)
			gate_err_nomem(&imgs[i].err);
	} else {
		for (i = 0; i < n; i++)
			for (k = 0; !imgs[i].err.code && k < imgs[i].layer_count; k++) {
				all[m].s = &r.sessions[i];
				all[m++].layer = k;
			}
		plan_jobs(&r, all, scratch, m);
		pool_run(&r, r.n_first, layer_one);
		pool_run(&r, r.n_jobs - r.n_first, layer_again);
	}
	free(all);
	free(scratch);
	for (i = 0; i < n; i++) {
		if (imgs[i].err.code) {
			/* An unparsable reference names no registry. */
			if (r.sessions[i].ref.domain[0])
				gate_err_prefix(&imgs[i].err, "%s (registry %s)", imgs[i].name,
						gate_ref_api_host(&r.sessions[i].ref));
			gate_image_release(&imgs[i]);
			rc = -1;
		}
		session_destroy(&r.sessions[i]);
	}
	free(r.jobs);
	free(r.sessions);
	return rc;
}
