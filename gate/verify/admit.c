/*
 * admit.c - framework.rego's create_container, in three-valued logic.
 *
 * Each *_ok rule of the Rego becomes a function returning a verdict and the
 * text a report shows; gate_admit_run() narrows the candidates in the
 * guest's order.  Rule names in comments are the Rego's.
 */
#include "verify/admit.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/re2.h"

const char *const gate_admit_rule_names[GATE_ADMIT_RULE_COUNT] = {
	"command", "working_dir", "user", "privileged", "no_new_privileges",
	"seccomp", "mounts", "env", "caps",
};

const char *const gate_cap_set_names[GATE_CAPS_SET_COUNT] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

const char *gate_admit_verdict_name(enum gate_admit_verdict v)
{
	static const char *const names[] = { "pass", "unknown", "fail" };
	return names[v];
}

/* hcsshim DefaultUnprivilegedCapabilities / DefaultPrivilegedCapabilities. */
static const char *const caps_unprivileged[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};
static const char *const caps_privileged[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};
#define N_UNPRIV (sizeof(caps_unprivileged) / sizeof(*caps_unprivileged))
#define N_PRIV (sizeof(caps_privileged) / sizeof(*caps_privileged))

static const struct gate_admit_caps caps_default_unprivileged = {
	{ caps_unprivileged, caps_unprivileged, NULL, caps_unprivileged, NULL },
	{ N_UNPRIV, N_UNPRIV, 0, N_UNPRIV, 0 },
};
static const struct gate_admit_caps caps_default_privileged = {
	{ caps_privileged, caps_privileged, caps_privileged, caps_privileged, NULL },
	{ N_PRIV, N_PRIV, N_PRIV, N_PRIV, 0 },
};

const struct gate_admit_caps *gate_admit_caps_default(bool privileged)
{
	return privileged ? &caps_default_privileged : &caps_default_unprivileged;
}

static const char *const resolv_conf_options[] = { "rbind", "rshared", "rw" };
const struct gate_admit_mount gate_admit_resolv_conf_mount = {
	"/etc/resolv.conf", "bind", "sandbox:///tmp/atlas/resolvconf/resolv.conf",
	resolv_conf_options, 3,
};

/* data.defaultMounts and data.privilegedMounts: hcsshim DefaultCRIMounts()
 * and DefaultCRIPrivilegedMounts(). */
struct std_mount {
	const char *destination, *type, *source;
	const char *options[6];
};
static const struct std_mount default_mounts[] = {
	{ "/proc", "proc", "proc", { "nosuid", "noexec", "nodev" } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts", "devpts", "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	{ "/run", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
	{ "/sys/fs/cgroup", "cgroup2", "cgroup2", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};
static const struct std_mount privileged_mounts[] = {
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "rw" } },
	{ "/sys/fs/cgroup", "cgroup2", "cgroup2", { "nosuid", "noexec", "nodev", "relatime", "rw" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "rw" } },
};

/* ---- small helpers ---- */

static enum gate_admit_verdict worst(enum gate_admit_verdict a, enum gate_admit_verdict b)
{
	return a > b ? a : b;
}

/* Best of two alternatives ("some rule allows it"). */
static enum gate_admit_verdict best(enum gate_admit_verdict a, enum gate_admit_verdict b)
{
	return a < b ? a : b;
}

static char *fmt(gate_err *err, const char *f, ...) __attribute__((format(printf, 2, 3)));
static char *fmt(gate_err *err, const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	if (n < 0) {
		gate_err_nomem(err);
		return NULL;
	}
	return s;
}

/* Compact JSON text of a value the module built; NULL json gives "null". */
static char *dump(json_t *j, gate_err *err)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");

	if (!s)
		gate_err_nomem(err);
	return s;
}

static json_t *strs_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i] ? v[i] : ""));
	return a;
}

static int set_check(struct gate_admit_check *c, enum gate_admit_verdict v,
                     char *expected, char *actual, gate_err *err)
{
	c->verdict = v;
	c->expected = expected;
	c->actual = actual;
	if (!expected || !actual)
		return err->code ? -1 : gate_err_nomem(err);
	return 0;
}

/* "MAJOR.MINOR.PATCH" in decimal and nothing else, as the guest's semver
 * accepts policies' versions; false for anything else. */
