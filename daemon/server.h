/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The svm-cxld control socket (protocol in proto.h). Clients are served one request at a
 * time from the main loop; the peer's credentials (SO_PEERCRED) decide whether a request
 * that changes state is allowed (uid 0 only). "monitor" clients stay connected and get
 * every event the engine emits.
 */
#ifndef SVMD_SERVER_H
#define SVMD_SERVER_H

#include <poll.h>
#include <json-c/json.h>

#include "engine.h"

#define SVMD_MAX_CLIENTS 32

struct svmd_server {
	int listen_fd;
	int lock_timeout_ms;
	struct {
		int fd;
		bool monitor;
		char buf[4096 + 2];
		size_t len;
	} clients[SVMD_MAX_CLIENTS];
	struct svmd_engine *engine;
};

int svmd_server_open(struct svmd_server *s, const char *path, struct svmd_engine *e);
void svmd_server_close(struct svmd_server *s, const char *path);
/* add the listening socket and clients to @fds; returns the count added */
int svmd_server_fds(struct svmd_server *s, struct pollfd *fds, int max);
void svmd_server_handle(struct svmd_server *s, struct pollfd *fds, int n);
/* send an event line to every monitor client */
void svmd_server_broadcast(struct json_object *ev, void *server);
int svmd_server_nr_monitors(struct svmd_server *s);

#endif
