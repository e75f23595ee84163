#include "registry/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/array.h"
#include "base/limits.h"

#define MAX_REDIRECTS      10
#define ERROR_BODY_MAX     (64u << 10)   /* enough for a registry's error JSON */
#define BACKOFF_MAX_MS     10000u
#define URL_SHOWN_MAX      512

struct gate_http {
	struct gate_http_opts opts;
	char *ca_file;
	char **insecure;
	size_t insecure_count;
	CURLSH *share;
	pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];
	/* Each thread keeps its easy handle, and with it its connections:
	 * a registry is asked for manifest, config and blobs in a row, and
	 * TLS handshakes are not free.  (curl's shared connection cache is
	 * not safe across threads.) */
	pthread_key_t handle_key;
	int have_key;
	/* Insecure and loopback hosts found to answer plain HTTP only. */
	pthread_mutex_t plain_lock;
	struct gate_strv plain;
	uint64_t retries;       /* attempts after a failed one, all requests */
};

/* State of one attempt. */
struct xfer {
	const struct gate_http_req *req;
	struct gate_http_resp *resp;
	char *location;
	char *retry_after;
	uint64_t delivered;     /* bytes given to req->sink, all attempts */
	int too_large;
	/* Idle detection: curl's low-speed check averages over a window of
	 * seconds, so a trickle hides a stall; this counts from the last byte. */
	long idle_timeout_s;
	curl_off_t last_now;
	struct timespec last_byte;
	int idle;
	int sink_failed;
	gate_err sink_err;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *ud)
{
	gate_http *h = ud;

	pthread_mutex_lock(&h->share_lock[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *ud)
{
	gate_http *h = ud;

	pthread_mutex_unlock(&h->share_lock[data]);
}

static void drop_handle(void *c)
{
	curl_easy_cleanup(c);
}

/* A value with a scheme would never match a host:port, silently; say
 * what to write instead. */
static int check_insecure_host(const char *v, gate_err *err)
{
	const char *sep = strstr(v, "://");
	const char *host = sep ? sep + 3 : v;
	size_t n = strcspn(host, "/");

	if (sep || host[n] || !*v)
		return gate_err_set(err, GATE_EINPUT,
				    "--insecure-registry '%s': expected HOST[:PORT] without a scheme or path: "
				    "use --insecure-registry %.*s", v, (int)n, host);
	return 0;
}

int gate_http_new(gate_http **out, const struct gate_http_opts *opts, gate_err *err)
{
	static const struct gate_http_opts defaults = GATE_HTTP_OPTS_INIT;
	gate_http *h;
	size_t i;

	*out = NULL;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return gate_err_set(err, GATE_EVERIFY, "cannot initialise libcurl: %s",
				    curl_easy_strerror(global_rc));
	h = calloc(1, sizeof(*h));
	if (!h)
		return gate_err_nomem(err);
	h->opts = opts ? *opts : defaults;
	if (h->opts.max_attempts == 0)
		h->opts.max_attempts = 1;
	pthread_mutex_init(&h->plain_lock, NULL);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&h->share_lock[i], NULL);
	if (h->opts.ca_file && !(h->ca_file = strdup(h->opts.ca_file)))
		goto nomem;
	if (h->opts.insecure_count) {
		h->insecure = calloc(h->opts.insecure_count, sizeof(*h->insecure));
		if (!h->insecure)
			goto nomem;
		for (i = 0; i < h->opts.insecure_count; i++, h->insecure_count++) {
			if (check_insecure_host(h->opts.insecure_hosts[i], err)) {
				gate_http_free(h);
				return -1;
			}
			if (!(h->insecure[i] = strdup(h->opts.insecure_hosts[i])))
				goto nomem;
		}
	}
	h->opts.ca_file = NULL;
	h->opts.insecure_hosts = NULL;
	if (pthread_key_create(&h->handle_key, drop_handle))
		goto nomem;
	h->have_key = 1;
	h->share = curl_share_init();
	if (!h->share)
		goto nomem;
	curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	*out = h;
	return 0;
nomem:
	gate_http_free(h);
	return gate_err_nomem(err);
}

void gate_http_free(gate_http *h)
{
	size_t i;

	if (!h)
		return;
	if (h->have_key) {
		CURL *c = pthread_getspecific(h->handle_key);

		if (c)
			curl_easy_cleanup(c);
		pthread_key_delete(h->handle_key);
	}
	if (h->share)
		curl_share_cleanup(h->share);
	for (i = 0; i < h->insecure_count; i++)
		free(h->insecure[i]);
	free(h->insecure);
	gate_strv_free(&h->plain);
	free(h->ca_file);
	pthread_mutex_destroy(&h->plain_lock);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&h->share_lock[i]);
	free(h);
}

