/*
 * test_reports.c - writes one hand-built gate_verify_report as SARIF, JUnit
 * and JSON into DIR (report.sarif, report.xml, report.json), for
 * check_reports.py to validate.  What the report holds, and so what the
 * checker expects, is described beside each entry.
 * Usage: test_reports DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/verify_report.h"
#include "verify/policy_rules.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

#define APP "deploy/app.json"
#define K8S "dir with space/k8s #1.yaml"
/* Quotes, markup and a control byte: XML must carry them or show them as
 * \xNN.  Templates and policies are UTF-8 by the time they are read
 * (jansson and libyaml check it), so a byte that is not UTF-8 only shows
 * up in not_utf8.xml, which has no JSON twin: JSON refuses it. */
#define WEIRD "a\"b'<c>&\x01"
#define NOT_UTF8 "bad\xff\xc3(\xed\xa0\x80\xef\xbf\xbe end"

/* Lines and columns where the template has them; dev's is unknown. */
static struct gate_verify_group groups[] = {
	{ APP, "prod-web", HASH_A, "normal", 3, 5 },
	{ APP, "dev & <test>", NULL, "missing", 0, 0 },
	{ K8S, "g3", HASH_B, "normal", 1, 1 },
	{ K8S, "empty-group", HASH_B, "normal", 30, 1 },   /* no containers */
};

static char *inputs[] = { APP, K8S };

static struct gate_layer_pair web_layers[] = { { HASH_A, HASH_A }, { HASH_A, HASH_B } };

static struct gate_verify_container containers[] = {
	{ 0, "web", "myacr.azurecr.io/web:v1", DIGEST, GATE_VERDICT_DENY, NULL, "web",
	  web_layers, 2, 12, 5 },
	{ 0, "db", "postgres@" DIGEST, DIGEST, GATE_VERDICT_PASS, NULL, "db", NULL, 0, 20, 5 },
	{ 0, "skr", "mcr.microsoft.com/aci/skr:2.7", NULL, GATE_VERDICT_COVERED,
	  "ACI sidecar, covered by the infra fragment", NULL, NULL, 0, 25, 5 },
	{ 1, WEIRD, "nginx", NULL, GATE_VERDICT_UNVERIFIED,
	  "registry unreachable: connect \x02 refused", NULL, NULL, 0, 0, 0 },
	{ 2, "api", "docker.io/library/api:1", DIGEST, GATE_VERDICT_PASS, NULL, "api", NULL, 0,
	  7, 5 },
};

static int add(struct gate_verify_report *r, enum gate_rule rule, enum gate_severity sev,
	       const char *file, const char *group, const char *container, unsigned line,
	       json_t *details, const char *msg)
{
	/* a column only beside a line, as the model gives them */
	struct gate_finding_at at = { file, group, container, NULL, line, line ? 5 : 0, NULL };
	gate_err err = GATE_ERR_INIT;

	if (gate_verify_add_finding(r, &at, rule, sev, details, &err, "%s", msg)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int build(struct gate_verify_report *r)
{
	r->result = GATE_RESULT_FAIL;
	r->inputs.v = inputs;
	r->inputs.n = 2;
	r->groups = groups;
	r->groups_count = 4;
	r->containers = containers;
	r->containers_count = 5;
	r->images_count = 4;
	r->resolve_seconds = 0.25;
	r->total_seconds = 0.5;
	return add(r, GATE_RULE_LAYERS_DRIFT, GATE_SEVERITY_DENY, APP, "prod-web", "web", 12,
		   json_pack("{s:[{s:i, s:s, s:s}]}", "positions", "position", 1,
			     "policy", HASH_A, "registry", HASH_B),
		   "1 of 2 layers differ from the policy's") ||
	       add(r, GATE_RULE_TAG_UNPINNED, GATE_SEVERITY_WARN, APP, "prod-web", "web", 0, NULL,
		   "named by tag; it resolves to " DIGEST " now") ||
	       /* about the whole group: shown with each of its containers */
	       add(r, GATE_RULE_COVERAGE_NOT_IN_TEMPLATE, GATE_SEVERITY_WARN, APP, "prod-web", NULL,
		   0, NULL, "policy containers[2] ('old') matches no template container") ||
	       /* a deny about the group fails its unverified container */
	       add(r, GATE_RULE_POLICY_MISSING, GATE_SEVERITY_DENY, APP, "dev & <test>", NULL, 0,
		   NULL, "the group is confidential but has no ccePolicy") ||
	       /* a policy container no template container is named after: "(policy)" */
	       add(r, GATE_RULE_POLICY_ALLOW_ELEVATED, GATE_SEVERITY_WARN, K8S, "g3", "old-name", 0,
		   NULL, "policy containers[1] ('old-name') may run privileged") ||
	       /* a group without containers: "(policy)", failing */
	       add(r, GATE_RULE_POLICY_HOSTDATA, GATE_SEVERITY_DENY, K8S, "empty-group", NULL, 0,
		   json_pack("{s:s, s:s}", "expected", HASH_A, "actual", HASH_B),
		   "the policy's hostdata is " HASH_B ", not the expected " HASH_A) ||
	       add(r, GATE_RULE_IMAGE_REGISTRY_ALLOWLIST, GATE_SEVERITY_DENY, K8S, "g3", "api", 7,
		   NULL, "image 'docker.io/library/api:1' is not from an allowed registry (caf\xc3\xa9 \x7f)");
}

static int write_one(const char *dir, const char *name, int (*fn)(FILE *, const struct gate_verify_report *,
								    const char *),
		     const struct gate_verify_report *r)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "w"))) {
		perror(path);
		return -1;
	}
	rc = fn(f, r, "0.1.0");
	if (fclose(f) || rc) {
		fprintf(stderr, "%s: the printer failed\n", path);
		return -1;
	}
	return 0;
}

