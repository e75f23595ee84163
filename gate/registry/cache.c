#include "registry/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"

#define HEX_SIZE GATE_DIGEST_HEX_SIZE
#define PATH_SIZE 4096
/* "diff_id sha256:<hex>\nengine <n>\nroot_hash <hex>\n", with room for
 * any engine number. */
#define ENTRY_MAX 256

/* The directories are held open from the moment they were checked:
 * entries are opened relative to them, so swapping a directory (or a
 * parent) for another after the check changes nothing gate reads. */
struct gate_cache {
	int root_fd;
	int engine_fd;                  /* root/engine-N */
	int blobs_fd;                   /* root/blobs/sha256 */
	int history_fd;                 /* root/history */
};

/* mkdir -p, new directories 0700. */
static int make_dirs(char *path, gate_err *err)
{
	char *p;

	for (p = path + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST) {
			gate_err_set(err, GATE_EVERIFY, "cache directory '%s': %s", path, strerror(errno));
			*p = saved;
			return -1;
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}

/* Root hashes are taken from the cache, so a directory that someone else
 * can write to (a --cache under /tmp made by another user, say) would let
 * them choose what gate prints.  mkdir() only sets the mode of
 * directories it creates.  Checked on the descriptor, not the path. */
static int check_private(int fd, const char *path, gate_err *err)
{
	struct stat st;

	if (fstat(fd, &st))
		return gate_err_set(err, GATE_EVERIFY, "cache directory '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return gate_err_set(err, GATE_EINPUT,
				    "cache directory '%s' can be written by other users; make it mode 0700 or use another",
				    path);
	return 0;
}

/* Opens name under dirfd (AT_FDCWD: a path) as a directory, not through
 * a symlink unless follow, and checks it. */
static int open_dir(int dirfd, const char *name, int follow, const char *shown, gate_err *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));

	struct stat st;

	/* O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR. */
	if (fd < 0 && !follow && (errno == ELOOP || errno == ENOTDIR) &&
	    !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
		return gate_err_set(err, GATE_EINPUT, "cache directory '%s' is a symbolic link; gate follows none under the cache root",
				    shown);
	if (fd < 0)
		return gate_err_set(err, errno == ENOTDIR ? GATE_EINPUT : GATE_EVERIFY,
				    "cache directory '%s': %s", shown, strerror(errno));
	if (check_private(fd, shown, err)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int default_root(char *root, size_t size, const char *dir, gate_err *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (dir && *dir)
		n = snprintf(root, size, "%s", dir);
	else if (xdg && *xdg)
		n = snprintf(root, size, "%s/gate", xdg);
	else if (home && *home)
		n = snprintf(root, size, "%s/.cache/gate", home);
	else
		return gate_err_set(err, GATE_EINPUT, "no cache directory: set XDG_CACHE_HOME or HOME, or use --cache DIR");
	if (n < 0 || (size_t)n >= size)
		return gate_err_set(err, GATE_EINPUT, "cache directory path too long");
	return 0;
}

int gate_cache_open(gate_cache **out, const char *dir, gate_err *err)
{
	char root[PATH_SIZE], engine[PATH_SIZE + 32], blobs[PATH_SIZE + 32], name[32];
	char history[PATH_SIZE + 32];
	gate_cache *c;
	int blobs_parent = -1;

	*out = NULL;
	if (default_root(root, sizeof(root), dir, err))
		return -1;
	snprintf(name, sizeof(name), "engine-%d", GATE_ENGINE_VERSION);
	snprintf(engine, sizeof(engine), "%s/%s", root, name);
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", root);
	snprintf(history, sizeof(history), "%s/history", root);
	if (make_dirs(engine, err) || make_dirs(blobs, err) || make_dirs(history, err))
		return -1;
	if (!(c = malloc(sizeof(*c))))
		return gate_err_nomem(err);
	c->engine_fd = c->blobs_fd = c->history_fd = -1;
	/* The root may be reached through symlinks (a ~/.cache moved to
	 * another disk); what is under it may not. */
	if ((c->root_fd = open_dir(AT_FDCWD, root, 1, root, err)) < 0 ||
	    (c->engine_fd = open_dir(c->root_fd, name, 0, engine, err)) < 0 ||
	    (blobs_parent = open_dir(c->root_fd, "blobs", 0, blobs, err)) < 0 ||
	    (c->blobs_fd = open_dir(blobs_parent, "sha256", 0, blobs, err)) < 0 ||
	    (c->history_fd = open_dir(c->root_fd, "history", 0, history, err)) < 0) {
		if (blobs_parent >= 0)
			close(blobs_parent);
		gate_cache_free(c);
		return -1;
	}
	close(blobs_parent);
	*out = c;
	return 0;
}

/* Opens an entry for reading: a regular file of ours, not a link, at
 * most max bytes, read whole into buf (max + 1 bytes, NUL-terminated).
 * Returns its size, or -1 for a miss. */
static ssize_t read_entry(int dirfd, const char *name, char *buf, size_t max)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	/* Re-checked on what was opened: an entry of another user, or a
	 * fifo or device in its place, is not gate's. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || (uint64_t)st.st_size > max) {
		close(fd);
		return -1;
	}
	while ((size_t)got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (got != st.st_size)
		return -1;
	buf[got] = '\0';
	return got;
}

/* What an entry for diff_id starts with: its key, so that an entry
 * renamed to another diff_id, or left by another engine, is a miss. */
static int entry_key(char *buf, size_t size, const unsigned char diff_id[GATE_DIGEST_SIZE])
{
	char hex[HEX_SIZE + 1];

	gate_hex(hex, diff_id, GATE_DIGEST_SIZE);
	return snprintf(buf, size, "diff_id sha256:%s\nengine %d\nroot_hash ", hex, GATE_ENGINE_VERSION);
}

int gate_cache_entry_parse(unsigned char root_hash[GATE_DIGEST_SIZE],
			   const unsigned char diff_id[GATE_DIGEST_SIZE], const char *buf, size_t size)
{
	char key[ENTRY_MAX];
	int klen = entry_key(key, sizeof(key), diff_id);

	if (size != (size_t)klen + HEX_SIZE + 1 || memcmp(buf, key, (size_t)klen) || buf[size - 1] != '\n')
		return 0;
	return gate_unhex(root_hash, buf + klen, GATE_DIGEST_SIZE) ? 0 : 1;
}

int gate_cache_get(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   unsigned char root_hash[GATE_DIGEST_SIZE])
{
	char name[HEX_SIZE + 1], buf[ENTRY_MAX + 1];
	ssize_t n;

	gate_hex(name, diff_id, GATE_DIGEST_SIZE);
	n = read_entry(c->engine_fd, name, buf, ENTRY_MAX);
	return n < 0 ? 0 : gate_cache_entry_parse(root_hash, diff_id, buf, (size_t)n);
}

/* Writes a temporary file in dirfd and renames it to name. */
static int write_atomic(int dirfd, const char *name, const void *buf, size_t size, gate_err *err)
{
	static unsigned counter;
	char tmp[128];
	size_t off = 0;
	ssize_t n;
	int fd, ok = 1;

	snprintf(tmp, sizeof(tmp), ".tmp-%.64s-%ld-%u", name, (long)getpid(),
		 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return gate_err_set(err, GATE_EVERIFY, "cache entry '%s': %s", tmp, strerror(errno));
	while (ok && off < size) {
		n = write(fd, (const char *)buf + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ok = 0;
		else
			off += (size_t)n;
	}
	if (close(fd))
		ok = 0;
	if (!ok || renameat(dirfd, tmp, dirfd, name)) {
		gate_err_set(err, GATE_EVERIFY, "cache entry '%s': %s", name, strerror(errno));
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int gate_cache_put(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   const unsigned char root_hash[GATE_DIGEST_SIZE], gate_err *err)
{
	char name[HEX_SIZE + 1], buf[ENTRY_MAX];
	int klen = entry_key(buf, sizeof(buf), diff_id);

	gate_hex(name, diff_id, GATE_DIGEST_SIZE);
	gate_hex(buf + klen, root_hash, GATE_DIGEST_SIZE);
	buf[klen + HEX_SIZE] = '\n';
	return write_atomic(c->engine_fd, name, buf, (size_t)klen + HEX_SIZE + 1, err);
}

int gate_cache_get_blob(gate_cache *c, const char *digest, size_t max, char **out, size_t *size)
{
	unsigned char want[GATE_DIGEST_SIZE], md[GATE_DIGEST_SIZE];
	const char *name = gate_digest_parse(digest, want);
	char *buf;
	ssize_t n;

	if (!name || !(buf = malloc(max + 1)))
		return 0;
	n = read_entry(c->blobs_fd, name, buf, max);
	/* Content-addressed: the bytes are checked against the name. */
	if (n < 0 || !EVP_Digest(buf, (size_t)n, md, NULL, EVP_sha256(), NULL) ||
	    memcmp(md, want, sizeof(md))) {
		free(buf);
		return 0;
	}
	*out = buf;
	*size = (size_t)n;
	return 1;
}

int gate_cache_put_blob(gate_cache *c, const char *digest, const void *buf, size_t size,
			gate_err *err)
{
	const char *hex = gate_digest_parse(digest, NULL);

	if (!hex)
		return gate_err_set(err, GATE_EVERIFY, "cache: '%.80s' is not a sha256 digest", digest);
	return write_atomic(c->blobs_fd, hex, buf, size, err);
}

/* ---- scan history ---- */

#define TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ"
#define TIME_SIZE sizeof("YYYY-MM-DDThh:mm:ssZ")

static void history_name(char name[HEX_SIZE + 1], const char *ref)
{
	unsigned char md[GATE_DIGEST_SIZE];

	EVP_Digest(ref, strlen(ref), md, NULL, EVP_sha256(), NULL);
	gate_hex(name, md, GATE_DIGEST_SIZE);
}

int gate_cache_history_parse_line(struct gate_history_entry *e, char *line, const char *ref, gate_err *err)
{
	char *digest, *when, *layers, *p, *comma;
	struct tm tm;
	size_t reflen = strlen(ref);

	memset(e, 0, sizeof(*e));
	if (strncmp(line, ref, reflen) || line[reflen] != ' ')
		return 0;
	digest = line + reflen + 1;
	if (!(when = strchr(digest, ' ')) || !(layers = strchr(when + 1, ' ')))
		return 0;
	*when++ = '\0';
	*layers++ = '\0';
	if (!gate_digest_parse(digest, NULL) || strlen(digest) > GATE_REF_DIGEST_MAX)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (!(p = strptime(when, TIME_FORMAT, &tm)) || *p)
		return 0;
	strcpy(e->digest, digest);
	e->seen = (int64_t)timegm(&tm);
	for (p = layers; *p; p = comma ? comma + 1 : p + strlen(p)) {
		unsigned char md[GATE_DIGEST_SIZE];

		comma = strchr(p, ',');
		if ((comma ? (size_t)(comma - p) : strlen(p)) != HEX_SIZE || gate_unhex(md, p, sizeof(md)) ||
		    e->layers.n == GATE_MAX_HISTORY_LAYERS) {
			gate_strv_free(&e->layers);
			return 0;
		}
		if (gate_strv_push(&e->layers, p, HEX_SIZE, err))
			return -1;
	}
	return e->layers.n ? 1 : (gate_strv_free(&e->layers), 0);
}

void gate_history_free(struct gate_history_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gate_strv_free(&v[i].layers);
	free(v);
}

int gate_cache_history_read(gate_cache *c, const char *ref, struct gate_history_entry **out,
			    size_t *n, gate_err *err)
{
	char name[HEX_SIZE + 1], *buf, *line, *nl;
	struct gate_history_entry e, *slot;
	ssize_t size;
	int rc = 0;

	*out = NULL;
	*n = 0;
	history_name(name, ref);
	if (!(buf = malloc(GATE_MAX_HISTORY_SIZE + 1)))
		return gate_err_nomem(err);
	size = read_entry(c->history_fd, name, buf, GATE_MAX_HISTORY_SIZE);
	for (line = buf; size > 0 && !rc && (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		rc = gate_cache_history_parse_line(&e, line, ref, err);
		if (rc <= 0)
			continue;
		rc = 0;
		if (!(slot = gate_array_push(out, n, sizeof(*slot), err))) {
			gate_strv_free(&e.layers);
			rc = -1;
		} else {
			*slot = e;
		}
	}
	free(buf);
	if (rc < 0) {
		gate_history_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

char *gate_cache_history_format_line(const char *ref, const struct gate_history_entry *e, gate_err *err)
{
	char when[TIME_SIZE];
	time_t t = (time_t)e->seen;
	struct tm tm;
	size_t size, i;
	char *line, *p;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), TIME_FORMAT, &tm)) {
		gate_err_set(err, GATE_EVERIFY, "history of '%s': bad time", ref);
		return NULL;
	}
	/* three spaces, the newline and the NUL; each layer at most a comma and its hex */
	size = strlen(ref) + strlen(e->digest) + strlen(when) + 5 + e->layers.n * (HEX_SIZE + 1);
	if (!(line = p = malloc(size))) {
		gate_err_nomem(err);
		return NULL;
	}
	p += sprintf(p, "%s %s %s ", ref, e->digest, when);
	for (i = 0; i < e->layers.n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", e->layers.v[i]);
	strcpy(p, "\n");
	return line;
}

/* The kept lines of the old file, then line: the newest entries win. */
static int history_write(gate_cache *c, const char *name, const char *ref,
			 const struct gate_history_entry *old, size_t n, const char *line, gate_err *err)
{
	size_t first = n >= GATE_HISTORY_ENTRIES ? n - (GATE_HISTORY_ENTRIES - 1) : 0, len = 0, i;
	char *buf = NULL, *l;
	int rc = -1;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return gate_err_nomem(err);
	for (i = first; i < n; i++) {
		if (!(l = gate_cache_history_format_line(ref, &old[i], err)))
			goto out;
		fputs(l, f);
		free(l);
	}
	fputs(line, f);
	if (fclose(f)) {
		f = NULL;
		gate_err_nomem(err);
		goto out;
	}
	f = NULL;
	rc = write_atomic(c->history_fd, name, buf, len, err);
out:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

int gate_cache_history_append(gate_cache *c, const char *ref, const struct gate_history_entry *e,
			      gate_err *err)
{
	struct gate_history_entry *old = NULL;
	char name[HEX_SIZE + 1], *line;
	size_t n = 0;
	int rc = -1;

	if (strchr(ref, ' ') || strchr(ref, '\n') || !e->layers.n ||
	    e->layers.n > GATE_MAX_HISTORY_LAYERS)
		return gate_err_set(err, GATE_EINPUT, "history of '%s': not recorded (%zu layers)",
				    ref, e->layers.n);
	if (!(line = gate_cache_history_format_line(ref, e, err)))
		return -1;
	history_name(name, ref);
	/* Two gates sharing a cache must not lose each other's lines. */
	while (flock(c->history_fd, LOCK_EX) && errno == EINTR)
		;
	if (!gate_cache_history_read(c, ref, &old, &n, err))
		rc = history_write(c, name, ref, old, n, line, err);
	flock(c->history_fd, LOCK_UN);
	gate_history_free(old, n);
	free(line);
	return rc;
}

void gate_cache_free(gate_cache *c)
{
	if (!c)
		return;
	if (c->root_fd >= 0)
		close(c->root_fd);
	if (c->engine_fd >= 0)
		close(c->engine_fd);
	if (c->blobs_fd >= 0)
		close(c->blobs_fd);
	if (c->history_fd >= 0)
		close(c->history_fd);
	free(c);
}