void gate_http_resp_free(struct gate_http_resp *resp)
{
	free(resp->body);
	free(resp->www_authenticate);
	free(resp->docker_content_digest);
	free(resp->content_type);
	free(resp->link);
	free(resp->url);
	memset(resp, 0, sizeof(*resp));
}

static void resp_reset(struct gate_http_resp *resp)
{
	unsigned attempts = resp->attempts;
	char *url = resp->url;

	resp->url = NULL;
	gate_http_resp_free(resp);
	resp->url = url;
	resp->attempts = attempts;
}

uint64_t gate_http_retries(const gate_http *h)
{
	return __atomic_load_n(&h->retries, __ATOMIC_RELAXED);
}

int gate_http_is_insecure(const gate_http *h, const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	size_t hostlen = strlen(hostport), i;

	/* A port colon follows the host, or the ']' of an IPv6 literal. */
	if (colon && (hostport[0] != '[' || colon[-1] == ']'))
		hostlen = (size_t)(colon - hostport);
	for (i = 0; i < h->insecure_count; i++) {
		if (!strcmp(h->insecure[i], hostport))
			return 1;
		if (strlen(h->insecure[i]) == hostlen && !strncmp(h->insecure[i], hostport, hostlen))
			return 1;
	}
	return 0;
}

int gate_http_is_loopback(const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	size_t n = strlen(hostport), i;
	unsigned dots = 0;

	if (!strncmp(hostport, "[::1]", 5))
		return hostport[5] == '\0' || hostport[5] == ':';
	if (colon)
		n = (size_t)(colon - hostport);
	if (n == 9 && !strncmp(hostport, "localhost", 9))
		return 1;
	if (n < 4 || strncmp(hostport, "127.", 4))
		return 0;
	/* Digits and three dots: 127.0.0.1, not 127.example.com. */
	for (i = 4; i < n; i++) {
		if (hostport[i] == '.')
			dots++;
		else if (hostport[i] < '0' || hostport[i] > '9')
			return 0;
	}
	return dots == 2 && hostport[n - 1] != '.';
}

uint64_t gate_http_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

static int is_plain(gate_http *h, const char *hostport)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&h->plain_lock);
	for (i = 0; i < h->plain.n && !found; i++)
		found = !strcmp(h->plain.v[i], hostport);
	pthread_mutex_unlock(&h->plain_lock);
	return found;
}

/* Out of memory here only means asking in TLS again next time. */
static void mark_plain(gate_http *h, const char *hostport)
{
	gate_err ignored = GATE_ERR_INIT;

	if (is_plain(h, hostport))
		return;
	pthread_mutex_lock(&h->plain_lock);
	gate_strv_push(&h->plain, hostport, strlen(hostport), &ignored);
	pthread_mutex_unlock(&h->plain_lock);
}

/* The parts of a URL that matter here. */
struct url_parts {
	char scheme[8];
	char hostport[300];     /* host:port, port always present */
	char shown[URL_SHOWN_MAX]; /* without query: blob storage puts signatures there */
};

static int url_parse(const char *url, struct url_parts *p, gate_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *given_port = NULL;
	/* A redirect's query may hold a signature: never shown. */
	int shown_len = (int)strcspn(url, "?#"), rc = -1;

	if (shown_len > 200)
		shown_len = 200;
	if (!u)
		return gate_err_nomem(err);
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0)) {
		gate_err_set(err, GATE_EVERIFY, "malformed url '%.*s'", shown_len, url);
		goto out;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		gate_err_set(err, GATE_EVERIFY, "url '%.*s': scheme '%s' is not http or https", shown_len, url, scheme);
		goto out;
	}
	snprintf(p->scheme, sizeof(p->scheme), "%s", scheme);
	if (snprintf(p->hostport, sizeof(p->hostport), "%s:%s", host, port) >= (int)sizeof(p->hostport)) {
		gate_err_set(err, GATE_EVERIFY, "url '%.*s': host name too long", shown_len, url);
		goto out;
	}
	/* Truncation only shortens what is shown in messages. */
	if (curl_url_get(u, CURLUPART_PORT, &given_port, 0))
		given_port = NULL;
	snprintf(p->shown, sizeof(p->shown), "%s://%s%s%s%s", scheme, host,
		 given_port ? ":" : "", given_port ? given_port : "", path);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(given_port);
	curl_url_cleanup(u);
	return rc;
}

