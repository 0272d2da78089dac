// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-ktest: guest tests of svm_cxl.ko migration on a real CXL pool.
 *   svm-ktest POOL_ID TEST...
 * Tests: sizes big roundtrip mixed nofault fork exit munmap threads samerange pin
 *        badinput unpriv full drain drainbusy drainrace hold thp thpfull thpdev thpfallback
 *        thpdrain thpsplit poison
 *        poisonfree limit mlock madvise uffd memcg stress.
 * Data is checked byte for byte; every migrate result must account for every page.
 * Prints throughput lines "# perf: ...".
 * SVM_TEST_SLOW_CXL=1 (the plan sets it where the lane's QEMU emulates each access to
 * the CXL window, see tests/meson.build): big and threads use a quarter of their
 * buffers; what they prove does not depend on the amount of memory.
 */
#include <liburing.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "ktest.h"

static uint32_t pool;

static size_t stress_len(size_t len)
{
	const char *e = getenv("SVM_TEST_SLOW_CXL");

	return e && !strcmp(e, "1") ? len / 4 : len;
}

static void check_location(void *buf, size_t len, uint32_t where, const char *what)
{
	size_t n = kt_count_in(buf, len, where);

	KT_CHECK(n == len / KT_PAGE, "%s: %zu/%zu pages in %s", what, n, len / KT_PAGE,
		 where ? "the pool" : "system RAM");
}

static void check_data(void *buf, size_t len, uint64_t seed, const char *what)
{
	size_t bad = kt_verify(buf, len, seed);

	KT_CHECK(bad == (size_t)-1, "%s: data intact (first bad byte at %zd)", what,
		 bad == (size_t)-1 ? (ssize_t)-1 : (ssize_t)bad);
}

/* One size: fill, to pool, check, back, check. */
static void round_trip(size_t len, uint64_t seed, bool perf)
{
	char what[64];
	char *buf = kt_map(len);
	double t0, t1, t2;

	snprintf(what, sizeof(what), "%zu bytes", len);
	kt_fill(buf, len, seed);
	t0 = kt_now();
	kt_to_pool(buf, len, pool, what);
	t1 = kt_now();
	check_location(buf, len, pool, what);
	check_data(buf, len, seed, what);
	t2 = kt_now();
	kt_to_system(buf, len, what);
	t2 = kt_now() - t2;
	check_location(buf, len, 0, what);
	check_data(buf, len, seed, what);
	if (perf)
		printf("# perf: %zu MiB to pool%u (node %lld) %.0f MiB/s, back to system RAM %.0f MiB/s\n",
		       len / KT_MIB, pool, kt_pool_attr(pool, "node"),
		       len / KT_MIB / (t1 - t0), len / KT_MIB / t2);
	munmap(buf, len);
}

static void t_sizes(void)
{
	size_t sizes[] = { KT_PAGE, 2 * KT_MIB, 3 * KT_PAGE, KT_MIB + 5 * KT_PAGE,
			   8 * KT_MIB + 7 * KT_PAGE };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(sizes[i], i + 1, false);

	/* A 2 MiB aligned buffer (THP-able: the kernel splits it). */
	{
		size_t len = 4 * KT_MIB;
		char *raw = kt_map(len + 2 * KT_MIB);
		char *buf = (char *)(((uintptr_t)raw + 2 * KT_MIB - 1) & ~(2 * KT_MIB - 1));

		madvise(buf, len, MADV_HUGEPAGE);
		kt_fill(buf, len, 77);
		kt_to_pool(buf, len, pool, "2 MiB aligned THP buffer");
		check_location(buf, len, pool, "2 MiB aligned THP buffer");
		check_data(buf, len, 77, "2 MiB aligned THP buffer");
		kt_to_system(buf, len, "2 MiB aligned THP buffer");
		check_data(buf, len, 77, "2 MiB aligned THP buffer back");
		munmap(raw, len + 2 * KT_MIB);
	}
}

/* 8 batches (SVM_CXL_BATCH pages each) in one call; 2 on a slow CXL window */
static void t_big(void)
{
	round_trip(stress_len(64 * KT_MIB), 99, true);
}

static void t_roundtrip(void)
{
	size_t len = KT_MIB;
	char *buf = kt_map(len);
	int i, ok = 1;

	for (i = 0; i < 10; i++) {
		kt_fill(buf, len, 1000 + i);
		kt_to_pool(buf, len, pool, "round trip");
		if (kt_verify(buf, len, 1000 + i) != (size_t)-1 ||
		    kt_count_in(buf, len, pool) != len / KT_PAGE)
			ok = 0;
		kt_to_system(buf, len, "round trip back");
		if (kt_verify(buf, len, 1000 + i) != (size_t)-1 ||
		    kt_count_in(buf, len, 0) != len / KT_PAGE)
			ok = 0;
	}
	KT_CHECK(ok, "ten round trips of 1 MiB, data and placement right every time");
	munmap(buf, len);
}

static void t_mixed(void)
{
	size_t len = 2 * KT_MIB, chunk = 64 * 1024, off, touched = 0;
	struct svm_cxl_migrate m;
	char *buf = kt_map(len);
	char *ref = kt_map(len);
	int rc;

	for (off = 0; off < len; off += 2 * chunk) {
		kt_fill(buf + off, chunk, off);
		touched += chunk / KT_PAGE;
	}
	/* The zero page behind a read of a never-written page counts as never touched. */
	KT_CHECK(buf[len - 1] == 0, "read of an untouched page gives zero");
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("mixed to pool", &m);
	KT_CHECK(rc == 0 && m.moved == len / KT_PAGE && kt_mig_total(&m) == len / KT_PAGE,
		 "mixed range: every page moved");
	KT_CHECK(m.zero_filled == len / KT_PAGE - touched,
		 "untouched pages allocated zeroed on the device (%llu, expected %zu)",
		 (unsigned long long)m.zero_filled, len / KT_PAGE - touched);
	check_location(buf, len, pool, "mixed range");
	memset(ref, 0, len);
	for (off = 0; off < len; off += 2 * chunk)
		kt_fill(ref + off, chunk, off);
	KT_CHECK(!memcmp(buf, ref, len), "mixed range: touched data kept, untouched zero");

	/* Back: a range with holes again (fresh mapping half touched). */
	kt_to_system(buf, len, "mixed back");
	KT_CHECK(!memcmp(buf, ref, len), "mixed range back: data right");
	munmap(buf, len);

	buf = kt_map(len);
	kt_fill(buf, len / 2, 5);
	kt_to_pool(buf, len / 2, pool, "half");
	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
	kt_print_mig("half populated to system", &m);
	KT_CHECK(rc == 0 && m.moved == len / 2 / KT_PAGE && m.absent == len / 2 / KT_PAGE &&
		 kt_mig_total(&m) == len / KT_PAGE,
		 "to system: populated half moved, untouched half reported absent");
	rc = kt_migrate(buf, len / 2, SVM_CXL_TO_SYSTEM, 0, &m);
	KT_CHECK(rc == 0 && m.already == len / 2 / KT_PAGE, "to system again: all already there");
	kt_to_pool(buf, len / 2, pool, "half again");
	rc = kt_migrate(buf, len / 2, SVM_CXL_TO_POOL, pool, &m);
	KT_CHECK(rc == 0 && m.already == len / 2 / KT_PAGE, "to pool again: all already there");
	check_data(buf, len / 2, 5, "half");
	munmap(buf, len);
	munmap(ref, len);
}

static long faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static void t_nofault(void)
{
	size_t len = 4 * KT_MIB, i;
	char *buf = kt_map(len), *fresh = kt_map(len);
	volatile char *v;
	long before, after;

	kt_fill(buf, len, 3);
	kt_to_pool(buf, len, pool, "populated");
	kt_to_pool(fresh, len, pool, "never touched");
	before = faults();
	for (i = 0, v = (volatile char *)buf; i < len; i += KT_PAGE)
		v[i] = v[i] + 1;
	for (i = 0, v = (volatile char *)fresh; i < len; i += KT_PAGE)
		v[i] = v[i] + 1;
	after = faults();
	KT_CHECK(after == before, "reading and writing %zu device pages took %ld CPU faults",
		 2 * len / KT_PAGE, after - before);
	check_location(buf, len, pool, "touched device pages");
	check_location(fresh, len, pool, "touched allocated-on-device pages");
	munmap(buf, len);
	munmap(fresh, len);
}

static void t_fork(void)
{
	size_t len = 64 * KT_PAGE;
	char *buf = kt_map(len);
	struct svm_cxl_page_loc locs[64];
	int status, sync[2];
	pid_t pid;
	char c;

	kt_fill(buf, len, 11);
	kt_to_pool(buf, len, pool, "before fork");
	if (pipe(sync))
		KT_DIE("pipe");
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		memset(buf, 0xc1, KT_PAGE);	/* child writes page 0 */
		if (kt_query(buf, len, locs, NULL) || locs[0].where != SVM_CXL_WHERE_SYSTEM ||
		    locs[1].where != SVM_CXL_WHERE_POOL || locs[2].where != SVM_CXL_WHERE_POOL)
			bad |= 1;
		if (buf[0] != (char)0xc1 || buf[KT_PAGE - 1] != (char)0xc1)
			bad |= 2;
		if (write(sync[1], "x", 1) != 1)
			bad |= 8;
		/* wait for the parent's write to page 1: the child must still see old data */
		usleep(200000);
		{
			char *ref = malloc(len);

			kt_fill(ref, len, 11);
			if (memcmp(buf + KT_PAGE, ref + KT_PAGE, len - KT_PAGE))
				bad |= 4;
			free(ref);
		}
		_exit(bad);
	}
	if (read(sync[0], &c, 1) != 1)
		KT_DIE("sync");
	memset(buf + KT_PAGE, 0xa7, KT_PAGE);	/* parent writes page 1 */
	waitpid(pid, &status, 0);
	KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "child: its write got a system page, other pages stay on the device with the old data (status %#x)",
		 status);
	KT_CHECK(!kt_query(buf, len, locs, NULL) && locs[0].where == SVM_CXL_WHERE_POOL &&
		 locs[1].where == SVM_CXL_WHERE_SYSTEM && locs[2].where == SVM_CXL_WHERE_POOL,
		 "parent: page 0 still on the device, written page 1 in system RAM");
	{
		char *ref = malloc(len);

		kt_fill(ref, len, 11);
		KT_CHECK(!memcmp(buf, ref, KT_PAGE) && !memcmp(buf + 2 * KT_PAGE, ref + 2 * KT_PAGE,
							      len - 2 * KT_PAGE) &&
			 buf[KT_PAGE] == (char)0xa7,
			 "parent: the child's write is not visible, its own is");
		free(ref);
	}
	kt_to_system(buf, len, "after fork");
	munmap(buf, len);
}

