/*
 * fuzz_ref.c - libFuzzer target for image references: any text must end
 * in a normalised reference or an error.  A reference that is read must
 * have a domain and a path, a tag or a well-formed digest, and must read
 * back the same from what gate_ref_format() writes: the name gate prints
 * is the image it fetched.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "fuzz.h"
#include "registry/ref.h"

static void check(const struct gate_ref *r)
{
	struct gate_ref again;
	gate_err err = GATE_ERR_INIT;
	char text[sizeof(r->domain) + sizeof(r->path) + sizeof(r->tag) + sizeof(r->digest) + 4];

	if (!r->domain[0] || !r->path[0] || (!r->tag[0] && !r->digest[0]))
		abort();
	if (r->digest[0] && (strlen(r->digest) != GATE_REF_DIGEST_MAX || !gate_digest_parse(r->digest, NULL)))
		abort();
	if (gate_ref_format(r, text, sizeof(text)) || gate_ref_parse(&again, text, &err) ||
	    strcmp(again.domain, r->domain) || strcmp(again.path, r->path) ||
	    strcmp(again.tag, r->tag) || strcmp(again.digest, r->digest))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gate_ref r;
	gate_err err = GATE_ERR_INIT;
	char *s = fuzz_cstr(data, size);

	if (!s)
		return 0;
	if (gate_ref_parse(&r, s, &err) == 0)
		check(&r);
	else
		fuzz_check_error(&err, GATE_EINPUT);
	free(s);
	return 0;
}
