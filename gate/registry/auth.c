#include "registry/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/limits.h"

#define HELPER_OUTPUT_MAX (64u << 10)
#define DOCKER_HUB_KEY    "https://index.docker.io/v1/"
#define CONFIG_PATH_MAX   PATH_MAX

extern char **environ;

/* --- WWW-Authenticate (RFC 9110 11.6.1) --- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int is_tchar(int c)
{
	return c > ' ' && c < 127 && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

/* Reads a token or quoted-string into buf; returns the position after it
 * or NULL if malformed or too long. */
static const char *read_value(const char *p, char *buf, size_t size)
{
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= size)
				return NULL;
			buf[n++] = *p;
		}
		if (*p != '"')
			return NULL;
		p++;
	} else {
		while (is_tchar((unsigned char)*p) || *p == '/' || *p == ':') {
			if (n + 1 >= size)
				return NULL;
			buf[n++] = *p++;
		}
	}
	buf[n] = '\0';
	return p;
}

static int copy_param(char *dst, size_t size, const char *val)
{
	size_t n = strlen(val);

	if (n >= size)
		return -1;
	memcpy(dst, val, n + 1);
	return 0;
}

int gate_auth_parse_challenge(struct gate_auth_challenge *out, const char *value, gate_err *err)
{
	struct gate_auth_challenge cur, basic;
	const char *p = value, *tok;
	char name[64], val[1024];
	size_t len;
	int have_basic = 0;

	memset(out, 0, sizeof(*out));
	memset(&basic, 0, sizeof(basic));
	p = skip_ws(p);
	while (*p) {
		/* auth-scheme */
		tok = p;
		while (is_tchar((unsigned char)*p))
			p++;
		len = (size_t)(p - tok);
		if (!len)
			break;
		memset(&cur, 0, sizeof(cur));
		if (len == 6 && !strncasecmp(tok, "bearer", 6))
			cur.scheme = GATE_AUTH_BEARER;
		else if (len == 5 && !strncasecmp(tok, "basic", 5))
			cur.scheme = GATE_AUTH_BASIC;
		/* auth-params: name=value pairs until a token not followed by '=' */
		for (;;) {
			const char *save;

			p = skip_ws(p);
			while (*p == ',')
				p = skip_ws(p + 1);
			save = p;
			tok = p;
			while (is_tchar((unsigned char)*p))
				p++;
			len = (size_t)(p - tok);
			p = skip_ws(p);
			if (!len || *p != '=') {
				p = save;
				break;
			}
			p = skip_ws(p + 1);
			snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), tok);
			p = read_value(p, val, sizeof(val));
			if (!p)
				return gate_err_set(err, GATE_EVERIFY, "malformed WWW-Authenticate header");
			if ((!strcasecmp(name, "realm") && copy_param(cur.realm, sizeof(cur.realm), val)) ||
			    (!strcasecmp(name, "service") && copy_param(cur.service, sizeof(cur.service), val)) ||
			    (!strcasecmp(name, "scope") && copy_param(cur.scope, sizeof(cur.scope), val)))
				return gate_err_set(err, GATE_EVERIFY, "WWW-Authenticate: %s longer than this client accepts", name);
		}
		if (cur.scheme == GATE_AUTH_BEARER) {
			if (!cur.realm[0])
				return gate_err_set(err, GATE_EVERIFY, "bearer challenge without a realm");
			*out = cur;
			return 0;
		}
		if (cur.scheme == GATE_AUTH_BASIC && !have_basic) {
			basic = cur;
			have_basic = 1;
		}
	}
	if (have_basic) {
		*out = basic;
		return 0;
	}
	return gate_err_set(err, GATE_EVERIFY, "registry asks for an authentication scheme other than basic or bearer");
}

/* --- credentials --- */

void gate_creds_free(struct gate_creds *c)
{
	char **s[] = { &c->username, &c->password, &c->identity_token };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (*s[i]) {
			explicit_bzero(*s[i], strlen(*s[i]));
			free(*s[i]);
			*s[i] = NULL;
		}
	}
}

static int set_userpass(struct gate_creds *out, const char *user, size_t user_len,
			const char *pass, const char *source, gate_err *err)
{
	out->username = strndup(user, user_len);
	out->password = strdup(pass);
	if (!out->username || !out->password) {
		gate_creds_free(out);
		return gate_err_nomem(err);
	}
	snprintf(out->source, sizeof(out->source), "%s", source);
	return 0;
}

