/*
 * model.h - what the gate knows about one deployment: its container groups,
 * each with the containers its template asks for and the policy the guest
 * will enforce, ready for the verify step.
 *
 * These are plain data, not handles: the verify step and the reports read
 * every field.  All strings are owned, NUL-terminated and freed by
 * gate_model_free() / gate_policy_free(); a NULL string means "absent in the
 * input", which is not the same as "".
 */
#ifndef GATE_MODEL_H
#define GATE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/array.h"
#include "base/err.h"

/* The layer of the pause container that confcom appends to every policy
 * (internal_config.json default_containers); not an image in any template. */
#define GATE_PAUSE_LAYER "16b514057a06ad665f92c02863aca074fd5976c755d26bff16365299169e8415"

/*
 * A value that exists only at deployment time (a parameter without a value,
 * resourceGroup().name, uniqueString(...), and whatever is computed from
 * them) is kept as the text of what it stands for between U+27E8 and
 * U+27E9, e.g. "\u27e8parameters('containerGroupName')\u27e9".  The brackets
 * mark it rather than a flag per field: such a value can land in any string
 * (group name, image, env value, command word) and must stay visible where
 * it lands.  A literal that happens to be bracketed reads as unresolved too,
 * which can only make a container unverified, never pass it.
 */
#define GATE_UNRESOLVED_OPEN  "\xe2\x9f\xa8"     /* U+27E8 */
#define GATE_UNRESOLVED_CLOSE "\xe2\x9f\xa9"     /* U+27E9 */

/* Whether s (NULL is fine) is an unresolved value as above. */
bool gate_value_is_unresolved(const char *s);

/* The first unresolved word of sv, or NULL. */
const char *gate_strv_unresolved(const struct gate_strv *sv);

/* ---- policy side (POLICY-FORMAT.md section 1) ---- */

/* Most severe first: a policy gets the first class that applies, and every
 * reason that applies is listed in gate_policy.reasons. */
enum gate_policy_class {
	GATE_POLICY_EMPTY,          /* no text: the guest enforces nothing */
	GATE_POLICY_OPEN_DOOR,      /* allow_all, or an enforcement point bound to allow */
	GATE_POLICY_DEBUG,          /* shells exec-able, dump_stacks or runtime_logging */
	GATE_POLICY_HAND_WRITTEN,   /* Rego the scanner cannot read is present */
	GATE_POLICY_LEGACY_JSON,    /* pre-Rego JSON policy (dialect A) */
	GATE_POLICY_NORMAL,
};

enum gate_policy_dialect {
	GATE_DIALECT_NONE,          /* empty text; named "empty" */
	GATE_DIALECT_REGO,
	GATE_DIALECT_LEGACY_JSON,
};

/* Top-level allow_* bindings; flags[] holds -1 when the policy does not set one. */
enum gate_policy_flag {
	GATE_FLAG_PROPERTIES_ACCESS,
	GATE_FLAG_DUMP_STACKS,
	GATE_FLAG_RUNTIME_LOGGING,
	GATE_FLAG_ENV_DROPPING,
	GATE_FLAG_UNENCRYPTED_SCRATCH,
	GATE_FLAG_CAPABILITY_DROPPING,
	GATE_FLAG_HOST_NETWORK,
	GATE_FLAG_COUNT
};

extern const char *const gate_policy_flag_names[GATE_FLAG_COUNT];

struct gate_env_rule {
	char *pattern;              /* "NAME=VALUE" */
	char *strategy;             /* "string" or "re2" */
	bool required;
};

struct gate_policy_container {
	char *name;                 /* NULL when left out (pause, dialect C) */
	char *id;                   /* NULL with --omit-id, pause, dialect C */
	struct gate_strv layers;    /* dm-verity roots, base layer first, lowercase hex */
	struct gate_strv command;
	bool command_null;          /* "command": null or absent: the image decides */
	char *working_dir;
	struct gate_env_rule *env_rules;
	size_t env_rules_count;
	struct gate_strv *exec_processes;   /* their commands */
	size_t exec_processes_count;
	bool allow_elevated;
	bool is_pause;
	bool is_sidecar;
	char *json;                 /* the whole object, compact and key-sorted, unknown keys kept */
};

