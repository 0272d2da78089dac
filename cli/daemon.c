// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl daemon { status | reload | reconcile | holds | hold OBJ... | release OBJ... }:
 * svm-cxld's control requests without raw JSON, and the operator holds (daemon/holds.h).
 * Also the hook the state-changing commands call to record a hold before they act, so
 * that the daemon's policy never undoes what the operator did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "client.h"
#include "holds.h"
#include "journal.h"
#include "lock.h"
#include "proto.h"

#define CLI_MAX_MEMDEVS SVM_JOURNAL_MAX_DEVS

/* One request to svm-cxld; the reply, or NULL (message printed). */
static struct json_object *request(const char *sub, const char *json, bool quiet)
{
	struct json_object *o;
	int rc = svmd_request(json, &o, NULL, 0);

	if (rc == -ENODATA || rc == -EPROTO)
		fprintf(stderr, "%s daemon %s: no reply from svm-cxld\n", prog, sub);
	else if (rc && !quiet)
		fprintf(stderr, "%s daemon %s: %s: %s (is svm-cxld running?)\n", prog, sub,
			svmd_socket_path(), strerror(-rc));
	return rc ? NULL : o;
}

/* print a reply; its code is the exit status */
static int reply_status(const char *sub, struct json_object *o, bool print)
{
	struct json_object *v;
	int code;

	if (!o)
		return EXIT_FAIL;
	code = svmd_reply_code(o);
	if (code == SVMD_OK) {
		json_object_object_del(o, "ok");
		if (print)
			print_json(o);
	} else {
		if (json_object_object_get_ex(o, "error", &v))
			fprintf(stderr, "%s daemon %s: %s\n", prog, sub, json_object_get_string(v));
	}
	json_object_put(o);
	return code;
}

/* the memdevs an object names: memN itself, or the present targets of regionN */
static int object_memdevs(struct svm_ctx *ctx, const char *cmd, const char *obj,
			  struct svm_memdev **mds, int max)
{
	struct svm_region *r;
	int n = 0;

	if (!strncmp(obj, "mem", 3)) {
		mds[0] = svm_memdev_get_by_name(ctx, obj);
		if (!mds[0]) {
			fprintf(stderr, "%s %s: %s: no such memdev; 'svm-cxlctl list -M' shows them\n",
				prog, cmd, obj);
			return -EXIT_NOTFOUND;
		}
		return 1;
	}
	if (strncmp(obj, "region", 6)) {
		fprintf(stderr, "%s %s: '%s' is neither a region (regionN) nor a memdev (memN)\n",
			prog, cmd, obj);
		return -EXIT_USAGE;
	}
	r = svm_region_get_by_name(ctx, obj);
	if (!r) {
		fprintf(stderr, "%s %s: %s: no such region; 'svm-cxlctl list -R' shows them\n", prog,
			cmd, obj);
		return -EXIT_NOTFOUND;
	}
	for (int i = 0; i < svm_region_get_nr_targets(r) && n < max; i++) {
		struct svm_memdev *m = svm_region_get_target_memdev(r, i);

		if (m)
			mds[n++] = m;
	}
	return n;
}

