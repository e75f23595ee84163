#include "input/template_arm.h"
#include "input/arm_expr.h"
#include "base/limits.h"
#include "input/json_pos.h"
#include "input/template.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const group_types[] = {
	"Microsoft.ContainerInstance/containerGroups",
	"Microsoft.ContainerInstance/containerGroupProfiles",
};

/* Whether v nests more than `levels` objects and arrays deep.  jansson
 * bounds its own parse at 2048 levels, so the recursion is bounded even
 * before gate's limit stops it. */
static bool nested_deeper(const json_t *v, int levels)
{
	const json_t *m;
	const char *key;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v))
		return false;
	if (levels == 0)
		return true;
	json_object_foreach((json_t *)v, key, m)
		if (nested_deeper(m, levels - 1))
			return true;
	json_array_foreach(v, i, m)
		if (nested_deeper(m, levels - 1))
			return true;
	return false;
}

static json_t *load(const char *buf, size_t len, gate_err *err)
{
	json_error_t jerr;
	json_t *root;

	/* Duplicate keys are refused: two readers could each take a different
	 * one, and the gate would check what ARM does not deploy.  (json_pos
	 * also relies on it: a dropped duplicate would shift every position.) */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		gate_err_set(err, GATE_EINPUT, "line %d, column %d: %s", jerr.line, jerr.column,
			     jerr.text);
	} else if (nested_deeper(root, GATE_MAX_NESTING_DEPTH)) {
		gate_err_set(err, GATE_EINPUT, "nested deeper than %d", GATE_MAX_NESTING_DEPTH);
		json_decref(root);
		root = NULL;
	}
	return root;
}

static bool is_group_type(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(group_types) / sizeof(group_types[0]); i++)
		if (type && !strcasecmp(type, group_types[i]))
			return true;
	return false;
}

static bool deploys_group(json_t *tmpl, int depth);

static bool resource_deploys_group(json_t *res, int depth)
{
	return is_group_type(json_string_value(json_object_get(res, "type"))) ||
	       deploys_group(json_object_get(json_object_get(res, "properties"), "template"), depth);
}

/* Whether an inline nested template deploys a container group, at any
 * depth.  Types there are read as written: they are literals in practice.
 * resources is an array, or an object in languageVersion 2.0; jansson's
 * loops skip the other kind. */
static bool deploys_group(json_t *tmpl, int depth)
{
	json_t *resources = json_object_get(tmpl, "resources"), *res;
	const char *key;
	size_t i;

	if (depth > GATE_MAX_NESTING_DEPTH)
		return true;    /* too deep to tell: treat as unchecked */
	json_object_foreach(resources, key, res)
		if (resource_deploys_group(res, depth + 1))
			return true;
	json_array_foreach(resources, i, res)
		if (resource_deploys_group(res, depth + 1))
			return true;
	return false;
}

/* A nested deployment may deploy container groups gate does not read; it
 * must not look like a template that has none. */
static int read_deployment(json_t *res, const char *where, gate_err *err)
{
	json_t *props = json_object_get(res, "properties");

	if (json_object_get(props, "templateLink"))
		return gate_err_set(err, GATE_EINPUT,
				    "%s: nested deployment with a linked template: not read, so its "
				    "container groups cannot be checked; run gate on the linked template",
				    where);
	if (deploys_group(json_object_get(props, "template"), 0))
		return gate_err_set(err, GATE_EINPUT,
				    "%s: container group inside a nested deployment: not supported; "
				    "run gate on the inner template", where);
	return 0;
}

static int read_resource(struct gate_model *m, json_t *res, gate_arm *arm,
			 const gate_json_pos *pos, const char *where, gate_err *err)
{
	char *type;

	if (gate_template_string(&type, arm, res, "type", err))
		return gate_err_prefix(err, "%s", where);
	if (type && !strcasecmp(type, "Microsoft.Resources/deployments")) {
		free(type);
		return read_deployment(res, where, err);
	}
	if (!is_group_type(type)) {
		free(type);
		return 0;
	}
	free(type);
	/* A copy loop deploys several groups whose names need copyIndex(). */
	if (json_object_get(res, "copy"))
		return gate_err_set(err, GATE_EINPUT, "%s: unsupported expression: 'copy' loops", where);
	return gate_template_add_group(m, res, arm, pos, where, err);
}

