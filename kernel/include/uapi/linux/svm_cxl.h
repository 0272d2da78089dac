/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * svm_cxl: MEMORY_DEVICE_COHERENT pools on CXL memory, and migration of process pages
 * to and from them. Userspace ABI of /dev/svm_cxl.
 *
 * Conventions, for every argument struct:
 *  - @size comes first: userspace sets it to sizeof(the struct it was built with), the
 *    kernel rejects sizes it does not know with -EINVAL. New fields are only appended.
 *  - @flags comes second; unknown flag bits are rejected with -EINVAL.
 *  - reserved fields must be zero (-EINVAL otherwise) and are zeroed on output.
 *  - only __u32/__u64 fields; user pointers travel as __u64; every struct is padded to a
 *    multiple of 8 bytes so its layout is the same for 32- and 64-bit callers.
 *  - enum value 0 is invalid; new values are only added at the end.
 *
 * ioctl magic: 0xCE, numbers 0x40-0x5f (0xCE 0x01-0x02 belong to uapi/linux/cxl_mem.h).
 *
 * ABI history (SVM_CXL_IOC_VERSION reports major.minor; a minor bump only adds):
 *  1.1  the ioctls below, sysfs pools/poolN with state active/draining.
 *  1.2  pool state "revoked" (its memory went while pages stayed busy): TO_POOL to it
 *       fails -ENODEV, POOL_REMOVE removes it once nothing holds its pages (-EBUSY
 *       before); POOL_ADD fails -EAGAIN while a CXL device, port or region is being
 *       unbound; POOL_REMOVE fails -ENODEV when an unplug took its drain over;
 *       poisoned pages are retired for good (sysfs retired, stats/poisoned); sysfs
 *       holders names the processes holding a pool's pages; the module parameter
 *       user_page_limit caps the pool pages of each uid (the rest of a TO_POOL is
 *       @no_memory); svm_cxl_migrate.@huge (was reserved[0], same size) and the
 *       module parameter device_thp (6.19+) with sysfs stats/huge_in, huge_out,
 *       huge_fallback.
 *  1.3  SVM_CXL_IOC_MIGRATE_PID (struct svm_cxl_migrate_pid, struct svm_cxl_range):
 *       migration of another process's pages, named by a pidfd, over its whole
 *       address space or a list of ranges, with the counters of SVM_CXL_IOC_MIGRATE
 *       and @pages, the number of pages they add up to. TO_POOL moves pages of
 *       another pool straight to the target pool (device to device); @other_pool
 *       then counts only those that could not move; sysfs stats/peer_in, peer_out.
 *  1.4  SVM_CXL_IOC_USAGE (struct svm_cxl_usage, struct svm_cxl_usage_entry): the pool
 *       pages charged to each process, for its own user (every user's for
 *       CAP_SYS_ADMIN), where sysfs holders is root only; sysfs poolN/region, the
 *       pool's CXL region by name, readable by everyone.
 */
#ifndef _UAPI_LINUX_SVM_CXL_H
#define _UAPI_LINUX_SVM_CXL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SVM_CXL_DEVICE_NAME	"svm_cxl"
#define SVM_CXL_ABI_MAJOR	1
#define SVM_CXL_ABI_MINOR	4

#define SVM_CXL_IOC_MAGIC	0xCE

/**
 * struct svm_cxl_version - ABI version of the loaded module
 * @size: (in) sizeof(struct svm_cxl_version)
 * @flags: (in) must be 0
 * @abi_major: (out) incompatible changes bump this; userspace refuses a newer major
 * @abi_minor: (out) compatible additions bump this
 * @reserved: must be 0
 */
struct svm_cxl_version {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u64 reserved[2];
};

#define SVM_CXL_IOC_VERSION	_IOWR(SVM_CXL_IOC_MAGIC, 0x40, struct svm_cxl_version)

