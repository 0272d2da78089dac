/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The svm-cxld control protocol (socket $SVM_CXLD_SOCKET or /run/svm-cxl/svm-cxld.sock, stream,
 * newline-delimited JSON). A client sends one request line and reads one reply line;
 * after "monitor" the daemon keeps sending one event line per change.
 *
 *   {"cmd":"status"}                           anyone: journal, policy, pools
 *   {"cmd":"monitor"}                          anyone: stream of events
 *   {"cmd":"reconcile"}                        root: run a reconcile pass now
 *   {"cmd":"reload"}                           root: reload the policy file
 *   {"cmd":"offline","object":"mem1"}          root: orderly offline (region or memdev)
 *   {"cmd":"online","object":"region0"}        root: online again per policy
 *
 * Replies: {"ok":true,...} or {"ok":false,"error":"sentence","code":N} where N is an
 * svm-cxlctl exit code (2 usage, 3 not found, 4 busy, 5 permission, 1 failed).
 */
#ifndef SVMD_PROTO_H
#define SVMD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "svm-cxl-config.h"

#define SVMD_SOCKET_DEFAULT SVM_CXL_RUN_DIR "/svm-cxld.sock"
#define SVMD_MAX_REQUEST 4096

enum svmd_cmd {
	SVMD_CMD_INVALID = 0,
	SVMD_CMD_STATUS,
	SVMD_CMD_MONITOR,
	SVMD_CMD_RECONCILE,
	SVMD_CMD_RELOAD,
	SVMD_CMD_OFFLINE,
	SVMD_CMD_ONLINE,
};

/* reply codes, the same numbers as svm-cxlctl's exit codes */
enum {
	SVMD_OK = 0,
	SVMD_EFAIL = 1,
	SVMD_EUSAGE = 2,
	SVMD_ENOTFOUND = 3,
	SVMD_EBUSY = 4,
	SVMD_EPERM = 5,
};

struct svmd_request {
	enum svmd_cmd cmd;
	char object[32];	/* offline/online: regionN or memN */
};

const char *svmd_socket_path(void);
/* Parse one request line. 0, or SVMD_EUSAGE with a sentence in err. */
int svmd_parse_request(const char *line, struct svmd_request *req, char *err, size_t errlen);
/* true for requests that change state (root only) */
bool svmd_cmd_privileged(enum svmd_cmd cmd);
const char *svmd_cmd_name(enum svmd_cmd cmd);

#endif
