/*
 * tardump - lists a tar (plain or gzip) as gate's tar reader sees it, one
 * line per entry, in the same form as the expected listings in fixtures/tar.
 *
 *   tardump [-c CHUNK] [-s] [-x EXPECTED] [FILE]
 *   tardump -T OFFSETS [FILE]
 *
 * -c  push the input in chunks of CHUNK bytes (default 65536)
 * -s  skip the data of whiteouts, as tar2ext4 does (sha256 shows "-")
 * -x  compare the listing with EXPECTED instead of printing it
 * -T  for each line "OFFSET STATUS ENTRIES" of OFFSETS, parse the input
 *     cut at OFFSET (with -s, in 1-byte and 7-byte chunks) and check the
 *     exit status and the number of complete entries
 *
 * Exit status: 0 ok, 1 mismatch, 2 the tar was rejected ("error" is the
 * listing's last line, the message goes to stderr), 3 usage or I/O.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "engine/tar.h"

struct dump {
	FILE *out;
	bool skip_whiteouts;
	bool skipping;
	EVP_MD_CTX *md;
	char *line;             /* the entry's line up to the digest */
	size_t line_size;
	size_t entries;
};

static void put_escaped(FILE *f, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '%')
			fprintf(f, "%%%02X", s[i]);
		else
			fputc(s[i], f);
	}
}

static void put_time(FILE *f, const char *what, struct gate_tar_time t)
{
	fprintf(f, " %s=%lld.%09d", what, (long long)t.sec, (int)t.nsec);
}

static bool is_whiteout(const char *name)
{
	const char *base = strrchr(name, '/');

	return !strncmp(base ? base + 1 : name, ".wh.", 4);
}

static int on_entry(void *ctx, const struct gate_tar_header *h, gate_err *err)
{
	struct dump *d = ctx;
	FILE *f;
	size_t i, j;

	free(d->line);
	f = open_memstream(&d->line, &d->line_size);
	if (!f)
		return gate_err_nomem(err);
	fprintf(f, "%02x name=", (unsigned char)h->typeflag);
	put_escaped(f, (const unsigned char *)h->name, strlen(h->name));
	fprintf(f, " link=");
	put_escaped(f, (const unsigned char *)h->linkname, strlen(h->linkname));
	fprintf(f, " mode=%lld uid=%lld gid=%lld size=%lld", (long long)h->mode,
		(long long)h->uid, (long long)h->gid, (long long)h->size);
	put_time(f, "mtime", h->mtime);
	put_time(f, "atime", h->atime);
	put_time(f, "ctime", h->ctime);
	fprintf(f, " dev=%lld,%lld xattrs=[", (long long)h->devmajor, (long long)h->devminor);
	for (i = 0; i < h->xattr_count; i++) {
		fprintf(f, "%s", i ? ";" : "");
		put_escaped(f, (const unsigned char *)h->xattrs[i].name, strlen(h->xattrs[i].name));
		fputc('=', f);
		for (j = 0; j < h->xattrs[i].value_size; j++)
			fprintf(f, "%02x", h->xattrs[i].value[j]);
	}
	fprintf(f, "]");
	fclose(f);
	d->skipping = d->skip_whiteouts && is_whiteout(h->name);
	EVP_DigestInit_ex(d->md, EVP_sha256(), NULL);
	if (!d->skipping)
		return 0;
	/* tar2ext4 is done with a whiteout once it has its header. */
	d->entries++;
	if (d->out)
		fprintf(d->out, "%s sha256=-\n", d->line);
	return GATE_TAR_SKIP_DATA;
}

static int on_data(void *ctx, const void *buf, size_t len, gate_err *err)
{
	struct dump *d = ctx;

	EVP_DigestUpdate(d->md, buf, len);
	return 0;
}

static int on_entry_end(void *ctx, gate_err *err)
{
	struct dump *d = ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int i, n;

	if (d->skipping)
		return 0;
	d->entries++;
	if (!d->out)
		return 0;
	EVP_DigestFinal_ex(d->md, md, &n);
	fprintf(d->out, "%s sha256=", d->line);
	for (i = 0; i < n; i++)
		fprintf(d->out, "%02x", md[i]);
	fputc('\n', d->out);
	return 0;
}

/* Parses buf[0..len) in chunks; 0 if the tar was accepted. */
static int run(struct dump *d, const unsigned char *buf, size_t len, size_t chunk,
	       gate_err *err)
{
	struct gate_tar_handler h = { on_entry, on_data, on_entry_end, d };
	gate_tar *t;
	size_t off, n;
	int rc = -1;

	d->entries = 0;
	if (gate_tar_new(&t, &h, err))
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		if (gate_tar_write(t, buf + off, n, err))
			goto out;
	}
	rc = gate_tar_finish(t, err);
out:
	gate_tar_free(t);
	return rc;
}

