// SPDX-License-Identifier: GPL-2.0-only
/* The client side of svm-cxld's control socket; see client.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "client.h"
#include "proto.h"

int svmd_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, rc;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", svmd_socket_path());
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int svmd_request(const char *json, struct json_object **reply, char *text, size_t textlen)
{
	/* a reply is at most the daemon's per-client queue (server.h: SVMD_OUT_MAX) */
	char buf[64 * 1024 + 1];
	size_t len = 0;
	ssize_t r;
	int fd, rc;

	*reply = NULL;
	fd = svmd_connect();
	if (fd < 0)
		return fd;
	rc = write_all(fd, json, strlen(json));
	if (!rc)
		rc = write_all(fd, "\n", 1);
	if (rc) {
		close(fd);
		return rc;
	}
	while (len < sizeof(buf) - 1) {
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
		if (memchr(buf, '\n', len))
			break;
	}
	close(fd);
	buf[len] = '\0';
	if (text)
		snprintf(text, textlen, "%s", buf);
	if (!len)
		return -ENODATA;
	*reply = json_tokener_parse(buf);
	return *reply ? 0 : -EPROTO;
}

int svmd_reply_code(struct json_object *reply)
{
	struct json_object *v;

	if (json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v))
		return SVMD_OK;
	if (json_object_object_get_ex(reply, "code", &v))
		return json_object_get_int(v);
	return SVMD_EFAIL;
}
