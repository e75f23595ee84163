/*
 * json_pos.h - where each object of a parsed document starts in the text
 * it was read from, so that reports can point at a line.
 *
 * Objects are known by address: the readers hand the template's own
 * json_t values to the model builder, so the object a container was read
 * from is the one whose position was recorded.  An object an expression
 * built is in no text and has no position.
 *
 * jansson keeps no positions.  For JSON, gate_json_pos_scan() reads the
 * same bytes again and finds each '{' outside strings: in the text they
 * come in the order a pre-order walk of the parsed tree meets objects
 * (jansson keeps members in insertion order since 2.8), so the n-th '{'
 * is the n-th object met, and has as many members.  The YAML reader records its mappings itself,
 * as libyaml marks them.
 */
#ifndef GATE_JSON_POS_H
#define GATE_JSON_POS_H

#include <stddef.h>

#include "base/err.h"

struct json_t;                      /* jansson */
typedef struct gate_json_pos gate_json_pos;

/* 1-based; the column counts Unicode code points, as libyaml does.
 * { 0, 0 }: unknown. */
struct gate_text_pos {
	unsigned line, column;
};

int gate_json_pos_new(gate_json_pos **out, gate_err *err);
void gate_json_pos_free(gate_json_pos *p);      /* NULL is fine */

/* Records that object v starts at `at` (a later call for v wins). */
int gate_json_pos_set(gate_json_pos *p, const struct json_t *v, struct gate_text_pos at,
		      gate_err *err);

/* Records the position of every object of root, which jansson parsed
 * from exactly buf[0..len) with JSON_REJECT_DUPLICATES: without it a
 * repeated key leaves the object one member short of its text (then
 * nothing is recorded).  Reads no byte past len.  Should the text and
 * the tree not match object for object, each with as many members,
 * records nothing: positions stay unknown rather than wrong.  Returns 0, or -1 with err set (out of
 * memory). */
int gate_json_pos_scan(gate_json_pos *p, struct json_t *root, const char *buf, size_t len,
		       gate_err *err);

/* Where v starts; unknown when p or v is NULL or v was not recorded. */
struct gate_text_pos gate_json_pos_get(const gate_json_pos *p, const struct json_t *v);

#endif
