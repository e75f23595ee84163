#include <isa-l.h>
#include <openssl/crypto.h>
#include <zlib.h>
#include <zstd.h>

#include "engine/versions.h"

#define STR_(x) #x
#define STR(x) STR_(x)

void gate_engine_versions(gate_version_fn *fn, void *ctx)
{
	fn(ctx, "OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING));
	fn(ctx, "zlib", zlibVersion());
	fn(ctx, "zstd", ZSTD_versionString());
	/* isa-l has no version call: this is the version built against. */
	fn(ctx, "isa-l", STR(ISAL_MAJOR_VERSION) "." STR(ISAL_MINOR_VERSION) "."
			 STR(ISAL_PATCH_VERSION) " (headers)");
}
