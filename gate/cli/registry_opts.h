/*
 * registry_opts.h - the registry options, one table shared by every
 * command that reads images (`gate hash IMAGE`, `gate verify`), and what
 * they set up: the HTTP client, the credentials, the cache and a ready
 * struct gate_registry_opts.
 *
 *	struct cli_registry reg;
 *	cli_registry_init(&reg, "hash");
 *	... CLI_INCLUDE(reg.options) in the command's table, cli_parse() ...
 *	if (cli_registry_open(&reg, &err)) ...
 *	cli_registry_hash(&reg, imgs, n);       (or gate_registry_hash(&reg.opts, ...))
 *	cli_registry_close(&reg);
 */
#ifndef GATE_CLI_REGISTRY_OPTS_H
#define GATE_CLI_REGISTRY_OPTS_H

#include "options.h"
#include "registry/auth.h"
#include "registry/registry.h"

#define CLI_REGISTRY_OPTION_COUNT 18

struct cli_registry {
	/* What the options set. */
	const char *platform;
	unsigned long jobs;
	const char *creds_arg;
	int creds_stdin;
	const char *ca_file;
	struct gate_strv insecure;
	const char *cache_dir;
	int no_cache;
	unsigned long connect_timeout_s, idle_timeout_s, retries, retry_budget_s, timeout_s;
	const char *authfile;
	int verbose;            /* -v: a line per finished layer on stderr */
	int quiet;              /* -q: errors only on stderr (cli_set_quiet) */
	const char *cmd;        /* for the -v lines: "hash", "verify" */

	/* The table, pointing at the fields above: CLI_INCLUDE(reg.options). */
	struct cli_option options[CLI_REGISTRY_OPTION_COUNT];

	/* What cli_registry_open() sets up; opts is ready for gate_registry_hash(). */
	struct gate_registry_opts opts;
	gate_http *http;
	gate_cache *cache;
	struct gate_creds creds;
};

/* Sets the defaults and builds r->options, for the command cmd. */
void cli_registry_init(struct cli_registry *r, const char *cmd);

/* Checks the parsed options against each other, reads --creds-stdin, and
 * opens the HTTP client and the cache.  GATE_EINPUT for a bad combination
 * of options.  cli_registry_close() is needed after either outcome. */
int cli_registry_open(struct cli_registry *r, gate_err *err);

/* gate_registry_hash() with, on stderr: under -v a line per layer as it
 * finishes; else, when stderr is a terminal and not under -q, a progress
 * line drawn over itself. */
void cli_registry_hash(struct cli_registry *r, struct gate_image *imgs, size_t n);

void cli_registry_close(struct cli_registry *r);

#endif
