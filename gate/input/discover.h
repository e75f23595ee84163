/*
 * discover.h - the templates under a directory, for scans over a
 * repository of deployments.
 *
 * Walks the tree in name order (so reports are stable), takes every file
 * that is a container-group template by its content, pairs an ARM
 * template X.json with its parameters file X.parameters.json, and lists
 * every other file as skipped, with the reason, so nothing is silently
 * left out.  Symbolic links are not followed: a scan stays inside the
 * tree it was given.
 */
#ifndef GATE_INPUT_DISCOVER_H
#define GATE_INPUT_DISCOVER_H

#include <stddef.h>

#include "base/err.h"

struct gate_found {
	char *path;
	char *params_path;          /* X.parameters.json beside it, or NULL */
	char *skipped;              /* why it is not verified; NULL for a template */
};

struct gate_found_list {
	struct gate_found *v;
	size_t n;
};

/* Appends what is under dir to *out.  Returns 0, or -1 with err set when
 * the directory cannot be read (GATE_EINPUT, naming it). */
int gate_discover(struct gate_found_list *out, const char *dir, gate_err *err);

void gate_found_list_free(struct gate_found_list *l);

#endif
