// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kpid: guest tests of SVM_CXL_IOC_MIGRATE_PID, migration of another process's
 * pages by pidfd.
 *   svm-kpid POOL_ID TEST...
 * Tests:
 *   move   a child fills a buffer; this process moves it by pidfd (ranges) to the pool
 *          and back; the child reports where each of its pages is (its own QUERY) and
 *          checks its data byte for byte
 *   whole  the same over the child's whole address space (no ranges)
 *   perm   who may: another uid without privileges (EPERM), root without CAP_SYS_NICE
 *          on another user's process (EPERM), root with it (moves), an unprivileged
 *          parent on its own dumpable child (moves on 6.x; EPERM on 7.x, where the
 *          module cannot read dumpability)
 *   bad    bad pidfds (EBADF, ESRCH) and bad arguments (EINVAL, EFAULT): nothing moves
 * Every result must account for every page (sum of counters == @pages).
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

_Static_assert(sizeof(struct svm_cxl_migrate_pid) == 128, "svm_cxl_migrate_pid layout");
_Static_assert(sizeof(struct svm_cxl_range) == 16, "svm_cxl_range layout");

#define BUF_LEN		(4 * KT_MIB)
#define BUF_PAGES	(BUF_LEN / KT_PAGE)

static uint32_t pool;

/* A child holding a filled buffer, answering commands from its parent. */
struct target {
	pid_t pid;
	int pidfd;
	int cmd, resp;		/* pipes: commands to it, answers from it */
	uint64_t addr;		/* its buffer */
	uint64_t seed;
};

/* Answer of the child to 'q': where its buffer's pages are; to 'v': data intact. */
struct answer {
	uint64_t in_pool, in_system, intact;
};

static void target_loop(int cmd, int resp, uint64_t seed, uid_t uid)
{
	char *buf;
	char c;

	if (uid && (setgid(uid) || setuid(uid)))
		_exit(100);
	buf = kt_map(BUF_LEN);
	kt_fill(buf, BUF_LEN, seed);
	{
		uint64_t a = (uintptr_t)buf;

		if (write(resp, &a, sizeof(a)) != sizeof(a))
			_exit(101);
	}
	while (read(cmd, &c, 1) == 1) {
		struct answer ans = { 0 };

		if (c == 'x')
			break;
		ans.in_pool = kt_count_in(buf, BUF_LEN, pool);
		ans.in_system = kt_count_in(buf, BUF_LEN, 0);
		ans.intact = kt_verify(buf, BUF_LEN, seed) == (size_t)-1;
		if (write(resp, &ans, sizeof(ans)) != sizeof(ans))
			_exit(102);
	}
	_exit(0);
}

/* Start a target running as @uid (0: as we are). */
static void target_start(struct target *t, uint64_t seed, uid_t uid)
{
	int cp[2], rp[2];

	if (pipe(cp) || pipe(rp))
		KT_DIE("pipe");
	t->seed = seed;
	t->pid = fork();
	if (t->pid < 0)
		KT_DIE("fork");
	if (t->pid == 0) {
		close(cp[1]);
		close(rp[0]);
		target_loop(cp[0], rp[1], seed, uid);
	}
	close(cp[0]);
	close(rp[1]);
	t->cmd = cp[1];
	t->resp = rp[0];
	if (read(t->resp, &t->addr, sizeof(t->addr)) != sizeof(t->addr))
		KT_DIE("target %d died before its buffer was ready", t->pid);
	t->pidfd = syscall(SYS_pidfd_open, t->pid, 0);
	if (t->pidfd < 0)
		KT_DIE("pidfd_open %d: %s", t->pid, strerror(errno));
}

static struct answer target_ask(struct target *t)
{
	struct answer ans;

	if (write(t->cmd, "q", 1) != 1 || read(t->resp, &ans, sizeof(ans)) != sizeof(ans))
		KT_DIE("target %d does not answer", t->pid);
	return ans;
}

