/*
 * options.c - the option tables of options.h: parsing, --help, and the
 * one place the CLI prints errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "base/escape.h"

#define HELP_COLUMN 30  /* where help text starts in --help */

static bool check_args;
static bool quiet;

void cli_set_check_args(void)
{
	check_args = true;
}

bool cli_checking_args(void)
{
	return check_args;
}

void cli_set_quiet(void)
{
	quiet = true;
}

/* Finds the option of a long or a short name, looking into included tables. */
static const struct cli_option *find(const struct cli_option *t, const char *lname,
				     size_t llen, char sname)
{
	const struct cli_option *o, *in;

	for (o = t; o->type != CLI_OPT_END; o++) {
		if (o->type == CLI_OPT_INCLUDE) {
			if ((in = find(o->value, lname, llen, sname)))
				return in;
		} else if (o->type == CLI_OPT_HEADING) {
			continue;
		} else if (lname ? o->long_name && strlen(o->long_name) == llen &&
					   !strncmp(o->long_name, lname, llen)
				 : o->short_name && o->short_name == sname) {
			return o;
		}
	}
	return NULL;
}

static int takes_arg(const struct cli_option *o)
{
	return o->type == CLI_OPT_CHOICE || o->argname;
}

/* "--name" or "-n", for messages. */
static const char *spelling(const struct cli_option *o, char *buf, size_t size)
{
	if (o->long_name)
		snprintf(buf, size, "--%s", o->long_name);
	else
		snprintf(buf, size, "-%c", o->short_name);
	return buf;
}

static int parse_uint(unsigned long *out, const char *opt, const char *arg,
		      unsigned long min, unsigned long max, gate_err *err)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || *arg == '-' || *arg == '+' || *arg == ' ' ||
	    *out < min || *out > max)
		return gate_err_set(err, GATE_EINPUT, "%s '%s': expected a number from %lu to %lu",
				    opt, arg, min, max);
	return 0;
}

int cli_parse_choice(int *out, const char *opt, const char *arg,
		     const char *const *choices, gate_err *err)
{
	char list[256] = "";
	size_t i, n = 0;

	for (i = 0; choices[i]; i++)
		if (!strcmp(arg, choices[i])) {
			*out = (int)i;
			return 0;
		}
	while (choices[n])
		n++;
	for (i = 0; i < n; i++) {
		size_t used = strlen(list);

		snprintf(list + used, sizeof(list) - used, "%s%s", choices[i],
			 i + 2 < n ? ", " : i + 2 == n ? " or " : "");
	}
	return gate_err_set(err, GATE_EINPUT, "%s '%s': expected %s", opt, arg, list);
}

static int apply(const struct cli_option *o, const char *arg, gate_err *err)
{
	char name[64];

	spelling(o, name, sizeof(name));
	switch (o->type) {
	case CLI_OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case CLI_OPT_UINT:
		return parse_uint(o->value, name, arg, o->min, o->max, err);
	case CLI_OPT_LIST:
		return gate_strv_push(o->value, arg, strlen(arg), err);
	case CLI_OPT_CHOICE:
		return cli_parse_choice(o->value, name, arg, o->choices, err);
	case CLI_OPT_CALLBACK:
		return o->cb(o->value, arg, err);
	default:
		return gate_err_set(err, GATE_EINPUT, "%s: not an option", name);
	}
}

/* One "--name[=VALUE]" at argv[*i]; *i moves past a separate value. */
static int parse_long(const struct cli_option *t, int argc, char **argv, int *i, gate_err *err)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_option *o = find(t, name, len, 0);

	if (!o)
		return gate_err_set(err, GATE_EINPUT, "unknown option '--%.*s'", (int)len, name);
	if (!takes_arg(o)) {
		if (eq)
			return gate_err_set(err, GATE_EINPUT, "option '--%s' takes no value",
					    o->long_name);
		return apply(o, NULL, err);
	}
	if (eq)
		return apply(o, eq + 1, err);
	if (*i + 1 >= argc)
		return gate_err_set(err, GATE_EINPUT, "option '--%s' needs a value", o->long_name);
	return apply(o, argv[++*i], err);
}

/* A group of short options "-abVALUE" at argv[*i]; 1 if it asks for
 * help (-vh). */
static int parse_short(const struct cli_option *t, int argc, char **argv, int *i, gate_err *err)
{
	const char *p;

	for (p = argv[*i] + 1; *p; p++) {
		const struct cli_option *o = find(t, NULL, 0, *p);

		if (!o && *p == 'h')
			return 1;
		if (!o)
			return gate_err_set(err, GATE_EINPUT, "unknown option '-%c'", *p);
		if (!takes_arg(o)) {
			if (apply(o, NULL, err))
				return -1;
			continue;
		}
		if (p[1])
			return apply(o, p + 1, err);
		if (*i + 1 >= argc)
			return gate_err_set(err, GATE_EINPUT, "option '-%c' needs a value", *p);
		return apply(o, argv[++*i], err);
	}
	return 0;
}

