// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl online | offline | convert */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct mode_args {
	const char *cmd;
	struct svm_online_opts o;
	unsigned int timeout_ms;
	bool have_timeout, verbose, dry_run;
	int nobj;
	char **objs;
};

static int parse_mode_args(int argc, char **argv, struct mode_args *a, bool want_mode)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "zone", required_argument, NULL, 'z' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:z:t:vn", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (strcmp(a->cmd, "offline"))
				return usage_error(a->cmd, "--dry-run applies to offline");
			a->dry_run = true;
			break;
		case 'm':
			if (!want_mode)
				return usage_error(a->cmd, "--mode does not apply to %s", a->cmd);
			if (!strcmp(optarg, "numa"))
				a->o.mode = SVM_MODE_NUMA;
			else if (!strcmp(optarg, "coherent"))
				a->o.mode = SVM_MODE_COHERENT;
			else
				return usage_error(a->cmd, "--mode '%s': expected numa or coherent",
						   optarg);
			break;
		case 'z':
			if (!want_mode)
				return usage_error(a->cmd, "--zone does not apply to %s", a->cmd);
			if (!strcmp(optarg, "movable"))
				a->o.zone = SVM_ZONE_MOVABLE;
			else if (!strcmp(optarg, "normal"))
				a->o.zone = SVM_ZONE_NORMAL;
			else
				return usage_error(a->cmd, "--zone '%s': expected movable or normal",
						   optarg);
			break;
		case 't':
			if (!parse_uint(optarg, &a->timeout_ms) || !a->timeout_ms)
				return usage_error(a->cmd, "--timeout '%s': expected milliseconds > 0",
						   optarg);
			a->have_timeout = true;
			break;
		case 'v':
			a->verbose = true;
			break;
		case ':':
			return usage_error(a->cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(a->cmd, "unknown option '%s'; see 'svm-cxlctl help %s'",
					   argv[optind - 1], a->cmd);
		}
	}
	a->objs = argv + optind;
	a->nobj = argc - optind;
	if (!a->nobj)
		return usage_error(a->cmd, "which region or memdev? e.g. 'svm-cxlctl %s region0%s'",
				   a->cmd, want_mode ? " --mode numa" : "");
	if (want_mode && !a->o.mode)
		return usage_error(a->cmd, "--mode numa or --mode coherent is required");
	if (a->o.zone && a->o.mode != SVM_MODE_NUMA)
		return usage_error(a->cmd, "--zone applies to --mode numa only");
	if (a->have_timeout && want_mode && !strcmp(a->cmd, "online"))
		return usage_error(a->cmd, "--timeout applies to offline and convert");
	return 0;
}

static void print_region(struct svm_ctx *ctx, const char *name)
{
	struct svm_region *r = svm_region_get_by_name(ctx, name);
	struct json_object *o;

	if (!r)
		return;
	o = region_to_json(r, 0);
	print_json(o);
	json_object_put(o);
}

/*
 * The region @a names, or the memdevs to assemble one from (@r NULL). Run once before
 * the lock, so usage errors need no privilege, and again after it, on a fresh model:
 * svm-cxld or another svm-cxlctl may have changed everything while this one waited.
 */
static int resolve_online(struct svm_ctx *ctx, struct mode_args *a, struct svm_memdev **mds,
			  int *nmd_out, struct svm_region **r)
{
	struct svm_region *owner = NULL;
	int in_region = 0, nmd = 0, code = 0;

	*r = NULL;
	*nmd_out = 0;
	if (!strncmp(a->objs[0], "region", 6)) {
		if (a->nobj > 1)
			return usage_error("online", "one region at a time (got %d objects)", a->nobj);
		*r = lookup_region(ctx, "online", a->objs[0], &code);
		return *r ? 0 : code;
	}
	if (a->nobj > 16)
		return usage_error("online", "at most 16 memdevs");
	for (int i = 0; i < a->nobj; i++) {
		if (strncmp(a->objs[i], "mem", 3))
			return usage_error("online", "'%s' is neither a region (regionN) nor a memdev (memN)",
					   a->objs[i]);
		mds[nmd] = svm_memdev_get_by_name(ctx, a->objs[i]);
		if (!mds[nmd]) {
			fprintf(stderr, "%s online: %s: no such memdev; 'svm-cxlctl list -M' shows them\n",
				prog, a->objs[i]);
			return EXIT_NOTFOUND;
		}
		for (int j = 0; j < nmd; j++)
			if (mds[j] == mds[nmd])
				return usage_error("online", "%s named twice", a->objs[i]);
		if (svm_memdev_get_region(mds[nmd])) {
			if (owner && owner != svm_memdev_get_region(mds[nmd]))
				return usage_error("online", "%s and another memdev belong to different regions; online the regions one at a time",
						   a->objs[i]);
			owner = svm_memdev_get_region(mds[nmd]);
			in_region++;
		}
		nmd++;
	}
	if (in_region && in_region != nmd) {
		fprintf(stderr, "%s online: some memdevs already belong to %s and others to no region; online %s, or create a region over the free ones\n",
			prog, svm_region_get_name(owner), svm_region_get_name(owner));
		return EXIT_BUSY;
	}
	*r = owner;
	*nmd_out = nmd;
	return 0;
}

