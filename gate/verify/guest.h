/*
 * guest.h - what the guest will be asked to run for one template
 * container: the create_container input, built as ACI builds the OCI spec
 * from the template and the image config (POLICY-FORMAT.md 4.3).
 *
 *   argv         the template's command if it has one (Kubernetes: command
 *                replaces Entrypoint, args replace Cmd), else Entrypoint + Cmd
 *   env          the image's Env, then the template's variables (a name the
 *                template sets replaces the image's), then what ACI adds
 *   working dir  the template's, else the image's WorkingDir, else "/"
 *   user         the image's User; Kubernetes runAsUser/runAsGroup replace ids
 *   privileges   privileged, allowPrivilegeEscalation, capabilities add/drop
 *   mounts       the template's volume mounts, plus ACI's /etc/resolv.conf
 *
 * What cannot be known before deployment (a value from a Kubernetes
 * valueFrom, an ARM value known only at deployment) is left NULL in the
 * input, which the admission rules treat as unknown, never as a match.
 */
#ifndef GATE_VERIFY_GUEST_H
#define GATE_VERIFY_GUEST_H

#include "base/err.h"
#include "input/model.h"
#include "registry/image_config.h"
#include "verify/admit.h"

/* The environment variables ACI sets in every container at run time, as
 * gate models them (confcom's injected rules allow them in every policy it
 * writes).  HOSTNAME's value is the sandbox's, unknown in advance: any
 * non-empty value stands for it. */
#define GATE_GUEST_HOSTNAME "SandboxHost-0"

struct gate_guest {
	struct gate_admit_input in;         /* points into the fields below */
	struct gate_strv argv;
	struct gate_admit_env *env;
	size_t env_count;
	struct gate_admit_user user;
	struct gate_admit_mount *mounts;
	size_t mounts_count;
	struct gate_strv strings;     /* env names and mount sources the input points at */
	struct gate_admit_caps caps;
	struct gate_strv caps_names[GATE_CAPS_SET_COUNT];
	char *unknown;                      /* why a field needed for a verdict is unknown; NULL if none */
};

/* Builds *g (zeroed by the caller) for container c of a group whose policy
 * is p, from its image's config.  Returns 0, or -1 with err set. */
int gate_guest_build(struct gate_guest *g, const struct gate_container *c,
		     const struct gate_image_config *cfg, const struct gate_policy *p, gate_err *err);

void gate_guest_free(struct gate_guest *g);

#endif
