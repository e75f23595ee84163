#include "input/arm_expr.h"
#include "base/b64.h"
#include "base/limits.h"
#include "input/model.h"

#include <jansson.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
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
	size_t budget;          /* bytes results may still materialise */
	size_t budget_size;     /* the whole budget, for the message */
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

/* 1-based position of at within the string value, for messages. */
static int column(const struct expr *e, const char *at)
{
	return (int)(at - e->text) + 1;
}

static int unsupported(struct expr *e, const char *what, const char *at, size_t n)
{
	return gate_err_set(e->err, GATE_EINPUT, "unsupported expression '%.*s': %s '%.*s'",
			    (int)(e->end - e->text + 1 > 200 ? 200 : e->end - e->text + 1),
			    e->text, what, (int)(n > 80 ? 80 : n), at);
}

static bool is_unresolved(json_t *v)
{
	return json_is_string(v) && gate_value_is_unresolved(json_string_value(v));
}

/* Whether v or anything in it is unresolved.  Every value met here has
 * been charged against the budget already, which bounds the walk. */
static bool has_unresolved(json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (is_unresolved(v))
		return true;
	json_array_foreach(v, i, m)
		if (has_unresolved(m))
			return true;
	json_object_foreach(v, key, m)
		if (has_unresolved(m))
			return true;
	return false;
}

/* The unresolved value standing for n bytes of expression text. */
static json_t *unresolved(const char *text, size_t n, gate_err *err)
{
	struct sbuf b = { 0 };

	if (sbuf_add(&b, GATE_UNRESOLVED_OPEN, sizeof(GATE_UNRESOLVED_OPEN) - 1, err) ||
	    sbuf_add(&b, text, n, err) ||
	    sbuf_add(&b, GATE_UNRESOLVED_CLOSE, sizeof(GATE_UNRESOLVED_CLOSE) - 1, err)) {
		free(b.s);
		return NULL;
	}
	return sbuf_finish(&b, err);
}

/* Counts v's bytes (and one per node) against the input's budget; stops
 * as soon as it is spent, so that a list of a million references to one
 * long string costs no more to refuse than the budget. */
