/*
 * test_rules.c - rule sets, the rule-set rules and the rule list, table by
 * table.  Usage: test_rules REPO_ROOT WORK_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "report/rules_report.h"
#include "verify/policy_rules.h"
#include "verify/ruleset.h"

static int failures;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);         \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			failures++;                                             \
		}                                                               \
	} while (0)

static const char *root, *work;

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][4096];
	static int i;

	i = (i + 1) % 4;
	if ((size_t)snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name) >= sizeof(buf[i]))
		abort();
	return buf[i];
}

static gate_ruleset *load_text(const char *yaml)
{
	const char *p = path_in(work, "case.yaml");
	FILE *f = fopen(p, "w");
	gate_ruleset *rs = NULL;
	gate_err err = GATE_ERR_INIT;

	if (!f || fputs(yaml, f) == EOF || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", p);
		exit(1);
	}
	if (gate_ruleset_load(&rs, p, &err))
		CHECK(0, "%s: %s", yaml, err.msg);
	return rs;
}

/* ---- shipped rule files ---- */

static void test_shipped(void)
{
	gate_ruleset *rs = NULL;
	gate_err err = GATE_ERR_INIT;
	int i;

	CHECK(!gate_ruleset_load(&rs, path_in(root, "rules/default.yaml"), &err),
	      "default.yaml: %s", err.msg);
	/* default.yaml is what verify does without a rule file. */
	for (i = 0; rs && i < GATE_RULE_COUNT; i++)
		CHECK(gate_ruleset_lookup(rs, i, "g", "c", "nginx").severity == gate_rules[i].severity &&
		      gate_ruleset_lookup(rs, i, "g", "c", "nginx").line,
		      "default.yaml: %s is not written out with its default", gate_rules[i].id);
	gate_ruleset_free(rs);

	CHECK(!gate_ruleset_load(&rs, path_in(root, "rules/strict.yaml"), &err),
	      "strict.yaml: %s", err.msg);
	{
		static const enum gate_rule denied[] = {
			GATE_RULE_TAG_UNPINNED, GATE_RULE_IMAGE_DIGEST_PINNED,
			GATE_RULE_POLICY_ALLOW_ELEVATED, GATE_RULE_POLICY_STDIO_ACCESS,
			GATE_RULE_POLICY_MIN_SVN,
		};
		for (i = 0; rs && i < (int)(sizeof(denied) / sizeof(denied[0])); i++)
			CHECK(gate_ruleset_severity(rs, denied[i], "g", "c", "nginx") == GATE_SEVERITY_DENY,
			      "strict.yaml: %s is not deny", gate_rules[denied[i]].id);
		CHECK(rs && gate_ruleset_lookup(rs, GATE_RULE_POLICY_MIN_SVN, "g", NULL, NULL)
				    .params->min_svn == 1, "strict.yaml: min_svn is not 1");
	}
	gate_ruleset_free(rs);
}

/* The example of README "Rules" is a rule file that loads. */
static void test_readme_example(void)
{
	FILE *f = fopen(path_in(root, "README.md"), "r");
	char line[1024], text[8192] = "";
	int state = 0;      /* 0 before "## Rules", 1 before its yaml block, 2 in it */
	gate_ruleset *rs;

	while (f && state < 3 && fgets(line, sizeof(line), f)) {
		if (state == 0 && !strcmp(line, "## Rules\n"))
			state = 1;
		else if (state == 1 && !strcmp(line, "```yaml\n"))
			state = 2;
		else if (state == 2 && !strcmp(line, "```\n"))
			state = 3;
		else if (state == 2 && strlen(text) + strlen(line) < sizeof(text))
			strcat(text, line);
	}
	if (f)
		fclose(f);
	CHECK(state == 3, "README.md has no yaml block under \"## Rules\"");
	if (state != 3 || !(rs = load_text(text)))
		return;
	CHECK(gate_ruleset_severity(rs, GATE_RULE_IMAGE_REGISTRY_ALLOWLIST, "prod-web", "web",
				    "nginx") == GATE_SEVERITY_DENY &&
	      gate_ruleset_severity(rs, GATE_RULE_POLICY_MIN_SVN, "g", NULL,
				    "mcr.microsoft.com/aci/aci-cc-infra-fragment") == GATE_SEVERITY_OFF &&
	      gate_ruleset_severity(rs, GATE_RULE_POLICY_HOSTDATA, "prod-web", NULL, NULL) ==
		      GATE_SEVERITY_DENY,
	      "README example: unexpected severities");
	gate_ruleset_free(rs);
}

