#include "input/policy.h"
#include "base/b64.h"
#include "base/hex.h"
#include "base/limits.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The enforcement points confcom binds to data.framework (section 1.2); a
 * literal allow in any of them opens the door whatever the containers say. */
static const char *const enforcement_points[] = {
	"mount_device", "unmount_device", "mount_overlay", "unmount_overlay",
	"create_container", "exec_in_container", "exec_external",
	"shutdown_container", "signal_container_process", "plan9_mount",
	"plan9_unmount", "get_properties", "dump_stacks", "runtime_logging",
	"load_fragment", "scratch_mount", "scratch_unmount", "rw_mount_device",
};

static const char *const shells[] = { "sh", "bash", "ash", "dash", "zsh", "ksh", "busybox" };

/* ---- position-aware scanner over the text ---- */

struct scan {
	const char *start, *p, *end;
	int depth;
	size_t refs;            /* data.* references met in the current value */
	size_t params;          /* fragment parameter() calls among them */
	gate_err *err;
	/* The last position computed: positions are asked for in text order,
	 * so counting on from there keeps the scan linear. */
	const char *pos_at;
	unsigned pos_line, pos_col;
};

static void position(struct scan *s, const char *at, unsigned *line, unsigned *col)
{
	const char *q;

	if (!s->pos_at || at < s->pos_at) {
		s->pos_at = s->start;
		s->pos_line = s->pos_col = 1;
	}
	for (q = s->pos_at; q < at; q++) {
		if (*q == '\n') {
			s->pos_line++;
			s->pos_col = 1;
		} else {
			s->pos_col++;
		}
	}
	s->pos_at = at;
	*line = s->pos_line;
	*col = s->pos_col;
}

static int fail(struct scan *s, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct scan *s, const char *at, const char *fmt, ...)
{
	char msg[GATE_ERR_MSG_SIZE];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	position(s, at, &line, &col);
	return gate_err_set(s->err, GATE_EINPUT, "line %u, column %u: %s", line, col, msg);
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Skips blanks and '#' comments, and newlines if asked. */
static void skip_space(struct scan *s, bool newlines)
{
	while (s->p < s->end) {
		char c = *s->p;

		if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
			s->p++;
		} else if (c == '#') {
			while (s->p < s->end && *s->p != '\n')
				s->p++;
		} else {
			break;
		}
	}
}

static bool at_line_end(struct scan *s)
{
	skip_space(s, false);
	return s->p == s->end || *s->p == '\n';
}

/* ---- tolerant literal parser: JSON + backticks, trailing commas, refs ---- */

static json_t *parse_value(struct scan *s);

static int put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static long hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static json_t *make_string(struct scan *s, const char *at, const char *buf, size_t n)
{
	json_t *v;

	/* Strings end up as C strings in the model: an embedded NUL would let
	 * two different policy values print the same. */
	if (memchr(buf, '\0', n)) {
		fail(s, at, "NUL character in string");
		return NULL;
	}
	v = json_stringn(buf, n);
	if (!v)
		fail(s, at, "string is not valid UTF-8");
	return v;
}

