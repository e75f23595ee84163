/*
 * test_policy.c - unit tests of base64, the policy scanner, the ARM
 * expression evaluator and the template readers.
 *
 *   test_policy FIXTURES_DIR
 *
 * Values asserted for the samples come from fixtures/samples/README.md and
 * from reading the sample files, not from the gate's own output.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input/arm_expr.h"
#include "base/b64.h"
#include "input/input.h"
#include "input/model.h"
#include "input/policy.h"
#include "check.h"

static const char *fixtures;

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	if (!(f = fopen(path, "rb")) || !(buf = malloc(1 << 22))) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	*len = fread(buf, 1, (1 << 22) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static struct gate_policy *parse_file(const char *name, gate_err *err)
{
	struct gate_policy *p = NULL;
	size_t len;
	char *text = slurp(name, &len);

	gate_err_clear(err);
	gate_policy_parse(&p, text, len, err);
	free(text);
	return p;
}

static struct gate_policy *parse_text(const char *text, gate_err *err)
{
	struct gate_policy *p = NULL;

	gate_err_clear(err);
	gate_policy_parse(&p, text, strlen(text), err);
	return p;
}

/* ---- base64 ---- */

static void test_b64(void)
{
	static const struct {
		const char *in, *out, *err;
	} cases[] = {
		{ "", "", NULL },
		{ "cGFja2FnZQ==", "package", NULL },
		{ "cG9saWN5", "policy", NULL },
		{ "cG9saWN5Lg==", "policy.", NULL },
		{ "cG9saWN5IQ=", NULL, "not a multiple of 4" },
		{ "cG9s aWN5", NULL, "not a multiple of 4" },
		{ "cG9s\naWN", NULL, "invalid base64 byte 0x0a at offset 4" },
		{ "cG9-aWN5", NULL, "invalid base64 character '-' at offset 3" },
		{ "cG9_aWN5", NULL, "'_' at offset 3" },
		{ "cG==aWN5", NULL, "'=' at offset 2" },
		{ "cGFja2FnZR==", NULL, "non-zero unused bits" },
		{ "cGFja2FnZS=", NULL, "not a multiple of 4" },
		{ "cGFja2FnZTl=", NULL, "non-zero unused bits" },
		{ "====", NULL, "'=' at offset 0" },
		{ "a===", NULL, "'=' at offset 1" },
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gate_err err = GATE_ERR_INIT;
		unsigned char *out = NULL;
		int rc = gate_b64_decode(&out, &n, cases[i].in, strlen(cases[i].in), &err);

		if (cases[i].out) {
			CHECK(rc == 0);
			CHECK(out && n == strlen(cases[i].out) && !memcmp(out, cases[i].out, n));
		} else {
			CHECK(rc == -1 && err.code == GATE_EINPUT);
			CHECK_HAS(err.msg, cases[i].err);
		}
		free(out);
	}
}

/* ---- samples ---- */

