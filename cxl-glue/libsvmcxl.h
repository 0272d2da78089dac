/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsvmcxl: the CXL memory model and mode switch of svm-cxl.
 *
 * A reference-counted context holds a lazily read model of the CXL topology (memdevs,
 * root decoders, regions, dax devices, memory blocks, svm_cxl pools). Objects belong to
 * the context and live until its last svm_unref(): operations and svm_invalidate()
 * refresh them in place, and an object whose device went away keeps its last values
 * (it is no longer listed, and get_next() on it returns NULL). Calls return 0 or
 * a negative errno; on failure svm_get_error() holds a sentence that names the object and
 * what to do. Nothing is printed to stdout; log messages go through the context's log
 * function (stderr by default, level from SVM_CXL_LOG=err|info|debug).
 */
#ifndef _LIBSVMCXL_H_
#define _LIBSVMCXL_H_

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct svm_ctx;
struct svm_memdev;
struct svm_root_decoder;
struct svm_region;
struct svm_dax;
struct svm_memblock;
struct svm_pool;

/* context */
int svm_new(struct svm_ctx **ctx);
struct svm_ctx *svm_ref(struct svm_ctx *ctx);
struct svm_ctx *svm_unref(struct svm_ctx *ctx);
typedef void (*svm_log_fn)(struct svm_ctx *ctx, int priority, const char *file, int line,
			   const char *fn, const char *format, va_list args);
void svm_set_log_fn(struct svm_ctx *ctx, svm_log_fn fn);
int svm_get_log_priority(struct svm_ctx *ctx);
void svm_set_log_priority(struct svm_ctx *ctx, int priority);
/* Always "/" (deprecated): the model is read from /sys, as libcxl reads it. */
const char *svm_get_root(struct svm_ctx *ctx);
/* Re-read sysfs into the objects read so far (pointers the caller holds stay valid). */
void svm_invalidate(struct svm_ctx *ctx);
/* The message of the last failed call, "" if none. */
const char *svm_get_error(struct svm_ctx *ctx);
/* Progress and timing notes of the last operation (for -v output), "" if none. */
const char *svm_get_notes(struct svm_ctx *ctx);

/* sizes: "256M", "1G", "4096", "0x1000" -> bytes; -EINVAL on junk or overflow */
int svm_parse_size(const char *s, uint64_t *out);
/* "256 MiB" style; buf of at least 32 bytes */
const char *svm_format_size(uint64_t bytes, char *buf, size_t len);

/* memdevs */
struct svm_memdev *svm_memdev_get_first(struct svm_ctx *ctx);
struct svm_memdev *svm_memdev_get_next(struct svm_memdev *memdev);
#define svm_memdev_foreach(ctx, m) \
	for (m = svm_memdev_get_first(ctx); m != NULL; m = svm_memdev_get_next(m))
struct svm_memdev *svm_memdev_get_by_name(struct svm_ctx *ctx, const char *name);
const char *svm_memdev_get_name(struct svm_memdev *memdev);
int svm_memdev_get_id(struct svm_memdev *memdev);
uint64_t svm_memdev_get_serial(struct svm_memdev *memdev);
const char *svm_memdev_get_host(struct svm_memdev *memdev);		/* PCI BDF */
const char *svm_memdev_get_host_bridge(struct svm_memdev *memdev);	/* pci0000:0c */
uint64_t svm_memdev_get_ram_size(struct svm_memdev *memdev);
const char *svm_memdev_get_endpoint(struct svm_memdev *memdev);	/* endpointN or NULL */
/* DPA reserved by endpoint decoders of this memdev that no region uses (what an
 * interrupted assembly leaves behind: it blocks new regions), in bytes. */
uint64_t svm_memdev_get_orphan_dpa(struct svm_memdev *memdev);
/* Release that DPA (highest decoder first, as the kernel requires). */
int svm_memdev_release_orphan_dpa(struct svm_memdev *memdev);
/* The region using this memdev (first one), or NULL. */
struct svm_region *svm_memdev_get_region(struct svm_memdev *memdev);

/* root decoders (CXL windows) */
struct svm_root_decoder *svm_root_decoder_get_first(struct svm_ctx *ctx);
struct svm_root_decoder *svm_root_decoder_get_next(struct svm_root_decoder *d);
#define svm_root_decoder_foreach(ctx, d) \
	for (d = svm_root_decoder_get_first(ctx); d != NULL; d = svm_root_decoder_get_next(d))
struct svm_root_decoder *svm_root_decoder_get_by_name(struct svm_ctx *ctx, const char *name);
const char *svm_root_decoder_get_name(struct svm_root_decoder *d);
uint64_t svm_root_decoder_get_start(struct svm_root_decoder *d);
uint64_t svm_root_decoder_get_size(struct svm_root_decoder *d);
unsigned int svm_root_decoder_get_ways(struct svm_root_decoder *d);
unsigned int svm_root_decoder_get_granularity(struct svm_root_decoder *d);
bool svm_root_decoder_is_ram_capable(struct svm_root_decoder *d);
int svm_root_decoder_get_nr_targets(struct svm_root_decoder *d);
/* host bridge (pci0000:xx) at interleave position @pos */
const char *svm_root_decoder_get_target(struct svm_root_decoder *d, int pos);

