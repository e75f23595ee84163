/*
 * admit.h - the guest's admission decision for one container, predicted.
 *
 * hcsshim's framework.rego decides in two steps, and so does this module:
 *
 *   mount_overlay     the candidates are the policy containers whose layers
 *                     equal the image's (layerPaths_ok): gate_admit_layers_match()
 *   create_container  those candidates are narrowed by the *_ok rules:
 *                     gate_admit_run()
 *
 * The caller describes what the guest will receive (struct gate_admit_input)
 * and passes the candidates; the result has a verdict per candidate and
 * rule, with the expected and actual text for a report, and the overall
 * answer.  Data in, data out: no I/O, no printing.
 *
 * Three verdicts, because not everything is known before run time (a user
 * name's uid, an env value from a Kubernetes valueFrom): a rule that cannot
 * be decided is UNKNOWN, never guessed.  /work/notes/framework-rules.md
 * summarises the Rego this follows.
 */
#ifndef GATE_VERIFY_ADMIT_H
#define GATE_VERIFY_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/array.h"
#include "base/err.h"
#include "input/model.h"

enum gate_admit_verdict {
	GATE_ADMIT_PASS,          /* admitted / the rule holds */
	GATE_ADMIT_UNKNOWN,       /* depends on what only run time knows */
	GATE_ADMIT_FAIL,          /* denied / the rule refuses */
};

/* The create_container narrowing rules, in the order findings name them. */
enum gate_admit_rule {
	GATE_ADMIT_COMMAND,            /* command_ok */
	GATE_ADMIT_WORKING_DIR,        /* workingDirectory_ok */
	GATE_ADMIT_USER,               /* user_ok */
	GATE_ADMIT_PRIVILEGED,         /* privileged_ok */
	GATE_ADMIT_NO_NEW_PRIVILEGES,  /* noNewPrivileges_ok */
	GATE_ADMIT_SECCOMP,            /* seccomp_ok */
	GATE_ADMIT_MOUNTS,             /* mountList_ok */
	GATE_ADMIT_ENV,                /* valid_envs_for_all + envList_ok */
	GATE_ADMIT_CAPS,               /* valid_caps_for_all + caps_ok */
	GATE_ADMIT_RULE_COUNT
};

/* "command", "working_dir", "user", "privileged", "no_new_privileges",
 * "seccomp", "mounts", "env", "caps": the suffixes of the config.* rule ids. */
extern const char *const gate_admit_rule_names[GATE_ADMIT_RULE_COUNT];
const char *gate_admit_verdict_name(enum gate_admit_verdict v);   /* "pass", "unknown", "fail" */

/* ---- layers (mount_overlay / layerPaths_ok) ---- */

enum gate_layers_match {
	GATE_LAYERS_EQUAL,          /* same hashes, same order: a candidate */
	GATE_LAYERS_REORDERED,      /* same multiset, other order: layers.order */
	GATE_LAYERS_DIFFER,         /* layers.drift */
};

/* Compares a policy container's layers (base first, as confcom writes them)
 * with the image's root hashes in manifest order (base first).  The guest
 * walks its layer paths top first against the policy list reversed, which
 * is the same position-by-position test.  When not EQUAL and diff is not
 * NULL, *diff receives the differing positions (0 = base), ascending; a
 * count mismatch lists every position from the shorter length on.  The
 * caller frees *diff.  Returns -1 only on ENOMEM. */
int gate_admit_layers_match(enum gate_layers_match *out,
                            const struct gate_strv *policy_layers,
                            const char *const *image_root_hashes, size_t n,
                            size_t **diff, size_t *diff_count, gate_err *err);

/* ---- what the guest will receive ---- */

/* A user or group as GetAllUserInfo hands it to user_ok; NULL = not
 * known before run time (it needs the image's /etc/passwd or /etc/group). */
struct gate_admit_idname {
	char *id;                   /* decimal */
	char *name;
};

/* The user the guest derives from the image config's User string.  The
 * guest resolves "user[:group]" against the container's /etc/passwd and
 * /etc/group, which gate does not read, so only what the string itself
 * says is known:
 *   ""            uid 0, gid 0, names unknown
 *   "1000"        uid 1000; name, group unknown
 *   "alice"       name alice; uid, group unknown
 *   "alice:staff" user name alice, group name staff; ids unknown
 *   "1000:50"     uid 1000, gid 50; names unknown
 * Supplementary groups are not modelled (ACI sets none). */
struct gate_admit_user {
	struct gate_admit_idname user;
	struct gate_admit_idname group;
};

/* Fills *out (owned; free with gate_admit_user_free) from an image User
 * string; NULL is treated as "". */
int gate_admit_user_parse(struct gate_admit_user *out, const char *image_user,
                          gate_err *err);
void gate_admit_user_free(struct gate_admit_user *u);

struct gate_admit_env {
	const char *name;
	const char *value;          /* NULL: not known before run time (valueFrom) */
	bool secure;                /* ARM secureValue: matched, never shown in text */
};

/* An OCI mount as the guest sees it.  `source` is written in the policy's
 * own notation: "sandbox://" stands for the guest's per-sandbox directory
 * (its name holds the sandbox id, unknown before deployment), e.g.
 * "sandbox:///tmp/atlas/emptydir/data"; NULL = unknown. */
