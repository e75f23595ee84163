#include "registry/image_config.h"

#include <stdlib.h>
#include <string.h>

static int read_strv(struct gate_strv *out, json_t *obj, const char *key, gate_err *err)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return gate_err_set(err, GATE_EINPUT, "config.%s is not a list of strings", key);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return gate_err_set(err, GATE_EINPUT, "config.%s[%zu] is not a string", key, i);
		if (gate_strv_push(out, json_string_value(item), json_string_length(item), err))
			return -1;
	}
	return 0;
}

static int read_str(char **out, json_t *obj, const char *key, gate_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return gate_err_set(err, GATE_EINPUT, "config.%s is not a string", key);
	if (!json_string_length(v))
		return 0;
	*out = gate_strdup(json_string_value(v), err);
	return *out ? 0 : -1;
}

int gate_image_config_read(struct gate_image_config *out, json_t *root, gate_err *err)
{
	json_t *cfg = json_object_get(root, "config");

	memset(out, 0, sizeof(*out));
	if (!cfg || json_is_null(cfg))
		return 0;
	if (!json_is_object(cfg))
		return gate_err_set(err, GATE_EINPUT, "config is not an object");
	if (read_strv(&out->entrypoint, cfg, "Entrypoint", err) ||
	    read_strv(&out->cmd, cfg, "Cmd", err) ||
	    read_strv(&out->env, cfg, "Env", err) ||
	    read_str(&out->working_dir, cfg, "WorkingDir", err) ||
	    read_str(&out->user, cfg, "User", err) ||
	    read_str(&out->stop_signal, cfg, "StopSignal", err)) {
		gate_image_config_free(out);
		return -1;
	}
	return 0;
}

void gate_image_config_free(struct gate_image_config *c)
{
	gate_strv_free(&c->entrypoint);
	gate_strv_free(&c->cmd);
	gate_strv_free(&c->env);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	memset(c, 0, sizeof(*c));
}
