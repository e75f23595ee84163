/*
 * verify.c - from models and registry images to verdicts and findings.
 *
 * The order of work: collect every distinct image reference of every
 * container that needs checking, resolve and hash them all in one
 * registry run (so a layer shared by many templates is fetched once),
 * then judge each container against its group's policy.
 */
#include "verify/verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/escape.h"
#include "base/hex.h"
#include "input/policy.h"
#include "verify/admit.h"
#include "verify/guest.h"
#include "verify/policy_rules.h"
#include "verify/remedy.h"
#include "verify/shard.h"
#include "verify/ruleset.h"

/* The feed of ACI's own infrastructure fragment: it covers the sidecars
 * ACI adds (confcom internal_config.json), nothing of the user's. */
#define INFRA_FRAGMENT_FEED "mcr.microsoft.com/aci/aci-cc-infra-fragment"
/* The issuer confcom writes for it (POLICY-FORMAT.md 1.2): a fragment of
 * that feed signed by anyone else admits what its signer chose. */
#define INFRA_FRAGMENT_ISSUER \
	"did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s::eku:1.3.6.1.4.1.311.76.59.1.3"

/* More than this many policy containers with an image's layers, or env
 * variables and rules for one container, is no policy confcom writes; the
 * admission rules compare them pairwise, so they are bounded. */
#define MAX_CANDIDATES 64
#define MAX_ENV 256

/* Where a finding or a container belongs. */
struct scope {
	const char *file;
	const char *path;           /* file as named, any bytes */
	const struct gate_group *group;
	const struct gate_container *container;
};

struct run {
	struct gate_verify_report *r;
	const struct gate_verify_opts *opts;
	struct gate_image *images;          /* one per distinct reference */
	size_t images_count;
	/* The current group's policy containers some template container
	 * matched by layers, or meant (drift): not orphans of the policy. */
	const struct gate_policy_container **used;
	size_t used_count;
	struct gate_remedy_memo remedies;   /* drift lookups done (verify/remedy.h) */
};

static int mark_used(struct run *run, const struct gate_policy_container *pc, gate_err *err)
{
	const struct gate_policy_container **slot =
		gate_array_push(&run->used, &run->used_count, sizeof(*slot), err);

	if (!slot)
		return -1;
	*slot = pc;
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *dup_or_null(const char *s, gate_err *err)
{
	return s ? gate_strdup(s, err) : NULL;
}

static char *vformat(gate_err *err, const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0) {
		gate_err_nomem(err);
		return NULL;
	}
	return s;
}

/* Adds a finding with the severity the rule set gives it here (the
 * built-in one without a rule set); details (may be NULL) is taken over.
 * Returns that severity, or -1 on error. */
