// SPDX-License-Identifier: LGPL-2.1-or-later
/* The context: reference count, logging, error sentences, sysfs access. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "private.h"

static void log_stderr(struct svm_ctx *ctx, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	fprintf(stderr, "libsvmcxl: %s: ", fn);
	vfprintf(stderr, format, args);
}

void svm_log(struct svm_ctx *ctx, int prio, const char *file, int line, const char *fn,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx->log_fn(ctx, prio, file, line, fn, fmt, ap);
	va_end(ap);
}

void svm_log_lib(struct svm_ctx *ctx, const char *lib, int prio, const char *file, int line,
		 const char *fn, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	svm_log(ctx, prio, file, line, fn, "%s: %s", lib, msg);
}

int svm_lib_log_priority(struct svm_ctx *ctx, const char *env, int current)
{
	if (getenv(env))
		return current;
	return ctx->log_priority >= LOG_INFO ? LOG_INFO : -1;
}

static int log_priority(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return LOG_ERR;
	n = strtol(s, &end, 10);
	if (*end == '\0')
		return (int)n;
	if (!strcasecmp(s, "err") || !strcasecmp(s, "error"))
		return LOG_ERR;
	if (!strcasecmp(s, "info"))
		return LOG_INFO;
	if (!strcasecmp(s, "debug"))
		return LOG_DEBUG;
	if (!strcasecmp(s, "none") || !strcasecmp(s, "off"))
		return -1;
	return LOG_ERR;
}

SVM_EXPORT int svm_new(struct svm_ctx **out)
{
	struct svm_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = log_stderr;
	ctx->log_priority = log_priority(getenv("SVM_CXL_LOG"));
	dbg(ctx, "context %p\n", (void *)ctx);
	*out = ctx;
	return 0;
}

SVM_EXPORT struct svm_ctx *svm_ref(struct svm_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

SVM_EXPORT struct svm_ctx *svm_unref(struct svm_ctx *ctx)
{
	if (!ctx)
		return NULL;
	if (--ctx->refcount > 0)
		return ctx;
	svm_free_objects(ctx);
	svm_cxl_drop(ctx);
	free(ctx);
	return NULL;
}

/* The first member of every sized struct is its uint32_t struct_size. */
int svm_copy_opts(struct svm_ctx *ctx, void *dst, size_t dst_size, const void *src,
		  size_t min_size, const char *what)
{
	uint32_t size = *(const uint32_t *)src;

	memset(dst, 0, dst_size);
	if (size < min_size)
		return svm_fail(ctx, -EINVAL,
				"struct %s: struct_size %u is below the smallest version (%zu); set it to sizeof(struct %s)",
				what, size, min_size, what);
	/* a tail this library does not know must be all zero: no option is ignored */
	for (size_t i = dst_size; i < size; i++)
		if (((const unsigned char *)src)[i])
			return svm_fail(ctx, -E2BIG,
					"struct %s: byte %zu is set, but this libsvmcxl knows only %zu bytes (built against a newer libsvmcxl?)",
					what, i, dst_size);
	memcpy(dst, src, size < dst_size ? size : dst_size);
	*(uint32_t *)dst = (uint32_t)dst_size;
	return 0;
}

SVM_EXPORT void svm_set_log_fn(struct svm_ctx *ctx, svm_log_fn fn)
{
	ctx->log_fn = fn ? fn : log_stderr;
}

SVM_EXPORT int svm_get_log_priority(struct svm_ctx *ctx)
{
	return ctx->log_priority;
}

SVM_EXPORT void svm_set_log_priority(struct svm_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

/*
 * Always "/": sysfs is read where the kernel and libcxl/libdaxctl have it (host tests
 * mount a fake tree over /sys in a namespace of their own, tests/host/glue/fake-sysfs.h).
 * Kept for callers that build paths with it.
 */
SVM_EXPORT const char *svm_get_root(struct svm_ctx *ctx)
{
	(void)ctx;
	return "/";
}

SVM_EXPORT const char *svm_get_error(struct svm_ctx *ctx)
{
	return ctx->error;
}

SVM_EXPORT const char *svm_get_notes(struct svm_ctx *ctx)
{
	return ctx->notes;
}

void svm_clear_status(struct svm_ctx *ctx)
{
	ctx->error[0] = '\0';
	ctx->notes[0] = '\0';
}

int svm_fail(struct svm_ctx *ctx, int rc, const char *fmt, ...)
{
	char msg[sizeof(ctx->error)];
	va_list ap;

	/* through a copy: an argument may be ctx->error itself (an inner error wrapped) */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(ctx->error, msg, sizeof(msg));
	err(ctx, "%s\n", ctx->error);
	return rc;
}

void svm_fail_append(struct svm_ctx *ctx, const char *fmt, ...)
{
	size_t used = strlen(ctx->error);
	va_list ap;

	if (used + 1 >= sizeof(ctx->error))
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->error + used, sizeof(ctx->error) - used, fmt, ap);
	va_end(ap);
	err(ctx, "%s\n", ctx->error + used);
}

void svm_note(struct svm_ctx *ctx, const char *fmt, ...)
{
	size_t used = strlen(ctx->notes);
	va_list ap;

	if (used + 2 >= sizeof(ctx->notes))
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->notes + used, sizeof(ctx->notes) - used - 1, fmt, ap);
	va_end(ap);
	strcat(ctx->notes, "\n");
	info(ctx, "%s", ctx->notes + used);
}

int sysfs_path(struct svm_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	size_t n = snprintf(buf, len, "/");
	va_list ap;
	int m;

	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return (m < 0 || (size_t)m >= len - n) ? -ENAMETOOLONG : 0;
}

int sysfs_read(struct svm_ctx *ctx, const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		dbg(ctx, "open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0) {
		dbg(ctx, "read %s: %s\n", path, strerror(errno));
		return -errno;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int sysfs_write(struct svm_ctx *ctx, const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);	/* like the shell's > */
	ssize_t n;
	int rc;

	if (fd < 0) {
		rc = -errno;
		dbg(ctx, "open %s: %s\n", path, strerror(errno));
		return rc;
	}
	/* an empty value must still reach the attribute's store(): write a newline */
	if (!*val)
		val = "\n";
	n = write(fd, val, strlen(val));
	rc = n < 0 ? -errno : (size_t)n != strlen(val) ? -EIO : 0;
	close(fd);
	dbg(ctx, "%s <- '%s': %s\n", path, val, rc ? strerror(-rc) : "ok");
	return rc;
}

int sysfs_read_u64(struct svm_ctx *ctx, const char *path, uint64_t *val)
{
	char buf[64], *end;
	int rc = sysfs_read(ctx, path, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int sysfs_readlink_base(struct svm_ctx *ctx, const char *path, char *buf, size_t len)
{
	char link[PATH_MAX];
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(buf, len, "%s", base ? base + 1 : link);
	return 0;
}

bool sysfs_exists(struct svm_ctx *ctx, const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

SVM_EXPORT int svm_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || !*s || *s == '-' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return -EINVAL;
		}
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

SVM_EXPORT const char *svm_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	double v = (double)bytes;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (v == (uint64_t)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
	else
		snprintf(buf, len, "%.2f %s", v, units[u]);
	return buf;
}
