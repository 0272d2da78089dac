// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the hot-unplug net for numa-mode memory (dax kmem, memory blocks online).
 *
 * kmem's remove calls remove_memory(), which fails on online blocks ("cannot be
 * hotremoved until the next reboot") and leaves the processes that have pages there
 * reading a device that is gone. Offlining migrates movable pages away, but a module
 * cannot offline (device_offline(), offline_pages(), walk_memory_blocks() and
 * lock_device_hotplug() are not exported, and offline_and_remove_memory() would make
 * kmem's own remove_memory() run on removed memory). Userspace can: writing "offline"
 * to /sys/devices/system/memory/memoryN/state. So, from the unbind notifiers of
 * unplug.c, which run while the memory is still decoded and which device_del
 * (pciehp) and a sysfs unbind wait for:
 *
 *  1. if no section inside a CXL window is online, nothing to do;
 *  2. if no offline agent registered (a process, svm-cxld, wrote "register" to the
 *     misc device's offline_agent), say so at once and let the unbind go on;
 *  3. otherwise send a KOBJ_CHANGE uevent on the misc device
 *     (SVM_CXL_EVENT=offline-request, SVM_CXL_REQUEST=seq, SVM_CXL_DEVICE=name) and
 *     wait while the agent, which knows which regions the device decodes, names them
 *     ("SEQ offlining NAME START SIZE" to offline_request), offlines their blocks
 *     with no deadline of its own, and says "SEQ done";
 *  4. the wait has no total limit: it lasts while the named ranges keep shrinking
 *     (online pages, or pages in use in them; a range newly named starts the count
 *     again), and ends after numa_stall_ms (module parameter, 60 s by default) without
 *     progress, when the agent is done, or when it dies. Every SVM_CXL_REPORT_MS a
 *     line says how much is left. On a stall an SVM_CXL_EVENT=offline-abandon uevent
 *     tells the agent to stop (its write would otherwise hold mem_hotplug_lock, which
 *     kmem's remove_memory() needs, for as long as it retries);
 *  5. what is still online is named in the log per memory block, with the first page
 *     in use of each (dump_page(): refcount, mapcount, flags) and the processes that
 *     map its first pages in use (holders.c).
 *
 * Locks: the notifiers hold the departing device's lock (and pciehp its
 * pci_rescan_remove_lock); neither device_hotplug_lock nor mem_hotplug_lock is held
 * on the sysfs unbind or pciehp paths, so the agent's offline does not wait for us.
 * (Paths that do hold device_hotplug_lock around an unbind, ACPI hotplug, make the
 * agent's write retry; the stall limit then ends the wait.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmdebug.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "svm_cxl_internal.h"

#define SVM_CXL_REPORT_MS	5000
#define SVM_CXL_MAX_RANGES	8
#define SVM_CXL_DUMP_PAGES	4
#define SVM_CXL_ABANDON_WAIT_MS	5000

/*
 * How long an unbind waits without progress. 10 s was too short on a loaded machine;
 * the cost of waiting longer is only a slower unbind when pages are pinned, the cost
 * of giving up early is the data. Read at every check, so root can lengthen a wait in
 * progress.
 */
#define SVM_CXL_STALL_MIN_MS	1000
#define SVM_CXL_STALL_MAX_MS	3600000
static unsigned int numa_stall_ms = 60000;

static int numa_stall_ms_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, SVM_CXL_STALL_MIN_MS, SVM_CXL_STALL_MAX_MS);
}

static const struct kernel_param_ops numa_stall_ms_ops = {
	.set = numa_stall_ms_set,
	.get = param_get_uint,
};
module_param_cb(numa_stall_ms, &numa_stall_ms_ops, &numa_stall_ms, 0644);
MODULE_PARM_DESC(numa_stall_ms,
		 "ms without progress after which a device's unbind stops waiting for its online numa-mode memory to go offline (1000-3600000, default 60000)");

struct svm_cxl_offline_range {
	u64 start, size;
	char name[16];
};

/*
 * The agent and the request in flight. svm_cxl_numa_mutex serialises requests (the
 * notifier holds it while it waits); svm_cxl_numa_lock guards what the sysfs stores
 * change meanwhile.
 */
static DEFINE_MUTEX(svm_cxl_numa_mutex);
static DEFINE_SPINLOCK(svm_cxl_numa_lock);
static DECLARE_WAIT_QUEUE_HEAD(svm_cxl_numa_wq);
static struct pid *svm_cxl_agent;		/* thread group of the agent, referenced */
static struct device *svm_cxl_agent_dev;	/* the misc device, for the uevents */
static struct {
	u64 seq;				/* of the request in flight, 0: none */
	char device[32];
	bool answered, done;
	unsigned int nr;
	struct svm_cxl_offline_range r[SVM_CXL_MAX_RANGES];
} svm_cxl_req;
static u64 svm_cxl_last_seq;

static bool svm_cxl_agent_alive(void)
{
	bool alive;

	spin_lock(&svm_cxl_numa_lock);
	alive = svm_cxl_agent && pid_has_task(svm_cxl_agent, PIDTYPE_TGID);
	spin_unlock(&svm_cxl_numa_lock);
	return alive;
}

static int svm_cxl_window_online(struct resource *res, void *arg)
{
	unsigned long pfn, end = PHYS_PFN(res->end + 1);
	u64 *online = arg;

	for (pfn = ALIGN_DOWN(PHYS_PFN(res->start), PAGES_PER_SECTION); pfn < end;
	     pfn += PAGES_PER_SECTION)
		if (pfn_to_online_page(pfn))
			*online += PAGES_PER_SECTION;
	return 0;
}

/* Pages of online sections inside CXL windows (kmem's memory; pools are not online). */
static u64 svm_cxl_cxl_online_pages(void)
{
	u64 online = 0;

	walk_iomem_res_desc(IORES_DESC_CXL, IORESOURCE_MEM, 0, -1, &online,
			    svm_cxl_window_online);
	return online;
}

/*
 * Online pages and pages in use in [start, start + size). "In use" is a page with a
 * reference (a free page and a tail have none; a head counts its folio). The struct
 * pages are read without locks, as offline_pages()'s own scans do: an estimate of
 * progress, never used to decide anything about a page.
 */
static void svm_cxl_range_count(const struct svm_cxl_offline_range *r, u64 *online, u64 *used)
{
	unsigned long pfn = PHYS_PFN(r->start), end = PHYS_PFN(r->start + r->size);

	while (pfn < end) {
		struct page *page = pfn_to_online_page(pfn);
		unsigned long n = 1;

		if (!page) {
			pfn = ALIGN(pfn + 1, PAGES_PER_SECTION);
			continue;
		}
		if (!(pfn & (PAGES_PER_SECTION - 1)))
			*online += min_t(unsigned long, PAGES_PER_SECTION, end - pfn);
		if (page_ref_count(page) > 0) {
			if (PageHead(page))
				n = clamp_t(unsigned long, compound_nr(page), 1, end - pfn);
			*used += n;
		}
		pfn += n;
		if (!(pfn & 4095))
			cond_resched();
	}
}

static void svm_cxl_counts(unsigned int nr, const struct svm_cxl_offline_range *r,
			   u64 *online, u64 *used)
{
	*online = *used = 0;
	for (unsigned int i = 0; i < nr; i++)
		svm_cxl_range_count(&r[i], online, used);
}

/*
 * Name every memory block of @r still online, the first page in use in it (dumped),
 * and the processes that map its first SVM_CXL_DUMP_PAGES pages in use.
 */
static void svm_cxl_report_left(const char *device, const struct svm_cxl_offline_range *r,
				unsigned int *dumped)
{
	unsigned long bpages = memory_block_size_bytes() >> PAGE_SHIFT;
	unsigned long pfn = ALIGN_DOWN(PHYS_PFN(r->start), bpages);
	unsigned long end = PHYS_PFN(r->start + r->size);

	for (; pfn < end; pfn += bpages) {
		struct page *first[SVM_CXL_DUMP_PAGES];
		unsigned long p, busy = 0;
		char who[64];

		if (!pfn_to_online_page(pfn))
			continue;
		for (p = pfn; p < pfn + bpages; p++) {
			struct page *page = pfn_to_online_page(p);

			if (page && page_ref_count(page) > 0 && busy++ < SVM_CXL_DUMP_PAGES)
				first[busy - 1] = page;
		}
		pr_crit("%s: %s: memory%lu [mem %#llx-%#llx] is still online, %lu page(s) in use%s: kmem cannot remove it and their holders will read a device that is gone\n",
			device, r->name, pfn / bpages, (u64)PFN_PHYS(pfn),
			(u64)PFN_PHYS(pfn + bpages) - 1, busy,
			busy ? " (the first below)" : "");
		if (!busy)
			continue;
		if ((*dumped)++ < SVM_CXL_DUMP_PAGES)
			dump_page(first[0], "svm_cxl: in use on departing CXL memory");
		snprintf(who, sizeof(who), "%s: %s: memory%lu", device, r->name, pfn / bpages);
		svm_cxl_name_holders(who, first, min_t(unsigned long, busy, SVM_CXL_DUMP_PAGES));
	}
}

/* Online memory blocks of the named ranges. */
static unsigned long svm_cxl_blocks_online(unsigned int nr, const struct svm_cxl_offline_range *r)
{
	unsigned long bpages = memory_block_size_bytes() >> PAGE_SHIFT, n = 0, pfn;

	for (unsigned int i = 0; i < nr; i++)
		for (pfn = ALIGN_DOWN(PHYS_PFN(r[i].start), bpages);
		     pfn < PHYS_PFN(r[i].start + r[i].size); pfn += bpages)
			n += !!pfn_to_online_page(pfn);
	return n;
}

/* "region0, region1": what the agent named */
static const char *svm_cxl_ranges_str(char *buf, size_t len, unsigned int nr,
				      const struct svm_cxl_offline_range *r)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < nr && off < len; i++)
		off += scnprintf(buf + off, len - off, "%s%s", i ? ", " : "", r[i].name);
	return buf;
}

