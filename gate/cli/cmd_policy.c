/*
 * cmd_policy.c - `gate policy`: what a deployment's CCE policies say.
 *
 *   gate policy show INPUT [-p PARAMS] [--input-format F] [--format text|json|rego]
 *   gate policy hostdata INPUT [-p PARAMS] [--input-format F]
 */
#include <string.h>

#include "commands.h"
#include "options.h"
#include "base/err.h"
#include "input/input.h"
#include "input/model.h"
#include "report/policy.h"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_REGO };
static const char *const formats[] = { "text", "json", "rego", NULL };

static const char about[] =
	"INPUT is an ARM template, a deployed group's JSON, ACI YAML, Kubernetes\n"
	"YAML, a .rego policy or a base64 ccePolicy; - reads it from stdin.";

static const char *const show_usage[] = { "INPUT [<options>]", NULL };
static const char *const hostdata_usage[] = { "INPUT [<options>]", NULL };

static int set_input_format(void *value, const char *arg, gate_err *err)
{
	return gate_input_format_parse(value, arg, err);
}

/* Hidden from hostdata's --help; says where --format belongs. */
static int format_show_only(void *value, const char *arg, gate_err *err)
{
	(void)value;
	(void)arg;
	return gate_err_set(err, GATE_EINPUT, "--format applies to 'gate policy show' only");
}

/* `gate policy` alone, or --help: both verbs. */
static void policy_usage(FILE *f)
{
	fputs("usage: gate policy show INPUT [<options>]\n"
	      "   or: gate policy hostdata INPUT [<options>]\n"
	      "\n"
	      "  show       what each group's policy and template containers say\n"
	      "  hostdata   the hostdata (sha256 of the policy) of each group, one a line\n"
	      "\n"
	      "run 'gate policy show --help' for the options\n", f);
}

static int run(const char *name, int show, int argc, char **argv)
{
	struct gate_model m = GATE_MODEL_INIT;
	gate_err err = GATE_ERR_INIT;
	enum gate_input_format input_format = GATE_INPUT_AUTO;
	const char *params = NULL;
	int format = FORMAT_TEXT, rc;
	const struct cli_option table[] = {
		CLI_STRING('p', "parameters", &params, "FILE", "ARM deployment parameters file"),
		CLI_CALLBACK("input-format", &input_format, "F", set_input_format,
			     "auto (default), arm, aci-json, aci-yaml, k8s, rego, base64"),
		CLI_CHOICE("format", &format, formats,
			   "text (default), json, or rego (the decoded policy text)"),
		CLI_END,
	};
	const struct cli_option hostdata_table[] = {
		table[0], table[1],
		CLI_CALLBACK("format", NULL, "F", format_show_only, NULL),
		CLI_END,
	};
	const struct cli_command cmd = {
		name, show ? show_usage : hostdata_usage, about, show ? table : hostdata_table,
	};

	rc = cli_parse(&cmd, &argc, argv);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	if (argc != 1)
		return cli_usage_args(&cmd, argc ? "one INPUT only" : "no INPUT given");
	if (params && !strcmp(params, "-") && !strcmp(argv[0], "-"))
		return cli_usage_error(name, "INPUT and -p cannot both be stdin");
	if (gate_input_read(&m, argv[0], params, input_format, &err))
		rc = -1;
	else if (!show)
		rc = gate_report_hostdata(stdout, &m, &err);
	else if (format == FORMAT_JSON)
		rc = gate_report_model_json(stdout, &m, &err);
	else if (format == FORMAT_REGO)
		rc = gate_report_policy_rego(stdout, &m, &err);
	else
		gate_report_model_text(stdout, &m);
	gate_model_free(&m);
	if (rc)
		return cli_error(name, &err);
	return cli_finish_output(name, 0);
}

int cmd_policy(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		if (!cli_checking_args())
			policy_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "show"))
		return run("policy show", 1, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "hostdata"))
		return run("policy hostdata", 0, argc - 1, argv + 1);
	if (argc < 2)
		return cli_usage_error("policy", "no command given: show or hostdata");
	return cli_usage_error("policy", "'%s' is not a policy command: show or hostdata", argv[1]);
}
