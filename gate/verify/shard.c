#include "verify/shard.h"

#include <stdint.h>

#include "verify/policy_rules.h"

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325u
#define FNV64_PRIME        0x100000001b3u

unsigned gate_shard_of(const char *file, const char *group, unsigned count)
{
	uint64_t h = FNV64_OFFSET_BASIS;
	const unsigned char *s;

	/* The file's NUL is hashed too: it keeps "a" + "bc" apart from "ab" + "c". */
	for (s = (const unsigned char *)file; ; s++) {
		h = (h ^ *s) * FNV64_PRIME;
		if (!*s)
			break;
	}
	for (s = (const unsigned char *)group; *s; s++)
		h = (h ^ *s) * FNV64_PRIME;
	return count ? (unsigned)(h % count) : 0;
}

bool gate_shard_has_group(const struct gate_verify_opts *o, const char *file, const struct gate_group *g)
{
	return o->shard_count <= 1 ||
	       gate_shard_of(file, gate_group_label(g), o->shard_count) == o->shard_index;
}

bool gate_shard_has_file(const struct gate_verify_opts *o, const struct gate_model *m)
{
	size_t g;

	if (o->shard_count <= 1)
		return true;
	for (g = 0; g < m->groups_count; g++)
		if (gate_shard_has_group(o, m->file, &m->groups[g]))
			return true;
	return false;
}
