/*
 * escape.h - printing text that came from untrusted input.
 */
#ifndef GATE_BASE_ESCAPE_H
#define GATE_BASE_ESCAPE_H

#include <stdio.h>

/* Writes s with control bytes shown as \xNN, so that nothing a template,
 * policy or registry chose reaches a terminal raw; NULL prints "-". */
void gate_put_escaped(FILE *f, const char *s);

#endif
