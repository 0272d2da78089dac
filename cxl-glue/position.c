// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interleave positions: which memdev goes to which region target, per the kernel's rules
 * (drivers/cxl/core/region.c, 6.12).
 *
 * The root decoder sends position P to its target P % ways (cxlrd->calc_hb). Below it,
 * every port's HDM decoder interleaves over the distinct downstream ports the region
 * uses there, and cxl_port_setup_targets() requires two endpoints that share a
 * downstream port to sit exactly "distance" positions apart, where distance is the
 * product of the ways of every level above (root ways times the nr_targets of each
 * ancestor port). That is a mixed-radix numbering with the root as the least
 * significant digit (cxl_calc_interleave_pos() computes the same for auto-discovered
 * regions):
 *
 *	P = hb + W0 * (dport1 + W1 * (dport2 + ...))
 *
 * so a port whose endpoints hold positions {o + s*i} gives its j-th downstream port
 * the positions {o + s*j + s*k*i}, k being how many of its downstream ports the region
 * uses. A port must split its endpoints evenly, and below the root k must be a power
 * of 2 (switch decoders cannot do x3). The route of each memdev comes from libcxl's port
 * tree: the endpoint's ancestors up to the root and, in each, the downstream port that
 * maps the memdev (cxl_port_get_dport_by_memdev()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define MAX_DEPTH 8

struct route {
	struct svm_memdev *m;
	int hb;				/* window position of its host bridge */
	int depth;			/* ports between the root and the endpoint */
	char key[MAX_DEPTH][64];	/* "portN/dportM" per level, top down */
};

static int route_of(struct svm_ctx *ctx, struct svm_root_decoder *root, struct svm_memdev *m,
		    struct route *rt)
{
	struct cxl_port *ports[MAX_DEPTH], *p;
	struct cxl_endpoint *ep;
	struct cxl_memdev *cm;
	int n = 0;

	memset(rt, 0, sizeof(*rt));
	rt->m = m;
	rt->hb = -1;
	for (int i = 0; i < root->nr_targets; i++)
		if (!strcmp(root->targets[i], m->host_bridge))
			rt->hb = i;
	cm = svm_cxl(ctx) ? svm_cxl_memdev(svm_cxl(ctx), m->name) : NULL;
	ep = cm ? svm_cxl_endpoint(cm) : NULL;
	if (!ep)
		return svm_fail(ctx, -ENXIO, "%s: libcxl finds no endpoint port for it", m->name);
	/* the endpoint's ancestors up to (not including) the root port object */
	for (p = cxl_port_get_parent(cxl_endpoint_get_port(ep)); p && !cxl_port_is_root(p);
	     p = cxl_port_get_parent(p)) {
		if (n == MAX_DEPTH)
			return svm_fail(ctx, -E2BIG, "%s: more than %d CXL ports deep", m->name,
					MAX_DEPTH);
		ports[n++] = p;
	}
	rt->depth = n;
	for (int i = 0; i < n; i++) {
		/* ports[] runs bottom up, keys top down */
		struct cxl_port *port = ports[n - 1 - i];
		struct cxl_dport *dp = cxl_port_get_dport_by_memdev(port, cm);

		if (!dp)
			return svm_fail(ctx, -ENXIO, "%s: no downstream port of %s leads to it",
					m->name, cxl_port_get_devname(port));
		snprintf(rt->key[i], sizeof(rt->key[i]), "%s/dport%d", cxl_port_get_devname(port),
			 cxl_dport_get_id(dp));
	}
	return 0;
}

static int key_cmp(const char *a, const char *b)
{
	return strverscmp(a, b);
}

/*
 * Place @n routes that share every level above @level at positions offset + stride * i.
 * Downstream ports are taken in name order, which is as good as any: the kernel programs
 * a port's target list in the order the region's targets first reach each one.
 */
static int place(struct svm_ctx *ctx, struct route **rts, int n, int level, int offset,
		 int stride, struct svm_memdev **out)
{
	struct route *grouped[SVM_MAX_TARGETS];
	const char *keys[SVM_MAX_TARGETS];
	int k = 0, per, g = 0, rc;

	if (n == 1) {
		out[offset] = rts[0]->m;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		int j;

		if (level >= rts[i]->depth)
			return svm_fail(ctx, -EINVAL, "%s: shares its CXL port with %s",
					rts[i]->m->name, rts[i ? 0 : 1]->m->name);
		for (j = 0; j < k && strcmp(keys[j], rts[i]->key[level]); j++)
			;
		if (j == k) {
			/* insertion in name order */
			while (j > 0 && key_cmp(keys[j - 1], rts[i]->key[level]) > 0) {
				keys[j] = keys[j - 1];
				j--;
			}
			keys[j] = rts[i]->key[level];
			k++;
		}
	}
	per = n / k;
	if (k & (k - 1))
		return svm_fail(ctx, -EINVAL,
				"%s and the others under %.*s use %d of its downstream ports; a CXL switch or host bridge interleaves over 1, 2, 4 or 8",
				rts[0]->m->name, (int)strcspn(keys[0], "/"), keys[0], k);
	for (int j = 0; j < k; j++) {
		int c = 0;

		for (int i = 0; i < n; i++)
			if (!strcmp(rts[i]->key[level], keys[j]))
				grouped[g + c++] = rts[i];
		if (c != per)
			return svm_fail(ctx, -EINVAL,
					"%d memdev(s) below %s but %d below another downstream port of the same port: an interleave needs the same number under each",
					c, keys[j], per);
		rc = place(ctx, grouped + g, c, level + 1, offset + stride * j, stride * k, out);
		if (rc)
			return rc;
		g += c;
	}
	return 0;
}

int svm_order_targets(struct svm_ctx *ctx, struct svm_root_decoder *root,
		      struct svm_memdev **mds, int nr, struct svm_memdev **out)
{
	struct route *rts = calloc(nr, sizeof(*rts)), *group[SVM_MAX_TARGETS];
	unsigned int ways = root->ways ? root->ways : 1;
	int rc = 0;

	if (!rts)
		return svm_fail(ctx, -ENOMEM, "out of memory");
	if (nr > SVM_MAX_TARGETS || nr % (int)ways) {
		rc = svm_fail(ctx, -EINVAL, "%d memdevs do not divide over the %u-way window %s",
			      nr, ways, root->name);
		goto out;
	}
	for (int i = 0; i < nr && !rc; i++) {
		rc = route_of(ctx, root, mds[i], &rts[i]);
		if (!rc && rts[i].hb < 0)
			rc = svm_fail(ctx, -ENXIO, "%s: window %s does not reach its host bridge %s",
				      mds[i]->name, root->name, mds[i]->host_bridge);
	}
	/* the root level: host bridge of position P is window target P % ways */
	for (unsigned int t = 0; t < ways && !rc; t++) {
		int c = 0;

		for (int i = 0; i < nr; i++)
			if (rts[i].hb == (int)(t % root->nr_targets))
				group[c++] = &rts[i];
		if (c != nr / (int)ways) {
			rc = svm_fail(ctx, -EINVAL,
				      "%d memdev(s) below host bridge %s, %d needed for a %d-way region on the %u-way window %s",
				      c, root->targets[t % root->nr_targets], nr / (int)ways, nr,
				      ways, root->name);
			break;
		}
		rc = place(ctx, group, c, 0, t, ways, out);
	}
out:
	free(rts);
	return rc;
}
