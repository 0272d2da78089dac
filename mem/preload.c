// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsvmcxl-run.so: the LD_PRELOAD library of 'svm-cxlctl run'. It puts a program's
 * large allocations on an svm_cxl pool without changing the program: malloc(),
 * calloc(), realloc(), the memalign family and valloc() of SVM_CXL_RUN_THRESHOLD bytes
 * or more become private anonymous mappings migrated at once to pool
 * SVM_CXL_RUN_POOL (never-touched pages become zeroed pool pages: no RAM is touched);
 * with SVM_CXL_RUN_SCOPE=all, so do the program's own private anonymous mmap()s of
 * that size. Smaller requests, and everything before the library is set up, go to
 * glibc (__libc_malloc() and friends).
 *
 * A pool that cannot take an allocation (full, or the user's page limit) leaves the
 * pages it did not take in the mapping as ordinary memory, which the kernel then gives
 * RAM on first touch: the program sees no difference, and one warning goes to stderr.
 *
 * Pool pages are allocated when the mapping is made, like MAP_POPULATE: a program that
 * reserves much more than it touches takes pool space for all of it. So mmap()s that
 * say they are sparse or special (MAP_NORESERVE, MAP_STACK, MAP_GROWSDOWN, MAP_FIXED,
 * PROT_NONE, shared or file mappings) are left alone.
 *
 * With SVM_CXL_RUN_REPORT=FILE a JSON line with the counts is appended to FILE at
 * exit, by every process that placed something (stderr may be closed by then).
 * The environment is inherited: children of the program allocate on the pool too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <svmcxl/mem.h>

#define EXPORT __attribute__((visibility("default")))

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

/* set once by the constructor, read-only afterwards */
static int run_pool;			/* 0: inactive, everything goes to glibc */
static size_t run_threshold = 128 << 10;	/* glibc's default mmap threshold */
static int run_all;			/* SVM_CXL_RUN_SCOPE=all: mmap() too */
static const char *run_report;	/* SVM_CXL_RUN_REPORT, or NULL */
static size_t page;
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static size_t (*real_usable_size)(void *);

/* counters, updated with atomics */
static uint64_t n_allocs, n_pool_pages, n_ram_pages, n_mmaps;
static int warned;

/*
 * The mappings made here, so that free()/realloc() know them: an open-addressing hash
 * set of start address -> length, itself in an mmap()ed array. reg_lock protects
 * reg_slots, reg_cap, reg_used and reg_tomb; it is a leaf (nothing is called under it
 * but mmap/munmap of the array) and is held across fork() (pthread_atfork) so the
 * child never inherits it locked.
 */
struct slot {
	uintptr_t addr;		/* 0: empty, 1: deleted */
	size_t len;
};
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *reg_slots;
static size_t reg_cap, reg_used, reg_tomb;

#define TOMB 1

static size_t hash(uintptr_t a, size_t cap)
{
	return (size_t)(((a >> 12) * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static int reg_grow(void)
{
	size_t cap = reg_cap ? reg_cap * 2 : 1024, i;
	struct slot *s = real_mmap(NULL, cap * sizeof(*s), PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < reg_cap; i++) {
		size_t h;

		if (reg_slots[i].addr <= TOMB)
			continue;
		for (h = hash(reg_slots[i].addr, cap); s[h].addr; h = (h + 1) & (cap - 1))
			;
		s[h] = reg_slots[i];
	}
	if (reg_slots)
		munmap(reg_slots, reg_cap * sizeof(*s));
	reg_slots = s;
	reg_cap = cap;
	reg_tomb = 0;
	return 0;
}

static int reg_insert(uintptr_t a, size_t len)
{
	size_t h;
	int rc = 0;

	pthread_mutex_lock(&reg_lock);
	if ((reg_used + reg_tomb + 1) * 2 > reg_cap)
		rc = reg_grow();
	if (!rc) {
		for (h = hash(a, reg_cap); reg_slots[h].addr > TOMB; h = (h + 1) & (reg_cap - 1))
			;
		if (reg_slots[h].addr == TOMB)
			reg_tomb--;
		reg_slots[h] = (struct slot){ a, len };
		reg_used++;
	}
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

/* the length of the mapping at @a (0 if it is not one of ours); @remove takes it out */
static size_t reg_find(uintptr_t a, int remove)
{
	size_t h, len = 0;

	pthread_mutex_lock(&reg_lock);
	for (h = reg_cap ? hash(a, reg_cap) : 0; reg_cap && reg_slots[h].addr;
	     h = (h + 1) & (reg_cap - 1)) {
		if (reg_slots[h].addr != a)
			continue;
		len = reg_slots[h].len;
		if (remove) {
			reg_slots[h].addr = TOMB;
			reg_used--;
			reg_tomb++;
		}
		break;
	}
	pthread_mutex_unlock(&reg_lock);
	return len;
}

static void lock_for_fork(void)
{
	pthread_mutex_lock(&reg_lock);
}

static void unlock_after_fork(void)
{
	pthread_mutex_unlock(&reg_lock);
}

/* write(2), not stdio: this runs inside malloc() */
static void say_fd(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say_fd(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
		return;
}
#define say(...) say_fd(STDERR_FILENO, __VA_ARGS__)

/* move the fresh mapping [p, p+len) to the pool; what the pool cannot take stays */
static void to_pool(void *p, size_t len)
{
	struct svm_mem_result r;
	long left = svm_mem_migrate(p, len, run_pool, &r);
	uint64_t on_pool = left < 0 ? 0 : r.moved + r.already;

	__atomic_add_fetch(&n_pool_pages, on_pool, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n_ram_pages, len / page - on_pool, __ATOMIC_RELAXED);
	if (!left || __atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		return;
	say("svm-cxlctl run: pool%d: %llu of %zu pages of a %zu-byte allocation stay in system RAM (%s); further fallbacks are not reported\n",
	    run_pool, (unsigned long long)(len / page - on_pool), len / page, len,
	    left < 0 ? svm_mem_strerror((int)left) :
	    r.no_memory ? "the pool is full or the user's page limit is reached" :
	    "pages busy");
}

/* a pool-backed block of @size bytes, page aligned and zeroed; NULL: use glibc */
static void *big_alloc(size_t size)
{
	size_t len;
	void *p;

	if (size > SIZE_MAX - page)
		return NULL;
	len = (size + page - 1) & ~(page - 1);
	p = real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (reg_insert((uintptr_t)p, len)) {
		munmap(p, len);
		return NULL;
	}
	__atomic_add_fetch(&n_allocs, 1, __ATOMIC_RELAXED);
	to_pool(p, len);
	return p;
}

/* the pool, once the constructor has set everything up; 0 before and when inactive */
static int active(void)
{
	return __atomic_load_n(&run_pool, __ATOMIC_ACQUIRE);
}

static int big(size_t size)
{
	return active() && size >= run_threshold;
}

/* ours: page aligned (glibc's chunks never are, but for memalign) and registered */
static size_t ours(const void *p)
{
	if (!active() || !p || ((uintptr_t)p & (page - 1)))
		return 0;
	return reg_find((uintptr_t)p, 0);
}

EXPORT void *malloc(size_t size)
{
	void *p = big(size) ? big_alloc(size) : NULL;

	return p ? p : __libc_malloc(size);
}

EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p = NULL;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	/* fresh pool pages and fresh anonymous pages are zero */
	if (big(total))
		p = big_alloc(total);
	return p ? p : __libc_calloc(n, size);
}

EXPORT void free(void *p)
{
	size_t len;

	if (active() && p && !((uintptr_t)p & (page - 1)) && (len = reg_find((uintptr_t)p, 1))) {
		munmap(p, len);
		return;
	}
	__libc_free(p);
}

EXPORT void *realloc(void *p, size_t size)
{
	size_t len = ours(p), old;
	void *q;

	if (!len) {
		if (!p || !big(size))
			return __libc_realloc(p, size);
		/* a glibc block growing past the threshold moves to the pool */
		q = big_alloc(size);
		if (!q)
			return __libc_realloc(p, size);
		old = real_usable_size(p);
		memcpy(q, p, old < size ? old : size);
		__libc_free(p);
		return q;
	}
	if (!size) {
		free(p);
		return NULL;
	}
	if (size <= len)
		return p;
	q = malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, len);
	free(p);
	return q;
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

static void *aligned(size_t align, size_t size)
{
	void *p = big(size) && align <= page ? big_alloc(size) : NULL;

	return p ? p : __libc_memalign(align, size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	p = aligned(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	return aligned(align, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
	return aligned(align, size);
}

EXPORT void *valloc(size_t size)
{
	void *p = big(size) ? big_alloc(size) : NULL;

	return p ? p : __libc_valloc(size);
}

EXPORT void *pvalloc(size_t size)
{
	void *p = big(size) ? big_alloc(size) : NULL;

	return p ? p : __libc_pvalloc(size);
}

EXPORT size_t malloc_usable_size(void *p)
{
	size_t len = ours(p);

	if (len)
		return len;
	/* before the constructor (another library's constructor may ask) */
	if (!__atomic_load_n(&real_usable_size, __ATOMIC_ACQUIRE))
		__atomic_store_n(&real_usable_size, (size_t (*)(void *))
				 dlsym(RTLD_NEXT, "malloc_usable_size"), __ATOMIC_RELEASE);
	return real_usable_size(p);
}

/*
 * mmap() and mmap64() are one function on 64-bit glibc, and programs built with
 * _FILE_OFFSET_BITS=64 (so is this file: <sys/mman.h> then names mmap64 "mmap") call
 * the second: both names are defined, as aliases of this one.
 */
static void *run_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	/* another library's constructor may map memory before ours has run */
	if (!__atomic_load_n(&real_mmap, __ATOMIC_ACQUIRE))
		__atomic_store_n(&real_mmap, (void *(*)(void *, size_t, int, int, int, off_t))
				 dlsym(RTLD_NEXT, "mmap"), __ATOMIC_RELEASE);
	p = real_mmap(addr, len, prot, flags, fd, off);
	if (run_all && active() && p != MAP_FAILED && len >= run_threshold &&
	    (flags & (MAP_ANONYMOUS | MAP_PRIVATE)) == (MAP_ANONYMOUS | MAP_PRIVATE) &&
	    !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_NORESERVE | MAP_STACK |
		       MAP_GROWSDOWN | MAP_HUGETLB)) &&
	    (prot & PROT_WRITE)) {
		__atomic_add_fetch(&n_mmaps, 1, __ATOMIC_RELAXED);
		to_pool(p, (len + page - 1) & ~(page - 1));
	}
	return p;
}

_Static_assert(sizeof(off_t) == 8, "mmap64 takes a 64-bit offset");
extern void *run_mmap_alias(void *, size_t, int, int, int, off_t)
	__asm__("mmap") __attribute__((alias("run_mmap"), visibility("default")));
extern void *run_mmap64_alias(void *, size_t, int, int, int, off_t)
	__asm__("mmap64") __attribute__((alias("run_mmap"), visibility("default")));

static long env_long(const char *name, long dflt)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < 0) {
		say("svm-cxlctl run: %s='%s' is not a number; ignored\n", name, s);
		return dflt;
	}
	return v;
}

__attribute__((constructor)) static void run_init(void)
{
	const char *scope = getenv("SVM_CXL_RUN_SCOPE");
	long pool;

	page = (size_t)sysconf(_SC_PAGESIZE);
	real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	real_usable_size = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
	if (!real_mmap || !real_usable_size) {
		say("svm-cxlctl run: cannot find mmap/malloc_usable_size in libc; allocations stay in system RAM\n");
		return;
	}
	run_threshold = (size_t)env_long("SVM_CXL_RUN_THRESHOLD", (long)run_threshold);
	if (run_threshold < page)
		run_threshold = page;
	run_all = scope && !strcmp(scope, "all");
	run_report = getenv("SVM_CXL_RUN_REPORT");
	pthread_atfork(lock_for_fork, unlock_after_fork, unlock_after_fork);
	pool = env_long("SVM_CXL_RUN_POOL", 0);
	if (pool > 0 && pool <= INT32_MAX)
		/* last: from here on malloc() may take the pool path */
		__atomic_store_n(&run_pool, (int)pool, __ATOMIC_RELEASE);
}

__attribute__((destructor)) static void run_fini(void)
{
	int fd;

	if (!run_report || !*run_report || !run_pool || !(n_allocs + n_mmaps))
		return;
	fd = open(run_report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	say_fd(fd, "{\"pid\":%d,\"pool\":\"pool%d\",\"allocations\":%llu,\"mmaps\":%llu,\"pool_pages\":%llu,\"ram_pages\":%llu}\n",
	    (int)getpid(), run_pool, (unsigned long long)n_allocs, (unsigned long long)n_mmaps,
	    (unsigned long long)n_pool_pages, (unsigned long long)n_ram_pages);
	close(fd);
}
