/*
 * verity.h - the dm-verity hash tree of an image, built as it is written.
 *
 * Parameters are those of the CCE policy layer hash (hcsshim ext4/dmverity):
 * sha256, 4096-byte data and hash blocks, a salt of 32 zero bytes hashed in
 * front of every block, each level padded with zeros to whole blocks, and a
 * root digest of sha256(salt || top block).
 *
 * The image is written front to back with gate_verity_write(), but a block
 * already written may be replaced later with gate_verity_put_block() (the
 * ext4 writer rewrites xattr blocks and fills in the superblock and group
 * descriptors last).  Only the 32-byte digest of each data block is kept,
 * so memory is image size / 128.
 */
#ifndef GATE_VERITY_H
#define GATE_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define GATE_VERITY_BLOCK_SIZE 4096u
#define GATE_VERITY_SALT_SIZE  32u

typedef struct gate_verity gate_verity;

int gate_verity_new(gate_verity **out, gate_err *err);
void gate_verity_free(gate_verity *v);

/* Appends len bytes at the current end of the image. */
int gate_verity_write(gate_verity *v, const void *buf, size_t len, gate_err *err);

/* Appends n zero bytes, without hashing whole zero blocks one by one. */
int gate_verity_zero(gate_verity *v, uint64_t n, gate_err *err);

/* Replaces block blk (which may lie beyond the end, leaving a gap that must
 * be filled before finish) with data.  The end of the image must be block
 * aligned. */
int gate_verity_put_block(gate_verity *v, uint64_t blk, const void *data, gate_err *err);

/* From now on, hashes on this thread and one more: whole blocks are
 * staged a 1 MiB batch at a time; a full batch is hashed by the second
 * thread while the caller stages the next, and the caller takes what is
 * left of it when the next is full.  For a caller whose other threads are
 * done, such as the ext4 writer's close (a 1 MiB PAX path makes a 2 GiB
 * image of directory blocks there).  The second thread starts only when
 * a first batch fills, and stops in _free; if it cannot start, what is
 * staged and the rest of the image are hashed on the caller's thread. */
int gate_verity_parallel(gate_verity *v, gate_err *err);

/* Bytes appended so far. */
uint64_t gate_verity_size(const gate_verity *v);

/* Builds the tree over blocks [0, size/4096) and returns the root digest.
 * Fails if the size is not block aligned or a block was never written. */
int gate_verity_finish(gate_verity *v, unsigned char root[32], gate_err *err);

#endif
