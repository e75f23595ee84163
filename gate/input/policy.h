/*
 * policy.h - reads a CCE policy: strict base64, the decoded text's sha256
 * (the SNP hostdata), and every dialect of POLICY-FORMAT.md section 1.6
 * with a tolerant scanner.
 *
 * The scanner reads top-level bindings (NAME := VALUE) whose values are
 * literals: JSON plus Rego's backtick raw strings, trailing commas, '#'
 * comments and data.* references.  It never guesses: a statement it cannot
 * read becomes a note with its line and column and makes the policy
 * hand-written, and a containers or fragments list that does not parse, a
 * malformed layer hash, or unbalanced brackets are errors.
 */
#ifndef GATE_POLICY_H
#define GATE_POLICY_H

#include <stddef.h>

#include "base/err.h"
#include "input/model.h"

/* Parses decoded policy text (Rego or legacy JSON; empty is fine) into a new
 * *out.  Returns 0, or -1 with err set (GATE_EINPUT for bad input). */
int gate_policy_parse(struct gate_policy **out, const char *text, size_t len, gate_err *err);

/* Base64-decodes a ccePolicy string, then gate_policy_parse()s it.  The
 * decoded bytes must be text: UTF-8 without NUL or control characters
 * other than tab, CR and LF. */
int gate_policy_decode(struct gate_policy **out, const char *b64, size_t len, gate_err *err);


#endif
