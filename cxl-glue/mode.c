// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mode switches of a region: numa (dax -> kmem, blocks onlined movable by default),
 * coherent (dax disabled, range handed to svm_cxl as a pool), offline for hot-unplug,
 * conversion, and the preflight report of what holds the memory.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "private.h"

static int block_write(struct svm_ctx *ctx, int id, const char *state)
{
	char p[PATH_MAX];

	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/memory%d/state", id);
	return sysfs_write(ctx, p, state);
}

static int set_auto_online(struct svm_ctx *ctx, const char *val)
{
	char p[PATH_MAX];

	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/auto_online_blocks");
	return sysfs_write(ctx, p, val);
}

/* unbound CXL dax devices (names), to undo kmem's grab of every one of them on load */
static int unbound_daxes(struct svm_ctx *ctx, char names[][32], int max)
{
	struct svm_region *r;
	int n = 0;

	svm_region_foreach(ctx, r) {
		struct svm_dax *d = svm_region_get_dax(r);

		if (d && !d->driver[0] && n < max)
			snprintf(names[n++], 32, "%s", d->name);
	}
	return n;
}

static int dax_bound_to(struct svm_ctx *ctx, const char *dax, char *drv, size_t len)
{
	char p[PATH_MAX];

	drv[0] = '\0';
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/devices/%s/driver", dax);
	return sysfs_readlink_base(ctx, p, drv, len);
}

/* The zone valid_zones shows for a block onlined into @zone. */
static const char *zone_name(enum svm_zone zone)
{
	return zone == SVM_ZONE_NORMAL ? "Normal" : "Movable";
}

/* State of memory block @id and, when online, its zone; -ENOENT if it does not exist. */
static int block_read(struct svm_ctx *ctx, uint64_t id, bool *online, char *zone, size_t len)
{
	char p[PATH_MAX], st[32];

	zone[0] = '\0';
	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/memory%llu/state", (unsigned long long)id);
	if (sysfs_read(ctx, p, st, sizeof(st)))
		return -ENOENT;
	*online = !strcmp(st, "online");
	if (*online) {
		/* an online block's valid_zones is the zone it is in */
		sysfs_path(ctx, p, sizeof(p), MEM_SYS "/memory%llu/valid_zones",
			   (unsigned long long)id);
		sysfs_read(ctx, p, zone, len);
	}
	return 0;
}

/*
 * Undo a failed numa online: offline the blocks onlined here (every online block of the
 * range when kmem was bound here, since binding created them), unbind kmem if it was
 * bound here, rebind the previous driver. Whatever cannot be undone is added to the
 * error, never dropped.
 */
static void numa_online_undo(struct svm_ctx *ctx, const char *dax, const char *prev_driver,
			     uint64_t first, uint64_t nblocks, const bool *onlined)
{
	bool bound_here = strcmp(prev_driver, "kmem") != 0;
	uint64_t stuck = 0, first_stuck = 0;
	char zone[16], drv[32];
	bool online;

	for (uint64_t i = nblocks; i-- > 0;) {
		if (!bound_here && !(onlined && onlined[i]))
			continue;
		if (block_read(ctx, first + i, &online, zone, sizeof(zone)) || !online)
			continue;
		if (block_write(ctx, (int)(first + i), "offline")) {
			stuck++;
			first_stuck = first + i;
		}
	}
	if (stuck)
		svm_fail_append(ctx, "; rollback: %llu block(s) (memory%llu, ...) could not be offlined again and stay online",
				(unsigned long long)stuck, (unsigned long long)first_stuck);
	if (bound_here && !dax_bound_to(ctx, dax, drv, sizeof(drv)) && !strcmp(drv, "kmem")) {
		if (stuck)
			svm_fail_append(ctx, "; %s stays bound to kmem under its online memory", dax);
		else if (svm_dax_disable(ctx, dax))
			svm_fail_append(ctx, "; rollback: unbinding %s from kmem failed", dax);
	}
	if (!stuck && !strcmp(prev_driver, "device_dax") && svm_dax_enable_devdax(ctx, dax))
		svm_fail_append(ctx, "; rollback: %s could not be given back to device_dax", dax);
}

