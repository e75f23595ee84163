#include "template_yaml.h"
#include "limits.h"
#include "template.h"

#include <jansson.h>
#include <yaml.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VN2_POLICY_ANNOTATION "microsoft.containerinstance.virtualnode.ccepolicy"

/* Where the pod template sits in each workload kind. */
static const struct workload {
	const char *kind;
	const char *path[4];    /* keys from the document to the pod template */
} workloads[] = {
	{ "Pod", { NULL } },
	{ "Deployment", { "spec", "template", NULL } },
	{ "ReplicaSet", { "spec", "template", NULL } },
	{ "StatefulSet", { "spec", "template", NULL } },
	{ "DaemonSet", { "spec", "template", NULL } },
	{ "Job", { "spec", "template", NULL } },
	{ "CronJob", { "spec", "jobTemplate", "spec", "template" } },
};

struct conv {
	yaml_document_t *doc;
	size_t nodes;
	int depth;
	gate_err *err;
};

static int at(gate_err *err, yaml_mark_t mark, const char *msg, const char *detail)
{
	return gate_err_set(err, GATE_EINPUT, "line %zu, column %zu: %s%s%s", mark.line + 1,
			    mark.column + 1, msg, detail ? " " : "", detail ? detail : "");
}

static bool matches(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(s, *words, n))
			return true;
	return false;
}

/* YAML 1.2 core schema for plain scalars: null, booleans and decimal
 * integers; everything else, and every quoted scalar, is a string. */
static json_t *scalar(struct conv *c, yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length, i = 0;
	json_t *v;

	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (matches(s, len, nulls))
			return json_null();
		if (matches(s, len, trues))
			return json_true();
		if (matches(s, len, falses))
			return json_false();
		if (len && (s[0] == '-' || s[0] == '+'))
			i = 1;
		if (i < len && len - i < 19 && strspn(s + i, "0123456789") == len - i)
			return json_integer(strtoll(s, NULL, 10));
	}
	if (memchr(s, '\0', len)) {
		at(c->err, n->start_mark, "NUL character in a scalar", NULL);
		return NULL;
	}
	if (!(v = json_stringn(s, len)))
		at(c->err, n->start_mark, "scalar is not valid UTF-8", NULL);
	return v;
}

static json_t *convert(struct conv *c, yaml_node_t *n);

static json_t *sequence(struct conv *c, yaml_node_t *n)
{
	json_t *a = json_array(), *v;
	yaml_node_item_t *item;

	if (!a) {
		gate_err_nomem(c->err);
		return NULL;
	}
	for (item = n->data.sequence.items.start; item < n->data.sequence.items.top; item++) {
		if (!(v = convert(c, yaml_document_get_node(c->doc, *item))))
			goto bad;
		if (json_array_append_new(a, v)) {
			gate_err_nomem(c->err);
			goto bad;
		}
	}
	return a;
bad:
	json_decref(a);
	return NULL;
}

static json_t *mapping(struct conv *c, yaml_node_t *n)
{
	json_t *o = json_object(), *v;
	yaml_node_pair_t *pair;
	char *key;

	if (!o) {
		gate_err_nomem(c->err);
		return NULL;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);

		if (!k || k->type != YAML_SCALAR_NODE) {
			at(c->err, n->start_mark, "a mapping key is not a scalar", NULL);
			goto bad;
		}
		if (memchr(k->data.scalar.value, '\0', k->data.scalar.length)) {
			at(c->err, k->start_mark, "NUL character in a key", NULL);
			goto bad;
		}
		key = (char *)k->data.scalar.value;
		/* Duplicate keys: each YAML reader keeps a different one. */
		if (json_object_get(o, key)) {
			at(c->err, k->start_mark, "duplicate key", key);
			goto bad;
		}
		if (!(v = convert(c, yaml_document_get_node(c->doc, pair->value))))
			goto bad;
		if (json_object_set_new(o, key, v)) {
			at(c->err, k->start_mark, "key is not valid UTF-8", NULL);
			goto bad;
		}
	}
	return o;
bad:
	json_decref(o);
	return NULL;
}

static json_t *convert(struct conv *c, yaml_node_t *n)
{
	json_t *v = NULL;

	if (!n) {
		gate_err_set(c->err, GATE_EINPUT, "dangling YAML node");
		return NULL;
	}
	/* Aliases are shared nodes: the count is taken after expansion. */
	if (++c->nodes > GATE_MAX_YAML_NODES)
		at(c->err, n->start_mark, "more YAML nodes than the limit after aliases expand", NULL);
	else if (++c->depth > GATE_MAX_NESTING_DEPTH)
		at(c->err, n->start_mark, "nested too deeply", NULL);
	else if (n->type == YAML_SCALAR_NODE)
		v = scalar(c, n);
	else if (n->type == YAML_SEQUENCE_NODE)
		v = sequence(c, n);
	else if (n->type == YAML_MAPPING_NODE)
		v = mapping(c, n);
	c->depth--;
	return v;
}

