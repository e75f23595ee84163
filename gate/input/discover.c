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

#include <jansson.h>
#include <yaml.h>

#include "base/array.h"
#include "base/escape.h"
#include "base/limits.h"


enum kind { KIND_OTHER, KIND_TEMPLATE, KIND_PARAMETERS };

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* What makes a file a template: a "containers" key holding a list (ARM,
 * ACI YAML, Kubernetes, a legacy JSON policy) or a container group
 * resource type.  Compared after the reader's decoding, so that a JSON
 * escape (containerGroup\u0073), a quoted YAML key or a space before its
 * colon cannot hide a template. */
static bool is_containers(const char *s, size_t len)
{
	return len == strlen("containers") && !strncasecmp(s, "containers", len);
}

static bool is_group_type(const char *s, size_t len)
{
	static const char *const types[] = { "/containerGroups", "/containerGroupProfiles" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i]);

		if (len >= k && !strncasecmp(s + len - k, types[i], k))
			return true;
	}
	return false;
}

/* Whether v holds a marker.  Deeper than the readers go counts as a
 * template: the reader then says why it refuses it. */
static bool json_has_marker(const json_t *v, unsigned depth)
{
	const char *key;
	const json_t *m;
	size_t i;

	if (depth > GATE_MAX_NESTING_DEPTH)
		return true;
	if (json_is_string(v))
		return is_group_type(json_string_value(v), json_string_length(v));
	json_object_foreach((json_t *)v, key, m)
		if ((is_containers(key, strlen(key)) && json_is_array(m)) ||
		    json_has_marker(m, depth + 1))
			return true;
	json_array_foreach(v, i, m)
		if (json_has_marker(m, depth + 1))
			return true;
	return false;
}

static enum kind sniff_json(const char *buf, size_t len, const char **why)
{
	json_t *root = json_loadb(buf, len, 0, NULL);
	const char *schema;
	enum kind kind = KIND_OTHER;

	/* What does not parse may be a broken template: the reader says why. */
	if (!root)
		return KIND_TEMPLATE;
	schema = json_string_value(json_object_get(root, "$schema"));
	if (schema && strcasestr(schema, "deploymentParameters"))
		kind = KIND_PARAMETERS;
	else if (json_has_marker(root, 0))
		kind = KIND_TEMPLATE;
	else
		*why = "no container group in it";
	json_decref(root);
	return kind;
}

static enum kind sniff_yaml(const char *buf, size_t len, const char **why)
{
	enum kind kind = KIND_OTHER;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false, after_containers = false;

	if (!yaml_parser_initialize(&parser))
		return KIND_TEMPLATE;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && kind == KIND_OTHER) {
		/* What does not parse may be a broken template: the reader says why. */
		if (!yaml_parser_parse(&parser, &ev)) {
			kind = KIND_TEMPLATE;
			break;
		}
		/* A scalar "containers" followed by a list (or an alias, which may
		 * be one) is a key with its value: libyaml gives no other order. */
		if ((after_containers && (ev.type == YAML_SEQUENCE_START_EVENT ||
					  ev.type == YAML_ALIAS_EVENT)) ||
		    (ev.type == YAML_SCALAR_EVENT &&
		     is_group_type((const char *)ev.data.scalar.value, ev.data.scalar.length)))
			kind = KIND_TEMPLATE;
		after_containers = ev.type == YAML_SCALAR_EVENT &&
				   is_containers((const char *)ev.data.scalar.value,
						 ev.data.scalar.length);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (kind == KIND_OTHER)
		*why = "no containers in it";
	return kind;
}

/* What a file is, by its name and its content (all of it, up to the input
 * limit: a template may carry a large block before its resources).  A file
 * is skipped only when it parses and names no container group: a template
 * a scan skipped would read as a pass. */
static enum kind sniff(int dirfd, const char *name, const char **why)
{
	bool json = has_suffix(name, ".json"), yaml = has_suffix(name, ".yaml") || has_suffix(name, ".yml");
	size_t cap = GATE_MAX_TEMPLATE_SIZE, skip;
	enum kind kind;
	ssize_t n = 0, got;
	struct stat st;
	char *buf;
	int fd;

	*why = "not a .json, .yaml or .yml file";
	if (!json && !yaml)
		return KIND_OTHER;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	/* A symbolic link is not followed out of the tree; any other failure
	 * is the reader's to report, as for a file named on the command line. */
	if (fd < 0) {
		*why = "a symbolic link, not followed";
		return errno == ELOOP ? KIND_OTHER : KIND_TEMPLATE;
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
	/* The readers skip a byte order mark (input.c), and so does this. */
	skip = gate_utf8_bom_size(buf, (size_t)n);
	kind = json ? sniff_json(buf + skip, (size_t)n - skip, why)
		    : sniff_yaml(buf + skip, (size_t)n - skip, why);
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
