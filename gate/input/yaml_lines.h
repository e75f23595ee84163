/*
 * yaml_lines.h - libyaml's marks as the lines and columns people see.
 *
 * libyaml reads YAML 1.1, which also breaks lines at NEL (U+0085), LS
 * (U+2028) and PS (U+2029); editors, GitHub and grep break them only at
 * LF, CR LF and a lone CR.  At the end of a text with no final line break
 * libyaml's mark is on a line after it.  And for an error in the encoding
 * itself (bad UTF-8, a control character) it gives a byte offset, not a
 * mark.
 * Every YAML reader (templates, rule files) turns its marks and errors
 * into positions here, so that a line is the one the user's editor shows.
 */
#ifndef GATE_INPUT_YAML_LINES_H
#define GATE_INPUT_YAML_LINES_H

#include "input/json_pos.h"

#include <yaml.h>

#include <stdbool.h>
#include <stddef.h>

enum gate_text_encoding { GATE_TEXT_UTF8, GATE_TEXT_UTF16LE, GATE_TEXT_UTF16BE };

struct gate_yaml_lines {
	const unsigned char *raw;   /* the bytes libyaml was given */
	size_t len;
	size_t start;               /* past the byte order mark */
	enum gate_text_encoding encoding;   /* told by the mark, as libyaml tells it */
	bool recount;               /* the text holds NEL, LS or PS */
	size_t count;               /* code points past the byte order mark */
	/* The cursor: code points past the byte order mark (libyaml's
	 * index), the byte it is at, and the line and column there. */
	size_t index, off;
	bool after_cr;
	struct gate_text_pos at;
};

/* buf must outlive l: it is the text libyaml was given. */
void gate_yaml_lines_init(struct gate_yaml_lines *l, const char *buf, size_t len);

/* Where mark is, 1-based, the column in code points. */
struct gate_text_pos gate_yaml_lines_pos(struct gate_yaml_lines *l, yaml_mark_t mark);

/* Where the error parser stopped on is. */
struct gate_text_pos gate_yaml_lines_error(struct gate_yaml_lines *l, const yaml_parser_t *parser);

#endif
