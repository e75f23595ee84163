/*
 * inflate.c - the decompression stage: one loop over a small decoder
 * vtable (isa-l gzip, zlib gzip, zstd), in the manner of curl's content
 * writers, so each decoder only says how to take one step.
 */
#include "engine/inflate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_SIZE (256u << 10)
#define MAGIC_SIZE 4

/* One call of a decoder: consume some of in, produce up to OUT_SIZE bytes
 * into out, and say whether a gzip member or zstd frame just ended.  made
 * is valid also when the step fails: a bad trailer follows good data. */
struct step {
	size_t used, made;
	int end;
};

struct decoder {
	const char *name;
	int (*init)(gate_inflate *z, gate_err *err);
	int (*step)(gate_inflate *z, const unsigned char *in, size_t len, struct step *st,
		    gate_err *err);
	/* Before the next member; NULL if the decoder handles that itself. */
	int (*reset)(gate_inflate *z, gate_err *err);
};

struct gate_inflate {
	const struct gate_sink *next;
	enum gate_compression format;
	const struct decoder *dec;              /* NULL: pass through */
	bool use_zlib;
	const char *broken;                     /* why the stream stopped, or NULL */
	gate_err broken_err;                    /* its text, for a decoder error */
	uint64_t ignored;                       /* input bytes dropped since */
	unsigned char magic[MAGIC_SIZE];        /* bytes seen before the format is known */
	size_t magic_len;
	int ended;                              /* the last step ended a member or frame */
	struct inflate_state *isal;
	z_stream *zs;
	ZSTD_DCtx *zstd;
	unsigned char *out;
};

/* ---- isa-l (igzip) ---- */

static int isal_reset(gate_inflate *z, gate_err *err)
{
	isal_inflate_init(z->isal);
	z->isal->crc_flag = ISAL_GZIP;          /* parse the gzip header, check the trailer */
	return 0;
}

static int isal_init(gate_inflate *z, gate_err *err)
{
	if (!(z->isal = malloc(sizeof(*z->isal))))
		return gate_err_nomem(err);
	return isal_reset(z, err);
}

static int isal_step(gate_inflate *z, const unsigned char *in, size_t len, struct step *st,
		     gate_err *err)
{
	struct inflate_state *s = z->isal;
	int ret;

	s->next_in = (uint8_t *)in;
	s->avail_in = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	s->next_out = z->out;
	s->avail_out = OUT_SIZE;
	ret = isal_inflate(s);
	st->used = (size_t)(s->next_in - in);
	st->made = OUT_SIZE - s->avail_out;
	st->end = s->block_state == ISAL_BLOCK_FINISH;
	if (ret != ISAL_DECOMP_OK)
		return gate_err_set(err, GATE_EINPUT, "gzip: %s",
				    ret == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch" :
				    ret == ISAL_INVALID_WRAPPER ? "bad header" : "corrupt deflate data");
	return 0;
}

/* ---- zlib ---- */

static int zlib_init(gate_inflate *z, gate_err *err)
{
	if (!(z->zs = calloc(1, sizeof(*z->zs))))
		return gate_err_nomem(err);
	if (inflateInit2(z->zs, 16 + MAX_WBITS) != Z_OK)      /* 16: gzip wrapper */
		return gate_err_set(err, GATE_EINPUT, "gzip: cannot start decoder");
	return 0;
}

static int zlib_reset(gate_inflate *z, gate_err *err)
{
	if (inflateReset(z->zs) != Z_OK)
		return gate_err_set(err, GATE_EINPUT, "gzip: cannot reset decoder");
	return 0;
}

