/*
 * image_config.h - what an image's config says about how its container
 * runs: the fields confcom copies into a policy (POLICY-FORMAT.md 4.3) and
 * the guest then compares with what the runtime asks for.
 *
 * OCI image-spec config.md, "config" object: Entrypoint, Cmd, Env,
 * WorkingDir, User, StopSignal.  Docker v2 configs spell them the same.
 */
#ifndef GATE_REGISTRY_IMAGE_CONFIG_H
#define GATE_REGISTRY_IMAGE_CONFIG_H

#include <stdbool.h>

#include <jansson.h>

#include "base/array.h"
#include "base/err.h"

struct gate_image_config {
	struct gate_strv entrypoint;    /* empty when absent or null */
	struct gate_strv cmd;
	struct gate_strv env;           /* "NAME=VALUE", in config order */
	char *working_dir;              /* NULL when absent or "" */
	char *user;                     /* NULL when absent or "" */
	char *stop_signal;              /* NULL when absent */
};

/* Reads the "config" object of an image config document.  A missing
 * object is an image with no defaults (scratch images have none); a field
 * of the wrong type is GATE_EINPUT naming it. */
int gate_image_config_read(struct gate_image_config *out, json_t *root, gate_err *err);

void gate_image_config_free(struct gate_image_config *c);

#endif
