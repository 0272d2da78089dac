// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl plan: what the policy would do to the current topology. Changes nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "place.h"
#include "policy.h"

#include "svm-cxl-config.h"

#define DEFAULT_POLICY SVM_CXL_POLICY_FILE

/* what the daemon would do to a region (or free memdev) in @cur for @d */
static const char *action(const struct svm_policy_decision *d, struct svm_region *r)
{
	enum svm_mode cur = r ? svm_region_get_mode(r) : SVM_MODE_UNKNOWN;

	if (d->mode == SVM_POLICY_MODE_IGNORE)
		return "leave alone";
	if (!r)
		return "assemble a region and online it";
	if (svm_region_is_stale(r))
		return "none: stale region (its device is gone)";
	if (cur == SVM_MODE_COHERENT || cur == SVM_MODE_NUMA || cur == SVM_MODE_NUMA_PARTIAL)
		return (cur == SVM_MODE_COHERENT) == (d->mode == SVM_POLICY_MODE_COHERENT) &&
		       d->mode != SVM_POLICY_MODE_DEVDAX ?
		       "none: already online in this mode" :
		       "none: online in another mode (svm-cxlctl convert changes it)";
	if (d->mode == SVM_POLICY_MODE_DEVDAX)
		return cur == SVM_MODE_DEVDAX ? "none: already devdax" : "bind to device_dax";
	return "online";
}

static struct json_object *plan_entry(struct svm_ctx *ctx, struct svm_memdev **mds, int nr,
				      struct svm_region *r, const struct svm_policy *pol)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct svm_policy_subject s;
	struct svm_policy_decision d;

	svmd_subject(ctx, mds, nr, r, &s);
	svm_policy_decide(pol, &s, &d);
	for (int i = 0; i < nr; i++)
		json_object_array_add(a, json_object_new_string(svm_memdev_get_name(mds[i])));
	json_object_object_add(o, "memdevs", a);
	a = json_object_new_array();
	for (int i = 0; i < nr; i++)
		json_object_array_add(a, json_object_new_uint64(svm_memdev_get_serial(mds[i])));
	json_object_object_add(o, "serials", a);
	if (r) {
		json_object_object_add(o, "region", json_object_new_string(svm_region_get_name(r)));
		json_object_object_add(o, "current",
				       json_object_new_string(svm_region_get_mode_name(r)));
	}
	json_object_object_add(o, "size", json_object_new_uint64(s.size));
	json_object_object_add(o, "class", json_object_new_string(svm_policy_class_name(s.class)));
	json_object_object_add(o, "mode", json_object_new_string(svm_policy_mode_name(d.mode)));
	if (d.mode == SVM_POLICY_MODE_NUMA)
		json_object_object_add(o, "zone", json_object_new_string(svm_policy_zone_name(d.zone)));
	json_object_object_add(o, "rule", json_object_new_string(d.rule));
	json_object_object_add(o, "action", json_object_new_string(action(&d, r)));
	return o;
}

struct place_plan {
	struct svm_ctx *ctx;
	struct json_object *list;
	struct svmd_place_range ranges[256];
};

/* One process a [place] rule matches: what a pass would move, as the daemon's would. */
static int place_entry(const struct svm_place_rule *r, const struct svmd_proc *p, void *data)
{
	struct place_plan *pp = data;
	struct json_object *o = json_object_new_object();
	struct svm_pool *pool = NULL;
	struct svm_region *reg;
	uint64_t pages = 0;
	int nr;

	svm_region_foreach(pp->ctx, reg)
		if (!strcmp(svm_region_get_name(reg), r->region))
			pool = svm_region_get_pool(reg);
	json_object_object_add(o, "rule", json_object_new_string(r->name));
	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_object_object_add(o, "comm", json_object_new_string(p->comm));
	json_object_object_add(o, "exe", json_object_new_string(p->exe));
	json_object_object_add(o, "uid", json_object_new_int64(p->uid));
	json_object_object_add(o, "cgroup", json_object_new_string(p->cgroup));
	json_object_object_add(o, "region", json_object_new_string(r->region));
	if (!pool) {
		json_object_object_add(o, "action", json_object_new_string(
			"none: the region has no coherent pool"));
		goto out;
	}
	json_object_object_add(o, "pool", json_object_new_int(svm_pool_get_id(pool)));
	nr = svmd_place_ranges("/proc", p->pid, r, svm_pool_get_start(pool), svm_pool_get_size(pool),
			       pp->ranges, 256, &pages);
	if (nr < 0) {
		json_object_object_add(o, "action", json_object_new_string(
			nr == -ENOENT ? "none: the process has exited" : "none: its memory map cannot be read"));
		goto out;
	}
	json_object_object_add(o, "pages", json_object_new_uint64(pages));
	json_object_object_add(o, "bytes", json_object_new_uint64(pages * sysconf(_SC_PAGESIZE)));
	json_object_object_add(o, "action", json_object_new_string(
		pages ? "move to the pool" : "none: already there"));
out:
	json_object_array_add(pp->list, o);
	return 0;
}

