/*
 * tar.c - Go archive/tar's Reader, turned inside out into a push parser.
 *
 * Go pulls blocks as Reader.next() needs them; here bytes arrive in chunks
 * of any size, so every place where Go blocks on a read is a state below
 * and the work Go does after the read happens when the state's bytes are
 * complete.  Where Go's result depends on where input ends, the states say
 * so: the end of input is clean only before a header block, after one zero
 * block, and inside the padding after an entry (Go's tryReadFull turns EOF
 * there into io.EOF, and tar2ext4 stops without error).
 */
#include "engine/tar.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

#define BLOCK_SIZE 512

/* Header fields: offset and length in the 512-byte block (Go format.go). */
struct field {
	unsigned short off, len;
};

static const struct field
	f_name = { 0, 100 }, f_mode = { 100, 8 }, f_uid = { 108, 8 },
	f_gid = { 116, 8 }, f_size = { 124, 12 }, f_mtime = { 136, 12 },
	f_chksum = { 148, 8 }, f_linkname = { 157, 100 },
	f_devmajor = { 329, 8 }, f_devminor = { 337, 8 },
	f_prefix = { 345, 155 },                        /* USTAR */
	f_star_prefix = { 345, 131 }, f_star_atime = { 476, 12 },
	f_star_ctime = { 488, 12 },
	f_gnu_atime = { 345, 12 }, f_gnu_ctime = { 357, 12 },
	f_gnu_realsize = { 483, 12 };

#define OFF_TYPEFLAG      156
#define OFF_MAGIC         257
#define OFF_VERSION       263
#define OFF_STAR_TRAILER  508
/* Old GNU sparse map: 24-byte {offset, length} pairs and an isextended
 * byte, 4 pairs in the header and 21 in each extension block. */
#define OFF_GNU_SPARSE    386
#define GNU_SPARSE_HDR_ENTRIES 4
#define GNU_SPARSE_EXT_ENTRIES 21

enum format { FORMAT_V7, FORMAT_USTAR, FORMAT_GNU, FORMAT_STAR };

enum state {
	S_HEADER,       /* collecting a header block */
	S_ZERO,         /* one zero block seen: a second ends the archive */
	S_SPECIAL,      /* data of an 'x', 'g', 'L' or 'K' header */
	S_GNU_SPARSE,   /* old GNU sparse extension blocks */
	S_SPARSE_MAP,   /* GNU PAX sparse 1.0 map at the start of the data */
	S_DATA,
	S_PAD,
	S_END,
	S_FAILED,
};

struct pax_rec {
	const char *key;                /* NUL-terminated in place */
	const unsigned char *val;       /* NUL-terminated in place, may hold NULs */
	size_t val_size;
	bool sparse00;                  /* GNU.sparse.offset/numbytes, kept apart */
};

/* A data fragment of a sparse file; what lies between fragments is hole. */
struct frag {
	int64_t off, len;
};

/* Go's strconv.ParseInt(s, 10, 64), fed one byte at a time. */
struct dec {
	uint64_t mag;
	bool neg, digits, bad, started;
};

struct gate_tar {
	struct gate_tar_handler h;
	enum state state;
	uint64_t off;                   /* input bytes consumed */
	uint64_t end_off;               /* where the end marker ended, if seen */
	bool marker;

	unsigned char blk[BLOCK_SIZE];
	size_t blk_len;

	/* The header block being resolved into an entry. */
	char typeflag;
	int64_t size;                   /* from the header, then PAX "size" */
	char raw_name[155 + 1 + 100 + 1];
	char raw_link[100 + 1];
	struct gate_tar_header hdr;
	enum format fmt;
	char what[128];                 /* entry name for messages */
	uint64_t blk_off;               /* where the last header block began */

	/* Pending meta headers: the last 'x' and the last 'L' and 'K'. */
	unsigned char *pax;
	size_t pax_size, pax_cap;
	struct pax_rec *recs;
	size_t nrec, rec_cap;
	bool have_pax;
	char longname[GATE_MAX_NAME_SIZE + 2], longlink[GATE_MAX_NAME_SIZE + 2];
	size_t longname_size, longlink_size;
	bool longname_cut, longlink_cut;   /* NUL seen: the rest is ignored */

	/* Data section: phys bytes left in the archive, pad after them. */
	int64_t phys, pad;
	bool skip;
	/* Logical content, lsize bytes: fragments of phys data with holes
	 * between.  frags is either &one (not sparse) or sp. */
	struct frag *frags, one, *sp;
	size_t nfrag, sp_cap, frag_i;
	int64_t pos, lsize;
	bool sparse;
	/* Sparse map checks (Go validateSparseEntries), entry by entry. */
	int64_t sp_pre_end;
	size_t sp_count;
	/* GNU sparse 1.0 map tokens. */
	struct dec tok;
	int64_t tok_count, tok_off;
	size_t tok_seen;

	char name[GATE_MAX_NAME_SIZE + 1], linkname[GATE_MAX_NAME_SIZE + 1];
	struct gate_tar_xattr *xattrs;
	const struct pax_rec **xsort;
	size_t xattr_cap;
};

static const unsigned char zeros[64 << 10];