static void test_sample_existing_policy(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = parse_file("samples/azure-cli-extensions__existing_policy__ccePolicy.decoded.rego",
					   &err);
	struct gate_policy_container *c;

	CHECK(p);
	if (!p)
		return;
	CHECK_STR(p->hostdata, "2c692a13bd6ac842a82a4e5ce11c9a9fe75fa876a4e8f275996f26cd90b8cf95");
	CHECK(p->text_size == 5004);
	CHECK(p->dialect == GATE_DIALECT_REGO && p->class == GATE_POLICY_NORMAL);
	CHECK(p->reasons.n == 0 && p->notes_count == 0);
	CHECK_STR(p->package, "policy");
	CHECK_STR(p->api_version, "0.10.0");
	CHECK_STR(p->framework_version, "0.2.3");
	CHECK(!p->svn_spelling);
	CHECK(p->flags[GATE_FLAG_PROPERTIES_ACCESS] == 1 && p->flags[GATE_FLAG_DUMP_STACKS] == 0 &&
	      p->flags[GATE_FLAG_RUNTIME_LOGGING] == 0 && p->flags[GATE_FLAG_ENV_DROPPING] == 1 &&
	      p->flags[GATE_FLAG_UNENCRYPTED_SCRATCH] == 0 &&
	      p->flags[GATE_FLAG_CAPABILITY_DROPPING] == 1 && p->flags[GATE_FLAG_HOST_NETWORK] == -1);
	CHECK(p->fragments_count == 1);
	CHECK_STR(p->fragments[0].feed, "mcr.microsoft.com/aci/aci-cc-infra-fragment");
	CHECK_STR(p->fragments[0].minimum_svn, "4");
	CHECK_STR(p->fragments[0].issuer, "did:x509:0:sha256:I__iuL25oXEVFdTP_aBLx_eT1RPHbCQ_ECBQfYZpt9s::eku:1.3.6.1.4.1.311.76.59.1.3");
	CHECK(p->fragments[0].includes.n == 2);
	CHECK(p->containers_count == 2);
	c = &p->containers[0];
	CHECK_STR(c->name, "container1");
	CHECK_STR(c->id, "mcr.microsoft.com/azurelinux/distroless/base@sha256:1e77d97e1e39f22ed9c52f49b3508b4c1044cec23743df9098ac44e025f654f2");
	CHECK(c->layers.n == 1);
	CHECK_STR(c->layers.v[0], "243e1b3ce08093f2f0d9cd6a9eafde8737f64fec105ed59c346d309fbe760b58");
	CHECK(c->command_null && !c->is_pause && !c->is_sidecar);
	CHECK_STR(c->working_dir, "/");
	CHECK(c->env_rules_count == 11);
	CHECK_STR(c->env_rules[0].pattern, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK_STR(c->env_rules[2].pattern, "(?i)(FABRIC)_.+=.+");
	CHECK_STR(c->env_rules[2].strategy, "re2");
	CHECK_HAS(c->json, "\"seccomp_profile_sha256\":\"\"");
	c = &p->containers[1];
	CHECK_STR(c->name, "pause-container");
	CHECK(!c->id && c->is_pause && c->command.n == 1);
	CHECK_STR(c->command.v[0], "/pause");
	CHECK(c->env_rules_count == 2 && c->env_rules[0].required && !c->env_rules[1].required);
	gate_policy_free(p);
}

static void test_sample_policies(void)
{
	static const struct {
		const char *file, *hostdata, *api;
		size_t containers;
		const char *name0, *id0;
		size_t layers0;
		const char *layer0, *workdir0;
		size_t fragments;
	} cases[] = {
		{ "azure-cli-extensions__conflicting_variables__policy.rego",
		  "4fac0c038f338203632665d01b2323a13347ae8b239cb4b83f0e55e3e85982ae", "0.10.0", 2,
		  "container1", "mcr.microsoft.com/acc/samples/aci/helloworld@sha256:86da7a2c5e55b72bf6bc7cf465b860e49c075395d854877124de63a9342ac777",
		  7, "4e74440c7b0e6e6c1cc9e6eb9b779e1ffde807122ed8a16bb0422a1d64fd5aa8", "/app", 1 },
		{ "azure-cli-extensions__minimal__policy_fragment.rego",
		  "1aac9e55f6a4c669b25806a64a157a5d52692b08cd362c3b52ff93b128d52682", "0.11.0", 2,
		  "container1", "mcr.microsoft.com/azurelinux/distroless/base@sha256:1e77d97e1e39f22ed9c52f49b3508b4c1044cec23743df9098ac44e025f654f2",
		  1, "243e1b3ce08093f2f0d9cd6a9eafde8737f64fec105ed59c346d309fbe760b58", "/", 2 },
		{ "confidential-aci-examples__policy_attestation.rego",
		  "d008d2d9ed5fc26b7ac8646caf488bf7beddb6a43677ae5de6c52585e2f8e6bc", "0.10.0", 2,
		  "primary", "caciexamples.azurecr.io/attestation/primary:777f7003-b022-4057-bbb9-e821049af792",
		  11, "208d6b1aa8ed709232118ee05fd4f5da166091c949a5566c6c8eaa1c5718cc6f", "/app", 1 },
		{ "confidential-sidecar-containers__policy_attestation_2containers.rego",
		  "abf5f071dfc0788a47cc0692e0e9d8aa1f81f8fc069095c0165f6e8d05d93e2b", "0.10.0", 3,
		  "attestation-primary", "confidentialsidecars.azurecr.io/attestation/primary:dom",
		  13, "8e978a1d2dbb44e1ff09eb8edc611f716bb4307c9c1b7583302d94d34daa007f", "/usr/src/app", 1 },
	};
	char name[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gate_err err = GATE_ERR_INIT;
		struct gate_policy *p;
		struct gate_policy_container *c, *last;

		snprintf(name, sizeof(name), "samples/%s", cases[i].file);
		p = parse_file(name, &err);
		CHECK(p);
		if (!p)
			continue;
		CHECK_STR(p->hostdata, cases[i].hostdata);
		CHECK(p->class == GATE_POLICY_NORMAL);
		CHECK_STR(p->api_version, cases[i].api);
		CHECK_STR(p->framework_version, "0.2.3");
		CHECK(p->fragments_count == cases[i].fragments);
		CHECK(p->containers_count == cases[i].containers);
		c = &p->containers[0];
		last = &p->containers[p->containers_count - 1];
		CHECK_STR(c->name, cases[i].name0);
		CHECK_STR(c->id, cases[i].id0);
		CHECK(c->layers.n == cases[i].layers0);
		CHECK_STR(c->layers.v[0], cases[i].layer0);
		CHECK_STR(c->working_dir, cases[i].workdir0);
		CHECK(last->is_pause && !c->is_pause);
		CHECK_STR(last->layers.v[0], GATE_PAUSE_LAYER);
		gate_policy_free(p);
	}
}

static void test_sample_details(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p;

	p = parse_file("samples/azure-cli-extensions__conflicting_variables__policy.rego", &err);
	CHECK(p && p->containers[0].command.n == 2);
	if (p) {
		CHECK_STR(p->containers[0].command.v[0], "python3");
		CHECK_STR(p->containers[0].command.v[1], "main.py");
		CHECK_STR(p->containers[0].layers.v[6], "8348c9d4357db6a600aa4c5116ed9755a230d274096706a7d214c02105d0b256");
	}
	gate_policy_free(p);

	/* The pause container of this sample has no name. */
	p = parse_file("samples/confidential-aci-examples__policy_attestation.rego", &err);
	CHECK(p && !p->containers[1].name && !p->containers[1].id);
	if (p)
		CHECK_STR(p->containers[0].layers.v[10], "a82cc701736c02099ac7b0720df6e2def844b509a2423e5735e84b2c98d21cf1");
	gate_policy_free(p);

	p = parse_file("samples/confidential-sidecar-containers__policy_attestation_2containers.rego", &err);
	CHECK(p && p->containers[1].layers.n == 9);
	if (p) {
		CHECK_STR(p->containers[1].name, "attestation-sidecar");
		CHECK_STR(p->containers[1].command.v[2], "/mnt/uds/sock");
		CHECK_HAS(p->containers[0].json, "\"destination\":\"/mnt/uds\"");
	}
	gate_policy_free(p);

	/* signals [9,15] and rw_mount_device in the newest format */
	p = parse_file("samples/azure-cli-extensions__minimal__policy_fragment.rego", &err);
	CHECK(p && strstr(p->containers[0].json, "\"signals\":[9,15]"));
	if (p)
		CHECK_STR(p->fragments[1].issuer, "did:x509:0:sha256:8OhuTqQPbrbDMXV9QentXIIRWqcmU_B88n8jPr1WsBc::subject:CN:Contoso");
	gate_policy_free(p);
}

/* Dialect C: backticks, trailing commas, external_processes, api_svn. */
static void test_sample_dialect_c(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = parse_file("samples/hcsshim__policy-v0.1.0.rego", &err);

	CHECK(p);
	if (!p)
		return;
	CHECK_STR(p->hostdata, "2e407569234affef52bd6c1240809d4648f0dd9be0c46416d4361539b676baf1");
	CHECK(p->svn_spelling);
	CHECK_STR(p->api_version, "0.10.0");
	CHECK_STR(p->framework_version, "0.1.0");
	CHECK(p->containers_count == 2 && p->external_processes_count == 2);
	CHECK(p->containers[0].is_pause && !p->containers[0].name && !p->containers[0].id);
	CHECK_STR(p->containers[1].layers.v[0], "0196c8ecca6c885a250b186ed8449cf42d737b8551b8d0839381461d95461802");
	CHECK(p->containers[1].command.n == 3 && p->containers[1].allow_elevated);
	CHECK_STR(p->containers[1].command.v[2], "echo 'Hello'");
	CHECK_STR(p->containers[1].env_rules[0].pattern, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	/* allow_dump_stacks, allow_runtime_logging and an external bash */
	CHECK(p->class == GATE_POLICY_DEBUG && p->reasons.n == 3);
	CHECK(p->notes_count == 0);
	gate_policy_free(p);
}

static void test_sample_legacy(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = parse_file("samples/hcsshim__legacy_json_policy_rust.json", &err);

	CHECK(p);
	if (!p)
		return;
	CHECK_STR(p->hostdata, "1beb384360556e3fae6f9914a2355fb1f29bd92dc6d81d4ee624af48ab51f987");
	CHECK(p->dialect == GATE_DIALECT_LEGACY_JSON && p->class == GATE_POLICY_LEGACY_JSON);
	CHECK(p->containers_count == 2);
	CHECK(p->containers[0].layers.n == 6);
	CHECK_STR(p->containers[0].layers.v[0], "fe84c9d5bfddd07a2624d00333cf13c1a9c941f3a261f13ead44fc6a93bc0e7a");
	CHECK_STR(p->containers[0].layers.v[5], "1b80f120dbd88e4355d6241b519c3e25290215c469516b49dece9cf07175a766");
	CHECK(p->containers[0].command.n == 2);
	CHECK_STR(p->containers[0].command.v[0], "rustc");
	CHECK(p->containers[0].env_rules_count == 6);
	CHECK_STR(p->containers[0].env_rules[5].pattern, "PREFIX_.+=.+");
	CHECK_STR(p->containers[0].env_rules[5].strategy, "re2");
	CHECK(p->containers[1].is_pause);
	gate_policy_free(p);
}

/* ---- dialects and twins made for the gate ---- */

static void test_fixture_dialects(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p;

	p = parse_file("policy/dialect_b.rego", &err);
	CHECK(p && p->class == GATE_POLICY_NORMAL && p->containers_count == 2);
	if (p) {
		CHECK_STR(p->api_version, "0.9.0");
		CHECK(p->svn_spelling && !p->framework_version && p->fragments_count == 0);
		CHECK(p->containers[1].layers.n == 2 && p->containers[0].is_pause);
		CHECK_STR(p->containers[1].working_dir, "/usr/src/app");
		CHECK(p->flags[GATE_FLAG_PROPERTIES_ACCESS] == 0);
	}
	gate_policy_free(p);

	p = parse_file("policy/dialect_g.rego", &err);
	CHECK(p && p->class == GATE_POLICY_NORMAL && p->containers_count == 1);
	if (p) {
		struct gate_policy_container *c = &p->containers[0];

		CHECK_STR(p->framework_version, "0.5.0");
		CHECK_STR(p->fragments[0].minimum_svn, "4");
		CHECK(p->fragments[0].includes.n == 2);
		CHECK_STR(c->command.v[2], "echo \"hi\\n\" \xc3\xa9");
		CHECK(c->env_rules_count == 2);
		CHECK_STR(c->env_rules[0].pattern, "PATH=/usr/bin:/bin");
		CHECK_STR(c->env_rules[0].strategy, "string");
		CHECK_STR(c->env_rules[1].pattern, "\\QTOKEN\\E=.+");
		CHECK_STR(c->env_rules[1].strategy, "re2");
		CHECK(c->env_rules[1].required);
		CHECK_HAS(c->json, "\"capabilities\":null");
		CHECK_HAS(c->json, "\"platform_rules\":{\"future\":true}");
		CHECK(p->flags[GATE_FLAG_HOST_NETWORK] == 0);
	}
	gate_policy_free(p);

	p = parse_file("policy/fragment_h.rego", &err);
	CHECK(p && p->class == GATE_POLICY_NORMAL);
	if (p) {
		CHECK_STR(p->package, "contoso_app");
		CHECK_STR(p->svn, "3");
		CHECK(!p->api_version && p->containers[0].layers.n == 2);
	}
	gate_policy_free(p);

	p = parse_file("policy/open_door.rego", &err);
	CHECK(p && p->class == GATE_POLICY_OPEN_DOOR && p->containers_count == 0);
	CHECK(p && p->reasons.n == 18);
	gate_policy_free(p);

	p = parse_file("policy/legacy_allow_all.json", &err);
	CHECK(p && p->class == GATE_POLICY_OPEN_DOOR && p->dialect == GATE_DIALECT_LEGACY_JSON);
	gate_policy_free(p);

	p = parse_file("policy/empty.rego", &err);
	CHECK(p && p->class == GATE_POLICY_EMPTY && p->dialect == GATE_DIALECT_NONE);
	if (p)
		CHECK_STR(p->hostdata, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	gate_policy_free(p);

	p = parse_file("policy/hand_written.rego", &err);
	CHECK(p && p->class == GATE_POLICY_HAND_WRITTEN && p->notes_count == 2);
	if (p && p->notes_count == 2) {
		CHECK(p->notes[0].line == 12 && p->notes[0].col == 1);
		CHECK_HAS(p->notes[0].msg, "default allow_host");
		CHECK(p->notes[1].line == 14 && p->notes[1].col == 1);
		/* the statement after the multi-line rule is read again */
		CHECK(p->flags[GATE_FLAG_PROPERTIES_ACCESS] == 1 && p->containers_count == 1);
	}
	gate_policy_free(p);

	/* Twin of the existing policy with --debug-mode's changes. */
	p = parse_file("policy/debug.rego", &err);
	CHECK(p && p->class == GATE_POLICY_DEBUG && p->reasons.n == 3);
	if (p) {
		CHECK(p->containers[0].exec_processes_count == 2);
		CHECK_STR(p->containers[0].exec_processes[0].v[0], "/bin/sh");
		CHECK(strcmp(p->hostdata, "2c692a13bd6ac842a82a4e5ce11c9a9fe75fa876a4e8f275996f26cd90b8cf95"));
	}
	gate_policy_free(p);
}

static void expect_policy_error(const char *file, const char *text, const char *msg, int line)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = file ? parse_file(file, &err) : parse_text(text, &err);

	check_report(p == NULL, __FILE__, line, "%s", file ? file : text);
	check_report(err.code == GATE_EINPUT, __FILE__, line, "%s", "GATE_EINPUT");
	check_report(strstr(err.msg, msg) != NULL, __FILE__, line, "%s", msg);
	if (!strstr(err.msg, msg))
		fprintf(stderr, "  got: %s\n", err.msg);
	gate_policy_free(p);
}

#define EXPECT_FILE_ERROR(file, msg) expect_policy_error(file, NULL, msg, __LINE__)
#define EXPECT_TEXT_ERROR(text, msg) expect_policy_error(NULL, text, msg, __LINE__)

/* The text need not end in a NUL: a placeholder cut by the end of the
 * buffer must be read within it.  Exactly len bytes are allocated, so the
 * sanitizer build sees a read past them (fuzz_policy found one). */
static void test_placeholder_at_end(void)
{
	static const char text[] = "containers := []\n@@API_VERSION";
	size_t len = sizeof(text) - 1;
	char *buf = malloc(len);
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = NULL;

	CHECK(buf != NULL);
	if (!buf)
		return;
	memcpy(buf, text, len);
	CHECK(gate_policy_parse(&p, buf, len, &err) == 0);
	gate_policy_free(p);
	free(buf);
}

static void test_policy_errors(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p;
	char deep[300];

	EXPECT_FILE_ERROR("policy/bracket_removed.rego", "'containers': line 21, column 2330: expected ',' or ']'");
	EXPECT_FILE_ERROR("policy/hash_shortened.rego", "line 21: container 'primary' (containers[0]): layers[0]: '208d6b1aa8ed709232118ee05fd4f5da166091c949a5566c6c8eaa1c5718cc6' is not 64 lowercase hex digits");
	EXPECT_FILE_ERROR("policy/dup_containers.rego", "line 51: 'containers' is bound again (first at line 21)");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [\"ab\"]", "line 1, column 16: unterminated '{'");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": []}]\nx := `unterminated", "line 2, column 6: unterminated raw string");
	EXPECT_TEXT_ERROR("containers := [{\"id\": \"a\", \"id\": \"b\", \"layers\": []}]", "duplicate key 'id'");
	EXPECT_TEXT_ERROR("containers := data.policy.containers", "the value is not a literal");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": []}] {\n true\n}", "text after the value");
	EXPECT_TEXT_ERROR("containers := [{\"name\": \"x\"}]", "container 'x' (containers[0]): no 'layers'");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [], \"command\": \"sh\"}]", "'command' is not a list");
	EXPECT_TEXT_ERROR("containers := [\"x\"]", "containers[0] is not an object");
	/* A list's element is named as a path, counted from 0 as in JSON. */
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [1]}]", "containers[0]: layers[0] is not a string");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [], \"env_rules\": [1]}]", "containers[0]: env_rules[0]: env rule is not an object");
	EXPECT_TEXT_ERROR("fragments := [{\"feed\": 1}]", "fragments[0]: 'feed' is not a string");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [], \"name\": \"a\\u0000b\"}]", "NUL character in string");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [], \"name\": \"\\ud800\"}]", "high surrogate");
	EXPECT_TEXT_ERROR("allow {\n  x := [1, 2\n}\n", "unbalanced '}'");
	EXPECT_TEXT_ERROR("package policy\n\x01", "not text: control byte 0x01 at offset 15");
	EXPECT_TEXT_ERROR("package policy\n# \xc3\x28", "invalid UTF-8 at offset 17");
	EXPECT_TEXT_ERROR("{\"containers\": {\"length\": 2, \"elements\": {\"0\": {\"layers\": {\"length\": 0, \"elements\": {}}}}}}",
			  "'length' 2 but 1 elements");
	EXPECT_TEXT_ERROR("{\"allow_all\": true} x", "text after the JSON policy");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [], \"signals\": [1e999]}]",
			  "line 1, column 43: number out of range");
	EXPECT_TEXT_ERROR("containers := [{\"layers\": [], \"signals\": [99999999999999999999]}]",
			  "number out of range");

	memset(deep, '[', sizeof(deep));
	memcpy(deep, "x := ", 5);
	deep[sizeof(deep) - 1] = '\0';
	p = parse_text(deep, &err);
	/* Not a binding the gate must read: a note, but the unbalanced
	 * brackets still make it an error. */
	CHECK(!p && strstr(err.msg, "nested deeper than 64"));
	gate_policy_free(p);

	/* Comments, '=' bindings, numbers for svn values and Unicode escapes. */
	p = parse_text("package policy # ns\n# comment\napi_svn = 1\ncontainers := [ # c\n"
		       "{\"layers\": [],\"name\": \"\\u00e9\\ud83d\\ude00\", \"allow_elevated\": true,},\n]\n",
		       &err);
	/* A version that is not MAJOR.MINOR.PATCH cannot say which enforcement
	 * points it predates: a note, and never normal. */
	CHECK(p && p->class == GATE_POLICY_HAND_WRITTEN && p->notes_count == 1 &&
	      strstr(p->notes[0].msg, "api_version '1' is not MAJOR.MINOR.PATCH") &&
	      p->notes[0].line == 3);
	if (p) {
		CHECK_STR(p->package, "policy");
		CHECK_STR(p->api_version, "1");
		CHECK_STR(p->containers[0].name, "\xc3\xa9\xf0\x9f\x98\x80");
		CHECK(p->containers[0].allow_elevated);
	}
	gate_policy_free(p);

	/* An empty list lets no container run: nothing unread about it. */
	p = parse_text("package policy\ncontainers := []\n", &err);
	CHECK(p && p->class == GATE_POLICY_NORMAL && p->reasons.n == 0);
	gate_policy_free(p);

	EXPECT_TEXT_ERROR("containers := []\nmount_device := data.a\nmount_device := data.b\n",
			  "line 3: 'mount_device' is bound again (first at line 2)");

	/* An enforcement point handed to anything but its framework rule
	 * is not read, so the policy is not normal. */
	p = parse_text("containers := []\ncreate_container := data.policy.mine\n"
		       "mine := {\"allowed\": true}\n", &err);
	CHECK(p && p->class == GATE_POLICY_HAND_WRITTEN && p->notes_count == 1);
	if (p && p->notes_count == 1)
		CHECK_HAS(p->notes[0].msg, "'create_container' is not bound to data.framework.create_container");
	gate_policy_free(p);
	p = parse_text("containers := []\nmount_device := data.framework.unmount_device\n"
		       "create_container := {\"allowed\": input.x}\n", &err);
	CHECK(p && p->class == GATE_POLICY_HAND_WRITTEN && p->notes_count == 2);
	gate_policy_free(p);
	p = parse_text("containers := []\nmount_device := data.framework.mount_device\n"
		       "create_container = data.framework.create_container\n", &err);
	CHECK(p && p->class == GATE_POLICY_NORMAL && p->notes_count == 0);
	gate_policy_free(p);

	/* A flag bound to something other than a boolean is a note. */
	p = parse_text("containers := []\nallow_dump_stacks := data.x\n", &err);
	CHECK(p && p->class == GATE_POLICY_HAND_WRITTEN && p->notes_count == 1);
	gate_policy_free(p);
}