/* Resolves location against base; returns a malloc'd URL or NULL. */
static char *url_resolve(const char *base, const char *location)
{
	CURLU *u = curl_url();
	char *joined = NULL, *out = NULL;

	if (!u)
		return NULL;
	if (!curl_url_set(u, CURLUPART_URL, base, 0) &&
	    !curl_url_set(u, CURLUPART_URL, location, 0) &&
	    !curl_url_get(u, CURLUPART_URL, &joined, 0))
		out = strdup(joined);
	curl_free(joined);
	curl_url_cleanup(u);
	return out;
}

/* Same URL with scheme http. */
static char *url_with_http(const char *url)
{
	CURLU *u = curl_url();
	char *joined = NULL, *out = NULL;

	if (!u)
		return NULL;
	if (!curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_set(u, CURLUPART_SCHEME, "http", 0) &&
	    !curl_url_get(u, CURLUPART_URL, &joined, 0))
		out = strdup(joined);
	curl_free(joined);
	curl_url_cleanup(u);
	return out;
}

static int append(char **buf, size_t *size, const char *p, size_t len)
{
	char *grown = realloc(*buf, *size + len + 1);

	if (!grown)
		return -1;
	memcpy(grown + *size, p, len);
	*size += len;
	grown[*size] = '\0';
	*buf = grown;
	return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	struct gate_http_resp *r = x->resp;
	size_t len = sz * n, cap;
	int ok = r->status >= 200 && r->status < 300;

	if (ok && x->req->sink) {
		if (gate_sink_write(x->req->sink, p, len, &x->sink_err)) {
			x->sink_failed = 1;
			return 0;
		}
		x->delivered += len;
		return len;
	}
	cap = ok ? x->req->max_body_size : ERROR_BODY_MAX;
	if (r->body_size + len > cap) {
		if (ok) {
			x->too_large = 1;
			return 0;
		}
		len = cap - r->body_size;
		if (len && append(&r->body, &r->body_size, p, len))
			return 0;
		return sz * n;
	}
	if (append(&r->body, &r->body_size, p, len))
		return 0;
	return len;
}

static char *dup_value(const char *p, size_t len)
{
	char *s;

	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	s = malloc(len + 1);
	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static void keep_first(char **slot, const char *p, size_t len)
{
	if (!*slot)
		*slot = dup_value(p, len);
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	struct gate_http_resp *r = x->resp;
	size_t len = sz * n;
	const char *colon;

	/* A status line starts each response, interim ones (1xx) included. */
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		const char *sp = memchr(p, ' ', len);

		resp_reset(r);
		free(x->location);
		free(x->retry_after);
		x->location = x->retry_after = NULL;
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon)
		return len;
#define HEADER_IS(name) ((size_t)(colon - p) == sizeof(name) - 1 && !strncasecmp(p, name, sizeof(name) - 1))
	if (HEADER_IS("www-authenticate"))
		keep_first(&r->www_authenticate, colon + 1, len - (size_t)(colon + 1 - p));
	else if (HEADER_IS("docker-content-digest"))
		keep_first(&r->docker_content_digest, colon + 1, len - (size_t)(colon + 1 - p));
	else if (HEADER_IS("content-type"))
		keep_first(&r->content_type, colon + 1, len - (size_t)(colon + 1 - p));
	else if (HEADER_IS("link"))
		keep_first(&r->link, colon + 1, len - (size_t)(colon + 1 - p));
	else if (HEADER_IS("location"))
		keep_first(&x->location, colon + 1, len - (size_t)(colon + 1 - p));
	else if (HEADER_IS("retry-after"))
		keep_first(&x->retry_after, colon + 1, len - (size_t)(colon + 1 - p));
#undef HEADER_IS
	return len;
}

static int on_xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (dlnow + ulnow != x->last_now) {
		x->last_now = dlnow + ulnow;
		x->last_byte = now;
		return 0;
	}
	if (now.tv_sec - x->last_byte.tv_sec >= x->idle_timeout_s) {
		x->idle = 1;
		return 1;
	}
	return 0;
}

