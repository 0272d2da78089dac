// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The typed model, read lazily the first time a list is asked for: memdevs, windows and
 * regions from libcxl (libcxl.c), dax devices, memory blocks and the system knobs from
 * sysfs (see sysfs-gaps.c for what is still read that way, and why).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>
#include <numa.h>

#include "private.h"

/* Names in @dir starting with @prefix followed by a digit, sorted by their numbers. */
static int name_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(struct svm_ctx *ctx, const char *dir, const char *prefix,
		    char ***out)
{
	size_t plen = strlen(prefix);
	char **names = NULL;
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char **tmp;

		if (strncmp(de->d_name, prefix, plen) || de->d_name[plen] < '0' ||
		    de->d_name[plen] > '9')
			continue;
		tmp = realloc(names, (n + 1) * sizeof(*names));
		if (!tmp)
			break;
		names = tmp;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	return n;
}

static void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* memdevs */

/*
 * The object for @name: the one read before (from @old or the gone list), cleared, or a
 * new one. Callers fill it in and link it; what stays on @old afterwards is gone.
 */
#define obtain(ctx, old, graveyard, nm) ({ \
	__typeof__(*(old)) __m = svm_take_name(old, nm); \
	if (!__m) \
		__m = svm_take_name(&(graveyard), nm); \
	if (__m) \
		memset(__m, 0, sizeof(*__m)); \
	else \
		__m = calloc(1, sizeof(*__m)); \
	if (__m) { \
		__m->ctx = (ctx); \
		snprintf(__m->name, sizeof(__m->name), "%s", nm); \
	} \
	__m; })

static void read_memdevs(struct svm_ctx *ctx)
{
	struct svm_memdev *old = ctx->memdevs, **tail = &ctx->memdevs;
	struct cxl_ctx *cctx = svm_cxl(ctx);
	struct cxl_memdev *cm;

	ctx->memdevs_read = true;
	ctx->memdevs = NULL;
	cxl_memdev_foreach(cctx, cm) {
		struct svm_memdev *m = obtain(ctx, &old, ctx->gone.memdevs,
					      cxl_memdev_get_devname(cm));
		struct cxl_endpoint *ep;
		struct cxl_port *hb;

		if (!m)
			break;
		m->id = cxl_memdev_get_id(cm);
		/* libcxl says ULLONG_MAX when the kernel has no serial file: no DSN, as 0 */
		m->serial = cxl_memdev_get_serial(cm);
		if (m->serial == ULLONG_MAX)
			m->serial = 0;
		m->ram_size = cxl_memdev_get_ram_size(cm);
		snprintf(m->host, sizeof(m->host), "%s", cxl_memdev_get_host(cm));
		ep = svm_cxl_endpoint(cm);
		if (ep)
			snprintf(m->endpoint, sizeof(m->endpoint), "%s",
				 cxl_endpoint_get_devname(ep));
		hb = svm_cxl_host_bridge_port(cm);
		if (hb)
			snprintf(m->host_bridge, sizeof(m->host_bridge), "%s",
				 cxl_port_get_host(hb));
		else
			svm_gap_host_bridge(ctx, m->name, m->host_bridge, sizeof(m->host_bridge));
		/* libcxl lists in discovery order; the model keeps name order */
		for (tail = &ctx->memdevs; *tail && (*tail)->id < m->id; tail = &(*tail)->next)
			;
		m->next = *tail;
		*tail = m;
	}
	svm_retire(old, ctx->gone.memdevs);
}

SVM_EXPORT struct svm_memdev *svm_memdev_get_first(struct svm_ctx *ctx)
{
	if (!ctx->memdevs_read)
		read_memdevs(ctx);
	return ctx->memdevs;
}

SVM_EXPORT struct svm_memdev *svm_memdev_get_next(struct svm_memdev *m)
{
	return m->gone ? NULL : m->next;
}