/* Past the first notes, unread statements are only counted. */
static void test_note_limit(void)
{
	char text[4096] = "containers := []\n";
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p;
	int i;

	for (i = 0; i < 100; i++)
		strcat(text, "allow { true }\n");
	p = parse_text(text, &err);
	CHECK(p && p->class == GATE_POLICY_HAND_WRITTEN && p->notes_count == 64);
	CHECK(p && p->notes[63].line == 65 && !strcmp(p->reasons.v[0], "100 statements not read"));
	gate_policy_free(p);
}

static void test_decode(void)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = NULL;
	size_t len;
	char *b64;

	b64 = slurp("policy/existing_policy.b64", &len);
	CHECK(gate_policy_decode(&p, b64, len - 1, &err) == 0);
	if (p)
		CHECK_STR(p->hostdata, "2c692a13bd6ac842a82a4e5ce11c9a9fe75fa876a4e8f275996f26cd90b8cf95");
	gate_policy_free(p);
	free(b64);

	/* One base64 character changed: a layer digit is no longer hex. */
	b64 = slurp("policy/b64_hash_char.b64", &len);
	gate_err_clear(&err);
	CHECK(gate_policy_decode(&p, b64, len - 1, &err) == -1 && !p);
	CHECK_HAS(err.msg, "'24se1b3ce08093f2f0d9cd6a9eafde8737f64fec105ed59c346d309fbe760b58' is not 64 lowercase hex digits");
	free(b64);

	b64 = slurp("policy/b64_bad_char.b64", &len);
	gate_err_clear(&err);
	CHECK(gate_policy_decode(&p, b64, len - 1, &err) == -1 && !p);
	CHECK_HAS(err.msg, "invalid base64 character '-' at offset 3336");
	free(b64);
}

