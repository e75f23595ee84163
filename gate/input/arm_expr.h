/*
 * arm_expr.h - the ARM template expressions the gate evaluates.
 *
 * A string value "[...]" is an expression and "[[..." is a literal that
 * starts with '['; nothing else is (an expression embedded in a longer
 * string is plain text to ARM, so it is to the gate).  Supported: string
 * and integer literals, property access (.name, [index]) and the functions
 * listed in README.md, with ARM's semantics; function names are
 * case-insensitive as in ARM.  Anything else fails with "unsupported
 * expression", never passing the text through as a value.
 *
 * A parameter's value comes from the parameters file ("value", taken
 * literally), else the template parameter's "value" (a confcom extension),
 * else its "defaultValue"; the last two may themselves be expressions.  A
 * parameter with none of them, and resourceGroup(), deployment(),
 * subscription(), environment(), uniqueString(), guid() and utcNow(), are
 * known only while deploying: they evaluate to an unresolved value (see
 * model.h), and so does any call given one, named by the call's text.
 */
#ifndef GATE_ARM_EXPR_H
#define GATE_ARM_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct json_t;                      /* jansson */
typedef struct gate_arm gate_arm;

/* tmpl is the template's root object; params is the parameters file's root
 * (NULL if none).  Both are borrowed and must outlive *out.  input_size
 * (the bytes read) sets how much evaluated values may add up to, every
 * use counted: GATE_EXPAND_FACTOR times it, at least GATE_MIN_EXPAND_SIZE;
 * beyond that evaluation fails with "input expands too much". */
int gate_arm_new(gate_arm **out, struct json_t *tmpl, struct json_t *params, size_t input_size,
		 gate_err *err);

/* If v is an expression string, evaluates it into a new reference *out and
 * clears *raw: the result is final, whatever it contains.  Otherwise *out
 * is v itself (a new reference) and *raw is set: v is still template text,
 * whose members are evaluated as they are read.  Parameter and variable
 * values are evaluated through and through, as ARM does.  Returns 0, or
 * -1 with err set (GATE_EINPUT for unsupported or undefined). */
int gate_arm_eval(gate_arm *a, struct json_t **out, bool *raw, struct json_t *v, gate_err *err);

void gate_arm_free(gate_arm *a);    /* NULL is fine */

/* Decimal text as ARM's int() reads it: an optional sign, digits, and
 * nothing that does not fit 64 bits.  Returns 0, or -1. */
int gate_arm_parse_int(long long *out, const char *s);

#endif
