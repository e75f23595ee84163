#include "verify/guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Volume kinds as ACI mounts them into the sandbox, and as confcom writes
 * their sources (POLICY-FORMAT.md 4.3, mount.source_table). */
static const struct {
	const char *volume_type;
	const char *dir;
} volume_dirs[] = {
	{ "azureFile", "azureFileVolume" },
	{ "secret", "secretsVolume" },
	{ "emptyDir", "emptydir" },
	{ "gitRepo", "gitRepoVolume" },
};

static int set_unknown(struct gate_guest *g, gate_err *err, const char *what, const char *value)
{
	if (g->unknown)
		return 0;
	if (asprintf(&g->unknown, "%s is known only at deployment (%s)", what, value) < 0)
		return gate_err_nomem(err);
	return 0;
}

static int push_all(struct gate_strv *dst, const struct gate_strv *src, gate_err *err)
{
	for (size_t i = 0; i < src->n; i++)
		if (gate_strv_push(dst, src->v[i], strlen(src->v[i]), err))
			return -1;
	return 0;
}

/* Kubernetes: command replaces Entrypoint and args replace Cmd, and a
 * command without args drops Cmd.  ACI's command replaces both. */
static int build_argv(struct gate_guest *g, const struct gate_container *c,
		      const struct gate_image_config *cfg, gate_err *err)
{
	size_t i;

	if (c->has_command ? push_all(&g->argv, &c->command, err)
			   : push_all(&g->argv, &cfg->entrypoint, err))
		return -1;
	if (c->has_args ? push_all(&g->argv, &c->args, err)
			: !c->has_command && push_all(&g->argv, &cfg->cmd, err))
		return -1;
	for (i = 0; i < g->argv.n; i++)
		if (gate_value_is_unresolved(g->argv.v[i]))
			return set_unknown(g, err, "the command", g->argv.v[i]);
	return 0;
}

/* The last image entry named name, as containerd's
 * replaceOrAppendEnvValues indexes them, or NULL. */
static struct gate_admit_env *last_named(struct gate_guest *g, size_t image_count, const char *name)
{
	for (size_t i = image_count; i-- > 0;)
		if (!strcmp(g->env[i].name, name))
			return &g->env[i];
	return NULL;
}

static struct gate_admit_env *append_env(struct gate_guest *g, gate_err *err)
{
	return gate_array_push(&g->env, &g->env_count, sizeof(*g->env), err);
}

/* As containerd builds process.env: the image's entries in order (each
 * one, duplicates too; an entry without '=' is dropped), then each
 * template variable replaces the last image entry of its name or is
 * appended.  Names and values point into the model, the image config or
 * strings, which outlive the guest's input. */
static int build_env(struct gate_guest *g, const struct gate_container *c,
		     const struct gate_image_config *cfg, gate_err *err)
{
	static const char *const aci[][2] = { { "TERM", "xterm" }, { "HOSTNAME", GATE_GUEST_HOSTNAME } };
	struct gate_admit_env *e;
	size_t i, image_count;

	for (i = 0; i < cfg->env.n; i++) {
		const char *kv = cfg->env.v[i], *eq = strchr(kv, '=');

		if (!eq)
			continue;
		if (gate_strv_push(&g->strings, kv, (size_t)(eq - kv), err) || !(e = append_env(g, err)))
			return -1;
		e->name = g->strings.v[g->strings.n - 1];
		e->value = eq + 1;
	}
	image_count = g->env_count;
	for (i = 0; i < c->env_count; i++) {
		const struct gate_env *te = &c->env[i];

		if (gate_value_is_unresolved(te->name))
			return set_unknown(g, err, "an environment variable's name", te->name);
		if (!(e = last_named(g, image_count, te->name)) && !(e = append_env(g, err)))
			return -1;
		e->name = te->name;
		e->value = te->value && !gate_value_is_unresolved(te->value) ? te->value : NULL;
		e->secure = te->secure;
	}
	for (i = 0; i < sizeof(aci) / sizeof(aci[0]); i++) {
		bool set = false;

		for (size_t k = 0; k < g->env_count; k++)
			set |= !strcmp(g->env[k].name, aci[i][0]);
		if (set)
			continue;
		if (!(e = append_env(g, err)))
			return -1;
		e->name = aci[i][0];
		e->value = aci[i][1];
	}
	return 0;
}

static const char *keep(struct gate_guest *g, const char *s, gate_err *err)
{
	if (gate_strv_push(&g->strings, s, strlen(s), err))
		return NULL;
	return g->strings.v[g->strings.n - 1];
}

static int build_mounts(struct gate_guest *g, const struct gate_container *c, gate_err *err)
{
	static const char *const rw[] = { "rbind", "rshared", "rw" };
	static const char *const ro[] = { "rbind", "rshared", "ro" };
	struct gate_admit_mount *m;
	size_t i, k;

	for (i = 0; i < c->mounts_count; i++) {
		const struct gate_mount *tm = &c->mounts[i];
		char *src = NULL;

		if (gate_value_is_unresolved(tm->mount_path))
			return set_unknown(g, err, "a volume's mount path", tm->mount_path);
		if (!(m = gate_array_push(&g->mounts, &g->mounts_count, sizeof(*m), err)))
			return -1;
		m->destination = tm->mount_path;
		m->type = "bind";
		m->options = tm->read_only ? ro : rw;
		m->options_count = 3;
		for (k = 0; tm->volume_type && k < sizeof(volume_dirs) / sizeof(volume_dirs[0]); k++)
			if (!strcmp(tm->volume_type, volume_dirs[k].volume_type) &&
			    asprintf(&src, "sandbox:///tmp/atlas/%s/%s", volume_dirs[k].dir,
				     tm->name ? tm->name : "volume") < 0)
				return gate_err_nomem(err);
		/* An unknown volume kind's source is unknown: never a match. */
		m->source = src ? keep(g, src, err) : NULL;
		free(src);
		if (src && !m->source)
			return -1;
	}
	m = gate_array_push(&g->mounts, &g->mounts_count, sizeof(*m), err);
	if (!m)
		return -1;
	*m = gate_admit_resolv_conf_mount;
	return 0;
}