struct gate_fragment {
	char *feed;
	char *issuer;               /* "iss" in old docs */
	char *minimum_svn;          /* numbers are kept as their text */
	struct gate_strv includes;
};

/* Something in the text the scanner did not interpret. */
struct gate_policy_note {
	unsigned line, col;         /* 1-based */
	char *msg;
};

struct gate_policy {
	char *text;                 /* the decoded policy, NUL-terminated */
	size_t text_size;
	char hostdata[65];          /* sha256(text) in hex: the SNP host data */
	enum gate_policy_dialect dialect;
	enum gate_policy_class class;
	struct gate_strv reasons;   /* why the class, and other classes that also apply */
	char *package;
	char *api_version;          /* api_version, or api_svn in dialects B and C */
	char *framework_version;    /* framework_version, or framework_svn */
	char *svn;                  /* fragments (dialect H) */
	bool svn_spelling;          /* versions were spelled api_svn/framework_svn */
	int flags[GATE_FLAG_COUNT];
	struct gate_fragment *fragments;
	size_t fragments_count;
	struct gate_policy_container *containers;
	size_t containers_count;
	size_t external_processes_count;
	struct gate_policy_note *notes;
	size_t notes_count;
};

/* ---- template side ---- */

struct gate_env {
	char *name;
	char *value;                /* NULL: K8s valueFrom, unknown until run time;
					 * may be unresolved (gate_value_is_unresolved) */
	bool secure;                /* ARM secureValue */
};

struct gate_mount {
	char *name;
	char *mount_path;
	char *volume_type;          /* azureFile, secret, emptyDir, ...; NULL if no volume matched */
	bool read_only;
};

struct gate_security_context {
	int privileged;             /* -1 unset, else 0/1 */
	int allow_privilege_escalation;
	bool has_run_as_user, has_run_as_group;
	long long run_as_user, run_as_group;
	struct gate_strv cap_add, cap_drop;
	char *seccomp_profile;      /* base64 as written */
};

struct gate_container {
	char *name;
	char *image;                /* after parameter and variable substitution;
					 * may be unresolved, as may command words */
	struct gate_strv command;
	bool has_command;
	struct gate_strv args;      /* Kubernetes only */
	bool has_args;
	char *working_dir;
	struct gate_env *env;
	size_t env_count;
	struct gate_mount *mounts;
	size_t mounts_count;
	struct gate_strv *exec_probes;  /* readiness/liveness exec commands */
	size_t exec_probes_count;
	struct gate_security_context security_context;
	bool is_init;
	bool is_sidecar;
	/* Where its object starts in the model's file, 1-based, the column in
	 * code points (input/json_pos.h); 0: not in the text (an expression
	 * built it) or in it more than once (a YAML anchor that an alias
	 * places again). */
	unsigned line, column;
};

struct gate_group {
	char *name;                 /* may be unresolved: where then names the group */
	char *where;                /* e.g. "resources[0]", "document 2 (Deployment)" */
	bool has_policy;            /* a ccePolicy field or annotation exists */
	bool confidential;          /* sku Confidential, confidentialComputeProperties, or the VN2 annotation */
	struct gate_policy *policy; /* NULL when !has_policy */
	struct gate_container *containers;
	size_t containers_count;
	unsigned line, column;      /* of its object, as for a container */
};

struct gate_model {
	char *file;
	const char *format;         /* the input format's name, or "legacy-json" for a
				 * bare legacy JSON policy */
	struct gate_group *groups;
	size_t groups_count;
};

#define GATE_MODEL_INIT { 0 }

/* Frees what the model owns, not the struct itself.  NULL is fine. */
void gate_model_free(struct gate_model *m);

/* Frees the policy and what it owns.  NULL is fine. */
void gate_policy_free(struct gate_policy *p);

/* ACI's own sidecar images: confcom's sidecar_base_names exactly, compared
 * with the repository part of the reference (other images under
 * mcr.microsoft.com/aci/, such as aci-confidential-helloworld, are
 * workloads). */
bool gate_model_is_sidecar_image(const char *image);

const char *gate_policy_class_name(enum gate_policy_class c);
const char *gate_policy_dialect_name(enum gate_policy_dialect d);

#endif
