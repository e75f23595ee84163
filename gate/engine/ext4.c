/*
 * ext4.c - compact ext4 images in the layout of hcsshim's compactext4.
 *
 * Layout (4 KiB blocks, one flex group spanning the image):
 *
 *   0          superblock (at byte 1024), written last
 *   1..gd      group descriptors, sized for the maximum disk size, written last
 *   gd+1..     file data, long symlink targets and xattr blocks in tar order,
 *              each file followed by its extent index block if it needs one
 *   ..         directories, depth first in inode-number order
 *   ..         inode table of all groups
 *   ..         block and inode bitmap of each group
 *   ..         zeros up to the start of the last group plus one block
 *
 * Every quirk of the reference that shows in the bytes is kept on purpose,
 * and marked "reference:" where it is not what ext4 itself would do.
 */
#include "engine/ext4.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/gosort.h"
#include "base/arena.h"
#include "base/limits.h"
#include "base/siphash.h"

#define BLOCK                   GATE_EXT4_BLOCK_SIZE
#define BLOCKS_PER_GROUP        (BLOCK * 8)
#define INODE_SIZE              256u
#define INODE_USED_SIZE         152u    /* fields through i_crtime_extra */
#define INODE_EXTRA_SIZE        (INODE_SIZE - INODE_USED_SIZE)  /* inline xattr space */
#define EXTRA_ISIZE             (INODE_USED_SIZE - 128u)
#define MAX_INODES_PER_GROUP    (BLOCK * 8)
#define INODES_PER_GROUP_STEP   (BLOCK / INODE_SIZE)
#define GROUP_DESC_SIZE         32u     /* the small (non-64bit) descriptor */
#define GROUPS_PER_DESC_BLOCK   (BLOCK / GROUP_DESC_SIZE)
#define FIRST_INO               11u
#define ROOT_INO                2u
#define MAX_FILE_SIZE           (128LL << 30)
#define SMALL_SYMLINK_SIZE      59      /* targets up to this live in i_block */
#define MAX_BLOCKS_PER_EXTENT   0x8000u
#define EXTENT_NODE_SIZE        12u
#define EXTENTS_PER_BLOCK       (BLOCK / EXTENT_NODE_SIZE - 1)
#define MAX_LINKS               65000u
#define SMALL_DIR_ENTRIES       8u      /* up to this many, found by a scan, no index */
#define XATTR_INODE_OVERHEAD    (4 + 4)         /* magic + empty terminating entry */
#define XATTR_BLOCK_OVERHEAD    (32 + 4)        /* header + empty terminating entry */
#define XATTR_MAGIC             0xEA020000u
#define EXTENT_MAGIC            0xF30Au
#define SUPER_MAGIC             0xEF53u

#define EXT4_HUGE_FILE_FL       0x40000u
#define EXT4_EXTENTS_FL         0x80000u

#define GO_TIME_ZERO_SEC        GATE_EXT4_TIME_ZERO_SEC

struct dirent_ {
	char *name;
	size_t name_len;
	struct node *node;
};

/* Children of a directory: entries in insertion order (a name is replaced
 * in place, never removed) and, past SMALL_DIR_ENTRIES, an open-addressing
 * index over them.  Most directories are small, and a deep path makes half
 * a million of them. */
struct dir {
	struct dirent_ *ents;           /* in the arena while cap is 1, then malloc'd */
	uint32_t n, cap;
	uint32_t *slots;                /* entry index + 1; 0 is empty */
	uint32_t slot_count;            /* power of two, or 0: no index */
};

struct node {
	uint32_t number;
	uint16_t mode;
	uint32_t uid, gid;
	uint32_t link_count;
	uint32_t xattr_block;
	uint32_t block_count;
	uint32_t devmajor, devminor;
	uint32_t flags;
	int64_t size;
	uint64_t atime, ctime, mtime, crtime;   /* ext4 seconds | nsec << 34 */
	unsigned char data[60];         /* i_block: extents or a short symlink */
	size_t data_len;
	unsigned char *xattr_inline;    /* INODE_EXTRA_SIZE bytes, or NULL */
	unsigned char *xattr_raw;       /* copy of the xattr block, or NULL */
	struct dir *dir;                /* directories only */
};

struct gate_ext4 {
	gate_verity *verity;
	gate_arena *arena;              /* nodes, their dirs and entry names */
	int out_fd;
	struct node **inodes;           /* inodes[i] is inode i+1; NULL: unused */
	uint32_t inode_count, inode_cap;
	uint32_t hard_links;            /* link entries so far: GATE_MAX_HARD_LINKS */
	uint64_t pos;                   /* bytes of the image written so far */
	uint64_t max_disk_size;
	uint32_t gd_blocks;
	struct node *cur;               /* file whose data is being written */
	char cur_name[GATE_MAX_NAME_SIZE + 1];
	int64_t data_written, data_max;
	char name_buf[GATE_MAX_NAME_SIZE + 2];
	char parents[GATE_MAX_NAME_SIZE + 2];   /* scratch of make_parents */
};

struct xattr {
	char *name;                     /* full name */
	unsigned char *value;
	size_t value_size;
};

struct xattr_list {
	struct xattr *v;
	size_t n, cap;
};

/* ---- little-endian stores ---- */

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint32_t get16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | get16(p + 2) << 16;
}

/* ---- the image device: sequential writes plus whole-block rewrites ---- */

static int dev_out(gate_ext4 *w, const void *buf, size_t len, uint64_t off, gate_err *err)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(w->out_fd, p, len, (off_t)off);

		if (n < 0)
			return gate_err_set(err, GATE_EVERIFY, "cannot write ext4 image: %s",
					    strerror(errno));
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int check_room(gate_ext4 *w, uint64_t len, gate_err *err)
{
	if (w->pos + len > w->max_disk_size)
		return gate_err_set(err, GATE_EINPUT, "disk exceeded maximum size of %llu bytes",
				    (unsigned long long)w->max_disk_size);
	return 0;
}

static int dev_write(gate_ext4 *w, const void *buf, size_t len, gate_err *err)
{
	if (check_room(w, len, err) || gate_verity_write(w->verity, buf, len, err))
		return -1;
	if (w->out_fd >= 0 && dev_out(w, buf, len, w->pos, err))
		return -1;
	w->pos += len;
	return 0;
}

static int dev_zero(gate_ext4 *w, uint64_t n, gate_err *err)
{
	if (check_room(w, n, err) || gate_verity_zero(w->verity, n, err))
		return -1;
	/* The debug image gets its zeros by extension (ftruncate at close). */
	w->pos += n;
	return 0;
}

static int dev_put_block(gate_ext4 *w, uint32_t blk, const void *block, gate_err *err)
{
	if (gate_verity_put_block(w->verity, blk, block, err))
		return -1;
	if (w->out_fd >= 0)
		return dev_out(w, block, BLOCK, (uint64_t)blk * BLOCK, err);
	return 0;
}

static uint32_t cur_block(const gate_ext4 *w)
{
	return (uint32_t)(w->pos / BLOCK);
}

static int next_block(gate_ext4 *w, gate_err *err)
{
	if (w->pos % BLOCK)
		return dev_zero(w, BLOCK - w->pos % BLOCK, err);
	return 0;
}

/* ---- timestamps, through Go's time.Time as the reference does ---- */

static struct gate_ext4_time go_time_unix(int64_t sec, int64_t nsec)
{
	struct gate_ext4_time t;

	if (nsec < 0 || nsec >= 1000000000) {
		int64_t n = nsec / 1000000000;

		sec += n;
		nsec -= n * 1000000000;
		if (nsec < 0) {
			nsec += 1000000000;
			sec--;
		}
	}
	t.sec = sec;
	t.nsec = nsec;
	return t;
}

