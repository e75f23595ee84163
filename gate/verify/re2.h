/*
 * re2.h - RE2 regular expressions behind a C API.
 *
 * The guest evaluates policy patterns with Rego's regex.match, which is Go's
 * regexp: RE2 syntax, and an unanchored search.  POSIX regex.h differs
 * (no \d, (?i), \pL, non-greedy operators), so gate uses Debian's libre2
 * through re2.cc, the only file that includes it.
 *
 * A gate_re2 is immutable once built and may be shared between threads.
 */
#ifndef GATE_VERIFY_RE2_H
#define GATE_VERIFY_RE2_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Inside the block: base/err.h is plain C without its own guards. */
#include "base/err.h"

typedef struct gate_re2 gate_re2;

/* Compiles pattern (UTF-8, RE2 syntax, no implied anchors).  On a syntax
 * error returns -1 with err "invalid re2 pattern 'P': <RE2's reason>" and
 * *out NULL; the caller owns *out and frees it with gate_re2_free(). */
int gate_re2_new(gate_re2 **out, const char *pattern, gate_err *err);

/* Whether the pattern matches somewhere in s, as Go's MatchString does. */
bool gate_re2_search(const gate_re2 *re, const char *s);

/* Whether the pattern matches all of s. */
bool gate_re2_full(const gate_re2 *re, const char *s);

void gate_re2_free(gate_re2 *re);   /* NULL is fine */

#ifdef __cplusplus
}
#endif

#endif