/**
 * struct svm_cxl_pool_add - hand a physical range to the module as a pool
 * @size: (in) sizeof(struct svm_cxl_pool_add)
 * @flags: (in) must be 0
 * @start: (in) physical address, 2 MiB aligned, inside a CXL region that is committed,
 *	bound to cxl_region and in ram mode
 * @length: (in) bytes, a non-zero multiple of 2 MiB
 * @pool_id: (out) id of the new pool (>= 1)
 * @node: (out) NUMA node the pool's pages belong to
 * @reserved: must be 0
 *
 * Needs CAP_SYS_ADMIN (-EPERM). Refusals: -EINVAL bad alignment, size or overflow;
 * -EADDRINUSE the range intersects System RAM; -EEXIST it intersects another pool;
 * -ENXIO it is not inside a CXL region; -ENODEV the region is not active (never
 * committed, or not bound to cxl_region); -EMEDIUMTYPE the region is not in ram mode;
 * -EAGAIN a CXL device, port or region is being unbound (retry once it is gone);
 * -EBUSY someone else claimed it (an enabled dax device); -ENOSPC too many pools. The
 * kernel log says why.
 */
struct svm_cxl_pool_add {
	__u32 size;
	__u32 flags;
	__u64 start;
	__u64 length;
	__u32 pool_id;
	__u32 node;
	__u64 reserved[2];
};

/**
 * struct svm_cxl_pool_remove - drain a pool to system RAM and remove it
 * @size: (in) sizeof(struct svm_cxl_pool_remove)
 * @flags: (in) must be 0
 * @pool_id: (in) the pool
 * @timeout_ms: (in) how long busy pages are retried; 0 means the default (10 s);
 *	values above 600000 (10 min) are taken as 600000
 * @evicted: (out) pages this call moved to system RAM
 * @busy: (out) pages still in use when the call gave up (then it fails -EBUSY and
 *	the pool stays active, intact, for a retry)
 * @reserved: must be 0
 *
 * Needs CAP_SYS_ADMIN. -ENOENT for an unknown pool; -ENODEV when the pool's device is
 * going away: an unplug took the drain over (and removes or revokes the pool itself);
 * -EINTR on a fatal signal while waiting for another drain of the pool. A revoked pool
 * (sysfs state "revoked") is never drained: this call removes it once nothing holds
 * its pages, and fails -EBUSY (with @busy) before. The
 * struct is copied out on -EBUSY too.
 */
struct svm_cxl_pool_remove {
	__u32 size;
	__u32 flags;
	__u32 pool_id;
	__u32 timeout_ms;
	__u64 evicted;
	__u64 busy;
	__u64 reserved[2];
};

/* enum svm_cxl_direction: where svm_cxl_migrate moves pages */
#define SVM_CXL_TO_POOL		1
#define SVM_CXL_TO_SYSTEM	2

/**
 * struct svm_cxl_migrate - move pages of the caller's address space
 * @size: (in) sizeof(struct svm_cxl_migrate)
 * @flags: (in) must be 0
 * @addr: (in) start, page aligned
 * @length: (in) bytes, a non-zero multiple of the page size
 * @direction: (in) SVM_CXL_TO_POOL or SVM_CXL_TO_SYSTEM
 * @pool_id: (in) TO_POOL: the destination pool; TO_SYSTEM: only pages of this pool,
 *	or 0 for pages of any pool
 * @moved: (out) pages moved, including @zero_filled
 * @zero_filled: (out) of @moved, never-touched pages given a zeroed device page
 * @already: (out) pages already where asked
 * @absent: (out) pages with nothing to move (TO_SYSTEM: never touched; both: unmapped
 *	by another thread during the call)
 * @busy: (out) pages that could not move now: locked, pinned (a long-term pin moves
 *	the page to system RAM first), swapped out, or in another thread's migration;
 *	a retry may move them
 * @no_memory: (out) pages whose destination page could not be allocated
 * @other_pool: (out) pages that live in another pool than the one asked for and stay
 *	there: TO_SYSTEM with a @pool_id, pages of the other pools; TO_POOL (ABI 1.3),
 *	only the pages of another pool that could not move (pinned, poisoned, or a
 *	2 MiB device folio), since every other one moves to @pool_id directly, device
 *	to device, without a copy through system RAM (before 1.3: all of them)
 * @unsupported: (out) pages whose mapping cannot move (file-backed, shared)
 * @huge: (out, ABI 1.2) of @moved, pages that moved inside whole 2 MiB folios: a THP
 *	to an order-9 pool folio or back, never split (Linux 6.19+ with the module
 *	parameter device_thp; 0 otherwise)
 * @reserved: must be 0
 *
 * TO_POOL to a revoked pool (its memory went while pages stayed busy) fails -ENODEV
 * and moves nothing; -ENOENT for an unknown pool.
 *
 * Every page of the range is counted exactly once:
 * @moved + @already + @absent + @busy + @no_memory + @other_pool + @unsupported ==
 * @length / page size. The range must be mapped (-EFAULT for a hole) and readable
 * (-EINVAL for PROT_NONE and for mappings that cannot migrate, such as VM_PFNMAP).
 */