static int numa_online(struct svm_region *r, enum svm_zone zone)
{
	struct svm_ctx *ctx = r->ctx;
	const char *want = zone == SVM_ZONE_NORMAL ? "online_kernel" : "online_movable";
	char name[32], dax[32], prev_driver[32], auto_prev[32] = "", drv[32], bz[16];
	char others[16][32];
	int nothers = 0, rc = 0;
	struct svm_dax *d = svm_region_get_dax(r);
	uint64_t start, size, bs, first, nblocks, nonlined = 0, t0 = now_ms();
	bool *onlined = NULL, online;
	const char *aob;

	snprintf(name, sizeof(name), "%s", r->name);
	if (!d)
		return svm_fail(ctx, -ENXIO,
				"%s: no dax device (is the region committed and bound, dax_cxl loaded?)",
				name);
	snprintf(dax, sizeof(dax), "%s", d->name);
	snprintf(prev_driver, sizeof(prev_driver), "%s", d->driver);
	start = d->start;
	size = d->size;
	bs = svm_get_memblock_size(ctx);
	if (!bs)
		return svm_fail(ctx, -ENODEV, "no memory hotplug support (%s missing)",
				MEM_SYS "/block_size_bytes");
	if (start % bs || size % bs)
		return svm_fail(ctx, -EINVAL,
				"%s: %s is not aligned to the %llu MiB memory block size", name, dax,
				(unsigned long long)(bs >> 20));
	first = start / bs;
	nblocks = size / bs;
	/* one flag per block of the range, however large: the rollback covers them all */
	onlined = calloc(nblocks ? nblocks : 1, sizeof(*onlined));
	if (!onlined)
		return svm_fail(ctx, -ENOMEM, "%s: out of memory", name);
	if (zone == SVM_ZONE_NORMAL)
		svm_note(ctx, "warning: %s onlined to ZONE_NORMAL: kernel allocations may land there and the memory may not be offlined or unplugged again",
			 name);

	/* kmem must not online the blocks itself, whatever the policy says */
	aob = svm_get_auto_online_blocks(ctx);
	if (aob)
		snprintf(auto_prev, sizeof(auto_prev), "%s", aob);
	if (aob && strcmp(aob, "offline")) {
		rc = set_auto_online(ctx, "offline");
		if (rc) {
			free(onlined);
			return svm_fail(ctx, rc, "cannot set auto_online_blocks to offline: %s",
					strerror(-rc));
		}
	}

	if (!strcmp(prev_driver, "device_dax")) {
		rc = svm_dax_disable(ctx, dax);
		if (rc) {
			svm_fail(ctx, rc, "%s: cannot unbind %s from device_dax: %s (is it mapped by a process?)",
				 name, dax, strerror(-rc));
			goto restore_policy;
		}
	}
	if (strcmp(prev_driver, "kmem")) {
		if (!svm_module_is_loaded(ctx, "kmem")) {
			/* loading kmem binds every unbound CXL dax device: remember the others */
			nothers = unbound_daxes(ctx, others, 16);
			rc = svm_kmod_load(ctx, "kmem");
			if (rc) {
				svm_fail(ctx, rc, "%s: cannot load the kmem module: %s", name,
					 rc == -EPERM ? "it is blacklisted in modprobe.d" :
					 strerror(-rc));
				goto undo;
			}
			for (int i = 0; i < nothers; i++) {
				if (!strcmp(others[i], dax))
					continue;
				if (!dax_bound_to(ctx, others[i], drv, sizeof(drv)) &&
				    !strcmp(drv, "kmem"))
					svm_dax_disable(ctx, others[i]);
			}
		}
		if (dax_bound_to(ctx, dax, drv, sizeof(drv)) || strcmp(drv, "kmem")) {
			/* new_id and bind, checked; kmem is loaded already (above) */
			rc = svm_dax_enable_ram(ctx, dax);
			if (rc) {
				svm_fail(ctx, rc, "%s: kmem refused %s: %s (dmesg says why; is the range claimed by an svm_cxl pool?)",
					 name, dax, strerror(-rc));
				goto undo;
			}
		}
	}

	for (uint64_t i = 0; i < nblocks; i++) {
		uint64_t a = first + i;

		if (block_read(ctx, a, &online, bz, sizeof(bz))) {
			rc = -ENOENT;
			svm_fail(ctx, rc, "%s: memory block memory%llu missing after kmem bound %s",
				 name, (unsigned long long)a, dax);
			goto undo;
		}
		if (online) {
			/* onlined by someone else (auto_online_blocks before our call, a udev
			 * rule, by hand): fine in the asked zone, refused in another */
			if (strcmp(bz, zone_name(zone))) {
				rc = -EBUSY;
				svm_fail(ctx, rc,
					 "%s: memory%llu is already online in ZONE_%s, not ZONE_%s as asked (auto_online_blocks, a udev rule or a hand-written state); offline the region first (svm-cxlctl offline %s)",
					 name, (unsigned long long)a, bz[0] ? bz : "?",
					 zone_name(zone), name);
				goto undo;
			}
			continue;
		}
		rc = block_write(ctx, (int)a, want);
		if (rc) {
			svm_fail(ctx, rc, "%s: onlining memory%llu as %s failed: %s", name,
				 (unsigned long long)a, want + 7, strerror(-rc));
			goto undo;
		}
		onlined[i] = true;
		nonlined++;
	}
	/* what the kernel did, not what was asked: a concurrent onliner can win a block */
	for (uint64_t i = 0; i < nblocks; i++) {
		uint64_t a = first + i;

		if (block_read(ctx, a, &online, bz, sizeof(bz)) || !online ||
		    strcmp(bz, zone_name(zone))) {
			rc = -EBUSY;
			svm_fail(ctx, rc,
				 "%s: memory%llu is %s%s after onlining, not online in ZONE_%s (raced with another onliner?)",
				 name, (unsigned long long)a, online ? "online in ZONE_" : "offline",
				 online ? bz : "", zone_name(zone));
			goto undo;
		}
	}
	if (auto_prev[0] && strcmp(auto_prev, "offline"))
		set_auto_online(ctx, auto_prev);
	free(onlined);
	svm_note(ctx, "%s: online as numa (node %d, zone %s, %llu block(s) onlined, %llu verified, memory tier %d) in %llu ms",
		 name, d->target_node, zone == SVM_ZONE_NORMAL ? "normal" : "movable",
		 (unsigned long long)nonlined, (unsigned long long)nblocks,
		 svm_node_get_memory_tier(ctx, d->target_node),
		 (unsigned long long)(now_ms() - t0));
	return 0;

undo:
	numa_online_undo(ctx, dax, prev_driver, first, nblocks, onlined);
restore_policy:
	if (auto_prev[0] && strcmp(auto_prev, "offline") && set_auto_online(ctx, auto_prev))
		svm_fail_append(ctx, "; auto_online_blocks could not be set back to %s", auto_prev);
	free(onlined);
	return rc;
}

