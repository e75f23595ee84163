/*
 * cmd_verify.c - `gate verify`: would the confidential guest admit every
 * container of these deployments, with what the registries serve now?
 *
 *   gate verify INPUT... [-p PARAMS] [--format text|json|sarif|junit]
 *               [--output [FORMAT=]FILE]... [--rules FILE] [--audit] [--shard I/N]
 *               [--search-tags]
 *               [registry options of gate hash IMAGE]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "registry_opts.h"
#include "base/err.h"
#include "base/limits.h"
#include "input/discover.h"
#include "input/input.h"
#include "report/verify_report.h"
#include "verify/ruleset.h"
#include "verify/verify.h"

#ifndef GATE_VERSION
#define GATE_VERSION "0"
#endif

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_SARIF, FORMAT_JUNIT };
static const char *const formats[] = { "text", "json", "sarif", "junit", NULL };

static const char *const usage[] = { "INPUT... [<options>]", NULL };

static const char about[] =
	"Predicts the confidential guest's verdict on every container of each INPUT:\n"
	"the layers the image tags resolve to now, the command, env, working dir,\n"
	"user and privileges, judged by the group's own CCE policy as hcsshim's\n"
	"framework.rego does.  INPUT is anything 'gate policy show' reads, - for\n"
	"stdin, or a directory: every template under it (X.parameters.json is\n"
	"used for X.json; other files are skipped with a note).\n"
	"\n"
	"Exit status: 0 every container would be admitted and nothing is denied;\n"
	"1 some finding denies; 2 bad input or usage; 3 some container could not\n"
	"be verified (registry unreachable, auth, digest mismatch, a value known\n"
	"only at deployment) and nothing is denied.  With --audit: 0 unless the\n"
	"input is bad (2).";

struct inputs {
	struct gate_model *v;
	size_t n;
};

static int read_one(struct inputs *in, const char *path, const char *params, gate_err *err)
{
	struct gate_model *m = gate_array_push(&in->v, &in->n, sizeof(*m), err);

	return m ? gate_input_read(m, path, params, GATE_INPUT_AUTO, err) : -1;
}

/* A directory's templates; what is not one is named on stderr, so a scan
 * never leaves a file out silently. */
static int read_dir(struct inputs *in, const char *dir, gate_err *err)
{
	struct gate_found_list found = { 0 };
	size_t i, read = 0;
	int rc = 0;

	if (gate_discover(&found, dir, err))
		rc = -1;
	for (i = 0; !rc && i < found.n; i++) {
		if (found.v[i].skipped) {
			cli_notef("verify", "skipped '%s': %s", found.v[i].path, found.v[i].skipped);
			continue;
		}
		rc = read_one(in, found.v[i].path, found.v[i].params_path, err);
		read++;
	}
	if (!rc && !read)
		rc = gate_err_set(err, GATE_EINPUT, "'%s': no template found under it", dir);
	gate_found_list_free(&found);
	return rc;
}

static int read_inputs(struct inputs *in, int argc, char **argv, const char *params, gate_err *err)
{
	struct stat st;
	int i, stdin_seen = 0;

	/* A directory pairs each X.json with its X.parameters.json itself. */
	if (params && argc == 1 && !stat(argv[0], &st) && S_ISDIR(st.st_mode))
		return gate_err_set(err, GATE_EINPUT, "-p applies to a template file, not to the "
				    "directory '%s' (its X.parameters.json files are used)", argv[0]);

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-")) {
			if (stdin_seen++)
				return gate_err_set(err, GATE_EINPUT, "'-' (stdin) given twice");
			if (read_one(in, "-", params, err))
				return -1;
		} else if (!stat(argv[i], &st) && S_ISDIR(st.st_mode)) {
			if (read_dir(in, argv[i], err))
				return -1;
		} else if (read_one(in, argv[i], params, err)) {
			return -1;
		}
	}
	return 0;
}

static void hash_images(void *ctx, struct gate_image *imgs, size_t n)
{
	cli_registry_hash(ctx, imgs, n);
}

static int print_report(FILE *f, const struct gate_verify_report *r, int format, bool colour)
{
	switch (format) {
	case FORMAT_JSON:
		return gate_report_verify_json(f, r, GATE_VERSION);
	case FORMAT_SARIF:
		return gate_report_verify_sarif(f, r, GATE_VERSION);
	case FORMAT_JUNIT:
		return gate_report_verify_junit(f, r, GATE_VERSION);
	}
	gate_report_verify_text(f, r, colour);
	return ferror(f) ? -1 : 0;
}

/* One --output: FORMAT=FILE, or FILE in the --format given. */
struct output {
	int format;
	const char *path;
};

