#include "verify/policy_rules.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/ref.h"

int gate_verify_add_finding(struct gate_verify_report *r, const struct gate_finding_at *at,
			    enum gate_rule rule, enum gate_severity severity, json_t *details,
			    gate_err *err, const char *fmt, ...)
{
	struct gate_finding *f;
	va_list ap;
	int n;

	if (severity == GATE_SEVERITY_OFF) {
		json_decref(details);
		return 0;
	}
	if (!(f = gate_array_push(&r->findings, &r->findings_count, sizeof(*f), err))) {
		json_decref(details);
		return -1;
	}
	f->rule = rule;
	f->severity = severity;
	f->line = at->line;
	f->column = at->column;
	f->details = details ? details : json_object();
	va_start(ap, fmt);
	n = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		f->message = NULL;
	if (!f->message || !f->details ||
	    (at->file && !(f->file = gate_strdup(at->file, err))) ||
	    (at->file && !(f->path = gate_strdup(at->path ? at->path : at->file, err))) ||
	    (at->group && !(f->group = gate_strdup(at->group, err))) ||
	    (at->container && !(f->container = gate_strdup(at->container, err))) ||
	    (at->image && !(f->image = gate_strdup(at->image, err))))
		return gate_err_nomem(err);
	return 0;
}

void gate_verify_place(unsigned *line, unsigned *column, const struct gate_group *g,
		       const struct gate_container *c)
{
	/* An expression may have built the container: then its group's. */
	bool own = c && c->line;

	*line = own ? c->line : g->line;
	*column = own ? c->column : g->column;
}

const char *gate_group_label(const struct gate_group *g)
{
	return g->name ? g->name : g->where ? g->where : "unnamed";
}

