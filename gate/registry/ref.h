/*
 * ref.h - image references with Docker's normalisation.
 *
 *   nginx                          -> docker.io/library/nginx:latest
 *   ghcr.io/a/b@sha256:...         -> ghcr.io/a/b@sha256:...
 *   localhost:5000/a/b:v1@sha256:. -> tag kept for display, digest wins
 *
 * The grammar is the one of github.com/distribution/reference: a first
 * path component is a registry host when it contains '.' or ':', is
 * "localhost", or has an uppercase letter; otherwise the registry is
 * docker.io, where one-component names live under "library/".
 */
#ifndef GATE_REF_H
#define GATE_REF_H

#include "base/err.h"

#define GATE_REF_NAME_MAX   255     /* distribution's NameTotalLengthMax */
#define GATE_REF_TAG_MAX    128
#define GATE_REF_DIGEST_MAX 71      /* "sha256:" + 64 hex */

struct gate_ref {
	char domain[GATE_REF_NAME_MAX + 1];   /* "docker.io", "localhost:5000", "[::1]:5000" */
	char path[GATE_REF_NAME_MAX + 1];     /* "library/nginx" */
	char tag[GATE_REF_TAG_MAX + 1];       /* "" when only a digest was given */
	char digest[GATE_REF_DIGEST_MAX + 1]; /* "" unless pinned */
};

/* Parses and normalises s.  Returns 0, or -1 with err set (GATE_EINPUT). */
int gate_ref_parse(struct gate_ref *out, const char *s, gate_err *err);

/* Host to talk to: docker.io is served by registry-1.docker.io. */
const char *gate_ref_api_host(const struct gate_ref *r);

/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest".
 * Returns 0, or -1 if it does not fit in size. */
int gate_ref_format(const struct gate_ref *r, char *buf, size_t size);

#endif