/* regions */
struct svm_region *svm_region_get_first(struct svm_ctx *ctx);
struct svm_region *svm_region_get_next(struct svm_region *region);
#define svm_region_foreach(ctx, r) \
	for (r = svm_region_get_first(ctx); r != NULL; r = svm_region_get_next(r))
struct svm_region *svm_region_get_by_name(struct svm_ctx *ctx, const char *name);
struct svm_ctx *svm_region_get_ctx(struct svm_region *region);
const char *svm_region_get_name(struct svm_region *region);
int svm_region_get_id(struct svm_region *region);
struct svm_root_decoder *svm_region_get_root_decoder(struct svm_region *region);
uint64_t svm_region_get_start(struct svm_region *region);	/* UINT64_MAX: none */
uint64_t svm_region_get_size(struct svm_region *region);
unsigned int svm_region_get_ways(struct svm_region *region);
unsigned int svm_region_get_granularity(struct svm_region *region);
const char *svm_region_get_type(struct svm_region *region);	/* ram, pmem */
bool svm_region_is_committed(struct svm_region *region);
bool svm_region_is_enabled(struct svm_region *region);
int svm_region_get_nr_targets(struct svm_region *region);
/* endpoint decoder at position @pos ("" when unset) and its memdev (NULL: gone) */
const char *svm_region_get_target_decoder(struct svm_region *region, int pos);
struct svm_memdev *svm_region_get_target_memdev(struct svm_region *region, int pos);
/* a region whose targets are missing or whose memdevs are gone (removed device) */
bool svm_region_is_stale(struct svm_region *region);
/*
 * Which region instance this is: different for every region the kernel creates during
 * one boot, so a region destroyed and created again under the same name, range and
 * devices has a new one (ram regions have no uuid). 0 if it cannot be read. Only
 * meaningful with the boot it was read in (/proc/sys/kernel/random/boot_id).
 */
uint64_t svm_region_get_instance(struct svm_region *region);
struct svm_dax *svm_region_get_dax(struct svm_region *region);

enum svm_mode {
	SVM_MODE_UNKNOWN = 0,
	SVM_MODE_NONE,		/* no dax device, or dax unbound, no pool */
	SVM_MODE_DEVDAX,	/* dax bound to device_dax */
	SVM_MODE_NUMA,		/* dax bound to kmem, all blocks online */
	SVM_MODE_NUMA_PARTIAL,	/* dax bound to kmem, some blocks offline */
	SVM_MODE_COHERENT,	/* an svm_cxl pool covers the region */
};
enum svm_mode svm_region_get_mode(struct svm_region *region);
const char *svm_mode_name(enum svm_mode mode);
/* svm_mode_name() of the region's mode, with "-normal" appended (numa-normal,
 * numa-partial-normal) when an online block is not in ZONE_MOVABLE: such memory can hold
 * kernel allocations and may never go offline again. */
const char *svm_region_get_mode_name(struct svm_region *region);

/* dax devices */
struct svm_ctx *svm_dax_get_ctx(struct svm_dax *dax);
const char *svm_dax_get_name(struct svm_dax *dax);
struct svm_region *svm_dax_get_region(struct svm_dax *dax);
uint64_t svm_dax_get_start(struct svm_dax *dax);
uint64_t svm_dax_get_size(struct svm_dax *dax);
int svm_dax_get_target_node(struct svm_dax *dax);
const char *svm_dax_get_driver(struct svm_dax *dax);	/* kmem, device_dax, or NULL */
struct svm_memblock *svm_memblock_get_first(struct svm_dax *dax);
struct svm_memblock *svm_memblock_get_next(struct svm_memblock *b);
#define svm_memblock_foreach(dax, b) \
	for (b = svm_memblock_get_first(dax); b != NULL; b = svm_memblock_get_next(b))
int svm_dax_get_nr_memblocks(struct svm_dax *dax);
int svm_dax_get_nr_online(struct svm_dax *dax);

/* memory blocks of a dax device (those exist while kmem holds it) */
int svm_memblock_get_id(struct svm_memblock *b);
bool svm_memblock_is_online(struct svm_memblock *b);
const char *svm_memblock_get_zone(struct svm_memblock *b); /* Movable, Normal, ... or NULL */

/* svm_cxl pools (coherent mode) */
struct svm_pool *svm_pool_get_first(struct svm_ctx *ctx);
struct svm_pool *svm_pool_get_next(struct svm_pool *pool);
#define svm_pool_foreach(ctx, p) \
	for (p = svm_pool_get_first(ctx); p != NULL; p = svm_pool_get_next(p))
