#include "base/escape.h"

#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), with its code point in
 * *cp; 0 if s does not start one. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
	size_t len, i;
	unsigned min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, min = 0x80, *cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, min = 0x800, *cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, min = 0x10000, *cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3fu);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

static int is_terminal_control(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void gate_put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;
	size_t len;

	if (!s) {
		fputs("-", f);
		return;
	}
	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\x%02x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else if (!(len = utf8_seq(p, &cp))) {
			fprintf(f, "\\x%02x", *p++);
		} else if (is_terminal_control(cp)) {
			fprintf(f, "\\u{%04x}", cp);
			p += len;
		} else {
			fwrite(p, 1, len, f);
			p += len;
		}
	}
}

void gate_put_line(FILE *f, const char *label, const char *s)
{
	fputs(label, f);
	gate_put_escaped(f, s);
	fputc('\n', f);
}

char *gate_utf8_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	unsigned cp;
	size_t len;

	/* At worst every byte becomes four ("\xNN"). */
	if (!(o = out = malloc(4 * strlen(s) + 1)))
		return NULL;
	while (*p) {
		if (*p < 0x80) {
			*o++ = (char)*p++;
		} else if (!(len = utf8_seq(p, &cp))) {
			o += sprintf(o, "\\x%02x", *p++);
		} else {
			memcpy(o, p, len);
			o += len;
			p += len;
		}
	}
	*o = '\0';
	return out;
}

size_t gate_utf8_bom_size(const char *buf, size_t len)
{
	return buf && len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;
}
