/*
 * Unit tests of the delay line's queue (tests/tools/delayq.h): each
 * packet leaves no earlier than its arrival plus the delay, in the order
 * it came, even when the clock steps back; the ring wraps; a full queue
 * refuses the next packet and takes packets again once one has left;
 * shutdown releases everything at once; bad sizes are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../tools/delayq.h"

#define TD_MS	1000000ULL	/* one millisecond in ns */

static void	test_delayq_delay(void **);
static void	test_delayq_order(void **);
static void	test_delayq_clock_back(void **);
static void	test_delayq_bound(void **);
static void	test_delayq_wrap(void **);
static void	test_delayq_force(void **);
static void	test_delayq_zero_delay(void **);
static void	test_delayq_bad_init(void **);

/* A packet leaves at arrival + delay, not a nanosecond before. */
static void
test_delayq_delay(void **state)
{
	struct delayq	 q;
	uint32_t	 id = 0;

	(void)state;
	assert_int_equal(delayq_init(&q, 8, 10 * TD_MS), 0);
	assert_int_equal(delayq_next_due(&q), 0);
	assert_int_equal(delayq_pop(&q, 1000 * TD_MS, 0, &id), 0);
	assert_int_equal(delayq_push(&q, 42, 100 * TD_MS), 0);
	assert_int_equal(delayq_len(&q), 1);
	assert_int_equal(delayq_next_due(&q), 110 * TD_MS);
	assert_int_equal(delayq_pop(&q, 110 * TD_MS - 1, 0, &id), 0);
	assert_int_equal(delayq_pop(&q, 110 * TD_MS, 0, &id), 1);
	assert_int_equal(id, 42);
	assert_int_equal(delayq_len(&q), 0);
	assert_int_equal(delayq_next_due(&q), 0);
	delayq_free(&q);
}

/* Packets leave in the order they came, each when it is due. */
static void
test_delayq_order(void **state)
{
	struct delayq	 q;
	uint32_t	 id, i, want = 0;
	uint64_t	 t;

	(void)state;
	assert_int_equal(delayq_init(&q, 64, 10 * TD_MS), 0);
	/* 50 packets 1 ms apart, drained every 0.5 ms meanwhile. */
	for (i = 0, t = 0; t < 80 * TD_MS; t += TD_MS / 2) {
		if (t % TD_MS == 0 && i < 50)
			assert_int_equal(delayq_push(&q, 1000 + i++, t), 0);
		while (delayq_pop(&q, t, 0, &id)) {
			assert_int_equal(id, 1000 + want);
			/* Packet k came at k ms: due at k + 10 ms. */
			assert_true(t >= (uint64_t)want * TD_MS + 10 * TD_MS);
			assert_true(t < (uint64_t)want * TD_MS + 11 * TD_MS);
			want++;
		}
		assert_true(delayq_len(&q) <= 11);
	}
	assert_int_equal(want, 50);
	delayq_free(&q);
}

/* A clock that steps back never lets a later packet overtake. */
static void
test_delayq_clock_back(void **state)
{
	struct delayq	 q;
	uint32_t	 id = 0;

	(void)state;
	assert_int_equal(delayq_init(&q, 4, 10 * TD_MS), 0);
	assert_int_equal(delayq_push(&q, 1, 50 * TD_MS), 0);
	assert_int_equal(delayq_push(&q, 2, 40 * TD_MS), 0);
	assert_int_equal(delayq_pop(&q, 50 * TD_MS, 0, &id), 0);
	assert_int_equal(delayq_pop(&q, 60 * TD_MS, 0, &id), 1);
	assert_int_equal(id, 1);
	assert_int_equal(delayq_next_due(&q), 60 * TD_MS);
	assert_int_equal(delayq_pop(&q, 60 * TD_MS, 0, &id), 1);
	assert_int_equal(id, 2);
	/* Empty again: a new packet's due time is its own. */
	assert_int_equal(delayq_push(&q, 3, 30 * TD_MS), 0);
	assert_int_equal(delayq_next_due(&q), 40 * TD_MS);
	delayq_free(&q);
}

