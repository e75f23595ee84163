#include <jansson.h>
#include <yaml.h>

#include "input/versions.h"

void gate_input_versions(gate_version_fn *fn, void *ctx)
{
	fn(ctx, "jansson", jansson_version_str());
	fn(ctx, "libyaml", yaml_get_version_string());
}