static void t_exit(void)
{
	long long used0 = kt_pool_attr(pool, "used");
	int status;
	pid_t pid;

	/* A child that exits with pages on the device, some shared with a grandchild. */
	pid = fork();
	if (pid == 0) {
		size_t len = 2 * KT_MIB;
		char *buf = kt_map(len);

		kt_fill(buf, len, 21);
		kt_to_pool(buf, len, pool, "exiting child");
		if (fork() == 0) {
			buf[0] = 1;	/* COW one page, exit with the rest shared */
			_exit(0);
		}
		wait(NULL);
		_exit(kt_count_in(buf, len, pool) == len / KT_PAGE ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child held device pages (status %#x)",
		 status);
	KT_CHECK(kt_pool_attr(pool, "used") == used0,
		 "parent and child exited: pool used back to %lld (now %lld)", used0,
		 kt_pool_attr(pool, "used"));
}

struct munmap_race {
	char *buf;
	size_t len;
	useconds_t delay;
};

static void *munmap_half(void *arg)
{
	struct munmap_race *r = arg;

	usleep(r->delay);
	munmap(r->buf + r->len / 2, r->len / 2);
	return NULL;
}

static void t_munmap(void)
{
	useconds_t delays[] = { 0, 2000, 20000, 100000 };
	/*
	 * Not smaller on a slow CXL window: at 2 MiB the migration is over before a munmap
	 * 2 ms in, and nothing races any more (at 8 MiB every delay lands before the pages
	 * are collected: "absent 1024").
	 */
	size_t len = 8 * KT_MIB;
	unsigned int i;

	for (i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		struct munmap_race r = { .buf = kt_map(len), .len = len, .delay = delays[i] };
		struct svm_cxl_migrate m;
		pthread_t th;
		int rc;

		kt_fill(r.buf, len, 31);
		pthread_create(&th, NULL, munmap_half, &r);
		rc = kt_migrate(r.buf, len, SVM_CXL_TO_POOL, pool, &m);
		pthread_join(th, NULL);
		kt_print_mig("munmap race", &m);
		KT_CHECK((rc == 0 && kt_mig_total(&m) == len / KT_PAGE) || rc == EFAULT,
			 "munmap of half during migration (delay %u us): rc %d, every page accounted",
			 delays[i], rc);
		check_data(r.buf, len / 2, 31, "munmap race: the mapped half");
		kt_to_system(r.buf, len / 2, "munmap race: back");
		check_data(r.buf, len / 2, 31, "munmap race: the mapped half back");
		munmap(r.buf, len / 2);
	}
}

static int thread_ok[4];

static void *migrator(void *arg)
{
	long t = (long)arg;
	size_t len = stress_len(2 * KT_MIB);
	char *buf = kt_map(len);
	int i, ok = 1;

	for (i = 0; i < 3; i++) {
		kt_fill(buf, len, t * 100 + i);
		kt_to_pool(buf, len, pool, "thread");
		ok &= kt_count_in(buf, len, pool) == len / KT_PAGE;
		ok &= kt_verify(buf, len, t * 100 + i) == (size_t)-1;
		kt_to_system(buf, len, "thread back");
		ok &= kt_verify(buf, len, t * 100 + i) == (size_t)-1;
	}
	thread_ok[t] = ok;
	munmap(buf, len);
	return NULL;
}

static void t_threads(void)
{
	pthread_t th[4];
	long t;

	for (t = 0; t < 4; t++)
		pthread_create(&th[t], NULL, migrator, (void *)t);
	for (t = 0; t < 4; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < 4; t++)
		KT_CHECK(thread_ok[t], "thread %ld: 3 round trips with 3 other threads migrating", t);
}

struct same_range {
	char *buf;
	size_t len;
	uint32_t dir;
	int ok;
};

static void *same_range_migrator(void *arg)
{
	struct same_range *r = arg;
	struct svm_cxl_migrate m;
	int i, rc;

	r->ok = 1;
	for (i = 0; i < 5; i++) {
		rc = kt_migrate(r->buf, r->len, r->dir, r->dir == SVM_CXL_TO_POOL ? pool : 0, &m);
		if (rc || kt_mig_total(&m) != r->len / KT_PAGE || m.no_memory || m.absent ||
		    m.other_pool || m.unsupported) {
			kt_print_mig("same range", &m);
			r->ok = 0;
		}
	}
	return NULL;
}

/* Four threads migrate one range at once, two towards the pool, two back. */
static void t_samerange(void)
{
	size_t len = 2 * KT_MIB;
	char *buf = kt_map(len);
	struct same_range r[4];
	pthread_t th[4];
	int t;

	kt_fill(buf, len, 81);
	for (t = 0; t < 4; t++) {
		r[t] = (struct same_range){ .buf = buf, .len = len,
					    .dir = t % 2 ? SVM_CXL_TO_SYSTEM : SVM_CXL_TO_POOL };
		pthread_create(&th[t], NULL, same_range_migrator, &r[t]);
	}
	for (t = 0; t < 4; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < 4; t++)
		KT_CHECK(r[t].ok, "same range, thread %d (%s): every page moved, already there or busy",
			 t, t % 2 ? "to system" : "to pool");
	check_data(buf, len, 81, "same range after the contention");
	kt_to_system(buf, len, "same range back");
	check_data(buf, len, 81, "same range back");
	munmap(buf, len);
}

static void t_pin(void)
{
	size_t len = 16 * KT_PAGE;
	char *buf = kt_map(len);
	struct io_uring ring;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	long long used0;
	int rc;

	kt_fill(buf, len, 41);
	kt_to_pool(buf, len, pool, "to be pinned");
	used0 = kt_pool_attr(pool, "used");
	rc = io_uring_queue_init(4, &ring, 0);
	if (rc) {
		printf("# io_uring unavailable (%s): pin test skipped\n", strerror(-rc));
		return;
	}
	rc = io_uring_register_buffers(&ring, &iov, 1);
	KT_CHECK(rc == 0, "io_uring fixed buffer over device pages registered (%s)",
		 strerror(-rc));
	check_location(buf, len, 0, "long-term pinned buffer");
	check_data(buf, len, 41, "long-term pinned buffer");
	KT_CHECK(kt_pool_attr(pool, "used") == used0 - (long long)(len / KT_PAGE),
		 "the pin moved %zu pages off the device", len / KT_PAGE);
	{
		struct svm_cxl_migrate m;

		rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
		kt_print_mig("pinned to pool", &m);
		KT_CHECK(rc == 0 && m.busy == len / KT_PAGE,
			 "migrating pinned pages reports them busy, none lost");
	}
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	check_data(buf, len, 41, "after unpin");
	munmap(buf, len);
}

static int raw_migrate(struct svm_cxl_migrate *m)
{
	return ioctl(kt_fd, SVM_CXL_IOC_MIGRATE, m) ? errno : 0;
}

static void t_badinput(void)
{
	char *buf = kt_map(4 * KT_PAGE);
	struct svm_cxl_migrate m, good = { .size = sizeof(m), .addr = (uintptr_t)buf,
					   .length = 4 * KT_PAGE, .direction = SVM_CXL_TO_POOL,
					   .pool_id = pool };
	struct svm_cxl_page_loc locs[4];
	struct svm_cxl_query q;
	int rc;

	m = good; m.addr += 1;
	KT_CHECK(raw_migrate(&m) == EINVAL, "unaligned address: EINVAL");
	m = good; m.length = 100;
	KT_CHECK(raw_migrate(&m) == EINVAL, "unaligned length: EINVAL");
	m = good; m.length = 0;
	KT_CHECK(raw_migrate(&m) == EINVAL, "zero length: EINVAL");
	m = good; m.addr = ~0ULL << 12; m.length = 2 * KT_PAGE;
	KT_CHECK(raw_migrate(&m) == EINVAL, "overflowing range: EINVAL");
	m = good; m.length = ~0ULL << 12;
	KT_CHECK(raw_migrate(&m) == EINVAL, "huge length: EINVAL");
	m = good; m.reserved[2] = 1;
	KT_CHECK(raw_migrate(&m) == EINVAL, "nonzero reserved: EINVAL");
	m = good; m.flags = 1;
	KT_CHECK(raw_migrate(&m) == EINVAL, "unknown flag: EINVAL");
	m = good; m.size = sizeof(m) - 8;
	KT_CHECK(raw_migrate(&m) == EINVAL, "wrong size: EINVAL");
	m = good; m.direction = 0;
	KT_CHECK(raw_migrate(&m) == EINVAL, "direction 0: EINVAL");
	m = good; m.direction = 3;
	KT_CHECK(raw_migrate(&m) == EINVAL, "unknown direction: EINVAL");
	m = good; m.pool_id = 0;
	KT_CHECK(raw_migrate(&m) == EINVAL, "to pool 0: EINVAL");
	m = good; m.pool_id = 63;
	KT_CHECK(raw_migrate(&m) == ENOENT, "unknown pool: ENOENT");
	KT_CHECK(ioctl(kt_fd, SVM_CXL_IOC_MIGRATE, NULL) && errno == EFAULT, "NULL argument: EFAULT");

	munmap(buf + KT_PAGE, KT_PAGE);
	m = good;
	KT_CHECK(raw_migrate(&m) == EFAULT, "range with an unmapped page: EFAULT");
	mmap(buf + KT_PAGE, KT_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	m = good;
	KT_CHECK(raw_migrate(&m) == EINVAL, "range with a PROT_NONE page: EINVAL");
	m = good; m.direction = SVM_CXL_TO_SYSTEM; m.pool_id = 0;
	KT_CHECK(raw_migrate(&m) == EINVAL, "to system over PROT_NONE: EINVAL");
	m = good; m.length = KT_PAGE;
	rc = raw_migrate(&m);
	KT_CHECK(rc == 0 && m.moved == 1, "the page before it still migrates");
	kt_to_system(buf, KT_PAGE, "bad input cleanup");
	{
		char *shared = mmap(NULL, 2 * KT_PAGE, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		memset(shared, 1, 2 * KT_PAGE);
		rc = kt_migrate(shared, 2 * KT_PAGE, SVM_CXL_TO_POOL, pool, &m);
		kt_print_mig("shared anonymous", &m);
		KT_CHECK(rc == 0 && m.unsupported == 2 && kt_mig_total(&m) == 2,
			 "shared mapping: pages reported unsupported, not dropped");
		munmap(shared, 2 * KT_PAGE);
	}

	q = (struct svm_cxl_query){ .size = sizeof(q), .addr = (uintptr_t)buf + 1,
				    .length = KT_PAGE, .locs = (uintptr_t)locs };
	KT_CHECK(ioctl(kt_fd, SVM_CXL_IOC_QUERY, &q) && errno == EINVAL, "query unaligned: EINVAL");
	q.addr = (uintptr_t)buf; q.reserved[0] = 1;
	KT_CHECK(ioctl(kt_fd, SVM_CXL_IOC_QUERY, &q) && errno == EINVAL,
		 "query nonzero reserved: EINVAL");
	q.reserved[0] = 0; q.locs = 8;
	KT_CHECK(ioctl(kt_fd, SVM_CXL_IOC_QUERY, &q) && errno == EFAULT, "query bad locs: EFAULT");
	rc = kt_query(buf, 4 * KT_PAGE, locs, &q);
	KT_CHECK(rc == 0 && locs[1].where == SVM_CXL_WHERE_NONE && q.n_none + q.n_system == 4,
		 "query over a PROT_NONE page: none");
	KT_CHECK(ioctl(kt_fd, _IOWR(SVM_CXL_IOC_MAGIC, 0x50, struct svm_cxl_migrate), &m) &&
		 errno == ENOTTY, "unknown ioctl: ENOTTY");
	munmap(buf, 4 * KT_PAGE);
}

/* A pool smaller than the range: what fits moves, the rest is reported no_memory. */
static void t_full(void)
{
	long long pages = kt_pool_attr(pool, "pages"), fails0;
	size_t len = (pages + 256) * KT_PAGE;
	char *buf = kt_map(len);
	struct svm_cxl_migrate m;
	int rc;

	kt_fill(buf, len, 91);
	fails0 = kt_pool_attr(pool, "stats/alloc_failures");
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("more than the pool holds", &m);
	KT_CHECK(rc == 0 && m.moved == (uint64_t)pages && m.no_memory == 256 &&
		 kt_mig_total(&m) == len / KT_PAGE,
		 "a full pool: %lld pages moved, 256 reported no_memory", pages);
	KT_CHECK(kt_pool_attr(pool, "free") == 0, "pool free is 0");
	KT_CHECK(kt_pool_attr(pool, "stats/alloc_failures") - fails0 == 256,
		 "stats/alloc_failures counted 256");
	check_data(buf, len, 91, "full pool");
	kt_to_system(buf, len, "full pool back");
	check_data(buf, len, 91, "full pool back");
	KT_CHECK(kt_pool_attr(pool, "free") == pages, "pool free again");
	munmap(buf, len);
}

static void t_unpriv(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t ev, busy;
		int bad = 0;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		if (kt_pool_add(0x100000000ULL, 2 * KT_MIB, NULL, NULL) != EPERM)
			bad |= 1;
		if (kt_pool_remove(pool, 0, &ev, &busy) != EPERM)
			bad |= 2;
		/* Migration is open to whoever holds the fd (the node's mode guards it). */
		{
			char *buf = kt_map(KT_PAGE);
			struct svm_cxl_migrate m;

			buf[0] = 1;
			if (kt_migrate(buf, KT_PAGE, SVM_CXL_TO_POOL, pool, &m) || m.moved != 1)
				bad |= 4;
		}
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "unprivileged: pool add and remove EPERM, migration allowed (status %#x)", status);
}

/* Drain while three processes hold device pages: all data intact after. */
static void t_drain(void)
{
	int go[2], ready[2], i, status, ok = 1;
	size_t len = 4 * KT_MIB;
	pid_t pids[3];
	uint64_t evicted, busy;
	double t;
	char c;

	if (pipe(go) || pipe(ready))
		KT_DIE("pipe");
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char *buf = kt_map(len);
			int bad = 0;

			kt_fill(buf, len, 500 + i);
			kt_to_pool(buf, len, pool, "holder");
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(100);
			if (kt_verify(buf, len, 500 + i) != (size_t)-1)
				bad |= 1;
			if (kt_count_in(buf, len, 0) != len / KT_PAGE)
				bad |= 2;
			_exit(bad);
		}
	}
	for (i = 0; i < 3; i++)
		if (read(ready[0], &c, 1) != 1)
			KT_DIE("holder died");
	KT_CHECK(kt_pool_attr(pool, "used") >= (long long)(3 * len / KT_PAGE),
		 "three holders: %lld pages in use", kt_pool_attr(pool, "used"));
	t = kt_now();
	KT_CHECK(kt_pool_remove(pool, 0, &evicted, &busy) == 0, "pool removed while in use");
	t = kt_now() - t;
	KT_CHECK(evicted >= 3 * len / KT_PAGE, "drain evicted %llu pages",
		 (unsigned long long)evicted);
	printf("# perf: drain evicted %llu pages (%.1f MiB) in %.2f s: %.0f MiB/s\n",
	       (unsigned long long)evicted, evicted * 4096.0 / KT_MIB, t,
	       evicted * 4096.0 / KT_MIB / t);
	for (i = 0; i < 3; i++)
		if (write(go[1], "gggg", 1) != 1)
			KT_DIE("go");
	for (i = 0; i < 3; i++) {
		waitpid(pids[i], &status, 0);
		ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			printf("# holder %d status %#x\n", i, status);
	}
	KT_CHECK(ok, "every holder found its data intact, in system RAM");
}

/* Drain with a page kept busy (a vmsplice'd page sits in a pipe): -EBUSY, then ok. */
static void t_drainbusy(void)
{
	size_t len = 16 * KT_PAGE;
	char *buf = kt_map(len);
	uint64_t evicted, busy;
	struct iovec iov = { .iov_base = buf, .iov_len = KT_PAGE };
	int p[2], rc;
	char sink[KT_PAGE];
	long long used;

	kt_fill(buf, len, 61);
	kt_to_pool(buf, len, pool, "to be kept busy");
	if (pipe(p))
		KT_DIE("pipe");
	KT_CHECK(vmsplice(p[1], &iov, 1, 0) == (ssize_t)KT_PAGE, "a device page spliced into a pipe");
	used = kt_pool_attr(pool, "used");
	rc = kt_pool_remove(pool, 300, &evicted, &busy);
	KT_CHECK(rc == EBUSY, "remove with a busy page: EBUSY (%s)", strerror(rc));
	KT_CHECK(busy >= 1, "remove reports %llu busy pages, %llu evicted",
		 (unsigned long long)busy, (unsigned long long)evicted);
	{
		char state[32] = "";
		char path[128];
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/misc/svm_cxl/pools/pool%u/state", pool);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(state, sizeof(state), f))
				state[0] = 0;
			fclose(f);
		}
		state[strcspn(state, "\n")] = 0;
		KT_CHECK(!strcmp(state, "active"), "pool stays active after EBUSY (%s)", state);
	}
	KT_CHECK(kt_pool_attr(pool, "used") == (long long)busy && kt_pool_attr(pool, "used") <= used,
		 "only the busy pages remain on the pool");
	check_data(buf, len, 61, "after the failed drain");
	{
		struct svm_cxl_migrate m;

		rc = kt_migrate(buf + KT_PAGE, KT_PAGE, SVM_CXL_TO_POOL, pool, &m);
		KT_CHECK(rc == 0 && m.moved == 1, "pool usable again after EBUSY");
	}
	if (read(p[0], sink, sizeof(sink)) != (ssize_t)KT_PAGE)
		KT_DIE("pipe read");
	close(p[0]);
	close(p[1]);
	KT_CHECK(kt_verify(sink, KT_PAGE, 61) == (size_t)-1, "spliced data right");
	rc = kt_pool_remove(pool, 0, &evicted, &busy);
	KT_CHECK(rc == 0, "remove after the page was released succeeds (%s), %llu evicted",
		 strerror(rc), (unsigned long long)evicted);
	check_data(buf, len, 61, "after the drain");
	check_location(buf, len, 0, "after the drain");
	munmap(buf, len);
}

