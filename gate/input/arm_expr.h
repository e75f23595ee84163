/*
 * arm_expr.h - the ARM template expressions the gate evaluates.
 *
 * A string value "[...]" is an expression and "[[..." is a literal that
 * starts with '['; nothing else is (an expression embedded in a longer
 * string is plain text to ARM, so it is to the gate).  Supported: string
 * and integer literals, parameters(), variables(), concat(), format(),
 * toLower(), toUpper() and any nesting of them; function names are
 * case-insensitive as in ARM.  Everything else fails with
 * "unsupported expression", never passing the text through as a value.
 *
 * A parameter's value comes from the parameters file ("value", taken
 * literally), else the template parameter's "value" (a confcom extension),
 * else its "defaultValue"; the last two may themselves be expressions.
 */
#ifndef GATE_ARM_EXPR_H
#define GATE_ARM_EXPR_H

#include <stdbool.h>

#include "base/err.h"

struct json_t;                      /* jansson */
typedef struct gate_arm gate_arm;

/* tmpl is the template's root object; params is the parameters file's root
 * (NULL if none).  Both are borrowed and must outlive *out. */
int gate_arm_new(gate_arm **out, struct json_t *tmpl, struct json_t *params, gate_err *err);

/* If v is an expression string, evaluates it into a new reference *out and
 * clears *raw: the result is final, whatever it contains.  Otherwise *out
 * is v itself (a new reference) and *raw is set: v is still template text,
 * whose members are evaluated as they are read.  Parameter and variable
 * values are evaluated through and through, as ARM does.  Returns 0, or
 * -1 with err set (GATE_EINPUT for unsupported or undefined). */
int gate_arm_eval(gate_arm *a, struct json_t **out, bool *raw, struct json_t *v, gate_err *err);

void gate_arm_free(gate_arm *a);    /* NULL is fine */

#endif
