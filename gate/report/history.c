#include "report/history.h"

#include <jansson.h>
#include <time.h>

#include "base/escape.h"

static void format_time(char buf[32], int64_t seen)
{
	time_t t = (time_t)seen;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "%lld", (long long)seen);
}

void gate_report_history_text(FILE *f, const char *ref, const struct gate_history_entry *v, size_t n)
{
	char when[32];
	size_t i, j;

	fputs("history of ", f);
	gate_put_escaped(f, ref);
	fprintf(f, ": %zu run%s\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		format_time(when, v[i].seen);
		fprintf(f, "%s  %s  %zu layer%s\n", when, v[i].digest, v[i].layers.n,
			v[i].layers.n == 1 ? "" : "s");
		for (j = 0; j < v[i].layers.n; j++)
			fprintf(f, "    %s\n", v[i].layers.v[j]);
	}
}

int gate_report_history_json(FILE *f, const char *ref, const struct gate_history_entry *v, size_t n)
{
	json_t *doc = json_pack("{s:s, s:[]}", "reference", ref, "entries");
	json_t *entries = json_object_get(doc, "entries");
	char when[32];
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++) {
		json_t *layers = json_array();

		for (j = 0; j < v[i].layers.n; j++)
			json_array_append_new(layers, json_string(v[i].layers.v[j]));
		format_time(when, v[i].seen);
		json_array_append_new(entries, json_pack("{s:s, s:s, s:o}", "digest", v[i].digest,
							 "seen_at", when, "layers", layers));
	}
	rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', f);
	json_decref(doc);
	return rc || ferror(f) ? -1 : 0;
}
