// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Allocation on a pool, migration and location of the caller's pages: thin wrappers
 * over SVM_CXL_IOC_MIGRATE and SVM_CXL_IOC_QUERY (ABI 1.1+) that check their
 * arguments before the module sees them, so bad input fails the same way with or
 * without the module loaded.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/svm_cxl.h>
#include <svmcxl/mem.h>
#include "private.h"

/* pages of one QUERY call: its location array lives on the stack (8 KiB) */
#define WHERE_CHUNK	1024
/* the module's pool ids (1..64); node lookups of others are not cached */
#define MAX_POOL_ID	64

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);	/* glibc: a read of the auxv value */
}

/* @len rounded up to pages, 0 when it is 0 or rounding overflows */
static size_t round_len(size_t len)
{
	size_t ps = page_size();

	if (!len || len > SIZE_MAX - (ps - 1))
		return 0;
	return (len + ps - 1) & ~(ps - 1);
}

static int do_migrate(int fd, uintptr_t addr, size_t len, int pool,
		      struct svm_cxl_migrate *m)
{
	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->addr = addr;
	m->length = len;
	m->direction = pool == SVM_MEM_SYSTEM ? SVM_CXL_TO_SYSTEM : SVM_CXL_TO_POOL;
	m->pool_id = pool == SVM_MEM_SYSTEM ? 0 : (uint32_t)pool;
	return ioctl(fd, SVM_CXL_IOC_MIGRATE, m) ? -errno : 0;
}

SVM_MEM_EXPORT void *svm_mem_alloc(int pool, size_t size)
{
	size_t len = round_len(size);
	struct svm_cxl_migrate m;
	void *p;
	int fd, rc;

	if (pool < 1 || !len) {
		errno = EINVAL;
		return NULL;
	}
	fd = svm_mem_dev_fd();
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/*
	 * Nothing of the mapping was touched, so every page migrates as a zero-filled
	 * device page (allocate on device): no RAM page is taken, no copy made.
	 */
	rc = do_migrate(fd, (uintptr_t)p, len, pool, &m);
	if (!rc && m.moved != len / page_size())
		rc = m.no_memory ? -ENOSPC : -EBUSY;
	if (rc) {
		/* whatever did reach the pool goes back to it with the mapping */
		munmap(p, len);
		errno = -rc;
		return NULL;
	}
	return p;
}

SVM_MEM_EXPORT int svm_mem_free(void *addr, size_t size)
{
	size_t len = round_len(size);

	if (!addr || ((uintptr_t)addr & (page_size() - 1)) || !len)
		return -EINVAL;
	return munmap(addr, len) ? -errno : 0;
}

SVM_MEM_EXPORT long svm_mem_migrate(void *addr, size_t len, int pool,
				    struct svm_mem_result *res)
{
	size_t rlen = round_len(len);
	struct svm_cxl_migrate m;
	int fd, rc;

	if (((uintptr_t)addr & (page_size() - 1)) || !rlen ||
	    (pool < 1 && pool != SVM_MEM_SYSTEM))
		return -EINVAL;
	fd = svm_mem_dev_fd();
	if (fd < 0)
		return fd;
	rc = do_migrate(fd, (uintptr_t)addr, rlen, pool, &m);
	if (rc)
		return rc;
	if (res) {
		*res = (struct svm_mem_result){
			.pages = rlen / page_size(),
			.moved = m.moved,
			.zero_filled = m.zero_filled,
			.already = m.already,
			.absent = m.absent,
			.busy = m.busy,
			.no_memory = m.no_memory,
			.other_pool = m.other_pool,
			.unsupported = m.unsupported,
		};
	}
	return (long)(m.busy + m.no_memory + m.other_pool + m.unsupported);
}

SVM_MEM_EXPORT int svm_mem_where(const void *addr, size_t len, struct svm_mem_loc *locs,
				 struct svm_mem_where_sum *sum)
{
	struct svm_cxl_page_loc buf[WHERE_CHUNK];
	size_t rlen = round_len(len), ps = page_size(), done = 0, i;
	uintptr_t start = (uintptr_t)addr;
	int pool_node[MAX_POOL_ID + 1];
	struct svm_mem_where_sum s = { 0 };
	int fd;

	if ((start & (ps - 1)) || !rlen || start > UINTPTR_MAX - rlen)
		return -EINVAL;
	fd = svm_mem_dev_fd();
	if (fd < 0)
		return fd;
	/* a pool's node read once per call: ids can be reused by a later pool */
	for (i = 0; i <= MAX_POOL_ID; i++)
		pool_node[i] = -2;
	s.pages = rlen / ps;
	while (done < s.pages) {
		size_t n = s.pages - done < WHERE_CHUNK ? s.pages - done : WHERE_CHUNK;
		struct svm_cxl_query q = {
			.size = sizeof(q),
			.addr = start + done * ps,
			.length = n * ps,
			.locs = (uintptr_t)buf,
		};

		if (ioctl(fd, SVM_CXL_IOC_QUERY, &q))
			return -errno;
		s.absent += q.n_none;
		s.system += q.n_system;
		s.pool += q.n_pool;
		for (i = 0; locs && i < n; i++) {
			struct svm_mem_loc *l = &locs[done + i];
			unsigned int id = buf[i].id;

			switch (buf[i].where) {
			case SVM_CXL_WHERE_SYSTEM:
			case SVM_CXL_WHERE_ZERO:
				l->pool = SVM_MEM_SYSTEM;
				l->node = (int)id;
				break;
			case SVM_CXL_WHERE_POOL:
				l->pool = (int)id;
				if (id <= MAX_POOL_ID) {
					if (pool_node[id] == -2)
						pool_node[id] = svm_mem_pool_node((int)id);
					l->node = pool_node[id] < 0 ? -1 : pool_node[id];
				} else {
					l->node = svm_mem_pool_node((int)id);
					if (l->node < 0)
						l->node = -1;
				}
				break;
			default:
				l->pool = 0;
				l->node = -1;
				break;
			}
		}
		done += n;
	}
	if (sum)
		*sum = s;
	return 0;
}
