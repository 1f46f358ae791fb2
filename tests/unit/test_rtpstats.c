/*
 * Unit tests for the RTP receiver statistics (common/rtpstats.c): packets
 * in order, lost, reordered, duplicated, across the sequence wrap, a new
 * SSRC and a restarted numbering; jitter against RFC 3550 A.8 worked by
 * hand; the jitter buffer's deadline; datagrams that are not RTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtpstats.h"

#define PTIME_US	20000	/* one G.711 packet: 20 ms, 160 samples */

/* Feed one RTP packet (PCMU unless pt says otherwise). */
static void
feed(struct rtpstats *s, unsigned int pt, uint16_t seq, uint32_t ts,
    uint32_t ssrc, uint64_t now_us)
{
	uint8_t	 p[172];

	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	p[1] = (uint8_t)pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	rtpstats_update(s, p, sizeof(p), now_us);
}

/* Packet n of a steady 20 ms stream starting at seq0, on time. */
static void
feed_n(struct rtpstats *s, uint16_t seq0, uint32_t n, uint32_t ssrc)
{
	feed(s, 0, (uint16_t)(seq0 + n), 160 * n, ssrc,
	    1000000 + (uint64_t)n * PTIME_US);
}

static void
test_rtpstats_in_order(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 100; n++)
		feed_n(&s, 1000, n, 0x1234);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 100);
	assert_int_equal(v.expected, 100);
	assert_int_equal(v.lost, 0);
	assert_int_equal(v.late, 0);
	assert_float_equal(v.loss_pct, 0, 1e-9);
	assert_float_equal(v.jitter_ms, 0, 1e-9);
	assert_int_equal(v.pt, 0);
}

/* Every tenth packet missing: 10 of 100 lost. */
static void
test_rtpstats_loss(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 100; n++)
		if (n % 10 != 5)
			feed_n(&s, 7, n, 1);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 90);
	assert_int_equal(v.expected, 100);
	assert_int_equal(v.lost, 10);
	assert_float_equal(v.loss_pct, 10.0, 1e-9);
}

/* 5 before 4 loses nothing; a duplicate does not hide a loss for good. */
static void
test_rtpstats_reorder_duplicate(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	static const uint32_t	 order[] = { 0, 1, 2, 3, 5, 4, 6, 7 };
	size_t			 i;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		feed_n(&s, 100, order[i], 9);
	rtpstats_view(&s, &v);
	assert_int_equal(v.expected, 8);
	assert_int_equal(v.lost, 0);

	/* 0 1 2 2 3 5: 6 expected, 6 counted (the duplicate) -> 0 lost. */
	memset(&s, 0, sizeof(s));
	feed_n(&s, 100, 0, 9);
	feed_n(&s, 100, 1, 9);
	feed_n(&s, 100, 2, 9);
	feed_n(&s, 100, 2, 9);
	feed_n(&s, 100, 3, 9);
	feed_n(&s, 100, 5, 9);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 6);
	assert_int_equal(v.expected, 6);
	assert_int_equal(v.lost, 0);
	/* ... and 7 next: 8 expected, 7 counted, 1 lost. */
	feed_n(&s, 100, 7, 9);
	rtpstats_view(&s, &v);
	assert_int_equal(v.expected, 8);
	assert_int_equal(v.lost, 1);
}

/* Across 65535 -> 0, with one packet lost just after the wrap. */
static void
test_rtpstats_wrap(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* 65530 .. 65535, 0, 1, (2 lost), 3 .. 9 */
	for (n = 0; n < 16; n++)
		if (n != 8)
			feed_n(&s, 65530, n, 5);
	rtpstats_view(&s, &v);
	assert_int_equal(v.expected, 16);
	assert_int_equal(v.lost, 1);
	assert_int_equal(s.cycles, 65536);
	/* A whole cycle and more: 70,000 packets, none lost. */
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 70000; n++)
		feed_n(&s, 60000, n, 5);
	rtpstats_view(&s, &v);
	assert_int_equal(v.expected, 70000);
	assert_int_equal(v.lost, 0);
}

/* A new SSRC starts over; the old source's counts stay in the totals. */
static void
test_rtpstats_ssrc_change(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 50; n++)
		if (n % 10 != 3)
			feed_n(&s, 20000, n, 0xaaaa);
	for (n = 0; n < 50; n++)
		feed_n(&s, 5, 100 + n, 0xbbbb);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 95);
	assert_int_equal(v.expected, 100);
	assert_int_equal(v.lost, 5);
	assert_int_equal(s.ssrc, 0xbbbb);
}

/* A jump of 30,000 that persists is a restart, not 30,000 lost. */
static void
test_rtpstats_restart(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 20; n++)
		feed_n(&s, 1, n, 3);
	for (n = 0; n < 20; n++)
		feed_n(&s, 30000, 20 + n, 3);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 40);
	assert_int_equal(v.expected, 40);
	assert_int_equal(v.lost, 0);
	/* A lone stray far ahead is ignored. */
	feed_n(&s, 9000, 40, 3);
	feed_n(&s, 1, 40, 3);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 42);
	assert_int_equal(v.lost, 0);
}

