#include "verify/ruleset.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "base/file.h"
#include "base/hex.h"
#include "base/limits.h"
#include "input/yaml_lines.h"
#include "registry/ref.h"

enum scope_kind { SCOPE_GROUPS, SCOPE_CONTAINERS, SCOPE_IMAGES, SCOPE_COUNT };

static const char *const scope_keys[SCOPE_COUNT] = { "groups", "containers", "images" };

struct entry {
	enum gate_severity severity;
	struct gate_strv scope[SCOPE_COUNT];
	bool has_scope[SCOPE_COUNT];
	struct gate_rule_params params;
	unsigned line;
};

struct rule_entries {
	struct entry *v;
	size_t n;
	bool named;             /* the file names the rule */
};

struct gate_ruleset {
	struct rule_entries rules[GATE_RULE_COUNT];
};

/* The parameter keys each rule takes, beside severity and scope. */
enum param { P_NONE, P_ALLOW, P_EXCEPT, P_MIN, P_EXPECT };

static enum param param_of(enum gate_rule rule)
{
	switch (rule) {
	case GATE_RULE_IMAGE_REGISTRY_ALLOWLIST: return P_ALLOW;
	case GATE_RULE_IMAGE_DIGEST_PINNED: return P_EXCEPT;
	case GATE_RULE_POLICY_MIN_SVN: return P_MIN;
	case GATE_RULE_POLICY_HOSTDATA: return P_EXPECT;
	default: return P_NONE;
	}
}

static const char *const param_keys[] = { NULL, "allow", "except", "min", "expect" };

/* ---- reading: a pull parser over libyaml events ----
 *
 * The schema is four levels deep at most, so each level is a function that
 * expects its own events; nothing recurses on what the file nests, and an
 * alias (which could make one list stand for many) is refused outright. */

struct reader {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *path;
	struct gate_yaml_lines lines;
	gate_err *err;
};

static unsigned line_of(struct reader *rd)
{
	return gate_yaml_lines_pos(&rd->lines, rd->ev.start_mark).line;
}

static int vfail(struct reader *rd, unsigned line, const char *fmt, va_list ap)
{
	char msg[GATE_ERR_MSG_SIZE];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return gate_err_set(rd->err, GATE_EINPUT, "%s:%u: %s", rd->path, line, msg);
}

/* An error at the current event. */
static int fail(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct reader *rd, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(rd, line_of(rd), fmt, ap);
	va_end(ap);
	return rc;
}

/* An error about what starts at line, found at its end. */
static int fail_at(struct reader *rd, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct reader *rd, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(rd, line, fmt, ap);
	va_end(ap);
	return rc;
}

static int next(struct reader *rd)
{
	if (rd->have_ev)
		yaml_event_delete(&rd->ev);
	rd->have_ev = false;
	if (!yaml_parser_parse(&rd->parser, &rd->ev))
		return gate_err_set(rd->err, GATE_EINPUT, "%s:%u: %s", rd->path,
				    gate_yaml_lines_error(&rd->lines, &rd->parser).line,
				    rd->parser.problem ? rd->parser.problem : "bad YAML");
	rd->have_ev = true;
	if (rd->ev.type == YAML_ALIAS_EVENT)
		return fail(rd, "aliases are not allowed in a rule file");
	/* "\0" in a quoted scalar would cut every comparison short. */
	if (rd->ev.type == YAML_SCALAR_EVENT &&
	    memchr(rd->ev.data.scalar.value, '\0', rd->ev.data.scalar.length))
		return fail(rd, "NUL character in a scalar");
	return 0;
}

/* Reads the next event: 1 if it is of type, 0 if not (rd->ev then tells
 * where), -1 on error. */
static int want(struct reader *rd, yaml_event_type_t type)
{
	return next(rd) ? -1 : rd->ev.type == type;
}

static const char *scalar(const struct reader *rd)
{
	return (const char *)rd->ev.data.scalar.value;
}

/* The next event is a mapping key or the mapping's end: returns 1 with the
 * key in rd->ev, 0 at the end, -1 on error. */
static int next_key(struct reader *rd)
{
	if (next(rd))
		return -1;
	if (rd->ev.type == YAML_MAPPING_END_EVENT)
		return 0;
	if (rd->ev.type != YAML_SCALAR_EVENT)
		return fail(rd, "expected a key");
	return 1;
}