static int read_template(struct gate_model *m, json_t *root, json_t *params, size_t size,
			 const gate_json_pos *pos, gate_err *err)
{
	json_t *resources = json_object_get(root, "resources"), *res;
	const char *key;
	char where[256];
	gate_arm *arm;
	size_t i;
	int rc = 0;

	if (gate_arm_new(&arm, root, params, size, err))
		return -1;
	/* languageVersion 2.0 templates name their resources in an object. */
	if (json_is_object(resources)) {
		json_object_foreach(resources, key, res) {
			snprintf(where, sizeof(where), "resources.%.200s", key);
			if ((rc = read_resource(m, res, arm, pos, where, err)))
				break;
		}
	} else {
		json_array_foreach(resources, i, res) {
			snprintf(where, sizeof(where), "resources[%zu]", i);
			if ((rc = read_resource(m, res, arm, pos, where, err)))
				break;
		}
	}
	gate_arm_free(arm);
	return rc;
}

static bool looks_like_group(json_t *obj)
{
	json_t *props = json_object_get(obj, "properties");

	if (is_group_type(json_string_value(json_object_get(obj, "type"))))
		return true;
	return json_object_get(obj, "containers") || json_object_get(props, "containers");
}

static int read_deployed(struct gate_model *m, json_t *root, const gate_json_pos *pos,
			 gate_err *err)
{
	char where[64];
	json_t *obj;
	size_t i;

	if (json_is_object(root))
		return looks_like_group(root) ? gate_template_add_group(m, root, NULL, pos, "top level",
									err) : 0;
	json_array_foreach(root, i, obj) {
		snprintf(where, sizeof(where), "[%zu]", i);
		if (gate_template_add_group(m, obj, NULL, pos, where, err))
			return -1;
	}
	return 0;
}

static enum gate_json_kind detect(json_t *root)
{
	if (json_object_get(root, "resources"))
		return GATE_JSON_ARM;
	/* Deployed groups have neither allow_all nor length/elements maps. */
	if (json_object_get(root, "allow_all") ||
	    json_object_get(json_object_get(root, "containers"), "elements"))
		return GATE_JSON_POLICY;
	return GATE_JSON_DEPLOYED;
}

int gate_template_arm_read(struct gate_model *m, const char *buf, size_t len,
			   const char *params_name, const char *params, size_t params_len,
			   enum gate_json_kind *kind, gate_err *err)
{
	json_t *root, *proot = NULL;
	gate_json_pos *pos = NULL;
	size_t before = m->groups_count;
	enum gate_json_kind found;
	const char *schema;
	int rc = -1;

	if (!(root = load(buf, len, err)))
		return -1;
	found = detect(root);
	if (*kind == GATE_JSON_AUTO)
		*kind = found;
	if (*kind == GATE_JSON_POLICY) {
		rc = 0;
		goto out;
	}
	schema = json_string_value(json_object_get(root, "$schema"));
	if (schema && strstr(schema, "deploymentParameters")) {
		gate_err_set(err, GATE_EINPUT, "a deployment parameters file: give it with -p "
			     "after its template");
		goto out;
	}
	if (*kind == GATE_JSON_ARM && found != GATE_JSON_ARM) {
		gate_err_set(err, GATE_EINPUT, "not an ARM template: no 'resources'");
		goto out;
	}
	if (params && *kind != GATE_JSON_ARM) {
		gate_err_set(err, GATE_EINPUT, "a parameters file applies to ARM templates only");
		goto out;
	}
	if (params && !(proot = load(params, params_len, err))) {
		gate_err_prefix(err, "parameters file '%s'", params_name);
		goto out;
	}
	/* Only the template's text is indexed: reports name the template, so
	 * an object a parameters file gives has no line there. */
	if (gate_json_pos_new(&pos, err) || gate_json_pos_scan(pos, root, buf, len, err))
		goto out;
	if (*kind == GATE_JSON_ARM ? read_template(m, root, proot, len + params_len, pos, err)
				   : read_deployed(m, root, pos, err))
		goto out;
	if (m->groups_count == before) {
		gate_err_set(err, GATE_EINPUT, "no container groups: no resource of type '%s'",
			     group_types[0]);
		goto out;
	}
	rc = 0;
out:
	gate_json_pos_free(pos);
	json_decref(proot);
	json_decref(root);
	return rc;
}
