/*
 * cache.h - root hashes already computed, keyed by layer diff_id.
 *
 * A root hash is a function of the uncompressed tar alone, so the diff_id
 * (its sha256, from the image config) plus the engine version is a
 * complete key: a cache hit means the blob need not be fetched at all.
 *
 *   DIR/engine-<GATE_ENGINE_VERSION>/<diff_id hex>
 *       "diff_id sha256:<hex>\nengine <GATE_ENGINE_VERSION>\nroot_hash <hex>\n"
 *
 * The entry names its own key, so an entry renamed to another diff_id
 * (or copied from another engine's directory) is a miss, not a hash.
 *
 * Image configs are kept too, since they are content-addressed and their
 * diff_ids are what the root hashes are looked up by:
 *
 *   DIR/blobs/sha256/<hex>                           the config's bytes
 *
 * And the scan history, what each image reference resolved to run after
 * run (gate history, and the remediation of a layers.drift finding):
 *
 *   DIR/history/<sha256 hex of the normalised reference>
 *       "<reference> <digest> <YYYY-MM-DDThh:mm:ssZ> <root hash>,<root hash>...\n" per run, oldest first
 *
 * Each line names its reference, so a line of another reference (a
 * renamed file) is ignored, as is a line that does not parse.  A run
 * rewrites the whole file (temporary file, rename) under flock() of the
 * history directory, keeping the newest GATE_HISTORY_ENTRIES lines.
 *
 * DIR is --cache, else $XDG_CACHE_HOME/gate, else ~/.cache/gate; it is
 * created with mode 0700 and must belong to the user and be writable by
 * no one else, as must engine-N, blobs, blobs/sha256 and history under it.  Those
 * are opened once, checked on their descriptors and held open: entries
 * are opened relative to them, never through a symlink, and an entry
 * must be a regular file of the user's, so a directory swapped after the
 * check, a link or another user's file is never read.  Entries are
 * written to a temporary file and renamed into place, so readers (and
 * parallel gates) never see half an entry.  An entry that does not parse
 * is a miss.
 *
 * Threads: a gate_cache is read-only after gate_cache_open(), so any
 * number of threads may call get and put on it at once; free it after
 * they are done.
 */
#ifndef GATE_CACHE_H
#define GATE_CACHE_H

#include <stdint.h>

#include "base/array.h"
#include "base/err.h"
#include "engine/layer.h"
#include "registry/ref.h"

typedef struct gate_cache gate_cache;

/* dir may be NULL for the default.  Returns 0, or -1 with err set. */
int gate_cache_open(gate_cache **out, const char *dir, gate_err *err);

/* Returns 1 and fills root_hash on a hit, 0 on a miss. */
int gate_cache_get(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   unsigned char root_hash[GATE_DIGEST_SIZE]);

/* An entry's bytes: returns 1 and fills root_hash if buf is the entry
 * of diff_id for this engine, else 0 (a miss). */
int gate_cache_entry_parse(unsigned char root_hash[GATE_DIGEST_SIZE],
			   const unsigned char diff_id[GATE_DIGEST_SIZE], const char *buf, size_t size);

/* Returns 0, or -1 with err set. */
int gate_cache_put(gate_cache *c, const unsigned char diff_id[GATE_DIGEST_SIZE],
		   const unsigned char root_hash[GATE_DIGEST_SIZE], gate_err *err);

/* A content-addressed document ("sha256:<hex>") of at most max bytes.
 * Returns 1 with a malloc'd, NUL-terminated copy whose sha256 was checked,
 * or 0 on a miss (absent, too large, or not matching its digest). */
int gate_cache_get_blob(gate_cache *c, const char *digest, size_t max, char **out, size_t *size);

/* Stores buf under digest, which the caller has checked.  0 or -1. */
int gate_cache_put_blob(gate_cache *c, const char *digest, const void *buf, size_t size,
			gate_err *err);

/* One run's record of a reference. */
struct gate_history_entry {
	char digest[GATE_REF_DIGEST_MAX + 1];   /* what the reference resolved to */
	int64_t seen;                           /* when, seconds since the epoch (UTC) */
	struct gate_strv layers;                /* root hashes (hex), base layer first */
};

/* Appends e to ref's history (ref as gate_ref_format() writes it),
 * dropping the oldest entries beyond GATE_HISTORY_ENTRIES.  0 or -1. */
int gate_cache_history_append(gate_cache *c, const char *ref, const struct gate_history_entry *e,
			      gate_err *err);

/* ref's history, oldest first, into a malloc'd array the caller frees
 * with gate_history_free(); *n is 0 when there is none.  0, or -1 with
 * err set (out of memory). */
int gate_cache_history_read(gate_cache *c, const char *ref, struct gate_history_entry **out,
			    size_t *n, gate_err *err);

/* Parses one line (NUL-terminated, without its newline; changed in
 * place) of ref's history.  Returns 1 with e filled, 0 for a line to
 * ignore (another reference's, or one that does not parse), -1 on ENOMEM. */
int gate_cache_history_parse_line(struct gate_history_entry *e, char *line, const char *ref,
				  gate_err *err);

/* e as ref's history line, with its newline, into a malloc'd string;
 * NULL with err set. */
char *gate_cache_history_format_line(const char *ref, const struct gate_history_entry *e,
				     gate_err *err);

void gate_history_free(struct gate_history_entry *v, size_t n);

void gate_cache_free(gate_cache *c);    /* NULL is fine */

#endif
