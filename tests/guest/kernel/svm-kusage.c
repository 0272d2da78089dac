// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kusage: guest test of SVM_CXL_IOC_USAGE, the per-process view of pool pages for
 * users other than root, and of the pools' world-readable region attribute.
 *   svm-kusage POOL_ID REGION
 * Three children hold pool pages: A (256 pages) and A2 (64, A's sibling, not its
 * descendant) as uid 65534, B (128) as uid 65533; each migrated its own filled buffer
 * through /dev/svm_cxl (opened by root before dropping privileges, as group svm-cxl
 * would give it). A sees its own uid's two processes with their exact pages, itself
 * alone with SELF, never B; is refused every user's (EPERM) and bad arguments
 * (EINVAL, ENOENT); reads the region attribute and not holders. Root sees all three,
 * as sysfs holders does. Every child checks its data byte for byte and, with its own
 * QUERY, that each page is in the pool.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

_Static_assert(sizeof(struct svm_cxl_usage) == 72, "svm_cxl_usage layout");
_Static_assert(sizeof(struct svm_cxl_usage_entry) == 24, "svm_cxl_usage_entry layout");

#define POOLS_DIR "/sys/devices/virtual/misc/svm_cxl/pools"

static uint32_t pool;
static const char *region;

struct holder {
	pid_t pid;
	uid_t uid;
	size_t pages;
	int go[2], ready[2];	/* pipes: parent -> child "go on", child -> parent "ready" */
};

static int usage(uint32_t flags, uint32_t pool_id, struct svm_cxl_usage_entry *e,
		 uint32_t n, struct svm_cxl_usage *u)
{
	memset(u, 0, sizeof(*u));
	u->size = sizeof(*u);
	u->flags = flags;
	u->pool_id = pool_id;
	u->nr_entries = n;
	u->entries = (uintptr_t)e;
	return ioctl(kt_fd, SVM_CXL_IOC_USAGE, u) ? errno : 0;
}

static const struct svm_cxl_usage_entry *find(const struct svm_cxl_usage_entry *e,
					      uint64_t n, pid_t pid)
{
	for (uint64_t i = 0; i < n; i++)
		if (e[i].pid == (uint32_t)pid)
			return &e[i];
	return NULL;
}

/* The checks of a holder, as itself (uid 65534, A); @sib is A2, @other B. */
static void as_user(const struct holder *sib, const struct holder *other, size_t mine)
{
	struct svm_cxl_usage_entry e[8];
	struct svm_cxl_usage u;
	const struct svm_cxl_usage_entry *x;
	char p[256], buf[64] = "";
	int rc, fd;

	rc = usage(0, 0, e, 8, &u);
	KT_CHECK(!rc && u.nr_found == 2, "uid %d: its user's processes: %llu (rc %d)", getuid(),
		 (unsigned long long)u.nr_found, rc);
	x = find(e, u.nr_found, getpid());
	KT_CHECK(x && x->pages == mine && x->pool_id == pool && x->uid == getuid() && !x->flags,
		 "uid %d: itself, %zu pages in pool%u", getuid(), mine, pool);
	x = find(e, u.nr_found, sib->pid);
	KT_CHECK(x && x->pages == sib->pages && x->pool_id == pool,
		 "uid %d: its sibling %d (same uid, not its child), %zu pages", getuid(), sib->pid,
		 sib->pages);
	KT_CHECK(!find(e, u.nr_found, other->pid), "uid %d: not uid %d's process %d", getuid(),
		 other->uid, other->pid);
	KT_CHECK(u.pages == mine + sib->pages && u.user_pages == mine + sib->pages &&
		 u.user_limit == 0, "uid %d: pages %llu, user_pages %llu, no limit", getuid(),
		 (unsigned long long)u.pages, (unsigned long long)u.user_pages);

	rc = usage(SVM_CXL_USAGE_SELF, pool, e, 8, &u);
	KT_CHECK(!rc && u.nr_found == 1 && e[0].pid == (uint32_t)getpid() && e[0].pages == mine,
		 "uid %d: SELF in pool%u: itself only", getuid(), pool);
	rc = usage(0, 0, NULL, 0, &u);
	KT_CHECK(!rc && u.nr_found == 2 && u.pages == mine + sib->pages,
		 "uid %d: no room: counted, not written", getuid());
	rc = usage(0, 0, e, 1, &u);
	KT_CHECK(!rc && u.nr_found == 2 && (e[0].pid == (uint32_t)getpid() ||
					     e[0].pid == (uint32_t)sib->pid),
		 "uid %d: room for one of two: one written, two found", getuid());

	KT_CHECK(usage(SVM_CXL_USAGE_ALL_USERS, 0, e, 8, &u) == EPERM,
		 "uid %d: every user's: EPERM", getuid());
	KT_CHECK(usage(SVM_CXL_USAGE_SELF | SVM_CXL_USAGE_ALL_USERS, 0, e, 8, &u) == EINVAL,
		 "SELF | ALL_USERS: EINVAL");
	KT_CHECK(usage(1U << 5, 0, e, 8, &u) == EINVAL, "unknown flag: EINVAL");
	KT_CHECK(usage(0, pool + 40, e, 8, &u) == ENOENT, "unknown pool: ENOENT");
	KT_CHECK(usage(0, 0, NULL, 8, &u) == EINVAL, "room without a pointer: EINVAL");
	KT_CHECK(usage(0, 0, e, SVM_CXL_USAGE_MAX_ENTRIES + 1, &u) == EINVAL,
		 "more than SVM_CXL_USAGE_MAX_ENTRIES: EINVAL");
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.reserved[1] = 1;
	KT_CHECK(ioctl(kt_fd, SVM_CXL_IOC_USAGE, &u) && errno == EINVAL, "reserved set: EINVAL");
	u.reserved[1] = 0;
	u.size = sizeof(u) - 8;
	KT_CHECK(ioctl(kt_fd, SVM_CXL_IOC_USAGE, &u) && errno == EINVAL, "short size: EINVAL");

	/* the region link is everyone's; holders (every user's pids) is not */
	snprintf(p, sizeof(p), POOLS_DIR "/pool%u/region", pool);
	fd = open(p, O_RDONLY);
	KT_CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0, "uid %d reads %s", getuid(), p);
	if (fd >= 0)
		close(fd);
	buf[strcspn(buf, "\n")] = '\0';
	KT_CHECK(!strcmp(buf, region), "pool%u/region: '%s' (want %s)", pool, buf, region);
	snprintf(p, sizeof(p), POOLS_DIR "/pool%u/holders", pool);
	fd = open(p, O_RDONLY);
	KT_CHECK(fd < 0 && errno == EACCES, "uid %d cannot open holders (errno %d)", getuid(),
		 fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
}

