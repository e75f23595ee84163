/*
 * policy_rules.h - the rules a rule set turns on (verify/ruleset.h): the
 * registry allowlist, digest pinning, elevation, stdio access, fragment
 * SVNs and expected hostdata.
 *
 * They read the template and the policy only, never the registry, so they
 * are pure functions of a group and a rule set.  verify.c calls
 * gate_policy_rules_check() once per group, in its group loop, after the
 * group's own findings:
 *
 *   if (gate_policy_rules_check(run->r, file, g, run->opts->ruleset, err))
 *           return -1;
 */
#ifndef GATE_VERIFY_POLICY_RULES_H
#define GATE_VERIFY_POLICY_RULES_H

#include "base/err.h"
#include "input/model.h"
#include "verify/ruleset.h"
#include "verify/verify.h"

/* What a finding is about; NULL where it is not about one. */
struct gate_finding_at {
	const char *file;
	const char *group;
	const char *container;
	const char *image;
	unsigned line, column;
	const char *path;           /* file as named, any bytes; NULL: file */
};

/* Appends a finding of rule at severity to r, with its message from fmt;
 * details (may be NULL: an empty object) is taken over, even on error.
 * Severity off appends nothing.  Returns 0, or -1 with err set. */
int gate_verify_add_finding(struct gate_verify_report *r, const struct gate_finding_at *at,
			    enum gate_rule rule, enum gate_severity severity, json_t *details,
			    gate_err *err, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Where container c (may be NULL) starts in its file, else where its
 * group g does: what reports point at.  1-based; 0 unknown. */
void gate_verify_place(unsigned *line, unsigned *column, const struct gate_group *g,
		       const struct gate_container *c);

/* The group's name in reports: its name, else where it is in the file. */
const char *gate_group_label(const struct gate_group *g);

/* Appends to r the findings of the rule-set rules about group g of file
 * (path: as named, see struct gate_finding_at):
 *   image.registry_allowlist  each container image outside `allow`
 *   image.digest_pinned       each container image named by tag, but `except`
 *   policy.allow_elevated     each policy container with allow_elevated
 *   policy.stdio_access       each policy container with allow_stdio_access
 *   policy.min_svn            each fragment whose minimum_svn is absent, not
 *                             a whole number, or below `min`
 *   policy.hostdata           the policy's hostdata, when the first `expect`
 *                             glob matching the group names another (or the
 *                             group has no policy)
 * ACI's own sidecars are not the template author's images and are left
 * out of the image rules; the pause container is left out of the policy
 * rules.  An image that is not a reference gate can read cannot be shown
 * allowed or pinned, so it is reported.  rs NULL: every one of these rules
 * is off by default, so nothing is added.  Returns 0, or -1 with err set
 * (out of memory). */
int gate_policy_rules_check(struct gate_verify_report *r, const char *file, const char *path,
			    const struct gate_group *g, const gate_ruleset *rs, gate_err *err);

#endif