static int fail(gate_tar *t, gate_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(gate_tar *t, gate_err *err, const char *fmt, ...)
{
	char msg[GATE_ERR_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->state = S_FAILED;
	if (t->what[0])
		return gate_err_set(err, GATE_EINPUT, "tar entry '%s': %s", t->what, msg);
	return gate_err_set(err, GATE_EINPUT, "tar header at offset %llu: %s",
			    (unsigned long long)t->blk_off, msg);
}

static int nomem(gate_tar *t, gate_err *err)
{
	t->state = S_FAILED;
	return gate_err_nomem(err);
}

/* Names are untrusted bytes: messages get a short, printable copy. */
static void set_what(gate_tar *t, const char *s, size_t n)
{
	size_t i, max = sizeof(t->what) - 4;

	for (i = 0; i < n && i < max; i++)
		t->what[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (n > max)
		memcpy(t->what + i, "...", 3), i += 3;
	t->what[i] = '\0';
}

/* ---- numbers, as Go's strconv.go parses them ---- */

/* parseOctal: spaces and NULs trimmed on both sides, then up to a NUL. */
static int64_t parse_octal(const unsigned char *b, size_t n, bool *bad)
{
	uint64_t x = 0;
	size_t i = 0;

	while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == 0))
		n--;
	while (i < n && (b[i] == ' ' || b[i] == 0))
		i++;
	for (; i < n && b[i]; i++) {
		if (b[i] < '0' || b[i] > '7' || x >> 61) {
			*bad = true;
			return 0;
		}
		x = x << 3 | (uint64_t)(b[i] - '0');
	}
	return (int64_t)x;
}

/* parseNumeric: a set high bit means base-256 two's complement. */
static int64_t parse_numeric(const unsigned char *b, size_t n, bool *bad)
{
	unsigned char inv, c;
	uint64_t x = 0;
	size_t i;

	if (n == 0 || !(b[0] & 0x80))
		return parse_octal(b, n, bad);
	inv = (b[0] & 0x40) ? 0xff : 0;
	for (i = 0; i < n; i++) {
		c = b[i] ^ inv;
		if (i == 0)
			c &= 0x7f;
		if (x >> 56) {
			*bad = true;
			return 0;
		}
		x = x << 8 | c;
	}
	if (x >> 63) {
		*bad = true;
		return 0;
	}
	return inv ? (int64_t)~x : (int64_t)x;
}

static void dec_feed(struct dec *d, unsigned char c)
{
	uint64_t lim;

	if (!d->started && (c == '+' || c == '-')) {
		d->neg = c == '-';
	} else if (c >= '0' && c <= '9') {
		lim = d->neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
		if (d->mag > (lim - (c - '0')) / 10)
			d->bad = true;
		else
			d->mag = d->mag * 10 + (c - '0');
		d->digits = true;
	} else {
		d->bad = true;
	}
	d->started = true;
}

static int dec_end(const struct dec *d, int64_t *out)
{
	if (d->bad || !d->digits)
		return -1;
	*out = d->neg ? (int64_t)(0 - d->mag) : (int64_t)d->mag;
	return 0;
}

/* strconv.ParseInt(s, 10, 64): optional sign, decimal digits only. */
static int parse_dec(const void *s, size_t n, int64_t *out)
{
	struct dec d = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		dec_feed(&d, ((const unsigned char *)s)[i]);
	return dec_end(&d, out);
}

/* parsePAXTime: "%d[.%d]", the fraction cut or padded to 9 digits and
 * negated along with a negative seconds part, then normalized by
 * time.Unix, whose int64 arithmetic wraps. */
static int parse_pax_time(const unsigned char *s, size_t n, struct gate_tar_time *tm)
{
	const unsigned char *dot = memchr(s, '.', n);
	size_t ns = dot ? (size_t)(dot - s) : n, i;
	int64_t sec, nsec = 0;

	if (parse_dec(s, ns, &sec))
		return -1;
	for (i = ns + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (i - ns <= 9)
			nsec = nsec * 10 + (s[i] - '0');
	}
	for (i = n - ns; dot && i <= 9; i++)
		nsec *= 10;
	if (ns > 0 && s[0] == '-' && nsec > 0) {
		sec = (int64_t)((uint64_t)sec - 1);
		nsec = 1000000000 - nsec;
	}
	tm->sec = sec;
	tm->nsec = (int32_t)nsec;
	return 0;
}

/* ---- header blocks ---- */

static bool is_header_only(char typeflag)
{
	return typeflag >= '1' && typeflag <= '6';
}

static int64_t num(const gate_tar *t, struct field f, bool *bad)
{
	return parse_numeric(t->blk + f.off, f.len, bad);
}

static size_t field_str(const unsigned char *b, struct field f, char *out)
{
	const unsigned char *nul = memchr(b + f.off, 0, f.len);
	size_t n = nul ? (size_t)(nul - (b + f.off)) : f.len;

	memcpy(out, b + f.off, n);
	out[n] = '\0';
	return n;
}

/* Go's block.getFormat(): the checksum decides whether this is a header
 * at all, then the magic picks the layout.  Both the unsigned (POSIX) and
 * the signed (old Sun tar) byte sums are accepted. */
static int get_format(const unsigned char *b, enum format *fmt)
{
	int64_t want, sum_u = 0, sum_s = 0;
	bool bad = false;
	size_t i;

	want = parse_octal(b + f_chksum.off, f_chksum.len, &bad);
	for (i = 0; i < BLOCK_SIZE; i++) {
		unsigned char c = (i >= f_chksum.off && i < f_chksum.off + f_chksum.len) ? ' ' : b[i];

		sum_u += c;
		sum_s += (signed char)c;
	}
	if (bad || (want != sum_u && want != sum_s))
		return -1;
	if (!memcmp(b + OFF_MAGIC, "ustar\0", 6))
		*fmt = memcmp(b + OFF_STAR_TRAILER, "tar\0", 4) ? FORMAT_USTAR : FORMAT_STAR;
	else if (!memcmp(b + OFF_MAGIC, "ustar ", 6) && !memcmp(b + OFF_VERSION, " \0", 2))
		*fmt = FORMAT_GNU;
	else
		*fmt = FORMAT_V7;
	return 0;
}

static bool all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Go's Reader.readHeader() after the zero-block checks. */
static int parse_header(gate_tar *t, enum format fmt, gate_err *err)
{
	struct gate_tar_header *h = &t->hdr;
	char prefix[155 + 1] = "";
	size_t name_len;
	bool bad = false, bad_gnu = false;

	memset(h, 0, sizeof(*h));
	t->typeflag = (char)t->blk[OFF_TYPEFLAG];
	name_len = field_str(t->blk, f_name, t->raw_name);
	field_str(t->blk, f_linkname, t->raw_link);
	set_what(t, t->raw_name, name_len);
	t->size = num(t, f_size, &bad);
	h->mode = num(t, f_mode, &bad);
	h->uid = num(t, f_uid, &bad);
	h->gid = num(t, f_gid, &bad);
	h->mtime.sec = num(t, f_mtime, &bad);
	if (fmt != FORMAT_V7) {
		h->devmajor = num(t, f_devmajor, &bad);
		h->devminor = num(t, f_devminor, &bad);
	}
	switch (fmt) {
	case FORMAT_USTAR:
		field_str(t->blk, f_prefix, prefix);
		break;
	case FORMAT_STAR:
		field_str(t->blk, f_star_prefix, prefix);
		h->atime.sec = num(t, f_star_atime, &bad);
		h->ctime.sec = num(t, f_star_ctime, &bad);
		break;
	case FORMAT_GNU:
		if (t->blk[f_gnu_atime.off])
			h->atime.sec = num(t, f_gnu_atime, &bad_gnu);
		if (t->blk[f_gnu_ctime.off])
			h->ctime.sec = num(t, f_gnu_ctime, &bad_gnu);
		/* Go before 1.8 wrote a USTAR prefix into GNU headers; Go
		 * still reads it as one when the times do not parse
		 * (golang.org/issue/12594). */
		if (bad_gnu) {
			h->atime.sec = h->ctime.sec = 0;
			field_str(t->blk, f_prefix, prefix);
			if (!all_ascii(prefix))
				prefix[0] = '\0';
		}
		break;
	case FORMAT_V7:
		break;
	}
	if (bad)
		return fail(t, err, "invalid numeric field in header");
	if (prefix[0]) {
		size_t n = strlen(prefix);

		memmove(t->raw_name + n + 1, t->raw_name, name_len + 1);
		memcpy(t->raw_name, prefix, n);
		t->raw_name[n] = '/';
		set_what(t, t->raw_name, n + 1 + name_len);
	}
	/* Go's first handleRegularFile(), before any PAX record applies. */
	if (t->size < 0 && !is_header_only(t->typeflag))
		return fail(t, err, "negative size");
	return 0;
}

/* ---- PAX records ---- */

static const struct pax_rec *pax_get(const gate_tar *t, const char *key)
{
	size_t i;

	if (!t->have_pax)
		return NULL;
	for (i = t->nrec; i-- > 0;)
		if (!t->recs[i].sparse00 && !strcmp(t->recs[i].key, key))
			return &t->recs[i];
	return NULL;
}

/* Empty records do not count: Go's mergePAX keeps the USTAR value. */
static const struct pax_rec *pax_val(const gate_tar *t, const char *key)
{
	const struct pax_rec *r = pax_get(t, key);

	return r && r->val_size ? r : NULL;
}

static int add_rec(gate_tar *t, const struct pax_rec *r, gate_err *err)
{
	if (t->nrec == t->rec_cap) {
		size_t cap = t->rec_cap ? 2 * t->rec_cap : 64;
		struct pax_rec *p = realloc(t->recs, cap * sizeof(*p));

		if (!p)
			return nomem(t, err);
		t->recs = p;
		t->rec_cap = cap;
	}
	t->recs[t->nrec++] = *r;
	return 0;
}

static bool is_key(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(k, want, n);
}

/* Go's parsePAX(): records "%d %s=%s\n" whose length counts itself.
 * GNU sparse 0.0 offset/numbytes pairs must alternate and are kept in
 * order, since they repeat. */
static int parse_pax(gate_tar *t, gate_err *err)
{
	char *s = (char *)t->pax, *end = s + t->pax_size, *sp, *rec, *eq;
	size_t n00 = 0;
	int64_t n;

	t->nrec = 0;
	while (s < end) {
		struct pax_rec r = { 0 };
		size_t key_len;

		sp = memchr(s, ' ', (size_t)(end - s));
		if (!sp || parse_dec(s, (size_t)(sp - s), &n) || n < 5 || n > end - s)
			goto bad;
		n -= sp + 1 - s;
		rec = sp + 1;
		if (n <= 0 || rec[n - 1] != '\n')
			goto bad;
		eq = memchr(rec, '=', (size_t)n - 1);
		if (!eq || eq == rec)
			goto bad;
		key_len = (size_t)(eq - rec);
		r.key = rec;
		r.val = (unsigned char *)eq + 1;
		r.val_size = (size_t)(rec + n - 1 - (eq + 1));
		if (is_key(rec, key_len, "path") || is_key(rec, key_len, "linkpath") ||
		    is_key(rec, key_len, "uname") || is_key(rec, key_len, "gname")) {
			if (memchr(r.val, 0, r.val_size))
				goto bad;
		} else if (memchr(rec, 0, key_len)) {
			goto bad;
		}
		if (is_key(rec, key_len, "GNU.sparse.offset") ||
		    is_key(rec, key_len, "GNU.sparse.numbytes")) {
			if (is_key(rec, key_len, n00 % 2 ? "GNU.sparse.numbytes" : "GNU.sparse.offset") &&
			    !memchr(r.val, ',', r.val_size))
				r.sparse00 = true, n00++;
			else
				goto bad;
		}
		*eq = '\0';
		rec[n - 1] = '\0';
		if (add_rec(t, &r, err))
			return -1;
		s = rec + n;
	}
	t->have_pax = true;
	return 0;
bad:
	return fail(t, err, "malformed pax record at byte %zu of %zu",
		    (size_t)(s - (char *)t->pax), t->pax_size);
}

/* Go's mergePAX() for the numeric keys; names are resolved by the caller. */
static int merge_pax(gate_tar *t, gate_err *err)
{
	static const char *const times[] = { "atime", "mtime", "ctime" };
	struct gate_tar_time *tp[] = { &t->hdr.atime, &t->hdr.mtime, &t->hdr.ctime };
	const char *ids[] = { "uid", "gid", "size" };
	int64_t *ip[] = { &t->hdr.uid, &t->hdr.gid, &t->size };
	const struct pax_rec *r;
	size_t i;

	for (i = 0; i < 3; i++) {
		if ((r = pax_val(t, times[i])) && parse_pax_time(r->val, r->val_size, tp[i]))
			return fail(t, err, "invalid pax %s record", times[i]);
		if ((r = pax_val(t, ids[i])) && parse_dec(r->val, r->val_size, ip[i]))
			return fail(t, err, "invalid pax %s record", ids[i]);
	}
	return 0;
}

static int cmp_xattr(const void *a, const void *b)
{
	const struct pax_rec *x = *(const struct pax_rec *const *)a;
	const struct pax_rec *y = *(const struct pax_rec *const *)b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x < y ? -1 : x > y);
}

