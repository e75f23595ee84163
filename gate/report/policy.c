/*
 * policy.c - printers for `gate policy`: the model of a deployment as
 * text, JSON or the decoded Rego, and the hostdata of its policies.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/policy.h"
#include "base/escape.h"

/* Untrusted text goes to a terminal: control bytes are shown as \xNN.
 * Backslashes stay as they are, since env rule regexes are full of them. */
static void put_strv(FILE *f, const struct gate_strv *sv)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < sv->n; i++) {
		fputs(i ? ", '" : "'", f);
		gate_put_escaped(f, sv->v[i]);
		fputc('\'', f);
	}
	fputc(']', f);
}

static void show_policy_container(FILE *f, const struct gate_policy_container *c, size_t i)
{
	size_t j;

	fprintf(f, "    [%zu] name ", i);
	gate_put_escaped(f, c->name);
	if (c->is_pause)
		fputs(" (pause container)", f);
	if (c->is_sidecar)
		fputs(" (ACI sidecar)", f);
	fputs("\n      id ", f);
	gate_put_escaped(f, c->id);
	fprintf(f, "\n      layers %zu\n", c->layers.n);
	for (j = 0; j < c->layers.n; j++)
		fprintf(f, "        %s\n", c->layers.v[j]);
	fputs("      command ", f);
	if (c->command_null)
		fputs("null", f);
	else
		put_strv(f, &c->command);
	fputs("\n      working_dir ", f);
	gate_put_escaped(f, c->working_dir);
	fprintf(f, "\n      allow_elevated %s\n", c->allow_elevated ? "true" : "false");
	for (j = 0; j < c->exec_processes_count; j++) {
		fputs("      exec ", f);
		put_strv(f, &c->exec_processes[j]);
		fputc('\n', f);
	}
	fprintf(f, "      env_rules %zu\n", c->env_rules_count);
	for (j = 0; j < c->env_rules_count; j++) {
		fputs("        ", f);
		gate_put_escaped(f, c->env_rules[j].strategy);
		fputs(c->env_rules[j].required ? " required " : " ", f);
		gate_put_escaped(f, c->env_rules[j].pattern);
		fputc('\n', f);
	}
}

static void show_policy(FILE *f, const struct gate_policy *p)
{
	size_t i;

	fprintf(f, "  policy %s, class %s\n", gate_policy_dialect_name(p->dialect),
		gate_policy_class_name(p->class));
	for (i = 0; i < p->reasons.n; i++) {
		gate_put_line(f, "    because ", p->reasons.v[i]);
	}
	if (p->class == GATE_POLICY_EMPTY) {
		fputs("  hostdata none\n", f);
		return;
	}
	fprintf(f, "  hostdata %s\n", p->hostdata);
	if (p->package) {
		gate_put_line(f, "  package ", p->package);
	}
	if (p->api_version || p->framework_version) {
		fprintf(f, "  %s ", p->svn_spelling ? "api_svn" : "api_version");
		gate_put_escaped(f, p->api_version);
		fprintf(f, ", %s ", p->svn_spelling ? "framework_svn" : "framework_version");
		gate_put_escaped(f, p->framework_version);
		fputc('\n', f);
	}
	if (p->svn) {
		gate_put_line(f, "  svn ", p->svn);
	}
	for (i = 0; i < GATE_FLAG_COUNT; i++)
		if (p->flags[i] >= 0)
			fprintf(f, "  %s %s\n", gate_policy_flag_names[i],
				p->flags[i] ? "true" : "false");
	for (i = 0; i < p->notes_count; i++) {
		fprintf(f, "  not read at line %u, column %u: ", p->notes[i].line, p->notes[i].col);
		gate_put_escaped(f, p->notes[i].msg);
		fputc('\n', f);
	}
	fprintf(f, "  fragments %zu\n", p->fragments_count);
	for (i = 0; i < p->fragments_count; i++) {
		const struct gate_fragment *fr = &p->fragments[i];

		fprintf(f, "    [%zu] ", i);
		gate_put_line(f, "feed ", fr->feed);
		gate_put_line(f, "      issuer ", fr->issuer);
		gate_put_line(f, "      minimum_svn ", fr->minimum_svn);
		fputs("      includes ", f);
		put_strv(f, &fr->includes);
		fputc('\n', f);
	}
	if (p->external_processes_count)
		fprintf(f, "  external_processes %zu\n", p->external_processes_count);
	fprintf(f, "  policy containers %zu\n", p->containers_count);
	for (i = 0; i < p->containers_count; i++)
		show_policy_container(f, &p->containers[i], i);
}