static bool semver_parse(const char *s, unsigned long v[3])
{
	for (int i = 0; i < 3; i++) {
		if (!s || *s < '0' || *s > '9')
			return false;
		v[i] = 0;
		while (*s >= '0' && *s <= '9') {
			if (v[i] > 99999999)
				return false;
			v[i] = v[i] * 10 + (unsigned long)(*s++ - '0');
		}
		if (i < 2 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

/* Numeric order of two versions semver_parse() accepts; an invalid one
 * sorts first, and policy_denies() refuses it before it matters. */
static int semver_cmp(const char *a, const char *b)
{
	unsigned long x[3] = { 0 }, y[3] = { 0 };
	int i;

	semver_parse(a, x);
	semver_parse(b, y);
	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Whether the policy's framework_version predates `since`, so that
 * check_container defaults the field instead of reading it. */
static bool policy_older(const struct gate_admit_input *in, const char *since)
{
	return in->framework_version && semver_cmp(in->framework_version, since) < 0;
}

/* ---- regular expressions: anchor_pattern + regex.match ---- */

/* anchor_pattern: a textual test, so "a|b" becomes "^a|b$". */
static char *anchor(const char *p, gate_err *err)
{
	size_t n = strlen(p);
	bool head = p[0] == '^', tail = n && p[n - 1] == '$';

	return fmt(err, "%s%s%s", head ? "" : "^", p, tail ? "" : "$");
}

/* regex.match(anchor_pattern(p), s).  An invalid pattern makes the Rego
 * builtin undefined, so the rule holds for nothing: FAIL, with the reason
 * in *note when the caller wants it.  *unanchored, when not NULL, gets
 * what a guest before the anchoring change (hcsshim 9b2e94f5) decided. */
static int re2_match(enum gate_admit_verdict *out, const char *p, const char *s,
                     bool *unanchored, char **note, gate_err *err)
{
	gate_err perr = GATE_ERR_INIT;
	gate_re2 *re = NULL;
	char *a = anchor(p, err);

	if (!a)
		return -1;
	*out = GATE_ADMIT_FAIL;
	if (gate_re2_new(&re, a, &perr) < 0) {
		free(a);
		if (note && !*note && !(*note = fmt(err, "%s: it matches nothing in the guest", perr.msg)))
			return -1;
		if (unanchored)
			*unanchored = false;
		return 0;
	}
	if (gate_re2_search(re, s))
		*out = GATE_ADMIT_PASS;
	gate_re2_free(re);
	free(a);
	if (unanchored) {
		if (gate_re2_new(&re, p, &perr) < 0)
			return 0;
		*unanchored = gate_re2_search(re, s);
		gate_re2_free(re);
	}
	return 0;
}

/* regex.match(anchor_pattern(p), s) for a user name or a mount source,
 * which guests before hcsshim df52d666 (March 2026) matched unanchored. */
static int re2_match_late(enum gate_admit_verdict *out, const char *p, const char *s,
                          char **note, gate_err *err)
{
	bool loose;

	if (re2_match(out, p, s, &loose, note, err) < 0)
		return -1;
	if (loose != (*out == GATE_ADMIT_PASS) && !*note &&
	    !(*note = fmt(err, "a guest built before hcsshim df52d666 (March 2026) matches "
	                  "'%s' unanchored and decides differently", p)))
		return -1;
	return 0;
}

/* ---- the policy container, as check_container leaves it ---- */

struct cand {
	json_t *root;
	json_t *command;            /* borrowed from root; NULL = absent */
	json_t *env_rules;
	json_t *mounts;
	json_t *caps;               /* NULL: get_capabilities chooses defaults */
	json_t *user;               /* owned by root, or the 0.2.1 default below */
	json_t *user_default;       /* owned */
	const char *working_dir;
	const char *seccomp;
	bool allow_elevated, no_new_privileges, stdio;
};

static json_t *user_any(void)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:[{s:s, s:s}]}", "umask", "0022",
	                 "user_idname", "pattern", "", "strategy", "any",
	                 "group_idnames", "pattern", "", "strategy", "any");
}

static int cand_load(struct cand *c, const struct gate_admit_input *in,
                     const struct gate_policy_container *pc, gate_err *err)
{
	json_error_t jerr;
	json_t *caps;

	memset(c, 0, sizeof(*c));
	c->root = pc->json ? json_loads(pc->json, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!c->root)
		return gate_err_set(err, GATE_EINPUT, "unreadable JSON: %s",
		                    pc->json ? jerr.text : "none kept");
	if (!json_is_object(c->root))
		return gate_err_set(err, GATE_EINPUT, "not a JSON object");
	c->command = json_object_get(c->root, "command");
	c->env_rules = json_object_get(c->root, "env_rules");
	c->mounts = json_object_get(c->root, "mounts");
	c->working_dir = json_string_value(json_object_get(c->root, "working_dir"));
	c->allow_elevated = json_is_true(json_object_get(c->root, "allow_elevated"));
	c->stdio = json_is_true(json_object_get(c->root, "allow_stdio_access"));
	c->no_new_privileges = !policy_older(in, "0.2.0") &&
		json_is_true(json_object_get(c->root, "no_new_privileges"));
	if (policy_older(in, "0.2.1")) {
		if (!(c->user = c->user_default = user_any()))
			return gate_err_nomem(err);
	} else {
		c->user = json_object_get(c->root, "user");
	}
	caps = json_object_get(c->root, "capabilities");
	c->caps = policy_older(in, "0.2.2") || json_is_null(caps) ? NULL : caps;
	c->seccomp = policy_older(in, "0.2.3") ? "" :
		json_string_value(json_object_get(c->root, "seccomp_profile_sha256"));
	return 0;
}

static void cand_free(struct cand *c)
{
	json_decref(c->root);
	json_decref(c->user_default);
}

/* ---- command_ok, workingDirectory_ok, privileged_ok, noNewPrivileges_ok, seccomp_ok ---- */

static int check_command(struct gate_admit_check *ck, const struct cand *c,
                         const struct gate_admit_input *in, gate_err *err)
{
	enum gate_admit_verdict v = GATE_ADMIT_FAIL;
	json_t *actual = strs_json(in->argv, in->argc);
	size_t i;

	/* A null command makes count() undefined in the guest: nothing matches. */
	if (json_is_array(c->command) && json_array_size(c->command) == in->argc) {
		v = GATE_ADMIT_PASS;
		for (i = 0; i < in->argc; i++) {
			const char *arg = json_string_value(json_array_get(c->command, i));
			if (!arg || strcmp(arg, in->argv[i]))
				v = GATE_ADMIT_FAIL;
		}
	}
	int rc = 0;

	if ((json_is_null(c->command) || !c->command) &&
	    !(ck->note = fmt(err, "the policy's command is null, which matches no command")))
		rc = -1;
	if (!rc)
		rc = set_check(ck, v, dump(c->command, err), dump(actual, err), err);
	json_decref(actual);
	return rc;
}

static int check_string(struct gate_admit_check *ck, const char *want, const char *got,
                        gate_err *err)
{
	json_t *w = want ? json_string(want) : NULL, *g = json_string(got ? got : "");
	enum gate_admit_verdict v = want && got && !strcmp(want, got) ? GATE_ADMIT_PASS : GATE_ADMIT_FAIL;
	int rc = set_check(ck, v, dump(w, err), dump(g, err), err);

	json_decref(w);
	json_decref(g);
	return rc;
}

static int check_privileged(struct gate_admit_check *ck, const struct cand *c,
                            const struct gate_admit_input *in, gate_err *err)
{
	enum gate_admit_verdict v = !in->privileged || c->allow_elevated ?
		GATE_ADMIT_PASS : GATE_ADMIT_FAIL;

	return set_check(ck, v,
		fmt(err, "%s", c->allow_elevated ? "privileged allowed (allow_elevated)" : "not privileged"),
		fmt(err, "%s", in->privileged ? "privileged" : "not privileged"), err);
}

static int check_nnp(struct gate_admit_check *ck, const struct cand *c,
                     const struct gate_admit_input *in, gate_err *err)
{
	enum gate_admit_verdict v = !c->no_new_privileges || in->no_new_privileges ?
		GATE_ADMIT_PASS : GATE_ADMIT_FAIL;

	return set_check(ck, v,
		fmt(err, "%s", c->no_new_privileges ? "no_new_privileges" : "any"),
		fmt(err, "%s", in->no_new_privileges ? "no_new_privileges" : "new privileges allowed"),
		err);
}

/* ---- user_ok / idName_ok ---- */

static int idname_ok(enum gate_admit_verdict *out, const json_t *rule,
                     const struct gate_admit_idname *who, char **note, gate_err *err)
{
	const char *pattern = json_string_value(json_object_get(rule, "pattern"));
	const char *strategy = json_string_value(json_object_get(rule, "strategy"));

	*out = GATE_ADMIT_FAIL;
	if (!pattern || !strategy)
		return 0;
	if (!strcmp(strategy, "any"))
		*out = GATE_ADMIT_PASS;
	else if (!strcmp(strategy, "id"))
		*out = !who->id ? GATE_ADMIT_UNKNOWN :
			!strcmp(pattern, who->id) ? GATE_ADMIT_PASS : GATE_ADMIT_FAIL;
	else if (!strcmp(strategy, "name"))
		*out = !who->name ? GATE_ADMIT_UNKNOWN :
			!strcmp(pattern, who->name) ? GATE_ADMIT_PASS : GATE_ADMIT_FAIL;
	else if (!strcmp(strategy, "re2"))
		return who->name ? re2_match_late(out, pattern, who->name, note, err) :
			(*out = GATE_ADMIT_UNKNOWN, 0);
	return 0;
}

static json_t *idname_json(const struct gate_admit_idname *w)
{
	return json_pack("{s:o, s:o}", "id", w->id ? json_string(w->id) : json_null(),
	                 "name", w->name ? json_string(w->name) : json_null());
}

static int check_user(struct gate_admit_check *ck, const struct cand *c,
                      const struct gate_admit_input *in, gate_err *err)
{
	static const struct gate_admit_user root_unknown = { { "0", NULL }, { "0", NULL } };
	const struct gate_admit_user *u = in->user ? in->user : &root_unknown;
	const char *umask = in->umask ? in->umask : "0022";
	const char *want_umask = json_string_value(json_object_get(c->user, "umask"));
	json_t *groups = json_object_get(c->user, "group_idnames"), *g, *actual;
	enum gate_admit_verdict v, gv = GATE_ADMIT_FAIL, one;
	size_t i;
	int rc;

	v = want_umask && !strcmp(want_umask, umask) ? GATE_ADMIT_PASS : GATE_ADMIT_FAIL;
	if (idname_ok(&one, json_object_get(c->user, "user_idname"), &u->user, &ck->note, err) < 0)
		return -1;
	v = worst(v, one);
	/* every input group must be allowed by some group_idnames entry */
	json_array_foreach(groups, i, g) {
		if (idname_ok(&one, g, &u->group, &ck->note, err) < 0)
			return -1;
		gv = best(gv, one);
	}
	v = worst(v, gv);
	if (v == GATE_ADMIT_UNKNOWN && !ck->note &&
	    !(ck->note = fmt(err, "the uid or name needs the image's /etc/passwd or /etc/group")))
		return -1;
	actual = json_pack("{s:s, s:o, s:[o]}", "umask", umask, "user", idname_json(&u->user),
	                   "groups", idname_json(&u->group));
	rc = set_check(ck, v, dump(c->user, err), dump(actual, err), err);
	json_decref(actual);
	return rc;
}

/* ---- mountList_ok / mount_ok / mountConstraint_ok / mountSource_ok ---- */

static bool has_option(const char *const *opts, size_t n, const char *o)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(opts[i], o))
			return true;
	return false;
}

