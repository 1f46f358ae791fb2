/*
 * Unit tests of the tunnel's batch wait (common/batch.c) on a clock the
 * test moves: no wait before a rate is known, at one call, or once the
 * batch is there; a wait that shrinks as the rate grows and never passes
 * the configured one; a silence forgets the rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "batch.h"

#define TB_WAIT		1000		/* µs, the shipped batch_wait */
#define TB_BYTES	512		/* the shipped batch_bytes */
#define TB_REC		180		/* a G.711 record, header compressed */
#define TB_START	5000000		/* µs: any clock reading will do */

/* Feed records gap_us apart for a whole window and one more; the clock. */
static uint64_t
tb_feed(struct batch *b, uint64_t now, uint64_t gap_us)
{
	uint64_t	 end = now + BATCH_WINDOW_US;

	for (; now <= end; now += gap_us)
		batch_note(b, now, TB_REC);
	batch_note(b, now, TB_REC);
	return now;
}

/* Before a whole window of voice the rate is unknown: no wait. */
static void
test_unknown(void **state)
{
	struct batch	 b = { 0 };

	(void)state;
	batch_note(&b, TB_START, TB_REC);
	assert_int_equal(batch_wait_us(&b, TB_START, TB_REC, TB_BYTES,
	    TB_WAIT), 0);
	batch_note(&b, TB_START + 200, TB_REC);
	assert_int_equal(batch_wait_us(&b, TB_START + 200, TB_REC, TB_BYTES,
	    TB_WAIT), 0);
}

/* One call, a datagram every 20 ms: none comes within the wait. */
static void
test_one_call(void **state)
{
	struct batch	 b = { 0 };
	uint64_t	 now;

	(void)state;
	now = tb_feed(&b, TB_START, 20000);
	assert_int_equal(batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT),
	    0);
	/* Nor one every 2 ms (ten calls) within 1 ms. */
	now = tb_feed(&b, now, 2000);
	assert_int_equal(batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT),
	    0);
}

/*
 * A hundred calls, a record every 200 µs: two more fill 512 bytes, so
 * the wait is about 400 µs; a thousand calls, every 20 µs: about 40.
 */
static void
test_rates(void **state)
{
	struct batch	 b = { 0 };
	uint64_t	 now;
	int		 w;

	(void)state;
	now = tb_feed(&b, TB_START, 200);
	w = batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT);
	assert_true(w >= 390 && w <= 410);
	/* More queued already: less to wait for. */
	w = batch_wait_us(&b, now, 2 * TB_REC, TB_BYTES, TB_WAIT);
	assert_true(w >= 195 && w <= 205);
	/* The batch is there: none. */
	assert_int_equal(batch_wait_us(&b, now, TB_BYTES, TB_BYTES, TB_WAIT),
	    0);
	now = tb_feed(&b, now, 20);
	w = batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT);
	assert_true(w >= 39 && w <= 41);
}

/* Never past the configured wait; no wait when it is 0. */
static void
test_capped(void **state)
{
	struct batch	 b = { 0 };
	uint64_t	 now;

	(void)state;
	/* Every 900 µs: two more take 1800, the wait stops at 1000. */
	now = tb_feed(&b, TB_START, 900);
	assert_int_equal(batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT),
	    TB_WAIT);
	assert_int_equal(batch_wait_us(&b, now, TB_REC, TB_BYTES, 0), 0);
	assert_int_equal(batch_wait_us(&b, now, TB_REC, 0, TB_WAIT), 0);
}

/* A silence of two windows forgets the rate: the next voice goes at once. */
static void
test_silence(void **state)
{
	struct batch	 b = { 0 };
	uint64_t	 now;

	(void)state;
	now = tb_feed(&b, TB_START, 200);
	assert_true(batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT) > 0);
	now += 2 * BATCH_WINDOW_US;
	assert_int_equal(batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT),
	    0);
	batch_note(&b, now, TB_REC);
	assert_int_equal(batch_wait_us(&b, now, TB_REC, TB_BYTES, TB_WAIT),
	    0);
	/* A clock that went back is no rate either. */
	now = tb_feed(&b, now, 200);
	batch_note(&b, now - 3 * BATCH_WINDOW_US, TB_REC);
	assert_int_equal(batch_wait_us(&b, now - 3 * BATCH_WINDOW_US, TB_REC,
	    TB_BYTES, TB_WAIT), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_one_call),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_silence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