static int add_finding(struct run *run, const struct scope *at, enum gate_rule rule,
		       json_t *details, gate_err *err, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int add_finding(struct run *run, const struct scope *at, enum gate_rule rule,
		       json_t *details, gate_err *err, const char *fmt, ...)
{
	const struct gate_container *c = at->container;
	struct gate_finding_at where = {
		at->file, at->group ? gate_group_label(at->group) : NULL,
		c ? c->name : NULL, c ? c->image : NULL, 0, 0, at->path,
	};
	enum gate_severity sev = gate_ruleset_severity(run->opts->ruleset, rule, where.group,
						       where.container, where.image);
	va_list ap;
	char *msg;
	int rc;

	if (at->group)
		gate_verify_place(&where.line, &where.column, at->group, c);
	va_start(ap, fmt);
	msg = vformat(err, fmt, ap);
	va_end(ap);
	if (!msg) {
		json_decref(details);
		return -1;
	}
	rc = gate_verify_add_finding(run->r, &where, rule, sev, details, err, "%s", msg);
	free(msg);
	return rc ? -1 : (int)sev;
}

/* ---- images ---- */

static bool includes_containers(const struct gate_fragment *f)
{
	for (size_t j = 0; j < f->includes.n; j++)
		if (!strcmp(f->includes.v[j], "containers"))
			return true;
	return false;
}

static bool is_infra_fragment(const struct gate_fragment *f)
{
	return f->feed && !strcmp(f->feed, INFRA_FRAGMENT_FEED) && f->issuer &&
	       !strcmp(f->issuer, INFRA_FRAGMENT_ISSUER) && includes_containers(f);
}

/* The template asks nothing of an ACI sidecar beyond its image: then it
 * runs as the infra fragment lists it. */
static bool sidecar_as_shipped(const struct gate_container *c)
{
	const struct gate_security_context *sc = &c->security_context;

	return !c->has_command && !c->has_args && !c->env_count && !c->mounts_count &&
	       !c->working_dir && sc->privileged != 1 && sc->allow_privilege_escalation == -1 &&
	       !sc->has_run_as_user && !sc->has_run_as_group && !sc->cap_add.n &&
	       !sc->cap_drop.n && !sc->seccomp_profile;
}

static bool has_infra_fragment(const struct gate_policy *p)
{
	for (size_t i = 0; p && i < p->fragments_count; i++)
		if (is_infra_fragment(&p->fragments[i]))
			return true;
	return false;
}

static bool is_sidecar_covered(const struct gate_group *g, const struct gate_container *c)
{
	return c->is_sidecar && sidecar_as_shipped(c) && has_infra_fragment(g->policy);
}

/* Whether a container's image must be fetched: only where a policy will
 * judge it. */
static bool needs_image(const struct gate_group *g, const struct gate_container *c)
{
	return g->policy && c->image && !gate_value_is_unresolved(c->image) && !c->is_sidecar;
}

static struct gate_image *find_image(struct run *run, const char *ref)
{
	size_t i;

	for (i = 0; i < run->images_count; i++)
		if (!strcmp(run->images[i].ref, ref))
			return &run->images[i];
	return NULL;
}

static int collect_images(struct run *run, const struct gate_model *models, size_t n, gate_err *err)
{
	size_t m, g, c;

	for (m = 0; m < n; m++)
		for (g = 0; g < models[m].groups_count; g++) {
			const struct gate_group *grp = &models[m].groups[g];

			if (!gate_shard_has_group(run->opts, models[m].file, grp))
				continue;
			for (c = 0; c < grp->containers_count; c++) {
				const struct gate_container *ctr = &grp->containers[c];
				struct gate_image *img;

				if (!needs_image(grp, ctr) || find_image(run, ctr->image))
					continue;
				img = gate_array_push(&run->images, &run->images_count, sizeof(*img), err);
				if (!img)
					return -1;
				img->ref = ctr->image;
			}
		}
	return 0;
}

/* ---- layers ---- */

static int add_layer_pairs(struct gate_verify_container *vc, const struct gate_strv *policy,
			   const struct gate_image *img, gate_err *err)
{
	size_t i, n = img->layer_count;
	char hex[GATE_DIGEST_HEX_SIZE + 1];

	if (policy && policy->n > n)
		n = policy->n;
	for (i = 0; i < n; i++) {
		struct gate_layer_pair *p = gate_array_push(&vc->layers, &vc->layers_count,
							    sizeof(*p), err);

		if (!p)
			return -1;
		if (policy && i < policy->n && !(p->policy = gate_strdup(policy->v[i], err)))
			return -1;
		if (i < img->layer_count) {
			gate_hex(hex, img->layers[i].root_hash, GATE_DIGEST_SIZE);
			if (!(p->registry = gate_strdup(hex, err)))
				return -1;
		}
	}
	return 0;
}

static const char *candidate_label(const struct gate_policy_container *pc)
{
	return pc->name ? pc->name : pc->id ? pc->id : "unnamed";
}

/* The policy entry the template meant for this container: the same name,
 * else the same id (the image string as confcom wrote it). */
static const struct gate_policy_container *intended_entry(const struct gate_policy *p,
							   const struct gate_container *c)
{
	size_t i;

	for (i = 0; i < p->containers_count; i++)
		if (c->name && p->containers[i].name && !strcmp(p->containers[i].name, c->name))
			return &p->containers[i];
	for (i = 0; i < p->containers_count; i++)
		if (c->image && p->containers[i].id && !strcmp(p->containers[i].id, c->image))
			return &p->containers[i];
	return NULL;
}

/* A non-default fragment that imports containers could hold this one;
 * gate trusts fragments as named and does not fetch them. */
static const char *covering_fragment(const struct gate_policy *p)
{
	size_t i;

	for (i = 0; i < p->fragments_count; i++) {
		const struct gate_fragment *f = &p->fragments[i];

		if (is_infra_fragment(f))
			continue;
		if (includes_containers(f))
			return f->feed ? f->feed : "(unnamed fragment)";
	}
	return NULL;
}

static json_t *drift_details(const struct gate_policy_container *want, const struct gate_image *img,
			     const char *const *hashes)
{
	json_t *d = json_object(), *pos = json_array();
	size_t i, n = img->layer_count > want->layers.n ? img->layer_count : want->layers.n;

	for (i = 0; i < n; i++) {
		const char *p = i < want->layers.n ? want->layers.v[i] : NULL;
		const char *h = i < img->layer_count ? hashes[i] : NULL;

		if (p && h && !strcmp(p, h))
			continue;
		json_array_append_new(pos, json_pack("{s:I, s:s?, s:s?}", "position", (json_int_t)i,
						     "policy", p, "registry", h));
	}
	json_object_set_new(d, "positions", pos);
	json_object_set_new(d, "policy_layers", json_integer((json_int_t)want->layers.n));
	json_object_set_new(d, "image_layers", json_integer((json_int_t)img->layer_count));
	json_object_set_new(d, "digest", json_string(img->digest));
	if (want->name)
		json_object_set_new(d, "policy_container", json_string(want->name));
	return d;
}

/* No policy container has the image's layers in order: say which entry
 * the template meant and how it differs, or that none is there. */
static int no_candidate(struct run *run, const struct scope *at, struct gate_verify_container *vc,
			const struct gate_image *img, const char *const *hashes, gate_err *err)
{
	const struct gate_policy *p = at->group->policy;
	const struct gate_policy_container *want = intended_entry(p, at->container);
	enum gate_layers_match m;
	const char *frag;
	int sev;

	if (!want) {
		if ((frag = covering_fragment(p))) {
			vc->verdict = GATE_VERDICT_UNVERIFIED;
			if (asprintf(&vc->reason, "not in the policy; fragment '%s' may cover it, "
				     "and gate does not fetch fragments", frag) < 0)
				return gate_err_nomem(err);
			return add_layer_pairs(vc, NULL, img, err);
		}
		sev = add_finding(run, at, GATE_RULE_COVERAGE_NOT_IN_POLICY, NULL, err,
				  "no policy container has its layers, name or image");
		return sev < 0 ? -1 : add_layer_pairs(vc, NULL, img, err);
	}
	/* The entry was meant for this container: it is not an orphan of
	 * the policy (coverage.not_in_template), it drifted. */
	if (mark_used(run, want, err) ||
	    !(vc->policy_match = gate_strdup(candidate_label(want), err)) ||
	    add_layer_pairs(vc, &want->layers, img, err) ||
	    gate_admit_layers_match(&m, &want->layers, hashes, img->layer_count, NULL, NULL, err))
		return -1;
	if (m == GATE_LAYERS_REORDERED) {
		sev = add_finding(run, at, GATE_RULE_LAYERS_ORDER,
				  drift_details(want, img, hashes), err,
				  "the policy lists the image's %zu layers in another order",
				  img->layer_count);
	} else {
		json_t *d = drift_details(want, img, hashes);
		size_t changed = json_array_size(json_object_get(d, "positions"));
		char *fix;

		/* Where the policy's layers can still be found (verify/remedy.h). */
		if (gate_remedy_explain(&fix, d, &run->remedies, run->opts, img, &want->layers, err)) {
			json_decref(d);
			return -1;
		}
		if (want->layers.n != img->layer_count)
			sev = add_finding(run, at, GATE_RULE_LAYERS_DRIFT, d, err,
					  "the policy lists %zu layers, the image %s has %zu now%s",
					  want->layers.n, img->digest, img->layer_count, fix);
		else
			sev = add_finding(run, at, GATE_RULE_LAYERS_DRIFT, d, err,
					  "%zu of %zu layers differ from the policy's; the tag now resolves to %s%s",
					  changed, img->layer_count, img->digest, fix);
		free(fix);
	}
	return sev < 0 ? -1 : 0;
}

/* ---- one container ---- */

static int unverified(struct gate_verify_container *vc, gate_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int unverified(struct gate_verify_container *vc, gate_err *err, const char *fmt, ...)
{
	va_list ap;

	vc->verdict = GATE_VERDICT_UNVERIFIED;
	va_start(ap, fmt);
	vc->reason = vformat(err, fmt, ap);
	va_end(ap);
	return vc->reason ? 0 : -1;
}

/* ---- create_container ---- */

static const enum gate_rule config_rules[GATE_ADMIT_RULE_COUNT] = {
	[GATE_ADMIT_COMMAND] = GATE_RULE_CONFIG_COMMAND,
	[GATE_ADMIT_WORKING_DIR] = GATE_RULE_CONFIG_WORKING_DIR,
	[GATE_ADMIT_USER] = GATE_RULE_CONFIG_USER,
	[GATE_ADMIT_PRIVILEGED] = GATE_RULE_CONFIG_PRIVILEGED,
	[GATE_ADMIT_NO_NEW_PRIVILEGES] = GATE_RULE_CONFIG_NO_NEW_PRIVILEGES,
	[GATE_ADMIT_SECCOMP] = GATE_RULE_CONFIG_SECCOMP,
	[GATE_ADMIT_MOUNTS] = GATE_RULE_CONFIG_MOUNTS,
	[GATE_ADMIT_ENV] = GATE_RULE_CONFIG_ENV,
	[GATE_ADMIT_CAPS] = GATE_RULE_CONFIG_CAPS,
};

/* One config.* finding: what each candidate expected against what the
 * guest would get (the same for all of them). */
static int config_finding(struct run *run, const struct scope *at, enum gate_admit_rule rule,
			  const struct gate_admit_result *res,
			  const struct gate_policy_container *const *cand, gate_err *err)
{
	json_t *d = json_object(), *exp = json_array();
	const char *actual = NULL, *note = NULL;
	size_t i;

	for (i = 0; i < res->candidates_count; i++) {
		const struct gate_admit_check *ck = &res->candidates[i].rules[rule];

		if (ck->verdict != GATE_ADMIT_FAIL)
			continue;
		json_array_append_new(exp, json_pack("{s:s, s:s?}", "policy_container",
						     candidate_label(cand[res->candidates[i].index]),
						     "expected", ck->expected));
		actual = actual ? actual : ck->actual;
		note = note ? note : ck->note;
	}
	json_object_set_new(d, "expected", json_array_size(exp) == 1
			    ? json_incref(json_object_get(json_array_get(exp, 0), "expected")) : exp);
	if (json_array_size(exp) == 1)
		json_decref(exp);
	if (actual)
		json_object_set_new(d, "actual", json_string(actual));
	if (note)
		json_object_set_new(d, "note", json_string(note));
	return add_finding(run, at, config_rules[rule], d, err, "%s%s%s",
			   gate_rules[config_rules[rule]].summary, note ? ": " : "", note ? note : "");
}

/* Why a verdict could not be reached: the first note of an unknown rule. */
static const char *unknown_reason(const struct gate_admit_result *res)
{
	size_t i, r;

	for (i = 0; i < res->candidates_count; i++)
		for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++)
			if (res->candidates[i].rules[r].verdict == GATE_ADMIT_UNKNOWN &&
			    res->candidates[i].rules[r].note)
				return res->candidates[i].rules[r].note;
	return "a field the policy checks is known only at run time";
}

static int report_denial(struct run *run, const struct scope *at, const struct gate_admit_result *res,
			 const struct gate_policy_container *const *cand, gate_err *err)
{
	size_t r, best = 0, fails, best_fails = SIZE_MAX, i;
	bool any = false;

	for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++)
		if (res->all_fail[r]) {
			any = true;
			if (config_finding(run, at, r, res, cand, err) < 0)
				return -1;
		}
	if (res->policy_denies) {
		any = true;
		if (add_finding(run, at, GATE_RULE_POLICY_VERSION, NULL, err, "%s", res->policy_denies) < 0)
			return -1;
	}
	if (res->stdio_conflict) {
		any = true;
		if (add_finding(run, at, GATE_RULE_CONFIG_STDIO, NULL, err,
				"the candidates that pass every rule disagree on allow_stdio_access") < 0)
			return -1;
	}
	if (any || !res->candidates_count)
		return 0;
	/* The candidates fail on different fields: show the one closest to
	 * admission, rule by rule. */
	for (i = 0; i < res->candidates_count; i++) {
		for (fails = 0, r = 0; r < GATE_ADMIT_RULE_COUNT; r++)
			fails += res->candidates[i].rules[r].verdict == GATE_ADMIT_FAIL;
		if (fails < best_fails)
			best = i, best_fails = fails;
	}
	for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++) {
		struct gate_admit_result one = *res;

		if (res->candidates[best].rules[r].verdict != GATE_ADMIT_FAIL)
			continue;
		one.candidates = &res->candidates[best];
		one.candidates_count = 1;
		if (config_finding(run, at, r, &one, cand, err) < 0)
			return -1;
	}
	return 0;
}

