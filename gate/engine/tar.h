/*
 * tar.h - a push parser for tar streams with Go archive/tar semantics.
 *
 * The reference layer hash reads layers with Go 1.19's archive/tar, so this
 * reader accepts exactly what it accepts and presents entries as it does:
 * USTAR, PAX (path, linkpath, size, uid, gid, mtime, atime, ctime with
 * nanoseconds, SCHILY.xattr.*, GNU sparse 0.0/0.1/1.0), GNU long names and
 * links, old GNU sparse, V7 '\0' regular files (a trailing slash on the final
 * name makes them directories), and the end of archive at a zero block or
 * at a clean EOF between entries or inside an entry's padding.
 *
 * Bytes are pushed in with gate_tar_write() in chunks of any size; the
 * handler is called back for each entry:
 *
 *   entry(header) data(bytes)* entry_end()
 *
 * data() receives the entry's logical content, never 0 bytes at a time:
 * header->size bytes for every type but the header-only ones ('1' to '6',
 * which get none), with sparse holes expanded as zeros (streamed, never
 * held).  entry_end() follows every entry(), also for empty entries.
 *
 * Memory: one PAX header (at most GATE_MAX_PAX_HEADER_SIZE bytes) and its
 * record index, one sparse map (at most GATE_MAX_SPARSE_ENTRIES entries),
 * two long names; nothing grows with the data.
 *
 * What Go returns and tar2ext4 then does, for the ext4 layer to mimic:
 *  - typeflag '0' (also V7 '\0' files), '2'..'6': as named.  '1': fs.Link.
 *  - typeflag 'g' (PAX global header): Go returns it as an entry with only
 *    name (its own header name, or its "path" record), typeflag and the
 *    xattrs of its records; mode, ids, size and times are 0, no data.
 *    tar2ext4 then creates it as a file with mode 0 of type 0, which
 *    compactext4 makes S_IFREG: an empty regular file, mode 0, times 0.
 *  - typeflag 'S' (old GNU sparse), '7' and any unknown typeflag: tar2ext4
 *    maps them to type 0, i.e. S_IFREG, with the mode's permission bits
 *    and header->size bytes of data.
 *  - Header-only types keep the size Go reports (header field or PAX
 *    "size", possibly nonzero or negative) but deliver no data; compactext4
 *    ignores it for them.
 *  - mode may carry S_IFMT bits; tar2ext4 keeps uint16(mode) & ~S_IFMT.
 *  - A time is {0,0} when absent, which tar2ext4 stores as 0 just like the
 *    epoch.  Go also stores 0 for the instant -62135596800.0 (time.Time's
 *    zero); other times are clamped by compactext4.
 *
 * Deviations from Go, all failing closed: names and link names holding a
 * NUL (possible through GNU.sparse.name),
 * sparse maps of more than GATE_MAX_SPARSE_ENTRIES entries, sparse files
 * larger than GATE_MAX_DISK_SIZE, and a global header whose records Go
 * would apply in random order (a bad numeric record next to "path") are
 * errors here.
 */
#ifndef GATE_TAR_H
#define GATE_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

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
	char typeflag;                  /* as Go returns it; V7 '\0' already mapped */
	int64_t mode;
	int64_t uid, gid;
	int64_t size;                   /* logical size (sparse files: expanded size) */
	int64_t devmajor, devminor;
	struct gate_tar_time mtime, atime, ctime;   /* {0,0} when absent */
	/* SCHILY.xattr.* records of the preceding PAX header, one per
	 * distinct name (the last record wins, as in Go's PAXRecords map,
	 * which tar2ext4 reads), empty values included, sorted by name. */
	const struct gate_tar_xattr *xattrs;
	size_t xattr_count;
};

/* entry() may return this to pass over the entry's data: tar2ext4 reads no
 * data for whiteouts, so Go never checks their sparse data against the map
 * (entry_end() still follows, once the data has gone by). */
#define GATE_TAR_SKIP_DATA 1

/* Each callback returns 0, or -1 with err set (passed through unchanged). */
struct gate_tar_handler {
	int (*entry)(void *ctx, const struct gate_tar_header *h, gate_err *err);
	int (*data)(void *ctx, const void *buf, size_t len, gate_err *err);
	int (*entry_end)(void *ctx, gate_err *err);
	void *ctx;
};

/* The header and everything it points to is valid only during entry(). */
int gate_tar_new(gate_tar **out, const struct gate_tar_handler *h, gate_err *err);
int gate_tar_write(gate_tar *t, const void *buf, size_t len, gate_err *err);
/* End of input: fails if it fell inside a header block, a special header,
 * a sparse map or entry data (Go: unexpected EOF).  After an error the
 * parser can only be freed. */
int gate_tar_finish(gate_tar *t, gate_err *err);
/* Bytes seen after the end-of-archive marker (two zero blocks), or -1
 * before it or when the archive ended without one. */
int64_t gate_tar_tail_size(const gate_tar *t);
void gate_tar_free(gate_tar *t);

#endif