/*
 * RFC 3550 A.8 by hand, 8 kHz, 20 ms packets (timestamps 0, 160, 320,
 * 480, 640) arriving at 0, 20, 45, 60, 80 ms, i.e. 0, 160, 360, 480, 640
 * clock units. The first packet is in probation; from the second the
 * transits R - S are 0, 40, 0, 0, so |D| = 40, 40, 0. With J scaled by 16
 * (J += |D| - ((J + 8) >> 4)): 0 + 40 - 0 = 40; 40 + 40 - 3 = 77;
 * 77 + 0 - 5 = 72. J = 72 / 16 = 4.5 units = 0.5625 ms. (In real numbers,
 * J += (|D| - J) / 16: 2.5, 4.84375, 4.5410 units = 0.568 ms.)
 */
static void
test_rtpstats_jitter(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	static const uint64_t	 at_ms[] = { 0, 20, 45, 60, 80 };
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 5; n++)
		feed(&s, 8, (uint16_t)(500 + n), 160 * n, 77,
		    at_ms[n] * 1000);
	assert_int_equal(s.jitter, 72);
	rtpstats_view(&s, &v);
	assert_float_equal(v.jitter_ms, 0.5625, 1e-9);
	assert_int_equal(v.late, 0);
	assert_int_equal(v.pt, 8);
}

/*
 * The jitter buffer's deadline: 60 ms after the base transit. 59 ms late
 * is in time, 61 ms is late; 90 kHz video is judged alike; the base
 * follows a drifting clock and a lasting change of delay.
 */
static void
test_rtpstats_late(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint32_t		 n;

	(void)state;
	memset(&s, 0, sizeof(s));
	feed(&s, 0, 1, 0, 4, 1000000);
	feed(&s, 0, 2, 160, 4, 1020000);
	feed(&s, 0, 3, 320, 4, 1040000 + 59000);
	feed(&s, 0, 4, 480, 4, 1060000 + 61000);
	feed(&s, 0, 5, 640, 4, 1080000);
	rtpstats_view(&s, &v);
	assert_int_equal(v.late, 1);
	assert_int_equal(v.lost, 0);

	memset(&s, 0, sizeof(s));
	rtpstats_set_rate(&s, 90000);
	feed(&s, 96, 1, 0, 4, 0);
	feed(&s, 96, 2, 3000, 4, 33333);
	feed(&s, 96, 3, 6000, 4, 66667 + 70000);
	rtpstats_view(&s, &v);
	assert_int_equal(s.rate, 90000);
	assert_int_equal(v.late, 1);
	assert_int_equal(rtpstats_rate(0), 8000);

	/*
	 * A sender whose clock is 2 % slow: 20.4 ms between packets of
	 * 20 ms, 400 ms behind after 1,000. The buffer follows: none late.
	 */
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 1000; n++)
		feed(&s, 0, (uint16_t)n, 160 * n, 4, (uint64_t)n * 20400);
	rtpstats_view(&s, &v);
	assert_int_equal(v.late, 0);
	/*
	 * Delay rising by 100 ms for good: the buffer catches up within
	 * 64 x ln(100 / 60) = 33 packets, so a few dozen are late, not all.
	 */
	memset(&s, 0, sizeof(s));
	for (n = 0; n < 500; n++)
		feed(&s, 0, (uint16_t)n, 160 * n, 4,
		    (uint64_t)n * 20000 + (n >= 100 ? 100000 : 0));
	rtpstats_view(&s, &v);
	assert_in_range(v.late, 20, 40);
	assert_int_equal(rtpstats_rate(9), 8000);
	assert_int_equal(rtpstats_rate(31), 90000);
}

/* RTCP, short datagrams and other versions are not counted. */
static void
test_rtpstats_not_rtp(void **state)
{
	struct rtpstats		 s;
	struct rtpstats_view	 v;
	uint8_t			 p[28];

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	p[1] = 200;		/* RTCP SR multiplexed: PT 72 */
	rtpstats_update(&s, p, sizeof(p), 0);
	p[1] = 0;
	rtpstats_update(&s, p, 11, 0);
	p[0] = 0x40;		/* version 1 */
	rtpstats_update(&s, p, sizeof(p), 0);
	rtpstats_view(&s, &v);
	assert_int_equal(v.packets, 0);
	assert_int_equal(v.expected, 0);
	assert_float_equal(v.loss_pct, 0, 1e-9);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_rtpstats_in_order),
		cmocka_unit_test(test_rtpstats_loss),
		cmocka_unit_test(test_rtpstats_reorder_duplicate),
		cmocka_unit_test(test_rtpstats_wrap),
		cmocka_unit_test(test_rtpstats_ssrc_change),
		cmocka_unit_test(test_rtpstats_restart),
		cmocka_unit_test(test_rtpstats_jitter),
		cmocka_unit_test(test_rtpstats_late),
		cmocka_unit_test(test_rtpstats_not_rtp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
