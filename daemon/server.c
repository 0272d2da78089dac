// SPDX-License-Identifier: GPL-2.0-only
/* The svm-cxld control socket. See server.h and proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "clock.h"
#include "lock.h"
#include "log.h"
#include "proto.h"
#include "server.h"

/* Is something accepting connections on @addr? A socket file nobody listens on is what
 * a crashed daemon leaves; one somebody listens on belongs to a live daemon. */
static bool socket_live(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = !connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	return live;
}

int svmd_server_open(struct svmd_server *s, const char *path, const char *group,
		     struct svmd_engine *e)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct group *gr;
	mode_t old;
	int fd, rc;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	s->listen_fd = -1;
	s->engine = e;
	s->lock_timeout_ms = 30000;
	s->client_timeout_ms = SVMD_CLIENT_TIMEOUT_MS;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	if (socket_live(&addr))
		return -EADDRINUSE;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* created 0600, so there is no moment at which anyone else may connect */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16) ? -errno : 0;
	umask(old);
	if (rc) {
		close(fd);
		return rc;
	}
	gr = getgrnam(group ? group : SVMD_SOCKET_GROUP);
	if (gr && !chown(path, 0, gr->gr_gid) && !chmod(path, 0660))
		log_debug("%s: mode 0660, group %s (read-only requests)", path, gr->gr_name);
	else
		log_info("%s: mode 0600 (no group '%s': only root may connect)", path,
			 group ? group : SVMD_SOCKET_GROUP);
	s->listen_fd = fd;
	return 0;
}

static void drop(struct svmd_server *s, int i)
{
	struct svmd_client *c = &s->clients[i];

	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void svmd_server_close(struct svmd_server *s, const char *path)
{
	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			drop(s, i);
	if (s->listen_fd >= 0) {
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
	for (int i = 0; i < SVMD_MAX_CLIENTS && n < max; i++) {
		struct svmd_client *c = &s->clients[i];

		if (c->fd >= 0)
			fds[n++] = (struct pollfd){ .fd = c->fd,
				.events = (c->closing ? 0 : POLLIN) | (c->outlen ? POLLOUT : 0) };
	}
	return n;
}

/* Send what the socket takes now. 0, or -1 if the client went away (and was dropped). */
static int flush(struct svmd_server *s, int i)
{
	struct svmd_client *c = &s->clients[i];

	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w <= 0) {
			drop(s, i);
			return -1;
		}
		memmove(c->out, c->out + w, c->outlen - w);
		c->outlen -= w;
	}
	if (c->closing) {
		drop(s, i);
		return -1;
	}
	return 0;
}

/* Queue one line. An event that would take a monitor's queue past SVMD_OUT_MAX drops the
 * monitor: it stopped reading, and the daemon keeps no unbounded backlog for it. A reply
 * (the only one a request gets) is always queued. */
static int queue_line(struct svmd_server *s, int i, struct json_object *o, bool event)
{
	struct svmd_client *c = &s->clients[i];
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(txt);

	if (event && c->outlen + len + 1 > SVMD_OUT_MAX) {
		log_warn("dropping monitor uid %u (pid %d): it stopped reading (%zu bytes queued)",
			 c->uid, c->pid, c->outlen);
		s->dropped_slow++;
		drop(s, i);
		return -1;
	}
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *p;

		while (cap < c->outlen + len + 1)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			drop(s, i);
			return -1;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, txt, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	return flush(s, i);
}

static void reply_error(struct svmd_server *s, int i, int code, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "code", json_object_new_int(code));
	s->clients[i].closing = true;
	queue_line(s, i, o, false);
	json_object_put(o);
}

static void reply_ok(struct svmd_server *s, int i, struct json_object *o, bool keep)
{
	if (!o)
		o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	s->clients[i].closing = !keep;
	queue_line(s, i, o, false);
	json_object_put(o);
}

void svmd_server_broadcast(struct json_object *ev, void *data)
{
	struct svmd_server *s = data;

	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0 && s->clients[i].monitor)
			queue_line(s, i, ev, true);
}

int svmd_server_nr_monitors(struct svmd_server *s)
{
	int n = 0;

	for (int i = 0; i < SVMD_MAX_CLIENTS; i++)
		n += s->clients[i].fd >= 0 && s->clients[i].monitor;
	return n;
}

int svmd_server_next_timeout(struct svmd_server *s)
{
	uint64_t t = svmd_now_ms(), next = 0;

	for (int i = 0; i < SVMD_MAX_CLIENTS; i++) {
		uint64_t d = s->clients[i].deadline;

		if (s->clients[i].fd >= 0 && d && (!next || d < next))
			next = d;
	}
	if (!next)
		return -1;
	return next > t ? (int)(next - t) : 0;
}