/* Source rule for a sandbox:// or hugepages:// constraint: the prefix is
 * the same directory on both sides, so the tails are compared. */
static int source_ok(enum gate_admit_verdict *out, const char *constraint, const char *source,
                     char **note, gate_err *err)
{
	static const char *const prefixes[] = { "sandbox://", "hugepages://" };
	size_t i, n;

	*out = GATE_ADMIT_FAIL;
	if (!source) {
		*out = GATE_ADMIT_UNKNOWN;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		n = strlen(prefixes[i]);
		if (!strncmp(constraint, prefixes[i], n))
			return strncmp(source, prefixes[i], n) ? 0 :
				re2_match_late(out, constraint + n, source + n, note, err);
	}
	/* plan9:// sources are granted at run time (data.metadata.p9mounts). */
	if (!strncmp(constraint, "plan9://", 8))
		*out = GATE_ADMIT_UNKNOWN;
	else if (!strcmp(constraint, source))
		*out = GATE_ADMIT_PASS;
	return 0;
}

static int constraint_ok(enum gate_admit_verdict *out, const char *dest, const char *type,
                         const char *source, const char *const *copts, size_t cn,
                         const struct gate_admit_mount *m, char **note, gate_err *err)
{
	size_t i;

	*out = GATE_ADMIT_FAIL;
	if (!dest || !type || !source || !m->destination || !*m->destination ||
	    strcmp(dest, m->destination) || strcmp(type, m->type ? m->type : "") ||
	    cn != m->options_count)
		return 0;
	for (i = 0; i < cn; i++)
		if (!has_option(m->options, m->options_count, copts[i]))
			return 0;
	for (i = 0; i < m->options_count; i++)
		if (!has_option(copts, cn, m->options[i]))
			return 0;
	return source_ok(out, source, m->source, note, err);
}

static int policy_constraint_ok(enum gate_admit_verdict *out, const json_t *pm,
                                const struct gate_admit_mount *m, char **note, gate_err *err)
{
	const json_t *opts = json_object_get(pm, "options"), *o;
	size_t i, n = json_array_size(opts);
	const char **copts = calloc(n + 1, sizeof(*copts));
	int rc = 0;

	*out = GATE_ADMIT_FAIL;
	if (!copts)
		return gate_err_nomem(err);
	json_array_foreach(opts, i, o)
		if (!(copts[i] = json_string_value(o)))
			goto done;
	rc = constraint_ok(out, json_string_value(json_object_get(pm, "destination")),
	                   json_string_value(json_object_get(pm, "type")),
	                   json_string_value(json_object_get(pm, "source")),
	                   copts, n, m, note, err);
done:
	free(copts);
	return rc;
}

static size_t std_count(const struct std_mount *s)
{
	size_t n = 0;

	while (n < 6 && s->options[n])
		n++;
	return n;
}

static int mount_ok(enum gate_admit_verdict *out, const struct cand *c,
                    const struct gate_admit_mount *m, char **note, gate_err *err)
{
	enum gate_admit_verdict one;
	const json_t *pm;
	size_t i;

	*out = GATE_ADMIT_FAIL;
	json_array_foreach(c->mounts, i, pm) {
		if (policy_constraint_ok(&one, pm, m, note, err) < 0)
			return -1;
		*out = best(*out, one);
	}
	for (i = 0; i < sizeof(default_mounts) / sizeof(*default_mounts); i++) {
		const struct std_mount *s = &default_mounts[i];
		if (constraint_ok(&one, s->destination, s->type, s->source, s->options,
		                  std_count(s), m, note, err) < 0)
			return -1;
		*out = best(*out, one);
	}
	for (i = 0; c->allow_elevated && i < sizeof(privileged_mounts) / sizeof(*privileged_mounts); i++) {
		const struct std_mount *s = &privileged_mounts[i];
		if (constraint_ok(&one, s->destination, s->type, s->source, s->options,
		                  std_count(s), m, note, err) < 0)
			return -1;
		*out = best(*out, one);
	}
	return 0;
}