static json_t *path(json_t *v, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n && keys[i] && v; i++)
		v = json_object_get(v, keys[i]);
	return v;
}

static int k8s_group(struct gate_model *m, json_t *doc, const char *kind, const char *where,
		     gate_err *err)
{
	static const char *const annotation[] = { "metadata", "annotations", VN2_POLICY_ANNOTATION };
	const struct workload *w = NULL;
	struct gate_group *g;
	json_t *pod, *policy;
	size_t i;

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(kind, workloads[i].kind))
			w = &workloads[i];
	if (!w)
		return 0;
	pod = w->path[0] ? path(doc, w->path, 4) : doc;
	if (!(g = gate_model_push(&m->groups, &m->groups_count, sizeof(*g), err)) ||
	    !(g->where = gate_strdup(where, err)) ||
	    gate_template_string(&g->name, NULL, json_object_get(doc, "metadata"), "name", err))
		return -1;
	if (!json_is_object(pod)) {
		gate_err_set(err, GATE_EINPUT, "no pod template");
		goto bad;
	}
	/* virtual-kubelet reads the pod's annotations; a policy only on the
	 * workload's own metadata is taken too, as confcom writes it there
	 * for a bare Pod. */
	policy = path(pod, annotation, 3);
	if (!policy)
		policy = path(doc, annotation, 3);
	if (policy && !json_is_string(policy)) {
		gate_err_set(err, GATE_EINPUT, "annotation '%s' is not a string",
			     VN2_POLICY_ANNOTATION);
		goto bad;
	}
	if ((policy && gate_template_policy(g, json_string_value(policy),
					    json_string_length(policy), err)) ||
	    gate_template_containers(g, NULL, json_object_get(pod, "spec"), err))
		goto bad;
	return 0;
bad:
	if (g->name)
		return gate_err_prefix(err, "%s '%s'", kind, g->name);
	return gate_err_prefix(err, "%s", kind);
}

static int aci_group(struct gate_model *m, json_t *doc, const char *where, gate_err *err)
{
	struct gate_group *g = gate_model_push(&m->groups, &m->groups_count, sizeof(*g), err);

	if (!g || !(g->where = gate_strdup(where, err)))
		return -1;
	if (!gate_template_group(g, doc, NULL, err))
		return 0;
	if (g->name)
		return gate_err_prefix(err, "group '%s'", g->name);
	return -1;
}

static int read_document(struct gate_model *m, json_t *doc, size_t index, size_t line,
			 enum gate_yaml_kind *kind, gate_err *err)
{
	const char *k8s_kind = json_string_value(json_object_get(doc, "kind"));
	char where[64];

	snprintf(where, sizeof(where), "document %zu (line %zu)", index + 1, line);
	if (json_is_null(doc))
		return 0;
	if (!json_is_object(doc))
		return gate_err_set(err, GATE_EINPUT, "%s: not a mapping", where);
	if (*kind == GATE_YAML_AUTO)
		*kind = k8s_kind ? GATE_YAML_K8S : GATE_YAML_ACI;
	if (*kind == GATE_YAML_ACI) {
		if (aci_group(m, doc, where, err))
			return gate_err_prefix(err, "%s", where);
		return 0;
	}
	/* ConfigMaps, Services and the like carry no containers. */
	if (!k8s_kind)
		return gate_err_set(err, GATE_EINPUT, "%s: no 'kind'", where);
	if (k8s_group(m, doc, k8s_kind, where, err))
		return gate_err_prefix(err, "%s", where);
	return 0;
}

int gate_template_yaml_read(struct gate_model *m, const char *buf, size_t len,
			    enum gate_yaml_kind *kind, gate_err *err)
{
	yaml_parser_t parser;
	size_t index, before = m->groups_count;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return gate_err_nomem(err);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (index = 0; !rc; index++) {
		struct conv c = { .err = err };
		yaml_document_t doc;
		yaml_node_t *root;
		json_t *v;

		if (!yaml_parser_load(&parser, &doc)) {
			rc = at(err, parser.problem_mark, parser.problem ? parser.problem : "malformed YAML",
				parser.context);
			break;
		}
		if (!(root = yaml_document_get_root_node(&doc))) {
			yaml_document_delete(&doc);
			break;
		}
		c.doc = &doc;
		v = convert(&c, root);
		if (!v)
			rc = -1;
		else
			rc = read_document(m, v, index, root->start_mark.line + 1, kind, err);
		json_decref(v);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (!rc && m->groups_count == before)
		rc = gate_err_set(err, GATE_EINPUT, "no container groups: no %s",
				  *kind == GATE_YAML_K8S ? "Pod or workload with containers"
							 : "ACI container group");
	return rc;
}
