/*
 * auth.h - registry authentication: challenges, credentials, tokens.
 *
 * The flow is the distribution token spec: a request answered 401 carries
 * WWW-Authenticate; Basic means resending with the credentials, Bearer
 * means fetching a token from the realm (anonymously, with Basic
 * credentials, or by POSTing a refresh token) and resending with it.
 *
 * Secrets live in gate_creds and in Authorization header values only; no
 * error message of this module contains one.
 *
 * Threads: the parsers and gate_auth_authorize() touch only what they are
 * given, so threads may call them at once with their own structs (and a
 * shared gate_http).  gate_creds_lookup() and gate_creds_from_env() read
 * the environment and run credential helpers: call them while no thread
 * changes the environment.  A gate_creds may be read by many threads and
 * freed by one, after they are done.
 */
#ifndef GATE_AUTH_H
#define GATE_AUTH_H

#include "base/err.h"
#include "registry/http.h"

struct json_t;                          /* jansson */

enum gate_auth_scheme {
	GATE_AUTH_NONE = 0,
	GATE_AUTH_BASIC,
	GATE_AUTH_BEARER,
};

struct gate_auth_challenge {
	int scheme;                     /* enum gate_auth_scheme */
	char realm[1024];
	char service[256];
	char scope[1024];               /* "" if the registry named none */
};

/* ACR's username for refresh tokens (az acr login --expose-token). */
#define GATE_ACR_TOKEN_USER "00000000-0000-0000-0000-000000000000"

struct gate_creds {
	char *username;
	char *password;
	char *identity_token;           /* a refresh token, POSTed to the realm */
	char source[4200];              /* where they came from (a path), for messages */
};

/* Parses a WWW-Authenticate value; with several challenges Bearer wins
 * over Basic.  Returns 0, or -1 (GATE_EVERIFY) if neither is offered. */
int gate_auth_parse_challenge(struct gate_auth_challenge *out, const char *value, gate_err *err);

/* "USER:PASS" (the password may contain ':').  Returns 0 or -1 (GATE_EINPUT). */
int gate_creds_from_userpass(struct gate_creds *out, const char *s, const char *source, gate_err *err);

/* Credentials stored for registry domain, first found wins:
 *   authfile (--authfile), else $REGISTRY_AUTH_FILE, when set: the
 *     containers auth file that podman and skopeo login write;
 *   $DOCKER_CONFIG/config.json, else ~/.docker/config.json (credHelpers,
 *     then credsStore, then auths);
 *   ${XDG_RUNTIME_DIR}/containers/auth.json, unless an auth file was named.
 * A file that does not exist is skipped.  Returns 1 if found, 0 if none,
 * -1 with err set if a store could not be read. */
int gate_creds_lookup(struct gate_creds *out, const char *domain, const char *authfile, gate_err *err);

/* The credential helper an auth file's document config names for domain
 * (credHelpers, then credsStore), borrowed from config; NULL if none. */
const char *gate_creds_helper_for(struct json_t *config, const char *domain);

/* The credentials config's "auths" holds for domain ({"auth": base64},
 * or username and password, and identitytoken); source names the file in
 * messages.  Returns 1 if found, 0 if none, -1 (GATE_EINPUT) if the
 * entry is malformed. */
int gate_creds_from_auths(struct gate_creds *out, struct json_t *config, const char *domain,
			  const char *source, gate_err *err);

/* GATE_USERNAME and GATE_PASSWORD, for every registry (CI secrets).
 * Returns 1 if both are set, 0 if neither, -1 (GATE_EINPUT) if one only. */
int gate_creds_from_env(struct gate_creds *out, gate_err *err);

void gate_creds_free(struct gate_creds *c);     /* wipes the secrets */

/* A token endpoint's answer body (JSON: token, else access_token) as the
 * Authorization value "Bearer TOKEN", malloc'd into *out; realm names the
 * endpoint in messages.  Returns 0, or -1 (GATE_EVERIFY) if there is no
 * token or it has characters a header cannot carry. */
int gate_auth_token_parse(char **out, const char *body, size_t size, const char *realm, gate_err *err);

/* The Authorization value answering challenge c, malloc'd into *out.
 * creds may be NULL (anonymous); scope is used when the challenge names
 * none; a token request ends by deadline (NULL: none).  Returns 0, or -1
 * with err set (GATE_EVERIFY). */
int gate_auth_authorize(gate_http *h, const struct gate_auth_challenge *c,
			const struct gate_creds *creds, const char *scope,
			const struct gate_http_deadline *deadline, char **out, gate_err *err);

#endif
