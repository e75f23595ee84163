/*
 * cmd_version.c - `gate --version`: gate's version, the hash engine's
 * (a cached root hash is only reused under the same one), and the
 * libraries gate runs with, for bug reports.
 */
#include <stdio.h>

#include "commands.h"
#include "options.h"
#include "engine/layer.h"
#include "engine/versions.h"
#include "input/versions.h"
#include "registry/versions.h"

static void print_library(void *ctx, const char *library, const char *version)
{
	fprintf(ctx, "  %-8s %s\n", library, version);
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return cli_usage_error(NULL, "--version takes no arguments, not '%s'", argv[1]);
	printf("gate %s\nhash engine %d\nlibraries:\n", GATE_VERSION, GATE_ENGINE_VERSION);
	gate_engine_versions(print_library, stdout);
	gate_registry_versions(print_library, stdout);
	gate_input_versions(print_library, stdout);
	return cli_finish_output(NULL, 0);
}
