#include "report/rules_report.h"

#include <string.h>

#include "verify/verify.h"

int gate_report_rules_list(FILE *f)
{
	int width = 0, i;

	for (i = 0; i < GATE_RULE_COUNT; i++)
		if ((int)strlen(gate_rules[i].id) > width)
			width = (int)strlen(gate_rules[i].id);
	for (i = 0; i < GATE_RULE_COUNT; i++)
		if (fprintf(f, "%-*s  %-4s  %s\n", width, gate_rules[i].id,
			    gate_severity_name(gate_rules[i].severity), gate_rules[i].summary) < 0)
			return -1;
	return ferror(f) ? -1 : 0;
}
