/*
 * The event loop at a pace under load (pace.h says why): one turn of
 * libevent's loop at a time, and between turns, while the load calls for
 * it, a sleep that makes a turn last as long as a batch takes to fill.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <time.h>

#include <event2/event.h>

#include "clock_us.h"
#include "log.h"
#include "pace.h"


/*
 * A pace, off until pace_set, for a half whose load work() reports. Its
 * sleeps (and the loop's timers) are a few hundred µs: the kernel's
 * default slack of 50 µs would stretch them, so the process asks for none.
 */
void
pace_init(struct pace *p, void (*work)(void *, struct pace_work *),
    void *arg)
{
	struct batch	 none = { 0 };

	p->max_us = 0;
	p->batch_bytes = 0;
	p->work = work;
	p->arg = arg;
	p->rate = none;
	p->last.packets = 0;
	p->last.bytes = 0;
	p->interval_us = 0;
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) == -1)
		log_warn("prctl PR_SET_TIMERSLACK");
}

/* Pace no longer than max_us, for batches of batch_bytes (0, 0: never). */
void
pace_set(struct pace *p, int max_us, size_t batch_bytes)
{
	p->max_us = max_us;
	p->batch_bytes = batch_bytes;
	if (max_us <= 0 || batch_bytes == 0)
		p->interval_us = 0;
}

/* Whether the loop is pacing: voice then leaves at the end of each turn. */
int
pace_active(const struct pace *p)
{
	return p != NULL && p->interval_us > 0;
}

/*
 * A turn ended at now_us after turn_us (the wait for an event included),
 * with work relayed so far: how long (µs) to sleep before the next. The
 * voice since the last turn counts, half of it each way, towards the rate
 * of one direction; the interval is the time that rate takes to bring a
 * whole batch.
 */
int
pace_sleep_us(struct pace *p, uint64_t now_us, const struct pace_work *w,
    uint64_t turn_us)
{
	uint64_t	 packets, bytes;

	/* Off, or counters that went back: the load starts from here. */
	if (p->max_us <= 0 || p->batch_bytes == 0 ||
	    w->packets < p->last.packets || w->bytes < p->last.bytes)
		p->last = *w;
	if (p->max_us <= 0 || p->batch_bytes == 0)
		return 0;
	packets = (w->packets - p->last.packets) / 2;
	bytes = (w->bytes - p->last.bytes) / 2;
	if (packets > 0) {
		batch_note_many(&p->rate, now_us, packets, bytes);
		p->last.packets += packets * 2;
		p->last.bytes += bytes * 2;
	}
	/* A turn's voice is the frame: the whole batch arrives in a turn. */
	p->interval_us = batch_wait_us(&p->rate, now_us, 0, p->batch_bytes,
	    p->max_us);
	if (p->interval_us == 0 ||
	    turn_us + PACE_MIN_SLEEP_US > (uint64_t)p->interval_us)
		return 0;
	return p->interval_us - (int)turn_us;
}

/*
 * Run the loop until it is told to exit: libevent's event_base_dispatch,
 * one turn at a time with the pace's sleeps between. 0, or -1 if the
 * loop failed.
 */
int
pace_loop(struct event_base *base, struct pace *p)
{
	struct pace_work w;
	struct timespec	 ts;
	uint64_t	 enter, now;
	int		 rc, us;

	for (;;) {
		enter = clock_now_us();
		if ((rc = event_base_loop(base, EVLOOP_ONCE)) == -1) {
			log_warnx("the event loop failed");
			return -1;
		}
		if (rc == 1 || event_base_got_exit(base) ||
		    event_base_got_break(base))
			return 0;
		now = clock_now_us();
		p->work(p->arg, &w);
		if ((us = pace_sleep_us(p, now, &w, now - enter)) == 0)
			continue;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)us * 1000;
		/* A signal cuts the sleep short: its event runs next turn. */
		if (nanosleep(&ts, NULL) == -1 && errno != EINTR)
			log_warn("nanosleep");
	}
}