static void show_template_container(FILE *f, const struct gate_container *c, size_t i)
{
	const struct gate_security_context *sc = &c->security_context;
	size_t j;

	fprintf(f, "    [%zu] name ", i);
	gate_put_escaped(f, c->name);
	if (c->is_init)
		fputs(" (init container)", f);
	if (c->is_sidecar)
		fputs(" (ACI sidecar)", f);
	gate_put_line(f, "\n      image ", c->image);
	if (c->has_command) {
		fputs("      command ", f);
		put_strv(f, &c->command);
		fputc('\n', f);
	}
	if (c->has_args) {
		fputs("      args ", f);
		put_strv(f, &c->args);
		fputc('\n', f);
	}
	if (c->working_dir) {
		gate_put_line(f, "      working_dir ", c->working_dir);
	}
	for (j = 0; j < c->env_count; j++) {
		fputs("      env ", f);
		gate_put_escaped(f, c->env[j].name);
		/* Secrets stay out of CI logs. */
		if (c->env[j].secure)
			fputs(" (secure value)", f);
		else if (!c->env[j].value)
			fputs(" (value from the cluster)", f);
		else {
			fputc('=', f);
			gate_put_escaped(f, c->env[j].value);
		}
		fputc('\n', f);
	}
	for (j = 0; j < c->mounts_count; j++) {
		fputs("      mount ", f);
		gate_put_escaped(f, c->mounts[j].mount_path);
		fputs(" volume ", f);
		gate_put_escaped(f, c->mounts[j].name);
		fputs(" type ", f);
		gate_put_escaped(f, c->mounts[j].volume_type);
		fputs(c->mounts[j].read_only ? " ro\n" : " rw\n", f);
	}
	for (j = 0; j < c->exec_probes_count; j++) {
		fputs("      probe ", f);
		put_strv(f, &c->exec_probes[j]);
		fputc('\n', f);
	}
	if (sc->privileged >= 0)
		fprintf(f, "      privileged %s\n", sc->privileged ? "true" : "false");
	if (sc->allow_privilege_escalation >= 0)
		fprintf(f, "      allow_privilege_escalation %s\n",
			sc->allow_privilege_escalation ? "true" : "false");
	if (sc->has_run_as_user)
		fprintf(f, "      run_as_user %lld\n", sc->run_as_user);
	if (sc->has_run_as_group)
		fprintf(f, "      run_as_group %lld\n", sc->run_as_group);
	if (sc->cap_add.n || sc->cap_drop.n) {
		fputs("      capabilities add ", f);
		put_strv(f, &sc->cap_add);
		fputs(" drop ", f);
		put_strv(f, &sc->cap_drop);
		fputc('\n', f);
	}
	if (sc->seccomp_profile) {
		gate_put_line(f, "      seccomp_profile ", sc->seccomp_profile);
	}
}

