#include "input/template.h"
#include "input/policy.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* v as read: an expression is evaluated and its result is final; any
 * other value is still template text whose members are evaluated as they
 * are read, which *sub (if wanted) says by being arm rather than NULL. */
static int resolve(json_t **out, gate_arm **sub, gate_arm *arm, json_t *v, gate_err *err)
{
	bool raw = false;

	*out = NULL;
	if (sub)
		*sub = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!arm) {
		*out = json_incref(v);
		return 0;
	}
	if (gate_arm_eval(arm, out, &raw, v, err))
		return -1;
	if (sub)
		*sub = raw ? arm : NULL;
	if (json_is_null(*out)) {
		json_decref(*out);
		*out = NULL;
	}
	return 0;
}

int gate_template_get(json_t **out, gate_arm **sub, gate_arm *arm, json_t *obj, const char *key,
		      gate_err *err)
{
	if (resolve(out, sub, arm, json_object_get(obj, key), err))
		return gate_err_prefix(err, "%s", key);
	return 0;
}

int gate_template_string(char **out, gate_arm *arm, json_t *obj, const char *key, gate_err *err)
{
	char num[32];
	json_t *v;
	int rc = 0;

	*out = NULL;
	if (gate_template_get(&v, NULL, arm, obj, key, err))
		return -1;
	if (!v)
		return 0;
	/* YAML and ARM integers stand for their text (a port, a uid). */
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = gate_strdup(num, err);
	} else if (json_is_string(v)) {
		*out = gate_strdup(json_string_value(v), err);
	} else {
		rc = gate_err_set(err, GATE_EINPUT, "%s: not a string", key);
	}
	json_decref(v);
	if (!rc && !*out)
		return -1;
	return rc;
}

static int get_strv(struct gate_strv *out, bool *present, gate_arm *arm, json_t *obj,
		    const char *key, gate_err *err)
{
	json_t *v, *e, *s;
	gate_arm *sub;
	size_t i;
	int rc = 0;

	*present = false;
	if (gate_template_get(&v, &sub, arm, obj, key, err))
		return -1;
	if (!v)
		return 0;
	*present = true;
	if (!json_is_array(v))
		rc = gate_err_set(err, GATE_EINPUT, "%s: not a list", key);
	json_array_foreach(v, i, e) {
		if (rc)
			break;
		if (resolve(&s, NULL, sub, e, err))
			rc = gate_err_prefix(err, "%s[%zu]", key, i);
		else if (json_is_string(s))
			rc = gate_strv_push(out, json_string_value(s), json_string_length(s), err);
		else
			rc = gate_err_set(err, GATE_EINPUT, "%s[%zu]: not a string", key, i);
		json_decref(s);
	}
	json_decref(v);
	return rc;
}

static int get_bool(int *out, gate_arm *arm, json_t *obj, const char *key, gate_err *err)
{
	json_t *v;
	int rc;

	*out = -1;
	if (gate_template_get(&v, NULL, arm, obj, key, err))
		return -1;
	if (!v)
		return 0;
	*out = json_is_true(v);
	rc = json_is_boolean(v) ? 0 : gate_err_set(err, GATE_EINPUT, "%s: not a boolean", key);
	json_decref(v);
	return rc;
}

static int get_int(bool *has, long long *out, gate_arm *arm, json_t *obj, const char *key,
		   gate_err *err)
{
	json_t *v;
	int rc = 0;

	*has = false;
	if (gate_template_get(&v, NULL, arm, obj, key, err))
		return -1;
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		*has = true;
		*out = json_integer_value(v);
	} else {
		rc = gate_err_set(err, GATE_EINPUT, "%s: not an integer", key);
	}
	json_decref(v);
	return rc;
}