static volatile int race_stop;
static int race_ok[2];

/* Migrate to the pool and back until told to stop; the pool may start draining. */
static void *race_migrator(void *arg)
{
	long t = (long)arg;
	size_t len = KT_MIB;
	char *buf = kt_map(len);
	struct svm_cxl_migrate m;
	uint64_t seed = 0;
	int i, rc, ok = 1;

	for (i = 0; !race_stop; i++) {
		seed = t * 1000 + i;
		kt_fill(buf, len, seed);
		rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
		if (rc == ENOENT)
			break;	/* the pool is gone: fine */
		if (rc || kt_mig_total(&m) != len / KT_PAGE) {
			printf("# thread %ld round %d: to pool rc %d\n", t, i, rc);
			kt_print_mig("race to pool", &m);
			ok = 0;
		}
		if (kt_verify(buf, len, seed) != (size_t)-1) {
			printf("# thread %ld round %d: data wrong after to pool\n", t, i);
			ok = 0;
		}
		rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
		if (rc || kt_mig_total(&m) != len / KT_PAGE) {
			printf("# thread %ld round %d: to system rc %d\n", t, i, rc);
			kt_print_mig("race to system", &m);
			ok = 0;
		}
	}
	/* Wherever the pages are now, the last pattern must be there. */
	if (kt_verify(buf, len, seed) != (size_t)-1) {
		printf("# thread %ld: data wrong at the end (%d rounds)\n", t, i);
		ok = 0;
	}
	race_ok[t] = ok;
	munmap(buf, len);
	return NULL;
}