/* "comm[pid]" of the agent, or "(gone)" */
static const char *svm_cxl_agent_str(char *buf, size_t len)
{
	struct task_struct *task;

	snprintf(buf, len, "(gone)");
	spin_lock(&svm_cxl_numa_lock);
	rcu_read_lock();
	task = svm_cxl_agent ? pid_task(svm_cxl_agent, PIDTYPE_TGID) : NULL;
	if (task)
		snprintf(buf, len, "%s[%d]", task->comm, task_tgid_nr(task));
	rcu_read_unlock();
	spin_unlock(&svm_cxl_numa_lock);
	return buf;
}

static void svm_cxl_uevent(struct device *dev, const char *event, u64 seq, const char *device)
{
	char ev[64], sq[48], dv[64];
	char *envp[] = { ev, sq, dv, NULL };

	snprintf(ev, sizeof(ev), "SVM_CXL_EVENT=%s", event);
	snprintf(sq, sizeof(sq), "SVM_CXL_REQUEST=%llu", seq);
	snprintf(dv, sizeof(dv), "SVM_CXL_DEVICE=%s", device);
	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, envp);
}

/* "N page(s)", with " (M MiB)" from 1 MiB on: a few pinned pages are not "0 MiB" */
static const char *svm_cxl_pages_str(char *buf, size_t len, u64 pages)
{
	if (pages >= (SZ_1M >> PAGE_SHIFT))
		snprintf(buf, len, "%llu page(s) (%llu MiB)", pages, pages >> (20 - PAGE_SHIFT));
	else
		snprintf(buf, len, "%llu page(s)", pages);
	return buf;
}