static void serve(struct svmd_server *s, int i, const char *line)
{
	struct svmd_client *c = &s->clients[i];
	struct svmd_request req;
	int code = 0, lock;
	char err[512];

	if (svmd_parse_request(line, &req, err, sizeof(err))) {
		reply_error(s, i, SVMD_EUSAGE, err);
		return;
	}
	if (svmd_cmd_privileged(req.cmd) && c->uid != 0) {
		log_warn("refused '%s' from uid %u (pid %d): only root changes state",
			 svmd_cmd_name(req.cmd), c->uid, c->pid);
		snprintf(err, sizeof(err), "'%s' changes state and needs root (you are uid %u)",
			 svmd_cmd_name(req.cmd), c->uid);
		reply_error(s, i, SVMD_EPERM, err);
		return;
	}
	log_debug("request '%s' from uid %u (pid %d)", svmd_cmd_name(req.cmd), c->uid, c->pid);
	switch (req.cmd) {
	case SVMD_CMD_STATUS:
		reply_ok(s, i, svmd_engine_status(s->engine), false);
		return;
	case SVMD_CMD_MONITOR:
		c->monitor = true;
		c->deadline = 0;
		reply_ok(s, i, NULL, true);
		return;
	case SVMD_CMD_RELOAD:
		if (svmd_engine_reload(s->engine, err, sizeof(err))) {
			log_err("policy not reloaded, keeping the previous one: %s", err);
			reply_error(s, i, SVMD_EUSAGE, err);
			return;
		}
		log_info("policy reloaded on request");
		reply_ok(s, i, NULL, false);
		return;
	default:
		break;
	}
	lock = svmd_lock(s->lock_timeout_ms);
	if (lock < 0) {
		snprintf(err, sizeof(err), "%s is held by another svm-cxlctl: %s", svmd_lock_path(),
			 strerror(-lock));
		reply_error(s, i, SVMD_EBUSY, err);
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
	/* the request took a while: the reply gets its own time to be read */
	if (s->clients[i].fd < 0)
		return;
	s->clients[i].deadline = svmd_now_ms() + s->client_timeout_ms;
	if (code)
		reply_error(s, i, code, err);
	else
		reply_ok(s, i, NULL, false);
}

static int uid_count(struct svmd_server *s, uid_t uid, int *used)
{
	int n = 0;

	*used = 0;
	for (int i = 0; i < SVMD_MAX_CLIENTS; i++) {
		if (s->clients[i].fd < 0)
			continue;
		(*used)++;
		n += s->clients[i].uid == uid;
	}
	return n;
}

/* a refusal is best effort: one non-blocking send, then close */
static void refuse(struct svmd_server *s, int fd, const char *msg)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\",\"code\":%d}\n",
			   msg, SVMD_EBUSY);

	if (send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("refusal not sent: %s", strerror(errno));
	close(fd);
	s->refused++;
}

static void accept_one(struct svmd_server *s)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i, used, mine;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
		refuse(s, fd, "cannot read the peer's credentials");
		return;
	}
	mine = uid_count(s, cred.uid, &used);
	if (cred.uid != 0 && mine >= SVMD_MAX_PER_UID) {
		log_warn("refused a connection from uid %u (pid %d): it already holds %d",
			 cred.uid, cred.pid, mine);
		refuse(s, fd, "too many connections from your uid");
		return;
	}
	if (used >= SVMD_MAX_CLIENTS || (cred.uid != 0 && used >= SVMD_MAX_CLIENTS - SVMD_ROOT_RESERVED)) {
		log_warn("refused a connection from uid %u (pid %d): %d clients connected",
			 cred.uid, cred.pid, used);
		refuse(s, fd, "too many clients");
		return;
	}
	for (i = 0; s->clients[i].fd >= 0; i++)
		;
	s->clients[i] = (struct svmd_client){
		.fd = fd, .uid = cred.uid, .pid = cred.pid,
		.deadline = svmd_now_ms() + s->client_timeout_ms,
	};
}

/* Read what there is; serve a complete request line. */
static void readable(struct svmd_server *s, int i)
{
	struct svmd_client *c = &s->clients[i];
	char *nl;
	ssize_t r;

	if (c->monitor) {
		/* a monitor sends nothing more: discard, but notice the hangup */
		char junk[256];

		r = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			drop(s, i);
		return;
	}
	r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, MSG_DONTWAIT);
	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		drop(s, i);
		return;
	}
	c->inlen += r;
	c->in[c->inlen] = '\0';
	nl = strchr(c->in, '\n');
	if (!nl && c->inlen >= sizeof(c->in) - 1) {
		reply_error(s, i, SVMD_EUSAGE, "request too long");
		return;
	}
	if (!nl)
		return;
	*nl = '\0';
	serve(s, i, c->in);
	/* one request per connection (monitor: then events only) */
	if (s->clients[i].fd >= 0)
		s->clients[i].inlen = 0;
}

static void expire(struct svmd_server *s)
{
	uint64_t t = svmd_now_ms();

	for (int i = 0; i < SVMD_MAX_CLIENTS; i++) {
		struct svmd_client *c = &s->clients[i];

		if (c->fd < 0 || !c->deadline || t < c->deadline)
			continue;
		log_debug("dropping client uid %u (pid %d): %s within %u ms", c->uid, c->pid,
			  c->closing ? "reply not read" : "no complete request", s->client_timeout_ms);
		s->dropped_idle++;
		drop(s, i);
	}
}

void svmd_server_handle(struct svmd_server *s, struct pollfd *fds, int n)
{
	for (int k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == s->listen_fd) {
			accept_one(s);
			continue;
		}
		for (int i = 0; i < SVMD_MAX_CLIENTS; i++) {
			if (s->clients[i].fd != fds[k].fd)
				continue;
			if ((fds[k].revents & POLLOUT) && flush(s, i))
				break;
			if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (s->clients[i].closing)
					drop(s, i);	/* hung up before reading its reply */
				else
					readable(s, i);
			}
			break;
		}
	}
	expire(s);
}
