#include "input/json_pos.h"
#include "base/array.h"

#include <jansson.h>

/* The scan pairs objects with the text by member order, which jansson
 * keeps as inserted only since 2.8. */
#if JANSSON_VERSION_HEX < 0x020800
#error "jansson 2.8 or later is needed: objects must keep their members in insertion order"
#endif

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing table from object address to position, at most
 * half full. */
struct slot {
	const json_t *v;            /* NULL: empty */
	struct gate_text_pos at;
};

struct gate_json_pos {
	struct slot *slots;
	size_t cap;                 /* 0 or a power of two */
	size_t count;
};

int gate_json_pos_new(gate_json_pos **out, gate_err *err)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return gate_err_nomem(err);
	return 0;
}

void gate_json_pos_free(gate_json_pos *p)
{
	if (p)
		free(p->slots);
	free(p);
}

/* Addresses are aligned and clustered: mix them (splitmix64's finaliser). */
static size_t slot_of(const json_t *v, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)v;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (size_t)(x ^ (x >> 31)) & (cap - 1);
}

static struct slot *find(struct slot *slots, size_t cap, const json_t *v)
{
	size_t i = slot_of(v, cap);

	while (slots[i].v && slots[i].v != v)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(gate_json_pos *p, gate_err *err)
{
	size_t cap = p->cap ? p->cap * 2 : 64, i;
	struct slot *slots;

	if (cap > SIZE_MAX / sizeof(*slots) || !(slots = calloc(cap, sizeof(*slots))))
		return gate_err_nomem(err);
	for (i = 0; i < p->cap; i++)
		if (p->slots[i].v)
			*find(slots, cap, p->slots[i].v) = p->slots[i];
	free(p->slots);
	p->slots = slots;
	p->cap = cap;
	return 0;
}

int gate_json_pos_set(gate_json_pos *p, const json_t *v, struct gate_text_pos at, gate_err *err)
{
	struct slot *s;

	if (p->count >= p->cap / 2 && grow(p, err))
		return -1;
	s = find(p->slots, p->cap, v);
	if (!s->v)
		p->count++;
	s->v = v;
	s->at = at;
	return 0;
}

struct gate_text_pos gate_json_pos_get(const gate_json_pos *p, const json_t *v)
{
	struct gate_text_pos none = { 0, 0 };

	if (!p || !v || !p->cap)
		return none;
	return find(p->slots, p->cap, v)->at;
}

/* An object of the text: where its '{' is and how many members it has,
 * counted by the ':' directly inside it. */
struct text_object {
	struct gate_text_pos at;
	size_t members;
};

/* Which objects of out enclose the scan, innermost last; NOT_OBJECT for
 * an array. */
#define NOT_OBJECT SIZE_MAX

struct scan {
	struct text_object *objects;
	size_t objects_count;
	size_t *open;
	size_t open_count;
};

static int scan_open(struct scan *s, struct gate_text_pos at, bool object, gate_err *err)
{
	struct text_object *o;
	size_t *slot;

	if (!(slot = gate_array_push(&s->open, &s->open_count, sizeof(*slot), err)))
		return -1;
	*slot = object ? s->objects_count : NOT_OBJECT;
	if (!object)
		return 0;
	if (!(o = gate_array_push(&s->objects, &s->objects_count, sizeof(*o), err)))
		return -1;
	o->at = at;
	o->members = 0;
	return 0;
}

/* Outside strings: opens and closes objects and arrays, and counts the
 * innermost open object's members. */
static int scan_token(struct scan *s, unsigned char c, struct gate_text_pos at, gate_err *err)
{
	size_t top = s->open_count ? s->open[s->open_count - 1] : NOT_OBJECT;

	if (c == '{' || c == '[')
		return scan_open(s, at, c == '{', err);
	if ((c == '}' || c == ']') && s->open_count)
		s->open_count--;
	else if (c == ':' && top != NOT_OBJECT)
		s->objects[top].members++;
	return 0;
}

/* Each object outside strings, in text order.  A line ends at LF, CR LF
 * or a lone CR, as libyaml and editors count them; JSON allows breaks
 * only between tokens, but any byte is taken here. */
static int scan_objects(struct scan *s, const char *buf, size_t len, gate_err *err)
{
	struct gate_text_pos at = { 1, 1 };
	bool in_string = false, escaped = false;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || (c == '\r' && (i + 1 == len || buf[i + 1] != '\n'))) {
			at.line++;
			at.column = 1;
			continue;
		}
		if (escaped) {
			escaped = false;
		} else if (in_string) {
			escaped = c == '\\';
			in_string = c != '"';
		} else if (c == '"') {
			in_string = true;
		} else if (scan_token(s, c, at, err)) {
			return -1;
		}
		/* UTF-8 continuation bytes continue a code point. */
		if ((c & 0xc0) != 0x80)
			at.column++;
	}
	return 0;
}

