// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl list: the model as JSON, filtered by name, id or "all". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* @filter: NULL (no filter), "all", or space/comma separated names or ids */
static bool match(const char *filter, const char *prefix, const char *name, int id)
{
	char buf[256], *tok, *save;

	if (!filter || !strcmp(filter, "all"))
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char *end;
		long v;

		if (!strcmp(tok, "all") || !strcmp(tok, name))
			return true;
		v = strtol(tok, &end, 10);
		if (!*end && end != tok && v == id && !strncmp(name, prefix, strlen(prefix)))
			return true;
	}
	return false;
}

static bool valid_filter(const char *filter, const char *prefix)
{
	char buf[256], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char *end;

		if (!strcmp(tok, "all") || !strncmp(tok, prefix, strlen(prefix)))
			continue;
		strtol(tok, &end, 10);
		if (*end || end == tok)
			return false;
	}
	return true;
}

int cmd_list(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "memdevs", no_argument, NULL, 'M' },
		{ "regions", no_argument, NULL, 'R' },
		{ "decoders", no_argument, NULL, 'D' },
		{ "dax", no_argument, NULL, 'X' },
		{ "pools", no_argument, NULL, 'P' },
		{ "memdev", required_argument, NULL, 'm' },
		{ "region", required_argument, NULL, 'r' },
		{ "decoder", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "human", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fm = NULL, *fr = NULL, *fd = NULL;
	bool M = false, R = false, D = false, X = false, P = false;
	unsigned long flags = 0;
	int c, verbose = 0, ntypes;
	struct json_object *out, *am = NULL, *ar = NULL, *ad = NULL, *ax = NULL, *ap = NULL;
	struct svm_memdev *m;
	struct svm_region *r;
	struct svm_root_decoder *d;
	struct svm_pool *p;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":MRDXPm:r:d:vu", opts, NULL)) != -1) {
		switch (c) {
		case 'M': M = true; break;
		case 'R': R = true; break;
		case 'D': D = true; break;
		case 'X': X = true; break;
		case 'P': P = true; break;
		case 'm': fm = optarg; M = true; break;
		case 'r': fr = optarg; R = true; break;
		case 'd': fd = optarg; D = true; break;
		case 'v': verbose++; break;
		case 'u': flags |= JSON_HUMAN; break;
		case ':':
			return usage_error("list", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("list", "unknown option '%s'; see 'svm-cxlctl help list'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("list", "unexpected '%s'; filter with -m MEMDEV, -r REGION, -d DECODER",
				   argv[optind]);
	if (fm && !valid_filter(fm, "mem"))
		return usage_error("list", "-m '%s': expected memN, an id, or all", fm);
	if (fr && !valid_filter(fr, "region"))
		return usage_error("list", "-r '%s': expected regionN, an id, or all", fr);
	if (fd && !valid_filter(fd, "decoder"))
		return usage_error("list", "-d '%s': expected decoderX.Y or all", fd);
	if (verbose)
		flags |= JSON_VERBOSE;
	if (!M && !R && !D && !X && !P) {
		M = R = true;
		if (verbose)
			D = P = true;
	}

	if (M) {
		am = json_object_new_array();
		svm_memdev_foreach(ctx, m)
			if (match(fm, "mem", svm_memdev_get_name(m), svm_memdev_get_id(m)))
				json_object_array_add(am, memdev_to_json(m, flags));
	}
	if (D) {
		ad = json_object_new_array();
		svm_root_decoder_foreach(ctx, d)
			if (match(fd, "decoder", svm_root_decoder_get_name(d), -1))
				json_object_array_add(ad, decoder_to_json(d, flags));
	}
	if (R || X) {
		if (R)
			ar = json_object_new_array();
		if (X)
			ax = json_object_new_array();
		svm_region_foreach(ctx, r) {
			if (!match(fr, "region", svm_region_get_name(r), svm_region_get_id(r)))
				continue;
			if (R)
				json_object_array_add(ar, region_to_json(r, flags));
			if (X && svm_region_get_dax(r))
				json_object_array_add(ax, dax_to_json(svm_region_get_dax(r), flags));
		}
	}
	if (P) {
		ap = json_object_new_array();
		svm_pool_foreach(ctx, p)
			json_object_array_add(ap, pool_to_json(p, flags));
	}

	/* a name or id that matched nothing is an error, like any unknown object */
	{
		const char *missing = NULL;

		if (fm && strcmp(fm, "all") && am && !json_object_array_length(am))
			missing = fm;
		else if (fr && strcmp(fr, "all") && ar && !json_object_array_length(ar))
			missing = fr;
		else if (fd && strcmp(fd, "all") && ad && !json_object_array_length(ad))
			missing = fd;
		if (missing) {
			fprintf(stderr, "%s list: '%s' matches nothing; 'svm-cxlctl list -M -R -D' shows what exists\n",
				prog, missing);
			json_object_put(am);
			json_object_put(ar);
			json_object_put(ad);
			json_object_put(ax);
			json_object_put(ap);
			return EXIT_NOTFOUND;
		}
	}

	ntypes = !!am + !!ar + !!ad + !!ax + !!ap;
	if (ntypes == 1) {
		out = am ? am : ar ? ar : ad ? ad : ax ? ax : ap;
	} else {
		out = json_object_new_object();
		if (am)
			json_object_object_add(out, "memdevs", am);
		if (ad)
			json_object_object_add(out, "decoders", ad);
		if (ar)
			json_object_object_add(out, "regions", ar);
		if (ax)
			json_object_object_add(out, "dax", ax);
		if (ap)
			json_object_object_add(out, "pools", ap);
	}
	print_json(out);
	json_object_put(out);
	return EXIT_OK;
}
