/*
 * The monotonic clock both halves read (clock.h).
 */
#include <time.h>

#include "clock.h"

/* Seconds on the monotonic clock. */
time_t
clock_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}
