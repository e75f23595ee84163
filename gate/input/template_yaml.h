/*
 * template_yaml.h - container groups from YAML: an ACI YAML file
 * (`az container create --file`), or Kubernetes manifests for AKS virtual
 * nodes, several documents per file, whose Pod, Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, Job and CronJob each make one group with the
 * policy in the pod annotation microsoft.containerinstance.virtualnode.ccepolicy.
 * The only module that includes libyaml.
 */
#ifndef GATE_TEMPLATE_YAML_H
#define GATE_TEMPLATE_YAML_H

#include <stddef.h>

#include "base/err.h"
#include "input/model.h"

enum gate_yaml_kind {
	GATE_YAML_AUTO,         /* per document: Kubernetes if it has a 'kind' */
	GATE_YAML_ACI,
	GATE_YAML_K8S,
};

/* Appends the groups of buf to m.  *kind says what to read; on return it
 * says what was read (AUTO becomes ACI or K8S).  Returns 0, or -1 with err
 * set naming the document, its line, and the group. */
int gate_template_yaml_read(struct gate_model *m, const char *buf, size_t len,
			    enum gate_yaml_kind *kind, gate_err *err);

#endif
