#include "input/arm_expr.h"
#include "base/limits.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct gate_arm {
	json_t *declared;       /* template "parameters", by lowercased name */
	json_t *given;          /* parameters file "parameters", by lowercased name */
	json_t *variables;      /* by lowercased name */
	json_t *memo;           /* evaluated values, keyed by their template value's address */
	int depth;
};

/* One expression being parsed: text is the whole "[...]" for messages. */
struct expr {
	gate_arm *a;
	const char *text, *p, *end;
	gate_err *err;
	int depth;
};

/* A growing result string, bounded so that variables doubling each other
 * cannot exhaust memory. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static int sbuf_add(struct sbuf *b, const char *s, size_t n, gate_err *err)
{
	char *grown;

	if (b->len + n > GATE_MAX_EXPR_RESULT_SIZE)
		return gate_err_set(err, GATE_EINPUT,
				    "expression result longer than %u bytes",
				    GATE_MAX_EXPR_RESULT_SIZE);
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;

		if (!(grown = realloc(b->s, cap)))
			return gate_err_nomem(err);
		b->s = grown;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static json_t *sbuf_finish(struct sbuf *b, gate_err *err)
{
	json_t *v = json_stringn(b->s ? b->s : "", b->len);

	free(b->s);
	if (!v)
		gate_err_set(err, GATE_EINPUT, "expression result is not valid UTF-8");
	return v;
}

static char *ascii_lower(const char *s, size_t n)
{
	char *l = malloc(n + 1);
	size_t i;

	if (!l)
		return NULL;
	for (i = 0; i < n; i++)
		l[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	l[n] = '\0';
	return l;
}

/* ARM names are case-insensitive.  Each object of names is indexed once by
 * its lowercased names (the first spelling wins), so that a template
 * referring to many of many parameters is not read in quadratic time. */
static json_t *index_ci(json_t *o, gate_err *err)
{
	json_t *idx = json_object(), *v;
	const char *key;
	size_t n;
	char *l;

	if (!idx)
		goto nomem;
	json_object_keylen_foreach(o, key, n, v) {
		if (!(l = ascii_lower(key, n)))
			goto nomem;
		if (!json_object_getn(idx, l, n) && json_object_setn(idx, l, n, v)) {
			free(l);
			goto nomem;
		}
		free(l);
	}
	return idx;
nomem:
	json_decref(idx);
	gate_err_nomem(err);
	return NULL;
}

static json_t *get_ci(json_t *idx, const char *name, size_t n)
{
	char *l = ascii_lower(name, n);
	json_t *v = l ? json_object_getn(idx, l, n) : NULL;

	free(l);
	return v;
}

static int unsupported(struct expr *e, const char *what, const char *at, size_t n)
{
	return gate_err_set(e->err, GATE_EINPUT, "unsupported expression '%.*s': %s '%.*s'",
			    (int)(e->end - e->text + 1 > 200 ? 200 : e->end - e->text + 1),
			    e->text, what, (int)(n > 80 ? 80 : n), at);
}

static json_t *eval(gate_arm *a, json_t *v, gate_err *err);

/* Parameters and variables are evaluated once: a variable built from
 * another twice over would otherwise cost 2^depth evaluations. */
static json_t *eval_once(gate_arm *a, json_t *v, gate_err *err)
{
	char key[32];
	json_t *out;

	snprintf(key, sizeof(key), "%p", (void *)v);
	if ((out = json_object_get(a->memo, key)))
		return json_incref(out);
	if (!(out = eval(a, v, err)))
		return NULL;
	if (json_object_set(a->memo, key, out)) {
		json_decref(out);
		gate_err_nomem(err);
		return NULL;
	}
	return out;
}

