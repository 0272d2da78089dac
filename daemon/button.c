// SPDX-License-Identifier: GPL-2.0-only
/* Attention-button press detection from the kernel log. See button.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "button.h"

int svmd_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

bool svmd_parse_button_press(const char *rec, char *port, size_t len)
{
	const char *msg = strchr(rec, ';'), *p, *end;

	/* "PRI,SEQ,TS,FLAGS;pcieport 0000:0c:01.0: pciehp: Slot(3): Button press: will power off in 5 sec" */
	msg = msg ? msg + 1 : rec;
	if (!strstr(msg, "pciehp: Slot(") || !strstr(msg, "will power off"))
		return false;
	p = strstr(msg, "pcieport ");
	if (!p)
		return false;
	p += strlen("pcieport ");
	end = strchr(p, ':');
	/* BDF "DDDD:BB:DD.F": the message separator is the colon after it */
	end = p + strcspn(p, " ");
	if (end == p || end[-1] != ':' || (size_t)(end - p) > len)
		return false;
	snprintf(port, len, "%.*s", (int)(end - p - 1), p);
	return true;
}
