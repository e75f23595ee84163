/*
 * test_links.c - hard links are bounded (GATE_MAX_HARD_LINKS): the tar
 * entry one past the bound is refused by name, every one before it is not.
 * Links cost no inode, so GATE_MAX_INODES alone let 24M of them take 2 GB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "engine/ext4.h"
#include "engine/tar2ext4.h"
#include "engine/verity.h"

static int entry(struct gate_tar_handler *h, const char *name, char typeflag,
		 const char *linkname, gate_err *err)
{
	struct gate_tar_header hdr = { .name = name, .linkname = linkname, .typeflag = typeflag,
				       .mode = 0644 };

	return h->entry(h->ctx, &hdr, err) < 0 || h->entry_end(h->ctx, err) ? -1 : 0;
}

int main(void)
{
	static struct gate_tar2ext4 conv;
	struct gate_tar_handler h;
	gate_verity *v = NULL;
	gate_err err = GATE_ERR_INIT;
	char name[32], target[32];
	uint32_t i;

	if (gate_verity_new(&v, &err) || gate_ext4_new(&conv.ext4, v, -1, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	h = gate_tar2ext4_handler(&conv);
	for (i = 0; i < GATE_MAX_HARD_LINKS; i++) {
		/* a new target before each reaches ext4's 65000 links */
		snprintf(target, sizeof(target), "t%u", i / 60000);
		if (i % 60000 == 0 && entry(&h, target, '0', "", &err)) {
			fprintf(stderr, "%s: %s\n", target, err.msg);
			return 1;
		}
		snprintf(name, sizeof(name), "d%u/l%u", i % 64, i);
		if (entry(&h, name, '1', target, &err)) {
			fprintf(stderr, "link %u of %u refused: %s\n", i + 1, GATE_MAX_HARD_LINKS, err.msg);
			return 1;
		}
	}
	if (!entry(&h, "one-too-many", '1', target, &err)) {
		fprintf(stderr, "link %u accepted: no bound on hard links\n", i + 1);
		return 1;
	}
	if (!strstr(err.msg, "tar entry 'one-too-many'") || !strstr(err.msg, "GATE_MAX_HARD_LINKS")) {
		fprintf(stderr, "unclear error: %s\n", err.msg);
		return 1;
	}
	printf("%u links, then: %s\n", i, err.msg);
	gate_ext4_free(conv.ext4);
	gate_verity_free(v);
	return 0;
}