static int zlib_step(gate_inflate *z, const unsigned char *in, size_t len, struct step *st,
		     gate_err *err)
{
	z_stream *s = z->zs;
	int ret;

	s->next_in = (Bytef *)in;
	s->avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	s->next_out = z->out;
	s->avail_out = OUT_SIZE;
	ret = inflate(s, Z_NO_FLUSH);
	st->used = (size_t)(s->next_in - in);
	st->made = OUT_SIZE - s->avail_out;
	st->end = ret == Z_STREAM_END;
	if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
		return gate_err_set(err, GATE_EINPUT, "gzip: %s", s->msg ? s->msg : "corrupt data");
	return 0;
}

/* ---- zstd ---- */

static int zstd_init(gate_inflate *z, gate_err *err)
{
	if (!(z->zstd = ZSTD_createDCtx()))
		return gate_err_nomem(err);
	return 0;
}

static int zstd_step(gate_inflate *z, const unsigned char *in, size_t len, struct step *st,
		     gate_err *err)
{
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_outBuffer ob = { z->out, OUT_SIZE, 0 };
	size_t ret = ZSTD_decompressStream(z->zstd, &ob, &ib);

	st->used = ib.pos;
	st->made = ob.pos;
	st->end = ret == 0;     /* a frame is decoded and flushed */
	if (ZSTD_isError(ret))
		return gate_err_set(err, GATE_EINPUT, "zstd: %s", ZSTD_getErrorName(ret));
	return 0;
}

static const struct decoder isal_gzip = { "gzip", isal_init, isal_step, isal_reset };
static const struct decoder zlib_gzip = { "gzip", zlib_init, zlib_step, zlib_reset };
static const struct decoder zstd = { "zstd", zstd_init, zstd_step, NULL };

/* ---- the stage ---- */

#define GZIP_FLG_OFF 3
#define GZIP_FHCRC   0x02

int gate_inflate_new(gate_inflate **out, const struct gate_sink *next, bool use_zlib,
		     gate_err *err)
{
	gate_inflate *z = calloc(1, sizeof(*z));

	if (!z)
		return gate_err_nomem(err);
	z->next = next;
	z->use_zlib = use_zlib;
	*out = z;
	return 0;
}

void gate_inflate_free(gate_inflate *z)
{
	if (!z)
		return;
	free(z->isal);
	if (z->zs) {
		inflateEnd(z->zs);
		free(z->zs);
	}
	ZSTD_freeDCtx(z->zstd);
	free(z->out);
	free(z);
}

static bool is_zstd(const unsigned char *m)
{
	static const unsigned char frame[] = { 0x28, 0xb5, 0x2f, 0xfd };
	/* skippable frames: magic 0x184D2A50..0x184D2A5F, little-endian */
	static const unsigned char skippable[] = { 0x2a, 0x4d, 0x18 };

	return !memcmp(m, frame, sizeof(frame)) ||
	       ((m[0] & 0xf0) == 0x50 && !memcmp(m + 1, skippable, sizeof(skippable)));
}

/* igzip is used for a member only if its first bytes are in one call and
 * its header has no CRC; else zlib takes over from there. */
static bool isal_can_start(const unsigned char *p, size_t len)
{
	return len > GZIP_FLG_OFF && !(p[GZIP_FLG_OFF] & GZIP_FHCRC);
}

static int start(gate_inflate *z, gate_err *err)
{
	static const unsigned char gzip_magic[] = { 0x1f, 0x8b };

	if (z->magic_len >= 2 && !memcmp(z->magic, gzip_magic, sizeof(gzip_magic))) {
		z->format = GATE_COMPRESSION_GZIP;
		z->dec = z->use_zlib || !isal_can_start(z->magic, z->magic_len) ? &zlib_gzip
										  : &isal_gzip;
	} else if (z->magic_len >= 4 && is_zstd(z->magic)) {
		z->format = GATE_COMPRESSION_ZSTD;
		z->dec = &zstd;
	} else {
		z->format = GATE_COMPRESSION_NONE;
		return 0;
	}
	if (!(z->out = malloc(OUT_SIZE)))
		return gate_err_nomem(err);
	return z->dec->init(z, err);
}

