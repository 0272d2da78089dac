// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl migrate: move a process's pages to a coherent pool or back to system RAM,
 * migratepages(8) for pools. One SVM_CXL_IOC_MIGRATE_PID call (the kernel checks who
 * may, as for move_pages(2)); the counters it returns are printed as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/svm_cxl.h>

#include "cli.h"

#define CMD "migrate"

struct migrate_args {
	pid_t pid;
	const char *to;
	struct svm_cxl_range ranges[SVM_CXL_MIGRATE_PID_MAX_RANGES];
	unsigned int nr_ranges;
};

/* START-END, hexadecimal (0x...) or decimal, page aligned, START < END. */
static int parse_range(const char *s, struct svm_cxl_range *r)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long a, b;
	char *end;

	errno = 0;
	a = strtoull(s, &end, 0);
	if (errno || end == s || *end != '-' || s[0] == '-')
		return usage_error(CMD, "--range '%s': expected START-END (addresses, as in /proc/PID/maps with 0x)", s);
	s = end + 1;
	b = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return usage_error(CMD, "--range '%s': expected START-END", s);
	if (b <= a)
		return usage_error(CMD, "--range %#llx-%#llx: END must be above START", a, b);
	if (a % page || b % page)
		return usage_error(CMD, "--range %#llx-%#llx: not page aligned (%ld bytes)", a, b,
				   page);
	r->addr = a;
	r->length = b - a;
	return 0;
}

static int parse_args(int argc, char **argv, struct migrate_args *a)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "range", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int pid;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:r:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, &pid) || !pid || pid > INT32_MAX)
				return usage_error(CMD, "--pid '%s': expected a process id", optarg);
			a->pid = pid;
			break;
		case 'r':
			if (a->nr_ranges == SVM_CXL_MIGRATE_PID_MAX_RANGES)
				return usage_error(CMD, "at most %d --range", SVM_CXL_MIGRATE_PID_MAX_RANGES);
			rc = parse_range(optarg, &a->ranges[a->nr_ranges]);
			if (rc)
				return rc;
			a->nr_ranges++;
			break;
		case 't':
			a->to = optarg;
			break;
		case ':':
			return usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return unknown_option(CMD, argv[optind - 1], opts);
		}
	}
	if (optind < argc)
		return usage_error(CMD, "unexpected '%s'; see 'svm-cxlctl help migrate'", argv[optind]);
	if (!a->pid)
		return usage_error(CMD, "--pid PID is required");
	if (!a->to)
		return usage_error(CMD, "--to { REGION | system } is required");
	return 0;
}

/* The pool of --to REGION (regionN or memN), or 0 for "system"; an exit code in *code. */
static int resolve_to(struct svm_ctx *ctx, const char *to, unsigned int *pool_id)
{
	struct svm_region *r;
	struct svm_pool *p;
	int code = 0;

	if (!strcmp(to, "system")) {
		*pool_id = 0;
		return 0;
	}
	r = lookup_region(ctx, CMD, to, &code);
	if (!r)
		return code;
	p = svm_region_get_pool(r);
	if (!p) {
		fprintf(stderr, "%s %s: %s has no pool; 'svm-cxlctl online %s --mode coherent' makes one\n",
			prog, CMD, svm_region_get_name(r), svm_region_get_name(r));
		return EXIT_NOTFOUND;
	}
	*pool_id = svm_pool_get_id(p);
	return 0;
}

static struct json_object *result_to_json(const struct migrate_args *a, unsigned int pool_id,
					  const struct svm_cxl_migrate_pid *m)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

	json_object_object_add(o, "pid", json_object_new_int(a->pid));
	json_object_object_add(o, "to", json_object_new_string(pool_id ? a->to : "system"));
	if (pool_id)
		json_object_object_add(o, "pool", json_object_new_int(pool_id));
	if (a->nr_ranges) {
		struct json_object *ra = json_object_new_array();

		for (unsigned int i = 0; i < a->nr_ranges; i++) {
			struct json_object *r = json_object_new_object();

			snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)a->ranges[i].addr);
			json_object_object_add(r, "start", json_object_new_string(buf));
			snprintf(buf, sizeof(buf), "%#llx",
				 (unsigned long long)(a->ranges[i].addr + a->ranges[i].length));
			json_object_object_add(r, "end", json_object_new_string(buf));
			json_object_array_add(ra, r);
		}
		json_object_object_add(o, "ranges", ra);
	}