/* ---- refused files: each names the file and the line ---- */

static void test_refused(void)
{
	static const struct { const char *file; unsigned line; const char *msg; } cases[] = {
		{ "unknown_rule.yaml", 3, "unknown rule 'tag.unpined'" },
		{ "bad_severity.yaml", 2, "bad severity 'block'" },
		{ "bad_yaml.yaml", 3, "mapping values are not allowed" },
		{ "missing_param.yaml", 3, "rule 'image.registry_allowlist' needs 'allow'" },
		{ "missing_param_entry.yaml", 3, "rule 'image.registry_allowlist' needs 'allow'" },
		{ "wrong_param.yaml", 4, "rule 'tag.unpinned' takes no parameter 'allow'" },
		{ "bad_min.yaml", 4, "'min' is 'two', not a whole number" },
		{ "negative_min.yaml", 4, "not a whole number" },
		{ "bad_hostdata.yaml", 5, "the hostdata of 'prod-web' is not 64 hex digits" },
		{ "alias.yaml", 3, "aliases are not allowed" },
		{ "duplicate_rule.yaml", 4, "rule 'config.env' given twice" },
		{ "unknown_key.yaml", 3, "unknown key 'severty'" },
		{ "bad_scope.yaml", 4, "unknown scope key 'namespaces'" },
		{ "scope_not_list.yaml", 4, "'groups' is not a list of globs" },
		{ "no_rules.yaml", 2, "no 'rules' mapping" },
		{ "empty.yaml", 2, "empty rule file" },
		{ "bad_version.yaml", 1, "unsupported version" },
		{ "two_documents.yaml", 3, "a rule file holds one document" },
		{ "no_severity.yaml", 3, "entry has no severity" },
		{ "empty_list.yaml", 2, "rule 'config.env' has an empty list" },
		{ "unknown_top_key.yaml", 1, "unknown key 'rulez'" },
		{ "not_a_mapping.yaml", 1, "expected a mapping with 'rules'" },
		{ "nul_in_key.yaml", 3, "NUL character in a scalar" },
		/* libyaml also breaks lines at LS, PS and NEL; editors do not. */
		{ "line_separator.yaml", 4, "unknown rule 'tag.unpined'" },
		{ "next_line_bad_yaml.yaml", 5, "mapping values are not allowed" },
		{ "utf16_separator.yaml", 3, "unknown rule 'bogus'" },
		/* An error in the encoding has an offset, not a mark. */
		{ "bad_utf8_after_ls.yaml", 4, "invalid leading UTF-8 octet" },
		{ "control_char.yaml", 3, "control characters are not allowed" },
		/* Bytes that are not UTF-8 are no line break on the way to the
		 * error: C0 4D read as C0 8D is CR (fuzz_ruleset's finding); C0
		 * 8A, an overlong LF, is refused at its first byte. */
		{ "bad_utf8_trailing.yaml", 1, "invalid trailing UTF-8 octet" },
		{ "overlong_line_feed.yaml", 2, "invalid length of a UTF-8 sequence" },
		/* At the end of a text without a final line break libyaml starts
		 * a line the text does not have. */
		{ "no_final_newline.yaml", 3, "could not find expected ':'" },
		{ "no_such_file.yaml", 0, "cannot open" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[4096], want[4200];
		gate_ruleset *rs = NULL;
		gate_err err = GATE_ERR_INIT;
		const char *p;

		snprintf(dir, sizeof(dir), "%s/fixtures/rules/bad", root);
		p = path_in(dir, cases[i].file);
		if (cases[i].line)
			snprintf(want, sizeof(want), "%s:%u: ", p, cases[i].line);
		else
			want[0] = '\0';
		CHECK(gate_ruleset_load(&rs, p, &err) == -1 && !rs && err.code == GATE_EINPUT,
		      "%s: loaded", cases[i].file);
		CHECK(!strncmp(err.msg, want, strlen(want)) && strstr(err.msg, cases[i].msg),
		      "%s: got '%s', want '%s...%s'", cases[i].file, err.msg, want, cases[i].msg);
	}
}

/* Every prefix of a rule file loads or is refused with its file and line:
 * never a crash, never an error without a message. */
static void test_truncated(void)
{
	static const char *const files[] = {
		"rules/strict.yaml", "fixtures/rules/scoped.yaml", "fixtures/rules/bad/bad_hostdata.yaml",
	};
	const char *cut = path_in(work, "cut.yaml");
	char text[16384];
	size_t i, len, n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(path_in(root, files[i]), "r");

		len = f ? fread(text, 1, sizeof(text), f) : 0;
		if (f)
			fclose(f);
		CHECK(len > 0 && len < sizeof(text), "%s: cannot read", files[i]);
		for (n = 0; n < len; n++) {
			gate_ruleset *rs = NULL;
			gate_err err = GATE_ERR_INIT;

			f = fopen(cut, "w");
			if (!f || fwrite(text, 1, n, f) != n || fclose(f)) {
				CHECK(0, "cannot write %s", cut);
				return;
			}
			if (gate_ruleset_load(&rs, cut, &err))
				CHECK(err.code == GATE_EINPUT && !strncmp(err.msg, cut, strlen(cut)) &&
				      err.msg[strlen(cut)] == ':',
				      "%s cut at %zu: '%s'", files[i], n, err.msg);
			gate_ruleset_free(rs);
		}
	}
}

