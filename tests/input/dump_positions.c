/*
 * dump_positions.c - prints where the model says each group and container
 * of an input starts, one line each, for check_positions.py:
 *
 *   group LINE COLUMN LABEL
 *   container LINE COLUMN NAME
 *
 * Usage: dump_positions FILE [PARAMS]   (FILE "-" is stdin)
 */
#include <stdio.h>

#include "input/input.h"

int main(int argc, char **argv)
{
	struct gate_model m = GATE_MODEL_INIT;
	gate_err err = GATE_ERR_INIT;
	size_t i, j;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dump_positions FILE [PARAMS]\n");
		return 2;
	}
	if (gate_input_read(&m, argv[1], argc == 3 ? argv[2] : NULL, GATE_INPUT_AUTO, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		gate_model_free(&m);
		return 1;
	}
	for (i = 0; i < m.groups_count; i++) {
		const struct gate_group *g = &m.groups[i];

		printf("group %u %u %s\n", g->line, g->column, g->name ? g->name : g->where);
		for (j = 0; j < g->containers_count; j++)
			printf("container %u %u %s\n", g->containers[j].line, g->containers[j].column,
			       g->containers[j].name ? g->containers[j].name : "");
	}
	gate_model_free(&m);
	return 0;
}