/* Streams gz (plain or gzip) through the parser, chunk bytes at a time. */
static int run_stream(struct dump *d, gzFile gz, size_t chunk, gate_err *err)
{
	struct gate_tar_handler h = { on_entry, on_data, on_entry_end, d };
	unsigned char *buf = malloc(chunk);
	gate_tar *t = NULL;
	int n, rc = -1;

	if (!buf || gate_tar_new(&t, &h, err))
		goto out;
	while ((n = gzread(gz, buf, (unsigned)chunk)) > 0)
		if (gate_tar_write(t, buf, (size_t)n, err))
			goto out;
	if (n < 0)
		gate_err_set(err, GATE_EVERIFY, "cannot read the input");
	else
		rc = gate_tar_finish(t, err);
out:
	gate_tar_free(t);
	free(buf);
	return rc;
}

/* Reads the first limit bytes of gz (fewer if it is shorter). */
static unsigned char *slurp(gzFile gz, size_t limit, size_t *len)
{
	unsigned char *buf = malloc(limit ? limit : 1);
	int n;

	*len = 0;
	while (buf && *len < limit) {
		n = gzread(gz, buf + *len, (unsigned)(limit - *len));
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return buf;
}

/* The cuts are all early in the tar (its first 64 blocks), so only that
 * much is read. */
static int check_truncations(struct dump *d, gzFile gz, const char *path)
{
	static const size_t chunks[] = { 1, 7 };
	unsigned long long off;
	size_t i, want_entries, cases = 0, bad = 0, len;
	int want_status;
	unsigned char *buf = slurp(gz, 65 * 512, &len);
	FILE *f = fopen(path, "r");

	if (!f || !buf) {
		perror(path);
		free(buf);
		return 3;
	}
	d->skip_whiteouts = true;
	while (fscanf(f, "%llu %d %zu", &off, &want_status, &want_entries) == 3) {
		for (i = 0; i < 2 && off <= len; i++) {
			gate_err err = GATE_ERR_INIT;
			int status = run(d, buf, (size_t)off, chunks[i], &err) ? 2 : 0;

			cases++;
			if (status != want_status || d->entries != want_entries) {
				fprintf(stderr, "cut at %llu, chunk %zu: status %d with %zu entries, "
					"want %d with %zu (%s)\n", off, chunks[i], status,
					d->entries, want_status, want_entries, err.msg);
				bad++;
			}
		}
	}
	fclose(f);
	free(buf);
	printf("%zu truncations, %zu mismatches\n", cases, bad);
	return bad || !cases ? 1 : 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t n = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&s, &n);
	while ((c = getc(f)) != EOF)
		putc(c, m);
	fclose(m);
	fclose(f);
	return s;
}

/* Reports the first differing line of two listings. */
static int compare(const char *got, const char *want)
{
	size_t line = 1;
	const char *g = got, *w = want;

	while (*g && *g == *w) {
		if (*g == '\n')
			line++, got = g + 1, want = w + 1;
		g++, w++;
	}
	if (!*g && !*w)
		return 0;
	fprintf(stderr, "listing differs at line %zu\n got: %.*s\nwant: %.*s\n", line,
		(int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"), want);
	return 1;
}

int main(int argc, char **argv)
{
	struct dump d = { 0 };
	const char *expected = NULL, *offsets = NULL;
	char *got = NULL, *want;
	size_t chunk = 65536, got_size = 0;
	gzFile gz;
	gate_err err = GATE_ERR_INIT;
	int opt, status;

	while ((opt = getopt(argc, argv, "c:sx:T:")) != -1) {
		switch (opt) {
		case 'c':
			chunk = strtoul(optarg, NULL, 10);
			break;
		case 's':
			d.skip_whiteouts = true;
			break;
		case 'x':
			expected = optarg;
			break;
		case 'T':
			offsets = optarg;
			break;
		default:
			return 3;
		}
	}
	if (!chunk || argc - optind > 1) {
		fprintf(stderr, "usage: tardump [-c CHUNK] [-s] [-x EXPECTED | -T OFFSETS] [FILE]\n");
		return 3;
	}
	gz = argc > optind ? gzopen(argv[optind], "rb") : gzdopen(dup(0), "rb");
	d.md = EVP_MD_CTX_new();
	if (!gz || !d.md) {
		fprintf(stderr, "tardump: cannot read input\n");
		return 3;
	}
	if (offsets) {
		status = check_truncations(&d, gz, offsets);
		goto out;
	}
	d.out = expected ? open_memstream(&got, &got_size) : stdout;
	status = run_stream(&d, gz, chunk, &err) ? 2 : 0;
	if (status) {
		fprintf(d.out, "error\n");
		fprintf(stderr, "tardump: %s\n", err.msg);
	}
	if (expected) {
		fclose(d.out);
		if ((want = read_file(expected))) {
			status = compare(got, want);
		} else {
			perror(expected);
			status = 3;
		}
		free(want);
		free(got);
	}
out:
	free(d.line);
	EVP_MD_CTX_free(d.md);
	gzclose(gz);
	return status;
}