static json_t *mount_json(const struct gate_admit_mount *m)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "destination", m->destination ? m->destination : "",
	                 "type", m->type ? m->type : "",
	                 "source", m->source ? json_string(m->source) : json_null(),
	                 "options", strs_json(m->options, m->options_count));
}

static int check_mounts(struct gate_admit_check *ck, const struct cand *c,
                        const struct gate_admit_input *in, gate_err *err)
{
	enum gate_admit_verdict v = GATE_ADMIT_PASS, one;
	json_t *bad = json_array(), *want = json_array(), *pm;
	size_t i, j;
	int rc;

	for (i = 0; i < in->mounts_count; i++) {
		const struct gate_admit_mount *m = &in->mounts[i];
		if (mount_ok(&one, c, m, &ck->note, err) < 0)
			goto fail;
		v = worst(v, one);
		if (one == GATE_ADMIT_PASS)
			continue;
		json_array_append_new(bad, mount_json(m));
		/* what the policy offers at that destination, if anything */
		json_array_foreach(c->mounts, j, pm)
			if (m->destination && json_is_string(json_object_get(pm, "destination")) &&
			    !strcmp(json_string_value(json_object_get(pm, "destination")), m->destination))
				json_array_append(want, pm);
	}
	if (v == GATE_ADMIT_PASS) {
		rc = set_check(ck, v, fmt(err, "every mount allowed"),
		               fmt(err, "%zu mounts, each allowed", in->mounts_count), err);
	} else {
		rc = set_check(ck, v, json_array_size(want) ? dump(want, err) :
		               fmt(err, "no policy mount at that destination"), dump(bad, err), err);
	}
	json_decref(bad);
	json_decref(want);
	return rc;
fail:
	json_decref(bad);
	json_decref(want);
	return -1;
}

/* ---- the seven rules of possible_after_initial_containers ---- */

static int check_initial(struct gate_admit_candidate *out, const struct cand *c,
                         const struct gate_admit_input *in, gate_err *err)
{
	struct gate_admit_check *r = out->rules;
	const char *seccomp = in->seccomp_profile_sha256 ? in->seccomp_profile_sha256 : "";

	if (check_command(&r[GATE_ADMIT_COMMAND], c, in, err) < 0 ||
	    check_string(&r[GATE_ADMIT_WORKING_DIR], c->working_dir, in->working_dir, err) < 0 ||
	    check_user(&r[GATE_ADMIT_USER], c, in, err) < 0 ||
	    check_privileged(&r[GATE_ADMIT_PRIVILEGED], c, in, err) < 0 ||
	    check_nnp(&r[GATE_ADMIT_NO_NEW_PRIVILEGES], c, in, err) < 0 ||
	    check_string(&r[GATE_ADMIT_SECCOMP], c->seccomp, seccomp, err) < 0 ||
	    check_mounts(&r[GATE_ADMIT_MOUNTS], c, in, err) < 0)
		return -1;
	return 0;
}


/* ---- envList_ok, env_rule_ok, env_pattern_ok ---- */

/* What a report may show of an env: never a secure value. */
static char *env_shown(const struct gate_admit_env *e, gate_err *err)
{
	return fmt(err, "%s=%s", e->name, e->secure ? "(secure value)" :
	           e->value ? e->value : "(set at run time)");
}

/* env_pattern_ok on a known string; *differs notes where an unanchored
 * (pre-9b2e94f5) guest would decide otherwise. */
static int pattern_ok(enum gate_admit_verdict *out, const char *pattern, const char *strategy,
                      const char *s, bool *differs, char **note, gate_err *err)
{
	bool loose;

	*out = GATE_ADMIT_FAIL;
	if (!strcmp(strategy, "string")) {
		*out = strcmp(pattern, s) ? GATE_ADMIT_FAIL : GATE_ADMIT_PASS;
		return 0;
	}
	if (strcmp(strategy, "re2"))
		return 0;
	if (re2_match(out, pattern, s, &loose, note, err) < 0)
		return -1;
	if (loose != (*out == GATE_ADMIT_PASS))
		*differs = true;
	return 0;
}

/* env_rule_ok for both rule forms; an env whose value is unknown gives
 * UNKNOWN wherever the name alone does not already decide. */
static int env_rule_ok(enum gate_admit_verdict *out, const json_t *rule,
                       const struct gate_admit_env *e, bool *differs, char **note,
                       gate_err *err)
{
	const char *pattern = json_string_value(json_object_get(rule, "pattern"));
	const char *strategy = json_string_value(json_object_get(rule, "strategy"));
	const char *name = json_string_value(json_object_get(rule, "name"));
	const char *name_strategy = json_string_value(json_object_get(rule, "name_strategy"));
	const char *value = json_string_value(json_object_get(rule, "value"));
	const char *value_strategy = json_string_value(json_object_get(rule, "value_strategy"));
	enum gate_admit_verdict a = GATE_ADMIT_FAIL, b = GATE_ADMIT_FAIL, nv;
	size_t nlen = strlen(e->name);
	char *full;
	int rc = 0;

	if (!(full = fmt(err, "%s=%s", e->name, e->value ? e->value : "")))
		return -1;
	if (pattern && strategy) {
		if (e->value)
			rc = pattern_ok(&a, pattern, strategy, full, differs, note, err);
		else if (!strcmp(strategy, "re2"))
			a = GATE_ADMIT_UNKNOWN;
		else if (!strcmp(strategy, "string") && !strncmp(pattern, full, nlen + 1))
			a = GATE_ADMIT_UNKNOWN;
	}
	/* name/value form: the guest splits at the first '=' of NAME=VALUE */
	if (!rc && name && name_strategy && value && value_strategy && !strchr(e->name, '=')) {
		rc = pattern_ok(&nv, name, name_strategy, e->name, differs, note, err);
		if (!rc && nv == GATE_ADMIT_PASS) {
			if (e->value)
				rc = pattern_ok(&b, value, value_strategy, e->value, differs, note, err);
			else
				b = GATE_ADMIT_UNKNOWN;
		}
	}
	free(full);
	*out = best(a, b);
	return rc;
}