void gate_report_model_text(FILE *f, const struct gate_model *m)
{
	size_t i, j;

	fputs("input ", f);
	gate_put_escaped(f, m->file);
	fprintf(f, " (%s)\n", m->format);
	for (i = 0; i < m->groups_count; i++) {
		const struct gate_group *g = &m->groups[i];

		fputs("\ngroup ", f);
		gate_put_escaped(f, g->name);
		gate_put_line(f, " at ", g->where);
		if (!g->has_policy)
			fputs("  policy none (no ccePolicy)\n", f);
		else
			show_policy(f, g->policy);
		if (g->containers_count)
			fprintf(f, "  template containers %zu\n", g->containers_count);
		for (j = 0; j < g->containers_count; j++)
			show_template_container(f, &g->containers[j], j);
	}
}

/* ---- JSON ---- */

static json_t *strv_json(const struct gate_strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *policy_json(const struct gate_policy *p)
{
	json_t *o, *flags = json_object(), *frags = json_array(), *ctrs = json_array();
	json_t *notes = json_array();
	size_t i;

	for (i = 0; i < GATE_FLAG_COUNT; i++)
		if (p->flags[i] >= 0)
			json_object_set_new(flags, gate_policy_flag_names[i], json_boolean(p->flags[i]));
	for (i = 0; i < p->fragments_count; i++)
		json_array_append_new(frags, json_pack("{s:o,s:o,s:o,s:o}",
			"feed", opt_string(p->fragments[i].feed),
			"issuer", opt_string(p->fragments[i].issuer),
			"minimum_svn", opt_string(p->fragments[i].minimum_svn),
			"includes", strv_json(&p->fragments[i].includes)));
	for (i = 0; i < p->containers_count; i++) {
		const struct gate_policy_container *c = &p->containers[i];

		/* The object as the policy spells it, unknown keys included,
		 * with what the gate concluded beside it. */
		json_array_append_new(ctrs, json_pack("{s:b,s:b,s:o}", "pause", c->is_pause,
						      "sidecar", c->is_sidecar, "rule",
						      json_loads(c->json, 0, NULL)));
	}
	for (i = 0; i < p->notes_count; i++)
		json_array_append_new(notes, json_pack("{s:I,s:I,s:s}", "line",
						       (json_int_t)p->notes[i].line, "column",
						       (json_int_t)p->notes[i].col, "message",
						       p->notes[i].msg));
	o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o}",
		      "dialect", gate_policy_dialect_name(p->dialect),
		      "class", gate_policy_class_name(p->class),
		      "reasons", strv_json(&p->reasons),
		      "hostdata", p->class == GATE_POLICY_EMPTY ? json_null() : json_string(p->hostdata),
		      "package", opt_string(p->package),
		      "api_version", opt_string(p->api_version),
		      "framework_version", opt_string(p->framework_version),
		      "svn", opt_string(p->svn),
		      "flags", flags,
		      "fragments", frags,
		      "containers", ctrs,
		      "external_processes", (json_int_t)p->external_processes_count,
		      "notes", notes);
	return o;
}

static json_t *template_container_json(const struct gate_container *c)
{
	const struct gate_security_context *sc = &c->security_context;
	json_t *env = json_array(), *mounts = json_array(), *probes = json_array();
	size_t i;

	for (i = 0; i < c->env_count; i++)
		json_array_append_new(env, json_pack("{s:s,s:o,s:b}", "name", c->env[i].name,
						     "value", c->env[i].secure ? json_null()
									       : opt_string(c->env[i].value),
						     "secure", c->env[i].secure));
	for (i = 0; i < c->mounts_count; i++)
		json_array_append_new(mounts, json_pack("{s:o,s:o,s:o,s:b}",
			"name", opt_string(c->mounts[i].name),
			"mount_path", opt_string(c->mounts[i].mount_path),
			"volume_type", opt_string(c->mounts[i].volume_type),
			"read_only", c->mounts[i].read_only));
	for (i = 0; i < c->exec_probes_count; i++)
		json_array_append_new(probes, strv_json(&c->exec_probes[i]));
	return json_pack("{s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:{s:o,s:o,s:o,s:o,s:o,s:o,s:o}}",
		"name", opt_string(c->name),
		"image", c->image,
		"command", c->has_command ? strv_json(&c->command) : json_null(),
		"args", c->has_args ? strv_json(&c->args) : json_null(),
		"working_dir", opt_string(c->working_dir),
		"env", env,
		"mounts", mounts,
		"exec_probes", probes,
		"init", c->is_init,
		"sidecar", c->is_sidecar,
		"security_context",
		"privileged", sc->privileged < 0 ? json_null() : json_boolean(sc->privileged),
		"allow_privilege_escalation", sc->allow_privilege_escalation < 0 ? json_null()
			: json_boolean(sc->allow_privilege_escalation),
		"run_as_user", sc->has_run_as_user ? json_integer(sc->run_as_user) : json_null(),
		"run_as_group", sc->has_run_as_group ? json_integer(sc->run_as_group) : json_null(),
		"cap_add", strv_json(&sc->cap_add),
		"cap_drop", strv_json(&sc->cap_drop),
		"seccomp_profile", opt_string(sc->seccomp_profile));
}