static int retryable_status(long status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

static int retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Retry-After is delta-seconds or an HTTP-date (RFC 9110 10.2.3).
 * Returns milliseconds, or -1 if absent or unreadable. */
static long long retry_after_ms(const char *v)
{
	struct tm tm;
	char *end;
	long long s;
	time_t when, now;

	if (!v || !*v)
		return -1;
	errno = 0;
	s = strtoll(v, &end, 10);
	if (end != v && !*end && !errno)
		return s < 0 ? 0 : s > 86400 ? 86400000LL : s * 1000;
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	when = timegm(&tm);
	now = time(NULL);
	return when <= now ? 0 : (long long)(when - now) * 1000;
}

static void sleep_ms(unsigned long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Appends "name: value"; a NULL value gives "name:", which stops curl
 * sending its own.  Sized to the value: tokens run to many kilobytes. */
static int add_header(struct curl_slist **hdrs, const char *name, const char *value)
{
	size_t size = strlen(name) + 2 + (value ? strlen(value) : 0) + 1;
	char *line = malloc(size);
	struct curl_slist *t = NULL;

	if (!line)
		return -1;
	snprintf(line, size, "%s:%s%s", name, value ? " " : "", value ? value : "");
	t = curl_slist_append(*hdrs, line);
	explicit_bzero(line, size);
	free(line);
	if (!t)
		return -1;
	*hdrs = t;
	return 0;
}

/* One HTTP exchange, no retry, no redirect. */
static CURLcode perform(gate_http *h, struct xfer *x, const char *url,
			const struct url_parts *up, int send_auth, char *errbuf)
{
	const struct gate_http_req *req = x->req;
	struct curl_slist *hdrs = NULL;
	CURL *c;
	CURLcode rc;
	int ok;

	c = pthread_getspecific(h->handle_key);
	if (c) {
		curl_easy_reset(c);
	} else {
		if (!(c = curl_easy_init()))
			return CURLE_OUT_OF_MEMORY;
		if (pthread_setspecific(h->handle_key, c)) {
			curl_easy_cleanup(c);
			return CURLE_OUT_OF_MEMORY;
		}
	}
	ok = (!req->accept || !add_header(&hdrs, "Accept", req->accept)) &&
	     (!send_auth || !req->authorization || !add_header(&hdrs, "Authorization", req->authorization)) &&
	     (!req->content_type || !add_header(&hdrs, "Content-Type", req->content_type)) &&
	     /* No 100-continue round trip for the small bodies posted here. */
	     !add_header(&hdrs, "Expect", NULL);
	if (!ok) {
		curl_slist_free_all(hdrs);
		return CURLE_OUT_OF_MEMORY;
	}
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_SHARE, h->share);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gate");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->opts.connect_timeout_s);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, GATE_MIN_TRANSFER_SPEED);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->opts.idle_timeout_s);
	if (req->deadline && req->deadline->at_ms)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(req->deadline->at_ms - gate_http_now_ms()));
	x->idle_timeout_s = h->opts.idle_timeout_s;
	x->last_now = -1;
	x->idle = 0;
	clock_gettime(CLOCK_MONOTONIC, &x->last_byte);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (!strcmp(req->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_size);
	}
	if (gate_http_is_insecure(h, up->hostport)) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	}
	rc = curl_easy_perform(c);
	/* The handle outlives this request: nothing of it may point here. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	return rc;
}

/* One gate_http_do: its attempts, retries and redirects. */
struct call {
	gate_http *h;
	const struct gate_http_req *req;
	struct gate_http_resp *resp;
	struct xfer x;
	struct url_parts origin, cur;
	char errbuf[CURL_ERROR_SIZE];
	char *url;
	unsigned redirects, waited_ms;
	int send_auth;
	CURLcode crc;
};

static int deadline_passed(const struct call *c)
{
	const struct gate_http_deadline *d = c->req->deadline;

	return d && d->at_ms && gate_http_now_ms() >= d->at_ms;
}

static int deadline_error(const struct call *c, gate_err *err)
{
	return gate_err_set(err, GATE_EVERIFY, "%s %s: the image's time limit of %u s ran out (--timeout)",
			    c->req->method, c->cur.shown, c->req->deadline->total_s);
}

