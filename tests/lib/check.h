/*
 * check.h - the assertions of the C unit tests.
 *
 *	CHECK(cond)                     counts, and names the line on failure
 *	CHECK_MSG(cond, fmt, ...)       the same with a message of the test's own
 *	CHECK_STR(got, want)            strings equal (got may be NULL)
 *	CHECK_HAS(s, sub)               s contains sub
 *	return check_done();            prints the tally; the exit status
 *
 * A failed check does not stop the test, so one run lists every failure.
 * Each macro evaluates to whether the check passed.
 */
#ifndef GATE_TESTS_CHECK_H
#define GATE_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

__attribute__((format(printf, 4, 5), unused))
static int check_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		check_passed++;
		return 1;
	}
	check_failed++;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

__attribute__((unused))
static int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) check_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_STR(got, want)                                                        \
	check_report((got) && !strcmp((got), (want)), __FILE__, __LINE__,             \
		     "%s is '%s', expected '%s'", #got, (got) ? (got) : "(null)", (want))
#define CHECK_HAS(s, sub)                                                           \
	check_report(strstr((s), (sub)) != NULL, __FILE__, __LINE__,                  \
		     "%s is '%s', expected it to contain '%s'", #s, (s), (sub))

#endif
