/*
 * tar.h - a push parser for tar streams with Go archive/tar semantics.
 *
 * The reference layer hash reads layers with Go's archive/tar, so this
 * reader accepts exactly what it accepts and presents entries as it does:
 * USTAR, PAX (path, linkpath, size, uid, gid, uname, gname, mtime, atime,
 * ctime with nanoseconds, SCHILY.xattr.*, GNU sparse 0.0/0.1/1.0), GNU long
 * names and links, old GNU sparse, V7 '\0' regular files (a trailing slash
 * makes them directories), and the end of archive at a zero block or at a
 * clean EOF between entries.
 *
 * Bytes are pushed in with gate_tar_write() in chunks of any size; the
 * handler is called back for each entry:
 *
 *   entry(header) data(bytes)* entry_end()
 *
 * data() receives the entry's logical content: exactly header->size bytes
 * for regular files, with sparse holes expanded as zeros, and nothing for
 * header-only types (directories, links, devices, fifos).
 */
#ifndef GATE_TAR_H
#define GATE_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct gate_tar gate_tar;

struct gate_tar_time {
	int64_t sec;
	int32_t nsec;
};

struct gate_tar_xattr {
	const char *name;               /* without the "SCHILY.xattr." prefix */
	const unsigned char *value;
	size_t value_size;
};

struct gate_tar_header {
	const char *name;               /* after PAX path / GNU long name */
	const char *linkname;           /* "" if none */
	char typeflag;                  /* '0','1','2','3','4','5','6',...; V7 '\0' already mapped */
	int64_t mode;
	int64_t uid, gid;
	int64_t size;                   /* logical size (sparse files: expanded size) */
	int64_t devmajor, devminor;
	struct gate_tar_time mtime, atime, ctime;   /* {0,0} when absent */
	/* SCHILY.xattr.* records, one per distinct name (last record wins, as
	 * in Go's PAXRecords map), in no particular order. */
	const struct gate_tar_xattr *xattrs;
	size_t xattr_count;
};

struct gate_tar_handler {
	int (*entry)(void *ctx, const struct gate_tar_header *h, gate_err *err);
	int (*data)(void *ctx, const void *buf, size_t len, gate_err *err);
	int (*entry_end)(void *ctx, gate_err *err);
	void *ctx;
};

/* The header and everything it points to is valid only during entry(). */
int gate_tar_new(gate_tar **out, const struct gate_tar_handler *h, gate_err *err);
int gate_tar_write(gate_tar *t, const void *buf, size_t len, gate_err *err);
/* End of input: fails if it fell inside an entry (Go: unexpected EOF). */
int gate_tar_finish(gate_tar *t, gate_err *err);
void gate_tar_free(gate_tar *t);

#endif
