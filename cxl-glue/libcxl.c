// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libcxl side: contexts whose log goes to ours, and lookups by name.
 *
 * The model (model.c) keeps names, never libcxl objects: a libcxl context caches what it
 * read and has no refresh, so svm_invalidate() drops it and the next read opens a new
 * one. An operation (region.c) opens a context of its own, finds its objects by name in
 * it and drops it at the end, so nothing the caller holds points into a stale context.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static void log_cxl(struct cxl_ctx *cctx, int prio, const char *file, int line,
		    const char *fn, const char *fmt, va_list ap)
{
	svm_log_lib(cxl_get_userdata(cctx), "libcxl", prio, file, line, fn, fmt, ap);
}

int svm_cxl_open(struct svm_ctx *ctx, struct cxl_ctx **out)
{
	struct cxl_ctx *cctx;
	int rc = cxl_new(&cctx);

	if (rc)
		return svm_fail(ctx, rc, "libcxl: cannot create a context: %s", strerror(-rc));
	cxl_set_userdata(cctx, ctx);
	cxl_set_log_fn(cctx, log_cxl);
	cxl_set_log_priority(cctx, svm_lib_log_priority(ctx, "CXL_LOG",
							  cxl_get_log_priority(cctx)));
	*out = cctx;
	return 0;
}

/* The context model reads share until the next svm_invalidate(); NULL if none. */
struct cxl_ctx *svm_cxl(struct svm_ctx *ctx)
{
	if (!ctx->cxl && svm_cxl_open(ctx, &ctx->cxl))
		ctx->cxl = NULL;
	return ctx->cxl;
}

void svm_cxl_drop(struct svm_ctx *ctx)
{
	cxl_unref(ctx->cxl);
	ctx->cxl = NULL;
}

struct cxl_memdev *svm_cxl_memdev(struct cxl_ctx *cctx, const char *name)
{
	struct cxl_memdev *m;

	cxl_memdev_foreach(cctx, m)
		if (!strcmp(cxl_memdev_get_devname(m), name))
			return m;
	return NULL;
}

struct cxl_region *svm_cxl_region(struct cxl_ctx *cctx, const char *name)
{
	struct cxl_bus *bus;
	struct cxl_decoder *d;
	struct cxl_region *r;

	cxl_bus_foreach(cctx, bus)
		cxl_decoder_foreach(cxl_bus_get_port(bus), d)
			cxl_region_foreach(d, r)
				if (!strcmp(cxl_region_get_devname(r), name))
					return r;
	return NULL;
}

/*
 * The endpoint port of @m. cxl_memdev_get_endpoint() answers only while cxl_mem is bound
 * to the memdev; the driver core drops that link before it tells anyone of the unbind,
 * and svm_cxl's unbind notifier asks svm-cxld to offline the memdev's memory right then,
 * while its endpoint port and region are still there. So the port tree is searched for
 * an endpoint whose upstream port is @m when libcxl's answer is none.
 */
struct cxl_endpoint *svm_cxl_endpoint(struct cxl_memdev *m)
{
	struct cxl_endpoint *ep = cxl_memdev_get_endpoint(m);
	const char *name = cxl_memdev_get_devname(m);
	struct cxl_bus *bus;

	if (ep)
		return ep;
	cxl_bus_foreach(cxl_memdev_get_ctx(m), bus) {
		struct cxl_port *top = cxl_bus_get_port(bus), *port = top;

		do {
			cxl_endpoint_foreach(port, ep)
				if (!strcmp(cxl_endpoint_get_host(ep), name))
					return ep;
			port = cxl_port_get_next_all(port, top);
		} while (port);
	}
	return NULL;
}

/* The port right below the CXL root on @m's path: its uport is the host bridge. */
struct cxl_port *svm_cxl_host_bridge_port(struct cxl_memdev *m)
{
	struct cxl_endpoint *ep = svm_cxl_endpoint(m);
	struct cxl_port *p = ep ? cxl_endpoint_get_port(ep) : NULL;

	while (p && cxl_port_get_parent(p) && !cxl_port_is_root(cxl_port_get_parent(p)))
		p = cxl_port_get_parent(p);
	return p && !cxl_port_is_root(p) && cxl_port_get_parent(p) ? p : NULL;
}
