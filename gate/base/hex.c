#include "base/hex.h"

#include <string.h>

void gate_hex(char *out, const unsigned char *digest, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 15];
	}
	out[2 * len] = '\0';
}

int gate_unhex(unsigned char *out, const char *hex, size_t len)
{
	for (size_t i = 0; i < 2 * len; i++) {
		int c = (unsigned char)hex[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		if (i & 1)
			out[i / 2] |= (unsigned char)v;
		else
			out[i / 2] = (unsigned char)(v << 4);
	}
	return 0;
}

const char *gate_digest_parse(const char *s, unsigned char *out)
{
	unsigned char scratch[GATE_DIGEST_SIZE];

	if (!s || strncmp(s, "sha256:", 7) || strlen(s) != GATE_DIGEST_STR_SIZE)
		return NULL;
	if (gate_unhex(out ? out : scratch, s + 7, GATE_DIGEST_SIZE))
		return NULL;
	return s + 7;
}
