/*
 * version.h - which versions of the third-party libraries gate runs with,
 * for `gate --version`.  Each folder reports the libraries it links, so
 * that a library's header stays in the folder that uses it.
 */
#ifndef GATE_BASE_VERSION_H
#define GATE_BASE_VERSION_H

/* Called once per library: its name and its version, as the library says
 * at run time (or its headers did at build time, when it has no call). */
typedef void gate_version_fn(void *ctx, const char *library, const char *version);

#endif