static int charge(gate_arm *a, json_t *v, gate_err *err)
{
	size_t cost = 1, i;
	const char *key;
	json_t *m;

	if (json_is_string(v))
		cost += json_string_length(v);
	if (cost > a->budget)
		return gate_err_set(err, GATE_EINPUT, "input expands too much: expressions "
				    "materialise more than %zu bytes", a->budget_size);
	a->budget -= cost;
	json_array_foreach(v, i, m)
		if (charge(a, m, err))
			return -1;
	json_object_foreach(v, key, m)
		if (charge(a, m, err))
			return -1;
	return 0;
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
	char text[256];

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
	/* Given only when deploying: the value says which one it stands for. */
	snprintf(text, sizeof(text), "parameters('%.200s')", name);
	return unresolved(text, strlen(text), err);
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

static json_t *fail(struct expr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets an error about the call being evaluated; returns NULL for the caller. */
static json_t *fail(struct expr *e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gate_err_set(e->err, GATE_EINPUT, "%s in '%.200s'", msg, e->text);
	return NULL;
}

static json_t *nomem(struct expr *e)
{
	gate_err_nomem(e->err);
	return NULL;
}

/* Text of a scalar as concat(), format() and string() see it; .NET prints
 * booleans as True/False. */
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

/* Byte offset of code point k of s (n bytes), or n if s has fewer: ARM
 * counts characters, and for the text of names one code point is one. */
static size_t cp_offset(const char *s, size_t n, json_int_t k)
{
	size_t i = 0;

	for (; i < n && k > 0; k--)
		for (i++; i < n && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	return i;
}

static json_int_t cp_count(const char *s, size_t n)
{
	json_int_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static json_t *arg(json_t *args, size_t i)
{
	return json_array_get(args, i);
}

static const char *str_arg(struct expr *e, json_t *args, size_t i, const char *fn)
{
	const char *s = json_string_value(arg(args, i));

	if (!s)
		fail(e, "%s(): argument %zu is not a string", fn, i + 1);
	return s;
}

static json_t *fn_concat(struct expr *e, json_t *args)
{
	struct sbuf b = { 0 };
	json_t *v, *out;
	size_t i;

	if (json_is_array(arg(args, 0))) {
		if (!(out = json_array()))
			return nomem(e);
		json_array_foreach(args, i, v) {
			if (!json_is_array(v) || json_array_extend(out, v)) {
				json_decref(out);
				return fail(e, "concat() mixes lists with other values");
			}
			if (json_array_size(out) > GATE_MAX_EXPR_RESULT_SIZE) {
				json_decref(out);
				return fail(e, "concat() result too long");
			}
		}
		return out;
	}
	json_array_foreach(args, i, v) {
		int rc = json_is_boolean(v)
			? gate_err_set(e->err, GATE_EINPUT, "concat() cannot use a boolean")
			: scalar_text(&b, v, "concat", e->err);

		if (rc) {
			free(b.s);
			return NULL;
		}
	}
	return sbuf_finish(&b, e->err);
}

/* .NET composite formatting, restricted to "{N}" items and "{{" "}}". */
static json_t *fn_format(struct expr *e, json_t *args)
{
	const char *f = json_string_value(arg(args, 0)), *q;
	size_t given = json_array_size(args) - 1;
	struct sbuf b = { 0 };

	if (!f)
		return fail(e, "format() needs a format string first");
	for (q = f; *q; q++) {
		const char *open = q;
		size_t idx = 0, digits;

		if ((q[0] == '{' && q[1] == '{') || (q[0] == '}' && q[1] == '}')) {
			if (sbuf_add(&b, q++, 1, e->err))
				goto bad;
			continue;
		}
		if (*q == '}') {
			fail(e, "format(): unmatched '}' in '%s'", f);
			goto bad;
		}
		if (*q != '{') {
			if (sbuf_add(&b, q, 1, e->err))
				goto bad;
			continue;
		}
		digits = strspn(q + 1, "0123456789");
		if (!digits) {
			fail(e, "format(): bad item in '%s'", f);
			goto bad;
		}
		if (q[1 + digits] != '}') {
			unsupported(e, "format item", open, strcspn(open, "}") + (q[1 + digits] ? 1 : 0));
			goto bad;
		}
		/* Parsed without wrapping: a huge index is an error, never item 0. */
		for (q++; *q != '}'; q++)
			if (idx <= given)
				idx = idx * 10 + (size_t)(*q - '0');
		if (idx >= given) {
			fail(e, "format(): item {%.*s} at offset %zu of '%s' but %zu argument%s",
			     (int)digits, open + 1, (size_t)(open - f), f, given, given == 1 ? "" : "s");
			goto bad;
		}
		if (scalar_text(&b, arg(args, idx + 1), "format", e->err))
			goto bad;
	}
	return sbuf_finish(&b, e->err);
bad:
	free(b.s);
	return NULL;
}

static json_t *change_case(struct expr *e, json_t *args, bool upper)
{
	const char *s = str_arg(e, args, 0, upper ? "toUpper" : "toLower");
	size_t i, n;
	json_t *v;
	char *copy;

	if (!s)
		return NULL;
	n = json_string_length(arg(args, 0));
	if (!(copy = malloc(n + 1)))
		return nomem(e);
	memcpy(copy, s, n + 1);
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
	return v ? v : nomem(e);
}

static json_t *fn_tolower(struct expr *e, json_t *args)
{
	return change_case(e, args, false);
}

static json_t *fn_toupper(struct expr *e, json_t *args)
{
	return change_case(e, args, true);
}

static json_t *fn_parameters(struct expr *e, json_t *args)
{
	const char *name = str_arg(e, args, 0, "parameters");

	return name ? parameter(e->a, name, json_string_length(arg(args, 0)), e->err) : NULL;
}

static json_t *fn_variables(struct expr *e, json_t *args)
{
	const char *name = str_arg(e, args, 0, "variables");

	return name ? variable(e->a, name, json_string_length(arg(args, 0)), e->err) : NULL;
}

int gate_arm_parse_int(long long *out, const char *s)
{
	char *endp;
	long long v;

	if (!*s || strspn(s + (*s == '-' || *s == '+'), "0123456789") != strlen(s) - (*s == '-' || *s == '+'))
		return -1;
	errno = 0;
	v = strtoll(s, &endp, 10);
	if (errno == ERANGE || *endp)
		return -1;
	*out = v;
	return 0;
}

static json_t *fn_string(struct expr *e, json_t *args)
{
	json_t *v = arg(args, 0);
	struct sbuf b = { 0 };
	char *dump;

	if (json_is_string(v))
		return json_incref(v);
	if (json_is_null(v))
		return json_string("");
	if (json_is_array(v) || json_is_object(v)) {
		if (!(dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
			return nomem(e);
		v = json_string(dump);
		free(dump);
		return v ? v : nomem(e);
	}
	if (scalar_text(&b, v, "string", e->err)) {
		free(b.s);
		return NULL;
	}
	return sbuf_finish(&b, e->err);
}

static json_t *fn_int(struct expr *e, json_t *args)
{
	json_t *v = arg(args, 0);
	long long i;

	if (json_is_integer(v))
		return json_incref(v);
	if (!json_is_string(v) || gate_arm_parse_int(&i, json_string_value(v)))
		return fail(e, "int(): not an integer in range");
	return json_integer(i);
}

static json_t *fn_bool(struct expr *e, json_t *args)
{
	json_t *v = arg(args, 0);
	const char *s = json_string_value(v);

	if (json_is_boolean(v))
		return json_incref(v);
	if (json_is_integer(v))
		return json_boolean(json_integer_value(v) != 0);
	if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "false")))
		return json_boolean(!strcasecmp(s, "true"));
	return fail(e, "bool(): not true, false or a number");
}

static json_t *fn_if(struct expr *e, json_t *args)
{
	json_t *c = arg(args, 0);

	if (is_unresolved(c))
		return json_incref(c);
	if (!json_is_boolean(c))
		return fail(e, "if(): the condition is not a boolean");
	return json_incref(arg(args, json_is_true(c) ? 1 : 2));
}

static json_t *fn_equals(struct expr *e, json_t *args)
{
	(void)e;
	return json_boolean(json_equal(arg(args, 0), arg(args, 1)));
}

static json_t *fn_empty(struct expr *e, json_t *args)
{
	json_t *v = arg(args, 0);

	(void)e;
	return json_boolean(json_is_null(v) || (json_is_string(v) && !json_string_length(v)) ||
			    (json_is_array(v) && !json_array_size(v)) ||
			    (json_is_object(v) && !json_object_size(v)));
}

/* The first argument that is not null; when that is unresolved, so is the
 * answer (function() names it by the call). */
static json_t *fn_coalesce(struct expr *e, json_t *args)
{
	json_t *v;
	size_t i;

	(void)e;
	json_array_foreach(args, i, v)
		if (!json_is_null(v))
			return json_incref(v);
	return json_null();
}

static json_t *fn_replace(struct expr *e, json_t *args)
{
	const char *s = str_arg(e, args, 0, "replace"), *old = s ? str_arg(e, args, 1, "replace") : NULL,
		   *new = old ? str_arg(e, args, 2, "replace") : NULL, *hit;
	size_t n_old, n_new;
	struct sbuf b = { 0 };

	if (!new)
		return NULL;
	n_old = json_string_length(arg(args, 1));
	n_new = json_string_length(arg(args, 2));
	if (!n_old)
		return fail(e, "replace(): the text to replace is empty");
	while ((hit = strstr(s, old))) {
		if (sbuf_add(&b, s, (size_t)(hit - s), e->err) || sbuf_add(&b, new, n_new, e->err))
			goto bad;
		s = hit + n_old;
	}
	if (sbuf_add(&b, s, strlen(s), e->err))
		goto bad;
	return sbuf_finish(&b, e->err);
bad:
	free(b.s);
	return NULL;
}

static json_t *fn_substring(struct expr *e, json_t *args)
{
	const char *s = str_arg(e, args, 0, "substring");
	json_t *start = arg(args, 1), *len = arg(args, 2);
	json_int_t total, from, count;
	size_t n, off;

	if (!s)
		return NULL;
	n = json_string_length(arg(args, 0));
	total = cp_count(s, n);
	if (!json_is_integer(start) || (len && !json_is_integer(len)))
		return fail(e, "substring(): start and length must be integers");
	from = json_integer_value(start);
	/* start is checked first: total - from overflows for a start near INT64_MIN */
	if (from < 0 || from > total)
		return fail(e, "substring(): start %" JSON_INTEGER_FORMAT
			    " is outside a string of %" JSON_INTEGER_FORMAT " characters",
			    from, total);
	count = len ? json_integer_value(len) : total - from;
	if (count < 0 || count > total - from)
		return fail(e, "substring(): %" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT
			    " is outside a string of %" JSON_INTEGER_FORMAT " characters",
			    from, count, total);
	off = cp_offset(s, n, from);
	return json_stringn(s + off, cp_offset(s + off, n - off, count));
}

static json_t *fn_length(struct expr *e, json_t *args)
{
	json_t *v = arg(args, 0);

	if (json_is_string(v))
		return json_integer(cp_count(json_string_value(v), json_string_length(v)));
	if (json_is_array(v))
		return json_integer((json_int_t)json_array_size(v));
	if (json_is_object(v))
		return json_integer((json_int_t)json_object_size(v));
	return fail(e, "length(): not a string, list or object");
}

static json_t *first_last(struct expr *e, json_t *args, bool last)
{
	json_t *v = arg(args, 0);
	const char *s = json_string_value(v);
	size_t n, off;

	if (json_is_array(v)) {
		n = json_array_size(v);
		return n ? json_incref(json_array_get(v, last ? n - 1 : 0)) : json_null();
	}
	if (!s)
		return fail(e, "%s(): not a string or list", last ? "last" : "first");
	n = json_string_length(v);
	if (!n)
		return json_string("");
	off = last ? cp_offset(s, n, cp_count(s, n) - 1) : 0;
	return json_stringn(s + off, last ? n - off : cp_offset(s, n, 1));
}

static json_t *fn_first(struct expr *e, json_t *args)
{
	return first_last(e, args, false);
}

static json_t *fn_last(struct expr *e, json_t *args)
{
	return first_last(e, args, true);
}

/* .NET String.Split(string[], None): at each position the first delimiter
 * that matches, in the order given, ends a piece; empty pieces are kept. */
static json_t *fn_split(struct expr *e, json_t *args)
{
	const char *s = str_arg(e, args, 0, "split"), *piece;
	json_t *d = arg(args, 1), *delims, *out, *x;
	size_t i, n;

	if (!s)
		return NULL;
	delims = json_is_string(d) ? json_pack("[O]", d) : json_incref(d);
	if (!json_is_array(delims)) {
		json_decref(delims);
		return fail(e, "split(): the delimiter is not a string or a list of strings");
	}
	if (!(out = json_array()))
		goto nomem;
	n = json_string_length(arg(args, 0));
	for (piece = s, i = 0; i <= n; ) {
		size_t k, dl = 0;

		json_array_foreach(delims, k, x) {
			if (!json_is_string(x)) {
				json_decref(out);
				json_decref(delims);
				return fail(e, "split(): a delimiter is not a string");
			}
			dl = json_string_length(x);
			if (dl && dl <= n - i && !memcmp(s + i, json_string_value(x), dl))
				break;
			dl = 0;
		}
		if (!dl && i < n) {
			i++;
			continue;
		}
		if (json_array_append_new(out, json_stringn(piece, (size_t)(s + i - piece))))
			goto nomem;
		i += dl ? dl : 1;
		piece = s + i;
		if (!dl)
			break;
	}
	json_decref(delims);
	return out;
nomem:
	json_decref(out);
	json_decref(delims);
	return nomem(e);
}

static json_t *fn_join(struct expr *e, json_t *args)
{
	json_t *list = arg(args, 0), *v;
	const char *d = str_arg(e, args, 1, "join");
	struct sbuf b = { 0 };
	size_t i;

	if (!d)
		return NULL;
	if (!json_is_array(list))
		return fail(e, "join(): the first argument is not a list");
	json_array_foreach(list, i, v)
		if ((i && sbuf_add(&b, d, json_string_length(arg(args, 1)), e->err)) ||
		    scalar_text(&b, v, "join", e->err)) {
			free(b.s);
			return NULL;
		}
	return sbuf_finish(&b, e->err);
}

static json_t *fn_base64(struct expr *e, json_t *args)
{
	const char *s = str_arg(e, args, 0, "base64");
	size_t n;
	char *enc;
	json_t *v;

	if (!s)
		return NULL;
	if (!(enc = gate_b64_encode((const unsigned char *)s, json_string_length(arg(args, 0)), &n,
				    e->err)))
		return NULL;
	v = json_stringn(enc, n);
	free(enc);
	return v ? v : nomem(e);
}

static json_t *fn_base64tostring(struct expr *e, json_t *args)
{
	const char *s = str_arg(e, args, 0, "base64ToString");
	unsigned char *dec;
	size_t n;
	json_t *v;

	if (!s)
		return NULL;
	if (gate_b64_decode(&dec, &n, s, json_string_length(arg(args, 0)), e->err)) {
		gate_err_prefix(e->err, "base64ToString()");
		return NULL;
	}
	v = json_stringn((const char *)dec, n);
	free(dec);
	return v ? v : fail(e, "base64ToString(): the text is not UTF-8");
}

static json_t *fn_null(struct expr *e, json_t *args)
{
	(void)e, (void)args;
	return json_null();
}

static json_t *fn_true(struct expr *e, json_t *args)
{
	(void)e, (void)args;
	return json_true();
}

static json_t *fn_false(struct expr *e, json_t *args)
{
	(void)e, (void)args;
	return json_false();
}

enum {
	DEPLOYMENT_TIME = 1,    /* known only to ARM while deploying: always unresolved */
	TAKES_UNRESOLVED = 2,   /* decides itself what unresolved arguments mean */
	/* Moves values without reading them (a list's elements, an object's
	 * members), so unresolved ones inside stay where they are; any other
	 * function reading one makes its result unresolved. */
	PASSES_THROUGH = 4,
};

static const struct fn {
	const char *name;
	int min_args, max_args;         /* max -1: any */
	unsigned flags;
	json_t *(*call)(struct expr *e, json_t *args);
} functions[] = {
	{ "parameters", 1, 1, 0, fn_parameters },
	{ "variables", 1, 1, 0, fn_variables },
	{ "concat", 1, -1, PASSES_THROUGH, fn_concat },
	{ "format", 1, -1, 0, fn_format },
	{ "toLower", 1, 1, 0, fn_tolower },
	{ "toUpper", 1, 1, 0, fn_toupper },
	{ "string", 1, 1, 0, fn_string },
	{ "int", 1, 1, 0, fn_int },
	{ "bool", 1, 1, 0, fn_bool },
	{ "if", 3, 3, TAKES_UNRESOLVED, fn_if },
	{ "equals", 2, 2, 0, fn_equals },
	{ "empty", 1, 1, PASSES_THROUGH, fn_empty },
	{ "coalesce", 1, -1, TAKES_UNRESOLVED, fn_coalesce },
	{ "replace", 3, 3, 0, fn_replace },
	{ "substring", 2, 3, 0, fn_substring },
	{ "length", 1, 1, PASSES_THROUGH, fn_length },
	{ "first", 1, 1, PASSES_THROUGH, fn_first },
	{ "last", 1, 1, PASSES_THROUGH, fn_last },
	{ "split", 2, 2, 0, fn_split },
	{ "join", 2, 2, 0, fn_join },
	{ "base64", 1, 1, 0, fn_base64 },
	{ "base64ToString", 1, 1, 0, fn_base64tostring },
	{ "null", 0, 0, 0, fn_null },
	{ "true", 0, 0, 0, fn_true },
	{ "false", 0, 0, 0, fn_false },
	{ "resourceGroup", 0, 1, DEPLOYMENT_TIME, NULL },
	{ "deployment", 0, 0, DEPLOYMENT_TIME, NULL },
	{ "subscription", 0, 1, DEPLOYMENT_TIME, NULL },
	{ "environment", 0, 0, DEPLOYMENT_TIME, NULL },
	/* ARM's hash behind these is not published; the ids they make are
	 * rarely known before deploying anyway. */
	{ "uniqueString", 1, -1, DEPLOYMENT_TIME, NULL },
	{ "guid", 1, -1, DEPLOYMENT_TIME, NULL },
	{ "utcNow", 0, 1, DEPLOYMENT_TIME, NULL },
};

static const struct fn *lookup_fn(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (strlen(functions[i].name) == n && !strncasecmp(functions[i].name, name, n))
			return &functions[i];
	return NULL;
}

static void skip_ws(struct expr *e)
{
	while (e->p < e->end && (*e->p == ' ' || *e->p == '\t' || *e->p == '\n' || *e->p == '\r'))
		e->p++;
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
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
	const char *start = e->p;
	char num[32];
	size_t n;
	long long v;

	if (*e->p == '-')
		e->p++;
	while (e->p < e->end && *e->p >= '0' && *e->p <= '9')
		e->p++;
	n = (size_t)(e->p - start);
	if (n == 0 || (n == 1 && *start == '-')) {
		gate_err_set(e->err, GATE_EINPUT, "malformed number in expression '%.200s'", e->text);
		return NULL;
	}
	/* Out of range is an error, never a value saturated to 2^63 - 1. */
	if (n >= sizeof(num) || (memcpy(num, start, n), num[n] = '\0', gate_arm_parse_int(&v, num))) {
		gate_err_set(e->err, GATE_EINPUT, "integer '%.*s' out of range at column %d of '%.200s'",
			     (int)(n > 40 ? 40 : n), start, column(e, start), e->text);
		return NULL;
	}
	return json_integer(v);
}

/* .name or [index] after a value; a name is matched without case, as ARM
 * does. */
static json_t *access(struct expr *e, json_t *v, json_t *key)
{
	const char *name = json_string_value(key), *k;
	json_t *m;

	if (json_is_object(v) && name) {
		json_object_foreach(v, k, m)
			if (!strcasecmp(k, name))
				return json_incref(m);
		return fail(e, "no property '%s'", name);
	}
	if (json_is_array(v) && json_is_integer(key)) {
		if (json_integer_value(key) < 0 ||
		    (size_t)json_integer_value(key) >= json_array_size(v))
			return fail(e, "index %" JSON_INTEGER_FORMAT " outside a list of %zu",
				    json_integer_value(key), json_array_size(v));
		return json_incref(json_array_get(v, (size_t)json_integer_value(key)));
	}
	return fail(e, "cannot take a property of this value");
}

static json_t *accessor(struct expr *e)
{
	const char *name;
	json_t *key;

	if (*e->p++ == '.') {
		skip_ws(e);
		for (name = e->p; e->p < e->end && is_word(*e->p); e->p++)
			;
		if (e->p == name)
			return fail(e, "a property name must follow '.' at column %d",
				    column(e, name));
		return json_stringn(name, (size_t)(e->p - name));
	}
	if (!(key = parse(e)))
		return NULL;
	skip_ws(e);
	if (e->p == e->end || *e->p != ']') {
		json_decref(key);
		return fail(e, "missing ']' at column %d", column(e, e->p));
	}
	e->p++;
	return key;
}

static json_t *parse_args(struct expr *e, const struct fn *fn, const char *name, size_t n,
			  bool *any_unresolved)
{
	json_t *args = json_array(), *a;
	size_t argc;

	if (!args)
		return nomem(e);
	skip_ws(e);
	while (e->p < e->end && *e->p != ')') {
		if (!(a = parse(e)) || json_array_append_new(args, a))
			goto bad;
		*any_unresolved |= fn->flags & PASSES_THROUGH ? is_unresolved(a) : has_unresolved(a);
		skip_ws(e);
		if (e->p < e->end && *e->p == ',') {
			e->p++;
			skip_ws(e);
		} else if (e->p < e->end && *e->p != ')') {
			fail(e, "expected ',' or ')' at column %d", column(e, e->p));
			goto bad;
		}
	}
	if (e->p == e->end) {
		fail(e, "missing ')'");
		goto bad;
	}
	e->p++;
	argc = json_array_size(args);
	if (argc < (size_t)fn->min_args || (fn->max_args >= 0 && argc > (size_t)fn->max_args)) {
		fail(e, "%.*s() takes %d%s argument%s, not %zu", (int)n, name, fn->min_args,
		     fn->max_args < 0 ? " or more" : fn->max_args > fn->min_args ? " or more" : "",
		     fn->min_args == 1 && fn->max_args == 1 ? "" : "s", argc);
		goto bad;
	}
	return args;
bad:
	json_decref(args);
	return NULL;
}

/* A call and the properties taken of its result.  A deployment-time
 * function, or unresolved arguments, make it unresolved as a whole, named
 * by its own text: "⟨concat(resourceGroup().name, '-x')⟩". */
static json_t *function(struct expr *e)
{
	const char *name = e->p;
	const struct fn *fn;
	bool unres = false;
	json_t *args, *v = NULL, *key, *next;
	size_t n;

	while (e->p < e->end && is_word(*e->p))
		e->p++;
	n = (size_t)(e->p - name);
	if (!(fn = lookup_fn(name, n))) {
		unsupported(e, "function", name, n);
		return NULL;
	}
	skip_ws(e);
	if (e->p == e->end || *e->p != '(')
		return fail(e, "expected '(' after '%.*s'", (int)n, name);
	e->p++;
	if (!(args = parse_args(e, fn, name, n, &unres)))
		return NULL;
	if (fn->flags & DEPLOYMENT_TIME || (unres && !(fn->flags & TAKES_UNRESOLVED))) {
		unres = true;
	} else {
		v = fn->call(e, args);
		/* if() and coalesce() answer with one argument; when that is
		 * unresolved, what it stands for is the whole call. */
		unres = (fn->flags & TAKES_UNRESOLVED) && is_unresolved(v);
		if (!v || unres || charge(e->a, v, e->err)) {
			json_decref(v);
			v = NULL;
			if (!unres) {
				json_decref(args);
				return NULL;
			}
		}
	}
	json_decref(args);
	skip_ws(e);
	while (e->p < e->end && (*e->p == '.' || *e->p == '[')) {
		if (!(key = accessor(e))) {
			json_decref(v);
			return NULL;
		}
		unres |= is_unresolved(v);
		next = unres ? NULL : access(e, v, key);
		json_decref(key);
		json_decref(v);
		v = next;
		if (!unres && !v)
			return NULL;
		skip_ws(e);
	}
	if (!unres)
		return v;
	return unresolved(name, (size_t)(e->p - name), e->err);
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

int gate_arm_new(gate_arm **out, json_t *tmpl, json_t *params, size_t input_size, gate_err *err)
{
	json_t *given;
	gate_arm *a;

	*out = NULL;
	if (!(a = calloc(1, sizeof(*a))) || !(a->memo = json_object())) {
		free(a);
		return gate_err_nomem(err);
	}
	a->budget = input_size > SIZE_MAX / GATE_EXPAND_FACTOR ? SIZE_MAX
							       : input_size * GATE_EXPAND_FACTOR;
	if (a->budget < GATE_MIN_EXPAND_SIZE)
		a->budget = GATE_MIN_EXPAND_SIZE;
	a->budget_size = a->budget;
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
	/* Every use of a value counts: the caller copies it. */
	if (!(*out = eval_string(a, v, err)) || charge(a, *out, err)) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
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