static int go_time_is_zero(struct gate_ext4_time t)
{
	return t.sec == GO_TIME_ZERO_SEC && t.nsec == 0;
}

/* 34 bits of seconds and 30 of nanoseconds.  reference: out-of-range
 * seconds clamp without their nanoseconds, and a negative time sets all the
 * high bits (the OR with nsec << 34 then mixes into them). */
static uint64_t time_to_fs(struct gate_ext4_time t)
{
	if (go_time_is_zero(t))
		return 0;
	if (t.sec < -0x80000000LL)
		return 0x80000000u;
	if (t.sec > 0x37fffffffLL)
		return 0x37fffffffULL;
	return (uint64_t)t.sec | (uint64_t)t.nsec << 34;
}

static struct gate_ext4_time fs_to_time(uint64_t t)
{
	int64_t s;

	if (t == 0)
		return (struct gate_ext4_time){ GO_TIME_ZERO_SEC, 0 };
	s = (int64_t)(t & 0x3ffffffffULL);
	if (s > 0x7fffffff && s < 0x100000000LL)
		s = (int32_t)(uint32_t)s;
	return go_time_unix(s, (int64_t)(t >> 34));
}

/* ---- extended attributes ---- */

static const struct {
	uint8_t index;
	const char *prefix;
} xattr_prefixes[] = {
	{ 2, "system.posix_acl_access" },
	{ 3, "system.posix_acl_default" },
	{ 8, "system.richacl" },
	{ 7, "system." },
	{ 1, "user." },
	{ 4, "trusted." },
	{ 6, "security." },
};

#define N_PREFIXES (sizeof(xattr_prefixes) / sizeof(xattr_prefixes[0]))

