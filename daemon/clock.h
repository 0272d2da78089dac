/* SPDX-License-Identifier: GPL-2.0-only */
/* Monotonic milliseconds, for the daemon's deadlines and debounce. */
#ifndef SVMD_CLOCK_H
#define SVMD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t svmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
