// SPDX-License-Identifier: GPL-2.0-only
/*
 * The placement pass: every process a [place] rule matches gets the pages its rule
 * covers moved to the rule's pool with SVM_CXL_IOC_MIGRATE_PID, under a token bucket
 * over the bytes the kernel reports migrated (policy place-rate, MiB/s, for all
 * placement together), so placement never takes more of a device than that.
 *
 * The bucket starts empty and holds at most one second of rate: so by any moment t
 * after the daemon started placing, placement has migrated at most rate * t bytes. A
 * pass never passes the kernel more bytes in one call than the bucket holds, so no call
 * can overshoot; when the bucket is empty the pass stops and the next one runs as soon
 * as it has refilled, not a whole interval later.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <linux/svm_cxl.h>

#include "engine-int.h"
#include "place.h"

#define MAX_RANGES 256			/* per call (the kernel takes up to 1024) */
#define CALL_MAX_BYTES (64ULL << 20)	/* per call, so one call stays short */

struct pool_ref {
	int id;
	uint64_t start, size;
	uint64_t instance;	/* svm_pool_get_instance() */
};

/* The active pool inside region @name, or id 0. */
static struct pool_ref pool_of(struct svm_ctx *ctx, const char *name)
{
	struct pool_ref ref = { 0 };
	struct svm_region *r;

	svm_region_foreach(ctx, r) {
		struct svm_pool *p;
		const char *state;

		if (strcmp(svm_region_get_name(r), name))
			continue;
		p = svm_region_get_pool(r);
		state = p ? svm_pool_get_state(p) : NULL;
		if (p && (!state || !strcmp(state, "active")))
			ref = (struct pool_ref){ svm_pool_get_id(p), svm_pool_get_start(p),
						 svm_pool_get_size(p), svm_pool_get_instance(p) };
	}
	return ref;
}

/* @rule's counters (a new slot the first time; the last slot is shared when all are taken) */
static struct svmd_place_counts *counts_of(struct svmd_place *pl, const char *rule)
{
	struct svmd_place_counts *c;

	for (int i = 0; i < pl->nr_counts; i++)
		if (!strcmp(pl->counts[i].rule, rule))
			return &pl->counts[i];
	if (pl->nr_counts == SVMD_PLACE_MAX_COUNTED)
		return &pl->counts[SVMD_PLACE_MAX_COUNTED - 1];
	c = &pl->counts[pl->nr_counts++];
	snprintf(c->rule, sizeof(c->rule), "%s", rule);
	return c;
}

struct pass {
	struct svmd_place *pl;
	struct svmd_engine *e;
	uint64_t rate;			/* bytes/s */
	uint64_t moved;			/* this pass, bytes */
	const char *full[SVM_PLACE_MAX_LIST];	/* regions found full this pass */
	int nr_full;
	struct svmd_place_range ranges[MAX_RANGES];	/* what the process has */
	struct svmd_place_range call[MAX_RANGES];	/* one call's share of it */
};

static void refill(struct svmd_place *pl, uint64_t rate)
{
	uint64_t now = svmd_now_ms();

	pl->tokens += (double)rate * (double)(now - pl->refill_ms) / 1000.0;
	if (pl->tokens > (double)rate)
		pl->tokens = (double)rate;	/* at most one second of burst */
	pl->refill_ms = now;
}

static bool region_full(struct pass *ps, const char *region)
{
	for (int i = 0; i < ps->nr_full; i++)
		if (!strcmp(ps->full[i], region))
			return true;
	return false;
}

static void emit_placed(struct pass *ps, const struct svm_place_rule *r, const struct svmd_proc *p,
			const struct svm_cxl_migrate_pid *m)
{
	struct json_object *ev = svmd_event("placed");

	svmd_ev_str(ev, "rule", r->name);
	svmd_ev_int(ev, "pid", p->pid);
	svmd_ev_str(ev, "region", r->region);
	svmd_ev_int(ev, "pool", m->pool_id);
	svmd_ev_int(ev, "moved", (int64_t)m->moved);
	svmd_ev_int(ev, "no_memory", (int64_t)m->no_memory);
	svmd_ev_int(ev, "busy", (int64_t)m->busy);
	svmd_ev_int(ev, "total_bytes", (int64_t)ps->pl->moved_bytes);
	svmd_ev_int(ev, "t_ms", (int64_t)(svmd_now_ms() - ps->pl->start_ms));
	svmd_emit(ps->e, ev);
}

