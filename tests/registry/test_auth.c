/*
 * test_auth.c - WWW-Authenticate parsing and USER:PASSWORD splitting.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
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

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gate_err err = GATE_ERR_INIT;
		int rc = gate_auth_parse_challenge(&c, cases[i].header, &err);

		if (cases[i].scheme == GATE_AUTH_NONE) {
			CHECK_MSG(rc && err.code == GATE_EVERIFY, "'%s': accepted", cases[i].header);
			continue;
		}
		CHECK_MSG(!rc && c.scheme == cases[i].scheme && !strcmp(c.realm, cases[i].realm) &&
			  !strcmp(c.service, cases[i].service) && !strcmp(c.scope, cases[i].scope),
			  "'%s': rc %d (%s) -> %d '%s' '%s' '%s'", cases[i].header, rc, err.msg,
			  c.scheme, c.realm, c.service, c.scope);
	}

	/* A realm longer than the client keeps is refused, not cut. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=\"", 14);
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\0';
	CHECK_MSG(gate_auth_parse_challenge(&c, big, NULL), "oversized realm accepted");

	CHECK(!gate_creds_from_userpass(&cr, "u:p:with:colons", "test", NULL));
	CHECK_STR(cr.username, "u");
	CHECK_STR(cr.password, "p:with:colons");
	gate_creds_free(&cr);
	CHECK_MSG(!cr.username && !cr.password, "gate_creds_free left pointers");
	CHECK(gate_creds_from_userpass(&cr, "nocolon", "test", NULL));
	CHECK(gate_creds_from_userpass(&cr, ":pass", "test", NULL));
	return check_done();
}
