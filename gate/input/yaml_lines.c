#include "input/yaml_lines.h"
#include "base/escape.h"

#include <string.h>

/* Without NEL, LS or PS libyaml's lines are the editors' and are taken as
 * they are.  Otherwise each mark is counted again from its index, which is
 * in code points (libyaml 0.2.5) past a byte order mark.  Marks mostly come
 * in document order, so the cursor moves forward, from the start again
 * when asked for an earlier one. */
void gate_yaml_lines_init(struct gate_yaml_lines *l, const char *buf, size_t len)
{
	const unsigned char *t = (const unsigned char *)buf;
	size_t i, bom;

	memset(l, 0, sizeof(*l));
	l->at = (struct gate_text_pos){ 1, 1 };
	/* libyaml converts UTF-16 (told by its byte order mark) first. */
	if (len >= 2 && ((t[0] == 0xfe && t[1] == 0xff) || (t[0] == 0xff && t[1] == 0xfe)))
		return;
	bom = gate_utf8_bom_size(buf, len);
	t += bom;
	len -= bom;
	l->text = t;
	l->len = len;
	for (i = 0; i + 1 < len && !l->recount; i++)
		l->recount = (t[i] == 0xc2 && t[i + 1] == 0x85) ||
			     (i + 2 < len && t[i] == 0xe2 && t[i + 1] == 0x80 &&
			      (t[i + 2] == 0xa8 || t[i + 2] == 0xa9));
}

struct gate_text_pos gate_yaml_lines_pos(struct gate_yaml_lines *l, yaml_mark_t mark)
{
	if (!l->recount)
		return (struct gate_text_pos){ (unsigned)mark.line + 1, (unsigned)mark.column + 1 };
	if (mark.index < l->index) {
		l->index = l->off = 0;
		l->at = (struct gate_text_pos){ 1, 1 };
	}
	for (; l->index < mark.index && l->off < l->len; l->index++) {
		unsigned char c = l->text[l->off];

		if (c == '\r' || (c == '\n' && !(l->off && l->text[l->off - 1] == '\r')))
			l->at = (struct gate_text_pos){ l->at.line + 1, 1 };
		else if (c != '\n')
			l->at.column++;
		/* libyaml has checked the UTF-8 before it marks past it. */
		l->off += c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	}
	return l->at;
}
