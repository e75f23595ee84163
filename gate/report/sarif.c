#include "report/verify_report.h"
#include "report/json_write.h"

#include <stdlib.h>
#include <string.h>

/* The schema GitHub code scanning and the SARIF validators know 2.1.0 by. */
#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

/* CMake's PROJECT_HOMEPAGE_URL; empty leaves informationUri out. */
#ifndef GATE_HOMEPAGE
#define GATE_HOMEPAGE ""
#endif

static const char *level_of(enum gate_severity s)
{
	switch (s) {
	case GATE_SEVERITY_DENY: return "error";
	case GATE_SEVERITY_WARN: return "warning";
	case GATE_SEVERITY_OFF: return "none";
	}
	return "none";
}

/* artifactLocation.uri is a URI reference: a path as given, with every
 * byte outside RFC 3986's unreserved set and '/' percent-encoded, so a
 * space or a '#' in a file name cannot change what it refers to.  An
 * absolute path is a file: URI (RFC 8089): a relative reference starting
 * with '/' would not resolve against a base (sarif-multitool's SARIF1004
 * error). */
static char *uri_of(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *scheme = path[0] == '/' ? "file://" : "";
	char *out = malloc(strlen(scheme) + 3 * strlen(path) + 1), *o = out;
	const unsigned char *p;

	if (!out)
		return NULL;
	o = stpcpy(out, scheme);
	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Appends v (NULL: it could not be built, say for text that is not
 * UTF-8) to a.  Returns 0, or -1: a report must not lose an entry
 * silently. */
static int add(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -1;
}

static json_t *rules_json(void)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < GATE_RULE_COUNT; i++) {
		const struct gate_rule_info *ri = &gate_rules[i];

		/* GitHub code scanning wants fullDescription on every rule
		 * (its validator's GH2012); the help text is that description. */
		if (add(a, json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:b, s:s}}",
					"id", ri->id,
					"shortDescription", "text", ri->summary,
					"fullDescription", "text", ri->help,
					"help", "text", ri->help,
					"defaultConfiguration",
					"enabled", ri->severity != GATE_SEVERITY_OFF,
					"level", level_of(ri->severity)))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Where the finding's container (else group) object starts; NULL when
 * that is not known, which SARIF 2.1.0 reads as the whole file, not
 * as a line gate would have made up. */
static json_t *region_json(const struct gate_finding *fd)
{
	json_t *region;

	if (!fd->line)
		return NULL;
	region = json_pack("{s:i}", "startLine", (int)fd->line);
	if (region && fd->column &&
	    json_object_set_new(region, "startColumn", json_integer((json_int_t)fd->column))) {
		json_decref(region);
		return NULL;
	}
	return region;
}

static json_t *location_json(const struct gate_finding *fd)
{
	json_t *loc, *logical = NULL, *region = region_json(fd);
	/* The path as named: its UTF-8 rendering would name another file. */
	char *uri = uri_of(fd->path ? fd->path : fd->file);
	char *fqn = NULL;

	if (!uri || (fd->line && !region)) {
		json_decref(region);
		free(uri);
		return NULL;
	}
	if (fd->group && asprintf(&fqn, "%s%s%s", fd->group, fd->container ? "/" : "",
				  fd->container ? fd->container : "") < 0)
		fqn = NULL;
	if (fqn)
		logical = json_pack("[{s:s, s:s}]", "fullyQualifiedName", fqn,
				    "kind", fd->container ? "object" : "module");
	loc = json_pack("{s:{s:{s:s}, s:o*}, s:o*}",
			"physicalLocation",
			"artifactLocation", "uri", uri,
			"region", region,
			"logicalLocations", logical);
	free(uri);
	free(fqn);
	return loc;
}

static json_t *results_json(const struct gate_verify_report *r)
{
	json_t *a = json_array(), *locations;
	size_t i;

	for (i = 0; a && i < r->findings_count; i++) {
		const struct gate_finding *fd = &r->findings[i];

		locations = fd->file ? json_array() : NULL;
		if (fd->file && add(locations, location_json(fd))) {
			json_decref(locations);
			goto fail;
		}
		/* json_pack takes over locations, even when it fails. */
		if (add(a, json_pack("{s:s, s:i, s:s, s:{s:s}, s:o*, s:{s:s?, s:s?, s:s?, s:O}}",
				     "ruleId", gate_rules[fd->rule].id,
				     "ruleIndex", (int)fd->rule,
				     "level", level_of(fd->severity),
				     "message", "text", fd->message,
				     "locations", locations,
				     "properties",
				     "group", fd->group, "container", fd->container,
				     "image", fd->image, "details", fd->details)))
			goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

int gate_report_verify_sarif(FILE *f, const struct gate_verify_report *r, const char *version)
{
	json_t *driver;

	driver = json_pack("{s:s, s:s, s:s, s:o}", "name", "gate", "version", version,
			   "semanticVersion", version, "rules", rules_json());
	if (driver && GATE_HOMEPAGE[0] &&
	    json_object_set_new(driver, "informationUri", json_string(GATE_HOMEPAGE))) {
		json_decref(driver);
		driver = NULL;
	}
	/* Columns count code points, as libyaml does (input/json_pos.h). */
	return gate_report_json_write(f, json_pack("{s:s, s:s, s:[{s:{s:o}, s:s, s:o}]}",
						   "$schema", SARIF_SCHEMA, "version", "2.1.0",
						   "runs", "tool", "driver", driver,
						   "columnKind", "unicodeCodePoints",
						   "results", results_json(r)),
				      JSON_INDENT(2));
}
