/*
 * gate_limits.h - every bound gate puts on untrusted input, in one place.
 */
#ifndef GATE_GATE_LIMITS_H
#define GATE_GATE_LIMITS_H

/* Layers */
#define GATE_MAX_DISK_SIZE        (128ULL << 30)  /* tar2ext4.MaximumDiskSize used by confcom */
#define GATE_MAX_PAX_HEADER_SIZE  (1u << 20)      /* Go archive/tar maxSpecialFileSize */
/* Uncompressed bytes of one layer (a gate_layer_opts field may set
 * another).  The ext4 image is bounded by GATE_MAX_DISK_SIZE, but the tar
 * stream is not: PAX headers that replace each other, or files replaced
 * by whiteouts, add tar bytes without adding to the image. */
#define GATE_MAX_TAR_SIZE         (128ULL << 30)
/* Uncompressed bytes read after the tar's end-of-archive marker before the
 * stream must end; beyond it nothing more is decoded.  Tar writers pad to
 * their record size: 10 KiB by default, 1 MiB at GNU tar's largest
 * common blocking factor (-b 2048).  Checked where the tar reader is,
 * which the decoder may be up to 5 MiB ahead of. */
#define GATE_MAX_TAIL_SIZE        16777216        /* 16 MiB */
/* Go bounds a name only by the header that carries it (a PAX record or a
 * GNU long name, each at most GATE_MAX_PAX_HEADER_SIZE), and the reference
 * hashes layers with names far beyond PATH_MAX, so gate does too. */
#define GATE_MAX_NAME_SIZE        GATE_MAX_PAX_HEADER_SIZE
#define GATE_MAX_SPARSE_ENTRIES   (1u << 20)      /* sparse map entries of one file */
/* Inodes of one layer.  Each costs about 265 bytes until the image is
 * done, and a few MiB of gzip can describe millions of empty files, so this
 * bounds memory near 1 GiB; real layers have far fewer (a full Debian is
 * ~100k). */
#define GATE_MAX_INODES           (1u << 22)
/* Hard link entries of one layer.  A link takes no inode but a directory
 * entry and its name (about 100 bytes), so a few MiB of zstd can describe
 * tens of millions of them; this bounds them near 200 MiB on top of the
 * inodes.  Real layers have thousands (pnpm stores: some 100k). */
#define GATE_MAX_HARD_LINKS       (1u << 21)

/* Registry */
#define GATE_MAX_MANIFEST_SIZE    (4u << 20)
#define GATE_MAX_CONFIG_SIZE      (8u << 20)
/* Scan history (registry/cache.h): entries kept per image reference, the
 * newest first to survive; an entry holds at most GATE_MAX_HISTORY_LAYERS
 * root hashes, so a history file is bounded too. */
#define GATE_HISTORY_ENTRIES      256
#define GATE_MAX_HISTORY_LAYERS   256
#define GATE_MAX_HISTORY_SIZE     (GATE_HISTORY_ENTRIES * (GATE_MAX_HISTORY_LAYERS * 65 + 1024))
/* --search-tags: tags of one repository resolved and hashed at most */
#define GATE_MAX_SEARCH_TAGS      64
#define GATE_MAX_TOKEN_SIZE       (1u << 20)
/* A layer blob's declared (compressed) size.  The largest layers seen in
 * the wild are tens of GiB uncompressed; a descriptor claiming more is
 * refused before a byte is fetched. */
#define GATE_MAX_LAYER_SIZE       (64ULL << 30)
/* Slower than this, averaged over the idle timeout, a transfer is cut
 * off: a server trickling a byte at a time never trips a pure idle check. */
#define GATE_MIN_TRANSFER_SPEED   1024L           /* bytes per second */
/* Default for --timeout: the time one image may take, 0 meaning none. */
#define GATE_DEFAULT_IMAGE_TIMEOUT 600u           /* seconds */

/* Templates and policies */
#define GATE_MAX_TEMPLATE_SIZE    (16u << 20)
#define GATE_MAX_NESTING_DEPTH    64
#define GATE_MAX_POLICY_SIZE      (8u << 20)
#define GATE_MAX_YAML_NODES       (1u << 20)      /* nodes after alias expansion: stops "billion laughs" */
#define GATE_MAX_EXPR_RESULT_SIZE (1u << 20)      /* one concat()/format() result: stops doubling variables */
#define GATE_MAX_POLICY_NOTES     64              /* unread statements reported with their position */
/* Bytes one input may materialise once YAML aliases and ARM variables are
 * expanded: GATE_EXPAND_FACTOR times its size, and at least
 * GATE_MIN_EXPAND_SIZE.  Each use of a shared value counts again, since
 * the model and every report copy it. */
#define GATE_EXPAND_FACTOR        64
#define GATE_MIN_EXPAND_SIZE      (64u << 20)

/* Rule files (verify/ruleset.h): a team's configuration, small by nature */
#define GATE_MAX_RULES_SIZE       (1u << 20)
#define GATE_MAX_RULE_ENTRIES     64              /* entries of one rule */
#define GATE_MAX_RULE_GLOBS       1024            /* globs of one list, pins of one expect */
/* --shard I/N: a Kubernetes Indexed Job's completions, generously */
#define GATE_SHARDS_MAX           65536u

#endif