/*
 * The kernel retries migration in offline_pages() until it succeeds or a signal is
 * pending for the writer, so a deadline needs a signal. It is aimed at the calling
 * thread only (timer_create with SIGEV_THREAD_ID), on a real-time signal, never SIGALRM
 * or ITIMER_REAL, which belong to the application. A handler is installed only while the
 * signal has none, and the previous disposition is put back.
 */
#define SVM_OFFLINE_SIGNAL (SIGRTMAX - 1)

static void on_deadline(int sig)
{
	(void)sig;
}

struct deadline_timer {
	timer_t id;
	bool armed, handler_set;
	struct sigaction old;
};

static int deadline_start(struct deadline_timer *t)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SVM_OFFLINE_SIGNAL };
	struct sigaction sa = { .sa_handler = on_deadline };

	memset(t, 0, sizeof(*t));
	/* glibc before 2.37 names the member only through the union */
#ifdef sigev_notify_thread_id
	sev.sigev_notify_thread_id = gettid();
#else
	sev._sigev_un._tid = gettid();
#endif
	if (sigaction(SVM_OFFLINE_SIGNAL, NULL, &t->old))
		return -errno;
	if (t->old.sa_handler == SIG_DFL || t->old.sa_handler == SIG_IGN) {
		sigemptyset(&sa.sa_mask);
		if (sigaction(SVM_OFFLINE_SIGNAL, &sa, NULL))
			return -errno;
		t->handler_set = true;
	}
	if (timer_create(CLOCK_MONOTONIC, &sev, &t->id)) {
		int rc = -errno;

		if (t->handler_set)
			sigaction(SVM_OFFLINE_SIGNAL, &t->old, NULL);
		return rc;
	}
	t->armed = true;
	return 0;
}

