/*
 * test_admit.c - table-driven tests of the admission rules.
 *
 *   test_admit BASE_JSON CASE_JSON
 *
 * BASE_JSON holds a confcom-shaped policy container, a matching input and
 * the policy flags.  A case file overrides them and states the expected
 * verdicts:
 *
 *   { "why": "...",
 *     "policy": {...}, "input": {...},       shallow overrides of the base
 *     "candidates": [{...}, ...],            each a shallow override of the base container
 *     "expect": { "verdict": "pass|unknown|fail",
 *                 "rules": {"command": "pass", ...},       candidate 0
 *                 "candidates": [{"env": "fail"}, ...],    per candidate
 *                 "all_fail": ["command"],                 exactly these
 *                 "env_dropped": ["X=1"],                  exactly these
 *                 "note": {"env": "9b2e94f5"},             substring of the note
 *                 "text": {"command": ["expected sub", "actual sub"]},
 *                 "policy_denies": "substring" },
 *     "twins": [ { "why", "policy", "input", "candidates", "expect" } ] }
 *
 * A twin is the case with its own overrides on top.  A case whose verdict
 * is pass must have a twin that is not: the tampered twin that must fail.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/admit.h"

static int failed;
static const char *file;

static void fail(const char *why, const char *what, const char *detail)
{
	failed++;
	fprintf(stderr, "%s: %s: %s%s%s\n", file, why, what, detail ? ": " : "", detail ? detail : "");
}

static json_t *merged(const json_t *base, const json_t *over)
{
	json_t *m = base ? json_deep_copy(base) : json_object();

	if (json_is_object(over))
		json_object_update(m, (json_t *)over);
	return m;
}

static const char **strs(const json_t *a, size_t *n)
{
	const char **v = calloc(json_array_size(a) + 1, sizeof(*v));
	size_t i;
	json_t *s;

	json_array_foreach(a, i, s)
		v[i] = json_string_value(s);
	*n = json_array_size(a);
	return v;
}

/* What the test owns while one input is alive. */
struct built {
	struct gate_admit_input in;
	struct gate_admit_user user;
	struct gate_admit_env *env;
	struct gate_admit_mount *mounts;
	struct gate_admit_caps caps;
	const char **lists[16];
	size_t nlists;
	char **envbuf;
	int flags[GATE_FLAG_COUNT];
};

static const char **keep_list(struct built *b, const json_t *a, size_t *n)
{
	const char **v = strs(a, n);

	b->lists[b->nlists++] = v;
	return v;
}

static void build_env(struct built *b, const json_t *env)
{
	size_t i, n = json_array_size(env);
	json_t *e;

	b->env = calloc(n + 1, sizeof(*b->env));
	b->envbuf = calloc(n + 1, sizeof(*b->envbuf));
	json_array_foreach(env, i, e) {
		if (json_is_string(e)) {
			char *s = strdup(json_string_value(e)), *eq = strchr(s, '=');
			b->envbuf[i] = s;
			if (eq)
				*eq = '\0';
			b->env[i].name = s;
			b->env[i].value = eq ? eq + 1 : "";
		} else {
			b->env[i].name = json_string_value(json_object_get(e, "name"));
			b->env[i].value = json_string_value(json_object_get(e, "value"));
			b->env[i].secure = json_is_true(json_object_get(e, "secure"));
		}
	}
	b->in.env = b->env;
	b->in.env_count = n;
}

static void build_mounts(struct built *b, const json_t *mounts)
{
	size_t i, n = json_array_size(mounts);
	json_t *m;

	b->mounts = calloc(n + 1, sizeof(*b->mounts));
	json_array_foreach(mounts, i, m) {
		if (json_is_string(m)) {
			b->mounts[i] = gate_admit_resolv_conf_mount;
			continue;
		}
		b->mounts[i].destination = json_string_value(json_object_get(m, "destination"));
		b->mounts[i].type = json_string_value(json_object_get(m, "type"));
		b->mounts[i].source = json_string_value(json_object_get(m, "source"));
		b->mounts[i].options = keep_list(b, json_object_get(m, "options"), &b->mounts[i].options_count);
	}
	b->in.mounts = b->mounts;
	b->in.mounts_count = n;
}