/* mkdir -p: /var/lib may not exist yet on a minimal system */
static int mkdir_p(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cli_hold_memdevs(const char *cmd, struct svm_memdev **mds, int n, const char *state)
{
	const char *dir = svmd_state_dir();
	struct svmd_holds hs;
	char by[64];
	int rc;

	/* svm-cxld may never have run: the directory is its, create it as it would */
	rc = mkdir_p(dir);
	if (!rc)
		rc = svmd_holds_load(&hs, dir);
	snprintf(by, sizeof(by), "svm-cxlctl %s", cmd);
	for (int i = 0; !rc && i < n; i++)
		rc = svmd_holds_set(&hs, svm_memdev_get_serial(mds[i]), svm_memdev_get_host(mds[i]),
				    svm_memdev_get_name(mds[i]), state, by);
	if (!rc)
		rc = svmd_holds_save(&hs);
	if (rc) {
		/* without the hold svm-cxld's policy could undo this: do not act */
		fprintf(stderr, "%s %s: cannot record the operator hold in %s/holds.json: %s; nothing changed\n",
			prog, cmd, dir, strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cli_hold_region(const char *cmd, struct svm_region *r, const char *state)
{
	struct svm_memdev *mds[CLI_MAX_MEMDEVS];
	int n = 0;

	for (int i = 0; i < svm_region_get_nr_targets(r) && n < CLI_MAX_MEMDEVS; i++) {
		struct svm_memdev *m = svm_region_get_target_memdev(r, i);

		if (m)
			mds[n++] = m;
	}
	return cli_hold_memdevs(cmd, mds, n, state);
}

static int print_holds(void)
{
	struct svmd_holds hs;
	struct json_object *a;
	int rc = svmd_holds_load(&hs, svmd_state_dir());

	if (rc) {
		fprintf(stderr, "%s daemon holds: %s/holds.json: %s\n", prog, svmd_state_dir(),
			strerror(-rc));
		return EXIT_FAIL;
	}
	a = json_object_new_array();
	for (size_t i = 0; i < hs.n; i++) {
		struct json_object *o;

		if (!strcmp(hs.h[i].state, SVMD_HOLD_RELEASED))
			continue;	/* holds nothing; the daemon's next pass removes it */
		o = json_object_new_object();
		json_object_object_add(o, "memdev", json_object_new_string(hs.h[i].memdev));
		json_object_object_add(o, "serial", json_object_new_uint64(hs.h[i].serial));
		if (hs.h[i].host[0])
			json_object_object_add(o, "host", json_object_new_string(hs.h[i].host));
		json_object_object_add(o, "state", json_object_new_string(hs.h[i].state));
		json_object_object_add(o, "by", json_object_new_string(hs.h[i].by));
		json_object_object_add(o, "since", json_object_new_int64(hs.h[i].since));
		json_object_array_add(a, o);
	}
	print_json(a);
	json_object_put(a);
	return EXIT_OK;
}

/* hold / release: under the lock, straight in the file (works without the daemon); then
 * a reconcile pass, if the daemon runs, so that a release takes effect now */
static int hold_release(struct svm_ctx *ctx, const char *sub, int argc, char **argv)
{
	struct svm_memdev *mds[CLI_MAX_MEMDEVS];
	char cmd[32], names[SVMD_MAX_HOLDS][32];
	struct svmd_holds hs;
	bool release = !strcmp(sub, "release");
	int lock, rc, n = 0;

	snprintf(cmd, sizeof(cmd), "daemon %s", sub);
	if (argc < 1)
		return usage_error(cmd, "which objects? memN or regionN");
	for (int i = 0; i < argc; i++) {
		int k = object_memdevs(ctx, cmd, argv[i], mds, CLI_MAX_MEMDEVS);

		if (k < 0)
			return -k;
		for (int j = 0; j < k && n < SVMD_MAX_HOLDS; j++)
			snprintf(names[n++], 32, "%s", svm_memdev_get_name(mds[j]));
	}
	rc = need_privilege(cmd);
	if (rc)
		return rc;
	lock = svmd_lock(30000);
	if (lock < 0) {
		fprintf(stderr, "%s %s: %s: %s\n", prog, cmd, svmd_lock_path(), strerror(-lock));
		return lock == -ETIMEDOUT ? EXIT_BUSY : EXIT_FAIL;
	}
	if (!release) {
		for (int i = 0; i < n; i++)
			mds[i] = svm_memdev_get_by_name(ctx, names[i]);
		rc = cli_hold_memdevs(cmd, mds, n, "held");
		svmd_unlock(lock);
		return rc;
	}
	rc = mkdir_p(svmd_state_dir());
	if (!rc)
		rc = svmd_holds_load(&hs, svmd_state_dir());
	for (int i = 0; !rc && i < n; i++) {
		struct svm_memdev *m = svm_memdev_get_by_name(ctx, names[i]);

		struct svmd_hold *h = m ? svmd_holds_find(&hs, svm_memdev_get_serial(m),
							  svm_memdev_get_host(m)) : NULL;

		/* a marker, not a deletion: the daemon's next pass sees that what it finds
		 * changed was the operator's (holds.h) */
		if (!h || !strcmp(h->state, SVMD_HOLD_RELEASED))
			fprintf(stderr, "%s %s: %s was not held\n", prog, cmd, names[i]);
		else
			rc = svmd_holds_set(&hs, h->serial, h->host, h->memdev, SVMD_HOLD_RELEASED,
					    "svm-cxlctl daemon release");
	}
	if (!rc)
		rc = svmd_holds_save(&hs);
	svmd_unlock(lock);
	if (rc) {
		fprintf(stderr, "%s %s: %s/holds.json: %s\n", prog, cmd, svmd_state_dir(), strerror(-rc));
		return EXIT_FAIL;
	}
	/* a daemon that does not run picks the release up when it starts */
	json_object_put(request(sub, "{\"cmd\":\"reconcile\"}", true));
	return EXIT_OK;
}

int cmd_daemon(int argc, char **argv, struct svm_ctx *ctx)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char json[64];

	if (!sub)
		return usage_error("daemon", "which request? status, reload, reconcile, holds, hold OBJ or release OBJ");
	if (!strcmp(sub, "status") || !strcmp(sub, "reload") || !strcmp(sub, "reconcile")) {
		if (argc > 2)
			return usage_error("daemon", "%s takes no argument", sub);
		if (strcmp(sub, "status")) {
			char cmd[32];
			int rc;

			snprintf(cmd, sizeof(cmd), "daemon %s", sub);
			rc = need_privilege(cmd);
			if (rc)
				return rc;
		}
		snprintf(json, sizeof(json), "{\"cmd\":\"%s\"}", sub);
		return reply_status(sub, request(sub, json, false), !strcmp(sub, "status"));
	}
	if (!strcmp(sub, "holds")) {
		if (argc > 2)
			return usage_error("daemon", "holds takes no argument");
		return print_holds();
	}
	if (!strcmp(sub, "hold") || !strcmp(sub, "release"))
		return hold_release(ctx, sub, argc - 2, argv + 2);
	return usage_error("daemon", "unknown request '%s'; expected status, reload, reconcile, holds, hold or release",
			   sub);
}
