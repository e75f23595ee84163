#include "input/input.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/limits.h"
#include "input/policy.h"
#include "input/template_arm.h"
#include "input/template_yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[] = {
	[GATE_INPUT_AUTO] = "auto",
	[GATE_INPUT_ARM] = "arm",
	[GATE_INPUT_ACI_JSON] = "aci-json",
	[GATE_INPUT_ACI_YAML] = "aci-yaml",
	[GATE_INPUT_K8S] = "k8s",
	[GATE_INPUT_REGO] = "rego",
	[GATE_INPUT_BASE64] = "base64",
};

int gate_input_format_parse(enum gate_input_format *out, const char *name, gate_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i])) {
			*out = (enum gate_input_format)i;
			return 0;
		}
	return gate_err_set(err, GATE_EINPUT, "unknown input format '%s' (one of auto, arm, "
			    "aci-json, aci-yaml, k8s, rego, base64)", name);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The first statement is 'package' once blank lines and comments are
 * skipped. */
static bool looks_like_rego(const char *p, const char *end)
{
	for (;;) {
		while (p < end && is_space(*p))
			p++;
		if (p < end && *p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		return end - p > 8 && !memcmp(p, "package", 7) && is_space(p[7]);
	}
}

/* Words with no ':' and no spaces cannot be a YAML mapping or list; strict
 * decoding then reports any character outside the alphabet.  The words may
 * be on several lines: the base64 tool wraps its output at 76 columns. */
static bool looks_like_base64(const char *p, const char *end)
{
	if (p == end)
		return false;
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r' &&
		    (is_space(*p) || *p == ':' || *p == '{' || *p == '['))
			return false;
	return true;
}