static int parse_output(struct output *o, const char *arg, int default_format, gate_err *err)
{
	const char *eq = strchr(arg, '=');
	size_t i;

	o->format = default_format;
	o->path = arg;
	if (!eq)
		return 0;
	for (i = 0; formats[i]; i++)
		if (strlen(formats[i]) == (size_t)(eq - arg) && !strncmp(arg, formats[i], eq - arg)) {
			o->format = (int)i;
			o->path = eq + 1;
			break;
		}
	if (!*o->path)
		return gate_err_set(err, GATE_EINPUT, "--output '%s': no file name", arg);
	return 0;
}

/* A report on its way to path: written to a temporary file beside it,
 * renamed over path only when every report of the run was written, so a
 * reader (a pipeline step, a dashboard) never sees half a report, nor one
 * of a run whose other reports failed. */
struct pending {
	char *tmp;
	const char *path;
};

static int write_pending(struct pending *pd, const char *path, const struct gate_verify_report *r,
			 int format, mode_t mode, gate_err *err)
{
	FILE *f;
	int fd, rc;

	pd->path = path;
	if (asprintf(&pd->tmp, "%s.tmp.XXXXXX", path) < 0) {
		pd->tmp = NULL;
		return gate_err_nomem(err);
	}
	if ((fd = mkstemp(pd->tmp)) < 0) {
		int e = errno;

		free(pd->tmp);
		pd->tmp = NULL;
		return gate_err_set(err, GATE_EVERIFY, "cannot write '%s': %s", path, strerror(e));
	}
	/* mkstemp makes it 0600; a report is as readable as any file the
	 * user creates. */
	if (fchmod(fd, mode) || !(f = fdopen(fd, "w"))) {
		close(fd);
		return gate_err_set(err, GATE_EVERIFY, "cannot write '%s': %s", path, strerror(errno));
	}
	rc = print_report(f, r, format, false);
	if (fflush(f) || fsync(fileno(f)))
		rc = -1;
	if (fclose(f))
		rc = -1;
	if (rc)
		return gate_err_set(err, GATE_EVERIFY, "cannot write '%s'%s", path,
				    format == FORMAT_JSON || format == FORMAT_SARIF
				    ? ": the report could not be built or written" : "");
	return 0;
}

static bool colour_wanted(void)
{
	const char *no = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(no && *no);
}

/* --shard I/N: two decimal numbers, 0 <= I < N <= GATE_SHARDS_MAX. */
struct shard {
	unsigned index, count;
};

static int parse_shard(void *value, const char *arg, gate_err *err)
{
	struct shard *s = value;
	unsigned long i, n;
	char *end;

	errno = 0;
	i = strtoul(arg, &end, 10);
	if (end == arg || *end != '/' || arg[0] == '-' || end[1] == '-' || end[1] == '+')
		goto bad;
	n = strtoul(end + 1, &end, 10);
	if (errno || *end || !n || n > GATE_SHARDS_MAX || i >= n)
		goto bad;
	s->index = (unsigned)i;
	s->count = (unsigned)n;
	return 0;
bad:
	return gate_err_set(err, GATE_EINPUT, "--shard '%s': expected I/N with 0 <= I < N <= %u",
			    arg, GATE_SHARDS_MAX);
}

struct run_opts {
	int format;
	const struct gate_strv *outputs;
	const gate_ruleset *ruleset;
	int audit;
	struct shard shard;
	int search_tags;
};

/* Every --output gets its own file; stdout gets the report only when no
 * --output was given. */
static int write_outputs(const struct run_opts *o, const struct gate_verify_report *r, gate_err *err)
{
	struct pending *pd = calloc(o->outputs->n ? o->outputs->n : 1, sizeof(*pd));
	mode_t mask = umask(0);
	struct output out;
	size_t i;
	int rc = 0;

	umask(mask);
	if (!pd)
		return gate_err_nomem(err);
	for (i = 0; !rc && i < o->outputs->n; i++)
		rc = parse_output(&out, o->outputs->v[i], o->format, err) ||
		     write_pending(&pd[i], out.path, r, out.format, 0666 & ~mask, err);
	for (i = 0; !rc && i < o->outputs->n; i++)
		if (rename(pd[i].tmp, pd[i].path))
			rc = gate_err_set(err, GATE_EVERIFY, "cannot write '%s': %s", pd[i].path,
					  strerror(errno));
	for (i = 0; i < o->outputs->n; i++) {
		if (pd[i].tmp)
			unlink(pd[i].tmp);
		free(pd[i].tmp);
	}
	free(pd);
	return rc ? -1 : 0;
}

