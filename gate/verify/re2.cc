/*
 * re2.cc - the C face of libre2 (see re2.h).
 */
#include "verify/re2.h"

#include <new>

#include <re2/re2.h>

struct gate_re2 {
	re2::RE2 re;
	explicit gate_re2(const char *pattern, const re2::RE2::Options &o)
		: re(pattern, o) {}
};

int gate_re2_new(gate_re2 **out, const char *pattern, gate_err *err)
{
	re2::RE2::Options opts;

	*out = nullptr;
	/* RE2 logs failures to stderr by default; the error goes up instead. */
	opts.set_log_errors(false);
	gate_re2 *r = new (std::nothrow) gate_re2(pattern, opts);
	if (!r)
		return gate_err_nomem(err);
	if (!r->re.ok()) {
		gate_err_set(err, GATE_EINPUT, "invalid re2 pattern '%s': %s",
		             pattern, r->re.error().c_str());
		delete r;
		return -1;
	}
	*out = r;
	return 0;
}

bool gate_re2_search(const gate_re2 *re, const char *s)
{
	return re2::RE2::PartialMatch(s, re->re);
}

bool gate_re2_full(const gate_re2 *re, const char *s)
{
	return re2::RE2::FullMatch(s, re->re);
}

void gate_re2_free(gate_re2 *re)
{
	delete re;
}
