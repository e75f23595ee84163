/*
 * fuzz_arm_expr.c - libFuzzer target for the ARM expression evaluator:
 * the input is one template string, evaluated against a template whose
 * parameters and variables have every kind of value (and one known only
 * while deploying).  It must end in a value or an error, within the bound
 * on what evaluation may expand to.  A string that is not an expression
 * must come back unchanged, and "[[..." as the literal without its first
 * '['; int() must read back what it prints.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "input/arm_expr.h"

static const char template_text[] =
	"{\"parameters\": {"
	"  \"s\": {\"type\": \"string\", \"defaultValue\": \"abc\"},"
	"  \"n\": {\"type\": \"int\", \"defaultValue\": 3},"
	"  \"b\": {\"type\": \"bool\", \"defaultValue\": true},"
	"  \"a\": {\"type\": \"array\", \"defaultValue\": [1, \"x\", {\"k\": \"v\"}]},"
	"  \"o\": {\"type\": \"object\", \"defaultValue\": {\"k\": \"v\", \"l\": [1, 2]}},"
	"  \"e\": {\"type\": \"string\", \"defaultValue\": \"[concat(parameters('s'), '-e')]\"},"
	"  \"u\": {\"type\": \"string\"}},"
	" \"variables\": {"
	"  \"v\": \"[concat(parameters('s'), '-v')]\","
	"  \"w\": \"[variables('v')]\","
	"  \"l\": [\"[parameters('n')]\", 2, \"x\"],"
	"  \"d\": {\"x\": \"[parameters('u')]\"}}}";

static json_t *tmpl;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!(tmpl = json_loads(template_text, 0, NULL)))
		abort();
	return 0;
}

static void check_int(const char *s)
{
	long long i, again;
	char buf[32];

	if (gate_arm_parse_int(&i, s))
		return;
	snprintf(buf, sizeof(buf), "%lld", i);
	if (gate_arm_parse_int(&again, buf) || again != i)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = json_stringn((const char *)data, size), *out = NULL;
	const char *s = (const char *)data;
	gate_err err = GATE_ERR_INIT;
	gate_arm *a = NULL;
	bool raw;

	/* Templates are JSON: their strings are UTF-8 without NUL. */
	if (!v || memchr(data, '\0', size))
		goto out;
	check_int(json_string_value(v));
	if (gate_arm_new(&a, tmpl, NULL, sizeof(template_text) + size, &err))
		abort();
	if (gate_arm_eval(a, &out, &raw, v, &err) == 0) {
		if (!out || raw)
			abort();
		if ((size < 2 || s[0] != '[' || s[size - 1] != ']') && !json_equal(out, v))
			abort();
		if (size >= 2 && s[0] == '[' && s[1] == '[' && s[size - 1] == ']' &&
		    (!json_is_string(out) || json_string_length(out) != size - 1 ||
		     memcmp(json_string_value(out), s + 1, size - 1)))
			abort();
	} else if (out) {
		abort();
	} else {
		fuzz_check_error(&err, 0);
	}
out:
	json_decref(out);
	gate_arm_free(a);
	json_decref(v);
	return 0;
}
