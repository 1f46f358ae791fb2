/*
 * Unit tests for when a session writes into its later lanes
 * (common/lanes.c): copies always or for LANES_LOSS_HOLD after a loss,
 * which outlets take a batch (the first with room; later ones while
 * copying or once idle; a later one when the first is full), what the
 * pump waits on, the kernel's loss counters of a real connection and
 * what they say (a retransmission that a D-SACK answers is no loss).
 */
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "json.h"
#include "lanes.h"
#include "unit_net.h"

#define TL_T0	1000000	/* any clock_now() */
#define TL_HW	1000	/* high water of the outlets */

/* On loss: off at first, on for the hold after a loss, off after. */
static void
test_lanes_copying(void **state)
{
	struct lanes	 l;

	(void)state;
	lanes_init(&l, LANES_COPY_ON_LOSS);
	assert_false(lanes_copying(&l, TL_T0));
	lanes_loss(&l, TL_T0, 0);
	assert_true(lanes_copying(&l, TL_T0));
	assert_true(lanes_copying(&l, TL_T0 + LANES_LOSS_HOLD - 1));
	assert_false(lanes_copying(&l, TL_T0 + LANES_LOSS_HOLD));
	/* Told by the other half: the same hold, counted apart. */
	lanes_loss(&l, TL_T0 + 100, 1);
	assert_true(lanes_copying(&l, TL_T0 + 100 + LANES_LOSS_HOLD - 1));
	assert_int_equal(l.losses, 1);
	assert_int_equal(l.told, 1);
	lanes_init(&l, LANES_COPY_ALWAYS);
	assert_true(lanes_copying(&l, TL_T0));
	assert_string_equal(lanes_copies_name(LANES_COPY_ALWAYS), "always");
	assert_string_equal(lanes_copies_name(LANES_COPY_ON_LOSS), "on-loss");
}

/* Which outlets take a batch, copying or not. */
static void
test_lanes_pick(void **state)
{
	struct lanes		 l;
	struct lanes_outlet	 o[2] = { { 10, TL_T0, 0 }, { 0, TL_T0 - 5, 0 } };
	int			 take[2];

	(void)state;
	lanes_init(&l, LANES_COPY_ON_LOSS);
	/* Clean path: the first lane alone, a recently fed second idles. */
	assert_int_equal(lanes_pick(&l, TL_T0, o, 2, TL_HW, 15, take), 1);
	assert_int_equal(take[0], 0);
	/* Idle for its keepalive: it takes this one too. */
	o[1].wrote = TL_T0 - 15;
	assert_int_equal(lanes_pick(&l, TL_T0, o, 2, TL_HW, 15, take), 2);
	assert_int_equal(take[1], 1);
	/* Without an idle rule it does not. */
	assert_int_equal(lanes_pick(&l, TL_T0, o, 2, TL_HW, 0, take), 1);
	/* The first lane full (stalled): the second takes it alone. */
	o[0].pending = TL_HW;
	assert_int_equal(lanes_pick(&l, TL_T0, o, 2, TL_HW, 0, take), 1);
	assert_int_equal(take[0], 1);
	/* Both full: nobody. */
	o[1].pending = TL_HW + 1;
	assert_int_equal(lanes_pick(&l, TL_T0, o, 2, TL_HW, 15, take), 0);
	/* Loss: both with room take every batch. */
	o[0].pending = 10;
	o[1].pending = 20;
	o[1].wrote = TL_T0;
	lanes_loss(&l, TL_T0, 1);
	assert_int_equal(lanes_pick(&l, TL_T0, o, 2, TL_HW, 15, take), 2);
	assert_int_equal(take[0], 0);
	assert_int_equal(take[1], 1);
	/* One lane only: it takes everything there is room for. */
	assert_int_equal(lanes_pick(&l, TL_T0, o, 1, TL_HW, 15, take), 1);
	assert_int_equal(lanes_pick(&l, TL_T0, o, 0, TL_HW, 15, take), 0);
}

/* What the pump waits on: the outlets that take the next batch. */
static void
test_lanes_pending(void **state)
{
	struct lanes		 l;
	struct lanes_outlet	 o[2] = { { 300, TL_T0, 0 }, { 0, TL_T0, 0 } };

	(void)state;
	lanes_init(&l, LANES_COPY_ON_LOSS);
	/* An idle second lane does not make the first look drained. */
	assert_int_equal(lanes_pending(&l, TL_T0, o, 2, TL_HW), 300);
	lanes_loss(&l, TL_T0, 0);
	assert_int_equal(lanes_pending(&l, TL_T0, o, 2, TL_HW), 0);
	/* Not copying, the first full: the second takes, its bytes count. */
	lanes_init(&l, LANES_COPY_ON_LOSS);
	o[0].pending = TL_HW + 5;
	o[1].pending = 40;
	assert_int_equal(lanes_pending(&l, TL_T0, o, 2, TL_HW), 40);
	/* All full: the least behind, at or past high water. */
	o[1].pending = TL_HW + 2;
	assert_int_equal(lanes_pending(&l, TL_T0, o, 2, TL_HW), TL_HW + 2);
	assert_int_equal(lanes_pending(&l, TL_T0, o, 0, TL_HW), SIZE_MAX);
}

/*
 * A real loopback connection has lost nothing, look after look; what is
 * not a TCP socket cannot say.
 */