/* Remove the pool while two threads keep migrating to it. */
static void t_drainrace(void)
{
	uint64_t evicted, busy;
	pthread_t th[2];
	long t;
	int rc;

	for (t = 0; t < 2; t++)
		pthread_create(&th[t], NULL, race_migrator, (void *)t);
	usleep(300000);
	rc = kt_pool_remove(pool, 0, &evicted, &busy);
	race_stop = 1;
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	KT_CHECK(rc == 0, "pool removed while two threads migrate to it (%s), %llu evicted",
		 strerror(rc), (unsigned long long)evicted);
	for (t = 0; t < 2; t++)
		KT_CHECK(race_ok[t], "thread %ld: every page accounted, data intact", t);
}

/*
 * Hold device pages for a shell driver: migrate 16 MiB, create /tmp/ktest-ready, wait
 * for /tmp/ktest-go, then check the data (wherever it lives now) and that it left the
 * pool.
 */
static void t_hold(void)
{
	size_t len = 16 * KT_MIB;
	char *buf = kt_map(len);
	int fd, i;

	kt_fill(buf, len, 71);
	kt_to_pool(buf, len, pool, "held buffer");
	check_location(buf, len, pool, "held buffer");
	fd = open("/tmp/ktest-ready", O_CREAT | O_WRONLY, 0644);
	close(fd);
	for (i = 0; i < 6000 && access("/tmp/ktest-go", F_OK); i++)
		usleep(100000);
	KT_CHECK(i < 6000, "told to go on");
	check_data(buf, len, 71, "held buffer after the device went");
	check_location(buf, len, 0, "held buffer after the device went");
	munmap(buf, len);
}

