/*
 * err.h - the one error type of gate.
 *
 * A gate_err is owned by the caller (usually on its stack) and filled by the
 * callee; reporting an error never allocates.  The first, deepest message
 * wins: gate_err_set() on an already-set error is ignored, and outer layers
 * call gate_err_prefix() to say where it happened, so the final text reads
 * like git's:
 *
 *   layer sha256:ab12...: tar entry 'etc/passwd': truncated after 312 of 1024 bytes
 */
#ifndef GATE_ERR_H
#define GATE_ERR_H

#include <stddef.h>

/* Codes double as CLI exit statuses (see README "Exit codes"). */
enum gate_err_code {
	GATE_OK = 0,
	GATE_EFINDING = 1,   /* checked, and something is wrong */
	GATE_EINPUT = 2,     /* bad input: usage, malformed file, corrupt layer */
	GATE_EVERIFY = 3,    /* could not reach a verdict: network, auth, I/O */
};

#define GATE_ERR_MSG_SIZE 1024

typedef struct gate_err {
	int code;                       /* enum gate_err_code; 0 while unset */
	char msg[GATE_ERR_MSG_SIZE];    /* lowercase, no trailing period */
} gate_err;

#define GATE_ERR_INIT { 0, { 0 } }

/* Records code and message unless err already holds one.  Returns -1 so
 * callers can write `return gate_err_set(...)`.  err may be NULL. */
int gate_err_set(gate_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "PREFIX: " to an already-set message (truncating the tail if it
 * would not fit).  Returns -1. */
int gate_err_prefix(gate_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like gate_err_set() with ENOMEM's message. */
int gate_err_nomem(gate_err *err);

void gate_err_clear(gate_err *err);

#endif