/* Per candidate: the verdict of every (rule, env) pair, computed once. */
struct env_matrix {
	size_t nrules;
	unsigned char *m;           /* nrules * env_count verdicts */
	enum gate_admit_verdict *allowed; /* per env: some rule allows it */
	bool differs;               /* an unanchored guest decides some pair otherwise */
	bool pair_form;             /* a {name,value} rule exists */
};

static int env_matrix_build(struct env_matrix *em, const struct cand *c,
                            const struct gate_admit_input *in, char **note, gate_err *err)
{
	size_t r, e, ne = in->env_count;
	enum gate_admit_verdict v;
	const json_t *rule;

	em->nrules = json_array_size(c->env_rules);
	em->m = calloc(em->nrules * ne + 1, 1);
	em->allowed = calloc(ne + 1, sizeof(*em->allowed));
	if (!em->m || !em->allowed)
		return gate_err_nomem(err);
	for (e = 0; e < ne; e++)
		em->allowed[e] = GATE_ADMIT_FAIL;
	json_array_foreach(c->env_rules, r, rule) {
		if (json_object_get(rule, "name"))
			em->pair_form = true;
		for (e = 0; e < ne; e++) {
			if (env_rule_ok(&v, rule, &in->env[e], &em->differs, note, err) < 0)
				return -1;
			em->m[r * ne + e] = (unsigned char)v;
			em->allowed[e] = best(em->allowed[e], v);
		}
	}
	return 0;
}

static void env_matrix_free(struct env_matrix *em)
{
	free(em->m);
	free(em->allowed);
}

/* The required half of envList_ok over the envs marked in keep. */
static enum gate_admit_verdict env_required(const struct env_matrix *em, const struct cand *c,
                                      const bool *keep, size_t ne, json_t *missing)
{
	enum gate_admit_verdict v = GATE_ADMIT_PASS, met;
	const json_t *rule;
	size_t r, e;

	json_array_foreach(c->env_rules, r, rule) {
		if (!json_is_true(json_object_get(rule, "required")))
			continue;
		met = GATE_ADMIT_FAIL;
		for (e = 0; e < ne; e++)
			if (!keep || keep[e])
				met = best(met, (enum gate_admit_verdict)em->m[r * ne + e]);
		if (met != GATE_ADMIT_PASS && missing)
			json_array_append(missing, (json_t *)rule);
		v = worst(v, met);
	}
	return v;
}

/* valid_envs_for_all over the candidates grp[]: with dropping, the one
 * largest set of allowed envs (ties must be equal, else *ambiguous: the
 * guest's rule is undefined and it denies); without, every env.
 * *uncertain when the set rests on an unknown: an allowance, or with
 * several candidates, whether each of them is really in the group. */
static void env_select(bool *keep, bool *ambiguous, bool *uncertain,
                       const struct env_matrix *ems, const size_t *grp, size_t gn,
                       const enum gate_admit_verdict *pre, size_t ne, bool dropping)
{
	size_t g, e, count, max = 0, first = gn;

	*ambiguous = *uncertain = false;
	for (e = 0; e < ne; e++)
		keep[e] = true;
	if (!dropping)
		return;
	for (g = 0; g < gn; g++) {
		const struct env_matrix *em = &ems[grp[g]];
		for (count = e = 0; e < ne; e++) {
			count += em->allowed[e] == GATE_ADMIT_PASS;
			*uncertain |= em->allowed[e] == GATE_ADMIT_UNKNOWN;
		}
		*uncertain |= gn > 1 && pre[grp[g]] == GATE_ADMIT_UNKNOWN;
		if (first == gn || count > max) {
			max = count;
			first = g;
		}
	}
	for (e = 0; e < ne; e++)
		keep[e] = ems[grp[first]].allowed[e] == GATE_ADMIT_PASS;
	for (g = 0; g < gn; g++) {
		const struct env_matrix *em = &ems[grp[g]];
		for (count = e = 0; e < ne; e++)
			count += em->allowed[e] == GATE_ADMIT_PASS;
		for (e = 0; count == max && e < ne; e++)
			if ((em->allowed[e] == GATE_ADMIT_PASS) != keep[e])
				*ambiguous = true;
	}
}

static char *env_note(const struct env_matrix *em, bool ambiguous, gate_err *err)
{
	if (ambiguous)
		return fmt(err, "with dropping, the candidates allow different sets of variables of "
		           "the same size, so the guest cannot choose (valid_envs_for_all)");
	if (em->differs)
		return fmt(err, "a guest built before hcsshim 9b2e94f5 (June 2025) matches re2 env "
		           "rules unanchored and decides differently");
	if (em->pair_form)
		return fmt(err, "{name,value} env rules need a guest with framework 0.5.0 "
		           "(hcsshim 013bacc9, July 2026); an older one matches them against nothing");
	return NULL;
}

/* envList_ok on the kept envs. */
static int check_env(struct gate_admit_check *ck, const struct cand *c,
                     const struct env_matrix *em, const bool *keep, bool ambiguous,
                     bool uncertain, const struct gate_admit_input *in, gate_err *err)
{
	json_t *refused = json_array(), *missing = json_array(), *kept = json_array();
	enum gate_admit_verdict v = GATE_ADMIT_PASS;
	size_t e;
	char *s;
	int rc = -1;

	for (e = 0; e < in->env_count; e++) {
		if (!keep[e])
			continue;
		if (!(s = env_shown(&in->env[e], err)))
			goto out;
		json_array_append_new(em->allowed[e] == GATE_ADMIT_PASS ? kept : refused,
		                      json_string(s));
		free(s);
		v = worst(v, em->allowed[e]);
	}
	v = worst(v, env_required(em, c, keep, in->env_count, missing));
	if (ambiguous)
		v = GATE_ADMIT_FAIL;
	else if (uncertain)
		/* a required rule unmet by the whole list stays unmet after dropping */
		v = env_required(em, c, NULL, in->env_count, NULL) == GATE_ADMIT_FAIL ?
			GATE_ADMIT_FAIL : GATE_ADMIT_UNKNOWN;
	if (!ck->note && (s = env_note(em, ambiguous, err)))
		ck->note = s;
	if (err->code)
		goto out;
	if (json_array_size(missing)) {
		s = dump(missing, err);
		rc = set_check(ck, v, s ? fmt(err, "required rules met: %s", s) : NULL,
		               json_array_size(refused) ? dump(refused, err) :
		               fmt(err, "no variable meets them"), err);
		free(s);
	} else if (json_array_size(refused))
		rc = set_check(ck, v, fmt(err, "an env rule allowing each variable"),
		               dump(refused, err), err);
	else
		rc = set_check(ck, v, fmt(err, "every variable allowed"), dump(kept, err), err);
out:
	json_decref(refused);
	json_decref(missing);
	json_decref(kept);
	return rc;
}

