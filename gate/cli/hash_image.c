/*
 * hash_image.c - the image half of `gate hash`.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry/auth.h"
#include "registry/cache.h"
#include "base/err.h"
#include "registry/http.h"
#include "registry/registry.h"
#include "hash_image.h"
#include "base/escape.h"
#include "base/limits.h"

#define DEFAULT_JOBS     2      /* the CI and developer machines have 2 cores */
#define MAX_JOBS         64
#define CREDS_STDIN_MAX  8192

enum { OPT_FORMAT = 256, OPT_PLATFORM, OPT_JOBS, OPT_CREDS, OPT_CREDS_STDIN, OPT_CA_FILE,
       OPT_INSECURE, OPT_CACHE, OPT_NO_CACHE, OPT_CONNECT_TIMEOUT, OPT_IDLE_TIMEOUT,
       OPT_RETRIES, OPT_RETRY_BUDGET, OPT_TIMEOUT, OPT_AUTHFILE };

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "creds", required_argument, NULL, OPT_CREDS },
	{ "creds-stdin", no_argument, NULL, OPT_CREDS_STDIN },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "insecure-registry", required_argument, NULL, OPT_INSECURE },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "retry-budget", required_argument, NULL, OPT_RETRY_BUDGET },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "authfile", required_argument, NULL, OPT_AUTHFILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void gate_cli_hash_images_usage(FILE *f)
{
	fprintf(f,
		"usage: gate hash [<options>] IMAGE...\n"
		"\n"
		"  --format text|json         output format (default text)\n"
		"  --platform OS/ARCH[/VAR]   platform to pick from an index (default linux/amd64)\n"
		"  --jobs N                   layers fetched in parallel (default %d)\n"
		"  --creds USER:PASSWORD      credentials for every registry\n"
		"  --creds-stdin              read USER:PASSWORD from the first line of stdin\n"
		"                             (without either: GATE_USERNAME and GATE_PASSWORD if set)\n"
		"  --authfile FILE            containers auth file to look in first (default\n"
		"                             $REGISTRY_AUTH_FILE)\n"
		"  --ca-file FILE             PEM file of CAs to trust, in place of the default bundle\n"
		"  --insecure-registry HOST[:PORT]\n"
		"                             unverified TLS, or plain HTTP, for that host (repeatable);\n"
		"                             localhost and 127.x.x.x may speak plain HTTP without it\n"
		"  --cache DIR                root-hash cache (default $XDG_CACHE_HOME/gate)\n"
		"  --no-cache                 neither read nor write the cache\n"
		"  --connect-timeout SECONDS  per connection (default 30)\n"
		"  --idle-timeout SECONDS     abort a transfer idle, or under 1 KiB/s, this long (default 60)\n"
		"  --retries N                retries after a failed attempt (default 5)\n"
		"  --retry-budget SECONDS     most time spent waiting between retries (default 60)\n"
		"  --timeout SECONDS          most time one image may take, 0 for none (default %u)\n"
		"  -v, --verbose              say which layers came from the cache\n",
		DEFAULT_JOBS, GATE_DEFAULT_IMAGE_TIMEOUT);
}

static int parse_uint(const char *s, const char *opt, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || *out < min || *out > max) {
		fprintf(stderr, "gate: hash: %s '%s': expected a number from %lu to %lu\n", opt, s, min, max);
		return -1;
	}
	return 0;
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
		return gate_err_set(err, GATE_EINPUT, "--creds-stdin: line longer than %d bytes", CREDS_STDIN_MAX - 2);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	rc = gate_creds_from_userpass(c, buf, "--creds-stdin", err);
	explicit_bzero(buf, sizeof(buf));
	return rc;
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

/* --- output --- */

static void print_text(const struct gate_image *img)
{
	char hex[2 * GATE_DIGEST_SIZE + 1];
	size_t i;

	printf("image    %s\n", img->name);
	printf("digest   %s\n", img->digest);
	if (strcmp(img->digest, img->manifest_digest))
		printf("manifest %s\n", img->manifest_digest);
	fputs("platform ", stdout);
	gate_put_escaped(stdout, img->platform);
	putchar('\n');
	for (i = 0; i < img->layer_count; i++) {
		gate_hex(hex, img->layers[i].root_hash, GATE_DIGEST_SIZE);
		printf("layer    %s\n", hex);
	}
}

