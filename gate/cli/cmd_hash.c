/*
 * cmd_hash.c - `gate hash`: CCE layer root hashes of layer tars or images.
 *
 *   gate hash --tar FILE...      FILE: .tar, .tar.gz, .tar.zst, or - for stdin
 *   gate hash IMAGE...           straight from the registries
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "registry_opts.h"
#include "base/err.h"
#include "engine/layer.h"
#include "report/hash.h"

#define CMD "hash"
#define READ_SIZE (1u << 20)

enum format { FORMAT_TEXT, FORMAT_JSON };
static const char *const formats[] = { "text", "json", NULL };

struct hash_opts {
	int tar;
	int format;             /* enum format */
	const char *ext4_out;
	unsigned long chunk_size;       /* feed the pipeline in chunks of this size (tests) */
	struct cli_registry reg;
};

static const char *const usage[] = {
	"--tar [<options>] FILE...",
	"[<options>] IMAGE...",
	NULL,
};

/* --- layer files --- */

static int feed_fd(gate_layer *l, int fd, size_t chunk_size, gate_err *err)
{
	unsigned char *buf = malloc(READ_SIZE);
	int rc = -1;

	if (!buf)
		return gate_err_nomem(err);
	for (;;) {
		ssize_t n = read(fd, buf, READ_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gate_err_set(err, GATE_EINPUT, "read error: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		for (size_t off = 0; off < (size_t)n; off += chunk_size) {
			size_t k = (size_t)n - off < chunk_size ? (size_t)n - off : chunk_size;

			if (gate_layer_write(l, buf + off, k, err))
				goto out;
		}
	}
out:
	free(buf);
	return rc;
}

static int hash_file(const char *path, const struct hash_opts *o,
		     struct gate_layer_result *res, gate_err *err)
{
	struct gate_layer_opts lo = GATE_LAYER_OPTS_INIT;
	gate_layer *l = NULL;
	int fd, out_fd = -1, rc = -1;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return gate_err_set(err, GATE_EINPUT, "cannot open: %s", strerror(errno));
	if (o->ext4_out) {
		out_fd = open(o->ext4_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			gate_err_set(err, GATE_EINPUT, "cannot create '%s': %s", o->ext4_out,
				     strerror(errno));
			goto out;
		}
		lo.ext4_out_fd = out_fd;
	}
	lo.skip_diff_id = 1;    /* a tar file has no descriptor to check it against */
	lo.gzip_zlib = getenv("GATE_GZIP") && !strcmp(getenv("GATE_GZIP"), "zlib");
	if (gate_layer_new(&l, &lo, err) || feed_fd(l, fd, o->chunk_size, err))
		goto out;
	rc = gate_layer_finish(l, res, err);
out:
	gate_layer_free(l);
	if (out_fd >= 0)
		close(out_fd);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static int hash_tars(int argc, char **argv, const struct hash_opts *o)
{
	struct gate_layer_result *res = calloc((size_t)argc, sizeof(*res));
	struct gate_report_hashes json;
	int status = 0;

	if (!res)
		return cli_errorf(CMD, GATE_EVERIFY, "out of memory");
	for (int i = 0; i < argc; i++) {
		gate_err err = GATE_ERR_INIT;

		if (hash_file(argv[i], o, &res[i], &err)) {
			gate_err_prefix(&err, "layer '%s'", argv[i]);
			if (cli_error(CMD, &err) > status)
				status = err.code;
			continue;
		}
		/* The reference never reads past the end marker: a note, not an error. */
		if (!res[i].stream_complete)
			cli_notef(CMD, "layer '%s': ignored %llu bytes after the end of the archive: %s",
				  argv[i], (unsigned long long)res[i].trailing_bytes, res[i].stream_error);
		if (o->format == FORMAT_TEXT)
			gate_report_tar_text(stdout, res[i].root_hash, argv[i]);
	}
	/* JSON is all or nothing: a list with a layer missing would read as complete. */
	if (o->format == FORMAT_JSON && status == 0) {
		gate_report_hashes_begin(&json, stdout);
		for (int i = 0; i < argc; i++)
			gate_report_hashes_add(&json, res[i].root_hash);
		gate_report_hashes_end(&json);
	}
	free(res);
	return cli_finish_output(CMD, status);
}

/* --- images --- */

/* Each image gets its hashes or its error, in the order given: one
 * unreachable image must not hide the others'.  The exit status is the
 * worst error, so a run with any image missing never reads as a pass:
 * could-not-verify (3) outranks bad input (2).  The JSON document holds
 * the errors too, so it is complete either way. */
static int print_images(const struct hash_opts *o, struct gate_image *imgs, size_t n)
{
	size_t printed = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (imgs[i].err.code) {
			if (cli_error(CMD, &imgs[i].err) > rc)
				rc = imgs[i].err.code;
		} else if (o->format == FORMAT_TEXT) {
			if (printed++)
				putchar('\n');
			gate_report_image_text(stdout, &imgs[i]);
		}
	}
	if (o->format == FORMAT_JSON && gate_report_images_json(stdout, imgs, n))
		rc = cli_errorf(CMD, GATE_EVERIFY, "the JSON document could not be written");
	return rc;
}

static int hash_images(int argc, char **argv, struct hash_opts *o)
{
	struct gate_image *imgs = NULL;
	gate_err err = GATE_ERR_INIT;
	size_t i, n = (size_t)argc;
	int rc;

	if (cli_registry_open(&o->reg, &err) ||
	    (!(imgs = calloc(n, sizeof(*imgs))) && gate_err_nomem(&err))) {
		rc = cli_error(CMD, &err);
		goto out;
	}
	for (i = 0; i < n; i++)
		imgs[i].ref = argv[i];
	cli_registry_hash(&o->reg, imgs, n);
	rc = cli_finish_output(CMD, print_images(o, imgs, n));
out:
	for (i = 0; imgs && i < n; i++)
		gate_image_release(&imgs[i]);
	free(imgs);
	return rc;
}

int cmd_hash(int argc, char **argv)
{
	struct hash_opts o = { .format = FORMAT_TEXT, .chunk_size = READ_SIZE };
	const struct cli_option table[] = {
		CLI_FLAG(0, "tar", &o.tar,
			 "the arguments are layer files (.tar, .tar.gz, .tar.zst; - is stdin)"),
		CLI_CHOICE("format", &o.format, formats,
			   "text: a line per layer; json: one document (--tar: {\"layers\":[...]})"),
		CLI_STRING(0, "ext4-out", &o.ext4_out, "PATH",
			   "with --tar: also write the ext4 image built from the one FILE"),
		CLI_UINT("chunk-size", &o.chunk_size, "BYTES", 1, READ_SIZE, NULL),
		CLI_INCLUDE(o.reg.options),
		CLI_END,
	};
	const struct cli_command cmd = {
		CMD, usage, "Prints the dm-verity root hash of each layer, as listed in a CCE policy.",
		table,
	};
	int rc;

	cli_registry_init(&o.reg, CMD);
	rc = cli_parse(&cmd, &argc, argv);
	if (rc)
		rc = rc == CLI_HELP ? 0 : rc;
	else if (argc == 0)
		rc = cli_usage_args(&cmd, o.tar ? "--tar needs at least one FILE" : "no IMAGE given");
	else if (o.ext4_out && (!o.tar || argc != 1))
		rc = cli_usage_error(CMD, "--ext4-out takes --tar and exactly one FILE");
	else
		rc = o.tar ? hash_tars(argc, argv, &o) : hash_images(argc, argv, &o);
	cli_registry_close(&o.reg);
	return rc;
}
