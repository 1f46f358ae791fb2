/*
 * Unit tests of the tunnel's pump, without sockets: a pumped tunnel A
 * (either half's side) over a stand-in transport whose outlet the test
 * sets, and a plain tunnel B keyed as the far half. Covers the kick policy
 * (a stream outlet lets voice wait for a batch when voice comes fast
 * enough to fill one, a poll outlet and SIP do not, no outlet sends
 * nothing), the stream flush stopping at the outlet's
 * high-water mark and resuming as it drains, a failed write, and the
 * delivery of opened records to the handler for their type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "batch.h"
#include "log.h"
#include "tunnel.h"

#define TP_QMAX		(1 << 20)
#define TP_WAIT		50000		/* µs voice may wait for a batch */
#define TP_BATCH	1000		/* bytes of voice that need no wait */
#define TP_CHUNK	300		/* bytes of frames per write */
#define TP_HIGH		1000		/* the outlet's high-water mark */
#define TP_MAXREC	64

/* The stand-in transport under A and what it and the far half saw. */
struct tp {
	struct event_base	*base;
	struct tunnel		*a;		/* pumped */
	struct tunnel		*b;		/* the far half, plain */
	enum tunnel_outlet	 outlet;
	struct evbuffer		*wire;		/* what the outlet holds */
	int			 writes;
	int			 fail;		/* writes still to refuse */
	int			 polls;
	int			 sents;
	/* A's handlers, by type. */
	int			 control, hook, sip, media;
	unsigned int		 type;		/* of the last record */
	uint32_t		 flow;
	uint8_t			 data[64];
	size_t			 len;
	/* B's records, in order. */
	int			 nb;
	unsigned int		 btype[TP_MAXREC];
	size_t			 blen[TP_MAXREC];
};

