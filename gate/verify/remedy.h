/*
 * remedy.h - what to do about a layers.drift finding: the digest whose
 * layers are the policy's, so the template can be pinned to the image the
 * policy was made for.
 *
 * gate looks in the scan history of the reference first (registry/cache.h:
 * what it resolved to on earlier runs), then, with --search-tags, among the
 * other tags of its repository, and asks the registry whether that digest
 * is still served.  The history is written by every run with a cache.
 */
#ifndef GATE_REMEDY_H
#define GATE_REMEDY_H

#include <jansson.h>

#include "verify/verify.h"

/* Records in the cache's history what each image of imgs[0..n) that
 * succeeded resolved to, now.  The history is an aid for the reader of a
 * drift finding: a cache that cannot be written (a full disk) is no
 * reason to fail a verdict, so nothing is returned. */
void gate_remedy_record(const struct gate_registry_opts *o, const struct gate_image *imgs, size_t n);

/* What one run found already, so that an image that drifted in many
 * templates is looked up once per policy: zero it before the first
 * gate_remedy_explain(), free it after the last. */
struct gate_remedy_memo {
	struct gate_remedy_seen *v;
	size_t n;
};

void gate_remedy_memo_free(struct gate_remedy_memo *m);

/* Looks for policy_layers at img's reference elsewhere.  When found, adds
 * policy_digest, seen_at (history only), tag and still_served to details
 * and sets *note to a clause for the finding's message ("; the policy
 * matches ..."); otherwise *note is "".  *note is malloc'd.  0 or -1. */
int gate_remedy_explain(char **note, json_t *details, struct gate_remedy_memo *memo,
			const struct gate_verify_opts *o, const struct gate_image *img,
			const struct gate_strv *policy_layers, gate_err *err);

#endif
