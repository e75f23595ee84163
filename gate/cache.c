#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX_SIZE (2 * GATE_DIGEST_SIZE)
#define PATH_SIZE 4096

struct gate_cache {
	char dir[PATH_SIZE];            /* .../engine-N */
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
	    snprintf(c->dir, sizeof(c->dir), "%s/engine-%d", c->root, GATE_ENGINE_VERSION) >= (int)sizeof(c->dir)) {
		free(c);
		return gate_err_set(err, GATE_EINPUT, "cache directory path too long");
	}
	if (make_dirs(c->dir, err)) {
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

static int unhex(const char *s, unsigned char *out)
{
	size_t i;

	for (i = 0; i < HEX_SIZE; i++) {
		int c = (unsigned char)s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		if (i & 1)
			out[i / 2] |= (unsigned char)v;
		else
			out[i / 2] = (unsigned char)(v << 4);
	}
	return 0;
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
	return unhex(buf, root_hash) ? 0 : 1;
}

int gate_cache_put(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   const unsigned char root_hash[GATE_DIGEST_SIZE], gate_err *err)
{
	char path[PATH_SIZE + HEX_SIZE + 2], tmp[PATH_SIZE + HEX_SIZE + 64];
	char hex[HEX_SIZE + 1], line[HEX_SIZE + 2];
	static unsigned counter;
	int fd, ok;

	gate_hex(hex, diff_id, GATE_DIGEST_SIZE);
	if (snprintf(path, sizeof(path), "%s/%s", c->dir, hex) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%ld-%u", c->dir, hex, (long)getpid(),
		     __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) >= (int)sizeof(tmp))
		return gate_err_set(err, GATE_EVERIFY, "cache path too long");
	gate_hex(line, root_hash, GATE_DIGEST_SIZE);
	line[HEX_SIZE] = '\n';
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return gate_err_set(err, GATE_EVERIFY, "cache entry '%s': %s", tmp, strerror(errno));
	ok = write(fd, line, HEX_SIZE + 1) == HEX_SIZE + 1;
	if (close(fd))
		ok = 0;
	if (!ok || rename(tmp, path)) {
		gate_err_set(err, GATE_EVERIFY, "cache entry '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void gate_cache_free(gate_cache *c)
{
	free(c);
}