static int verify(struct cli_registry *reg, struct inputs *in, const struct run_opts *o)
{
	struct gate_verify_report report = GATE_VERIFY_REPORT_INIT;
	struct gate_verify_opts opts = {
		.registry = &reg->opts, .hash = hash_images, .hash_ctx = reg, .ruleset = o->ruleset,
		.shard_index = o->shard.index, .shard_count = o->shard.count,
		.search_tags = o->search_tags,
	};
	gate_err err = GATE_ERR_INIT;
	int status;

	if (gate_verify_run(&report, in->v, in->n, &opts, &err)) {
		gate_verify_report_free(&report);
		return cli_error("verify", &err);
	}
	/* Audit mode reports everything and fails only on bad input, so a
	 * rule set can be rolled out before it blocks anything. */
	status = o->audit ? 0 : gate_verify_exit_status(&report);
	/* A report that cannot be written is an error, but never hides a
	 * denial: 1 outranks it. */
	if (o->outputs->n) {
		if (write_outputs(o, &report, &err)) {
			cli_error("verify", &err);
			status = status == GATE_EFINDING ? status : GATE_EVERIFY;
		}
	} else if (print_report(stdout, &report, o->format, colour_wanted())) {
		cli_errorf("verify", GATE_EVERIFY, "the report could not be written");
		status = status == GATE_EFINDING ? status : GATE_EVERIFY;
	}
	gate_verify_report_free(&report);
	return o->outputs->n ? status : cli_finish_output("verify", status);
}

static bool stdin_input(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-"))
			return true;
	return false;
}

static int check_outputs(const struct gate_strv *outputs, int format, gate_err *err)
{
	struct output o;
	size_t i;

	for (i = 0; i < outputs->n; i++)
		if (parse_output(&o, outputs->v[i], format, err))
			return -1;
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct cli_registry reg;
	struct inputs in = { NULL, 0 };
	struct gate_strv outputs = { NULL, 0 };
	gate_ruleset *ruleset = NULL;
	gate_err err = GATE_ERR_INIT;
	const char *params = NULL, *rules = NULL;
	int format = FORMAT_TEXT, audit = 0, search_tags = 0, rc;
	struct shard shard = { 0, 0 };
	size_t i;

	cli_registry_init(&reg, "verify");
	{
		const struct cli_option table[] = {
			CLI_STRING('p', "parameters", &params, "FILE",
				   "ARM parameters file, for a single template INPUT"),
			CLI_CHOICE("format", &format, formats,
				   "report format: text (default), json, sarif or junit"),
			{ CLI_OPT_LIST, 'o', "output", &outputs, "[FORMAT=]FILE",
			  "write the report to FILE atomically (repeatable, e.g. sarif=gate.sarif);"
			  " stdout then gets nothing", 0, 0, NULL, NULL },
			CLI_STRING(0, "rules", &rules, "FILE",
				   "rule set: severity and scope per rule (see 'gate rules list')"),
			CLI_FLAG(0, "audit", &audit, "report everything, exit 0 unless the input is bad"),
			CLI_CALLBACK("shard", &shard, "I/N", parse_shard,
				     "verify only the groups of shard I of N (a hash of file and group)"),
			CLI_FLAG(0, "search-tags", &search_tags,
				 "on layers.drift, look for the policy's layers among the repository's other tags"),
			CLI_INCLUDE(reg.options),
			CLI_END,
		};
		const struct cli_command cmd = { "verify", usage, about, table };

		rc = cli_parse(&cmd, &argc, argv);
	}
	if (rc) {
		cli_registry_close(&reg);
		gate_strv_free(&outputs);
		return rc == CLI_HELP ? 0 : rc;
	}
	if (!argc)
		rc = cli_usage_error("verify", "no INPUT given");
	else if (params && argc != 1)
		rc = cli_usage_error("verify", "-p applies to a single template INPUT");
	else if (params && !strcmp(params, "-") && !strcmp(argv[0], "-"))
		rc = cli_usage_error("verify", "INPUT and -p cannot both be stdin");
	else if (reg.creds_stdin && (stdin_input(argc, argv) || (params && !strcmp(params, "-"))))
		rc = cli_usage_error("verify", "--creds-stdin and an INPUT on stdin ('-') exclude each other");
	else if (check_outputs(&outputs, format, &err) ||
		 (rules && gate_ruleset_load(&ruleset, rules, &err)) ||
		 read_inputs(&in, argc, argv, params, &err) || cli_registry_open(&reg, &err))
		rc = cli_error("verify", &err);
	else {
		struct run_opts o = { format, &outputs, ruleset, audit, shard, search_tags };

		rc = verify(&reg, &in, &o);
	}
	for (i = 0; i < in.n; i++)
		gate_model_free(&in.v[i]);
	free(in.v);
	gate_ruleset_free(ruleset);
	gate_strv_free(&outputs);
	cli_registry_close(&reg);
	return rc;
}
