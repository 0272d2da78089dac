// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kp2p POOL_A POOL_B: pool to pool. TO_POOL B of pages that sit in pool A moves
 * them straight there (device to device): every page ends in B, data intact byte for
 * byte, A's pages are freed, B's stats/peer_in and A's stats/peer_out count them and
 * neither migrated_out of A nor migrated_in of B moves (nothing went through RAM). A
 * page of A that is pinned is refused and is the only other_pool page; a mixed buffer
 * (A, RAM, never touched) lands in B whole; TO_SYSTEM filtered on A leaves B's pages
 * (other_pool) as before.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ktest.h"

#define LEN	(2 * KT_MIB)
#define PAGES	(LEN / KT_PAGE)

static uint32_t a, b;

static void check_in(void *buf, size_t len, uint32_t pool, const char *what)
{
	size_t n = kt_count_in(buf, len, pool);

	KT_CHECK(n == len / KT_PAGE, "%s: %zu/%zu pages in %s%u", what, n, len / KT_PAGE,
		 pool ? "pool" : "system RAM, ", pool);
}

static void check_data(void *buf, size_t len, uint64_t seed, const char *what)
{
	size_t bad = kt_verify(buf, len, seed);

	KT_CHECK(bad == (size_t)-1, "%s: data intact (first bad byte %zd)", what,
		 bad == (size_t)-1 ? (ssize_t)-1 : (ssize_t)bad);
}

static void t_move(void)
{
	long long a_out = kt_pool_attr(a, "stats/migrated_out");
	long long b_in = kt_pool_attr(b, "stats/migrated_in");
	long long b_peer = kt_pool_attr(b, "stats/peer_in");
	long long a_peer = kt_pool_attr(a, "stats/peer_out");
	struct svm_cxl_migrate m;
	char *buf = kt_map(LEN);
	double t0;
	int rc;

	kt_fill(buf, LEN, 21);
	kt_to_pool(buf, LEN, a, "to pool A");
	check_in(buf, LEN, a, "to pool A");
	KT_CHECK(kt_pool_attr(a, "used") == (long long)PAGES, "pool A used %lld",
		 kt_pool_attr(a, "used"));
	b_in = kt_pool_attr(b, "stats/migrated_in");

	t0 = kt_now();
	rc = kt_migrate(buf, LEN, SVM_CXL_TO_POOL, b, &m);
	kt_print_mig("A to B", &m);
	printf("# perf: pool to pool %lu MiB in %.3f s\n", LEN >> 20, kt_now() - t0);
	KT_CHECK(!rc && m.moved == PAGES && m.other_pool == 0 && m.zero_filled == 0 &&
		 kt_mig_total(&m) == PAGES,
		 "A to B: %s, %llu of %lu moved, other_pool %llu", strerror(rc),
		 (unsigned long long)m.moved, PAGES, (unsigned long long)m.other_pool);
	check_in(buf, LEN, b, "A to B");
	check_data(buf, LEN, 21, "A to B");
	KT_CHECK(kt_pool_attr(a, "used") == 0 && kt_pool_attr(b, "used") == (long long)PAGES,
		 "A's pages freed (used %lld), B holds them (used %lld)", kt_pool_attr(a, "used"),
		 kt_pool_attr(b, "used"));
	KT_CHECK(kt_pool_attr(b, "stats/peer_in") - b_peer == (long long)PAGES &&
		 kt_pool_attr(a, "stats/peer_out") - a_peer == (long long)PAGES,
		 "B peer_in and A peer_out counted %lu", PAGES);
	KT_CHECK(kt_pool_attr(a, "stats/migrated_out") == a_out &&
		 kt_pool_attr(b, "stats/migrated_in") == b_in,
		 "no bounce through RAM: A migrated_out and B migrated_in unchanged");

	/* Back the other way, then home. */
	kt_to_pool(buf, LEN, a, "B to A");
	check_in(buf, LEN, a, "B to A");
	check_data(buf, LEN, 21, "B to A");
	kt_to_system(buf, LEN, "A to RAM");
	check_data(buf, LEN, 21, "A to RAM");
	munmap(buf, LEN);
}

