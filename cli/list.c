// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl list: the model as JSON, shaped as cxl list shapes it (cxl/list.c,
 * cxl/filter.c): always an array; the objects themselves when one type has something
 * to show, an array of single-key objects ({"memdevs":[...]}, {"regions":[...]}) when
 * several have; "[]" and exit 0 when nothing matches.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter.h"

struct list_params {
	struct list_filter f;
	bool memdevs, regions, decoders, dax, pools, targets, human;
	int verbose;
};

static int check_filter(enum filter_kind kind, const char *opt, const char *value,
			const char *expected)
{
	char bad[128];

	if (!filter_check(kind, value, bad, sizeof(bad)))
		return 0;
	if (!bad[0])
		return usage_error("list", "%s '%s': empty; expected %s", opt, value, expected);
	return usage_error("list", "%s '%s': '%s' is not %s", opt, value, bad, expected);
}

static int parse(int argc, char **argv, struct list_params *p)
{
	static const struct option opts[] = {
		{ "memdevs", no_argument, NULL, 'M' },
		{ "regions", no_argument, NULL, 'R' },
		{ "decoders", no_argument, NULL, 'D' },
		{ "dax", no_argument, NULL, 'X' },
		{ "pools", no_argument, NULL, 'P' },
		{ "memdev", required_argument, NULL, 'm' },
		{ "serial", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' },
		{ "decoder", required_argument, NULL, 'd' },
		{ "targets", no_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "human", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":MRDXPm:s:r:d:Tvu", opts, NULL)) != -1) {
		switch (c) {
		case 'M': p->memdevs = true; break;
		case 'R': p->regions = true; break;
		case 'D': p->decoders = true; break;
		case 'X': p->dax = true; break;
		case 'P': p->pools = true; break;
		case 'T': p->targets = true; break;
		case 'v': p->verbose++; break;
		case 'u': p->human = true; break;
		case 'm':
			p->f.memdev = optarg;
			rc = check_filter(FILTER_MEMDEV, "-m", optarg,
					  "a memdev (memN, N, a PCI address, all)");
			break;
		case 's':
			p->f.serial = optarg;
			rc = check_filter(FILTER_SERIAL, "-s", optarg,
					  "a serial number (decimal or 0x hex)");
			break;
		case 'r':
			p->f.region = optarg;
			rc = check_filter(FILTER_REGION, "-r", optarg, "a region (regionN, N, all)");
			break;
		case 'd':
			p->f.decoder = optarg;
			rc = check_filter(FILTER_DECODER, "-d", optarg,
					  "a decoder (decoderX.Y, X.Y, root, all)");
			break;
		case ':':
			return usage_error("list", "option '%s' needs a value", argv[optind - 1]);
		default:
			return unknown_option("list", argv[optind - 1], opts);
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		return usage_error("list", "unexpected '%s'; filter with -m MEMDEV, -s SERIAL, -r REGION, -d DECODER",
				   argv[optind]);
	return 0;
}

/* cxl's splice_array: nothing for an empty type, a container when several have objects */
static void splice(struct json_object *top, struct json_object *objs, const char *name,
		   bool container)
{
	size_t n = json_object_array_length(objs);

	if (!n) {
		json_object_put(objs);
		return;
	}
	if (container) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, name, objs);
		json_object_array_add(top, c);
		return;
	}
	for (size_t i = 0; i < n; i++)
		json_object_array_add(top, json_object_get(json_object_array_get_idx(objs, i)));
	json_object_put(objs);
}

int cmd_list(int argc, char **argv, struct svm_ctx *ctx)
{
	struct list_params p = { .f.ctx = ctx };
	struct json_object *am, *ad, *ar, *ax, *ap, *top;
	struct svm_root_decoder *d;
	struct svm_memdev *m;
	struct svm_region *r;
	struct svm_pool *pool;
	unsigned long flags = 0;
	int rc, ntypes;

	rc = parse(argc, argv, &p);
	if (rc)
		return rc;
	/* as cxl list: without a type, the filters name the types; without either,
	 * memdevs and regions (and with -v the windows and pools too) */
	if (!p.memdevs && !p.regions && !p.decoders && !p.dax && !p.pools) {
		p.memdevs = p.f.memdev || p.f.serial;
		p.regions = !!p.f.region;
		p.decoders = !!p.f.decoder;
		if (!p.memdevs && !p.regions && !p.decoders) {
			p.memdevs = p.regions = true;
			p.decoders = p.pools = p.verbose > 0;
		}
	}
	if (p.human)
		flags |= JSON_HUMAN;
	if (p.targets || p.verbose >= 1)
		flags |= JSON_TARGETS;
	if (p.verbose >= 1)
		flags |= JSON_VERBOSE;
	if (p.verbose >= 2)
		flags |= JSON_MEMBLOCKS;
	if (p.verbose >= 3)
		flags |= JSON_HOLDERS;

	am = json_object_new_array();
	ad = json_object_new_array();
	ar = json_object_new_array();
	ax = json_object_new_array();
	ap = json_object_new_array();
	if (p.memdevs)
		svm_memdev_foreach(ctx, m)
			if (filter_memdev(m, &p.f))
				json_object_array_add(am, memdev_to_json(m, flags));
	if (p.decoders)
		svm_root_decoder_foreach(ctx, d)
			if (filter_decoder(d, &p.f))
				json_object_array_add(ad, decoder_to_json(d, flags));
	if (p.regions || p.dax)
		svm_region_foreach(ctx, r) {
			struct svm_dax *dax = svm_region_get_dax(r);

			if (p.regions && filter_region(r, &p.f))
				json_object_array_add(ar, region_to_json(r, flags));
			if (p.dax && dax && filter_dax(dax, &p.f))
				json_object_array_add(ax, dax_to_json(dax, flags));
		}
	if (p.pools)
		svm_pool_foreach(ctx, pool)
			if (filter_pool(pool, &p.f))
				json_object_array_add(ap, pool_to_json(pool, flags));

	ntypes = !!json_object_array_length(am) + !!json_object_array_length(ad) +
		 !!json_object_array_length(ar) + !!json_object_array_length(ax) +
		 !!json_object_array_length(ap);
	top = json_object_new_array();
	/* cxl list's order and names; dax devices and pools are ours */
	splice(top, am, "memdevs", ntypes > 1);
	splice(top, ad, "root decoders", ntypes > 1);
	splice(top, ar, "regions", ntypes > 1);
	splice(top, ax, "dax devices", ntypes > 1);
	splice(top, ap, "pools", ntypes > 1);
	if (!ntypes)
		fprintf(stderr, "%s list: warning: no matching devices found\n", prog);
	print_json(top);
	json_object_put(top);
	return EXIT_OK;
}