static enum tunnel_outlet tp_outlet(void *);
static size_t	 tp_pending(void *);
static int	 tp_write(void *, struct evbuffer *);
static void	 tp_poll(void *);
static void	 tp_sent(void *);
static void	 tp_keep(struct tp *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 tp_control(void *, const uint8_t *, size_t);
static void	 tp_hook(void *, const uint8_t *, size_t);
static void	 tp_sip(void *, uint32_t, const uint8_t *, size_t);
static void	 tp_media(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 tp_b_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 tp_b_kick(void *, int);
static int	 tp_setup(void **);
static int	 tp_teardown(void **);
static void	 tp_turn(struct tp *);
static void	 tp_pass(struct tp *);

static const uint8_t	 tp_up[CRYPTO_KEYLEN] = { 0x11, 0x12, 0x13 };
static const uint8_t	 tp_down[CRYPTO_KEYLEN] = { 0x21, 0x22, 0x23 };

static enum tunnel_outlet
tp_outlet(void *arg)
{
	struct tp	*t = arg;

	return t->outlet;
}

/* The outlet holds what was written and not yet read by the far half. */
static size_t
tp_pending(void *arg)
{
	struct tp	*t = arg;

	return evbuffer_get_length(t->wire);
}

/* Take a batch of frames, or refuse it while told to. */
static int
tp_write(void *arg, struct evbuffer *f)
{
	struct tp	*t = arg;

	if (t->fail > 0) {
		t->fail--;
		return -1;
	}
	t->writes++;
	return evbuffer_add_buffer(t->wire, f);
}

/* A poll outlet: one whole batch, as an answer or a POST would carry it. */
static void
tp_poll(void *arg)
{
	struct tp	*t = arg;

	t->polls++;
	assert_true(tunnel_flush(t->a, t->wire, TP_CHUNK) > 0);
}

static void
tp_sent(void *arg)
{
	struct tp	*t = arg;

	t->sents++;
}

/* Keep the last record a handler of A got. */
static void
tp_keep(struct tp *t, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	assert_true(len <= sizeof(t->data));
	t->type = type;
	t->flow = flow;
	t->len = len;
	if (len > 0)
		memcpy(t->data, data, len);
}

static void
tp_control(void *arg, const uint8_t *data, size_t len)
{
	struct tp	*t = arg;

	t->control++;
	tp_keep(t, FRAME_CONTROL, 0, data, len);
}

static void
tp_hook(void *arg, const uint8_t *data, size_t len)
{
	struct tp	*t = arg;

	t->hook++;
	tp_keep(t, FRAME_HOOK, 0, data, len);
}

static void
tp_sip(void *arg, uint32_t flow, const uint8_t *data, size_t len)
{
	struct tp	*t = arg;

	t->sip++;
	tp_keep(t, FRAME_SIP, flow, data, len);
}

static void
tp_media(void *arg, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	struct tp	*t = arg;

	t->media++;
	tp_keep(t, type, flow, data, len);
}

/* The far half notes what it opens. */
static void
tp_b_deliver(void *arg, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	struct tp	*t = arg;

	(void)flow;
	(void)data;
	assert_true(t->nb < TP_MAXREC);
	t->btype[t->nb] = type;
	t->blen[t->nb] = len;
	t->nb++;
}

static void
tp_b_kick(void *arg, int now)
{
	(void)arg;
	(void)now;
}

static int
tp_setup(void **state)
{
	struct tp		*t;
	struct tunnel_pump_cb	 cb;
	struct tunnel_cb	 bcb;

	assert_non_null(t = calloc(1, sizeof(*t)));
	assert_non_null(t->base = event_base_new());
	assert_non_null(t->wire = evbuffer_new());
	cb.outlet = tp_outlet;
	cb.pending = tp_pending;
	cb.write = tp_write;
	cb.poll = tp_poll;
	cb.sent = tp_sent;
	cb.control = tp_control;
	cb.hook = tp_hook;
	cb.sip = tp_sip;
	cb.media = tp_media;
	cb.arg = t;
	cb.outlet_name = "the test outlet";
	cb.chunk_max = TP_CHUNK;
	cb.high_water = TP_HIGH;
	assert_non_null(t->a = tunnel_pump_new(TP_QMAX, t->base, "test: ",
	    &cb));
	tunnel_set_batch(t->a, TP_BATCH);
	tunnel_set_batch_wait(t->a, TP_WAIT);
	bcb.deliver = tp_b_deliver;
	bcb.kick = tp_b_kick;
	bcb.arg = t;
	assert_non_null(t->b = tunnel_new(TP_QMAX, &bcb));
	assert_int_equal(tunnel_set_keys(t->a, tp_up, "up", tp_down, "down"),
	    0);
	assert_int_equal(tunnel_set_keys(t->b, tp_down, "down", tp_up, "up"),
	    0);
	t->outlet = TUNNEL_OUT_STREAM;
	*state = t;
	return 0;
}

static int
tp_teardown(void **state)
{
	struct tp	*t = *state;

	tunnel_free(t->a);
	tunnel_free(t->b);
	evbuffer_free(t->wire);
	event_base_free(t->base);
	free(t);
	return 0;
}

/* Run what is due on this loop turn, without waiting for timers. */
static void
tp_turn(struct tp *t)
{
	assert_int_not_equal(event_base_loop(t->base, EVLOOP_NONBLOCK), -1);
}

/* The far half reads everything the outlet holds. */
static void
tp_pass(struct tp *t)
{
	const char	*why = NULL;

	if (tunnel_input(t->b, t->wire, &why) == -1)
		fail_msg("tunnel_input: %s", why);
	assert_int_equal(evbuffer_get_length(t->wire), 0);
}

/*
 * While voice flows, A pings (one control record after 16 RTP records,
 * then not again within a second); the far half answers at once, and the
 * answer gives A its round trip. Neither reaches a half's handlers.
 */
static void
test_ping(void **state)
{
	struct tp		*t = *state;
	struct evbuffer		*back;
	const char		*why = NULL;
	uint8_t			 rtp[40] = { 0x80 };
	int			 i, nrtp = 0;

	assert_true(tunnel_rtt_ms(t->a) < 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp,
		    sizeof(rtp)), 0);
	tp_turn(t);
	/* The outlet takes a high-water mark's worth at a time. */
	for (i = 0; i < 10 && tunnel_queued(t->a) > 0; i++) {
		tp_pass(t);
		tunnel_pump_flush(t->a);
	}
	tp_pass(t);
	for (i = 0; i < t->nb; i++)
		if (t->btype[i] == FRAME_RTP)
			nrtp++;
	/* Only the RTP reached B's handler: its ping was answered there. */
	assert_int_equal(nrtp, 40);
	assert_int_equal(t->nb, 40);
	assert_int_not_equal(tunnel_queued(t->b), 0);
	assert_non_null(back = evbuffer_new());
	assert_true(tunnel_flush(t->b, back, 65536) > 0);
	assert_int_equal(tunnel_input(t->a, back, &why), 0);
	evbuffer_free(back);
	assert_int_equal(t->control, 0);
	assert_int_equal(tunnel_stats(t->a)->pings, 1);
	assert_true(tunnel_rtt_ms(t->a) >= 0);
	assert_true(tunnel_rtt_ms(t->a) < 1000);
	/* No outlet: no ping, which would only time the outage. */
	t->outlet = TUNNEL_OUT_NONE;
	for (i = 0; i < 40; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp,
		    sizeof(rtp)), 0);
	assert_int_equal(tunnel_queued(t->a), 40 * (RECORD_HDRLEN +
	    sizeof(rtp)));
}

