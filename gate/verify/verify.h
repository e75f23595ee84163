/*
 * verify.h - the guest's admission verdict for every container of a
 * deployment, from what the registry serves now.
 *
 * For each container group of each input, gate builds what the guest
 * would be asked to run (the image's layer root hashes, argv, env, working
 * dir, user, privileges) and applies hcsshim framework.rego's rules to the
 * group's own CCE policy: mount_overlay picks the policy containers whose
 * ordered layers equal the image's (the candidates), create_container
 * narrows them field by field (verify/admit.h).  A container is admitted
 * if one candidate survives.
 *
 * The result is plain data for the reports: one record per container with
 * its verdict, and findings, each naming a rule id, a severity and where.
 * Nothing here prints.  What cannot be known before run time, or could
 * not be fetched, is GATE_VERDICT_UNVERIFIED with the reason, never pass.
 */
#ifndef GATE_VERIFY_H
#define GATE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "base/array.h"
#include "base/err.h"
#include "input/model.h"
#include "registry/registry.h"

enum gate_verdict {
	GATE_VERDICT_PASS,          /* a candidate survives every rule */
	GATE_VERDICT_DENY,          /* a deny finding names this container */
	GATE_VERDICT_UNVERIFIED,    /* no verdict could be reached: see reason */
	GATE_VERDICT_COVERED,       /* an ACI sidecar the infra fragment covers: not checked */
	GATE_VERDICT_SKIPPED,       /* a group that is not confidential: no policy to check */
};

enum gate_severity {
	GATE_SEVERITY_OFF,          /* rule turned off: never reported */
	GATE_SEVERITY_WARN,
	GATE_SEVERITY_DENY,
};

/* The rule ids of gate verify, in report order.  Each finding names one. */
enum gate_rule {
	GATE_RULE_LAYERS_DRIFT,
	GATE_RULE_LAYERS_ORDER,
	GATE_RULE_CONFIG_COMMAND,
	GATE_RULE_CONFIG_WORKING_DIR,
	GATE_RULE_CONFIG_ENV,
	GATE_RULE_CONFIG_ENV_DROPPED,
	GATE_RULE_CONFIG_USER,
	GATE_RULE_CONFIG_PRIVILEGED,
	GATE_RULE_CONFIG_NO_NEW_PRIVILEGES,
	GATE_RULE_CONFIG_SECCOMP,
	GATE_RULE_CONFIG_CAPS,
	GATE_RULE_CONFIG_MOUNTS,
	GATE_RULE_CONFIG_STDIO,
	GATE_RULE_COVERAGE_NOT_IN_POLICY,
	GATE_RULE_COVERAGE_NOT_IN_TEMPLATE,
	GATE_RULE_POLICY_MISSING,
	GATE_RULE_POLICY_DEBUG,
	GATE_RULE_POLICY_OPEN_DOOR,
	GATE_RULE_POLICY_EMPTY,
	GATE_RULE_POLICY_HAND_WRITTEN,
	GATE_RULE_POLICY_LEGACY_JSON,
	GATE_RULE_POLICY_VERSION,
	GATE_RULE_POLICY_NO_PAUSE,
	GATE_RULE_TAG_UNPINNED,
	/* Rules a rule set turns on (verify/ruleset.h); off by default, so a
	 * run without a rule set reports what it always did.  Checked by
	 * verify/policy_rules.h. */
	GATE_RULE_IMAGE_REGISTRY_ALLOWLIST,
	GATE_RULE_IMAGE_DIGEST_PINNED,
	GATE_RULE_POLICY_ALLOW_ELEVATED,
	GATE_RULE_POLICY_STDIO_ACCESS,
	GATE_RULE_POLICY_MIN_SVN,
	GATE_RULE_POLICY_HOSTDATA,
	GATE_RULE_COUNT
};

struct gate_rule_info {
	const char *id;             /* "layers.drift" */
	enum gate_severity severity;  /* the built-in default */
	const char *summary;        /* one line, for help and SARIF */
	const char *help;           /* what to do about a finding: SARIF help text */
};

extern const struct gate_rule_info gate_rules[GATE_RULE_COUNT];

