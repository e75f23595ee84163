/*
 * fuzz_ruleset.c - libFuzzer target for rule files: any bytes must end in
 * a rule set or a "FILE:LINE: ..." error, whose LINE is one an editor
 * could show (libyaml alone would count NEL, LS and PS as breaks too), or
 * the size limit's error.  A rule set that is read must give every rule a
 * severity gate knows, for findings about anything or nothing, and pin
 * hostdata only to 64 lowercase hex digits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "base/limits.h"
#include "verify/ruleset.h"

static void check_setting(struct gate_rule_setting s)
{
	size_t i;

	if (s.severity != GATE_SEVERITY_OFF && s.severity != GATE_SEVERITY_WARN &&
	    s.severity != GATE_SEVERITY_DENY)
		abort();
	if (!s.params)
		return;
	for (i = 0; i < s.params->expect_count; i++)
		if (!s.params->expect[i].group || strlen(s.params->expect[i].hostdata) != 64 ||
		    strspn(s.params->expect[i].hostdata, "0123456789abcdef") != 64)
			abort();
}

/* The error names the file and a line of it. */
static bool error_ok(const gate_err *err, const uint8_t *data, size_t size)
{
	static const char too_large[] = "'fuzz.yaml' is larger than the limit";
	unsigned long line;
	char *end;

	if (!strncmp(err->msg, too_large, sizeof(too_large) - 1))
		return size > GATE_MAX_RULES_SIZE;
	if (strncmp(err->msg, "fuzz.yaml:", 10))
		return false;
	line = strtoul(err->msg + 10, &end, 10);
	return end != err->msg + 10 && *end == ':' && line >= 1 && line <= fuzz_max_lines(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gate_err err = GATE_ERR_INIT;
	gate_ruleset *rs = NULL;
	size_t r;

	if (gate_ruleset_parse(&rs, "fuzz.yaml", (const char *)data, size, &err) == 0) {
		for (r = 0; r < GATE_RULE_COUNT; r++) {
			check_setting(gate_ruleset_lookup(rs, r, NULL, NULL, NULL));
			check_setting(gate_ruleset_lookup(rs, r, "prod-web", "app",
							  "myacr.azurecr.io/team-a/app:v1"));
			check_setting(gate_ruleset_lookup(rs, r, "dev", "sidecar",
							  "mcr.microsoft.com/aci/aci-skr:2.7"));
		}
	} else if (rs || err.code != GATE_EINPUT || !error_ok(&err, data, size)) {
		abort();
	}
	gate_ruleset_free(rs);
	return 0;
}