/* securityContext capabilities add/drop, applied to the runtime's
 * defaults in the sets the runtime fills (all but ambient). */
static int build_caps(struct gate_guest *g, const struct gate_security_context *sc, bool privileged,
		      gate_err *err)
{
	const struct gate_admit_caps *def = gate_admit_caps_default(privileged);
	size_t s, i, j;

	if (!sc->cap_add.n && !sc->cap_drop.n)
		return 0;
	if (gate_strv_unresolved(&sc->cap_add) || gate_strv_unresolved(&sc->cap_drop))
		return set_unknown(g, err, "a capability",
				   gate_strv_unresolved(&sc->cap_add) ? gate_strv_unresolved(&sc->cap_add)
								      : gate_strv_unresolved(&sc->cap_drop));
	for (s = 0; s < GATE_CAPS_SET_COUNT; s++) {
		struct gate_strv *out = &g->caps_names[s];

		for (i = 0; i < def->n[s]; i++) {
			bool dropped = false;

			for (j = 0; j < sc->cap_drop.n; j++)
				dropped |= !strcmp(sc->cap_drop.v[j], "ALL") ||
					   !strcmp(sc->cap_drop.v[j], def->v[s][i]) ||
					   !strcmp(sc->cap_drop.v[j], def->v[s][i] + 4);
			if (!dropped && gate_strv_push(out, def->v[s][i], strlen(def->v[s][i]), err))
				return -1;
		}
		for (j = 0; s != GATE_CAPS_AMBIENT && s != GATE_CAPS_INHERITABLE && j < sc->cap_add.n; j++) {
			char *name;

			if (asprintf(&name, "%s%s", strncmp(sc->cap_add.v[j], "CAP_", 4) ? "CAP_" : "",
				     sc->cap_add.v[j]) < 0)
				return gate_err_nomem(err);
			i = gate_strv_push(out, name, strlen(name), err);
			free(name);
			if (i)
				return -1;
		}
		g->caps.v[s] = (const char *const *)out->v;
		g->caps.n[s] = out->n;
	}
	g->in.caps = &g->caps;
	return 0;
}

static int build_user(struct gate_guest *g, const struct gate_security_context *sc,
		      const struct gate_image_config *cfg, gate_err *err)
{
	char id[32];

	if (gate_admit_user_parse(&g->user, cfg->user, err))
		return -1;
	/* runAsUser/runAsGroup give ids; the names then come from the
	 * image's /etc/passwd, which gate does not read. */
	if (sc->has_run_as_user) {
		snprintf(id, sizeof(id), "%lld", sc->run_as_user);
		free(g->user.user.id);
		free(g->user.user.name);
		g->user.user.name = NULL;
		if (!(g->user.user.id = gate_strdup(id, err)))
			return -1;
	}
	if (sc->has_run_as_group) {
		snprintf(id, sizeof(id), "%lld", sc->run_as_group);
		free(g->user.group.id);
		free(g->user.group.name);
		g->user.group.name = NULL;
		if (!(g->user.group.id = gate_strdup(id, err)))
			return -1;
	}
	return 0;
}

int gate_guest_build(struct gate_guest *g, const struct gate_container *c,
		     const struct gate_image_config *cfg, const struct gate_policy *p, gate_err *err)
{
	const struct gate_security_context *sc = &c->security_context;
	bool privileged = sc->privileged == 1;

	if (build_argv(g, c, cfg, err) || build_env(g, c, cfg, err) || build_user(g, sc, cfg, err) ||
	    build_mounts(g, c, err) || build_caps(g, sc, privileged, err))
		return -1;
	g->in.argv = (const char *const *)g->argv.v;
	g->in.argc = g->argv.n;
	g->in.env = g->env;
	g->in.env_count = g->env_count;
	g->in.working_dir = c->working_dir ? c->working_dir : cfg->working_dir ? cfg->working_dir : "/";
	if (c->working_dir && gate_value_is_unresolved(c->working_dir) &&
	    set_unknown(g, err, "the working directory", c->working_dir))
		return -1;
	/* seccomp_ok compares the sha256 the guest computes over the profile's
	 * normalised JSON; gate does not reproduce that normalisation yet. */
	if (sc->seccomp_profile && !g->unknown &&
	    asprintf(&g->unknown, "the template sets a seccomp profile, whose hash the guest "
		     "computes and gate does not") < 0)
		return gate_err_nomem(err);
	g->in.user = &g->user;
	g->in.privileged = privileged;
	g->in.no_new_privileges = sc->allow_privilege_escalation == 0;
	g->in.mounts = g->mounts;
	g->in.mounts_count = g->mounts_count;
	g->in.flags = p->flags;
	g->in.framework_version = p->framework_version;
	return 0;
}

void gate_guest_free(struct gate_guest *g)
{
	size_t s;

	gate_strv_free(&g->argv);
	free(g->env);
	gate_admit_user_free(&g->user);
	free(g->mounts);
	gate_strv_free(&g->strings);
	for (s = 0; s < GATE_CAPS_SET_COUNT; s++)
		gate_strv_free(&g->caps_names[s]);
	free(g->unknown);
	memset(g, 0, sizeof(*g));
}
