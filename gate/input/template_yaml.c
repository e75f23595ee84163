#include "input/template_yaml.h"
#include "base/limits.h"
#include "input/json_pos.h"
#include "input/template.h"
#include "input/yaml_lines.h"

#include <jansson.h>
#include <yaml.h>

#include <stdbool.h>
#include <stdint.h>
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

struct builder;
static int at(struct builder *b, yaml_mark_t mark, const char *msg, const char *detail);

static bool matches(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(s, *words, n))
			return true;
	return false;
}

/* YAML 1.2 core schema for plain scalars: null, booleans and decimal
 * integers; everything else, and every quoted scalar, is a string. */
static json_t *scalar(struct builder *b, const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, i = 0;
	json_t *v;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
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
		at(b, ev->start_mark, "NUL character in a scalar", NULL);
		return NULL;
	}
	if (!(v = json_stringn(s, len)))
		at(b, ev->start_mark, "scalar is not valid UTF-8", NULL);
	return v;
}

/*
 * Documents are built from parser events rather than with libyaml's loader:
 * the loader recurses without bound and slows down quadratically on deeply
 * nested flow collections, while events let the nesting limit stop the
 * parse where it is crossed.  An alias shares the anchored value; its nodes
 * and its scalars' bytes count again towards the budgets, since whoever
 * walks the value (the model, a json_dumps()) copies it again.
 */
struct anchor {
	char *name;
	json_t *value;
	size_t nodes, bytes;
	bool aliased;           /* its mappings' positions are forgotten */
};

struct frame {
	json_t *value;
	char *key;              /* a mapping's key waiting for its value */
	yaml_mark_t key_mark;
	char *anchor;
	size_t nodes_before, bytes_before;
};

