/*
 * verify_report.h - a gate verify report as text, JSON, SARIF or JUnit.
 *
 * Every printer reads one gate_verify_report, so the formats cannot
 * disagree.  Untrusted strings (names, images, messages quoting them) are
 * escaped in text; JSON escapes them itself.
 */
#ifndef GATE_REPORT_VERIFY_REPORT_H
#define GATE_REPORT_VERIFY_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "verify/verify.h"

/* One line per container (group/container, image, digest now, verdict),
 * each finding indented below it, then the result.  colour: ANSI colours
 * for verdicts and severities (the caller decides: a terminal, no NO_COLOR). */
void gate_report_verify_text(FILE *f, const struct gate_verify_report *r, bool colour);

/* The JSON document of docs/verify-report.schema.json, one line.
 * Returns 0, or -1 if it could not be built or written. */
int gate_report_verify_json(FILE *f, const struct gate_verify_report *r, const char *version);

/* SARIF 2.1.0 for GitHub code scanning (README "Reports"): one run whose
 * tool.driver lists every rule of gate_rules[] as a reportingDescriptor
 * (defaultConfiguration.level error for deny, warning for warn, none and
 * disabled for off), and one result per finding, located in the finding's
 * template file at the container's line (line 1 when unknown).  Returns 0,
 * or -1 if it could not be built or written. */
int gate_report_verify_sarif(FILE *f, const struct gate_verify_report *r, const char *version);

/* JUnit XML for Azure Pipelines and GitLab (README "Reports"): one
 * testsuite per input file, one testcase per container (classname
 * "FILE/GROUP", name the container), failing on a deny verdict with its
 * findings, skipped when unverified, covered or not confidential.  Returns
 * 0, or -1 if writing failed. */
int gate_report_verify_junit(FILE *f, const struct gate_verify_report *r, const char *version);

#endif
