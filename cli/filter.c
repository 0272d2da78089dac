// SPDX-License-Identifier: GPL-2.0-only
/*
 * list's filters. Words as cxl list takes them (cxl/filter.c): "all", the kernel name,
 * the id (mem0 = 0, decoder0.1 = 0.1), a memdev's PCI address; several words separated
 * by spaces or commas match any of them. Unlike cxl list, which narrows regions only to
 * the CXL root that hosts a memdev, a memdev filter selects the regions that map it and
 * a region filter the memdevs it maps: the question an operator asks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

#define SEP " ,"

/* @s is a non-empty run of decimal digits; its value in @v */
static bool number(const char *s, unsigned long long *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* "memN" with prefix "mem": N */
static bool prefixed_number(const char *s, const char *prefix, unsigned long long *v)
{
	size_t n = strlen(prefix);

	return !strncmp(s, prefix, n) && number(s + n, v);
}

/* "X.Y", optionally after "decoder" */
static bool decoder_id(const char *s, unsigned int *port, unsigned int *id)
{
	char tail;

	if (!strncmp(s, "decoder", 7))
		s += 7;
	if (!isdigit((unsigned char)s[0]))
		return false;
	return sscanf(s, "%u.%u%c", port, id, &tail) == 2 && strchr(s, '.') &&
	       isdigit((unsigned char)strchr(s, '.')[1]);
}

static bool serial_word(const char *s, unsigned long long *v)
{
	char *end;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)) {
		if (!isxdigit((unsigned char)s[2]))
			return false;
		errno = 0;
		*v = strtoull(s + 2, &end, 16);
		return !errno && !*end;
	}
	return number(s, v);
}

/* a PCI address as the kernel names devices: DDDD:BB:DD.F */
static bool pci_address(const char *s)
{
	unsigned int d, b, dev, fn;
	char tail;

	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &dev, &fn, &tail) == 4;
}

static bool word_ok(enum filter_kind kind, const char *w)
{
	unsigned long long v;
	unsigned int p, i;

	if (kind != FILTER_SERIAL && !strcmp(w, "all"))
		return true;
	switch (kind) {
	case FILTER_MEMDEV:
		return number(w, &v) || prefixed_number(w, "mem", &v) || pci_address(w);
	case FILTER_SERIAL:
		return serial_word(w, &v);
	case FILTER_REGION:
		return number(w, &v) || prefixed_number(w, "region", &v);
	case FILTER_DECODER:
		return !strcmp(w, "root") || !strcmp(w, "switch") || !strcmp(w, "endpoint") ||
		       decoder_id(w, &p, &i);
	}
	return false;
}

const char *filter_check(enum filter_kind kind, const char *value, char *bad, size_t len)
{
	char *copy = strdup(value), *save, *w;
	int n = 0;

	if (!copy) {
		snprintf(bad, len, "%s", value);
		return bad;
	}
	for (w = strtok_r(copy, SEP, &save); w; w = strtok_r(NULL, SEP, &save), n++)
		if (!word_ok(kind, w)) {
			snprintf(bad, len, "%s", w);
			free(copy);
			return bad;
		}
	free(copy);
	if (!n) {
		bad[0] = '\0';
		return bad;
	}
	return NULL;
}

/* call @match for each word of @filter until it returns true */
static bool any_word(const char *filter, bool (*match)(const char *w, void *obj), void *obj)
{
	char buf[512], *save, *w;

	snprintf(buf, sizeof(buf), "%s", filter);
	for (w = strtok_r(buf, SEP, &save); w; w = strtok_r(NULL, SEP, &save))
		if (match(w, obj))
			return true;
	return false;
}

static bool memdev_word(const char *w, void *obj)
{
	struct svm_memdev *m = obj;
	unsigned long long v;
	const char *host = svm_memdev_get_host(m);

	if (!strcmp(w, "all") || !strcmp(w, svm_memdev_get_name(m)))
		return true;
	if ((number(w, &v) || prefixed_number(w, "mem", &v)) &&
	    v == (unsigned long long)svm_memdev_get_id(m))
		return true;
	return host && !strcasecmp(w, host);
}

static bool serial_match(const char *w, void *obj)
{
	unsigned long long v;

	return serial_word(w, &v) && v == svm_memdev_get_serial(obj);
}

static bool region_word(const char *w, void *obj)
{
	struct svm_region *r = obj;
	unsigned long long v;

	if (!strcmp(w, "all") || !strcmp(w, svm_region_get_name(r)))
		return true;
	return (number(w, &v) || prefixed_number(w, "region", &v)) &&
	       v == (unsigned long long)svm_region_get_id(r);
}