/* fire in @ms (at least 1 ns from now); 0 disarms */
static void deadline_set(struct deadline_timer *t, uint64_t ms)
{
	struct itimerspec its = { 0 };

	if (ms) {
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timer_settime(t->id, 0, &its, NULL);
}

static void deadline_stop(struct deadline_timer *t)
{
	sigset_t pending;

	if (!t->armed)
		return;
	timer_delete(t->id);
	/* a signal that fired after the write returned must not reach the old disposition */
	sigpending(&pending);
	if (sigismember(&pending, SVM_OFFLINE_SIGNAL)) {
		sigset_t one;
		struct timespec zero = { 0 };

		sigemptyset(&one);
		sigaddset(&one, SVM_OFFLINE_SIGNAL);
		sigtimedwait(&one, NULL, &zero);
	}
	if (t->handler_set)
		sigaction(SVM_OFFLINE_SIGNAL, &t->old, NULL);
}

/* Offline one block, retrying until @deadline; the timer interrupts a kernel that keeps
 * retrying migration on its own (the write then fails with EINTR). */
static int offline_block(struct svm_ctx *ctx, int id, uint64_t deadline, int *tries)
{
	struct deadline_timer t;
	int rc;

	rc = deadline_start(&t);
	if (rc)
		return svm_fail(ctx, rc, "memory%d: cannot arm the offline deadline: %s", id,
				strerror(-rc));
	do {
		uint64_t left = deadline > now_ms() + 1 ? deadline - now_ms() : 1;

		deadline_set(&t, left);
		rc = block_write(ctx, id, "offline");
		deadline_set(&t, 0);
		(*tries)++;
		if (!rc || (rc != -EBUSY && rc != -EAGAIN && rc != -EINTR))
			break;
		if (now_ms() + 100 >= deadline)
			break;
		usleep(100000);
	} while (now_ms() < deadline);
	deadline_stop(&t);
	return rc;
}

/* one online block of a numa offline, and how far it got */
struct offline_block {
	int id, rc;
	bool movable, offline, hard;
	char zone[16];
};

/*
 * A first pass gives every block at most this long, so that one block with pages that
 * cannot move (pinned, or unmovable in ZONE_NORMAL) does not keep the blocks after it
 * from being offlined; the blocks still in use are then retried with the rest of the
 * budget, each round giving each of them twice as long as the last (an interrupted
 * offline keeps the pages it moved, so a slow block still gets through).
 */
#define FIRST_PASS_MS 1000

static bool offline_retryable(int rc)
{
	return rc == -EBUSY || rc == -EAGAIN || rc == -EINTR;
}

/* "memoryA, memoryB, ..." of the blocks not yet offline, into @buf */
static const char *stuck_names(const struct offline_block *blk, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used + 16 < len; i++)
		if (!blk[i].offline)
			used += snprintf(buf + used, len - used, "%smemory%d", used ? ", " : "",
					 blk[i].id);
	return buf;
}