/* A full queue refuses a packet and takes one again once one left. */
static void
test_delayq_bound(void **state)
{
	struct delayq	 q;
	uint32_t	 id = 0, i;

	(void)state;
	assert_int_equal(delayq_init(&q, 3, 10 * TD_MS), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(delayq_push(&q, i, i * TD_MS), 0);
	assert_int_equal(delayq_push(&q, 99, 3 * TD_MS), -1);
	assert_int_equal(delayq_len(&q), 3);
	assert_int_equal(delayq_pop(&q, 10 * TD_MS, 0, &id), 1);
	assert_int_equal(id, 0);
	assert_int_equal(delayq_push(&q, 3, 10 * TD_MS), 0);
	assert_int_equal(delayq_push(&q, 4, 10 * TD_MS), -1);
	/* The refused packets left no trace: 1, 2, 3 follow. */
	for (i = 1; i <= 3; i++) {
		assert_int_equal(delayq_pop(&q, 100 * TD_MS, 0, &id), 1);
		assert_int_equal(id, i);
	}
	assert_int_equal(delayq_pop(&q, 100 * TD_MS, 0, &id), 0);
	delayq_free(&q);
}

/* Many times round a small ring: ids and due times stay right. */
static void
test_delayq_wrap(void **state)
{
	struct delayq	 q;
	uint32_t	 id = 0, i, next = 0;

	(void)state;
	assert_int_equal(delayq_init(&q, 5, 2 * TD_MS), 0);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(delayq_push(&q, i, (uint64_t)i * TD_MS), 0);
		while (delayq_pop(&q, (uint64_t)i * TD_MS, 0, &id)) {
			assert_int_equal(id, next);
			next++;
		}
		assert_int_equal(delayq_len(&q), i + 1 - next);
		assert_true(delayq_len(&q) <= 3);
	}
	assert_int_equal(next, 998);
	delayq_free(&q);
}

/* Shutdown: everything held leaves at once, still in order. */
static void
test_delayq_force(void **state)
{
	struct delayq	 q;
	uint32_t	 id = 0, i;

	(void)state;
	assert_int_equal(delayq_init(&q, 16, 1000 * TD_MS), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(delayq_push(&q, 7 * i, i), 0);
	assert_int_equal(delayq_pop(&q, 20, 0, &id), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(delayq_pop(&q, 20, 1, &id), 1);
		assert_int_equal(id, 7 * i);
	}
	assert_int_equal(delayq_pop(&q, 20, 1, &id), 0);
	delayq_free(&q);
}

/* No delay: a packet is due the moment it came. */
static void
test_delayq_zero_delay(void **state)
{
	struct delayq	 q;
	uint32_t	 id = 0;

	(void)state;
	assert_int_equal(delayq_init(&q, 1, 0), 0);
	assert_int_equal(delayq_push(&q, 5, 77), 0);
	assert_int_equal(delayq_pop(&q, 77, 0, &id), 1);
	assert_int_equal(id, 5);
	delayq_free(&q);
}

/* No room, or more than DELAYQ_MAX: refused, and freeing is safe. */
static void
test_delayq_bad_init(void **state)
{
	struct delayq	 q;

	(void)state;
	assert_int_equal(delayq_init(&q, 0, TD_MS), -1);
	delayq_free(&q);
	assert_int_equal(delayq_init(&q, DELAYQ_MAX + 1, TD_MS), -1);
	delayq_free(&q);
	assert_int_equal(delayq_init(&q, DELAYQ_MAX, TD_MS), 0);
	assert_int_equal(delayq_push(&q, 1, 0), 0);
	delayq_free(&q);
	assert_int_equal(delayq_len(&q), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delayq_delay),
		cmocka_unit_test(test_delayq_order),
		cmocka_unit_test(test_delayq_clock_back),
		cmocka_unit_test(test_delayq_bound),
		cmocka_unit_test(test_delayq_wrap),
		cmocka_unit_test(test_delayq_force),
		cmocka_unit_test(test_delayq_zero_delay),
		cmocka_unit_test(test_delayq_bad_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