static bool decoder_word(const char *w, void *obj)
{
	struct svm_root_decoder *d = obj;
	unsigned int p, i, dp, di;

	/* the library models root decoders (CXL windows) only */
	if (!strcmp(w, "all") || !strcmp(w, "root") || !strcmp(w, svm_root_decoder_get_name(d)))
		return true;
	return decoder_id(w, &p, &i) && decoder_id(svm_root_decoder_get_name(d), &dp, &di) &&
	       p == dp && i == di;
}

/* the memdev's own filters: -m and -s */
static bool memdev_self(struct svm_memdev *m, const struct list_filter *f)
{
	if (f->memdev && !any_word(f->memdev, memdev_word, m))
		return false;
	return !f->serial || any_word(f->serial, serial_match, m);
}

static bool region_self(struct svm_region *r, const struct list_filter *f)
{
	return !f->region || any_word(f->region, region_word, r);
}

static bool decoder_self(struct svm_root_decoder *d, const struct list_filter *f)
{
	return !f->decoder || any_word(f->decoder, decoder_word, d);
}

static bool region_maps(struct svm_region *r, struct svm_memdev *m)
{
	for (int i = 0; i < svm_region_get_nr_targets(r); i++)
		if (svm_region_get_target_memdev(r, i) == m)
			return true;
	return false;
}

/* the window routes to @m: one of its targets is @m's host bridge */
static bool decoder_reaches(struct svm_root_decoder *d, struct svm_memdev *m)
{
	const char *hb = svm_memdev_get_host_bridge(m);

	for (int i = 0; hb && i < svm_root_decoder_get_nr_targets(d); i++)
		if (!strcmp(svm_root_decoder_get_target(d, i), hb))
			return true;
	return false;
}

bool filter_memdev(struct svm_memdev *m, const struct list_filter *f)
{
	struct svm_root_decoder *d;
	struct svm_region *r;
	bool hit;

	if (!memdev_self(m, f))
		return false;
	if (f->region) {
		hit = false;
		svm_region_foreach(f->ctx, r)
			if (region_self(r, f) && region_maps(r, m)) {
				hit = true;
				break;
			}
		if (!hit)
			return false;
	}
	if (f->decoder) {
		hit = false;
		svm_root_decoder_foreach(f->ctx, d)
			if (decoder_self(d, f) && decoder_reaches(d, m)) {
				hit = true;
				break;
			}
		if (!hit)
			return false;
	}
	return true;
}

bool filter_region(struct svm_region *r, const struct list_filter *f)
{
	struct svm_root_decoder *root;

	if (!region_self(r, f))
		return false;
	if (f->memdev || f->serial) {
		bool hit = false;

		for (int i = 0; !hit && i < svm_region_get_nr_targets(r); i++) {
			struct svm_memdev *m = svm_region_get_target_memdev(r, i);

			hit = m && memdev_self(m, f);
		}
		if (!hit)
			return false;
	}
	root = svm_region_get_root_decoder(r);
	return !f->decoder || (root && decoder_self(root, f));
}

bool filter_decoder(struct svm_root_decoder *d, const struct list_filter *f)
{
	struct svm_memdev *m;
	struct svm_region *r;
	bool hit;

	if (!decoder_self(d, f))
		return false;
	if (f->memdev || f->serial) {
		hit = false;
		svm_memdev_foreach(f->ctx, m)
			if (memdev_self(m, f) && decoder_reaches(d, m)) {
				hit = true;
				break;
			}
		if (!hit)
			return false;
	}
	if (f->region) {
		hit = false;
		svm_region_foreach(f->ctx, r)
			if (region_self(r, f) && svm_region_get_root_decoder(r) == d) {
				hit = true;
				break;
			}
		if (!hit)
			return false;
	}
	return true;
}

static bool any_filter(const struct list_filter *f)
{
	return f->memdev || f->serial || f->region || f->decoder;
}

bool filter_dax(struct svm_dax *d, const struct list_filter *f)
{
	struct svm_region *r = svm_dax_get_region(d);

	return !any_filter(f) || (r && filter_region(r, f));
}

bool filter_pool(struct svm_pool *p, const struct list_filter *f)
{
	struct svm_region *r;

	if (!any_filter(f))
		return true;
	/* a pool is selected through the region it covers; a pool of another range (no
	 * region) only by an unfiltered list */
	svm_region_foreach(f->ctx, r)
		if (svm_region_get_pool(r) == p)
			return filter_region(r, f);
	return false;
}