static int numa_offline(struct svm_region *r, unsigned int timeout_ms)
{
	struct svm_ctx *ctx = r->ctx;
	struct svm_dax *d = svm_region_get_dax(r);
	struct svm_memblock *b;
	/* every online block, however many: the rollback puts each one offlined back */
	struct offline_block *blk;
	int nblk = 0, left = 0, rc = 0, tries = 0, stuck = 0, first_stuck = -1, round = 0;
	unsigned int budget = timeout_ms ? timeout_ms : 60000;
	uint64_t t0 = now_ms(), deadline = t0 + budget, slice = FIRST_PASS_MS;
	char name[32], dax[32], names[256];

	snprintf(name, sizeof(name), "%s", r->name);
	snprintf(dax, sizeof(dax), "%s", d->name);
	blk = calloc(svm_dax_get_nr_memblocks(d) + 1, sizeof(*blk));
	if (!blk)
		return svm_fail(ctx, -ENOMEM, "%s: out of memory", name);
	svm_memblock_foreach(d, b) {
		if (!b->online)
			continue;
		blk[nblk].id = b->id;
		blk[nblk].movable = !strcmp(b->zone, "Movable");
		snprintf(blk[nblk].zone, sizeof(blk[nblk].zone), "%s", b->zone[0] ? b->zone : "?");
		nblk++;
	}
	left = nblk;
	while (left) {
		bool hard = false;

		for (int i = 0; i < nblk && !hard; i++) {
			uint64_t until = now_ms() + slice;

			if (blk[i].offline)
				continue;
			rc = offline_block(ctx, blk[i].id, until < deadline ? until : deadline, &tries);
			if (!rc) {
				blk[i].offline = true;
				left--;
			} else if (!offline_retryable(rc)) {
				hard = true;
				blk[i].hard = true;
			} else {
				blk[i].rc = rc;
			}
		}
		if (!left || hard || now_ms() + 100 >= deadline)
			break;
		notice(ctx, "%s: %s still in use after %s pass over %d block(s), retrying for up to %llu ms more\n",
		       name, stuck_names(blk, nblk, names, sizeof(names)),
		       round ? "another" : "a first", nblk, (unsigned long long)(deadline - now_ms()));
		round++;
		slice *= 2;
	}
	if (left) {
		struct svm_preflight pf = { .struct_size = sizeof(pf) };
		int i = 0;

		/* the first block that failed for good, or else the first still in use */
		while (i < nblk - 1 && !blk[i].hard)
			i++;
		if (!blk[i].hard)
			for (i = 0; blk[i].offline; i++)
				;
		svm_region_preflight(r, &pf);
		svm_fail(ctx, blk[i].hard ? rc : blk[i].rc,
			 "%s: memory%d (zone %s) of node %d could not be offlined within %u ms: %s (still online: %s)%s%s; nothing was changed",
			 name, blk[i].id, blk[i].zone, d->target_node, budget,
			 strerror(-(blk[i].hard ? rc : blk[i].rc)),
			 stuck_names(blk, nblk, names, sizeof(names)),
			 pf.reason[0] ? "; " : "", pf.reason);
		rc = blk[i].hard ? rc : blk[i].rc;
		/* put back what we took away, in the zone it was in */
		for (i = nblk - 1; i >= 0; i--)
			if (blk[i].offline &&
			    block_write(ctx, blk[i].id,
					blk[i].movable ? "online_movable" : "online_kernel")) {
				stuck++;
				first_stuck = blk[i].id;
			}
		if (stuck)
			svm_fail_append(ctx, "; rollback: %d block(s) (memory%d, ...) could not be onlined again and stay offline",
					stuck, first_stuck);
		free(blk);
		return rc;
	}
	free(blk);
	rc = svm_dax_disable(ctx, dax);
	if (rc)
		return svm_fail(ctx, rc,
				"%s: blocks offline, but unbinding %s from kmem failed: %s; retry the offline",
				name, dax, strerror(-rc));
	svm_note(ctx, "%s: numa memory offlined (%d block(s), %d attempt(s), %d retry round(s)) and %s released in %llu ms",
		 name, nblk, tries, round, dax, (unsigned long long)(now_ms() - t0));
	return 0;
}

