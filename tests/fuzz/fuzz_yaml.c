/*
 * fuzz_yaml.c - libFuzzer target for the YAML template reader (ACI YAML
 * and Kubernetes manifests), with its anchors and aliases: any bytes must
 * end in container groups or an error, within the bound on what aliases
 * may expand to, never a crash, leak, hang or blowup; an error placed at a
 * line and column names a line of the text.  fuzz_template
 * reaches this reader only through format detection and a JSON-minded
 * dictionary; this one starts from YAML and its own dictionary.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "input/template_yaml.h"

static void check(const struct gate_model *m, enum gate_yaml_kind kind)
{
	size_t i, j;

	if (kind == GATE_YAML_AUTO || !m->groups_count)
		abort();
	for (i = 0; i < m->groups_count; i++) {
		const struct gate_group *g = &m->groups[i];

		if (!g->where || (!g->has_policy && g->policy))
			abort();
		for (j = 0; j < g->containers_count; j++)
			if (g->containers[j].command.n && !g->containers[j].has_command)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gate_model m = GATE_MODEL_INIT;
	enum gate_yaml_kind kind = GATE_YAML_AUTO;
	gate_err err = GATE_ERR_INIT;

	unsigned long line, column;

	if (gate_template_yaml_read(&m, (const char *)data, size, &kind, &err) == 0) {
		check(&m, kind);
	} else {
		fuzz_check_error(&err, 0);
		if (sscanf(err.msg, "line %lu, column %lu:", &line, &column) == 2 &&
		    (!line || line > fuzz_max_lines(data, size) || !column || column > size + 1))
			abort();
	}
	gate_model_free(&m);
	return 0;
}
