/*
 * policy.h - printers for `gate policy`: what a deployment's CCE policies
 * and its template containers say.  Text output escapes untrusted
 * strings (base/escape.h); JSON output is ASCII with \u escapes.
 */
#ifndef GATE_REPORT_POLICY_H
#define GATE_REPORT_POLICY_H

#include <stdio.h>

#include "base/err.h"
#include "input/model.h"

/* Every group, its policy and its template containers, for a reader. */
void gate_report_model_text(FILE *f, const struct gate_model *m);

/* The same as one JSON document; a policy container also carries the
 * object as the policy spells it, unknown keys included. */
int gate_report_model_json(FILE *f, const struct gate_model *m, gate_err *err);

/* Each group's decoded policy text, byte for byte when there is one
 * group (so that its sha256 is the hostdata).  Fails, before printing
 * anything, when a group has no ccePolicy. */
int gate_report_policy_rego(FILE *f, const struct gate_model *m, gate_err *err);

/* One hostdata (hex sha256 of the policy text) per group.  Fails, before
 * printing anything, when a group has no ccePolicy or an empty one. */
int gate_report_hostdata(FILE *f, const struct gate_model *m, gate_err *err);

#endif
