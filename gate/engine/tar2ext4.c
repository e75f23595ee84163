#include "engine/tar2ext4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_WHITEOUT ".wh..wh..opq"

static struct gate_ext4_time ext4_time(struct gate_tar_time t)
{
	return (struct gate_ext4_time){ t.sec, t.nsec };
}

static uint16_t mode_type(char typeflag)
{
	switch (typeflag) {
	case '0': return GATE_S_IFREG;
	case '2': return GATE_S_IFLNK;
	case '3': return GATE_S_IFCHR;
	case '4': return GATE_S_IFBLK;
	case '5': return GATE_S_IFDIR;
	case '6': return GATE_S_IFIFO;
	default:  return 0;     /* the writer makes it a regular file */
	}
}

/* Handles ".wh.*" entries; returns 1 if h was one, 0 if not, -1 on error. */
static int whiteout(struct gate_tar2ext4 *t, const struct gate_tar_header *h, gate_err *err)
{
	const char *slash = strrchr(h->name, '/');
	const char *file = slash ? slash + 1 : h->name;
	size_t dir_len = (size_t)(file - h->name);
	char *path = t->path;

	if (strncmp(file, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)))
		return 0;
	if (!strcmp(file, OPAQUE_WHITEOUT)) {
		snprintf(path, sizeof(t->path), "%.*s", (int)dir_len, h->name);
		if (gate_ext4_add_xattr(t->ext4, path, "trusted.overlay.opaque", "y", err))
			return gate_err_prefix(err, "opaque whiteout of '%s'", path);
		return 1;
	}
	/* the name with ".wh." taken out: "dir/" + the whited-out file */
	if (snprintf(path, sizeof(t->path), "%.*s%s", (int)dir_len, h->name,
		     file + strlen(WHITEOUT_PREFIX)) >= (int)sizeof(t->path))
		return gate_err_set(err, GATE_EINPUT, "name too long");
	{
		struct gate_ext4_file f = { .mode = GATE_S_IFCHR };

		if (gate_ext4_create(t->ext4, path, &f, err))
			return gate_err_prefix(err, "whiteout of '%s'", path);
	}
	return 1;
}

static int on_entry(void *ctx, const struct gate_tar_header *h, gate_err *err)
{
	struct gate_tar2ext4 *t = ctx;
	struct gate_ext4_xattr *xs = NULL;
	int rc;

	if (gate_ext4_make_parents(t->ext4, h->name, err))
		goto fail;
	rc = whiteout(t, h, err);
	if (rc < 0)
		goto fail;
	/* Go's tar2ext4 reads no data for whiteouts and links, so its tar
	 * reader skips (and does not check) it. */
	if (rc > 0)
		return GATE_TAR_SKIP_DATA;
	if (h->typeflag == '1') {
		if (gate_ext4_link(t->ext4, h->linkname, h->name, err))
			goto fail;
		return GATE_TAR_SKIP_DATA;
	}
	if (h->xattr_count && !(xs = calloc(h->xattr_count, sizeof(*xs)))) {
		gate_err_nomem(err);
		goto fail;
	}
	for (size_t i = 0; i < h->xattr_count; i++)
		xs[i] = (struct gate_ext4_xattr){ h->xattrs[i].name, h->xattrs[i].value,
						  h->xattrs[i].value_size };
	{
		struct gate_ext4_file f = {
			.mode = (uint16_t)(((uint16_t)h->mode & ~GATE_S_IFMT) | mode_type(h->typeflag)),
			.uid = (uint32_t)h->uid,
			.gid = (uint32_t)h->gid,
			.size = h->size,
			.linkname = h->linkname,
			.atime = ext4_time(h->atime),
			.ctime = ext4_time(h->ctime),
			.mtime = ext4_time(h->mtime),
			.crtime = ext4_time(h->mtime),
			.devmajor = (uint32_t)h->devmajor,
			.devminor = (uint32_t)h->devminor,
			.xattrs = xs,
			.xattr_count = h->xattr_count,
		};

		rc = gate_ext4_create(t->ext4, h->name, &f, err);
	}
	free(xs);
	if (rc)
		goto fail;
	return 0;
fail:
	return gate_err_prefix(err, "tar entry '%s'", h->name);
}

static int on_data(void *ctx, const void *buf, size_t len, gate_err *err)
{
	struct gate_tar2ext4 *t = ctx;

	return gate_ext4_write(t->ext4, buf, len, err);
}

static int on_entry_end(void *ctx, gate_err *err)
{
	return 0;
}

struct gate_tar_handler gate_tar2ext4_handler(struct gate_tar2ext4 *t)
{
	return (struct gate_tar_handler){ on_entry, on_data, on_entry_end, t };
}