/*
 * Let A see a window of voice at TP_BUSY records in BATCH_WINDOW_US (a
 * record every 5 ms, well within TP_WAIT), and deliver it.
 */
#define TP_BUSY		20
static void
tp_busy(struct tp *t)
{
	uint8_t		 rtp[40] = { 0x80 };
	int		 i;

	for (i = 0; i < TP_BUSY; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp,
		    sizeof(rtp)), 0);
	tp_turn(t);
	assert_int_equal(tunnel_queued(t->a), 0);
	tp_pass(t);
	assert_int_equal(t->nb, TP_BUSY);
	t->nb = 0;
	t->writes = 0;
	t->sents = 0;
	assert_int_equal(usleep(BATCH_WINDOW_US + 1000), 0);
}

/*
 * A stream outlet under a voice rate that fills a batch: voice short of a
 * batch waits for the batch timer, SIP takes it along at the end of the
 * loop turn; voice alone leaves once the wait has passed.
 */
static void
test_kick_stream(void **state)
{
	struct tp	*t = *state;
	uint8_t		 rtp[40] = { 0x80 };

	tp_busy(t);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp, sizeof(rtp)), 0);
	tp_turn(t);
	assert_int_equal(t->writes, 0);
	assert_int_not_equal(tunnel_queued(t->a), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 1, "BYE", 3), 0);
	tp_turn(t);
	assert_int_equal(t->writes, 1);
	assert_int_equal(t->sents, 1);
	assert_int_equal(tunnel_queued(t->a), 0);
	tp_pass(t);
	assert_int_equal(t->nb, 2);
	assert_int_equal(t->btype[0], FRAME_RTP);
	assert_int_equal(t->btype[1], FRAME_SIP);

	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp, sizeof(rtp)), 0);
	tp_turn(t);
	assert_int_equal(t->writes, 1);
	/* The batch timer is the only event left: this turn waits for it. */
	assert_int_not_equal(event_base_loop(t->base, EVLOOP_ONCE), -1);
	assert_int_equal(t->writes, 2);
	assert_int_equal(tunnel_queued(t->a), 0);
}

/*
 * Voice whose rate is not known yet, or too slow for a second record to
 * come within the batch wait (one call: one every 20 ms), leaves at the
 * end of the loop turn: waiting would only delay it.
 */
