// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl monitor: stream svm-cxld's events (JSON, one object per line). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "client.h"
#include "proto.h"

int cmd_monitor(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static const char req[] = "{\"cmd\":\"monitor\"}\n";
	unsigned int count = 0, seen = 0;
	bool acked = false;
	char buf[8192];
	size_t len = 0;
	int fd, c;

	(void)ctx;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_uint(optarg, &count) || !count)
				return usage_error("monitor", "--count '%s': expected a number > 0", optarg);
			break;
		case ':':
			return usage_error("monitor", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("monitor", "unknown option '%s'; see 'svm-cxlctl help monitor'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("monitor", "unexpected argument '%s'", argv[optind]);
	fd = svmd_connect();
	if (fd < 0) {
		fprintf(stderr, "%s monitor: cannot connect to %s: %s (is svm-cxld running?)\n", prog,
			svmd_socket_path(), strerror(-fd));
		return EXIT_FAIL;
	}
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		fprintf(stderr, "%s monitor: %s: %s\n", prog, svmd_socket_path(), strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *line, *nl;

		if (r <= 0) {
			fprintf(stderr, "%s monitor: svm-cxld closed the connection\n", prog);
			return EXIT_FAIL;
		}
		len += r;
		buf[len] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (!acked) {
				/* the reply to the monitor request itself, read as JSON */
				struct json_object *reply = json_tokener_parse(line);
				int code = reply ? svmd_reply_code(reply) : -1;

				json_object_put(reply);
				if (code) {
					fprintf(stderr, "%s monitor: refused: %s\n", prog, line);
					close(fd);
					return code > 0 ? code : EXIT_FAIL;
				}
				acked = true;
			} else {
				printf("%s\n", line);
				if (count && ++seen >= count)
					return EXIT_OK;
			}
			line = nl + 1;
		}
		len -= line - buf;
		memmove(buf, line, len);
		if (len >= sizeof(buf) - 1)
			len = 0;	/* an event longer than the buffer: drop it */
	}
}