/* The same shape as `gate hash --tar --format json`. */
static void print_json(const struct gate_image *img)
{
	char hex[2 * GATE_DIGEST_SIZE + 1];
	size_t i;

	printf("{\"layers\":[");
	for (i = 0; i < img->layer_count; i++) {
		gate_hex(hex, img->layers[i].root_hash, GATE_DIGEST_SIZE);
		printf("%s\"%s\"", i ? "," : "", hex);
	}
	printf("]}\n");
}

int gate_cli_hash_images(int argc, char **argv)
{
	struct gate_http_opts hopts = GATE_HTTP_OPTS_INIT;
	struct gate_registry_opts ropts = { 0 };
	struct gate_creds creds = { 0 };
	struct progress prog = { 0 };
	struct gate_image *imgs = NULL;
	const char **insecure = NULL;
	const char *cache_dir = NULL, *creds_arg = NULL;
	int json = 0, no_cache = 0, creds_stdin = 0, verbose = 0, have_creds = 0, c, rc = GATE_EINPUT;
	unsigned long v;
	size_t n_insecure = 0, i, k;
	gate_http *http = NULL;
	gate_cache *cache = NULL;
	gate_err err = GATE_ERR_INIT;
	pthread_t progress_tid;
	int progress_on = 0;

	ropts.jobs = DEFAULT_JOBS;
	ropts.timeout_s = GATE_DEFAULT_IMAGE_TIMEOUT;
	insecure = calloc((size_t)argc, sizeof(*insecure));
	if (!insecure) {
		fprintf(stderr, "gate: hash: out of memory\n");
		return GATE_EVERIFY;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "gate: hash: --format '%s': expected text or json\n", optarg);
				goto out;
			}
			json = !strcmp(optarg, "json");
			break;
		case OPT_PLATFORM:
			ropts.platform = optarg;
			break;
		case OPT_JOBS:
			if (parse_uint(optarg, "--jobs", 1, MAX_JOBS, &v))
				goto out;
			ropts.jobs = (unsigned)v;
			break;
		case OPT_CREDS:
			creds_arg = optarg;
			break;
		case OPT_CREDS_STDIN:
			creds_stdin = 1;
			break;
		case OPT_CA_FILE:
			if (access(optarg, R_OK)) {
				fprintf(stderr, "gate: hash: --ca-file '%s': %s\n", optarg, strerror(errno));
				goto out;
			}
			hopts.ca_file = optarg;
			break;
		case OPT_INSECURE:
			insecure[n_insecure++] = optarg;
			break;
		case OPT_CACHE:
			cache_dir = optarg;
			break;
		case OPT_NO_CACHE:
			no_cache = 1;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (parse_uint(optarg, "--connect-timeout", 1, 3600, &v))
				goto out;
			hopts.connect_timeout_s = (long)v;
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_uint(optarg, "--idle-timeout", 1, 3600, &v))
				goto out;
			hopts.idle_timeout_s = (long)v;
			break;
		case OPT_RETRIES:
			if (parse_uint(optarg, "--retries", 0, 100, &v))
				goto out;
			hopts.max_attempts = (unsigned)v + 1;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, "--timeout", 0, 86400, &v))
				goto out;
			ropts.timeout_s = (unsigned)v;
			break;
		case OPT_AUTHFILE:
			if (access(optarg, R_OK)) {
				fprintf(stderr, "gate: hash: --authfile '%s': %s\n", optarg, strerror(errno));
				goto out;
			}
			ropts.authfile = optarg;
			break;
		case OPT_RETRY_BUDGET:
			if (parse_uint(optarg, "--retry-budget", 0, 3600, &v))
				goto out;
			hopts.retry_budget_ms = (unsigned)v * 1000u;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			gate_cli_hash_images_usage(stdout);
			rc = 0;
			goto out;
		case ':':
			fprintf(stderr, "gate: hash: option '%s' needs a value\n", argv[optind - 1]);
			goto out;
		default:
			fprintf(stderr, "gate: hash: unknown option '%s'\n", argv[optind - 1]);
			gate_cli_hash_images_usage(stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		gate_cli_hash_images_usage(stderr);
		goto out;
	}
	if (creds_arg && creds_stdin) {
		fprintf(stderr, "gate: hash: --creds and --creds-stdin exclude each other\n");
		goto out;
	}
	if (no_cache && cache_dir) {
		fprintf(stderr, "gate: hash: --cache and --no-cache exclude each other\n");
		goto out;
	}
	if (creds_arg && gate_creds_from_userpass(&creds, creds_arg, "--creds", &err))
		goto fail;
	if (creds_stdin && read_creds_stdin(&creds, &err))
		goto fail;
	have_creds = creds_arg || creds_stdin;
	if (!have_creds && (have_creds = gate_creds_from_env(&creds, &err)) < 0)
		goto fail;
	hopts.insecure_hosts = insecure;
	hopts.insecure_count = n_insecure;
	if (gate_http_new(&http, &hopts, &err))
		goto fail;
	if (!no_cache && gate_cache_open(&cache, cache_dir, &err))
		goto fail;
	imgs = calloc((size_t)(argc - optind), sizeof(*imgs));
	if (!imgs) {
		gate_err_nomem(&err);
		goto fail;
	}
	for (i = 0; i < (size_t)(argc - optind); i++)
		imgs[i].ref = argv[optind + (int)i];
	ropts.http = http;
	ropts.creds = have_creds ? &creds : NULL;
	ropts.cache = cache;
	if (isatty(STDERR_FILENO)) {
		clock_gettime(CLOCK_MONOTONIC, &prog.start);
		pthread_mutex_init(&prog.lock, NULL);
		pthread_cond_init(&prog.cond, NULL);
		ropts.progress = on_progress;
		ropts.progress_ctx = &prog;
		progress_on = !pthread_create(&progress_tid, NULL, progress_thread, &prog);
	}
	gate_registry_hash(&ropts, imgs, (size_t)(argc - optind));
	if (progress_on) {
		pthread_mutex_lock(&prog.lock);
		prog.stop = 1;
		pthread_cond_signal(&prog.cond);
		pthread_mutex_unlock(&prog.lock);
		pthread_join(progress_tid, NULL);
	}
	rc = 0;
	for (i = 0; i < (size_t)(argc - optind); i++) {
		if (imgs[i].err.code) {
			fputs("gate: hash: ", stderr);
			gate_put_escaped(stderr, imgs[i].err.msg);
			fputc('\n', stderr);
			/* Could-not-verify outranks bad input. */
			if (imgs[i].err.code > rc)
				rc = imgs[i].err.code;
		}
	}
	/* Hashes of some images only would read as a verdict on all. */
	for (i = 0; rc == 0 && i < (size_t)(argc - optind); i++) {
		if (verbose)
			for (k = 0; k < imgs[i].layer_count; k++)
				fprintf(stderr, "gate: %s: layer %zu %s%s\n", imgs[i].name, k,
					imgs[i].layers[k].digest, imgs[i].layers[k].from_cache ? " (cached)" : "");
		if (json) {
			print_json(&imgs[i]);
		} else {
			if (i)
				putchar('\n');
			print_text(&imgs[i]);
		}
	}
	if (rc == 0 && fflush(stdout)) {
		fprintf(stderr, "gate: hash: writing output: %s\n", strerror(errno));
		rc = GATE_EVERIFY;
	}
	goto out;
fail:
	fprintf(stderr, "gate: hash: %s\n", err.msg);
	rc = err.code ? err.code : GATE_EVERIFY;
out:
	if (imgs)
		for (i = 0; i < (size_t)(argc - optind); i++)
			gate_image_release(&imgs[i]);
	free(imgs);
	gate_cache_free(cache);
	gate_http_free(http);
	gate_creds_free(&creds);
	free(insecure);
	return rc;
}
