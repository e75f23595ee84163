/*
 * cmd_rules.c - `gate rules`: the rule ids of gate verify, and rule sets.
 *
 *   gate rules list           every rule id, its default severity, what it finds
 *   gate rules check FILE     loads a rule set; errors name the file and line
 */
#include <string.h>

#include "commands.h"
#include "options.h"
#include "base/err.h"
#include "base/escape.h"
#include "report/rules_report.h"
#include "verify/ruleset.h"

static const char *const list_usage[] = { "", NULL };
static const char *const check_usage[] = { "FILE", NULL };

static void rules_usage(FILE *f)
{
	fputs("usage: gate rules list\n"
	      "   or: gate rules check FILE\n"
	      "\n"
	      "  list    every rule id of gate verify, its default severity and what it finds\n"
	      "  check   load a rule set (--rules FILE of gate verify); errors name the line\n", f);
}

static int list(int argc, char **argv)
{
	const struct cli_option table[] = { CLI_END };
	const struct cli_command cmd = { "rules list", list_usage, NULL, table };
	int rc = cli_parse(&cmd, &argc, argv);

	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	if (argc)
		return cli_usage_error("rules list", "no arguments expected");
	if (gate_report_rules_list(stdout))
		return cli_errorf("rules list", GATE_EVERIFY, "cannot write the list");
	return cli_finish_output("rules list", 0);
}

static int check(int argc, char **argv)
{
	const struct cli_option table[] = { CLI_END };
	const struct cli_command cmd = {
		"rules check", check_usage, "Exit status: 0 the rule set loads, 2 it does not.", table,
	};
	gate_ruleset *rs = NULL;
	gate_err err = GATE_ERR_INIT;
	int rc = cli_parse(&cmd, &argc, argv);

	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	if (argc != 1)
		return cli_usage_error("rules check", argc ? "one FILE only" : "no FILE given");
	if (gate_ruleset_load(&rs, argv[0], &err))
		return cli_error("rules check", &err);
	gate_ruleset_free(rs);
	/* The name may come from a pull request's files: no raw escapes. */
	gate_put_escaped(stdout, argv[0]);
	fputs(": ok\n", stdout);
	return cli_finish_output("rules check", 0);
}

int cmd_rules(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		if (!cli_checking_args())
			rules_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return list(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return check(argc - 1, argv + 1);
	if (argc < 2)
		return cli_usage_error("rules", "no command given: list or check");
	return cli_usage_error("rules", "'%s' is not a rules command: list or check", argv[1]);
}