/* One page of A spliced into a pipe (a reference of the pipe): refused, other_pool. */
static void t_pinned(void)
{
	struct svm_cxl_migrate m;
	char *buf = kt_map(LEN), sink[4096];
	struct iovec iov;
	int p[2], rc;

	kt_fill(buf, LEN, 22);
	kt_to_pool(buf, LEN, a, "to pool A");
	if (pipe(p))
		KT_DIE("pipe");
	iov.iov_base = buf + 5 * KT_PAGE;
	iov.iov_len = KT_PAGE;
	if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)KT_PAGE)
		KT_DIE("vmsplice: %s", strerror(errno));
	rc = kt_migrate(buf, LEN, SVM_CXL_TO_POOL, b, &m);
	kt_print_mig("A to B, one page spliced", &m);
	KT_CHECK(!rc && m.moved == PAGES - 1 && m.other_pool == 1 && kt_mig_total(&m) == PAGES,
		 "pinned: %llu moved, the spliced page other_pool (%llu)",
		 (unsigned long long)m.moved, (unsigned long long)m.other_pool);
	KT_CHECK(kt_count_in(buf, LEN, b) == PAGES - 1 &&
		 kt_count_in(buf + 5 * KT_PAGE, KT_PAGE, a) == 1,
		 "the spliced page stayed in A, the rest is in B");
	check_data(buf, LEN, 22, "pinned");
	if (read(p[0], sink, sizeof(sink)) != (ssize_t)sizeof(sink))
		KT_DIE("pipe read");
	KT_CHECK(!memcmp(sink, buf + 5 * KT_PAGE, KT_PAGE), "the pipe's copy is intact");
	close(p[0]);
	close(p[1]);
	rc = kt_migrate(buf, LEN, SVM_CXL_TO_POOL, b, &m);
	KT_CHECK(!rc && m.moved == 1 && m.already == PAGES - 1,
		 "unpinned: it moves (moved %llu, already %llu)", (unsigned long long)m.moved,
		 (unsigned long long)m.already);
	check_in(buf, LEN, b, "unpinned");
	/* TO_SYSTEM filtered on A: B's pages are other_pool and stay. */
	rc = kt_migrate(buf, LEN, SVM_CXL_TO_SYSTEM, a, &m);
	KT_CHECK(!rc && m.other_pool == PAGES, "TO_SYSTEM of pool A only: %llu other_pool",
		 (unsigned long long)m.other_pool);
	check_in(buf, LEN, b, "filtered TO_SYSTEM");
	kt_to_system(buf, LEN, "B to RAM");
	check_data(buf, LEN, 22, "B to RAM");
	munmap(buf, LEN);
}

/* A quarter in A, a quarter in RAM, a quarter never touched, a quarter in B. */
static void t_mixed(void)
{
	struct svm_cxl_migrate m;
	char *buf = kt_map(LEN);
	size_t q = LEN / 4;
	int rc;

	kt_fill(buf, q, 23);
	kt_fill(buf + q, q, 24);
	kt_fill(buf + 3 * q, q, 25);
	kt_to_pool(buf, q, a, "quarter to A");
	kt_to_pool(buf + 3 * q, q, b, "quarter to B");
	rc = kt_migrate(buf, LEN, SVM_CXL_TO_POOL, b, &m);
	kt_print_mig("mixed to B", &m);
	KT_CHECK(!rc && m.moved == 3 * PAGES / 4 && m.zero_filled == PAGES / 4 &&
		 m.already == PAGES / 4 && kt_mig_total(&m) == PAGES,
		 "mixed to B: moved %llu (zero-filled %llu), already %llu",
		 (unsigned long long)m.moved, (unsigned long long)m.zero_filled,
		 (unsigned long long)m.already);
	check_in(buf, LEN, b, "mixed to B");
	check_data(buf, q, 23, "mixed: the quarter from A");
	check_data(buf + q, q, 24, "mixed: the quarter from RAM");
	check_data(buf + 3 * q, q, 25, "mixed: the quarter in B");
	{
		size_t i, nonzero = 0;

		for (i = 0; i < q; i++)
			nonzero += buf[2 * q + i] != 0;
		KT_CHECK(!nonzero, "mixed: the untouched quarter reads 0 (%zu bytes not)", nonzero);
	}
	kt_to_system(buf, LEN, "mixed back");
	munmap(buf, LEN);
	KT_CHECK(kt_pool_attr(a, "used") == 0 && kt_pool_attr(b, "used") == 0,
		 "both pools empty again");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: svm-kp2p POOL_A POOL_B\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	a = strtoul(argv[1], NULL, 0);
	b = strtoul(argv[2], NULL, 0);
	kt_open();
	printf("# test move\n");
	t_move();
	printf("# test pinned\n");
	t_pinned();
	printf("# test mixed\n");
	t_mixed();
	printf("# %d failure(s)\n", kt_failures);
	return kt_failures ? 1 : 0;
}
