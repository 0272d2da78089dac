// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kpool: pool add/remove for the shell drivers of the kernel guest tests.
 *   svm-kpool add START LENGTH        prints "POOL_ID NODE"
 *   svm-kpool remove POOL_ID [TIMEOUT_MS]   prints "evicted N busy M"
 *   svm-kpool add-at-open START LENGTH LOADER...
 *                                     runs LOADER (modprobe svm_cxl), opens /dev/svm_cxl
 *                                     the moment the kernel announces it, adds the pool
 *                                     at once, prints "POOL_ID NODE"; exit 1 if the
 *                                     loader failed
 * Exit status: 0, or the errno of the ioctl (EINVAL 22, EEXIST 17, EBUSY 16, ...).
 *
 * add-at-open puts the add at the earliest moment it can reach the module (review C9),
 * every time rather than by luck. The loader and this process share one CPU, this one
 * SCHED_FIFO, and it listens to the kernel's uevents: misc_register() sends the
 * device's "add" while it still holds misc_mtx, with the node already in devtmpfs.
 * Woken by it, this process preempts the loader, and its open() waits in misc_open()
 * for misc_mtx; the unlock wakes it again, and it preempts the loader at its next
 * preemption point, so the POOL_ADD enters the module before the module's init goes on
 * after misc_register(). What it checks is the contract (the pool under pools/, logged
 * after "ready"), not the order itself: on a module that registers the device before
 * taking svm_cxl_pools_mutex the add still ends under pools/, because it sleeps in
 * memremap_pages() long enough for the init to finish (docs/kernel.md, review C9).
 */
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

/* A socket that hears the kernel's uevents (group 1 of NETLINK_KOBJECT_UEVENT). */
static int uevent_socket(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		KT_DIE("uevent socket: %s", strerror(errno));
	return fd;
}

static pid_t start_loader(char **argv)
{
	struct sched_param fifo = { .sched_priority = 10 };
	cpu_set_t cpu0;
	pid_t pid;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		KT_DIE("pin to CPU 0: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		KT_DIE("fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "svm-kpool: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (sched_setscheduler(0, SCHED_FIFO, &fifo))
		KT_DIE("SCHED_FIFO: %s", strerror(errno));
	return pid;
}

/* Open the misc device at the kernel's "add" of it (30 s at most). */
static void open_at_add(int ufd)
{
	static const char want[] = "add@/devices/virtual/misc/" SVM_CXL_DEVICE_NAME;
	struct pollfd p = { .fd = ufd, .events = POLLIN };
	double until = kt_now() + 30;
	char msg[8192];
	ssize_t n;

	for (;;) {
		int left = (int)((until - kt_now()) * 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0)
			KT_DIE("no uevent '%s' within 30 s", want);
		n = recv(ufd, msg, sizeof(msg) - 1, 0);
		if (n <= 0)
			continue;	/* ENOBUFS: a burst overflowed the socket; go on */
		msg[n] = 0;
		if (!strcmp(msg, want))
			break;
	}
	kt_fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (kt_fd < 0)
		KT_DIE("open /dev/%s at its add uevent: %s", SVM_CXL_DEVICE_NAME, strerror(errno));
}

/* 0 if the loader exited 0 */
static int wait_loader(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		KT_DIE("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	fprintf(stderr, "svm-kpool: the loader failed (status %#x)\n", status);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t evicted = 0, busy = 0;
	uint32_t id, node;
	pid_t loader = 0;
	int rc;

	if (argc < 3 || (!strcmp(argv[1], "add-at-open") && argc < 5)) {
		fprintf(stderr, "usage: svm-kpool add START LENGTH | add-at-open START LENGTH LOADER... | remove ID [TIMEOUT_MS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "add-at-open")) {
		int ufd = uevent_socket();

		loader = start_loader(argv + 4);
		open_at_add(ufd);
	} else {
		kt_open();
	}
	if ((!strcmp(argv[1], "add") && argc == 4) || loader) {
		rc = kt_pool_add(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0), &id, &node);
		if (!rc)
			printf("%u %u\n", id, node);
		if (loader && wait_loader(loader) && !rc)
			rc = 1;
	} else if (!strcmp(argv[1], "remove")) {
		rc = kt_pool_remove(strtoul(argv[2], NULL, 0),
				    argc > 3 ? strtoul(argv[3], NULL, 0) : 0, &evicted, &busy);
		printf("evicted %llu busy %llu\n", (unsigned long long)evicted,
		       (unsigned long long)busy);
	} else {
		fprintf(stderr, "svm-kpool: unknown command '%s'\n", argv[1]);
		return 2;
	}
	if (rc)
		fprintf(stderr, "svm-kpool %s: %s\n", argv[1], strerror(rc));
	return rc;
}
