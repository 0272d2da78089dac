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
 */
#ifndef _UAPI_LINUX_SVM_CXL_H
#define _UAPI_LINUX_SVM_CXL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SVM_CXL_DEVICE_NAME	"svm_cxl"
#define SVM_CXL_ABI_MAJOR	1
#define SVM_CXL_ABI_MINOR	2

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
 * @other_pool: (out) pages that live in another pool than the one asked for
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

#endif /* _UAPI_LINUX_SVM_CXL_H */
