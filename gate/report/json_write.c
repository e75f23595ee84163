#include "report/json_write.h"

int gate_report_json_write(FILE *f, json_t *doc, size_t flags)
{
	int rc;

	if (!doc)
		return -1;
	rc = json_dumpf(doc, f, flags | JSON_ENSURE_ASCII);
	if (!rc)
		rc = fputc('\n', f) == EOF ? -1 : 0;
	json_decref(doc);
	return rc;
}
