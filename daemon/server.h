/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The svm-cxld control socket (protocol in proto.h), served from the single-threaded main
 * loop. Nothing a client does may stall that loop, since it also handles udev events and
 * attention-button presses:
 *  - client sockets are non-blocking; replies and events go to a per-client output queue
 *    that is flushed when poll() says the socket is writable;
 *  - a monitor whose queue would grow past SVMD_OUT_MAX (it stopped reading) is dropped;
 *  - a request must arrive, and its reply be read, within the client timeout
 *    (SVMD_CLIENT_TIMEOUT_MS); monitors are exempt once subscribed;
 *  - a uid other than root holds at most SVMD_MAX_PER_UID connections, and the last
 *    SVMD_ROOT_RESERVED slots are root's, so root always gets in.
 * Who may connect is the socket's mode: 0660, owner root, group svm-cxl (0600 if that
 * group does not exist); requests that change state are refused unless the peer
 * (SO_PEERCRED) is uid 0.
 */
#ifndef SVMD_SERVER_H
#define SVMD_SERVER_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "engine.h"

#define SVMD_MAX_CLIENTS 64
#define SVMD_ROOT_RESERVED 8
#define SVMD_MAX_PER_UID 8
#define SVMD_OUT_MAX (64 * 1024)
#define SVMD_CLIENT_TIMEOUT_MS 5000
#define SVMD_SOCKET_GROUP "svm-cxl"

struct svmd_client {
	int fd;
	uid_t uid;
	pid_t pid;
	bool monitor;
	bool closing;		/* reply queued: close once it is sent */
	uint64_t deadline;	/* ms (CLOCK_MONOTONIC); 0: none (a monitor) */
	char in[SVMD_MAX_REQUEST + 2];
	size_t inlen;
	char *out;
	size_t outlen, outcap;
};

struct svmd_server {
	int listen_fd;
	int lock_timeout_ms;
	unsigned int client_timeout_ms;
	struct svmd_client clients[SVMD_MAX_CLIENTS];
	struct svmd_engine *engine;
	/* counters, for status and tests */
	unsigned long dropped_slow, dropped_idle, refused;
};

/* Create the socket at @path, group @group (NULL: SVMD_SOCKET_GROUP). Refuses with
 * -EADDRINUSE if another daemon is listening there; a stale socket file is replaced. */
int svmd_server_open(struct svmd_server *s, const char *path, const char *group,
		     struct svmd_engine *e);
void svmd_server_close(struct svmd_server *s, const char *path);
/* add the listening socket and clients to @fds; returns the count added */
int svmd_server_fds(struct svmd_server *s, struct pollfd *fds, int max);
void svmd_server_handle(struct svmd_server *s, struct pollfd *fds, int n);
/* ms until the next client deadline, -1 if none: the most poll() may wait */
int svmd_server_next_timeout(struct svmd_server *s);
/* queue an event line to every monitor client */
void svmd_server_broadcast(struct json_object *ev, void *server);
int svmd_server_nr_monitors(struct svmd_server *s);

#endif
