// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl run --on REGION [--heap | --all] [--threshold SIZE] [--report FILE] [-v]
 *                -- CMD [ARG...]
 *
 * Start CMD with its large allocations on the pool of a coherent region: the preload
 * library libsvmcxl-run.so (mem/preload.c) is put in LD_PRELOAD with the pool and the
 * scope in the environment, then CMD is exec()ed in this process (same pid, its exit
 * status is CMD's). Everything is checked before the exec: the pool exists and is
 * active, /dev/svm_cxl can be opened, the preload library is installed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <svmcxl/mem.h>
#include "cli.h"

#define CMD "run"

static const char *preload_path(void)
{
	const char *p = getenv("SVM_CXL_RUN_PRELOAD");

	return p && *p ? p : SVM_CXL_RUN_PRELOAD;
}

/* open /dev/svm_cxl the way the preload will: 0 or an exit code, with a message */
static int check_device(void)
{
	void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	if (page == MAP_FAILED)
		return EXIT_FAIL;
	rc = svm_mem_where(page, 4096, NULL, NULL);
	munmap(page, 4096);
	if (!rc)
		return 0;
	fprintf(stderr, "%s %s: %s\n", prog, CMD, svm_mem_strerror(rc));
	return rc == -EACCES || rc == -EPERM ? EXIT_PERM :
	       rc == -ENXIO || rc == -EPROTO ? EXIT_UNSUPPORTED : EXIT_FAIL;
}

/* the pool of @name (regionN, memN or poolN): its id, or -exit code with a message */
static int find_pool(struct svm_ctx *ctx, const char *name)
{
	struct svm_region *r = NULL;
	struct svm_pool *p;
	int code, id;

	if (strncmp(name, "pool", 4)) {
		r = lookup_region(ctx, CMD, name, &code);
		if (!r)
			return -code;
		name = svm_region_get_name(r);
	}
	id = svm_mem_pool_lookup(name);
	if (id == -ENOENT) {
		if (r)
			fprintf(stderr, "%s %s: %s is not online in coherent mode (it has no pool); 'svm-cxlctl online %s --mode coherent' makes one\n",
				prog, CMD, name, name);
		else
			fprintf(stderr, "%s %s: %s: no such pool; 'svm-cxlctl list -P' shows them\n",
				prog, CMD, name);
		return -EXIT_NOTFOUND;
	}
	if (id < 0) {
		fprintf(stderr, "%s %s: '%s' is neither a region (regionN), a memdev (memN) nor a pool (poolN)\n",
			prog, CMD, name);
		return -EXIT_USAGE;
	}
	svm_pool_foreach(ctx, p)
		if (svm_pool_get_id(p) == id && strcmp(svm_pool_get_state(p), "active")) {
			fprintf(stderr, "%s %s: pool%d is %s; it takes no pages\n", prog, CMD, id,
				svm_pool_get_state(p));
			return -EXIT_BUSY;
		}
	return id;
}

int cmd_run(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "on", required_argument, NULL, 'o' },
		{ "heap", no_argument, NULL, 'H' },
		{ "all", no_argument, NULL, 'a' },
		{ "threshold", required_argument, NULL, 't' },
		{ "report", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *on = NULL, *scope = NULL, *report = NULL, *old;
	uint64_t threshold = 128 << 10;
	bool verbose = false;
	char buf[64], *preload;
	int c, pool, rc;

	optind = 1;
	opterr = 0;
	/* '+': stop at the first word that is not an option: it starts CMD */
	while ((c = getopt_long(argc, argv, "+:o:t:r:v", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			on = optarg;
			break;
		case 'H':
		case 'a':
			if (scope && strcmp(scope, c == 'a' ? "all" : "heap"))
				return usage_error(CMD, "--heap and --all exclude each other");
			scope = c == 'a' ? "all" : "heap";
			break;
		case 't':
			if (svm_parse_size(optarg, &threshold) || threshold > (1ULL << 62))
				return usage_error(CMD, "--threshold '%s': expected a size such as 64K or 2M",
						   optarg);
			break;
		case 'r':
			report = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case ':':
			return usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return unknown_option(CMD, argv[optind - 1], opts);
		}
	}
	if (!on)
		return usage_error(CMD, "which pool? --on REGION is required");
	if (optind >= argc)
		return usage_error(CMD, "no command to run; 'svm-cxlctl run --on %s -- CMD [ARG...]'",
				   on);
	if (!scope)
		scope = "heap";

	pool = find_pool(ctx, on);
	if (pool < 0)
		return -pool;
	rc = check_device();
	if (rc)
		return rc;
	if (access(preload_path(), R_OK)) {
		fprintf(stderr, "%s %s: %s: %s (the preload library is not installed)\n", prog, CMD,
			preload_path(), strerror(errno));
		return EXIT_UNSUPPORTED;
	}

	snprintf(buf, sizeof(buf), "%d", pool);
	setenv("SVM_CXL_RUN_POOL", buf, 1);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)threshold);
	setenv("SVM_CXL_RUN_THRESHOLD", buf, 1);
	setenv("SVM_CXL_RUN_SCOPE", scope, 1);
	if (report)
		setenv("SVM_CXL_RUN_REPORT", report, 1);
	else
		unsetenv("SVM_CXL_RUN_REPORT");
	/* ours first, then whatever the caller preloads */
	old = getenv("LD_PRELOAD");
	if (asprintf(&preload, "%s%s%s", preload_path(), old && *old ? ":" : "",
		     old ? old : "") < 0)
		return EXIT_FAIL;
	setenv("LD_PRELOAD", preload, 1);
	free(preload);

	if (verbose) {
		struct json_object *o = json_object_new_object(), *cmd = json_object_new_array();

		json_object_object_add(o, "pool", json_object_new_string(
			(snprintf(buf, sizeof(buf), "pool%d", pool), buf)));
		json_object_object_add(o, "node", json_object_new_int(svm_mem_pool_node(pool)));
		json_object_object_add(o, "scope", json_object_new_string(scope));
		json_object_object_add(o, "threshold", json_object_new_uint64(threshold));
		json_object_object_add(o, "preload", json_object_new_string(preload_path()));
		for (int i = optind; i < argc; i++)
			json_object_array_add(cmd, json_object_new_string(argv[i]));
		json_object_object_add(o, "command", cmd);
		fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	fflush(NULL);
	execvp(argv[optind], argv + optind);
	rc = errno;
	fprintf(stderr, "%s %s: %s: %s\n", prog, CMD, argv[optind], strerror(rc));
	/* as env(1), nice(1), timeout(1) */
	return rc == ENOENT ? 127 : 126;
}