static void target_stop(struct target *t)
{
	int status;

	if (write(t->cmd, "x", 1) != 1)
		KT_DIE("target %d gone", t->pid);
	waitpid(t->pid, &status, 0);
	close(t->cmd);
	close(t->resp);
	close(t->pidfd);
	KT_CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "target %d exited cleanly (%#x)",
		 t->pid, status);
}

/* One call: 0 or errno; @out gets the struct as the kernel left it. */
static int migrate_pid(int pidfd, uint32_t flags, const struct svm_cxl_range *r, uint32_t n,
		       uint32_t dir, uint32_t to, struct svm_cxl_migrate_pid *out)
{
	struct svm_cxl_migrate_pid m = {
		.size = sizeof(m), .flags = flags, .pidfd = pidfd, .direction = dir,
		.pool_id = to, .nr_ranges = n, .ranges = (uintptr_t)r,
	};
	int rc = ioctl(kt_fd, SVM_CXL_IOC_MIGRATE_PID, &m) ? errno : 0;

	if (out)
		*out = m;
	return rc;
}

static uint64_t mp_total(const struct svm_cxl_migrate_pid *m)
{
	return m->moved + m->already + m->absent + m->busy + m->no_memory + m->other_pool +
	       m->unsupported;
}

static void mp_print(const char *what, const struct svm_cxl_migrate_pid *m)
{
	printf("# %s: pages %llu moved %llu (zero-filled %llu) already %llu absent %llu busy %llu no_memory %llu other_pool %llu unsupported %llu\n",
	       what, (unsigned long long)m->pages, (unsigned long long)m->moved,
	       (unsigned long long)m->zero_filled, (unsigned long long)m->already,
	       (unsigned long long)m->absent, (unsigned long long)m->busy,
	       (unsigned long long)m->no_memory, (unsigned long long)m->other_pool,
	       (unsigned long long)m->unsupported);
}

/* The child's buffer is where @to says (0: system RAM), every page, data intact. */
static void check_target(struct target *t, uint32_t to, const char *what)
{
	struct answer a = target_ask(t);

	KT_CHECK((to ? a.in_pool : a.in_system) == BUF_PAGES,
		 "%s: %llu/%lu pages of the child in %s", what,
		 (unsigned long long)(to ? a.in_pool : a.in_system), BUF_PAGES,
		 to ? "the pool" : "system RAM");
	KT_CHECK(a.intact, "%s: the child's data intact", what);
}

static void t_move(void)
{
	struct svm_cxl_migrate_pid m;
	struct svm_cxl_range r[2];
	struct target t;
	int rc;

	target_start(&t, 7, 0);
	/* Two ranges, given out of order: the halves of the buffer. */
	r[0] = (struct svm_cxl_range){ t.addr + BUF_LEN / 2, BUF_LEN / 2 };
	r[1] = (struct svm_cxl_range){ t.addr, BUF_LEN / 2 };
	rc = migrate_pid(t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 2, SVM_CXL_TO_POOL, pool, &m);
	mp_print("to pool by pidfd", &m);
	KT_CHECK(!rc && m.moved == BUF_PAGES && m.pages == BUF_PAGES && mp_total(&m) == m.pages,
		 "to pool by pidfd: %s, %llu of %lu moved, every page counted once",
		 strerror(rc), (unsigned long long)m.moved, BUF_PAGES);
	check_target(&t, pool, "to pool by pidfd");

	rc = migrate_pid(t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 2, SVM_CXL_TO_POOL, pool, &m);
	KT_CHECK(!rc && m.already == BUF_PAGES && mp_total(&m) == m.pages,
		 "again: %llu already there", (unsigned long long)m.already);

	rc = migrate_pid(t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 2, SVM_CXL_TO_SYSTEM, 0, &m);
	mp_print("back by pidfd", &m);
	KT_CHECK(!rc && m.moved == BUF_PAGES && mp_total(&m) == m.pages,
		 "back by pidfd: %llu of %lu moved", (unsigned long long)m.moved, BUF_PAGES);
	check_target(&t, 0, "back by pidfd");
	target_stop(&t);
}

