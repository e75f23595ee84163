/*
 * verify_report.h - a gate verify report as text or JSON.
 *
 * Both printers read one gate_verify_report, so the formats cannot
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

#endif