static void
test_kick_quiet(void **state)
{
	struct tp	*t = *state;
	uint8_t		 rtp[40] = { 0x80 };

	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp, sizeof(rtp)), 0);
	tp_turn(t);
	assert_int_equal(t->writes, 1);
	assert_int_equal(tunnel_queued(t->a), 0);
	/* One record in a window of 100 ms: more than TP_WAIT apart. */
	assert_int_equal(usleep(BATCH_WINDOW_US + 1000), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp, sizeof(rtp)), 0);
	tp_turn(t);
	assert_int_equal(t->writes, 2);
	assert_int_equal(tunnel_queued(t->a), 0);
	tp_pass(t);
	assert_int_equal(t->nb, 2);
}

/* A batch of voice, as much as the batch asks for, needs no wait. */
static void
test_kick_batch(void **state)
{
	struct tp	*t = *state;
	uint8_t		 rtp[200] = { 0x80 };
	int		 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp,
		    sizeof(rtp)), 0);
	tp_turn(t);
	assert_true(t->writes > 0);
	assert_int_equal(tunnel_queued(t->a), 0);
}

/* A poll outlet never waits: its round trips batch already. */
static void
test_kick_poll(void **state)
{
	struct tp	*t = *state;
	uint8_t		 rtp[40] = { 0x80 };

	t->outlet = TUNNEL_OUT_POLL;
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 7, rtp, sizeof(rtp)), 0);
	tp_turn(t);
	assert_int_equal(t->polls, 1);
	assert_int_equal(t->writes, 0);
	assert_int_equal(t->sents, 0);
	assert_int_equal(tunnel_queued(t->a), 0);
	tp_pass(t);
	assert_int_equal(t->nb, 1);
	/* Nothing queued: a flush does not bother the outlet. */
	tunnel_pump_flush(t->a);
	assert_int_equal(t->polls, 1);
}

/* Without an outlet records wait; a kick once there is one sends them. */
static void
test_no_outlet(void **state)
{
	struct tp	*t = *state;

	t->outlet = TUNNEL_OUT_NONE;
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 1, "INVITE", 6), 0);
	tp_turn(t);
	tunnel_pump_flush(t->a);
	assert_int_equal(t->writes + t->polls + t->sents, 0);
	assert_int_equal(tunnel_queued(t->a), RECORD_HDRLEN + 6);
	t->outlet = TUNNEL_OUT_STREAM;
	tunnel_pump_kick(t->a, 1);
	tp_turn(t);
	assert_int_equal(t->writes, 1);
	tp_pass(t);
	assert_int_equal(t->nb, 1);
	assert_int_equal(t->btype[0], FRAME_SIP);
}

/*
 * A slow consumer: the flush stops once the outlet holds its high-water
 * mark, the rest waits in the queue, and each flush after the outlet
 * drained carries on in order.
 */
static void
test_high_water(void **state)
{
	struct tp	*t = *state;
	uint8_t		 sip[100];
	int		 i, rounds = 0;

	memset(sip, 'S', sizeof(sip));
	for (i = 0; i < 40; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_SIP, (uint32_t)i, sip,
		    sizeof(sip)), 0);
	/* The outlet is full: nothing is written, the time still counts. */
	evbuffer_add(t->wire, sip, sizeof(sip));
	for (i = 0; i < TP_HIGH / (int)sizeof(sip); i++)
		evbuffer_add(t->wire, sip, sizeof(sip));
	tunnel_pump_flush(t->a);
	assert_int_equal(t->writes, 0);
	assert_int_equal(t->sents, 1);
	evbuffer_drain(t->wire, evbuffer_get_length(t->wire));
	while (tunnel_queued(t->a) > 0) {
		tunnel_pump_flush(t->a);
		assert_true(evbuffer_get_length(t->wire) >= TP_HIGH ||
		    tunnel_queued(t->a) == 0);
		assert_true(evbuffer_get_length(t->wire) < TP_HIGH + TP_CHUNK);
		tp_pass(t);
		assert_true(++rounds < 40);
	}
	assert_true(rounds > 1);
	assert_int_equal(t->nb, 40);
	for (i = 0; i < 40; i++)
		assert_int_equal(t->btype[i], FRAME_SIP);
}