/* The current event, a scalar, as a severity. */
static int to_severity(struct reader *rd, enum gate_severity *out)
{
	static const enum gate_severity all[] = {
		GATE_SEVERITY_DENY, GATE_SEVERITY_WARN, GATE_SEVERITY_OFF,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(scalar(rd), gate_severity_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return fail(rd, "bad severity '%s': expected deny, warn or off", scalar(rd));
}

static int read_severity(struct reader *rd, enum gate_severity *out)
{
	int rc = want(rd, YAML_SCALAR_EVENT);

	if (rc <= 0)
		return rc ? -1 : fail(rd, "'severity' is not deny, warn or off");
	return to_severity(rd, out);
}

/* A list of globs: a sequence of non-empty scalars. */
static int read_globs(struct reader *rd, struct gate_strv *out, const char *key)
{
	int rc = want(rd, YAML_SEQUENCE_START_EVENT);

	if (rc <= 0)
		return rc ? -1 : fail(rd, "'%s' is not a list of globs", key);
	for (;;) {
		if (next(rd))
			return -1;
		if (rd->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (rd->ev.type != YAML_SCALAR_EVENT || !rd->ev.data.scalar.length)
			return fail(rd, "'%s' holds something that is not a glob", key);
		if (out->n == GATE_MAX_RULE_GLOBS)
			return fail(rd, "'%s' has more than %u globs", key, GATE_MAX_RULE_GLOBS);
		if (gate_strv_push(out, scalar(rd), rd->ev.data.scalar.length, rd->err))
			return -1;
	}
}

static int read_scope(struct reader *rd, struct entry *e)
{
	int k, rc;

	if ((rc = want(rd, YAML_MAPPING_START_EVENT)) <= 0)
		return rc ? -1 : fail(rd, "'scope' is not a mapping");
	while ((rc = next_key(rd)) == 1) {
		for (k = 0; k < SCOPE_COUNT && strcmp(scalar(rd), scope_keys[k]); k++)
			;
		if (k == SCOPE_COUNT)
			return fail(rd, "unknown scope key '%s': expected groups, containers or images",
				    scalar(rd));
		if (e->has_scope[k])
			return fail(rd, "scope key '%s' given twice", scope_keys[k]);
		e->has_scope[k] = true;
		if (read_globs(rd, &e->scope[k], scope_keys[k]))
			return -1;
	}
	return rc;
}

static int read_min_svn(struct reader *rd, struct gate_rule_params *p)
{
	const char *s;
	char *end;

	int rc = want(rd, YAML_SCALAR_EVENT);

	if (rc <= 0)
		return rc ? -1 : fail(rd, "'min' is not a number");
	s = scalar(rd);
	errno = 0;
	p->min_svn = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno)
		return fail(rd, "'min' is '%s', not a whole number", s);
	return 0;
}

/* policy.hostdata's expect: group glob -> 64 hex digits, either case. */
static int read_expect(struct reader *rd, struct gate_rule_params *p)
{
	unsigned char digest[GATE_DIGEST_SIZE];
	struct gate_hostdata_pin *pin;
	size_t i;
	int rc;

	if ((rc = want(rd, YAML_MAPPING_START_EVENT)) <= 0)
		return rc ? -1 : fail(rd, "'expect' is not a mapping from group glob to hostdata");
	while ((rc = next_key(rd)) == 1) {
		if (p->expect_count == GATE_MAX_RULE_GLOBS)
			return fail(rd, "'expect' has more than %u groups", GATE_MAX_RULE_GLOBS);
		pin = gate_array_push(&p->expect, &p->expect_count, sizeof(*pin), rd->err);
		if (!pin || !(pin->group = gate_strdup(scalar(rd), rd->err)))
			return -1;
		if ((rc = want(rd, YAML_SCALAR_EVENT)) <= 0)
			return rc ? -1 : fail(rd, "the hostdata of '%s' is not a string", pin->group);
		if (rd->ev.data.scalar.length != GATE_DIGEST_HEX_SIZE)
			return fail(rd, "the hostdata of '%s' is not 64 hex digits", pin->group);
		for (i = 0; i < GATE_DIGEST_HEX_SIZE; i++)
			pin->hostdata[i] = (char)tolower((unsigned char)scalar(rd)[i]);
		if (gate_unhex(digest, pin->hostdata, GATE_DIGEST_SIZE))
			return fail(rd, "the hostdata of '%s' is not 64 hex digits", pin->group);
	}
	return rc;
}

static int read_param(struct reader *rd, enum gate_rule rule, struct entry *e)
{
	const char *key = scalar(rd);
	enum param p;

	for (p = P_ALLOW; p <= P_EXPECT && strcmp(key, param_keys[p]); p++)
		;
	if (p > P_EXPECT)
		return fail(rd, "unknown key '%s'", key);
	if (p != param_of(rule))
		return fail(rd, "rule '%s' takes no parameter '%s'", gate_rules[rule].id, key);
	/* key dies with the next event: name the parameter from the table. */
	switch (p) {
	case P_ALLOW: return read_globs(rd, &e->params.allow, param_keys[p]);
	case P_EXCEPT: return read_globs(rd, &e->params.except, param_keys[p]);
	case P_MIN: return read_min_svn(rd, &e->params);
	default: return read_expect(rd, &e->params);
	}
}

static bool needs_param(enum gate_rule rule)
{
	return param_of(rule) != P_NONE && param_of(rule) != P_EXCEPT;
}

/* One entry in mapping form; rd->ev is its MAPPING_START. */
static int read_entry(struct reader *rd, enum gate_rule rule, struct entry *e)
{
	enum { SEEN_SEVERITY = 1, SEEN_SCOPE = 2, SEEN_PARAM = 4 };
	unsigned seen = 0, key;
	int rc;

	e->line = line_of(rd);
	while ((rc = next_key(rd)) == 1) {
		key = !strcmp(scalar(rd), "severity") ? SEEN_SEVERITY
		      : !strcmp(scalar(rd), "scope") ? SEEN_SCOPE : SEEN_PARAM;
		if (seen & key)
			return fail(rd, "'%s' given twice", scalar(rd));
		seen |= key;
		if (key == SEEN_SEVERITY)
			rc = read_severity(rd, &e->severity);
		else if (key == SEEN_SCOPE)
			rc = read_scope(rd, e);
		else
			rc = read_param(rd, rule, e);
		if (rc)
			return -1;
	}
	if (rc)
		return -1;
	if (!(seen & SEEN_SEVERITY))
		return fail_at(rd, e->line, "rule '%s': entry has no severity", gate_rules[rule].id);
	if (needs_param(rule) && !(seen & SEEN_PARAM) && e->severity != GATE_SEVERITY_OFF)
		return fail_at(rd, e->line, "rule '%s' needs '%s'", gate_rules[rule].id,
			       param_keys[param_of(rule)]);
	return 0;
}

static struct entry *add_entry(struct reader *rd, struct rule_entries *re)
{
	if (re->n == GATE_MAX_RULE_ENTRIES) {
		fail(rd, "more than %u entries for one rule", GATE_MAX_RULE_ENTRIES);
		return NULL;
	}
	return gate_array_push(&re->v, &re->n, sizeof(*re->v), rd->err);
}

/* A rule's value: a severity, one entry, or a list of entries. */
static int read_rule(struct reader *rd, enum gate_rule rule, struct rule_entries *re)
{
	const char *id = gate_rules[rule].id;
	struct entry *e;

	if (next(rd))
		return -1;
	switch (rd->ev.type) {
	case YAML_SCALAR_EVENT:
		if (!(e = add_entry(rd, re)))
			return -1;
		e->line = line_of(rd);
		if (to_severity(rd, &e->severity))
			return -1;
		if (needs_param(rule) && e->severity != GATE_SEVERITY_OFF)
			return fail(rd, "rule '%s' needs '%s': write it as a mapping", id,
				    param_keys[param_of(rule)]);
		return 0;
	case YAML_MAPPING_START_EVENT:
		return (e = add_entry(rd, re)) ? read_entry(rd, rule, e) : -1;
	case YAML_SEQUENCE_START_EVENT:
		for (;;) {
			if (next(rd))
				return -1;
			if (rd->ev.type == YAML_SEQUENCE_END_EVENT)
				return re->n ? 0 : fail(rd, "rule '%s' has an empty list", id);
			if (rd->ev.type != YAML_MAPPING_START_EVENT)
				return fail(rd, "rule '%s': each entry of the list must be a mapping", id);
			if (!(e = add_entry(rd, re)) || read_entry(rd, rule, e))
				return -1;
		}
	default:
		return fail(rd, "rule '%s': expected a severity, a mapping or a list", id);
	}
}

static int find_rule(struct reader *rd, enum gate_rule *out)
{
	enum gate_rule r;

	for (r = 0; r < GATE_RULE_COUNT; r++)
		if (!strcmp(scalar(rd), gate_rules[r].id)) {
			*out = r;
			return 0;
		}
	return fail(rd, "unknown rule '%s' (gate rules list shows them)", scalar(rd));
}

static int read_rules(struct reader *rd, gate_ruleset *rs)
{
	enum gate_rule rule = GATE_RULE_COUNT;
	int rc;

	if ((rc = want(rd, YAML_MAPPING_START_EVENT)) <= 0)
		return rc ? -1 : fail(rd, "'rules' is not a mapping from rule id to severity");
	while ((rc = next_key(rd)) == 1) {
		if (find_rule(rd, &rule))
			return -1;
		if (rs->rules[rule].named)
			return fail(rd, "rule '%s' given twice", gate_rules[rule].id);
		rs->rules[rule].named = true;
		if (read_rule(rd, rule, &rs->rules[rule]))
			return -1;
	}
	return rc;
}

static int read_version(struct reader *rd)
{
	int rc = want(rd, YAML_SCALAR_EVENT);

	if (rc < 0)
		return -1;
	return rc && !strcmp(scalar(rd), "1") ? 0
					      : fail(rd, "unsupported version: this gate reads version 1");
}

static int read_document(struct reader *rd, gate_ruleset *rs)
{
	bool has_rules = false;
	int rc;

	/* STREAM_START, then DOCUMENT_START unless the stream is empty. */
	if (next(rd) || next(rd))
		return -1;
	if (rd->ev.type == YAML_STREAM_END_EVENT)
		return fail(rd, "empty rule file: expected a 'rules' mapping");
	if ((rc = want(rd, YAML_MAPPING_START_EVENT)) <= 0)
		return rc ? -1 : fail(rd, "expected a mapping with 'rules'");
	while ((rc = next_key(rd)) == 1) {
		if (!strcmp(scalar(rd), "rules") && !has_rules) {
			has_rules = true;
			rc = read_rules(rd, rs);
		} else if (!strcmp(scalar(rd), "version")) {
			rc = read_version(rd);
		} else {
			rc = fail(rd, "unknown key '%s': expected rules or version", scalar(rd));
		}
		if (rc)
			return -1;
	}
	if (rc)
		return -1;
	if (!has_rules)
		return fail(rd, "no 'rules' mapping");
	/* DOCUMENT_END, then STREAM_END unless another document follows. */
	if (next(rd) || next(rd))
		return -1;
	return rd->ev.type == YAML_STREAM_END_EVENT ? 0 : fail(rd, "a rule file holds one document");
}

static int parse(struct reader *rd, gate_ruleset **out, const char *buf, size_t len)
{
	gate_ruleset *rs;
	int rc;

	*out = NULL;
	if (!(rs = calloc(1, sizeof(*rs))))
		return gate_err_nomem(rd->err);
	if (!yaml_parser_initialize(&rd->parser)) {
		free(rs);
		return gate_err_nomem(rd->err);
	}
	yaml_parser_set_input_string(&rd->parser, (const unsigned char *)buf, len);
	gate_yaml_lines_init(&rd->lines, buf, len);
	rc = read_document(rd, rs);
	if (rd->have_ev)
		yaml_event_delete(&rd->ev);
	yaml_parser_delete(&rd->parser);
	if (rc) {
		gate_ruleset_free(rs);
		return -1;
	}
	*out = rs;
	return 0;
}

int gate_ruleset_load(gate_ruleset **out, const char *path, gate_err *err)
{
	FILE *f;
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	if (!(f = fopen(path, "rb")))
		return gate_err_set(err, GATE_EINPUT, "cannot open '%s': %s", path, strerror(errno));
	rc = gate_file_read(f, path, GATE_MAX_RULES_SIZE, &buf, &len, err);
	fclose(f);
	if (rc)
		return -1;
	rc = gate_ruleset_parse(out, path, buf, len, err);
	free(buf);
	return rc;
}

int gate_ruleset_parse(gate_ruleset **out, const char *name, const char *buf, size_t len,
		       gate_err *err)
{
	struct reader rd = { .path = name, .err = err };

	*out = NULL;
	if (len > GATE_MAX_RULES_SIZE)
		return gate_file_too_large(err, name, GATE_MAX_RULES_SIZE);
	return parse(&rd, out, buf, len);
}

void gate_ruleset_free(gate_ruleset *rs)
{
	size_t r, i, k;

	if (!rs)
		return;
	for (r = 0; r < GATE_RULE_COUNT; r++) {
		for (i = 0; i < rs->rules[r].n; i++) {
			struct entry *e = &rs->rules[r].v[i];

			for (k = 0; k < SCOPE_COUNT; k++)
				gate_strv_free(&e->scope[k]);
			gate_strv_free(&e->params.allow);
			gate_strv_free(&e->params.except);
			for (k = 0; k < e->params.expect_count; k++)
				free(e->params.expect[k].group);
			free(e->params.expect);
		}
		free(rs->rules[r].v);
	}
	free(rs);
}

/* ---- matching ---- */

bool gate_ruleset_image_match(const char *glob, const char *image)
{
	char whole[2 * GATE_REF_NAME_MAX + GATE_REF_TAG_MAX + GATE_REF_DIGEST_MAX + 4];
	char registry[GATE_REF_NAME_MAX + 1];
	const char *slash = strchr(glob, '/'), *rest;
	struct gate_ref ref;
	gate_err err = GATE_ERR_INIT;

	if (!image || gate_ref_parse(&ref, image, &err) ||
	    gate_ref_format(&ref, whole, sizeof(whole)))
		return false;
	if (!slash)
		return !fnmatch(glob, whole, 0);
	if ((size_t)(slash - glob) >= sizeof(registry))
		return false;
	memcpy(registry, glob, (size_t)(slash - glob));
	registry[slash - glob] = '\0';
	/* whole is "domain/path[:tag][@digest]": rest is what follows the domain. */
	rest = whole + strlen(ref.domain) + 1;
	return !fnmatch(registry, ref.domain, 0) &&
	       (!fnmatch(slash + 1, ref.path, 0) || !fnmatch(slash + 1, rest, 0));
}

static bool any_match(const struct gate_strv *globs, const char *s, bool image)
{
	size_t i;

	for (i = 0; i < globs->n; i++)
		if (image ? gate_ruleset_image_match(globs->v[i], s) : !fnmatch(globs->v[i], s, 0))
			return true;
	return false;
}

/* Every list of the scope must match; what the finding does not name
 * matches no list (see ruleset.h). */
static bool in_scope(const struct entry *e, const char *group, const char *container,
		     const char *image)
{
	const char *subject[SCOPE_COUNT] = { group, container, image };
	int k;

	for (k = 0; k < SCOPE_COUNT; k++)
		if (e->has_scope[k] &&
		    (!subject[k] || !any_match(&e->scope[k], subject[k], k == SCOPE_IMAGES)))
			return false;
	return true;
}

struct gate_rule_setting gate_ruleset_lookup(const gate_ruleset *rs, enum gate_rule rule,
					     const char *group, const char *container,
					     const char *image)
{
	struct gate_rule_setting s = { gate_rules[rule].severity, NULL, 0 };
	size_t i;

	if (!rs || !rs->rules[rule].named)
		return s;
	s.severity = GATE_SEVERITY_OFF;
	for (i = 0; i < rs->rules[rule].n; i++) {
		const struct entry *e = &rs->rules[rule].v[i];

		if (in_scope(e, group, container, image)) {
			s.severity = e->severity;
			s.params = &e->params;
			s.line = e->line;
			break;
		}
	}
	return s;
}

enum gate_severity gate_ruleset_severity(const gate_ruleset *rs, enum gate_rule rule,
					 const char *group, const char *container,
					 const char *image)
{
	return gate_ruleset_lookup(rs, rule, group, container, image).severity;
}