static json_t *parse_string(struct scan *s)
{
	const char *open = s->p;
	char *buf, *o;
	json_t *v;

	/* Escapes only shrink, except \u, whose six characters give at most
	 * four bytes. */
	buf = malloc((size_t)(s->end - s->p) + 1);
	if (!buf) {
		gate_err_nomem(s->err);
		return NULL;
	}
	o = buf;
	for (s->p++; s->p < s->end && *s->p != '"'; s->p++) {
		unsigned char c = (unsigned char)*s->p;
		long cp, lo;

		if (c < 0x20) {
			fail(s, s->p, "control character 0x%02x in string", c);
			goto bad;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		if (++s->p == s->end)
			break;
		switch (*s->p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (s->end - s->p < 5 || (cp = hex4(s->p + 1)) < 0) {
				fail(s, s->p - 1, "bad \\u escape");
				goto bad;
			}
			s->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(s, s->p - 5, "lone low surrogate in \\u escape");
				goto bad;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (s->end - s->p < 7 || s->p[1] != '\\' || s->p[2] != 'u' ||
				    (lo = hex4(s->p + 3)) < 0xdc00 || lo > 0xdfff) {
					fail(s, s->p - 5, "high surrogate without its low half");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s->p += 6;
			}
			o += put_utf8(o, (unsigned long)cp);
			break;
		default:
			fail(s, s->p - 1, "unknown escape '\\%c'", *s->p);
			goto bad;
		}
	}
	if (s->p >= s->end) {
		fail(s, open, "unterminated string");
		goto bad;
	}
	s->p++;
	v = make_string(s, open, buf, (size_t)(o - buf));
	free(buf);
	return v;
bad:
	free(buf);
	return NULL;
}

/* Rego raw strings: no escapes, newlines allowed (dialect C). */
static json_t *parse_raw_string(struct scan *s)
{
	const char *open = s->p, *close;

	close = memchr(s->p + 1, '`', (size_t)(s->end - s->p - 1));
	if (!close) {
		fail(s, open, "unterminated raw string");
		return NULL;
	}
	s->p = close + 1;
	return make_string(s, open, open + 1, (size_t)(close - open - 1));
}

static json_t *parse_number(struct scan *s)
{
	const char *at = s->p, *q = s->p;
	char num[64];
	bool integer = true;
	json_t *v;

	if (q < s->end && *q == '-')
		q++;
	if (q == s->end || *q < '0' || *q > '9') {
		fail(s, at, "malformed number");
		return NULL;
	}
	while (q < s->end && *q >= '0' && *q <= '9')
		q++;
	if (q < s->end && *q == '.') {
		integer = false;
		for (q++; q < s->end && *q >= '0' && *q <= '9'; q++)
			;
	}
	if (q < s->end && (*q == 'e' || *q == 'E')) {
		integer = false;
		q++;
		if (q < s->end && (*q == '+' || *q == '-'))
			q++;
		while (q < s->end && *q >= '0' && *q <= '9')
			q++;
	}
	if ((size_t)(q - at) >= sizeof(num)) {
		fail(s, at, "number too long");
		return NULL;
	}
	memcpy(num, at, (size_t)(q - at));
	num[q - at] = '\0';
	s->p = q;
	/* jansson holds neither an integer beyond 64 bits nor an infinite
	 * real: saturating would read a number the text does not say. */
	errno = 0;
	if (integer) {
		long long n = strtoll(num, NULL, 10);

		v = errno == ERANGE ? NULL : json_integer(n);
	} else {
		double d = strtod(num, NULL);

		v = errno == ERANGE || !isfinite(d) ? NULL : json_real(d);
	}
	if (!v && errno == ERANGE)
		fail(s, at, "number out of range");
	else if (!v)
		gate_err_nomem(s->err);
	return v;
}

/* parameter("name") and a .field after it: a fragment's value filled in
 * when the fragment is specialised (hcsshim parameters_api), kept as its
 * text and counted as a reference, since it is not a literal. */
static json_t *parse_parameter(struct scan *s, const char *at)
{
	json_t *name, *v;

	s->p++;
	skip_space(s, true);
	if (s->p == s->end || *s->p != '"' || !(name = parse_string(s)))
		return s->p < s->end && *s->p != '"'
		       ? (fail(s, s->p, "parameter() takes a string"), NULL) : NULL;
	json_decref(name);
	skip_space(s, true);
	if (s->p == s->end || *s->p != ')') {
		fail(s, s->p, "expected ')' after parameter(\"...\"");
		return NULL;
	}
	s->p++;
	while (s->p + 1 < s->end && *s->p == '.' && is_ident_start(s->p[1]))
		for (s->p++; s->p < s->end && is_ident(*s->p); s->p++)
			;
	s->refs++;
	s->params++;
	v = json_stringn(at, (size_t)(s->p - at));
	if (!v)
		gate_err_nomem(s->err);
	return v;
}

/* true, false, null, or a reference such as data.framework.errors, kept as
 * its text: the scanner reads literals and records that a value is not one. */
static json_t *parse_word(struct scan *s)
{
	const char *at = s->p;
	size_t n;
	json_t *v;

	while (s->p < s->end && (is_ident(*s->p) || (*s->p == '.' && s->p + 1 < s->end &&
						       is_ident_start(s->p[1]))))
		s->p++;
	n = (size_t)(s->p - at);
	if (n == 4 && !memcmp(at, "true", 4))
		return json_true();
	if (n == 5 && !memcmp(at, "false", 5))
		return json_false();
	if (n == 4 && !memcmp(at, "null", 4))
		return json_null();
	if (n == 9 && !memcmp(at, "parameter", 9) && s->p < s->end && *s->p == '(')
		return parse_parameter(s, at);
	if (s->p < s->end && (*s->p == '(' || *s->p == '[')) {
		fail(s, s->p, "not a literal: '%.*s%c'", (int)n, at, *s->p);
		return NULL;
	}
	s->refs++;
	v = json_stringn(at, n);
	if (!v)
		gate_err_nomem(s->err);
	return v;
}

static json_t *parse_array(struct scan *s)
{
	const char *open = s->p;
	json_t *a = json_array(), *v;

	if (!a) {
		gate_err_nomem(s->err);
		return NULL;
	}
	s->p++;
	for (;;) {
		skip_space(s, true);
		if (s->p == s->end) {
			fail(s, open, "unterminated '['");
			break;
		}
		if (*s->p == ']') {
			s->p++;
			return a;
		}
		if (!(v = parse_value(s)))
			break;
		if (json_array_append_new(a, v)) {
			gate_err_nomem(s->err);
			break;
		}
		skip_space(s, true);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
		} else if (s->p < s->end && *s->p != ']') {
			fail(s, s->p, "expected ',' or ']'");
			break;
		}
	}
	json_decref(a);
	return NULL;
}

static json_t *parse_object(struct scan *s)
{
	const char *open = s->p;
	json_t *o = json_object(), *k = NULL, *v;

	if (!o) {
		gate_err_nomem(s->err);
		return NULL;
	}
	s->p++;
	for (;;) {
		const char *key_at;

		skip_space(s, true);
		if (s->p == s->end) {
			fail(s, open, "unterminated '{'");
			break;
		}
		if (*s->p == '}') {
			s->p++;
			return o;
		}
		key_at = s->p;
		if (*s->p == '"')
			k = parse_string(s);
		else if (*s->p == '`')
			k = parse_raw_string(s);
		else
			fail(s, s->p, "expected a string key or '}'");
		if (!k)
			break;
		skip_space(s, true);
		if (s->p == s->end || *s->p != ':') {
			fail(s, s->p, "expected ':' after key '%s'", json_string_value(k));
			break;
		}
		s->p++;
		skip_space(s, true);
		if (!(v = parse_value(s)))
			break;
		if (json_object_get(o, json_string_value(k))) {
			json_decref(v);
			fail(s, key_at, "duplicate key '%s'", json_string_value(k));
			break;
		}
		if (json_object_set_new(o, json_string_value(k), v)) {
			gate_err_nomem(s->err);
			break;
		}
		json_decref(k);
		k = NULL;
		skip_space(s, true);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
		} else if (s->p < s->end && *s->p != '}') {
			fail(s, s->p, "expected ',' or '}'");
			break;
		}
	}
	json_decref(k);
	json_decref(o);
	return NULL;
}

