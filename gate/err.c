#include "err.h"

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
	char prefix[GATE_ERR_MSG_SIZE], joined[GATE_ERR_MSG_SIZE];
	va_list ap;

	if (!err || !err->code)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof(joined), "%s: %s", prefix, err->msg);
	memcpy(err->msg, joined, sizeof(err->msg));
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