/* ---- ARM expressions ---- */

static const char arm_template[] =
	"{\"parameters\": {"
	"  \"name\": {\"type\": \"string\", \"defaultValue\": \"Web\"},"
	"  \"tag\": {\"type\": \"string\", \"value\": \"from-value\", \"defaultValue\": \"from-default\"},"
	"  \"only\": {\"type\": \"string\", \"defaultValue\": \"from-default\"},"
	"  \"given\": {\"type\": \"string\", \"value\": \"from-value\", \"defaultValue\": \"from-default\"},"
	"  \"derived\": {\"type\": \"string\", \"defaultValue\": \"[concat(parameters('name'), '-x')]\"},"
	"  \"count\": {\"type\": \"int\", \"defaultValue\": 3},"
	"  \"list\": {\"type\": \"array\", \"defaultValue\": [\"a\", \"b\"]},"
	"  \"obj\": {\"type\": \"object\", \"defaultValue\": {\"k\": \"v\"}},"
	"  \"flag\": {\"type\": \"bool\", \"defaultValue\": true},"
	"  \"novalue\": {\"type\": \"string\"},"
	"  \"vault\": {\"type\": \"securestring\"}"
	"},"
	"\"variables\": {"
	"  \"lower\": \"[toLower(parameters('name'))]\","
	"  \"nested\": {\"img\": \"[concat(variables('lower'), ':1')]\", \"lit\": \"[[x]\"},"
	"  \"self\": \"[variables('self')]\","
	"  \"delims\": [\",\", \";\"],"
	"  \"mixed\": [\"a\", \"[resourceGroup().name]\"],"
	"  \"v0\": \"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789\","
	"  \"v1\": \"[concat(variables('v0'), variables('v0'))]\","
	"  \"v2\": \"[concat(variables('v1'), variables('v1'))]\","
	"  \"v3\": \"[concat(variables('v2'), variables('v2'))]\","
	"  \"v4\": \"[concat(variables('v3'), variables('v3'))]\","
	"  \"v5\": \"[concat(variables('v4'), variables('v4'))]\","
	"  \"v6\": \"[concat(variables('v5'), variables('v5'))]\","
	"  \"v7\": \"[concat(variables('v6'), variables('v6'))]\","
	"  \"v8\": \"[concat(variables('v7'), variables('v7'))]\","
	"  \"v9\": \"[concat(variables('v8'), variables('v8'))]\","
	"  \"v10\": \"[concat(variables('v9'), variables('v9'))]\","
	"  \"v11\": \"[concat(variables('v10'), variables('v10'))]\","
	"  \"v12\": \"[concat(variables('v11'), variables('v11'))]\","
	"  \"v13\": \"[concat(variables('v12'), variables('v12'))]\","
	"  \"v14\": \"[concat(variables('v13'), variables('v13'))]\""
	"}}";

static const char arm_params[] =
	"{\"parameters\": {\"given\": {\"value\": \"from-file\"},"
	" \"vault\": {\"reference\": {\"keyVault\": {\"id\": \"x\"}, \"secretName\": \"s\"}}}}";

static json_t *arm_eval(gate_arm *a, const char *expr, gate_err *err)
{
	json_t *in = json_string(expr), *out = NULL;
	bool raw;

	gate_err_clear(err);
	gate_arm_eval(a, &out, &raw, in, err);
	json_decref(in);
	return out;
}

static void expect_string(gate_arm *a, const char *expr, const char *want, int line)
{
	gate_err err = GATE_ERR_INIT;
	json_t *v = arm_eval(a, expr, &err);

	check_report(json_is_string(v) && !strcmp(json_string_value(v), want), __FILE__, line, "%s", expr);
	if (!json_is_string(v) || strcmp(json_string_value(v), want))
		fprintf(stderr, "  got: %s / %s\n", json_string_value(v), err.msg);
	json_decref(v);
}

static void expect_error(gate_arm *a, const char *expr, const char *msg, int line)
{
	gate_err err = GATE_ERR_INIT;
	json_t *v = arm_eval(a, expr, &err);

	check_report(!v && err.code == GATE_EINPUT && strstr(err.msg, msg), __FILE__, line, "%s", expr);
	if (v || !strstr(err.msg, msg))
		fprintf(stderr, "  got: %s\n", err.msg);
	json_decref(v);
}

#define EXPECT_STRING(expr, want) expect_string(a, expr, want, __LINE__)
#define EXPECT_ERROR(expr, msg) expect_error(a, expr, msg, __LINE__)