static json_t *strv_json(const struct gate_strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < sv->n; i++)
		if (json_array_append_new(a, json_string(sv->v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static bool any_image_match(const struct gate_strv *globs, const char *image)
{
	size_t i;

	for (i = 0; i < globs->n; i++)
		if (gate_ruleset_image_match(globs->v[i], image))
			return true;
	return false;
}

static int check_images(struct gate_verify_report *r, struct gate_finding_at *at,
			const gate_ruleset *rs, gate_err *err)
{
	struct gate_rule_setting s;
	struct gate_ref ref;
	gate_err parse_err = GATE_ERR_INIT;
	bool readable = !gate_ref_parse(&ref, at->image, &parse_err);

	s = gate_ruleset_lookup(rs, GATE_RULE_IMAGE_REGISTRY_ALLOWLIST, at->group, at->container,
				at->image);
	/* Without a rule file's allow list there is nothing to check against. */
	if (s.severity != GATE_SEVERITY_OFF && s.params &&
	    !any_image_match(&s.params->allow, at->image) &&
	    gate_verify_add_finding(r, at, GATE_RULE_IMAGE_REGISTRY_ALLOWLIST, s.severity,
				    json_pack("{s:o*}", "allow", strv_json(&s.params->allow)), err,
				    readable ? "image '%s' is not from an allowed registry"
					     : "image '%s' is not a reference, so it cannot be shown allowed",
				    at->image))
		return -1;
	s = gate_ruleset_lookup(rs, GATE_RULE_IMAGE_DIGEST_PINNED, at->group, at->container,
				at->image);
	if (s.severity == GATE_SEVERITY_OFF || (readable && ref.digest[0]) ||
	    (s.params && any_image_match(&s.params->except, at->image)))
		return 0;
	return gate_verify_add_finding(r, at, GATE_RULE_IMAGE_DIGEST_PINNED, s.severity, NULL, err,
				       readable ? "image '%s' is named by tag, not by digest"
						: "image '%s' is not a reference, so it cannot be shown pinned",
				       at->image);
}

/* allow_stdio_access is not in the model: it is read from the entry's
 * own JSON.  Only an explicit true counts. */
static bool stdio_allowed(const struct gate_policy_container *pc)
{
	json_t *o = pc->json ? json_loads(pc->json, 0, NULL) : NULL;
	bool yes = json_is_true(json_object_get(o, "allow_stdio_access"));

	json_decref(o);
	return yes;
}

static int check_policy_containers(struct gate_verify_report *r, struct gate_finding_at *at,
				   const struct gate_policy *p, const gate_ruleset *rs,
				   gate_err *err)
{
	struct gate_rule_setting s;
	size_t i;

	for (i = 0; i < p->containers_count; i++) {
		const struct gate_policy_container *pc = &p->containers[i];

		if (pc->is_pause)
			continue;
		at->container = pc->name ? pc->name : pc->id;
		at->image = pc->id;
		s = gate_ruleset_lookup(rs, GATE_RULE_POLICY_ALLOW_ELEVATED, at->group,
					at->container, at->image);
		if (pc->allow_elevated &&
		    gate_verify_add_finding(r, at, GATE_RULE_POLICY_ALLOW_ELEVATED, s.severity, NULL,
					    err, "policy containers[%zu] ('%s') may run privileged", i,
					    at->container ? at->container : "unnamed"))
			return -1;
		s = gate_ruleset_lookup(rs, GATE_RULE_POLICY_STDIO_ACCESS, at->group, at->container,
					at->image);
		if (s.severity != GATE_SEVERITY_OFF && stdio_allowed(pc) &&
		    gate_verify_add_finding(r, at, GATE_RULE_POLICY_STDIO_ACCESS, s.severity, NULL, err,
					    "policy containers[%zu] ('%s') lets the host read its stdio",
					    i, at->container ? at->container : "unnamed"))
			return -1;
	}
	at->container = at->image = NULL;
	return 0;
}

/* Fragment SVNs are whole numbers written as text ("minimum_svn": "4"). */
static bool parse_svn(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && !errno;
}

static int check_fragments(struct gate_verify_report *r, struct gate_finding_at *at,
			   const struct gate_policy *p, const gate_ruleset *rs, gate_err *err)
{
	unsigned long long svn;
	size_t i;
	int rc = 0;

	for (i = 0; i < p->fragments_count && !rc; i++) {
		const struct gate_fragment *fr = &p->fragments[i];
		struct gate_rule_setting s;

		at->image = fr->feed;
		s = gate_ruleset_lookup(rs, GATE_RULE_POLICY_MIN_SVN, at->group, NULL, at->image);
		if (s.severity == GATE_SEVERITY_OFF || !s.params ||
		    (parse_svn(fr->minimum_svn, &svn) && svn >= s.params->min_svn))
			continue;
		rc = gate_verify_add_finding(
			r, at, GATE_RULE_POLICY_MIN_SVN, s.severity,
			json_pack("{s:s?, s:I}", "minimum_svn", fr->minimum_svn,
				  "required", (json_int_t)s.params->min_svn),
			err, "fragments[%zu] ('%s') accepts minimum_svn %s, below the required %llu", i,
			fr->feed ? fr->feed : "no feed", fr->minimum_svn ? fr->minimum_svn : "(none)",
			s.params->min_svn);
	}
	at->image = NULL;
	return rc;
}

static int check_hostdata(struct gate_verify_report *r, struct gate_finding_at *at,
			  const struct gate_group *g, const gate_ruleset *rs, gate_err *err)
{
	struct gate_rule_setting s = gate_ruleset_lookup(rs, GATE_RULE_POLICY_HOSTDATA, at->group,
							 NULL, NULL);
	const struct gate_hostdata_pin *pin = NULL;
	const char *actual = g->policy ? g->policy->hostdata : NULL;
	size_t i;

	if (s.severity == GATE_SEVERITY_OFF || !s.params)
		return 0;
	for (i = 0; i < s.params->expect_count && !pin; i++)
		if (!fnmatch(s.params->expect[i].group, at->group, 0))
			pin = &s.params->expect[i];
	if (!pin || (actual && !strcmp(actual, pin->hostdata)))
		return 0;
	return gate_verify_add_finding(r, at, GATE_RULE_POLICY_HOSTDATA, s.severity,
				       json_pack("{s:s, s:s?}", "expected", pin->hostdata,
						 "actual", actual),
				       err, "the policy's hostdata is %s, not the expected %s",
				       actual ? actual : "absent (no policy)", pin->hostdata);
}

int gate_policy_rules_check(struct gate_verify_report *r, const char *file, const char *path,
			    const struct gate_group *g, const gate_ruleset *rs, gate_err *err)
{
	struct gate_finding_at at = { file, gate_group_label(g), NULL, NULL, 0, 0, path };
	size_t i;

	for (i = 0; i < g->containers_count; i++) {
		const struct gate_container *c = &g->containers[i];

		if (c->is_sidecar || !c->image)
			continue;
		at.container = c->name;
		at.image = c->image;
		gate_verify_place(&at.line, &at.column, g, c);
		if (check_images(r, &at, rs, err))
			return -1;
	}
	at.container = at.image = NULL;
	/* Policy containers and fragments are in the group's ccePolicy. */
	gate_verify_place(&at.line, &at.column, g, NULL);
	if (g->policy && (check_policy_containers(r, &at, g->policy, rs, err) ||
			  check_fragments(r, &at, g->policy, rs, err)))
		return -1;
	return check_hostdata(r, &at, g, rs, err);
}