static int text_report(FILE *f, const struct gate_verify_report *r, const char *version)
{
	(void)version;
	gate_report_verify_text(f, r, false);
	return 0;
}

/* One container whose name is not UTF-8, alone in a report. */
static int write_not_utf8(const char *dir)
{
	struct gate_verify_group g = { APP, "g", NULL, "normal", 0, 0 };
	struct gate_verify_container c = { 0, NOT_UTF8, "nginx", NULL, GATE_VERDICT_PASS, NULL,
					   NULL, NULL, 0, 0, 0 };
	struct gate_verify_report r = { .groups = &g, .groups_count = 1, .containers = &c,
					.containers_count = 1 };

	return write_one(dir, "not_utf8.xml", gate_report_verify_junit, &r);
}

/* A finding in a file whose name is not UTF-8, alone in a SARIF report:
 * its uri names the file's own bytes (a%FFb.json), while its text fields
 * show the name escaped, as gate_verify_run() gives them. */
static int write_not_utf8_path(const char *dir)
{
	struct gate_verify_group g = { "a\\xffb.json", "g", NULL, "missing", 1, 1 };
	struct gate_verify_report r = { .result = GATE_RESULT_FAIL, .groups = &g,
					.groups_count = 1 };
	struct gate_finding_at at = { "a\\xffb.json", "g", NULL, NULL, 1, 1, "a\xff" "b.json" };
	gate_err err = GATE_ERR_INIT;
	int rc;

	rc = gate_verify_add_finding(&r, &at, GATE_RULE_POLICY_MISSING, GATE_SEVERITY_DENY, NULL,
				     &err, "the group is confidential but has no ccePolicy") ||
	     write_one(dir, "not_utf8.sarif", gate_report_verify_sarif, &r);
	free(r.findings[0].file);
	free(r.findings[0].path);
	free(r.findings[0].group);
	free(r.findings[0].message);
	json_decref(r.findings[0].details);
	free(r.findings);
	return rc;
}

int main(int argc, char **argv)
{
	struct gate_verify_report r = GATE_VERIFY_REPORT_INIT;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_reports DIR\n");
		return 2;
	}
	rc = build(&r) || write_one(argv[1], "report.sarif", gate_report_verify_sarif, &r) ||
	     write_one(argv[1], "report.xml", gate_report_verify_junit, &r) ||
	     write_one(argv[1], "report.json", gate_report_verify_json, &r) ||
	     write_one(argv[1], "report.txt", text_report, &r) ||
	     write_not_utf8(argv[1]) || write_not_utf8_path(argv[1]);
	for (size_t i = 0; i < r.findings_count; i++) {
		free(r.findings[i].file);
		free(r.findings[i].path);
		free(r.findings[i].group);
		free(r.findings[i].container);
		free(r.findings[i].image);
		free(r.findings[i].message);
		json_decref(r.findings[i].details);
	}
	free(r.findings);
	return rc ? 1 : 0;
}
