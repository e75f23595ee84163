/*
 * http.h - the one module that talks HTTP (and the only one including curl.h).
 *
 * Requests are synchronous; a gate_http handle may be shared by threads.
 * What the registry protocol needs and nothing more:
 *
 *  - retries with exponential backoff for connection errors, 429 and 5xx,
 *    honouring Retry-After, within a bounded number of attempts and of
 *    time spent waiting;
 *  - redirects followed here, not by curl, so that the Authorization of the
 *    first origin is never sent to another one (blob storage);
 *  - TLS with the system CAs or --ca-file; hosts named insecure get
 *    unverified TLS, and plain HTTP when they do not speak TLS at all;
 *    loopback hosts (localhost, 127.0.0.0/8, [::1], by name, not by what
 *    a name resolves to) get verified TLS, and plain HTTP when they answer
 *    a TLS handshake in HTTP: a local registry needs no flag, as in Docker,
 *    but one that does speak TLS is still checked;
 *  - a bound on time: an idle transfer, one slower than
 *    GATE_MIN_TRANSFER_SPEED, and one past the caller's deadline all fail;
 *  - bodies either streamed into a gate_sink (2xx only) or kept in memory
 *    up to a caller-given size.
 */
#ifndef GATE_HTTP_H
#define GATE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/sink.h"

typedef struct gate_http gate_http;

struct gate_http_opts {
	const char *ca_file;                    /* NULL: system CAs */
	/* --insecure-registry values: "host" (any port) or "host:port"; a
	 * value with a scheme ("http://...") is refused by gate_http_new. */
	const char *const *insecure_hosts;
	size_t insecure_count;
	long connect_timeout_s;
	/* No byte received for this long, or fewer than
	 * GATE_MIN_TRANSFER_SPEED bytes a second on average over as long. */
	long idle_timeout_s;
	unsigned max_attempts;                  /* per request, >= 1 */
	unsigned retry_budget_ms;               /* total waiting between attempts */
	unsigned backoff_ms;                    /* first wait; doubles each time */
};

#define GATE_HTTP_OPTS_INIT { NULL, NULL, 0, 30, 60, 6, 60000, 500 }

/* A time after which requests fail instead of starting, waiting or
 * receiving more; shared by every request made for one image. */
struct gate_http_deadline {
	uint64_t at_ms;                 /* gate_http_now_ms() clock; 0: none */
	unsigned total_s;               /* the limit it came from, for messages */
};

/* Milliseconds on a monotonic clock. */
uint64_t gate_http_now_ms(void);

struct gate_http_req {
	const char *method;             /* "GET" or "POST"; GET follows redirects */
	const char *url;
	/* Whole header value ("Bearer ...", "Basic ..."), sent to the origin of
	 * url only and dropped for good once a redirect leaves it. */
	const char *authorization;
	const char *accept;             /* NULL: none */
	const char *content_type;       /* for POST */
	const void *body;
	size_t body_size;
	/* 2xx bodies go here when set; otherwise into resp->body. */
	const struct gate_sink *sink;
	/* Called before a retry once bytes went into sink; NULL means such a
	 * request is not retried. */
	int (*restart)(void *ctx, gate_err *err);
	void *restart_ctx;
	size_t max_body_size;           /* in-memory bodies; larger is an error */
	const struct gate_http_deadline *deadline;      /* NULL: none */
};

struct gate_http_resp {
	long status;
	char *body;                     /* NUL-terminated; error bodies are cut to 64 KiB */
	size_t body_size;
	char *www_authenticate;         /* header values, NULL if absent */
	char *docker_content_digest;
	char *content_type;
	char *link;                     /* the next page of a list (distribution's tags/list) */
	char *url;                      /* after redirects */
	/* The answer came from another host:port than req->url (a redirect),
	 * which is not the registry: its challenges are not the registry's. */
	int other_origin;
	unsigned attempts;
};

/* Returns 0, or -1 with err set (GATE_EINPUT for a malformed insecure
 * host). */
int gate_http_new(gate_http **out, const struct gate_http_opts *opts, gate_err *err);
/* Other threads that used h must have ended by then. */
void gate_http_free(gate_http *h);

/* Returns 0 once a final response arrived (any status: the caller judges
 * it; retryable statuses only after the retries ran out), or -1 with err
 * set for transport failures, oversized bodies and sink errors.  resp must
 * be freed with gate_http_resp_free() in both cases. */
int gate_http_do(gate_http *h, const struct gate_http_req *req,
		 struct gate_http_resp *resp, gate_err *err);
void gate_http_resp_free(struct gate_http_resp *resp);

/* Retries made so far by every request through h: what a scan's report
 * shows, so that a flaky registry is visible even when every request
 * succeeded in the end. */
uint64_t gate_http_retries(const gate_http *h);

/* Whether host[:port] was named insecure. */
int gate_http_is_insecure(const gate_http *h, const char *hostport);

/* Whether host[:port] names this machine: "localhost", an IPv4 address
 * in 127.0.0.0/8 or "[::1]". */
int gate_http_is_loopback(const char *hostport);

#endif
