/*
 * json_write.h - the one way the report printers write a JSON document.
 */
#ifndef GATE_REPORT_JSON_WRITE_H
#define GATE_REPORT_JSON_WRITE_H

#include <jansson.h>
#include <stdio.h>

/* Writes doc to f, ASCII only (JSON_ENSURE_ASCII, so no byte of a name
 * reaches a terminal raw), with flags (JSON_COMPACT, JSON_INDENT(n)) and
 * a newline, then frees it.  doc NULL means it could not be built (a
 * json_pack() with a part missing).  Returns 0, or -1. */
int gate_report_json_write(FILE *f, json_t *doc, size_t flags);

#endif
