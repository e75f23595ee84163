/*
 * hex.h - lowercase hex and the one spelling of a digest gate accepts.
 *
 * Digests are sha256 throughout: OCI digests and diff_ids are
 * "sha256:<64 lowercase hex>", dm-verity roots are bare lowercase hex.
 */
#ifndef GATE_BASE_HEX_H
#define GATE_BASE_HEX_H

#include <stddef.h>

#define GATE_DIGEST_SIZE 32                         /* sha256 */
#define GATE_DIGEST_HEX_SIZE (2 * GATE_DIGEST_SIZE)
#define GATE_DIGEST_STR_SIZE (7 + GATE_DIGEST_HEX_SIZE)   /* "sha256:" + hex, no NUL */

/* Lowercase hex of a digest; out must hold 2*len+1 bytes. */
void gate_hex(char *out, const unsigned char *digest, size_t len);

/* Parses exactly 2*len lowercase hex digits (what gate_hex writes; a
 * digest in another case is not the same string).  Returns 0 or -1. */
int gate_unhex(unsigned char *out, const char *hex, size_t len);

/* The hex part of "sha256:<64 lowercase hex>", or NULL when s is NULL or
 * spelled any other way.  If out is not NULL it receives the bytes. */
const char *gate_digest_parse(const char *s, unsigned char *out);

#endif
