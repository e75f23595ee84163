/*
 * escape.h - printing text that came from untrusted input.
 */
#ifndef GATE_BASE_ESCAPE_H
#define GATE_BASE_ESCAPE_H

#include <stdio.h>

/* Writes s so that nothing a template, policy, tar or registry chose can
 * drive a terminal: C0 controls and DEL as \xNN, C1 controls (U+0080 to
 * U+009F) and the bidi embeddings, overrides and isolates (U+202A to
 * U+202E, U+2066 to U+2069) as \u{XXXX}, and bytes that are not UTF-8
 * as \xNN, since a terminal in a Latin-1 locale reads 0x9B as CSI.
 * Other text, backslashes included, is written as it is.  NULL prints "-". */
void gate_put_escaped(FILE *f, const char *s);

/* One report line: label as it is, then s escaped, then a newline. */
void gate_put_line(FILE *f, const char *label, const char *s);

/* A copy of s that is valid UTF-8: bytes that are not are written \xNN,
 * for reports in formats that must be UTF-8 (JSON, SARIF) to carry names
 * the file system gave (a file name may hold any byte).  NULL if out of
 * memory. */
char *gate_utf8_dup(const char *s);

/* 3 if buf starts with a UTF-8 byte order mark, else 0.  Editors on
 * Windows and PowerShell write one; ARM and libyaml ignore it. */
size_t gate_utf8_bom_size(const char *buf, size_t len);

#endif
