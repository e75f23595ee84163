/*
 * test_cache.c - the root-hash cache trusts only what it wrote, where it
 * checked: entries bound to their key, read relative to the directories
 * it checked, never through links, never another user's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/limits.h"
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

#define REF_A "127.0.0.1:5000/app:v1"
#define REF_B "127.0.0.1:5000/app:v2"

static void history_entry(struct gate_history_entry *e, int i)
{
	char hex[GATE_DIGEST_HEX_SIZE + 1];
	gate_err err = GATE_ERR_INIT;

	memset(e, 0, sizeof(*e));
	snprintf(e->digest, sizeof(e->digest), "sha256:%064x", i);
	e->seen = 1795000000 + i;
	snprintf(hex, sizeof(hex), "%064x", 1000 + i);
	gate_strv_push(&e->layers, "1111111111111111111111111111111111111111111111111111111111111111",
		       GATE_DIGEST_HEX_SIZE, &err);
	gate_strv_push(&e->layers, hex, GATE_DIGEST_HEX_SIZE, &err);
}

/* The file under root/history other than except (NULL: the only one). */
static void history_file(char *buf, size_t size, const char *except)
{
	char dir[320];
	struct dirent *d;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/history", root);
	buf[0] = '\0';
	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp)))
		if (d->d_name[0] != '.' && !(except && strstr(except, d->d_name)))
			snprintf(buf, size, "%s/%s", dir, d->d_name);
	closedir(dp);
}

/* The scan history: in order, bounded, bound to its reference. */
static void test_history(void)
{
	struct gate_history_entry e, *v = NULL;
	char path[640], other[640];
	gate_cache *c = NULL;
	gate_err err = GATE_ERR_INIT;
	size_t n = 0;
	int i;

	CHECK(gate_cache_open(&c, root, &err) == 0, err.msg);
	if (!c)
		return;
	CHECK(gate_cache_history_read(c, REF_A, &v, &n, &err) == 0 && n == 0, "empty history");
	for (i = 0; i < 3; i++) {
		history_entry(&e, i);
		CHECK(gate_cache_history_append(c, REF_A, &e, &err) == 0, err.msg);
		gate_strv_free(&e.layers);
	}
	CHECK(gate_cache_history_read(c, REF_A, &v, &n, &err) == 0 && n == 3, "three entries");
	CHECK(n == 3 && !strcmp(v[0].digest, "sha256:" "0000000000000000000000000000000000000000000000000000000000000000") &&
	      v[2].seen == 1795000002 && v[2].layers.n == 2 &&
	      !strcmp(v[2].layers.v[1], "00000000000000000000000000000000000000000000000000000000000003ea"),
	      "entries read back in order, with time and layers");
	gate_history_free(v, n);

	/* A line that does not parse, and a line of another reference, are
	 * ignored; the file goes on. */
	history_file(path, sizeof(path), NULL);
	{
		FILE *f = fopen(path, "a");

		fputs("garbage line\n127.0.0.1:5000/other:v1 sha256:" "2222222222222222222222222222222222222222222222222222222222222222"
		      " 2026-11-20T10:00:00Z 3333333333333333333333333333333333333333333333333333333333333333\n", f);
		fclose(f);
	}
	CHECK(gate_cache_history_read(c, REF_A, &v, &n, &err) == 0 && n == 3, "foreign lines ignored");
	gate_history_free(v, n);

	/* The file renamed to another reference's key is nothing to it. */
	CHECK(gate_cache_history_read(c, REF_B, &v, &n, &err) == 0 && n == 0, "REF_B has no file yet");
	history_entry(&e, 99);
	CHECK(gate_cache_history_append(c, REF_B, &e, &err) == 0, err.msg);
	gate_strv_free(&e.layers);
	history_file(other, sizeof(other), path);
	CHECK(rename(path, other) == 0, "rename REF_A's history over REF_B's");
	CHECK(gate_cache_history_read(c, REF_B, &v, &n, &err) == 0 && n == 0,
	      "a renamed history was read as another reference's");
	gate_history_free(v, n);

	/* Bounded: the newest GATE_HISTORY_ENTRIES survive. */
	for (i = 0; i < GATE_HISTORY_ENTRIES + 5; i++) {
		history_entry(&e, i);
		CHECK(gate_cache_history_append(c, REF_A, &e, &err) == 0, err.msg);
		gate_strv_free(&e.layers);
	}
	CHECK(gate_cache_history_read(c, REF_A, &v, &n, &err) == 0 && n == GATE_HISTORY_ENTRIES,
	      "history bounded");
	CHECK(n == GATE_HISTORY_ENTRIES && v[n - 1].seen == 1795000000 + GATE_HISTORY_ENTRIES + 4 &&
	      v[0].seen == 1795000005, "the newest entries kept");
	gate_history_free(v, n);
	gate_cache_free(c);
}

/* A line with no layers has room for its newline and NUL (one byte
 * over before: the fuzzer's round trip writes every line it reads). */
static void test_history_line(void)
{
	struct gate_history_entry e;
	gate_err err = GATE_ERR_INIT;
	char *line;

	memset(&e, 0, sizeof(e));
	snprintf(e.digest, sizeof(e.digest), "sha256:%064x", 7);
	line = gate_cache_history_format_line(REF_A, &e, &err);
	CHECK(line && !strcmp(line, REF_A " sha256:0000000000000000000000000000000000000000000000000000000000000007 "
			      "1970-01-01T00:00:00Z \n"), "a line without layers");
	free(line);
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
	test_history();
	test_history_line();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("note: could not remove %s\n", root);
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures != 0;
}