/* A file past GATE_MAX_RULES_SIZE is refused before it is all read. */
static void test_too_large(void)
{
	const char *p = path_in(work, "large.yaml");
	FILE *f = fopen(p, "w");
	gate_ruleset *rs = NULL;
	gate_err err = GATE_ERR_INIT;
	size_t i;

	if (!f) {
		CHECK(0, "cannot write %s", p);
		return;
	}
	fputs("rules:\n  config.env: warn\n", f);
	for (i = 0; i < GATE_MAX_RULES_SIZE / 64 + 1; i++)
		fprintf(f, "# %061zu\n", i);
	fclose(f);
	CHECK(gate_ruleset_load(&rs, p, &err) && err.code == GATE_EINPUT &&
	      strstr(err.msg, "larger than the limit"), "a large file: '%s'", err.msg);
	gate_ruleset_free(rs);
}

/* ---- scopes ---- */

static void test_scopes(void)
{
	static const struct {
		enum gate_rule rule;
		const char *group, *container, *image;
		enum gate_severity want;
	} cases[] = {
		{ GATE_RULE_TAG_UNPINNED, "prod-web", "sidecar-x", "myacr.azurecr.io/a:1", GATE_SEVERITY_OFF },
		{ GATE_RULE_TAG_UNPINNED, "prod-web", "web", "myacr.azurecr.io/a:1", GATE_SEVERITY_DENY },
		{ GATE_RULE_TAG_UNPINNED, "prod-web", "web", "docker.io/x:1", GATE_SEVERITY_OFF },
		{ GATE_RULE_TAG_UNPINNED, "dev-web", "web", "docker.io/x:1", GATE_SEVERITY_WARN },
		{ GATE_RULE_TAG_UNPINNED, "stage", "web", "myacr.azurecr.io/a:1", GATE_SEVERITY_OFF },
		/* a finding about a whole group matches no containers or images list */
		{ GATE_RULE_TAG_UNPINNED, "prod-web", NULL, NULL, GATE_SEVERITY_OFF },
		{ GATE_RULE_TAG_UNPINNED, "dev-web", NULL, NULL, GATE_SEVERITY_WARN },
		{ GATE_RULE_TAG_UNPINNED, NULL, NULL, NULL, GATE_SEVERITY_OFF },
		/* groups are globs over the whole name, '*' crossing '/' */
		{ GATE_RULE_TAG_UNPINNED, "dev-a/b", "web", NULL, GATE_SEVERITY_WARN },
		{ GATE_RULE_TAG_UNPINNED, "xdev-web", "web", NULL, GATE_SEVERITY_OFF },
		{ GATE_RULE_CONFIG_ENV, "any", "c", "nginx", GATE_SEVERITY_WARN },
		{ GATE_RULE_CONFIG_ENV, NULL, NULL, NULL, GATE_SEVERITY_WARN },
		/* not named in the file: the built-in default */
		{ GATE_RULE_LAYERS_DRIFT, "prod-web", "web", "nginx", GATE_SEVERITY_DENY },
		{ GATE_RULE_COVERAGE_NOT_IN_TEMPLATE, "prod-web", NULL, NULL, GATE_SEVERITY_WARN },
		{ GATE_RULE_POLICY_HOSTDATA, "prod-web", NULL, NULL, GATE_SEVERITY_OFF },
		{ GATE_RULE_IMAGE_REGISTRY_ALLOWLIST, "prod-web", "web", "nginx", GATE_SEVERITY_DENY },
		{ GATE_RULE_IMAGE_REGISTRY_ALLOWLIST, "dev-web", "web", "nginx", GATE_SEVERITY_OFF },
	};
	gate_ruleset *rs = NULL;
	gate_err err = GATE_ERR_INIT;
	size_t i;

	CHECK(!gate_ruleset_load(&rs, path_in(root, "fixtures/rules/scoped.yaml"), &err),
	      "scoped.yaml: %s", err.msg);
	for (i = 0; rs && i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum gate_severity got = gate_ruleset_severity(rs, cases[i].rule, cases[i].group,
							       cases[i].container, cases[i].image);

		CHECK(got == cases[i].want, "scope case %zu (%s %s/%s %s): %s, want %s", i,
		      gate_rules[cases[i].rule].id, cases[i].group, cases[i].container,
		      cases[i].image, gate_severity_name(got), gate_severity_name(cases[i].want));
	}
	CHECK(gate_ruleset_lookup(rs, GATE_RULE_TAG_UNPINNED, "dev-web", "w", NULL).line == 12,
	      "the entry's line is not kept");
	CHECK(gate_ruleset_severity(NULL, GATE_RULE_TAG_UNPINNED, "g", "c", "i") == GATE_SEVERITY_WARN,
	      "no rule set is not the default");
	gate_ruleset_free(rs);
}