struct gate_admit_mount {
	const char *destination;
	const char *type;           /* "bind" for every ACI volume */
	const char *source;
	const char *const *options;
	size_t options_count;
};

/* The mount ACI adds to every user container; confcom lists it in the
 * policy as default_mounts_user. */
extern const struct gate_admit_mount gate_admit_resolv_conf_mount;

/* OCI process capabilities, the five sets create_container compares. */
enum gate_cap_set {
	GATE_CAPS_BOUNDING, GATE_CAPS_EFFECTIVE, GATE_CAPS_INHERITABLE,
	GATE_CAPS_PERMITTED, GATE_CAPS_AMBIENT, GATE_CAPS_SET_COUNT
};
extern const char *const gate_cap_set_names[GATE_CAPS_SET_COUNT];

struct gate_admit_caps {
	const char *const *v[GATE_CAPS_SET_COUNT];
	size_t n[GATE_CAPS_SET_COUNT];
};

/* What the runtime requests when the template says nothing: the 14
 * unprivileged capabilities in bounding, effective and permitted, or for a
 * privileged container every capability in all but ambient (the lists of
 * hcsshim DefaultUnprivilegedCapabilities / DefaultPrivilegedCapabilities,
 * which confcom writes into policies too).  Static storage. */
const struct gate_admit_caps *gate_admit_caps_default(bool privileged);

/* Everything the caller owns; gate_admit_run() only reads it. */
struct gate_admit_input {
	const char *const *argv;            /* template command, else Entrypoint + Cmd */
	size_t argc;
	const struct gate_admit_env *env;   /* in the order the guest gets them */
	size_t env_count;
	const char *working_dir;            /* image WorkingDir, else "/" */
	const struct gate_admit_user *user;
	const char *umask;                  /* NULL: "0022", the kernel default */
	bool privileged;
	bool no_new_privileges;
	const struct gate_admit_caps *caps; /* NULL: gate_admit_caps_default(privileged) */
	const struct gate_admit_mount *mounts;  /* template mounts + resolv.conf */
	size_t mounts_count;
	const char *seccomp_profile_sha256; /* NULL or "": no profile */
	/* From the policy: */
	const int *flags;                   /* gate_policy.flags[GATE_FLAG_COUNT]; -1 = unset */
	const char *framework_version;      /* gate_policy.framework_version; NULL: absent */
};

/* The framework version of the guest whose rules this module follows
 * (hcsshim pkg/securitypolicy/version_framework). */
#define GATE_ADMIT_GUEST_FRAMEWORK "0.5.0"

/* ---- the verdict ---- */

struct gate_admit_check {
	enum gate_admit_verdict verdict;
	char *expected;             /* what the policy wants, for "expected X, got Y" */
	char *actual;               /* what the guest would get */
	char *note;                 /* NULL, or why unknown / where an older guest differs */
};

struct gate_admit_candidate {
	size_t index;               /* into the candidates passed to gate_admit_run() */
	struct gate_admit_check rules[GATE_ADMIT_RULE_COUNT];
	enum gate_admit_verdict verdict;  /* the worst of its rules */
};

struct gate_admit_result {
	/* PASS: some candidate passes every rule (admitted).  FAIL: every
	 * candidate fails some rule, or the survivors disagree on stdio
	 * access (denied).  UNKNOWN: otherwise. */
	enum gate_admit_verdict verdict;
	struct gate_admit_candidate *candidates;
	size_t candidates_count;
	/* Denied: the rules every candidate fails (the config.* findings). */
	bool all_fail[GATE_ADMIT_RULE_COUNT];
	/* Variables the guest drops (allow_environment_variable_dropping), as
	 * "NAME=VALUE", or "NAME=(secure value)" for a secure one. */
	struct gate_strv env_dropped;
	bool stdio_conflict;        /* survivors differ in allow_stdio_access */
	/* Static text when the policy's framework_version makes the guest
	 * ignore every policy container (absent, or newer than the guest's:
	 * policy_containers is empty); NULL otherwise.  Verdict FAIL.  (A
	 * policy without api_version is denied everything too, but that is
	 * the policy's finding, not a container's.) */
	const char *policy_denies;
};

#define GATE_ADMIT_RESULT_INIT { 0 }

/* Applies create_container to the candidates (the policy containers whose
 * layers matched).  Each rule is evaluated for every candidate, also those
 * that an earlier rule already refused, so that a report can say on which
 * rules they all fail; env and caps dropping are computed over the
 * candidates that pass the first seven rules together (as the guest does),
 * or for a refused candidate as if it were alone.
 *
 * A malformed field (a type the guest's Rego would not accept) fails its
 * rule, as in the guest; so does an invalid re2 pattern, whose RE2 error
 * is the check's note.  env_dropped is what the guest would drop if it
 * admits; report it only then.
 *
 * Errors (-1, err set and prefixed with the candidate's name, *out freed):
 * a candidate whose json is not a JSON object, ENOMEM.  Zero candidates
 * give FAIL.  The caller frees *out with gate_admit_result_free(). */
int gate_admit_run(struct gate_admit_result *out,
                   const struct gate_admit_input *in,
                   const struct gate_policy_container *const *candidates,
                   size_t count, gate_err *err);

void gate_admit_result_free(struct gate_admit_result *r);

#endif
