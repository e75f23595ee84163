/*
 * template_arm.h - container groups from JSON: ARM deployment templates
 * (every Microsoft.ContainerInstance/containerGroups and containerGroupProfiles
 * resource, expressions evaluated), and the JSON of deployed groups that
 * `az container show` (one object) or `az container list` (an array) print.
 */
#ifndef GATE_TEMPLATE_ARM_H
#define GATE_TEMPLATE_ARM_H

#include <stddef.h>

#include "base/err.h"
#include "input/model.h"

enum gate_json_kind {
	GATE_JSON_AUTO,
	GATE_JSON_ARM,          /* has "resources" */
	GATE_JSON_DEPLOYED,     /* a group object, or an array of them */
	GATE_JSON_POLICY,       /* a legacy JSON policy ("allow_all"): not read here */
};

/* Appends the groups of buf to m.  params (NULL if none) is a deployment
 * parameters file called params_name, for templates only.  *kind says
 * what to read; on return it says what was found (AUTO resolved; POLICY
 * with no group added, for the caller to read as a policy).  Returns 0, or
 * -1 with err set; errors name the group and container. */
int gate_template_arm_read(struct gate_model *m, const char *buf, size_t len,
			   const char *params_name, const char *params, size_t params_len,
			   enum gate_json_kind *kind, gate_err *err);

#endif