int gate_creds_from_userpass(struct gate_creds *out, const char *s, const char *source, gate_err *err)
{
	const char *colon = strchr(s, ':');

	memset(out, 0, sizeof(*out));
	if (!colon || colon == s)
		return gate_err_set(err, GATE_EINPUT, "%s: expected USER:PASSWORD", source);
	return set_userpass(out, s, (size_t)(colon - s), colon + 1, source, err);
}

/* "https://host:port/v1/" and "host:port" name the same registry. */
static void normalise_key(const char *key, char *buf, size_t size)
{
	const char *p = key, *slash;
	size_t n;

	if (!strncmp(p, "https://", 8))
		p += 8;
	else if (!strncmp(p, "http://", 7))
		p += 7;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (!strcmp(buf, "index.docker.io") || !strcmp(buf, "registry-1.docker.io"))
		snprintf(buf, size, "docker.io");
}

static int decode_auth_field(struct gate_creds *out, const char *b64, const char *source, gate_err *err)
{
	size_t len = strlen(b64), pad = 0;
	unsigned char *raw;
	int n, rc;
	char *colon;

	if (len % 4)
		return gate_err_set(err, GATE_EINPUT, "%s: 'auth' is not base64", source);
	raw = malloc(len / 4 * 3 + 1);
	if (!raw)
		return gate_err_nomem(err);
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
	if (n < 0) {
		free(raw);
		return gate_err_set(err, GATE_EINPUT, "%s: 'auth' is not base64", source);
	}
	if (len && b64[len - 1] == '=')
		pad++;
	if (len > 1 && b64[len - 2] == '=')
		pad++;
	n -= (int)pad;
	raw[n] = '\0';
	colon = strchr((char *)raw, ':');
	if (!colon || colon == (char *)raw) {
		explicit_bzero(raw, (size_t)n);
		free(raw);
		return gate_err_set(err, GATE_EINPUT, "%s: 'auth' is not USER:PASSWORD", source);
	}
	rc = set_userpass(out, (char *)raw, (size_t)(colon - (char *)raw), colon + 1, source, err);
	explicit_bzero(raw, (size_t)n);
	free(raw);
	return rc;
}

/* One entry of "auths": {"auth": b64} or {"username","password"}, plus
 * "identitytoken" for refresh tokens. */
static int creds_from_entry(struct gate_creds *out, json_t *entry, const char *source, gate_err *err)
{
	const char *auth = json_string_value(json_object_get(entry, "auth"));
	const char *user = json_string_value(json_object_get(entry, "username"));
	const char *pass = json_string_value(json_object_get(entry, "password"));
	const char *idt = json_string_value(json_object_get(entry, "identitytoken"));

	memset(out, 0, sizeof(*out));
	if (auth && *auth) {
		if (decode_auth_field(out, auth, source, err))
			return -1;
	} else if (user && *user && pass) {
		if (set_userpass(out, user, strlen(user), pass, source, err))
			return -1;
	}
	if (idt && *idt) {
		if (!(out->identity_token = strdup(idt))) {
			gate_creds_free(out);
			return gate_err_nomem(err);
		}
		snprintf(out->source, sizeof(out->source), "%s", source);
	}
	return out->username || out->identity_token ? 1 : 0;
}

/* Starts prog with a pipe on its stdin and one on its stdout. */
static int spawn_helper(const char *prog, const char *source, pid_t *pid, int *to, int *from, gate_err *err)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)prog, "get", NULL };
	int in[2], outp[2], status;

	/* Close-on-exec: helpers of other images, spawned by other threads
	 * meanwhile, must not hold these ends, or this helper never sees EOF
	 * on its stdin and its reader never sees EOF on its stdout.  The
	 * dup2()s below give the helper its own ends without the flag. */
	if (pipe2(in, O_CLOEXEC))
		return gate_err_set(err, GATE_EVERIFY, "%s: pipe: %s", source, strerror(errno));
	if (pipe2(outp, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return gate_err_set(err, GATE_EVERIFY, "%s: pipe: %s", source, strerror(errno));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, outp[0]);
	status = posix_spawnp(pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(outp[1]);
	if (status) {
		close(in[1]);
		close(outp[0]);
		return gate_err_set(err, GATE_EVERIFY, "%s: cannot run: %s", source, strerror(status));
	}
	*to = in[1];
	*from = outp[0];
	return 0;
}

/* Reads fd to its end into buf (HELPER_OUTPUT_MAX + 1 bytes), NUL-terminated. */
static int read_helper(int fd, char *buf, size_t *len, const char *source, gate_err *err)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len >= HELPER_OUTPUT_MAX)
			return gate_err_set(err, GATE_EVERIFY, "%s: output larger than %u bytes", source, HELPER_OUTPUT_MAX);
		n = read(fd, buf + *len, HELPER_OUTPUT_MAX - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	return 0;
}