/*
 * A child: drop to @h->uid, fill and migrate @h->pages, say ready, wait; then, if it
 * is the checker, run the checks; then verify its data and where its pages are.
 */
static void holder_run(struct holder *h, uint64_t seed, const struct holder *sib,
		       const struct holder *other)
{
	size_t len = h->pages * KT_PAGE;
	char *buf;
	char c = 'r';

	if (setgid(h->uid) || setuid(h->uid))
		_exit(100);
	buf = kt_map(len);
	kt_fill(buf, len, seed);
	kt_to_pool(buf, len, pool, "holder's buffer");
	if (write(h->ready[1], &c, 1) != 1 || read(h->go[0], &c, 1) != 1)
		_exit(101);
	if (c == 'c')
		as_user(sib, other, h->pages);
	KT_CHECK(kt_verify(buf, len, seed) == (size_t)-1, "uid %d: data intact", getuid());
	KT_CHECK(kt_count_in(buf, len, pool) == h->pages, "uid %d: its %zu pages in pool%u",
		 getuid(), h->pages, pool);
	_exit(kt_failures ? 1 : 0);
}

static void holder_start(struct holder *h, uint64_t seed, const struct holder *sib,
			 const struct holder *other)
{
	char c;

	if (pipe(h->go) || pipe(h->ready))
		KT_DIE("pipe");
	h->pid = fork();
	if (h->pid < 0)
		KT_DIE("fork");
	if (!h->pid)
		holder_run(h, seed, sib, other);
	if (read(h->ready[0], &c, 1) != 1)
		KT_DIE("holder uid %d never got ready", h->uid);
}

static int holder_finish(struct holder *h, char c)
{
	int st;

	if (write(h->go[1], &c, 1) != 1 || waitpid(h->pid, &st, 0) != h->pid)
		KT_DIE("holder %d", h->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	struct holder a = { .uid = 65534, .pages = 256 }, a2 = { .uid = 65534, .pages = 64 },
		      b = { .uid = 65533, .pages = 128 };
	struct svm_cxl_usage_entry e[16];
	struct svm_cxl_usage u;
	const struct svm_cxl_usage_entry *x;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3)
		KT_DIE("usage: svm-kusage POOL_ID REGION");
	pool = (uint32_t)strtoul(argv[1], NULL, 0);
	region = argv[2];
	if (kt_open() < 0)
		KT_DIE("open /dev/svm_cxl");

	holder_start(&a2, 2, &a, &b);
	holder_start(&b, 3, &a, &a2);
	holder_start(&a, 1, &a2, &b);

	/* root: every user's, as holders */
	rc = usage(SVM_CXL_USAGE_ALL_USERS, pool, e, 16, &u);
	KT_CHECK(!rc && u.nr_found == 3 && u.pages == 256 + 64 + 128,
		 "root: every user's: %llu processes, %llu pages (rc %d)",
		 (unsigned long long)u.nr_found, (unsigned long long)u.pages, rc);
	for (const struct holder *h = &a; h; h = h == &a ? &a2 : h == &a2 ? &b : NULL) {
		x = find(e, u.nr_found, h->pid);
		KT_CHECK(x && x->pages == h->pages && x->uid == h->uid && x->pool_id == pool,
			 "root: %d (uid %d) holds %zu pages", h->pid, h->uid, h->pages);
	}
	rc = usage(0, 0, e, 16, &u);
	KT_CHECK(!rc && u.nr_found == 0 && u.user_pages == 0, "root: its own uid has none");

	KT_CHECK(holder_finish(&a, 'c') == 0, "holder A's checks");
	KT_CHECK(holder_finish(&a2, 'v') == 0, "holder A2");
	KT_CHECK(holder_finish(&b, 'v') == 0, "holder B");
	rc = usage(SVM_CXL_USAGE_ALL_USERS, pool, e, 16, &u);
	KT_CHECK(!rc && u.nr_found == 0 && u.pages == 0, "all exited: nothing charged");
	printf("%d failure(s)\n", kt_failures);
	return kt_failures ? 1 : 0;
}
