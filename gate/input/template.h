/*
 * template.h - container groups from template values.
 *
 * An ARM containerGroups resource, the JSON `az container show` prints and
 * an ACI YAML file share one shape: group fields and container fields sit
 * under "properties", or directly on the object in the az CLI's flattened
 * output.  gate_template_group() reads that shape; the getters are shared
 * with the Kubernetes reader.  Every value read goes through the ARM
 * evaluator when one is given, so only the fields the gate reads need
 * expressions it supports.  Kubernetes pod specs share the container shape
 * (env, args and valueFrom aside), so the YAML reader uses the same code.
 *
 * Property names are matched without case, as ARM matches them, and
 * unknown properties are ignored; "true"/"false" strings are booleans and
 * decimal strings numbers where ARM takes them so.
 *
 * Errors name the field; callers prefix the group.
 */
#ifndef GATE_TEMPLATE_H
#define GATE_TEMPLATE_H

#include "input/arm_expr.h"
#include "base/err.h"
#include "input/json_pos.h"
#include "input/model.h"

struct json_t;

/* Fills the zeroed *g from an ACI container group object.  arm may be NULL
 * (YAML and deployed JSON have no expressions).  pos (may be NULL) says
 * where the group's and the containers' objects are in the text. */
int gate_template_group(struct gate_group *g, struct json_t *group, gate_arm *arm,
			const gate_json_pos *pos, gate_err *err);

/* Appends a group read from obj to m; errors name it by name and where. */
int gate_template_add_group(struct gate_model *m, struct json_t *obj, gate_arm *arm,
			    const gate_json_pos *pos, const char *where, gate_err *err);

/* Decodes a ccePolicy value into g->policy and sets g->has_policy. */
int gate_template_policy(struct gate_group *g, const char *b64, size_t len, gate_err *err);

/* Appends the containers and initContainers of a group's or pod's spec
 * (volumes joined to volumeMounts by name); none at all is an error. */
int gate_template_containers(struct gate_group *g, gate_arm *arm, const gate_json_pos *pos,
			     struct json_t *spec, gate_err *err);

/* obj[key], evaluated, as a new reference in *out; NULL when absent or
 * null.  sub (may be NULL) receives the evaluator for reading the value's
 * members: arm if they are still template text, NULL if the value was an
 * expression's final result. */
int gate_template_get(struct json_t **out, gate_arm **sub, gate_arm *arm, struct json_t *obj,
		      const char *key, gate_err *err);

/* Whether obj has key, in any case. */
bool gate_template_has(struct json_t *obj, const char *key);

/* obj[key] as an owned string (integers as their text); NULL when absent. */
int gate_template_string(char **out, gate_arm *arm, struct json_t *obj, const char *key,
			 gate_err *err);

#endif