SVM_EXPORT int svm_region_online(struct svm_region *r, const struct svm_online_opts *opts)
{
	struct svm_ctx *ctx = r->ctx;
	struct svm_online_opts oo, *o = &oo;
	enum svm_mode cur;
	char name[32];
	int rc;

	svm_clear_status(ctx);
	snprintf(name, sizeof(name), "%s", r->name);
	if (!opts)
		return svm_fail(ctx, -EINVAL, "%s: no options (the mode must be numa or coherent)",
				name);
	rc = svm_copy_opts(ctx, &oo, sizeof(oo), opts, SVM_ONLINE_OPTS_SIZE_V1,
			   "svm_online_opts");
	if (rc)
		return rc;
	if (o->mode != SVM_MODE_NUMA && o->mode != SVM_MODE_COHERENT)
		return svm_fail(ctx, -EINVAL, "%s: the mode must be numa or coherent", name);
	if (o->zone && o->mode != SVM_MODE_NUMA)
		return svm_fail(ctx, -EINVAL, "%s: a zone applies to numa mode only", name);
	rc = svm_region_check_ram(r, "onlines");
	if (rc)
		return rc;
	if (svm_region_is_stale(r))
		return svm_fail(ctx, -ENXIO,
				"%s: stale (a memdev under it is gone); delete it: svm-cxlctl destroy-region %s",
				name, name);
	if (!r->committed || !r->enabled)
		return svm_fail(ctx, -ENXIO,
				"%s: not committed and enabled (stale or half-built?); destroy and recreate it",
				name);
	cur = svm_region_get_mode(r);
	if (cur == SVM_MODE_NUMA && o->mode == SVM_MODE_NUMA) {
		enum svm_zone zone = o->zone ? o->zone : SVM_ZONE_MOVABLE;
		struct svm_memblock *b;

		/* online already, but is it where it was asked to be? */
		svm_memblock_foreach(svm_region_get_dax(r), b)
			if (strcmp(b->zone, zone_name(zone)))
				return svm_fail(ctx, -EBUSY,
						"%s: already online, but memory%d is in ZONE_%s, not ZONE_%s as asked; offline it first (svm-cxlctl offline %s)",
						name, b->id, b->zone[0] ? b->zone : "?",
						zone_name(zone), name);
	}
	if (cur == o->mode) {
		svm_note(ctx, "%s: already online as %s; nothing to do", name,
			 svm_region_get_mode_name(r));
		return 0;
	}
	if (cur == SVM_MODE_COHERENT || cur == SVM_MODE_NUMA ||
	    (cur == SVM_MODE_NUMA_PARTIAL && o->mode != SVM_MODE_NUMA))
		return svm_fail(ctx, -EBUSY,
				"%s: online as %s; offline it first or convert it (svm-cxlctl convert %s --mode %s)",
				name, svm_mode_name(cur), name, svm_mode_name(o->mode));
	if (o->mode == SVM_MODE_NUMA)
		rc = numa_online(r, o->zone ? o->zone : SVM_ZONE_MOVABLE);
	else
		rc = svm_pool_add(ctx, r);
	svm_invalidate(ctx);
	return rc;
}

