/*
 * registry_opts.c - the shared registry options of registry_opts.h, and
 * what they show on stderr while images are hashed: a line per layer
 * (-v), a progress line on terminals, or nothing (-q).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry_opts.h"
#include "base/escape.h"
#include "base/hex.h"
#include "base/limits.h"
#include "registry/cache.h"
#include "registry/http.h"

#define DEFAULT_JOBS     2      /* the CI and developer machines have 2 cores */
#define MAX_JOBS         64
#define MAX_SECONDS      3600
#define MAX_RETRIES      100
#define CREDS_STDIN_MAX  8192

/* Checked while parsing, so that a typo is a usage error before any
 * network traffic. */
static int set_readable(const char *opt, void *value, const char *arg, gate_err *err)
{
	if (access(arg, R_OK))
		return gate_err_set(err, GATE_EINPUT, "%s '%s': %s", opt, arg, strerror(errno));
	*(const char **)value = arg;
	return 0;
}

static int set_ca_file(void *value, const char *arg, gate_err *err)
{
	return set_readable("--ca-file", value, arg, err);
}

static int set_authfile(void *value, const char *arg, gate_err *err)
{
	return set_readable("--authfile", value, arg, err);
}

/* -q and -v contradict each other, whichever comes first: a usage error
 * while parsing, so that `gate --check-args` refuses it too. */
static int set_verbose(void *value, const char *arg, gate_err *err)
{
	struct cli_registry *r = value;

	if (r->quiet)
		return gate_err_set(err, GATE_EINPUT, "-q and -v exclude each other");
	r->verbose = 1;
	return 0;
}

static int set_quiet(void *value, const char *arg, gate_err *err)
{
	struct cli_registry *r = value;

	if (r->verbose)
		return gate_err_set(err, GATE_EINPUT, "-q and -v exclude each other");
	r->quiet = 1;
	cli_set_quiet();
	return 0;
}

void cli_registry_init(struct cli_registry *r, const char *cmd)
{
	const struct gate_http_opts http = GATE_HTTP_OPTS_INIT;
	const struct cli_option table[] = {
		CLI_HEADING("registry options"),
		CLI_STRING(0, "platform", &r->platform, "OS/ARCH[/VAR]",
			   "platform to pick from an index (default " GATE_DEFAULT_PLATFORM ")"),
		CLI_UINT("jobs", &r->jobs, "N", 1, MAX_JOBS, "layers fetched in parallel (default 2)"),
		CLI_STRING(0, "creds", &r->creds_arg, "USER:PASSWORD", "credentials for every registry"),
		CLI_FLAG(0, "creds-stdin", &r->creds_stdin,
			 "read USER:PASSWORD from the first line of stdin"),
		CLI_CALLBACK("authfile", &r->authfile, "FILE", set_authfile,
			     "auth file to look in first (default $REGISTRY_AUTH_FILE)"),
		CLI_CALLBACK("ca-file", &r->ca_file, "FILE", set_ca_file,
			     "PEM file of CAs to trust, in place of the default bundle"),
		CLI_LIST("insecure-registry", &r->insecure, "HOST[:PORT]",
			 "unverified TLS, or plain HTTP, for that host (repeatable)"),
		CLI_STRING(0, "cache", &r->cache_dir, "DIR",
			   "root-hash cache (default $XDG_CACHE_HOME/gate)"),
		CLI_FLAG(0, "no-cache", &r->no_cache, "neither read nor write the cache"),
		CLI_UINT("connect-timeout", &r->connect_timeout_s, "SECONDS", 1, MAX_SECONDS,
			 "per connection (default 30)"),
		CLI_UINT("idle-timeout", &r->idle_timeout_s, "SECONDS", 1, MAX_SECONDS,
			 "abort a transfer idle (under 1 KiB/s) this long (default 60)"),
		CLI_UINT("retries", &r->retries, "N", 0, MAX_RETRIES,
			 "retries after a failed attempt (default 5)"),
		CLI_UINT("retry-budget", &r->retry_budget_s, "SECONDS", 0, MAX_SECONDS,
			 "most time spent waiting between retries (default 60)"),
		CLI_UINT("timeout", &r->timeout_s, "SECONDS", 0, 86400,
			 "most time one image may take, 0 for none (default 600)"),
		CLI_FLAG_CALLBACK('v', "verbose", r, set_verbose,
				  "a line on stderr per layer as it finishes, with its root hash"),
		CLI_FLAG_CALLBACK('q', "quiet", r, set_quiet,
				  "nothing on stderr but errors: no progress, no notes"),
		CLI_END,
	};
	_Static_assert(sizeof(table) == sizeof(r->options), "CLI_REGISTRY_OPTION_COUNT");

	memset(r, 0, sizeof(*r));
	memcpy(r->options, table, sizeof(table));
	r->cmd = cmd;
	r->jobs = DEFAULT_JOBS;
	r->connect_timeout_s = (unsigned long)http.connect_timeout_s;
	r->idle_timeout_s = (unsigned long)http.idle_timeout_s;
	r->retries = http.max_attempts - 1;
	r->retry_budget_s = http.retry_budget_ms / 1000u;
	r->timeout_s = GATE_DEFAULT_IMAGE_TIMEOUT;
}

