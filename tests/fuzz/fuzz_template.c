/*
 * fuzz_template.c - libFuzzer target for the template readers: any bytes,
 * auto-detected as an ARM template, a deployed group, ACI or Kubernetes
 * YAML, or a bare policy, must end in a model or an error, never a crash,
 * leak or hang.  A NUL byte splits the input into a template and a
 * parameters file, which exercises the ARM expression evaluator.  Every
 * group and container position lies in the template's text, and in a
 * text jansson read it is a '{'.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "input/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool line_break(const char *text, size_t len, size_t i)
{
	return text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'));
}

/* The offset of line:column (1-based, the column in code points) in
 * text, or len when there is no such place. */
static size_t offset_of(const char *text, size_t len, unsigned line, unsigned column)
{
	size_t i = 0;
	unsigned l, c = 0;

	for (l = 1; l < line && i < len; i++)
		if (line_break(text, len, i))
			l++;
	if (l < line)
		return len;
	for (; i < len && !line_break(text, len, i); i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80 && ++c == column)
			return i;
	return len;
}

/* Aborts unless line:column is unknown (0) or a place in text, a '{'
 * when the text was read as JSON. */
static void check_place(const char *text, size_t len, bool json, unsigned line, unsigned column)
{
	size_t off;

	if (!line && !column)
		return;
	off = offset_of(text, len, line, column);
	if (!line || !column || off >= len || (json && text[off] != '{'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	size_t text_len = nul ? (size_t)(nul - text) : size;
	struct gate_model m = GATE_MODEL_INIT;
	gate_err err = GATE_ERR_INIT;
	size_t i, j, skip;
	bool json;
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
	json = rc == 0 && (!strcmp(m.format, "arm") || !strcmp(m.format, "aci-json"));
	/* Positions count from after a byte order mark, as editors show them. */
	skip = gate_utf8_bom_size(text, text_len);
	text += skip;
	text_len -= skip;
	for (i = 0; rc == 0 && i < m.groups_count; i++) {
		const struct gate_group *g = &m.groups[i];

		check_place(text, text_len, json, g->line, g->column);
		for (j = 0; j < g->containers_count; j++)
			check_place(text, text_len, json, g->containers[j].line,
				    g->containers[j].column);
	}
	gate_model_free(&m);
	return 0;
}
