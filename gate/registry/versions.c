#include <curl/curl.h>

#include "registry/versions.h"

void gate_registry_versions(gate_version_fn *fn, void *ctx)
{
	fn(ctx, "libcurl", curl_version_info(CURLVERSION_NOW)->version);
}
