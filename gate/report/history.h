/*
 * history.h - printers for `gate history IMAGE`: what the scan history
 * (registry/cache.h) holds for one reference, oldest first.
 */
#ifndef GATE_REPORT_HISTORY_H
#define GATE_REPORT_HISTORY_H

#include <stdio.h>

#include "registry/cache.h"

/* A line per run: "2026-11-20T10:00:00Z  sha256:...  N layers", then
 * the layer root hashes indented.  The reference is escaped. */
void gate_report_history_text(FILE *f, const char *ref, const struct gate_history_entry *v, size_t n);

/* {"reference":..., "entries":[{"digest","seen_at","layers":[...]}]}.
 * Returns 0, or -1 if it could not be written. */
int gate_report_history_json(FILE *f, const char *ref, const struct gate_history_entry *v, size_t n);

#endif