/* The base64 text without its line breaks, in a new buffer. */
static char *unwrap(const char *buf, size_t len, size_t *out_len, gate_err *err)
{
	char *out = malloc(len ? len : 1);
	size_t n = 0;

	if (!out) {
		gate_err_nomem(err);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\n' && buf[i] != '\r')
			out[n++] = buf[i];
	*out_len = n;
	return out;
}

static int bare_policy(struct gate_model *m, const char *name, const char *buf, size_t len,
		       bool base64, gate_err *err)
{
	struct gate_group *g = gate_array_push(&m->groups, &m->groups_count, sizeof(*g), err);
	const char *slash = strrchr(name, '/');

	if (!g || !(g->name = gate_strdup(slash ? slash + 1 : name, err)) ||
	    !(g->where = gate_strdup("policy file", err)))
		return -1;
	g->has_policy = true;
	if (base64) {
		/* A trailing newline from echo or an editor is not part of it. */
		while (len && is_space(*buf)) {
			buf++;
			len--;
		}
		while (len && is_space(buf[len - 1]))
			len--;
		{
			size_t n;
			char *text = unwrap(buf, len, &n, err);
			int rc;

			if (!text)
				return -1;
			rc = gate_policy_decode(&g->policy, text, n, err);
			free(text);
			/* the decoder's offsets count the text without breaks */
			if (rc && n != len)
				gate_err_prefix(err, "base64 with its line breaks removed");
			return rc;
		}
	}
	if (gate_policy_parse(&g->policy, buf, len, err))
		return -1;
	/* Read as policy text, a legacy JSON policy is labelled as such. */
	if (g->policy->dialect == GATE_DIALECT_LEGACY_JSON)
		m->format = gate_policy_dialect_name(GATE_DIALECT_LEGACY_JSON);
	return 0;
}

static enum gate_input_format detect(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *last = end;

	while (p < end && is_space(*p))
		p++;
	while (last > p && is_space(last[-1]))
		last--;
	/* Nothing at all is an empty policy, which is what an empty ccePolicy
	 * means too. */
	if (p == end || looks_like_rego(p, end))
		return GATE_INPUT_REGO;
	if (*p == '{' || *p == '[')
		return GATE_INPUT_ARM;      /* refined by the JSON reader */
	if (looks_like_base64(p, last))
		return GATE_INPUT_BASE64;
	return GATE_INPUT_ACI_YAML;         /* refined by the YAML reader */
}

/* Editors on Windows (and PowerShell's Out-File) start UTF-8 files with a
 * byte order mark, which ARM ignores and jansson refuses.  A template's
 * BOM goes; a bare policy keeps its bytes, which its hostdata covers. */
static void skip_bom(const char **buf, size_t *len)
{
	size_t n = gate_utf8_bom_size(*buf, *len);

	if (n) {                /* buf may be NULL: no parameters file */
		*buf += n;
		*len -= n;
	}
}

static int read_any(struct gate_model *m, const char *name, const char *buf, size_t len,
		    const char *params_name, const char *params, size_t params_len,
		    enum gate_input_format f, gate_err *err)
{
	enum gate_json_kind json_kind;
	enum gate_yaml_kind yaml_kind;
	bool guessed = f == GATE_INPUT_AUTO;
	const char *text = buf;
	size_t text_len = len;

	skip_bom(&text, &text_len);
	skip_bom(&params, &params_len);
	if (guessed)
		f = detect(text, text_len);
	if (params && f != GATE_INPUT_ARM)
		return gate_err_set(err, GATE_EINPUT, "-p applies to ARM templates only");
	switch (f) {
	case GATE_INPUT_ARM:
	case GATE_INPUT_ACI_JSON:
		json_kind = guessed ? GATE_JSON_AUTO : f == GATE_INPUT_ARM ? GATE_JSON_ARM
									 : GATE_JSON_DEPLOYED;
		if (gate_template_arm_read(m, text, text_len, params_name, params, params_len,
					   &json_kind, err))
			return -1;
		m->format = format_names[json_kind == GATE_JSON_ARM ? GATE_INPUT_ARM
				       : json_kind == GATE_JSON_DEPLOYED ? GATE_INPUT_ACI_JSON
				       : GATE_INPUT_REGO];
		if (json_kind == GATE_JSON_POLICY)
			return bare_policy(m, name, buf, len, false, err);
		return 0;
	case GATE_INPUT_ACI_YAML:
	case GATE_INPUT_K8S:
		yaml_kind = guessed ? GATE_YAML_AUTO : f == GATE_INPUT_K8S ? GATE_YAML_K8S
									 : GATE_YAML_ACI;
		if (gate_template_yaml_read(m, text, text_len, &yaml_kind, err))
			return -1;
		m->format = format_names[yaml_kind == GATE_YAML_K8S ? GATE_INPUT_K8S
								    : GATE_INPUT_ACI_YAML];
		return 0;
	case GATE_INPUT_REGO:
	case GATE_INPUT_BASE64:
		m->format = format_names[f];
		return bare_policy(m, name, buf, len, f == GATE_INPUT_BASE64, err);
	case GATE_INPUT_AUTO:
		break;
	}
	return gate_err_set(err, GATE_EINPUT, "no reader for the input");
}

int gate_input_read_buf(struct gate_model *m, const char *name, const char *buf, size_t len,
			const char *params_name, const char *params, size_t params_len,
			enum gate_input_format f, gate_err *err)
{
	if (!(m->file = gate_strdup(name, err)))
		return -1;
	if (len > GATE_MAX_TEMPLATE_SIZE)
		return gate_err_set(err, GATE_EINPUT, "%s: %zu bytes is larger than the limit of %u",
				    name, len, GATE_MAX_TEMPLATE_SIZE);
	if (read_any(m, name, buf, len, params_name, params, params_len, f, err))
		return gate_err_prefix(err, "%s", name);
	return 0;
}

static int slurp(char **out, size_t *len, const char *path, gate_err *err)
{
	/* "-" is stdin, as for every INPUT of the CLI. */
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int rc;

	*out = NULL;
	if (!f)
		return gate_err_set(err, GATE_EINPUT, "cannot open '%s': %s", path, strerror(errno));
	rc = gate_file_read(f, path, GATE_MAX_TEMPLATE_SIZE, out, len, err);
	if (f != stdin)
		fclose(f);
	return rc;
}

int gate_input_read(struct gate_model *m, const char *path, const char *params_path,
		    enum gate_input_format f, gate_err *err)
{
	char *buf, *params = NULL;
	size_t len, params_len = 0;
	int rc;

	if (slurp(&buf, &len, path, err))
		return -1;
	if (params_path && slurp(&params, &params_len, params_path, err)) {
		free(buf);
		return -1;
	}
	rc = gate_input_read_buf(m, path, buf, len, params_path, params, params_len, f, err);
	free(params);
	free(buf);
	return rc;
}