static void test_image_match(void)
{
	static const struct { const char *glob, *image; bool want; } cases[] = {
		{ "myacr.azurecr.io/*", "myacr.azurecr.io/team/app:v1", true },
		{ "myacr.azurecr.io/*", "myacr.azurecr.io.evil.com/app:v1", false },
		{ "*.azurecr.io/*", "myacr.azurecr.io/a/b@sha256:"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true },
		{ "*.azurecr.io/*", "evil.io/x.azurecr.io/y:1", false },
		{ "myacr.azurecr.io/app", "myacr.azurecr.io/app:v1", true },
		{ "myacr.azurecr.io/app", "myacr.azurecr.io/apple:v1", false },
		{ "myacr.azurecr.io/app:v1", "myacr.azurecr.io/app:v2", false },
		{ "myacr.azurecr.io/app:v1", "myacr.azurecr.io/app:v1", true },
		{ "docker.io/library/*", "nginx", true },
		{ "docker.io/*", "ghcr.io/docker.io/x:1", false },
		{ "nginx", "nginx", false },
		{ "docker.io/library/nginx:*", "nginx", true },
		{ "*", "[parameters('image')]", false },
		{ "*", "nginx", true },
		{ "mcr.microsoft.com/aci/*", "mcr.microsoft.com/aci/aci-cc-infra-fragment", true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(gate_ruleset_image_match(cases[i].glob, cases[i].image) == cases[i].want,
		      "image glob '%s' vs '%s': want %d", cases[i].glob, cases[i].image, cases[i].want);
}

/* ---- the rule-set rules over one group ---- */

#define HOSTDATA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HOSTDATA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct gate_container containers[] = {
	{ .name = "web", .image = "myacr.azurecr.io/team/web:v1" },
	{ .name = "db", .image = "postgres@" DIGEST },
	{ .name = "skr", .image = "mcr.microsoft.com/aci/skr:2.7", .is_sidecar = true },
	{ .name = "expr", .image = "[parameters('image')]" },
};

static struct gate_policy_container policy_containers[] = {
	{ .name = NULL, .is_pause = true, .allow_elevated = true,
	  .json = "{\"allow_stdio_access\":true}" },
	{ .name = "web", .id = "myacr.azurecr.io/team/web:v1", .allow_elevated = true,
	  .json = "{\"allow_elevated\":true,\"allow_stdio_access\":true}" },
	{ .name = "db", .id = "postgres@" DIGEST,
	  .json = "{\"allow_elevated\":false,\"allow_stdio_access\":false}" },
};

static struct gate_fragment fragments[] = {
	{ .feed = "mcr.microsoft.com/aci/aci-cc-infra-fragment", .minimum_svn = "1" },
	{ .feed = "contoso.azurecr.io/frag", .minimum_svn = "0" },
	{ .feed = "other.io/frag", .minimum_svn = NULL },
};

static struct gate_policy policy = {
	.hostdata = HOSTDATA_A,
	.containers = policy_containers, .containers_count = 3,
	.fragments = fragments, .fragments_count = 3,
};

/* "rule severity subject" per finding, joined by "; ". */
static void findings_text(char *buf, size_t size, const struct gate_verify_report *r)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < r->findings_count && n < size; i++) {
		const struct gate_finding *f = &r->findings[i];

		n += (size_t)snprintf(buf + n, size - n, "%s%s %s %s", i ? "; " : "",
				      gate_rules[f->rule].id, gate_severity_name(f->severity),
				      f->container ? f->container : f->image ? f->image : "-");
	}
}

