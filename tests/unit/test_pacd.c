/*
 * Unit tests for the PAC runner (common/pacd.c): its wire format in both
 * directions with every bound (lengths, time limits, statuses, NUL
 * bytes, requests cut short), and the runner itself, forked and under
 * its filters: a good script answers, one that never returns (in
 * FindProxyForURL or at top level) is killed at its limit while the
 * loop goes on, and the runner answers the next script after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "pacd.h"

static const char tp_url[] = "http://hras.example.net:8080/";

struct tp_outcome {
	struct event_base	*base;
	int			 done;
	enum pacd_status	 status;
	char			 text[PACD_TEXT_MAX + 1];
	int			 ticks;		/* the loop ran meanwhile */
};

/* A request's bytes, flattened. */
static size_t
tp_encode(uint8_t *b, size_t len, const char *script, const char *host,
    uint32_t timeout_ms, int *rc)
{
	struct evbuffer	*e = evbuffer_new();
	struct pac_net	 net;
	size_t		 n;

	memset(&net, 0, sizeof(net));
	snprintf(net.my_ip, sizeof(net.my_ip), "10.77.0.2");
	snprintf(net.host_ip, sizeof(net.host_ip), "198.51.100.10");
	net.host = host;
	assert_non_null(e);
	*rc = pacd_req_encode(e, 7, script, strlen(script), tp_url, &net,
	    timeout_ms);
	n = evbuffer_get_length(e);
	assert_true(n <= len);
	evbuffer_remove(e, b, n);
	evbuffer_free(e);
	return n;
}

