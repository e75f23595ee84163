#include "inflate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_SIZE (256u << 10)
#define MAGIC_SIZE 4

enum gzip_impl { GZIP_ISAL, GZIP_ZLIB };

struct gate_inflate {
	const struct gate_sink *next;
	enum gate_compression format;
	enum gzip_impl gzip_impl;
	unsigned char magic[MAGIC_SIZE];        /* bytes seen before the format is known */
	size_t magic_len;
	int member_done;                        /* gzip: last member ended at a boundary */
	size_t last_zstd_hint;                  /* 0 when the last zstd frame is complete */
	struct inflate_state *isal;
	z_stream *zs;
	ZSTD_DCtx *zstd;
	unsigned char *out;
};

const char *gate_compression_name(enum gate_compression c)
{
	switch (c) {
	case GATE_COMPRESSION_NONE: return "uncompressed";
	case GATE_COMPRESSION_GZIP: return "gzip";
	case GATE_COMPRESSION_ZSTD: return "zstd";
	default:                    return "unknown";
	}
}

enum gate_compression gate_inflate_format(const gate_inflate *z)
{
	return z->format;
}

int gate_inflate_new(gate_inflate **out, const struct gate_sink *next, gate_err *err)
{
	gate_inflate *z = calloc(1, sizeof(*z));
	const char *impl = getenv("GATE_GZIP");

	if (!z)
		return gate_err_nomem(err);
	z->next = next;
	z->gzip_impl = impl && !strcmp(impl, "zlib") ? GZIP_ZLIB : GZIP_ISAL;
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

static int gzip_reset(gate_inflate *z, gate_err *err)
{
	if (z->gzip_impl == GZIP_ISAL) {
		isal_inflate_init(z->isal);
		z->isal->crc_flag = ISAL_GZIP;
		return 0;
	}
	if (inflateReset(z->zs) != Z_OK)
		return gate_err_set(err, GATE_EINPUT, "gzip: cannot reset decoder");
	return 0;
}

static int start(gate_inflate *z, gate_err *err)
{
	static const unsigned char gzip_magic[] = { 0x1f, 0x8b };
	static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (z->magic_len >= 2 && !memcmp(z->magic, gzip_magic, sizeof(gzip_magic)))
		z->format = GATE_COMPRESSION_GZIP;
	else if (z->magic_len >= 4 && !memcmp(z->magic, zstd_magic, sizeof(zstd_magic)))
		z->format = GATE_COMPRESSION_ZSTD;
	else
		z->format = GATE_COMPRESSION_NONE;
	if (z->format == GATE_COMPRESSION_NONE)
		return 0;
	if (!(z->out = malloc(OUT_SIZE)))
		return gate_err_nomem(err);
	if (z->format == GATE_COMPRESSION_ZSTD) {
		if (!(z->zstd = ZSTD_createDCtx()))
			return gate_err_nomem(err);
		return 0;
	}
	if (z->gzip_impl == GZIP_ISAL) {
		if (!(z->isal = malloc(sizeof(*z->isal))))
			return gate_err_nomem(err);
		return gzip_reset(z, err);
	}
	if (!(z->zs = calloc(1, sizeof(*z->zs))))
		return gate_err_nomem(err);
	if (inflateInit2(z->zs, 16 + MAX_WBITS) != Z_OK)      /* 16: gzip wrapper */
		return gate_err_set(err, GATE_EINPUT, "gzip: cannot start decoder");
	return 0;
}

static int gzip_isal(gate_inflate *z, const unsigned char *p, size_t len, gate_err *err)
{
	struct inflate_state *s = z->isal;

	while (len) {
		int ret;

		if (z->member_done) {
			/* another member follows */
			if (gzip_reset(z, err))
				return -1;
			z->member_done = 0;
		}
		s->next_in = (uint8_t *)p;
		s->avail_in = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
		do {
			s->next_out = z->out;
			s->avail_out = OUT_SIZE;
			ret = isal_inflate(s);
			if (ret != ISAL_DECOMP_OK)
				return gate_err_set(err, GATE_EINPUT, "gzip: %s",
						    ret == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch" :
						    ret == ISAL_INVALID_WRAPPER ? "bad header" :
						    "corrupt deflate data");
			if (OUT_SIZE - s->avail_out &&
			    gate_sink_write(z->next, z->out, OUT_SIZE - s->avail_out, err))
				return -1;
		} while (s->avail_out == 0 && s->block_state != ISAL_BLOCK_FINISH);
		len -= (size_t)(s->next_in - p);
		p = s->next_in;
		if (s->block_state == ISAL_BLOCK_FINISH)
			z->member_done = 1;
		else if (len == 0)
			break;
	}
	return 0;
}

static int gzip_zlib(gate_inflate *z, const unsigned char *p, size_t len, gate_err *err)
{
	z_stream *s = z->zs;

	while (len) {
		int ret;

		if (z->member_done) {
			if (gzip_reset(z, err))
				return -1;
			z->member_done = 0;
		}
		s->next_in = (Bytef *)p;
		s->avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
		do {
			s->next_out = z->out;
			s->avail_out = OUT_SIZE;
			ret = inflate(s, Z_NO_FLUSH);
			if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
				return gate_err_set(err, GATE_EINPUT, "gzip: %s",
						    s->msg ? s->msg : "corrupt data");
			if (OUT_SIZE - s->avail_out &&
			    gate_sink_write(z->next, z->out, OUT_SIZE - s->avail_out, err))
				return -1;
		} while (s->avail_out == 0 && ret != Z_STREAM_END);
		len -= (size_t)(s->next_in - p);
		p = s->next_in;
		if (ret == Z_STREAM_END)
			z->member_done = 1;
		else if (len == 0)
			break;
	}
	return 0;
}

static int zstd(gate_inflate *z, const unsigned char *p, size_t len, gate_err *err)
{
	ZSTD_inBuffer in = { p, len, 0 };
	ZSTD_outBuffer out;

	/* A full output buffer may leave data inside the decoder: call again
	 * until it is not full, even with no input left. */
	do {
		size_t in_before = in.pos, ret;

		out = (ZSTD_outBuffer){ z->out, OUT_SIZE, 0 };
		ret = ZSTD_decompressStream(z->zstd, &out, &in);
		if (ZSTD_isError(ret))
			return gate_err_set(err, GATE_EINPUT, "zstd: %s", ZSTD_getErrorName(ret));
		/* After a frame ends, a call that moves nothing reports the
		 * next frame's header size: that is no sign of truncation. */
		if (in.pos != in_before || out.pos)
			z->last_zstd_hint = ret;
		if (out.pos && gate_sink_write(z->next, z->out, out.pos, err))
			return -1;
	} while (in.pos < in.size || out.pos == out.size);
	return 0;
}

static int feed(gate_inflate *z, const unsigned char *p, size_t len, gate_err *err)
{
	switch (z->format) {
	case GATE_COMPRESSION_GZIP:
		return z->gzip_impl == GZIP_ISAL ? gzip_isal(z, p, len, err) : gzip_zlib(z, p, len, err);
	case GATE_COMPRESSION_ZSTD:
		return zstd(z, p, len, err);
	default:
		return gate_sink_write(z->next, p, len, err);
	}
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
	if (z->format == GATE_COMPRESSION_UNKNOWN) {
		/* fewer bytes than any magic: pass them through as they are */
		if (start(z, err) || feed(z, z->magic, z->magic_len, err))
			return -1;
	}
	if (z->format == GATE_COMPRESSION_GZIP && !z->member_done)
		return gate_err_set(err, GATE_EINPUT, "gzip: unexpected end of compressed data");
	if (z->format == GATE_COMPRESSION_ZSTD && z->last_zstd_hint != 0)
		return gate_err_set(err, GATE_EINPUT, "zstd: unexpected end of compressed data");
	return gate_sink_finish(z->next, err);
}
