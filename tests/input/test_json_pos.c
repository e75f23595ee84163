/*
 * test_json_pos.c - the JSON position index (input/json_pos.h) on small
 * texts whose positions are counted by hand.
 */
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "input/json_pos.h"

/* Parses text as the ARM reader does and indexes it. */
static gate_json_pos *index_of(json_t **root, const char *text)
{
	gate_json_pos *p = NULL;
	gate_err err = GATE_ERR_INIT;

	*root = json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, NULL);
	if (!CHECK_MSG(*root, "'%s' does not parse", text) || gate_json_pos_new(&p, &err) ||
	    !CHECK_MSG(!gate_json_pos_scan(p, *root, text, strlen(text), &err), "%s", err.msg)) {
		gate_json_pos_free(p);
		return NULL;
	}
	return p;
}

#define CHECK_AT(p, v, l, c)                                                              \
	do {                                                                              \
		struct gate_text_pos at_ = gate_json_pos_get((p), (v));                   \
		CHECK_MSG(at_.line == (l) && at_.column == (c), "%s at %u:%u, want %u:%u", \
			  #v, at_.line, at_.column, (unsigned)(l), (unsigned)(c));        \
	} while (0)

/* Braces, brackets, quotes and backslashes inside strings are text. */
static void strings(void)
{
	const char *text = "{\"a{\": \"}[\\\"{\", \"b\\\\\": {\"c\": [{}]}}";
	json_t *root;
	gate_json_pos *p = index_of(&root, text);

	CHECK_AT(p, root, 1, 1);
	CHECK_AT(p, json_object_get(root, "b\\"), 1, 24);
	CHECK_AT(p, json_array_get(json_object_get(json_object_get(root, "b\\"), "c"), 0), 1, 31);
	/* scalars and arrays have no position */
	CHECK_AT(p, json_object_get(root, "a{"), 0, 0);
	CHECK_AT(p, json_object_get(json_object_get(root, "b\\"), "c"), 0, 0);
	gate_json_pos_free(p);
	json_decref(root);
}

/* CR LF is one break, a lone CR is one too; columns restart after it. */
static void line_breaks(void)
{
	const char *text = "[\r\n  {\r\n    \"x\": {}\r\n  },\r{},\n\n\t{}\r\n]";
	json_t *root;
	gate_json_pos *p = index_of(&root, text);

	CHECK_AT(p, json_array_get(root, 0), 2, 3);
	CHECK_AT(p, json_object_get(json_array_get(root, 0), "x"), 3, 10);
	CHECK_AT(p, json_array_get(root, 1), 5, 1);
	CHECK_AT(p, json_array_get(root, 2), 7, 2);
	gate_json_pos_free(p);
	json_decref(root);
}

/* Columns count code points: U+00E9 is 2 bytes, U+1F600 4. */
static void utf8_columns(void)
{
	const char *text = "{\"\xc3\xa9\xf0\x9f\x98\x80\": {}}";
	json_t *root;
	gate_json_pos *p = index_of(&root, text);

	CHECK_AT(p, json_object_get(root, "\xc3\xa9\xf0\x9f\x98\x80"), 1, 8);
	gate_json_pos_free(p);
	json_decref(root);
}

/* A tree that is not the text's: nothing recorded, rather than lines
 * off by one. */
static void mismatch(void)
{
	const char *text = "[[], {}, {}]";
	json_t *root = json_loads("[{}]", 0, NULL);
	gate_json_pos *p = NULL;
	gate_err err = GATE_ERR_INIT;

	CHECK(!gate_json_pos_new(&p, &err));
	CHECK(!gate_json_pos_scan(p, root, text, strlen(text), &err));
	CHECK_AT(p, json_array_get(root, 0), 0, 0);
	/* a cut text has fewer objects than its tree */
	CHECK(!gate_json_pos_scan(p, root, text, 3, &err));
	CHECK_AT(p, json_array_get(root, 0), 0, 0);
	CHECK_AT((gate_json_pos *)NULL, root, 0, 0);
	CHECK_AT(p, (json_t *)NULL, 0, 0);
	gate_json_pos_free(p);
	json_decref(root);
}

/* As many objects in text and tree, but not as many members in each:
 * pairing them by order alone would put "a" at "b"'s brace. */
static void members_mismatch(void)
{
	const char *text = "{\"a\": {}, \"b\": {\"c\": 1, \"d\": \"{:,}\"}}";
	json_t *root = json_loads("{\"a\": {\"x\": 1, \"y\": 2}, \"b\": {}}", 0, NULL);
	json_t *same = json_loads("{\"a\": {}, \"b\": {\"c\": 1, \"d\": \":\"}}", 0, NULL);
	gate_json_pos *p = NULL;
	gate_err err = GATE_ERR_INIT;

	CHECK(!gate_json_pos_new(&p, &err));
	CHECK(!gate_json_pos_scan(p, root, text, strlen(text), &err));
	CHECK_AT(p, root, 0, 0);
	CHECK_AT(p, json_object_get(root, "a"), 0, 0);
	CHECK_AT(p, json_object_get(root, "b"), 0, 0);
	/* ':' and ',' inside strings are no members */
	CHECK(!gate_json_pos_scan(p, same, text, strlen(text), &err));
	CHECK_AT(p, json_object_get(same, "b"), 1, 16);
	gate_json_pos_free(p);
	json_decref(root);
	json_decref(same);
}

/* Many objects: the table grows and keeps every entry; set() again wins. */
static void many(void)
{
	enum { N = 5000 };
	size_t cap = N * 8 + 8, len = 0, i;
	char *text = malloc(cap);
	json_t *root;
	gate_json_pos *p;
	gate_err err = GATE_ERR_INIT;

	len += (size_t)snprintf(text + len, cap - len, "[");
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\n  {}", i ? "," : "");
	snprintf(text + len, cap - len, "\n]");
	p = index_of(&root, text);
	for (i = 0; i < N; i++)
		CHECK_AT(p, json_array_get(root, i), i + 2, 3);
	CHECK(!gate_json_pos_set(p, json_array_get(root, 7), (struct gate_text_pos){ 1, 1 }, &err));
	CHECK_AT(p, json_array_get(root, 7), 1, 1);
	CHECK_AT(p, json_array_get(root, 8), 10, 3);
	gate_json_pos_free(p);
	json_decref(root);
	free(text);
}

int main(void)
{
	strings();
	line_breaks();
	utf8_columns();
	mismatch();
	members_mismatch();
	many();
	return check_done();
}
