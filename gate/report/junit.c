#include "report/verify_report.h"

#include <string.h>

/*
 * The shape, for Azure Pipelines (PublishTestResults, JUnit) and GitLab:
 *
 *   <testsuites name="gate verify" tests= failures= errors="0" skipped= time=>
 *     <testsuite name=FILE ...>                      one per input file
 *       <properties><property name="gate_version" value=/></properties>
 *       <testcase classname="FILE/GROUP" name=CONTAINER file=FILE line= time="0">
 *         <properties> image, digest, verdict, policy_container </properties>
 *         <failure message= type=RULE>each finding</failure>   deny
 *         <skipped message=REASON/>                  unverified, covered, skipped
 *         <system-out>each finding</system-out>      warn findings of a pass
 *
 * Findings about a whole group go with each of its containers.  Those no
 * container testcase shows (a group without containers, a policy container
 * no template container is named after) get a testcase "(policy)" of the
 * group; findings about a whole input one named "(input)".  line is where
 * the container's object starts, the group's for "(policy)", and left out
 * when unknown.  Testcase properties, file and line are not in the 2006
 * Ant schema, but Azure, GitLab and Jenkins read past them, as they do
 * pytest's, which writes the same file and line.
 */

/* One testcase: a container, the group's orphans, or the input's. */
struct tcase {
	const char *file;
	const char *group;                          /* NULL for "(input)" */
	const struct gate_verify_container *c;     /* NULL for "(policy)" and "(input)" */
	const struct gate_verify_report *r;
	unsigned line;                              /* 0: unknown */
};

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool names_container_of(const struct gate_verify_report *r, size_t g, const char *name)
{
	size_t i;

	for (i = 0; i < r->containers_count; i++)
		if (r->containers[i].group == g && same(r->containers[i].name, name))
			return true;
	return false;
}

static size_t group_index(const struct gate_verify_report *r, const char *file, const char *name)
{
	size_t g;

	for (g = 0; g < r->groups_count; g++)
		if (same(r->groups[g].file, file) && same(r->groups[g].name, name))
			break;
	return g;
}

static bool has_containers(const struct gate_verify_report *r, size_t g)
{
	size_t i;

	for (i = 0; i < r->containers_count; i++)
		if (r->containers[i].group == g)
			return true;
	return false;
}

/* Whether finding fd is shown in testcase t. */
static bool shows(const struct tcase *t, const struct gate_finding *fd)
{
	size_t g;

	if (!same(fd->file, t->file) || !same(fd->group, t->group))
		return false;
	if (t->c)
		return !fd->container || same(fd->container, t->c->name);
	if (!t->group)
		return true;
	g = group_index(t->r, t->file, t->group);
	return fd->container ? !names_container_of(t->r, g, fd->container)
			     : !has_containers(t->r, g);
}

enum outcome { PASSED, FAILED, SKIPPED };

static enum outcome outcome_of(const struct tcase *t, size_t *shown)
{
	bool deny = t->c && t->c->verdict == GATE_VERDICT_DENY;
	size_t i;

	*shown = 0;
	for (i = 0; i < t->r->findings_count; i++)
		if (shows(t, &t->r->findings[i])) {
			++*shown;
			deny |= t->r->findings[i].severity == GATE_SEVERITY_DENY;
		}
	if (deny)
		return FAILED;
	if (t->c && t->c->verdict != GATE_VERDICT_PASS)
		return SKIPPED;
	return PASSED;
}

/* ---- XML ---- */

/* Length of the valid UTF-8 sequence at s that XML 1.0 allows as a Char,
 * or 0: overlong forms, surrogates, code points past U+10FFFF and
 * U+FFFE/U+FFFF are not text an XML parser will take. */
static size_t xml_char_len(const unsigned char *s)
{
	size_t n, i;
	unsigned long cp;

	if (s[0] < 0xc2)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (!n || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* Writes s as XML character data or, with attr, as an attribute value.
 * What XML cannot carry (control bytes but tab and newlines, bytes that
 * are not UTF-8) is written as the text \xNN, like base/escape's
 * terminal output; in attributes, tab and newlines become references so
 * that parsers keep them. */
static void xml_put(FILE *f, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	while (*p) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\t': case '\n': case '\r':
			if (attr)
				fprintf(f, "&#%d;", *p);
			else
				fputc(*p, f);
			break;
		default:
			if (*p >= 0x20 && *p < 0x80) {
				fputc(*p, f);
			} else if ((n = xml_char_len(p))) {
				fwrite(p, 1, n, f);
				p += n;
				continue;
			} else {
				fprintf(f, "\\x%02X", *p);
			}
		}
		p++;
	}
}

static void put_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	xml_put(f, value, true);
	fputc('"', f);
}

static void put_property(FILE *f, int indent, const char *name, const char *value)
{
	if (!value)
		return;
	fprintf(f, "%*s<property name=\"%s\" value=\"", indent, "", name);
	xml_put(f, value, true);
	fputs("\"/>\n", f);
}

/* Each finding t shows, one line: "deny layers.drift: message". */
static void put_findings(FILE *f, const struct tcase *t)
{
	size_t i;

	for (i = 0; i < t->r->findings_count; i++) {
		const struct gate_finding *fd = &t->r->findings[i];

		if (!shows(t, fd))
			continue;
		fprintf(f, "%s %s: ", gate_severity_name(fd->severity), gate_rules[fd->rule].id);
		xml_put(f, fd->message, false);
		fputc('\n', f);
	}
}