/* ---- caps_ok, get_capabilities, valid_caps_for_all ---- */

/* A capability list set the module allocated (its strings are borrowed). */
struct caps_buf {
	struct gate_admit_caps c;
	const char **own[GATE_CAPS_SET_COUNT];
	bool invalid;               /* the policy's capabilities are malformed */
};

static void caps_buf_free(struct caps_buf *b)
{
	int s;

	for (s = 0; s < GATE_CAPS_SET_COUNT; s++)
		free(b->own[s]);
}

static bool caps_has(const struct gate_admit_caps *c, int s, const char *cap)
{
	size_t i;

	for (i = 0; i < c->n[s]; i++)
		if (!strcmp(c->v[s][i], cap))
			return true;
	return false;
}

/* get_capabilities(container, privileged) */
static int caps_allowed(struct caps_buf *b, const struct cand *c, bool privileged, gate_err *err)
{
	const json_t *list, *cap;
	size_t i;
	int s;

	memset(b, 0, sizeof(*b));
	if (!c->caps) {
		b->c = *gate_admit_caps_default(privileged && c->allow_elevated);
		return 0;
	}
	for (s = 0; s < GATE_CAPS_SET_COUNT; s++) {
		list = json_object_get(c->caps, gate_cap_set_names[s]);
		if (!json_is_array(list)) {
			b->invalid = true;
			continue;
		}
		if (!(b->own[s] = calloc(json_array_size(list) + 1, sizeof(char *))))
			return gate_err_nomem(err);
		json_array_foreach(list, i, cap)
			if (!(b->own[s][b->c.n[s]++] = json_string_value(cap)))
				b->invalid = true;
		b->c.v[s] = b->own[s];
	}
	return 0;
}

/* filter_capsList_for_single_container: the requested caps the candidate
 * allows, each once (the Rego builds sets). */
static int caps_filter(struct caps_buf *out, const struct gate_admit_caps *req,
                       const struct gate_admit_caps *allowed, gate_err *err)
{
	struct gate_admit_caps seen = { { NULL }, { 0 } };
	size_t i;
	int s;

	memset(out, 0, sizeof(*out));
	for (s = 0; s < GATE_CAPS_SET_COUNT; s++) {
		if (!(out->own[s] = calloc(req->n[s] + 1, sizeof(char *))))
			return gate_err_nomem(err);
		out->c.v[s] = seen.v[s] = out->own[s];
		for (i = 0; i < req->n[s]; i++) {
			seen.n[s] = out->c.n[s];
			if (caps_has(allowed, s, req->v[s][i]) && !caps_has(&seen, s, req->v[s][i]))
				out->own[s][out->c.n[s]++] = req->v[s][i];
		}
	}
	return 0;
}

static size_t caps_total(const struct gate_admit_caps *c)
{
	size_t n = 0;
	int s;

	for (s = 0; s < GATE_CAPS_SET_COUNT; s++)
		n += c->n[s];
	return n;
}

static bool caps_set_equal(const struct gate_admit_caps *a, const struct gate_admit_caps *b, int s)
{
	size_t i;

	if (a->n[s] != b->n[s])
		return false;
	for (i = 0; i < a->n[s]; i++)
		if (!caps_has(b, s, a->v[s][i]))
			return false;
	for (i = 0; i < b->n[s]; i++)
		if (!caps_has(a, s, b->v[s][i]))
			return false;
	return true;
}

/* valid_caps_for_all with dropping: the largest filtered set; ties must be
 * identical.  *out borrows from one of filtered[]. */
static void caps_select(const struct gate_admit_caps **out, bool *ambiguous,
                        const struct caps_buf *filtered, const size_t *grp, size_t gn)
{
	size_t g, max = 0, first = 0;
	int s;

	*ambiguous = false;
	for (g = 0; g < gn; g++)
		if (caps_total(&filtered[grp[g]].c) > max || g == 0) {
			max = caps_total(&filtered[grp[g]].c);
			first = g;
		}
	*out = &filtered[grp[first]].c;
	for (g = 0; g < gn; g++)
		for (s = 0; caps_total(&filtered[grp[g]].c) == max && s < GATE_CAPS_SET_COUNT; s++)
			if (!caps_set_equal(&filtered[grp[g]].c, *out, s))
				*ambiguous = true;
}

static int check_caps(struct gate_admit_check *ck, const struct caps_buf *allowed,
                      const struct gate_admit_caps *req, bool ambiguous, bool uncertain,
                      gate_err *err)
{
	json_t *want = json_object(), *got = json_object();
	enum gate_admit_verdict v = GATE_ADMIT_PASS;
	int s, rc;

	for (s = 0; s < GATE_CAPS_SET_COUNT; s++) {
		if (!allowed->invalid && caps_set_equal(&allowed->c, req, s))
			continue;
		v = GATE_ADMIT_FAIL;
		json_object_set_new(want, gate_cap_set_names[s], strs_json(allowed->c.v[s], allowed->c.n[s]));
		json_object_set_new(got, gate_cap_set_names[s], strs_json(req->v[s], req->n[s]));
	}
	if (ambiguous) {
		v = GATE_ADMIT_FAIL;
		ck->note = fmt(err, "with dropping, the candidates allow different capability sets "
		               "of the same size, so the guest cannot choose (valid_caps_for_all)");
	} else if (uncertain) {
		v = GATE_ADMIT_UNKNOWN;
		ck->note = fmt(err, "with dropping, the result depends on which candidates survive "
		               "the rules that are unknown");
	}
	if (err->code)
		rc = -1;
	else if (v == GATE_ADMIT_PASS)
		rc = set_check(ck, v, fmt(err, "the policy's capabilities"),
		               fmt(err, "the same %zu capabilities", caps_total(req)), err);
	else
		rc = set_check(ck, v, dump(want, err), dump(got, err), err);
	json_decref(want);
	json_decref(got);
	return rc;
}

/* ---- create_container ---- */

struct run {
	const struct gate_admit_input *in;
	size_t count;
	struct cand *cs;
	struct env_matrix *ems;
	struct caps_buf *allowed, *filtered;
	enum gate_admit_verdict *pre;     /* worst verdict so far, per candidate */
	size_t *grp;                /* the candidates still in play */
	bool *keep;                 /* per env */
};