/* Between members: igzip hands over to zlib for good (see isal_can_start). */
static int next_member(gate_inflate *z, const unsigned char *p, size_t len, gate_err *err)
{
	if (z->dec == &isal_gzip && !isal_can_start(p, len)) {
		z->dec = &zlib_gzip;
		return z->zs ? zlib_reset(z, err) : zlib_init(z, err);
	}
	return z->dec->reset ? z->dec->reset(z, err) : 0;
}

void gate_inflate_stop(gate_inflate *z, const char *why)
{
	if (!z->broken)
		z->broken = why;
}

const char *gate_inflate_broken(const gate_inflate *z, uint64_t *ignored_size)
{
	*ignored_size = z->ignored;
	return z->broken;
}

/* A decoder error breaks the stream: len bytes from the failing step on
 * are dropped. */
static int break_stream(gate_inflate *z, const gate_err *why, size_t len)
{
	z->broken_err = *why;
	gate_inflate_stop(z, z->broken_err.msg);
	z->ignored += len;
	return 0;
}

static int feed(gate_inflate *z, const unsigned char *p, size_t len, gate_err *err)
{
	gate_err derr = GATE_ERR_INIT;
	struct step st;
	int failed;

	if (z->broken) {
		z->ignored += len;
		return 0;
	}
	if (!z->dec)
		return gate_sink_write(z->next, p, len, err);
	/* A full output buffer may leave output inside the decoder: step again
	 * until it is not full, even with no input left. */
	do {
		if (len && z->ended && next_member(z, p, len, err))
			return -1;
		failed = z->dec->step(z, p, len, &st, &derr);
		if (st.made && gate_sink_write(z->next, z->out, st.made, err))
			return -1;
		if (z->broken) {        /* stopped by next */
			z->ignored += len - st.used;
			return 0;
		}
		if (failed)
			return break_stream(z, &derr, len);
		/* After a zstd frame ends, a step that moves nothing reports
		 * the next frame's header size: not a sign of truncation. */
		if (st.used || st.made) {
			z->ended = st.end;
		} else if (len) {
			gate_err_set(&derr, GATE_EINPUT, "%s: decoder made no progress", z->dec->name);
			return break_stream(z, &derr, len);
		}
		p += st.used;
		len -= st.used;
	} while (len || st.made == OUT_SIZE);
	return 0;
}

int gate_inflate_write(gate_inflate *z, const void *buf, size_t len, gate_err *err)
{
	const unsigned char *p = buf;

	if (z->format == GATE_COMPRESSION_UNKNOWN) {
		size_t n = MAGIC_SIZE - z->magic_len < len ? MAGIC_SIZE - z->magic_len : len;

		memcpy(z->magic + z->magic_len, p, n);
		z->magic_len += n;
		p += n;
		len -= n;
		if (z->magic_len < MAGIC_SIZE)
			return 0;
		if (start(z, err) || feed(z, z->magic, z->magic_len, err))
			return -1;
	}
	return len ? feed(z, p, len, err) : 0;
}

int gate_inflate_finish(gate_inflate *z, gate_err *err)
{
	gate_err ignored = GATE_ERR_INIT;

	if (z->format == GATE_COMPRESSION_UNKNOWN) {
		/* fewer bytes than any magic: pass them through as they are */
		if (start(z, err) || feed(z, z->magic, z->magic_len, err))
			return -1;
	}
	if (z->dec && !z->ended && !z->broken) {
		gate_err_set(&z->broken_err, GATE_EINPUT, "%s: unexpected end of compressed data",
			     z->dec->name);
		gate_inflate_stop(z, z->broken_err.msg);
	}
	if (!z->broken)
		return gate_sink_finish(z->next, err);
	if (gate_sink_finish(z->next, &ignored))
		return gate_err_set(err, GATE_EINPUT, "%s", z->broken);
	return 0;
}