struct svm_cxl_migrate {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 length;
	__u32 direction;
	__u32 pool_id;
	__u64 moved;
	__u64 zero_filled;
	__u64 already;
	__u64 absent;
	__u64 busy;
	__u64 no_memory;
	__u64 other_pool;
	__u64 unsupported;
	__u64 huge;
	__u64 reserved[3];
};

/* enum svm_cxl_where: where one page lives */
#define SVM_CXL_WHERE_NONE	1	/* not present (never touched, unmapped, swapped) */
#define SVM_CXL_WHERE_SYSTEM	2	/* system RAM; id is its NUMA node */
#define SVM_CXL_WHERE_POOL	3	/* a pool of this module; id is the pool id */
#define SVM_CXL_WHERE_ZERO	4	/* the shared zero page; id is its NUMA node */

/**
 * struct svm_cxl_page_loc - where one page lives
 * @where: SVM_CXL_WHERE_*
 * @id: pool id or NUMA node, see SVM_CXL_WHERE_*
 */
struct svm_cxl_page_loc {
	__u32 where;
	__u32 id;
};

/**
 * struct svm_cxl_query - where each page of a range of the caller's space lives
 * @size: (in) sizeof(struct svm_cxl_query)
 * @flags: (in) must be 0
 * @addr: (in) start, page aligned
 * @length: (in) bytes, a non-zero multiple of the page size
 * @locs: (in) user pointer to @length / page size struct svm_cxl_page_loc (out)
 * @n_none: (out) pages SVM_CXL_WHERE_NONE
 * @n_system: (out) pages SVM_CXL_WHERE_SYSTEM or SVM_CXL_WHERE_ZERO
 * @n_pool: (out) pages SVM_CXL_WHERE_POOL
 * @reserved: must be 0
 *
 * Nothing is faulted in; unmapped addresses are reported as SVM_CXL_WHERE_NONE.
 */
struct svm_cxl_query {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 length;
	__u64 locs;
	__u64 n_none;
	__u64 n_system;
	__u64 n_pool;
	__u64 reserved[2];
};

#define SVM_CXL_IOC_POOL_ADD	_IOWR(SVM_CXL_IOC_MAGIC, 0x41, struct svm_cxl_pool_add)
#define SVM_CXL_IOC_POOL_REMOVE	_IOWR(SVM_CXL_IOC_MAGIC, 0x42, struct svm_cxl_pool_remove)
#define SVM_CXL_IOC_MIGRATE	_IOWR(SVM_CXL_IOC_MAGIC, 0x43, struct svm_cxl_migrate)
#define SVM_CXL_IOC_QUERY	_IOWR(SVM_CXL_IOC_MAGIC, 0x44, struct svm_cxl_query)

/**
 * struct svm_cxl_range - one range of a process's address space
 * @addr: start, page aligned
 * @length: bytes, a non-zero multiple of the page size
 */
