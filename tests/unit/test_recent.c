/*
 * Unit tests for the recent batches a joining lane is given
 * (common/recent.c): what a lane missed, oldest first, up to the newest;
 * nothing for a lane that missed nothing; batches forgotten by age, by
 * bytes and by count, the newest kept whatever its age or size; cleared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "recent.h"

/* Add batch text at now_us: its id. */
static uint64_t
tr_add(struct recent *r, const char *text, uint64_t now_us)
{
	struct evbuffer	*f;
	uint64_t	 id;

	assert_non_null(f = evbuffer_new());
	assert_int_equal(evbuffer_add(f, text, strlen(text)), 0);
	id = recent_add(r, f, now_us);
	/* The caller's batch is left as it was. */
	assert_int_equal(evbuffer_get_length(f), strlen(text));
	evbuffer_free(f);
	return id;
}

/* What a lane that last took batch after is given, as a string. */
static void
tr_since(struct recent *r, uint64_t after, const char *want)
{
	struct evbuffer	*out;

	assert_non_null(out = evbuffer_new());
	assert_int_equal(recent_since(r, after, out), 0);
	assert_int_equal(evbuffer_add(out, "", 1), 0);
	assert_string_equal((char *)evbuffer_pullup(out, -1), want);
	evbuffer_free(out);
}

static void
test_recent_since(void **state)
{
	struct recent	 r;

	(void)state;
	assert_int_equal(recent_init(&r), 0);
	assert_int_equal(tr_add(&r, "a", 1000), 1);
	assert_int_equal(tr_add(&r, "bb", 2000), 2);
	assert_int_equal(tr_add(&r, "ccc", 3000), 3);
	tr_since(&r, 0, "abbccc");
	tr_since(&r, 1, "bbccc");
	tr_since(&r, 2, "ccc");
	tr_since(&r, 3, "");
	/* Cleared (one lane left): nothing, and ids go on. */
	recent_clear(&r);
	tr_since(&r, 0, "");
	assert_int_equal(tr_add(&r, "d", 4000), 4);
	tr_since(&r, 2, "d");
	recent_free(&r);
}

static void
test_recent_bounds(void **state)
{
	struct recent	 r;
	char		 big[RECENT_MAX_BYTES / 2 + 1];
	uint64_t	 t = 1000000;
	int		 i;

	(void)state;
	assert_int_equal(recent_init(&r), 0);
	/* By age: a batch older than RECENT_MAX_US goes. */
	tr_add(&r, "old", t);
	tr_add(&r, "new", t + RECENT_MAX_US + 1);
	tr_since(&r, 0, "new");
	/* The newest stays, however old the one before. */
	tr_add(&r, "x", t + 10 * RECENT_MAX_US);
	tr_since(&r, 0, "x");
	/* By bytes: two halves and a bit push the oldest out. */
	recent_clear(&r);
	memset(big, 'B', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tr_add(&r, "first", t);
	tr_add(&r, big, t);
	assert_int_equal(r.n, 2);
	tr_add(&r, big, t);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.bytes, 2 * (sizeof(big) - 1));
	tr_since(&r, r.last_id - 1, big);
	/* By count: the ring holds RECENT_MAX_BATCHES. */
	recent_clear(&r);
	for (i = 0; i < RECENT_MAX_BATCHES + 3; i++)
		tr_add(&r, "z", t);
	assert_int_equal(r.n, RECENT_MAX_BATCHES);
	assert_int_equal(r.bytes, RECENT_MAX_BATCHES);
	recent_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recent_since),
		cmocka_unit_test(test_recent_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
