/*
 * main.c - dispatches to one cmd_<verb>() per command.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "base/err.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "hash", cmd_hash, "compute the CCE layer root hashes of layer tars or images" },
	{ "verify", cmd_verify, "predict the guest's verdict on every container, from the registry now" },
	{ "rules", cmd_rules, "list the rule ids of gate verify, or check a rule set" },
	{ "policy", cmd_policy, "show the CCE policies of a template, and their hostdata" },
	{ "history", cmd_history, "what the scan history holds for an image reference" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: gate <command> [<args>]\n"
		   "       gate --version\n"
		   "       gate --check-args <command> [<args>]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nrun 'gate <command> --help' for a command's options\n");
}

int main(int argc, char **argv)
{
	size_t i;

	/* A closed pipe (a credential helper that exits early, `gate ... |
	 * head`) is an error to report, not a signal that kills gate. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return GATE_EINPUT;
	}
	if (!strcmp(argv[1], "--check-args")) {
		cli_set_check_args();
		if (argc < 3)
			return cli_usage_error(NULL, "--check-args needs a command line to check");
		argc--;
		argv++;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (cli_checking_args())
			return 0;
		usage(stdout);
		return cli_finish_output(NULL, 0);
	}
	if (!strcmp(argv[1], "--version"))
		return cli_checking_args() && argc == 2 ? 0 : cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cli_usage_error(NULL, "'%s' is not a gate command", argv[1]);
}