/* Wait up to @ms for the agent to say "done" or to go; whether it did. */
static bool svm_cxl_wait_done(unsigned int ms)
{
	unsigned long until = jiffies + msecs_to_jiffies(ms);

	while (!READ_ONCE(svm_cxl_req.done) && svm_cxl_agent_alive()) {
		if (time_after(jiffies, until))
			return false;
		wait_event_timeout(svm_cxl_numa_wq, READ_ONCE(svm_cxl_req.done), HZ / 4);
	}
	return true;
}

void svm_cxl_numa_unplug(struct device *departing)
{
	struct svm_cxl_offline_range r[SVM_CXL_MAX_RANGES];
	u64 cxl_online, online = 0, used = 0, best_online = U64_MAX, best_used = U64_MAX;
	unsigned long t0 = jiffies, progress = jiffies, reported = jiffies;
	const char *name = dev_name(departing);
	unsigned int nr = 0, counted_nr = 0, dumped = 0, stall_ms, i;
	bool done = false, answered = false, abandoned = false;
	struct device *dev;
	u64 seq;

	cxl_online = svm_cxl_cxl_online_pages();
	if (!cxl_online)
		return;

	mutex_lock(&svm_cxl_numa_mutex);
	spin_lock(&svm_cxl_numa_lock);
	dev = svm_cxl_agent && pid_has_task(svm_cxl_agent, PIDTYPE_TGID) ?
		svm_cxl_agent_dev : NULL;
	if (dev) {
		seq = ++svm_cxl_last_seq;
		memset(&svm_cxl_req, 0, sizeof(svm_cxl_req));
		svm_cxl_req.seq = seq;
		strscpy(svm_cxl_req.device, name, sizeof(svm_cxl_req.device));
	}
	spin_unlock(&svm_cxl_numa_lock);
	if (!dev) {
		pr_warn("%s is being unbound with %llu MiB of CXL memory online and no offline agent registered (svm-cxld): memory of this device that is online cannot be offlined first\n",
			name, cxl_online >> (20 - PAGE_SHIFT));
		goto out_unlock;
	}
	pr_info("%s is being unbound with %llu MiB of CXL memory online: offline request %llu to the agent\n",
		name, cxl_online >> (20 - PAGE_SHIFT), seq);
	svm_cxl_uevent(dev, "offline-request", seq, name);

	for (;;) {
		wait_event_timeout(svm_cxl_numa_wq, READ_ONCE(svm_cxl_req.done), HZ / 4);
		spin_lock(&svm_cxl_numa_lock);
		done = svm_cxl_req.done;
		answered = svm_cxl_req.answered;
		nr = svm_cxl_req.nr;
		memcpy(r, svm_cxl_req.r, sizeof(r));
		spin_unlock(&svm_cxl_numa_lock);
		if (done)
			break;
		if (!svm_cxl_agent_alive()) {
			pr_warn("%s: the offline agent went away during request %llu\n", name, seq);
			break;
		}
		svm_cxl_counts(nr, r, &online, &used);
		/*
		 * Progress: fewer pages online or in use than ever before in this set of
		 * ranges. A range newly named is progress too and starts the minima again
		 * (before the first answer the counts are 0: no later count is below them).
		 */
		if (nr != counted_nr) {
			counted_nr = nr;
			best_online = online;
			best_used = used;
			progress = jiffies;
		} else if (online < best_online || used < best_used) {
			best_online = min(online, best_online);
			best_used = min(used, best_used);
			progress = jiffies;
		}
		stall_ms = READ_ONCE(numa_stall_ms);
		if (time_after(jiffies, progress + msecs_to_jiffies(stall_ms))) {
			char a[64], o[64], u[64], rs[128];

			if (!answered)
				pr_warn("%s: the offline agent %s did not answer request %llu in %u ms (numa_stall_ms); giving up\n",
					name, svm_cxl_agent_str(a, sizeof(a)), seq, stall_ms);
			else
				pr_warn("%s: offlining %s made no progress in %u ms (numa_stall_ms): %s still online in %lu memory block(s), %s in use; giving up on request %llu (the blocks and the holders of their pages below)\n",
					name, nr ? svm_cxl_ranges_str(rs, sizeof(rs), nr, r) : "nothing",
					stall_ms, svm_cxl_pages_str(o, sizeof(o), online),
					svm_cxl_blocks_online(nr, r),
					svm_cxl_pages_str(u, sizeof(u), used), seq);
			svm_cxl_uevent(dev, "offline-abandon", seq, name);
			abandoned = true;
			break;
		}
		if (nr && time_after(jiffies, reported + msecs_to_jiffies(SVM_CXL_REPORT_MS))) {
			reported = jiffies;
			char o[64], u[64];

			pr_info("%s: offline in progress: %s still online, %s in use\n", name,
				svm_cxl_pages_str(o, sizeof(o), online),
				svm_cxl_pages_str(u, sizeof(u), used));
		}
	}

	/*
	 * An offline still retrying keeps unmapping the pages it tries to migrate
	 * (migration entries, restored when the attempt fails), so a holder search now
	 * would find nobody mapping them: let the agent stop first ("done" once its
	 * offline ended), for a bounded time.
	 */
	if (abandoned && !svm_cxl_wait_done(SVM_CXL_ABANDON_WAIT_MS))
		pr_warn("%s: the offline agent did not stop within %u ms of the abandon: the holders below may be incomplete\n",
			name, SVM_CXL_ABANDON_WAIT_MS);
	svm_cxl_counts(nr, r, &online, &used);
	for (i = 0; i < nr; i++) {
		u64 o = 0, u = 0;

		svm_cxl_range_count(&r[i], &o, &u);
		if (o)
			svm_cxl_report_left(name, &r[i], &dumped);
		else
			pr_info("%s: %s [mem %#llx-%#llx] is offline (%u ms after the request)\n",
				name, r[i].name, r[i].start, r[i].start + r[i].size - 1,
				jiffies_to_msecs(jiffies - t0));
	}
	if (!nr && done)
		pr_info("%s: the offline agent has no online memory on it (request %llu)\n", name, seq);
	spin_lock(&svm_cxl_numa_lock);
	svm_cxl_req.seq = 0;
	spin_unlock(&svm_cxl_numa_lock);
out_unlock:
	mutex_unlock(&svm_cxl_numa_mutex);
}