static void test_arm(void)
{
	json_t *tmpl = json_loads(arm_template, 0, NULL), *params = json_loads(arm_params, 0, NULL);
	json_t *v, *obj;
	gate_err err = GATE_ERR_INIT;
	gate_arm *a;
	char *deep;
	bool raw;
	int i;

	CHECK(tmpl && params);
	CHECK(gate_arm_new(&a, tmpl, params, 0, &err) == 0);

	/* Plain strings and escapes. */
	EXPECT_STRING("plain", "plain");
	EXPECT_STRING("a [parameters('name')] b", "a [parameters('name')] b");
	EXPECT_STRING("[[parameters('name')]", "[parameters('name')]");
	EXPECT_STRING("['it''s']", "it's");

	/* Each function. */
	EXPECT_STRING("[parameters('name')]", "Web");
	EXPECT_STRING("[variables('lower')]", "web");
	EXPECT_STRING("[concat('a', 'b', 'c')]", "abc");
	EXPECT_STRING("[concat('n', 1, parameters('count'))]", "n13");
	EXPECT_STRING("[format('{0}/{1}:{0}', 'reg', 'img')]", "reg/img:reg");
	EXPECT_STRING("[format('{{{0}}} {1}', 'x', parameters('flag'))]", "{x} True");
	EXPECT_STRING("[toLower('MiXeD-1')]", "mixed-1");
	EXPECT_STRING("[toUpper('MiXeD-1')]", "MIXED-1");

	/* Nesting, names in any case, spaces. */
	EXPECT_STRING("[toUpper(concat(variables('lower'), format('-{0}', toLower('B'))))]", "WEB-B");
	EXPECT_STRING("[ CONCAT ( Parameters( 'NAME' ) , '!' ) ]", "Web!");
	EXPECT_STRING("[parameters('derived')]", "Web-x");

	/* Precedence: parameters file > template value > defaultValue. */
	EXPECT_STRING("[parameters('given')]", "from-file");
	EXPECT_STRING("[parameters('tag')]", "from-value");
	EXPECT_STRING("[parameters('only')]", "from-default");

	/* Values that are not strings. */
	v = arm_eval(a, "[parameters('count')]", &err);
	CHECK(json_is_integer(v) && json_integer_value(v) == 3);
	json_decref(v);
	v = arm_eval(a, "[concat(parameters('list'), parameters('list'))]", &err);
	CHECK(json_is_array(v) && json_array_size(v) == 4);
	json_decref(v);
	v = arm_eval(a, "[variables('nested')]", &err);
	CHECK(json_is_object(v));
	CHECK(v && json_is_string(json_object_get(v, "img")) &&
	      !strcmp(json_string_value(json_object_get(v, "img")), "web:1"));
	CHECK(v && !strcmp(json_string_value(json_object_get(v, "lit")), "[x]"));
	json_decref(v);

	/* A value that is not an expression is returned raw. */
	obj = json_pack("{s:s}", "image", "[parameters('name')]");
	CHECK(gate_arm_eval(a, &v, &raw, obj, &err) == 0 && raw && v == obj);
	json_decref(v);
	json_decref(obj);

	/* Unsupported: reported, never kept as text. */
	EXPECT_ERROR("[copyIndex()]", "unsupported expression '[copyIndex()]': function 'copyIndex'");
	EXPECT_ERROR("[format('{0:D2}', 5)]", "format item '{0:D2}'");
	EXPECT_ERROR("[parameters('name') parameters('name')]", "text after the expression");
	EXPECT_ERROR("[\"x\"]", "token '\"'");
	EXPECT_ERROR("[toLower 'a']", "expected '(' after 'toLower'");

	/* Errors. */
	EXPECT_ERROR("[parameters('missing')]", "undefined parameter 'missing'");
	EXPECT_ERROR("[variables('missing')]", "undefined variable 'missing'");
	EXPECT_ERROR("[parameters('vault')]", "key vault reference");
	EXPECT_ERROR("[variables('self')]", "nested deeper than 64");
	EXPECT_ERROR("[variables('v14')]", "longer than 1048576 bytes");
	EXPECT_ERROR("[concat('a', parameters('list'))]", "concat() cannot use a list");
	EXPECT_ERROR("[concat(parameters('list'), 'a')]", "concat() mixes lists");
	EXPECT_ERROR("[concat(parameters('flag'))]", "concat() cannot use a boolean");
	EXPECT_ERROR("[format('{1}', 'a')]", "item {1} at offset 0 of '{1}' but 1 argument");
	EXPECT_ERROR("[format('}', 'a')]", "unmatched '}'");
	EXPECT_ERROR("[toLower(1)]", "toLower(): argument 1 is not a string");
	EXPECT_ERROR("[toUpper('a', 'b')]", "toUpper() takes 1 argument, not 2");
	EXPECT_ERROR("[parameters(1)]", "parameters(): argument 1 is not a string");
	/* A huge format index used to wrap around to argument 0, and a huge
	 * integer to saturate: both are errors naming where they are. */
	EXPECT_ERROR("[format('x{99999999999999999999}', 'a')]",
		     "item {99999999999999999999} at offset 1 of 'x{99999999999999999999}' but 1 argument");
	EXPECT_ERROR("[format('{18446744073709551617}', 'a')]", "item {18446744073709551617}");
	EXPECT_ERROR("[concat('a', 99999999999999999999)]",
		     "integer '99999999999999999999' out of range at column 14");
	EXPECT_ERROR("[concat('a', 9223372036854775808)]", "out of range at column 14");
	EXPECT_STRING("[concat('a', 9223372036854775807)]", "a9223372036854775807");
	EXPECT_STRING("[concat('a', -9223372036854775808)]", "a-9223372036854775808");
	EXPECT_ERROR("[concat()]", "concat() takes 1 or more arguments, not 0");
	EXPECT_ERROR("[concat('a']", "missing ')'");
	EXPECT_STRING("[concat('a'", "[concat('a'");
	EXPECT_ERROR("['open]", "unterminated string");
	EXPECT_ERROR("[]", "empty expression");

	/* Calls nested within one string are bounded like variables: this
	 * one used to recurse once per "concat(" until the stack ran out. */
	deep = malloc(200000 * 8 + 16);
	strcpy(deep, "[");
	for (i = 0; i < 200000; i++)
		strcat(deep + i * 7, "concat(");
	strcat(deep + 1 + 200000 * 7, "'a']");
	EXPECT_ERROR(deep, "nested deeper than 64");
	free(deep);

	gate_arm_free(a);
	json_decref(params);
	json_decref(tmpl);
}

#define U(text) "\xe2\x9f\xa8" text "\xe2\x9f\xa9"

static void expect_json(gate_arm *a, const char *expr, const char *want, int line)
{
	gate_err err = GATE_ERR_INIT;
	json_t *v = arm_eval(a, expr, &err);
	char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	CHECK_MSG(got && !strcmp(got, want), "%s (line %d)", expr, line);
	if (!got || strcmp(got, want))
		fprintf(stderr, "  got: %s / %s\n", got ? got : "(none)", err.msg);
	free(got);
	json_decref(v);
}

#define EXPECT_JSON(expr, want) expect_json(a, expr, want, __LINE__)

/* Every function: its value over known arguments, and what it gives when
 * an argument is known only while deploying. */
