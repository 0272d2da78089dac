/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_cxl tracepoints (tracefs events/svm_cxl/, perf trace -e 'svm_cxl:*'): what the
 * migration, eviction, pool state and memory failure paths did, for measuring and
 * debugging without a private profiler. Not ABI beyond what tracefs formats promise.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM svm_cxl

#if !defined(_SVM_CXL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SVM_CXL_TRACE_H

#include <linux/tracepoint.h>

#include <linux/svm_cxl.h>

#define svm_cxl_show_state(s)						\
	__print_symbolic(s, { 1, "active" }, { 2, "draining" }, { 3, "gone" },	\
			 { 4, "revoked" })

/* One migration call (SVM_CXL_IOC_MIGRATE, _MIGRATE_PID, the in-kernel API). */
TRACE_EVENT(svm_cxl_migrate,
	TP_PROTO(pid_t tgid, unsigned long start, unsigned long end, bool to_pool, u32 pool,
		 const struct svm_cxl_migrate_result *res, int rc, u64 ns),
	TP_ARGS(tgid, start, end, to_pool, pool, res, rc, ns),
	TP_STRUCT__entry(
		__field(pid_t, tgid)
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(bool, to_pool)
		__field(u32, pool)
		__field(u64, moved)
		__field(u64, zero_filled)
		__field(u64, already)
		__field(u64, absent)
		__field(u64, busy)
		__field(u64, no_memory)
		__field(u64, other_pool)
		__field(u64, unsupported)
		__field(u64, huge)
		__field(int, rc)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->start = start;
		__entry->end = end;
		__entry->to_pool = to_pool;
		__entry->pool = pool;
		__entry->moved = res->moved;
		__entry->zero_filled = res->zero_filled;
		__entry->already = res->already;
		__entry->absent = res->absent;
		__entry->busy = res->busy;
		__entry->no_memory = res->no_memory;
		__entry->other_pool = res->other_pool;
		__entry->unsupported = res->unsupported;
		__entry->huge = res->huge;
		__entry->rc = rc;
		__entry->ns = ns;
	),
	TP_printk("tgid=%d start=%#lx end=%#lx dir=%s pool=%u moved=%llu zero_filled=%llu already=%llu absent=%llu busy=%llu no_memory=%llu other_pool=%llu unsupported=%llu huge=%llu rc=%d ns=%llu",
		  __entry->tgid, __entry->start, __entry->end,
		  __entry->to_pool ? "to_pool" : "to_system", __entry->pool, __entry->moved,
		  __entry->zero_filled, __entry->already, __entry->absent, __entry->busy,
		  __entry->no_memory, __entry->other_pool, __entry->unsupported, __entry->huge,
		  __entry->rc, __entry->ns)
);

/* One batch of a migration that reached migrate_vma_setup() (one page table at most). */
TRACE_EVENT(svm_cxl_migrate_batch,
	TP_PROTO(unsigned long start, unsigned long npages, bool to_pool, bool p2p, u32 pool,
		 u64 moved, u64 ns),
	TP_ARGS(start, npages, to_pool, p2p, pool, moved, ns),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, npages)
		__field(bool, to_pool)
		__field(bool, p2p)
		__field(u32, pool)
		__field(u64, moved)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->npages = npages;
		__entry->to_pool = to_pool;
		__entry->p2p = p2p;
		__entry->pool = pool;
		__entry->moved = moved;
		__entry->ns = ns;
	),
	TP_printk("start=%#lx npages=%lu dir=%s p2p=%d pool=%u moved=%llu ns=%llu",
		  __entry->start, __entry->npages, __entry->to_pool ? "to_pool" : "to_system",
		  __entry->p2p, __entry->pool, __entry->moved, __entry->ns)
);

/* One eviction pass of a drain (POOL_REMOVE, unplug): pages moved out, pages left. */
TRACE_EVENT(svm_cxl_evict,
	TP_PROTO(u32 pool, bool unplug, unsigned long moved, unsigned long left),
	TP_ARGS(pool, unplug, moved, left),
	TP_STRUCT__entry(
		__field(u32, pool)
		__field(bool, unplug)
		__field(unsigned long, moved)
		__field(unsigned long, left)
	),
	TP_fast_assign(
		__entry->pool = pool;
		__entry->unplug = unplug;
		__entry->moved = moved;
		__entry->left = left;
	),
	TP_printk("pool=%u mode=%s moved=%lu left=%lu", __entry->pool,
		  __entry->unplug ? "unplug" : "admin", __entry->moved, __entry->left)
);

TRACE_EVENT(svm_cxl_pool_state,
	TP_PROTO(u32 pool, int old, int new),
	TP_ARGS(pool, old, new),
	TP_STRUCT__entry(
		__field(u32, pool)
		__field(int, old)
		__field(int, new)
	),
	TP_fast_assign(
		__entry->pool = pool;
		__entry->old = old;
		__entry->new = new;
	),
	TP_printk("pool=%u %s -> %s", __entry->pool, svm_cxl_show_state(__entry->old),
		  svm_cxl_show_state(__entry->new))
);

/* A memory failure report of a pool page: 0 retired (free) or unmapped, -errno else. */
TRACE_EVENT(svm_cxl_poison,
	TP_PROTO(u32 pool, unsigned long pfn, int rc),
	TP_ARGS(pool, pfn, rc),
	TP_STRUCT__entry(
		__field(u32, pool)
		__field(unsigned long, pfn)
		__field(int, rc)
	),
	TP_fast_assign(
		__entry->pool = pool;
		__entry->pfn = pfn;
		__entry->rc = rc;
	),
	TP_printk("pool=%u pfn=%#lx rc=%d", __entry->pool, __entry->pfn, __entry->rc)
);

#endif /* _SVM_CXL_TRACE_H */

/* Out of tree: define_trace.h finds this header in the module's directory. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE svm_cxl_trace
#include <trace/define_trace.h>
