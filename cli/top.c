// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl top [REGION | MEMDEV | POOL]... [--interval SECONDS] [--count N] [--json]
 *
 * Pool use per process, refreshed: for each pool its totals (sysfs used/free, readable
 * by everyone) and the processes holding its pages, from the module's per-(process,
 * pool) accounting, sysfs poolN/holders ("PID UID PAGES COMM"). That file is root only
 * (0400) and the module has nothing per process that other users may read, so without
 * root top shows the totals and says so once.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <svmcxl/mem.h>
#include "cli.h"

#define CMD "top"
#define POOLS "sys/devices/virtual/misc/svm_cxl/pools"
#define MAX_SEL 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void pool_path(struct svm_ctx *ctx, char *buf, size_t len, int id, const char *attr)
{
	snprintf(buf, len, "%s" POOLS "/pool%d/%s", svm_get_root(ctx), id, attr);
}

static long long read_ll(struct svm_ctx *ctx, int id, const char *attr)
{
	char p[512];
	long long v = -1;
	FILE *f;

	pool_path(ctx, p, sizeof(p), id, attr);
	f = fopen(p, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* the region a pool is in, from its start and the regions' ranges when they can be
 * read (root), else through libsvmcxl-mem's /proc/iomem lookup (anyone) */
static const char *pool_region(struct svm_ctx *ctx, int id)
{
	struct svm_region *r;

	svm_region_foreach(ctx, r) {
		struct svm_pool *p = svm_region_get_pool(r);

		if ((p && svm_pool_get_id(p) == id) ||
		    svm_mem_pool_lookup(svm_region_get_name(r)) == id)
			return svm_region_get_name(r);
	}
	return NULL;
}

/* the holders of pool @id as a JSON array sorted by pages; NULL with errno if unreadable */
static struct json_object *holders(struct svm_ctx *ctx, int id, unsigned long long *sum)
{
	struct json_object *a;
	char p[512], line[512];
	FILE *f;

	pool_path(ctx, p, sizeof(p), id, "holders");
	f = fopen(p, "re");
	if (!f)
		return NULL;
	a = json_object_new_array();
	*sum = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pages;
		int pid, uid, off = 0;
		struct json_object *e;
		char proc[64];
		struct stat st;

		if (sscanf(line, "%d %d %llu %n", &pid, &uid, &pages, &off) < 3 || !off)
			continue;
		line[strcspn(line, "\n")] = '\0';
		e = json_object_new_object();
		json_object_object_add(e, "pid", json_object_new_int(pid));
		json_object_object_add(e, "uid", json_object_new_int(uid));
		json_object_object_add(e, "comm", json_object_new_string(line + off));
		json_object_object_add(e, "pages", json_object_new_uint64(pages));
		/* an owner that exited while a child still maps its pages keeps its line */
		snprintf(proc, sizeof(proc), "/proc/%d", pid);
		json_object_object_add(e, "alive", json_object_new_boolean(!stat(proc, &st)));
		json_object_array_add(a, e);
		*sum += pages;
	}
	fclose(f);
	/* most pages first */
	for (size_t i = 1; i < json_object_array_length(a); i++)
		for (size_t j = i; j > 0; j--) {
			struct json_object *x = json_object_array_get_idx(a, j - 1);
			struct json_object *y = json_object_array_get_idx(a, j);
			uint64_t px = json_object_get_uint64(json_object_object_get(x, "pages"));
			uint64_t py = json_object_get_uint64(json_object_object_get(y, "pages"));

			if (px >= py)
				break;
			json_object_get(x);
			json_object_get(y);
			json_object_array_put_idx(a, j - 1, y);
			json_object_array_put_idx(a, j, x);
		}
	return a;
}

static bool selected(int id, const int *sel, int nsel)
{
	if (!nsel)
		return true;
	for (int i = 0; i < nsel; i++)
		if (sel[i] == id)
			return true;
	return false;
}

static struct json_object *snapshot(struct svm_ctx *ctx, const int *sel, int nsel,
				    bool *denied)
{
	struct json_object *arr = json_object_new_array();
	struct svm_pool *p;

	svm_invalidate(ctx);
	svm_pool_foreach(ctx, p) {
		int id = svm_pool_get_id(p);
		struct json_object *o, *h;
		unsigned long long held = 0;
		const char *region;
		char name[32];

		if (!selected(id, sel, nsel))
			continue;
		o = json_object_new_object();
		snprintf(name, sizeof(name), "pool%d", id);
		json_object_object_add(o, "pool", json_object_new_string(name));
		region = pool_region(ctx, id);
		if (region)
			json_object_object_add(o, "region", json_object_new_string(region));
		json_object_object_add(o, "node", json_object_new_int(svm_mem_pool_node(id)));
		json_object_object_add(o, "state", json_object_new_string(svm_pool_get_state(p)));
		json_object_object_add(o, "total_pages",
				       json_object_new_uint64(svm_pool_get_pages_total(p)));
		json_object_object_add(o, "used_pages",
				       json_object_new_uint64(svm_pool_get_pages_used(p)));
		if (read_ll(ctx, id, "free") >= 0)
			json_object_object_add(o, "free_pages",
					       json_object_new_uint64(read_ll(ctx, id, "free")));
		h = holders(ctx, id, &held);
		if (h) {
			json_object_object_add(o, "processes", h);
			/* pages no process is charged for: drivers (in-kernel API), pins and
			 * pipes of pages whose owner freed them, migrations in flight */
			json_object_object_add(o, "other_pages", json_object_new_uint64(
				svm_pool_get_pages_used(p) > held ?
				svm_pool_get_pages_used(p) - held : 0));
		} else if (errno == EACCES || errno == EPERM) {
			*denied = true;
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

static uint64_t jget(struct json_object *o, const char *k)
{
	return json_object_get_uint64(json_object_object_get(o, k));
}

static void print_text(struct json_object *arr, bool tty)
{
	size_t n = json_object_array_length(arr);

	if (tty)
		fputs("\033[H\033[J", stdout);
	if (!n)
		printf("no svm_cxl pools\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *h, *r;

		r = json_object_object_get(o, "region");
		printf("%s%s%s  node %d  %s  used %llu of %llu pages (%.1f MiB)\n",
		       json_object_get_string(json_object_object_get(o, "pool")),
		       r ? " in " : "", r ? json_object_get_string(r) : "",
		       json_object_get_int(json_object_object_get(o, "node")),
		       json_object_get_string(json_object_object_get(o, "state")),
		       (unsigned long long)jget(o, "used_pages"),
		       (unsigned long long)jget(o, "total_pages"),
		       jget(o, "used_pages") * 4096.0 / (1 << 20));
		h = json_object_object_get(o, "processes");
		if (!h)
			continue;
		printf("  %8s %6s %10s %9s  %s\n", "PID", "UID", "PAGES", "MiB", "COMMAND");
		for (size_t j = 0; j < json_object_array_length(h); j++) {
			struct json_object *e = json_object_array_get_idx(h, j);

			printf("  %8d %6d %10llu %9.1f  %s%s\n",
			       json_object_get_int(json_object_object_get(e, "pid")),
			       json_object_get_int(json_object_object_get(e, "uid")),
			       (unsigned long long)jget(e, "pages"), jget(e, "pages") * 4096.0 / (1 << 20),
			       json_object_get_string(json_object_object_get(e, "comm")),
			       json_object_get_boolean(json_object_object_get(e, "alive")) ? "" :
			       " (exited; pages still mapped by others)");
		}
		if (jget(o, "other_pages"))
			printf("  %8s %6s %10llu %9.1f  (drivers, pins, in flight)\n", "-", "-",
			       (unsigned long long)jget(o, "other_pages"),
			       jget(o, "other_pages") * 4096.0 / (1 << 20));
	}
	fflush(stdout);
}

int cmd_top(int argc, char **argv, struct svm_ctx *ctx)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int count = 0, seen = 0;
	double interval = 2.0;
	bool json = false, denied = false, warned = false, tty;
	int sel[MAX_SEL], nsel = 0, c;
	char *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			interval = strtod(optarg, &end);
			if (*end || end == optarg || !(interval >= 0.1 && interval <= 3600))
				return usage_error(CMD, "--interval '%s': expected seconds, 0.1 to 3600",
						   optarg);
			break;
		case 'n':
			if (!parse_uint(optarg, &count) || !count)
				return usage_error(CMD, "--count '%s': expected a number > 0", optarg);
			break;
		case 'j':
			json = true;
			break;
		case ':':
			return usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return unknown_option(CMD, argv[optind - 1], opts);
		}
	}
	for (; optind < argc; optind++) {
		const char *name = argv[optind];
		int id, code;

		if (nsel == MAX_SEL)
			return usage_error(CMD, "at most %d objects", MAX_SEL);
		if (strncmp(name, "pool", 4)) {
			struct svm_region *r = lookup_region(ctx, CMD, name, &code);

			if (!r)
				return code;
			name = svm_region_get_name(r);
		}
		id = svm_mem_pool_lookup(name);
		if (id == -EINVAL)
			return usage_error(CMD, "'%s' is neither a region, a memdev nor a pool (poolN)",
					   name);
		if (id < 0) {
			fprintf(stderr, "%s %s: %s has no pool (not online in coherent mode)\n", prog,
				CMD, name);
			return EXIT_NOTFOUND;
		}
		sel[nsel++] = id;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	tty = !json && isatty(STDOUT_FILENO);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		struct json_object *arr = snapshot(ctx, sel, nsel, &denied);

		if (json)
			printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
		else
			print_text(arr, tty);
		json_object_put(arr);
		if (denied && !warned) {
			fprintf(stderr, "%s %s: per-process use needs root (the module's holders files are root only); showing pool totals\n",
				prog, CMD);
			warned = true;
		}
		if (count && ++seen >= count)
			break;
		if (!json && !tty)
			putchar('\n');
		{
			struct timespec ts = { (time_t)interval,
					       (long)((interval - (time_t)interval) * 1e9) };

			while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
	}
	return EXIT_OK;
}
