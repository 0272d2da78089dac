// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl status: a line per region, and one per svm-cxld placement rule, for people. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "isolate.h"
#include "proto.h"

static void status_line(struct svm_region *r)
{
	struct svm_dax *d = svm_region_get_dax(r);
	struct svm_pool *p = svm_region_get_pool(r);
	char size[32], mds[128] = "", iso[1024], root_msg[256];
	enum svm_mode mode = svm_region_get_mode(r);
	struct svm_preflight pf = { .struct_size = sizeof(pf) };

	for (int i = 0; i < svm_region_get_nr_targets(r); i++) {
		struct svm_memdev *m = svm_region_get_target_memdev(r, i);

		snprintf(mds + strlen(mds), sizeof(mds) - strlen(mds), "%s%s", i ? "," : "",
			 m ? svm_memdev_get_name(m) : "?");
	}
	printf("%-9s %-12s %10s  %d-way  memdevs %s", svm_region_get_name(r),
	       svm_region_is_stale(r) ? "stale" : svm_region_get_mode_name(r),
	       svm_format_size(svm_region_get_size(r), size, sizeof(size)),
	       svm_region_get_ways(r), mds[0] ? mds : "-");
	if (d)
		printf("  %s node %d", svm_dax_get_name(d), svm_dax_get_target_node(d));
	if (mode == SVM_MODE_NUMA || mode == SVM_MODE_NUMA_PARTIAL) {
		svm_region_preflight(r, &pf);
		printf("  blocks %d/%d online (%d movable, %d normal)", pf.nr_online, pf.nr_blocks,
		       pf.nr_movable, pf.nr_normal);
		if (pf.node_total)
			printf("  used %llu MiB", (unsigned long long)((pf.node_total - pf.node_free) >> 20));
		if (pf.nr_procs)
			printf("  %d process(es)", pf.nr_procs);
		if (d && cli_isolation_describe(svm_dax_get_target_node(d), iso, sizeof(iso),
						root_msg, sizeof(root_msg))) {
			printf("  %s", iso);
			if (root_msg[0])
				printf("\n          warning: %s", root_msg);
		}
	}
	if (p)
		printf("  pool%d %s used %llu/%llu pages", svm_pool_get_id(p), svm_pool_get_state(p),
		       (unsigned long long)svm_pool_get_pages_used(p),
		       (unsigned long long)svm_pool_get_pages_total(p));
	printf("\n");
}

static uint64_t count(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

/* svm-cxld's [place] rules and what they did (daemon status), if it runs and has any */
static void placement_lines(void)
{
	struct json_object *o, *pl, *rules, *name, *pool;

	if (svmd_request("{\"cmd\":\"status\"}", &o, NULL, 0))
		return;		/* no daemon, nothing places */
	if (svmd_reply_code(o) == SVMD_OK && json_object_object_get_ex(o, "placement", &pl) &&
	    json_object_object_get_ex(pl, "rules", &rules))
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			struct json_object *r = json_object_array_get_idx(rules, i);
			char size[32];

			if (!json_object_object_get_ex(r, "rule", &name) ||
			    !json_object_object_get_ex(r, "pool", &pool))
				continue;
			printf("place %-12s -> %-9s applied %" PRIu64 " (%s), rate-limited %" PRIu64
			       ", refused %" PRIu64 ", no pool %" PRIu64 "\n",
			       json_object_get_string(name), json_object_get_string(pool),
			       count(r, "applied"),
			       svm_format_size(count(r, "moved_bytes"), size, sizeof(size)),
			       count(r, "rate_limited"), count(r, "refused"), count(r, "no_pool"));
		}
	json_object_put(o);
}

int cmd_status(int argc, char **argv, struct svm_ctx *ctx)
{
	struct svm_region *r;
	int code = 0, n = 0;

	if (argc > 2)
		return usage_error("status", "at most one region");
	if (argc == 2 && argv[1][0] == '-')
		return usage_error("status", "unknown option '%s'", argv[1]);
	if (argc == 2) {
		r = lookup_region(ctx, "status", argv[1], &code);
		if (!r)
			return code;
		status_line(r);
		return EXIT_OK;
	}
	svm_region_foreach(ctx, r) {
		status_line(r);
		n++;
	}
	if (!n)
		printf("no CXL regions; 'svm-cxlctl create-region MEMDEV...' or 'svm-cxlctl online MEMDEV --mode numa'\n");
	placement_lines();
	return EXIT_OK;
}
