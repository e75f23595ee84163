/*
 * test_ref.c - image reference parsing against Docker's normalisation.
 * Cases follow github.com/distribution/reference's normalize_test.go.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "registry/ref.h"

static const struct {
	const char *in;
	const char *domain, *path, *tag, *digest;   /* NULL domain: must fail */
	const char *api_host;
} cases[] = {
	{ "nginx", "docker.io", "library/nginx", "latest", "", "registry-1.docker.io" },
	{ "nginx:1.25", "docker.io", "library/nginx", "1.25", "", "registry-1.docker.io" },
	{ "bitnami/nginx", "docker.io", "bitnami/nginx", "latest", "", "registry-1.docker.io" },
	{ "docker.io/nginx", "docker.io", "library/nginx", "latest", "", "registry-1.docker.io" },
	{ "index.docker.io/library/nginx", "docker.io", "library/nginx", "latest", "", "registry-1.docker.io" },
	{ "myacr.azurecr.io/simpleapp:v1", "myacr.azurecr.io", "simpleapp", "v1", "", "myacr.azurecr.io" },
	{ "localhost/a", "localhost", "a", "latest", "", "localhost" },
	{ "localhost:5000/a/b:v_1.2-x", "localhost:5000", "a/b", "v_1.2-x", "", "localhost:5000" },
	{ "Foo/bar", "Foo", "bar", "latest", "", "Foo" },
	{ "[::1]:5000/app", "[::1]:5000", "app", "latest", "", "[::1]:5000" },
	{ "127.0.0.1:5000/a__b/c.d/e-f--g", "127.0.0.1:5000", "a__b/c.d/e-f--g", "latest", "", "127.0.0.1:5000" },
	{ "ghcr.io/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  "ghcr.io", "a/b", "", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io" },
	{ "a:t@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  "docker.io", "library/a", "t", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  "registry-1.docker.io" },
	/* malformed */
	{ "", NULL, NULL, NULL, NULL, NULL },
	{ "Nginx", NULL, NULL, NULL, NULL, NULL },
	{ "docker.io/Library/nginx", NULL, NULL, NULL, NULL, NULL },
	{ "a//b", NULL, NULL, NULL, NULL, NULL },
	{ "a/", NULL, NULL, NULL, NULL, NULL },
	{ "-a", NULL, NULL, NULL, NULL, NULL },
	{ "a-", NULL, NULL, NULL, NULL, NULL },
	{ "a..b", NULL, NULL, NULL, NULL, NULL },
	{ "a___b", NULL, NULL, NULL, NULL, NULL },
	{ "a:", NULL, NULL, NULL, NULL, NULL },
	{ "a:.tag", NULL, NULL, NULL, NULL, NULL },
	{ "a:tag!", NULL, NULL, NULL, NULL, NULL },
	{ "a@sha256:abc", NULL, NULL, NULL, NULL, NULL },
	{ "a@md5:0123456789abcdef0123456789abcdef", NULL, NULL, NULL, NULL, NULL },
	{ "a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL, NULL, NULL, NULL },
	{ "a@@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL, NULL, NULL, NULL },
	{ "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL, NULL, NULL, NULL },
	{ "host:port/a", NULL, NULL, NULL, NULL, NULL },
	{ "-host.io/a", NULL, NULL, NULL, NULL, NULL },
	{ ":5000/a", NULL, NULL, NULL, NULL, NULL },
	{ "[::1/a", NULL, NULL, NULL, NULL, NULL },
};

int main(void)
{
	char long_tag[200], long_name[300], buf[600];
	struct gate_ref r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gate_err err = GATE_ERR_INIT;
		int rc = gate_ref_parse(&r, cases[i].in, &err);

		if (!cases[i].domain) {
			CHECK_MSG(rc && err.code == GATE_EINPUT && err.msg[0],
				  "'%s': accepted or no message", cases[i].in);
			continue;
		}
		CHECK_MSG(!rc && !strcmp(r.domain, cases[i].domain) && !strcmp(r.path, cases[i].path) &&
			  !strcmp(r.tag, cases[i].tag) && !strcmp(r.digest, cases[i].digest) &&
			  !strcmp(gate_ref_api_host(&r), cases[i].api_host),
			  "'%s': rc %d (%s) -> '%s' '%s' '%s' '%s'", cases[i].in, rc, err.msg,
			  r.domain, r.path, r.tag, r.digest);
	}

	/* Limits: a 128-character tag is fine, 129 is not; names stop at 255. */
	memset(long_tag, 'a', sizeof(long_tag));
	snprintf(buf, sizeof(buf), "x:%.128s", long_tag);
	CHECK_MSG(!gate_ref_parse(&r, buf, NULL), "128-character tag refused");
	snprintf(buf, sizeof(buf), "x:%.129s", long_tag);
	CHECK_MSG(gate_ref_parse(&r, buf, NULL), "129-character tag accepted");
	memset(long_name, 'a', sizeof(long_name));
	snprintf(buf, sizeof(buf), "h.io/%.250s", long_name);
	CHECK_MSG(!gate_ref_parse(&r, buf, NULL), "255-character name refused");
	snprintf(buf, sizeof(buf), "h.io/%.251s", long_name);
	CHECK_MSG(gate_ref_parse(&r, buf, NULL), "255+-character name accepted");

	gate_ref_parse(&r, "localhost:5000/a:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL);
	CHECK(!gate_ref_format(&r, buf, sizeof(buf)));
	CHECK_MSG(!strcmp(buf, "localhost:5000/a:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		  "gate_ref_format gave '%s'", buf);
	CHECK_MSG(gate_ref_format(&r, buf, 20), "gate_ref_format into 20 bytes did not fail");
	return check_done();
}
