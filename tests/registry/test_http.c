/*
 * test_http.c - which hosts are loopback by name, and which
 * --insecure-registry values gate_http_new() takes.
 */
#include <stdio.h>
#include <string.h>

#include "registry/http.h"

static const struct {
	const char *hostport;
	int loopback;
} hosts[] = {
	{ "localhost", 1 }, { "localhost:5000", 1 }, { "127.0.0.1", 1 }, { "127.0.0.1:443", 1 },
	{ "127.1.2.3:80", 1 }, { "[::1]", 1 }, { "[::1]:5000", 1 },
	{ "localhost.example.com:5000", 0 }, { "gate-test.localhost:5000", 0 }, { "127.example.com", 0 },
	{ "127.0.0.1.nip.io:80", 0 }, { "127.0.0:80", 0 }, { "127.0.0.:80", 0 }, { "128.0.0.1", 0 },
	{ "[::2]:5000", 0 }, { "[::1]x", 0 }, { "10.0.0.1", 0 }, { "", 0 },
};

static const struct {
	const char *value;
	const char *hint;               /* NULL: accepted */
} insecure[] = {
	{ "myreg.local:5000", NULL }, { "myreg.local", NULL }, { "[::1]:5000", NULL },
	{ "http://myreg.local:5000", "use --insecure-registry myreg.local:5000" },
	{ "https://myreg.local/v2/", "use --insecure-registry myreg.local" },
	{ "myreg.local:5000/v2", "use --insecure-registry myreg.local:5000" },
};

int main(void)
{
	int failures = 0, n = 0;
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++, n++) {
		if (gate_http_is_loopback(hosts[i].hostport) != hosts[i].loopback) {
			printf("FAIL loopback '%s': expected %d\n", hosts[i].hostport, hosts[i].loopback);
			failures++;
		}
	}
	for (i = 0; i < sizeof(insecure) / sizeof(insecure[0]); i++, n++) {
		struct gate_http_opts o = GATE_HTTP_OPTS_INIT;
		gate_err err = GATE_ERR_INIT;
		gate_http *h = NULL;
		int rc;

		o.insecure_hosts = &insecure[i].value;
		o.insecure_count = 1;
		rc = gate_http_new(&h, &o, &err);
		if (insecure[i].hint ? rc != -1 || err.code != GATE_EINPUT || !strstr(err.msg, insecure[i].hint) : rc != 0) {
			printf("FAIL insecure '%s': rc %d, '%s'\n", insecure[i].value, rc, err.msg);
			failures++;
		}
		gate_http_free(h);
	}
	printf("%d passed, %d failed\n", n - failures, failures);
	return failures != 0;
}