/* One call over @ranges[0..@nr): 0, or -errno (the process is skipped). */
static int migrate(struct pass *ps, const struct svm_place_rule *r, const struct svmd_proc *p,
		   int pidfd, int pool, int nr, uint64_t bytes)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct svm_cxl_migrate_pid m = {
		.size = sizeof(m), .flags = SVM_CXL_MIGRATE_PID_RANGES, .pidfd = (__u32)pidfd,
		.direction = SVM_CXL_TO_POOL, .pool_id = (__u32)pool, .nr_ranges = (__u32)nr,
		.ranges = (uintptr_t)ps->call,
	};
	int rc = 0;

	static_assert(sizeof(struct svmd_place_range) == sizeof(struct svm_cxl_range),
		      "ranges are passed as they are");
	if (ioctl(ps->pl->devfd, SVM_CXL_IOC_MIGRATE_PID, &m) && errno != EINTR)
		rc = -errno;
	/* what moved is charged, whatever else happened */
	ps->pl->tokens -= (double)(m.moved * psz);
	ps->pl->moved_bytes += m.moved * psz;
	ps->moved += m.moved * psz;
	if (rc == -ESRCH) {
		log_info("place \"%s\": pid %d (%s) exited during placement", r->name, p->pid, p->comm);
		return rc;
	}
	if (m.moved) {
		counts_of(ps->pl, r->name)->applied++;
		counts_of(ps->pl, r->name)->moved_bytes += m.moved * psz;
	}
	if (rc || m.no_memory)
		counts_of(ps->pl, r->name)->refused++;
	if (rc) {
		/* EFAULT/EINVAL: its mappings changed since they were read; the next pass
		 * reads them again */
		log_info("place \"%s\": pid %d (%s): %s; trying again next pass", r->name, p->pid,
			 p->comm, strerror(-rc));
		return rc;
	}
	log_info("place \"%s\": pid %d (%s) uid %u: %" PRIu64 " KiB in %d range(s) to %s (pool %d): moved %llu, already %llu, busy %llu, no_memory %llu, other %llu pages; placement total %" PRIu64 " bytes",
		 r->name, p->pid, p->comm, (unsigned int)p->uid, bytes >> 10, nr, r->region, pool,
		 (unsigned long long)m.moved, (unsigned long long)m.already,
		 (unsigned long long)m.busy, (unsigned long long)m.no_memory,
		 (unsigned long long)(m.other_pool + m.unsupported + m.absent),
		 ps->pl->moved_bytes);
	emit_placed(ps, r, p, &m);
	if (m.no_memory) {
		log_warn("place \"%s\": %s is full: %llu page(s) of pid %d stay in system RAM; no more placement to it this pass",
			 r->name, r->region, (unsigned long long)m.no_memory, p->pid);
		if (ps->nr_full < SVM_PLACE_MAX_LIST)
			ps->full[ps->nr_full++] = r->region;
		return -ENOSPC;
	}
	return 0;
}

static int place_one(const struct svm_place_rule *r, const struct svmd_proc *p, void *data)
{
	uint64_t psz = (uint64_t)sysconf(_SC_PAGESIZE), off = 0, pages;
	struct pass *ps = data;
	struct pool_ref pool;
	int nr, pidfd, i = 0;

	if (region_full(ps, r->region))
		return 0;
	pool = pool_of(ps->e->ctx, r->region);
	if (!pool.id)
		return 0;	/* said once per pass in svmd_place_tick() */
	/* the pidfd first: if the process is still there after its maps were read, they
	 * were its maps (a pid reused in between would fail the signal check) */
	pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (pidfd < 0)
		return 0;
	nr = svmd_place_ranges("/proc", p->pid, r, pool.start, pool.size, ps->ranges,
			       MAX_RANGES, &pages);
	if (nr <= 0 || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0))
		goto out;
	while (i < nr) {
		uint64_t bytes = 0, budget;
		int n = 0;

		refill(ps->pl, ps->rate);
		if (ps->pl->tokens < (double)psz) {
			ps->pl->incomplete = true;
			counts_of(ps->pl, r->name)->rate_limited++;
			break;
		}
		budget = (uint64_t)ps->pl->tokens / psz * psz;
		if (budget > CALL_MAX_BYTES)
			budget = CALL_MAX_BYTES;
		/* as many ranges as the budget holds, the last one cut to fit */
		while (i < nr && bytes < budget) {
			uint64_t take = ps->ranges[i].length - off;

			if (take > budget - bytes)
				take = budget - bytes;
			ps->call[n++] = (struct svmd_place_range){ ps->ranges[i].addr + off, take };
			bytes += take;
			off += take;
			if (off == ps->ranges[i].length) {
				i++;
				off = 0;
			}
		}
		if (migrate(ps, r, p, pidfd, pool.id, n, bytes) < 0)
			break;
	}
out:
	close(pidfd);
	/* the bucket is empty: stop the whole pass (the next one goes on) */
	return ps->pl->incomplete ? 1 : 0;
}

/*
 * "region0:1.4711 region2:0.0 ...": the pool (id and instance) of each rule's region, to
 * notice one coming back, also under the same id between two looks
 */
static void pools_signature(struct svmd_engine *e, char *buf, size_t len)
{
	const struct svm_policy *pol = e->policy;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < svm_policy_place_count(pol) && used < len; i++) {
		const char *region = svm_policy_place_at(pol, i)->region;

		struct pool_ref ref = pool_of(e->ctx, region);

		used += snprintf(buf + used, len - used, "%s:%d.%llu ", region, ref.id,
				 (unsigned long long)ref.instance);
	}
}

void svmd_place_init(struct svmd_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->devfd = -1;
}

void svmd_place_fini(struct svmd_place *pl)
{
	if (pl->devfd >= 0)
		close(pl->devfd);
}

