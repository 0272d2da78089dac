// SPDX-License-Identifier: GPL-2.0-only
/* Operator holds. See holds.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "holds.h"

const char *svmd_state_dir(void)
{
	const char *p = getenv("SVM_CXLD_STATE_DIR");

	return p && *p ? p : SVMD_STATE_DIR_DEFAULT;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

int svmd_holds_load(struct svmd_holds *hs, const char *state_dir)
{
	struct json_object *top, *a, *v;

	memset(hs, 0, sizeof(*hs));
	snprintf(hs->path, sizeof(hs->path), "%s/holds.json", state_dir);
	if (access(hs->path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	top = json_object_from_file(hs->path);
	if (!top || !json_object_object_get_ex(top, "holds", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		json_object_put(top);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(a) && hs->n < SVMD_MAX_HOLDS; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct svmd_hold *h = &hs->h[hs->n];
		const char *s = str(o, "serial");
		char *end;

		/* serials are stored as decimal strings: a JSON number is signed */
		h->serial = strtoull(s, &end, 10);
		if (!*s || *end)
			continue;
		snprintf(h->host, sizeof(h->host), "%s", str(o, "host"));
		snprintf(h->memdev, sizeof(h->memdev), "%s", str(o, "memdev"));
		snprintf(h->state, sizeof(h->state), "%s", str(o, "state"));
		snprintf(h->by, sizeof(h->by), "%s", str(o, "by"));
		if (json_object_object_get_ex(o, "since", &v))
			h->since = json_object_get_int64(v);
		hs->n++;
	}
	json_object_put(top);
	return 0;
}

int svmd_holds_save(const struct svmd_holds *hs)
{
	struct json_object *top = json_object_new_object(), *a = json_object_new_array();
	char tmp[sizeof(hs->path) + 8], num[24];
	const char *txt;
	int fd, rc = 0;

	for (size_t i = 0; i < hs->n; i++) {
		const struct svmd_hold *h = &hs->h[i];
		struct json_object *o = json_object_new_object();

		snprintf(num, sizeof(num), "%llu", (unsigned long long)h->serial);
		json_object_object_add(o, "serial", json_object_new_string(num));
		json_object_object_add(o, "host", json_object_new_string(h->host));
		json_object_object_add(o, "memdev", json_object_new_string(h->memdev));
		json_object_object_add(o, "state", json_object_new_string(h->state));
		json_object_object_add(o, "by", json_object_new_string(h->by));
		json_object_object_add(o, "since", json_object_new_int64(h->since));
		json_object_array_add(a, o);
	}
	json_object_object_add(top, "holds", a);
	txt = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", hs->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
	} else {
		if (write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt) || write(fd, "\n", 1) != 1 ||
		    fsync(fd))
			rc = errno ? -errno : -EIO;
		close(fd);
		if (!rc && rename(tmp, hs->path))
			rc = -errno;
		if (rc)
			unlink(tmp);
	}
	json_object_put(top);
	return rc;
}

struct svmd_hold *svmd_holds_find(struct svmd_holds *hs, uint64_t serial, const char *host)
{
	for (size_t i = 0; i < hs->n; i++)
		if (hs->h[i].serial == serial && !strcmp(hs->h[i].host, host ? host : ""))
			return &hs->h[i];
	return NULL;
}

int svmd_holds_set(struct svmd_holds *hs, uint64_t serial, const char *host,
		   const char *memdev, const char *state, const char *by)
{
	struct svmd_hold *h = svmd_holds_find(hs, serial, host);

	if (!h) {
		if (hs->n == SVMD_MAX_HOLDS)
			return -ENOSPC;
		h = &hs->h[hs->n++];
		memset(h, 0, sizeof(*h));
		h->serial = serial;
		snprintf(h->host, sizeof(h->host), "%s", host ? host : "");
	}
	snprintf(h->memdev, sizeof(h->memdev), "%s", memdev ? memdev : "");
	snprintf(h->state, sizeof(h->state), "%s", state);
	snprintf(h->by, sizeof(h->by), "%s", by);
	h->since = (long long)time(NULL);
	return 0;
}

bool svmd_holds_drop(struct svmd_holds *hs, uint64_t serial, const char *host)
{
	struct svmd_hold *h = svmd_holds_find(hs, serial, host);

	if (!h)
		return false;
	memmove(h, h + 1, (size_t)(&hs->h[hs->n] - (h + 1)) * sizeof(*h));
	hs->n--;
	return true;
}