/* tar2ext4 takes xattrs from PAXRecords, a map: the last record of a name
 * wins and empty values are kept. */
static int collect_xattrs(gate_tar *t, gate_err *err)
{
	static const char prefix[] = "SCHILY.xattr.";
	size_t i, n = 0;

	t->hdr.xattrs = NULL;
	t->hdr.xattr_count = 0;
	if (!t->have_pax || !t->nrec)
		return 0;
	if (t->xattr_cap < t->nrec) {
		free(t->xattrs);
		free(t->xsort);
		t->xattrs = malloc(t->nrec * sizeof(*t->xattrs));
		t->xsort = malloc(t->nrec * sizeof(*t->xsort));
		t->xattr_cap = t->nrec;
		if (!t->xattrs || !t->xsort) {
			t->xattr_cap = 0;
			return nomem(t, err);
		}
	}
	for (i = 0; i < t->nrec; i++)
		if (!strncmp(t->recs[i].key, prefix, sizeof(prefix) - 1))
			t->xsort[n++] = &t->recs[i];
	qsort(t->xsort, n, sizeof(*t->xsort), cmp_xattr);
	for (i = 0; i < n; i++) {
		const struct pax_rec *r = t->xsort[i];

		if (i + 1 < n && !strcmp(r->key, t->xsort[i + 1]->key))
			continue;
		t->xattrs[t->hdr.xattr_count++] = (struct gate_tar_xattr){
			r->key + sizeof(prefix) - 1, r->val, r->val_size
		};
	}
	t->hdr.xattrs = t->xattrs;
	return 0;
}

