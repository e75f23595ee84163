#include "input/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const gate_policy_flag_names[GATE_FLAG_COUNT] = {
	[GATE_FLAG_PROPERTIES_ACCESS] = "allow_properties_access",
	[GATE_FLAG_DUMP_STACKS] = "allow_dump_stacks",
	[GATE_FLAG_RUNTIME_LOGGING] = "allow_runtime_logging",
	[GATE_FLAG_ENV_DROPPING] = "allow_environment_variable_dropping",
	[GATE_FLAG_UNENCRYPTED_SCRATCH] = "allow_unencrypted_scratch",
	[GATE_FLAG_CAPABILITY_DROPPING] = "allow_capability_dropping",
	[GATE_FLAG_HOST_NETWORK] = "allow_host_network",
};

bool gate_model_is_sidecar_image(const char *image)
{
	/* confcom's internal_config.json sidecar_base_names; confcom compares
	 * the whole repository, image.split(":")[0], with them.  Matching
	 * prefixes or parts would also take a user's workload for ACI's. */
	static const char *const sidecar_base_names[] = {
		"mcr.microsoft.com/aci/msi-atlas-adapter",
		"mcr.microsoft.com/aci/atlas-mount-azure-file-volume",
		"mcr.microsoft.com/aci/atlas-mount-secrets-volume",
		"mcr.microsoft.com/aci/atlas-netstats",
		"mcr.microsoft.com/aci/atlas-mount-resolv-conf",
		"mcr.microsoft.com/aci/atlas-mount-gitrepo-volume",
		"k8s.gcr.io/pause",
		"mcr.microsoft.com/aci/sc-proxy",
		"mcr.microsoft.com/aci/vk-metrics-sidecar",
	};
	size_t i, n;

	if (!image)
		return false;
	n = strcspn(image, ":@");
	for (i = 0; i < sizeof(sidecar_base_names) / sizeof(sidecar_base_names[0]); i++)
		if (strlen(sidecar_base_names[i]) == n && !strncmp(image, sidecar_base_names[i], n))
			return true;
	return false;
}

bool gate_value_is_unresolved(const char *s)
{
	size_t n = s ? strlen(s) : 0, o = sizeof(GATE_UNRESOLVED_OPEN) - 1,
	       c = sizeof(GATE_UNRESOLVED_CLOSE) - 1;

	return n >= o + c && !memcmp(s, GATE_UNRESOLVED_OPEN, o) &&
	       !memcmp(s + n - c, GATE_UNRESOLVED_CLOSE, c);
}

const char *gate_strv_unresolved(const struct gate_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (gate_value_is_unresolved(sv->v[i]))
			return sv->v[i];
	return NULL;
}

void gate_policy_free(struct gate_policy *p)
{
	size_t i, j;

	if (!p)
		return;
	free(p->text);
	gate_strv_free(&p->reasons);
	free(p->package);
	free(p->api_version);
	free(p->framework_version);
	free(p->svn);
	for (i = 0; i < p->fragments_count; i++) {
		free(p->fragments[i].feed);
		free(p->fragments[i].issuer);
		free(p->fragments[i].minimum_svn);
		gate_strv_free(&p->fragments[i].includes);
	}
	free(p->fragments);
	for (i = 0; i < p->containers_count; i++) {
		struct gate_policy_container *c = &p->containers[i];

		free(c->name);
		free(c->id);
		gate_strv_free(&c->layers);
		gate_strv_free(&c->command);
		free(c->working_dir);
		for (j = 0; j < c->env_rules_count; j++) {
			free(c->env_rules[j].pattern);
			free(c->env_rules[j].strategy);
		}
		free(c->env_rules);
		for (j = 0; j < c->exec_processes_count; j++)
			gate_strv_free(&c->exec_processes[j]);
		free(c->exec_processes);
		free(c->json);
	}
	free(p->containers);
	for (i = 0; i < p->notes_count; i++)
		free(p->notes[i].msg);
	free(p->notes);
	free(p);
}

static void container_free(struct gate_container *c)
{
	size_t i;

	free(c->name);
	free(c->image);
	gate_strv_free(&c->command);
	gate_strv_free(&c->args);
	free(c->working_dir);
	for (i = 0; i < c->env_count; i++) {
		free(c->env[i].name);
		free(c->env[i].value);
	}
	free(c->env);
	for (i = 0; i < c->mounts_count; i++) {
		free(c->mounts[i].name);
		free(c->mounts[i].mount_path);
		free(c->mounts[i].volume_type);
	}
	free(c->mounts);
	for (i = 0; i < c->exec_probes_count; i++)
		gate_strv_free(&c->exec_probes[i]);
	free(c->exec_probes);
	gate_strv_free(&c->security_context.cap_add);
	gate_strv_free(&c->security_context.cap_drop);
	free(c->security_context.seccomp_profile);
}

void gate_model_free(struct gate_model *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->groups_count; i++) {
		struct gate_group *g = &m->groups[i];

		free(g->name);
		free(g->where);
		gate_policy_free(g->policy);
		for (j = 0; j < g->containers_count; j++)
			container_free(&g->containers[j]);
		free(g->containers);
	}
	free(m->groups);
	free(m->file);
	memset(m, 0, sizeof(*m));
}

const char *gate_policy_class_name(enum gate_policy_class c)
{
	switch (c) {
	case GATE_POLICY_EMPTY: return "empty";
	case GATE_POLICY_OPEN_DOOR: return "open-door";
	case GATE_POLICY_DEBUG: return "debug-mode";
	case GATE_POLICY_HAND_WRITTEN: return "hand-written";
	case GATE_POLICY_LEGACY_JSON: return "legacy-json";
	case GATE_POLICY_NORMAL: return "normal";
	}
	return "unknown";
}

const char *gate_policy_dialect_name(enum gate_policy_dialect d)
{
	switch (d) {
	case GATE_DIALECT_NONE: return "empty";
	case GATE_DIALECT_REGO: return "rego";
	case GATE_DIALECT_LEGACY_JSON: return "legacy-json";
	}
	return "unknown";
}