/* offline_agent: "register" (the writer's process) / "unregister"; reads the pid. */
static ssize_t offline_agent_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	pid_t nr = 0;

	spin_lock(&svm_cxl_numa_lock);
	if (svm_cxl_agent && pid_has_task(svm_cxl_agent, PIDTYPE_TGID))
		nr = pid_vnr(svm_cxl_agent);
	spin_unlock(&svm_cxl_numa_lock);
	return nr ? sysfs_emit(buf, "%d\n", nr) : sysfs_emit(buf, "none\n");
}

static ssize_t offline_agent_store(struct device *dev, struct device_attribute *attr,
				   const char *buf, size_t len)
{
	struct pid *new = NULL, *old;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (sysfs_streq(buf, "register"))
		new = get_task_pid(current, PIDTYPE_TGID);
	else if (!sysfs_streq(buf, "unregister"))
		return -EINVAL;
	spin_lock(&svm_cxl_numa_lock);
	old = svm_cxl_agent;
	svm_cxl_agent = new;
	svm_cxl_agent_dev = dev;
	spin_unlock(&svm_cxl_numa_lock);
	put_pid(old);
	pr_info("offline agent %s: %s[%d]\n", new ? "registered" : "unregistered",
		current->comm, task_tgid_vnr(current));
	wake_up(&svm_cxl_numa_wq);
	return len;
}
/* root only: it names a process and steers device removal */
static struct device_attribute dev_attr_offline_agent =
	__ATTR(offline_agent, 0600, offline_agent_show, offline_agent_store);