static int read_creds_stdin(struct gate_creds *c, gate_err *err)
{
	char buf[CREDS_STDIN_MAX];
	size_t n;
	int rc;

	if (!fgets(buf, sizeof(buf), stdin))
		return gate_err_set(err, GATE_EINPUT, "--creds-stdin: nothing on stdin");
	n = strlen(buf);
	if (n == sizeof(buf) - 1 && buf[n - 1] != '\n')
		return gate_err_set(err, GATE_EINPUT, "--creds-stdin: line longer than %d bytes",
				    CREDS_STDIN_MAX - 2);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	rc = gate_creds_from_userpass(c, buf, "--creds-stdin", err);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int cli_registry_open(struct cli_registry *r, gate_err *err)
{
	struct gate_http_opts hopts = GATE_HTTP_OPTS_INIT;
	int have_creds;

	if (r->creds_arg && r->creds_stdin)
		return gate_err_set(err, GATE_EINPUT, "--creds and --creds-stdin exclude each other");
	if (r->no_cache && r->cache_dir)
		return gate_err_set(err, GATE_EINPUT, "--cache and --no-cache exclude each other");
	if (r->creds_arg && gate_creds_from_userpass(&r->creds, r->creds_arg, "--creds", err))
		return -1;
	if (r->creds_stdin && read_creds_stdin(&r->creds, err))
		return -1;
	have_creds = r->creds_arg || r->creds_stdin;
	if (!have_creds && (have_creds = gate_creds_from_env(&r->creds, err)) < 0)
		return -1;
	hopts.ca_file = r->ca_file;
	hopts.insecure_hosts = (const char *const *)r->insecure.v;
	hopts.insecure_count = r->insecure.n;
	hopts.connect_timeout_s = (long)r->connect_timeout_s;
	hopts.idle_timeout_s = (long)r->idle_timeout_s;
	hopts.max_attempts = (unsigned)r->retries + 1;
	hopts.retry_budget_ms = (unsigned)r->retry_budget_s * 1000u;
	if (gate_http_new(&r->http, &hopts, err))
		return -1;
	if (!r->no_cache && gate_cache_open(&r->cache, r->cache_dir, err))
		return -1;
	r->opts.http = r->http;
	r->opts.platform = r->platform;
	r->opts.creds = have_creds ? &r->creds : NULL;
	r->opts.timeout_s = (unsigned)r->timeout_s;
	r->opts.authfile = r->authfile;
	r->opts.cache = r->cache;
	r->opts.jobs = (unsigned)r->jobs;
	return 0;
}

void cli_registry_close(struct cli_registry *r)
{
	gate_cache_free(r->cache);
	gate_http_free(r->http);
	gate_creds_free(&r->creds);
	gate_strv_free(&r->insecure);
	r->cache = NULL;
	r->http = NULL;
}

/* --- progress on a terminal --- */

struct progress {
	uint64_t bytes;
	unsigned layers;
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct timespec start;
};

static void on_progress(void *ctx, uint64_t bytes, int layers_done)
{
	struct progress *p = ctx;

	__atomic_fetch_add(&p->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->layers, (unsigned)layers_done, __ATOMIC_RELAXED);
}

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *progress_thread(void *arg)
{
	struct progress *p = arg;
	struct timespec until;
	double secs, mib;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &until);
		secs = since(&p->start);
		mib = (double)__atomic_load_n(&p->bytes, __ATOMIC_RELAXED) / (1024.0 * 1024.0);
		fprintf(stderr, "\r\033[Kgate: %u layers done, %.1f MiB fetched, %.1f MiB/s",
			__atomic_load_n(&p->layers, __ATOMIC_RELAXED), mib, secs > 0 ? mib / secs : 0.0);
	}
	pthread_mutex_unlock(&p->lock);
	fprintf(stderr, "\r\033[K");
	return NULL;
}

/* --- a line per finished layer (-v) --- */

/* One line, written whole while other workers wait, so that lines of
 * parallel layers never interleave:
 *   gate: CMD: IMAGE: layer K of N sha256:BLOB root HEX[ (cached)]
 * with K counted from 1. */
static void on_layer_done(void *ctx, const struct gate_image *img, size_t k)
{
	const struct cli_registry *r = ctx;
	const struct gate_image_layer *L = &img->layers[k];
	char hex[GATE_DIGEST_HEX_SIZE + 1];

	gate_hex(hex, L->root_hash, GATE_DIGEST_SIZE);
	flockfile(stderr);
	fprintf(stderr, "gate: %s: ", r->cmd);
	gate_put_escaped(stderr, img->name);
	fprintf(stderr, ": layer %zu of %zu %s root %s%s\n", k + 1, img->layer_count, L->digest, hex,
		L->from_cache ? " (cached)" : "");
	funlockfile(stderr);
}

void cli_registry_hash(struct cli_registry *r, struct gate_image *imgs, size_t n)
{
	struct gate_registry_opts opts = r->opts;
	struct progress prog = { 0 };
	pthread_t tid;
	int on = 0;

	if (r->verbose) {
		opts.layer_done = on_layer_done;
		opts.progress_ctx = r;
	} else if (!r->quiet && isatty(STDERR_FILENO)) {
		clock_gettime(CLOCK_MONOTONIC, &prog.start);
		pthread_mutex_init(&prog.lock, NULL);
		pthread_cond_init(&prog.cond, NULL);
		opts.progress = on_progress;
		opts.progress_ctx = &prog;
		on = !pthread_create(&tid, NULL, progress_thread, &prog);
	}
	gate_registry_hash(&opts, imgs, n);
	if (on) {
		pthread_mutex_lock(&prog.lock);
		prog.stop = 1;
		pthread_cond_signal(&prog.cond);
		pthread_mutex_unlock(&prog.lock);
		pthread_join(tid, NULL);
	}
}