static json_t *parameter(gate_arm *a, const char *name, size_t n, gate_err *err)
{
	json_t *given = get_ci(a->given, name, n), *decl, *v;

	decl = get_ci(a->declared, name, n);
	if (given) {
		if ((v = json_object_get(given, "value")))
			return json_incref(v);
		if (json_object_get(given, "reference"))
			gate_err_set(err, GATE_EINPUT, "parameter '%.*s' is a key vault reference, "
				     "which the gate cannot read", (int)n, name);
		else
			gate_err_set(err, GATE_EINPUT, "parameter '%.*s' in the parameters file "
				     "has no 'value'", (int)n, name);
		return NULL;
	}
	if (!decl) {
		gate_err_set(err, GATE_EINPUT, "undefined parameter '%.*s'", (int)n, name);
		return NULL;
	}
	if ((v = json_object_get(decl, "value")) || (v = json_object_get(decl, "defaultValue")))
		return eval_once(a, v, err);
	gate_err_set(err, GATE_EINPUT, "parameter '%.*s' has no value: give one with -p",
		     (int)n, name);
	return NULL;
}

static json_t *variable(gate_arm *a, const char *name, size_t n, gate_err *err)
{
	json_t *v = get_ci(a->variables, name, n);

	if (!v) {
		gate_err_set(err, GATE_EINPUT, "undefined variable '%.*s'", (int)n, name);
		return NULL;
	}
	return eval_once(a, v, err);
}

/* Text of a scalar as concat() and format() see it; .NET prints booleans
 * as True/False. */
static int scalar_text(struct sbuf *b, json_t *v, const char *fn, gate_err *err)
{
	char num[32];

	if (json_is_string(v))
		return sbuf_add(b, json_string_value(v), json_string_length(v), err);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return sbuf_add(b, num, strlen(num), err);
	}
	if (json_is_boolean(v))
		return sbuf_add(b, json_is_true(v) ? "True" : "False", json_is_true(v) ? 4 : 5, err);
	return gate_err_set(err, GATE_EINPUT, "%s() cannot use a %s", fn,
			    json_is_array(v) ? "list" : json_is_object(v) ? "object" : "null");
}

static json_t *concat(json_t *args, gate_err *err)
{
	struct sbuf b = { 0 };
	json_t *v, *out;
	size_t i;

	if (json_is_array(json_array_get(args, 0))) {
		if (!(out = json_array())) {
			gate_err_nomem(err);
			return NULL;
		}
		json_array_foreach(args, i, v) {
			if (!json_is_array(v) || json_array_extend(out, v)) {
				json_decref(out);
				gate_err_set(err, GATE_EINPUT,
					     "concat() mixes lists with other values");
				return NULL;
			}
			if (json_array_size(out) > GATE_MAX_EXPR_RESULT_SIZE) {
				json_decref(out);
				gate_err_set(err, GATE_EINPUT, "concat() result too long");
				return NULL;
			}
		}
		return out;
	}
	json_array_foreach(args, i, v) {
		int rc = json_is_boolean(v)
			? gate_err_set(err, GATE_EINPUT, "concat() cannot use a boolean")
			: scalar_text(&b, v, "concat", err);

		if (rc) {
			free(b.s);
			return NULL;
		}
	}
	return sbuf_finish(&b, err);
}

