#include "verify/remedy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/limits.h"

/* Where the policy's layers were found. */
struct found {
	char digest[GATE_REF_DIGEST_MAX + 1];
	char tag[GATE_REF_TAG_MAX + 1];
	char seen_at[32];               /* "2026-11-20T10:00:00Z"; "" when found among the tags */
	int still_served;
	char served_error[GATE_ERR_MSG_SIZE];
};

/* One lookup of a run: the image's name and the policy's layers it was
 * for, and what it found (hit 0: nothing). */
struct gate_remedy_seen {
	char *name;
	struct gate_strv layers;
	int hit;
	struct found f;
};

static int image_entry(struct gate_history_entry *e, const struct gate_image *img, gate_err *err)
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];
	size_t i;

	memset(e, 0, sizeof(*e));
	snprintf(e->digest, sizeof(e->digest), "%s", img->digest);
	e->seen = (int64_t)time(NULL);
	for (i = 0; i < img->layer_count; i++) {
		gate_hex(hex, img->layers[i].root_hash, GATE_DIGEST_SIZE);
		if (gate_strv_push(&e->layers, hex, GATE_DIGEST_HEX_SIZE, err)) {
			gate_strv_free(&e->layers);
			return -1;
		}
	}
	return 0;
}

void gate_remedy_record(const struct gate_registry_opts *o, const struct gate_image *imgs, size_t n)
{
	struct gate_history_entry e;
	gate_err err = GATE_ERR_INIT;
	size_t i;

	for (i = 0; o->cache && i < n; i++) {
		if (imgs[i].err.code || !imgs[i].layer_count ||
		    imgs[i].layer_count > GATE_MAX_HISTORY_LAYERS || image_entry(&e, &imgs[i], &err))
			continue;
		gate_cache_history_append(o->cache, imgs[i].name, &e, &err);
		gate_strv_free(&e.layers);
		gate_err_clear(&err);
	}
}

static bool same_layers(const struct gate_strv *a, const struct gate_image *img)
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];
	size_t i;

	if (a->n != img->layer_count)
		return false;
	for (i = 0; i < a->n; i++) {
		gate_hex(hex, img->layers[i].root_hash, GATE_DIGEST_SIZE);
		if (strcmp(a->v[i], hex))
			return false;
	}
	return true;
}

