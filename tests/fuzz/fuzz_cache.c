/*
 * fuzz_cache.c - libFuzzer target for what gate reads back from its cache
 * directory, whose files anyone with the user's rights may have written:
 * a root-hash entry and the lines of a scan history.
 *
 * An entry that is a hit must be, byte for byte, the entry gate writes for
 * that diff_id and root hash: nothing else can pass for a hash.  A history
 * line that is read must hold a sha256 digest and 64-hex layers, and read
 * back the same from the line gate writes for it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "fuzz.h"
#include "registry/cache.h"

#define REF "127.0.0.1:5000/app:v1"

/* The diff_id of every entry tried: all zero, as the seeds' are. */
static const unsigned char diff_id[GATE_DIGEST_SIZE];

static void check_entry(const uint8_t *data, size_t size)
{
	unsigned char root_hash[GATE_DIGEST_SIZE];
	char want[256], hex[2][GATE_DIGEST_HEX_SIZE + 1];

	if (!gate_cache_entry_parse(root_hash, diff_id, (const char *)data, size))
		return;
	gate_hex(hex[0], diff_id, GATE_DIGEST_SIZE);
	gate_hex(hex[1], root_hash, GATE_DIGEST_SIZE);
	snprintf(want, sizeof(want), "diff_id sha256:%s\nengine %d\nroot_hash %s\n", hex[0],
		 GATE_ENGINE_VERSION, hex[1]);
	if (size != strlen(want) || memcmp(data, want, size))
		abort();
}

static int same(const struct gate_history_entry *a, const struct gate_history_entry *b)
{
	size_t i;

	if (strcmp(a->digest, b->digest) || a->seen != b->seen || a->layers.n != b->layers.n)
		return 0;
	for (i = 0; i < a->layers.n; i++)
		if (strcmp(a->layers.v[i], b->layers.v[i]))
			return 0;
	return 1;
}

static void check_history(const uint8_t *data, size_t size)
{
	struct gate_history_entry e, again;
	gate_err err = GATE_ERR_INIT;
	char *line = fuzz_cstr(data, size), *text;
	size_t i;

	if (!line)
		return;
	if (gate_cache_history_parse_line(&e, line, REF, &err) == 1) {
		if (!gate_digest_parse(e.digest, NULL) || !e.layers.n)
			abort();
		for (i = 0; i < e.layers.n; i++)
			if (strlen(e.layers.v[i]) != GATE_DIGEST_HEX_SIZE)
				abort();
		if (!(text = gate_cache_history_format_line(REF, &e, &err)))
			abort();
		text[strlen(text) - 1] = '\0';  /* the newline */
		if (gate_cache_history_parse_line(&again, text, REF, &err) != 1 || !same(&e, &again))
			abort();
		gate_strv_free(&again.layers);
		free(text);
		gate_strv_free(&e.layers);
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_entry(data, size);
	check_history(data, size);
	return 0;
}
