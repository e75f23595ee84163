#include "input/yaml_lines.h"
#include "base/escape.h"

#include <stdint.h>
#include <string.h>

/* The code point at byte off and its size in bytes (at least 1, so that a
 * walk always ends). */
static size_t decode(const struct gate_yaml_lines *l, size_t off, uint32_t *cp)
{
	const unsigned char *t = l->raw + off;
	size_t left = l->len - off, n, i;

	if (l->encoding != GATE_TEXT_UTF8) {
		bool le = l->encoding == GATE_TEXT_UTF16LE;
		uint32_t u, v;

		if (left < 2) {
			*cp = 0xfffd;
			return 1;
		}
		u = le ? (uint32_t)(t[0] | t[1] << 8) : (uint32_t)(t[0] << 8 | t[1]);
		*cp = u;
		if (u < 0xd800 || u > 0xdbff || left < 4)
			return 2;
		v = le ? (uint32_t)(t[2] | t[3] << 8) : (uint32_t)(t[2] << 8 | t[3]);
		if (v < 0xdc00 || v > 0xdfff)
			return 2;
		*cp = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
		return 4;
	}
	if (t[0] < 0x80) {
		*cp = t[0];
		return 1;
	}
	n = t[0] >= 0xc2 && t[0] <= 0xdf ? 2 : t[0] >= 0xe0 && t[0] <= 0xef ? 3 :
	    t[0] >= 0xf0 && t[0] <= 0xf4 ? 4 : 0;
	*cp = t[0] & (0x7f >> n);
	for (i = 1; i < n && i < left; i++) {
		/* The second byte's range rules out overlong forms, surrogates
		 * and code points past U+10FFFF. */
		unsigned lo = i > 1 ? 0x80 : t[0] == 0xe0 ? 0xa0 : t[0] == 0xf0 ? 0x90 : 0x80;
		unsigned hi = i > 1 ? 0xbf : t[0] == 0xed ? 0x9f : t[0] == 0xf4 ? 0x8f : 0xbf;

		if (t[i] < lo || t[i] > hi)
			break;
		*cp = *cp << 6 | (t[i] & 0x3f);
	}
	/* A sequence that is not UTF-8 (libyaml stops at it, and a walk to
	 * its error's offset reaches it) is one character for its lead byte
	 * and the continuation bytes that fit, as editors show it (Unicode's
	 * "maximal subpart"), and never a line break: C0 8D is not a CR. */
	if (i < n || !n) {
		*cp = 0xfffd;
		return n ? i : 1;
	}
	return n;
}

void gate_yaml_lines_init(struct gate_yaml_lines *l, const char *buf, size_t len)
{
	const unsigned char *t = (const unsigned char *)buf;
	size_t off;
	uint32_t cp;

	memset(l, 0, sizeof(*l));
	l->raw = t;
	l->len = len;
	l->at = (struct gate_text_pos){ 1, 1 };
	/* libyaml tells UTF-16 only by its byte order mark, and its index
	 * starts past the mark. */
	if (len >= 2 && t[0] == 0xff && t[1] == 0xfe)
		l->encoding = GATE_TEXT_UTF16LE;
	else if (len >= 2 && t[0] == 0xfe && t[1] == 0xff)
		l->encoding = GATE_TEXT_UTF16BE;
	l->start = l->encoding == GATE_TEXT_UTF8 ? gate_utf8_bom_size(buf, len) : 2;
	l->off = l->start;
	for (off = l->start; off < len; off += decode(l, off, &cp), l->count++)
		if (cp == 0x85 || cp == 0x2028 || cp == 0x2029)
			l->recount = true;
}

/* Moves the cursor to code point index or byte off, whichever comes first;
 * from the start again when that is behind it.  Readers ask in document
 * order, so a parse walks the text about once. */
static struct gate_text_pos seek(struct gate_yaml_lines *l, size_t index, size_t off)
{
	uint32_t cp;

	if (index < l->index || off < l->off) {
		l->index = 0;
		l->off = l->start;
		l->after_cr = false;
		l->at = (struct gate_text_pos){ 1, 1 };
	}
	while (l->index < index && l->off < off && l->off < l->len) {
		l->off += decode(l, l->off, &cp);
		l->index++;
		if (cp == '\r' || (cp == '\n' && !l->after_cr))
			l->at = (struct gate_text_pos){ l->at.line + 1, 1 };
		else if (cp != '\n')
			l->at.column++;
		l->after_cr = cp == '\r';
	}
	return l->at;
}

struct gate_text_pos gate_yaml_lines_pos(struct gate_yaml_lines *l, yaml_mark_t mark)
{
	/* At the end libyaml may have started a line the text has not. */
	if (!l->recount && mark.index < l->count)
		return (struct gate_text_pos){ (unsigned)mark.line + 1, (unsigned)mark.column + 1 };
	return seek(l, mark.index, SIZE_MAX);
}

struct gate_text_pos gate_yaml_lines_error(struct gate_yaml_lines *l, const yaml_parser_t *parser)
{
	/* A reader error has no mark, only the offset of the bad bytes in
	 * the input as given. */
	if (parser->error == YAML_READER_ERROR)
		return seek(l, SIZE_MAX, parser->problem_offset);
	return gate_yaml_lines_pos(l, parser->problem_mark);
}
