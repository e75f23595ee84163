/*
 * versions.h - the libraries of the hash engine (base/version.h).
 */
#ifndef GATE_ENGINE_VERSIONS_H
#define GATE_ENGINE_VERSIONS_H

#include "base/version.h"

void gate_engine_versions(gate_version_fn *fn, void *ctx);

#endif