/* ---- sparse maps ---- */

/* One map entry, checked as Go's validateSparseEntries() does and kept
 * only if it holds data (invertSparseEntries drops empty fragments). */
static int sparse_add(gate_tar *t, int64_t off, int64_t len, gate_err *err)
{
	if (++t->sp_count > GATE_MAX_SPARSE_ENTRIES)
		return fail(t, err, "sparse map has more than %u entries", GATE_MAX_SPARSE_ENTRIES);
	if (t->hdr.size < 0 || off < 0 || len < 0 || off > INT64_MAX - len ||
	    off + len > t->hdr.size || t->sp_pre_end > off)
		return fail(t, err, "invalid sparse map entry %lld+%lld for size %lld",
			    (long long)off, (long long)len, (long long)t->hdr.size);
	t->sp_pre_end = off + len;
	if (len == 0)
		return 0;
	if (t->nfrag == t->sp_cap) {
		size_t cap = t->sp_cap ? 2 * t->sp_cap : 16;
		struct frag *p = realloc(t->sp, cap * sizeof(*p));

		if (!p)
			return nomem(t, err);
		t->sp = p;
		t->sp_cap = cap;
	}
	t->sp[t->nfrag++] = (struct frag){ off, len };
	t->frags = t->sp;
	return 0;
}

static void sparse_begin(gate_tar *t)
{
	t->sparse = true;
	t->frags = t->sp;
	t->nfrag = 0;
	t->sp_count = 0;
	t->sp_pre_end = 0;
}

/* A plain data section: one fragment, no holes. */
static void dense_begin(gate_tar *t)
{
	t->sparse = false;
	t->one = (struct frag){ 0, t->phys };
	t->frags = &t->one;
	t->nfrag = 1;
}

/* Old GNU format: n pairs at p; a pair whose offset starts with NUL ends
 * the list, as in GNU and BSD tar. */
static int gnu_sparse_entries(gate_tar *t, const unsigned char *p, size_t n, gate_err *err)
{
	int64_t off, len;
	bool bad = false;
	size_t i;

	for (i = 0; i < n && p[24 * i]; i++) {
		off = parse_numeric(p + 24 * i, 12, &bad);
		len = parse_numeric(p + 24 * i + 12, 12, &bad);
		if (bad)
			return fail(t, err, "invalid old gnu sparse map");
		if (sparse_add(t, off, len, err))
			return -1;
	}
	return 0;
}

