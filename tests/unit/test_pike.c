/*
 * Unit tests for the per-source request limiter (common/pike.c): counting
 * up to the limit, the sliding window, the ban and its end, responses that
 * do not count, the allow list (IPv4 and IPv6 prefixes), a full table that
 * forgets its oldest source, and prefixes the config accepts or refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pike.h"

#define TP_T0	1000000ULL	/* ms; any monotonic start */

static struct pike	*tp_new(size_t, const char *const *, size_t);

/* A table with Kamailio's defaults: more than 16 in 2 s, 300 s ban. */
static struct pike *
tp_new(size_t sources, const char *const *allow, size_t nallow)
{
	struct pike_net		 nets[8];
	struct pike_conf	 c = { 16, 2, 300, sources, nets, nallow };
	struct pike		*p;
	size_t			 i;

	assert_true(nallow <= 8);
	for (i = 0; i < nallow; i++)
		assert_int_equal(pike_net_parse(allow[i], &nets[i]), 0);
	assert_non_null(p = pike_new(&c));
	return p;
}

/* 16 requests in a burst pass; the 17th bans, and the ban holds. */
static void
test_pike_count(void **state)
{
	struct pike	*p = tp_new(1024, NULL, 0);
	int		 i;

	(void)state;
	for (i = 0; i < 16; i++)
		assert_int_equal(pike_check(p, "198.51.100.66", 1, TP_T0 + i),
		    0);
	assert_int_equal(pike_check(p, "198.51.100.66", 1, TP_T0 + 20), 1);
	assert_int_equal(pike_banned(p), 1);
	/* Everything from it is dropped, responses too; others pass. */
	assert_int_equal(pike_check(p, "198.51.100.66", 0, TP_T0 + 30), 1);
	assert_int_equal(pike_check(p, "198.51.100.66", 1, TP_T0 + 60000), 1);
	assert_int_equal(pike_check(p, "198.51.100.14", 1, TP_T0 + 30), 0);
	pike_free(p);
}

/*
 * The window slides: 16 requests spread so that no 2 s hold more pass at
 * any pace, but 17 within any 2 s ban, even across a slot boundary.
 */
