/*
 * cmd_hash.c - `gate hash`: CCE layer root hashes of layer tars or images.
 *
 *   gate hash --tar FILE...      FILE: .tar, .tar.gz, .tar.zst, or - for stdin
 *   gate hash IMAGE...           see hash_image.c
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "base/err.h"
#include "hash_image.h"
#include "engine/layer.h"

#define READ_SIZE (1u << 20)

enum format { FORMAT_TEXT, FORMAT_JSON };

struct hash_opts {
	enum format format;
	const char *ext4_out;
	size_t chunk_size;      /* feed the pipeline in chunks of this size (tests) */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gate hash --tar [options] FILE...\n"
		"       gate hash [options] IMAGE...\n"
		"\n"
		"Prints the dm-verity root hash of each layer, as listed in a CCE policy.\n"
		"\n"
		"  --tar               the arguments are layer files (.tar, .tar.gz, .tar.zst; - is stdin)\n"
		"  --format text|json  text: 'HASH  FILE' per layer; json: {\"layers\":[...]}\n"
		"  --ext4-out PATH     also write the ext4 image built from the one FILE (debugging)\n"
		"\n");
	gate_cli_hash_images_usage(f);
}

static int hash_file(const char *path, const struct hash_opts *o,
		     struct gate_layer_result *res, gate_err *err)
{
	struct gate_layer_opts lo = GATE_LAYER_OPTS_INIT;
	gate_layer *l = NULL;
	unsigned char *buf = NULL;
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
	if (!(buf = malloc(READ_SIZE))) {
		gate_err_nomem(err);
		goto out;
	}
	if (gate_layer_new(&l, &lo, err))
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, READ_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gate_err_set(err, GATE_EINPUT, "read error: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n; off += o->chunk_size) {
			size_t k = (size_t)n - off < o->chunk_size ? (size_t)n - off : o->chunk_size;

			if (gate_layer_write(l, buf + off, k, err))
				goto out;
		}
	}
	rc = gate_layer_finish(l, res, err);
out:
	gate_layer_free(l);
	free(buf);
	if (out_fd >= 0)
		close(out_fd);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static int hash_tars(int argc, char **argv, const struct hash_opts *o)
{
	struct gate_layer_result *res = calloc((size_t)argc, sizeof(*res));
	int status = 0;

	if (!res) {
		fprintf(stderr, "gate: out of memory\n");
		return GATE_EVERIFY;
	}
	for (int i = 0; i < argc; i++) {
		gate_err err = GATE_ERR_INIT;
		char hex[2 * GATE_DIGEST_SIZE + 1];

		if (hash_file(argv[i], o, &res[i], &err)) {
			fprintf(stderr, "gate: layer '%s': %s\n", argv[i], err.msg);
			if (err.code > status)
				status = err.code;
			continue;
		}
		/* The reference never reads past the end marker: a note, not an error. */
		if (!res[i].stream_complete)
			fprintf(stderr, "gate: layer '%s': ignored %llu bytes after the end of the archive: %s\n",
				argv[i], (unsigned long long)res[i].trailing_bytes, res[i].stream_error);
		if (o->format == FORMAT_TEXT) {
			gate_hex(hex, res[i].root_hash, GATE_DIGEST_SIZE);
			printf("%s  %s\n", hex, argv[i]);
		}
	}
	/* JSON is all or nothing: a list with a layer missing would read as complete. */
	if (o->format == FORMAT_JSON && status == 0) {
		printf("{\"layers\":[");
		for (int i = 0; i < argc; i++) {
			char hex[2 * GATE_DIGEST_SIZE + 1];

			gate_hex(hex, res[i].root_hash, GATE_DIGEST_SIZE);
			printf("%s\"%s\"", i ? "," : "", hex);
		}
		printf("]}\n");
	}
	free(res);
	if (fflush(stdout) != 0 && status == 0) {
		fprintf(stderr, "gate: cannot write output: %s\n", strerror(errno));
		status = GATE_EVERIFY;
	}
	return status;
}

int cmd_hash(int argc, char **argv)
{
	enum { OPT_TAR = 256, OPT_FORMAT, OPT_EXT4_OUT, OPT_CHUNK_SIZE, OPT_HELP };
	static const struct option longopts[] = {
		{ "tar", no_argument, NULL, OPT_TAR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ext4-out", required_argument, NULL, OPT_EXT4_OUT },
		{ "chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct hash_opts o = { FORMAT_TEXT, NULL, READ_SIZE };
	int tar = 0, c;

	/* Only --tar mode is parsed here; image mode has its own options. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--tar"))
			tar = 1;
	if (!tar) {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				usage(stdout);
				return 0;
			}
		return gate_cli_hash_images(argc, argv);
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TAR:
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text")) {
				o.format = FORMAT_TEXT;
			} else if (!strcmp(optarg, "json")) {
				o.format = FORMAT_JSON;
			} else {
				fprintf(stderr, "gate: unknown format '%s' (text or json)\n", optarg);
				return GATE_EINPUT;
			}
			break;
		case OPT_EXT4_OUT:
			o.ext4_out = optarg;
			break;
		case OPT_CHUNK_SIZE: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || n == 0 || n > READ_SIZE) {
				fprintf(stderr, "gate: bad --chunk-size '%s' (1..%u)\n", optarg, READ_SIZE);
				return GATE_EINPUT;
			}
			o.chunk_size = n;
			break;
		}
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return GATE_EINPUT;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "gate: hash --tar needs at least one FILE\n");
		return GATE_EINPUT;
	}
	if (o.ext4_out && argc - optind != 1) {
		fprintf(stderr, "gate: --ext4-out takes exactly one FILE\n");
		return GATE_EINPUT;
	}
	return hash_tars(argc - optind, argv + optind, &o);
}