/* A stack frame of the walk: an object or array and where its members
 * are; iter for an object, index for an array. */
struct frame {
	json_t *v;
	void *iter;
	size_t index;
};

struct walk {
	struct frame *frames;
	size_t depth, cap;
	const json_t **objects;     /* in the order met */
	size_t objects_count;
};

static json_t *next_member(struct frame *f)
{
	json_t *m;

	if (json_is_array(f->v))
		return json_array_get(f->v, f->index++);
	if (!f->iter)
		return NULL;
	m = json_object_iter_value(f->iter);
	f->iter = json_object_iter_next(f->v, f->iter);
	return m;
}

/* Meets v in pre-order: an object is listed; an object or array is
 * entered. */
static int enter(struct walk *w, json_t *v, gate_err *err)
{
	struct frame *frames;
	const json_t **slot;

	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (json_is_object(v)) {
		if (!(slot = gate_array_push(&w->objects, &w->objects_count, sizeof(*slot), err)))
			return -1;
		*slot = v;
	}
	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		if (w->cap > SIZE_MAX / sizeof(*frames) ||
		    !(frames = realloc(w->frames, w->cap * sizeof(*frames))))
			return gate_err_nomem(err);
		w->frames = frames;
	}
	w->frames[w->depth++] = (struct frame){ v, json_is_object(v) ? json_object_iter(v) : NULL, 0 };
	return 0;
}

/* Every object of root, in pre-order, into w->objects. */
static int walk_objects(struct walk *w, json_t *root, gate_err *err)
{
	json_t *m;

	if (enter(w, root, err))
		return -1;
	while (w->depth) {
		if (!(m = next_member(&w->frames[w->depth - 1])))
			w->depth--;
		else if (enter(w, m, err))
			return -1;
	}
	return 0;
}

/* Whether the text's objects are the tree's, one for one and each with
 * as many members. */
static bool same_objects(const struct scan *s, const struct walk *w)
{
	size_t i;

	if (s->objects_count != w->objects_count)
		return false;
	for (i = 0; i < s->objects_count; i++)
		if (s->objects[i].members != json_object_size(w->objects[i]))
			return false;
	return true;
}

int gate_json_pos_scan(gate_json_pos *p, json_t *root, const char *buf, size_t len, gate_err *err)
{
	struct scan s = { 0 };
	struct walk w = { 0 };
	size_t i;
	int rc;

	/* Lines and columns of a longer text would not fit; gate reads no
	 * more than GATE_MAX_TEMPLATE_SIZE. */
	if (len >= UINT_MAX)
		return 0;
	rc = scan_objects(&s, buf, len, err) || walk_objects(&w, root, err) ? -1 : 0;
	/* Unless they pair up one to one, every position would be suspect. */
	if (!rc && same_objects(&s, &w))
		for (i = 0; !rc && i < s.objects_count; i++)
			rc = gate_json_pos_set(p, w.objects[i], s.objects[i].at, err);
	free(w.frames);
	free(w.objects);
	free(s.objects);
	free(s.open);
	return rc;
}