static void t_whole(void)
{
	struct svm_cxl_migrate_pid m;
	long long used0 = kt_pool_attr(pool, "used");
	struct target t;
	int rc;

	target_start(&t, 8, 0);
	rc = migrate_pid(t.pidfd, 0, NULL, 0, SVM_CXL_TO_POOL, pool, &m);
	mp_print("whole process to pool", &m);
	KT_CHECK(!rc && m.moved >= BUF_PAGES && mp_total(&m) == m.pages,
		 "whole process to pool: %s, %llu moved of %llu pages, every page counted once",
		 strerror(rc), (unsigned long long)m.moved, (unsigned long long)m.pages);
	KT_CHECK(m.unsupported > 0, "its text and special mappings counted unsupported (%llu)",
		 (unsigned long long)m.unsupported);
	KT_CHECK(m.zero_filled == 0, "no hole filled: zero_filled %llu (migratepages semantics)",
		 (unsigned long long)m.zero_filled);
	KT_CHECK(kt_pool_attr(pool, "used") - used0 >= (long long)BUF_PAGES,
		 "pool used grew by %lld pages", kt_pool_attr(pool, "used") - used0);
	check_target(&t, pool, "whole process to pool");

	rc = migrate_pid(t.pidfd, 0, NULL, 0, SVM_CXL_TO_SYSTEM, 0, &m);
	mp_print("whole process back", &m);
	KT_CHECK(!rc && m.moved >= BUF_PAGES && mp_total(&m) == m.pages,
		 "whole process back: %llu moved of %llu pages", (unsigned long long)m.moved,
		 (unsigned long long)m.pages);
	check_target(&t, 0, "whole process back");
	KT_CHECK(kt_pool_attr(pool, "used") == used0, "pool used back to %lld", used0);
	target_stop(&t);
}

