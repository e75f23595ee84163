/*
 * ruleset.h - a team's choice of severities for the rules of gate verify,
 * read from a YAML rule file (README "Rules").
 *
 *   version: 1                    # optional; 1 is the only version
 *   rules:
 *     tag.unpinned: deny          # short form: deny, warn or off everywhere
 *     image.registry_allowlist:   # one entry: a mapping
 *       severity: deny
 *       allow: ["myacr.azurecr.io/team-*"]
 *       scope: { groups: ["prod-*"] }
 *     policy.min_svn:             # several entries: the first whose scope
 *       - severity: off           # matches applies
 *         scope: { images: ["mcr.microsoft.com/aci/aci-*"] }
 *       - severity: deny
 *         min: 2
 *
 * Keys of an entry:
 *   severity   deny, warn or off (required)
 *   scope      groups, containers, images: lists of globs; an entry applies
 *              where every list given matches what the finding names.  A
 *              finding that names no container (one about a whole group)
 *              matches no `containers` list, and so on: an entry scoped to
 *              containers never applies to it.
 *   allow      image.registry_allowlist: image globs (required)
 *   except     image.digest_pinned: image globs that may stay tags
 *   min        policy.min_svn: the least minimum_svn a fragment may have (required)
 *   expect     policy.hostdata: a mapping from group glob to the 64 hex
 *              digits of the hostdata the group's policy must have (required)
 *
 * A rule the file does not name keeps its built-in severity
 * (gate_rules[].severity).  A rule it names applies only inside the scope
 * of one of its entries and is off elsewhere.
 *
 * Groups and containers are matched by fnmatch(3) with no flags, so `*`
 * crosses `/`.  Images: see gate_ruleset_image_match().
 *
 * An unknown key or rule id, a bad severity or parameter, an alias or bad
 * YAML is a GATE_EINPUT error "FILE:LINE: ...".  The check of `gate rules
 * check FILE` is gate_ruleset_load() itself.
 */
#ifndef GATE_VERIFY_RULESET_H
#define GATE_VERIFY_RULESET_H

#include <stdbool.h>

#include "base/array.h"
#include "base/err.h"
#include "verify/verify.h"

typedef struct gate_ruleset gate_ruleset;

/* policy.hostdata: one pair of its `expect` mapping. */
struct gate_hostdata_pin {
	char *group;                /* glob */
	char hostdata[65];          /* lowercase hex */
};

/* The parameters of one entry; only the rule's own are ever set. */
struct gate_rule_params {
	struct gate_strv allow;     /* image.registry_allowlist */
	struct gate_strv except;    /* image.digest_pinned */
	unsigned long long min_svn; /* policy.min_svn */
	struct gate_hostdata_pin *expect;   /* policy.hostdata, in file order */
	size_t expect_count;
};

/* What applies to one finding: its severity and, when a rule file set it,
 * the entry's parameters (NULL for the built-in default). */
struct gate_rule_setting {
	enum gate_severity severity;
	const struct gate_rule_params *params;
	unsigned line;              /* of the entry in the rule file; 0 for the default */
};

/* Reads and checks the rule file at path.  Returns 0, or -1 with err set
 * (GATE_EINPUT, "PATH:LINE: ..."; the I/O errors of reading it). */
int gate_ruleset_load(gate_ruleset **out, const char *path, gate_err *err);

/* Reads and checks a rule file's len bytes at buf, as gate_ruleset_load()
 * does; name stands for its path in messages. */
int gate_ruleset_parse(gate_ruleset **out, const char *name, const char *buf, size_t len,
		       gate_err *err);

void gate_ruleset_free(gate_ruleset *rs);   /* NULL is fine */

/* The setting of rule for a finding about group, container and image; any
 * of them may be NULL when the finding is not about one.  rs NULL gives the
 * built-in default. */
struct gate_rule_setting gate_ruleset_lookup(const gate_ruleset *rs, enum gate_rule rule,
					     const char *group, const char *container,
					     const char *image);

/* gate_ruleset_lookup(...).severity: what verify.c's add_finding asks. */
enum gate_severity gate_ruleset_severity(const gate_ruleset *rs, enum gate_rule rule,
					 const char *group, const char *container,
					 const char *image);

/* Whether image matches glob.  Both are read as Docker references after
 * normalisation (nginx -> docker.io/library/nginx:latest).  A glob with a
 * '/' is REGISTRY/REST: REGISTRY matches the image's registry host alone,
 * so "*.azurecr.io/app" cannot match "evil.io/x.azurecr.io/app"; REST matches
 * the repository path, with or without the tag and digest.  A glob without
 * '/' matches the whole normalised reference.  An image that is not a
 * reference (an unresolved template expression) matches nothing. */
bool gate_ruleset_image_match(const char *glob, const char *image);

#endif