/* The GNU.sparse.map value as Go's readGNUSparseMap0x1 splits it: 0.0
 * offset/numbytes records, joined with ',', replace an explicit map. */
struct map_iter {
	const gate_tar *t;
	size_t i;                       /* next record (0.0) */
	const unsigned char *s, *end;   /* rest of the map string */
	bool from00, done;
};

static size_t map_init(struct map_iter *it, const gate_tar *t)
{
	const struct pax_rec *r = pax_get(t, "GNU.sparse.map");
	size_t i, n = 0, n00 = 0, last = 0;

	memset(it, 0, sizeof(*it));
	it->t = t;
	for (i = 0; i < t->nrec; i++)
		if (t->recs[i].sparse00)
			n00++, last = i;
	if (n00) {
		it->from00 = true;
		/* One empty value joins to "", which splits to nothing. */
		it->done = n00 == 1 && t->recs[last].val_size == 0;
		return it->done ? 0 : n00;
	}
	if (!r || !r->val_size) {
		it->done = true;
		return 0;
	}
	it->s = r->val;
	it->end = r->val + r->val_size;
	for (i = 0; i < r->val_size; i++)
		n += r->val[i] == ',';
	return n + 1;
}

static bool map_next(struct map_iter *it, const unsigned char **s, size_t *n)
{
	const unsigned char *comma;

	if (it->done)
		return false;
	if (it->from00) {
		while (it->i < it->t->nrec && !it->t->recs[it->i].sparse00)
			it->i++;
		if (it->i == it->t->nrec)
			return false;
		*s = it->t->recs[it->i].val;
		*n = it->t->recs[it->i++].val_size;
		return true;
	}
	comma = memchr(it->s, ',', (size_t)(it->end - it->s));
	*s = it->s;
	*n = (size_t)((comma ? comma : it->end) - it->s);
	if (comma)
		it->s = comma + 1;
	else
		it->done = true;
	return true;
}

static int pax_sparse_0x1(gate_tar *t, gate_err *err)
{
	const struct pax_rec *r = pax_get(t, "GNU.sparse.numblocks");
	const unsigned char *s[2];
	size_t n[2], count;
	struct map_iter it;
	int64_t entries, off, len;

	count = map_init(&it, t);
	if (!r || parse_dec(r->val, r->val_size, &entries) || entries < 0 ||
	    entries > INT64_MAX / 2 || (uint64_t)count != 2 * (uint64_t)entries)
		return fail(t, err, "invalid gnu sparse 0.x map");
	while (map_next(&it, &s[0], &n[0]) && map_next(&it, &s[1], &n[1])) {
		if (parse_dec(s[0], n[0], &off) || parse_dec(s[1], n[1], &len))
			return fail(t, err, "invalid gnu sparse 0.x map");
		if (sparse_add(t, off, len, err))
			return -1;
	}
	return 0;
}

/* GNU sparse 1.0: decimal lines at the start of the data, in whole
 * blocks; Go stops after the block holding the last newline it needs. */
static int sparse_map_block(gate_tar *t, bool *done, gate_err *err)
{
	int64_t v;
	size_t i;

	for (i = 0; i < BLOCK_SIZE && !*done; i++) {
		if (t->blk[i] != '\n') {
			dec_feed(&t->tok, t->blk[i]);
			continue;
		}
		if (dec_end(&t->tok, &v))
			return fail(t, err, "invalid gnu sparse 1.0 map");
		memset(&t->tok, 0, sizeof(t->tok));
		if (t->tok_seen++ == 0) {
			if (v < 0 || v > GATE_MAX_SPARSE_ENTRIES)
				return fail(t, err, "gnu sparse 1.0 map of %lld entries", (long long)v);
			t->tok_count = v;
		} else if (t->tok_seen % 2 == 0) {
			t->tok_off = v;
		} else if (sparse_add(t, t->tok_off, v, err)) {
			return -1;
		}
		*done = t->tok_seen == 1 + 2 * (size_t)t->tok_count;
	}
	return 0;
}

/* ---- entries ---- */

