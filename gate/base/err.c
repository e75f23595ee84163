#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int gate_err_set(gate_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	/* Truncation is acceptable here: the message is for humans and the
	 * buffer always ends in NUL. */
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int gate_err_prefix(gate_err *err, const char *fmt, ...)
{
	char prefix[GATE_ERR_MSG_SIZE];
	size_t plen, mlen;
	va_list ap;
	int n;

	if (!err || !err->code)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	plen = strlen(prefix);
	/* Keep the head of the old message; the tail gives way if the whole
	 * would not fit. */
	mlen = strlen(err->msg);
	if (plen + 2 + mlen >= sizeof(err->msg))
		mlen = sizeof(err->msg) - plen - 3;
	memmove(err->msg + plen + 2, err->msg, mlen);
	err->msg[plen + 2 + mlen] = '\0';
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	return -1;
}

int gate_err_nomem(gate_err *err)
{
	return gate_err_set(err, GATE_EVERIFY, "out of memory");
}

void gate_err_clear(gate_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