/* A helper's {"Username","Secret"}.  Returns 1, 0 (no secret), -1. */
static int creds_from_helper(struct gate_creds *out, const char *buf, size_t len, const char *source,
			     gate_err *err)
{
	json_t *root = json_loadb(buf, len, 0, NULL);
	const char *user = json_string_value(json_object_get(root, "Username"));
	const char *secret = json_string_value(json_object_get(root, "Secret"));
	int rc = -1;

	if (!root || !user || !secret) {
		gate_err_set(err, GATE_EVERIFY, "%s: output is not {\"Username\",\"Secret\"}", source);
	} else if (!*secret) {
		rc = 0;
	} else if (!strcmp(user, "<token>")) {
		/* Docker stores identity tokens with this placeholder user. */
		if (!(out->identity_token = strdup(secret))) {
			gate_err_nomem(err);
		} else {
			snprintf(out->source, sizeof(out->source), "%s", source);
			rc = 1;
		}
	} else if (!set_userpass(out, user, strlen(user), secret, source, err)) {
		rc = 1;
	}
	if (secret)
		explicit_bzero((char *)secret, strlen(secret));
	json_decref(root);
	return rc;
}

/* Runs docker-credential-NAME get.  Returns 1, 0 (no credentials), -1. */
static int run_helper(struct gate_creds *out, const char *name, const char *domain, gate_err *err)
{
	char prog[128], source[160], *buf;
	const char *server = strcmp(domain, "docker.io") ? domain : DOCKER_HUB_KEY;
	int to = -1, from = -1, status, rc = -1;
	size_t len = 0;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (!*name || strchr(name, '/'))
		return gate_err_set(err, GATE_EINPUT, "credential helper name '%s' is not valid", name);
	if (snprintf(prog, sizeof(prog), "docker-credential-%s", name) >= (int)sizeof(prog))
		return gate_err_set(err, GATE_EINPUT, "credential helper name '%.64s...' too long", name);
	snprintf(source, sizeof(source), "credential helper %s", prog);    /* fits: 18 + 127 < 160 */
	if (!(buf = malloc(HELPER_OUTPUT_MAX + 1)))
		return gate_err_nomem(err);
	if (spawn_helper(prog, source, &pid, &to, &from, err)) {
		free(buf);
		return -1;
	}
	/* The server URL is short; a helper that does not read it just
	 * gets EPIPE, which is not ours to report. */
	if (write(to, server, strlen(server)) < 0)
		(void)0;
	close(to);
	rc = read_helper(from, buf, &len, source, err);
	close(from);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		/* Helpers say "credentials not found" by failing. */
		rc = strstr(buf, "not found") ? 0 :
		     gate_err_set(err, GATE_EVERIFY, "%s get failed for '%s'", source, server);
	} else if (rc == 0) {
		rc = creds_from_helper(out, buf, len, source, err);
	}
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

const char *gate_creds_helper_for(json_t *config, const char *domain)
{
	json_t *v;
	const char *key, *helper = NULL;
	char norm[300];

	json_object_foreach(json_object_get(config, "credHelpers"), key, v) {
		normalise_key(key, norm, sizeof(norm));
		if (!strcmp(norm, domain) && json_is_string(v))
			helper = json_string_value(v);
	}
	if (!helper)
		helper = json_string_value(json_object_get(config, "credsStore"));
	return helper && *helper ? helper : NULL;
}

int gate_creds_from_auths(struct gate_creds *out, json_t *config, const char *domain,
			  const char *source, gate_err *err)
{
	json_t *v;
	const char *key;
	char norm[300];
	int rc;

	memset(out, 0, sizeof(*out));
	json_object_foreach(json_object_get(config, "auths"), key, v) {
		normalise_key(key, norm, sizeof(norm));
		if (strcmp(norm, domain))
			continue;
		if ((rc = creds_from_entry(out, v, source, err)))
			return rc;
	}
	return 0;
}