/* AnonHugePages (kB) of the mapping that starts at @addr, from /proc/self/smaps. */
static long anon_huge_kb(void *addr)
{
	char line[256], want[64];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		KT_DIE("open /proc/self/smaps: %s", strerror(errno));
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		/* Headers start with the range in lowercase hex; fields with a capital. */
		if (line[0] && strchr("0123456789abcdef", line[0]))
			in = !strncmp(line, want, strlen(want));
		if (in && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return kb;
}

/*
 * @len bytes (a multiple of 2 MiB) of THP-backed anonymous memory, 2 MiB aligned and a
 * mapping of its own (so smaps shows it alone), filled with @seed.
 */
static char *thp_map(size_t len, uint64_t seed)
{
	char *raw = mmap(NULL, len + 2 * KT_MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf;

	if (raw == MAP_FAILED)
		KT_DIE("mmap: %s", strerror(errno));
	buf = (char *)(((uintptr_t)raw + 2 * KT_MIB - 1) & ~(2 * KT_MIB - 1));
	if (buf > raw)
		munmap(raw, buf - raw);
	munmap(buf + len, raw + len + 2 * KT_MIB - (buf + len));
	if (madvise(buf, len, MADV_HUGEPAGE))
		KT_DIE("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	kt_fill(buf, len, seed);
	return buf;
}

/*
 * TO_SYSTEM over memory that is in RAM already moves nothing and must not touch it:
 * in 6.12 migrate_vma_setup() splits every THP it meets, so the module looks first.
 */
static void t_thp(void)
{
	size_t len = 4 * KT_MIB;
	char *buf = thp_map(len, 7);
	struct svm_cxl_migrate m;
	int rc;

	KT_CHECK(anon_huge_kb(buf) == 4096, "THP buffer: AnonHugePages %ld kB before",
		 anon_huge_kb(buf));
	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
	kt_print_mig("to system over a THP buffer in RAM", &m);
	KT_CHECK(rc == 0 && m.already == len / KT_PAGE && kt_mig_total(&m) == len / KT_PAGE,
		 "to system over THP in RAM: every page already there");
	KT_CHECK(anon_huge_kb(buf) == 4096, "no THP split: AnonHugePages %ld kB after",
		 anon_huge_kb(buf));
	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, pool, &m);
	KT_CHECK(rc == 0 && m.already == len / KT_PAGE && anon_huge_kb(buf) == 4096,
		 "the same with a pool filter: AnonHugePages %ld kB", anon_huge_kb(buf));

	/* One page of the second huge page to the pool: only that THP is split. */
	kt_to_pool(buf + 2 * KT_MIB + 5 * KT_PAGE, KT_PAGE, pool, "one page of the second THP");
	KT_CHECK(anon_huge_kb(buf) == 2048, "the first THP stays whole: AnonHugePages %ld kB",
		 anon_huge_kb(buf));
	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
	kt_print_mig("to system over a THP and a split one with a pool page", &m);
	KT_CHECK(rc == 0 && m.moved == 1 && m.already == len / KT_PAGE - 1,
		 "to system: the pool page moved, the rest already there");
	KT_CHECK(anon_huge_kb(buf) == 2048, "the first THP is still whole: AnonHugePages %ld kB",
		 anon_huge_kb(buf));
	check_location(buf, len, 0, "THP buffer");
	check_data(buf, len, 7, "THP buffer");
	munmap(buf, len);
}

/*
 * TO_POOL on a full pool moves nothing: THPs stay whole, data and counters right;
 * pages already in the pool are reported already. Wants a small pool (2 MiB).
 */
static void t_thpfull(void)
{
	long long pages = kt_pool_attr(pool, "pages") - kt_pool_attr(pool, "memmap_pages");
	size_t flen = pages * KT_PAGE, len = 4 * KT_MIB;
	char *fill = kt_map(flen), *buf;
	struct svm_cxl_migrate m;
	long long fails0;
	int rc;

	kt_fill(fill, flen, 31);
	kt_to_pool(fill, flen, pool, "filling the pool");
	KT_CHECK(kt_pool_attr(pool, "free") == 0, "pool%u is full", pool);
	buf = thp_map(len, 32);
	KT_CHECK(anon_huge_kb(buf) == 4096, "THP buffer: AnonHugePages %ld kB before",
		 anon_huge_kb(buf));
	fails0 = kt_pool_attr(pool, "stats/alloc_failures");
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("THP buffer to a full pool", &m);
	KT_CHECK(rc == 0 && m.moved == 0 && m.no_memory == len / KT_PAGE &&
		 kt_mig_total(&m) == len / KT_PAGE, "to a full pool: every page no_memory");
	KT_CHECK(anon_huge_kb(buf) == 4096, "no THP split: AnonHugePages %ld kB after",
		 anon_huge_kb(buf));
	KT_CHECK(kt_pool_attr(pool, "stats/alloc_failures") - fails0 == (long long)(len / KT_PAGE),
		 "stats/alloc_failures counted the refusal");
	check_data(buf, len, 32, "THP buffer");
	rc = kt_migrate(fill, flen, SVM_CXL_TO_POOL, pool, &m);
	KT_CHECK(rc == 0 && m.already == (uint64_t)pages && kt_mig_total(&m) == (uint64_t)pages,
		 "pages in the full pool: already");
	check_data(fill, flen, 31, "the pool's pages");
	kt_to_system(fill, flen, "emptying the pool");
	check_data(fill, flen, 31, "the pool's pages back");
	munmap(buf, len);
	munmap(fill, flen);
}

/*
 * Whether this kernel moves THPs as whole device folios: the module parameter
 * device_thp exists only on 6.19+ (kernel-thp.sh turns it on there).
 */
static int device_thp(void)
{
	FILE *f = fopen("/sys/module/svm_cxl/parameters/device_thp", "r");
	int c = f ? fgetc(f) : 'N';

	if (f)
		fclose(f);
	return c == 'Y' || c == '1';
}

/*
 * A 4 MiB THP buffer to the pool and back. With device THP (7.3): every page moves
 * inside a 2 MiB folio both ways (@huge, stats/huge_in, huge_out), AnonHugePages stays
 * 4096 kB in the pool and after; without (6.12): the same call moves base pages, @huge
 * and the counters stay 0. Both: every page where asked, every byte right. Also a
 * never-touched aligned 2 MiB (zero-filled on the device), and the time per 2 MiB.
 */
static void t_thpdev(void)
{
	size_t len = 4 * KT_MIB, n = len / KT_PAGE, off;
	int thp = device_thp();
	long long in0 = kt_pool_attr(pool, "stats/huge_in");
	long long out0 = kt_pool_attr(pool, "stats/huge_out");
	char *buf = thp_map(len, 41), *hole;
	struct svm_cxl_migrate m;
	double t0, t1, t2;
	int rc;

	printf("# device THP %s\n", thp ? "on" : "off (not this kernel, or parameter off)");
	KT_CHECK(anon_huge_kb(buf) == 4096, "THP buffer: AnonHugePages %ld kB", anon_huge_kb(buf));
	t0 = kt_now();
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	t1 = kt_now();
	kt_print_mig("THP buffer to the pool", &m);
	KT_CHECK(rc == 0 && m.moved == n && kt_mig_total(&m) == n, "to pool: all %zu pages moved", n);
	KT_CHECK(m.huge == (thp ? n : 0), "to pool: %llu pages moved as 2 MiB folios (want %zu)",
		 (unsigned long long)m.huge, thp ? n : 0);
	KT_CHECK(kt_pool_attr(pool, "stats/huge_in") - in0 == (long long)(thp ? n : 0),
		 "stats/huge_in counted %lld", kt_pool_attr(pool, "stats/huge_in") - in0);
	if (thp)
		KT_CHECK(anon_huge_kb(buf) == 4096, "in the pool, still huge: AnonHugePages %ld kB",
			 anon_huge_kb(buf));
	check_location(buf, len, pool, "THP buffer in the pool");
	check_data(buf, len, 41, "THP buffer in the pool");
	t2 = kt_now();
	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
	t2 = kt_now() - t2;
	kt_print_mig("THP buffer back", &m);
	KT_CHECK(rc == 0 && m.moved == n && kt_mig_total(&m) == n, "back: all %zu pages moved", n);
	KT_CHECK(m.huge == (thp ? n : 0), "back: %llu pages moved as 2 MiB folios",
		 (unsigned long long)m.huge);
	KT_CHECK(kt_pool_attr(pool, "stats/huge_out") - out0 == (long long)(thp ? n : 0),
		 "stats/huge_out counted %lld", kt_pool_attr(pool, "stats/huge_out") - out0);
	if (thp)
		KT_CHECK(anon_huge_kb(buf) == 4096, "back in RAM, never split: AnonHugePages %ld kB",
			 anon_huge_kb(buf));
	check_location(buf, len, 0, "THP buffer back");
	check_data(buf, len, 41, "THP buffer back");
	printf("# THP buffer (%s): %.3f ms per 2 MiB to the pool, %.3f ms back\n",
	       thp ? "2 MiB folios" : "base pages", (t1 - t0) * 1e3 / (len / (2 * KT_MIB)),
	       t2 * 1e3 / (len / (2 * KT_MIB)));
	munmap(buf, len);

	/* Never touched: an aligned 2 MiB hole becomes one zeroed device folio. */
	hole = thp_map(2 * KT_MIB, 0);
	madvise(hole, 2 * KT_MIB, MADV_DONTNEED);
	rc = kt_migrate(hole, 2 * KT_MIB, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("untouched 2 MiB to the pool", &m);
	KT_CHECK(rc == 0 && m.moved == 512 && m.zero_filled == 512 && m.huge == (thp ? 512u : 0u),
		 "untouched 2 MiB: 512 zero-filled, %llu as a folio", (unsigned long long)m.huge);
	check_location(hole, 2 * KT_MIB, pool, "untouched 2 MiB in the pool");
	for (off = 0; off < 2 * KT_MIB && !hole[off]; off++)
		;
	KT_CHECK(off == 2 * KT_MIB, "untouched 2 MiB reads zeroes (first non-zero byte at %zu)",
		 off);
	kt_to_system(hole, 2 * KT_MIB, "untouched 2 MiB back");
	check_location(hole, 2 * KT_MIB, 0, "untouched 2 MiB back");
	munmap(hole, 2 * KT_MIB);
	KT_CHECK(kt_pool_attr(pool, "used") == 0, "nothing left in the pool");
}

/*
 * No chunk of the pool wholly free, but 512 pages free in pieces: a THP goes to the
 * pool as 512 base pages (counted in stats/huge_fallback with device THP), data and
 * location right, and back. Wants a pool of 8 chunks (16 MiB).
 */
static void t_thpfallback(void)
{
	long long pages = kt_pool_attr(pool, "pages") - kt_pool_attr(pool, "memmap_pages");
	size_t flen = pages * KT_PAGE, len = 2 * KT_MIB, off;
	long long fb0 = kt_pool_attr(pool, "stats/huge_fallback");
	char *fill = kt_map(flen), *buf;
	struct svm_cxl_migrate m;
	int thp = device_thp(), rc;

	KT_CHECK(pages == 4096, "a 16 MiB pool (%lld pages)", pages);
	kt_fill(fill, flen, 51);
	kt_to_pool(fill, flen, pool, "filling the pool");
	/* 64 pages of every 512 back to RAM: 512 free, no chunk wholly free. */
	for (off = 0; off < flen; off += 2 * KT_MIB)
		kt_to_system(fill + off, 64 * KT_PAGE, "a piece of each chunk");
	KT_CHECK(kt_pool_attr(pool, "free") == 512, "512 pages free (%lld)",
		 kt_pool_attr(pool, "free"));
	buf = thp_map(len, 52);
	KT_CHECK(anon_huge_kb(buf) == 2048, "THP: AnonHugePages %ld kB", anon_huge_kb(buf));
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("THP to a pool without a free chunk", &m);
	KT_CHECK(rc == 0 && m.moved == 512 && m.huge == 0 && kt_mig_total(&m) == 512,
		 "no free chunk: the THP moved as 512 base pages");
	KT_CHECK(kt_pool_attr(pool, "stats/huge_fallback") - fb0 == (thp ? 512 : 0),
		 "stats/huge_fallback counted %lld", kt_pool_attr(pool, "stats/huge_fallback") - fb0);
	check_location(buf, len, pool, "THP as base pages");
	check_data(buf, len, 52, "THP as base pages");
	kt_to_system(buf, len, "THP as base pages back");
	check_data(buf, len, 52, "THP as base pages back");
	kt_to_system(fill, flen, "emptying the pool");
	check_data(fill, flen, 51, "the pool's pages back");
	munmap(buf, len);
	munmap(fill, flen);
	KT_CHECK(kt_pool_attr(pool, "used") == 0, "nothing left in the pool");
}

/*
 * A device THP evicted by a removal (6.15+: migrate_device_pfns() on the pages out):
 * the folio goes to a system THP whole, every byte right. The pool is removed here.
 */
static void t_thpdrain(void)
{
	size_t len = 4 * KT_MIB, n = len / KT_PAGE;
	char *buf = thp_map(len, 61);
	uint64_t evicted = 0, busy = 0;
	struct svm_cxl_migrate m;
	int thp = device_thp(), rc;

	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	KT_CHECK(rc == 0 && m.moved == n && m.huge == (thp ? n : 0), "THP buffer in the pool (%llu huge)",
		 (unsigned long long)m.huge);
	rc = kt_pool_remove(pool, 0, &evicted, &busy);
	KT_CHECK(rc == 0 && evicted == n && busy == 0, "remove evicted %llu of %zu pages (%s)",
		 (unsigned long long)evicted, n, strerror(rc));
	check_location(buf, len, 0, "evicted THP buffer");
	check_data(buf, len, 61, "evicted THP buffer");
	if (thp)
		KT_CHECK(anon_huge_kb(buf) == 4096, "evicted whole: AnonHugePages %ld kB",
			 anon_huge_kb(buf));
	munmap(buf, len);
}

/*
 * A 4 MiB THP buffer in the pool, then cut: the second 2 MiB half unmapped, one
 * 4 KiB page of the first 2 MiB made read-only, the deferred-split shrinker run
 * (drop_caches); every byte left must be right, and the rest must come back to
 * system RAM with nothing left in the pool (a split that lost pages would leave
 * "used" above 0). With device THP this cuts order-9 device folios.
 */
static void t_thpsplit(void)
{
	size_t len = 4 * KT_MIB, half = KT_MIB, n;
	char *buf = thp_map(len, 71);
	struct svm_cxl_migrate m;
	int fd, rc;

	kt_to_pool(buf, len, pool, "THP buffer to the pool");
	check_location(buf, len, pool, "THP buffer in the pool");
	/* Half of the second folio goes: a partial munmap of a 2 MiB folio. */
	KT_CHECK(munmap(buf + 3 * half, half) == 0, "munmap of the last 1 MiB");
	KT_CHECK(mprotect(buf + 5 * KT_PAGE, KT_PAGE, PROT_READ) == 0,
		 "mprotect of one 4 KiB page of the first 2 MiB");
	check_data(buf, 3 * half, 71, "what is left, in the pool");
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	KT_CHECK(fd >= 0 && write(fd, "2", 1) == 1, "drop_caches ran the shrinkers");
	if (fd >= 0)
		close(fd);
	check_data(buf, 3 * half, 71, "what is left, after the shrinkers");
	n = 3 * half / KT_PAGE;
	rc = kt_migrate(buf, 3 * half, SVM_CXL_TO_SYSTEM, 0, &m);
	kt_print_mig("the cut buffer back", &m);
	KT_CHECK(rc == 0 && m.moved == n && kt_mig_total(&m) == n,
		 "the cut buffer back: all %zu pages moved", n);
	check_location(buf, 3 * half, 0, "the cut buffer back");
	check_data(buf, 3 * half, 71, "the cut buffer back");
	KT_CHECK(kt_pool_attr(pool, "used") == 0, "nothing left in the pool (used %lld)",
		 kt_pool_attr(pool, "used"));
	munmap(buf, 3 * half);
	KT_CHECK(kt_pool_attr(pool, "used") == 0, "nothing left after munmap");
}

/* The pfn of the page at @addr (present), from /proc/self/pagemap (root only). */
static uint64_t pfn_of(void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)addr / KT_PAGE * 8) != 8)
		KT_DIE("pagemap: %s", strerror(errno));
	close(fd);
	if (!(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1)))
		KT_DIE("pagemap: %p not present or no pfn (root?)", addr);
	return e & ((1ULL << 55) - 1);
}

/* memory_failure() on @pfn as the kernel's software injector does: 0 or errno. */
static int hard_offline(uint64_t pfn)
{
	char s[32];
	int fd = open("/sys/devices/system/memory/hard_offline_page", O_WRONLY), rc = 0;

	if (fd < 0)
		KT_DIE("hard_offline_page: %s", strerror(errno));
	snprintf(s, sizeof(s), "%#llx", (unsigned long long)(pfn * KT_PAGE));
	if (write(fd, s, strlen(s)) < 0)
		rc = errno;
	close(fd);
	return rc;
}

static sigjmp_buf bus_jmp;
static volatile int bus_code;
static void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

/* Read one byte at @p; returns 1 if that raised SIGBUS (code and address saved). */
static int read_sigbus(volatile char *p)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO }, old;
	int got = 0;

	sigaction(SIGBUS, &sa, &old);
	bus_code = 0;
	bus_addr = NULL;
	if (!sigsetjmp(bus_jmp, 1))
		(void)*p;
	else
		got = 1;
	sigaction(SIGBUS, &old, NULL);
	return got;
}

static int pool_pfn(uint64_t pfn)
{
	uint64_t first = kt_pool_attr(pool, "start") / KT_PAGE;

	return pfn >= first && pfn < first + kt_pool_attr(pool, "pages");
}

/* Every page of @len at @buf but page @skip equals @shadow. */
static int same_but(const char *buf, const char *shadow, size_t len, size_t skip)
{
	size_t i;

	for (i = 0; i < len / KT_PAGE; i++)
		if (i != skip && memcmp(buf + i * KT_PAGE, shadow + i * KT_PAGE, KT_PAGE))
			return 0;
	return 1;
}

