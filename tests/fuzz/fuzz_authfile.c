/*
 * fuzz_authfile.c - libFuzzer target for auth files (docker config.json,
 * containers auth.json): any bytes must end in credentials, a helper's
 * name, nothing, or an error.  Credentials that are found have a user
 * and a password, or a refresh token, and say where they came from.
 * The helper is never run: that is a program, not a parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "registry/auth.h"

#define SOURCE "fuzz/config.json"

static void lookup(json_t *root, const char *domain)
{
	struct gate_creds c;
	gate_err err = GATE_ERR_INIT;
	const char *helper = gate_creds_helper_for(root, domain);
	int rc = gate_creds_from_auths(&c, root, domain, SOURCE, &err);

	if (helper && !*helper)
		abort();
	if (rc == 1) {
		if (strcmp(c.source, SOURCE) || !(c.identity_token || (c.username && *c.username && c.password)))
			abort();
	} else if (c.username || c.password || c.identity_token ||
		   (rc == -1 && (err.code != GATE_EINPUT || !err.msg[0])) || rc < -1) {
		abort();
	}
	gate_creds_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);

	if (!root)
		return 0;
	lookup(root, "docker.io");
	lookup(root, "127.0.0.1:5000");
	json_decref(root);
	return 0;
}
