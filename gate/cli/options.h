/*
 * options.h - one table per command declares its options; the same table
 * parses argv and prints `gate COMMAND --help`, so the two cannot drift
 * apart (git's parse-options is the model).
 *
 *	static const struct cli_option opts[] = {
 *		CLI_FLAG(0, "tar", &tar, "the arguments are layer files"),
 *		CLI_CHOICE("format", &format, formats, "output format"),
 *		CLI_INCLUDE(cli_registry_options),
 *		CLI_END,
 *	};
 *
 * Long options take their value as `--opt=VALUE` or `--opt VALUE`, short
 * ones as `-oVALUE` or `-o VALUE`; short flags may be grouped (`-vq`).
 * Options and arguments may come in any order; `--` ends the options and
 * `-` is an argument (stdin).  --help and -h are always there.
 *
 * The `value` pointers of a table point at the caller's variables, so a
 * table is built where those live (or at static storage, for a shared
 * table such as registry_opts.h's).
 */
#ifndef GATE_CLI_OPTIONS_H
#define GATE_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/array.h"
#include "base/err.h"

enum cli_opt_type {
	CLI_OPT_END,
	CLI_OPT_FLAG,           /* int *: set to 1 */
	CLI_OPT_STRING,         /* const char **: the argument (the last one wins) */
	CLI_OPT_UINT,           /* unsigned long *: a decimal number in [min, max] */
	CLI_OPT_LIST,           /* struct gate_strv *: each use appends */
	CLI_OPT_CHOICE,         /* int *: the index of the argument in choices[] */
	CLI_OPT_CALLBACK,       /* cb(value, arg, err) sets the whole message;
				   arg is NULL if argname is */
	CLI_OPT_INCLUDE,        /* value: another table, parsed and printed in place */
	CLI_OPT_HEADING,        /* help: a heading line in --help */
};

struct cli_option {
	enum cli_opt_type type;
	char short_name;                /* 0: none */
	const char *long_name;
	void *value;
	const char *argname;            /* NULL: takes no argument */
	const char *help;               /* NULL: not listed in --help */
	unsigned long min, max;         /* CLI_OPT_UINT */
	const char *const *choices;     /* CLI_OPT_CHOICE, NULL-terminated */
	int (*cb)(void *value, const char *arg, gate_err *err);
};

#define CLI_END { CLI_OPT_END, 0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL }
#define CLI_FLAG(s, l, p, h) { CLI_OPT_FLAG, s, l, p, NULL, h, 0, 0, NULL, NULL }
#define CLI_STRING(s, l, p, a, h) { CLI_OPT_STRING, s, l, p, a, h, 0, 0, NULL, NULL }
#define CLI_UINT(l, p, a, lo, hi, h) { CLI_OPT_UINT, 0, l, p, a, h, lo, hi, NULL, NULL }
#define CLI_LIST(l, p, a, h) { CLI_OPT_LIST, 0, l, p, a, h, 0, 0, NULL, NULL }
#define CLI_CHOICE(l, p, c, h) { CLI_OPT_CHOICE, 0, l, p, NULL, h, 0, 0, c, NULL }
#define CLI_CALLBACK(l, p, a, f, h) { CLI_OPT_CALLBACK, 0, l, p, a, h, 0, 0, NULL, f }
/* A flag whose setting is checked against others while parsing (-q, -v). */
#define CLI_FLAG_CALLBACK(s, l, p, f, h) { CLI_OPT_CALLBACK, s, l, p, NULL, h, 0, 0, NULL, f }
#define CLI_INCLUDE(t) { CLI_OPT_INCLUDE, 0, NULL, (void *)(t), NULL, NULL, 0, 0, NULL, NULL }
#define CLI_HEADING(h) { CLI_OPT_HEADING, 0, NULL, NULL, NULL, h, 0, 0, NULL, NULL }

struct cli_command {
	const char *name;               /* as typed: "hash", "policy show" */
	const char *const *usage;       /* NULL-terminated synopsis lines, after "gate NAME " */
	const char *about;              /* a paragraph under the synopsis, or NULL */
	const struct cli_option *options;
};

/* Return values of cli_parse() besides 0. */
#define CLI_HELP (-1)                   /* done: --help was printed to stdout, or
					   only the arguments were checked; exit 0 */

/* `gate --check-args COMMAND ...`: from now on cli_parse() stops after
 * parsing, printing nothing, so that recipes and scripts can be checked
 * against the real option tables without running anything.  A command
 * line, not an environment variable: a variable left set in a pipeline
 * would turn the gate into a silent pass. */
void cli_set_check_args(void);
bool cli_checking_args(void);

/* Parses argv[1..*argc) (argv[0] is the command word) against cmd's
 * table.  On success argv[0..*argc) are the command's arguments, in
 * order, and 0 is returned (CLI_HELP under --check-args).  A usage
 * error is printed as one line with a hint to --help, and GATE_EINPUT is
 * returned. */
int cli_parse(const struct cli_command *cmd, int *argc, char **argv);

/* Prints the synopsis and the option table, as --help does. */
void cli_usage(FILE *f, const struct cli_command *cmd);

/* Sets *out to the index of arg in the NULL-terminated choices, or sets
 * err ("--OPT 'x': expected a, b or c").  The one parser behind every
 * --format and --input-format. */
int cli_parse_choice(int *out, const char *opt, const char *arg,
		     const char *const *choices, gate_err *err);

/* Errors, all on stderr as `gate: CMD: message`, untrusted bytes escaped
 * (base/escape.h).  cli_error returns err->code (GATE_EVERIFY if unset)
 * so that a command can `return cli_error(...)`. */
int cli_error(const char *cmd, const gate_err *err);
int cli_errorf(const char *cmd, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Something the user should know that is not an error (a skipped file),
 * as `gate: CMD: note: message`, escaped; nothing after cli_set_quiet(). */
void cli_notef(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* -q: from now on cli_notef() prints nothing; stderr gets errors only. */
void cli_set_quiet(void);

/* A usage error: the message and a one-line hint to `gate CMD --help`;
 * returns GATE_EINPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A missing or extra argument: the message, the synopsis and the hint
 * to --help; returns GATE_EINPUT. */
int cli_usage_args(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Flushes stdout; a failed write (a full disk, a closed pipe) is an error
 * to report, since the output would be cut short.  Returns status, or
 * GATE_EVERIFY if the output was lost. */
int cli_finish_output(const char *cmd, int status);

#endif
