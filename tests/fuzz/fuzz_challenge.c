/*
 * fuzz_challenge.c - libFuzzer target for the WWW-Authenticate parser: any
 * header value must end in a challenge or an error.  A challenge that is
 * read is written back as a header of quoted-strings and must read back
 * the same: what gate sends its token request to is what the registry said.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry/auth.h"

/* ' name="value"' with '"' and '\' escaped, appended at *p. */
static char *put_param(char *p, const char *sep, const char *name, const char *value)
{
	p += strlen(strcpy(p, sep));
	p += strlen(strcpy(p, name));
	*p++ = '=';
	*p++ = '"';
	for (; *value; value++) {
		if (*value == '"' || *value == '\\')
			*p++ = '\\';
		*p++ = *value;
	}
	*p++ = '"';
	*p = '\0';
	return p;
}

static void round_trip(const struct gate_auth_challenge *c)
{
	struct gate_auth_challenge again;
	gate_err err = GATE_ERR_INIT;
	/* every character of each parameter escaped at worst */
	static char buf[2 * (sizeof(c->realm) + sizeof(c->service) + sizeof(c->scope)) + 64];
	char *p = buf;

	p += strlen(strcpy(p, c->scheme == GATE_AUTH_BEARER ? "Bearer" : "Basic"));
	p = put_param(p, " ", "realm", c->realm);
	p = put_param(p, ",", "service", c->service);
	put_param(p, ",", "scope", c->scope);
	if (gate_auth_parse_challenge(&again, buf, &err) || again.scheme != c->scheme ||
	    strcmp(again.realm, c->realm) || strcmp(again.service, c->service) ||
	    strcmp(again.scope, c->scope))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gate_auth_challenge c;
	gate_err err = GATE_ERR_INIT;
	char *value = fuzz_cstr(data, size);

	if (!value)
		return 0;
	if (gate_auth_parse_challenge(&c, value, &err) == 0) {
		if (c.scheme != GATE_AUTH_BASIC && c.scheme != GATE_AUTH_BEARER)
			abort();
		if (c.scheme == GATE_AUTH_BEARER && !c.realm[0])
			abort();
		round_trip(&c);
	} else {
		fuzz_check_error(&err, GATE_EVERIFY);
	}
	free(value);
	return 0;
}