static bool flag_on(const struct gate_admit_input *in, enum gate_policy_flag f)
{
	return in->flags && in->flags[f] == 1;
}

/* The candidates not yet refused; a refused one is judged alone. */
static size_t group_of(const struct run *r, size_t i, const size_t **grp)
{
	size_t n = 0, j;

	if (r->pre[i] == GATE_ADMIT_FAIL) {
		*grp = &r->grp[r->count];   /* the spare slot after the survivors */
		r->grp[r->count] = i;
		return 1;
	}
	for (j = 0; j < r->count; j++)
		if (r->pre[j] != GATE_ADMIT_FAIL)
			r->grp[n++] = j;
	*grp = r->grp;
	return n;
}

/* Whether some candidate of the group may allow env e after all (its
 * value is known only at run time), so that it is not surely dropped. */
static bool env_maybe_kept(const struct run *r, const size_t *grp, size_t gn, size_t e)
{
	size_t g;

	for (g = 0; g < gn; g++)
		if (r->ems[grp[g]].allowed[e] == GATE_ADMIT_UNKNOWN)
			return true;
	return false;
}

static int stage_env(struct run *r, struct gate_admit_result *out, gate_err *err)
{
	const struct gate_admit_input *in = r->in;
	bool dropping = flag_on(in, GATE_FLAG_ENV_DROPPING), ambiguous, uncertain, listed = false;
	enum gate_admit_verdict *next = calloc(r->count + 1, sizeof(*next));
	const size_t *grp;
	size_t i, e, gn;
	char *s;

	if (!next)
		return gate_err_nomem(err);
	for (i = 0; i < r->count; i++) {
		struct gate_admit_check *ck = &out->candidates[i].rules[GATE_ADMIT_ENV];
		gn = group_of(r, i, &grp);
		env_select(r->keep, &ambiguous, &uncertain, r->ems, grp, gn, r->pre,
		           in->env_count, dropping);
		if (check_env(ck, &r->cs[i], &r->ems[i], r->keep, ambiguous, uncertain, in, err) < 0)
			goto fail;
		next[i] = worst(r->pre[i], ck->verdict);
		/* what the guest drops is decided over the survivors */
		if (r->pre[i] == GATE_ADMIT_FAIL || listed || ambiguous)
			continue;
		listed = true;
		for (e = 0; e < in->env_count; e++) {
			if (r->keep[e] || env_maybe_kept(r, grp, gn, e))
				continue;
			if (!(s = env_shown(&in->env[e], err)) ||
			    gate_strv_push(&out->env_dropped, s, strlen(s), err) < 0) {
				free(s);
				goto fail;
			}
			free(s);
		}
	}
	memcpy(r->pre, next, r->count * sizeof(*next));
	free(next);
	return 0;
fail:
	free(next);
	return -1;
}

static int stage_caps(struct run *r, struct gate_admit_result *out, gate_err *err)
{
	const struct gate_admit_input *in = r->in;
	const struct gate_admit_caps *req = in->caps ? in->caps : gate_admit_caps_default(in->privileged);
	bool dropping = flag_on(in, GATE_FLAG_CAPABILITY_DROPPING) && !policy_older(in, "0.2.2");
	bool ambiguous = false, uncertain;
	const struct gate_admit_caps *use;
	const size_t *grp;
	size_t i, g, gn;

	for (i = 0; i < r->count; i++)
		if (caps_allowed(&r->allowed[i], &r->cs[i], in->privileged, err) < 0 ||
		    (dropping && caps_filter(&r->filtered[i], req, &r->allowed[i].c, err) < 0))
			return -1;
	for (i = 0; i < r->count; i++) {
		gn = group_of(r, i, &grp);
		use = req;
		uncertain = false;
		if (dropping) {
			caps_select(&use, &ambiguous, r->filtered, grp, gn);
			for (g = 0; gn > 1 && g < gn; g++)
				uncertain |= r->pre[grp[g]] == GATE_ADMIT_UNKNOWN;
		}
		if (check_caps(&out->candidates[i].rules[GATE_ADMIT_CAPS], &r->allowed[i], use,
		               ambiguous, uncertain, err) < 0)
			return -1;
	}
	return 0;
}

/* policy_containers: framework versions that leave it empty. */
static const char *policy_denies(const struct gate_admit_input *in)
{
	unsigned long v[3];

	if (!in->framework_version)
		return "the policy has no framework_version: the guest ignores its containers";
	/* semver.compare fails on it, and policy_containers falls back to []. */
	if (!semver_parse(in->framework_version, v))
		return "the policy's framework_version is not MAJOR.MINOR.PATCH: the guest ignores "
		       "its containers";
	if (semver_cmp(in->framework_version, GATE_ADMIT_GUEST_FRAMEWORK) > 0)
		return "the policy's framework_version is newer than the guest's "
		       GATE_ADMIT_GUEST_FRAMEWORK ": the guest ignores its containers";
	return NULL;
}

/* The overall answer, and the allow_stdio_access agreement the guest
 * demands of the final candidates. */
static void conclude(struct gate_admit_result *out, const struct cand *cs)
{
	size_t i, r, pass = 0, unknown = 0, first = out->candidates_count;
	bool conflict = false;

	for (i = 0; i < out->candidates_count; i++) {
		struct gate_admit_candidate *c = &out->candidates[i];
		c->verdict = GATE_ADMIT_PASS;
		for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++)
			c->verdict = worst(c->verdict, c->rules[r].verdict);
		if (c->verdict == GATE_ADMIT_FAIL)
			continue;
		c->verdict == GATE_ADMIT_PASS ? pass++ : unknown++;
		if (first == out->candidates_count)
			first = i;
		else if (cs[i].stdio != cs[first].stdio)
			conflict = true;
	}
	out->stdio_conflict = conflict;
	if (pass && !conflict)
		out->verdict = GATE_ADMIT_PASS;
	else if (pass && !unknown)
		out->verdict = GATE_ADMIT_FAIL;
	else
		out->verdict = pass || unknown ? GATE_ADMIT_UNKNOWN : GATE_ADMIT_FAIL;
	if (out->policy_denies)
		out->verdict = GATE_ADMIT_FAIL;
	for (r = 0; r < GATE_ADMIT_RULE_COUNT; r++) {
		out->all_fail[r] = out->candidates_count > 0;
		for (i = 0; i < out->candidates_count; i++)
			if (out->candidates[i].rules[r].verdict != GATE_ADMIT_FAIL)
				out->all_fail[r] = false;
	}
}

