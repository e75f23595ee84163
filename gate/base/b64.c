#include "base/b64.h"

#include <stdint.h>
#include <stdlib.h>

static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int bad_char(gate_err *err, const char *in, size_t off)
{
	unsigned char c = (unsigned char)in[off];

	if (c >= 0x21 && c < 0x7f)
		return gate_err_set(err, GATE_EINPUT,
				    "invalid base64 character '%c' at offset %zu", c, off);
	return gate_err_set(err, GATE_EINPUT,
			    "invalid base64 byte 0x%02x at offset %zu", c, off);
}

int gate_b64_decode(unsigned char **out, size_t *out_size, const char *in, size_t len,
		    gate_err *err)
{
	unsigned char *buf;
	size_t i, pad = 0, n = 0;

	*out = NULL;
	*out_size = 0;
	if (len % 4)
		return gate_err_set(err, GATE_EINPUT,
				    "base64 length %zu is not a multiple of 4", len);
	if (len >= 1 && in[len - 1] == '=')
		pad++;
	if (len >= 2 && in[len - 2] == '=')
		pad++;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return gate_err_nomem(err);
	for (i = 0; i < len; i += 4) {
		int s[4], k, last = i + 4 == len;
		unsigned long v;

		for (k = 0; k < 4; k++) {
			s[k] = sextet((unsigned char)in[i + k]);
			if (s[k] < 0 && !(last && in[i + k] == '=' && k >= 4 - (int)pad)) {
				free(buf);
				return bad_char(err, in, i + k);
			}
		}
		v = (unsigned long)s[0] << 18 | (unsigned long)s[1] << 12;
		if (last && pad == 2) {
			if (v & 0xffff)
				goto bits;
			buf[n++] = v >> 16;
			break;
		}
		v |= (unsigned long)s[2] << 6;
		if (last && pad == 1) {
			if (v & 0xff)
				goto bits;
			buf[n++] = v >> 16;
			buf[n++] = v >> 8 & 0xff;
			break;
		}
		v |= (unsigned long)s[3];
		buf[n++] = v >> 16;
		buf[n++] = v >> 8 & 0xff;
		buf[n++] = v & 0xff;
	}
	buf[n] = '\0';
	*out = buf;
	*out_size = n;
	return 0;
bits:
	free(buf);
	/* A second spelling of the same bytes would give a second ccePolicy
	 * string for one hostdata; confcom never writes one. */
	return gate_err_set(err, GATE_EINPUT,
			    "base64 has non-zero unused bits at offset %zu", len - pad - 1);
}

char *gate_b64_encode(const unsigned char *in, size_t len, size_t *out_size, gate_err *err)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3 || !(out = malloc((len + 2) / 3 * 4 + 1))) {
		gate_err_nomem(err);
		return NULL;
	}
	for (i = 0; i < len; i += 3) {
		unsigned long w = (unsigned long)in[i] << 16;

		if (i + 1 < len)
			w |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		out[n++] = alphabet[w >> 18 & 63];
		out[n++] = alphabet[w >> 12 & 63];
		out[n++] = i + 1 < len ? alphabet[w >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? alphabet[w & 63] : '=';
	}
	out[n] = '\0';
	*out_size = n;
	return out;
}
