/*
 * test_auth.c - WWW-Authenticate parsing and USER:PASSWORD splitting.
 */
#include <stdio.h>
#include <string.h>

#include "registry/auth.h"

static const struct {
	const char *header;
	int scheme;                     /* GATE_AUTH_NONE: must fail */
	const char *realm, *service, *scope;
} cases[] = {
	{ "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/nginx:pull\"",
	  GATE_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io", "repository:library/nginx:pull" },
	/* quoted commas, spaces after commas, upper-case scheme and names */
	{ "BEARER Realm=\"https://r.io/oauth2/token\", Service=\"r.io\", Scope=\"repository:a/b:pull,push\"",
	  GATE_AUTH_BEARER, "https://r.io/oauth2/token", "r.io", "repository:a/b:pull,push" },
	/* several scopes in one value, an escaped quote, unknown params ignored */
	{ "Bearer realm=\"https://t/x\",scope=\"repository:a:pull repository:b:pull\",error=\"insufficient_scope\",x=\"a\\\"b\"",
	  GATE_AUTH_BEARER, "https://t/x", "", "repository:a:pull repository:b:pull" },
	/* token68-free tokens without quotes */
	{ "Bearer realm=https://t/token,service=svc", GATE_AUTH_BEARER, "https://t/token", "svc", "" },
	{ "Basic realm=\"Registry Realm\"", GATE_AUTH_BASIC, "Registry Realm", "", "" },
	{ "basic", GATE_AUTH_BASIC, "", "", "" },
	/* two challenges in one header: Bearer wins wherever it is */
	{ "Basic realm=\"b\", Bearer realm=\"https://t/tok\",service=\"s\"", GATE_AUTH_BEARER, "https://t/tok", "s", "" },
	{ "Negotiate abc, Basic realm=\"x\"", GATE_AUTH_BASIC, "x", "", "" },
	/* malformed or unsupported */
	{ "", GATE_AUTH_NONE, NULL, NULL, NULL },
	{ "Negotiate", GATE_AUTH_NONE, NULL, NULL, NULL },
	{ "Bearer service=\"s\"", GATE_AUTH_NONE, NULL, NULL, NULL },
	{ "Bearer realm=\"unterminated", GATE_AUTH_NONE, NULL, NULL, NULL },
};

int main(void)
{
	struct gate_auth_challenge c;
	struct gate_creds cr;
	char big[3000];
	size_t i;
	int failures = 0, n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++, n++) {
		gate_err err = GATE_ERR_INIT;
		int rc = gate_auth_parse_challenge(&c, cases[i].header, &err);

		if (cases[i].scheme == GATE_AUTH_NONE) {
			if (rc == 0 || err.code != GATE_EVERIFY) {
				printf("FAIL '%s': accepted\n", cases[i].header);
				failures++;
			}
			continue;
		}
		if (rc || c.scheme != cases[i].scheme || strcmp(c.realm, cases[i].realm) ||
		    strcmp(c.service, cases[i].service) || strcmp(c.scope, cases[i].scope)) {
			printf("FAIL '%s': rc %d (%s) -> %d '%s' '%s' '%s'\n", cases[i].header, rc, err.msg,
			       c.scheme, c.realm, c.service, c.scope);
			failures++;
		}
	}

	/* A realm longer than the client keeps is refused, not cut. */
	n++;
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=\"", 14);
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\0';
	if (!gate_auth_parse_challenge(&c, big, NULL)) {
		printf("FAIL oversized realm accepted\n");
		failures++;
	}

	n++;
	if (gate_creds_from_userpass(&cr, "u:p:with:colons", "test", NULL) ||
	    strcmp(cr.username, "u") || strcmp(cr.password, "p:with:colons")) {
		printf("FAIL USER:PASSWORD split\n");
		failures++;
	}
	gate_creds_free(&cr);
	n++;
	if (cr.username || cr.password) {
		printf("FAIL gate_creds_free left pointers\n");
		failures++;
	}
	n++;
	if (!gate_creds_from_userpass(&cr, "nocolon", "test", NULL) ||
	    !gate_creds_from_userpass(&cr, ":pass", "test", NULL)) {
		printf("FAIL malformed USER:PASSWORD accepted\n");
		failures++;
	}
	printf("%d passed, %d failed\n", n - failures, failures);
	return failures != 0;
}