static void test_arm_functions(void)
{
	json_t *tmpl = json_loads(arm_template, 0, NULL);
	gate_err err = GATE_ERR_INIT;
	gate_arm *a = NULL;

	CHECK(tmpl && gate_arm_new(&a, tmpl, NULL, 0, &err) == 0);

	/* Deployment-time values say what they stand for. */
	EXPECT_STRING("[parameters('novalue')]", U("parameters('novalue')"));
	EXPECT_STRING("[resourceGroup().name]", U("resourceGroup().name"));
	EXPECT_STRING("[resourceGroup()]", U("resourceGroup()"));
	EXPECT_STRING("[deployment().name]", U("deployment().name"));
	EXPECT_STRING("[subscription().subscriptionId]", U("subscription().subscriptionId"));
	EXPECT_STRING("[environment().suffixes.storage]", U("environment().suffixes.storage"));
	EXPECT_STRING("[uniqueString('a', 'b')]", U("uniqueString('a', 'b')"));
	EXPECT_STRING("[guid(resourceGroup().id)]", U("guid(resourceGroup().id)"));
	EXPECT_STRING("[utcNow()]", U("utcNow()"));
	EXPECT_STRING("[utcNow('u')]", U("utcNow('u')"));
	EXPECT_STRING("[concat(resourceGroup().name, '-x')]", U("concat(resourceGroup().name, '-x')"));
	EXPECT_STRING("[concat('a', parameters('novalue'))]", U("concat('a', parameters('novalue'))"));
	EXPECT_STRING("[toLower(deployment().name)]", U("toLower(deployment().name)"));
	EXPECT_ERROR("[resourceGroup(]", "missing ')'");
	EXPECT_ERROR("[uniqueString()]", "uniqueString() takes 1 or more arguments, not 0");

	/* string, int, bool */
	EXPECT_JSON("[string(12)]", "\"12\"");
	EXPECT_JSON("[string(true())]", "\"True\"");
	EXPECT_JSON("[string('s')]", "\"s\"");
	EXPECT_JSON("[string(parameters('list'))]", "\"[\\\"a\\\",\\\"b\\\"]\"");
	EXPECT_JSON("[string(resourceGroup().name)]", "\"" U("string(resourceGroup().name)") "\"");
	EXPECT_JSON("[int('42')]", "42");
	EXPECT_JSON("[int('-7')]", "-7");
	EXPECT_JSON("[int(5)]", "5");
	EXPECT_ERROR("[int('4x')]", "int(): not an integer in range");
	EXPECT_ERROR("[int('99999999999999999999')]", "int(): not an integer in range");
	EXPECT_JSON("[int(parameters('novalue'))]", "\"" U("int(parameters('novalue'))") "\"");
	EXPECT_JSON("[bool('TRUE')]", "true");
	EXPECT_JSON("[bool('false')]", "false");
	EXPECT_JSON("[bool(0)]", "false");
	EXPECT_JSON("[bool(2)]", "true");
	EXPECT_ERROR("[bool('yes')]", "bool(): not true, false or a number");
	EXPECT_JSON("[bool(utcNow())]", "\"" U("bool(utcNow())") "\"");

	/* if, equals, empty, coalesce */
	EXPECT_JSON("[if(true(), 'a', 'b')]", "\"a\"");
	EXPECT_JSON("[if(equals(1, 2), 'a', 'b')]", "\"b\"");
	EXPECT_JSON("[if(equals(parameters('name'), 'Web'), parameters('count'), 0)]", "3");
	EXPECT_ERROR("[if('x', 'a', 'b')]", "if(): the condition is not a boolean");
	EXPECT_JSON("[if(empty(parameters('novalue')), 'a', 'b')]",
		    "\"" U("if(empty(parameters('novalue')), 'a', 'b')") "\"");
	EXPECT_JSON("[if(true(), resourceGroup().name, 'b')]",
		    "\"" U("if(true(), resourceGroup().name, 'b')") "\"");
	EXPECT_JSON("[if(false(), resourceGroup().name, 'b')]", "\"b\"");
	EXPECT_JSON("[equals('a', 'a')]", "true");
	EXPECT_JSON("[equals('a', 'A')]", "false");
	EXPECT_JSON("[equals(parameters('list'), parameters('list'))]", "true");
	EXPECT_JSON("[equals(deployment().name, 'x')]", "\"" U("equals(deployment().name, 'x')") "\"");
	EXPECT_JSON("[empty('')]", "true");
	EXPECT_JSON("[empty(parameters('list'))]", "false");
	EXPECT_JSON("[empty(null())]", "true");
	EXPECT_JSON("[empty(parameters('novalue'))]", "\"" U("empty(parameters('novalue'))") "\"");
	EXPECT_JSON("[coalesce(null(), 'x', 'y')]", "\"x\"");
	EXPECT_JSON("[coalesce(null(), null())]", "null");
	EXPECT_JSON("[coalesce('x', resourceGroup().name)]", "\"x\"");
	EXPECT_JSON("[coalesce(null(), resourceGroup().name, 'x')]",
		    "\"" U("coalesce(null(), resourceGroup().name, 'x')") "\"");

	/* replace, substring, length, first, last */
	EXPECT_STRING("[replace('a-b-c', '-', '+')]", "a+b+c");
	EXPECT_STRING("[replace('aaa', 'a', 'aa')]", "aaaaaa");
	EXPECT_ERROR("[replace('a', '', 'b')]", "replace(): the text to replace is empty");
	EXPECT_STRING("[replace(resourceGroup().name, '-', '')]", U("replace(resourceGroup().name, '-', '')"));
	EXPECT_STRING("[substring('hello', 1, 3)]", "ell");
	EXPECT_STRING("[substring('hello', 2)]", "llo");
	EXPECT_STRING("[substring('h\xc3\xa9llo', 1, 2)]", "\xc3\xa9l");
	EXPECT_ERROR("[substring('hello', 3, 5)]", "substring(): 3, 5 is outside a string of 5 characters");
	EXPECT_ERROR("[substring('hello', -1)]", "is outside a string");
	/* found by fuzz_arm_expr: the default length, total - start, overflowed */
	EXPECT_ERROR("[substring('hello', -9223372036854775808)]",
		     "substring(): start -9223372036854775808 is outside a string of 5 characters");
	EXPECT_STRING("[substring(uniqueString('x'), 0, 5)]", U("substring(uniqueString('x'), 0, 5)"));
	EXPECT_JSON("[length('h\xc3\xa9llo')]", "5");
	EXPECT_JSON("[length(parameters('list'))]", "2");
	EXPECT_JSON("[length(parameters('obj'))]", "1");
	EXPECT_ERROR("[length(1)]", "length(): not a string, list or object");
	EXPECT_JSON("[length(resourceGroup().name)]", "\"" U("length(resourceGroup().name)") "\"");
	EXPECT_STRING("[first('abc')]", "a");
	EXPECT_STRING("[last('ab\xc3\xa9')]", "\xc3\xa9");
	EXPECT_STRING("[first(parameters('list'))]", "a");
	EXPECT_STRING("[last(parameters('list'))]", "b");
	EXPECT_STRING("[first('')]", "");
	EXPECT_STRING("[last(deployment().name)]", U("last(deployment().name)"));

	/* split, join, base64 */
	EXPECT_JSON("[split('a,b,,c', ',')]", "[\"a\",\"b\",\"\",\"c\"]");
	EXPECT_JSON("[split('a,b;c', variables('delims'))]", "[\"a\",\"b\",\"c\"]");
	EXPECT_JSON("[split('abc', '-')]", "[\"abc\"]");
	EXPECT_JSON("[split('a--b', '--')]", "[\"a\",\"b\"]");
	EXPECT_JSON("[split('a,', ',')]", "[\"a\",\"\"]");
	EXPECT_JSON("[last(split('reg.io/app:1', '/'))]", "\"app:1\"");
	EXPECT_JSON("[split(resourceGroup().name, '-')]", "\"" U("split(resourceGroup().name, '-')") "\"");
	EXPECT_STRING("[join(parameters('list'), '-')]", "a-b");
	EXPECT_STRING("[join(split('a b c', ' '), '+')]", "a+b+c");
	EXPECT_ERROR("[join('a', '-')]", "join(): the first argument is not a list");
	EXPECT_STRING("[join(parameters('list'), resourceGroup().name)]",
		      U("join(parameters('list'), resourceGroup().name)"));
	EXPECT_STRING("[base64('one, two')]", "b25lLCB0d28=");
	EXPECT_STRING("[base64('ab')]", "YWI=");
	EXPECT_STRING("[base64ToString('b25lLCB0d28=')]", "one, two");
	EXPECT_ERROR("[base64ToString('b25l!')]", "base64ToString()");
	EXPECT_STRING("[base64(deployment().name)]", U("base64(deployment().name)"));
	EXPECT_STRING("[base64ToString(parameters('novalue'))]", U("base64ToString(parameters('novalue'))"));

	/* Unresolved values inside a list: moved along by what only moves
	 * values, and making unresolved whatever reads them. */
	EXPECT_JSON("[concat(variables('mixed'), parameters('list'))]",
		    "[\"a\",\"" U("resourceGroup().name") "\",\"a\",\"b\"]");
	EXPECT_JSON("[length(variables('mixed'))]", "2");
	EXPECT_JSON("[last(variables('mixed'))]", "\"" U("resourceGroup().name") "\"");
	EXPECT_JSON("[join(variables('mixed'), '-')]", "\"" U("join(variables('mixed'), '-')") "\"");
	EXPECT_JSON("[equals(variables('mixed'), variables('mixed'))]",
		    "\"" U("equals(variables('mixed'), variables('mixed'))") "\"");

	/* Property access over known values; names in any case. */
	EXPECT_STRING("[parameters('obj').k]", "v");
	EXPECT_STRING("[parameters('OBJ').K]", "v");
	EXPECT_STRING("[parameters('obj')['k']]", "v");
	EXPECT_STRING("[parameters('list')[1]]", "b");
	EXPECT_ERROR("[parameters('list')[2]]", "index 2 outside a list of 2");
	EXPECT_ERROR("[parameters('obj').missing]", "no property 'missing'");
	EXPECT_STRING("[parameters('novalue').x]", U("parameters('novalue').x"));
	EXPECT_STRING("[parameters('novalue').x[0].y]", U("parameters('novalue').x[0].y"));
	EXPECT_STRING("[resourceGroup().tags['a b'].c]", U("resourceGroup().tags['a b'].c"));

	gate_arm_free(a);
	json_decref(tmpl);
}

