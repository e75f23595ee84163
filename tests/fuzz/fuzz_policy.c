/*
 * fuzz_policy.c - libFuzzer target for the policy scanner: any bytes, read
 * as decoded policy text and as a base64 ccePolicy, must end in a policy
 * or an error, never a crash, leak or hang.  A policy that is read must
 * keep the scanner's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct gate_policy *p)
{
	size_t i, j;

	if (strlen(p->hostdata) != 64 || p->class > GATE_POLICY_NORMAL)
		abort();
	for (i = 0; i < p->containers_count; i++) {
		const struct gate_policy_container *c = &p->containers[i];

		if (!c->json)
			abort();
		for (j = 0; j < c->layers.n; j++)
			if (strlen(c->layers.v[j]) != 64 ||
			    strspn(c->layers.v[j], "0123456789abcdef") != 64)
				abort();
	}
	/* Every class but normal and legacy-json says why. */
	if (p->class < GATE_POLICY_LEGACY_JSON && !p->reasons.n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_policy *p = NULL;

	if (gate_policy_parse(&p, (const char *)data, size, &err) == 0)
		check(p);
	gate_policy_free(p);
	gate_err_clear(&err);
	if (gate_policy_decode(&p, (const char *)data, size, &err) == 0)
		check(p);
	gate_policy_free(p);
	return 0;
}
