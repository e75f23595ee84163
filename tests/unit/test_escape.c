/*
 * test_escape.c - gate_put_escaped() shows what could drive a terminal
 * and leaves the rest of the text as it is.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/escape.h"
#include "check.h"

static const struct {
	const char *in, *want;
} cases[] = {
	{ "plain text, with \\backslashes\\ and 'quotes'", "plain text, with \\backslashes\\ and 'quotes'" },
	{ "a\x1b[31mb\x07\x7f\n", "a\\x1b[31mb\\x07\\x7f\\x0a" },
	/* C1 controls, U+0080 to U+009F, the first and the last and CSI */
	{ "\xc2\x80|\xc2\x9b|\xc2\x9f", "\\u{0080}|\\u{009b}|\\u{009f}" },
	/* U+00A0 and U+00E9 are text */
	{ "\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9" },
	/* the bidi embeddings, overrides and isolates, and their neighbours */
	{ "\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9",
	  "\\u{202a}\\u{202e}\\u{2066}\\u{2069}" },
	{ "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa", "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa" },
	/* four-byte UTF-8 is text */
	{ "\xf0\x9f\x94\x91", "\xf0\x9f\x94\x91" },
	/* not UTF-8: a lone C1 byte (CSI in Latin-1), an overlong form of
	 * U+009B, a surrogate, a truncated sequence, a byte past U+10FFFF */
	{ "\x9b", "\\x9b" },
	{ "\xc0\x9b", "\\xc0\\x9b" },
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "\xe2\x80", "\\xe2\\x80" },
	{ "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80" },
	{ NULL, "-" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&got, &len);

		if (!f)
			return 2;
		gate_put_escaped(f, cases[i].in);
		fclose(f);
		CHECK_MSG(!strcmp(got, cases[i].want), "case %zu: '%s', expected '%s'", i, got,
			  cases[i].want);
		free(got);
	}
	return check_done();
}