/* A request goes through whole, and not before its last byte. */
static void
test_req_roundtrip(void **state)
{
	static uint8_t	 b[PACD_REQ_MAX];
	struct pacd_req	 r;
	size_t		 n, i;
	int		 rc;

	(void)state;
	n = tp_encode(b, sizeof(b), "function FindProxyForURL(u, h) {}",
	    "hras.example.net", 1000, &rc);
	assert_int_equal(rc, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(pacd_req_decode(b, i, &r), 0);
	assert_int_equal(pacd_req_decode(b, n, &r), (int)n);
	assert_int_equal(r.id, 7);
	assert_int_equal(r.timeout_ms, 1000);
	assert_int_equal(r.len, strlen("function FindProxyForURL(u, h) {}"));
	assert_memory_equal(r.script, "function FindProxyForURL", 24);
	assert_string_equal(r.url, tp_url);
	assert_string_equal(r.host, "hras.example.net");
	assert_string_equal(r.net.host, "hras.example.net");
	assert_string_equal(r.net.my_ip, "10.77.0.2");
	assert_string_equal(r.net.host_ip, "198.51.100.10");
}

/* Requests out of bounds are refused by both ends. */
static void
test_req_bounds(void **state)
{
	static uint8_t	 b[PACD_REQ_MAX + 64];
	static char	 host[PACD_HOST_MAX + 2];
	struct pacd_req	 r;
	size_t		 n;
	int		 rc;

	(void)state;
	tp_encode(b, sizeof(b), "x", "h", PACD_TIMEOUT_MIN - 1, &rc);
	assert_int_equal(rc, -1);
	tp_encode(b, sizeof(b), "x", "h", PACD_TIMEOUT_MAX + 1, &rc);
	assert_int_equal(rc, -1);
	memset(host, 'a', sizeof(host) - 1);
	tp_encode(b, sizeof(b), "x", host, 1000, &rc);
	assert_int_equal(rc, -1);

	n = tp_encode(b, sizeof(b), "x", "h", 1000, &rc);
	assert_int_equal(rc, 0);
	/* A script over the limit, announced in the header. */
	b[8] = 0x7f;
	assert_int_equal(pacd_req_decode(b, n, &r), -1);
	b[8] = 0;
	/* A time limit out of range. */
	b[4] = 0xff;
	assert_int_equal(pacd_req_decode(b, n, &r), -1);
	b[4] = 0;
	/* The reserved word. */
	b[15] = 1;
	assert_int_equal(pacd_req_decode(b, n, &r), -1);
	b[15] = 0;
	/* A URL over its limit. */
	b[16] = 0xff;
	assert_int_equal(pacd_req_decode(b, n, &r), -1);
	b[16] = 0;
	/* An address without its NUL. */
	memset(b + 20, 'x', 64);
	assert_int_equal(pacd_req_decode(b, n, &r), -1);
	memset(b + 20, 0, 64);
	/* A NUL in the host. */
	b[n - 1] = '\0';
	assert_int_equal(pacd_req_decode(b, n, &r), -1);
	b[n - 1] = 'h';
	assert_int_equal(pacd_req_decode(b, n, &r), (int)n);
}

/* Answers: whole, cut short, out of bounds. */
static void
test_ans(void **state)
{
	uint8_t		 b[PACD_ANS_HDR + PACD_TEXT_MAX];
	struct pacd_ans	 a;
	int		 n, i;

	(void)state;
	n = pacd_ans_encode(b, sizeof(b), 3, PACD_OK, "PROXY p:3128");
	assert_int_equal(n, PACD_ANS_HDR + 12);
	for (i = 0; i < n; i++)
		assert_int_equal(pacd_ans_decode(b, (size_t)i, &a), 0);
	assert_int_equal(pacd_ans_decode(b, (size_t)n, &a), n);
	assert_int_equal(a.id, 3);
	assert_int_equal(a.status, PACD_OK);
	assert_string_equal(a.text, "PROXY p:3128");
	assert_int_equal(pacd_ans_encode(b, 10, 3, PACD_OK, "x"), -1);
	assert_int_equal(pacd_ans_encode(b, sizeof(b), 3, PACD_GONE, ""), -1);
	b[7] = PACD_GONE;
	assert_int_equal(pacd_ans_decode(b, (size_t)n, &a), -1);
	b[7] = PACD_OK;
	b[10] = 0x10;
	assert_int_equal(pacd_ans_decode(b, (size_t)n, &a), -1);
	b[10] = 0;
	b[PACD_ANS_HDR] = '\0';
	assert_int_equal(pacd_ans_decode(b, (size_t)n, &a), -1);
}

static void
tp_done(enum pacd_status st, const char *text, void *arg)
{
	struct tp_outcome	*o = arg;

	o->done = 1;
	o->status = st;
	snprintf(o->text, sizeof(o->text), "%s", text);
	event_base_loopbreak(o->base);
}

static void
tp_tick(evutil_socket_t fd, short what, void *arg)
{
	struct tp_outcome	*o = arg;

	(void)fd;
	(void)what;
	o->ticks++;
}

/* Ask p about script within ms; the outcome once it came. */
static void
tp_ask(struct event_base *base, struct pacd *p, struct tp_outcome *o,
    const char *script, unsigned int ms)
{
	struct pac_net	 net;
	struct event	*tick;
	struct timeval	 tv = { 0, 20000 };

	memset(&net, 0, sizeof(net));
	net.host = "hras.example.net";
	memset(o, 0, sizeof(*o));
	o->base = base;
	assert_non_null(tick = event_new(base, -1, EV_PERSIST, tp_tick, o));
	event_add(tick, &tv);
	assert_int_equal(pacd_ask(p, script, strlen(script), tp_url, &net, ms,
	    tp_done, o), 0);
	event_base_dispatch(base);
	event_free(tick);
	assert_true(o->done);
}

/*
 * The runner, forked and in its sandbox: a good script; scripts that
 * never return, in FindProxyForURL and at top level, killed at the limit
 * while the loop ticks on; a script that fails; a good one again.
 */
static void
test_runner(void **state)
{
	struct event_base	*base;
	struct pacd		*p;
	struct tp_outcome	 o;

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(p = pacd_start(base, PACD_FILTER | PACD_REAP));
	tp_ask(base, p, &o, "function FindProxyForURL(u, h) {"
	    " return 'PROXY ' + h + ':3128; DIRECT'; }", 2000);
	assert_int_equal(o.status, PACD_OK);
	assert_string_equal(o.text, "PROXY hras.example.net:3128; DIRECT");

	tp_ask(base, p, &o, "function FindProxyForURL(u, h) {"
	    " while (true) {} }", 300);
	assert_int_equal(o.status, PACD_TIMEOUT);
	assert_true(o.ticks >= 5);

	tp_ask(base, p, &o, "for (;;) {}", 200);
	assert_int_equal(o.status, PACD_TIMEOUT);
	assert_true(o.ticks >= 3);

	tp_ask(base, p, &o, "function FindProxyForURL(u, h) {"
	    " throw new Error('no'); }", 2000);
	assert_int_equal(o.status, PACD_FAILED);
	assert_non_null(strstr(o.text, "no"));

	/* The memory cap, then Date() under the worker's filter. */
	tp_ask(base, p, &o, "function FindProxyForURL(u, h) { var s = 'x';"
	    " for (;;) s = s + s; }", 5000);
	assert_int_equal(o.status, PACD_FAILED);
	tp_ask(base, p, &o, "function FindProxyForURL(u, h) {"
	    " return timeRange(0, 24) && weekdayRange('SUN', 'SAT') ?"
	    " 'DIRECT' : 'PROXY x:1'; }", 2000);
	assert_int_equal(o.status, PACD_OK);
	assert_string_equal(o.text, "DIRECT");
	pacd_free(p);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_roundtrip),
		cmocka_unit_test(test_req_bounds),
		cmocka_unit_test(test_ans),
		cmocka_unit_test(test_runner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
