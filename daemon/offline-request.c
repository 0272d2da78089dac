// SPDX-License-Identifier: GPL-2.0-only
/* svm_cxl's offline requests at device unbind. See offline-request.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "clock.h"
#include "lock.h"
#include "log.h"
#include "offline-request.h"

#define MISC "/sys/class/misc/svm_cxl"
#define MAX_REGIONS 8
/* the daemon's longest offline: the module's progress rule, not this, ends the wait */
#define UNPLUG_OFFLINE_MS 3600000

static int misc_write(struct svmd_engine *e, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s" MISC "/%s", svm_get_root(e->ctx), attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

void svmd_offreq_register(struct svmd_engine *e, struct svmd_offreq *o)
{
	int rc = misc_write(e, "offline_agent", "register");

	o->registered = !rc;
	if (!rc)
		log_info("offline agent of svm_cxl: numa memory of a departing CXL device is offlined when its driver is unbound, with no time limit");
	else if (rc != -ENOENT)
		log_warn("cannot register as svm_cxl's offline agent: %s", strerror(-rc));
}

void svmd_offreq_unregister(struct svmd_engine *e, struct svmd_offreq *o)
{
	if (o->registered)
		misc_write(e, "offline_agent", "unregister");
	o->registered = false;
}

static void answer(struct svmd_engine *e, uint64_t seq, const char *what)
{
	char line[192];
	int rc;

	snprintf(line, sizeof(line), "%llu %s", (unsigned long long)seq, what);
	rc = misc_write(e, "offline_request", line);
	/* ESRCH: the module stopped waiting for this request */
	if (rc && rc != -ESRCH)
		log_warn("offline request %llu: cannot answer '%s': %s", (unsigned long long)seq,
			 what, strerror(-rc));
}

/* Is the CXL device @dev (endpointN, portN) above or at memdev @m's endpoint? */
static bool cxl_below(struct svm_ctx *ctx, struct svm_memdev *m, const char *dev)
{
	const char *ep = svm_memdev_get_endpoint(m);
	char p[PATH_MAX], real[PATH_MAX], needle[64];
	size_t n;

	if (!ep)
		return false;
	if (!strcmp(ep, dev))
		return true;
	snprintf(p, sizeof(p), "%s/sys/bus/cxl/devices/%s", svm_get_root(ctx), ep);
	if (!realpath(p, real))
		return false;
	snprintf(needle, sizeof(needle), "/%s/", dev);
	n = strlen(real);
	return strstr(real, needle) || (n > strlen(dev) && !strcmp(real + n - strlen(dev), dev) &&
					real[n - strlen(dev) - 1] == '/');
}

/* The numa-mode regions the departing @dev decodes (PCI BDF, memN, endpointN, portN,
 * regionN). */
static int regions_of(struct svmd_engine *e, const char *dev, char names[][32])
{
	struct svm_memdev *m;
	struct svm_region *r;
	int n = 0;

	svm_invalidate(e->ctx);
	if (!strncmp(dev, "region", 6)) {
		r = svm_region_get_by_name(e->ctx, dev);
		if (r)
			snprintf(names[n++], 32, "%s", dev);
	} else {
		svm_memdev_foreach(e->ctx, m) {
			const char *host = svm_memdev_get_host(m);
			bool dup = false;

			r = svm_memdev_get_region(m);
			if (!r || n == MAX_REGIONS)
				continue;
			if (strcmp(svm_memdev_get_name(m), dev) && !(host && !strcmp(host, dev)) &&
			    !cxl_below(e->ctx, m, dev))
				continue;
			for (int i = 0; i < n; i++)
				dup |= !strcmp(names[i], svm_region_get_name(r));
			if (!dup)
				snprintf(names[n++], 32, "%s", svm_region_get_name(r));
		}
	}
	/* only memory that is online as a node */
	for (int i = 0; i < n;) {
		enum svm_mode mode;

		r = svm_region_get_by_name(e->ctx, names[i]);
		mode = r ? svm_region_get_mode(r) : SVM_MODE_UNKNOWN;
		if (mode == SVM_MODE_NUMA || mode == SVM_MODE_NUMA_PARTIAL) {
			i++;
			continue;
		}
		memmove(names[i], names[i + 1], (size_t)(n - i - 1) * 32);
		n--;
	}
	return n;
}

static void child_offline(struct svmd_engine *e, char names[][32], int n)
{
	int lock, failed = 0;
	char err[1024];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent owns the control socket's clients */
	e->emit = NULL;
	e->offline_timeout_ms = UNPLUG_OFFLINE_MS;
	lock = svmd_lock(10000);
	if (lock < 0) {
		log_err("%s held: cannot offline before the device goes", svmd_lock_path());
		_exit(1);
	}
	for (int i = 0; i < n; i++)
		if (svmd_engine_offline(e, names[i], err, sizeof(err))) {
			log_err("%s: could not offline before the device goes: %s", names[i], err);
			failed++;
		}
	svmd_unlock(lock);
	_exit(failed ? 1 : 0);
}

static void request(struct svmd_engine *e, struct svmd_offreq *o, uint64_t seq, const char *dev)
{
	char names[MAX_REGIONS][32], line[128];
	int n;
	pid_t pid;

	if (o->child) {
		/* the previous one was abandoned and killed: let it finish dying first */
		waitpid(o->child, NULL, 0);
		o->child = 0;
	}
	n = regions_of(e, dev, names);
	if (!n) {
		log_debug("offline request %llu: %s has no numa memory online",
			  (unsigned long long)seq, dev);
		answer(e, seq, "done");
		return;
	}
	for (int i = 0; i < n; i++) {
		struct svm_region *r = svm_region_get_by_name(e->ctx, names[i]);

		snprintf(line, sizeof(line), "offlining %.15s 0x%llx 0x%llx", names[i],
			 (unsigned long long)svm_region_get_start(r),
			 (unsigned long long)svm_region_get_size(r));
		answer(e, seq, line);
		log_warn("%s: %s is being unbound: offlining its numa memory before it goes (svm_cxl waits while it moves)",
			 names[i], dev);
	}
	pid = fork();
	if (pid < 0) {
		log_err("offline request %llu: fork: %s", (unsigned long long)seq, strerror(errno));
		answer(e, seq, "done");
		return;
	}
	if (!pid)
		child_offline(e, names, n);
	o->child = pid;
	o->seq = seq;
	o->t0 = svmd_now_ms();
	snprintf(o->device, sizeof(o->device), "%s", dev);
}

void svmd_offreq_uevent(struct svmd_engine *e, struct svmd_offreq *o, struct udev_device *dev)
{
	const char *action = udev_device_get_action(dev), *ev, *seqs, *name;
	uint64_t seq;

	if (strcmp(udev_device_get_sysname(dev), "svm_cxl") || !action)
		return;
	if (!strcmp(action, "add")) {
		svmd_offreq_register(e, o);
		return;
	}
	if (!strcmp(action, "remove")) {
		o->registered = false;
		return;
	}
	ev = udev_device_get_property_value(dev, "SVM_CXL_EVENT");
	seqs = udev_device_get_property_value(dev, "SVM_CXL_REQUEST");
	name = udev_device_get_property_value(dev, "SVM_CXL_DEVICE");
	if (strcmp(action, "change") || !ev || !seqs || !name)
		return;
	seq = strtoull(seqs, NULL, 10);
	if (!strcmp(ev, "offline-request")) {
		request(e, o, seq, name);
	} else if (!strcmp(ev, "offline-abandon") && o->child && o->seq == seq) {
		log_err("%s: svm_cxl saw no progress offlining its memory and lets the unbind go on: stopping the offline",
			name);
		kill(o->child, SIGKILL);
	}
}

void svmd_offreq_reap(struct svmd_engine *e, struct svmd_offreq *o)
{
	char err[1024];
	int st;

	if (!o->child || waitpid(o->child, &st, WNOHANG) != o->child)
		return;
	o->child = 0;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		log_info("%s: numa memory offline in %llu ms, before the device went", o->device,
			 (unsigned long long)(svmd_now_ms() - o->t0));
	else
		log_err("%s: the offline before unbind did not finish (%s)", o->device,
			WIFSIGNALED(st) ? "stopped" : "failed");
	answer(e, o->seq, "done");
	/* the child journaled its steps: read them */
	svm_journal_close(e->journal);
	e->journal = NULL;
	if (svm_journal_open(e->state_dir, &e->journal, err, sizeof(err)))
		log_err("cannot read the journal again after the offline: %s", err);
}