static int set_name(gate_tar *t, char *dst, const void *src, size_t n,
		    const char *what, gate_err *err)
{
	if (n > GATE_MAX_NAME_SIZE)
		return fail(t, err, "%s longer than %u bytes", what, GATE_MAX_NAME_SIZE);
	if (memchr(src, 0, n))
		return fail(t, err, "%s contains a NUL byte", what);
	memmove(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static void clear_pending(gate_tar *t)
{
	t->have_pax = false;
	t->nrec = 0;
	t->longname_size = t->longlink_size = 0;
}

/* Handler errors pass through: the handler knows best what went wrong. */
static int rejected(gate_tar *t, gate_err *err)
{
	return fail(t, err, "rejected by the entry handler");
}

static int data_done(gate_tar *t, gate_err *err)
{
	if (t->h.entry_end(t->h.ctx, err))
		return rejected(t, err);
	t->state = t->pad ? S_PAD : S_HEADER;
	return 0;
}

static int pump(gate_tar *t, const unsigned char **p, size_t *len, gate_err *err);

/* Data starts without waiting for input: holes need none, and an empty
 * entry ends at once. */
static int pump_start(gate_tar *t, gate_err *err)
{
	const unsigned char *none = NULL;
	size_t len = 0;

	return pump(t, &none, &len, err);
}

/* Hands the resolved header over and arranges for its data. */
static int emit(gate_tar *t, gate_err *err)
{
	int64_t sum = 0;
	size_t i;
	int rc;

	if (collect_xattrs(t, err))
		return -1;
	t->hdr.name = t->name;
	t->hdr.linkname = t->linkname;
	rc = t->h.entry(t->h.ctx, &t->hdr, err);
	clear_pending(t);
	if (rc < 0)
		return rejected(t, err);
	t->skip = rc == GATE_TAR_SKIP_DATA;
	t->lsize = t->sparse ? t->hdr.size : t->phys;
	t->pos = 0;
	t->frag_i = 0;
	t->state = S_DATA;
	if (t->skip)
		return pump_start(t, err);
	/* Go's sparseFileReader fails when the map and the stored data
	 * disagree (errMissData, errUnrefData); it would find out only at
	 * the end, but nothing it delivered before counts then. */
	for (i = 0; i < t->nfrag; i++)
		sum += t->frags[i].len;
	if (sum != t->phys)
		return fail(t, err, "sparse map covers %lld bytes of data but the entry holds %lld",
			    (long long)sum, (long long)t->phys);
	if (t->sparse && (uint64_t)t->lsize > GATE_MAX_DISK_SIZE)
		return fail(t, err, "sparse file of %lld bytes", (long long)t->lsize);
	return pump_start(t, err);
}

static bool rec_is(const struct pax_rec *r, const char *s)
{
	return r && r->val_size == strlen(s) && !memcmp(r->val, s, r->val_size);
}

/* Name and link name: the header's, then PAX path/linkpath, then GNU
 * long ones, as Go's next() applies them. */
static int resolve_names(gate_tar *t, gate_err *err)
{
	const struct pax_rec *r;
	const char *src;
	size_t n;

	src = t->raw_name, n = strlen(t->raw_name);
	if ((r = pax_val(t, "path")))
		src = (const char *)r->val, n = r->val_size;
	if (t->longname_size)
		src = t->longname, n = t->longname_size;
	if (set_name(t, t->name, src, n, "name", err))
		return -1;
	set_what(t, t->name, n);
	src = t->raw_link, n = strlen(t->raw_link);
	if ((r = pax_val(t, "linkpath")))
		src = (const char *)r->val, n = r->val_size;
	if (t->longlink_size)
		src = t->longlink, n = t->longlink_size;
	return set_name(t, t->linkname, src, n, "link name", err);
}

/* Go's readOldGNUSparseMap(): the map starts in the header block. */
static int old_gnu_sparse(gate_tar *t, gate_err *err)
{
	bool bad = false;

	if (t->fmt != FORMAT_GNU)
		return fail(t, err, "old gnu sparse header without gnu magic");
	t->hdr.size = num(t, f_gnu_realsize, &bad);
	if (bad)
		return fail(t, err, "invalid old gnu sparse size");
	if (t->hdr.size < 0)
		return fail(t, err, "negative sparse size");
	sparse_begin(t);
	if (gnu_sparse_entries(t, t->blk + OFF_GNU_SPARSE, GNU_SPARSE_HDR_ENTRIES, err))
		return -1;
	if (t->blk[OFF_GNU_SPARSE + 24 * GNU_SPARSE_HDR_ENTRIES]) {
		t->state = S_GNU_SPARSE;
		return 0;
	}
	return emit(t, err);
}

/* Go's readGNUSparsePAXHeaders(): 0.0 and 0.1 keep the map in PAX
 * records, 1.0 at the start of the data; an unknown version or no map at
 * all is a plain file. */
static int pax_sparse(gate_tar *t, gate_err *err)
{
	const struct pax_rec *r, *major = pax_get(t, "GNU.sparse.major"),
			     *minor = pax_get(t, "GNU.sparse.minor");
	bool v1;

	if (rec_is(major, "0") && (rec_is(minor, "0") || rec_is(minor, "1")))
		v1 = false;
	else if (rec_is(major, "1") && rec_is(minor, "0"))
		v1 = true;
	else if ((major && major->val_size) || (minor && minor->val_size))
		return emit(t, err);
	else if (map_init(&(struct map_iter){ 0 }, t))
		v1 = false;
	else
		return emit(t, err);
	if (is_header_only(t->typeflag))
		return fail(t, err, "sparse map on a header-only entry");
	if ((r = pax_val(t, "GNU.sparse.name"))) {
		if (set_name(t, t->name, r->val, r->val_size, "name", err))
			return -1;
		set_what(t, t->name, r->val_size);
	}
	if ((r = pax_val(t, "GNU.sparse.size")) || (r = pax_val(t, "GNU.sparse.realsize")))
		if (parse_dec(r->val, r->val_size, &t->hdr.size))
			return fail(t, err, "invalid gnu sparse size");
	if (t->hdr.size < 0)
		return fail(t, err, "negative sparse size");
	sparse_begin(t);
	if (!v1)
		return pax_sparse_0x1(t, err) ? -1 : emit(t, err);
	memset(&t->tok, 0, sizeof(t->tok));
	t->tok_seen = 0;
	t->state = S_SPARSE_MAP;
	return 0;
}

/* Go's next() once a header is neither PAX nor a GNU long name or link. */
static int resolve(gate_tar *t, gate_err *err)
{
	size_t n;

	if (merge_pax(t, err) || resolve_names(t, err))
		return -1;
	/* Go 1.19 maps V7 regular files by the final name. */
	if (t->typeflag == '\0') {
		n = strlen(t->name);
		t->typeflag = n && t->name[n - 1] == '/' ? '5' : '0';
	}
	t->hdr.typeflag = t->typeflag;
	t->hdr.size = t->size;
	/* Go's second handleRegularFile(): header-only types have no data
	 * section, whatever their size says. */
	t->phys = is_header_only(t->typeflag) ? 0 : t->size;
	if (t->phys < 0)
		return fail(t, err, "negative size");
	t->pad = -t->phys & (BLOCK_SIZE - 1);
	dense_begin(t);
	return t->typeflag == 'S' ? old_gnu_sparse(t, err) : pax_sparse(t, err);
}

/* A 'g' header: Go returns it as an entry with only Name, Typeflag and
 * PAXRecords set, after a mergePAX() whose error it ignores. */
static int global_header(gate_tar *t, gate_err *err)
{
	static const char *const keys[] = { "uid", "gid", "size" };
	static const char *const times[] = { "atime", "mtime", "ctime" };
	const struct pax_rec *r, *path = pax_val(t, "path");
	struct gate_tar_time tm;
	bool bad = false;
	int64_t v;
	size_t i;

	for (i = 0; i < 3; i++) {
		if ((r = pax_val(t, keys[i])) && parse_dec(r->val, r->val_size, &v))
			bad = true;
		if ((r = pax_val(t, times[i])) && parse_pax_time(r->val, r->val_size, &tm))
			bad = true;
	}
	/* mergePAX walks a map: whether "path" is applied before the bad
	 * record stops it is up to Go's map order, so the name is not
	 * reproducible.  With a bad record PAXRecords stays nil. */
	if (bad && path)
		return fail(t, err, "pax global header with an invalid record and a path");
	if (set_name(t, t->name, path ? (const char *)path->val : t->raw_name,
		     path ? path->val_size : strlen(t->raw_name), "name", err))
		return -1;
	set_what(t, t->name, strlen(t->name));
	if (bad)
		t->have_pax = false;
	memset(&t->hdr, 0, sizeof(t->hdr));
	t->hdr.typeflag = 'g';
	t->linkname[0] = '\0';
	t->phys = 0;
	dense_begin(t);
	return emit(t, err);
}

static int special_done(gate_tar *t, gate_err *err)
{
	t->state = t->pad ? S_PAD : S_HEADER;
	if (t->typeflag == 'x')
		return parse_pax(t, err);
	if (t->typeflag == 'g')
		return parse_pax(t, err) ? -1 : global_header(t, err);
	return 0;       /* 'L' and 'K' were cut at their NUL while read */
}

static int special_begin(gate_tar *t, gate_err *err)
{
	if (t->size > GATE_MAX_PAX_HEADER_SIZE)
		return fail(t, err, "%c header of %lld bytes exceeds %u", t->typeflag,
			    (long long)t->size, GATE_MAX_PAX_HEADER_SIZE);
	t->phys = t->size;
	t->pad = -t->phys & (BLOCK_SIZE - 1);
	if (t->typeflag == 'x' || t->typeflag == 'g') {
		/* Never NULL, even for an empty header: parse_pax does
		 * pointer arithmetic on it. */
		if (!t->pax || t->pax_cap < (size_t)t->size) {
			size_t cap = t->size ? (size_t)t->size : 1;
			unsigned char *p = realloc(t->pax, cap);

			if (!p)
				return nomem(t, err);
			t->pax = p;
			t->pax_cap = cap;
		}
		/* The new header replaces the pending one, even if empty. */
		t->have_pax = false;
		t->pax_size = 0;
	} else if (t->typeflag == 'L') {
		t->longname_size = 0;
		t->longname_cut = false;
	} else {
		t->longlink_size = 0;
		t->longlink_cut = false;
	}
	t->state = S_SPECIAL;
	return t->phys ? 0 : special_done(t, err);
}

/* Long names keep what precedes the first NUL, up to one byte more than
 * the limit so that an over-long name is still recognized as one. */
static void long_append(char *buf, size_t *size, bool *cut, const unsigned char *p, size_t n)
{
	const unsigned char *nul = *cut ? p : memchr(p, 0, n);
	size_t take = nul ? (size_t)(nul - p) : n;

	if (nul)
		*cut = true;
	if (take > GATE_MAX_NAME_SIZE + 1 - *size)
		take = GATE_MAX_NAME_SIZE + 1 - *size;
	memcpy(buf + *size, p, take);
	*size += take;
}

static int header_block(gate_tar *t, gate_err *err)
{
	enum format fmt;
	size_t i;

	for (i = 0; i < BLOCK_SIZE && !t->blk[i]; i++)
		;
	if (i == BLOCK_SIZE) {
		if (t->state == S_ZERO) {
			t->marker = true;
			t->end_off = t->off;
		}
		t->state = t->state == S_ZERO ? S_END : S_ZERO;
		return 0;
	}
	t->what[0] = '\0';
	t->blk_off = t->off - BLOCK_SIZE;
	if (t->state == S_ZERO)
		return fail(t, err, "non-zero block after a zero block");
	if (get_format(t->blk, &fmt))
		return fail(t, err, "invalid header checksum");
	t->fmt = fmt;
	if (parse_header(t, fmt, err))
		return -1;
	switch (t->typeflag) {
	case 'x':
	case 'g':
	case 'L':
	case 'K':
		return special_begin(t, err);
	default:
		return resolve(t, err);
	}
}

/* Delivers the logical content: holes as zeros, without waiting for
 * input, and fragments from *p. */
static int pump(gate_tar *t, const unsigned char **p, size_t *len, gate_err *err)
{
	const struct frag *f;
	int64_t end, n;

	if (t->skip) {
		n = (int64_t)*len < t->phys ? (int64_t)*len : t->phys;
		if (n)  /* *p is NULL when called from finish */
			*p += n, *len -= (size_t)n, t->phys -= n;
		return t->phys ? 0 : data_done(t, err);
	}
	while (t->pos < t->lsize) {
		f = t->frag_i < t->nfrag ? &t->frags[t->frag_i] : NULL;
		if (f && t->pos >= f->off + f->len) {
			t->frag_i++;
			continue;
		}
		if (!f || t->pos < f->off) {
			end = f ? f->off : t->lsize;
			n = end - t->pos < (int64_t)sizeof(zeros) ? end - t->pos : (int64_t)sizeof(zeros);
			if (t->h.data(t->h.ctx, zeros, (size_t)n, err))
				return rejected(t, err);
			t->pos += n;
			continue;
		}
		if (!*len)
			return 0;
		n = f->off + f->len - t->pos;
		if (n > (int64_t)*len)
			n = (int64_t)*len;
		if (t->h.data(t->h.ctx, *p, (size_t)n, err))
			return rejected(t, err);
		*p += n, *len -= (size_t)n, t->pos += n, t->phys -= n;
	}
	return data_done(t, err);
}

/* Fills t->blk from the input; true when it holds a whole block. */
static bool fill_block(gate_tar *t, const unsigned char **p, size_t *len)
{
	size_t n = BLOCK_SIZE - t->blk_len;

	if (n > *len)
		n = *len;
	memcpy(t->blk + t->blk_len, *p, n);
	t->blk_len += n, *p += n, *len -= n, t->off += n;
	if (t->blk_len < BLOCK_SIZE)
		return false;
	t->blk_len = 0;
	return true;
}

static int step(gate_tar *t, const unsigned char **p, size_t *len, gate_err *err)
{
	size_t n;
	bool done = false;

	switch (t->state) {
	case S_HEADER:
	case S_ZERO:
		return fill_block(t, p, len) ? header_block(t, err) : 0;
	case S_SPECIAL:
		n = (int64_t)*len < t->phys ? *len : (size_t)t->phys;
		if (t->typeflag == 'x' || t->typeflag == 'g')
			memcpy(t->pax + t->pax_size, *p, n), t->pax_size += n;
		else if (t->typeflag == 'L')
			long_append(t->longname, &t->longname_size, &t->longname_cut, *p, n);
		else
			long_append(t->longlink, &t->longlink_size, &t->longlink_cut, *p, n);
		*p += n, *len -= n, t->off += n, t->phys -= (int64_t)n;
		return t->phys ? 0 : special_done(t, err);
	case S_GNU_SPARSE:
		if (!fill_block(t, p, len))
			return 0;
		if (gnu_sparse_entries(t, t->blk, GNU_SPARSE_EXT_ENTRIES, err))
			return -1;
		return t->blk[24 * GNU_SPARSE_EXT_ENTRIES] ? 0 : emit(t, err);
	case S_SPARSE_MAP:
		if (t->phys < BLOCK_SIZE)
			return fail(t, err, "gnu sparse 1.0 map runs past the data");
		if (!fill_block(t, p, len))
			return 0;
		t->phys -= BLOCK_SIZE;
		if (sparse_map_block(t, &done, err))
			return -1;
		return done ? emit(t, err) : 0;
	case S_DATA: {
		const unsigned char *start = *p;
		int rc = pump(t, p, len, err);

		t->off += (size_t)(*p - start);
		return rc;
	}
	case S_PAD:
		n = (int64_t)*len < t->pad ? *len : (size_t)t->pad;
		*p += n, *len -= n, t->off += n, t->pad -= (int64_t)n;
		if (!t->pad)
			t->state = S_HEADER;
		return 0;
	case S_END:
		/* Go stops reading at the end marker; what follows is ignored. */
		t->off += *len, *p += *len, *len = 0;
		return 0;
	case S_FAILED:
		break;
	}
	return gate_err_set(err, GATE_EINPUT, "tar stream used after an error");
}

int gate_tar_new(gate_tar **out, const struct gate_tar_handler *h, gate_err *err)
{
	gate_tar *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return gate_err_nomem(err);
	t->h = *h;
	*out = t;
	return 0;
}

int gate_tar_write(gate_tar *t, const void *buf, size_t len, gate_err *err)
{
	const unsigned char *p = buf;

	while (len)
		if (step(t, &p, &len, err))
			return -1;
	return 0;
}

int gate_tar_finish(gate_tar *t, gate_err *err)
{
	switch (t->state) {
	case S_HEADER:
	case S_ZERO:
		if (!t->blk_len)
			break;
		t->what[0] = '\0';
		t->blk_off = t->off - t->blk_len;
		return fail(t, err, "unexpected EOF after %zu of %d header bytes",
			    t->blk_len, BLOCK_SIZE);
	case S_PAD:
	case S_END:
		break;
	case S_SPECIAL:
		return fail(t, err, "unexpected EOF with %lld bytes of the %c header missing",
			    (long long)t->phys, t->typeflag);
	case S_GNU_SPARSE:
	case S_SPARSE_MAP:
		return fail(t, err, "unexpected EOF in the sparse map");
	case S_DATA:
		return fail(t, err, "unexpected EOF after %lld of %lld bytes of data",
			    (long long)(t->size - t->phys), (long long)t->size);
	case S_FAILED:
		return gate_err_set(err, GATE_EINPUT, "tar stream used after an error");
	}
	t->state = S_END;
	return 0;
}

int64_t gate_tar_tail_size(const gate_tar *t)
{
	return t->marker ? (int64_t)(t->off - t->end_off) : -1;
}

void gate_tar_free(gate_tar *t)
{
	if (!t)
		return;
	free(t->pax);
	free(t->recs);
	free(t->sp);
	free(t->xattrs);
	free(t->xsort);
	free(t);
}