static void test_policy_rules(void)
{
	static const struct { const char *group; bool has_policy; const char *yaml, *want; } cases[] = {
		{ "prod-web", true, NULL, "" },
		{ "prod-web", true, "rules: {}", "" },
		{ "prod-web", true,
		  "rules:\n  image.registry_allowlist:\n    severity: deny\n"
		  "    allow: [\"myacr.azurecr.io/*\"]\n",
		  "image.registry_allowlist deny db; image.registry_allowlist deny expr" },
		{ "dev-web", true,
		  "rules:\n  image.registry_allowlist:\n    severity: deny\n"
		  "    allow: [\"myacr.azurecr.io/*\"]\n    scope: { groups: [\"prod-*\"] }\n", "" },
		{ "prod-web", true,
		  "rules:\n  image.registry_allowlist:\n    severity: warn\n"
		  "    allow: [\"myacr.azurecr.io/*\", \"docker.io/library/*\"]\n"
		  "    scope: { containers: [\"db\", \"web\"] }\n", "" },
		{ "prod-web", true, "rules:\n  image.digest_pinned: deny\n",
		  "image.digest_pinned deny web; image.digest_pinned deny expr" },
		{ "prod-web", true,
		  "rules:\n  image.digest_pinned:\n    severity: warn\n"
		  "    except: [\"myacr.azurecr.io/team/*\"]\n",
		  "image.digest_pinned warn expr" },
		{ "prod-web", true, "rules:\n  policy.allow_elevated: warn\n",
		  "policy.allow_elevated warn web" },
		{ "prod-web", true,
		  "rules:\n  policy.allow_elevated:\n    severity: deny\n    scope: { containers: [\"db\"] }\n",
		  "" },
		{ "prod-web", true, "rules:\n  policy.stdio_access: deny\n", "policy.stdio_access deny web" },
		{ "prod-web", true, "rules:\n  policy.min_svn:\n    severity: deny\n    min: 1\n",
		  "policy.min_svn deny contoso.azurecr.io/frag; policy.min_svn deny other.io/frag" },
		{ "prod-web", true, "rules:\n  policy.min_svn:\n    severity: deny\n    min: 2\n",
		  "policy.min_svn deny mcr.microsoft.com/aci/aci-cc-infra-fragment; "
		  "policy.min_svn deny contoso.azurecr.io/frag; policy.min_svn deny other.io/frag" },
		{ "prod-web", true,
		  "rules:\n  policy.min_svn:\n    - severity: off\n"
		  "      scope: { images: [\"mcr.microsoft.com/aci/*\"] }\n"
		  "    - severity: warn\n      min: 2\n",
		  "policy.min_svn warn contoso.azurecr.io/frag; policy.min_svn warn other.io/frag" },
		{ "prod-web", true,
		  "rules:\n  policy.hostdata:\n    severity: deny\n    expect:\n"
		  "      \"prod-*\": " HOSTDATA_A "\n", "" },
		{ "prod-web", true,
		  "rules:\n  policy.hostdata:\n    severity: deny\n    expect:\n"
		  "      \"dev-*\": " HOSTDATA_A "\n      \"prod-*\": " HOSTDATA_B "\n",
		  "policy.hostdata deny -" },
		/* the first glob that matches decides, in file order */
		{ "prod-web", true,
		  "rules:\n  policy.hostdata:\n    severity: deny\n    expect:\n"
		  "      \"prod-web\": AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
		  "      \"prod-*\": " HOSTDATA_B "\n", "" },
		{ "dev-web", true,
		  "rules:\n  policy.hostdata:\n    severity: deny\n    expect:\n"
		  "      \"prod-*\": " HOSTDATA_B "\n", "" },
		{ "prod-web", false,
		  "rules:\n  policy.hostdata:\n    severity: warn\n    expect:\n"
		  "      \"prod-*\": " HOSTDATA_A "\n", "policy.hostdata warn -" },
		{ "prod-web", false, "rules:\n  policy.stdio_access: deny\n  policy.allow_elevated: deny\n",
		  "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gate_group g = { .name = (char *)cases[i].group, .containers = containers,
					.containers_count = 4,
					.policy = cases[i].has_policy ? &policy : NULL };
		struct gate_verify_report r = GATE_VERIFY_REPORT_INIT;
		gate_ruleset *rs = cases[i].yaml ? load_text(cases[i].yaml) : NULL;
		gate_err err = GATE_ERR_INIT;
		char got[4096];

		CHECK(!gate_policy_rules_check(&r, "t.json", NULL, &g, rs, &err), "case %zu: %s", i, err.msg);
		findings_text(got, sizeof(got), &r);
		CHECK(!strcmp(got, cases[i].want), "policy rules case %zu: got '%s', want '%s'", i,
		      got, cases[i].want);
		for (size_t j = 0; j < r.findings_count; j++)
			CHECK(!strcmp(r.findings[j].file, "t.json") &&
			      !strcmp(r.findings[j].group, cases[i].group) && r.findings[j].message &&
			      json_is_object(r.findings[j].details),
			      "case %zu: finding %zu lacks where or what", i, j);
		/* The run's own free: a field added to findings is freed here too. */
		gate_verify_report_free(&r);
		gate_ruleset_free(rs);
	}
}

/* ---- gate rules list ---- */

static void test_rules_list(void)
{
	char *text = NULL, line[512];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int n = 0;

	CHECK(f && !gate_report_rules_list(f), "rules list failed");
	fclose(f);
	f = fmemopen(text, size, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char id[128], sev[16];

		CHECK(n < GATE_RULE_COUNT && sscanf(line, "%127s %15s", id, sev) == 2 &&
		      !strcmp(id, gate_rules[n].id) &&
		      !strcmp(sev, gate_severity_name(gate_rules[n].severity)) &&
		      strstr(line, gate_rules[n].summary),
		      "rules list line %d: %s", n, line);
		n++;
	}
	CHECK(n == GATE_RULE_COUNT, "rules list has %d lines, want %d", n, GATE_RULE_COUNT);
	if (f)
		fclose(f);
	free(text);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_rules REPO_ROOT WORK_DIR\n");
		return 2;
	}
	root = argv[1];
	work = argv[2];
	test_shipped();
	test_readme_example();
	test_refused();
	test_truncated();
	test_too_large();
	test_scopes();
	test_image_match();
	test_policy_rules();
	test_rules_list();
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures != 0;
}
