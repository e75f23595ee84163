/*
 * shard.h - which container groups `gate verify --shard I/N` verifies.
 *
 * A group's shard is FNV-1a (64-bit) of its file path as given, a NUL
 * byte and its label, modulo N: it depends on nothing but the path and
 * the name, so every pod of an Indexed Job agrees on it, run after run.
 */
#ifndef GATE_SHARD_H
#define GATE_SHARD_H

#include <stdbool.h>

#include "verify/verify.h"

unsigned gate_shard_of(const char *file, const char *group, unsigned count);

/* Whether o's shard holds group g of file (always, without a shard). */
bool gate_shard_has_group(const struct gate_verify_opts *o, const char *file, const struct gate_group *g);

/* Whether o's shard holds some group of m: a file whose groups all fall
 * in other shards contributes nothing, not even its name in the inputs. */
bool gate_shard_has_file(const struct gate_verify_opts *o, const struct gate_model *m);

#endif
