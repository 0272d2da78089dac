/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of svm-cxld's control socket (proto.h), shared by `svm-cxlctl daemon`
 * and `svm-cxld --send`: connect, one request line, one reply line.
 */
#ifndef SVMD_CLIENT_H
#define SVMD_CLIENT_H

#include <stddef.h>

struct json_object;

/* A connected stream socket to svmd_socket_path(), or -errno. */
int svmd_connect(void);

/*
 * Send @json (one request, no newline) and read the reply line. 0 with the parsed reply
 * in *@reply (and its text in @text, if not NULL), or -errno: the errors of connect(2)
 * and write(2), -EPROTO for a reply that is not JSON, -ENODATA for none at all.
 */
int svmd_request(const char *json, struct json_object **reply, char *text, size_t textlen);

/* A reply's verdict: 0 for {"ok":true}, else its "code" (an svm-cxlctl exit status),
 * SVMD_EFAIL if it has none. */
int svmd_reply_code(struct json_object *reply);

#endif