static void
test_pike_window(void **state)
{
	struct pike	*p = tp_new(1024, NULL, 0);
	uint64_t	 t = TP_T0;
	int		 i;

	(void)state;
	/*
	 * One every 150 ms for a minute: never more than 16 in the 2 s to
	 * 2.25 s the counters cover.
	 */
	for (i = 0; i < 400; i++)
		assert_int_equal(pike_check(p, "198.51.100.20", 1,
		    t + (uint64_t)i * 150), 0);
	/* 9 late in one second, 7 in the next two: 16 pass, then 17. */
	t = TP_T0 + 200000;
	for (i = 0; i < 9; i++)
		assert_int_equal(pike_check(p, "198.51.100.21", 1,
		    t + 900 + (uint64_t)i), 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(pike_check(p, "198.51.100.21", 1,
		    t + 2700 + (uint64_t)i), 0);
	assert_int_equal(pike_check(p, "198.51.100.21", 1, t + 2800), 1);
	/* Responses never count. */
	for (i = 0; i < 100; i++)
		assert_int_equal(pike_check(p, "198.51.100.22", 0, t + (uint64_t)i),
		    0);
	assert_int_equal(pike_count(p), 2);
	pike_free(p);
}

/* A ban ends after its time, at the sweep or at the next request. */
static void
test_pike_expiry(void **state)
{
	struct pike	*p = tp_new(1024, NULL, 0);
	int		 i;

	(void)state;
	for (i = 0; i < 17; i++) {
		pike_check(p, "198.51.100.66", 1, TP_T0);
		pike_check(p, "2001:db8::66", 1, TP_T0);
	}
	assert_int_equal(pike_banned(p), 2);
	pike_sweep(p, TP_T0 + 299999);
	assert_int_equal(pike_banned(p), 2);
	pike_sweep(p, TP_T0 + 300000);
	assert_int_equal(pike_banned(p), 0);
	/* Counting starts again from nothing. */
	for (i = 0; i < 16; i++)
		assert_int_equal(pike_check(p, "198.51.100.66", 1,
		    TP_T0 + 300001), 0);
	assert_int_equal(pike_check(p, "198.51.100.66", 1, TP_T0 + 300002), 1);
	/* Ended by the next request when no sweep came. */
	assert_int_equal(pike_check(p, "198.51.100.66", 1, TP_T0 + 600003), 0);
	assert_int_equal(pike_banned(p), 0);
	/* Idle sources are forgotten by the sweep. */
	pike_sweep(p, TP_T0 + 700000);
	assert_int_equal(pike_count(p), 0);
	pike_free(p);
}

/* Allow-listed addresses are never counted, IPv4 and IPv6 prefixes. */
static void
test_pike_allow(void **state)
{
	static const char *const allow[] = { "203.0.113.0/24", "2001:db8::/32",
	    "198.51.100.14" };
	struct pike	*p = tp_new(1024, allow, 3);
	int		 i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(pike_check(p, "203.0.113.77", 1, TP_T0), 0);
		assert_int_equal(pike_check(p, "2001:db8:1::5", 1, TP_T0), 0);
		assert_int_equal(pike_check(p, "198.51.100.14", 1, TP_T0), 0);
	}
	assert_int_equal(pike_count(p), 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(pike_check(p, "203.0.114.1", 1, TP_T0), 0);
	assert_int_equal(pike_check(p, "203.0.114.1", 1, TP_T0), 1);
	for (i = 0; i < 16; i++)
		assert_int_equal(pike_check(p, "2001:db9::1", 1, TP_T0), 0);
	assert_int_equal(pike_check(p, "2001:db9::1", 1, TP_T0), 1);
	pike_free(p);
}

/* A full table forgets the least recently seen source, banned or not. */
static void
test_pike_full(void **state)
{
	struct pike	*p = tp_new(4, NULL, 0);
	char		 host[32];
	int		 i, k;

	(void)state;
	for (i = 0; i < 17; i++)
		pike_check(p, "198.51.100.66", 1, TP_T0);
	assert_int_equal(pike_banned(p), 1);
	/* Three more sources: the table is full, the ban still holds. */
	for (k = 1; k <= 3; k++) {
		snprintf(host, sizeof(host), "192.0.2.%d", k);
		assert_int_equal(pike_check(p, host, 1, TP_T0 + 1), 0);
	}
	assert_int_equal(pike_count(p), 4);
	assert_int_equal(pike_check(p, "198.51.100.66", 1, TP_T0 + 2), 1);
	/* Many spoofed sources: memory stays at the cap. */
	for (k = 0; k < 10000; k++) {
		snprintf(host, sizeof(host), "10.%d.%d.%d", k >> 16,
		    (k >> 8) & 0xff, k & 0xff);
		pike_check(p, host, 1, TP_T0 + 3);
		assert_true(pike_count(p) <= 4);
	}
	assert_int_equal(pike_banned(p), 0);
	pike_free(p);
}

/* Prefixes: addresses, CIDR, and what is refused. */
static void
test_pike_net_parse(void **state)
{
	struct pike_net	 n;

	(void)state;
	assert_int_equal(pike_net_parse("198.51.100.7", &n), 0);
	assert_int_equal(n.bits, 128);
	assert_int_equal(pike_net_parse("10.0.0.0/8", &n), 0);
	assert_int_equal(n.bits, 104);
	assert_int_equal(pike_net_parse("0.0.0.0/0", &n), 0);
	assert_int_equal(pike_net_parse("2001:db8::/32", &n), 0);
	assert_int_equal(n.bits, 32);
	assert_int_equal(pike_net_parse("::1", &n), 0);
	assert_int_equal(pike_net_parse("10.0.0.1/8", &n), -1);
	assert_int_equal(pike_net_parse("10.0.0.0/33", &n), -1);
	assert_int_equal(pike_net_parse("10.0.0.0/", &n), -1);
	assert_int_equal(pike_net_parse("10.0.0.0/-1", &n), -1);
	assert_int_equal(pike_net_parse("10.0.0.0/8x", &n), -1);
	assert_int_equal(pike_net_parse("2001:db8::/129", &n), -1);
	assert_int_equal(pike_net_parse("corp.example", &n), -1);
	assert_int_equal(pike_net_parse("", &n), -1);
}

/* New settings: the table shrinks, bans stay, bad ones are refused. */
static void
test_pike_configure(void **state)
{
	struct pike		*p = tp_new(1024, NULL, 0);
	struct pike_conf	 c = { 16, 2, 300, 2, NULL, 0 };
	int			 i;

	(void)state;
	for (i = 0; i < 17; i++)
		pike_check(p, "198.51.100.66", 1, TP_T0);
	pike_check(p, "192.0.2.1", 1, TP_T0 + 1);
	pike_check(p, "192.0.2.2", 1, TP_T0 + 2);
	assert_int_equal(pike_configure(p, &c), 0);
	assert_int_equal(pike_count(p), 2);
	c.requests = 0;
	assert_int_equal(pike_configure(p, &c), -1);
	pike_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pike_count),
		cmocka_unit_test(test_pike_window),
		cmocka_unit_test(test_pike_expiry),
		cmocka_unit_test(test_pike_allow),
		cmocka_unit_test(test_pike_full),
		cmocka_unit_test(test_pike_net_parse),
		cmocka_unit_test(test_pike_configure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