/* Variables of nothing, each two of the one before: 2^60 evaluations
 * unless each variable is evaluated once. */
static void test_arm_memo(void)
{
	json_t *tmpl = json_pack("{s:{s:s}}", "variables", "e0", ""), *v;
	gate_err err = GATE_ERR_INIT;
	char name[16], expr[64];
	gate_arm *a;
	int i;

	for (i = 1; i <= 60; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		snprintf(expr, sizeof(expr), "[concat(variables('e%d'), variables('e%d'))]", i - 1, i - 1);
		json_object_set_new(json_object_get(tmpl, "variables"), name, json_string(expr));
	}
	CHECK(gate_arm_new(&a, tmpl, NULL, 0, &err) == 0);
	v = arm_eval(a, "[variables('e60')]", &err);
	CHECK(json_is_string(v) && json_string_length(v) == 0);
	json_decref(v);
	gate_arm_free(a);
	json_decref(tmpl);
}

/* Each of many parameters named once, in another case than declared:
 * a lookup that scanned every name took minutes for this. */
static void test_arm_many_names(void)
{
	enum { N = 40000 };
	json_t *tmpl = json_pack("{s:{}}", "parameters"), *v;
	gate_err err = GATE_ERR_INIT;
	char name[32], expr[64];
	clock_t start;
	gate_arm *a;
	int i, ok = 1;

	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "Param%d", i);
		json_object_set_new(json_object_get(tmpl, "parameters"), name,
				    json_pack("{s:i}", "defaultValue", i));
	}
	start = clock();
	CHECK(gate_arm_new(&a, tmpl, NULL, 0, &err) == 0);
	for (i = N - 1; i >= 0; i--) {
		snprintf(expr, sizeof(expr), "[parameters('PARAM%d')]", i);
		v = arm_eval(a, expr, &err);
		ok &= json_integer_value(v) == i;
		json_decref(v);
	}
	CHECK(ok);
	CHECK((clock() - start) / CLOCKS_PER_SEC < 5);
	gate_arm_free(a);
	json_decref(tmpl);
}

/* ACI's sidecars are named by whole repository, never by part of one. */
static void test_sidecar_names(void)
{
	CHECK(gate_model_is_sidecar_image("mcr.microsoft.com/aci/sc-proxy:1.0"));
	CHECK(gate_model_is_sidecar_image("mcr.microsoft.com/aci/msi-atlas-adapter:master_20201203.1"));
	CHECK(gate_model_is_sidecar_image("k8s.gcr.io/pause:3.1"));
	CHECK(gate_model_is_sidecar_image("k8s.gcr.io/pause"));
	CHECK(!gate_model_is_sidecar_image("contoso.azurecr.io/misc-proxy:1"));
	CHECK(!gate_model_is_sidecar_image("contoso.azurecr.io/atlas-mount-data:2"));
	CHECK(!gate_model_is_sidecar_image("evil.io/k8s.gcr.io/pause:3.1"));
	CHECK(!gate_model_is_sidecar_image("k8s.gcr.io/pause-helper:1"));
	CHECK(!gate_model_is_sidecar_image("contoso.azurecr.io/vk-metrics-sidecar"));
	CHECK(!gate_model_is_sidecar_image(NULL));
	/* confcom's list exactly: other images under mcr.microsoft.com/aci/
	 * are workloads. */
	CHECK(gate_model_is_sidecar_image("mcr.microsoft.com/aci/atlas-netstats:1"));
	CHECK(gate_model_is_sidecar_image("mcr.microsoft.com/aci/vk-metrics-sidecar@sha256:00"));
	CHECK(!gate_model_is_sidecar_image("mcr.microsoft.com/aci/aci-confidential-helloworld:v1"));
	CHECK(!gate_model_is_sidecar_image("mcr.microsoft.com/aci/skr:2.7"));
}

/* ---- readers ---- */

static int read_buf(struct gate_model *m, const char *text, enum gate_input_format f,
		    gate_err *err)
{
	gate_err_clear(err);
	memset(m, 0, sizeof(*m));
	return gate_input_read_buf(m, "mem", text, strlen(text), NULL, NULL, 0, f, err);
}

static void expect_read_error(const char *text, enum gate_input_format f, const char *msg, int line)
{
	struct gate_model m;
	gate_err err = GATE_ERR_INIT;
	int rc = read_buf(&m, text, f, &err);

	check_report(rc == -1 && err.code == GATE_EINPUT && strstr(err.msg, msg), __FILE__, line, "%s", msg);
	if (rc != -1 || !strstr(err.msg, msg))
		fprintf(stderr, "  got: %s\n", err.msg);
	gate_model_free(&m);
}

#define EXPECT_READ_ERROR(text, f, msg) expect_read_error(text, f, msg, __LINE__)

