// SPDX-License-Identifier: GPL-2.0-only
/* Control protocol parsing. See proto.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "proto.h"

static const struct {
	const char *name;
	enum svmd_cmd cmd;
	bool privileged, needs_object;
} cmds[] = {
	{ "status", SVMD_CMD_STATUS, false, false },
	{ "monitor", SVMD_CMD_MONITOR, false, false },
	{ "reconcile", SVMD_CMD_RECONCILE, true, false },
	{ "reload", SVMD_CMD_RELOAD, true, false },
	{ "offline", SVMD_CMD_OFFLINE, true, true },
	{ "online", SVMD_CMD_ONLINE, true, true },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

const char *svmd_socket_path(void)
{
	const char *p = getenv("SVM_CXLD_SOCKET");

	return p && *p ? p : SVMD_SOCKET_DEFAULT;
}

const char *svmd_cmd_name(enum svmd_cmd cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return "invalid";
}

bool svmd_cmd_privileged(enum svmd_cmd cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].privileged;
	return true;
}

static bool valid_object(const char *s)
{
	const char *digits;

	if (!strncmp(s, "region", 6))
		digits = s + 6;
	else if (!strncmp(s, "mem", 3))
		digits = s + 3;
	else
		return false;
	if (!*digits || strlen(digits) > 9)
		return false;
	for (; *digits; digits++)
		if (*digits < '0' || *digits > '9')
			return false;
	return true;
}

int svmd_parse_request(const char *line, struct svmd_request *req, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *v;
	size_t len = strlen(line), i;
	const char *name;
	int rc = SVMD_EUSAGE;

	memset(req, 0, sizeof(*req));
	if (len > SVMD_MAX_REQUEST) {
		snprintf(err, errlen, "request longer than %d bytes", SVMD_MAX_REQUEST);
		return rc;
	}
	tok = json_tokener_new();
	if (tok) {
		o = json_tokener_parse_ex(tok, line, (int)len);
		/* one object and nothing after it but white space */
		if (o && tok->char_offset < (int)len && strspn(line + tok->char_offset, " \t\r\n") !=
						   len - tok->char_offset) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
	}
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "not a JSON object; expected e.g. {\"cmd\":\"status\"}");
		goto out;
	}
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "cmd") && strcmp(key, "object")) {
			snprintf(err, errlen, "unknown member '%s'; expected cmd and, for online/offline, object", key);
			goto out;
		}
	}
	if (!json_object_object_get_ex(o, "cmd", &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "missing \"cmd\" string");
		goto out;
	}
	name = json_object_get_string(v);
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			break;
	if (i == NCMDS) {
		snprintf(err, errlen, "unknown cmd '%.64s'; expected status, monitor, reconcile, reload, offline or online", name);
		goto out;
	}
	req->cmd = cmds[i].cmd;
	if (json_object_object_get_ex(o, "object", &v)) {
		if (!cmds[i].needs_object) {
			snprintf(err, errlen, "%s takes no object", cmds[i].name);
			goto out;
		}
		if (!json_object_is_type(v, json_type_string) ||
		    !valid_object(json_object_get_string(v))) {
			snprintf(err, errlen, "object: expected regionN or memN");
			goto out;
		}
		snprintf(req->object, sizeof(req->object), "%s", json_object_get_string(v));
	} else if (cmds[i].needs_object) {
		snprintf(err, errlen, "%s needs an object (regionN or memN)", cmds[i].name);
		goto out;
	}
	rc = 0;
out:
	if (rc)
		req->cmd = SVMD_CMD_INVALID;
	json_object_put(o);
	return rc;
}
