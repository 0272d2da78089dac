// SPDX-License-Identifier: GPL-2.0-only
/* The svm-cxld control socket. See server.h and proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "lock.h"
#include "log.h"
#include "proto.h"
#include "server.h"

int svmd_server_open(struct svmd_server *s, const char *path, struct svmd_engine *e)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, rc;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	s->engine = e;
	s->lock_timeout_ms = 30000;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* anyone may connect and read; state changes are checked per request */
	chmod(path, 0666);
	s->listen_fd = fd;
	return 0;
}

void svmd_server_close(struct svmd_server *s, const char *path)
{
	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			close(s->clients[i].fd);
	if (s->listen_fd > 0) {
		close(s->listen_fd);
		unlink(path);
	}
}

int svmd_server_fds(struct svmd_server *s, struct pollfd *fds, int max)
{
	int n = 0;

	if (max < 1)
		return 0;
	fds[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (int i = 0; i < SVMD_MAX_CLIENTS && n < max; i++)
		if (s->clients[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = s->clients[i].fd, .events = POLLIN };
	return n;
}

static void send_line(int fd, struct json_object *o)
{
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(txt), off = 0;
	char nl = '\n';

	while (off < len) {
		ssize_t w = send(fd, txt + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += w;
	}
	send(fd, &nl, 1, MSG_NOSIGNAL);
}

static void reply_error(int fd, int code, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "code", json_object_new_int(code));
	send_line(fd, o);
	json_object_put(o);
}

static void reply_ok(int fd, struct json_object *o)
{
	if (!o)
		o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	send_line(fd, o);
	json_object_put(o);
}

void svmd_server_broadcast(struct json_object *ev, void *data)
{
	struct svmd_server *s = data;

	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0 && s->clients[i].monitor)
			send_line(s->clients[i].fd, ev);
}

int svmd_server_nr_monitors(struct svmd_server *s)
{
	int n = 0;

	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		n += s->clients[i].fd >= 0 && s->clients[i].monitor;
	return n;
}

static void drop(struct svmd_server *s, int i)
{
	close(s->clients[i].fd);
	s->clients[i].fd = -1;
	s->clients[i].monitor = false;
	s->clients[i].len = 0;
}

static void serve(struct svmd_server *s, int i, const char *line)
{
	int fd = s->clients[i].fd, code = 0, lock;
	struct svmd_request req;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char err[512];

	if (svmd_parse_request(line, &req, err, sizeof(err))) {
		reply_error(fd, SVMD_EUSAGE, err);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
		reply_error(fd, SVMD_EPERM, "cannot read the peer's credentials");
		return;
	}
	if (svmd_cmd_privileged(req.cmd) && cred.uid != 0) {
		log_warn("refused '%s' from uid %u (pid %d): only root changes state",
			 svmd_cmd_name(req.cmd), cred.uid, cred.pid);
		snprintf(err, sizeof(err), "'%s' changes state and needs root (you are uid %u)",
			 svmd_cmd_name(req.cmd), cred.uid);
		reply_error(fd, SVMD_EPERM, err);
		return;
	}
	log_debug("request '%s' from uid %u (pid %d)", svmd_cmd_name(req.cmd), cred.uid, cred.pid);
	switch (req.cmd) {
	case SVMD_CMD_STATUS:
		reply_ok(fd, svmd_engine_status(s->engine));
		return;
	case SVMD_CMD_MONITOR:
		s->clients[i].monitor = true;
		reply_ok(fd, NULL);
		return;
	case SVMD_CMD_RELOAD:
		if (svmd_engine_reload(s->engine, err, sizeof(err))) {
			log_err("policy not reloaded, keeping the previous one: %s", err);
			reply_error(fd, SVMD_EUSAGE, err);
			return;
		}
		log_info("policy reloaded on request");
		reply_ok(fd, NULL);
		return;
	default:
		break;
	}
	lock = svmd_lock(s->lock_timeout_ms);
	if (lock < 0) {
		snprintf(err, sizeof(err), "%s is held by another svm-cxlctl: %s", svmd_lock_path(),
			 strerror(-lock));
		reply_error(fd, SVMD_EBUSY, err);
		return;
	}
	err[0] = '\0';
	if (req.cmd == SVMD_CMD_RECONCILE)
		svmd_engine_reconcile(s->engine);
	else if (req.cmd == SVMD_CMD_OFFLINE)
		code = svmd_engine_offline(s->engine, req.object, err, sizeof(err));
	else if (req.cmd == SVMD_CMD_ONLINE)
		code = svmd_engine_online(s->engine, req.object, err, sizeof(err));
	svmd_unlock(lock);
	if (code)
		reply_error(fd, code, err);
	else
		reply_ok(fd, NULL);
}

void svmd_server_handle(struct svmd_server *s, struct pollfd *fds, int n)
{
	for (int k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == s->listen_fd) {
			int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC), i;

			if (c < 0)
				continue;
			for (i = 0; i < SVMD_MAX_CLIENTS && s->clients[i].fd >= 0; i++)
				;
			if (i == SVMD_MAX_CLIENTS) {
				reply_error(c, SVMD_EBUSY, "too many clients");
				close(c);
				continue;
			}
			s->clients[i].fd = c;
			s->clients[i].len = 0;
			s->clients[i].monitor = false;
			continue;
		}
		for (int i = 0; i < SVMD_MAX_CLIENTS; i++) {
			char *nl;
			ssize_t r;

			if (s->clients[i].fd != fds[k].fd)
				continue;
			r = recv(fds[k].fd, s->clients[i].buf + s->clients[i].len,
				 sizeof(s->clients[i].buf) - 1 - s->clients[i].len, MSG_DONTWAIT);
			if (r <= 0) {
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					break;
				drop(s, i);
				break;
			}
			s->clients[i].len += r;
			s->clients[i].buf[s->clients[i].len] = '\0';
			nl = strchr(s->clients[i].buf, '\n');
			if (!nl && s->clients[i].len >= sizeof(s->clients[i].buf) - 1) {
				reply_error(fds[k].fd, SVMD_EUSAGE, "request too long");
				drop(s, i);
				break;
			}
			if (!nl)
				break;
			*nl = '\0';
			if (s->clients[i].monitor) {
				/* a monitor sends nothing more; ignore */
				s->clients[i].len = 0;
				break;
			}
			serve(s, i, s->clients[i].buf);
			s->clients[i].len = 0;
			/* one request per connection, except monitor */
			if (!s->clients[i].monitor)
				drop(s, i);
			break;
		}
	}
}