struct builder {
	struct frame stack[GATE_MAX_NESTING_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t anchors_count;
	json_t *anchor_index;   /* name -> index in anchors of its latest definition */
	size_t nodes;
	size_t bytes, max_bytes;        /* scalar bytes after aliases expand, and the bound */
	json_t *root;
	gate_json_pos *pos;     /* where the document's mappings start */
	struct gate_yaml_lines lines;
	gate_err *err;
};

static int at_pos(struct builder *b, struct gate_text_pos p, const char *msg, const char *detail)
{
	return gate_err_set(b->err, GATE_EINPUT, "line %u, column %u: %s%s%s", p.line, p.column,
			    msg, detail ? " " : "", detail ? detail : "");
}

static int at(struct builder *b, yaml_mark_t mark, const char *msg, const char *detail)
{
	return at_pos(b, gate_yaml_lines_pos(&b->lines, mark), msg, detail);
}

static void builder_reset(struct builder *b)
{
	size_t i;

	for (; b->depth > 0; b->depth--) {
		json_decref(b->stack[b->depth - 1].value);
		free(b->stack[b->depth - 1].key);
		free(b->stack[b->depth - 1].anchor);
	}
	for (i = 0; i < b->anchors_count; i++) {
		free(b->anchors[i].name);
		json_decref(b->anchors[i].value);
	}
	free(b->anchors);
	b->anchors = NULL;
	b->anchors_count = 0;
	json_decref(b->anchor_index);
	b->anchor_index = NULL;
	b->nodes = 0;
	json_decref(b->root);
	b->root = NULL;
	/* The next document's values may reuse these addresses. */
	gate_json_pos_free(b->pos);
	b->pos = NULL;
}

static int count_nodes(struct builder *b, size_t n, size_t bytes, yaml_mark_t mark)
{
	char msg[96];

	if (n > GATE_MAX_YAML_NODES - b->nodes)
		return at(b, mark, "more YAML nodes than the limit after aliases expand", NULL);
	if (bytes > b->max_bytes - b->bytes) {
		snprintf(msg, sizeof(msg), "input expands too much: aliases materialise more "
			 "than %zu bytes", b->max_bytes);
		return at(b, mark, msg, NULL);
	}
	b->nodes += n;
	b->bytes += bytes;
	return 0;
}

static int remember(struct builder *b, const char *name, json_t *v, size_t nodes, size_t bytes)
{
	struct anchor *a;

	if (!name)
		return 0;
	if (!(a = gate_array_push(&b->anchors, &b->anchors_count, sizeof(*a), b->err)))
		return -1;
	a->value = json_incref(v);
	a->nodes = nodes;
	a->bytes = bytes;
	if (!(a->name = gate_strdup(name, b->err)))
		return -1;
	/* Looked up by name, not searched for: many aliases of many anchors
	 * would otherwise take quadratic time. */
	if ((!b->anchor_index && !(b->anchor_index = json_object())) ||
	    json_object_set_new(b->anchor_index, name,
				json_integer((json_int_t)(b->anchors_count - 1))))
		return gate_err_nomem(b->err);
	return 0;
}

/* Places a finished value in its parent, or makes it the document. */
static int place(struct builder *b, json_t *v)
{
	struct frame *f;

	if (!b->depth) {
		b->root = v;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (json_is_array(f->value))
		return json_array_append_new(f->value, v) ? gate_err_nomem(b->err) : 0;
	/* Duplicate keys: each YAML reader keeps a different one. */
	if (json_object_get(f->value, f->key)) {
		json_decref(v);
		return at(b, f->key_mark, "duplicate key", f->key);
	}
	if (json_object_set_new(f->value, f->key, v))
		return at(b, f->key_mark, "key is not valid UTF-8", NULL);
	free(f->key);
	f->key = NULL;
	return 0;
}

static bool wants_key(const struct builder *b)
{
	return b->depth && json_is_object(b->stack[b->depth - 1].value) &&
	       !b->stack[b->depth - 1].key;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *anchor = (const char *)ev->data.scalar.anchor;
	json_t *v;

	if (count_nodes(b, 1, ev->data.scalar.length, ev->start_mark))
		return -1;
	if (wants_key(b)) {
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			return at(b, ev->start_mark, "NUL character in a key", NULL);
		b->stack[b->depth - 1].key_mark = ev->start_mark;
		b->stack[b->depth - 1].key = strndup((const char *)ev->data.scalar.value,
						     ev->data.scalar.length);
		return b->stack[b->depth - 1].key ? 0 : gate_err_nomem(b->err);
	}
	if (!(v = scalar(b, ev)) || remember(b, anchor, v, 1, ev->data.scalar.length)) {
		json_decref(v);
		return -1;
	}
	return place(b, v);
}

/* An alias places its anchor's very value again, and positions are
 * known by address: a mapping there could not say which of its places
 * it stands for, so it says none, and reports take the group's line, as
 * for a container an ARM expression builds.  Depth is bounded: v was
 * built under GATE_MAX_NESTING_DEPTH. */
static int forget_positions(struct builder *b, json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		if (gate_json_pos_set(b->pos, v, (struct gate_text_pos){ 0, 0 }, b->err))
			return -1;
		json_object_foreach(v, key, m)
			if (forget_positions(b, m))
				return -1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if (forget_positions(b, m))
				return -1;
	}
	return 0;
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *index = json_object_get(b->anchor_index, name);
	size_t i;

	/* The latest definition of a name wins. */
	if (!index)
		return at(b, ev->start_mark, "undefined alias", name);
	i = (size_t)json_integer_value(index);
	if (wants_key(b))
		return at(b, ev->start_mark, "an alias as a mapping key", NULL);
	if (count_nodes(b, b->anchors[i].nodes, b->anchors[i].bytes, ev->start_mark))
		return -1;
	/* Once per anchor: its value does not change after its definition. */
	if (b->pos && !b->anchors[i].aliased && forget_positions(b, b->anchors[i].value))
		return -1;
	b->anchors[i].aliased = true;
	return place(b, json_incref(b->anchors[i].value));
}

static int on_start(struct builder *b, const yaml_event_t *ev, json_t *v, const char *anchor)
{
	struct frame *f;

	if (!v)
		return gate_err_nomem(b->err);
	if (wants_key(b)) {
		json_decref(v);
		return at(b, ev->start_mark, "a mapping key is not a scalar", NULL);
	}
	if (b->depth == GATE_MAX_NESTING_DEPTH) {
		json_decref(v);
		return at(b, ev->start_mark, "nested too deeply", NULL);
	}
	if (count_nodes(b, 1, 0, ev->start_mark)) {
		json_decref(v);
		return -1;
	}
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->value = v;
	/* A block mapping starts at its first key, a flow mapping at '{', or
	 * either at the anchor or tag before it. */
	if (json_is_object(v) &&
	    ((!b->pos && gate_json_pos_new(&b->pos, b->err)) ||
	     gate_json_pos_set(b->pos, v, gate_yaml_lines_pos(&b->lines, ev->start_mark), b->err)))
		return -1;
	f->nodes_before = b->nodes - 1;
	f->bytes_before = b->bytes;
	if (anchor && !(f->anchor = gate_strdup(anchor, b->err)))
		return -1;
	return 0;
}

static int on_end(struct builder *b)
{
	struct frame f = b->stack[--b->depth];
	int rc;

	free(f.key);
	rc = remember(b, f.anchor, f.value, b->nodes - f.nodes_before, b->bytes - f.bytes_before);
	free(f.anchor);
	if (rc) {
		json_decref(f.value);
		return -1;
	}
	return place(b, f.value);
}

/* Feeds one event; *done is set when a document is complete in b->root. */
static int on_event(struct builder *b, const yaml_event_t *ev, bool *done)
{
	*done = false;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, json_array(), (const char *)ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, json_object(), (const char *)ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(b);
	case YAML_DOCUMENT_END_EVENT:
		*done = true;
		return 0;
	default:
		return 0;
	}
}

