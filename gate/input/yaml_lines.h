/*
 * yaml_lines.h - libyaml's marks as the lines and columns people see.
 *
 * libyaml reads YAML 1.1, which also breaks lines at NEL (U+0085), LS
 * (U+2028) and PS (U+2029); editors, GitHub and grep break them only at
 * LF, CR LF and a lone CR.  Every YAML reader (templates, rule files)
 * turns its marks into positions here, so that an error's line is the one
 * the user's editor shows.
 */
#ifndef GATE_INPUT_YAML_LINES_H
#define GATE_INPUT_YAML_LINES_H

#include "input/json_pos.h"

#include <yaml.h>

#include <stdbool.h>
#include <stddef.h>

struct gate_yaml_lines {
	const unsigned char *text;
	size_t len;
	bool recount;               /* the text holds NEL, LS or PS */
	size_t index, off;          /* the cursor, in code points and bytes */
	struct gate_text_pos at;    /* where the cursor is */
};

/* buf must outlive l: it is the text libyaml was given. */
void gate_yaml_lines_init(struct gate_yaml_lines *l, const char *buf, size_t len);

/* Where mark is, 1-based, the column in code points. */
struct gate_text_pos gate_yaml_lines_pos(struct gate_yaml_lines *l, yaml_mark_t mark);

#endif