static const struct gate_finding *first_deny(const struct tcase *t)
{
	size_t i;

	for (i = 0; i < t->r->findings_count; i++)
		if (t->r->findings[i].severity == GATE_SEVERITY_DENY && shows(t, &t->r->findings[i]))
			return &t->r->findings[i];
	return NULL;
}

static void put_failure(FILE *f, const struct tcase *t)
{
	const struct gate_finding *fd = first_deny(t);

	fputs("      <failure", f);
	put_attr(f, "message", fd ? fd->message : "the guest would refuse this container");
	put_attr(f, "type", fd ? gate_rules[fd->rule].id : "deny");
	fputs(">", f);
	put_findings(f, t);
	fputs("</failure>\n", f);
}

static void put_testcase(FILE *f, const struct tcase *t)
{
	const struct gate_verify_container *c = t->c;
	enum outcome o;
	size_t shown;

	fputs("    <testcase", f);
	fputs(" classname=\"", f);
	xml_put(f, t->file, true);
	if (t->group) {
		fputc('/', f);
		xml_put(f, t->group, true);
	}
	fputc('"', f);
	put_attr(f, "name", c ? (c->name ? c->name : "unnamed") : t->group ? "(policy)" : "(input)");
	put_attr(f, "file", t->file);
	if (t->line)
		fprintf(f, " line=\"%u\"", t->line);
	fputs(" time=\"0\">\n", f);
	if (c) {
		fputs("      <properties>\n", f);
		put_property(f, 8, "image", c->image);
		put_property(f, 8, "digest", c->digest);
		put_property(f, 8, "verdict", gate_verdict_name(c->verdict));
		put_property(f, 8, "policy_container", c->policy_match);
		fputs("      </properties>\n", f);
	}
	o = outcome_of(t, &shown);
	if (o == FAILED) {
		put_failure(f, t);
	} else {
		if (o == SKIPPED) {
			fputs("      <skipped", f);
			put_attr(f, "message", c->reason ? c->reason : gate_verdict_name(c->verdict));
			fputs("/>\n", f);
		}
		if (shown) {
			fputs("      <system-out>", f);
			put_findings(f, t);
			fputs("</system-out>\n", f);
		}
	}
	fputs("    </testcase>\n", f);
}

/* ---- suites ---- */

/* Writes testcase t to f or, with f NULL, counts its outcome.  A
 * "(policy)" or "(input)" testcase exists only when it shows a finding.
 * Returns 1 if t exists, else 0. */
static size_t visit(const struct tcase *t, FILE *f, size_t counts[3])
{
	size_t shown;
	enum outcome o = outcome_of(t, &shown);

	if (!t->c && !shown)
		return 0;
	if (f)
		put_testcase(f, t);
	else
		counts[o]++;
	return 1;
}

/* Visits every testcase of file, in report order; returns their number. */
static size_t each_case(const struct gate_verify_report *r, const char *file, FILE *f,
			size_t counts[3])
{
	struct tcase t = { file, NULL, NULL, r, 0 };
	size_t g, i, n = 0;

	for (g = 0; g < r->groups_count; g++) {
		if (!same(r->groups[g].file, file))
			continue;
		t.group = r->groups[g].name;
		for (i = 0; i < r->containers_count; i++) {
			t.c = &r->containers[i];
			t.line = t.c->line;
			if (t.c->group == g)
				n += visit(&t, f, counts);
		}
		t.c = NULL;
		t.line = r->groups[g].line;
		n += visit(&t, f, counts);
	}
	t.group = NULL;
	t.line = 0;
	return n + visit(&t, f, counts);
}

/* The files of the report, each once, in the order they first appear. */
static bool seen_before(const struct gate_verify_report *r, size_t g)
{
	size_t i;

	for (i = 0; i < g; i++)
		if (same(r->groups[i].file, r->groups[g].file))
			return true;
	return false;
}

int gate_report_verify_junit(FILE *f, const struct gate_verify_report *r, const char *version)
{
	size_t total[3] = { 0 }, counts[3], g, n;

	for (g = 0; g < r->groups_count; g++)
		if (!seen_before(r, g))
			each_case(r, r->groups[g].file, NULL, total);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"gate verify\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
		   " skipped=\"%zu\" time=\"%.3f\">\n",
		total[PASSED] + total[FAILED] + total[SKIPPED], total[FAILED], total[SKIPPED],
		r->total_seconds);
	for (g = 0; g < r->groups_count; g++) {
		if (seen_before(r, g))
			continue;
		memset(counts, 0, sizeof(counts));
		n = each_case(r, r->groups[g].file, NULL, counts);
		fputs("  <testsuite", f);
		put_attr(f, "name", r->groups[g].file);
		fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\">\n",
			n, counts[FAILED], counts[SKIPPED]);
		fputs("    <properties>\n", f);
		put_property(f, 6, "gate_version", version);
		fputs("    </properties>\n", f);
		each_case(r, r->groups[g].file, f, NULL);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return ferror(f) ? -1 : 0;
}