#define ADD(field) json_object_object_add(o, #field, json_object_new_uint64(m->field))
	ADD(pages);
	ADD(moved);
	ADD(zero_filled);
	ADD(huge);
	ADD(already);
	ADD(absent);
	ADD(busy);
	ADD(no_memory);
	ADD(other_pool);
	ADD(unsupported);
#undef ADD
	return o;
}

static void print_result(const struct migrate_args *a, unsigned int pool_id,
			 const struct svm_cxl_migrate_pid *m)
{
	struct json_object *o = result_to_json(a, pool_id, m);

	print_json(o);
	json_object_put(o);
}

/* Why the kernel said no, in words, and the exit code for it. */
static int report_errno(const struct migrate_args *a, unsigned int pool_id, int err)
{
	const char *why;
	int code;

	switch (err) {
	case ESRCH:
		why = "no such process (or it has exited)";
		code = EXIT_NOTFOUND;
		break;
	case EPERM:
		why = "not allowed: moving another process's pages needs the right to ptrace it (same user, or CAP_SYS_PTRACE) and CAP_SYS_NICE for another user's process";
		code = EXIT_PERM;
		break;
	case EFAULT:
		why = "a range is not (wholly) mapped in the process";
		code = EXIT_FAIL;
		break;
	case EINVAL:
		why = "refused: a range cannot migrate (PROT_NONE, VM_IO, hugetlb, DAX) or lies outside the process's address space";
		code = EXIT_FAIL;
		break;
	case ENOENT:
		why = "the pool is gone";
		code = EXIT_NOTFOUND;
		break;
	case ENODEV:
		why = "the pool is revoked (its memory went while pages stayed busy)";
		code = EXIT_FAIL;
		break;
	case ENOTTY:
		why = "the loaded svm_cxl module predates ABI 1.3 (no migration by pid)";
		code = EXIT_UNSUPPORTED;
		break;
	default:
		why = strerror(err);
		code = errno_to_exit(-err);
		if (code == EXIT_USAGE)
			code = EXIT_FAIL;
	}
	fprintf(stderr, "%s %s: pid %d to %s: %s\n", prog, CMD, a->pid,
		pool_id ? a->to : "system", why);
	return code;
}

int cmd_migrate(int argc, char **argv, struct svm_ctx *ctx)
{
	struct migrate_args *a = calloc(1, sizeof(*a));
	struct svm_cxl_migrate_pid m = { .size = sizeof(m) };
	unsigned int pool_id = 0;
	int code, fd = -1, pidfd = -1;

	if (!a)
		return EXIT_FAIL;
	code = parse_args(argc, argv, a);
	if (code)
		goto out;
	code = resolve_to(ctx, a->to, &pool_id);
	if (code)
		goto out;

	pidfd = syscall(SYS_pidfd_open, a->pid, 0);
	if (pidfd < 0) {
		code = report_errno(a, pool_id, errno);
		goto out;
	}
	fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "%s %s: /dev/%s: %s%s\n", prog, CMD, SVM_CXL_DEVICE_NAME,
			strerror(err), err == ENOENT ? " (is svm_cxl loaded? 'svm-cxlctl online REGION --mode coherent' loads it)" : "");
		code = err == EACCES || err == EPERM ? EXIT_PERM :
		       err == ENOENT ? EXIT_UNSUPPORTED : EXIT_FAIL;
		goto out;
	}
	m.pidfd = pidfd;
	m.direction = pool_id ? SVM_CXL_TO_POOL : SVM_CXL_TO_SYSTEM;
	m.pool_id = pool_id;
	if (a->nr_ranges) {
		m.flags = SVM_CXL_MIGRATE_PID_RANGES;
		m.nr_ranges = a->nr_ranges;
		m.ranges = (uintptr_t)a->ranges;
	}
	if (ioctl(fd, SVM_CXL_IOC_MIGRATE_PID, &m)) {
		int err = errno;

		/* Cut short by a signal: what was done is in the counters. */
		if (err == EINTR) {
			print_result(a, pool_id, &m);
			code = EXIT_TIMEOUT;
		} else {
			code = report_errno(a, pool_id, err);
		}
		goto out;
	}
	print_result(a, pool_id, &m);
	code = EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (pidfd >= 0)
		close(pidfd);
	free(a);
	return code;
}
