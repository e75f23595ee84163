/*
 * fuzz_token.c - libFuzzer target for a token endpoint's answer: any body
 * must end in an Authorization value or an error.  A value that is made
 * must be "Bearer " and a token that a header can carry: no space, no
 * control character, nothing that would split the request.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gate_err err = GATE_ERR_INIT;
	const unsigned char *p;
	char *value = NULL;

	if (gate_auth_token_parse(&value, (const char *)data, size, "https://127.0.0.1/token", &err) == 0) {
		if (strncmp(value, "Bearer ", 7) || !value[7])
			abort();
		for (p = (const unsigned char *)value + 7; *p; p++)
			if (*p < 0x21 || *p == 0x7f)
				abort();
	} else if (value) {
		abort();
	} else {
		fuzz_check_error(&err, GATE_EVERIFY);
	}
	free(value);
	return 0;
}
