// SPDX-License-Identifier: GPL-2.0-only
/* Node masks in the kernel's list format. See nodemask.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodemask.h"

#define NWORDS (SVMD_MAX_NODES / 64)

static bool valid(int node)
{
	return node >= 0 && node < SVMD_MAX_NODES;
}

void svmd_nodemask_set(struct svmd_nodemask *m, int node)
{
	if (valid(node))
		m->w[node / 64] |= 1ULL << (node % 64);
}

void svmd_nodemask_clear(struct svmd_nodemask *m, int node)
{
	if (valid(node))
		m->w[node / 64] &= ~(1ULL << (node % 64));
}

bool svmd_nodemask_test(const struct svmd_nodemask *m, int node)
{
	return valid(node) && (m->w[node / 64] >> (node % 64)) & 1;
}

bool svmd_nodemask_empty(const struct svmd_nodemask *m)
{
	for (int i = 0; i < NWORDS; i++)
		if (m->w[i])
			return false;
	return true;
}

bool svmd_nodemask_equal(const struct svmd_nodemask *a, const struct svmd_nodemask *b)
{
	return !memcmp(a->w, b->w, sizeof(a->w));
}

int svmd_nodemask_weight(const struct svmd_nodemask *m)
{
	int n = 0;

	for (int i = 0; i < NWORDS; i++)
		n += __builtin_popcountll(m->w[i]);
	return n;
}

void svmd_nodemask_and(struct svmd_nodemask *d, const struct svmd_nodemask *a,
		       const struct svmd_nodemask *b)
{
	for (int i = 0; i < NWORDS; i++)
		d->w[i] = a->w[i] & b->w[i];
}

void svmd_nodemask_or(struct svmd_nodemask *d, const struct svmd_nodemask *a,
		      const struct svmd_nodemask *b)
{
	for (int i = 0; i < NWORDS; i++)
		d->w[i] = a->w[i] | b->w[i];
}

void svmd_nodemask_andnot(struct svmd_nodemask *d, const struct svmd_nodemask *a,
			  const struct svmd_nodemask *b)
{
	for (int i = 0; i < NWORDS; i++)
		d->w[i] = a->w[i] & ~b->w[i];
}

/* a decimal node number at *@p, advancing it; -1 if there is none or it is too large */
static int number(const char **p)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v >= SVMD_MAX_NODES)
			return -1;
		(*p)++;
	}
	return (int)v;
}

int svmd_nodemask_parse(const char *s, struct svmd_nodemask *m)
{
	const char *p = s;

	memset(m, 0, sizeof(*m));
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n')
		return 0;
	for (;;) {
		int lo = number(&p), hi = lo;

		if (lo < 0)
			goto bad;
		if (*p == '-') {
			p++;
			hi = number(&p);
			if (hi < lo)
				goto bad;
		}
		for (int n = lo; n <= hi; n++)
			svmd_nodemask_set(m, n);
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	if (!*p)
		return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -EINVAL;
}

char *svmd_nodemask_format(const struct svmd_nodemask *m, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return NULL;
	buf[0] = '\0';
	for (int n = 0; n < SVMD_MAX_NODES; n++) {
		int hi = n;
		int w;

		if (!svmd_nodemask_test(m, n))
			continue;
		while (hi + 1 < SVMD_MAX_NODES && svmd_nodemask_test(m, hi + 1))
			hi++;
		if (hi == n)
			w = snprintf(buf + off, len - off, "%s%d", off ? "," : "", n);
		else
			w = snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", n, hi);
		if (w < 0 || (size_t)w >= len - off)
			return NULL;
		off += (size_t)w;
		n = hi;
	}
	return buf;
}
