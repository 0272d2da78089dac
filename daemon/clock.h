/* SPDX-License-Identifier: GPL-2.0-only */
/* The monotonic clock, for the daemon's deadlines and debounce, and for systemd. */
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

/* Monotonic microseconds: sd_notify's MONOTONIC_USEC (ms would predate systemd's signal) */
static inline uint64_t svmd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
