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

/* obj[key] with the key's case ignored, as ARM ignores it.  Two spellings
 * of one key are refused: each reader could take a different one. */
static int member(json_t **out, json_t *obj, const char *key, gate_err *err)
{
	const char *k, *found = NULL;
	json_t *v;

	if ((*out = json_object_get(obj, key)) && json_object_size(obj) < 2)
		return 0;
	*out = NULL;
	json_object_foreach(obj, k, v) {
		if (strcasecmp(k, key))
			continue;
		if (found)
			return gate_err_set(err, GATE_EINPUT, "'%s' and '%s': one property spelled "
					    "twice", found, k);
		found = k;
		*out = v;
	}
	return 0;
}

int gate_template_get(json_t **out, gate_arm **sub, gate_arm *arm, json_t *obj, const char *key,
		      gate_err *err)
{
	json_t *v;

	if (member(&v, obj, key, err) || resolve(out, sub, arm, v, err))
		return gate_err_prefix(err, "%s", key);
	return 0;
}

bool gate_template_has(json_t *obj, const char *key)
{
	json_t *v;

	return !member(&v, obj, key, NULL) && v;
}

/* gate_template_get() for the getters below: 1 with *v set when key is
 * there, 0 when it is not, -1 on error. */
static int get_present(json_t **v, gate_arm **sub, gate_arm *arm, json_t *obj, const char *key,
		       gate_err *err)
{
	if (gate_template_get(v, sub, arm, obj, key, err))
		return -1;
	return *v != NULL;
}

int gate_template_string(char **out, gate_arm *arm, json_t *obj, const char *key, gate_err *err)
{
	char num[32];
	json_t *v;
	int rc = 0;

	*out = NULL;
	if ((rc = get_present(&v, NULL, arm, obj, key, err)) <= 0)
		return rc;
	rc = 0;
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
	if ((rc = get_present(&v, &sub, arm, obj, key, err)) <= 0)
		return rc;
	rc = 0;
	*present = true;
	/* A whole list known only when deploying stands as its one word. */
	if (json_is_string(v) && gate_value_is_unresolved(json_string_value(v)))
		rc = gate_strv_push(out, json_string_value(v), json_string_length(v), err);
	else if (!json_is_array(v))
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
	const char *s;
	json_t *v;
	int rc = 0;

	*out = -1;
	if ((rc = get_present(&v, NULL, arm, obj, key, err)) <= 0)
		return rc;
	rc = 0;
	s = json_string_value(v);
	/* ARM takes "true" and "false" strings where it wants a boolean. */
	if (json_is_boolean(v) || (s && (!strcasecmp(s, "true") || !strcasecmp(s, "false"))))
		*out = json_is_true(v) || (s && !strcasecmp(s, "true"));
	else if (s && gate_value_is_unresolved(s))
		rc = gate_err_set(err, GATE_EINPUT, "%s: %s is known only when deploying, "
				  "and the gate needs it", key, s);
	else
		rc = gate_err_set(err, GATE_EINPUT, "%s: not a boolean", key);
	json_decref(v);
	return rc;
}