SVM_EXPORT int svm_region_offline(struct svm_region *r, unsigned int timeout_ms)
{
	struct svm_ctx *ctx = r->ctx;
	enum svm_mode cur;
	char name[32];
	int rc = 0;

	svm_clear_status(ctx);
	snprintf(name, sizeof(name), "%s", r->name);
	rc = svm_region_check_ram(r, "offlines");
	if (rc)
		return rc;
	cur = svm_region_get_mode(r);
	if (cur == SVM_MODE_NUMA || cur == SVM_MODE_NUMA_PARTIAL || cur == SVM_MODE_COHERENT) {
		struct svm_preflight pf = { .struct_size = sizeof(pf) };

		svm_region_preflight(r, &pf);
		svm_note(ctx, "%s: preflight: %s, node %d, %d/%d block(s) online (%d movable, %d normal), %llu KiB used on the node, %llu pool page(s) in use, %d process(es) with pages there%s%s",
			 name, svm_mode_name(cur), pf.node, pf.nr_online, pf.nr_blocks,
			 pf.nr_movable, pf.nr_normal,
			 (unsigned long long)((pf.node_total - pf.node_free) >> 10),
			 (unsigned long long)pf.pool_used_pages, pf.nr_procs,
			 pf.reason[0] ? "; " : "", pf.reason);
	}
	switch (cur) {
	case SVM_MODE_NUMA:
	case SVM_MODE_NUMA_PARTIAL:
		rc = numa_offline(r, timeout_ms);
		break;
	case SVM_MODE_COHERENT:
		rc = svm_pool_remove(ctx, svm_region_get_pool(r), timeout_ms);
		break;
	case SVM_MODE_DEVDAX: {
		struct svm_dax *d = svm_region_get_dax(r);

		rc = svm_dax_disable(ctx, d->name);
		if (rc)
			rc = svm_fail(ctx, rc, "%s: cannot unbind %s from device_dax: %s", name,
				      d->name, strerror(-rc));
		else
			svm_note(ctx, "%s: %s released from device_dax", name, d->name);
		break;
	}
	default:
		svm_note(ctx, "%s: already offline; nothing to do", name);
		break;
	}
	svm_invalidate(ctx);
	return rc;
}

SVM_EXPORT int svm_region_convert(struct svm_region *r, const struct svm_online_opts *opts,
				  unsigned int timeout_ms)
{
	struct svm_ctx *ctx = r->ctx;
	char name[32], notes[sizeof(ctx->notes)];
	enum svm_mode cur = svm_region_get_mode(r);
	struct svm_online_opts oo, *o = &oo;
	int rc;

	snprintf(name, sizeof(name), "%s", r->name);
	svm_clear_status(ctx);
	if (!opts)
		return svm_fail(ctx, -EINVAL, "%s: no options (the mode must be numa or coherent)",
				name);
	rc = svm_copy_opts(ctx, &oo, sizeof(oo), opts, SVM_ONLINE_OPTS_SIZE_V1,
			   "svm_online_opts");
	if (rc)
		return rc;
	if ((o->mode != SVM_MODE_NUMA && o->mode != SVM_MODE_COHERENT))
		return svm_fail(ctx, -EINVAL, "%s: the mode must be numa or coherent", name);
	rc = svm_region_check_ram(r, "converts");
	if (rc)
		return rc;
	if (cur == o->mode) {
		svm_note(ctx, "%s: already online as %s; nothing to do", name, svm_mode_name(cur));
		return 0;
	}
	rc = svm_region_offline(r, timeout_ms);
	if (rc)
		return rc;
	snprintf(notes, sizeof(notes), "%s", ctx->notes);
	r = svm_region_get_by_name(ctx, name);
	if (!r)
		return svm_fail(ctx, -ENODEV, "%s: vanished while offline", name);
	rc = svm_region_online(r, o);
	if (strlen(notes) + strlen(ctx->notes) < sizeof(notes)) {
		strcat(notes, ctx->notes);
		snprintf(ctx->notes, sizeof(ctx->notes), "%s", notes);
	}
	if (rc)
		svm_fail(ctx, rc, "%s: offline done (data parked in system RAM), but onlining as %s failed: %s",
			 name, svm_mode_name(o->mode), svm_get_error(ctx));
	return rc;
}