/* Returns 1 and fills *out if found, 0 if the file or entry is absent. */
static int lookup_file(struct gate_creds *out, const char *path, const char *domain,
		       int docker, gate_err *err)
{
	json_t *root;
	json_error_t jerr;
	const char *helper;
	int rc = 0;

	if (access(path, F_OK))
		return 0;
	root = json_load_file(path, 0, &jerr);
	if (!root)
		return gate_err_set(err, GATE_EINPUT, "%s:%d: %s", path, jerr.line, jerr.text);
	if (docker && (helper = gate_creds_helper_for(root, domain)))
		rc = run_helper(out, helper, domain, err);
	if (!rc)
		rc = gate_creds_from_auths(out, root, domain, path, err);
	json_decref(root);
	return rc;
}

int gate_creds_lookup(struct gate_creds *out, const char *domain, const char *authfile, gate_err *err)
{
	char path[CONFIG_PATH_MAX];
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!authfile || !*authfile)
		authfile = getenv("REGISTRY_AUTH_FILE");
	if (authfile && *authfile && (rc = lookup_file(out, authfile, domain, 0, err)))
		return rc;
	if ((dir && *dir && snprintf(path, sizeof(path), "%s/config.json", dir) < (int)sizeof(path)) ||
	    (home && *home && snprintf(path, sizeof(path), "%s/.docker/config.json", home) < (int)sizeof(path))) {
		rc = lookup_file(out, path, domain, 1, err);
		if (rc)
			return rc;
	}
	/* A named auth file takes the place of the default one, as in podman. */
	if (authfile && *authfile)
		return 0;
	if (xdg && *xdg && snprintf(path, sizeof(path), "%s/containers/auth.json", xdg) < (int)sizeof(path))
		return lookup_file(out, path, domain, 0, err);
	return 0;
}

int gate_creds_from_env(struct gate_creds *out, gate_err *err)
{
	const char *user = getenv("GATE_USERNAME"), *pass = getenv("GATE_PASSWORD");
	int have_user = user && *user, have_pass = pass && *pass;

	memset(out, 0, sizeof(*out));
	if (!have_user && !have_pass)
		return 0;
	if (!have_user || !have_pass)
		return gate_err_set(err, GATE_EINPUT, "%s is set but %s is not",
				    have_user ? "GATE_USERNAME" : "GATE_PASSWORD",
				    have_user ? "GATE_PASSWORD" : "GATE_USERNAME");
	if (set_userpass(out, user, strlen(user), pass, "GATE_USERNAME/GATE_PASSWORD", err))
		return -1;
	return 1;
}

/* --- tokens --- */

static char *basic_value(const char *user, const char *pass)
{
	size_t ulen = strlen(user), plen = strlen(pass), rawlen = ulen + 1 + plen;
	char *raw = malloc(rawlen + 1), *out = malloc(6 + 4 * ((rawlen + 2) / 3) + 1);

	if (!raw || !out) {
		free(raw);
		free(out);
		return NULL;
	}
	memcpy(raw, user, ulen);
	raw[ulen] = ':';
	memcpy(raw + ulen + 1, pass, plen);
	memcpy(out, "Basic ", 6);
	EVP_EncodeBlock((unsigned char *)out + 6, (unsigned char *)raw, (int)rawlen);
	explicit_bzero(raw, rawlen);
	free(raw);
	return out;
}

struct form_field {
	const char *name, *value;       /* a NULL or empty value is left out */
};

/* application/x-www-form-urlencoded (and query strings), RFC 3986
 * unreserved characters kept; sized before it is written.  Returns a
 * malloc'd string, or NULL. */
static char *form_encode(const struct form_field *f, size_t n, size_t *len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v;
	size_t size = 1, i;
	char *buf, *p;

	for (i = 0; i < n; i++)
		if (f[i].value && *f[i].value)
			size += strlen(f[i].name) + 3 * strlen(f[i].value) + 2;
	if (!(buf = malloc(size)))
		return NULL;
	for (p = buf, i = 0; i < n; i++) {
		if (!f[i].value || !*f[i].value)
			continue;
		if (p != buf)
			*p++ = '&';
		p += sprintf(p, "%s=", f[i].name);
		for (v = (const unsigned char *)f[i].value; *v; v++) {
			if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
			    *v == '-' || *v == '.' || *v == '_' || *v == '~') {
				*p++ = (char)*v;
			} else {
				*p++ = '%';
				*p++ = hex[*v >> 4];
				*p++ = hex[*v & 15];
			}
		}
	}
	*p = '\0';
	*len = (size_t)(p - buf);
	return buf;
}

