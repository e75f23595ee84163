#include "model.h"
#include "policy.h"

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

void *gate_model_push(void *arrayp, size_t *n, size_t elem_size, gate_err *err)
{
	void *v, *grown;
	char *elem;

	/* arrayp is the address of a typed pointer; copying its bytes avoids
	 * pretending that a struct foo ** is a void **. */
	memcpy(&v, arrayp, sizeof(v));
	if (*n >= SIZE_MAX / 2 / elem_size) {
		gate_err_nomem(err);
		return NULL;
	}
	/* The capacity is *n rounded up to a power of two, so the array grows
	 * by doubling: growing by one element copied it on every push with
	 * allocators that do not extend in place (ASan's, musl's), which
	 * made a long env list quadratic. */
	if (!(*n & (*n - 1))) {
		grown = realloc(v, (*n ? *n * 2 : 1) * elem_size);
		if (!grown) {
			gate_err_nomem(err);
			return NULL;
		}
		memcpy(arrayp, &grown, sizeof(grown));
		v = grown;
	}
	elem = (char *)v + *n * elem_size;
	memset(elem, 0, elem_size);
	(*n)++;
	return elem;
}

int gate_strv_push(struct gate_strv *sv, const char *s, size_t len, gate_err *err)
{
	char **slot, *copy;

	copy = malloc(len + 1);
	if (!copy)
		return gate_err_nomem(err);
	memcpy(copy, s, len);
	copy[len] = '\0';
	slot = gate_model_push(&sv->v, &sv->n, sizeof(*sv->v), err);
	if (!slot) {
		free(copy);
		return -1;
	}
	*slot = copy;
	return 0;
}

void gate_strv_free(struct gate_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

char *gate_strdup(const char *s, gate_err *err)
{
	char *copy = strdup(s);

	if (!copy)
		gate_err_nomem(err);
	return copy;
}

bool gate_model_is_sidecar_image(const char *image)
{
	/* confcom compares the whole repository, image.split(":")[0], with
	 * sidecar_base_names: all under mcr.microsoft.com/aci/ but
	 * k8s.gcr.io/pause.  Matching parts of names would also take a user's
	 * "contoso.azurecr.io/misc-proxy" for ACI's sc-proxy. */
	static const char pause[] = "k8s.gcr.io/pause";

	if (!image)
		return false;
	if (!strncmp(image, "mcr.microsoft.com/aci/", 22))
		return true;
	return strcspn(image, ":@") == sizeof(pause) - 1 &&
	       !strncmp(image, pause, sizeof(pause) - 1);
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