/*
 * A pool page in use is poisoned (memory_failure(), as a machine check or a CXL
 * poison record would call it): it is retired, its mapper gets SIGBUS on access as
 * for RAM, the other pages are intact, and a removal of the pool skips it. Removes
 * the pool.
 */
static void t_poison(void)
{
	size_t len = 16 * KT_PAGE, bad = 3;
	char *buf = kt_map(len), *shadow = malloc(len);
	long long pois0 = kt_pool_attr(pool, "stats/poisoned");
	long long ret0 = kt_pool_attr(pool, "retired");
	uint64_t pfn, evicted, busy;
	int rc;

	if (!shadow)
		KT_DIE("malloc");
	kt_fill(buf, len, 61);
	memcpy(shadow, buf, len);
	kt_to_pool(buf, len, pool, "buffer to be poisoned");
	pfn = pfn_of(buf + bad * KT_PAGE);
	KT_CHECK(pool_pfn(pfn), "page %zu is pool pfn %#llx", bad, (unsigned long long)pfn);
	rc = hard_offline(pfn);
	KT_CHECK(rc == 0, "memory failure on a pool page in use handled (%s)", strerror(rc));
	KT_CHECK(kt_pool_attr(pool, "stats/poisoned") == pois0 + 1, "stats/poisoned counted it");
	KT_CHECK(kt_pool_attr(pool, "retired") == ret0 + 1,
		 "the page is retired (its last reference went with its mapping)");
	KT_CHECK(read_sigbus(buf + bad * KT_PAGE) && bus_code == BUS_MCEERR_AR &&
		 bus_addr == buf + bad * KT_PAGE,
		 "reading the poisoned page: SIGBUS BUS_MCEERR_AR at its address (code %d)",
		 bus_code);
	KT_CHECK(same_but(buf, shadow, len, bad), "the other 15 pages are intact");
	KT_CHECK(kt_count_in(buf, len, pool) == len / KT_PAGE - 1,
		 "the other 15 pages are still in the pool");
	rc = hard_offline(pfn);
	KT_CHECK(rc == EHWPOISON, "a second failure on the same page: EHWPOISON (%s)",
		 strerror(rc));
	KT_CHECK(kt_pool_attr(pool, "free") + kt_pool_attr(pool, "used") +
		 kt_pool_attr(pool, "retired") + kt_pool_attr(pool, "memmap_pages") ==
		 kt_pool_attr(pool, "pages"), "free + used + retired + memmap_pages = pages");
	rc = kt_pool_remove(pool, 0, &evicted, &busy);
	KT_CHECK(rc == 0 && evicted == len / KT_PAGE - 1,
		 "pool removal skips the retired page: rc %d, %llu evicted", rc,
		 (unsigned long long)evicted);
	KT_CHECK(same_but(buf, shadow, len, bad), "after the removal the 15 pages are intact");
	KT_CHECK(kt_count_in(buf, len, 0) == len / KT_PAGE - 1, "... and in system RAM");
	KT_CHECK(read_sigbus(buf + bad * KT_PAGE) && bus_code == BUS_MCEERR_AR,
		 "the poisoned page still raises SIGBUS");
	munmap(buf, len);
	free(shadow);
}

/*
 * A free pool page is poisoned: it leaves the free pages at once and is never handed
 * out again. Wants a small pool (2 MiB), all free.
 */
static void t_poisonfree(void)
{
	long long pages = kt_pool_attr(pool, "pages") - kt_pool_attr(pool, "memmap_pages");
	uint64_t last = kt_pool_attr(pool, "start") / KT_PAGE + kt_pool_attr(pool, "pages") - 1;
	size_t len = pages * KT_PAGE, i, on_bad = 0;
	char *buf = kt_map(len);
	struct svm_cxl_migrate m;
	int rc;

	KT_CHECK(kt_pool_attr(pool, "free") == pages, "pool%u is empty", pool);
	rc = hard_offline(last);
	KT_CHECK(rc == 0, "memory failure on a free pool page handled (%s)", strerror(rc));
	KT_CHECK(kt_pool_attr(pool, "retired") == 1 && kt_pool_attr(pool, "free") == pages - 1,
		 "retired 1, free %lld", kt_pool_attr(pool, "free"));
	kt_fill(buf, len, 62);
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("a whole pool's worth to a pool with a retired page", &m);
	KT_CHECK(rc == 0 && m.moved == (uint64_t)pages - 1 && m.no_memory == 1,
		 "every page but one moved; one no_memory");
	for (i = 0; i < len / KT_PAGE; i++)
		if (kt_count_in(buf + i * KT_PAGE, KT_PAGE, pool) && pfn_of(buf + i * KT_PAGE) == last)
			on_bad++;
	KT_CHECK(on_bad == 0, "no page landed on the retired pfn");
	check_data(buf, len, 62, "buffer");
	kt_to_system(buf, len, "buffer back");
	check_data(buf, len, 62, "buffer back");
	KT_CHECK(kt_pool_attr(pool, "free") == pages - 1 && kt_pool_attr(pool, "used") == 0,
		 "all free again but the retired page");
	munmap(buf, len);
}

/* A process of another user holding pool pages (t_limit). */
struct holder {
	pid_t pid;
	int go;				/* write end: tell it to check its data and exit */
	struct {
		uint64_t moved, no_memory;
	} res;
};

/*
 * Fork a process that becomes @uid (keeping the open /dev/svm_cxl), migrates @pages
 * pages of its own to the pool, reports the result, and waits; on the go it checks
 * its data (in the pool where it moved, in RAM elsewhere) and exits 0 if intact.
 */
static void holder_start(struct holder *h, uid_t uid, size_t pages, uint64_t seed)
{
	int rp[2], gp[2];
	char c;

	if (pipe(rp) || pipe(gp))
		KT_DIE("pipe");
	h->pid = fork();
	if (h->pid < 0)
		KT_DIE("fork");
	if (h->pid == 0) {
		size_t len = pages * KT_PAGE;
		char *buf;
		struct svm_cxl_migrate m;
		uint64_t res[2];

		if (setgid(uid) || setuid(uid))
			_exit(100);
		buf = kt_map(len);
		kt_fill(buf, len, seed);
		if (kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m))
			_exit(101);
		res[0] = m.moved;
		res[1] = m.no_memory;
		if (write(rp[1], res, sizeof(res)) != sizeof(res) ||
		    read(gp[0], &c, 1) != 1)
			_exit(102);
		_exit(kt_verify(buf, len, seed) == (size_t)-1 &&
		      kt_count_in(buf, len, pool) == m.moved ? 0 : 1);
	}
	close(rp[1]);
	close(gp[0]);
	if (read(rp[0], &h->res, sizeof(h->res)) != sizeof(h->res))
		KT_DIE("holder %d died", h->pid);
	close(rp[0]);
	h->go = gp[1];
}

