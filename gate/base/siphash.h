/*
 * siphash.h - SipHash-1-3 under one random key per process, for hash
 * tables indexed by untrusted names.
 *
 * An unkeyed hash lets whoever writes the names make them all collide
 * (hash flooding: 65,536 names cost 17 s in a directory index under
 * FNV-1a); with a key drawn from getrandom() at first use they cannot be
 * predicted.  SipHash-1-3 is the variant Rust's HashMap and CPython use
 * for the same purpose.  Thread-safe.
 */
#ifndef GATE_BASE_SIPHASH_H
#define GATE_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t gate_siphash(const void *data, size_t len);

#endif
