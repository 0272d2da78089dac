/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef _SVMCXL_PRIVATE_H_
#define _SVMCXL_PRIVATE_H_

#include <stdarg.h>
#include <syslog.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <cxl/libcxl.h>
#include "libsvmcxl.h"

#define SVM_EXPORT __attribute__((visibility("default")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CXL_BUS "sys/bus/cxl"
#define DAX_BUS "sys/bus/dax"
#define MEM_SYS "sys/devices/system/memory"
#define NODE_SYS "sys/devices/system/node"

/*
 * Objects are never freed while the context lives: svm_invalidate() re-reads sysfs into
 * the same objects (matched by name or id), and an object whose device went away is
 * marked gone and parked on the context's gone list (its getters keep returning what was
 * last read, get_next() returns NULL). A device that comes back under the same name gets
 * its old object back, so the gone lists hold at most one object per name ever seen.
 */
struct svm_memblock {
	struct svm_dax *dax;
	struct svm_memblock *next;
	bool gone;
	int id;
	bool online;
	char zone[16];
};

struct svm_dax {
	struct svm_ctx *ctx;
	struct svm_dax *next;		/* only on the gone list: one dax per region */
	bool gone;
	struct svm_region *region;
	char name[32];
	uint64_t start, size;
	int target_node;
	char driver[32];
	bool blocks_read;
	struct svm_memblock *blocks, *gone_blocks;
};

struct svm_memdev {
	struct svm_ctx *ctx;
	struct svm_memdev *next;
	bool gone;
	char name[32];
	int id;
	uint64_t serial;
	char host[32];		/* PCI BDF */
	char host_bridge[32];
	uint64_t ram_size;
	char endpoint[32];
};

#define SVM_MAX_TARGETS 16

struct svm_root_decoder {
	struct svm_ctx *ctx;
	struct svm_root_decoder *next;
	bool gone;
	char name[32];
	uint64_t start, size;
	unsigned int ways, granularity;
	bool cap_ram;
	int nr_targets;
	char targets[SVM_MAX_TARGETS][32];	/* host bridge names in position order */
};

struct svm_region {
	struct svm_ctx *ctx;
	struct svm_region *next;
	bool gone;
	struct svm_root_decoder *root;
	char name[32];
	int id;
	uint64_t start, size;
	unsigned int ways, granularity;
	char type[16];
	bool committed, enabled;
	int nr_targets;
	char targets[SVM_MAX_TARGETS][32];
	bool dax_read;
	struct svm_dax *dax;
	uint64_t instance;	/* sysfs-gaps.c: svm_gap_region_instance() */
};

struct svm_pool {
	struct svm_ctx *ctx;
	struct svm_pool *next;
	bool gone;
	int id;
	uint64_t start, size;
	char state[16];
	uint64_t pages_total, pages_used;
	uint64_t instance;	/* the inode of poolN's directory: new for every pool */
};

struct svm_ctx {
	int refcount;
	int log_priority;
	svm_log_fn log_fn;
	char error[1024];
	char notes[2048];
	struct cxl_ctx *cxl;	/* for model reads, dropped by svm_invalidate() (libcxl.c) */
	bool memdevs_read, decoders_read, regions_read, pools_read;
	struct svm_memdev *memdevs;
	struct svm_root_decoder *decoders;
	struct svm_region *regions;
	struct svm_pool *pools;
	/* objects whose device went away (see above), freed by the last svm_unref() */
	struct {
		struct svm_memdev *memdevs;
		struct svm_root_decoder *decoders;
		struct svm_region *regions;
		struct svm_pool *pools;
		struct svm_dax *dax;
	} gone;
};