static void build(struct built *b, const json_t *in, const json_t *policy)
{
	gate_err err = GATE_ERR_INIT;
	const json_t *caps = json_object_get(in, "caps"), *flags = json_object_get(policy, "flags");
	int f, s;

	memset(b, 0, sizeof(*b));
	b->in.argv = keep_list(b, json_object_get(in, "argv"), &b->in.argc);
	build_env(b, json_object_get(in, "env"));
	build_mounts(b, json_object_get(in, "mounts"));
	b->in.working_dir = json_string_value(json_object_get(in, "working_dir"));
	if (gate_admit_user_parse(&b->user, json_string_value(json_object_get(in, "user")), &err) < 0)
		fail("user", err.msg, NULL);
	b->in.user = &b->user;
	b->in.umask = json_string_value(json_object_get(in, "umask"));
	b->in.privileged = json_is_true(json_object_get(in, "privileged"));
	b->in.no_new_privileges = json_is_true(json_object_get(in, "no_new_privileges"));
	b->in.seccomp_profile_sha256 = json_string_value(json_object_get(in, "seccomp"));
	if (json_is_object(caps)) {
		for (s = 0; s < GATE_CAPS_SET_COUNT; s++)
			b->caps.v[s] = keep_list(b, json_object_get(caps, gate_cap_set_names[s]), &b->caps.n[s]);
		b->in.caps = &b->caps;
	}
	for (f = 0; f < GATE_FLAG_COUNT; f++) {
		const json_t *v = json_object_get(flags, gate_policy_flag_names[f]);
		b->flags[f] = json_is_boolean(v) ? json_is_true(v) : -1;
	}
	b->in.flags = b->flags;
	b->in.framework_version = json_string_value(json_object_get(policy, "framework_version"));
}

static void unbuild(struct built *b)
{
	size_t i;

	for (i = 0; i < b->nlists; i++)
		free(b->lists[i]);
	for (i = 0; b->envbuf && i < b->in.env_count; i++)
		free(b->envbuf[i]);
	free(b->envbuf);
	free(b->env);
	free(b->mounts);
	gate_admit_user_free(&b->user);
}

static int rule_index(const char *name)
{
	int r;

	for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++)
		if (!strcmp(gate_admit_rule_names[r], name))
			return r;
	return -1;
}

static void expect_rules(const char *why, const struct gate_admit_candidate *c, const json_t *rules)
{
	const char *name;
	json_t *v;
	char what[256];

	json_object_foreach((json_t *)rules, name, v) {
		int r = rule_index(name);
		if (r < 0) {
			fail(why, "unknown rule in expect", name);
			continue;
		}
		if (strcmp(gate_admit_verdict_name(c->rules[r].verdict), json_string_value(v))) {
			snprintf(what, sizeof(what), "rule %s is %s, expected %s", name,
			         gate_admit_verdict_name(c->rules[r].verdict), json_string_value(v));
			fail(why, what, c->rules[r].note ? c->rules[r].note : c->rules[r].actual);
		}
	}
}

static void expect_texts(const char *why, const struct gate_admit_candidate *c,
                         const json_t *note, const json_t *text)
{
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)note, name, v) {
		int r = rule_index(name);
		const char *n = r >= 0 ? c->rules[r].note : NULL;
		if (!n || !strstr(n, json_string_value(v)))
			fail(why, "note lacks", json_string_value(v));
	}
	json_object_foreach((json_t *)text, name, v) {
		int r = rule_index(name);
		if (r < 0 || !strstr(c->rules[r].expected, json_string_value(json_array_get(v, 0))))
			fail(why, "expected text lacks", json_string_value(json_array_get(v, 0)));
		if (r < 0 || !strstr(c->rules[r].actual, json_string_value(json_array_get(v, 1))))
			fail(why, "actual text lacks", json_string_value(json_array_get(v, 1)));
	}
}

