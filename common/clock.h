/*
 * The daemons' clock: whole seconds on the monotonic clock, for the
 * tunnel's timers, admission challenges and binding lifetimes of both
 * halves. Wall-clock steps do not move it.
 */
#ifndef VOFW_CLOCK_H
#define VOFW_CLOCK_H

#include <time.h>

time_t	 clock_now(void);

#endif