/*
 * A write the outlet refuses: the flush stops there, and what it had
 * sealed goes nowhere, neither into the next write nor back in the queue.
 */
static void
test_write_fails(void **state)
{
	struct tp	*t = *state;

	t->fail = 1;
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 1, "one", 3), 0);
	tunnel_pump_flush(t->a);
	assert_int_equal(t->writes, 0);
	assert_int_equal(t->sents, 1);
	assert_int_equal(tunnel_queued(t->a), 0);
	assert_int_equal(evbuffer_get_length(t->wire), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 2, "two", 3), 0);
	tunnel_pump_flush(t->a);
	assert_int_equal(t->writes, 1);
	assert_int_equal(evbuffer_get_length(t->wire),
	    FRAME_HDRLEN + RECORD_HDRLEN + 3 + CRYPTO_TAGLEN);
	tp_pass(t);
	assert_int_equal(t->nb, 1);
	assert_int_equal(t->blen[0], 3);
}

/* Each record opened goes to the half's handler for its type. */
static void
test_deliver_by_type(void **state)
{
	struct tp	*t = *state;
	struct evbuffer	*b;
	const char	*why = NULL;
	static const uint8_t probe = FRAME_CTL_PROBE;
	uint8_t		 rtp[20] = { 0x80, 0x00, 0x00, 0x01 };
	uint8_t		 rtcp[8] = { 0x80, 0xc8 };

	assert_int_equal(tunnel_send(t->b, FRAME_CONTROL, 0, &probe, 1), 0);
	assert_int_equal(tunnel_send(t->b, FRAME_KEEPALIVE, 0, NULL, 0), 0);
	assert_int_equal(tunnel_send(t->b, FRAME_HOOK, 0, "hk", 2), 0);
	assert_int_equal(tunnel_send(t->b, FRAME_SIP, 9, "OPTIONS", 7), 0);
	assert_int_equal(tunnel_send(t->b, FRAME_RTP, 5, rtp, sizeof(rtp)),
	    0);
	assert_int_equal(tunnel_send(t->b, FRAME_RTCP, 5, rtcp,
	    sizeof(rtcp)), 0);
	assert_non_null(b = evbuffer_new());
	assert_true(tunnel_flush(t->b, b, SIZE_MAX) > 0);
	assert_int_equal(tunnel_input(t->a, b, &why), 0);
	evbuffer_free(b);
	assert_int_equal(t->control, 1);
	assert_int_equal(t->hook, 1);
	assert_int_equal(t->sip, 1);
	assert_int_equal(t->media, 2);
	assert_int_equal(t->type, FRAME_RTCP);
	assert_int_equal(t->flow, 5);
	assert_int_equal(t->len, sizeof(rtcp));
	assert_memory_equal(t->data, rtcp, sizeof(rtcp));

	/* The far half's acknowledgement of A's SIP is not the half's. */
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 3, "ACK", 3), 0);
	tp_turn(t);
	assert_int_equal(t->writes, 1);
	tp_pass(t);
	assert_int_equal(t->nb, 1);
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_non_null(b = evbuffer_new());
	assert_true(tunnel_flush(t->b, b, SIZE_MAX) > 0);
	assert_int_equal(tunnel_input(t->a, b, &why), 0);
	evbuffer_free(b);
	assert_int_equal(t->control, 1);
	assert_int_equal(t->sip, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ping, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_kick_stream, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_kick_quiet, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_kick_batch, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_kick_poll, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_no_outlet, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_high_water, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_write_fails, tp_setup,
		    tp_teardown),
		cmocka_unit_test_setup_teardown(test_deliver_by_type,
		    tp_setup, tp_teardown),
	};

	log_init("test_tunnel_pump", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
