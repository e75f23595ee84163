#include "report/verify_report.h"
#include "report/json_write.h"

/* Appends v to a, or drops a (returning NULL) when v could not be built:
 * jansson refuses strings that are not UTF-8, and a report must not lose
 * an entry silently. */
static json_t *append(json_t *a, json_t *v)
{
	if (a && v && !json_array_append_new(a, v))
		return a;
	json_decref(v);
	json_decref(a);
	return NULL;
}

static const char *result_name(enum gate_result r)
{
	switch (r) {
	case GATE_RESULT_PASS: return "pass";
	case GATE_RESULT_FAIL: return "fail";
	case GATE_RESULT_UNVERIFIED: return "unverified";
	}
	return "unverified";
}

/* o with key set to n, unless n is 0 (not known); NULL if that failed. */
static json_t *set_known(json_t *o, const char *key, unsigned n)
{
	if (o && n && json_object_set_new(o, key, json_integer((json_int_t)n))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* o with its "line" and "column", where known. */
static json_t *placed(json_t *o, unsigned line, unsigned column)
{
	return set_known(set_known(o, "line", line), "column", column);
}

static json_t *groups_json(const struct gate_verify_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->groups_count; i++) {
		const struct gate_verify_group *g = &r->groups[i];

		a = append(a, placed(json_pack("{s:s, s:s, s:s*, s:s}", "file", g->file,
					       "name", g->name, "hostdata", g->hostdata,
					       "policy_class", g->policy_class),
				     g->line, g->column));
	}
	return a;
}

static json_t *containers_json(const struct gate_verify_report *r)
{
	json_t *a = json_array();
	size_t i, j;

	for (i = 0; a && i < r->containers_count; i++) {
		const struct gate_verify_container *c = &r->containers[i];
		json_t *layers = json_array();

		for (j = 0; layers && j < c->layers_count; j++)
			layers = append(layers, json_pack("{s:s*, s:s*}",
								"policy", c->layers[j].policy,
								"registry", c->layers[j].registry));
		a = append(a, placed(json_pack("{s:s, s:s*, s:s*, s:s*, s:s, s:s*, s:s*, s:o}",
					       "group", r->groups[c->group].name,
					       "name", c->name, "image", c->image,
					       "digest", c->digest,
					       "verdict", gate_verdict_name(c->verdict),
					       "reason", c->reason,
					       "policy_container", c->policy_match,
					       "layers", layers),
				     c->line, c->column));
	}
	return a;
}

static json_t *findings_json(const struct gate_verify_report *r)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a && i < r->findings_count; i++) {
		const struct gate_finding *f = &r->findings[i];

		o = json_pack("{s:s, s:s, s:s*, s:s*, s:s*, s:s*, s:s, s:O}",
			      "rule", gate_rules[f->rule].id,
			      "severity", gate_severity_name(f->severity),
			      "file", f->file, "group", f->group,
			      "container", f->container, "image", f->image,
			      "message", f->message, "details", f->details);
		a = append(a, placed(o, f->line, f->column));
	}
	return a;
}

int gate_report_verify_json(FILE *f, const struct gate_verify_report *r, const char *version)
{
	json_t *inputs = json_array();
	size_t i;

	for (i = 0; i < r->inputs.n; i++)
		inputs = append(inputs, json_string(r->inputs.v[i]));
	return gate_report_json_write(f, json_pack(
			"{s:s, s:s, s:o, s:o, s:o, s:o, s:{s:I, s:f, s:f, s:I}}",
			"result", result_name(r->result), "gate_version", version,
			"inputs", inputs, "groups", groups_json(r),
			"containers", containers_json(r), "findings", findings_json(r),
			"timings", "images", (json_int_t)r->images_count,
			"resolve_seconds", r->resolve_seconds, "total_seconds", r->total_seconds,
			"retries", (json_int_t)r->retries), JSON_COMPACT);
}