static void test_readers(void)
{
	struct gate_model m;
	gate_err err = GATE_ERR_INIT;
	clock_t start;
	size_t len;
	char *bomb;
	size_t i;

	/* Auto-detection of each kind. */
	CHECK(read_buf(&m, "package policy\ncontainers := []\n", GATE_INPUT_AUTO, &err) == 0);
	CHECK_STR(m.format, "rego");
	gate_model_free(&m);
	CHECK(read_buf(&m, "cGFja2FnZSBwCmNvbnRhaW5lcnMgOj0gW10K\n", GATE_INPUT_AUTO, &err) == 0);
	CHECK_STR(m.format, "base64");
	CHECK(m.groups_count == 1 && m.groups[0].policy->containers_count == 0);
	gate_model_free(&m);
	CHECK(read_buf(&m, "[{\"name\": \"g\", \"containers\": [{\"name\": \"c\", \"image\": \"i\"}]}]",
		       GATE_INPUT_AUTO, &err) == 0);
	CHECK_STR(m.format, "aci-json");
	CHECK(m.groups_count == 1 && !m.groups[0].has_policy);
	gate_model_free(&m);

	/* Profiles, types in any case, symbolic resource names, copy loops. */
	CHECK(read_buf(&m, "{\"resources\": {\"web\": {\"type\": \"microsoft.containerinstance/CONTAINERGROUPPROFILES\","
		       " \"name\": \"p\", \"properties\": {\"containers\": [{\"name\": \"c\","
		       " \"properties\": {\"image\": \"i\"}}]}}}}", GATE_INPUT_AUTO, &err) == 0);
	CHECK(m.groups_count == 1);
	if (m.groups_count == 1)
		CHECK_STR(m.groups[0].where, "resources.web");
	gate_model_free(&m);
	EXPECT_READ_ERROR("{\"resources\": [{\"type\": \"Microsoft.ContainerInstance/containerGroups\","
			  " \"copy\": {\"count\": 2}}]}", GATE_INPUT_AUTO,
			  "resources[0]: unsupported expression: 'copy' loops");

	EXPECT_READ_ERROR("{\"name\": \"g\", \"volumes\": [{\"name\": \"v\", \"emptyDir\": {}},"
			  " {\"name\": \"v\", \"secret\": {}}], \"containers\": []}", GATE_INPUT_AUTO,
			  "group 'g' (top level): volumes[1]: 'v' again");

	/* Forced formats that do not fit. */
	EXPECT_READ_ERROR("{\"containers\": []}", GATE_INPUT_ARM, "mem: not an ARM template");
	EXPECT_READ_ERROR("{\"name\": \"g\", \"containers\": []}", GATE_INPUT_ACI_JSON, "mem: group 'g' (top level): no containers");
	EXPECT_READ_ERROR("kind: Pod\n", GATE_INPUT_ACI_YAML, "no containers");

	/* JSON and YAML that gate refuses. */
	EXPECT_READ_ERROR("{\"resources\": [], \"resources\": []}", GATE_INPUT_AUTO, "duplicate object key");
	EXPECT_READ_ERROR("kind: Pod\nkind: Pod\n", GATE_INPUT_AUTO, "line 2, column 1: duplicate key kind");
	EXPECT_READ_ERROR("- a\n- b\n", GATE_INPUT_AUTO, "document 1 (line 1): not a mapping");
	EXPECT_READ_ERROR("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n",
			  GATE_INPUT_AUTO, "document 1 (line 1): Pod 'p': container 'c' (containers[0]): no 'image'");
	EXPECT_READ_ERROR("kind: Deployment\nmetadata: {name: d}\nspec: {}\n", GATE_INPUT_AUTO,
			  "Deployment 'd': no pod template");
	EXPECT_READ_ERROR("kind: Pod\nmetadata:\n  name: p\n  annotations:\n"
			  "    microsoft.containerinstance.virtualnode.ccepolicy: 'not base64!'\n"
			  "spec:\n  containers: [{name: c, image: i}]\n", GATE_INPUT_AUTO,
			  "Pod 'p': ccePolicy: base64 length 11 is not a multiple of 4");
	EXPECT_READ_ERROR("kind: ConfigMap\n", GATE_INPUT_AUTO, "no container groups");

	/* Aliases expand: the node budget stops exponential growth. */
	bomb = malloc(4096);
	strcpy(bomb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 9; i++)
		sprintf(bomb + strlen(bomb), "a%zu: &a%zu [*a%zu, *a%zu, *a%zu, *a%zu, *a%zu, *a%zu, *a%zu, *a%zu, *a%zu, *a%zu]\n",
			i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	EXPECT_READ_ERROR(bomb, GATE_INPUT_AUTO, "more YAML nodes than the limit");
	free(bomb);

	/* Flow nesting is refused where the limit is crossed, before libyaml
	 * would spend quadratic time on it. */
	bomb = malloc(4 * 100000 + 8);
	memcpy(bomb, "a: ", 3);
	for (i = 0; i < 100000; i++)
		memcpy(bomb + 3 + 4 * i, "{a: ", 4);
	bomb[3 + 4 * 100000] = '\0';
	EXPECT_READ_ERROR(bomb, GATE_INPUT_AUTO, "line 1, column 256: nested too deeply");
	free(bomb);

	/* Aliases share their value; an undefined one is an error. */
	CHECK(read_buf(&m, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		       "  - &c {name: a, image: i}\n  - *c\n", GATE_INPUT_AUTO, &err) == 0);
	CHECK(m.groups_count == 1 && m.groups[0].containers_count == 2);
	gate_model_free(&m);
	EXPECT_READ_ERROR("kind: Pod\nx: *nope\n", GATE_INPUT_AUTO, "line 2, column 4: undefined alias nope");

	/* Many anchors, each aliased: finding an anchor by searching all
	 * of them took minutes for a few MiB. */
	bomb = malloc(60000 * 48 + 128);
	strcpy(bomb, "kind: Pod\nspec:\n  containers:\n  - name: c\n    image: i\n    env:\n");
	for (i = 0, len = strlen(bomb); i < 60000; i++)
		len += (size_t)sprintf(bomb + len, "    - {name: &a%zu N%zu, value: *a0}\n", i, i);
	start = clock();
	CHECK(read_buf(&m, bomb, GATE_INPUT_AUTO, &err) == 0);
	CHECK(m.groups_count == 1 && m.groups[0].containers[0].env_count == 60000);
	CHECK((clock() - start) / CLOCKS_PER_SEC < 5);
	gate_model_free(&m);
	free(bomb);
	EXPECT_READ_ERROR("kind: Pod\n? [a]\n: b\n", GATE_INPUT_AUTO, "a mapping key is not a scalar");

	/* A parameters file needs a template. */
	memset(&m, 0, sizeof(m));
	gate_err_clear(&err);
	CHECK(gate_input_read_buf(&m, "mem", "package p\n", 10, "p.json", "{}", 2, GATE_INPUT_AUTO,
				  &err) == -1);
	CHECK_HAS(err.msg, "-p applies to ARM templates only");
	gate_model_free(&m);
}

/* Deployment-time values in a template: read, marked, and an error only
 * where gate needs the value itself. */
static void test_unresolved_reads(void)
{
	static const char tmpl[] =
		"{\"parameters\": {\"cmd\": {\"type\": \"array\"}, \"envs\": {\"type\": \"array\"},"
		" \"priv\": {\"type\": \"bool\"}},"
		" \"resources\": [{\"type\": \"Microsoft.ContainerInstance/containerGroups\","
		" \"name\": \"[deployment().name]\", \"properties\": {"
		" \"confidentialComputeProperties\": {\"ccePolicy\": \"\"},"
		" \"containers\": [{\"name\": \"c\", \"properties\": {\"image\": \"[concat('r.io/a:', utcNow())]\","
		" \"command\": \"[parameters('cmd')]\", %s}}]}}]}";
	char buf[2048];
	struct gate_model m;
	gate_err err = GATE_ERR_INIT;

	snprintf(buf, sizeof(buf), tmpl, "\"environmentVariables\": [{\"name\": \"A\", \"value\": \"[resourceGroup().id]\"}]");
	CHECK(read_buf(&m, buf, GATE_INPUT_AUTO, &err) == 0);
	if (m.groups_count == 1 && m.groups[0].containers_count == 1) {
		struct gate_container *c = &m.groups[0].containers[0];

		CHECK(gate_value_is_unresolved(m.groups[0].name));
		CHECK_STR(m.groups[0].where, "resources[0]");
		CHECK(gate_value_is_unresolved(c->image));
		CHECK_STR(c->image, U("concat('r.io/a:', utcNow())"));
		CHECK(c->has_command && c->command.n == 1);
		CHECK_STR(gate_strv_unresolved(&c->command), U("parameters('cmd')"));
		CHECK(c->env_count == 1 && gate_value_is_unresolved(c->env[0].value));
		CHECK(!gate_value_is_unresolved(c->env[0].name));
	}
	gate_model_free(&m);
	CHECK(!gate_value_is_unresolved("plain") && !gate_value_is_unresolved(NULL) &&
	      !gate_value_is_unresolved(U("x") "y") && !gate_value_is_unresolved("\xe2\x9f\xa8"));

	snprintf(buf, sizeof(buf), tmpl, "\"environmentVariables\": \"[parameters('envs')]\"");
	EXPECT_READ_ERROR(buf, GATE_INPUT_AUTO, "environmentVariables: " U("parameters('envs')")
			  " is known only when deploying, and the gate needs it");
	snprintf(buf, sizeof(buf), tmpl, "\"securityContext\": {\"privileged\": \"[parameters('priv')]\"}");
	EXPECT_READ_ERROR(buf, GATE_INPUT_AUTO, "privileged: " U("parameters('priv')")
			  " is known only when deploying");
	/* An empty containers list reads beside a ccePolicy (a base template
	 * tooling fills in), never in a group that then says nothing (the
	 * fuzzer found this). */
	EXPECT_READ_ERROR("{\"resources\": [{\"type\": \"Microsoft.ContainerInstance/containerGroups\","
			  " \"name\": \"g\", \"properties\": {\"containers\": []}}]}",
			  GATE_INPUT_AUTO, "group 'g' (resources[0]): no containers");
	/* one property spelled twice: each reader could take another */
	snprintf(buf, sizeof(buf), tmpl, "\"Image\": \"x\"");
	EXPECT_READ_ERROR(buf, GATE_INPUT_AUTO, "'image' and 'Image': one property spelled twice");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_policy FIXTURES_DIR\n");
		return 2;
	}
	fixtures = argv[1];
	test_b64();
	test_sample_existing_policy();
	test_sample_policies();
	test_sample_details();
	test_sample_dialect_c();
	test_sample_legacy();
	test_fixture_dialects();
	test_policy_errors();
	test_placeholder_at_end();
	test_note_limit();
	test_decode();
	test_arm();
	test_arm_functions();
	test_arm_memo();
	test_arm_many_names();
	test_sidecar_names();
	test_readers();
	test_unresolved_reads();
	return check_done();
}
