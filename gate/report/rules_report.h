/*
 * rules_report.h - the rule ids of gate verify, for `gate rules list`.
 */
#ifndef GATE_REPORT_RULES_REPORT_H
#define GATE_REPORT_RULES_REPORT_H

#include <stdio.h>

/* One line per rule of gate_rules[], in report order: the id, its default
 * severity and its summary, in columns.  Returns 0, or -1 if writing
 * failed. */
int gate_report_rules_list(FILE *f);

#endif
