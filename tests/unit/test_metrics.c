/*
 * Unit tests for the metric families both halves share (metrics_std.c)
 * and what feeds them: calls ended by cause, the voice figures summed by
 * place with the MOS histogram (call_voice_add), and whether a reload
 * moves the endpoint (metrics_moved).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "call.h"
#include "config.h"
#include "metrics.h"
#include "prom.h"

static char	*test_metrics_take(struct evbuffer *);

/* The buffer's contents as a string (valid until the next call). */
static char *
test_metrics_take(struct evbuffer *b)
{
	static char	 s[16384];
	size_t		 n = evbuffer_get_length(b);

	assert_true(n < sizeof(s));
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

static void
test_metrics_causes(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct call_ctx	 cx;
	struct prom	 p;
	char		*s;

	(void)state;
	assert_non_null(b);
	memset(&cx, 0, sizeof(cx));
	cx.ended[CALL_END_BYE] = 3;
	cx.ended[CALL_END_TIMER_C] = 1;
	prom_init(&p, b);
	metrics_std_calls(&p, &cx);
	assert_int_equal(p.error, 0);
	s = test_metrics_take(b);
	assert_non_null(strstr(s, "\nvofw_calls_ended_total{cause=\"bye\"} 3\n"));
	assert_non_null(strstr(s,
	    "\nvofw_calls_ended_total{cause=\"timer_c\"} 1\n"));
	assert_non_null(strstr(s,
	    "\nvofw_calls_ended_total{cause=\"other\"} 0\n"));
	assert_non_null(strstr(s, "\nvofw_call_mos_bucket{le=\"+Inf\"} 0\n"));
	assert_string_equal(call_cause_name(CALL_END_NO_MEDIA), "no_media");
	evbuffer_free(b);
}

static void
test_metrics_voice(void **state)
{
	struct evbuffer		*b = evbuffer_new();
	struct call_voice	 v;
	struct call_stats	 cs;
	struct call_ctx		 cx;
	struct prom		 p;
	char			*s;

	(void)state;
	assert_non_null(b);
	memset(&v, 0, sizeof(v));
	memset(&cs, 0, sizeof(cs));
	cs.nstreams = 1;
	cs.stream[0].to_inside.from_tunnel = 0;
	cs.stream[0].to_inside.expected = 100;
	cs.stream[0].to_inside.lost = 5;
	cs.stream[0].to_inside.jitter_ms = 3;
	cs.stream[0].to_outside.from_tunnel = 1;
	cs.stream[0].to_outside.expected = 200;
	cs.stream[0].to_outside.late = 2;
	cs.stream[0].to_outside.jitter_ms = 7;
	cs.mos = 3.9;
	call_voice_add(&v, &cs, 0);
	assert_int_equal(v.expected[CALL_FROM_TERMINALS], 100);
	assert_int_equal(v.lost[CALL_FROM_TERMINALS], 5);
	assert_int_equal(v.expected[CALL_FROM_TUNNEL], 200);
	assert_int_equal(v.late[CALL_FROM_TUNNEL], 2);
	assert_true(v.jitter_max_ms == 7);
	assert_true(v.mos_min == 3.9);
	assert_int_equal(v.mos_count, 0);
	/* Ended: into the histogram, 3.9 in the bucket up to 4.0. */
	call_voice_add(&v, &cs, 1);
	assert_int_equal(v.mos_count, 1);
	assert_int_equal(v.mos_bucket[6], 1);
	cs.mos = 0;		/* no RTP: no MOS counted */
	call_voice_add(&v, &cs, 1);
	assert_int_equal(v.mos_count, 1);
	memset(&cx, 0, sizeof(cx));
	cx.voice = v;
	prom_init(&p, b);
	metrics_std_calls(&p, &cx);
	assert_int_equal(p.error, 0);
	s = test_metrics_take(b);
	assert_non_null(strstr(s, "\nvofw_voice_lost_packets_total"
	    "{place=\"from_terminals\"} 15\n"));
	assert_non_null(strstr(s, "\nvofw_call_mos_bucket{le=\"3.8\"} 0\n"
	    "vofw_call_mos_bucket{le=\"4.0\"} 1\n"));
	assert_non_null(strstr(s, "\nvofw_call_mos_count 1\n"));
	/* The live figures are not kept between scrapes. */
	assert_non_null(strstr(s, "\nvofw_calls_mos_min 0\n"));
	evbuffer_free(b);
}

static void
test_metrics_moved(void **state)
{
	char			 a1[] = "127.0.0.1", a2[] = "10.0.0.1";
	struct config_endpoint	 a = { NULL, 9466 }, b = { a1, 9466 };
	struct config_endpoint	 c = { a2, 9466 }, d = { NULL, 9467 };

	(void)state;
	assert_int_equal(metrics_moved(1, &a, 1, &b), 0);
	assert_int_equal(metrics_moved(1, &a, 1, &c), 1);
	assert_int_equal(metrics_moved(1, &a, 1, &d), 1);
	assert_int_equal(metrics_moved(1, &a, 0, &a), 1);
	assert_int_equal(metrics_moved(0, &a, 0, &c), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_causes),
		cmocka_unit_test(test_metrics_voice),
		cmocka_unit_test(test_metrics_moved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
