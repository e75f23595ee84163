/*
 * fuzz_template.c - libFuzzer target for the template readers: any bytes,
 * auto-detected as an ARM template, a deployed group, ACI or Kubernetes
 * YAML, or a bare policy, must end in a model or an error, never a crash,
 * leak or hang.  A NUL byte splits the input into a template and a
 * parameters file, which exercises the ARM expression evaluator.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	struct gate_model m = GATE_MODEL_INIT;
	gate_err err = GATE_ERR_INIT;
	size_t i;
	int rc;

	if (nul)
		rc = gate_input_read_buf(&m, "fuzz", text, (size_t)(nul - text), "params", nul + 1,
					 size - (size_t)(nul - text) - 1, GATE_INPUT_ARM, &err);
	else
		rc = gate_input_read_buf(&m, "fuzz", text, size, NULL, NULL, 0, GATE_INPUT_AUTO,
					 &err);
	/* A model that is read has groups, and each group its containers or
	 * its policy; an error has a message. */
	if (rc == 0 && !m.groups_count)
		abort();
	for (i = 0; rc == 0 && i < m.groups_count; i++)
		if (!m.groups[i].containers_count && !m.groups[i].has_policy)
			abort();
	if (rc != 0 && (!err.code || !err.msg[0]))
		abort();
	gate_model_free(&m);
	return 0;
}
