/*
 * test_cache.c - the root-hash cache trusts only what it wrote, where it
 * checked: entries bound to their key, read relative to the directories
 * it checked, never through links, never another user's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/cache.h"

static int failures, checks;

#define CHECK(cond, what) do { \
		checks++; \
		if (!(cond)) { \
			printf("FAIL %s (line %d)\n", what, __LINE__); \
			failures++; \
		} \
	} while (0)

static char root[256], engine[320];

static void path_of(char *buf, size_t size, const char *dir, const unsigned char id[GATE_DIGEST_SIZE])
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];

	gate_hex(hex, id, GATE_DIGEST_SIZE);
	snprintf(buf, size, "%s/%s", dir, hex);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		printf("FAIL cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

int main(void)
{
	unsigned char a[GATE_DIGEST_SIZE], b[GATE_DIGEST_SIZE], ra[GATE_DIGEST_SIZE], rb[GATE_DIGEST_SIZE];
	unsigned char got[GATE_DIGEST_SIZE];
	char pa[512], pb[512], moved[512], entry[512], cmd[600];
	gate_cache *c = NULL;
	gate_err err = GATE_ERR_INIT;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	memset(ra, 0x11, sizeof(ra));
	memset(rb, 0x22, sizeof(rb));
	snprintf(root, sizeof(root), "/tmp/gate-test-cache-%ld", (long)getpid());
	snprintf(engine, sizeof(engine), "%s/engine-%d", root, GATE_ENGINE_VERSION);

	CHECK(gate_cache_open(&c, root, &err) == 0, err.msg);
	CHECK(gate_cache_get(c, a, got) == 0, "empty cache hit");
	CHECK(gate_cache_put(c, a, ra, &err) == 0, err.msg);
	CHECK(gate_cache_get(c, a, got) == 1 && !memcmp(got, ra, sizeof(got)), "own entry missed");
	path_of(pa, sizeof(pa), engine, a);
	path_of(pb, sizeof(pb), engine, b);

	/* An entry renamed to another diff_id is a miss. */
	CHECK(link(pa, pb) == 0, "link");
	CHECK(gate_cache_get(c, b, got) == 0, "entry under another key was trusted");
	unlink(pb);
	/* So is a symlink to a good entry. */
	CHECK(symlink(pa, pb) == 0, "symlink");
	CHECK(gate_cache_get(c, b, got) == 0, "symlinked entry was trusted");
	unlink(pb);
	/* An entry in the old format, naming no key, is a miss. */
	write_file(pb, "2222222222222222222222222222222222222222222222222222222222222222\n");
	CHECK(gate_cache_get(c, b, got) == 0, "keyless entry was trusted");
	unlink(pb);
	/* A fifo in an entry's place neither blocks nor counts. */
	CHECK(mkfifo(pb, 0600) == 0, "mkfifo");
	CHECK(gate_cache_get(c, b, got) == 0, "fifo was read as an entry");
	unlink(pb);

	/* The directory swapped after it was checked: the cache keeps
	 * reading the one it checked, never the forged one in its place. */
	snprintf(moved, sizeof(moved), "%s/moved", root);
	CHECK(rename(engine, moved) == 0, "rename engine dir");
	CHECK(mkdir(engine, 0700) == 0, "mkdir forged engine dir");
	snprintf(entry, sizeof(entry), "diff_id sha256:%s\nengine %d\nroot_hash %s\n",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", GATE_ENGINE_VERSION,
		 "2222222222222222222222222222222222222222222222222222222222222222");
	write_file(pa, entry);
	CHECK(gate_cache_get(c, a, got) == 1 && !memcmp(got, ra, sizeof(got)),
	      "entry read through a swapped directory");
	gate_cache_free(c);
	c = NULL;
	/* A fresh open does see the well-formed entry there (it is ours). */
	CHECK(gate_cache_open(&c, root, &err) == 0, err.msg);
	CHECK(gate_cache_get(c, a, got) == 1 && !memcmp(got, rb, sizeof(got)), "well-formed entry missed");
	gate_cache_free(c);
	c = NULL;

	/* A symlink in place of engine-N is refused at open. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", engine);
	CHECK(system(cmd) == 0, "rm engine");
	CHECK(symlink(moved, engine) == 0, "symlink engine dir");
	gate_err_clear(&err);
	CHECK(gate_cache_open(&c, root, &err) == -1 && strstr(err.msg, "symbolic link"),
	      "symlinked engine directory accepted");
	unlink(engine);

	/* Entries of another user are a miss (needs root to make one). */
	CHECK(gate_cache_open(&c, root, &err) == 0, err.msg);
	if (c && geteuid() == 0) {
		CHECK(gate_cache_put(c, a, ra, &err) == 0, err.msg);
		CHECK(chown(pa, 65534, 65534) == 0, "chown");
		CHECK(gate_cache_get(c, a, got) == 0, "another user's entry was trusted");
	} else {
		printf("skip: another user's entry (not root)\n");
	}
	gate_cache_free(c);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("note: could not remove %s\n", root);
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures != 0;
}
