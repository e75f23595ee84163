#include "base/escape.h"

void gate_put_escaped(FILE *f, const char *s)
{
	if (!s) {
		fputs("-", f);
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}