/* .NET composite formatting, restricted to "{N}" items and "{{" "}}". */
static json_t *format(struct expr *e, json_t *args)
{
	const char *f = json_string_value(json_array_get(args, 0)), *q;
	struct sbuf b = { 0 };

	if (!f) {
		gate_err_set(e->err, GATE_EINPUT, "format() needs a format string first");
		return NULL;
	}
	for (q = f; *q; q++) {
		const char *open = q;
		unsigned long idx;
		char *endp;

		if ((q[0] == '{' && q[1] == '{') || (q[0] == '}' && q[1] == '}')) {
			if (sbuf_add(&b, q++, 1, e->err))
				goto bad;
			continue;
		}
		if (*q == '}') {
			gate_err_set(e->err, GATE_EINPUT, "format(): unmatched '}' in '%s'", f);
			goto bad;
		}
		if (*q != '{') {
			if (sbuf_add(&b, q, 1, e->err))
				goto bad;
			continue;
		}
		if (q[1] < '0' || q[1] > '9') {
			gate_err_set(e->err, GATE_EINPUT, "format(): bad item in '%s'", f);
			goto bad;
		}
		idx = strtoul(q + 1, &endp, 10);
		if (*endp != '}') {
			unsupported(e, "format item", open, strcspn(open, "}") + (endp[0] ? 1 : 0));
			goto bad;
		}
		if (idx + 1 >= json_array_size(args)) {
			gate_err_set(e->err, GATE_EINPUT, "format(): item {%lu} but %zu argument%s",
				     idx, json_array_size(args) - 1,
				     json_array_size(args) == 2 ? "" : "s");
			goto bad;
		}
		if (scalar_text(&b, json_array_get(args, idx + 1), "format", e->err))
			goto bad;
		q = endp;
	}
	return sbuf_finish(&b, e->err);
bad:
	free(b.s);
	return NULL;
}

static json_t *change_case(json_t *args, bool upper, gate_err *err)
{
	const char *fn = upper ? "toUpper" : "toLower";
	json_t *s = json_array_get(args, 0), *v;
	char *copy;
	size_t i, n;

	if (json_array_size(args) != 1 || !json_is_string(s)) {
		gate_err_set(err, GATE_EINPUT, "%s() takes one string", fn);
		return NULL;
	}
	n = json_string_length(s);
	if (!(copy = malloc(n + 1))) {
		gate_err_nomem(err);
		return NULL;
	}
	memcpy(copy, json_string_value(s), n + 1);
	/* ASCII only: ARM's invariant culture maps more, but leaving other
	 * letters alone cannot produce an image name ARM would not. */
	for (i = 0; i < n; i++) {
		if (upper && copy[i] >= 'a' && copy[i] <= 'z')
			copy[i] -= 32;
		else if (!upper && copy[i] >= 'A' && copy[i] <= 'Z')
			copy[i] += 32;
	}
	v = json_stringn(copy, n);
	free(copy);
	if (!v)
		gate_err_nomem(err);
	return v;
}

static void skip_ws(struct expr *e)
{
	while (e->p < e->end && (*e->p == ' ' || *e->p == '\t' || *e->p == '\n' || *e->p == '\r'))
		e->p++;
}

static json_t *parse(struct expr *e);
static json_t *parse_term(struct expr *e);

static json_t *string_literal(struct expr *e)
{
	struct sbuf b = { 0 };

	for (e->p++; e->p < e->end; e->p++) {
		if (*e->p == '\'') {
			if (e->p + 1 < e->end && e->p[1] == '\'') {
				e->p++;
			} else {
				e->p++;
				return sbuf_finish(&b, e->err);
			}
		}
		if (sbuf_add(&b, e->p, 1, e->err)) {
			free(b.s);
			return NULL;
		}
	}
	free(b.s);
	gate_err_set(e->err, GATE_EINPUT, "unterminated string in expression '%.200s'", e->text);
	return NULL;
}

static json_t *integer_literal(struct expr *e)
{
	char num[32];
	size_t n = 0;
	json_t *v;

	if (*e->p == '-')
		num[n++] = *e->p++;
	while (e->p < e->end && *e->p >= '0' && *e->p <= '9' && n < sizeof(num) - 1)
		num[n++] = *e->p++;
	num[n] = '\0';
	if (n == 0 || (n == 1 && num[0] == '-')) {
		gate_err_set(e->err, GATE_EINPUT, "malformed number in expression '%.200s'", e->text);
		return NULL;
	}
	v = json_integer(strtoll(num, NULL, 10));
	if (!v)
		gate_err_nomem(e->err);
	return v;
}

enum fn { FN_PARAMETERS, FN_VARIABLES, FN_CONCAT, FN_FORMAT, FN_TOLOWER, FN_TOUPPER, FN_NONE };