/* Let the holder check its data and exit; its exit status (0: data intact). */
static int holder_stop(struct holder *h)
{
	int status;

	if (write(h->go, "g", 1) != 1)
		KT_DIE("go");
	close(h->go);
	waitpid(h->pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Pages the pool's holders file lists for @pid with @uid (-1: no such line). */
static long holder_pages(pid_t pid, uid_t uid)
{
	char path[128], line[256];
	long pages = -1, p;
	int lpid;
	unsigned int luid;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/svm_cxl/pools/pool%u/holders", pool);
	f = fopen(path, "r");
	if (!f)
		KT_DIE("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %u %ld", &lpid, &luid, &p) == 3 && lpid == pid &&
		    luid == uid)
			pages = p;
	fclose(f);
	return pages;
}

/*
 * The per-user page limit (module parameter user_page_limit, set by the caller) with
 * two unprivileged users: each gets its own budget, shared by its processes; what is
 * over is no_memory; holders names who holds what; an exit gives the pages back.
 */
static void t_limit(void)
{
	FILE *f = fopen("/sys/module/svm_cxl/parameters/user_page_limit", "r");
	struct holder a, b, a2, a3;
	long limit = 0;

	pid_t pid;
	int status;

	if (!f || fscanf(f, "%ld", &limit) != 1 || limit < 20)
		KT_DIE("user_page_limit must be set to 20 or more (%ld)", limit);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(100);
		_exit(open("/sys/module/svm_cxl/parameters/user_page_limit", O_WRONLY) < 0 &&
		      errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "an unprivileged user cannot set user_page_limit (EACCES)");
	holder_start(&a, 1000, limit + 50, 301);
	KT_CHECK(a.res.moved == (uint64_t)limit && a.res.no_memory == 50,
		 "uid 1000, %ld + 50 pages: %llu moved, %llu no_memory", limit,
		 (unsigned long long)a.res.moved, (unsigned long long)a.res.no_memory);
	holder_start(&b, 1001, limit / 2, 302);
	KT_CHECK(b.res.moved == (uint64_t)limit / 2 && b.res.no_memory == 0,
		 "uid 1001 has its own budget: %llu of %ld moved", (unsigned long long)b.res.moved,
		 limit / 2);
	KT_CHECK(holder_pages(a.pid, 1000) == limit, "holders: pid %d uid 1000 %ld pages",
		 a.pid, holder_pages(a.pid, 1000));
	KT_CHECK(holder_pages(b.pid, 1001) == limit / 2, "holders: pid %d uid 1001 %ld pages",
		 b.pid, holder_pages(b.pid, 1001));
	holder_start(&a2, 1000, 10, 303);
	KT_CHECK(a2.res.moved == 0 && a2.res.no_memory == 10,
		 "another process of uid 1000 at the limit: all 10 no_memory");
	KT_CHECK(holder_pages(a2.pid, 1000) == -1, "holders: nothing for it");
	KT_CHECK(holder_stop(&a2) == 0, "its data intact in RAM");
	KT_CHECK(holder_stop(&a) == 0, "uid 1000's first process: data intact in the pool");
	KT_CHECK(holder_pages(a.pid, 1000) == -1, "holders: its line went with its exit");
	holder_start(&a3, 1000, 10, 304);
	KT_CHECK(a3.res.moved == 10, "uid 1000 again after the exit: 10 moved");
	KT_CHECK(holder_stop(&a3) == 0 && holder_stop(&b) == 0, "data intact");
	KT_CHECK(kt_pool_attr(pool, "used") == 0, "pool empty again");
}

/* Lifecycle matrix (docs/kernel.md): what the core does with pool pages. */

/* mlock'd pages move to the pool and back; munlock and munmap give them back. */
static void t_mlock(void)
{
	size_t len = 64 * KT_PAGE;
	char *buf = kt_map(len);
	long long used0 = kt_pool_attr(pool, "used");

	kt_fill(buf, len, 401);
	KT_CHECK(mlock(buf, len) == 0, "mlock %zu bytes (%s)", len, strerror(errno));
	kt_to_pool(buf, len, pool, "mlocked buffer");
	check_location(buf, len, pool, "mlocked buffer");
	check_data(buf, len, 401, "mlocked buffer");
	KT_CHECK(kt_pool_attr(pool, "used") == used0 + (long long)(len / KT_PAGE),
		 "pool used counts the mlocked pages");
	kt_to_system(buf, len, "mlocked buffer back");
	check_location(buf, len, 0, "mlocked buffer back");
	check_data(buf, len, 401, "mlocked buffer back");
	kt_to_pool(buf, len, pool, "mlocked buffer again");
	KT_CHECK(munlock(buf, len) == 0, "munlock on pool pages");
	check_data(buf, len, 401, "after munlock");
	munmap(buf, len);
	KT_CHECK(kt_pool_attr(pool, "used") == used0, "munmap gave the pages back");
}

/*
 * MADV_DONTNEED frees pool pages at once (they read back as zeroes); MADV_FREE is
 * skipped for ZONE_DEVICE pages (6.12 mm/madvise.c), so they stay, data intact.
 */
static void t_madvise(void)
{
	size_t len = 32 * KT_PAGE, half = len / 2, i;
	char *buf = kt_map(len);
	long long used0 = kt_pool_attr(pool, "used");
	int zero = 1;

	kt_fill(buf, len, 402);
	kt_to_pool(buf, len, pool, "madvise buffer");
	KT_CHECK(madvise(buf + half, half, MADV_FREE) == 0, "MADV_FREE on pool pages");
	KT_CHECK(kt_pool_attr(pool, "used") == used0 + (long long)(len / KT_PAGE),
		 "MADV_FREE freed no pool page (used %lld)", kt_pool_attr(pool, "used") - used0);
	check_data(buf, len, 402, "after MADV_FREE");
	check_location(buf, len, pool, "after MADV_FREE");
	KT_CHECK(madvise(buf, half, MADV_DONTNEED) == 0, "MADV_DONTNEED on pool pages");
	KT_CHECK(kt_pool_attr(pool, "used") == used0 + (long long)(half / KT_PAGE),
		 "MADV_DONTNEED freed %zu pool pages", half / KT_PAGE);
	for (i = 0; i < half; i++)
		zero &= !buf[i];
	KT_CHECK(zero, "the freed half reads as zeroes");
	KT_CHECK(kt_count_in(buf + half, half, pool) == half / KT_PAGE,
		 "the other half is still in the pool");
	munmap(buf, len);
	KT_CHECK(kt_pool_attr(pool, "used") == used0, "munmap gave the rest back");
}

/*
 * A userfaultfd-registered range (missing mode): populated pages move, holes are not
 * filled on the device (the core backs off, userfaultfd_missing()), so a later
 * access still reaches the userfaultfd handler.
 */
static void t_uffd(void)
{
	size_t len = 8 * KT_PAGE, i;
	char *buf = kt_map(len);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)buf, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct svm_cxl_page_loc locs[8];
	struct svm_cxl_migrate m;
	int uffd, rc, holes = 0;

	for (i = 0; i < len; i += 2 * KT_PAGE)
		memset(buf + i, 0x5a, KT_PAGE);	/* pages 0, 2, 4, 6 populated */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg))
		KT_DIE("userfaultfd: %s", strerror(errno));
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("uffd-registered range to the pool", &m);
	KT_CHECK(rc == 0 && m.moved == 4 && m.zero_filled == 0 && kt_mig_total(&m) == 8,
		 "the 4 populated pages moved, no hole was filled");
	rc = kt_query(buf, len, locs, NULL);
	for (i = 0; i < 8; i++)
		holes += i % 2 ? locs[i].where == SVM_CXL_WHERE_NONE :
				 (locs[i].where == SVM_CXL_WHERE_POOL && locs[i].id == pool);
	KT_CHECK(rc == 0 && holes == 8, "holes still empty, populated pages in the pool");
	for (i = 0; i < len; i += 2 * KT_PAGE)
		if (buf[i] != 0x5a || buf[i + KT_PAGE - 1] != 0x5a)
			holes = -1;
	KT_CHECK(holes == 8, "populated pages intact in the pool");
	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
	KT_CHECK(rc == 0 && m.moved == 4 && m.absent == 4,
		 "back: the 4 pool pages moved, the 4 holes absent");
	close(uffd);
	munmap(buf, len);
}

/* The memory.current of cgroup @cg (bytes). */
static long long cg_current(const char *cg)
{
	char path[256], line[64];
	FILE *f;
	long long v = -1;

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f))
		v = strtoll(line, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		rc = errno;
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * memcg: pool pages stay charged to the cgroup of the process (the core moves the
 * charge with the page, and charges pages allocated on the device), and are uncharged
 * when freed. A child in its own cgroup does the work so the parent's charges do not
 * blur the numbers.
 */
static void t_memcg(void)
{
	const char *root = "/sys/fs/cgroup", *cg = "/sys/fs/cgroup/svm-ktest";
	char path[256], pid[32];
	int status, p[2];
	long long v[4];
	pid_t child;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		mkdir(root, 0755);
		if (mount("cgroup2", root, "cgroup2", 0, NULL))
			KT_DIE("mount cgroup2: %s", strerror(errno));
	}
	write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(cg, 0755) && errno != EEXIST)
		KT_DIE("mkdir %s: %s", cg, strerror(errno));
	if (pipe(p))
		KT_DIE("pipe");
	child = fork();
	if (child == 0) {
		size_t len = 4 * KT_MIB;
		char *buf, *fresh;
		long long r[4];

		snprintf(pid, sizeof(pid), "%d", getpid());
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (write_str(path, pid))
			_exit(100);
		buf = kt_map(len);
		fresh = kt_map(len);
		r[0] = cg_current(cg);
		kt_fill(buf, len, 403);
		r[1] = cg_current(cg);
		kt_to_pool(buf, len, pool, "memcg buffer");
		kt_to_pool(fresh, len, pool, "memcg never touched");
		r[2] = cg_current(cg);
		munmap(buf, len);
		munmap(fresh, len);
		r[3] = cg_current(cg);
		_exit(write(p[1], r, sizeof(r)) == sizeof(r) ? 0 : 101);
	}
	waitpid(child, &status, 0);
	KT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		 read(p[0], v, sizeof(v)) == sizeof(v), "memcg child ran (status %#x)", status);
	printf("# memory.current: %lld start, %lld filled, %lld in the pool, %lld after munmap\n",
	       v[0], v[1], v[2], v[3]);
	KT_CHECK(v[1] - v[0] >= (long long)(4 * KT_MIB), "4 MiB in RAM charged");
	KT_CHECK(v[2] - v[1] >= (long long)(4 * KT_MIB - KT_MIB / 2),
		 "pool pages stay charged, allocated-on-device ones charged too (+%lld)",
		 v[2] - v[1]);
	KT_CHECK(v[2] - v[3] >= (long long)(8 * KT_MIB - KT_MIB / 2),
		 "munmap uncharged the pool pages (-%lld)", v[2] - v[3]);
	close(p[0]);
	close(p[1]);
	rmdir(cg);
}

/*
 * Seeded random stress: STRESS_PROCS processes, each with a private and a shared
 * range and a thread of its own, doing random writes, migrations both ways, forks
 * whose child checks everything and exits, and munmap/mmap of pieces, while the
 * parent drains the pool away and adds it back over the same range. Every byte is
 * checked against a shadow copy in RAM after every step. SVM_KTEST_SEED picks the
 * seed (printed), SVM_KTEST_STRESS_OPS the steps per process.
 */
#define STRESS_PROCS	3
#define STRESS_PAGES	64

static uint64_t xs_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

struct stress_range {
	char *buf;		/* STRESS_PAGES pages */
	char *shadow;		/* what buf must hold */
	pthread_mutex_t lock;	/* one writer or mapper at a time per range */
};

/* The first bad page of @r, or -1. */
static long stress_check(struct stress_range *r)
{
	long i;

	for (i = 0; i < STRESS_PAGES; i++)
		if (memcmp(r->buf + i * KT_PAGE, r->shadow + i * KT_PAGE, KT_PAGE))
			return i;
	return -1;
}