/* Whether word a is an option whose value is the next word. */
static bool value_follows(const struct cli_option *t, const char *a)
{
	const struct cli_option *o;

	if (!strncmp(a, "--", 2)) {
		if (strchr(a, '='))
			return false;
		o = find(t, a + 2, strlen(a + 2), 0);
		return o && takes_arg(o);
	}
	if (a[0] != '-' || !a[1])
		return false;
	for (const char *p = a + 1; *p; p++) {
		if (!(o = find(t, NULL, 0, *p)))
			return false;
		if (takes_arg(o))
			return !p[1];
	}
	return false;
}

static int is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int cli_parse(const struct cli_command *cmd, int *argc, char **argv)
{
	gate_err err = GATE_ERR_INIT;
	int i, n = 0, rc = 0;

	/* --help wins over any other word, even a bad one before it; but an
	 * option's value is not a word of its own (--rules --help). */
	for (i = 1; i < *argc && strcmp(argv[i], "--"); i++) {
		if (is_help(argv[i])) {
			if (!check_args)
				cli_usage(stdout, cmd);
			return CLI_HELP;
		}
		if (value_follows(cmd->options, argv[i]))
			i++;
	}
	for (i = 1; i < *argc && !rc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (++i < *argc)
				argv[n++] = argv[i];
			break;
		}
		if (!strncmp(argv[i], "--", 2))
			rc = parse_long(cmd->options, *argc, argv, &i, &err);
		else if (argv[i][0] == '-' && argv[i][1])
			rc = parse_short(cmd->options, *argc, argv, &i, &err);
		else
			argv[n++] = argv[i];
	}
	if (rc > 0) {
		if (!check_args)
			cli_usage(stdout, cmd);
		return CLI_HELP;
	}
	if (rc)
		return cli_usage_error(cmd->name, "%s", err.msg);
	*argc = n;
	return check_args ? CLI_HELP : 0;
}

static void print_option(FILE *f, const struct cli_option *o)
{
	char left[128];
	int len;

	if (o->short_name && o->long_name)
		len = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->long_name);
	else
		len = snprintf(left, sizeof(left), "  %s%s", o->long_name ? "--" : "-",
			       o->long_name ? o->long_name : (const char[]){ o->short_name, 0 });
	if (o->type == CLI_OPT_CHOICE) {
		for (size_t i = 0; o->choices[i] && len < (int)sizeof(left); i++)
			len += snprintf(left + len, sizeof(left) - (size_t)len, "%s%s",
					i ? "|" : " ", o->choices[i]);
	} else if (o->argname && len < (int)sizeof(left)) {
		len += snprintf(left + len, sizeof(left) - (size_t)len, " %s", o->argname);
	}
	if (len >= HELP_COLUMN - 1)
		fprintf(f, "%s\n%*s%s\n", left, HELP_COLUMN, "", o->help);
	else
		fprintf(f, "%-*s%s\n", HELP_COLUMN, left, o->help);
}

static void print_table(FILE *f, const struct cli_option *t)
{
	for (; t->type != CLI_OPT_END; t++) {
		if (t->type == CLI_OPT_INCLUDE)
			print_table(f, t->value);
		else if (t->type == CLI_OPT_HEADING)
			fprintf(f, "\n%s:\n", t->help);
		else if (t->help)
			print_option(f, t);
	}
}

static void synopsis(FILE *f, const struct cli_command *cmd)
{
	for (size_t i = 0; cmd->usage[i]; i++)
		fprintf(f, "%s gate %s %s\n", i ? "   or:" : "usage:", cmd->name, cmd->usage[i]);
}

void cli_usage(FILE *f, const struct cli_command *cmd)
{
	synopsis(f, cmd);
	if (cmd->about)
		fprintf(f, "\n%s\n", cmd->about);
	fputc('\n', f);
	print_table(f, cmd->options);
	fprintf(f, "  -h, --help%*sshow this help\n", HELP_COLUMN - 12, "");
}

static void vreport(const char *cmd, const char *fmt, va_list ap)
{
	char msg[GATE_ERR_MSG_SIZE];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fputs("gate: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	gate_put_escaped(stderr, msg);
	fputc('\n', stderr);
}

int cli_error(const char *cmd, const gate_err *err)
{
	fputs("gate: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	gate_put_escaped(stderr, err->msg);
	fputc('\n', stderr);
	return err->code ? err->code : GATE_EVERIFY;
}

int cli_errorf(const char *cmd, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	return code;
}

void cli_notef(const char *cmd, const char *fmt, ...)
{
	char msg[GATE_ERR_MSG_SIZE];
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gate: %s%snote: ", cmd ? cmd : "", cmd ? ": " : "");
	gate_put_escaped(stderr, msg);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "see 'gate %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	return GATE_EINPUT;
}

int cli_usage_args(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd->name, fmt, ap);
	va_end(ap);
	synopsis(stderr, cmd);
	fprintf(stderr, "see 'gate %s --help'\n", cmd->name);
	return GATE_EINPUT;
}

int cli_finish_output(const char *cmd, int status)
{
	if ((fflush(stdout) || ferror(stdout)) && status == 0)
		return cli_errorf(cmd, GATE_EVERIFY, "cannot write output: %s", strerror(errno));
	return status;
}
