#include "report/verify_report.h"

#include <string.h>

#include "base/escape.h"

#define RED    "\033[31m"
#define YELLOW "\033[33m"
#define GREEN  "\033[32m"
#define DIM    "\033[2m"
#define RESET  "\033[0m"

/* Layer hashes are 64 hex digits; 12 tell them apart on a screen and the
 * JSON report has them whole. */
#define SHORT_HASH 12

static const char *verdict_colour(enum gate_verdict v)
{
	switch (v) {
	case GATE_VERDICT_PASS: return GREEN;
	case GATE_VERDICT_DENY: return RED;
	case GATE_VERDICT_UNVERIFIED: return YELLOW;
	default: return DIM;
	}
}

static void put_coloured(FILE *f, bool colour, const char *code, const char *text)
{
	fprintf(f, "%s%s%s", colour ? code : "", text, colour ? RESET : "");
}

static void put_short(FILE *f, const char *hash)
{
	if (!hash)
		fputs("(none)", f);
	else
		fprintf(f, "%.*s", SHORT_HASH, hash);
}

/* The changed positions of a layers.* finding, one line each, counted from 1
 * as `hash -v` and the registry's errors count them (JSON keeps the index). */
static void put_positions(FILE *f, const struct gate_finding *fd)
{
	json_t *pos = json_object_get(fd->details, "positions"), *p;
	size_t i;

	json_array_foreach(pos, i, p) {
		fprintf(f, "          layer %lld: policy ",
			(long long)json_integer_value(json_object_get(p, "position")) + 1);
		put_short(f, json_string_value(json_object_get(p, "policy")));
		fputs("  registry ", f);
		put_short(f, json_string_value(json_object_get(p, "registry")));
		fputc('\n', f);
	}
}

static void put_expected(FILE *f, const struct gate_finding *fd)
{
	json_t *exp = json_object_get(fd->details, "expected");
	json_t *act = json_object_get(fd->details, "actual");
	char *s;

	if (!exp && !act)
		return;
	fputs("          expected ", f);
	s = exp ? json_dumps(exp, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	gate_put_escaped(f, s);
	free(s);
	fputs("\n          actual   ", f);
	s = act ? json_dumps(act, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	gate_put_escaped(f, s);
	free(s);
	fputc('\n', f);
}

static void put_finding(FILE *f, const struct gate_finding *fd, bool colour)
{
	fputs("    ", f);
	put_coloured(f, colour, fd->severity == GATE_SEVERITY_DENY ? RED : YELLOW,
		     gate_severity_name(fd->severity));
	fprintf(f, " %s: ", gate_rules[fd->rule].id);
	gate_put_escaped(f, fd->message);
	fputc('\n', f);
	put_positions(f, fd);
	put_expected(f, fd);
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* "  FILE:LINE" when the line is known, for editors and terminals that
 * open it. */
static void put_place(FILE *f, const char *file, unsigned line)
{
	if (!line)
		return;
	fputs("  ", f);
	gate_put_escaped(f, file);
	fprintf(f, ":%u", line);
}

static void put_container(FILE *f, const struct gate_verify_report *r,
			  const struct gate_verify_container *c, bool colour)
{
	const struct gate_verify_group *g = &r->groups[c->group];
	size_t i;

	gate_put_escaped(f, g->name);
	fputc('/', f);
	gate_put_escaped(f, c->name);
	fputs("  ", f);
	gate_put_escaped(f, c->image);
	fputs("  ", f);
	fputs(c->digest ? c->digest : "-", f);
	fputs("  ", f);
	put_coloured(f, colour, verdict_colour(c->verdict), gate_verdict_name(c->verdict));
	put_place(f, g->file, c->line);
	fputc('\n', f);
	if (c->reason) {
		gate_put_line(f, "    ", c->reason);
	}
	for (i = 0; i < r->findings_count; i++) {
		const struct gate_finding *fd = &r->findings[i];

		if (fd->container && same(fd->file, g->file) && same(fd->group, g->name) &&
		    same(fd->container, c->name))
			put_finding(f, fd, colour);
	}
}

/* Whether a template container of group gi has this name: findings about
 * a policy container (policy.allow_elevated, ...) name one that is not. */
static bool template_container(const struct gate_verify_report *r, size_t gi, const char *name)
{
	for (size_t c = 0; c < r->containers_count; c++)
		if (r->containers[c].group == gi && same(r->containers[c].name, name))
			return true;
	return false;
}

static void put_group_findings(FILE *f, const struct gate_verify_report *r, size_t gi, bool colour)
{
	const struct gate_verify_group *g = &r->groups[gi];
	size_t i;
	bool header = false;

	for (i = 0; i < r->findings_count; i++) {
		const struct gate_finding *fd = &r->findings[i];

		if ((fd->container && template_container(r, gi, fd->container)) ||
		    !same(fd->file, g->file) || !same(fd->group, g->name))
			continue;
		if (!header) {
			gate_put_escaped(f, g->name);
			fputs("  (group)", f);
			put_place(f, g->file, g->line);
			fputc('\n', f);
			header = true;
		}
		put_finding(f, fd, colour);
	}
}

void gate_report_verify_text(FILE *f, const struct gate_verify_report *r, bool colour)
{
	size_t g, c, counts[GATE_VERDICT_SKIPPED + 1] = { 0 };
	static const char *const result[] = { "pass", "fail", "unverified" };
	static const char *const result_colour[] = { GREEN, RED, YELLOW };

	for (g = 0; g < r->groups_count; g++) {
		put_group_findings(f, r, g, colour);
		for (c = 0; c < r->containers_count; c++)
			if (r->containers[c].group == g)
				put_container(f, r, &r->containers[c], colour);
	}
	for (c = 0; c < r->containers_count; c++)
		counts[r->containers[c].verdict]++;
	put_coloured(f, colour, result_colour[r->result], result[r->result]);
	fprintf(f, ": %zu container%s: %zu pass, %zu deny, %zu unverified, %zu covered, %zu skipped; "
		"%zu image%s in %.1f s\n",
		r->containers_count, r->containers_count == 1 ? "" : "s",
		counts[GATE_VERDICT_PASS], counts[GATE_VERDICT_DENY], counts[GATE_VERDICT_UNVERIFIED],
		counts[GATE_VERDICT_COVERED], counts[GATE_VERDICT_SKIPPED],
		r->images_count, r->images_count == 1 ? "" : "s", r->total_seconds);
}