static json_t *path(json_t *v, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n && keys[i] && v; i++)
		v = json_object_get(v, keys[i]);
	return v;
}

static int k8s_group(struct gate_model *m, json_t *doc, const gate_json_pos *pos,
		     const char *kind, const char *where, gate_err *err)
{
	static const char *const annotation[] = { "metadata", "annotations", VN2_POLICY_ANNOTATION };
	const struct workload *w = NULL;
	struct gate_group *g;
	struct gate_text_pos at;
	json_t *pod, *policy;
	size_t i;

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(kind, workloads[i].kind))
			w = &workloads[i];
	/* ConfigMaps, Services and the like carry no containers. */
	if (!w)
		return 0;
	pod = w->path[0] ? path(doc, w->path, 4) : doc;
	if (!(g = gate_array_push(&m->groups, &m->groups_count, sizeof(*g), err)) ||
	    !(g->where = gate_strdup(where, err)) ||
	    gate_template_string(&g->name, NULL, json_object_get(doc, "metadata"), "name", err))
		return -1;
	at = gate_json_pos_get(pos, doc);
	g->line = at.line;
	g->column = at.column;
	if (!json_is_object(pod)) {
		gate_err_set(err, GATE_EINPUT, "no pod template");
		goto bad;
	}
	/* The policy is a pod annotation: for a workload, its pod template's;
	 * the workload's own metadata counts only when the template has none. */
	policy = path(pod, annotation, 3);
	if (!policy)
		policy = path(doc, annotation, 3);
	/* Virtual nodes run a pod confidentially when it carries the policy
	 * annotation, whatever its value. */
	g->confidential = policy != NULL;
	if (policy && !json_is_string(policy)) {
		gate_err_set(err, GATE_EINPUT, "annotation '%s' is not a string",
			     VN2_POLICY_ANNOTATION);
		goto bad;
	}
	if ((policy && gate_template_policy(g, json_string_value(policy),
					    json_string_length(policy), err)) ||
	    gate_template_containers(g, NULL, pos, json_object_get(pod, "spec"), err))
		goto bad;
	return 0;
bad:
	if (g->name)
		return gate_err_prefix(err, "%s '%s'", kind, g->name);
	return gate_err_prefix(err, "%s", kind);
}

static int read_document(struct gate_model *m, json_t *doc, const gate_json_pos *pos,
			 size_t index, size_t line, enum gate_yaml_kind *kind, gate_err *err)
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
	if (*kind == GATE_YAML_ACI)
		return gate_template_add_group(m, doc, NULL, pos, where, err);
	if (!k8s_kind)
		return gate_err_set(err, GATE_EINPUT, "%s: no 'kind'", where);
	if (k8s_group(m, doc, pos, k8s_kind, where, err))
		return gate_err_prefix(err, "%s", where);
	return 0;
}

int gate_template_yaml_read(struct gate_model *m, const char *buf, size_t len,
			    enum gate_yaml_kind *kind, gate_err *err)
{
	struct builder b = { .err = err };

	/* Nodes count per document; bytes over the whole input, since the
	 * model keeps every document's copy. */
	b.max_bytes = len > SIZE_MAX / GATE_EXPAND_FACTOR ? SIZE_MAX : len * GATE_EXPAND_FACTOR;
	if (b.max_bytes < GATE_MIN_EXPAND_SIZE)
		b.max_bytes = GATE_MIN_EXPAND_SIZE;
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t index = 0, before = m->groups_count, line = 0;
	bool done, end = false;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return gate_err_nomem(err);
	gate_yaml_lines_init(&b.lines, buf, len);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!rc && !end) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = at_pos(&b, gate_yaml_lines_error(&b.lines, &parser),
				    parser.problem ? parser.problem : "malformed YAML", parser.context);
			break;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		/* The document's line is where its first node starts. */
		if (!line && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
			      ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_ALIAS_EVENT))
			line = gate_yaml_lines_pos(&b.lines, ev.start_mark).line;
		rc = on_event(&b, &ev, &done);
		yaml_event_delete(&ev);
		if (!rc && done) {
			rc = read_document(m, b.root, b.pos, index++, line, kind, err);
			builder_reset(&b);
			line = 0;
		}
	}
	builder_reset(&b);
	yaml_parser_delete(&parser);
	if (!rc && m->groups_count == before)
		rc = gate_err_set(err, GATE_EINPUT, "no container groups: no %s",
				  *kind == GATE_YAML_K8S ? "Pod or workload with containers"
							 : "ACI container group");
	return rc;
}