static enum fn lookup_fn(const char *name, size_t n)
{
	static const char *const names[] = {
		[FN_PARAMETERS] = "parameters", [FN_VARIABLES] = "variables",
		[FN_CONCAT] = "concat", [FN_FORMAT] = "format",
		[FN_TOLOWER] = "toLower", [FN_TOUPPER] = "toUpper",
	};
	int i;

	for (i = 0; i < FN_NONE; i++)
		if (strlen(names[i]) == n && !strncasecmp(names[i], name, n))
			return (enum fn)i;
	return FN_NONE;
}

static json_t *call(struct expr *e, enum fn fn, json_t *args)
{
	json_t *name = json_array_get(args, 0);
	size_t argc = json_array_size(args);

	switch (fn) {
	case FN_PARAMETERS:
	case FN_VARIABLES:
		if (argc != 1 || !json_is_string(name)) {
			gate_err_set(e->err, GATE_EINPUT, "%s() takes one string",
				     fn == FN_PARAMETERS ? "parameters" : "variables");
			return NULL;
		}
		return (fn == FN_PARAMETERS ? parameter : variable)(e->a, json_string_value(name),
								       json_string_length(name), e->err);
	case FN_CONCAT:
		if (!argc) {
			gate_err_set(e->err, GATE_EINPUT, "concat() needs an argument");
			return NULL;
		}
		return concat(args, e->err);
	case FN_FORMAT:
		return format(e, args);
	case FN_TOLOWER:
	case FN_TOUPPER:
		return change_case(args, fn == FN_TOUPPER, e->err);
	case FN_NONE:
		break;
	}
	return NULL;
}

static json_t *function(struct expr *e)
{
	const char *name = e->p;
	json_t *args, *arg, *v;
	enum fn fn;
	size_t n;

	while (e->p < e->end && ((*e->p >= 'a' && *e->p <= 'z') || (*e->p >= 'A' && *e->p <= 'Z') ||
				 (*e->p >= '0' && *e->p <= '9') || *e->p == '_'))
		e->p++;
	n = (size_t)(e->p - name);
	if ((fn = lookup_fn(name, n)) == FN_NONE) {
		unsupported(e, "function", name, n);
		return NULL;
	}
	skip_ws(e);
	if (e->p == e->end || *e->p != '(') {
		gate_err_set(e->err, GATE_EINPUT, "expected '(' after '%.*s' in '%.200s'",
			     (int)n, name, e->text);
		return NULL;
	}
	e->p++;
	if (!(args = json_array())) {
		gate_err_nomem(e->err);
		return NULL;
	}
	skip_ws(e);
	while (e->p < e->end && *e->p != ')') {
		if (!(arg = parse(e)) || json_array_append_new(args, arg))
			goto bad;
		skip_ws(e);
		if (e->p < e->end && *e->p == ',') {
			e->p++;
			skip_ws(e);
		} else if (e->p < e->end && *e->p != ')') {
			gate_err_set(e->err, GATE_EINPUT, "expected ',' or ')' in '%.200s'", e->text);
			goto bad;
		}
	}
	if (e->p == e->end) {
		gate_err_set(e->err, GATE_EINPUT, "missing ')' in '%.200s'", e->text);
		goto bad;
	}
	e->p++;
	skip_ws(e);
	if (e->p < e->end && (*e->p == '.' || *e->p == '[')) {
		unsupported(e, "property access", e->p, (size_t)(e->end - e->p));
		goto bad;
	}
	v = call(e, fn, args);
	json_decref(args);
	return v;
bad:
	json_decref(args);
	return NULL;
}

static json_t *parse(struct expr *e)
{
	json_t *v;

	/* Calls nest within one string as well as through variables (a->depth):
	 * one long string of "concat(" would otherwise exhaust the stack. */
	if (++e->depth > GATE_MAX_NESTING_DEPTH) {
		gate_err_set(e->err, GATE_EINPUT, "expression '%.200s' nested deeper than %d",
			     e->text, GATE_MAX_NESTING_DEPTH);
		v = NULL;
	} else {
		v = parse_term(e);
	}
	e->depth--;
	return v;
}