static int stage_initial(struct run *r, struct gate_admit_result *out,
                         const struct gate_policy_container *const *candidates, gate_err *err)
{
	size_t i, k;

	for (i = 0; i < r->count; i++) {
		struct gate_admit_candidate *c = &out->candidates[i];
		c->index = i;
		if (cand_load(&r->cs[i], r->in, candidates[i], err) < 0 ||
		    check_initial(c, &r->cs[i], r->in, err) < 0 ||
		    env_matrix_build(&r->ems[i], &r->cs[i], r->in, &c->rules[GATE_ADMIT_ENV].note, err) < 0) {
			if (candidates[i]->name)
				return gate_err_prefix(err, "policy container '%s'", candidates[i]->name);
			return gate_err_prefix(err, "unnamed policy container (candidate %zu of %zu)", i + 1,
					       r->count);
		}
		r->pre[i] = GATE_ADMIT_PASS;
		for (k = 0; k < GATE_ADMIT_ENV; k++)
			r->pre[i] = worst(r->pre[i], c->rules[k].verdict);
	}
	return 0;
}

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; r->cs && i < r->count; i++) {
		cand_free(&r->cs[i]);
		env_matrix_free(&r->ems[i]);
		caps_buf_free(&r->allowed[i]);
		caps_buf_free(&r->filtered[i]);
	}
	free(r->cs);
	free(r->ems);
	free(r->allowed);
	free(r->filtered);
	free(r->pre);
	free(r->grp);
	free(r->keep);
}

int gate_admit_run(struct gate_admit_result *out, const struct gate_admit_input *in,
                   const struct gate_policy_container *const *candidates, size_t count,
                   gate_err *err)
{
	struct run r = { in, count, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->verdict = GATE_ADMIT_FAIL;
	r.cs = calloc(count + 1, sizeof(*r.cs));
	r.ems = calloc(count + 1, sizeof(*r.ems));
	r.allowed = calloc(count + 1, sizeof(*r.allowed));
	r.filtered = calloc(count + 1, sizeof(*r.filtered));
	r.pre = calloc(count + 1, sizeof(*r.pre));
	r.grp = calloc(count + 1, sizeof(*r.grp));
	r.keep = calloc(in->env_count + 1, sizeof(*r.keep));
	out->candidates = calloc(count + 1, sizeof(*out->candidates));
	out->candidates_count = count;
	if (!r.cs || !r.ems || !r.allowed || !r.filtered || !r.pre || !r.grp || !r.keep ||
	    !out->candidates) {
		gate_err_nomem(err);
		goto done;
	}
	if (stage_initial(&r, out, candidates, err) < 0 || stage_env(&r, out, err) < 0 ||
	    stage_caps(&r, out, err) < 0)
		goto done;
	out->policy_denies = policy_denies(in);
	conclude(out, r.cs);
	rc = 0;
done:
	run_free(&r);
	if (rc < 0)
		gate_admit_result_free(out);
	return rc;
}

void gate_admit_result_free(struct gate_admit_result *r)
{
	size_t i, k;

	if (!r)
		return;
	for (i = 0; i < r->candidates_count && r->candidates; i++)
		for (k = 0; k < GATE_ADMIT_RULE_COUNT; k++) {
			free(r->candidates[i].rules[k].expected);
			free(r->candidates[i].rules[k].actual);
			free(r->candidates[i].rules[k].note);
		}
	free(r->candidates);
	gate_strv_free(&r->env_dropped);
	memset(r, 0, sizeof(*r));
}

/* ---- mount_overlay: layerPaths_ok ---- */

int gate_admit_layers_match(enum gate_layers_match *out, const struct gate_strv *policy_layers,
                            const char *const *image_root_hashes, size_t n,
                            size_t **diff, size_t *diff_count, gate_err *err)
{
	size_t i, j, pn = policy_layers->n, longer = pn > n ? pn : n, *d = NULL, dn = 0;
	bool *used;

	if (diff) {
		*diff = NULL;
		*diff_count = 0;
	}
	for (i = 0; i < longer; i++) {
		if (i < pn && i < n && !strcmp(policy_layers->v[i], image_root_hashes[i]))
			continue;
		if (diff && !gate_array_push(&d, &dn, sizeof(*d), err)) {
			free(d);
			return -1;
		}
		if (diff)
			d[dn - 1] = i;
		else
			dn++;
	}
	*out = GATE_LAYERS_EQUAL;
	if (dn) {
		*out = GATE_LAYERS_DIFFER;
		/* same multiset: each image hash pairs with an unused policy hash */
		if (pn == n && (used = calloc(n + 1, 1))) {
			for (i = 0; i < n; i++) {
				for (j = 0; j < n && (used[j] || strcmp(policy_layers->v[j], image_root_hashes[i])); j++)
					;
				if (j == n)
					break;
				used[j] = true;
			}
			if (i == n)
				*out = GATE_LAYERS_REORDERED;
			free(used);
		} else if (pn == n) {
			free(d);
			return gate_err_nomem(err);
		}
	}
	if (diff) {
		*diff = d;
		*diff_count = dn;
	}
	return 0;
}

/* ---- the image's User string ---- */

static int idname_set(struct gate_admit_idname *w, const char *s, size_t len, gate_err *err)
{
	size_t i;
	bool numeric = len > 0;
	char *copy;

	for (i = 0; i < len; i++)
		numeric &= s[i] >= '0' && s[i] <= '9';
	if (!(copy = strndup(s, len)))
		return gate_err_nomem(err);
	if (numeric)
		w->id = copy;
	else
		w->name = copy;
	return 0;
}

int gate_admit_user_parse(struct gate_admit_user *out, const char *image_user, gate_err *err)
{
	const char *s = image_user ? image_user : "", *colon = strchr(s, ':');

	memset(out, 0, sizeof(*out));
	if (!*s) {
		/* no User: the runtime runs uid 0, gid 0; names need /etc/passwd */
		if (!(out->user.id = strdup("0")) || !(out->group.id = strdup("0"))) {
			gate_admit_user_free(out);
			return gate_err_nomem(err);
		}
		return 0;
	}
	if (idname_set(&out->user, s, colon ? (size_t)(colon - s) : strlen(s), err) < 0 ||
	    (colon && idname_set(&out->group, colon + 1, strlen(colon + 1), err) < 0)) {
		gate_admit_user_free(out);
		return -1;
	}
	return 0;
}

void gate_admit_user_free(struct gate_admit_user *u)
{
	if (!u)
		return;
	free(u->user.id);
	free(u->user.name);
	free(u->group.id);
	free(u->group.name);
	memset(u, 0, sizeof(*u));
}