const char *gate_verdict_name(enum gate_verdict v);     /* "pass", "deny", ... */
const char *gate_severity_name(enum gate_severity s);   /* "deny", "warn", "off" */

struct gate_finding {
	enum gate_rule rule;
	enum gate_severity severity;
	char *file;                 /* the input it came from, as UTF-8 (gate_utf8_dup) */
	char *path;                 /* the same as named, any bytes: for URIs */
	char *group;                /* NULL for findings about a whole input */
	char *container;            /* NULL for findings about a whole group */
	char *image;
	char *message;              /* one line, no trailing period */
	json_t *details;            /* an object: expected/actual, positions...; owned */
	/* Where in file: the container's object, else the group's (model.h);
	 * 1-based, the column in code points; 0: not known. */
	unsigned line, column;
};

/* One layer position of a container: the policy's root hash and the
 * registry's, either NULL where that side has no layer there. */
struct gate_layer_pair {
	char *policy;
	char *registry;
};

struct gate_verify_container {
	size_t group;               /* index into gate_verify_report.groups */
	char *name;
	char *image;                /* the reference as the template writes it */
	char *digest;               /* what the reference resolves to now; NULL if unknown */
	enum gate_verdict verdict;
	char *reason;               /* why unverified or covered; NULL otherwise */
	char *policy_match;         /* name (or id) of the policy container it matched */
	struct gate_layer_pair *layers;
	size_t layers_count;
	unsigned line, column;      /* as for a finding */
};

struct gate_verify_group {
	char *file;
	char *name;
	char *hostdata;             /* sha256 of the policy text; NULL without a policy */
	const char *policy_class;   /* gate_policy_class_name(), or "missing" */
	unsigned line, column;      /* as for a finding */
};

enum gate_result {
	GATE_RESULT_PASS,           /* every container admitted, no deny finding */
	GATE_RESULT_FAIL,           /* some deny finding */
	GATE_RESULT_UNVERIFIED,     /* nothing denied, but some container has no verdict */
};

struct gate_verify_report {
	enum gate_result result;
	struct gate_strv inputs;
	struct gate_verify_group *groups;
	size_t groups_count;
	struct gate_verify_container *containers;
	size_t containers_count;
	struct gate_finding *findings;
	size_t findings_count;
	size_t images_count;        /* distinct image references resolved */
	double resolve_seconds;     /* registry: manifests, configs and layers */
	uint64_t retries;           /* HTTP retries after failed attempts (gate_http_retries) */
	double total_seconds;
};

#define GATE_VERIFY_REPORT_INIT { 0 }

struct gate_verify_opts {
	const struct gate_registry_opts *registry;
	/* Resolves and hashes imgs[0..n) in one run; NULL means
	 * gate_registry_hash(registry, ...).  The CLI passes its own, which
	 * draws progress on a terminal. */
	void (*hash)(void *ctx, struct gate_image *imgs, size_t n);
	void *hash_ctx;
	/* A rule file's choices, scoped per group, container and image
	 * (verify/ruleset.h); NULL means the built-in defaults. */
	const struct gate_ruleset *ruleset;
	/* Shard shard_index of shard_count (0 <= index < count); count 0 or
	 * 1 means every group.  A group belongs to the shard
	 * gate_shard_of(file, group label, count) (verify/shard.h): the rest
	 * are left out of the report, and their images are not fetched. */
	unsigned shard_index, shard_count;
	/* On layers.drift, look among the repository's other tags for the
	 * policy's layers when the scan history has not seen them
	 * (verify/remedy.h). */
	bool search_tags;
};


/* Verifies every group of models[0..n).  Registry failures are not
 * errors: they make the containers concerned unverified.  Returns 0, or
 * -1 with err set when the run itself could not go on (out of memory). */
int gate_verify_run(struct gate_verify_report *out, const struct gate_model *models, size_t n,
		    const struct gate_verify_opts *opts, gate_err *err);

/* Exit status of a report: 0 pass, 1 fail, 3 unverified (README "Exit codes"). */
int gate_verify_exit_status(const struct gate_verify_report *r);

void gate_verify_report_free(struct gate_verify_report *r);

#endif
