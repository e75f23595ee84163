#include "registry/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	gate_cache *c;
	int blobs_parent = -1;

	*out = NULL;
	if (default_root(root, sizeof(root), dir, err))
		return -1;
	snprintf(name, sizeof(name), "engine-%d", GATE_ENGINE_VERSION);
	snprintf(engine, sizeof(engine), "%s/%s", root, name);
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", root);
	if (make_dirs(engine, err) || make_dirs(blobs, err))
		return -1;
	if (!(c = malloc(sizeof(*c))))
		return gate_err_nomem(err);
	c->engine_fd = c->blobs_fd = -1;
	/* The root may be reached through symlinks (a ~/.cache moved to
	 * another disk); what is under it may not. */
	if ((c->root_fd = open_dir(AT_FDCWD, root, 1, root, err)) < 0 ||
	    (c->engine_fd = open_dir(c->root_fd, name, 0, engine, err)) < 0 ||
	    (blobs_parent = open_dir(c->root_fd, "blobs", 0, blobs, err)) < 0 ||
	    (c->blobs_fd = open_dir(blobs_parent, "sha256", 0, blobs, err)) < 0) {
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

int gate_cache_get(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   unsigned char root_hash[GATE_DIGEST_SIZE])
{
	char name[HEX_SIZE + 1], key[ENTRY_MAX], buf[ENTRY_MAX + 1];
	ssize_t n;
	int klen = entry_key(key, sizeof(key), diff_id);

	gate_hex(name, diff_id, GATE_DIGEST_SIZE);
	n = read_entry(c->engine_fd, name, buf, ENTRY_MAX);
	if (n != klen + HEX_SIZE + 1 || memcmp(buf, key, (size_t)klen) || buf[n - 1] != '\n')
		return 0;
	return gate_unhex(root_hash, buf + klen, GATE_DIGEST_SIZE) ? 0 : 1;
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
	free(c);
}
