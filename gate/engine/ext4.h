/*
 * ext4.h - a writer of compact, read-only ext4 images, laid out block for
 * block as hcsshim's compactext4 writer (the CCE policy reference) does.
 *
 * Files are added in tar order; file data is streamed to the image as it
 * arrives, and directories, the inode table, bitmaps, group descriptors and
 * the superblock are written by gate_ext4_close().  The image goes to a
 * gate_verity tree (and, for debugging, to a file descriptor); nothing of
 * it is kept in memory but per-inode metadata.
 *
 * Paths use '/' and are cleaned like Go's path.Clean below a root.
 */
#ifndef GATE_EXT4_H
#define GATE_EXT4_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "engine/verity.h"

#define GATE_EXT4_BLOCK_SIZE 4096u

/* Mode type bits (st_mode) */
#define GATE_S_IFMT   0xF000u
#define GATE_S_IFIFO  0x1000u
#define GATE_S_IFCHR  0x2000u
#define GATE_S_IFDIR  0x4000u
#define GATE_S_IFBLK  0x6000u
#define GATE_S_IFREG  0x8000u
#define GATE_S_IFLNK  0xA000u
#define GATE_S_IFSOCK 0xC000u

/* A point in time as Go's time.Time holds it: the reference converts
 * timestamps through it, clamping and normalising on the way. */
struct gate_ext4_time {
	int64_t sec;                    /* Unix seconds */
	int64_t nsec;                   /* 0 .. 999999999 */
};

/* Go's zero time.Time (year 1), which the reference stores as 0. */
#define GATE_EXT4_TIME_ZERO_SEC (-62135596800LL)

struct gate_ext4_xattr {
	const char *name;               /* full name, e.g. "security.capability" */
	const unsigned char *value;
	size_t value_size;
};

struct gate_ext4_file {
	uint16_t mode;                  /* type | permissions; type 0 means regular */
	uint32_t uid, gid;
	int64_t size;                   /* regular files: bytes to follow */
	const char *linkname;           /* symlinks */
	struct gate_ext4_time atime, ctime, mtime, crtime;
	uint32_t devmajor, devminor;
	const struct gate_ext4_xattr *xattrs;
	size_t xattr_count;
};

typedef struct gate_ext4 gate_ext4;

/* v receives the image; out_fd (or -1) gets a copy of it. */
int gate_ext4_new(gate_ext4 **out, gate_verity *v, int out_fd, gate_err *err);
void gate_ext4_free(gate_ext4 *w);

/* mkdir -p of name's parent directories; a missing one copies its own
 * parent's mode, owner and times, as the reference does. */
int gate_ext4_make_parents(gate_ext4 *w, const char *name, gate_err *err);

/* Adds or replaces name.  For a regular file, exactly f->size bytes must
 * follow through gate_ext4_write() before the next call. */
int gate_ext4_create(gate_ext4 *w, const char *name, const struct gate_ext4_file *f,
		     gate_err *err);

int gate_ext4_write(gate_ext4 *w, const void *buf, size_t len, gate_err *err);

/* Hard link newname to the existing oldname. */
int gate_ext4_link(gate_ext4 *w, const char *oldname, const char *newname, gate_err *err);

/* Re-creates name with its current attributes plus xattr name=value (the
 * OCI opaque whiteout: trusted.overlay.opaque=y on a directory). */
int gate_ext4_add_xattr(gate_ext4 *w, const char *name, const char *xattr_name,
			const char *value, gate_err *err);

/* Writes all metadata; the image is then complete. */
int gate_ext4_close(gate_ext4 *w, gate_err *err);

#endif