static int get_int(bool *has, long long *out, gate_arm *arm, json_t *obj, const char *key,
		   gate_err *err)
{
	json_t *v;
	int rc = 0;

	*has = false;
	if ((rc = get_present(&v, NULL, arm, obj, key, err)) <= 0)
		return rc;
	rc = 0;
	/* and decimal strings where it wants a number */
	if (json_is_integer(v) || (json_is_string(v) && !gate_arm_parse_int(out, json_string_value(v)))) {
		*has = true;
		if (json_is_integer(v))
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
	json_t *props;

	if (member(&props, obj, "properties", NULL))
		props = NULL;
	return json_is_object(props) ? props : obj;
}

/* Reads one item of a list; may set *name to say which item failed. */
typedef int item_fn(void *ctx, json_t *item, gate_arm *arm, const char **name, gate_err *err);

/* Calls fn on each item of the list obj[key] (absent is fine), with the
 * evaluator for the item's members; errors name the item: "key[i]", or
 * "noun 'name' (key[i])" once fn has found its name. */
static int each_item(gate_arm *arm, json_t *obj, const char *key, const char *noun, item_fn *fn,
		     void *ctx, gate_err *err)
{
	json_t *list, *e, *item = NULL;
	gate_arm *sub, *item_sub;
	const char *name;
	size_t i;
	int rc = 0;

	if (gate_template_get(&list, &sub, arm, obj, key, err))
		return -1;
	if (json_is_string(list) && gate_value_is_unresolved(json_string_value(list)))
		rc = gate_err_set(err, GATE_EINPUT, "%s: %s is known only when deploying, and the "
				  "gate needs it", key, json_string_value(list));
	else if (list && !json_is_array(list))
		rc = gate_err_set(err, GATE_EINPUT, "%s: not a list", key);
	json_array_foreach(list, i, e) {
		name = NULL;
		if (rc)
			break;
		rc = resolve(&item, &item_sub, sub, e, err) || fn(ctx, item, item_sub, &name, err);
		if (rc && noun && name)
			gate_err_prefix(err, "%s '%s' (%s[%zu])", noun, name, key, i);
		else if (rc)
			gate_err_prefix(err, "%s[%zu]", key, i);
		json_decref(item);
		item = NULL;
	}
	json_decref(list);
	return rc ? -1 : 0;
}

/* Each volume's kind, by name: its key other than "name" (azureFile,
 * emptyDir, secret, ...).  Built once per group, so that mounts are
 * joined to volumes in linear time. */
static int volume_type(void *ctx, json_t *vol, gate_arm *arm, const char **unused, gate_err *err)
{
	json_t *types = ctx, *m;
	const char *key, *type = NULL;
	char *name;
	int rc = 0;

	(void)unused;
	if (gate_template_string(&name, arm, vol, "name", err))
		return -1;
	if (name && json_object_get(types, name))
		rc = gate_err_set(err, GATE_EINPUT, "'%s' again", name);
	json_object_foreach(vol, key, m)
		if (!type && strcasecmp(key, "name"))
			type = key;
	if (!rc && name && type && json_object_set_new(types, name, json_string(type)))
		rc = gate_err_nomem(err);
	free(name);
	return rc;
}

/* ACI's environmentVariables carry value or secureValue; Kubernetes' env
 * carries value or valueFrom, which only the cluster can resolve. */
static int env_item(void *ctx, json_t *item, gate_arm *arm, const char **unused, gate_err *err)
{
	struct gate_container *c = ctx;
	struct gate_env *env;

	(void)unused;
	if (!(env = gate_array_push(&c->env, &c->env_count, sizeof(*env), err)) ||
	    gate_template_string(&env->name, arm, item, "name", err) ||
	    gate_template_string(&env->value, arm, item, "value", err))
		return -1;
	if (!env->value && gate_template_has(item, "secureValue")) {
		env->secure = true;
		if (gate_template_string(&env->value, arm, item, "secureValue", err))
			return -1;
	}
	if (!env->name)
		return gate_err_set(err, GATE_EINPUT, "no 'name'");
	return 0;
}

struct mount_ctx {
	struct gate_container *c;
	json_t *types;
};

static int mount_item(void *ctx, json_t *item, gate_arm *arm, const char **unused, gate_err *err)
{
	struct mount_ctx *mc = ctx;
	struct gate_mount *mnt;
	const char *type;
	int ro;

	(void)unused;
	if (!(mnt = gate_array_push(&mc->c->mounts, &mc->c->mounts_count, sizeof(*mnt), err)) ||
	    gate_template_string(&mnt->name, arm, item, "name", err) ||
	    gate_template_string(&mnt->mount_path, arm, item, "mountPath", err) ||
	    get_bool(&ro, arm, item, "readOnly", err))
		return -1;
	if ((type = json_string_value(json_object_get(mc->types, mnt->name))) &&
	    !(mnt->volume_type = gate_strdup(type, err)))
		return -1;
	mnt->read_only = ro == 1;
	return 0;
}

static int read_container(struct gate_container *c, gate_arm *arm, json_t *obj, json_t *types,
			  gate_err *err)
{
	json_t *f = fields(obj);
	struct mount_ctx mc = { c, types };

	if (!json_is_object(obj))
		return gate_err_set(err, GATE_EINPUT, "not an object");
	if (gate_template_string(&c->name, arm, obj, "name", err) ||
	    gate_template_string(&c->image, arm, f, "image", err) ||
	    get_strv(&c->command, &c->has_command, arm, f, "command", err) ||
	    get_strv(&c->args, &c->has_args, arm, f, "args", err) ||
	    gate_template_string(&c->working_dir, arm, f, "workingDir", err) ||
	    each_item(arm, f, gate_template_has(f, "env") ? "env" : "environmentVariables", NULL,
		      env_item, c, err) ||
	    each_item(arm, f, "volumeMounts", NULL, mount_item, &mc, err) ||
	    probes(c, arm, f, err) || security_context(&c->security_context, arm, f, err))
		return -1;
	if (!c->image)
		return gate_err_set(err, GATE_EINPUT, "no 'image'");
	c->is_sidecar = gate_model_is_sidecar_image(c->image);
	return 0;
}

struct containers_ctx {
	struct gate_group *g;
	json_t *types;
	const gate_json_pos *pos;
	bool init;
};

static int container_item(void *ctx, json_t *obj, gate_arm *arm, const char **name,
			  gate_err *err)
{
	struct containers_ctx *cc = ctx;
	struct gate_container *c;
	struct gate_text_pos at;
	int rc;

	if (!(c = gate_array_push(&cc->g->containers, &cc->g->containers_count, sizeof(*c), err)))
		return -1;
	c->is_init = cc->init;
	at = gate_json_pos_get(cc->pos, obj);
	c->line = at.line;
	c->column = at.column;
	rc = read_container(c, arm, obj, cc->types, err);
	*name = c->name;
	return rc;
}

int gate_template_containers(struct gate_group *g, gate_arm *arm, const gate_json_pos *pos,
			     json_t *spec, gate_err *err)
{
	struct containers_ctx cc = { g, json_object(), pos, false };
	int rc;

	if (!cc.types)
		return gate_err_nomem(err);
	rc = each_item(arm, spec, "volumes", NULL, volume_type, cc.types, err);
	if (!rc)
		rc = each_item(arm, spec, "containers", "container", container_item, &cc, err);
	cc.init = true;
	if (!rc)
		rc = each_item(arm, spec, "initContainers", "container", container_item, &cc, err);
	json_decref(cc.types);
	/* A template may be a base that tooling fills in before deploying
	 * (azure-cleanroom's aci-base-arm-template): an empty list beside a
	 * ccePolicy there is what it says.  Anywhere else a group with no
	 * containers is misread. */
	if (!rc && !g->containers_count &&
	    !(arm && g->has_policy && gate_template_has(spec, "containers")))
		rc = gate_err_set(err, GATE_EINPUT, "no containers");
	return rc;
}

int gate_template_group(struct gate_group *g, json_t *group, gate_arm *arm,
			const gate_json_pos *pos, gate_err *err)
{
	struct gate_text_pos at = gate_json_pos_get(pos, group);
	json_t *ccp = NULL, *policy = NULL;
	char *sku = NULL;
	gate_arm *sub;
	int rc = -1;

	if (!json_is_object(group))
		return gate_err_set(err, GATE_EINPUT, "container group is not an object");
	g->line = at.line;
	g->column = at.column;
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
	rc = gate_template_containers(g, arm, pos, fields(group), err);
out:
	free(sku);
	json_decref(policy);
	json_decref(ccp);
	return rc;
}

int gate_template_add_group(struct gate_model *m, json_t *obj, gate_arm *arm,
			    const gate_json_pos *pos, const char *where, gate_err *err)
{
	struct gate_group *g = gate_array_push(&m->groups, &m->groups_count, sizeof(*g), err);

	if (!g || !(g->where = gate_strdup(where, err)))
		return -1;
	if (!gate_template_group(g, obj, arm, pos, err))
		return 0;
	if (g->name)
		return gate_err_prefix(err, "group '%s' (%s)", g->name, where);
	return gate_err_prefix(err, "group at %s", where);
}