/* One random step on @r; returns 0, or 1 if data went wrong. */
static int stress_step(struct stress_range *r, uint64_t *x, bool shared)
{
	size_t first = xs_next(x) % STRESS_PAGES, n = 1 + xs_next(x) % (STRESS_PAGES - first);
	char *a = r->buf + first * KT_PAGE, *sh = r->shadow + first * KT_PAGE;
	struct svm_cxl_migrate m;
	size_t i;
	int bad = 0, status;
	pid_t pid;

	pthread_mutex_lock(&r->lock);
	switch (xs_next(x) % 6) {
	case 0:	/* write */
		for (i = 0; i < n * KT_PAGE; i += 512) {
			char v = (char)xs_next(x);

			a[i] = v;
			sh[i] = v;
		}
		break;
	case 1:	/* to the pool (it may be draining, or gone for a moment) */
		kt_migrate(a, n * KT_PAGE, SVM_CXL_TO_POOL, pool, &m);
		break;
	case 2:
		kt_migrate(a, n * KT_PAGE, SVM_CXL_TO_SYSTEM, 0, &m);
		break;
	case 3:	/* a child checks everything, writes its own copy, exits */
		pid = fork();
		if (pid == 0) {
			if (stress_check(r) >= 0)
				_exit(1);
			if (!shared)
				memset(r->buf, 0x77, KT_PAGE);	/* COW: parent must not see it */
			_exit(0);
		}
		waitpid(pid, &status, 0);
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
		break;
	case 4:	/* munmap a piece and map it again: zeroes */
		if (shared)
			break;
		munmap(a, n * KT_PAGE);
		if (mmap(a, n * KT_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != a)
			KT_DIE("mmap fixed: %s", strerror(errno));
		memset(sh, 0, n * KT_PAGE);
		break;
	default: /* MADV_DONTNEED of a piece */
		if (shared)
			break;
		madvise(a, n * KT_PAGE, MADV_DONTNEED);
		memset(sh, 0, n * KT_PAGE);
		break;
	}
	if (stress_check(r) >= 0)
		bad = 1;
	pthread_mutex_unlock(&r->lock);
	return bad;
}

struct stress_thread {
	struct stress_range *r;
	uint64_t seed;
	long ops;
	int bad;
};

static void *stress_thread_fn(void *arg)
{
	struct stress_thread *t = arg;
	long i;

	for (i = 0; i < t->ops && !t->bad; i++)
		t->bad |= stress_step(t->r, &t->seed, false);
	return NULL;
}

static void stress_range_init(struct stress_range *r, bool shared, uint64_t seed)
{
	size_t len = STRESS_PAGES * KT_PAGE;

	r->buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
	r->shadow = malloc(len);
	if (r->buf == MAP_FAILED || !r->shadow)
		KT_DIE("stress map: %s", strerror(errno));
	madvise(r->buf, len, MADV_NOHUGEPAGE);
	kt_fill(r->buf, len, seed);
	memcpy(r->shadow, r->buf, len);
	pthread_mutex_init(&r->lock, NULL);
}

/* One stress process: a thread on one private range, itself on another and a shared one. */
static int stress_proc(uint64_t seed, long ops)
{
	struct stress_range priv, mine, shared;
	struct stress_thread t = { .r = &priv, .seed = seed * 7 + 1, .ops = ops };
	pthread_t th;
	uint64_t x = seed;
	long i;
	int bad = 0;

	stress_range_init(&priv, false, seed + 1);
	stress_range_init(&mine, false, seed + 2);
	stress_range_init(&shared, true, seed + 3);
	if (pthread_create(&th, NULL, stress_thread_fn, &t))
		KT_DIE("pthread_create");
	for (i = 0; i < ops && !bad; i++) {
		struct stress_range *r = xs_next(&x) % 2 ? &mine : &shared;

		bad |= stress_step(r, &x, r == &shared) << 1;
	}
	pthread_join(th, NULL);
	bad |= t.bad;
	/* Everything back to RAM and checked once more. */
	kt_migrate(mine.buf, STRESS_PAGES * KT_PAGE, SVM_CXL_TO_SYSTEM, 0, NULL);
	kt_migrate(priv.buf, STRESS_PAGES * KT_PAGE, SVM_CXL_TO_SYSTEM, 0, NULL);
	bad |= (stress_check(&mine) >= 0 || stress_check(&priv) >= 0 ||
		stress_check(&shared) >= 0) << 2;
	return bad;
}

/* An untouched MAP_NORESERVE range: address space only, no memory behind it. */
static char *map_noreserve(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		KT_DIE("mmap %zu GiB MAP_NORESERVE: %s", len >> 30, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/*
 * Review C10: a migration over a huge range stops on a fatal signal. A TO_SYSTEM over
 * terabytes of address space is one batch after another for a minute; SIGKILLed after
 * a second it must end within a few (before the fix it ran to the end). Nothing is
 * lost: the child's 4 MiB in the pool (at the far end of the range, not reached) go
 * back with its death (pool used as before), and the parent's 2 MiB in the pool are
 * intact and still there.
 */
static void t_kill(void)
{
	const double want_s = 40;
	size_t len = 2 * KT_MIB, cal = 1UL << 30, big, gib, data = 4 * KT_MIB;
	struct svm_cxl_migrate m;
	char *buf = kt_map(len), *probe, c;
	long long used0;
	double t, est, dt;
	int fds[2], status, rc;
	pid_t pid;

	kt_fill(buf, len, 4242);
	kt_to_pool(buf, len, pool, "parent's 2 MiB");
	used0 = kt_pool_attr(pool, "used");

	/* Calibrate: the time of one GiB of address space, nothing in it. */
	probe = map_noreserve(cal);
	t = kt_now();
	rc = kt_migrate(probe, cal, SVM_CXL_TO_SYSTEM, 0, &m);
	t = kt_now() - t;
	munmap(probe, cal);
	KT_CHECK(!rc, "TO_SYSTEM over 1 GiB of holes: %s, %.4f s", strerror(rc), t);
	gib = t > 0 ? (size_t)(want_s / t) + 1 : 1UL << 16;
	gib = gib < 1 ? 1 : gib > (1UL << 16) ? 1UL << 16 : gib;	/* at most 64 TiB */
	big = gib << 30;
	est = t * gib;
	printf("# calibration: 1 GiB of holes in %.4f s; %zu GiB should take %.1f s\n", t, gib, est);
	KT_CHECK(est >= 20, "a TO_SYSTEM over %zu GiB takes %.1f s (20 s at least, to interrupt)",
		 gib, est);
	if (est < 20)
		return;

	if (pipe(fds))
		KT_DIE("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		char *r = map_noreserve(big);

		close(fds[0]);
		kt_fill(r + big - data, data, 77);
		kt_to_pool(r + big - data, data, pool, "child's 4 MiB at the end");
		if (write(fds[1], "r", 1) != 1)
			_exit(3);
		kt_migrate(r, big, SVM_CXL_TO_SYSTEM, 0, &m);
		if (write(fds[1], "d", 1) != 1)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	KT_CHECK(read(fds[0], &c, 1) == 1 && c == 'r', "child ready with its 4 MiB in the pool");
	KT_CHECK(kt_pool_attr(pool, "used") == used0 + (long long)(data / KT_PAGE),
		 "pool used %lld + the child's %zu pages", used0, data / KT_PAGE);
	sleep(1);
	kill(pid, SIGKILL);
	t = kt_now();
	waitpid(pid, &status, 0);
	dt = kt_now() - t;
	KT_CHECK(read(fds[0], &c, 1) == 0, "the child's migration had not finished when killed");
	close(fds[0]);
	KT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child died of SIGKILL (status %#x)",
		 status);
	KT_CHECK(dt < 5 && dt < est / 4,
		 "SIGKILL ended the %.1f s migration within %.2f s (5 s at most)", est, dt);
	KT_CHECK(kt_pool_attr(pool, "used") == used0,
		 "the child's pool pages went with it: used back to %lld (now %lld)", used0,
		 kt_pool_attr(pool, "used"));
	KT_CHECK(kt_verify(buf, len, 4242) == (size_t)-1 &&
		 kt_count_in(buf, len, pool) == len / KT_PAGE,
		 "parent's 2 MiB intact byte for byte and still in pool%u", pool);
	munmap(buf, len);
}

static void t_stress(void)
{
	const char *e = getenv("SVM_KTEST_SEED"), *o = getenv("SVM_KTEST_STRESS_OPS");
	uint64_t seed = e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL);
	long ops = o ? strtol(o, NULL, 0) : 150, cycles = 0;
	uint64_t start = kt_pool_attr(pool, "start"), size = kt_pool_attr(pool, "size");
	pid_t pids[STRESS_PROCS];
	int i, status, ok = 1, live = STRESS_PROCS;

	printf("# stress seed %llu, %ld steps per process\n", (unsigned long long)seed, ops);
	for (i = 0; i < STRESS_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(stress_proc(seed + 1000 * (i + 1), ops));
	}
	/* Drain the pool away and add it back while they run. */
	while (live) {
		uint64_t evicted, busy;
		uint32_t id, node;
		int rc = kt_pool_remove(pool, 2000, &evicted, &busy);

		if (rc == 0) {
			rc = kt_pool_add(start, size, &id, &node);
			if (rc || id != pool)
				KT_DIE("re-add pool: %s, id %u (want %u)", strerror(rc), id, pool);
			cycles++;
		} else if (rc != EBUSY) {
			KT_DIE("pool remove: %s", strerror(rc));
		}
		usleep(200000);
		for (i = 0; i < STRESS_PROCS; i++) {
			if (pids[i] && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				if (!WIFEXITED(status) || WEXITSTATUS(status)) {
					printf("# stress process %d: status %#x\n", i, status);
					ok = 0;
				}
				pids[i] = 0;
				live--;
			}
		}
	}
	KT_CHECK(ok, "stress seed %llu: every byte right in %d processes (+threads, forks), pool drained and re-added %ld times",
		 (unsigned long long)seed, STRESS_PROCS, cycles);
	KT_CHECK(cycles > 0, "the pool was drained and re-added during the stress");
	KT_CHECK(kt_pool_attr(pool, "used") == 0, "nothing left in the pool");
}

static const struct kt_test tests[] = {
	{ "sizes", t_sizes },
	{ "big", t_big },
	{ "roundtrip", t_roundtrip },
	{ "mixed", t_mixed },
	{ "nofault", t_nofault },
	{ "fork", t_fork },
	{ "exit", t_exit },
	{ "munmap", t_munmap },
	{ "threads", t_threads },
	{ "samerange", t_samerange },
	{ "pin", t_pin },
	{ "badinput", t_badinput },
	{ "unpriv", t_unpriv },
	{ "full", t_full },
	{ "drain", t_drain },
	{ "drainbusy", t_drainbusy },
	{ "drainrace", t_drainrace },
	{ "hold", t_hold },
	{ "thp", t_thp },
	{ "thpfull", t_thpfull },
	{ "thpdev", t_thpdev },
	{ "thpfallback", t_thpfallback },
	{ "thpdrain", t_thpdrain },
	{ "thpsplit", t_thpsplit },
	{ "poison", t_poison },
	{ "poisonfree", t_poisonfree },
	{ "limit", t_limit },
	{ "mlock", t_mlock },
	{ "madvise", t_madvise },
	{ "uffd", t_uffd },
	{ "memcg", t_memcg },
	{ "kill", t_kill },
	{ "stress", t_stress },
};

int main(int argc, char **argv)
{
	return kt_main(argc, argv, "svm-ktest", &pool, tests, sizeof(tests) / sizeof(tests[0]));
}