static int replace_url(struct call *c, char *next, gate_err *err)
{
	if (!next)
		return gate_err_nomem(err);
	free(c->url);
	c->url = next;
	return 0;
}

/* Picks the scheme for c->url.  Returns 1 if the URL changed (look again),
 * 0 to send it, -1 with err set. */
static int choose_scheme(struct call *c, gate_err *err)
{
	if (url_parse(c->url, &c->cur, err))
		return -1;
	/* The origin is host and port: the scheme changes when a host
	 * falls back to plain HTTP, and that is still the registry. */
	if (strcmp(c->cur.hostport, c->origin.hostport))
		c->send_auth = 0;
	if (!strcmp(c->cur.scheme, "https") && is_plain(c->h, c->cur.hostport))
		return replace_url(c, url_with_http(c->url), err) ? -1 : 1;
	if (!strcmp(c->cur.scheme, "http") && !gate_http_is_insecure(c->h, c->cur.hostport) &&
	    !gate_http_is_loopback(c->cur.hostport))
		return gate_err_set(err, GATE_EVERIFY, "%s %s: plain http to a host not named insecure",
				    c->req->method, c->cur.shown);
	return 0;
}

/* What OpenSSL says when the first bytes back from a ClientHello are an
 * HTTP response. */
static int answered_in_http(const char *errbuf)
{
	return strstr(errbuf, "wrong version number") || strstr(errbuf, "packet length too long") ||
	       strstr(errbuf, "http request");
}

/* A failed TLS handshake.  Returns 1 to go on in plain HTTP, 0 if not,
 * -1 with err set when the host speaks HTTP and must be named insecure. */
static int plain_fallback(struct call *c, gate_err *err)
{
	int insecure;

	if (c->crc != CURLE_SSL_CONNECT_ERROR || strcmp(c->cur.scheme, "https"))
		return 0;
	insecure = gate_http_is_insecure(c->h, c->cur.hostport);
	/* An insecure host that does not speak TLS is spoken to in plain
	 * HTTP from then on, as Docker does; a loopback one only when it
	 * answered in HTTP, so that a broken TLS setup stays an error. */
	if (insecure || (gate_http_is_loopback(c->cur.hostport) && answered_in_http(c->errbuf))) {
		mark_plain(c->h, c->cur.hostport);
		return 1;
	}
	if (answered_in_http(c->errbuf))
		return gate_err_set(err, GATE_EVERIFY,
				    "%s %s: this registry speaks plain HTTP: use --insecure-registry %s",
				    c->req->method, c->cur.shown, c->cur.hostport);
	return 0;
}

/* One attempt at c->url.  Returns 0 with c->crc set, or -1 with err set
 * for failures that no retry mends. */
static int attempt(struct call *c, gate_err *err)
{
	struct xfer *x = &c->x;

	if (deadline_passed(c))
		return deadline_error(c, err);
	resp_reset(c->resp);
	free(x->location);
	free(x->retry_after);
	x->location = x->retry_after = NULL;
	x->too_large = 0;
	c->crc = perform(c->h, x, c->url, &c->cur, c->send_auth, c->errbuf);
	c->resp->attempts++;
	if (x->sink_failed) {
		if (err && !err->code)
			*err = x->sink_err;
		return -1;
	}
	if (x->too_large)
		return gate_err_set(err, GATE_EVERIFY, "%s %s: response larger than %zu bytes",
				    c->req->method, c->cur.shown, c->req->max_body_size);
	if (c->crc != CURLE_OK && deadline_passed(c))
		return deadline_error(c, err);
	if (x->idle) {
		c->crc = CURLE_OPERATION_TIMEDOUT;
		snprintf(c->errbuf, CURL_ERROR_SIZE, "no data received for %ld s", x->idle_timeout_s);
	}
	if (c->crc == CURLE_OUT_OF_MEMORY)
		return gate_err_nomem(err);
	return 0;
}

/* After a retryable failure.  Returns 1 to try again, 0 to give up, -1
 * with err set if the restart failed. */