static int security_context(struct gate_security_context *sc, gate_arm *arm, json_t *obj,
			    gate_err *err)
{
	json_t *ctx, *caps = NULL, *seccomp = NULL;
	gate_arm *sub, *caps_sub;
	bool present;
	int rc = -1;

	sc->privileged = sc->allow_privilege_escalation = -1;
	if (gate_template_get(&ctx, &sub, arm, obj, "securityContext", err))
		return -1;
	if (!ctx)
		return 0;
	if (!json_is_object(ctx)) {
		json_decref(ctx);
		return gate_err_set(err, GATE_EINPUT, "securityContext: not an object");
	}
	if (get_bool(&sc->privileged, sub, ctx, "privileged", err) ||
	    get_bool(&sc->allow_privilege_escalation, sub, ctx, "allowPrivilegeEscalation", err) ||
	    get_int(&sc->has_run_as_user, &sc->run_as_user, sub, ctx, "runAsUser", err) ||
	    get_int(&sc->has_run_as_group, &sc->run_as_group, sub, ctx, "runAsGroup", err) ||
	    gate_template_get(&caps, &caps_sub, sub, ctx, "capabilities", err) ||
	    get_strv(&sc->cap_add, &present, caps_sub, caps, "add", err) ||
	    get_strv(&sc->cap_drop, &present, caps_sub, caps, "drop", err) ||
	    gate_template_get(&seccomp, NULL, sub, ctx, "seccompProfile", err))
		goto out;
	/* ACI takes the profile as base64 JSON; Kubernetes as an object,
	 * kept as its JSON text. */
	if (seccomp) {
		if (json_is_string(seccomp))
			sc->seccomp_profile = gate_strdup(json_string_value(seccomp), err);
		else
			sc->seccomp_profile = json_dumps(seccomp, JSON_COMPACT | JSON_SORT_KEYS);
		if (!sc->seccomp_profile) {
			gate_err_nomem(err);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(seccomp);
	json_decref(caps);
	json_decref(ctx);
	return rc ? gate_err_prefix(err, "securityContext") : 0;
}

static int probes(struct gate_container *c, gate_arm *arm, json_t *obj, gate_err *err)
{
	static const char *const names[] = { "readinessProbe", "livenessProbe", "startupProbe" };
	json_t *probe, *exec = NULL;
	gate_arm *probe_sub, *exec_sub;
	size_t i;
	bool present;
	int rc;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct gate_strv cmd = { 0 }, *slot;

		rc = gate_template_get(&probe, &probe_sub, arm, obj, names[i], err) ||
		     gate_template_get(&exec, &exec_sub, probe_sub, probe, "exec", err) ||
		     get_strv(&cmd, &present, exec_sub, exec, "command", err);
		json_decref(exec);
		json_decref(probe);
		exec = NULL;
		if (rc) {
			gate_strv_free(&cmd);
			return gate_err_prefix(err, "%s", names[i]);
		}
		if (!present)
			continue;
		slot = gate_array_push(&c->exec_probes, &c->exec_probes_count, sizeof(*slot), err);
		if (!slot) {
			gate_strv_free(&cmd);
			return -1;
		}
		*slot = cmd;
	}
	return 0;
}

int gate_template_policy(struct gate_group *g, const char *b64, size_t len, gate_err *err)
{
	g->has_policy = true;
	if (len ? gate_policy_decode(&g->policy, b64, len, err)
		: gate_policy_parse(&g->policy, "", 0, err))
		return gate_err_prefix(err, "ccePolicy");
	return 0;
}

/* Group and container fields sit under "properties", or on the object
 * itself in the az CLI's flattened output. */
static json_t *fields(json_t *obj)
{
	json_t *props = json_object_get(obj, "properties");

	return json_is_object(props) ? props : obj;
}

/* Each volume's kind, by name: its key other than "name" (azureFile,
 * emptyDir, secret, ...).  Built once per group, so that mounts are
 * joined to volumes in linear time. */
static int volume_types(json_t **out, gate_arm *arm, json_t *spec, gate_err *err)
{
	json_t *list, *v, *vol = NULL, *m, *types;
	gate_arm *sub, *vol_sub;
	const char *key, *type;
	char *name = NULL;
	size_t i;
	int rc = 0;

	if (!(*out = types = json_object()))
		return gate_err_nomem(err);
	if (gate_template_get(&list, &sub, arm, spec, "volumes", err))
		return -1;
	if (list && !json_is_array(list))
		rc = gate_err_set(err, GATE_EINPUT, "volumes: not a list");
	json_array_foreach(list, i, v) {
		if (resolve(&vol, &vol_sub, sub, v, err) ||
		    gate_template_string(&name, vol_sub, vol, "name", err))
			rc = gate_err_prefix(err, "volumes[%zu]", i);
		else if (name && json_object_get(types, name))
			rc = gate_err_set(err, GATE_EINPUT, "volumes[%zu]: '%s' again", i, name);
		type = NULL;
		json_object_foreach(vol, key, m)
			if (!type && strcmp(key, "name"))
				type = key;
		if (!rc && name && type && json_object_set_new(types, name, json_string(type)))
			rc = gate_err_nomem(err);
		free(name);
		name = NULL;
		json_decref(vol);
		vol = NULL;
		if (rc)
			break;
	}
	json_decref(list);
	return rc;
}

/* ACI's environmentVariables carry value or secureValue; Kubernetes' env
 * carries value or valueFrom, which only the cluster can resolve. */
static int read_env(struct gate_container *c, gate_arm *arm, json_t *obj, gate_err *err)
{
	const char *key = json_object_get(obj, "env") ? "env" : "environmentVariables";
	json_t *list, *e, *item = NULL;
	gate_arm *sub, *item_sub;
	size_t i;
	int rc = 0;

	if (gate_template_get(&list, &sub, arm, obj, key, err))
		return -1;
	if (list && !json_is_array(list))
		rc = gate_err_set(err, GATE_EINPUT, "%s: not a list", key);
	json_array_foreach(list, i, e) {
		struct gate_env *env;

		if (rc)
			break;
		if (!(env = gate_array_push(&c->env, &c->env_count, sizeof(*env), err)))
			rc = -1;
		else if (resolve(&item, &item_sub, sub, e, err) ||
			 gate_template_string(&env->name, item_sub, item, "name", err) ||
			 gate_template_string(&env->value, item_sub, item, "value", err))
			rc = gate_err_prefix(err, "%s[%zu]", key, i);
		else if (!env->value && json_object_get(item, "secureValue")) {
			env->secure = true;
			if (gate_template_string(&env->value, item_sub, item, "secureValue", err))
				rc = gate_err_prefix(err, "%s[%zu]", key, i);
		}
		if (!rc && !env->name)
			rc = gate_err_set(err, GATE_EINPUT, "%s[%zu]: no 'name'", key, i);
		json_decref(item);
		item = NULL;
	}
	json_decref(list);
	return rc;
}

static int read_mounts(struct gate_container *c, gate_arm *arm, json_t *obj, json_t *types,
		       gate_err *err)
{
	json_t *list, *m, *item = NULL;
	gate_arm *sub, *item_sub;
	size_t i;
	int ro, rc = 0;

	if (gate_template_get(&list, &sub, arm, obj, "volumeMounts", err))
		return -1;
	if (list && !json_is_array(list))
		rc = gate_err_set(err, GATE_EINPUT, "volumeMounts: not a list");
	json_array_foreach(list, i, m) {
		struct gate_mount *mnt;
		const char *type;

		if (rc)
			break;
		if (!(mnt = gate_array_push(&c->mounts, &c->mounts_count, sizeof(*mnt), err)))
			rc = -1;
		else if (resolve(&item, &item_sub, sub, m, err) ||
			 gate_template_string(&mnt->name, item_sub, item, "name", err) ||
			 gate_template_string(&mnt->mount_path, item_sub, item, "mountPath", err) ||
			 get_bool(&ro, item_sub, item, "readOnly", err))
			rc = gate_err_prefix(err, "volumeMounts[%zu]", i);
		else if ((type = json_string_value(json_object_get(types, mnt->name))) &&
			 !(mnt->volume_type = gate_strdup(type, err)))
			rc = -1;
		if (!rc)
			mnt->read_only = ro == 1;
		json_decref(item);
		item = NULL;
	}
	json_decref(list);
	return rc;
}

static int read_container(struct gate_container *c, gate_arm *arm, json_t *obj, json_t *types,
			  gate_err *err)
{
	json_t *f = fields(obj);

	if (!json_is_object(obj))
		return gate_err_set(err, GATE_EINPUT, "not an object");
	if (gate_template_string(&c->name, arm, obj, "name", err) ||
	    gate_template_string(&c->image, arm, f, "image", err) ||
	    get_strv(&c->command, &c->has_command, arm, f, "command", err) ||
	    get_strv(&c->args, &c->has_args, arm, f, "args", err) ||
	    gate_template_string(&c->working_dir, arm, f, "workingDir", err) ||
	    read_env(c, arm, f, err) || read_mounts(c, arm, f, types, err) ||
	    probes(c, arm, f, err) || security_context(&c->security_context, arm, f, err))
		return -1;
	if (!c->image)
		return gate_err_set(err, GATE_EINPUT, "no 'image'");
	c->is_sidecar = gate_model_is_sidecar_image(c->image);
	return 0;
}

static int read_containers(struct gate_group *g, gate_arm *arm, json_t *spec, const char *key,
			   json_t *types, gate_err *err)
{
	json_t *list, *e, *obj = NULL;
	gate_arm *sub, *obj_sub;
	size_t i;
	int rc = 0;

	if (gate_template_get(&list, &sub, arm, spec, key, err))
		return -1;
	if (list && !json_is_array(list))
		rc = gate_err_set(err, GATE_EINPUT, "%s: not a list", key);
	json_array_foreach(list, i, e) {
		struct gate_container *c;

		if (rc)
			break;
		if (!(c = gate_array_push(&g->containers, &g->containers_count, sizeof(*c), err))) {
			rc = -1;
			break;
		}
		c->is_init = !strcmp(key, "initContainers");
		if (resolve(&obj, &obj_sub, sub, e, err) || read_container(c, obj_sub, obj, types, err)) {
			if (c->name)
				rc = gate_err_prefix(err, "container '%s' (%s[%zu])", c->name, key, i);
			else
				rc = gate_err_prefix(err, "%s[%zu]", key, i);
		}
		json_decref(obj);
		obj = NULL;
	}
	json_decref(list);
	return rc;
}

int gate_template_containers(struct gate_group *g, gate_arm *arm, json_t *spec, gate_err *err)
{
	json_t *types;
	int rc;

	rc = volume_types(&types, arm, spec, err);
	if (!rc)
		rc = read_containers(g, arm, spec, "containers", types, err);
	if (!rc)
		rc = read_containers(g, arm, spec, "initContainers", types, err);
	json_decref(types);
	if (!rc && !g->containers_count)
		rc = gate_err_set(err, GATE_EINPUT, "no containers");
	return rc;
}

int gate_template_group(struct gate_group *g, json_t *group, gate_arm *arm, gate_err *err)
{
	json_t *ccp = NULL, *policy = NULL;
	char *sku = NULL;
	gate_arm *sub;
	int rc = -1;

	if (!json_is_object(group))
		return gate_err_set(err, GATE_EINPUT, "container group is not an object");
	if (gate_template_string(&g->name, arm, group, "name", err) ||
	    gate_template_string(&sku, arm, fields(group), "sku", err) ||
	    gate_template_get(&ccp, &sub, arm, fields(group), "confidentialComputeProperties", err) ||
	    gate_template_get(&policy, NULL, sub, ccp, "ccePolicy", err))
		goto out;
	/* ARM compares enum values without regard to case. */
	g->confidential = (sku && !strcasecmp(sku, "Confidential")) || ccp;
	if (policy && !json_is_string(policy)) {
		gate_err_set(err, GATE_EINPUT, "ccePolicy: not a string");
		goto out;
	}
	if (policy && gate_template_policy(g, json_string_value(policy),
					   json_string_length(policy), err))
		goto out;
	rc = gate_template_containers(g, arm, fields(group), err);
out:
	free(sku);
	json_decref(policy);
	json_decref(ccp);
	return rc;
}