struct svm_cxl_range {
	__u64 addr;
	__u64 length;
};

/* svm_cxl_migrate_pid.@flags */
#define SVM_CXL_MIGRATE_PID_RANGES	(1U << 0)	/* only @ranges, not every mapping */

/* At most this many ranges per SVM_CXL_IOC_MIGRATE_PID call. */
#define SVM_CXL_MIGRATE_PID_MAX_RANGES	1024

/**
 * struct svm_cxl_migrate_pid - move pages of another process (ABI 1.3)
 * @size: (in) sizeof(struct svm_cxl_migrate_pid)
 * @flags: (in) 0: every mapping of the process, only the pages it has (holes and
 *	zero-page mappings are @absent, never filled; mappings without private
 *	anonymous pages are skipped going to a pool: @unsupported, or @absent when
 *	anonymous); SVM_CXL_MIGRATE_PID_RANGES: @ranges, as SVM_CXL_IOC_MIGRATE treats
 *	its range (never-touched pages get a zeroed device page)
 * @pidfd: (in) a pidfd (pidfd_open(2), clone(2) CLONE_PIDFD) of the process, or of
 *	one of its threads
 * @direction: (in) SVM_CXL_TO_POOL or SVM_CXL_TO_SYSTEM
 * @pool_id: (in) as in struct svm_cxl_migrate
 * @nr_ranges: (in) with SVM_CXL_MIGRATE_PID_RANGES, 1 ..
 *	SVM_CXL_MIGRATE_PID_MAX_RANGES; 0 otherwise
 * @ranges: (in) with SVM_CXL_MIGRATE_PID_RANGES, user pointer to @nr_ranges struct
 *	svm_cxl_range that do not overlap (in any order); 0 otherwise
 * @pages: (out) pages the counters below add up to: the pages of @ranges, or of
 *	every mapping the walk found
 * @moved: (out) the counters of struct svm_cxl_migrate, for the process's pages
 * @zero_filled: (out)
 * @already: (out)
 * @absent: (out) also pages of a mapping that went away during the call
 * @busy: (out)
 * @no_memory: (out) also pages refused by user_page_limit, which counts against the
 *	process's uid (the pages are charged to it, not to the caller)
 * @other_pool: (out)
 * @unsupported: (out) also, without SVM_CXL_MIGRATE_PID_RANGES, every page of a mapping
 *	that cannot migrate (PROT_NONE, VM_IO/VM_PFNMAP, hugetlbfs, DAX)
 * @huge: (out)
 * @reserved: must be 0
 *
 * Permission, as move_pages(2) and process_madvise(2) ask: the caller may ptrace-attach
 * to the process with its real uid and gid (PTRACE_MODE_ATTACH_REALCREDS: the same
 * uid and gid, or CAP_SYS_PTRACE, and the process dumpable), and needs CAP_SYS_NICE
 * for a process of another user. The module cannot ask the LSMs (security hooks are
 * not exported to modules): in their place it applies Yama's relational rule, a
 * process that is not the caller's descendant needs CAP_SYS_PTRACE; and where a
 * module cannot read dumpability (Linux 7.x keeps it in an opaque task->exec_state),
 * an unprivileged caller may move only its own pages. A process's own pidfd always
 * works. -EPERM when refused.
 *
 * Errors, all before any page moves: -EBADF @pidfd is not a pidfd; -ESRCH the process
 * has exited (or is a kernel thread); -EINVAL bad @flags, @nr_ranges, a range that is
 * unaligned, empty, beyond the process's address space or overlapping another;
 * with @ranges, -EFAULT for a hole and -EINVAL for a mapping that cannot migrate, as
 * SVM_CXL_IOC_MIGRATE; -ENOENT unknown pool; -ENODEV TO_POOL to a revoked pool. A fatal
 * signal ends the call with -EINTR, the counters of what was done copied out.
 *
 * Every page is counted exactly once: @moved + @already + @absent + @busy +
 * @no_memory + @other_pool + @unsupported == @pages.
 */