/*
 * The policy at @path, or NULL with a message and *@code: a missing file is a named object
 * that does not exist (3), an unreadable one a failure (1); a file that does not parse is
 * a bad argument when named on the command line (2), a failure otherwise (1).
 */
static struct svm_policy *load_policy(const char *path, bool explicit, int *code)
{
	struct svm_policy *pol;
	char err[1024], *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *mem;
	int e = errno;

	if (!f) {
		fprintf(stderr, "%s plan: %s: %s\n", prog, path, strerror(e));
		*code = e == ENOENT ? EXIT_NOTFOUND : EXIT_FAIL;
		return NULL;
	}
	mem = open_memstream(&text, &len);
	if (mem) {
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, mem);
		fclose(mem);
	}
	if (!mem || ferror(f)) {
		fprintf(stderr, "%s plan: %s: read error\n", prog, path);
		fclose(f);
		free(text);
		*code = EXIT_FAIL;
		return NULL;
	}
	fclose(f);
	pol = svm_policy_parse(text, path, err, sizeof(err));
	free(text);
	if (!pol) {
		fprintf(stderr, "%s plan: %s\n", prog, err);
		*code = explicit ? EXIT_USAGE : EXIT_FAIL;
	}
	return pol;
}

int cmd_plan(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("SVM_CXLD_POLICY") ? getenv("SVM_CXLD_POLICY") : DEFAULT_POLICY;
	bool explicit = false;
	struct svm_policy *pol;
	struct json_object *out, *list;
	struct svm_memdev *m;
	struct svm_region *r;
	int c, code = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			path = optarg;
			explicit = true;
			break;
		case ':':
			return usage_error("plan", "option '%s' needs a value", argv[optind - 1]);
		default:
			return unknown_option("plan", argv[optind - 1], opts);
		}
	}
	if (optind < argc)
		return usage_error("plan", "unexpected argument '%s'", argv[optind]);
	if (!explicit && access(path, F_OK)) {
		pol = svm_policy_default();
		path = NULL;
	} else {
		pol = load_policy(path, explicit, &code);
		if (!pol)
			return code;
	}
	out = json_object_new_object();
	json_object_object_add(out, "policy", json_object_new_string(path ? path : "built-in defaults"));
	list = json_object_new_array();
	/* regions first (their memdevs), then memdevs without a region */
	svm_region_foreach(ctx, r) {
		struct svm_memdev *mds[16];
		int nr = 0;

		for (int i = 0; i < svm_region_get_nr_targets(r) && nr < 16; i++)
			if (svm_region_get_target_memdev(r, i))
				mds[nr++] = svm_region_get_target_memdev(r, i);
		json_object_array_add(list, plan_entry(ctx, mds, nr, r, pol));
	}
	svm_memdev_foreach(ctx, m) {
		if (svm_memdev_get_region(m) || !svm_memdev_get_ram_size(m))
			continue;
		json_object_array_add(list, plan_entry(ctx, &m, 1, NULL, pol));
	}
	json_object_object_add(out, "plan", list);
	if (svm_policy_place_count(pol)) {
		struct place_plan *pp = calloc(1, sizeof(*pp));

		if (pp) {
			pp->ctx = ctx;
			pp->list = json_object_new_array();
			svmd_place_scan("/proc", pol, place_entry, pp);
			json_object_object_add(out, "place", pp->list);
			free(pp);
		}
	}
	print_json(out);
	json_object_put(out);
	svm_policy_free(pol);
	return EXIT_OK;
}