/* Processes with pages on @node, from /proc/PID/numa_maps (N<node>=<pages>). */
static void scan_procs(struct svm_preflight *pf, int node)
{
	char key[16], path[64], line[4096];
	struct dirent *de;
	DIR *d = opendir("/proc");

	snprintf(key, sizeof(key), " N%d=", node);
	while (d && (de = readdir(d))) {
		uint64_t pages = 0;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/numa_maps", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *p = strstr(line, key);

			if (p)
				pages += strtoull(p + strlen(key), NULL, 10);
		}
		fclose(f);
		if (!pages)
			continue;
		if (pf->nr_procs < (int)ARRAY_SIZE(pf->procs)) {
			pf->procs[pf->nr_procs] = atoi(de->d_name);
			pf->proc_pages[pf->nr_procs] = pages;
		}
		pf->nr_procs++;
	}
	if (d)
		closedir(d);
}

static void preflight(struct svm_region *r, struct svm_preflight *pf);

SVM_EXPORT int svm_region_preflight(struct svm_region *r, struct svm_preflight *out)
{
	struct svm_preflight pf = { 0 };
	uint32_t size = out->struct_size;

	if (size < SVM_PREFLIGHT_SIZE_V1)
		return svm_fail(r->ctx, -EINVAL,
				"struct svm_preflight: struct_size %u is below the smallest version (%zu); set it to sizeof(struct svm_preflight)",
				size, SVM_PREFLIGHT_SIZE_V1);
	preflight(r, &pf);
	/* an older caller gets the part it knows; a newer one its tail zeroed */
	memset(out, 0, size);
	memcpy(out, &pf, size < sizeof(pf) ? size : sizeof(pf));
	out->struct_size = size;
	return 0;
}

static void preflight(struct svm_region *r, struct svm_preflight *pf)
{
	struct svm_dax *d = svm_region_get_dax(r);
	struct svm_memblock *b;
	struct svm_pool *pool;

	pf->struct_size = sizeof(*pf);
	pf->node = -1;
	pf->mode = svm_region_get_mode(r);
	pf->can_offline = true;
	if (d) {
		pf->node = d->target_node;
		svm_memblock_foreach(d, b) {
			pf->nr_blocks++;
			if (!b->online)
				continue;
			pf->nr_online++;
			if (!strcmp(b->zone, "Movable"))
				pf->nr_movable++;
			else
				pf->nr_normal++;
		}
	}
	pool = svm_region_get_pool(r);
	if (pf->node >= 0 && pf->nr_online)
		svm_node_get_meminfo(r->ctx, pf->node, &pf->node_total, &pf->node_free);
	/* device pages of a pool carry the region's node too */
	if (pf->node >= 0 && (pf->nr_online || pool))
		scan_procs(pf, pf->node);
	if (pool) {
		pf->pool_used_pages = pool->pages_used;
		if (pool->pages_used)
			snprintf(pf->reason, sizeof(pf->reason),
				 "pool%d has %llu page(s) in use by %d process(es) (they will be migrated to system RAM; pinned ones block the drain)",
				 pool->id, (unsigned long long)pool->pages_used, pf->nr_procs);
	}
	if (pf->nr_normal && pf->node_total > pf->node_free) {
		pf->can_offline = false;
		snprintf(pf->reason, sizeof(pf->reason),
			 "%d block(s) are in ZONE_NORMAL and %llu KiB of node %d are in use (kernel or pinned pages cannot move); %d process(es) have pages there",
			 pf->nr_normal,
			 (unsigned long long)((pf->node_total - pf->node_free) >> 10), pf->node,
			 pf->nr_procs);
	} else if (pf->nr_procs && !pool) {
		snprintf(pf->reason, sizeof(pf->reason),
			 "%d process(es) have pages on node %d (they will be migrated)",
			 pf->nr_procs, pf->node);
	}
}