SVM_EXPORT struct svm_memdev *svm_memdev_get_by_name(struct svm_ctx *ctx, const char *name)
{
	struct svm_memdev *m;

	svm_memdev_foreach(ctx, m)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

SVM_EXPORT const char *svm_memdev_get_name(struct svm_memdev *m) { return m->name; }
SVM_EXPORT int svm_memdev_get_id(struct svm_memdev *m) { return m->id; }
SVM_EXPORT uint64_t svm_memdev_get_serial(struct svm_memdev *m) { return m->serial; }
SVM_EXPORT const char *svm_memdev_get_host(struct svm_memdev *m) { return m->host; }
SVM_EXPORT const char *svm_memdev_get_host_bridge(struct svm_memdev *m) { return m->host_bridge; }
SVM_EXPORT uint64_t svm_memdev_get_ram_size(struct svm_memdev *m) { return m->ram_size; }

SVM_EXPORT const char *svm_memdev_get_endpoint(struct svm_memdev *m)
{
	return m->endpoint[0] ? m->endpoint : NULL;
}

SVM_EXPORT struct svm_region *svm_memdev_get_region(struct svm_memdev *m)
{
	struct svm_region *r;

	svm_region_foreach(m->ctx, r)
		for (int i = 0; i < r->nr_targets; i++)
			if (svm_region_get_target_memdev(r, i) == m)
				return r;
	return NULL;
}

/* root decoders */

static void read_decoders(struct svm_ctx *ctx)
{
	struct svm_root_decoder *old = ctx->decoders, **tail = &ctx->decoders;
	struct cxl_ctx *cctx = svm_cxl(ctx);
	struct cxl_bus *bus;

	ctx->decoders_read = true;
	ctx->decoders = NULL;
	cxl_bus_foreach(cctx, bus) {
		struct cxl_decoder *cd;

		cxl_decoder_foreach(cxl_bus_get_port(bus), cd) {
			struct svm_root_decoder *d = obtain(ctx, &old, ctx->gone.decoders,
							    cxl_decoder_get_devname(cd));
			struct cxl_target *t;

			if (!d)
				break;
			d->start = cxl_decoder_get_resource(cd);
			d->size = cxl_decoder_get_size(cd);
			d->ways = cxl_decoder_get_interleave_ways(cd);
			d->granularity = cxl_decoder_get_interleave_granularity(cd);
			if (d->ways == UINT_MAX)
				d->ways = 0;
			if (d->granularity == UINT_MAX)
				d->granularity = 0;
			d->cap_ram = cxl_decoder_is_volatile_capable(cd);
			/* host bridges by position: the dport each target is */
			cxl_target_foreach(cd, t) {
				int pos = cxl_target_get_position(t);

				if (pos < 0 || pos >= SVM_MAX_TARGETS)
					continue;
				snprintf(d->targets[pos], sizeof(d->targets[pos]), "%s",
					 cxl_target_get_devname(t));
				if (pos + 1 > d->nr_targets)
					d->nr_targets = pos + 1;
			}
			*tail = d;
			tail = &d->next;
		}
	}
	svm_retire(old, ctx->gone.decoders);
}

SVM_EXPORT struct svm_root_decoder *svm_root_decoder_get_first(struct svm_ctx *ctx)
{
	if (!ctx->decoders_read)
		read_decoders(ctx);
	return ctx->decoders;
}

SVM_EXPORT struct svm_root_decoder *svm_root_decoder_get_next(struct svm_root_decoder *d)
{
	return d->gone ? NULL : d->next;
}

SVM_EXPORT struct svm_root_decoder *svm_root_decoder_get_by_name(struct svm_ctx *ctx,
								 const char *name)
{
	struct svm_root_decoder *d;

	svm_root_decoder_foreach(ctx, d)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

SVM_EXPORT const char *svm_root_decoder_get_name(struct svm_root_decoder *d) { return d->name; }
SVM_EXPORT uint64_t svm_root_decoder_get_start(struct svm_root_decoder *d) { return d->start; }
SVM_EXPORT uint64_t svm_root_decoder_get_size(struct svm_root_decoder *d) { return d->size; }
SVM_EXPORT unsigned int svm_root_decoder_get_ways(struct svm_root_decoder *d) { return d->ways; }
SVM_EXPORT unsigned int svm_root_decoder_get_granularity(struct svm_root_decoder *d)
{
	return d->granularity;
}
SVM_EXPORT bool svm_root_decoder_is_ram_capable(struct svm_root_decoder *d) { return d->cap_ram; }
SVM_EXPORT int svm_root_decoder_get_nr_targets(struct svm_root_decoder *d) { return d->nr_targets; }

SVM_EXPORT const char *svm_root_decoder_get_target(struct svm_root_decoder *d, int pos)
{
	return pos >= 0 && pos < d->nr_targets ? d->targets[pos] : NULL;
}

/* regions */

static void read_dax(struct svm_region *r);

/* @r's fields from libcxl's @cr (and the gaps libcxl leaves) */
static void fill_region(struct svm_region *r, struct cxl_region *cr)
{
	struct svm_ctx *ctx = r->ctx;
	struct cxl_memdev_mapping *map;
	unsigned long long size = cxl_region_get_size(cr);

	r->id = cxl_region_get_id(cr);
	r->size = size == ULLONG_MAX ? 0 : size;
	/* libcxl leaves the start at 0 while the region has no HPA: we say UINT64_MAX */
	r->start = r->size ? cxl_region_get_resource(cr) : UINT64_MAX;
	r->ways = cxl_region_get_interleave_ways(cr);
	r->granularity = cxl_region_get_interleave_granularity(cr);
	if (r->ways == UINT_MAX)
		r->ways = 0;
	if (r->granularity == UINT_MAX)
		r->granularity = 0;
	r->committed = cxl_region_decode_is_committed(cr) == 1;
	r->enabled = cxl_region_is_enabled(cr) == 1;
	/* ram or pmem; a region whose mode cannot be read is not taken for ram */
	if (svm_gap_region_type(cr, r->type, sizeof(r->type)) || !r->type[0])
		snprintf(r->type, sizeof(r->type), "unknown");
	r->instance = svm_gap_region_instance(ctx, r->name);
	r->root = svm_root_decoder_get_by_name(ctx,
			cxl_decoder_get_devname(cxl_region_get_decoder(cr)));
	/* one slot per position; an unset target, or one whose device went away, is "" */
	r->nr_targets = r->ways < SVM_MAX_TARGETS ? (int)r->ways : SVM_MAX_TARGETS;
	cxl_mapping_foreach(cr, map) {
		unsigned int pos = cxl_mapping_get_position(map);

		if (pos < (unsigned int)r->nr_targets)
			snprintf(r->targets[pos], sizeof(r->targets[pos]), "%s",
				 cxl_decoder_get_devname(cxl_mapping_get_decoder(map)));
	}
}

static void read_regions(struct svm_ctx *ctx)
{
	struct svm_region *old = ctx->regions, **tail;
	struct cxl_ctx *cctx = svm_cxl(ctx);
	struct cxl_bus *bus;

	ctx->regions_read = true;
	ctx->regions = NULL;
	cxl_bus_foreach(cctx, bus) {
		struct cxl_decoder *cd;
		struct cxl_region *cr;

		cxl_decoder_foreach(cxl_bus_get_port(bus), cd)
			cxl_region_foreach(cd, cr) {
				const char *name = cxl_region_get_devname(cr);
				struct svm_region *r = svm_take_name(&old, name);
				struct svm_dax *dax;
				bool dax_read;

				if (!r)
					r = svm_take_name(&ctx->gone.regions, name);
				/* the dax device is kept too, and re-read if it was read before */
				dax = r ? r->dax : NULL;
				dax_read = r && r->dax_read;
				if (r)
					memset(r, 0, sizeof(*r));
				else
					r = calloc(1, sizeof(*r));
				if (!r)
					break;
				r->ctx = ctx;
				r->dax = dax;
				snprintf(r->name, sizeof(r->name), "%s", name);
				fill_region(r, cr);
				if (dax_read)
					read_dax(r);
				/* in id order, as the kernel numbers them */
				for (tail = &ctx->regions; *tail && (*tail)->id < r->id;
				     tail = &(*tail)->next)
					;
				r->next = *tail;
				*tail = r;
			}
	}
	svm_retire(old, ctx->gone.regions);
}

SVM_EXPORT struct svm_region *svm_region_get_first(struct svm_ctx *ctx)
{
	if (!ctx->regions_read)
		read_regions(ctx);
	return ctx->regions;
}

SVM_EXPORT struct svm_region *svm_region_get_next(struct svm_region *r)
{
	return r->gone ? NULL : r->next;
}

SVM_EXPORT struct svm_region *svm_region_get_by_name(struct svm_ctx *ctx, const char *name)
{
	struct svm_region *r;

	svm_region_foreach(ctx, r)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

SVM_EXPORT struct svm_ctx *svm_region_get_ctx(struct svm_region *r) { return r->ctx; }
SVM_EXPORT const char *svm_region_get_name(struct svm_region *r) { return r->name; }
SVM_EXPORT int svm_region_get_id(struct svm_region *r) { return r->id; }
SVM_EXPORT struct svm_root_decoder *svm_region_get_root_decoder(struct svm_region *r)
{
	return r->root;
}
SVM_EXPORT uint64_t svm_region_get_start(struct svm_region *r) { return r->start; }
SVM_EXPORT uint64_t svm_region_get_size(struct svm_region *r) { return r->size; }
SVM_EXPORT unsigned int svm_region_get_ways(struct svm_region *r) { return r->ways; }
SVM_EXPORT unsigned int svm_region_get_granularity(struct svm_region *r) { return r->granularity; }
SVM_EXPORT const char *svm_region_get_type(struct svm_region *r) { return r->type; }

/*
 * Every ram operation (online, offline, convert, destroy) refuses anything but a ram
 * region: a pmem region's configuration holds persistent data and namespaces that
 * ndctl/cxl manage; kmem or a pool over it would hand that range out as volatile memory.
 */
int svm_region_check_ram(struct svm_region *r, const char *what)
{
	if (!strcmp(r->type, "ram"))
		return 0;
	return svm_fail(r->ctx, -EOPNOTSUPP,
			"%s: a %s region; svm-cxl %s ram regions only (pmem belongs to ndctl: cxl destroy-region, ndctl create-namespace)",
			r->name, r->type, what);
}
SVM_EXPORT bool svm_region_is_committed(struct svm_region *r) { return r->committed; }
SVM_EXPORT uint64_t svm_region_get_instance(struct svm_region *r) { return r->instance; }
SVM_EXPORT bool svm_region_is_enabled(struct svm_region *r) { return r->enabled; }
SVM_EXPORT int svm_region_get_nr_targets(struct svm_region *r) { return r->nr_targets; }

SVM_EXPORT const char *svm_region_get_target_decoder(struct svm_region *r, int pos)
{
	return pos >= 0 && pos < r->nr_targets ? r->targets[pos] : NULL;
}

SVM_EXPORT struct svm_memdev *svm_region_get_target_memdev(struct svm_region *r, int pos)
{
	struct svm_memdev *m;
	char ep[32];
	const char *dot;

	if (pos < 0 || pos >= r->nr_targets || !r->targets[pos][0])
		return NULL;
	/* decoderE.N belongs to port E: endpointE */
	dot = strchr(r->targets[pos], '.');
	if (!dot)
		return NULL;
	snprintf(ep, sizeof(ep), "endpoint%.*s", (int)(dot - r->targets[pos] - 7),
		 r->targets[pos] + 7);
	svm_memdev_foreach(r->ctx, m)
		if (!strcmp(m->endpoint, ep))
			return m;
	return NULL;
}

/*
 * A region some of whose devices went away. libcxl drops a target whose endpoint
 * decoder is gone, so a committed region with an empty position has lost a device; an
 * uncommitted, sized one with fewer targets than ways was left half-built or lost one.
 */
SVM_EXPORT bool svm_region_is_stale(struct svm_region *r)
{
	int set = 0;

	for (int i = 0; i < r->nr_targets; i++) {
		if (!r->targets[i][0])
			continue;
		set++;
		if (!svm_region_get_target_memdev(r, i))
			return true;
	}
	if (r->committed)
		return set < (int)r->ways;
	return set < (int)r->ways && r->size;
}

/* dax */

static void read_blocks(struct svm_dax *dax);

/* the dax device of @r: the object read before if the name is the same, else a new one
 * (the old one goes to the gone list) */
static struct svm_dax *obtain_dax(struct svm_region *r, const char *name)
{
	struct svm_ctx *ctx = r->ctx;
	struct svm_dax *dax = r->dax;
	struct svm_memblock *blocks, *gone_blocks;
	bool blocks_read;

	r->dax = NULL;
	if (dax && strcmp(dax->name, name)) {
		svm_retire(dax, ctx->gone.dax);
		dax = NULL;
	}
	if (!dax)
		dax = svm_take_name(&ctx->gone.dax, name);
	if (!dax)
		return calloc(1, sizeof(*dax));
	blocks = dax->blocks;
	gone_blocks = dax->gone_blocks;
	blocks_read = dax->blocks_read;
	memset(dax, 0, sizeof(*dax));
	dax->blocks = blocks;
	dax->gone_blocks = gone_blocks;
	dax->blocks_read = blocks_read;
	return dax;
}

static void read_dax(struct svm_region *r)
{
	struct svm_ctx *ctx = r->ctx;
	char dir[PATH_MAX], p[PATH_MAX];
	char **dr, **dd = NULL;
	int ndr, ndd = 0;
	struct svm_dax *dax;

	r->dax_read = true;
	sysfs_path(ctx, dir, sizeof(dir), CXL_BUS "/devices/%s", r->name);
	ndr = list_dir(ctx, dir, "dax_region", &dr);
	if (ndr) {
		sysfs_path(ctx, dir, sizeof(dir), CXL_BUS "/devices/%s/%s", r->name, dr[0]);
		ndd = list_dir(ctx, dir, "dax", &dd);
		free_names(dr, ndr);
	}
	if (!ndd) {
		/* no dax device (any more) */
		svm_retire(r->dax, ctx->gone.dax);
		return;
	}
	dax = obtain_dax(r, dd[0]);
	if (!dax) {
		free_names(dd, ndd);
		return;
	}
	dax->ctx = ctx;
	dax->region = r;
	dax->target_node = -1;
	snprintf(dax->name, sizeof(dax->name), "%s", dd[0]);
	free_names(dd, ndd);
	/* a device libdaxctl does not list (yet) keeps start 0, size 0 and no node */
	dax->start = dax->size = 0;
	svm_dax_read_attrs(ctx, dax->name, &dax->start, &dax->size, &dax->target_node);
	if (!dax->start)
		dax->start = r->start;
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/devices/%s/driver", dax->name);
	sysfs_readlink_base(ctx, p, dax->driver, sizeof(dax->driver));
	r->dax = dax;
	if (dax->blocks_read)
		read_blocks(dax);
}

SVM_EXPORT struct svm_dax *svm_region_get_dax(struct svm_region *r)
{
	if (!r->dax_read)
		read_dax(r);
	return r->dax;
}

SVM_EXPORT struct svm_ctx *svm_dax_get_ctx(struct svm_dax *d) { return d->ctx; }
SVM_EXPORT const char *svm_dax_get_name(struct svm_dax *d) { return d->name; }
SVM_EXPORT struct svm_region *svm_dax_get_region(struct svm_dax *d) { return d->region; }
SVM_EXPORT uint64_t svm_dax_get_start(struct svm_dax *d) { return d->start; }
SVM_EXPORT uint64_t svm_dax_get_size(struct svm_dax *d) { return d->size; }
SVM_EXPORT int svm_dax_get_target_node(struct svm_dax *d) { return d->target_node; }
SVM_EXPORT const char *svm_dax_get_driver(struct svm_dax *d)
{
	return d->driver[0] ? d->driver : NULL;
}

static void read_blocks(struct svm_dax *dax)
{
	struct svm_ctx *ctx = dax->ctx;
	struct svm_memblock *old = dax->blocks, **tail = &dax->blocks;
	uint64_t bs = svm_get_memblock_size(ctx);
	char p[PATH_MAX], buf[128];

	dax->blocks_read = true;
	dax->blocks = NULL;
	if (!bs || !dax->size)
		goto out;
	for (uint64_t a = dax->start / bs; a < (dax->start + dax->size + bs - 1) / bs; a++) {
		struct svm_memblock *b;

		sysfs_path(ctx, p, sizeof(p), MEM_SYS "/memory%llu/state", (unsigned long long)a);
		if (sysfs_read(ctx, p, buf, sizeof(buf)))
			continue;
		b = svm_take_id(&old, (int)a);
		if (!b)
			b = svm_take_id(&dax->gone_blocks, (int)a);
		if (b)
			memset(b, 0, sizeof(*b));
		else
			b = calloc(1, sizeof(*b));
		if (!b)
			break;
		b->dax = dax;
		b->id = (int)a;
		b->online = !strcmp(buf, "online");
		if (b->online) {
			sysfs_path(ctx, p, sizeof(p), MEM_SYS "/memory%llu/valid_zones",
				   (unsigned long long)a);
			if (!sysfs_read(ctx, p, buf, sizeof(buf)))
				snprintf(b->zone, sizeof(b->zone), "%s", buf);
		}
		*tail = b;
		tail = &b->next;
	}
out:
	svm_retire(old, dax->gone_blocks);
}

SVM_EXPORT struct svm_memblock *svm_memblock_get_first(struct svm_dax *dax)
{
	if (!dax->blocks_read)
		read_blocks(dax);
	return dax->blocks;
}

SVM_EXPORT struct svm_memblock *svm_memblock_get_next(struct svm_memblock *b)
{
	return b->gone ? NULL : b->next;
}
SVM_EXPORT int svm_memblock_get_id(struct svm_memblock *b) { return b->id; }
SVM_EXPORT bool svm_memblock_is_online(struct svm_memblock *b) { return b->online; }
SVM_EXPORT const char *svm_memblock_get_zone(struct svm_memblock *b)
{
	return b->zone[0] ? b->zone : NULL;
}

SVM_EXPORT int svm_dax_get_nr_memblocks(struct svm_dax *dax)
{
	struct svm_memblock *b;
	int n = 0;

	svm_memblock_foreach(dax, b)
		n++;
	return n;
}

SVM_EXPORT int svm_dax_get_nr_online(struct svm_dax *dax)
{
	struct svm_memblock *b;
	int n = 0;

	svm_memblock_foreach(dax, b)
		n += b->online;
	return n;
}

/* pools */

SVM_EXPORT struct svm_pool *svm_pool_get_first(struct svm_ctx *ctx)
{
	if (!ctx->pools_read)
		svm_pools_read(ctx);
	return ctx->pools;
}

SVM_EXPORT struct svm_pool *svm_pool_get_next(struct svm_pool *p)
{
	return p->gone ? NULL : p->next;
}
SVM_EXPORT int svm_pool_get_id(struct svm_pool *p) { return p->id; }
SVM_EXPORT uint64_t svm_pool_get_start(struct svm_pool *p) { return p->start; }
SVM_EXPORT uint64_t svm_pool_get_size(struct svm_pool *p) { return p->size; }
SVM_EXPORT const char *svm_pool_get_state(struct svm_pool *p) { return p->state; }
SVM_EXPORT uint64_t svm_pool_get_instance(struct svm_pool *p) { return p->instance; }
SVM_EXPORT uint64_t svm_pool_get_pages_total(struct svm_pool *p) { return p->pages_total; }
SVM_EXPORT uint64_t svm_pool_get_pages_used(struct svm_pool *p) { return p->pages_used; }

SVM_EXPORT struct svm_pool *svm_region_get_pool(struct svm_region *r)
{
	struct svm_pool *p;

	if (r->start == UINT64_MAX)
		return NULL;
	svm_pool_foreach(r->ctx, p)
		if (p->start >= r->start && p->start < r->start + r->size)
			return p;
	return NULL;
}

/* mode */

SVM_EXPORT enum svm_mode svm_region_get_mode(struct svm_region *r)
{
	struct svm_dax *dax;
	int n, on;

	if (svm_region_get_pool(r))
		return SVM_MODE_COHERENT;
	dax = svm_region_get_dax(r);
	if (!dax || !dax->driver[0])
		return SVM_MODE_NONE;
	if (!strcmp(dax->driver, "kmem")) {
		n = svm_dax_get_nr_memblocks(dax);
		on = svm_dax_get_nr_online(dax);
		return n && on == n ? SVM_MODE_NUMA : SVM_MODE_NUMA_PARTIAL;
	}
	if (!strcmp(dax->driver, "device_dax"))
		return SVM_MODE_DEVDAX;
	return SVM_MODE_UNKNOWN;
}

SVM_EXPORT const char *svm_region_get_mode_name(struct svm_region *r)
{
	enum svm_mode mode = svm_region_get_mode(r);
	struct svm_memblock *b;

	if (mode != SVM_MODE_NUMA && mode != SVM_MODE_NUMA_PARTIAL)
		return svm_mode_name(mode);
	/* ZONE_NORMAL memory may hold kernel allocations and never offline: say so */
	svm_memblock_foreach(svm_region_get_dax(r), b)
		if (b->online && strcmp(b->zone, "Movable"))
			return mode == SVM_MODE_NUMA ? "numa-normal" : "numa-partial-normal";
	return svm_mode_name(mode);
}

SVM_EXPORT const char *svm_mode_name(enum svm_mode mode)
{
	switch (mode) {
	case SVM_MODE_NONE: return "offline";
	case SVM_MODE_DEVDAX: return "devdax";
	case SVM_MODE_NUMA: return "numa";
	case SVM_MODE_NUMA_PARTIAL: return "numa-partial";
	case SVM_MODE_COHERENT: return "coherent";
	default: return "unknown";
	}
}

/* system */

SVM_EXPORT int svm_node_get_meminfo(struct svm_ctx *ctx, int node, uint64_t *total,
				    uint64_t *free_bytes)
{
	long long freeb, size;

	(void)ctx;
	errno = 0;
	size = numa_node_size64(node, &freeb);
	if (size < 0)
		return errno ? -errno : -EINVAL;
	if (freeb < 0)
		return -EINVAL;
	*total = (uint64_t)size;
	*free_bytes = (uint64_t)freeb;
	return 0;
}

static bool in_list(const char *list, int n)
{
	const char *p = list;

	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (n >= a && n <= b)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return false;
}

SVM_EXPORT int svm_node_get_memory_tier(struct svm_ctx *ctx, int node)
{
	char dir[PATH_MAX], p[PATH_MAX], buf[256];
	char **names;
	int n, tier = -1;

	sysfs_path(ctx, dir, sizeof(dir), "sys/devices/virtual/memory_tiering");
	n = list_dir(ctx, dir, "memory_tier", &names);
	for (int i = 0; i < n && tier < 0; i++) {
		sysfs_path(ctx, p, sizeof(p), "sys/devices/virtual/memory_tiering/%s/nodelist",
			   names[i]);
		if (!sysfs_read(ctx, p, buf, sizeof(buf)) && in_list(buf, node))
			tier = atoi(names[i] + 11);
	}
	free_names(names, n);
	return tier;
}

SVM_EXPORT const char *svm_get_auto_online_blocks(struct svm_ctx *ctx)
{
	static __thread char buf[32];
	char p[PATH_MAX];

	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/auto_online_blocks");
	if (sysfs_read(ctx, p, buf, sizeof(buf)))
		return NULL;
	return buf;
}

SVM_EXPORT uint64_t svm_get_memblock_size(struct svm_ctx *ctx)
{
	char p[PATH_MAX], buf[64];

	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/block_size_bytes");
	if (sysfs_read(ctx, p, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 16);
}

/* Loaded, live or coming up, or built in (libkmod reads /sys/module/NAME/initstate). */
SVM_EXPORT bool svm_module_is_loaded(struct svm_ctx *ctx, const char *name)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *kctx;
	int state = -ENOENT;

	(void)ctx;
	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return false;
	if (!kmod_module_new_from_name(kctx, name, &mod)) {
		state = kmod_module_get_initstate(mod);
		kmod_module_unref(mod);
	}
	kmod_unref(kctx);
	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING ||
	       state == KMOD_MODULE_BUILTIN;
}

/* refresh and free */

/*
 * Re-read every list that was read, into the same objects: a caller's pointers stay
 * valid (libcxl's model). Lazily read parts (a region's dax device, its memory blocks)
 * are re-read where they had been read.
 */
SVM_EXPORT void svm_invalidate(struct svm_ctx *ctx)
{
	/* libcxl has no refresh: a new context reads sysfs again */
	svm_cxl_drop(ctx);
	if (ctx->decoders_read)
		read_decoders(ctx);
	if (ctx->memdevs_read)
		read_memdevs(ctx);
	if (ctx->regions_read)
		read_regions(ctx);
	if (ctx->pools_read)
		svm_pools_read(ctx);
}

#define free_list(head, fn) do { \
	while (head) { \
		__typeof__(head) __n = (head)->next; \
		fn(head); \
		(head) = __n; \
	} \
} while (0)

static void free_dax(struct svm_dax *dax)
{
	free_list(dax->blocks, free);
	free_list(dax->gone_blocks, free);
	free(dax);
}

static void free_region(struct svm_region *r)
{
	if (r->dax)
		free_dax(r->dax);
	free(r);
}

/* the last svm_unref(): every object, live or gone */
void svm_free_objects(struct svm_ctx *ctx)
{
	free_list(ctx->memdevs, free);
	free_list(ctx->gone.memdevs, free);
	free_list(ctx->decoders, free);
	free_list(ctx->gone.decoders, free);
	free_list(ctx->regions, free_region);
	free_list(ctx->gone.regions, free_region);
	free_list(ctx->gone.dax, free_dax);
	free_list(ctx->pools, free);
	free_list(ctx->gone.pools, free);
}
