/*
 * The monotonic clock in microseconds (clock_us.h).
 */
#include <time.h>

#include "clock_us.h"

/* Microseconds on the monotonic clock (the vDSO: no system call). */
uint64_t
clock_now_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