/* In a child: become @uid (0: stay root), drop CAP_SYS_NICE if asked, migrate @t. */
static int perm_try(struct target *t, uid_t uid, int drop_nice, int allowed)
{
	struct svm_cxl_range r = { t->addr, BUF_LEN };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct svm_cxl_migrate_pid m;
		int rc;

		if (uid && (setgid(uid) || setuid(uid)))
			_exit(100);
		if (drop_nice) {
			struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
			struct __user_cap_data_struct d[2];

			if (syscall(SYS_capget, &h, d))
				_exit(101);
			d[CAP_SYS_NICE / 32].effective &= ~(1U << (CAP_SYS_NICE % 32));
			d[CAP_SYS_NICE / 32].permitted &= ~(1U << (CAP_SYS_NICE % 32));
			if (syscall(SYS_capset, &h, d))
				_exit(102);
		}
		rc = migrate_pid(t->pidfd, SVM_CXL_MIGRATE_PID_RANGES, &r, 1, SVM_CXL_TO_POOL,
				 pool, &m);
		if (allowed)
			_exit(!rc && m.moved == BUF_PAGES ? 0 : 103);
		_exit(rc == EPERM ? 0 : 104);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Kernels where the module cannot read dumpability (svm_cxl_compat.h): 7.0+. */
static int kernel_major(void)
{
	struct utsname u;

	return uname(&u) ? 0 : atoi(u.release);
}

static void t_perm(void)
{
	struct target root_t, other_t;
	int st, status;
	pid_t pid;

	target_start(&root_t, 9, 0);
	target_start(&other_t, 10, 65534);

	st = perm_try(&root_t, 65534, 0, 0);
	KT_CHECK(st == 0, "uid 65534 on a root process: EPERM (status %d)", st);
	check_target(&root_t, 0, "after the refusal");

	st = perm_try(&other_t, 0, 1, 0);
	KT_CHECK(st == 0, "root without CAP_SYS_NICE on uid 65534's process: EPERM (status %d)",
		 st);
	check_target(&other_t, 0, "after the refusal");

	st = perm_try(&other_t, 0, 0, 1);
	KT_CHECK(st == 0, "root with CAP_SYS_NICE on uid 65534's process: moved (status %d)", st);
	check_target(&other_t, pool, "another user's process moved");
	if (migrate_pid(other_t.pidfd, 0, NULL, 0, SVM_CXL_TO_SYSTEM, 0, NULL))
		KT_DIE("moving it back failed");
	check_target(&other_t, 0, "back");

	/* An unprivileged parent and its own (dumpable) child, both uid 65534. */
	pid = fork();
	if (pid == 0) {
		struct svm_cxl_migrate_pid m;
		struct svm_cxl_range r;
		struct target t;
		int rc, want_ok = kernel_major() < 7;

		if (setgid(65534) || setuid(65534) || prctl(PR_SET_DUMPABLE, 1))
			_exit(100);
		target_start(&t, 11, 0);
		r = (struct svm_cxl_range){ t.addr, BUF_LEN };
		rc = migrate_pid(t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, &r, 1, SVM_CXL_TO_POOL,
				 pool, &m);
		if (want_ok ? rc || m.moved != BUF_PAGES : rc != EPERM)
			_exit(101);
		if (want_ok && migrate_pid(t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, &r, 1,
					   SVM_CXL_TO_SYSTEM, 0, &m))
			_exit(102);
		/* Its own pidfd: always allowed. */
		{
			int self = syscall(SYS_pidfd_open, getpid(), 0);
			char *b = kt_map(KT_PAGE);

			b[0] = 1;
			r = (struct svm_cxl_range){ (uintptr_t)b, KT_PAGE };
			if (migrate_pid(self, SVM_CXL_MIGRATE_PID_RANGES, &r, 1, SVM_CXL_TO_POOL,
					pool, &m) || m.moved != 1)
				_exit(103);
		}
		if (write(t.cmd, "x", 1) != 1)
			_exit(104);
		waitpid(t.pid, NULL, 0);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	KT_CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
		 "uid 65534 on its own child: %s; on itself: moved (status %#x)",
		 kernel_major() < 7 ? "moved and back" : "EPERM (7.x: dumpability unreadable)",
		 status);
	target_stop(&root_t);
	target_stop(&other_t);
}

static void t_bad(void)
{
	long long used0 = kt_pool_attr(pool, "used");
	struct svm_cxl_range r[2];
	struct target t, dead;
	int devnull, rc, status;
	uint64_t a;

	target_start(&t, 12, 0);
	a = t.addr;
	r[0] = (struct svm_cxl_range){ a, BUF_LEN };

	devnull = open("/dev/null", O_RDONLY);
	KT_CHECK(migrate_pid(devnull, SVM_CXL_MIGRATE_PID_RANGES, r, 1, SVM_CXL_TO_POOL, pool,
			     NULL) == EBADF, "a file that is not a pidfd: EBADF");
	close(devnull);
	KT_CHECK(migrate_pid(-1, SVM_CXL_MIGRATE_PID_RANGES, r, 1, SVM_CXL_TO_POOL, pool,
			     NULL) == EBADF, "pidfd -1: EBADF");
	KT_CHECK(migrate_pid(1000, SVM_CXL_MIGRATE_PID_RANGES, r, 1, SVM_CXL_TO_POOL, pool,
			     NULL) == EBADF, "a closed fd: EBADF");

	/* A zombie, then a reaped process: both gone as far as memory goes. */
	dead.pid = fork();
	if (dead.pid == 0)
		_exit(0);
	dead.pidfd = syscall(SYS_pidfd_open, dead.pid, 0);
	while (waitid(P_PID, dead.pid, NULL, WEXITED | WNOWAIT) && errno == EINTR)
		;
	rc = migrate_pid(dead.pidfd, 0, NULL, 0, SVM_CXL_TO_POOL, pool, NULL);
	KT_CHECK(rc == ESRCH, "a zombie: ESRCH (%s)", strerror(rc));
	waitpid(dead.pid, &status, 0);
	rc = migrate_pid(dead.pidfd, 0, NULL, 0, SVM_CXL_TO_POOL, pool, NULL);
	KT_CHECK(rc == ESRCH, "a reaped process: ESRCH (%s)", strerror(rc));
	close(dead.pidfd);

#define BAD(what, want, ...)								\
	do {										\
		rc = migrate_pid(__VA_ARGS__, NULL);					\
		KT_CHECK(rc == (want), "%s: %s (%s)", what, strerror(want), strerror(rc)); \
	} while (0)
	BAD("unknown flag", EINVAL, t.pidfd, 2, r, 1, SVM_CXL_TO_POOL, pool);
	BAD("ranges without the flag", EINVAL, t.pidfd, 0, r, 1, SVM_CXL_TO_POOL, pool);
	BAD("the flag without ranges", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 0,
	    SVM_CXL_TO_POOL, pool);
	BAD("too many ranges", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r,
	    SVM_CXL_MIGRATE_PID_MAX_RANGES + 1, SVM_CXL_TO_POOL, pool);
	BAD("direction 0", EINVAL, t.pidfd, 0, NULL, 0, 0, pool);
	BAD("TO_POOL without a pool", EINVAL, t.pidfd, 0, NULL, 0, SVM_CXL_TO_POOL, 0);
	BAD("an unknown pool", ENOENT, t.pidfd, 0, NULL, 0, SVM_CXL_TO_POOL, 63);
	r[0] = (struct svm_cxl_range){ a + 1, KT_PAGE };
	BAD("an unaligned range", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 1,
	    SVM_CXL_TO_POOL, pool);
	r[0] = (struct svm_cxl_range){ a, 0 };
	BAD("an empty range", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 1,
	    SVM_CXL_TO_POOL, pool);
	r[0] = (struct svm_cxl_range){ a, BUF_LEN };
	r[1] = (struct svm_cxl_range){ a + BUF_LEN - KT_PAGE, KT_PAGE };
	BAD("overlapping ranges", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 2,
	    SVM_CXL_TO_POOL, pool);
	/* The kernel half: beyond any user address space (4- or 5-level paging). */
	r[1] = (struct svm_cxl_range){ 1ULL << 63, KT_PAGE };
	BAD("a range beyond the address space", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r,
	    2, SVM_CXL_TO_POOL, pool);
	r[1] = (struct svm_cxl_range){ -KT_PAGE, 2 * KT_PAGE };
	BAD("a range that wraps around", EINVAL, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 2,
	    SVM_CXL_TO_POOL, pool);
	/* The whole buffer and a hole: nothing is ever mapped at 4 KiB (mmap_min_addr). */
	r[1] = (struct svm_cxl_range){ KT_PAGE, KT_PAGE };
	BAD("a hole in the list", EFAULT, t.pidfd, SVM_CXL_MIGRATE_PID_RANGES, r, 2,
	    SVM_CXL_TO_POOL, pool);
	{
		struct svm_cxl_migrate_pid bad = {
			.size = sizeof(bad), .pidfd = t.pidfd, .direction = SVM_CXL_TO_POOL,
			.pool_id = pool, .reserved = { 1 },
		};

		rc = ioctl(kt_fd, SVM_CXL_IOC_MIGRATE_PID, &bad) ? errno : 0;
		KT_CHECK(rc == EINVAL, "reserved not zero: EINVAL (%s)", strerror(rc));
		bad.reserved[0] = 0;
		bad.size = 120;
		rc = ioctl(kt_fd, SVM_CXL_IOC_MIGRATE_PID, &bad) ? errno : 0;
		KT_CHECK(rc == EINVAL, "a size it does not know: EINVAL (%s)", strerror(rc));
	}
#undef BAD
	check_target(&t, 0, "after the refusals nothing moved");
	KT_CHECK(kt_pool_attr(pool, "used") == used0, "pool used unchanged (%lld)", used0);
	target_stop(&t);
}

static const struct kt_test tests[] = {
	{ "move", t_move },
	{ "whole", t_whole },
	{ "perm", t_perm },
	{ "bad", t_bad },
};

int main(int argc, char **argv)
{
	return kt_main(argc, argv, "svm-kpid", &pool, tests, sizeof(tests) / sizeof(tests[0]));
}