int gate_auth_token_parse(char **out, const char *body, size_t size, const char *realm, gate_err *err)
{
	json_t *root = json_loadb(body ? body : "", size, 0, NULL);
	const char *tok = json_string_value(json_object_get(root, "token"));
	const char *p;

	*out = NULL;
	/* OAuth2 endpoints answer access_token; the distribution spec says
	 * token and allows both. */
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(root, "access_token"));
	if (!tok || !*tok) {
		json_decref(root);
		return gate_err_set(err, GATE_EVERIFY, "token endpoint %s: no token in its answer", realm);
	}
	for (p = tok; *p; p++) {
		if ((unsigned char)*p < 0x21 || *p == 0x7f) {
			json_decref(root);
			return gate_err_set(err, GATE_EVERIFY, "token endpoint %s: token has characters not allowed in a header", realm);
		}
	}
	*out = malloc(strlen(tok) + 8);
	if (*out)
		sprintf(*out, "Bearer %s", tok);
	explicit_bzero((char *)tok, strlen(tok));
	json_decref(root);
	return *out ? 0 : gate_err_nomem(err);
}

static int fetch_token(gate_http *h, const struct gate_auth_challenge *c, const struct gate_creds *creds,
		       const char *scope, const struct gate_http_deadline *deadline, char **out, gate_err *err)
{
	struct gate_http_req req = { 0 };
	struct gate_http_resp resp;
	char *form = NULL, *url = NULL, *basic = NULL;
	size_t len = 0;
	const char *refresh = NULL;
	int rc = -1;

	if (creds && creds->identity_token)
		refresh = creds->identity_token;
	else if (creds && creds->username && !strcmp(creds->username, GATE_ACR_TOKEN_USER))
		refresh = creds->password;
	{
		/* With a refresh token: the OAuth2 refresh-token grant of the
		 * distribution token spec (ACR's exposed tokens are those). */
		const struct form_field fields[] = {
			{ "service", c->service }, { "scope", scope },
			{ "grant_type", refresh ? "refresh_token" : NULL },
			{ "client_id", refresh ? "gate" : NULL }, { "refresh_token", refresh },
		};

		if (!(form = form_encode(fields, sizeof(fields) / sizeof(fields[0]), &len)))
			goto nomem;
	}
	req.max_body_size = GATE_MAX_TOKEN_SIZE;
	req.deadline = deadline;
	if (refresh) {
		req.method = "POST";
		req.url = c->realm;
		req.content_type = "application/x-www-form-urlencoded";
		req.body = form;
		req.body_size = len;
	} else {
		url = malloc(strlen(c->realm) + len + 2);
		if (!url)
			goto nomem;
		sprintf(url, "%s%s%s", c->realm, !len ? "" : strchr(c->realm, '?') ? "&" : "?", form);
		if (creds && creds->username && !(basic = basic_value(creds->username, creds->password)))
			goto nomem;
		req.method = "GET";
		req.url = url;
		req.authorization = basic;
	}
	if (gate_http_do(h, &req, &resp, err) == 0) {
		if (resp.status == 200)
			rc = gate_auth_token_parse(out, resp.body, resp.body_size, c->realm, err);
		else if (resp.status == 401 || resp.status == 403)
			gate_err_set(err, GATE_EVERIFY, "token endpoint %s refused %s%s (HTTP %ld)", c->realm,
				     creds ? "credentials from " : "anonymous access", creds ? creds->source : "",
				     resp.status);
		else
			gate_err_set(err, GATE_EVERIFY, "token endpoint %s answered HTTP %ld", c->realm, resp.status);
	}
	gate_http_resp_free(&resp);
	goto out;
nomem:
	gate_err_nomem(err);
out:
	if (form) {
		explicit_bzero(form, len);
		free(form);
	}
	if (basic) {
		explicit_bzero(basic, strlen(basic));
		free(basic);
	}
	free(url);
	return rc;
}

int gate_auth_authorize(gate_http *h, const struct gate_auth_challenge *c,
			const struct gate_creds *creds, const char *scope,
			const struct gate_http_deadline *deadline, char **out, gate_err *err)
{
	*out = NULL;
	if (c->scheme == GATE_AUTH_BASIC) {
		if (!creds || !creds->username)
			return gate_err_set(err, GATE_EVERIFY, "registry requires basic authentication and no credentials were found");
		*out = basic_value(creds->username, creds->password);
		return *out ? 0 : gate_err_nomem(err);
	}
	return fetch_token(h, c, creds, c->scope[0] ? c->scope : scope, deadline, out, err);
}
