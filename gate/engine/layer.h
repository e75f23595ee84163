/*
 * layer.h - the layer pipeline: compressed layer bytes in, CCE root hash out.
 *
 *   bytes -> inflate (gzip | zstd | none, by magic) -> [diff_id sha256]
 *         -> tar reader -> compact ext4 -> dm-verity -> root hash
 *
 * Every stage streams; gate_layer_write() takes chunks of any size, so an
 * HTTP body or a file can be pushed straight through with no temporary file.
 * Memory is O(inodes + ext4 size / 128).
 *
 * Threads: a gate_layer belongs to one thread at a time (it is not locked);
 * different layers may be hashed at once on different threads.  Each layer
 * runs one worker thread of its own, started by gate_layer_new() and joined
 * by gate_layer_finish() or gate_layer_free().  Nothing is global but the
 * process's directory-index hash key, set once under pthread_once.
 *
 * The end of the archive: like the reference, the hash covers the tar up
 * to its end-of-archive marker.  If the compressed stream breaks after it
 * (bytes after the gzip member, a bad trailer, a missing trailer), or goes
 * on for more than GATE_MAX_TAIL_SIZE bytes after it, the root hash is
 * still computed, and the result says the stream was not decoded to its
 * end (diff_id then covers only what was decoded).  A break before the
 * marker is an error.
 */
#ifndef GATE_LAYER_H
#define GATE_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/hex.h"

typedef struct gate_layer gate_layer;

struct gate_layer_opts {
	/* If >= 0, the ext4 image is also written to this descriptor (debug
	 * aid: compare with a reference image block by block). */
	int ext4_out_fd;
	/* Set to skip hashing the uncompressed tar (result diff_id is zeros):
	 * saves one sha256 pass when nothing checks it. */
	int skip_diff_id;
	/* Decode gzip with zlib instead of isa-l (a cross-check). */
	bool gzip_zlib;
	/* Bound on uncompressed bytes; 0: GATE_MAX_TAR_SIZE. */
	uint64_t max_tar_size;
};

#define GATE_LAYER_OPTS_INIT { -1, 0, false, 0 }

struct gate_layer_result {
	unsigned char root_hash[GATE_DIGEST_SIZE];  /* dm-verity root, as in a policy's layers list */
	unsigned char diff_id[GATE_DIGEST_SIZE];    /* sha256 of the uncompressed tar, unless skipped */
	uint64_t tar_size;                          /* uncompressed bytes */
	uint64_t ext4_size;                         /* bytes of the ext4 image hashed */
	/* false: the compressed stream broke or was cut off after the tar's
	 * end-of-archive marker, so diff_id is not the digest of the whole
	 * uncompressed stream and cannot be checked against a config. */
	bool stream_complete;
	uint64_t trailing_bytes;                    /* input bytes dropped after the break */
	char stream_error[GATE_ERR_MSG_SIZE];       /* why it broke; "" if complete */
};

/* opts may be NULL for defaults.  Returns 0, or -1 with err set. */
int gate_layer_new(gate_layer **out, const struct gate_layer_opts *opts, gate_err *err);

/* Pushes the next len bytes of the (possibly compressed) layer. */
int gate_layer_write(gate_layer *l, const void *buf, size_t len, gate_err *err);

/* Ends the stream and fills *res.  After an error the layer can only be freed. */
int gate_layer_finish(gate_layer *l, struct gate_layer_result *res, gate_err *err);

void gate_layer_free(gate_layer *l);    /* NULL is fine */

/* Engine version: part of every cache key, bumped whenever a root hash
 * computed by an older engine could differ. */
#define GATE_ENGINE_VERSION 1

#endif