static void
test_lanes_tcp(void **state)
{
	struct lanes_tcp	 t, u;
	uint16_t		 port = unet_free_port();
	struct sockaddr_in	 sin;
	int			 lfd, cfd, afd, ufd, one = 1, i;

	(void)state;
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	cfd = unet_connect(NULL, port);
	assert_true((afd = accept(lfd, NULL, NULL)) != -1);
	memset(&t, 0, sizeof(t));
	memset(&u, 0, sizeof(u));
	for (i = 0; i < 3; i++) {
		assert_int_equal(write(cfd, "voice", 5), 5);
		assert_int_equal(lanes_tcp_lost(cfd, &t), 0);
		assert_int_equal(lanes_tcp_lost(afd, &u), 0);
	}
	assert_true((ufd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	assert_int_equal(lanes_tcp_lost(ufd, &t), -1);
	assert_int_equal(lanes_tcp_lost(-1, &t), -1);
	close(ufd);
	close(afd);
	close(cfd);
	close(lfd);
}

/*
 * Which counters say loss: a segment sent again that a D-SACK then calls a
 * duplicate is none (a probe on a busy machine), in the same second or the
 * next, even with a probe each second; one still unanswered a look later
 * is; so is every segment received out of order; counters that wrap do
 * not fool it.
 */
static void
test_lanes_tcp_judge(void **state)
{
	struct lanes_tcp	 t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(lanes_tcp_judge(&t, 0, 0, 0), 0);
	/* A probe, its D-SACK before the next look. */
	assert_int_equal(lanes_tcp_judge(&t, 1, 0, 0), 0);
	assert_int_equal(lanes_tcp_judge(&t, 1, 1, 0), 0);
	/* A probe and its D-SACK between two looks. */
	assert_int_equal(lanes_tcp_judge(&t, 2, 2, 0), 0);
	/* A real retransmission: loss one look later, once. */
	assert_int_equal(lanes_tcp_judge(&t, 3, 2, 0), 0);
	assert_int_equal(lanes_tcp_judge(&t, 3, 2, 0), 1);
	assert_int_equal(lanes_tcp_judge(&t, 3, 2, 0), 0);
	/* Out of order: loss at once. */
	assert_int_equal(lanes_tcp_judge(&t, 3, 2, 4), 1);
	assert_int_equal(lanes_tcp_judge(&t, 3, 2, 4), 0);
	/* Retransmissions every second: loss at every look but the first. */
	assert_int_equal(lanes_tcp_judge(&t, 4, 2, 4), 0);
	assert_int_equal(lanes_tcp_judge(&t, 5, 2, 4), 1);
	assert_int_equal(lanes_tcp_judge(&t, 6, 2, 4), 1);
	assert_int_equal(lanes_tcp_judge(&t, 6, 2, 4), 1);
	assert_int_equal(lanes_tcp_judge(&t, 6, 2, 4), 0);
	/* Probes in two seconds running, each seen before its D-SACK. */
	assert_int_equal(lanes_tcp_judge(&t, 7, 2, 4), 0);
	assert_int_equal(lanes_tcp_judge(&t, 8, 3, 4), 0);
	assert_int_equal(lanes_tcp_judge(&t, 8, 4, 4), 0);
	assert_int_equal(lanes_tcp_judge(&t, 8, 4, 4), 0);
	/* Two sent again, one D-SACKed: loss. */
	assert_int_equal(lanes_tcp_judge(&t, 10, 4, 4), 0);
	assert_int_equal(lanes_tcp_judge(&t, 10, 5, 4), 1);
	assert_int_equal(lanes_tcp_judge(&t, 10, 5, 4), 0);
	/* Across the counters' wrap. */
	memset(&t, 0, sizeof(t));
	t.retrans = t.dsacks = t.dsacks_before = UINT32_MAX;
	t.ooo = UINT32_MAX;
	assert_int_equal(lanes_tcp_judge(&t, UINT32_MAX, UINT32_MAX,
	    UINT32_MAX), 0);
	assert_int_equal(lanes_tcp_judge(&t, 0, UINT32_MAX, UINT32_MAX), 0);
	assert_int_equal(lanes_tcp_judge(&t, 0, 0, UINT32_MAX), 0);
	assert_int_equal(lanes_tcp_judge(&t, 2, 0, UINT32_MAX), 0);
	assert_int_equal(lanes_tcp_judge(&t, 2, 0, UINT32_MAX), 1);
}

/* What the control socket shows. */
static void
test_lanes_describe(void **state)
{
	struct lanes	 l;
	struct json	 j;
	struct evbuffer	*out;
	char		 buf[128];

	(void)state;
	lanes_init(&l, LANES_COPY_ON_LOSS);
	assert_string_equal(lanes_describe(&l, TL_T0, buf, sizeof(buf)),
	    "not copying; no loss seen");
	lanes_loss(&l, TL_T0, 0);
	lanes_loss(&l, TL_T0 + 2, 1);
	assert_string_equal(lanes_describe(&l, TL_T0 + 5, buf, sizeof(buf)),
	    "copying; loss 3 s ago (seen here in 1 s, told 1 times)");
	assert_non_null(out = evbuffer_new());
	json_init(&j, out);
	json_object(&j, NULL);
	lanes_json(&j, &l, TL_T0 + 5);
	json_end(&j);
	assert_int_equal(evbuffer_add(out, "", 1), 0);
	assert_string_equal((char *)evbuffer_pullup(out, -1),
	    "{\"copies\":\"on-loss\",\"copying\":true,"
	    "\"loss_seen\":1,\"loss_told\":1,\"loss_ago_s\":3}");
	evbuffer_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lanes_copying),
		cmocka_unit_test(test_lanes_pick),
		cmocka_unit_test(test_lanes_pending),
		cmocka_unit_test(test_lanes_tcp),
		cmocka_unit_test(test_lanes_tcp_judge),
		cmocka_unit_test(test_lanes_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