static void expect_result(const char *why, const struct gate_admit_result *res, const json_t *ex)
{
	const json_t *all = json_object_get(ex, "all_fail"), *dropped = json_object_get(ex, "env_dropped");
	const json_t *cands = json_object_get(ex, "candidates"), *v;
	size_t i;
	int r;

	if (strcmp(gate_admit_verdict_name(res->verdict), json_string_value(json_object_get(ex, "verdict"))))
		fail(why, "verdict", gate_admit_verdict_name(res->verdict));
	if (json_object_get(ex, "rules"))
		expect_rules(why, &res->candidates[0], json_object_get(ex, "rules"));
	json_array_foreach(cands, i, v)
		if (i < res->candidates_count)
			expect_rules(why, &res->candidates[i], v);
	if (res->candidates_count)
		expect_texts(why, &res->candidates[0], json_object_get(ex, "note"), json_object_get(ex, "text"));
	if (all) {
		for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++) {
			bool want = false;
			json_array_foreach(all, i, v)
				want |= !strcmp(json_string_value(v), gate_admit_rule_names[r]);
			if (want != res->all_fail[r])
				fail(why, "all_fail differs at", gate_admit_rule_names[r]);
		}
	}
	if (dropped) {
		if (json_array_size(dropped) != res->env_dropped.n)
			fail(why, "env_dropped count", res->env_dropped.n ? res->env_dropped.v[0] : "none");
		for (i = 0; i < res->env_dropped.n && i < json_array_size(dropped); i++)
			if (strcmp(res->env_dropped.v[i], json_string_value(json_array_get(dropped, i))))
				fail(why, "env_dropped", res->env_dropped.v[i]);
	}
	if (json_is_string(json_object_get(ex, "policy_denies")) &&
	    (!res->policy_denies || !strstr(res->policy_denies, json_string_value(json_object_get(ex, "policy_denies")))))
		fail(why, "policy_denies", res->policy_denies);
	if (!json_object_get(ex, "policy_denies") && res->policy_denies)
		fail(why, "policy_denies unexpected", res->policy_denies);
	if (json_is_boolean(json_object_get(ex, "stdio_conflict")) &&
	    json_is_true(json_object_get(ex, "stdio_conflict")) != res->stdio_conflict)
		fail(why, "stdio_conflict", NULL);
}

/* Runs one case; returns its verdict, or -1 when it could not run. */
static int run_case(const json_t *base, const json_t *c, const char *why)
{
	json_t *in = merged(json_object_get(base, "input"), json_object_get(c, "input"));
	json_t *policy = merged(json_object_get(base, "policy"), json_object_get(c, "policy"));
	const json_t *cands = json_object_get(c, "candidates"), *over;
	size_t i, n = json_array_size(cands);
	struct gate_policy_container *pcs = calloc(n + 1, sizeof(*pcs));
	const struct gate_policy_container **pp = calloc(n + 1, sizeof(*pp));
	struct gate_admit_result res = GATE_ADMIT_RESULT_INIT;
	gate_err err = GATE_ERR_INIT;
	struct built b;
	int verdict = -1;

	json_array_foreach(cands, i, over) {
		json_t *m = merged(json_object_get(base, "container"), over);
		pcs[i].json = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
		pcs[i].name = (char *)json_string_value(json_object_get(m, "name"));
		pp[i] = &pcs[i];
		json_decref(m);
	}
	build(&b, in, policy);
	if (gate_admit_run(&res, &b.in, pp, n, &err) < 0) {
		if (!json_is_string(json_object_get(json_object_get(c, "expect"), "error")) ||
		    !strstr(err.msg, json_string_value(json_object_get(json_object_get(c, "expect"), "error"))))
			fail(why, "error", err.msg);
		verdict = GATE_ADMIT_FAIL;
	} else {
		expect_result(why, &res, json_object_get(c, "expect"));
		verdict = (int)res.verdict;
	}
	gate_admit_result_free(&res);
	unbuild(&b);
	for (i = 0; i < n; i++)
		free(pcs[i].json);
	free(pcs);
	free(pp);
	json_decref(in);
	json_decref(policy);
	return verdict;
}

static json_t *load(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);

	if (!j) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		exit(2);
	}
	return j;
}

int main(int argc, char **argv)
{
	json_t *base, *c, *twins, *t, *twin;
	bool tampered = false;
	size_t i;
	int v;

	if (argc != 3) {
		fprintf(stderr, "usage: test_admit BASE_JSON CASE_JSON\n");
		return 2;
	}
	base = load(argv[1]);
	c = load(argv[2]);
	file = argv[2];
	v = run_case(base, c, json_string_value(json_object_get(c, "why")));
	twins = json_object_get(c, "twins");
	json_array_foreach(twins, i, t) {
		twin = json_deep_copy(c);
		json_object_del(twin, "twins");
		json_object_set_new(twin, "input", merged(json_object_get(c, "input"), json_object_get(t, "input")));
		json_object_set_new(twin, "policy", merged(json_object_get(c, "policy"), json_object_get(t, "policy")));
		if (json_object_get(t, "candidates"))
			json_object_set(twin, "candidates", json_object_get(t, "candidates"));
		json_object_set(twin, "expect", json_object_get(t, "expect"));
		if (run_case(base, twin, json_string_value(json_object_get(t, "why"))) != GATE_ADMIT_PASS)
			tampered = true;
		json_decref(twin);
	}
	if (v == GATE_ADMIT_PASS && !tampered)
		fail("case", "a passing case needs a tampered twin that does not pass", NULL);
	if (!failed)
		printf("%s: ok (%zu twins)\n", file, json_array_size(twins));
	json_decref(base);
	json_decref(c);
	return failed ? 1 : 0;
}
