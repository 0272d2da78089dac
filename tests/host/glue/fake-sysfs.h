/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake sysfs tree for host tests, seen at /sys itself. libcxl and libdaxctl read
 * /sys/bus/cxl and /sys/bus/dax (and stat /dev/cxl/memN, /dev/daxX.Y) with no way to
 * point them elsewhere, so the test enters a user + mount namespace of its own
 * (unshare -rm: no privilege needed, and as root nothing leaks to the host), and
 * bind-mounts a scratch directory's sys/ over /sys and its dev/ over /dev. Files the
 * test writes under root/ are what the libraries read at /sys and /dev.
 *
 * fake_sysfs_enter() once, then put()/link_to()/mkpath() with paths relative to the
 * scratch root ("sys/bus/cxl/devices/mem0"), fake_sysfs_reset() between cases.
 * The builders below lay out objects the way the kernel does, with every attribute
 * libcxl requires before it lists an object.
 */
#ifndef SVM_CXL_FAKE_SYSFS_H
#define SVM_CXL_FAKE_SYSFS_H

/* paths built from paths: a test tree is never deep enough to truncate one */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

static char root[256];

static inline void fake_die(const char *what)
{
	fprintf(stderr, "fake-sysfs: %s: %s\n", what, strerror(errno));
	exit(2);
}

static inline void mkpath(const char *rel)
{
	char p[1024], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static inline void put(const char *rel, const char *content)
{
	char p[1024], dir[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkpath(dir);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f)
		fake_die(p);
	fprintf(f, "%s\n", content);
	fclose(f);
}

static inline char *get(const char *rel)
{
	static char buf[256];
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(p, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static inline void link_to(const char *target, const char *rel)
{
	char p[1024], dir[512];

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkpath(dir);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p))
		fake_die(p);
}

/* @rel under the scratch root, as a path of this process */
#define FS_ROOT_PATH(rel) ({ static char __p[1024]; \
	snprintf(__p, sizeof(__p), "%s/%s", root, rel); __p; })

/* @rel -> @target_rel, both relative to the scratch root (an absolute /sys/... link) */
static inline void abs_link(const char *target_rel, const char *rel)
{
	char t[1024];

	snprintf(t, sizeof(t), "/%s", target_rel);
	link_to(t, rel);
}

static inline void fake_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		fake_die(path);
	close(fd);
}

/*
 * Enter a new mount namespace and mount @dir/sys over /sys and @dir/dev over /dev (with
 * the host's null, zero, full, random, urandom and tty bound into it). A user that is not
 * root gets the mount privilege from a new user namespace where it is root (unshare -rm);
 * root needs none, and keeps the real uids and gids, which tests of peer credentials and
 * socket ownership depend on.
 */
