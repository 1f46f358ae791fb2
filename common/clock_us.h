/*
 * The monotonic clock in microseconds, for what times voice: jitter, the
 * tunnel's round trip and batch wait, the event loop's pace. A file of its
 * own, apart from clock.c, because tests and fuzzers stand in for
 * clock_now with a clock their input moves.
 */
#ifndef VOFW_CLOCK_US_H
#define VOFW_CLOCK_US_H

#include <stdint.h>

uint64_t	 clock_now_us(void);

#endif