static bool same_strv(const struct gate_strv *a, const struct gate_strv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

/* The newest run that saw the policy's layers at this reference. */
static int from_history(struct found *f, const struct gate_registry_opts *o, const struct gate_image *img,
			const struct gate_strv *want, gate_err *err)
{
	struct gate_history_entry *v;
	size_t n, i;
	int hit = 0;

	if (gate_cache_history_read(o->cache, img->name, &v, &n, err))
		return -1;
	for (i = n; i-- > 0 && !hit;) {
		time_t t = (time_t)v[i].seen;
		struct tm tm;

		if (!same_strv(&v[i].layers, want))
			continue;
		hit = 1;
		snprintf(f->digest, sizeof(f->digest), "%s", v[i].digest);
		if (gmtime_r(&t, &tm))
			strftime(f->seen_at, sizeof(f->seen_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	gate_history_free(v, n);
	return hit;
}

/* Resolves and hashes "repo@digest" (through the cache): served, and
 * still with the policy's layers. */
static void check_served(struct found *f, const struct gate_registry_opts *o, const struct gate_ref *r,
			 const struct gate_strv *want)
{
	char ref[GATE_REF_NAME_MAX * 2 + GATE_REF_DIGEST_MAX + 3];
	struct gate_image img;

	memset(&img, 0, sizeof(img));
	snprintf(ref, sizeof(ref), "%s/%s@%s", r->domain, r->path, f->digest);
	img.ref = ref;
	gate_registry_hash(o, &img, 1);
	f->still_served = !img.err.code && same_layers(want, &img);
	if (img.err.code)
		snprintf(f->served_error, sizeof(f->served_error), "%s", img.err.msg);
	else if (!f->still_served)
		snprintf(f->served_error, sizeof(f->served_error), "served with other layers now");
	gate_image_release(&img);
}

/* The first other tag of the repository whose image has the policy's
 * layers, hashed through the cache; every tag resolved is recorded. */
static int from_tags(struct found *f, const struct gate_registry_opts *o, const struct gate_ref *r,
		     const char *name, const struct gate_strv *want, gate_err *err)
{
	struct gate_strv tags = { NULL, 0 }, refs = { NULL, 0 };
	struct gate_image *imgs = NULL;
	gate_err lerr = GATE_ERR_INIT;
	char ref[GATE_REF_NAME_MAX * 2 + GATE_REF_TAG_MAX + 3];
	size_t i;
	int hit = -1;

	/* A registry that cannot list tags leaves the finding as it was. */
	if (gate_registry_tags(o, name, GATE_MAX_SEARCH_TAGS, &tags, &lerr)) {
		gate_strv_free(&tags);
		return 0;
	}
	for (i = 0; i < tags.n; i++) {
		if (!strcmp(tags.v[i], r->tag))
			continue;
		snprintf(ref, sizeof(ref), "%s/%s:%s", r->domain, r->path, tags.v[i]);
		if (gate_strv_push(&refs, ref, strlen(ref), err))
			goto out;
	}
	if (!(imgs = calloc(refs.n ? refs.n : 1, sizeof(*imgs)))) {
		gate_err_nomem(err);
		goto out;
	}
	for (i = 0; i < refs.n; i++)
		imgs[i].ref = refs.v[i];
	gate_registry_hash(o, imgs, refs.n);
	gate_remedy_record(o, imgs, refs.n);
	hit = 0;
	for (i = 0; i < refs.n && !hit; i++)
		if (!imgs[i].err.code && same_layers(want, &imgs[i])) {
			hit = 1;
			snprintf(f->digest, sizeof(f->digest), "%s", imgs[i].digest);
			snprintf(f->tag, sizeof(f->tag), "%s", strrchr(refs.v[i], ':') + 1);
			f->still_served = 1;
		}
out:
	for (i = 0; imgs && i < refs.n; i++)
		gate_image_release(&imgs[i]);
	free(imgs);
	gate_strv_free(&refs);
	gate_strv_free(&tags);
	return hit;
}

static int explain_found(char **note, json_t *details, const struct found *f, gate_err *err)
{
	const char *served = f->still_served ? "still served: pin the template to it" : "no longer served";
	int n;

	json_object_set_new(details, "policy_digest", json_string(f->digest));
	if (f->seen_at[0])
		json_object_set_new(details, "seen_at", json_string(f->seen_at));
	json_object_set_new(details, "tag", json_string(f->tag));
	json_object_set_new(details, "still_served", json_boolean(f->still_served));
	if (f->served_error[0])
		json_object_set_new(details, "served_error", json_string(f->served_error));
	if (f->seen_at[0])
		n = asprintf(note, "; the policy matches %s, seen at this tag on %.10s (%s)",
			     f->digest, f->seen_at, served);
	else
		n = asprintf(note, "; the policy matches tag '%s' (%s), %s", f->tag, f->digest, served);
	return n < 0 ? gate_err_nomem(err) : 0;
}

static int look_up(struct found *f, const struct gate_verify_opts *o, const struct gate_image *img,
		   const struct gate_strv *want, gate_err *err)
{
	const struct gate_registry_opts *reg = o->registry;
	gate_err perr = GATE_ERR_INIT;
	struct gate_ref r;
	int hit = 0;

	if (!reg || gate_ref_parse(&r, img->name, &perr))
		return 0;
	if (reg->cache && (hit = from_history(f, reg, img, want, err)) < 0)
		return -1;
	if (hit) {
		snprintf(f->tag, sizeof(f->tag), "%s", r.tag);
		check_served(f, reg, &r, want);
	} else if (o->search_tags) {
		hit = from_tags(f, reg, &r, img->name, want, err);
	}
	return hit;
}

static struct gate_remedy_seen *memo_find(struct gate_remedy_memo *m, const char *name,
					  const struct gate_strv *want)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name) && same_strv(&m->v[i].layers, want))
			return &m->v[i];
	return NULL;
}

static struct gate_remedy_seen *memo_add(struct gate_remedy_memo *m, const char *name,
					 const struct gate_strv *want, gate_err *err)
{
	struct gate_remedy_seen *s = gate_array_push(&m->v, &m->n, sizeof(*s), err);
	size_t i;

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	if (!(s->name = gate_strdup(name, err)))
		return NULL;
	for (i = 0; i < want->n; i++)
		if (gate_strv_push(&s->layers, want->v[i], strlen(want->v[i]), err))
			return NULL;
	return s;
}

void gate_remedy_memo_free(struct gate_remedy_memo *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		gate_strv_free(&m->v[i].layers);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

int gate_remedy_explain(char **note, json_t *details, struct gate_remedy_memo *memo,
			const struct gate_verify_opts *o, const struct gate_image *img,
			const struct gate_strv *policy_layers, gate_err *err)
{
	struct gate_remedy_seen *seen = memo_find(memo, img->name, policy_layers);

	*note = NULL;
	if (!seen) {
		if (!(seen = memo_add(memo, img->name, policy_layers, err)) ||
		    (seen->hit = look_up(&seen->f, o, img, policy_layers, err)) < 0)
			return -1;
	}
	if (seen->hit)
		return explain_found(note, details, &seen->f, err);
	return (*note = strdup("")) ? 0 : gate_err_nomem(err);
}