void svm_log(struct svm_ctx *ctx, int prio, const char *file, int line, const char *fn,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A message of libcxl or libdaxctl (@lib), into ours. */
void svm_log_lib(struct svm_ctx *ctx, const char *lib, int prio, const char *file, int line,
		 const char *fn, const char *fmt, va_list ap);
/*
 * Their log level, unless their own variable (@env: CXL_LOG, DAXCTL_LOG) sets it, as in
 * ndctl: up to info when we log info or debug, else silent. Their debug level logs every
 * sysfs read (thousands of lines a daemon pass), so it is theirs to ask for; at our
 * default the library's error sentence is the one report (libcxl would add a line for
 * every half-built region it reads).
 */
int svm_lib_log_priority(struct svm_ctx *ctx, const char *env, int current);
#define svm_log_cond(ctx, prio, ...) do { \
	if ((ctx)->log_priority >= (prio)) \
		svm_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__); \
} while (0)
#define dbg(ctx, ...) svm_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) svm_log_cond(ctx, LOG_INFO, __VA_ARGS__)
/* progress the caller cannot see in the result (svm-cxld logs it without -v) */
#define notice(ctx, ...) svm_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define err(ctx, ...) svm_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* Record the failure sentence (and log it at err level); returns @rc. */
int svm_fail(struct svm_ctx *ctx, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add to the failure sentence (what a rollback could not undo). */
void svm_fail_append(struct svm_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void svm_note(struct svm_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void svm_clear_status(struct svm_ctx *ctx);

/* sysfs access, @fmt relative to / (sysfs-gaps.c lists what is still read this way) */
int sysfs_path(struct svm_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sysfs_read(struct svm_ctx *ctx, const char *path, char *buf, size_t len);
int sysfs_write(struct svm_ctx *ctx, const char *path, const char *val);
int sysfs_read_u64(struct svm_ctx *ctx, const char *path, uint64_t *val);
int sysfs_readlink_base(struct svm_ctx *ctx, const char *path, char *buf, size_t len);
bool sysfs_exists(struct svm_ctx *ctx, const char *path);
uint64_t now_ms(void);

/* libcxl.c */
int svm_cxl_open(struct svm_ctx *ctx, struct cxl_ctx **out);
struct cxl_ctx *svm_cxl(struct svm_ctx *ctx);
void svm_cxl_drop(struct svm_ctx *ctx);
struct cxl_memdev *svm_cxl_memdev(struct cxl_ctx *cctx, const char *name);
struct cxl_region *svm_cxl_region(struct cxl_ctx *cctx, const char *name);
struct cxl_endpoint *svm_cxl_endpoint(struct cxl_memdev *m);
struct cxl_port *svm_cxl_host_bridge_port(struct cxl_memdev *m);

/* sysfs-gaps.c: what neither libcxl nor libdaxctl offer on every supported version */
int svm_gap_region_type(struct cxl_region *r, char *buf, size_t len);
int svm_gap_create_ram_region(struct svm_ctx *ctx, const char *root, char *name, size_t len);
void svm_gap_host_bridge(struct svm_ctx *ctx, const char *memdev, char *buf, size_t len);
uint64_t svm_gap_region_instance(struct svm_ctx *ctx, const char *region);

/* dax.c: driver changes through libdaxctl, @dax by name */
int svm_dax_read_attrs(struct svm_ctx *ctx, const char *dax, uint64_t *start, uint64_t *size,
		       int *node);
int svm_dax_disable(struct svm_ctx *ctx, const char *dax);
int svm_dax_enable_ram(struct svm_ctx *ctx, const char *dax);
int svm_dax_enable_devdax(struct svm_ctx *ctx, const char *dax);
int svm_dax_enable_as(struct svm_ctx *ctx, const char *dax, const char *driver);

/* 0 when loaded; -EPERM when modprobe.d blacklists it, -ENOENT when not found */
int svm_kmod_load(struct svm_ctx *ctx, const char *name);
int svm_kmod_unload(struct svm_ctx *ctx, const char *name);

/* pools through /dev/svm_cxl (coherent.c) */
int svm_pool_add(struct svm_ctx *ctx, struct svm_region *region);
int svm_pool_remove(struct svm_ctx *ctx, struct svm_pool *pool, unsigned int timeout_ms);
int svm_pools_read(struct svm_ctx *ctx);

/* position.c: @mds in region target order (interleave positions), into @out */
int svm_order_targets(struct svm_ctx *ctx, struct svm_root_decoder *root,
		      struct svm_memdev **mds, int nr, struct svm_memdev **out);

/* model.c: 0 for a ram region, else -EOPNOTSUPP with the error set; @what is the verb
 * phrase ("onlines", "destroys") */
int svm_region_check_ram(struct svm_region *r, const char *what);

/* model.c: unlink the object named @nm (with id @i) from @list and return it, or NULL;
 * the refresh uses them to keep objects across svm_invalidate() */
#define svm_take_if(list, cond) ({ \
	__typeof__(*(list)) *__p = (list), __o = NULL; \
	for (; *__p; __p = &(*__p)->next) \
		if (cond) { \
			__o = *__p; \
			*__p = __o->next; \
			__o->next = NULL; \
			break; \
		} \
	__o; })
#define svm_take_name(list, nm) svm_take_if(list, !strcmp((*__p)->name, (nm)))
#define svm_take_id(list, i) svm_take_if(list, (*__p)->id == (i))
/* move every object left on @old to the gone list @graveyard */
#define svm_retire(old, graveyard) do { \
	while (old) { \
		__typeof__(old) __n = (old)->next; \
		(old)->gone = true; \
		(old)->next = (graveyard); \
		(graveyard) = (old); \
		(old) = __n; \
	} \
} while (0)
void svm_free_objects(struct svm_ctx *ctx);

/* ctx.c: copy the caller's sized struct @src (see libsvmcxl.h) into @dst of @dst_size
 * bytes, zero-filled; 0, -EINVAL (too small, named @what in the error), -E2BIG */
#define offsetofend(type, m) (offsetof(type, m) + sizeof(((type *)0)->m))
/* the first versions of the sized structs end here (frozen: fields only get appended) */
#define SVM_REGION_OPTS_SIZE_V1 offsetofend(struct svm_region_opts, granularity)
#define SVM_ONLINE_OPTS_SIZE_V1 offsetofend(struct svm_online_opts, zone)
#define SVM_PREFLIGHT_SIZE_V1 offsetofend(struct svm_preflight, reason)
int svm_copy_opts(struct svm_ctx *ctx, void *dst, size_t dst_size, const void *src,
		  size_t min_size, const char *what);

/* region.c */
int region_destroy(struct svm_region *region);

#endif
