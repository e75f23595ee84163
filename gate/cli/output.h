/*
 * output.h - printing text that came from untrusted input.
 */
#ifndef GATE_CLI_OUTPUT_H
#define GATE_CLI_OUTPUT_H

#include <stdio.h>

/* Writes s with control bytes shown as \xNN, so that nothing a template,
 * policy or registry chose reaches a terminal raw; NULL prints "-". */
void cli_put_escaped(FILE *f, const char *s);

#endif