int svm_pool_get_id(struct svm_pool *pool);
uint64_t svm_pool_get_start(struct svm_pool *pool);
uint64_t svm_pool_get_size(struct svm_pool *pool);
const char *svm_pool_get_state(struct svm_pool *pool);
/*
 * Which pool this is: a pool removed and added again (offline + online, convert) may get
 * the same id, never the same instance. 0 if it could not be read.
 */
uint64_t svm_pool_get_instance(struct svm_pool *pool);
uint64_t svm_pool_get_pages_total(struct svm_pool *pool);
uint64_t svm_pool_get_pages_used(struct svm_pool *pool);
struct svm_pool *svm_region_get_pool(struct svm_region *region);

/* node statistics (from /sys/devices/system/node/nodeN/meminfo), bytes */
int svm_node_get_meminfo(struct svm_ctx *ctx, int node, uint64_t *total, uint64_t *free);

/* the memory tier (memory_tierN) holding @node, -1 if none or no tiering */
int svm_node_get_memory_tier(struct svm_ctx *ctx, int node);

/* system policy */
const char *svm_get_auto_online_blocks(struct svm_ctx *ctx);	/* online, offline, ... */
uint64_t svm_get_memblock_size(struct svm_ctx *ctx);
bool svm_module_is_loaded(struct svm_ctx *ctx, const char *name);
/* true when the kernel module can be found by modprobe (libkmod) */
bool svm_module_is_available(struct svm_ctx *ctx, const char *name);
/* 0 if @name is loaded or loadable: -ENOPKG if not installed, -EPERM if blacklisted in
 * modprobe.d (the reason is the context's error); loads nothing */
int svm_module_check(struct svm_ctx *ctx, const char *name);

/*
 * Option and result structs are sized, like the kernel's extensible structs (openat2's
 * struct open_how): the caller sets struct_size to the sizeof() it was built with, and
 * fields are only ever appended. A library newer than the caller takes the missing tail
 * as zero (the default); one older than the caller refuses a non-zero tail it does not
 * know with -E2BIG, so an option is never silently ignored. Results are written up to
 * struct_size. A struct_size smaller than the first version's is -EINVAL.
 */

/* operations (need CAP_SYS_ADMIN) */
struct svm_region_opts {
	uint32_t struct_size;		/* sizeof(struct svm_region_opts) */
	struct svm_root_decoder *root;	/* NULL: the first ram-capable window that fits */
	uint64_t size;			/* 0: the memdevs' whole ram capacity */
	unsigned int granularity;	/* 0: the window's granularity */
};
/* Assemble, commit and enable a ram region over @memdevs (any order: they are put in
 * the window's target order). On failure whatever was set up is undone. */
int svm_region_create(struct svm_ctx *ctx, struct svm_memdev **memdevs, int nr,
		      const struct svm_region_opts *opts, struct svm_region **out);
/* Disable, decommit, release DPA and delete. Refuses (-EBUSY) an online region. Works on
 * stale regions (targets of removed devices). */
int svm_region_destroy(struct svm_region *region);

enum svm_zone { SVM_ZONE_MOVABLE = 1, SVM_ZONE_NORMAL };
/* Linux 6.12 has no interface to choose a node's memory tier (kmem derives it from
 * HMAT/CDAT, see svm_node_get_memory_tier()); a tier option is appended when one exists. */
struct svm_online_opts {
	uint32_t struct_size;		/* sizeof(struct svm_online_opts) */
	enum svm_mode mode;		/* SVM_MODE_NUMA or SVM_MODE_COHERENT */
	enum svm_zone zone;		/* numa: 0 means movable */
};
/* Online the region in a mode. Online already in that mode: 0 (nothing done, notes say
 * so). In another mode: -EBUSY. On failure the region is left as it was. */
int svm_region_online(struct svm_region *region, const struct svm_online_opts *opts);
/* Offline for hot-unplug: numa offlines every block (retrying until @timeout_ms), then
 * unbinds kmem; coherent drains and removes the pool. Already offline: 0. */
int svm_region_offline(struct svm_region *region, unsigned int timeout_ms);
/* Offline from the current mode and online in @opts->mode; process data parked in RAM. */
int svm_region_convert(struct svm_region *region, const struct svm_online_opts *opts,
		       unsigned int timeout_ms);

/* Preflight: what holds the region's memory (set struct_size before the call). */
struct svm_preflight {
	uint32_t struct_size;		/* sizeof(struct svm_preflight) */
	enum svm_mode mode;
	int node;			/* target node, -1 none */
	int nr_blocks, nr_online, nr_movable, nr_normal;
	uint64_t node_total, node_free;	/* bytes on the node */
	uint64_t pool_used_pages;
	int nr_procs;			/* processes with pages on the node */
	pid_t procs[16];
	uint64_t proc_pages[16];
	bool can_offline;		/* best guess: movable or empty */
	char reason[256];		/* why not, if !can_offline */
};
int svm_region_preflight(struct svm_region *region, struct svm_preflight *pf);

#ifdef __cplusplus
}
#endif
#endif