static void xattr_list_free(struct xattr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct xattr *xattr_find(struct xattr_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* Sets name to value, replacing an earlier value (map semantics). */
static int xattr_set(struct xattr_list *l, const char *name, size_t name_len,
		     const unsigned char *value, size_t value_size, gate_err *err)
{
	struct xattr *x;
	unsigned char *copy = malloc(value_size ? value_size : 1);
	char *name_copy;

	if (!copy)
		return gate_err_nomem(err);
	if (value_size)
		memcpy(copy, value, value_size);
	name_copy = strndup(name, name_len);
	if (!name_copy) {
		free(copy);
		return gate_err_nomem(err);
	}
	x = xattr_find(l, name_copy);
	if (x) {
		free(name_copy);
		free(x->value);
		x->value = copy;
		x->value_size = value_size;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct xattr *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			free(name_copy);
			return gate_err_nomem(err);
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct xattr){ name_copy, copy, value_size };
	return 0;
}

static void xattr_del(struct xattr_list *l, const char *name)
{
	struct xattr *x = xattr_find(l, name);

	if (!x)
		return;
	free(x->name);
	free(x->value);
	*x = l->v[--l->n];
}

/* One on-disk entry: the name is stored without its well-known prefix. */
struct xentry {
	uint8_t index;
	const char *name;
	size_t name_len;
	const unsigned char *value;
	size_t value_size;
};

static size_t xentry_len(size_t name_len)
{
	return ((name_len + 3) & ~(size_t)3) + 16;
}

static size_t xvalue_len(size_t value_size)
{
	return (value_size + 3) & ~(size_t)3;
}

static struct xentry compress_name(const struct xattr *x)
{
	struct xentry e = { 0, x->name, strlen(x->name), x->value, x->value_size };

	for (size_t i = 0; i < N_PREFIXES; i++) {
		size_t n = strlen(xattr_prefixes[i].prefix);

		if (!strncmp(x->name, xattr_prefixes[i].prefix, n)) {
			e.index = xattr_prefixes[i].index;
			e.name += n;
			e.name_len -= n;
			break;
		}
	}
	return e;
}

static uint32_t xattr_hash(const struct xentry *e)
{
	uint32_t hash = 0;
	size_t i;

	for (i = 0; i < e->name_len; i++)
		hash = (hash << 5) ^ (hash >> 27) ^ (uint32_t)(unsigned char)e->name[i];
	for (i = 0; i + 3 < e->value_size; i += 4)
		hash = (hash << 16) ^ (hash >> 16) ^ get32(e->value + i);
	if (e->value_size % 4) {
		unsigned char last[4] = { 0 };

		memcpy(last, e->value + (e->value_size & ~(size_t)3), e->value_size % 4);
		hash = (hash << 16) ^ (hash >> 16) ^ get32(last);
	}
	return hash;
}

/* Entries grow from the front of b, values from its back; value offsets
 * are relative to b minus offset_delta. */
static void put_xattrs(const struct xentry *xs, size_t n, unsigned char *b, size_t b_len,
		       uint16_t offset_delta)
{
	uint16_t offset = (uint16_t)(b_len + offset_delta);
	unsigned char *eb = b;
	size_t db_len = b_len;

	for (size_t i = 0; i < n; i++) {
		size_t vl = xvalue_len(xs[i].value_size);

		offset = (uint16_t)(offset - vl);
		eb[0] = (uint8_t)xs[i].name_len;        /* reference: truncated above 255 */
		eb[1] = xs[i].index;
		put16(eb + 2, offset);
		put32(eb + 8, (uint32_t)xs[i].value_size);
		put32(eb + 12, xattr_hash(&xs[i]));
		memcpy(eb + 16, xs[i].name, xs[i].name_len);
		eb += xentry_len(xs[i].name_len);
		memcpy(b + db_len - vl, xs[i].value, xs[i].value_size);
		db_len -= vl;
	}
}

/* Reads entries back as the reference's getXattrs does, stopping at an
 * empty name (so an attribute whose name is exactly a prefix, like
 * "user.", and all after it, are lost on re-reading; reference quirk). */
static int get_xattrs(const unsigned char *b, size_t b_len, uint16_t offset_delta,
		      struct xattr_list *out, gate_err *err)
{
	size_t pos = 0;

	while (pos < b_len) {
		const unsigned char *eb = b + pos;
		size_t name_len, value_size, off;
		char name[300];
		int n;

		if (eb[0] == 0)
			break;
		name_len = eb[0];
		/* The reference panics (so makes no image) where this fails:
		 * a short tail, eb[16:16+nameLen] with the end computed in
		 * uint8 (names of 240..255 bytes), a value out of the table,
		 * or an entry running past the end. */
		if (16 + name_len > b_len - pos || (uint8_t)(16 + name_len) < 16 ||
		    xentry_len(name_len) > b_len - pos)
			return gate_err_set(err, GATE_EINPUT, "xattr table cannot be read back");
		off = (uint16_t)(get16(eb + 2) - offset_delta);
		value_size = get32(eb + 8);
		if (off > b_len || value_size > b_len - off)
			return gate_err_set(err, GATE_EINPUT, "xattr table cannot be read back");
		n = 0;
		for (size_t i = 0; i < N_PREFIXES; i++)
			if (xattr_prefixes[i].index == eb[1]) {
				n = snprintf(name, sizeof(name), "%s", xattr_prefixes[i].prefix);
				break;
			}
		memcpy(name + n, eb + 16, name_len);
		if (xattr_set(out, name, (size_t)n + name_len, b + off, value_size, err))
			return -1;
		pos += xentry_len(name_len);
	}
	return 0;
}

/* reference: the block's entries are ordered with
 *   a.index < b.index || len(a.name) < len(b.name) || a.name < b.name
 * which is not a strict weak order, so the result depends on the sort
 * algorithm: Go's sort.Slice, reproduced in gosort.c. */
static int xentry_less(void *ctx, size_t i, size_t j)
{
	const struct xentry *a = (const struct xentry *)ctx + i, *b = (const struct xentry *)ctx + j;
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);

	return a->index < b->index || a->name_len < b->name_len || c < 0;
}

static void xentry_swap(void *ctx, size_t i, size_t j)
{
	struct xentry *xs = ctx, t = xs[i];

	xs[i] = xs[j];
	xs[j] = t;
}

static void sort_block_xattrs(struct xentry *xs, size_t n)
{
	struct gate_gosort s = { xentry_less, xentry_swap, xs };

	gate_gosort_slice(&s, n);
}

static int cmp_xattr_name(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

/* Places xattrs (sorted by full name) inline while they fit, else in the
 * xattr block, and writes both. */
static int write_xattrs(gate_ext4 *w, struct node *node, struct xattr_list *l, gate_err *err)
{
	struct xentry *in = NULL, *blk = NULL;
	size_t n_in = 0, n_blk = 0;
	size_t inode_left = INODE_EXTRA_SIZE - XATTR_INODE_OVERHEAD;
	size_t block_left = BLOCK - XATTR_BLOCK_OVERHEAD;
	int rc = -1;

	if (l->n) {
		qsort(l->v, l->n, sizeof(*l->v), cmp_xattr_name);
		in = calloc(l->n, sizeof(*in));
		blk = calloc(l->n, sizeof(*blk));
		if (!in || !blk) {
			gate_err_nomem(err);
			goto out;
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		struct xentry e = compress_name(&l->v[i]);
		size_t len = xentry_len(e.name_len) + xvalue_len(e.value_size);

		if (inode_left >= len) {
			in[n_in++] = e;
			inode_left -= len;
		} else if (block_left >= len) {
			blk[n_blk++] = e;
			block_left -= len;
		} else {
			gate_err_set(err, GATE_EINPUT, "could not fit xattr %s", l->v[i].name);
			goto out;
		}
	}

	if (n_in) {
		node->xattr_inline = calloc(1, INODE_EXTRA_SIZE);
		if (!node->xattr_inline) {
			gate_err_nomem(err);
			goto out;
		}
		put32(node->xattr_inline, XATTR_MAGIC);
		put_xattrs(in, n_in, node->xattr_inline + 4, INODE_EXTRA_SIZE - 4, 0);
	}

	/* An inode that had an xattr block keeps (and rewrites) it even when
	 * it is now empty. */
	if (n_blk || node->xattr_block) {
		unsigned char b[BLOCK] = { 0 };

		sort_block_xattrs(blk, n_blk);
		put32(b, XATTR_MAGIC);
		put32(b + 4, 1);        /* h_refcount */
		put32(b + 8, 1);        /* h_blocks */
		put_xattrs(blk, n_blk, b + 32, BLOCK - 32, 32);
		if (!node->xattr_raw && !(node->xattr_raw = malloc(BLOCK))) {
			gate_err_nomem(err);
			goto out;
		}
		memcpy(node->xattr_raw, b, BLOCK);
		if (node->xattr_block == 0) {
			node->xattr_block = cur_block(w);
			node->block_count++;
			if (dev_write(w, b, BLOCK, err))
				goto out;
		} else if (dev_put_block(w, node->xattr_block, b, err)) {
			goto out;
		}
	}
	rc = 0;
out:
	free(in);
	free(blk);
	return rc;
}

/* ---- directories ---- */

/* Keyed: the names come from the layer, and with a hash they could
 * predict they would all land in one probe chain. */
static uint32_t name_hash(const char *s, size_t n)
{
	return (uint32_t)gate_siphash(s, n);
}

static struct dirent_ *dir_find(const struct dir *d, const char *name, size_t len)
{
	uint32_t mask, i;

	if (!d)
		return NULL;
	if (!d->slot_count) {
		for (uint32_t k = 0; k < d->n; k++)
			if (d->ents[k].name_len == len && !memcmp(d->ents[k].name, name, len))
				return &d->ents[k];
		return NULL;
	}
	mask = d->slot_count - 1;
	for (i = name_hash(name, len) & mask; d->slots[i]; i = (i + 1) & mask) {
		struct dirent_ *e = &d->ents[d->slots[i] - 1];

		if (e->name_len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

static int dir_reindex(struct dir *d, uint32_t slot_count, gate_err *err)
{
	uint32_t *slots = calloc(slot_count, sizeof(*slots));

	if (!slots)
		return gate_err_nomem(err);
	free(d->slots);
	d->slots = slots;
	d->slot_count = slot_count;
	for (uint32_t k = 0; k < d->n; k++) {
		uint32_t i = name_hash(d->ents[k].name, d->ents[k].name_len) & (slot_count - 1);

		while (slots[i])
			i = (i + 1) & (slot_count - 1);
		slots[i] = k + 1;
	}
	return 0;
}

/* dir[name] = child, as a map assignment. */
static int dir_set(gate_ext4 *w, struct dir *d, const char *name, size_t len, struct node *child,
		   gate_err *err)
{
	struct dirent_ *e = dir_find(d, name, len);

	if (e) {
		e->node = child;
		return 0;
	}
	if (!d->cap) {
		/* most directories have one entry: a deep path's, usr/ */
		if (!(d->ents = gate_arena_alloc(w->arena, sizeof(*d->ents), err)))
			return -1;
		d->cap = 1;
	} else if (d->n == d->cap) {
		uint32_t cap = 2 * d->cap;
		struct dirent_ *ents = d->cap == 1 ? malloc(cap * sizeof(*ents))
				       : realloc(d->ents, cap * sizeof(*ents));

		if (!ents)
			return gate_err_nomem(err);
		if (d->cap == 1)
			ents[0] = d->ents[0];
		d->ents = ents;
		d->cap = cap;
	}
	e = &d->ents[d->n];
	if (!(e->name = gate_arena_strndup(w->arena, name, len, err)))
		return -1;
	e->name_len = len;
	e->node = child;
	d->n++;
	if (d->n <= SMALL_DIR_ENTRIES)
		return 0;
	if (2 * d->n > d->slot_count)
		return dir_reindex(d, d->slot_count ? 2 * d->slot_count : 4 * SMALL_DIR_ENTRIES, err);
	{
		uint32_t mask = d->slot_count - 1, i = name_hash(name, len) & mask;

		while (d->slots[i])
			i = (i + 1) & mask;
		d->slots[i] = d->n;
	}
	return 0;
}

static int is_dir(const struct node *n)
{
	return (n->mode & GATE_S_IFMT) == GATE_S_IFDIR;
}

/* ---- paths ---- */

/* Go's path.Clean("/" + name) without the leading slash, into w->name_buf. */
static int clean_path(gate_ext4 *w, const char *name, gate_err *err)
{
	char *out = w->name_buf;
	size_t len = 0;
	const char *p = name;

	while (*p) {
		const char *s = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (*p)
			p++;
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;          /* the separator before it */
			continue;
		}
		if (len + (len ? 1 : 0) + n > GATE_MAX_NAME_SIZE)
			return gate_err_set(err, GATE_EINPUT, "name too long");
		if (len)
			out[len++] = '/';
		memcpy(out + len, s, n);
		len += n;
	}
	out[len] = '\0';
	return 0;
}

struct lookup {
	struct node *dir, *child;
	const char *childname;          /* in w->name_buf */
	size_t childname_len;
};

static struct node *root_node(const gate_ext4 *w)
{
	return w->inodes[ROOT_INO - 1];
}

static int lookup(gate_ext4 *w, const char *name, int must_exist, struct lookup *lk, gate_err *err)
{
	char *slash;
	struct node *dir = root_node(w);

	if (clean_path(w, name, err))
		return -1;
	if (!w->name_buf[0]) {
		*lk = (struct lookup){ dir, dir, w->name_buf, 0 };
		return 0;
	}
	slash = strrchr(w->name_buf, '/');
	lk->childname = slash ? slash + 1 : w->name_buf;
	lk->childname_len = strlen(lk->childname);
	if (lk->childname_len > 0xff)
		return gate_err_set(err, GATE_EINPUT, "invalid name: a component is over 255 bytes");
	if (slash) {
		const char *p = w->name_buf;

		while (dir && p < slash) {
			const char *e = memchr(p, '/', (size_t)(slash - p));
			struct dirent_ *d;

			if (!e)
				e = slash;
			d = dir_find(dir->dir, p, (size_t)(e - p));
			dir = d ? d->node : NULL;
			p = e + 1;
		}
	}
	if (!dir || !is_dir(dir))
		return gate_err_set(err, GATE_EINPUT, "path not found");
	lk->dir = dir;
	{
		struct dirent_ *d = dir_find(dir->dir, lk->childname, lk->childname_len);

		lk->child = d ? d->node : NULL;
	}
	if (!lk->child && must_exist)
		return gate_err_set(err, GATE_EINPUT, "file not found");
	return 0;
}

/* ---- inodes ---- */

static void start_inode(gate_ext4 *w, const char *name, struct node *node, int64_t size)
{
	w->cur = node;
	snprintf(w->cur_name, sizeof(w->cur_name), "%s", name);
	w->data_written = 0;
	w->data_max = size;
}

static void fill_extents(unsigned char *hdr, uint32_t n, uint16_t max, uint32_t start_block,
			 uint32_t offset, uint32_t total_blocks)
{
	put16(hdr, EXTENT_MAGIC);
	put16(hdr + 2, n);
	put16(hdr + 4, max);
	put16(hdr + 6, 0);
	for (uint32_t i = 0; i < n; i++) {
		unsigned char *e = hdr + EXTENT_NODE_SIZE * (1 + i);
		uint32_t block = offset + i * MAX_BLOCKS_PER_EXTENT;
		uint32_t length = total_blocks - block;         /* reference: wraps past the end */

		if (length > MAX_BLOCKS_PER_EXTENT)
			length = MAX_BLOCKS_PER_EXTENT;
		put32(e, block);                        /* ee_block */
		put16(e + 4, length);                   /* ee_len */
		put16(e + 6, 0);                        /* ee_start_hi */
		put32(e + 8, start_block + block);      /* ee_start_lo */
	}
}

/* Pads the file's last block and records its extents: up to four in
 * i_block, else one level of index blocks written right after the data. */
static int write_extents(gate_ext4 *w, struct node *node, gate_err *err)
{
	uint64_t start = w->pos - (uint64_t)w->data_written;
	uint32_t start_block, blocks, used_blocks, extents;

	if (next_block(w, err))
		return -1;
	start_block = (uint32_t)(start / BLOCK);
	blocks = cur_block(w) - start_block;
	used_blocks = blocks;
	extents = (blocks + MAX_BLOCKS_PER_EXTENT - 1) / MAX_BLOCKS_PER_EXTENT;

	memset(node->data, 0, sizeof(node->data));
	if (extents == 0) {
		node->data_len = 0;
	} else if (extents <= 4) {
		fill_extents(node->data, extents, 4, start_block, 0, blocks);
		node->data_len = 60;
	} else if (extents <= 4 * EXTENTS_PER_BLOCK) {
		/* reference: one more leaf block than needed when extents is a
		 * multiple of EXTENTS_PER_BLOCK, and the leaf count below uses
		 * extent_blocks where EXTENTS_PER_BLOCK was meant. */
		uint32_t extent_blocks = extents / EXTENTS_PER_BLOCK + 1;

		if (extent_blocks > 4)
			return gate_err_set(err, GATE_EINPUT, "%s: file too big for the extent tree",
					    w->cur_name);
		used_blocks += extent_blocks;
		put16(node->data, EXTENT_MAGIC);
		put16(node->data + 2, extent_blocks);
		put16(node->data + 4, 4);
		put16(node->data + 6, 1);               /* eh_depth */
		for (uint32_t i = 0; i < extent_blocks; i++) {
			unsigned char leaf[BLOCK] = { 0 };
			unsigned char *idx = node->data + EXTENT_NODE_SIZE * (1 + i);
			uint32_t in_block = extents - i * extent_blocks;
			uint32_t offset = i * EXTENTS_PER_BLOCK * MAX_BLOCKS_PER_EXTENT;

			if (in_block > EXTENTS_PER_BLOCK)
				in_block = EXTENTS_PER_BLOCK;
			put32(idx, offset);                     /* ei_block */
			put32(idx + 4, cur_block(w));           /* ei_leaf_lo */
			/* reference: the leaf's physical start adds offset twice */
			fill_extents(leaf, in_block, EXTENTS_PER_BLOCK, start_block + offset, offset,
				     blocks);
			if (dev_write(w, leaf, BLOCK, err))
				return -1;
		}
		node->data_len = 60;
	} else {
		return gate_err_set(err, GATE_EINPUT, "%s: file too big", w->cur_name);
	}
	node->flags |= EXT4_EXTENTS_FL;
	node->block_count += used_blocks;
	return 0;
}

static int finish_inode(gate_ext4 *w, gate_err *err)
{
	if (!w->cur)
		return 0;
	if (w->data_written != w->data_max)
		return gate_err_set(err, GATE_EINPUT, "%s: %lld of %lld bytes written",
				    w->cur_name, (long long)w->data_written, (long long)w->data_max);
	if (w->data_max != 0 && write_extents(w, w->cur, err))
		return -1;
	w->cur = NULL;
	w->data_written = w->data_max = 0;
	return 0;
}

int gate_ext4_write(gate_ext4 *w, const void *buf, size_t len, gate_err *err)
{
	if (len == 0)
		return 0;
	if ((uint64_t)w->data_written + len > (uint64_t)w->data_max)
		return gate_err_set(err, GATE_EINPUT, "%s: wrote too much: %llu > %lld",
				    w->cur ? w->cur_name : "(no file)",
				    (unsigned long long)(w->data_written + (int64_t)len),
				    (long long)w->data_max);
	if (dev_write(w, buf, len, err))
		return -1;
	w->data_written += (int64_t)len;
	return 0;
}

static int append_inode(gate_ext4 *w, struct node *node, gate_err *err)
{
	if (w->inode_count == w->inode_cap) {
		uint32_t cap = w->inode_cap ? 2 * w->inode_cap : 64;
		struct node **v = realloc(w->inodes, cap * sizeof(*v));

		if (!v)
			return gate_err_nomem(err);
		w->inodes = v;
		w->inode_cap = cap;
	}
	w->inodes[w->inode_count++] = node;
	return 0;
}

static void free_node(struct node *n)
{
	if (!n)
		return;
	/* the node, its dir and the names are in the arena */
	if (n->dir) {
		if (n->dir->cap > 1)
			free(n->dir->ents);
		free(n->dir->slots);
	}
	free(n->xattr_inline);
	free(n->xattr_raw);
}

/* Fills a new inode, or updates reuse in place (an existing file or
 * directory replaced by an entry of the same name). */
static int make_inode(gate_ext4 *w, const struct gate_ext4_file *f, struct node *reuse,
		      struct node **out, gate_err *err)
{
	uint16_t mode = f->mode, typ;
	struct node *node = reuse;
	struct xattr_list xl = { 0 };
	int64_t size = 0;
	int rc = -1;

	if (!(mode & GATE_S_IFMT))
		mode |= GATE_S_IFREG;
	typ = mode & GATE_S_IFMT;
	if (w->inode_count >= GATE_MAX_INODES)
		return gate_err_set(err, GATE_EINPUT,
				    "more than %u inodes, gate's bound on memory (GATE_MAX_INODES)",
				    GATE_MAX_INODES);
	if (!node) {
		if (!(node = gate_arena_alloc(w->arena, sizeof(*node), err)))
			return -1;
		node->number = w->inode_count + 1;
		if (typ == GATE_S_IFDIR) {
			if (!(node->dir = gate_arena_alloc(w->arena, sizeof(*node->dir), err)))
				return -1;
			node->link_count = 1;   /* a directory links to itself */
		}
	} else if (node->flags & EXT4_EXTENTS_FL) {
		/* Blocks are never freed or reused, so data already written
		 * cannot be replaced. */
		return gate_err_set(err, GATE_EINPUT, "cannot overwrite a file that already has data (blocks are never freed)");
	}
	node->mode = mode;
	node->uid = f->uid;
	node->gid = f->gid;
	node->flags = EXT4_HUGE_FILE_FL;
	node->atime = time_to_fs(f->atime);
	node->ctime = time_to_fs(f->ctime);
	node->mtime = time_to_fs(f->mtime);
	node->crtime = time_to_fs(f->crtime);
	node->devmajor = f->devmajor;
	node->devminor = f->devminor;
	node->data_len = 0;
	memset(node->data, 0, sizeof(node->data));

	/* Given xattrs win over those the inode already had inline (its xattr
	 * block, if any, is not merged: reference behaviour). */
	for (size_t i = 0; i < f->xattr_count; i++)
		if (xattr_set(&xl, f->xattrs[i].name, strlen(f->xattrs[i].name),
			      f->xattrs[i].value, f->xattrs[i].value_size, err))
			goto out;
	if (node->xattr_inline) {
		struct xattr_list old = { 0 };

		if (get_xattrs(node->xattr_inline + 4, INODE_EXTRA_SIZE - 4, 0, &old, err)) {
			xattr_list_free(&old);
			goto out;
		}
		for (size_t i = 0; i < old.n; i++)
			if (!xattr_find(&xl, old.v[i].name) &&
			    xattr_set(&xl, old.v[i].name, strlen(old.v[i].name), old.v[i].value,
				      old.v[i].value_size, err)) {
				xattr_list_free(&old);
				goto out;
			}
		xattr_list_free(&old);
		free(node->xattr_inline);
		node->xattr_inline = NULL;
	}

	switch (typ) {
	case GATE_S_IFREG:
		size = f->size;
		if (size > MAX_FILE_SIZE) {
			gate_err_set(err, GATE_EINPUT, "file too big: %lld > %lld", (long long)size,
				     (long long)MAX_FILE_SIZE);
			goto out;
		}
		break;
	case GATE_S_IFLNK:
		node->mode |= 0777;
		size = (int64_t)strlen(f->linkname ? f->linkname : "");
		if (size <= SMALL_SYMLINK_SIZE) {
			memcpy(node->data, f->linkname, (size_t)size);
			node->data_len = (size_t)size;
		}
		break;
	case GATE_S_IFDIR: case GATE_S_IFIFO: case GATE_S_IFSOCK:
	case GATE_S_IFCHR: case GATE_S_IFBLK:
		break;
	default:
		gate_err_set(err, GATE_EINPUT, "invalid mode %o", mode);
		goto out;
	}

	if (write_xattrs(w, node, &xl, err))
		goto out;
	node->size = size;
	if (typ == GATE_S_IFLNK && size > SMALL_SYMLINK_SIZE) {
		start_inode(w, "(symlink target)", node, size);
		if (gate_ext4_write(w, f->linkname, (size_t)size, err) || finish_inode(w, err))
			goto out;
	}
	if (!reuse && append_inode(w, node, err))
		goto out;
	*out = node;
	rc = 0;
out:
	xattr_list_free(&xl);
	if (rc && !reuse)
		free_node(node);
	return rc;
}

/* ---- the operations of tar2ext4 ---- */

/* The attributes of an existing inode, as the reference's Stat returns
 * them: times go back through Go's time.Time. */
static struct gate_ext4_file node_file(const struct node *n)
{
	return (struct gate_ext4_file){
		.mode = n->mode,
		.uid = n->uid,
		.gid = n->gid,
		.size = n->size,
		.atime = fs_to_time(n->atime),
		.ctime = fs_to_time(n->ctime),
		.mtime = fs_to_time(n->mtime),
		.crtime = fs_to_time(n->crtime),
		.devmajor = n->devmajor,
		.devminor = n->devminor,
	};
}

/* Creates or replaces lk->childname in lk->dir; name is for messages. */
static int create_at(gate_ext4 *w, const struct lookup *lk, const char *name,
		     const struct gate_ext4_file *f, struct node **out, gate_err *err)
{
	struct node *reuse = NULL, *child;
	uint16_t ftype = f->mode & GATE_S_IFMT;

	if (lk->child) {
		if (is_dir(lk->child)) {
			if (ftype != GATE_S_IFDIR)
				return gate_err_set(err, GATE_EINPUT,
						    "cannot replace a directory with a file");
			reuse = lk->child;
		} else if (ftype == GATE_S_IFDIR) {
			return gate_err_set(err, GATE_EINPUT, "cannot replace a file with a directory");
		} else if (lk->child->link_count < 2) {
			reuse = lk->child;
		}
	} else if (ftype == GATE_S_IFDIR && lk->dir->link_count >= MAX_LINKS) {
		return gate_err_set(err, GATE_EINPUT, "exceeded parent directory maximum link count");
	}
	if (make_inode(w, f, reuse, &child, err))
		return -1;
	if (lk->child != child) {
		if (lk->child)
			lk->child->link_count--;
		if (dir_set(w, lk->dir->dir, lk->childname, lk->childname_len, child, err))
			return -1;
		child->link_count++;
		if (is_dir(child))
			lk->dir->link_count++;
	}
	if ((child->mode & GATE_S_IFMT) == GATE_S_IFREG)
		start_inode(w, name, child, f->size);
	*out = child;
	return 0;
}

static int create(gate_ext4 *w, const char *name, const struct gate_ext4_file *f, gate_err *err)
{
	struct lookup lk;
	struct node *child;

	if (finish_inode(w, err) || lookup(w, name, 0, &lk, err))
		return -1;
	return create_at(w, &lk, name, f, &child, err);
}

int gate_ext4_create(gate_ext4 *w, const char *name, const struct gate_ext4_file *f, gate_err *err)
{
	return create(w, name, f, err);
}

/* A missing parent copies its own parent's attributes. */
static int make_parent(gate_ext4 *w, const struct lookup *lk, const char *path,
		       struct node **out, gate_err *err)
{
	struct gate_ext4_file f;

	if (!is_dir(lk->dir))
		return gate_err_set(err, GATE_EINPUT, "path not found");
	if (lk->childname_len > 0xff)
		return gate_err_set(err, GATE_EINPUT, "invalid name: a component is over 255 bytes");
	f = node_file(lk->dir);
	return create_at(w, lk, path, &f, out, err);
}

/* One walk down from the root: each missing parent is made in the one
 * found or made just before, so a path of n levels costs O(n), not the
 * O(n^2) of looking every parent up from the root again. */
int gate_ext4_make_parents(gate_ext4 *w, const char *name, gate_err *err)
{
	char *path = w->parents, *slash, *p;
	struct node *cur = root_node(w);

	if (finish_inode(w, err) || clean_path(w, name, err))
		return -1;
	memcpy(path, w->name_buf, strlen(w->name_buf) + 1);
	slash = strrchr(path, '/');
	if (!slash)
		return 0;
	slash[1] = '\0';
	/* path holds the parents, each followed by '/'; walk them in order */
	for (p = path; *p; ) {
		char *e = strchr(p, '/');
		struct lookup lk = { cur, NULL, p, (size_t)(e - p) };
		struct dirent_ *d = is_dir(cur) ? dir_find(cur->dir, p, lk.childname_len) : NULL;

		if (d) {
			cur = d->node;
		} else {
			*e = '\0';
			if (make_parent(w, &lk, path, &cur, err))
				return gate_err_prefix(err, "parent directory '%s'", path);
			*e = '/';
		}
		p = e + 1;
	}
	return 0;
}

int gate_ext4_link(gate_ext4 *w, const char *oldname, const char *newname, gate_err *err)
{
	struct lookup nl, ol;
	char childname[256];
	size_t childname_len;

	if (finish_inode(w, err))
		return -1;
	if (w->hard_links >= GATE_MAX_HARD_LINKS)
		return gate_err_set(err, GATE_EINPUT,
				    "more than %u hard links, gate's bound on memory (GATE_MAX_HARD_LINKS)",
				    GATE_MAX_HARD_LINKS);
	if (lookup(w, newname, 0, &nl, err))
		return -1;
	if (nl.child && (is_dir(nl.child) || nl.child->link_count < 2))
		return gate_err_set(err, GATE_EINPUT, "cannot orphan existing file or directory");
	/* the second lookup reuses name_buf */
	childname_len = nl.childname_len;
	memcpy(childname, nl.childname, childname_len);
	if (lookup(w, oldname, 1, &ol, err))
		return gate_err_prefix(err, "link target '%s'", oldname);
	if (is_dir(ol.child))
		return gate_err_set(err, GATE_EINPUT, "link target '%s' is a directory", oldname);
	if (nl.child != ol.child && ol.child->link_count >= MAX_LINKS)
		return gate_err_set(err, GATE_EINPUT, "link target '%s' would exceed %u links",
				    oldname, MAX_LINKS);
	if (nl.child)
		nl.child->link_count--;
	ol.child->link_count++;
	w->hard_links++;
	return dir_set(w, nl.dir->dir, childname, childname_len, ol.child, err);
}

int gate_ext4_add_xattr(gate_ext4 *w, const char *name, const char *xattr_name,
			const char *value, gate_err *err)
{
	struct lookup lk;
	struct node *node;
	struct xattr_list xl = { 0 };
	struct gate_ext4_xattr *xs = NULL;
	char linkname[SMALL_SYMLINK_SIZE + 1];
	int rc = -1;

	if (finish_inode(w, err) || lookup(w, name, 1, &lk, err))
		return -1;
	node = lk.child;
	/* Stat: the block's xattrs, then the inline ones over them */
	if (node->xattr_raw && get_xattrs(node->xattr_raw + 32, BLOCK - 32, 32, &xl, err))
		goto out;
	if (node->xattr_inline &&
	    get_xattrs(node->xattr_inline + 4, INODE_EXTRA_SIZE - 4, 0, &xl, err))
		goto out;
	xattr_del(&xl, "system.data");
	if ((node->mode & GATE_S_IFMT) == GATE_S_IFLNK) {
		if (node->size > SMALL_SYMLINK_SIZE) {
			gate_err_set(err, GATE_EINPUT, "cannot retrieve link information");
			goto out;
		}
		memcpy(linkname, node->data, (size_t)node->size);
	}
	linkname[(node->mode & GATE_S_IFMT) == GATE_S_IFLNK ? node->size : 0] = '\0';
	if (xattr_set(&xl, xattr_name, strlen(xattr_name), (const unsigned char *)value,
		      strlen(value), err))
		goto out;
	xs = calloc(xl.n, sizeof(*xs));
	if (!xs) {
		gate_err_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < xl.n; i++)
		xs[i] = (struct gate_ext4_xattr){ xl.v[i].name, xl.v[i].value, xl.v[i].value_size };
	{
		struct gate_ext4_file f = node_file(node);

		f.linkname = linkname;
		f.xattrs = xs;
		f.xattr_count = xl.n;
		rc = create(w, name, &f, err);
	}
out:
	free(xs);
	xattr_list_free(&xl);
	return rc;
}

/* ---- close: directories, inode table, bitmaps, descriptors, superblock ---- */

static uint8_t dirent_file_type(uint16_t mode)
{
	switch (mode & GATE_S_IFMT) {
	case GATE_S_IFREG:  return 1;
	case GATE_S_IFDIR:  return 2;
	case GATE_S_IFCHR:  return 3;
	case GATE_S_IFBLK:  return 4;
	case GATE_S_IFIFO:  return 5;
	case GATE_S_IFSOCK: return 6;
	case GATE_S_IFLNK:  return 7;
	default:            return 0;
	}
}

static int cmp_children(const void *a, const void *b)
{
	const struct dirent_ *x = a, *y = b;
	size_t n;
	int c;

	if (x->node->number != y->node->number)
		return x->node->number < y->node->number ? -1 : 1;
	n = x->name_len < y->name_len ? x->name_len : y->name_len;
	c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

/* block is all zeros past used, and all zeros between directories: only
 * the bytes written are cleared, not the whole block (a 1 MiB path makes
 * half a million one-block directories). */
struct dirwriter {
	unsigned char block[BLOCK];
	size_t used;
};

/* Closes the block with an empty record spanning the rest, and writes it. */
static int dir_block_out(gate_ext4 *w, struct dirwriter *dw, gate_err *err)
{
	put16(dw->block + dw->used + 4, (uint32_t)(BLOCK - dw->used));
	if (gate_ext4_write(w, dw->block, BLOCK, err))
		return -1;
	memset(dw->block, 0, dw->used + 6);
	dw->used = 0;
	return 0;
}

static int dirent_put(gate_ext4 *w, struct dirwriter *dw, uint32_t ino, const char *name,
		      size_t name_len, uint16_t mode, gate_err *err)
{
	size_t rl = (8 + name_len + 3) & ~(size_t)3;
	unsigned char *e;

	/* A block always keeps room for the 12-byte entry that closes it. */
	if (BLOCK - dw->used < rl + 12 && dir_block_out(w, dw, err))
		return -1;
	e = dw->block + dw->used;
	put32(e, ino);
	put16(e + 4, (uint32_t)rl);
	e[6] = (uint8_t)name_len;
	e[7] = dirent_file_type(mode);
	memcpy(e + 8, name, name_len);
	dw->used += rl;
	return 0;
}

/* dw is scratch, reused from one directory to the next. */
static int write_directory(gate_ext4 *w, struct dirwriter *dw, struct node *dir,
			   struct node *parent, gate_err *err)
{
	if (finish_inode(w, err))
		return -1;
	start_inode(w, "(directory)", dir, INT64_MAX);
	if (dirent_put(w, dw, dir->number, ".", 1, dir->mode, err) ||
	    dirent_put(w, dw, parent->number, "..", 2, parent->mode, err))
		return -1;
	for (uint32_t i = 0; i < dir->dir->n; i++) {
		const struct dirent_ *e = &dir->dir->ents[i];

		if (dirent_put(w, dw, e->node->number, e->name, e->name_len, e->node->mode, err))
			return -1;
	}
	if (dir_block_out(w, dw, err))
		return -1;
	dir->size = w->data_written;
	w->data_max = w->data_written;
	return 0;
}

/* e2fsck's convention: children in inode-number order (hard links to one
 * inode by name).  Sorting in place is safe: lookups are done. */
static int write_sorted_directory(gate_ext4 *w, struct dirwriter *dw, struct node *dir,
				  struct node *parent, gate_err *err)
{
	if (dir->dir->n)
		qsort(dir->dir->ents, dir->dir->n, sizeof(*dir->dir->ents), cmp_children);
	return write_directory(w, dw, dir, parent, err);
}

/* Depth first, each directory before its subdirectories.  The stack is on
 * the heap: a 1 MiB path nests half a million directories. */
static int write_directory_tree(gate_ext4 *w, gate_err *err)
{
	struct frame {
		struct node *dir;
		uint32_t next;                  /* the next child to visit */
	} *stack = NULL, *grown;
	size_t depth = 0, cap = 0;
	struct node *child = root_node(w), *parent = child;
	struct dirwriter *dw = calloc(1, sizeof(*dw));
	int rc = -1;

	if (!dw)
		return gate_err_nomem(err);
	for (;;) {
		if (write_sorted_directory(w, dw, child, parent, err))
			goto out;
		if (depth == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(stack, cap * sizeof(*stack)))) {
				gate_err_nomem(err);
				goto out;
			}
			stack = grown;
		}
		stack[depth++] = (struct frame){ child, 0 };
		child = NULL;
		while (depth && !child) {
			struct frame *top = &stack[depth - 1];

			if (top->next == top->dir->dir->n) {
				depth--;
				continue;
			}
			child = top->dir->dir->ents[top->next++].node;
			parent = top->dir;
			if (!is_dir(child))
				child = NULL;
		}
		if (!child)
			break;
	}
	rc = 0;
out:
	free(stack);
	free(dw);
	return rc;
}

static void inode_bytes(const struct node *n, unsigned char *b)
{
	memset(b, 0, INODE_SIZE);
	put16(b + 0x00, n->mode);
	put16(b + 0x02, n->uid & 0xffff);
	put32(b + 0x04, (uint32_t)n->size);
	put32(b + 0x08, (uint32_t)n->atime);
	put32(b + 0x0C, (uint32_t)n->ctime);
	put32(b + 0x10, (uint32_t)n->mtime);
	put16(b + 0x18, n->gid & 0xffff);
	put16(b + 0x1A, n->link_count & 0xffff);
	put32(b + 0x1C, n->block_count);                /* i_blocks_lo, in fs blocks (HUGE_FILE) */
	put32(b + 0x20, n->flags);
	switch (n->mode & GATE_S_IFMT) {
	case GATE_S_IFDIR: case GATE_S_IFREG: case GATE_S_IFLNK:
		memcpy(b + 0x28, n->data, n->data_len);
		break;
	case GATE_S_IFBLK: case GATE_S_IFCHR:
		put32(b + 0x28 + 4, (n->devminor & 0xff) | n->devmajor << 8 |
				    (n->devminor & 0xffffff00u) << 12);
		break;
	}
	put32(b + 0x68, n->xattr_block);                /* i_file_acl_lo */
	put32(b + 0x6C, (uint32_t)((uint64_t)n->size >> 32));
	put16(b + 0x78, n->uid >> 16);
	put16(b + 0x7A, n->gid >> 16);
	put16(b + 0x80, EXTRA_ISIZE);
	put32(b + 0x84, (uint32_t)(n->ctime >> 32));
	put32(b + 0x88, (uint32_t)(n->mtime >> 32));
	put32(b + 0x8C, (uint32_t)(n->atime >> 32));
	put32(b + 0x90, (uint32_t)n->crtime);
	put32(b + 0x94, (uint32_t)(n->crtime >> 32));
	if (n->xattr_inline)
		memcpy(b + INODE_USED_SIZE, n->xattr_inline, INODE_EXTRA_SIZE);
}

static int write_inode_table(gate_ext4 *w, uint64_t table_size, gate_err *err)
{
	enum { BATCH = 64 };
	unsigned char *buf = malloc(BATCH * INODE_SIZE);
	uint32_t i = 0;

	if (!buf)
		return gate_err_nomem(err);
	while (i < w->inode_count) {
		uint32_t k;

		for (k = 0; k < BATCH && i < w->inode_count; k++, i++) {
			if (w->inodes[i])
				inode_bytes(w->inodes[i], buf + k * INODE_SIZE);
			else
				memset(buf + k * INODE_SIZE, 0, INODE_SIZE);
		}
		if (dev_write(w, buf, k * INODE_SIZE, err)) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return dev_zero(w, table_size - (uint64_t)w->inode_count * INODE_SIZE, err);
}

static uint32_t group_count(uint32_t blocks, uint32_t inodes, uint32_t inodes_per_group)
{
	uint32_t inode_blocks_per_group = inodes_per_group * INODE_SIZE / BLOCK;
	uint32_t data_blocks_per_group = BLOCKS_PER_GROUP - inode_blocks_per_group - 2;
	uint32_t min_blocks = (inodes - 1) / inodes_per_group * data_blocks_per_group + 1;

	/* enough groups for all inodes, with room for the two bitmaps */
	if (blocks < min_blocks)
		blocks = min_blocks;
	return (blocks + data_blocks_per_group - 1) / data_blocks_per_group;
}

static void best_group_count(uint32_t blocks, uint32_t inodes, uint32_t *groups,
			     uint32_t *inodes_per_group)
{
	*groups = 0xffffffffu;
	for (uint32_t ipg = INODES_PER_GROUP_STEP; ipg <= MAX_INODES_PER_GROUP;
	     ipg += INODES_PER_GROUP_STEP) {
		uint32_t g = group_count(blocks, inodes, ipg);

		if (g < *groups) {
			*groups = g;
			*inodes_per_group = ipg;
		}
	}
}

static struct node *inode_at(const gate_ext4 *w, uint32_t ino)
{
	return ino == 0 || ino > w->inode_count ? NULL : w->inodes[ino - 1];
}

static void superblock_bytes(unsigned char *blk, uint32_t groups, uint32_t ipg,
			     uint32_t disk_size, uint32_t used_blocks, uint32_t used_inodes)
{
	unsigned char *sb = blk + 1024;

	memset(blk, 0, BLOCK);
	put32(sb + 0x00, ipg * groups);                         /* s_inodes_count */
	put32(sb + 0x04, disk_size);                            /* s_blocks_count_lo */
	put32(sb + 0x0C, BLOCKS_PER_GROUP * groups - used_blocks); /* s_free_blocks_count_lo */
	put32(sb + 0x10, ipg * groups - used_inodes);           /* s_free_inodes_count */
	put32(sb + 0x18, 2);                                    /* s_log_block_size: 4 KiB */
	put32(sb + 0x1C, 2);                                    /* s_log_cluster_size */
	put32(sb + 0x20, BLOCKS_PER_GROUP);                     /* s_blocks_per_group */
	put32(sb + 0x24, BLOCKS_PER_GROUP);                     /* s_clusters_per_group */
	put32(sb + 0x28, ipg);                                  /* s_inodes_per_group */
	put16(sb + 0x38, SUPER_MAGIC);                          /* s_magic */
	put16(sb + 0x3A, 1);                                    /* s_state: clean */
	put16(sb + 0x3C, 1);                                    /* s_errors: continue */
	put32(sb + 0x4C, 1);                                    /* s_rev_level: dynamic */
	put32(sb + 0x54, FIRST_INO);                            /* s_first_ino */
	put16(sb + 0x58, INODE_SIZE);                           /* s_inode_size */
	put32(sb + 0x5C, 0x200 | 0x8);          /* s_feature_compat: sparse_super2, ext_attr */
	put32(sb + 0x60, 0x2 | 0x40 | 0x200);   /* s_feature_incompat: filetype, extents, flex_bg */
	put32(sb + 0x64, 0x2 | 0x8 | 0x40 | 0x1000);
				/* s_feature_ro_compat: large_file, huge_file, extra_isize, readonly */
	put16(sb + 0x15C, EXTRA_ISIZE);                         /* s_min_extra_isize */
	put16(sb + 0x15E, EXTRA_ISIZE);                         /* s_want_extra_isize */
	sb[0x174] = 31;                                         /* s_log_groups_per_flex */
	put32(sb + 0x268, FIRST_INO);                           /* s_lpf_ino: lost+found */
}

int gate_ext4_close(gate_ext4 *w, gate_err *err)
{
	uint32_t inode_table_off, groups, ipg, bitmap_off, valid_data_size, disk_size, min_size;
	uint32_t used_gd_blocks, itable_blocks_per_group;
	uint32_t total_used_blocks = 0, total_used_inodes = 0;
	unsigned char *gds = NULL, *bitmaps = NULL;
	unsigned char sb[BLOCK];
	int rc = -1;

	if (finish_inode(w, err) ||
	    write_directory_tree(w, err) ||
	    finish_inode(w, err))
		return -1;

	inode_table_off = cur_block(w);
	best_group_count(inode_table_off, w->inode_count, &groups, &ipg);
	if (write_inode_table(w, (uint64_t)groups * ipg * INODE_SIZE, err))
		return -1;

	bitmap_off = cur_block(w);
	valid_data_size = bitmap_off + groups * 2;
	disk_size = valid_data_size;
	min_size = (groups - 1) * BLOCKS_PER_GROUP + 1;
	if (disk_size < min_size)
		disk_size = min_size;
	used_gd_blocks = (groups - 1) / GROUPS_PER_DESC_BLOCK + 1;
	if (used_gd_blocks > w->gd_blocks)
		return gate_err_set(err, GATE_EINPUT, "disk exceeded maximum size of %llu bytes",
				    (unsigned long long)w->max_disk_size);

	gds = calloc(w->gd_blocks, BLOCK);
	bitmaps = malloc(2 * BLOCK);
	if (!gds || !bitmaps) {
		gate_err_nomem(err);
		goto out;
	}
	itable_blocks_per_group = ipg * INODE_SIZE / BLOCK;
	for (uint32_t g = 0; g < groups; g++) {
		unsigned char *bb = bitmaps, *ib = bitmaps + BLOCK, *gd = gds + g * GROUP_DESC_SIZE;
		uint16_t dirs = 0, used_inodes = 0, used_blocks = 0;

		memset(bitmaps, 0, 2 * BLOCK);
		if ((g + 1) * BLOCKS_PER_GROUP <= valid_data_size) {
			memset(bb, 0xff, BLOCK);
			used_blocks = BLOCKS_PER_GROUP;
		} else if (g * BLOCKS_PER_GROUP < valid_data_size) {
			for (uint32_t j = 0; j < valid_data_size - g * BLOCKS_PER_GROUP; j++) {
				bb[j / 8] |= (unsigned char)(1u << (j % 8));
				used_blocks++;
			}
		}
		if (g == 0) {
			/* descriptor blocks reserved for a bigger disk are free */
			for (uint32_t j = 1 + used_gd_blocks; j < 1 + w->gd_blocks; j++) {
				bb[j / 8] &= (unsigned char)~(1u << (j % 8));
				used_blocks--;
			}
		}
		if (g == groups - 1 && disk_size % BLOCKS_PER_GROUP != 0) {
			/* blocks past the end of the disk count as allocated */
			for (uint32_t j = disk_size % BLOCKS_PER_GROUP; j < BLOCKS_PER_GROUP; j++) {
				bb[j / 8] |= (unsigned char)(1u << (j % 8));
				used_blocks++;
			}
		}
		for (uint32_t j = 0; j < ipg; j++) {
			uint32_t ino = 1 + g * ipg + j;
			const struct node *n = inode_at(w, ino);

			if (ino < FIRST_INO || n) {
				ib[j / 8] |= (unsigned char)(1u << (j % 8));
				used_inodes++;
			}
			if (n && is_dir(n))
				dirs++;
		}
		if (dev_write(w, bitmaps, 2 * BLOCK, err))
			goto out;
		put32(gd + 0x00, bitmap_off + 2 * g);                   /* bg_block_bitmap_lo */
		put32(gd + 0x04, bitmap_off + 2 * g + 1);               /* bg_inode_bitmap_lo */
		put32(gd + 0x08, inode_table_off + g * itable_blocks_per_group); /* bg_inode_table_lo */
		put16(gd + 0x0C, (uint16_t)(BLOCKS_PER_GROUP - used_blocks)); /* bg_free_blocks_count_lo */
		put16(gd + 0x0E, (uint16_t)(ipg - used_inodes));        /* bg_free_inodes_count_lo */
		put16(gd + 0x10, dirs);                                 /* bg_used_dirs_count_lo */
		total_used_blocks += used_blocks;
		total_used_inodes += used_inodes;
	}
	if (dev_zero(w, (uint64_t)(disk_size - bitmap_off - groups * 2) * BLOCK, err))
		goto out;
	for (uint32_t i = 0; i < w->gd_blocks; i++)
		if (dev_put_block(w, 1 + i, gds + (size_t)i * BLOCK, err))
			goto out;
	superblock_bytes(sb, groups, ipg, disk_size, total_used_blocks, total_used_inodes);
	if (dev_put_block(w, 0, sb, err))
		goto out;
	if (w->out_fd >= 0 && ftruncate(w->out_fd, (off_t)w->pos) != 0) {
		gate_err_set(err, GATE_EVERIFY, "cannot size ext4 image: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(gds);
	free(bitmaps);
	return rc;
}

int gate_ext4_new(gate_ext4 **out, gate_verity *v, int out_fd, gate_err *err)
{
	gate_ext4 *w = calloc(1, sizeof(*w));
	struct gate_ext4_file root = { .mode = GATE_S_IFDIR | 0755 };
	struct gate_ext4_file lost_found = { .mode = GATE_S_IFDIR | 0700 };
	struct node *r;
	uint64_t max_blocks, max_groups;

	if (!w)
		return gate_err_nomem(err);
	if (gate_arena_new(&w->arena, err)) {
		free(w);
		return -1;
	}
	w->verity = v;
	w->out_fd = out_fd;
	w->max_disk_size = (GATE_MAX_DISK_SIZE + BLOCK - 1) & ~(uint64_t)(BLOCK - 1);
	/* inode 1 (bad blocks) is reserved; the root is inode 2 */
	if (append_inode(w, NULL, err) || make_inode(w, &root, NULL, &r, err))
		goto fail;
	r->link_count++;                /* the root is its own parent */
	while (w->inode_count < FIRST_INO - 1)
		if (append_inode(w, NULL, err))
			goto fail;
	/* Room for the descriptors of a disk of the maximum size. */
	max_blocks = (w->max_disk_size - 1) / BLOCK + 1;
	max_groups = (max_blocks - 1) / BLOCKS_PER_GROUP + 1;
	w->gd_blocks = (uint32_t)((max_groups - 1) / GROUPS_PER_DESC_BLOCK + 1);
	/* superblock and descriptors come last; their blocks are zeros until then */
	if (dev_zero(w, (uint64_t)(1 + w->gd_blocks) * BLOCK, err))
		goto fail;
	/* e2fsck wants lost+found */
	if (create(w, "lost+found", &lost_found, err))
		goto fail;
	*out = w;
	return 0;
fail:
	gate_ext4_free(w);
	return -1;
}

void gate_ext4_free(gate_ext4 *w)
{
	if (!w)
		return;
	for (uint32_t i = 0; i < w->inode_count; i++)
		free_node(w->inodes[i]);
	free(w->inodes);
	gate_arena_free(w->arena);
	free(w);
}