int svmd_place_timeout(struct svmd_place *pl, struct svmd_engine *e)
{
	uint64_t now = svmd_now_ms();

	if (!svm_policy_place_count(e->policy))
		return -1;
	/* pools are looked at once a second, so one coming back is placed within that */
	if (!pl->next_ms || pl->next_ms <= now)
		return 0;
	return pl->next_ms - now > 1000 ? 1000 : (int)(pl->next_ms - now);
}

void svmd_place_kick(struct svmd_place *pl)
{
	pl->kicked = true;
}

void svmd_place_tick(struct svmd_place *pl, struct svmd_engine *e)
{
	const struct svm_policy *pol = e->policy;
	uint64_t now = svmd_now_ms(), rate = (uint64_t)svm_policy_place_rate(pol) << 20;
	char pools[sizeof(pl->pools)];
	struct pass *ps;
	bool changed;
	int rc;

	if (!svm_policy_place_count(pol))
		return;
	/* the main loop wakes for many reasons: the pools are read once a second at most */
	if (!pl->kicked && pl->checked_ms && now - pl->checked_ms < 1000 && now < pl->next_ms)
		return;
	pl->checked_ms = now;
	svm_invalidate(e->ctx);
	pools_signature(e, pools, sizeof(pools));
	changed = strcmp(pools, pl->pools) != 0 || pl->kicked;
	pl->kicked = false;
	if (!changed && pl->next_ms && now < pl->next_ms)
		return;
	if (!pl->start_ms) {
		pl->start_ms = now;
		pl->refill_ms = now;	/* the bucket starts empty */
	}
	for (size_t i = 0; changed && i < svm_policy_place_count(pol); i++) {
		const struct svm_place_rule *r = svm_policy_place_at(pol, i);

		if (pool_of(e->ctx, r->region).id)
			continue;
		counts_of(pl, r->name)->no_pool++;
		log_warn("place \"%s\": %s has no active coherent pool (not present, not in coherent mode, or draining): nothing placed there until it has one",
			 r->name, r->region);
	}
	if (changed && pl->pools[0])
		log_info("placement: pools changed or a region came online (%s): placing again now",
			 pools);
	snprintf(pl->pools, sizeof(pl->pools), "%s", pools);
	if (pl->devfd < 0) {
		pl->devfd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
		if (pl->devfd < 0) {
			log_debug("placement: /dev/%s: %s", SVM_CXL_DEVICE_NAME, strerror(errno));
			pl->next_ms = now + svm_policy_place_interval(pol) * 1000ULL;
			return;
		}
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return;
	ps->pl = pl;
	ps->e = e;
	ps->rate = rate;
	pl->incomplete = false;
	rc = svmd_place_scan("/proc", pol, place_one, ps);
	if (rc < 0)
		log_warn("placement: reading /proc: %s", strerror(-rc));
	pl->passes++;
	if (ps->moved || pl->incomplete)
		log_info("placement pass %" PRIu64 ": moved %" PRIu64 " bytes, %" PRIu64 " since start %" PRIu64 " ms ago (limit %u MiB/s)%s",
			 pl->passes, ps->moved, pl->moved_bytes, svmd_now_ms() - pl->start_ms,
			 svm_policy_place_rate(pol), pl->incomplete ? "; bucket empty, going on in 1 s" : "");
	/* an empty bucket holds a page again after psz/rate: go on a second later */
	pl->next_ms = svmd_now_ms() + (pl->incomplete ? 1000 : svm_policy_place_interval(pol) * 1000ULL);
	free(ps);
}

struct json_object *svmd_place_status(const struct svmd_place *pl, const struct svm_policy *pol)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "passes", json_object_new_uint64(pl->passes));
	json_object_object_add(o, "moved_bytes", json_object_new_uint64(pl->moved_bytes));
	json_object_object_add(o, "rate_mib_s", json_object_new_int(svm_policy_place_rate(pol)));
	json_object_object_add(o, "interval_s", json_object_new_int(svm_policy_place_interval(pol)));
	for (size_t i = 0; i < svm_policy_place_count(pol); i++) {
		const struct svm_place_rule *r = svm_policy_place_at(pol, i);
		struct svmd_place_counts none = { 0 };
		const struct svmd_place_counts *c = &none;
		struct json_object *j = json_object_new_object();

		for (int k = 0; k < pl->nr_counts; k++)
			if (!strcmp(pl->counts[k].rule, r->name))
				c = &pl->counts[k];
		json_object_object_add(j, "rule", json_object_new_string(r->name));
		json_object_object_add(j, "pool", json_object_new_string(r->region));
		json_object_object_add(j, "applied", json_object_new_uint64(c->applied));
		json_object_object_add(j, "moved_bytes", json_object_new_uint64(c->moved_bytes));
		json_object_object_add(j, "rate_limited", json_object_new_uint64(c->rate_limited));
		json_object_object_add(j, "refused", json_object_new_uint64(c->refused));
		json_object_object_add(j, "no_pool", json_object_new_uint64(c->no_pool));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "rules", a);
	return o;
}