static json_t *parse_term(struct expr *e)
{
	skip_ws(e);
	if (e->p == e->end) {
		gate_err_set(e->err, GATE_EINPUT, "empty expression in '%.200s'", e->text);
		return NULL;
	}
	if (*e->p == '\'')
		return string_literal(e);
	if (*e->p == '-' || (*e->p >= '0' && *e->p <= '9'))
		return integer_literal(e);
	if ((*e->p >= 'a' && *e->p <= 'z') || (*e->p >= 'A' && *e->p <= 'Z'))
		return function(e);
	unsupported(e, "token", e->p, 1);
	return NULL;
}

static json_t *eval_string(gate_arm *a, json_t *v, gate_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	struct expr e = { a, s, s + 1, s + n - 1, err, 0 };
	json_t *out;

	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return json_incref(v);
	if (s[1] == '[')
		return json_stringn(s + 1, n - 1);
	if (!(out = parse(&e)))
		return NULL;
	skip_ws(&e);
	if (e.p != e.end) {
		json_decref(out);
		unsupported(&e, "text after the expression", e.p, (size_t)(e.end - e.p));
		return NULL;
	}
	return out;
}

static json_t *eval(gate_arm *a, json_t *v, gate_err *err)
{
	json_t *out = NULL, *m, *r;
	const char *key;
	size_t i;

	if (++a->depth > GATE_MAX_NESTING_DEPTH) {
		gate_err_set(err, GATE_EINPUT, "expressions nested deeper than %d "
			     "(does a variable refer to itself?)", GATE_MAX_NESTING_DEPTH);
		goto out;
	}
	if (json_is_string(v)) {
		out = eval_string(a, v, err);
	} else if (json_is_array(v)) {
		if (!(out = json_array()))
			goto nomem;
		json_array_foreach(v, i, m) {
			if (!(r = eval(a, m, err)) || json_array_append_new(out, r)) {
				json_decref(out);
				out = NULL;
				if (r)
					goto nomem;
				goto out;
			}
		}
	} else if (json_is_object(v)) {
		if (!(out = json_object()))
			goto nomem;
		json_object_foreach(v, key, m) {
			if (!(r = eval(a, m, err)) || json_object_set_new(out, key, r)) {
				json_decref(out);
				out = NULL;
				if (r)
					goto nomem;
				goto out;
			}
		}
	} else {
		out = json_incref(v);
	}
	goto out;
nomem:
	gate_err_nomem(err);
out:
	a->depth--;
	return out;
}

int gate_arm_new(gate_arm **out, json_t *tmpl, json_t *params, gate_err *err)
{
	json_t *given;
	gate_arm *a;

	*out = NULL;
	if (!(a = calloc(1, sizeof(*a))) || !(a->memo = json_object())) {
		free(a);
		return gate_err_nomem(err);
	}
	/* A deployment parameters file wraps them in "parameters"; some
	 * hand-made ones are the bare object. */
	given = json_object_get(params, "parameters");
	if (!given && params && !json_object_get(params, "$schema"))
		given = params;
	if (!(a->declared = index_ci(json_object_get(tmpl, "parameters"), err)) ||
	    !(a->variables = index_ci(json_object_get(tmpl, "variables"), err)) ||
	    !(a->given = index_ci(given, err))) {
		gate_arm_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

int gate_arm_eval(gate_arm *a, json_t **out, bool *raw, json_t *v, gate_err *err)
{
	a->depth = 0;
	*raw = !json_is_string(v);
	if (*raw) {
		*out = json_incref(v);
		return 0;
	}
	*out = eval_string(a, v, err);
	return *out ? 0 : -1;
}

void gate_arm_free(gate_arm *a)
{
	if (a) {
		json_decref(a->declared);
		json_decref(a->given);
		json_decref(a->variables);
		json_decref(a->memo);
	}
	free(a);
}
