// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl create-region | destroy-region */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* After the lock: a fresh model, the same memdevs and window by name. */
static int relookup_memdevs(struct svm_ctx *ctx, char **names, int n, struct svm_memdev **mds,
			    struct svm_region_opts *ro)
{
	char root[32] = "";

	if (ro->root)
		snprintf(root, sizeof(root), "%s", svm_root_decoder_get_name(ro->root));
	svm_invalidate(ctx);
	for (int i = 0; i < n; i++) {
		mds[i] = svm_memdev_get_by_name(ctx, names[i]);
		if (!mds[i]) {
			fprintf(stderr, "%s create-region: %s: gone while waiting for the lock\n",
				prog, names[i]);
			return EXIT_NOTFOUND;
		}
	}
	if (root[0]) {
		ro->root = svm_root_decoder_get_by_name(ctx, root);
		if (!ro->root) {
			fprintf(stderr, "%s create-region: %s: gone while waiting for the lock\n",
				prog, root);
			return EXIT_NOTFOUND;
		}
	}
	return 0;
}

int cmd_create_region(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "decoder", required_argument, NULL, 'd' },
		{ "granularity", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct svm_region_opts ro = { .struct_size = sizeof(ro) };
	struct svm_memdev *mds[16];
	struct svm_region *r = NULL;
	struct json_object *o;
	bool verbose = false;
	int c, rc, n = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:d:g:v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (svm_parse_size(optarg, &ro.size) || !ro.size)
				return usage_error("create-region", "--size '%s': expected a size such as 256M or 1G",
						   optarg);
			break;
		case 'd':
			ro.root = svm_root_decoder_get_by_name(ctx, optarg);
			if (!ro.root) {
				fprintf(stderr, "%s create-region: %s: no such root decoder (CXL window); 'svm-cxlctl list -D' shows them\n",
					prog, optarg);
				return EXIT_NOTFOUND;
			}
			break;
		case 'g':
			if (!parse_uint(optarg, &ro.granularity) || !ro.granularity ||
			    (ro.granularity & (ro.granularity - 1)) || ro.granularity < 256 ||
			    ro.granularity > 16384)
				return usage_error("create-region", "--granularity '%s': expected a power of 2 in 256..16384",
						   optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case ':':
			return usage_error("create-region", "option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("create-region", "unknown option '%s'; see 'svm-cxlctl help create-region'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("create-region", "which memdevs? e.g. 'svm-cxlctl create-region mem0 mem1'");
	if (argc - optind > 16)
		return usage_error("create-region", "at most 16 memdevs");
	for (int i = optind; i < argc; i++) {
		if (strncmp(argv[i], "mem", 3))
			return usage_error("create-region", "'%s' is not a memdev (memN)", argv[i]);
		mds[n] = svm_memdev_get_by_name(ctx, argv[i]);
		if (!mds[n]) {
			fprintf(stderr, "%s create-region: %s: no such memdev; 'svm-cxlctl list -M' shows them\n",
				prog, argv[i]);
			return EXIT_NOTFOUND;
		}
		for (int j = 0; j < n; j++)
			if (mds[j] == mds[n])
				return usage_error("create-region", "%s named twice", argv[i]);
		n++;
	}
	rc = need_privilege("create-region");
	if (rc)
		return rc;
	rc = take_lock(ctx, "create-region", true);
	if (!rc)
		rc = cli_hold_memdevs("create-region", mds, n, "offline");
	if (rc)
		return rc;
	/* read the model again: it may have changed while this waited for the lock */
	rc = relookup_memdevs(ctx, argv + optind, n, mds, &ro);
	if (rc)
		return rc;
	rc = svm_region_create(ctx, mds, n, &ro, &r);
	print_notes(ctx, verbose);
	if (rc)
		return report_failure("create-region", ctx, rc);
	if (r) {
		o = region_to_json(r, 0);
		print_json(o);
		json_object_put(o);
	}
	return EXIT_OK;
}

int cmd_destroy_region(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	char names[64][32];
	int c, rc, n = 0, code = 0, failed = 0;
	bool verbose = false, stale = false;
	struct svm_region *r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		if (c == 'v')
			verbose = true;
		else
			return usage_error("destroy-region", "unknown option '%s'; see 'svm-cxlctl help destroy-region'",
					   argv[optind - 1]);
	}
	if (optind >= argc)
		return usage_error("destroy-region", "which region? regionN, 'all' or 'stale'");
	/* check the names now (usage errors need no privilege), collect after the lock */
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "all") || !strcmp(argv[i], "stale"))
			continue;
		if (strncmp(argv[i], "region", 6))
			return usage_error("destroy-region", "'%s' is not a region (regionN, all, stale)",
					   argv[i]);
		if (!lookup_region(ctx, "destroy-region", argv[i], &code))
			return code;
	}
	rc = need_privilege("destroy-region");
	if (rc)
		return rc;
	rc = take_lock(ctx, "destroy-region", false);
	if (rc)
		return rc;
	svm_invalidate(ctx);
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "all") || !strcmp(argv[i], "stale")) {
			bool only_stale = !strcmp(argv[i], "stale");

			stale = true;
			svm_region_foreach(ctx, r) {
				if (only_stale && !svm_region_is_stale(r))
					continue;
				/* pmem (or unknown) regions are ndctl's, never swept up */
				if (strcmp(svm_region_get_type(r), "ram")) {
					fprintf(stderr, "%s destroy-region: %s: skipped, a %s region (not ram)\n",
						prog, svm_region_get_name(r), svm_region_get_type(r));
					continue;
				}
				if (n < 64)
					snprintf(names[n++], 32, "%s", svm_region_get_name(r));
			}
			continue;
		}
		r = lookup_region(ctx, "destroy-region", argv[i], &code);
		if (!r) {
			fprintf(stderr, "%s destroy-region: %s went away while waiting for the lock\n",
				prog, argv[i]);
			failed++;
			continue;
		}
		if (n < 64)
			snprintf(names[n++], 32, "%s", svm_region_get_name(r));
	}
	for (int i = 0; i < n; i++) {
		r = svm_region_get_by_name(ctx, names[i]);
		if (!r)
			continue;
		rc = cli_hold_region("destroy-region", r, "destroyed");
		if (rc)
			return rc;
		rc = svm_region_destroy(r);
		print_notes(ctx, verbose);
		if (rc) {
			code = report_failure("destroy-region", ctx, rc);
			failed++;
		} else {
			printf("destroyed %s\n", names[i]);
		}
	}
	/* stale/all also release DPA that decoders hold without a region */
	if (stale) {
		struct svm_memdev *m;
		char mnames[64][32];
		int nm = 0;

		svm_memdev_foreach(ctx, m)
			if (svm_memdev_get_orphan_dpa(m) && nm < 64)
				snprintf(mnames[nm++], 32, "%s", svm_memdev_get_name(m));
		for (int i = 0; i < nm; i++) {
			m = svm_memdev_get_by_name(ctx, mnames[i]);
			if (!m)
				continue;
			rc = svm_memdev_release_orphan_dpa(m);
			if (rc) {
				code = report_failure("destroy-region", ctx, rc);
				failed++;
			} else {
				printf("released orphaned DPA of %s\n", mnames[i]);
			}
		}
	}
	return failed ? code : EXIT_OK;
}