static int retry(struct call *c, gate_err *err)
{
	const struct gate_http_opts *o = &c->h->opts;
	const struct gate_http_deadline *d = c->req->deadline;
	unsigned long long wait;
	long long ra;

	if (c->resp->attempts >= o->max_attempts || (c->x.delivered && !c->req->restart))
		return 0;
	ra = c->crc == CURLE_OK ? retry_after_ms(c->x.retry_after) : -1;
	if (ra >= 0) {
		wait = (unsigned long long)ra;
	} else {
		unsigned shift = c->resp->attempts - 1 > 10 ? 10 : c->resp->attempts - 1;

		wait = (unsigned long long)o->backoff_ms << shift;
		if (wait > BACKOFF_MAX_MS)
			wait = BACKOFF_MAX_MS;
	}
	if (c->waited_ms + wait > o->retry_budget_ms)
		return 0;
	if (d && d->at_ms && gate_http_now_ms() + wait >= d->at_ms)
		return 0;
	if (c->x.delivered) {
		if (c->req->restart(c->req->restart_ctx, err))
			return -1;
		c->x.delivered = 0;
	}
	sleep_ms(wait);
	c->waited_ms += (unsigned)wait;
	__atomic_add_fetch(&c->h->retries, 1, __ATOMIC_RELAXED);
	return 1;
}

/* A 3xx answer to a GET.  Returns 1 to follow it, 0 if it is the final
 * answer, -1 with err set. */
static int redirect(struct call *c, gate_err *err)
{
	long st = c->resp->status;

	if (strcmp(c->req->method, "GET") || st < 300 || st >= 400 || st == 304 || !c->x.location)
		return 0;
	if (++c->redirects > MAX_REDIRECTS)
		return gate_err_set(err, GATE_EVERIFY, "%s %s: more than %d redirects",
				    c->req->method, c->origin.shown, MAX_REDIRECTS);
	if (replace_url(c, url_resolve(c->url, c->x.location), NULL))
		return gate_err_set(err, GATE_EVERIFY, "%s %s: redirect to a malformed location",
				    c->req->method, c->cur.shown);
	return 1;
}

static int give_up(const struct call *c, gate_err *err)
{
	if (c->crc == CURLE_OK)
		return 0;
	return gate_err_set(err, GATE_EVERIFY, "%s %s: %s (gave up after %u attempt%s)", c->req->method,
			    c->cur.shown, c->errbuf[0] ? c->errbuf : curl_easy_strerror(c->crc),
			    c->resp->attempts, c->resp->attempts == 1 ? "" : "s");
}

/* The loop of gate_http_do.  Returns 0 or -1 with err set. */
static int run_call(struct call *c, gate_err *err)
{
	int r;

	for (;;) {
		if ((r = choose_scheme(c, err)) < 0)
			return -1;
		if (r)
			continue;
		if (attempt(c, err))
			return -1;
		if (c->crc != CURLE_OK && (r = plain_fallback(c, err)) != 0) {
			if (r < 0)
				return -1;
			c->resp->attempts--;
			continue;
		}
		if ((c->crc != CURLE_OK && retryable_curl(c->crc)) ||
		    (c->crc == CURLE_OK && retryable_status(c->resp->status))) {
			if ((r = retry(c, err)) < 0)
				return -1;
			if (r)
				continue;
			return give_up(c, err);
		}
		if (c->crc != CURLE_OK)
			return gate_err_set(err, GATE_EVERIFY, "%s %s: %s", c->req->method, c->cur.shown,
					    c->errbuf[0] ? c->errbuf : curl_easy_strerror(c->crc));
		if ((r = redirect(c, err)) < 0)
			return -1;
		if (!r)
			return 0;
	}
}

int gate_http_do(gate_http *h, const struct gate_http_req *req,
		 struct gate_http_resp *resp, gate_err *err)
{
	struct call *c;
	int rc;

	memset(resp, 0, sizeof(*resp));
	/* The error buffer and URL parts are too large for a worker's stack
	 * to carry comfortably through curl. */
	if (!(c = calloc(1, sizeof(*c))))
		return gate_err_nomem(err);
	c->h = h;
	c->req = req;
	c->resp = resp;
	c->x.req = req;
	c->x.resp = resp;
	c->send_auth = 1;
	rc = url_parse(req->url, &c->origin, err);
	if (!rc && !(c->url = strdup(req->url)))
		rc = gate_err_nomem(err);
	if (!rc)
		rc = run_call(c, err);
	if (rc == 0) {
		resp->url = c->url;
		resp->other_origin = !c->send_auth;
		c->url = NULL;
	}
	free(c->url);
	free(c->x.location);
	free(c->x.retry_after);
	free(c);
	return rc;
}
