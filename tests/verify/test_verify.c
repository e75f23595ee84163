/*
 * test_verify.c - unit tests of the RE2 shim, layer matching and the
 * image User parser; a run's findings about a file whose name is not
 * UTF-8.
 *
 * The RE2 cases are the patterns confcom writes (fixtures/samples,
 * POLICY-FORMAT.md section 4.3) and syntax that POSIX regex.h reads
 * differently or not at all; the expected answers are RE2's documented
 * semantics, which Go's regexp (the guest's) shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/admit.h"
#include "verify/re2.h"
#include "verify/shard.h"
#include "verify/verify.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "test_verify.c:%d: check failed: %s\n", line, what);
}

#define CHECK(cond) check(!!(cond), #cond, __LINE__)

/* 1 match, 0 no match, -1 compile error; whole: all of s, else anywhere. */
static int match(const char *pattern, const char *s, bool whole)
{
	gate_err err = GATE_ERR_INIT;
	gate_re2 *re;
	int m;

	if (gate_re2_new(&re, pattern, &err) < 0)
		return -1;
	m = whole ? gate_re2_full(re, s) : gate_re2_search(re, s);
	gate_re2_free(re);
	return m;
}

#define full(p, s) match((p), (s), true)
#define search(p, s) match((p), (s), false)

static void test_re2_samples(void)
{
	CHECK(full("(?i)(FABRIC)_.+=.+", "Fabric_NodeName=node1") == 1);
	CHECK(full("(?i)(FABRIC)_.+=.+", "FABRIC_X=1") == 1);
	CHECK(full("(?i)(FABRIC)_.+=.+", "FABRIC_X=") == 0);
	CHECK(full("(?i)(FABRIC)_.+=.+", "XFABRIC_X=1") == 0);
	CHECK(full("((?i)FABRIC)_.+=.+", "fabric_a=b") == 1);
	CHECK(full("T(E)?MP=.+", "TEMP=/tmp") == 1);
	CHECK(full("T(E)?MP=.+", "TMP=/tmp") == 1);
	CHECK(full("T(E)?MP=.+", "TEEMP=/tmp") == 0);
	CHECK(full("T(E)?MP=.+", "TMP=") == 0);
	CHECK(full("HOSTNAME=.+", "HOSTNAME=SandboxHost-1") == 1);
	CHECK(full("HOSTNAME=.+", "XHOSTNAME=a") == 0);
	CHECK(search("HOSTNAME=.+", "XHOSTNAME=a") == 1);  /* what an unanchored guest did */
	CHECK(full("azurecontainerinstance_restarted_by=.+", "azurecontainerinstance_restarted_by=user") == 1);
	CHECK(full("^===CONFIDENTIAL.THIM.ENDPOINT===$", "===CONFIDENTIAL.THIM.ENDPOINT===") == 1);
	/* the resolv.conf mount source, after the sandbox prefix */
	CHECK(full("/tmp/atlas/resolvconf/.+", "/tmp/atlas/resolvconf/abc") == 1);
	CHECK(full("/tmp/atlas/resolvconf/.+", "/tmp/atlas/resolvconf/") == 0);
}

static void test_re2_syntax(void)
{
	/* Perl classes, unknown to POSIX ERE */
	CHECK(full("\\d+", "2024") == 1);
	CHECK(full("\\d+", "20a4") == 0);
	CHECK(full("\\w+=\\S*", "A_1=x/y") == 1);
	CHECK(full("\\s", " ") == 1);
	/* flags groups */
	CHECK(full("(?i)path=.*", "PATH=/bin") == 1);
	CHECK(full("path=.*", "PATH=/bin") == 0);
	CHECK(full("(?s)a.b", "a\nb") == 1);
	CHECK(full("a.b", "a\nb") == 0);
	/* non-greedy: the first match's extent differs, a full match must not */
	CHECK(full("a.*?b", "axxbyyb") == 1);
	CHECK(search("^a.*?b$", "axxbyyb") == 1);
	/* Unicode classes */
	CHECK(full("\\pL+", "h\xc3\xa9llo") == 1);
	CHECK(full("\\pL+", "h3llo") == 0);
	CHECK(full("\\p{Greek}+", "\xce\xb1\xce\xb2") == 1);
	/* RE2 leftmost-first alternation against a full match */
	CHECK(full("a|ab", "ab") == 1);
	/* anchors inside, and the textual anchoring quirk: ^a|b$ is (^a)|(b$) */
	CHECK(search("^a|b$", "xxb") == 1);
	CHECK(search("^(a|b)$", "xxb") == 0);
	/* POSIX bracket classes are RE2 syntax too */
	CHECK(full("test_regexp_env_[[:alpha:]]*", "test_regexp_env_abc") == 1);
	/* empty pattern */
	CHECK(full("", "") == 1);
	CHECK(full("", "x") == 0);
}

static void test_re2_errors(void)
{
	gate_err err = GATE_ERR_INIT;
	gate_re2 *re = (gate_re2 *)&err;

	CHECK(gate_re2_new(&re, "FOO=(", &err) < 0);
	CHECK(re == NULL);
	CHECK(err.code == GATE_EINPUT);
	CHECK(strstr(err.msg, "'FOO=('") && strstr(err.msg, "missing )"));
	/* backreferences and lookaround are not RE2: errors, never matches */
	CHECK(full("(a)\\1", "aa") == -1);
	CHECK(full("a(?=b)", "ab") == -1);
	CHECK(full("a(?!b)", "ac") == -1);
	CHECK(full("[z-a]", "a") == -1);
	CHECK(full("x{1001}", "x") == -1);
	gate_re2_free(NULL);
}

