/*
 * versions.h - the libraries of the input readers (base/version.h).
 */
#ifndef GATE_INPUT_VERSIONS_H
#define GATE_INPUT_VERSIONS_H

#include "base/version.h"

void gate_input_versions(gate_version_fn *fn, void *ctx);

#endif
