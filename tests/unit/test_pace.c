/*
 * Unit tests of the event loop's pace (common/pace.c) on a clock and a
 * load the test moves: no pace at one call, nor when batching is off; a
 * pace as long as a batch takes to fill under load, less the turn's own
 * length; a load that ends or counters that go back stop it; and the
 * loop itself runs and ends with its base.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <event2/event.h>

#include "pace.h"

#define TP_WAIT		1000		/* µs, the shipped batch_wait */
#define TP_BYTES	512		/* the shipped batch_bytes */
#define TP_DGRAM	172		/* a G.711 datagram */
#define TP_START	7000000		/* µs: any clock reading will do */

static void	 tp_work(void *, struct pace_work *);

/* The loop test's load: none. */
static void
tp_work(void *arg, struct pace_work *w)
{
	(void)arg;
	w->packets = 0;
	w->bytes = 0;
}

/*
 * Turns every turn_us for a window and a bit, each relaying (both ways
 * together) what pps datagrams a second bring; the last sleep asked for.
 */
static int
tp_run(struct pace *p, uint64_t *now, struct pace_work *w, uint64_t pps,
    uint64_t turn_us, uint64_t turn_len)
{
	uint64_t	 end = *now + 2 * BATCH_WINDOW_US, owed = 0;
	int		 us = 0;

	for (; *now < end; *now += turn_us) {
		owed += pps * turn_us;
		w->packets += owed / 1000000;
		w->bytes += owed / 1000000 * TP_DGRAM;
		owed %= 1000000;
		us = pace_sleep_us(p, *now, w, turn_len);
	}
	return us;
}

/* One call: two datagrams (one each way) every 20 ms; never a pace. */
static void
test_one_call(void **state)
{
	struct pace	 p;
	struct pace_work w = { 0, 0 };
	uint64_t	 now = TP_START;

	(void)state;
	pace_init(&p, tp_work, NULL);
	pace_set(&p, TP_WAIT, TP_BYTES);
	assert_int_equal(tp_run(&p, &now, &w, 100, 10000, 10), 0);
	assert_false(pace_active(&p));
	/* Ten calls, 1000 a second: one each way every 2 ms, still none. */
	assert_int_equal(tp_run(&p, &now, &w, 1000, 1000, 10), 0);
	assert_false(pace_active(&p));
}

/*
 * A hundred calls, 10,000 datagrams a second, 5,000 each way: a batch of
 * 512 bytes is three datagrams, 600 µs; the turn's own 100 µs
 * come off the sleep, and a sleep shorter than PACE_MIN_SLEEP_US is none.
 * At a thousand calls, 60 µs: a longer turn, no sleep.
 */
static void
test_load(void **state)
{
	struct pace	 p;
	struct pace_work w = { 0, 0 };
	uint64_t	 now = TP_START;
	int		 us;

	(void)state;
	pace_init(&p, tp_work, NULL);
	pace_set(&p, TP_WAIT, TP_BYTES);
	us = tp_run(&p, &now, &w, 10000, 600, 100);
	assert_true(pace_active(&p));
	assert_true(p.interval_us >= 590 && p.interval_us <= 610);
	assert_int_equal(us, p.interval_us - 100);
	assert_int_equal(pace_sleep_us(&p, now, &w, 700), 0);
	assert_int_equal(pace_sleep_us(&p, now, &w,
	    (uint64_t)p.interval_us - PACE_MIN_SLEEP_US + 1), 0);
	assert_int_equal(pace_sleep_us(&p, now, &w,
	    (uint64_t)p.interval_us - PACE_MIN_SLEEP_US), PACE_MIN_SLEEP_US);
	us = tp_run(&p, &now, &w, 100000, 100, 60);
	assert_true(p.interval_us >= 58 && p.interval_us <= 62);
	assert_int_equal(us, 0);
}

/* Batching off: never a pace, whatever the load; and back on. */
static void
test_off(void **state)
{
	struct pace	 p;
	struct pace_work w = { 0, 0 };
	uint64_t	 now = TP_START;

	(void)state;
	pace_init(&p, tp_work, NULL);
	pace_set(&p, 0, TP_BYTES);
	assert_int_equal(tp_run(&p, &now, &w, 10000, 400, 100), 0);
	assert_false(pace_active(&p));
	pace_set(&p, TP_WAIT, 0);
	assert_int_equal(tp_run(&p, &now, &w, 10000, 400, 100), 0);
	assert_false(pace_active(&p));
	pace_set(&p, TP_WAIT, TP_BYTES);
	assert_true(tp_run(&p, &now, &w, 10000, 400, 100) > 0);
	/* Turned off while pacing: it stops at once. */
	pace_set(&p, 0, 0);
	assert_false(pace_active(&p));
	assert_false(pace_active(NULL));
}

/* The load ends (two silent windows) or the counters go back: no pace. */
static void
test_load_ends(void **state)
{
	struct pace	 p;
	struct pace_work w = { 0, 0 }, back = { 0, 0 };
	uint64_t	 now = TP_START;

	(void)state;
	pace_init(&p, tp_work, NULL);
	pace_set(&p, TP_WAIT, TP_BYTES);
	assert_true(tp_run(&p, &now, &w, 10000, 400, 100) > 0);
	now += 2 * BATCH_WINDOW_US;
	assert_int_equal(pace_sleep_us(&p, now, &w, 10), 0);
	assert_false(pace_active(&p));
	assert_true(tp_run(&p, &now, &w, 10000, 400, 100) > 0);
	/* A relay started over: counters from zero are no load. */
	assert_int_equal(pace_sleep_us(&p, now + 400, &back, 10),
	    p.interval_us - 10);
	assert_int_equal(p.last.packets, 0);
}

/* The loop runs the base's events and returns once it is told to exit. */
static void
test_loop(void **state)
{
	struct event_base	*base;
	struct pace		 p;
	struct timeval		 tv = { 0, 20000 };

	(void)state;
	assert_non_null(base = event_base_new());
	pace_init(&p, tp_work, NULL);
	pace_set(&p, TP_WAIT, TP_BYTES);
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(pace_loop(base, &p), 0);
	assert_true(event_base_got_exit(base));
	/* With nothing left to wait for, it returns too. */
	assert_int_equal(pace_loop(base, &p), 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_call),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_load_ends),
		cmocka_unit_test(test_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