static void test_layers(void)
{
	char *p[] = { "aa", "bb", "cc" };
	struct gate_strv pol = { p, 3 };
	const char *same[] = { "aa", "bb", "cc" };
	const char *swapped[] = { "aa", "cc", "bb" };
	const char *changed[] = { "aa", "bb", "dd" };
	const char *shorter[] = { "aa", "bb" };
	const char *dup[] = { "aa", "aa", "cc" };
	enum gate_layers_match m;
	gate_err err = GATE_ERR_INIT;
	size_t *d, dn;

	CHECK(gate_admit_layers_match(&m, &pol, same, 3, &d, &dn, &err) == 0);
	CHECK(m == GATE_LAYERS_EQUAL && dn == 0 && d == NULL);
	CHECK(gate_admit_layers_match(&m, &pol, swapped, 3, &d, &dn, &err) == 0);
	CHECK(m == GATE_LAYERS_REORDERED && dn == 2 && d[0] == 1 && d[1] == 2);
	free(d);
	CHECK(gate_admit_layers_match(&m, &pol, changed, 3, &d, &dn, &err) == 0);
	CHECK(m == GATE_LAYERS_DIFFER && dn == 1 && d[0] == 2);
	free(d);
	CHECK(gate_admit_layers_match(&m, &pol, shorter, 2, &d, &dn, &err) == 0);
	CHECK(m == GATE_LAYERS_DIFFER && dn == 1 && d[0] == 2);
	free(d);
	/* a multiset, not a set: aa,aa,cc is not a reordering of aa,bb,cc */
	CHECK(gate_admit_layers_match(&m, &pol, dup, 3, NULL, NULL, &err) == 0);
	CHECK(m == GATE_LAYERS_DIFFER);
}

static void test_user_parse(void)
{
	struct gate_admit_user u;
	gate_err err = GATE_ERR_INIT;

	CHECK(gate_admit_user_parse(&u, "", &err) == 0);
	CHECK(u.user.id && !strcmp(u.user.id, "0") && !u.user.name && u.group.id && !u.group.name);
	gate_admit_user_free(&u);
	CHECK(gate_admit_user_parse(&u, NULL, &err) == 0);
	CHECK(u.user.id && !strcmp(u.user.id, "0"));
	gate_admit_user_free(&u);
	CHECK(gate_admit_user_parse(&u, "1000", &err) == 0);
	CHECK(!strcmp(u.user.id, "1000") && !u.user.name && !u.group.id && !u.group.name);
	gate_admit_user_free(&u);
	CHECK(gate_admit_user_parse(&u, "alice:staff", &err) == 0);
	CHECK(!u.user.id && !strcmp(u.user.name, "alice") && !u.group.id && !strcmp(u.group.name, "staff"));
	gate_admit_user_free(&u);
	CHECK(gate_admit_user_parse(&u, "1000:50", &err) == 0);
	CHECK(!strcmp(u.user.id, "1000") && !strcmp(u.group.id, "50") && !u.user.name);
	gate_admit_user_free(&u);
}

static void test_admit_errors(void)
{
	struct gate_policy_container pc = { 0 };
	const struct gate_policy_container *pp = &pc;
	struct gate_admit_input in = { 0 };
	struct gate_admit_result res;
	gate_err err = GATE_ERR_INIT;

	pc.name = "web";
	pc.json = "[1]";
	CHECK(gate_admit_run(&res, &in, &pp, 1, &err) < 0);
	CHECK(err.code == GATE_EINPUT && !strcmp(err.msg, "policy container 'web': not a JSON object"));
	CHECK(res.candidates == NULL && res.candidates_count == 0);
	gate_err_clear(&err);
	pc.json = "{\"command\":";
	CHECK(gate_admit_run(&res, &in, &pp, 1, &err) < 0);
	CHECK(strstr(err.msg, "policy container 'web': unreadable JSON") != NULL);
	gate_err_clear(&err);
	/* no candidates: denied, with no rule to blame */
	CHECK(gate_admit_run(&res, &in, NULL, 0, &err) == 0);
	CHECK(res.verdict == GATE_ADMIT_FAIL && !res.all_fail[GATE_ADMIT_COMMAND]);
	gate_admit_result_free(&res);
}

/* The shard assignment is part of the interface (README "Shards"): FNV-1a
 * 64 of "file\0group", values from an independent Python implementation. */
static void test_shards(void)
{
	CHECK(gate_shard_of("t/a.json", "front", 1000) == 970);
	CHECK(gate_shard_of("t/a.jso", "nfront", 1000) == 2);
	CHECK(gate_shard_of("", "", 7) == 3);
	CHECK(gate_shard_of("t/a.json", "front", 1) == 0);
}

/* A finding keeps the file's name as given for URIs, and its UTF-8
 * rendering for text: "a\\xffb.json" would name another file. */
static void test_raw_path(void)
{
	struct gate_group g = { .name = "g", .confidential = true };
	struct gate_model m = { .file = "a\xff" "b.json", .groups = &g, .groups_count = 1 };
	struct gate_verify_opts opts = { 0 };
	struct gate_verify_report r = GATE_VERIFY_REPORT_INIT;
	gate_err err = GATE_ERR_INIT;

	CHECK(!gate_verify_run(&r, &m, 1, &opts, &err));
	CHECK(r.findings_count == 1);
	if (r.findings_count == 1) {
		CHECK(!strcmp(r.findings[0].file, "a\\xffb.json"));
		CHECK(r.findings[0].path && !strcmp(r.findings[0].path, "a\xff" "b.json"));
	}
	gate_verify_report_free(&r);
}

int main(void)
{
	test_re2_samples();
	test_re2_syntax();
	test_re2_errors();
	test_layers();
	test_user_parse();
	test_admit_errors();
	test_shards();
	test_raw_path();
	printf("test_verify: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
