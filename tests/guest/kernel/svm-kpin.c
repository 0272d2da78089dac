// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kpin: helpers for the revocation tests (kernel-revoke.sh).
 *
 *   svm-kpin hold POOL
 *	Moves 16 pages to POOL, splices page 0 into a pipe (a short-term reference no
 *	drain can break), creates /tmp/kpin-ready and waits for /tmp/kpin-go. Then it
 *	checks every byte of the 16 pages (wherever they are now: 15 evicted to system
 *	RAM, page 0 still in the revoked pool), that exactly page 0 is still in POOL,
 *	and the spliced copy; exits 0 only if all of it holds.
 *   svm-kpin migrate POOL
 *	Moves one fresh page TO_POOL; exits with the ioctl's errno (0 on success), and
 *	checks the page's data either way.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ktest.h"

static int hold(uint32_t pool)
{
	size_t len = 16 * KT_PAGE, bad;
	char *buf = kt_map(len), sink[KT_PAGE];
	struct iovec iov = { .iov_base = buf, .iov_len = KT_PAGE };
	int p[2], fd, i;

	kt_fill(buf, len, 123);
	kt_to_pool(buf, len, pool, "pinned buffer");
	if (pipe(p))
		KT_DIE("pipe");
	if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)KT_PAGE)
		KT_DIE("vmsplice");
	fd = open("/tmp/kpin-ready", O_CREAT | O_WRONLY, 0644);
	close(fd);
	for (i = 0; i < 3000 && access("/tmp/kpin-go", F_OK); i++)
		usleep(100000);
	KT_CHECK(i < 3000, "told to go on");
	bad = kt_verify(buf, len, 123);
	KT_CHECK(bad == (size_t)-1, "all 16 pages intact after the revocation (first bad byte at %zd)",
		 bad == (size_t)-1 ? (ssize_t)-1 : (ssize_t)bad);
	KT_CHECK(kt_count_in(buf, KT_PAGE, pool) == 1, "the spliced page is still in pool %u", pool);
	KT_CHECK(kt_count_in(buf + KT_PAGE, len - KT_PAGE, 0) == 15,
		 "the 15 other pages were evicted to system RAM");
	if (read(p[0], sink, sizeof(sink)) != (ssize_t)KT_PAGE)
		KT_DIE("pipe read");
	KT_CHECK(kt_verify(sink, KT_PAGE, 123) == (size_t)-1, "the spliced copy is intact");
	close(p[0]);
	close(p[1]);
	munmap(buf, len);
	printf("# %d failure(s)\n", kt_failures);
	return kt_failures ? 1 : 0;
}

static int migrate(uint32_t pool)
{
	char *buf = kt_map(KT_PAGE);
	struct svm_cxl_migrate m;
	int rc;

	kt_fill(buf, KT_PAGE, 7);
	rc = kt_migrate(buf, KT_PAGE, SVM_CXL_TO_POOL, pool, &m);
	printf("# TO_POOL %u: %s, moved %llu\n", pool, rc ? strerror(rc) : "ok",
	       (unsigned long long)(rc ? 0 : m.moved));
	if (kt_verify(buf, KT_PAGE, 7) != (size_t)-1) {
		printf("FAIL: data changed by the refused migration\n");
		return 100;
	}
	return rc;
}

int main(int argc, char **argv)
{
	uint32_t pool;

	if (argc != 3) {
		fprintf(stderr, "usage: svm-kpin hold|migrate POOL\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pool = strtoul(argv[2], NULL, 0);
	kt_open();
	if (!strcmp(argv[1], "hold"))
		return hold(pool);
	if (!strcmp(argv[1], "migrate"))
		return migrate(pool);
	fprintf(stderr, "svm-kpin: unknown verb %s\n", argv[1]);
	return 2;
}