static json_t *parse_value(struct scan *s)
{
	json_t *v;
	char c;

	if (s->p == s->end) {
		fail(s, s->p, "expected a value, found the end of the text");
		return NULL;
	}
	if (++s->depth > GATE_MAX_NESTING_DEPTH) {
		fail(s, s->p, "nested deeper than %d", GATE_MAX_NESTING_DEPTH);
		return NULL;
	}
	c = *s->p;
	if (c == '"')
		v = parse_string(s);
	else if (c == '`')
		v = parse_raw_string(s);
	else if (c == '[')
		v = parse_array(s);
	else if (c == '{')
		v = parse_object(s);
	else if (c == '-' || (c >= '0' && c <= '9'))
		v = parse_number(s);
	else if (is_ident_start(c))
		v = parse_word(s);
	else {
		fail(s, s->p, "unexpected '%c'", c);
		v = NULL;
	}
	s->depth--;
	return v;
}

/* ---- building the policy ---- */

static int reason(struct gate_policy *p, gate_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reason(struct gate_policy *p, gate_err *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return gate_err_set(err, GATE_EVERIFY, "formatting a reason failed");
	return gate_strv_push(&p->reasons, msg, strlen(msg), err);
}

static bool is_hash(const char *h)
{
	size_t i;

	for (i = 0; h[i]; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return i == 64;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_shell(const struct gate_strv *cmd)
{
	size_t i;

	if (!cmd->n)
		return false;
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (!strcmp(basename_of(cmd->v[0]), shells[i]))
			return true;
	return false;
}

/* A string, or NULL in *out when null or absent; anything else is an error. */
static int opt_string(char **out, json_t *o, const char *key, gate_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return gate_err_set(err, GATE_EINPUT, "'%s' is not a string", key);
	*out = gate_strdup(json_string_value(v), err);
	return *out ? 0 : -1;
}

/* Numbers are accepted where confcom writes strings (svn values, section 1.7). */
static int string_or_number(char **out, json_t *v, const char *what, gate_err *err)
{
	char num[64];

	if (json_is_string(v)) {
		*out = gate_strdup(json_string_value(v), err);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = gate_strdup(num, err);
	} else {
		return gate_err_set(err, GATE_EINPUT, "'%s' is not a string", what);
	}
	return *out ? 0 : -1;
}

static int read_strv(struct gate_strv *sv, json_t *a, const char *what, gate_err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return gate_err_set(err, GATE_EINPUT, "'%s' is not a list", what);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return gate_err_set(err, GATE_EINPUT, "%s[%zu] is not a string",
					    what, i);
		if (gate_strv_push(sv, json_string_value(v), json_string_length(v), err))
			return -1;
	}
	return 0;
}

/* Turns the hcsshim name/value form (dialect G) into one pattern; a
 * string part inside an re2 pattern is quoted with \Q...\E. */
static int split_env_rule(struct gate_env_rule *r, json_t *o, gate_err *err)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *value = json_string_value(json_object_get(o, "value"));
	const char *ns = json_string_value(json_object_get(o, "name_strategy"));
	const char *vs = json_string_value(json_object_get(o, "value_strategy"));
	bool name_re, value_re;
	size_t n;

	if (!name || !value)
		return gate_err_set(err, GATE_EINPUT, "env rule has neither 'pattern' nor 'name' and 'value'");
	name_re = ns && strcmp(ns, "string");
	value_re = vs && strcmp(vs, "string");
	n = strlen(name) + strlen(value) + 10;
	r->pattern = malloc(n);
	if (!r->pattern)
		return gate_err_nomem(err);
	if (!name_re && !value_re)
		snprintf(r->pattern, n, "%s=%s", name, value);
	else
		snprintf(r->pattern, n, "%s%s%s=%s%s%s", name_re ? "" : "\\Q", name,
			 name_re ? "" : "\\E", value_re ? "" : "\\Q", value, value_re ? "" : "\\E");
	r->strategy = gate_strdup(name_re || value_re ? "re2" : "string", err);
	return r->strategy ? 0 : -1;
}

static int read_env_rule(struct gate_env_rule *r, json_t *o, gate_err *err)
{
	json_t *pattern, *req;

	if (!json_is_object(o))
		return gate_err_set(err, GATE_EINPUT, "env rule is not an object");
	/* Legacy JSON policies call the pattern "rule". */
	pattern = json_object_get(o, "pattern");
	if (!pattern)
		pattern = json_object_get(o, "rule");
	if (!pattern) {
		if (split_env_rule(r, o, err))
			return -1;
	} else if (!json_is_string(pattern)) {
		return gate_err_set(err, GATE_EINPUT, "env rule pattern is not a string");
	} else {
		if (!(r->pattern = gate_strdup(json_string_value(pattern), err)))
			return -1;
		if (!json_object_get(o, "strategy"))
			r->strategy = gate_strdup("string", err);
		else if (opt_string(&r->strategy, o, "strategy", err) || !r->strategy)
			return gate_err_set(err, GATE_EINPUT, "env rule strategy is not a string");
		if (!r->strategy)
			return -1;
	}
	req = json_object_get(o, "required");
	if (req && !json_is_boolean(req))
		return gate_err_set(err, GATE_EINPUT, "env rule 'required' is not a boolean");
	r->required = json_is_true(req);
	return 0;
}

static int read_container_fields(struct gate_policy_container *c, json_t *o, gate_err *err)
{
	json_t *v, *e;
	size_t i;

	if (opt_string(&c->name, o, "name", err) || opt_string(&c->id, o, "id", err) ||
	    opt_string(&c->working_dir, o, "working_dir", err))
		return -1;
	if (!(v = json_object_get(o, "layers")))
		return gate_err_set(err, GATE_EINPUT, "no 'layers'");
	if (read_strv(&c->layers, v, "layers", err))
		return -1;
	for (i = 0; i < c->layers.n; i++)
		if (!is_hash(c->layers.v[i]))
			return gate_err_set(err, GATE_EINPUT,
					    "layers[%zu]: '%s' is not 64 lowercase hex digits",
					    i, c->layers.v[i]);
	v = json_object_get(o, "command");
	c->command_null = !v || json_is_null(v);
	if (!c->command_null && read_strv(&c->command, v, "command", err))
		return -1;
	if ((v = json_object_get(o, "env_rules"))) {
		if (!json_is_array(v))
			return gate_err_set(err, GATE_EINPUT, "'env_rules' is not a list");
		json_array_foreach(v, i, e) {
			struct gate_env_rule *r = gate_array_push(&c->env_rules, &c->env_rules_count,
								  sizeof(*r), err);

			if (!r || read_env_rule(r, e, err))
				return gate_err_prefix(err, "env_rules[%zu]", i);
		}
	}
	if ((v = json_object_get(o, "exec_processes"))) {
		if (!json_is_array(v))
			return gate_err_set(err, GATE_EINPUT, "'exec_processes' is not a list");
		json_array_foreach(v, i, e) {
			struct gate_strv *cmd = gate_array_push(&c->exec_processes,
								&c->exec_processes_count,
								sizeof(*cmd), err);

			if (!cmd || read_strv(cmd, json_object_get(e, "command"), "command", err))
				return gate_err_prefix(err, "exec process %zu", i);
		}
	}
	v = json_object_get(o, "allow_elevated");
	if (v && !json_is_boolean(v))
		return gate_err_set(err, GATE_EINPUT, "'allow_elevated' is not a boolean");
	c->allow_elevated = json_is_true(v);
	c->is_pause = c->layers.n == 1 && !strcmp(c->layers.v[0], GATE_PAUSE_LAYER);
	c->is_sidecar = gate_model_is_sidecar_image(c->id);
	c->json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	return c->json ? 0 : gate_err_nomem(err);
}

/* Sets *shell when a container may exec a shell. */
static int read_containers(struct gate_policy *p, json_t *a, bool *shell, gate_err *err)
{
	json_t *o;
	size_t i, j;

	if (!json_is_array(a))
		return gate_err_set(err, GATE_EINPUT, "'containers' is not a list");
	json_array_foreach(a, i, o) {
		struct gate_policy_container *c = gate_array_push(&p->containers,
								  &p->containers_count,
								  sizeof(*c), err);
		const char *name;

		if (!c)
			return -1;
		if (!json_is_object(o))
			return gate_err_set(err, GATE_EINPUT, "containers[%zu] is not an object", i);
		if (read_container_fields(c, o, err)) {
			name = json_string_value(json_object_get(o, "name"));
			if (name)
				return gate_err_prefix(err, "container '%s' (containers[%zu])", name, i);
			return gate_err_prefix(err, "containers[%zu]", i);
		}
		for (j = 0; j < c->exec_processes_count; j++) {
			if (!is_shell(&c->exec_processes[j]))
				continue;
			*shell = true;
			if (reason(p, err, "container '%s' may exec the shell '%s'",
				   c->name ? c->name : c->id ? c->id : "(unnamed)",
				   c->exec_processes[j].v[0]))
				return -1;
			break;
		}
	}
	return 0;
}

static int read_external_processes(struct gate_policy *p, json_t *a, bool *shell,
				   gate_err *err)
{
	struct gate_strv cmd = { 0 };
	json_t *o;
	size_t i;
	int rc = 0;

	if (!json_is_array(a))
		return gate_err_set(err, GATE_EINPUT, "'external_processes' is not a list");
	json_array_foreach(a, i, o) {
		if (read_strv(&cmd, json_object_get(o, "command"), "command", err))
			rc = gate_err_prefix(err, "external_processes[%zu]", i);
		else if (is_shell(&cmd) && (*shell = true))
			rc = reason(p, err, "the host may exec the shell '%s' in the guest", cmd.v[0]);
		gate_strv_free(&cmd);
		if (rc)
			return -1;
	}
	p->external_processes_count = json_array_size(a);
	return 0;
}

static int read_fragments(struct gate_policy *p, json_t *a, gate_err *err)
{
	json_t *o, *v;
	size_t i;

	if (!json_is_array(a))
		return gate_err_set(err, GATE_EINPUT, "'fragments' is not a list");
	json_array_foreach(a, i, o) {
		struct gate_fragment *f = gate_array_push(&p->fragments, &p->fragments_count,
							  sizeof(*f), err);

		if (!f)
			return -1;
		if (!json_is_object(o))
			return gate_err_set(err, GATE_EINPUT, "fragments[%zu] is not an object", i);
		if (opt_string(&f->feed, o, "feed", err) ||
		    opt_string(&f->issuer, o, json_object_get(o, "issuer") ? "issuer" : "iss", err) ||
		    ((v = json_object_get(o, "minimum_svn")) &&
		     string_or_number(&f->minimum_svn, v, "minimum_svn", err)) ||
		    ((v = json_object_get(o, "includes")) && read_strv(&f->includes, v, "includes", err)))
			return gate_err_prefix(err, "fragments[%zu]", i);
	}
	return 0;
}

/* ---- Rego: top-level bindings ---- */

enum binding {
	B_API, B_FRAMEWORK, B_SVN, B_FRAGMENTS, B_CONTAINERS, B_EXTERNAL, B_FLAG,
	B_ENFORCEMENT, B_OTHER,
};

#define ENFORCEMENT_POINTS (sizeof(enforcement_points) / sizeof(enforcement_points[0]))

struct rego {
	struct scan s;
	gate_err *err;
	struct gate_policy *p;
	unsigned seen_line[B_OTHER + GATE_FLAG_COUNT + ENFORCEMENT_POINTS];
	size_t unread;          /* statements not read; the first few are notes */
	bool has_containers;
	bool open;              /* an enforcement point allows everything */
	bool shell;             /* a shell may be exec'd */
};

/* *index is the flag or enforcement point, *slot one number per name. */
static enum binding classify_name(const char *name, size_t n, size_t *index, size_t *slot,
				  bool *svn_spelling)
{
	enum binding b;
	size_t i;

#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(name, lit, n))
	*svn_spelling = IS("api_svn") || IS("framework_svn");
	*index = 0;
	b = IS("api_version") || IS("api_svn") ? B_API
		: IS("framework_version") || IS("framework_svn") ? B_FRAMEWORK
		: IS("svn") ? B_SVN
		: IS("fragments") ? B_FRAGMENTS
		: IS("containers") ? B_CONTAINERS
		: IS("external_processes") ? B_EXTERNAL
		: B_OTHER;
#undef IS
	for (i = 0; b == B_OTHER && i < GATE_FLAG_COUNT; i++)
		if (strlen(gate_policy_flag_names[i]) == n &&
		    !memcmp(gate_policy_flag_names[i], name, n)) {
			b = B_FLAG;
			*index = i;
		}
	for (i = 0; b == B_OTHER && i < ENFORCEMENT_POINTS; i++)
		if (strlen(enforcement_points[i]) == n && !memcmp(enforcement_points[i], name, n)) {
			b = B_ENFORCEMENT;
			*index = i;
		}
	*slot = b == B_FLAG ? B_OTHER + *index
		: b == B_ENFORCEMENT ? B_OTHER + GATE_FLAG_COUNT + *index
		: (size_t)b;
	return b;
}

static int add_note(struct rego *r, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_note(struct rego *r, const char *at, const char *fmt, ...)
{
	struct gate_policy_note *note;
	char msg[512];
	va_list ap;

	if (++r->unread > GATE_MAX_POLICY_NOTES)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	note = gate_array_push(&r->p->notes, &r->p->notes_count, sizeof(*note), r->err);
	if (!note)
		return -1;
	position(&r->s, at, &note->line, &note->col);
	note->msg = gate_strdup(msg, r->err);
	return note->msg ? 0 : -1;
}

/* Moves past the statement that begins at stmt: to the first newline
 * outside brackets, strings and comments.  Unbalanced brackets are an
 * error: the guest could not compile such a policy either. */
static int skip_statement(struct rego *r, const char *stmt)
{
	struct scan *s = &r->s;
	char stack[GATE_MAX_NESTING_DEPTH];
	const char *opened[GATE_MAX_NESTING_DEPTH];
	int depth = 0;

	for (s->p = stmt; s->p < s->end; s->p++) {
		char c = *s->p;
		json_t *str;

		if (c == '\n' && depth == 0)
			break;
		if (c == '#') {
			while (s->p + 1 < s->end && s->p[1] != '\n')
				s->p++;
		} else if (c == '"' || c == '`') {
			str = c == '"' ? parse_string(s) : parse_raw_string(s);
			if (!str)
				return -1;
			json_decref(str);
			s->p--;
		} else if (c == '(' || c == '[' || c == '{') {
			if (depth == GATE_MAX_NESTING_DEPTH)
				return fail(s, s->p, "nested deeper than %d", GATE_MAX_NESTING_DEPTH);
			stack[depth] = c == '(' ? ')' : c == '[' ? ']' : '}';
			opened[depth++] = s->p;
		} else if (c == ')' || c == ']' || c == '}') {
			if (!depth || stack[depth - 1] != c)
				return fail(s, s->p, "unbalanced '%c'", c);
			depth--;
		}
	}
	if (depth)
		return fail(s, opened[depth - 1], "unbalanced '%c'", stack[depth - 1] == ')' ? '(' :
			    stack[depth - 1] == ']' ? '[' : '{');
	return 0;
}

static int not_read(struct rego *r, const char *stmt, const char *why)
{
	const char *eol = memchr(stmt, '\n', (size_t)(r->s.end - stmt));
	int n = (int)((eol ? eol : r->s.end) - stmt);

	if (n > 60)
		n = 60;
	if (add_note(r, stmt, "%s: '%.*s'", why, n, stmt))
		return -1;
	return skip_statement(r, stmt);
}

static bool allows_all(json_t *v)
{
	return json_is_true(v) || json_is_true(json_object_get(v, "allowed"));
}

/* confcom binds each enforcement point to the framework rule of the same
 * name (section 1.2).  Any other reference, or a literal built from one,
 * hands the decision to Rego the scanner does not read, such as a rule of
 * the policy's own that allows everything. */
static bool is_framework_rule(const struct rego *r, json_t *v, const char *name, size_t n)
{
	static const char prefix[] = "data.framework.";
	const char *ref = json_string_value(v);
	size_t len = sizeof(prefix) - 1;

	return r->s.refs == 1 && ref && json_string_length(v) == len + n &&
	       !memcmp(ref, prefix, len) && !memcmp(ref + len, name, n);
}

static int parse_version(const char *s, unsigned v[3]);

static int bind(struct rego *r, const char *name, size_t n, json_t *v, const char *stmt)
{
	struct gate_policy *p = r->p;
	gate_err *err = r->err;
	size_t flag, slot;
	bool svn_spelling;
	enum binding b = classify_name(name, n, &flag, &slot, &svn_spelling);
	unsigned *seen = &r->seen_line[slot], line, col;

	if (b == B_OTHER)
		return 0;
	position(&r->s, stmt, &line, &col);
	/* Two bindings of one name do not compile; a reader that took the
	 * first would be checking a policy the guest never runs. */
	if (*seen)
		return gate_err_set(err, GATE_EINPUT, "'%.*s' is bound again (first at line %u)",
				    (int)n, name, *seen);
	*seen = line;
	switch (b) {
	case B_API:
		p->svn_spelling = svn_spelling;
		if (string_or_number(&p->api_version, v, "api_version", err))
			return -1;
		/* Without a version the points it predates cannot be told, so
		 * the policy must not read as normal. */
		if (parse_version(p->api_version, (unsigned[3]){ 0 }))
			return add_note(r, stmt, "api_version '%.40s' is not MAJOR.MINOR.PATCH",
					p->api_version);
		return 0;
	case B_FRAMEWORK:
		return string_or_number(&p->framework_version, v, "framework_version", err);
	case B_SVN:
		return string_or_number(&p->svn, v, "svn", err);
	case B_FRAGMENTS:
		return read_fragments(p, v, err);
	case B_CONTAINERS:
		r->has_containers = true;
		return read_containers(p, v, &r->shell, err);
	case B_EXTERNAL:
		return read_external_processes(p, v, &r->shell, err);
	case B_FLAG:
		if (!json_is_boolean(v))
			return add_note(r, stmt, "'%s' is not true or false",
					gate_policy_flag_names[flag]);
		p->flags[flag] = json_is_true(v);
		return 0;
	case B_ENFORCEMENT:
		if (allows_all(v) && (r->open = true))
			return reason(p, err, "'%.*s' allows every request", (int)n, name);
		/* A literal other than allow (false, {"allowed": false}) is a
		 * rule of the policy's own: the guest follows it, gate cannot. */
		if (!r->s.refs || !is_framework_rule(r, v, name, n))
			return add_note(r, stmt, "'%.*s' is not bound to data.framework.%.*s",
					(int)n, name, (int)n, name);
		return 0;
	case B_OTHER:
		break;
	}
	return 0;
}

/* Bindings whose value the gate must read; anything wrong there is an error
 * rather than a note. */
static bool must_read(const char *name, size_t n)
{
	size_t index, slot;
	bool svn;
	enum binding b = classify_name(name, n, &index, &slot, &svn);

	return b != B_OTHER && b != B_FLAG && b != B_ENFORCEMENT;
}

static int read_package(struct rego *r)
{
	struct scan *s = &r->s;
	const char *eol;

	skip_space(s, false);
	for (eol = s->p; eol < s->end && *eol != '\n' && *eol != '#'; eol++)
		;
	while (eol > s->p && (eol[-1] == ' ' || eol[-1] == '\t' || eol[-1] == '\r'))
		eol--;
	if (r->p->package)
		return fail(s, s->p, "a second 'package'");
	r->p->package = strndup(s->p, (size_t)(eol - s->p));
	s->p = eol;
	return r->p->package ? 0 : gate_err_nomem(r->err);
}

static int scan_statement(struct rego *r)
{
	struct scan *s = &r->s;
	const char *stmt = s->p, *name, *value_at;
	char why[GATE_ERR_MSG_SIZE + 16];
	gate_err verr = GATE_ERR_INIT;
	unsigned line, col;
	json_t *v;
	size_t n;
	bool whole;
	int rc;

	if (!is_ident_start(*s->p))
		return not_read(r, stmt, "not a binding");
	for (name = s->p; s->p < s->end && is_ident(*s->p); s->p++)
		;
	n = (size_t)(s->p - name);
	if (n == 7 && !memcmp(name, "package", 7))
		return read_package(r);
	if (n == 6 && !memcmp(name, "import", 6)) {
		while (s->p < s->end && *s->p != '\n')
			s->p++;
		return 0;
	}
	skip_space(s, false);
	if (s->end - s->p >= 2 && s->p[0] == ':' && s->p[1] == '=')
		s->p += 2;
	else if (s->p < s->end && *s->p == '=' && (s->p + 1 == s->end || s->p[1] != '='))
		s->p++;
	else
		return not_read(r, stmt, "not a binding");
	skip_space(s, false);
	value_at = s->p;
	s->err = &verr;
	s->refs = 0;
	s->params = 0;
	s->depth = 0;
	v = parse_value(s);
	s->err = r->err;
	if (verr.code == GATE_EVERIFY)
		return gate_err_set(r->err, verr.code, "%s", verr.msg);
	whole = v && at_line_end(s);
	if (whole && s->params) {
		json_decref(v);
		return not_read(r, stmt, "fragment parameter() calls, filled in only when the "
				"fragment is specialised");
	}
	if (must_read(name, n) && (!whole || s->refs)) {
		if (!v)
			gate_err_set(r->err, GATE_EINPUT, "%s", verr.msg);
		else if (s->refs)
			fail(s, value_at, "the value is not a literal");
		else
			fail(s, s->p, "text after the value");
		json_decref(v);
		return gate_err_prefix(r->err, "'%.*s'", (int)n, name);
	}
	if (!whole) {
		if (v)
			snprintf(why, sizeof(why), "a rule body follows the value");
		else
			snprintf(why, sizeof(why), "not read (%s)", verr.msg);
		json_decref(v);
		return not_read(r, stmt, why);
	}
	rc = bind(r, name, n, v, stmt);
	json_decref(v);
	if (rc) {
		position(s, stmt, &line, &col);
		return gate_err_prefix(r->err, "line %u", line);
	}
	return 0;
}

/* Enforcement points newer than a policy's api_version are answered by
 * the guest with a default (hcsshim pkg/securitypolicy/api.rego,
 * enforcement_points); these defaults allow what debug-mode allows. */
static const struct {
	const char *point;
	unsigned introduced[3];
} allowed_by_default[] = {
	{ "exec_in_container", { 0, 2, 0 } },
	{ "exec_external", { 0, 3, 0 } },
	{ "dump_stacks", { 0, 7, 0 } },
	{ "runtime_logging", { 0, 8, 0 } },
};

/* "MAJOR.MINOR.PATCH" with decimal parts, nothing else; 0 or -1. */
static int parse_version(const char *s, unsigned v[3])
{
	char tail;

	return s && sscanf(s, "%u.%u.%u%c", &v[0], &v[1], &v[2], &tail) == 3 ? 0 : -1;
}

static int version_less(const unsigned a[3], const unsigned b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return 0;
}

/* unread: statements the scanner could not interpret; no_containers: no
 * 'containers' binding, already given as a reason. */
static int classify(struct gate_policy *p, bool open, bool shell, size_t unread,
		    bool no_containers, gate_err *err)
{
	size_t before = p->reasons.n;
	unsigned api[3];
	bool debug;

	if (p->flags[GATE_FLAG_DUMP_STACKS] == 1 &&
	    reason(p, err, "allow_dump_stacks is true"))
		return -1;
	if (p->flags[GATE_FLAG_RUNTIME_LOGGING] == 1 &&
	    reason(p, err, "allow_runtime_logging is true"))
		return -1;
	if (parse_version(p->api_version, api) == 0)
		for (size_t i = 0; i < sizeof(allowed_by_default) / sizeof(allowed_by_default[0]); i++)
			if (version_less(api, allowed_by_default[i].introduced) &&
			    reason(p, err, "api_version %s predates %s (%u.%u.%u): the guest allows it "
				   "by default", p->api_version, allowed_by_default[i].point,
				   allowed_by_default[i].introduced[0],
				   allowed_by_default[i].introduced[1],
				   allowed_by_default[i].introduced[2]))
				return -1;
	debug = shell || p->reasons.n > before;
	if (unread && reason(p, err, "%zu statement%s not read", unread, unread == 1 ? "" : "s"))
		return -1;
	if (open)
		p->class = GATE_POLICY_OPEN_DOOR;
	else if (debug)
		p->class = GATE_POLICY_DEBUG;
	else if (unread || no_containers)
		p->class = GATE_POLICY_HAND_WRITTEN;
	else if (p->dialect == GATE_DIALECT_LEGACY_JSON)
		p->class = GATE_POLICY_LEGACY_JSON;
	else
		p->class = GATE_POLICY_NORMAL;
	return 0;
}

static int scan_rego(struct gate_policy *p, struct scan *s, gate_err *err)
{
	struct rego r = { .s = *s, .err = err, .p = p };

	p->dialect = GATE_DIALECT_REGO;
	for (;;) {
		skip_space(&r.s, true);
		if (r.s.p == r.s.end)
			break;
		if (scan_statement(&r))
			return -1;
	}
	if (!r.has_containers && reason(p, err, "no 'containers' binding"))
		return -1;
	return classify(p, r.open, r.shell, r.unread, !r.has_containers, err);
}

/* Legacy arrays are {"length": N, "elements": {"0": ..., "N-1": ...}}, and
 * Azure serves an empty one as "elements": null, some writers a plain
 * list.  Returns 1 with the elements in order in a new list *out, 0 when v
 * is no such array, or -1 with err set. */
static int legacy_list(json_t **out, json_t *v, gate_err *err)
{
	json_t *len, *elems, *e;
	char idx[32];
	size_t i, n;

	if (!json_is_object(v) || json_object_size(v) != 2 ||
	    !json_is_integer(len = json_object_get(v, "length")) ||
	    !(elems = json_object_get(v, "elements")))
		return 0;
	if (!json_is_object(elems) && !json_is_array(elems) && !json_is_null(elems))
		return gate_err_set(err, GATE_EINPUT, "'elements' is not an object, a list or null");
	n = json_is_object(elems) ? json_object_size(elems) : json_array_size(elems);
	if (json_integer_value(len) != (json_int_t)n)
		return gate_err_set(err, GATE_EINPUT, "'length' %" JSON_INTEGER_FORMAT
				    " but %zu elements", json_integer_value(len), n);
	if (json_is_array(elems)) {
		*out = json_incref(elems);
		return 1;
	}
	if (!(*out = json_array()))
		return gate_err_nomem(err);
	for (i = 0; i < n; i++) {
		snprintf(idx, sizeof(idx), "%zu", i);
		if (!(e = json_object_get(elems, idx))) {
			json_decref(*out);
			return gate_err_set(err, GATE_EINPUT, "element '%s' missing", idx);
		}
		if (json_array_append(*out, e)) {
			json_decref(*out);
			return gate_err_nomem(err);
		}
	}
	return 1;
}

static json_t *unmap(json_t *v, int depth, gate_err *err)
{
	json_t *out, *e, *list = NULL;
	const char *key;
	size_t i;
	int rc;

	if (depth > GATE_MAX_NESTING_DEPTH) {
		gate_err_set(err, GATE_EINPUT, "nested deeper than %d", GATE_MAX_NESTING_DEPTH);
		return NULL;
	}
	if ((rc = legacy_list(&list, v, err)) < 0)
		return NULL;
	if (rc) {
		out = unmap(list, depth + 1, err);
		json_decref(list);
		return out;
	}
	if (json_is_array(v)) {
		if (!(out = json_array()))
			goto nomem;
		json_array_foreach(v, i, e) {
			if (!(e = unmap(e, depth + 1, err))) {
				json_decref(out);
				return NULL;
			}
			if (json_array_append_new(out, e)) {
				json_decref(out);
				goto nomem;
			}
		}
		return out;
	}
	if (json_is_object(v)) {
		if (!(out = json_object()))
			goto nomem;
		json_object_foreach(v, key, e) {
			if (!(e = unmap(e, depth + 1, err))) {
				json_decref(out);
				return NULL;
			}
			if (json_object_set_new(out, key, e)) {
				json_decref(out);
				goto nomem;
			}
		}
		return out;
	}
	return json_incref(v);
nomem:
	gate_err_nomem(err);
	return NULL;
}

static int scan_legacy(struct gate_policy *p, struct scan *s, gate_err *err)
{
	json_t *root, *plain = NULL, *v;
	bool shell = false;
	int rc = -1;

	p->dialect = GATE_DIALECT_LEGACY_JSON;
	if (!(root = parse_value(s)))
		return -1;
	skip_space(s, true);
	if (s->p != s->end) {
		fail(s, s->p, "text after the JSON policy");
		goto out;
	}
	if (!json_is_object(root)) {
		gate_err_set(err, GATE_EINPUT, "legacy JSON policy is not an object");
		goto out;
	}
	if (!(plain = unmap(root, 0, err)))
		goto out;
	v = json_object_get(plain, "allow_all");
	if (v && !json_is_boolean(v)) {
		gate_err_set(err, GATE_EINPUT, "'allow_all' is not a boolean");
		goto out;
	}
	if (json_is_true(v) && reason(p, err, "allow_all is true"))
		goto out;
	if ((v = json_object_get(plain, "containers")) && read_containers(p, v, &shell, err))
		goto out;
	rc = classify(p, json_is_true(json_object_get(plain, "allow_all")), shell, 0, false, err);
out:
	json_decref(plain);
	json_decref(root);
	return rc;
}

/* UTF-8 without NUL or control characters other than tab, LF and CR. */
static int check_text(const unsigned char *t, size_t len, gate_err *err)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = t[i];
		unsigned long cp;
		size_t k, n;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return gate_err_set(err, GATE_EINPUT,
						    "policy is not text: control byte 0x%02x at offset %zu",
						    c, i);
			i++;
			continue;
		}
		n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		if (c >= 0xf5)
			n = 0;
		if (!n || i + n > len)
			goto bad;
		cp = c & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((t[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (t[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n;
	}
	return 0;
bad:
	return gate_err_set(err, GATE_EINPUT, "policy is not text: invalid UTF-8 at offset %zu", i);
}

/* An unfilled "@@NAME@@" of a policy template (hcsshim's test policies,
 * confcom's own templates): the text of a policy that was never generated. */
static int refuse_placeholder(struct scan *s)
{
	const char *q, *name;
	size_t n;
	unsigned line, col;

	for (q = s->start; (q = memchr(q, '@', (size_t)(s->end - q))); q++) {
		if (s->end - q < 5 || q[1] != '@')
			continue;
		name = q + 2;
		/* Bounded by end, not by a NUL: the text need not have one. */
		for (n = 0; name + n < s->end && ((name[n] >= 'A' && name[n] <= 'Z') ||
						  (name[n] >= '0' && name[n] <= '9') || name[n] == '_');
		     n++)
			;
		if (n && n < (size_t)(s->end - name) - 1 && name[n] == '@' && name[n + 1] == '@') {
			position(s, q, &line, &col);
			return gate_err_set(s->err, GATE_EINPUT, "placeholder '@@%.*s@@' at line %u, "
					    "column %u: the policy was never generated from its "
					    "template", (int)(n > 60 ? 60 : n), name, line, col);
		}
	}
	return 0;
}

/* Whether the text binds name at the start of a line, as Windows policies
 * bind mount_cims. */
static bool binds(const struct scan *s, const char *name)
{
	size_t n = strlen(name);
	const char *line = s->start, *t;

	while (line && (size_t)(s->end - line) > n) {
		if (!memcmp(line, name, n)) {
			for (t = line + n; t < s->end && (*t == ' ' || *t == '\t'); t++)
				;
			if (t < s->end && (*t == '=' || (*t == ':' && t + 1 < s->end && t[1] == '=')))
				return true;
		}
		line = memchr(line, '\n', (size_t)(s->end - line));
		if (line)
			line++;
	}
	return false;
}

int gate_policy_parse(struct gate_policy **out, const char *text, size_t len, gate_err *err)
{
	struct gate_policy *p;
	struct scan s = { .start = text, .p = text, .end = text + len, .err = err };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len;
	size_t i;
	int rc;

	*out = NULL;
	if (len > GATE_MAX_POLICY_SIZE)
		return gate_err_set(err, GATE_EINPUT, "policy of %zu bytes is larger than %u",
				    len, GATE_MAX_POLICY_SIZE);
	if (check_text((const unsigned char *)text, len, err) || refuse_placeholder(&s))
		return -1;
	if (binds(&s, "mount_cims"))
		return gate_err_set(err, GATE_EINPUT, "a policy for Windows containers (it binds "
				    "'mount_cims'): out of scope, gate reads Linux confidential "
				    "container policies");
	if (!(p = calloc(1, sizeof(*p))))
		return gate_err_nomem(err);
	for (i = 0; i < GATE_FLAG_COUNT; i++)
		p->flags[i] = -1;
	if (!(p->text = malloc(len + 1))) {
		free(p);
		return gate_err_nomem(err);
	}
	memcpy(p->text, text, len);
	p->text[len] = '\0';
	p->text_size = len;
	if (!EVP_Digest(text, len, md, &md_len, EVP_sha256(), NULL)) {
		gate_policy_free(p);
		return gate_err_set(err, GATE_EVERIFY, "sha256 of the policy failed");
	}
	gate_hex(p->hostdata, md, md_len);
	skip_space(&s, true);
	if (s.p == s.end) {
		p->dialect = GATE_DIALECT_NONE;
		p->class = GATE_POLICY_EMPTY;
		rc = reason(p, err, "the policy text is empty");
	} else if (*s.p == '{') {
		rc = scan_legacy(p, &s, err);
	} else {
		rc = scan_rego(p, &s, err);
	}
	if (rc) {
		gate_policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int gate_policy_decode(struct gate_policy **out, const char *b64, size_t len, gate_err *err)
{
	unsigned char *text;
	size_t size;
	int rc;

	*out = NULL;
	if (len > GATE_MAX_POLICY_SIZE / 3 * 4 + 4)
		return gate_err_set(err, GATE_EINPUT, "ccePolicy of %zu bytes is too large", len);
	/* "<base64-std-encoded-string>" and the like stand where confcom
	 * writes the policy; '<' is no base64, so name it rather than it. */
	if (len > 2 && b64[0] == '<' && b64[len - 1] == '>')
		return gate_err_set(err, GATE_EINPUT, "placeholder '%.*s': the policy was never "
				    "generated (az confcom acipolicygen writes it)",
				    (int)(len > 80 ? 80 : len), b64);
	if (gate_b64_decode(&text, &size, b64, len, err))
		return -1;
	rc = gate_policy_parse(out, (const char *)text, size, err);
	free(text);
	return rc;
}
