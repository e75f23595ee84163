#include "registry/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX_SIZE (2 * GATE_DIGEST_SIZE)
#define PATH_SIZE 4096

struct gate_cache {
	char dir[PATH_SIZE];            /* .../engine-N */
	char blobs[PATH_SIZE];          /* .../blobs/sha256 */
	char root[PATH_SIZE];
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

/* Root hashes are taken from the cache unchecked, so a directory that
 * someone else can write to (a --cache under /tmp made by another user,
 * say) would let them choose what gate prints.  mkdir() only sets the
 * mode of directories it creates. */
static int check_private(const char *path, gate_err *err)
{
	struct stat st;

	if (stat(path, &st))
		return gate_err_set(err, GATE_EVERIFY, "cache directory '%s': %s", path, strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return gate_err_set(err, GATE_EINPUT,
				    "cache directory '%s' can be written by other users; make it mode 0700 or use another",
				    path);
	return 0;
}

int gate_cache_open(gate_cache **out, const char *dir, gate_err *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	gate_cache *c;
	int n;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return gate_err_nomem(err);
	if (dir && *dir)
		n = snprintf(c->root, sizeof(c->root), "%s", dir);
	else if (xdg && *xdg)
		n = snprintf(c->root, sizeof(c->root), "%s/gate", xdg);
	else if (home && *home)
		n = snprintf(c->root, sizeof(c->root), "%s/.cache/gate", home);
	else {
		free(c);
		return gate_err_set(err, GATE_EINPUT, "no cache directory: set XDG_CACHE_HOME or HOME, or use --cache DIR");
	}
	if (n < 0 || (size_t)n >= sizeof(c->root) ||
	    snprintf(c->dir, sizeof(c->dir), "%s/engine-%d", c->root, GATE_ENGINE_VERSION) >= (int)sizeof(c->dir) ||
	    snprintf(c->blobs, sizeof(c->blobs), "%s/blobs/sha256", c->root) >= (int)sizeof(c->blobs)) {
		free(c);
		return gate_err_set(err, GATE_EINPUT, "cache directory path too long");
	}
	if (make_dirs(c->dir, err) || make_dirs(c->blobs, err) || check_private(c->root, err) ||
	    check_private(c->dir, err) || check_private(c->blobs, err)) {
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

const char *gate_cache_dir(const gate_cache *c)
{
	return c->root;
}

int gate_cache_get(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   unsigned char root_hash[GATE_DIGEST_SIZE])
{
	char path[PATH_SIZE + HEX_SIZE + 2], hex[HEX_SIZE + 1], buf[HEX_SIZE + 2];
	ssize_t n;
	int fd;

	gate_hex(hex, diff_id, GATE_DIGEST_SIZE);
	if (snprintf(path, sizeof(path), "%s/%s", c->dir, hex) >= (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != HEX_SIZE + 1 || buf[HEX_SIZE] != '\n')
		return 0;
	return gate_unhex(root_hash, buf, GATE_DIGEST_SIZE) ? 0 : 1;
}

/* Writes a temporary file next to path and renames it into place. */
static int write_atomic(const char *dir, const char *name, const void *buf, size_t size, gate_err *err)
{
	char path[PATH_SIZE + 80], tmp[PATH_SIZE + 128];
	static unsigned counter;
	size_t off = 0;
	ssize_t n;
	int fd, ok = 1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%ld-%u", dir, name, (long)getpid(),
		     __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) >= (int)sizeof(tmp))
		return gate_err_set(err, GATE_EVERIFY, "cache path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
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
	if (!ok || rename(tmp, path)) {
		gate_err_set(err, GATE_EVERIFY, "cache entry '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int gate_cache_put(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   const unsigned char root_hash[GATE_DIGEST_SIZE], gate_err *err)
{
	char hex[HEX_SIZE + 1], line[HEX_SIZE + 2];

	gate_hex(hex, diff_id, GATE_DIGEST_SIZE);
	gate_hex(line, root_hash, GATE_DIGEST_SIZE);
	line[HEX_SIZE] = '\n';
	return write_atomic(c->dir, hex, line, HEX_SIZE + 1, err);
}

/* The hex of a "sha256:<64 lowercase hex>" digest, or NULL. */
static const char *digest_hex(const char *digest)
{
	size_t i;

	if (strncmp(digest, "sha256:", 7) || strlen(digest) != 7 + HEX_SIZE)
		return NULL;
	for (i = 7; digest[i]; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f')))
			return NULL;
	return digest + 7;
}

int gate_cache_get_blob(gate_cache *c, const char *digest, size_t max, char **out, size_t *size)
{
	char path[PATH_SIZE + 80], hex[HEX_SIZE + 1];
	unsigned char md[GATE_DIGEST_SIZE];
	const char *want = digest_hex(digest);
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	if (!want || snprintf(path, sizeof(path), "%s/%s", c->blobs, want) >= (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max ||
	    !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return 0;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return 0;
	}
	buf[n] = '\0';
	EVP_Digest(buf, (size_t)n, md, NULL, EVP_sha256(), NULL);
	gate_hex(hex, md, sizeof(md));
	if (strcmp(hex, want)) {
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
	const char *hex = digest_hex(digest);

	if (!hex)
		return gate_err_set(err, GATE_EVERIFY, "cache: '%.80s' is not a sha256 digest", digest);
	return write_atomic(c->blobs, hex, buf, size, err);
}

void gate_cache_free(gate_cache *c)
{
	free(c);
}