static const char *const fake_dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static inline void fake_sysfs_mount(const char *dir)
{
	const char *const *nodes = fake_dev_nodes;
	uid_t uid = getuid();
	gid_t gid = getgid();
	char p[512], map[64];

	if (uid == 0) {
		if (unshare(CLONE_NEWNS))
			fake_die("unshare(CLONE_NEWNS)");
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			fake_die("unshare(CLONE_NEWUSER | CLONE_NEWNS)");
		fake_write("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		fake_write("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		fake_write("/proc/self/gid_map", map);
	}
	/* nothing mounted here may propagate out; in a chroot / is no mount point, so
	 * the two mounts covered below are made private instead */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) &&
	    (mount("none", "/sys", "none", MS_REC | MS_PRIVATE, NULL) ||
	     mount("none", "/dev", "none", MS_REC | MS_PRIVATE, NULL)))
		fake_die("making /, or /sys and /dev, private");
	snprintf(p, sizeof(p), "%s/sys", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev", dir);
	mkdir(p, 0755);
	for (unsigned int i = 0; i < sizeof(fake_dev_nodes) / sizeof(fake_dev_nodes[0]); i++) {
		char host[64];
		int fd;

		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		snprintf(p, sizeof(p), "%s/dev/%s", dir, nodes[i]);
		fd = open(p, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		/* no tty without a controlling terminal: fine */
		if (mount(host, p, "none", MS_BIND, NULL) && strcmp(nodes[i], "tty"))
			fake_die(host);
	}
	snprintf(p, sizeof(p), "%s/dev/fd", dir);
	if (symlink("/proc/self/fd", p) && errno != EEXIST)
		fake_die(p);
	snprintf(p, sizeof(p), "%s/sys", dir);
	if (mount(p, "/sys", "none", MS_BIND | MS_REC, NULL))
		fake_die("binding the fake tree over /sys");
	snprintf(p, sizeof(p), "%s/dev", dir);
	if (mount(p, "/dev", "none", MS_BIND | MS_REC, NULL))
		fake_die("binding the fake tree over /dev");
	/* the fake machine runs no udev (libsvmcxl asks it about new dax devices): the
	 * host's, if it has one, is hidden */
	snprintf(p, sizeof(p), "%s/run-udev", dir);
	mkdir(p, 0755);
	if (!access("/run/udev", F_OK) && mount(p, "/run/udev", "none", MS_BIND, NULL))
		fake_die("hiding the host's /run/udev");
}

/* A scratch root under /tmp, mounted as above. */
static inline void fake_sysfs_enter(void)
{
	snprintf(root, sizeof(root), "/tmp/svmcxl-fake-XXXXXX");
	if (!mkdtemp(root))
		fake_die("mkdtemp");
	fake_sysfs_mount(root);
}

/* An empty tree again (the mounted directories themselves stay). */
static inline void fake_sysfs_reset(void)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/sys/* %s/dev/cxl %s/dev/dax*", root, root, root);
	if (system(cmd))
		fake_die("resetting the tree");
}

/* Leave nothing behind (the namespace goes with the process). */
static inline void fake_sysfs_remove(void)
{
	char cmd[300];

	if (umount2("/sys", MNT_DETACH) || umount2("/dev", MNT_DETACH))
		return;
	for (unsigned int i = 0; i < sizeof(fake_dev_nodes) / sizeof(fake_dev_nodes[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/dev/%s", root, fake_dev_nodes[i]);
		umount2(cmd, MNT_DETACH);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "fake-sysfs: could not remove %s\n", root);
}

/*
 * Builders. The kernel's layout: /sys/bus/cxl/devices/X links into
 * /sys/devices/platform/ACPI0017:00/root0/... (ports, decoders, regions) and into the
 * PCI hierarchy (memdevs); every port has a uport link, enabled devices a driver link.
 */
#define FS_BUS "sys/bus/cxl/devices/"
#define FS_ROOT0 "sys/devices/platform/ACPI0017:00/root0"

static inline void fs_driver(const char *dev, const char *driver)
{
	char rel[512], tgt[256];

	snprintf(tgt, sizeof(tgt), "sys/bus/cxl/drivers/%s", driver);
	mkpath(tgt);
	snprintf(rel, sizeof(rel), "%s/driver", dev);
	abs_link(tgt, rel);
}

/* the CXL root (ACPI0017) */
static inline void fs_cxl_root(void)
{
	mkpath("sys/devices/platform/ACPI0017:00");
	abs_link("sys/devices/platform/ACPI0017:00", FS_ROOT0 "/uport");
	abs_link(FS_ROOT0, FS_BUS "root0");
	put("sys/bus/cxl/drivers/cxl_region/bind", "");
	put("sys/bus/cxl/drivers/cxl_region/unbind", "");
}

/*
 * memN at PCI path @pci ("pci0000:0c/0000:0c:00.0/0000:0d:00.0"), with @serial (NULL:
 * no serial file), 256 MiB of ram, and the PCI function's @class (NULL: no class file).
 */
static inline void fs_memdev(int n, const char *pci, const char *serial, const char *class)
{
	char dev[256], rel[512];

	snprintf(dev, sizeof(dev), "sys/devices/%s/mem%d", pci, n);
#define ATTR(a, v) do { snprintf(rel, sizeof(rel), "%s/" a, dev); put(rel, v); } while (0)
	if (serial)
		ATTR("serial", serial);
	ATTR("ram/size", "0x10000000");
	ATTR("pmem/size", "0x0");
	ATTR("payload_max", "2048");
	ATTR("label_storage_size", "0");
	ATTR("firmware_version", "BWFW VERSION 00");
	ATTR("numa_node", "-1");
#undef ATTR
	if (class) {
		snprintf(rel, sizeof(rel), "sys/devices/%s/class", pci);
		put(rel, class);
	}
	fs_driver(dev, "cxl_mem");
	snprintf(rel, sizeof(rel), FS_BUS "mem%d", n);
	abs_link(dev, rel);
	/* libcxl lists only memdevs with a character device */
	snprintf(rel, sizeof(rel), "dev/cxl/mem%d", n);
	put(rel, "");
}

/* CXL port @path (e.g. FS_ROOT0 "/port1") whose uport is PCI device @uport */
static inline void fs_port(const char *path, const char *uport)
{
	char rel[512], name[600];
	const char *base = strrchr(path, '/') + 1;

	snprintf(rel, sizeof(rel), "sys/devices/%s", uport);
	mkpath(rel);
	snprintf(name, sizeof(name), "%s/uport", path);
	abs_link(rel, name);
	fs_driver(path, "cxl_port");
	snprintf(name, sizeof(name), FS_BUS "%s", base);
	abs_link(path, name);
}

/* dport@id of port @path leading to PCI device @pci */
static inline void fs_dport(const char *path, int id, const char *pci)
{
	char rel[512], tgt[256];

	snprintf(tgt, sizeof(tgt), "sys/devices/%s", pci);
	mkpath(tgt);
	snprintf(rel, sizeof(rel), "%s/dport%d", path, id);
	abs_link(tgt, rel);
}

/* endpointE under port @parent (a path) for memdev memN at @pci, with @ndec free
 * endpoint decoders decoderE.0..  */
static inline void fs_endpoint(const char *parent, int e, int n, const char *pci, int ndec)
{
	char ep[320], rel[600], mem[256];

	snprintf(ep, sizeof(ep), "%s/endpoint%d", parent, e);
	snprintf(mem, sizeof(mem), "sys/devices/%s/mem%d", pci, n);
	snprintf(rel, sizeof(rel), "%s/uport", ep);
	abs_link(mem, rel);
	fs_driver(ep, "cxl_port");
	snprintf(rel, sizeof(rel), FS_BUS "endpoint%d", e);
	abs_link(ep, rel);
	for (int i = 0; i < ndec; i++) {
		static const char *const attrs[][2] = {
			{ "region", "" }, { "dpa_size", "0" }, { "dpa_resource", "0" },
			{ "mode", "none" }, { "devtype", "cxl_decoder_endpoint" },
			{ "start", "0" }, { "size", "0" }, { "interleave_ways", "1" },
			{ "interleave_granularity", "256" }, { "target_type", "expander" },
		};
		char dec[320];

		snprintf(dec, sizeof(dec), "%s/decoder%d.%d", ep, e, i);
		for (unsigned int a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
			snprintf(rel, sizeof(rel), "%s/%s", dec, attrs[a][0]);
			put(rel, attrs[a][1]);
		}
		snprintf(rel, sizeof(rel), FS_BUS "decoder%d.%d", e, i);
		abs_link(dec, rel);
	}
}

/* root decoder0.@id: a @ways-way ram window over root dports @targets ("12,222") */
static inline void fs_window(int id, const char *start, const char *size, int ways,
			     const char *targets)
{
	char d[256], rel[512], v[16];

	snprintf(d, sizeof(d), FS_ROOT0 "/decoder0.%d", id);
#define ATTR(a, val) do { snprintf(rel, sizeof(rel), "%s/" a, d); put(rel, val); } while (0)
	ATTR("devtype", "cxl_decoder_root");
	ATTR("start", start);
	ATTR("size", size);
	snprintf(v, sizeof(v), "%d", ways);
	ATTR("interleave_ways", v);
	ATTR("interleave_granularity", "4096");
	ATTR("cap_ram", "1");
	ATTR("cap_pmem", "0");
	ATTR("cap_type3", "1");
	ATTR("target_list", targets);
	ATTR("create_ram_region", "region0");
	ATTR("delete_region", "");
	ATTR("qos_class", "-1");
#undef ATTR
	snprintf(rel, sizeof(rel), FS_BUS "decoder0.%d", id);
	abs_link(d, rel);
}

/*
 * region0 of window decoder0.0 at 0x490000000: @size bytes, @ways-way (targets
 * @targets[0..ways-1], "" for unset), @committed; linked from the bus. Enabled (bound to
 * cxl_region) is fs_driver(FS_REGION0, "cxl_region").
 */
#define FS_REGION0 FS_ROOT0 "/decoder0.0/region0"
static inline void fs_region0(const char *size, int ways, const char *const targets[],
			      bool committed)
{
	char rel[256], v[16];

	put(FS_REGION0 "/resource", "0x490000000");
	put(FS_REGION0 "/size", size);
	put(FS_REGION0 "/uuid", "");	/* ram regions show an empty one */
	snprintf(v, sizeof(v), "%d", ways);
	put(FS_REGION0 "/interleave_ways", v);
	put(FS_REGION0 "/interleave_granularity", "4096");
	put(FS_REGION0 "/commit", committed ? "1" : "0");
	put(FS_REGION0 "/mode", "ram");
	for (int i = 0; i < ways; i++) {
		snprintf(rel, sizeof(rel), FS_REGION0 "/target%d", i);
		put(rel, targets[i]);
	}
	abs_link(FS_REGION0, FS_BUS "region0");
}

/* the dax bus's driver @driver, with the attributes libdaxctl writes */
static inline void fs_dax_driver(const char *driver)
{
	static const char *const attrs[] = { "bind", "unbind", "new_id", "remove_id" };
	char rel[256];

	for (unsigned int i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/bus/dax/drivers/%s/%s", driver, attrs[i]);
		put(rel, "");
	}
}

/*
 * dax device daxR.0 of CXL region @region (a path), as dax_cxl makes it: in the
 * region's dax_regionR, linked from /sys/bus/dax/devices, with a /dev node whose
 * subsystem is the dax bus (libdaxctl's check), bound to @driver (NULL: none).
 */
static inline void fs_dax(const char *region, int id, const char *resource, const char *size,
			  const char *node, const char *driver)
{
	char dev[256], rel[512], name[32];

	snprintf(name, sizeof(name), "dax%d.0", id);
	snprintf(dev, sizeof(dev), "%s/dax_region%d/%s", region, id, name);
#define ATTR(a, v) do { snprintf(rel, sizeof(rel), "%s/" a, dev); put(rel, v); } while (0)
	ATTR("resource", resource);
	ATTR("size", size);
	ATTR("target_node", node);
	ATTR("align", "2097152");
#undef ATTR
	snprintf(rel, sizeof(rel), "%s/dax_region%d/dax_region/size", region, id);
	put(rel, size);
	snprintf(rel, sizeof(rel), "sys/bus/dax/devices/%s", name);
	abs_link(dev, rel);
	snprintf(rel, sizeof(rel), "dev/%s", name);
	put(rel, "");
	/* a regular file's rdev is 0:0 */
	if (access(FS_ROOT_PATH("sys/dev/char/0:0/subsystem"), F_OK))
		abs_link("sys/bus/dax", "sys/dev/char/0:0/subsystem");
	if (driver) {
		char tgt[128];

		fs_dax_driver(driver);
		snprintf(tgt, sizeof(tgt), "sys/bus/dax/drivers/%s", driver);
		snprintf(rel, sizeof(rel), "%s/driver", dev);
		abs_link(tgt, rel);
	}
}

#endif
