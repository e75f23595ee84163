#include "input/discover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "base/limits.h"


enum kind { KIND_OTHER, KIND_TEMPLATE, KIND_PARAMETERS };

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

static bool contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

/* What a file is, by its name and its content (all of it, up to the input
 * limit: a template may carry a large block before its resources). */
static enum kind sniff(int dirfd, const char *name, const char **why)
{
	bool json = has_suffix(name, ".json"), yaml = has_suffix(name, ".yaml") || has_suffix(name, ".yml");
	enum kind kind = KIND_OTHER;
	ssize_t n = 0, got;
	size_t cap = GATE_MAX_TEMPLATE_SIZE;
	struct stat st;
	char *buf;
	int fd;

	*why = "not a .json, .yaml or .yml file";
	if (!json && !yaml)
		return KIND_OTHER;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*why = "cannot be opened";
		return KIND_OTHER;
	}
	/* A buffer the file's size, not the input limit's: most templates are
	 * a few KiB, and a scan sniffs every file. */
	if (!fstat(fd, &st) && st.st_size >= 0 && (uintmax_t)st.st_size < cap)
		cap = (size_t)st.st_size;
	if (!(buf = malloc(cap + 1))) {
		close(fd);
		*why = "out of memory";
		return KIND_OTHER;
	}
	while ((size_t)n < cap && (got = read(fd, buf + n, cap - (size_t)n)) > 0)
		n += got;
	close(fd);
	buf[n] = '\0';
	/* "containerGroups" also matches the JSON spelling with an escaped
	 * slash, Microsoft.ContainerInstance\/containerGroups. */
	if (json && contains(buf, "deploymentParameters.json"))
		kind = KIND_PARAMETERS;
	else if (contains(buf, "containerGroups") || contains(buf, "ccePolicy") ||
		 (yaml && contains(buf, "containers:")))
		kind = KIND_TEMPLATE;
	else
		*why = json ? "no container group in it" : "no containers in it";
	free(buf);
	return kind;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add(struct gate_found_list *out, const char *path, const char *why, gate_err *err)
{
	struct gate_found *f = gate_array_push(&out->v, &out->n, sizeof(*f), err);

	if (!f || !(f->path = gate_strdup(path, err)))
		return -1;
	if (why && !(f->skipped = gate_strdup(why, err)))
		return -1;
	return 0;
}

/* Pairs X.parameters.json with the template X.json of the same directory. */
static int pair_parameters(struct gate_found_list *out, size_t first, const char *dir,
			   const char *name, gate_err *err)
{
	int stem = (int)(strlen(name) - strlen(".parameters.json"));
	char *path, *want;
	size_t i;
	int rc = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return gate_err_nomem(err);
	if (asprintf(&want, "%s/%.*s.json", dir, stem, name) < 0) {
		free(path);
		return gate_err_nomem(err);
	}
	for (i = first; i < out->n; i++)
		if (!out->v[i].skipped && !out->v[i].params_path && !strcmp(out->v[i].path, want))
			break;
	if (i < out->n && has_suffix(name, ".parameters.json")) {
		out->v[i].params_path = path;
		path = NULL;
	} else {
		rc = add(out, path, "a parameters file with no template X.json for X.parameters.json beside it", err);
	}
	free(want);
	free(path);
	return rc;
}

static int walk(struct gate_found_list *out, const char *dir, unsigned depth, gate_err *err);

static int visit(struct gate_found_list *out, const char *dir, int dirfd, const char *name,
		 unsigned depth, struct gate_strv *params, gate_err *err)
{
	struct stat st;
	const char *why;
	char *path;
	int rc = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return gate_err_nomem(err);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		rc = add(out, path, "cannot be read", err);
	else if (S_ISDIR(st.st_mode))
		/* A repository's own history holds old templates, not what deploys. */
		rc = !strcmp(name, ".git") ? add(out, path, "git's own directory, not scanned", err)
					   : walk(out, path, depth + 1, err);
	else if (!S_ISREG(st.st_mode))
		rc = add(out, path, "not a regular file", err);
	else {
		switch (sniff(dirfd, name, &why)) {
		case KIND_TEMPLATE:
			rc = add(out, path, NULL, err);
			break;
		case KIND_PARAMETERS:
			rc = gate_strv_push(params, name, strlen(name), err);
			break;
		case KIND_OTHER:
			rc = add(out, path, why, err);
			break;
		}
	}
	free(path);
	return rc;
}

static int walk(struct gate_found_list *out, const char *dir, unsigned depth, gate_err *err)
{
	struct gate_strv names = { 0 }, params = { 0 };
	size_t first = out->n, i;
	struct dirent *e;
	DIR *d;
	int rc = -1;

	if (depth > GATE_MAX_NESTING_DEPTH)
		return gate_err_set(err, GATE_EINPUT, "'%s': directories nested deeper than %d",
				    dir, GATE_MAX_NESTING_DEPTH);
	if (!(d = opendir(dir)))
		return gate_err_set(err, GATE_EINPUT, "cannot read directory '%s': %s", dir,
				    strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    gate_strv_push(&names, e->d_name, strlen(e->d_name), err))
			goto out;
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (i = 0; i < names.n; i++)
		if (visit(out, dir, dirfd(d), names.v[i], depth, &params, err))
			goto out;
	for (i = 0; i < params.n; i++)
		if (pair_parameters(out, first, dir, params.v[i], err))
			goto out;
	rc = 0;
out:
	closedir(d);
	gate_strv_free(&names);
	gate_strv_free(&params);
	return rc;
}

int gate_discover(struct gate_found_list *out, const char *dir, gate_err *err)
{
	size_t len = strlen(dir);
	char *trimmed = gate_strdup(dir, err);
	int rc;

	if (!trimmed)
		return -1;
	/* "dir/" and "dir" name the same files the same way. */
	while (len > 1 && trimmed[len - 1] == '/')
		trimmed[--len] = '\0';
	rc = walk(out, trimmed, 0, err);
	free(trimmed);
	return rc;
}

void gate_found_list_free(struct gate_found_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].params_path);
		free(l->v[i].skipped);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