int gate_report_model_json(FILE *f, const struct gate_model *m, gate_err *err)
{
	json_t *groups = json_array(), *root, *ctrs;
	size_t i, j;
	int rc;

	for (i = 0; i < m->groups_count; i++) {
		const struct gate_group *g = &m->groups[i];

		ctrs = json_array();
		for (j = 0; j < g->containers_count; j++)
			json_array_append_new(ctrs, template_container_json(&g->containers[j]));
		json_array_append_new(groups, json_pack("{s:o,s:s,s:o,s:o}",
			"name", opt_string(g->name), "where", g->where,
			"policy", g->has_policy ? policy_json(g->policy) : json_null(),
			"containers", ctrs));
	}
	root = json_pack("{s:s,s:s,s:o}", "file", m->file, "input_format", m->format,
			 "groups", groups);
	/* json_pack() returns NULL when any part could not be built. */
	if (!root)
		return gate_err_nomem(err);
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', f);
	json_decref(root);
	return rc ? gate_err_set(err, GATE_EVERIFY, "cannot write the JSON report") : 0;
}

/* A group without a name (deployed JSON may have none) is told by where
 * it is. */
static const char *group_label(const struct gate_group *g)
{
	return g->name ? g->name : g->where;
}

/* Checked before printing anything: a partial list would read as
 * complete. */
static int need_policies(const struct gate_model *m, bool text_needed, gate_err *err)
{
	size_t i;

	for (i = 0; i < m->groups_count; i++) {
		const struct gate_group *g = &m->groups[i];

		if (!g->has_policy)
			return gate_err_set(err, GATE_EINPUT, "%s: group '%s' has no ccePolicy",
					    m->file, group_label(g));
		if (text_needed && g->policy->class == GATE_POLICY_EMPTY)
			return gate_err_set(err, GATE_EINPUT,
					    "%s: group '%s' has an empty ccePolicy: no hostdata",
					    m->file, group_label(g));
	}
	return 0;
}

int gate_report_policy_rego(FILE *f, const struct gate_model *m, gate_err *err)
{
	size_t i;

	if (need_policies(m, false, err))
		return -1;
	for (i = 0; i < m->groups_count; i++) {
		const struct gate_group *g = &m->groups[i];

		/* One group prints its text byte for byte, so that its sha256
		 * is the hostdata; several are told apart by a comment. */
		if (m->groups_count > 1) {
			fputs("# gate: group '", f);
			gate_put_escaped(f, group_label(g));
			fputs("'\n", f);
		}
		fwrite(g->policy->text, 1, g->policy->text_size, f);
	}
	return 0;
}

int gate_report_hostdata(FILE *f, const struct gate_model *m, gate_err *err)
{
	size_t i;

	if (need_policies(m, true, err))
		return -1;
	for (i = 0; i < m->groups_count; i++)
		fprintf(f, "%s\n", m->groups[i].policy->hostdata);
	return 0;
}
