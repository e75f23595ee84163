/*
 * rule_info.c - the vocabulary of findings: rule ids with their default
 * severity, summary and help, and the names of severities and verdicts.
 *
 * Kept apart from the run (verify.c) because rule sets, `gate rules list`
 * and every report printer need the table without the registry run.
 */
#include "verify/verify.h"

const struct gate_rule_info gate_rules[GATE_RULE_COUNT] = {
	[GATE_RULE_LAYERS_DRIFT] = { "layers.drift", GATE_SEVERITY_DENY,
		"no policy container has this image's layers: the tag now serves other content",
		"The registry serves layers the CCE policy does not list, so the guest will refuse "
		"the container.  If the new image is intended, regenerate the policy from it "
		"(az confcom acipolicygen) after reviewing the change; otherwise pin the template "
		"to the digest the policy was made for." },
	[GATE_RULE_LAYERS_ORDER] = { "layers.order", GATE_SEVERITY_DENY,
		"the policy has this image's layers in another order; the guest checks order",
		"The guest compares layer root hashes in order, base layer first.  Regenerate the "
		"policy from the image instead of editing its layer list by hand." },
	[GATE_RULE_CONFIG_COMMAND] = { "config.command", GATE_SEVERITY_DENY,
		"the command the container runs is not the policy's",
		"The argv the guest would receive (the template's command, else the image's "
		"Entrypoint and Cmd) differs from the policy's.  Align the template with the policy "
		"or regenerate the policy." },
	[GATE_RULE_CONFIG_WORKING_DIR] = { "config.working_dir", GATE_SEVERITY_DENY,
		"the working directory is not the policy's",
		"The image's WorkingDir differs from the policy's working_dir.  Regenerate the "
		"policy from the image the template names." },
	[GATE_RULE_CONFIG_ENV] = { "config.env", GATE_SEVERITY_DENY,
		"an environment variable no rule allows, or a required rule unmet",
		"Add the variable to the policy's env_rules, remove it from the template or the "
		"image, or set the value a required rule expects." },
	[GATE_RULE_CONFIG_ENV_DROPPED] = { "config.env_dropped", GATE_SEVERITY_WARN,
		"an environment variable no rule allows will be dropped by the guest",
		"The policy allows environment variable dropping, so the container starts without "
		"this variable.  Allow it in env_rules if the container needs it." },
	[GATE_RULE_CONFIG_USER] = { "config.user", GATE_SEVERITY_DENY,
		"the user, group or umask is not the policy's",
		"The image's User (or the template's security context) differs from the policy's "
		"user rules.  Regenerate the policy from the image." },
	[GATE_RULE_CONFIG_PRIVILEGED] = { "config.privileged", GATE_SEVERITY_DENY,
		"a privileged container where the policy does not allow elevation",
		"Drop privileged from the template, or generate the policy with the container "
		"marked privileged if elevation is really needed." },
	[GATE_RULE_CONFIG_NO_NEW_PRIVILEGES] = { "config.no_new_privileges", GATE_SEVERITY_DENY,
		"no_new_privileges differs from the policy's",
		"Make allowPrivilegeEscalation in the template agree with the policy." },
	[GATE_RULE_CONFIG_SECCOMP] = { "config.seccomp", GATE_SEVERITY_DENY,
		"the seccomp profile is not the policy's",
		"The template's seccomp profile hashes differently from the policy's.  Regenerate "
		"the policy after changing the profile." },
	[GATE_RULE_CONFIG_CAPS] = { "config.caps", GATE_SEVERITY_DENY,
		"the capabilities are not the policy's",
		"Make the template's added and dropped capabilities agree with the policy." },
	[GATE_RULE_CONFIG_MOUNTS] = { "config.mounts", GATE_SEVERITY_DENY,
		"a mount the policy does not allow",
		"Make the template's volume mounts agree with the policy's mounts, or regenerate "
		"the policy." },
	[GATE_RULE_CONFIG_STDIO] = { "config.stdio_access", GATE_SEVERITY_DENY,
		"the matching policy containers disagree on allow_stdio_access: the guest refuses",
		"Several policy entries fit this container but differ in allow_stdio_access, and "
		"the guest refuses such a container.  Regenerate the policy so that the entries "
		"agree." },
	[GATE_RULE_COVERAGE_NOT_IN_POLICY] = { "coverage.not_in_policy", GATE_SEVERITY_DENY,
		"a template container with no policy entry and no fragment that could cover it",
		"Regenerate the policy from the template so that every container has an entry, or "
		"reference the fragment that covers it." },
	[GATE_RULE_COVERAGE_NOT_IN_TEMPLATE] = { "coverage.not_in_template", GATE_SEVERITY_WARN,
		"a policy container that matches no template container",
		"The policy allows a container the template does not run: a stale entry that the "
		"host could still start.  Regenerate the policy to remove it." },
	[GATE_RULE_POLICY_MISSING] = { "policy.missing", GATE_SEVERITY_DENY,
		"a confidential group without a CCE policy",
		"Generate a CCE policy for the group (az confcom acipolicygen) and put it in "
		"confidentialComputeProperties.ccePolicy." },
	[GATE_RULE_POLICY_DEBUG] = { "policy.debug", GATE_SEVERITY_DENY,
		"a debug-mode policy: shells, stack dumps or logs are open to the host",
		"Regenerate the policy without --debug-mode before deploying to production." },
	[GATE_RULE_POLICY_OPEN_DOOR] = { "policy.open_door", GATE_SEVERITY_DENY,
		"an open-door policy: the guest enforces nothing",
		"Replace the allow-all policy with one generated from the template." },
	[GATE_RULE_POLICY_EMPTY] = { "policy.empty", GATE_SEVERITY_DENY,
		"an empty policy: the guest enforces nothing",
		"Generate a CCE policy from the template; an empty ccePolicy admits anything." },
	[GATE_RULE_POLICY_HAND_WRITTEN] = { "policy.hand_written", GATE_SEVERITY_WARN,
		"Rego gate cannot read: the guest may decide otherwise",
		"gate's verdict covers only the parts of the policy it can read.  Review the "
		"hand-written Rego, or regenerate the policy with az confcom." },
	[GATE_RULE_POLICY_LEGACY_JSON] = { "policy.legacy_json", GATE_SEVERITY_DENY,
		"a JSON policy, which current guests no longer accept",
		"Regenerate the policy in Rego with a current az confcom." },
	[GATE_RULE_POLICY_VERSION] = { "policy.version", GATE_SEVERITY_DENY,
		"the policy's api or framework version makes the guest deny every container",
		"Without an api_version every enforcement point reports version_missing; without a "
		"framework_version, or with one newer than the guest's, the guest ignores the policy's "
		"containers. Regenerate the policy with a current az confcom." },
	[GATE_RULE_POLICY_NO_PAUSE] = { "policy.no_pause", GATE_SEVERITY_DENY,
		"the policy has no pause container: the guest refuses the group's sandbox",
		"ACI starts the pause container through mount_overlay and create_container like any "
		"other; confcom appends it to every policy. Regenerate the policy with az confcom." },
	[GATE_RULE_TAG_UNPINNED] = { "tag.unpinned", GATE_SEVERITY_WARN,
		"an image named by tag, not by digest: its content can change under the policy",
		"Name the image by digest (image@sha256:...) so that a push to the tag cannot "
		"change what the template deploys." },
	[GATE_RULE_IMAGE_REGISTRY_ALLOWLIST] = { "image.registry_allowlist", GATE_SEVERITY_OFF,
		"an image from outside the registries the rule set allows",
		"Pull the image from an allowed registry (import it into your own registry), or "
		"add its registry to the rule's allow list." },
	[GATE_RULE_IMAGE_DIGEST_PINNED] = { "image.digest_pinned", GATE_SEVERITY_OFF,
		"an image the rule set requires to be named by digest is named by tag",
		"Name the image by digest (image@sha256:...), or list it under the rule's except "
		"globs." },
	[GATE_RULE_POLICY_ALLOW_ELEVATED] = { "policy.allow_elevated", GATE_SEVERITY_OFF,
		"a policy container that may run privileged",
		"The policy lets the host start this container privileged.  Regenerate the policy "
		"with the container unprivileged unless it really needs elevation." },
	[GATE_RULE_POLICY_STDIO_ACCESS] = { "policy.stdio_access", GATE_SEVERITY_OFF,
		"a policy container whose stdio the host may read",
		"The host sees the container's stdout and stderr.  Generate the policy with "
		"--disable-stdio unless the logs hold nothing confidential." },
	[GATE_RULE_POLICY_MIN_SVN] = { "policy.min_svn", GATE_SEVERITY_OFF,
		"a fragment accepted below the minimum SVN the rule set requires",
		"Raise the fragment's minimum_svn so that older, possibly vulnerable fragment "
		"versions are refused." },
	[GATE_RULE_POLICY_HOSTDATA] = { "policy.hostdata", GATE_SEVERITY_OFF,
		"the policy's hostdata is not the one the rule set expects for this group",
		"The attestation service expects another policy hash: the policy changed.  Review "
		"the change, then update the expected hostdata in the rule set and the attestation "
		"service together." },
};

const char *gate_verdict_name(enum gate_verdict v)
{
	switch (v) {
	case GATE_VERDICT_PASS: return "pass";
	case GATE_VERDICT_DENY: return "deny";
	case GATE_VERDICT_UNVERIFIED: return "unverified";
	case GATE_VERDICT_COVERED: return "covered-by-fragment";
	case GATE_VERDICT_SKIPPED: return "skipped";
	}
	return "unknown";
}

const char *gate_severity_name(enum gate_severity s)
{
	switch (s) {
	case GATE_SEVERITY_OFF: return "off";
	case GATE_SEVERITY_WARN: return "warn";
	case GATE_SEVERITY_DENY: return "deny";
	}
	return "unknown";
}
