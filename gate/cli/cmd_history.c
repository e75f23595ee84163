/*
 * cmd_history.c - `gate history IMAGE`: what each `gate verify` run with a
 * cache saw IMAGE resolve to (registry/cache.h), oldest first.
 *
 *   gate history IMAGE [--cache DIR] [--format text|json]
 */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "options.h"
#include "base/err.h"
#include "registry/cache.h"
#include "registry/ref.h"
#include "report/history.h"

enum format { FORMAT_TEXT, FORMAT_JSON };
static const char *const formats[] = { "text", "json", NULL };

static const char *const usage[] = { "IMAGE [<options>]", NULL };

static const char about[] =
	"Prints what the scan history holds for IMAGE: each 'gate verify' run with\n"
	"a cache records the digest the reference resolved to, when (UTC), and its\n"
	"layer root hashes; the newest 256 runs are kept.  IMAGE is normalised as\n"
	"gate verify does (nginx is docker.io/library/nginx:latest).";

static int show(const char *image, const char *dir, int format)
{
	struct gate_history_entry *v = NULL;
	char name[GATE_REF_NAME_MAX * 2 + GATE_REF_TAG_MAX + GATE_REF_DIGEST_MAX + 4];
	struct gate_ref ref;
	gate_cache *c = NULL;
	gate_err err = GATE_ERR_INIT;
	size_t n = 0;
	int rc;

	if (gate_ref_parse(&ref, image, &err) || gate_ref_format(&ref, name, sizeof(name)) ||
	    gate_cache_open(&c, dir, &err) || gate_cache_history_read(c, name, &v, &n, &err)) {
		if (!err.code)
			gate_err_set(&err, GATE_EINPUT, "image reference '%s' too long", image);
		gate_cache_free(c);
		return cli_error("history", &err);
	}
	if (format == FORMAT_JSON)
		rc = gate_report_history_json(stdout, name, v, n) ? GATE_EVERIFY : 0;
	else
		gate_report_history_text(stdout, name, v, n), rc = 0;
	gate_history_free(v, n);
	gate_cache_free(c);
	return cli_finish_output("history", rc);
}

int cmd_history(int argc, char **argv)
{
	const char *dir = NULL;
	int format = FORMAT_TEXT, rc;
	const struct cli_option table[] = {
		CLI_STRING(0, "cache", &dir, "DIR", "the cache gate verify used (default $XDG_CACHE_HOME/gate)"),
		CLI_CHOICE("format", &format, formats, "output format: text (default) or json"),
		CLI_END,
	};
	const struct cli_command cmd = { "history", usage, about, table };

	rc = cli_parse(&cmd, &argc, argv);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	if (argc != 1)
		return cli_usage_args(&cmd, argc ? "one IMAGE at a time" : "no IMAGE given");
	return show(argv[0], dir, format);
}