/*
 * offline_request: reads "SEQ DEVICE" of the request in flight, or "none". The agent
 * answers "SEQ offlining NAME START SIZE" (once per region it offlines) and "SEQ done".
 */
static ssize_t offline_request_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	ssize_t n;

	spin_lock(&svm_cxl_numa_lock);
	n = svm_cxl_req.seq ? sysfs_emit(buf, "%llu %s\n", svm_cxl_req.seq, svm_cxl_req.device) :
		sysfs_emit(buf, "none\n");
	spin_unlock(&svm_cxl_numa_lock);
	return n;
}

static ssize_t offline_request_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t len)
{
	struct svm_cxl_offline_range rg = {};
	char word[16];
	u64 seq, end;
	int n, rc = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	n = sscanf(buf, "%llu %15s %15s %llx %llx", &seq, word, rg.name, &rg.start, &rg.size);
	if (n == 2 && !strcmp(word, "done"))
		;
	else if (n != 5 || strcmp(word, "offlining") || !rg.size ||
		 !PAGE_ALIGNED(rg.start) || !PAGE_ALIGNED(rg.size) ||
		 check_add_overflow(rg.start, rg.size, &end))
		return -EINVAL;

	spin_lock(&svm_cxl_numa_lock);
	if (!seq || seq != svm_cxl_req.seq)
		rc = -ESRCH;		/* not the request in flight (late, or made up) */
	else if (n == 2)
		svm_cxl_req.done = true;
	else if (svm_cxl_req.nr == SVM_CXL_MAX_RANGES)
		rc = -ENOSPC;
	else
		svm_cxl_req.r[svm_cxl_req.nr++] = rg;
	if (!rc)
		svm_cxl_req.answered = true;
	spin_unlock(&svm_cxl_numa_lock);
	wake_up(&svm_cxl_numa_wq);
	return rc ? rc : len;
}
static struct device_attribute dev_attr_offline_request =
	__ATTR(offline_request, 0600, offline_request_show, offline_request_store);

static struct attribute *svm_cxl_numa_attrs[] = {
	&dev_attr_offline_agent.attr,
	&dev_attr_offline_request.attr,
	NULL,
};

static const struct attribute_group svm_cxl_numa_group = {
	.attrs = svm_cxl_numa_attrs,
};

const struct attribute_group *svm_cxl_misc_groups[] = {
	&svm_cxl_numa_group,
	NULL,
};

/* Before the misc device goes: no request in flight, none starts, the agent dropped. */
void svm_cxl_numa_exit(void)
{
	struct pid *old;

	mutex_lock(&svm_cxl_numa_mutex);
	spin_lock(&svm_cxl_numa_lock);
	old = svm_cxl_agent;
	svm_cxl_agent = NULL;
	svm_cxl_agent_dev = NULL;
	spin_unlock(&svm_cxl_numa_lock);
	mutex_unlock(&svm_cxl_numa_mutex);
	put_pid(old);
}
