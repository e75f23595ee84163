#include "registry/ref.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"

#define DEFAULT_DOMAIN "docker.io"
#define DEFAULT_TAG    "latest"

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static int valid_component(const char *s, size_t n)
{
	size_t i = 0, sep;

	if (n == 0 || !is_lower_alnum((unsigned char)s[0]))
		return 0;
	while (i < n) {
		if (is_lower_alnum((unsigned char)s[i])) {
			i++;
			continue;
		}
		sep = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i == sep || i >= n || !is_lower_alnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* host[:port] where host is dot-separated labels of [A-Za-z0-9-] not
 * starting or ending with '-', or a bracketed IPv6 address. */
static int valid_domain(const char *s, size_t n)
{
	size_t i = 0, label;

	if (n && s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
				return 0;
		if (i >= n || i == 1)
			return 0;
		i++;
	} else {
		for (;;) {
			label = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
				i++;
			if (i == label || s[label] == '-' || s[i - 1] == '-')
				return 0;
			if (i < n && s[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return 1;
	if (s[i] != ':' || i + 1 == n)
		return 0;
	for (i++; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* [\w][\w.-]{0,127} */
static int valid_tag(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > GATE_REF_TAG_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!(isalnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-'))))
			return 0;
	}
	return 1;
}

static int all_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == 64;
}

int gate_ref_parse(struct gate_ref *out, const char *s, gate_err *err)
{
	char name[2 * GATE_REF_NAME_MAX + 2];
	const char *at, *slash, *colon, *first_end, *p;
	size_t name_len, dlen;
	int has_domain;

	memset(out, 0, sizeof(*out));
	if (!*s)
		return gate_err_set(err, GATE_EINPUT, "empty image reference");

	at = strchr(s, '@');
	if (at) {
		if (strchr(at + 1, '@'))
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': more than one '@'", s);
		if (strncmp(at + 1, "sha256:", 7))
			return gate_err_set(err, GATE_EINPUT,
					    "image reference '%s': unsupported digest algorithm (only sha256)", s);
		if (!gate_digest_parse(at + 1, NULL))
			return gate_err_set(err, GATE_EINPUT,
					    "image reference '%s': digest is not sha256 followed by 64 lowercase hex digits", s);
		memcpy(out->digest, at + 1, strlen(at + 1) + 1);
		name_len = (size_t)(at - s);
	} else {
		name_len = strlen(s);
	}

	/* A tag is after the last ':' that follows the last '/', so that
	 * "host:5000/app" keeps its port. */
	slash = memrchr(s, '/', name_len);
	colon = memrchr(slash ? slash : s, ':', name_len - (size_t)((slash ? slash : s) - s));
	if (colon) {
		size_t tlen = name_len - (size_t)(colon + 1 - s);

		if (tlen > GATE_REF_TAG_MAX)
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': tag longer than %d characters",
					    s, GATE_REF_TAG_MAX);
		memcpy(out->tag, colon + 1, tlen);
		out->tag[tlen] = '\0';
		if (!valid_tag(out->tag))
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': invalid tag '%s'", s, out->tag);
		name_len = (size_t)(colon - s);
	}
	if (name_len == 0)
		return gate_err_set(err, GATE_EINPUT, "image reference '%s': missing repository name", s);
	if (name_len >= sizeof(name))
		return gate_err_set(err, GATE_EINPUT, "image reference '%s': name too long", s);
	memcpy(name, s, name_len);
	name[name_len] = '\0';

	first_end = strchr(name, '/');
	has_domain = 0;
	if (first_end) {
		dlen = (size_t)(first_end - name);
		has_domain = memchr(name, '.', dlen) || memchr(name, ':', dlen) ||
			     (dlen == 9 && !memcmp(name, "localhost", 9));
		for (p = name; p < first_end && !has_domain; p++)
			if (isupper((unsigned char)*p))
				has_domain = 1;
	}
	if (has_domain) {
		if (!valid_domain(name, dlen))
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': invalid registry host '%.*s'",
					    s, (int)dlen, name);
		if (dlen > GATE_REF_NAME_MAX)
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': registry host too long", s);
		memcpy(out->domain, name, dlen);
		out->domain[dlen] = '\0';
		p = first_end + 1;
		/* index.docker.io is an old spelling of docker.io. */
		if (!strcmp(out->domain, "index.docker.io"))
			strcpy(out->domain, DEFAULT_DOMAIN);
	} else {
		strcpy(out->domain, DEFAULT_DOMAIN);
		p = name;
	}
	if (!strcmp(out->domain, DEFAULT_DOMAIN) && !strchr(p, '/')) {
		if (snprintf(out->path, sizeof(out->path), "library/%s", p) >= (int)sizeof(out->path))
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': name too long", s);
	} else {
		if (strlen(p) >= sizeof(out->path))
			return gate_err_set(err, GATE_EINPUT, "image reference '%s': name too long", s);
		strcpy(out->path, p);
	}

	{
		const char *c = out->path, *e;

		for (;;) {
			e = strchr(c, '/');
			if (!e)
				e = c + strlen(c);
			if (!valid_component(c, (size_t)(e - c))) {
				for (p = c; p < e; p++)
					if (isupper((unsigned char)*p))
						return gate_err_set(err, GATE_EINPUT,
								    "image reference '%s': repository name must be lowercase", s);
				return gate_err_set(err, GATE_EINPUT,
						    "image reference '%s': invalid repository name component '%.*s'",
						    s, (int)(e - c), c);
			}
			if (!*e)
				break;
			c = e + 1;
		}
	}
	if (strlen(out->domain) + 1 + strlen(out->path) > GATE_REF_NAME_MAX)
		return gate_err_set(err, GATE_EINPUT, "image reference '%s': name longer than %d characters",
				    s, GATE_REF_NAME_MAX);
	/* Docker refuses a bare 64-hex name: it reads as an image ID. */
	if (!has_domain && all_hex64(name))
		return gate_err_set(err, GATE_EINPUT,
				    "image reference '%s': a 64-character hex name is an image id, not a reference", s);
	if (!out->tag[0] && !out->digest[0])
		strcpy(out->tag, DEFAULT_TAG);
	return 0;
}

const char *gate_ref_api_host(const struct gate_ref *r)
{
	return strcmp(r->domain, DEFAULT_DOMAIN) ? r->domain : "registry-1.docker.io";
}

int gate_ref_format(const struct gate_ref *r, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "%s/%s%s%s%s%s", r->domain, r->path,
		     r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "", r->digest);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
