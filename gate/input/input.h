/*
 * input.h - reads whatever the user deploys into a gate_model: an ARM
 * template (with a parameters file), a deployed group's JSON, ACI YAML,
 * Kubernetes YAML, or a bare policy (Rego or legacy JSON text, or base64).
 */
#ifndef GATE_INPUT_H
#define GATE_INPUT_H

#include <stddef.h>

#include "base/err.h"
#include "input/model.h"

enum gate_input_format {
	GATE_INPUT_AUTO,
	GATE_INPUT_ARM,
	GATE_INPUT_ACI_JSON,
	GATE_INPUT_ACI_YAML,
	GATE_INPUT_K8S,
	GATE_INPUT_REGO,        /* decoded policy text: Rego or legacy JSON */
	GATE_INPUT_BASE64,      /* a ccePolicy string */
};

/* "auto", "arm", "aci-json", "aci-yaml", "k8s", "rego", "base64".
 * Returns 0, or -1 with err set. */
int gate_input_format_parse(enum gate_input_format *out, const char *name, gate_err *err);

/* Reads len bytes called name into the zeroed *m.  params may be NULL.
 * Detection when f is AUTO: JSON is a template, a deployed group or a
 * legacy policy by its keys; text whose first statement is 'package' is
 * Rego; a single base64 word is a ccePolicy; anything else is YAML.
 * Errors start with name.  On error *m may hold a partial model: free it. */
int gate_input_read_buf(struct gate_model *m, const char *name, const char *buf, size_t len,
			const char *params_name, const char *params, size_t params_len,
			enum gate_input_format f, gate_err *err);

/* Reads the file at path (and params_path, NULL if none); "-" is stdin. */
int gate_input_read(struct gate_model *m, const char *path, const char *params_path,
		    enum gate_input_format f, gate_err *err);

#endif