static int admit_candidates(struct run *run, const struct scope *at, struct gate_verify_container *vc,
			    const struct gate_image *img, const struct gate_policy_container **cand,
			    size_t n, gate_err *err)
{
	struct gate_admit_result res = GATE_ADMIT_RESULT_INIT;
	struct gate_guest guest;
	gate_err aerr = GATE_ERR_INIT;
	int rc = -1;

	memset(&guest, 0, sizeof(guest));
	if (gate_guest_build(&guest, at->container, &img->config, at->group->policy, err))
		goto out;
	if (guest.unknown) {
		rc = unverified(vc, err, "%s", guest.unknown);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (cand[i]->env_rules_count > MAX_ENV || guest.env_count > MAX_ENV) {
			rc = unverified(vc, err, "more than %d environment variables or rules: gate "
					"compares at most that many", MAX_ENV);
			goto out;
		}
	/* A policy the guest's Rego would reject (a malformed field, a bad
	 * re2 pattern) leaves this container without a verdict. */
	if (gate_admit_run(&res, &guest.in, cand, n, &aerr)) {
		if (aerr.code != GATE_EINPUT) {
			*err = aerr;
			goto out;
		}
		rc = unverified(vc, err, "%s", aerr.msg);
		goto out;
	}
	/* The report names the policy container that admits it, else the first. */
	{
		size_t pick = 0;

		for (size_t i = 0; i < res.candidates_count; i++)
			if (res.candidates[i].verdict == GATE_ADMIT_PASS) {
				pick = res.candidates[i].index;
				break;
			}
		if (!(vc->policy_match = gate_strdup(candidate_label(cand[pick]), err)))
			goto out;
	}
	switch (res.verdict) {
	case GATE_ADMIT_PASS:
		vc->verdict = GATE_VERDICT_PASS;
		rc = 0;
		if (res.env_dropped.n) {
			json_t *vars = json_array();

			for (size_t i = 0; i < res.env_dropped.n; i++)
				json_array_append_new(vars, json_string(res.env_dropped.v[i]));
			rc = add_finding(run, at, GATE_RULE_CONFIG_ENV_DROPPED,
					 json_pack("{s:o}", "dropped", vars), err,
					 "%zu variable%s no rule allows will be dropped: %s%s",
					 res.env_dropped.n, res.env_dropped.n == 1 ? "" : "s",
					 res.env_dropped.v[0], res.env_dropped.n > 1 ? ", ..." : "") < 0 ? -1 : 0;
		}
		break;
	case GATE_ADMIT_FAIL: {
		size_t before = run->r->findings_count;

		vc->verdict = GATE_VERDICT_DENY;
		rc = report_denial(run, at, &res, cand, err);
		/* A denial always says why, even one no rule above names. */
		if (!rc && run->r->findings_count == before)
			rc = add_finding(run, at, GATE_RULE_CONFIG_COMMAND, NULL, err,
					 "no policy container with these layers admits it") < 0 ? -1 : 0;
		break;
	}
	case GATE_ADMIT_UNKNOWN:
		rc = unverified(vc, err, "%s", unknown_reason(&res));
		break;
	}
out:
	gate_admit_result_free(&res);
	gate_guest_free(&guest);
	return rc;
}

/* The image's layer root hashes as hex strings, base layer first. */
static int image_hashes(char ***out, const struct gate_image *img, gate_err *err)
{
	char **v = calloc(img->layer_count + 1, sizeof(*v));
	size_t i;

	if (!v)
		return gate_err_nomem(err);
	for (i = 0; i < img->layer_count; i++) {
		if (!(v[i] = malloc(GATE_DIGEST_HEX_SIZE + 1))) {
			while (i--)
				free(v[i]);
			free(v);
			return gate_err_nomem(err);
		}
		gate_hex(v[i], img->layers[i].root_hash, GATE_DIGEST_SIZE);
	}
	*out = v;
	return 0;
}

static void free_hashes(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* mount_overlay: the candidates are the policy containers whose layers
 * equal the image's, in order. */
static int find_candidates(const struct gate_policy_container ***out, size_t *count,
			   const struct gate_policy *p, const char *const *hashes, size_t n,
			   gate_err *err)
{
	size_t i;

	*out = NULL;
	*count = 0;
	for (i = 0; i < p->containers_count; i++) {
		const struct gate_policy_container **slot;

		enum gate_layers_match m;

		if (gate_admit_layers_match(&m, &p->containers[i].layers, hashes, n, NULL, NULL, err))
			return -1;
		if (m != GATE_LAYERS_EQUAL)
			continue;
		slot = gate_array_push(out, count, sizeof(*slot), err);
		if (!slot)
			return -1;
		*slot = &p->containers[i];
	}
	return 0;
}

static int judge_image(struct run *run, const struct scope *at, struct gate_verify_container *vc,
		       const struct gate_image *img, gate_err *err)
{
	const struct gate_policy_container **cand = NULL;
	char **hashes = NULL;
	size_t n = 0;
	int rc = -1;

	if (image_hashes(&hashes, img, err))
		return -1;
	if (find_candidates(&cand, &n, at->group->policy, (const char *const *)hashes,
			    img->layer_count, err))
		goto out;
	if (!n) {
		vc->verdict = GATE_VERDICT_DENY;
		rc = no_candidate(run, at, vc, img, (const char *const *)hashes, err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (mark_used(run, cand[i], err))
			goto out;
	if (add_layer_pairs(vc, &cand[0]->layers, img, err))
		goto out;
	if (n > MAX_CANDIDATES) {
		rc = unverified(vc, err, "%zu policy containers have these layers; gate compares "
				"at most %d", n, MAX_CANDIDATES);
		goto out;
	}
	rc = admit_candidates(run, at, vc, img, cand, n, err);
out:
	free(cand);
	free_hashes(hashes);
	return rc;
}

static int judge_container(struct run *run, const struct scope *at, struct gate_verify_container *vc,
			   gate_err *err)
{
	const struct gate_group *g = at->group;
	const struct gate_container *c = at->container;
	const struct gate_image *img;

	if (!g->policy) {
		if (g->confidential) {
			vc->verdict = GATE_VERDICT_DENY;
			return 0;
		}
		vc->verdict = GATE_VERDICT_SKIPPED;
		return !(vc->reason = gate_strdup("not a confidential group: no policy to check", err));
	}
	if (is_sidecar_covered(g, c)) {
		vc->verdict = GATE_VERDICT_COVERED;
		return !(vc->reason = gate_strdup("ACI sidecar, covered by the infra fragment", err));
	}
	if (c->is_sidecar)
		return unverified(vc, err, has_infra_fragment(g->policy)
				  ? "an ACI sidecar image the template changes: the infra fragment, "
				    "which lists it, is not fetched"
				  : "an ACI sidecar image without ACI's infra fragment in the policy");
	if (!c->image)
		return unverified(vc, err, "the container names no image");
	if (gate_value_is_unresolved(c->image))
		return unverified(vc, err, "the image reference is known only at deployment: %s",
				  c->image);
	img = find_image(run, c->image);
	if (img->err.code)
		return unverified(vc, err, "%s", img->err.msg);
	if (!(vc->digest = gate_strdup(img->digest, err)))
		return -1;
	if (!strstr(c->image, "@sha256:") &&
	    add_finding(run, at, GATE_RULE_TAG_UNPINNED, json_pack("{s:s}", "digest", img->digest),
			err, "named by tag; it resolves to %s now", img->digest) < 0)
		return -1;
	return judge_image(run, at, vc, img, err);
}

/* ---- groups ---- */

static bool has_pause(const struct gate_policy *p)
{
	for (size_t i = 0; i < p->containers_count; i++)
		if (p->containers[i].is_pause)
			return true;
	return false;
}

/* Findings about the policy as a whole.  Returns whether one of them
 * denies, or -1. */
static int judge_policy(struct run *run, const struct scope *at, gate_err *err)
{
	const struct gate_group *g = at->group;
	const struct gate_policy *p = g->policy;
	enum gate_rule rule;
	const char *what;
	int sev;

	if (!p) {
		if (!g->confidential)
			return 0;
		sev = add_finding(run, at, GATE_RULE_POLICY_MISSING, NULL, err,
				  "the group is confidential but has no ccePolicy");
		return sev < 0 ? -1 : sev == GATE_SEVERITY_DENY;
	}
	/* enforcement_point_info: without an api_version every enforcement
	 * point answers version_missing, so the guest denies everything. */
	if (p->dialect == GATE_DIALECT_REGO && p->class != GATE_POLICY_EMPTY &&
	    p->class != GATE_POLICY_OPEN_DOOR && !p->api_version) {
		sev = add_finding(run, at, GATE_RULE_POLICY_VERSION, NULL, err,
				  "the policy has no api_version: the guest denies every request");
		if (sev < 0)
			return -1;
		if (sev == GATE_SEVERITY_DENY)
			return 1;
	}
	if (p->dialect == GATE_DIALECT_REGO && p->class != GATE_POLICY_EMPTY &&
	    p->class != GATE_POLICY_OPEN_DOOR && !has_pause(p) && !covering_fragment(p)) {
		sev = add_finding(run, at, GATE_RULE_POLICY_NO_PAUSE, NULL, err,
				  "the policy lists no pause container: the guest refuses the "
				  "group's sandbox");
		if (sev < 0)
			return -1;
		if (sev == GATE_SEVERITY_DENY)
			return 1;
	}
	switch (p->class) {
	case GATE_POLICY_EMPTY:
		rule = GATE_RULE_POLICY_EMPTY, what = "the policy is empty: the guest enforces nothing";
		break;
	case GATE_POLICY_OPEN_DOOR:
		rule = GATE_RULE_POLICY_OPEN_DOOR, what = "the policy is open-door: the guest enforces nothing";
		break;
	case GATE_POLICY_DEBUG:
		rule = GATE_RULE_POLICY_DEBUG, what = "the policy is debug-mode";
		break;
	case GATE_POLICY_HAND_WRITTEN:
		rule = GATE_RULE_POLICY_HAND_WRITTEN,
		what = "the policy holds Rego gate cannot read: the guest may decide otherwise";
		break;
	case GATE_POLICY_LEGACY_JSON:
		rule = GATE_RULE_POLICY_LEGACY_JSON,
		what = "the policy is JSON, which hcsshim no longer accepts since 2025-10 (an older guest would)";
		break;
	default:
		return 0;
	}
	{
		json_t *reasons = json_array();

		for (size_t i = 0; i < p->reasons.n; i++)
			json_array_append_new(reasons, json_string(p->reasons.v[i]));
		sev = add_finding(run, at, rule, json_pack("{s:o}", "reasons", reasons), err,
				  "%s%s%s", what, p->reasons.n ? ": " : "",
				  p->reasons.n ? p->reasons.v[0] : "");
	}
	return sev < 0 ? -1 : sev == GATE_SEVERITY_DENY;
}

/* coverage.not_in_template: a policy container no template container
 * matched, but the pause container, which ACI adds itself. */
static int unmatched_policy_containers(struct run *run, const struct scope *at, gate_err *err)
{
	const struct gate_policy *p = at->group->policy;
	size_t i, j;

	for (i = 0; p && i < p->containers_count; i++) {
		const struct gate_policy_container *pc = &p->containers[i];
		bool used = false;

		if (pc->is_pause || pc->is_sidecar)
			continue;
		for (j = 0; j < run->used_count && !used; j++)
			used = run->used[j] == pc;
		if (!used && add_finding(run, at, GATE_RULE_COVERAGE_NOT_IN_TEMPLATE, NULL, err,
					 "policy containers[%zu] ('%s') matches no template container",
					 i, candidate_label(pc)) < 0)
			return -1;
	}
	return 0;
}

/* The verdict follows the findings: a deny finding that names the
 * container denies it, whatever rule set turned it on. */
static void apply_deny_findings(struct run *run, const struct scope *at, size_t first_finding,
				struct gate_verify_container *vc)
{
	const char *group = gate_group_label(at->group), *name = at->container->name;

	for (size_t i = first_finding; i < run->r->findings_count; i++) {
		const struct gate_finding *f = &run->r->findings[i];

		if (f->severity == GATE_SEVERITY_DENY && f->container && name &&
		    !strcmp(f->container, name) && f->group && !strcmp(f->group, group))
			vc->verdict = GATE_VERDICT_DENY;
	}
}

static int judge_group(struct run *run, const char *file, const char *path,
		       const struct gate_group *g, gate_err *err)
{
	struct gate_verify_report *r = run->r;
	struct scope at = { file, path, g, NULL };
	struct gate_verify_group *vg;
	size_t i;
	int group_denied;

	run->used_count = 0;

	vg = gate_array_push(&r->groups, &r->groups_count, sizeof(*vg), err);
	if (!vg || !(vg->file = gate_strdup(file, err)) ||
	    !(vg->name = gate_strdup(gate_group_label(g), err)))
		return -1;
	vg->policy_class = g->policy ? gate_policy_class_name(g->policy->class) : "missing";
	gate_verify_place(&vg->line, &vg->column, g, NULL);
	if (g->policy && !(vg->hostdata = gate_strdup(g->policy->hostdata, err)))
		return -1;
	group_denied = judge_policy(run, &at, err);
	if (group_denied < 0)
		return -1;
	for (i = 0; i < g->containers_count; i++) {
		struct gate_verify_container *vc;

		at.container = &g->containers[i];
		vc = gate_array_push(&r->containers, &r->containers_count, sizeof(*vc), err);
		if (!vc)
			return -1;
		vc->group = r->groups_count - 1;
		gate_verify_place(&vc->line, &vc->column, g, at.container);
		if (!(vc->name = dup_or_null(at.container->name, err)) && at.container->name)
			return -1;
		if (!(vc->image = dup_or_null(at.container->image, err)) && at.container->image)
			return -1;
		size_t first_finding = r->findings_count;

		if (judge_container(run, &at, vc, err))
			return -1;
		vc = &r->containers[r->containers_count - 1];
		apply_deny_findings(run, &at, first_finding, vc);
		/* Rego gate cannot read may refuse what the rest admits. */
		if (vc->verdict == GATE_VERDICT_PASS && g->policy &&
		    g->policy->class == GATE_POLICY_HAND_WRITTEN) {
			vc->verdict = GATE_VERDICT_UNVERIFIED;
			if (!(vc->reason = gate_strdup("the policy holds Rego gate cannot read "
						       "(policy.hand_written): the guest may refuse it", err)))
				return -1;
		}
		/* A deny about the whole policy denies each container it governs. */
		if (group_denied && vc->verdict != GATE_VERDICT_SKIPPED)
			vc->verdict = GATE_VERDICT_DENY;
	}
	at.container = NULL;
	if (unmatched_policy_containers(run, &at, err))
		return -1;
	return gate_policy_rules_check(run->r, file, path, g, run->opts->ruleset, err);
}

/* ---- the run ---- */

static enum gate_result result_of(const struct gate_verify_report *r)
{
	size_t i;
	bool unknown = false;

	for (i = 0; i < r->findings_count; i++)
		if (r->findings[i].severity == GATE_SEVERITY_DENY)
			return GATE_RESULT_FAIL;
	for (i = 0; i < r->containers_count; i++) {
		if (r->containers[i].verdict == GATE_VERDICT_DENY)
			return GATE_RESULT_FAIL;
		unknown |= r->containers[i].verdict == GATE_VERDICT_UNVERIFIED;
	}
	return unknown ? GATE_RESULT_UNVERIFIED : GATE_RESULT_PASS;
}

int gate_verify_exit_status(const struct gate_verify_report *r)
{
	switch (r->result) {
	case GATE_RESULT_PASS: return 0;
	case GATE_RESULT_FAIL: return GATE_EFINDING;
	case GATE_RESULT_UNVERIFIED: return GATE_EVERIFY;
	}
	return GATE_EVERIFY;
}

int gate_verify_run(struct gate_verify_report *out, const struct gate_model *models, size_t n,
		    const struct gate_verify_opts *opts, gate_err *err)
{
	struct run run = { .r = out, .opts = opts };
	double t0 = now_seconds(), t1;
	char **files = NULL;
	size_t m, g;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	/* File names may hold any byte; the reports must be UTF-8. */
	if (!(files = calloc(n ? n : 1, sizeof(*files)))) {
		gate_err_nomem(err);
		goto done;
	}
	for (m = 0; m < n; m++) {
		if (!(files[m] = gate_utf8_dup(models[m].file))) {
			gate_err_nomem(err);
			goto done;
		}
		if (gate_shard_has_file(opts, &models[m]) &&
		    gate_strv_push(&out->inputs, files[m], strlen(files[m]), err))
			goto done;
	}
	if (collect_images(&run, models, n, err))
		goto done;
	/* Failures are per image (img->err) and make containers unverified;
	 * the return value only says that some image failed. */
	if (run.images_count && opts->hash)
		opts->hash(opts->hash_ctx, run.images, run.images_count);
	else if (run.images_count)
		gate_registry_hash(opts->registry, run.images, run.images_count);
	/* The scan history, before any drift finding reads it. */
	if (opts->registry)
		gate_remedy_record(opts->registry, run.images, run.images_count);
	t1 = now_seconds();
	out->images_count = run.images_count;
	out->resolve_seconds = t1 - t0;
	if (opts->registry && opts->registry->http)
		out->retries = gate_http_retries(opts->registry->http);
	for (m = 0; m < n; m++)
		for (g = 0; g < models[m].groups_count; g++)
			if (gate_shard_has_group(opts, models[m].file, &models[m].groups[g]) &&
			    judge_group(&run, files[m], models[m].file, &models[m].groups[g], err))
				goto done;
	out->result = result_of(out);
	rc = 0;
done:
	for (size_t i = 0; i < run.images_count; i++)
		gate_image_release(&run.images[i]);
	free(run.images);
	free(run.used);
	gate_remedy_memo_free(&run.remedies);
	for (m = 0; files && m < n; m++)
		free(files[m]);
	free(files);
	out->total_seconds = now_seconds() - t0;
	return rc;
}

void gate_verify_report_free(struct gate_verify_report *r)
{
	size_t i, j;

	if (!r)
		return;
	gate_strv_free(&r->inputs);
	for (i = 0; i < r->groups_count; i++) {
		free(r->groups[i].file);
		free(r->groups[i].name);
		free(r->groups[i].hostdata);
	}
	free(r->groups);
	for (i = 0; i < r->containers_count; i++) {
		struct gate_verify_container *c = &r->containers[i];

		free(c->name);
		free(c->image);
		free(c->digest);
		free(c->reason);
		free(c->policy_match);
		for (j = 0; j < c->layers_count; j++) {
			free(c->layers[j].policy);
			free(c->layers[j].registry);
		}
		free(c->layers);
	}
	free(r->containers);
	for (i = 0; i < r->findings_count; i++) {
		struct gate_finding *f = &r->findings[i];

		free(f->file);
		free(f->path);
		free(f->group);
		free(f->container);
		free(f->image);
		free(f->message);
		json_decref(f->details);
	}
	free(r->findings);
	memset(r, 0, sizeof(*r));
}