int cmd_online(int argc, char **argv, struct svm_ctx *ctx)
{
	struct mode_args a = { .cmd = "online", .o.struct_size = sizeof(a.o) };
	struct svm_memdev *mds[16];
	struct svm_region *r = NULL;
	char name[32];
	bool created = false;
	int rc, nmd = 0;

	rc = parse_mode_args(argc, argv, &a, true);
	if (rc)
		return rc;
	/* resolve every object before changing anything */
	rc = resolve_online(ctx, &a, mds, &nmd, &r);
	if (rc)
		return rc;
	rc = need_privilege("online");
	if (rc)
		return rc;
	rc = take_lock(ctx, "online", true);
	if (rc)
		return rc;
	rc = r ? cli_hold_region("online", r, svm_mode_name(a.o.mode)) :
		 cli_hold_memdevs("online", mds, nmd, svm_mode_name(a.o.mode));
	if (rc)
		return rc;
	svm_invalidate(ctx);
	rc = resolve_online(ctx, &a, mds, &nmd, &r);
	if (rc)
		return rc;
	if (!r) {
		rc = svm_region_create(ctx, mds, nmd, NULL, &r);
		if (rc)
			return report_failure("online", ctx, rc);
		print_notes(ctx, a.verbose);
		created = true;
	}
	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	rc = svm_region_online(r, &a.o);
	print_notes(ctx, a.verbose);
	if (rc) {
		int code = report_failure("online", ctx, rc);

		if (created) {
			r = svm_region_get_by_name(ctx, name);
			if (r && !svm_region_destroy(r))
				fprintf(stderr, "%s online: %s, created for this request, was destroyed again\n",
					prog, name);
			else
				fprintf(stderr, "%s online: %s, created for this request, could not be destroyed again: %s\n",
					prog, name, r ? svm_get_error(ctx) : "it is gone");
		}
		return code;
	}
	print_region(ctx, name);
	return EXIT_OK;
}

int cmd_offline(int argc, char **argv, struct svm_ctx *ctx)
{
	struct mode_args a = { .cmd = "offline", .o.struct_size = sizeof(a.o) };
	struct svm_region *r;
	char name[32];
	int rc, code = 0;

	rc = parse_mode_args(argc, argv, &a, false);
	if (rc)
		return rc;
	if (a.nobj > 1)
		return usage_error("offline", "one region or memdev at a time (got %d)", a.nobj);
	r = lookup_region(ctx, "offline", a.objs[0], &code);
	if (!r)
		return code;
	if (a.dry_run) {
		struct svm_preflight pf = { .struct_size = sizeof(pf) };
		struct json_object *o;

		svm_region_preflight(r, &pf);
		o = preflight_to_json(r, &pf);
		print_json(o);
		json_object_put(o);
		return pf.can_offline ? EXIT_OK : EXIT_BUSY;
	}
	rc = need_privilege("offline");
	if (rc)
		return rc;
	rc = take_lock(ctx, "offline", false);
	if (!rc)
		rc = cli_hold_region("offline", r, "offline");
	if (rc)
		return rc;
	svm_invalidate(ctx);
	r = lookup_region(ctx, "offline", a.objs[0], &code);
	if (!r)
		return code;
	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	rc = svm_region_offline(r, a.have_timeout ? a.timeout_ms : 0);
	print_notes(ctx, a.verbose);
	if (rc)
		return report_failure("offline", ctx, rc);
	print_region(ctx, name);
	return EXIT_OK;
}

/* convert needs an online region */
static int convertible(struct svm_region *r, const struct mode_args *a)
{
	enum svm_mode cur = svm_region_get_mode(r);

	if (cur == SVM_MODE_NUMA || cur == SVM_MODE_COHERENT || cur == SVM_MODE_NUMA_PARTIAL)
		return 0;
	fprintf(stderr, "%s convert: %s is %s, not online; use 'svm-cxlctl online %s --mode %s'\n",
		prog, svm_region_get_name(r), svm_mode_name(cur), svm_region_get_name(r),
		svm_mode_name(a->o.mode));
	return EXIT_FAIL;
}

int cmd_convert(int argc, char **argv, struct svm_ctx *ctx)
{
	struct mode_args a = { .cmd = "convert", .o.struct_size = sizeof(a.o) };
	struct svm_region *r;
	char name[32];
	int rc, code = 0;

	rc = parse_mode_args(argc, argv, &a, true);
	if (rc)
		return rc;
	if (a.nobj > 1)
		return usage_error("convert", "one region or memdev at a time (got %d)", a.nobj);
	r = lookup_region(ctx, "convert", a.objs[0], &code);
	if (!r)
		return code;
	rc = convertible(r, &a);
	if (rc)
		return rc;
	rc = need_privilege("convert");
	if (rc)
		return rc;
	rc = take_lock(ctx, "convert", true);
	if (!rc)
		rc = cli_hold_region("convert", r, svm_mode_name(a.o.mode));
	if (rc)
		return rc;
	svm_invalidate(ctx);
	r = lookup_region(ctx, "convert", a.objs[0], &code);
	if (!r)
		return code;
	rc = convertible(r, &a);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	rc = svm_region_convert(r, &a.o, a.have_timeout ? a.timeout_ms : 0);
	print_notes(ctx, a.verbose);
	if (rc)
		return report_failure("convert", ctx, rc);
	print_region(ctx, name);
	return EXIT_OK;
}
