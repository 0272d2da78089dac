// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl top [REGION | MEMDEV | POOL]... [--interval SECONDS] [--count N] [--json]
 *
 * Pool use per process, refreshed: for each pool its totals (sysfs used/free, readable
 * by everyone), its region (sysfs region, readable by everyone) and the processes
 * holding its pages, from the module's per-(process, pool) accounting: sysfs
 * poolN/holders ("PID UID PAGES COMM") for root, which lists every user's; for other
 * users, whose holders is closed (0400), SVM_CXL_IOC_USAGE on /dev/svm_cxl, which
 * answers with the processes of the caller's own uid. Without access to the device
 * either, top shows the totals and says so once.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/svm_cxl.h>

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

/* the region a pool is in (sysfs poolN/region, readable by everyone), or NULL */
static const char *pool_region(struct svm_ctx *ctx, int id, char *buf, size_t len)
{
	char p[512];
	FILE *f;

	pool_path(ctx, p, sizeof(p), id, "region");
	f = fopen(p, "re");
	if (!f)
		return NULL;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? buf : NULL;
}

static struct json_object *holder_new(int pid, int uid, const char *comm,
				      unsigned long long pages, bool alive)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "pid", json_object_new_int(pid));
	json_object_object_add(e, "uid", json_object_new_int(uid));
	json_object_object_add(e, "comm", json_object_new_string(comm));
	json_object_object_add(e, "pages", json_object_new_uint64(pages));
	json_object_object_add(e, "alive", json_object_new_boolean(alive));
	return e;
}

/* most pages first */
static void sort_by_pages(struct json_object *a)
{
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
}

/*
 * The caller's own uid's holders of pool @id through SVM_CXL_IOC_USAGE on @fd, as
 * holders() gives them; NULL with errno when the module cannot answer.
 */
static struct json_object *own_holders(int fd, int id, unsigned long long *sum)
{
	struct svm_cxl_usage u;
	struct svm_cxl_usage_entry *e = NULL;
	struct json_object *a;
	uint32_t room = 64;

	for (;;) {
		struct svm_cxl_usage_entry *more = realloc(e, room * sizeof(*e));

		if (!more) {
			free(e);
			return NULL;
		}
		e = more;
		memset(&u, 0, sizeof(u));
		u.size = sizeof(u);
		u.pool_id = (uint32_t)id;
		u.nr_entries = room;
		u.entries = (uintptr_t)e;
		if (ioctl(fd, SVM_CXL_IOC_USAGE, &u)) {
			free(e);
			return NULL;
		}
		/* more processes than room: ask again with enough (they may still grow) */
		if (u.nr_found <= room || room >= SVM_CXL_USAGE_MAX_ENTRIES)
			break;
		room = u.nr_found + 16 > SVM_CXL_USAGE_MAX_ENTRIES ? SVM_CXL_USAGE_MAX_ENTRIES :
		       (uint32_t)u.nr_found + 16;
	}
	a = json_object_new_array();
	*sum = 0;
	for (uint64_t i = 0; i < u.nr_found && i < room; i++) {
		char p[64], comm[64] = "";
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%u/comm", e[i].pid);
		f = fopen(p, "re");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
			comm[strcspn(comm, "\n")] = '\0';
		}
		json_object_array_add(a, holder_new((int)e[i].pid, (int)e[i].uid, comm,
						    e[i].pages,
						    !(e[i].flags & SVM_CXL_USAGE_EXITED)));
		*sum += e[i].pages;
	}
	free(e);
	sort_by_pages(a);
	return a;
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
		char proc[64];
		struct stat st;

		if (sscanf(line, "%d %d %llu %n", &pid, &uid, &pages, &off) < 3 || !off)
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* an owner that exited while a child still maps its pages keeps its line */
		snprintf(proc, sizeof(proc), "/proc/%d", pid);
		json_object_array_add(a, holder_new(pid, uid, line + off, pages, !stat(proc, &st)));
		*sum += pages;
	}
	fclose(f);
	sort_by_pages(a);
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

/*
 * Per-process lines: why there are none, or only the caller's (other users' need
 * root): DENIED_NONE without access to /dev/svm_cxl either, DENIED_OTHERS with it.
 */
enum { DENIED_NOT, DENIED_OTHERS, DENIED_NONE };

static struct json_object *snapshot(struct svm_ctx *ctx, const int *sel, int nsel,
				    int *denied, int *dev_fd)
{
	struct json_object *arr = json_object_new_array();
	struct svm_pool *p;

	svm_invalidate(ctx);
	svm_pool_foreach(ctx, p) {
		int id = svm_pool_get_id(p);
		struct json_object *o, *h;
		unsigned long long held = 0;
		const char *region;
		char name[32], rbuf[64];

		if (!selected(id, sel, nsel))
			continue;
		o = json_object_new_object();
		snprintf(name, sizeof(name), "pool%d", id);
		json_object_object_add(o, "pool", json_object_new_string(name));
		region = pool_region(ctx, id, rbuf, sizeof(rbuf));
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
			json_object_array_add(arr, o);
			continue;
		}
		if (errno != EACCES && errno != EPERM) {
			json_object_array_add(arr, o);
			continue;
		}
		/* not root: the module tells the processes of our own uid */
		if (*dev_fd == -1)
			*dev_fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
		h = *dev_fd >= 0 ? own_holders(*dev_fd, id, &held) : NULL;
		if (h) {
			json_object_object_add(o, "processes", h);
			json_object_object_add(o, "processes_uid", json_object_new_int((int)getuid()));
			if (*denied < DENIED_OTHERS)
				*denied = DENIED_OTHERS;
		} else {
			*denied = DENIED_NONE;
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
		if (json_object_object_get(o, "processes_uid"))
			printf("  processes of uid %d (other users' need root)\n",
			       json_object_get_int(json_object_object_get(o, "processes_uid")));
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
	bool json = false, warned = false, tty;
	int sel[MAX_SEL], nsel = 0, c, denied = DENIED_NOT, dev_fd = -1;
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
		struct json_object *arr = snapshot(ctx, sel, nsel, &denied, &dev_fd);

		if (json)
			printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
		else
			print_text(arr, tty);
		json_object_put(arr);
		if (denied == DENIED_NONE && !warned) {
			fprintf(stderr, "%s %s: per-process use needs root, or access to /dev/%s for your own processes; showing pool totals\n",
				prog, CMD, SVM_CXL_DEVICE_NAME);
			warned = true;
		} else if (denied == DENIED_OTHERS && !warned) {
			fprintf(stderr, "%s %s: other users' processes need root; showing yours\n",
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
	if (dev_fd >= 0)
		close(dev_fd);
	return EXIT_OK;
}
