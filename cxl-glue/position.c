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
 * of 2 (switch decoders cannot do x3). The route of each memdev comes from the CXL port
 * tree in sysfs: the endpoint's ancestors (portN directories up to rootN) and, in each,
 * the dportN link that is an ancestor of the memdev's device.
 */
#include <dirent.h>
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

/* The dport of port directory @port (a real path) that leads to @dev, into @key. */
static int find_dport(const char *port, const char *dev, char *key, size_t len)
{
	char p[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(port);
	int rc = -ENXIO;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t n;

		if (strncmp(de->d_name, "dport", 5))
			continue;
		snprintf(p, sizeof(p), "%s/%s", port, de->d_name);
		if (!realpath(p, real))
			continue;
		n = strlen(real);
		if (!strncmp(dev, real, n) && dev[n] == '/') {
			snprintf(key, len, "%s/%s", strrchr(port, '/') + 1, de->d_name);
			rc = 0;
			break;
		}
	}
	closedir(d);
	return rc;
}

static int route_of(struct svm_ctx *ctx, struct svm_root_decoder *root, struct svm_memdev *m,
		    struct route *rt)
{
	char p[PATH_MAX], dev[PATH_MAX], ep[PATH_MAX];
	char *ports[MAX_DEPTH], *slash;
	int n = 0, rc;

	memset(rt, 0, sizeof(*rt));
	rt->m = m;
	rt->hb = -1;
	for (int i = 0; i < root->nr_targets; i++)
		if (!strcmp(root->targets[i], m->host_bridge))
			rt->hb = i;
	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s", m->name);
	if (!realpath(p, dev))
		return svm_fail(ctx, -errno, "%s: cannot resolve its device path", m->name);
	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s", m->endpoint);
	if (!realpath(p, ep))
		return svm_fail(ctx, -errno, "%s: cannot resolve %s", m->name, m->endpoint);
	/* the endpoint's ancestors up to (not including) the root port object */
	for (slash = strrchr(ep, '/'); slash; slash = strrchr(ep, '/')) {
		*slash = '\0';
		slash = strrchr(ep, '/');
		if (!slash || !strncmp(slash + 1, "root", 4))
			break;
		if (strncmp(slash + 1, "port", 4))
			return svm_fail(ctx, -ENXIO, "%s: unexpected CXL port tree above %s",
					m->name, m->endpoint);
		if (n == MAX_DEPTH)
			return svm_fail(ctx, -E2BIG, "%s: more than %d CXL ports deep", m->name,
					MAX_DEPTH);
		ports[n++] = strdup(ep);
		if (!ports[n - 1]) {
			n--;
			rc = -ENOMEM;
			goto out;
		}
	}
	rt->depth = n;
	rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		/* ports[] runs bottom up, keys top down */
		rc = find_dport(ports[n - 1 - i], dev, rt->key[i], sizeof(rt->key[i]));
		if (rc)
			svm_fail(ctx, rc, "%s: no downstream port of %s leads to it", m->name,
				 strrchr(ports[n - 1 - i], '/') + 1);
	}
out:
	for (int i = 0; i < n; i++)
		free(ports[i]);
	return rc;
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
