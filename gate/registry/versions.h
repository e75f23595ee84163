/*
 * versions.h - the libraries of the registry client (base/version.h).
 */
#ifndef GATE_REGISTRY_VERSIONS_H
#define GATE_REGISTRY_VERSIONS_H

#include "base/version.h"

void gate_registry_versions(gate_version_fn *fn, void *ctx);

#endif