struct svm_cxl_migrate_pid {
	__u32 size;
	__u32 flags;
	__u32 pidfd;
	__u32 direction;
	__u32 pool_id;
	__u32 nr_ranges;
	__u64 ranges;
	__u64 pages;
	__u64 moved;
	__u64 zero_filled;
	__u64 already;
	__u64 absent;
	__u64 busy;
	__u64 no_memory;
	__u64 other_pool;
	__u64 unsupported;
	__u64 huge;
	__u64 reserved[2];
};

#define SVM_CXL_IOC_MIGRATE_PID	_IOWR(SVM_CXL_IOC_MAGIC, 0x45, struct svm_cxl_migrate_pid)

/* svm_cxl_usage.@flags */
#define SVM_CXL_USAGE_SELF	(1U << 0)	/* only the caller's own process */
#define SVM_CXL_USAGE_ALL_USERS	(1U << 1)	/* every user's processes (CAP_SYS_ADMIN) */

/* svm_cxl_usage_entry.@flags */
#define SVM_CXL_USAGE_EXITED	(1U << 0)	/* the process is gone; others map its pages */

/* At most this many entries per SVM_CXL_IOC_USAGE call. */
#define SVM_CXL_USAGE_MAX_ENTRIES	65536

/**
 * struct svm_cxl_usage_entry - pool pages charged to one process in one pool
 * @pid: the process (its thread group id) in the caller's pid namespace
 * @uid: its real uid when it first migrated pages to the pool, in the caller's user
 *	namespace; the uid user_page_limit charges
 * @pool_id: the pool
 * @flags: SVM_CXL_USAGE_EXITED: the process has exited and the pages stay because
 *	others (children that fork shared them with, pipes) still hold them
 * @pages: pages charged to it; a page is charged to the process that migrated it to
 *	the pool (pages fork shares stay with it) until the page is freed
 */
struct svm_cxl_usage_entry {
	__u32 pid;
	__u32 uid;
	__u32 pool_id;
	__u32 flags;
	__u64 pages;
};

/**
 * struct svm_cxl_usage - who holds pool pages (ABI 1.4)
 * @size: (in) sizeof(struct svm_cxl_usage)
 * @flags: (in) 0: the processes of the caller's real uid; SVM_CXL_USAGE_SELF: the
 *	caller's own process only; SVM_CXL_USAGE_ALL_USERS: every process (needs
 *	CAP_SYS_ADMIN, -EPERM otherwise; what sysfs holders shows). Not both.
 * @pool_id: (in) only this pool (-ENOENT if unknown), or 0 for every pool
 * @nr_entries: (in) room in @entries, 0 .. SVM_CXL_USAGE_MAX_ENTRIES
 * @entries: (in) user pointer to @nr_entries struct svm_cxl_usage_entry (out), one
 *	per (process, pool) with pages charged, in pool order; 0 with @nr_entries 0
 * @nr_found: (out) matching entries; those beyond @nr_entries are counted but not
 *	written (call again with more room)
 * @pages: (out) the pages of all @nr_found entries
 * @user_pages: (out) pages charged to the caller's real uid in every pool: what the
 *	module parameter user_page_limit is compared with
 * @user_limit: (out) user_page_limit, pages; 0 for no limit
 * @reserved: must be 0
 *
 * Processes in another pid namespace that the caller's cannot see are left out. A
 * snapshot: pages come and go while the call runs.
 */
struct svm_cxl_usage {
	__u32 size;
	__u32 flags;
	__u32 pool_id;
	__u32 nr_entries;
	__u64 entries;
	__u64 nr_found;
	__u64 pages;
	__u64 user_pages;
	__u64 user_limit;
	__u64 reserved[2];
};

#define SVM_CXL_IOC_USAGE	_IOWR(SVM_CXL_IOC_MAGIC, 0x46, struct svm_cxl_usage)

#endif /* _UAPI_LINUX_SVM_CXL_H */
