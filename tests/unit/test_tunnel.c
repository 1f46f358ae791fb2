/*
 * Unit tests of the tunnel's frame layer, without sockets: two struct
 * tunnels keyed as the two directions of one session (A is hrac: sends
 * "up", reads "down"; B is hras, the mirror), records queued on one side,
 * flushed into an evbuffer and opened on the other. Covers delivery, the
 * batching of records into frames, the queue bounds, media purging,
 * replay/forgery refusal, re-keying, the acknowledgement of SIP and the
 * compression of RTP headers (voice streams that arrive bit for bit, a
 * lost frame, a new session).
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

#include "batch.h"
#include "log.h"
#include "tunnel.h"

#define TT_QMAX		4096
#define TT_MAXREC	64
#define TT_REC(len)	(RECORD_HDRLEN + (len))	/* a record of len bytes */
#define TT_FRAME(recs)	(FRAME_HDRLEN + (recs) + CRYPTO_TAGLEN)
#define TT_ONE(len)	TT_FRAME(TT_REC(len))	/* a frame of one record */
#define TT_G711		160			/* 20 ms of G.711 */
#define TT_RTPLEN	(12 + TT_G711)		/* one voice datagram */
#define TT_RTPZ		(1 + TT_G711)		/* compressed */
#define TT_RTPZD	(1 + 4 + TT_G711)	/* compressed, with the step */
#define TT_REFRESH	64			/* full headers this often */

/* What one side's callbacks saw. */
struct tt_side {
	int		 kicks;
	int		 nows;		/* kicks asking to flush at once */
	int		 n;
	struct {
		unsigned int	 type;
		uint32_t	 flow;
		size_t		 len;
		uint8_t		*data;
	}		 rec[TT_MAXREC];
};

struct tt {
	struct tt_side	 sa, sb;
	struct tunnel	*a, *b;
};

static const uint8_t	 tt_up[CRYPTO_KEYLEN] = {
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11
};
static const uint8_t	 tt_down[CRYPTO_KEYLEN] = {
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22
};

static void	 tt_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 tt_kick(void *, int);
static struct tt *tt_new(size_t, int);
static void	 tt_keys(struct tt *, uint8_t);
static void	 tt_reset(struct tt_side *);
static int	 tt_setup(void **);
static int	 tt_teardown(void **);
static void	 tt_rec_is(const struct tt_side *, int, unsigned int, uint32_t,
		    const void *, size_t);
static size_t	 tt_pass(struct tunnel *, struct tunnel *);
static void	 tt_wire_hdr(struct evbuffer *, size_t, struct frame_hdr *);
static void	 tt_input_bad(struct tunnel *, const uint8_t *, size_t,
		    const char *);
static size_t	 tt_rtp(uint16_t, uint8_t *);
static void	 tt_voice(struct tunnel *, uint32_t, uint16_t, int);
static void	 tt_voice_is(const struct tt_side *, int, uint32_t, uint16_t);
static uint8_t	*tt_voice_frame(struct tunnel *, uint16_t, size_t *);

/* Record a delivered frame. */
static void
tt_deliver(void *arg, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	struct tt_side	*s = arg;

	assert_true(s->n < TT_MAXREC);
	s->rec[s->n].type = type;
	s->rec[s->n].flow = flow;
	s->rec[s->n].len = len;
	assert_non_null(s->rec[s->n].data = malloc(len + 1));
	if (len > 0)
		memcpy(s->rec[s->n].data, data, len);
	s->n++;
}

/* Count the transport being asked to flush, and how soon. */
static void
tt_kick(void *arg, int wait_us)
{
	struct tt_side	*s = arg;

	s->kicks++;
	if (wait_us == 0)
		s->nows++;
}

/* Two tunnels with this queue bound, keyed as the two halves if asked. */
static struct tt *
tt_new(size_t qmax, int keyed)
{
	struct tt	*t;
	struct tunnel_cb cb;

	assert_non_null(t = calloc(1, sizeof(*t)));
	cb.deliver = tt_deliver;
	cb.kick = tt_kick;
	cb.arg = &t->sa;
	assert_non_null(t->a = tunnel_new(qmax, &cb));
	cb.arg = &t->sb;
	assert_non_null(t->b = tunnel_new(qmax, &cb));
	if (keyed)
		tt_keys(t, 0);
	return t;
}

/* Key both sides as one session; salt != 0 gives another session. */
static void
tt_keys(struct tt *t, uint8_t salt)
{
	uint8_t	 up[CRYPTO_KEYLEN], down[CRYPTO_KEYLEN];

	memcpy(up, tt_up, sizeof(up));
	memcpy(down, tt_down, sizeof(down));
	up[0] ^= salt;
	down[0] ^= salt;
	assert_int_equal(tunnel_set_keys(t->a, up, "up", down, "down"), 0);
	assert_int_equal(tunnel_set_keys(t->b, down, "down", up, "up"), 0);
}

/* Forget what a side has seen. */
static void
tt_reset(struct tt_side *s)
{
	int	 i;

	for (i = 0; i < s->n; i++)
		free(s->rec[i].data);
	memset(s, 0, sizeof(*s));
}

static int
tt_setup(void **state)
{
	*state = tt_new(TT_QMAX, 1);
	return 0;
}

static int
tt_teardown(void **state)
{
	struct tt	*t = *state;

	tunnel_free(t->a);
	tunnel_free(t->b);
	tt_reset(&t->sa);
	tt_reset(&t->sb);
	free(t);
	return 0;
}

/* Delivered record i is exactly this. */
static void
tt_rec_is(const struct tt_side *s, int i, unsigned int type, uint32_t flow,
    const void *data, size_t len)
{
	assert_true(i < s->n);
	assert_int_equal(s->rec[i].type, type);
	assert_int_equal(s->rec[i].flow, flow);
	assert_int_equal(s->rec[i].len, len);
	if (len > 0)
		assert_memory_equal(s->rec[i].data, data, len);
}

/* Flush everything queued on one side into the other; the bytes moved. */
static size_t
tt_pass(struct tunnel *from, struct tunnel *to)
{
	struct evbuffer	*b;
	const char	*why = NULL;
	size_t		 n;
	int		 rc;

	assert_non_null(b = evbuffer_new());
	rc = tunnel_flush(from, b, SIZE_MAX);
	assert_true(rc >= 0);
	n = evbuffer_get_length(b);
	assert_int_equal((size_t)rc, n);
	rc = tunnel_input(to, b, &why);
	if (rc != 0)
		fail_msg("tunnel_input: %s", why);
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);
	return n;
}

/* The header of the frame at offset off of a buffer of frames. */
static void
tt_wire_hdr(struct evbuffer *b, size_t off, struct frame_hdr *h)
{
	const uint8_t	*p;
	const char	*why = NULL;

	assert_true(evbuffer_get_length(b) >= off + FRAME_HDRLEN);
	assert_non_null(p = evbuffer_pullup(b, -1));
	assert_int_equal(frame_hdr_unpack(p + off, h, &why), 0);
}

/* Feeding these bytes to a tunnel fails with this reason. */
static void
tt_input_bad(struct tunnel *t, const uint8_t *raw, size_t len,
    const char *reason)
{
	struct evbuffer	*b;
	const char	*why = NULL;

	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, raw, len);
	assert_int_equal(tunnel_input(t, b, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
	evbuffer_free(b);
}

/*
 * Datagram number seq of a G.711 stream whose timestamp wraps 26 packets
 * after seq 65530, and seq at 65535.
 */
static size_t
tt_rtp(uint16_t seq, uint8_t *p)
{
	uint32_t	 ts = 0xfffff000U +
			    (uint32_t)(uint16_t)(seq - 65530) * TT_G711;
	size_t		 i;

	p[0] = 0x80;
	p[1] = seq == 0 ? 0x80 : 0x00;	/* marker: a talkspurt starts */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	memcpy(p + 8, "\x5e\xc0\x0d\x17", 4);
	for (i = 0; i < TT_G711; i++)
		p[12 + i] = (uint8_t)(0xd5 ^ (seq * 7 + i));
	return TT_RTPLEN;
}

/* Queue n datagrams of the stream from number first on, on flow. */
static void
tt_voice(struct tunnel *t, uint32_t flow, uint16_t first, int n)
{
	uint8_t	 p[TT_RTPLEN];
	int	 i;

	for (i = 0; i < n; i++)
		assert_int_equal(tunnel_send(t, FRAME_RTP, flow, p,
		    tt_rtp((uint16_t)(first + i), p)), 0);
}

/* Delivered record i is the stream's datagram number seq, bit for bit. */
static void
tt_voice_is(const struct tt_side *s, int i, uint32_t flow, uint16_t seq)
{
	uint8_t	 p[TT_RTPLEN];

	tt_rec_is(s, i, FRAME_RTP, flow, p, tt_rtp(seq, p));
}

/*
 * Every type goes from A to B intact, in order, in one frame of six
 * records; and B back to A.
 */
static void
test_round_trip(void **state)
{
	struct tt		*t = *state;
	static const char	 sip[] = "INVITE sip:bob@corp.example SIP/2.0"
				    "\r\nCall-ID: 1\r\n\r\n";
	static const uint8_t	 rtp[] = { 0x80, 0x00, 0x00, 0x01, 0xff, 0x00 };
	static const uint8_t	 ctl[] = { FRAME_CTL_PROBE };
	struct evbuffer		*b;
	struct frame_hdr	 h;
	const struct tunnel_stats *st;
	const char		*why = NULL;
	char			 line[256], want[256];
	size_t			 queued, wire;
	int			 rc;

	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, sip, sizeof(sip) - 1),
	    0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 0x10002, rtp,
	    sizeof(rtp)), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTCP, 0x10003, rtp, 3), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_KEEPALIVE, 0, NULL, 0), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_CONTROL, 0, ctl, 1), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_HOOK, 0xffffffffU, "hook", 4),
	    0);
	assert_int_equal(t->sb.kicks, 0);
	queued = TT_REC(sizeof(sip) - 1) + TT_REC(sizeof(rtp)) + TT_REC(3) +
	    TT_REC(0) + TT_REC(1) + TT_REC(4);
	assert_int_equal(tunnel_queued(t->a), queued);
	wire = TT_FRAME(queued);

	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), (int)wire);
	assert_int_equal(evbuffer_get_length(b), wire);
	assert_int_equal(tunnel_queued(t->a), 0);
	/* One frame on the wire: all six records, sequence 1. */
	tt_wire_hdr(b, 0, &h);
	assert_int_equal(h.version, FRAME_VERSION);
	assert_int_equal(h.length, queued + CRYPTO_TAGLEN);
	assert_true(h.seq == 1);
	/* Neither the records nor their heads are in clear on the wire. */
	assert_int_equal(evbuffer_search(b, "INVITE", 6, NULL).pos, -1);
	assert_int_equal(evbuffer_search(b, "\x02\x00\x01\x00\x02", 5,
	    NULL).pos, -1);

	rc = tunnel_input(t->b, b, &why);
	assert_int_equal(rc, 0);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(t->sb.n, 6);
	tt_rec_is(&t->sb, 0, FRAME_SIP, 0, sip, sizeof(sip) - 1);
	tt_rec_is(&t->sb, 1, FRAME_RTP, 0x10002, rtp, sizeof(rtp));
	tt_rec_is(&t->sb, 2, FRAME_RTCP, 0x10003, rtp, 3);
	tt_rec_is(&t->sb, 3, FRAME_KEEPALIVE, 0, NULL, 0);
	tt_rec_is(&t->sb, 4, FRAME_CONTROL, 0, ctl, 1);
	tt_rec_is(&t->sb, 5, FRAME_HOOK, 0xffffffffU, "hook", 4);
	assert_int_equal(t->sa.n, 0);

	st = tunnel_stats(t->a);
	assert_int_equal(st->tx_frames, 1);
	assert_int_equal(st->tx_records, 6);
	assert_int_equal(st->tx_bytes, wire);
	assert_int_equal(st->rx_frames, 0);
	st = tunnel_stats(t->b);
	assert_int_equal(st->rx_frames, 1);
	assert_int_equal(st->rx_records, 6);
	assert_int_equal(st->rx_bytes, wire);
	assert_int_equal(st->tx_frames, 0);
	snprintf(want, sizeof(want), "sent 0 records in 0 frames, 0 bytes (0 "
	    "RTP headers compressed); received 6 records in 1 frames, %zu "
	    "bytes; voice dropped for a full queue 0, stale 0, not rebuilt 0; "
	    "frames a second lane had brought 0, frames overtaken on another "
	    "lane 0", wire);
	assert_string_equal(tunnel_stats_line(t->b, line, sizeof(line)), want);

	/* The mirror direction. */
	assert_int_equal(tunnel_send(t->b, FRAME_SIP, 0, "SIP/2.0 200 OK", 14),
	    0);
	assert_int_equal(t->sb.kicks, 1);
	assert_int_equal(tt_pass(t->b, t->a), TT_ONE(14));
	assert_int_equal(t->sa.n, 1);
	tt_rec_is(&t->sa, 0, FRAME_SIP, 0, "SIP/2.0 200 OK", 14);
	evbuffer_free(b);
}

/*
 * Voice that fills a batch by itself counts towards the rate too: after a
 * window of such records, one that finds the queue empty, short of a
 * larger batch, waits for company.
 */
static void
test_kick_rate(void **state)
{
	struct tt	*t = *state;
	int		 i;

	tunnel_set_batch(t->a, 1);
	tunnel_set_batch_wait(t->a, 1000000);
	for (i = 0; i < 5; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "a", 1), 0);
	assert_int_equal(t->sa.nows, 5);
	tt_pass(t->a, t->b);
	assert_int_equal(usleep(BATCH_WINDOW_US + 1000), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "b", 1), 0);
	assert_int_equal(t->sa.nows, 6);
	tt_pass(t->a, t->b);
	/* Six records in 101 ms: one due every 20 ms, within the wait. */
	tunnel_set_batch(t->a, 1000);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "c", 1), 0);
	assert_int_equal(t->sa.kicks, 7);
	assert_int_equal(t->sa.nows, 6);
}

/*
 * Without a batch size every record asks for a flush at once. With one,
 * and voice coming fast enough to fill it within the batch wait, voice
 * that finds the queue empty asks for a flush after a wait, and the
 * record that fills the batch for one at once; SIP and control never
 * wait.
 */
static void
test_kick(void **state)
{
	struct tt		*t = *state;
	struct tunnel		*quiet;
	struct tunnel_cb	 cb = { tt_deliver, NULL, &t->sa };

	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "a", 1), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "b", 1), 0);
	assert_int_equal(t->sa.kicks, 2);
	assert_int_equal(t->sa.nows, 2);
	tt_pass(t->a, t->b);

	/* Three voice records of 8 bytes fill a batch of 20. */
	tunnel_set_batch(t->a, 20);
	/* The rate is unknown yet: voice goes at once. */
	tunnel_set_batch_wait(t->a, 1000000);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "x", 1), 0);
	assert_int_equal(t->sa.kicks, 3);
	assert_int_equal(t->sa.nows, 3);
	tt_pass(t->a, t->b);
	/* One record in a window: one every 100 ms, due within 1 s. */
	assert_int_equal(usleep(BATCH_WINDOW_US + 1000), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "c", 1), 0);
	assert_int_equal(t->sa.kicks, 4);
	assert_int_equal(t->sa.nows, 3);
	assert_int_equal(tunnel_send(t->a, FRAME_RTCP, 1, "d", 1), 0);
	assert_int_equal(t->sa.kicks, 4);
	assert_int_equal(tunnel_send(t->a, FRAME_HOOK, 1, "e", 1), 0);
	assert_int_equal(t->sa.kicks, 5);
	assert_int_equal(t->sa.nows, 4);
	/* Past the batch, every record asks again; flushing is idempotent. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "f", 1), 0);
	assert_int_equal(t->sa.nows, 5);
	tt_pass(t->a, t->b);
	assert_int_equal(tunnel_stats(t->a)->tx_frames, 3);

	/* SIP, keepalive and control go at once, even into an empty queue. */
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 1, "g", 1), 0);
	assert_int_equal(t->sa.nows, 6);
	tt_pass(t->a, t->b);
	assert_int_equal(tunnel_send(t->a, FRAME_KEEPALIVE, 0, NULL, 0), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_CONTROL, 0, "h", 1), 0);
	assert_int_equal(t->sa.kicks, 9);
	assert_int_equal(t->sa.nows, 8);
	/* Voice behind SIP already flushing still counts towards a batch. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "i", 1), 0);
	assert_int_equal(t->sa.kicks, 10);
	assert_int_equal(t->sa.nows, 9);
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 11);

	/* A refused record does not kick. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "x",
	    FRAME_MAXDATA + 1), -1);
	assert_int_equal(t->sa.kicks, 10);
	assert_int_equal(t->sb.kicks, 0);

	/* No kick callback at all is fine. */
	assert_non_null(quiet = tunnel_new(TT_QMAX, &cb));
	assert_int_equal(tunnel_send(quiet, FRAME_SIP, 0, "x", 1), 0);
	assert_int_equal(tunnel_queued(quiet), TT_REC(1));
	tunnel_free(quiet);
}

/*
 * flush never grows out by more than max and keeps the rest queued: a
 * frame takes the whole records that fit.
 */
static void
test_flush_max(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	uint8_t		 data[100];
	const char	*why = NULL;

	memset(data, 'r', sizeof(data));
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, data, 100), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 2, data, 100), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 3, data, 100), 0);
	assert_non_null(b = evbuffer_new());
	/* Room for a record and a half: a frame of one record. */
	assert_int_equal(tunnel_flush(t->a, b, TT_ONE(100) + TT_REC(100) / 2),
	    TT_ONE(100));
	assert_int_equal(evbuffer_get_length(b), TT_ONE(100));
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(100));
	/* Not even one record's room: nothing. */
	assert_int_equal(tunnel_flush(t->a, b, TT_ONE(100) - 1), 0);
	assert_int_equal(tunnel_flush(t->a, b, TT_FRAME(0)), 0);
	assert_int_equal(tunnel_flush(t->a, b, 0), 0);
	assert_int_equal(evbuffer_get_length(b), TT_ONE(100));
	/* Exactly two records' room: one frame of both. */
	assert_int_equal(tunnel_flush(t->a, b, TT_FRAME(2 * TT_REC(100))),
	    TT_FRAME(2 * TT_REC(100)));
	assert_int_equal(tunnel_queued(t->a), 0);
	assert_int_equal(tunnel_stats(t->a)->tx_frames, 2);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), 0);
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 3);
	tt_rec_is(&t->sb, 0, FRAME_RTP, 1, data, 100);
	tt_rec_is(&t->sb, 1, FRAME_RTP, 2, data, 100);
	tt_rec_is(&t->sb, 2, FRAME_RTP, 3, data, 100);
	evbuffer_free(b);
}

/*
 * Past queue_max the oldest voice makes room for the newest (late voice is
 * worth less than fresh); SIP is never dropped for voice and is refused
 * only past 4 x queue_max.
 */
static void
test_queue_full(void **state)
{
	struct tt	*t;
	uint8_t		 data[100];
	int		 i, n;

	(void)state;
	t = tt_new(1000, 1);
	memset(data, 'm', sizeof(data));
	/* 9 media records of 107 bytes fit in 1000. */
	for (i = 0; i < 9; i++) {
		data[0] = (uint8_t)i;
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, data, 100), 0);
	}
	assert_int_equal(tunnel_queued(t->a), 9 * TT_REC(100));
	/* The 10th and 11th push out the two oldest. */
	for (i = 9; i < 11; i++) {
		data[0] = (uint8_t)i;
		assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, data, 100), 0);
	}
	assert_int_equal(tunnel_queued(t->a), 9 * TT_REC(100));
	assert_int_equal(tunnel_stats(t->a)->dropped, 2);

	/* SIP goes on to 4000 bytes: 963 + 28 * 107 = 3959. */
	for (n = 0; tunnel_send(t->a, FRAME_SIP, 0, data, 100) == 0; n++)
		assert_true(n < 100);
	assert_int_equal(n, 28);
	assert_int_equal(tunnel_stats(t->a)->dropped, 3);
	/* With SIP past queue_max, dropping all the voice would not make
	 * room: new voice is refused and the queued voice is kept. */
	data[0] = 11;
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, data, 100), -1);
	assert_int_equal(tunnel_queued(t->a), 3959);
	assert_int_equal(tunnel_stats(t->a)->dropped, 4);
	/* 3959 + 41 is the SIP bound exactly; one byte more passes it. */
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, data, 35), -1);
	assert_int_equal(tunnel_stats(t->a)->dropped, 5);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, data, 34), 0);
	assert_int_equal(tunnel_queued(t->a), 4000);

	/* Delivered in order: the newest nine voice records, then SIP. */
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 9 + 29);
	for (i = 0; i < 9; i++) {
		data[0] = (uint8_t)(i + 2);
		tt_rec_is(&t->sb, i, FRAME_RTP, 1, data, 100);
	}
	data[0] = 10;
	tt_rec_is(&t->sb, 9, FRAME_SIP, 0, data, 100);
	assert_int_equal(tunnel_queued(t->a), 0);
	/* Drained, voice is accepted again. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, data, 100), 0);
	tt_teardown((void **)&t);
}

/* Flows whose voice the drop callback heard of, in order. */
struct tt_drops {
	uint32_t	flow[16];
	int		n;
};

/* A drop callback that notes the flow. */
static void
tt_dropped(void *arg, uint32_t flow)
{
	struct tt_drops	*d = arg;

	assert_true(d->n < 16);
	d->flow[d->n++] = flow;
}

/*
 * The drop callback names the flow of each voice record the queue lost:
 * the oldest pushed out, one refused, and those purged (RTP and RTCP; the
 * hook relay is not a call's voice).
 */
static void
test_drop_cb(void **state)
{
	struct tt	*t;
	struct tt_drops	 d;
	uint8_t		 data[100];
	int		 i;

	(void)state;
	memset(&d, 0, sizeof(d));
	memset(data, 'm', sizeof(data));
	t = tt_new(1000, 1);
	tunnel_set_drop_cb(t->a, tt_dropped, &d);
	for (i = 0; i < 9; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_RTP,
		    (uint32_t)(10 + i), data, 100), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 30, data, 100), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTCP, 31, data, 100), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.flow[0], 10);
	assert_int_equal(d.flow[1], 11);
	while (tunnel_send(t->a, FRAME_SIP, 0, data, 100) == 0)
		;
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 40, data, 100), -1);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.flow[2], 40);
	tunnel_purge_media(t->a);
	assert_int_equal(d.n, 3 + 9);
	assert_int_equal(d.flow[3], 12);
	assert_int_equal(d.flow[11], 31);
	/* Without a callback, drops are only counted. */
	tt_pass(t->a, t->b);
	tunnel_set_drop_cb(t->a, NULL, NULL);
	tunnel_set_drop_cb(NULL, tt_dropped, &d);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 50, data, 100), 0);
	tunnel_purge_media(t->a);
	assert_int_equal(d.n, 12);
	/* Hook datagrams are not a call's voice. */
	tunnel_set_drop_cb(t->a, tt_dropped, &d);
	assert_int_equal(tunnel_send(t->a, FRAME_HOOK, 60, data, 100), 0);
	tunnel_purge_media(t->a);
	assert_int_equal(d.n, 12);
	tt_teardown((void **)&t);
}

/* The largest payload a frame holds passes; one byte more is refused. */
static void
test_max_payload(void **state)
{
	struct tt	*t;
	uint8_t		*data;
	struct evbuffer	*b;
	size_t		 i;

	(void)state;
	t = tt_new(2 * FRAME_MAXLEN, 1);
	assert_non_null(data = malloc(FRAME_MAXDATA + 1));
	for (i = 0; i < FRAME_MAXDATA + 1; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 9, data,
	    FRAME_MAXDATA + 1), -1);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 9, data,
	    FRAME_MAXDATA), 0);
	assert_int_equal(tt_pass(t->a, t->b), TT_ONE(FRAME_MAXDATA));
	assert_int_equal(TT_ONE(FRAME_MAXDATA), FRAME_HDRLEN + FRAME_MAXLEN);
	assert_int_equal(t->sb.n, 1);
	tt_rec_is(&t->sb, 0, FRAME_RTP, 9, data, FRAME_MAXDATA);
	/* Records that do not fit in one frame together take one each. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, data, 40000), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 2, data + 1, 40000), 0);
	assert_int_equal(tt_pass(t->a, t->b), 2 * TT_ONE(40000));
	assert_int_equal(tunnel_stats(t->a)->tx_frames, 3);
	tt_rec_is(&t->sb, 1, FRAME_RTP, 1, data, 40000);
	tt_rec_is(&t->sb, 2, FRAME_RTP, 2, data + 1, 40000);

	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_seal(t->a, b, FRAME_SIP, 0, data,
	    FRAME_MAXDATA + 1), -1);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(tunnel_seal(t->a, b, FRAME_SIP, 0, data,
	    FRAME_MAXDATA), (int)TT_ONE(FRAME_MAXDATA));
	evbuffer_free(b);
	free(data);
	tt_teardown((void **)&t);
}

/* Purging keeps SIP and control in order and drops RTP, RTCP and hook. */
static void
test_purge_media(void **state)
{
	struct tt	*t = *state;

	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "sip1", 4), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 5, "rtp", 3), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "sip2", 4), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTCP, 5, "rtcp", 4), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_HOOK, 5, "hook", 4), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_KEEPALIVE, 0, NULL, 0), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 6, "rtp2", 4), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 7, "sip3", 4), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_CONTROL, 0, "c", 1), 0);
	tunnel_purge_media(t->a);
	assert_int_equal(tunnel_stats(t->a)->purged, 4);
	assert_int_equal(tunnel_queued(t->a), 3 * TT_REC(4) + TT_REC(0) +
	    TT_REC(1));
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 5);
	tt_rec_is(&t->sb, 0, FRAME_SIP, 0, "sip1", 4);
	tt_rec_is(&t->sb, 1, FRAME_SIP, 0, "sip2", 4);
	tt_rec_is(&t->sb, 2, FRAME_KEEPALIVE, 0, NULL, 0);
	tt_rec_is(&t->sb, 3, FRAME_SIP, 7, "sip3", 4);
	tt_rec_is(&t->sb, 4, FRAME_CONTROL, 0, "c", 1);

	/* Purging an empty queue, or one with media only. */
	tunnel_purge_media(t->a);
	assert_int_equal(tunnel_queued(t->a), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 5, "rtp", 3), 0);
	tunnel_purge_media(t->a);
	assert_int_equal(tunnel_queued(t->a), 0);
	assert_int_equal(tunnel_stats(t->a)->purged, 5);
}

/* The same frame fed twice is refused the second time. */
static void
test_replay(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	uint8_t		*copy;
	size_t		 len;
	const char	*why = NULL;

	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "BYE", 3), 0);
	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), (int)TT_ONE(3));
	len = evbuffer_get_length(b);
	assert_non_null(copy = malloc(len));
	memcpy(copy, evbuffer_pullup(b, -1), len);
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 1);

	tt_input_bad(t->b, copy, len, "replayed or reordered frame");
	assert_int_equal(t->sb.n, 1);
	assert_int_equal(tunnel_stats(t->b)->rx_frames, 1);
	/* The session goes on with the next frame. */
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "ACK", 3), 0);
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 2);
	tt_rec_is(&t->sb, 1, FRAME_SIP, 0, "ACK", 3);
	/* Replayed after newer frames, it is refused all the more. */
	tt_input_bad(t->b, copy, len, "replayed or reordered frame");
	free(copy);
	evbuffer_free(b);
}

/* A later frame arriving first makes the earlier one unacceptable. */
static void
test_reorder(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b1, *b2;
	uint8_t		*copy;
	size_t		 len;
	const char	*why = NULL;

	assert_non_null(b1 = evbuffer_new());
	assert_non_null(b2 = evbuffer_new());
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "one", 3), 0);
	assert_int_equal(tunnel_flush(t->a, b1, SIZE_MAX), (int)TT_ONE(3));
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "two", 3), 0);
	assert_int_equal(tunnel_flush(t->a, b2, SIZE_MAX), (int)TT_ONE(3));
	assert_int_equal(tunnel_input(t->b, b2, &why), 0);
	assert_int_equal(t->sb.n, 1);
	tt_rec_is(&t->sb, 0, FRAME_RTP, 1, "two", 3);
	len = evbuffer_get_length(b1);
	assert_non_null(copy = malloc(len));
	memcpy(copy, evbuffer_pullup(b1, -1), len);
	tt_input_bad(t->b, copy, len, "replayed or reordered frame");
	assert_int_equal(t->sb.n, 1);
	free(copy);
	evbuffer_free(b1);
	evbuffer_free(b2);
}

/* Feed one frame's bytes to B as lane *lane carried them; tunnel_input_lane's. */
static int
tt_lane(struct tunnel *b, const uint8_t *frame, size_t len, uint64_t *lane,
    const char **why)
{
	struct evbuffer	*in;
	int		 rc;

	assert_non_null(in = evbuffer_new());
	evbuffer_add(in, frame, len);
	rc = tunnel_input_lane(b, in, lane, why);
	if (rc == 0)
		assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_free(in);
	return rc;
}

/*
 * Two lanes carry the same frames, each at its own pace: every frame is
 * delivered once, in order, by whichever lane brings it first, the
 * compressed voice rebuilt bit for bit; copies are opened, checked and
 * counted. Within one lane frames may not go back, and a forged copy is
 * refused although another lane brought the real one.
 */
static void
test_lanes(void **state)
{
	struct tt	*t = *state;
	uint8_t		*f[6], bad[TT_FRAME(TT_REC(TT_RTPLEN))];
	size_t		 n[6];
	uint64_t	 l1 = 0, l2 = 0, l3 = 0;
	const char	*why = NULL;
	int		 i;

	for (i = 0; i < 6; i++)
		f[i] = tt_voice_frame(t->a, (uint16_t)(10 + i), &n[i]);
	/* The first goes in full, the others compressed. */
	assert_true(n[0] > n[1]);

	assert_int_equal(tt_lane(t->b, f[0], n[0], &l1, &why), 0);
	assert_int_equal(tt_lane(t->b, f[1], n[1], &l1, &why), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(tt_lane(t->b, f[i], n[i], &l2, &why), 0);
	assert_int_equal(tt_lane(t->b, f[2], n[2], &l1, &why), 0);
	assert_int_equal(tt_lane(t->b, f[3], n[3], &l1, &why), 0);
	assert_int_equal(tt_lane(t->b, f[4], n[4], &l1, &why), 0);
	assert_int_equal(tt_lane(t->b, f[4], n[4], &l2, &why), 0);
	assert_int_equal(tt_lane(t->b, f[5], n[5], &l2, &why), 0);
	/* A lane that joins late brings nothing new. */
	assert_int_equal(tt_lane(t->b, f[5], n[5], &l3, &why), 0);
	assert_int_equal(t->sb.n, 6);
	for (i = 0; i < 6; i++)
		tt_voice_is(&t->sb, i, 7, (uint16_t)(10 + i));
	assert_int_equal(tunnel_stats(t->b)->rx_frames, 6);
	assert_int_equal(tunnel_stats(t->b)->rx_dups, 6);
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 0);
	assert_true(l1 == 5 && l2 == 6 && l3 == 6);

	/* Within a lane, back is refused even for a frame not seen there. */
	assert_int_equal(tt_lane(t->b, f[3], n[3], &l1, &why), -1);
	assert_string_equal(why, "replayed or reordered frame");
	assert_int_equal(tt_lane(t->b, f[4], n[4], &l1, &why), -1);
	/* A copy is checked as any frame is. */
	l3 = 0;
	assert_true(n[1] <= sizeof(bad));
	memcpy(bad, f[1], n[1]);
	bad[n[1] - 1] ^= 1;
	assert_int_equal(tt_lane(t->b, bad, n[1], &l3, &why), -1);
	assert_string_equal(why, "frame failed authentication");
	assert_int_equal(t->sb.n, 6);
	assert_int_equal(tunnel_stats(t->b)->rx_dups, 6);
	for (i = 0; i < 6; i++)
		free(f[i]);
}

/* Seal one hook record holding the byte c into a frame of its own. */
static uint8_t *
tt_hook_frame(struct tunnel *a, uint8_t c, size_t *len)
{
	struct evbuffer	*b;
	uint8_t		*f;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_send(a, FRAME_HOOK, 0, &c, 1), 0);
	assert_true(tunnel_flush(a, b, SIZE_MAX) > 0);
	*len = evbuffer_get_length(b);
	assert_non_null(f = malloc(*len));
	assert_int_equal(evbuffer_remove(b, f, *len), (int)*len);
	evbuffer_free(b);
	return f;
}

/* Seal the voice datagram with RTP sequence seq into a frame of its own. */
static uint8_t *
tt_voice_frame(struct tunnel *a, uint16_t seq, size_t *len)
{
	struct evbuffer	*b;
	uint8_t		*f;

	assert_non_null(b = evbuffer_new());
	tt_voice(a, 7, seq, 1);
	assert_true(tunnel_flush(a, b, SIZE_MAX) > 0);
	*len = evbuffer_get_length(b);
	assert_non_null(f = malloc(*len));
	assert_int_equal(evbuffer_remove(b, f, *len), (int)*len);
	evbuffer_free(b);
	return f;
}

/*
 * One lane's copy of a frame overtakes the frames before it on the other
 * (an idle lane's keepalive, a lane that joins): those still count when
 * they come, once, up to 1023 frames behind the newest; further behind
 * they are taken for copies. A late frame's compressed voice is dropped,
 * never rebuilt on contexts that have moved past it.
 */
static void
test_lanes_overtaken(void **state)
{
	struct tt	*t = *state;
	uint8_t		*f[3], *g[1026], *v[3];
	size_t		 n[3], gn[1026], vn[3];
	uint64_t	 l1 = 0, l2 = 0, l3 = 0, l4 = 0;
	const char	*why = NULL;
	uint8_t		 c;
	int		 i;

	for (i = 0; i < 3; i++)
		f[i] = tt_hook_frame(t->a, (uint8_t)('a' + i), &n[i]);
	assert_int_equal(tt_lane(t->b, f[2], n[2], &l2, &why), 0);
	assert_int_equal(tt_lane(t->b, f[0], n[0], &l1, &why), 0);
	assert_int_equal(tt_lane(t->b, f[1], n[1], &l1, &why), 0);
	assert_int_equal(tt_lane(t->b, f[2], n[2], &l1, &why), 0);
	assert_int_equal(t->sb.n, 3);
	c = 'c';
	tt_rec_is(&t->sb, 0, FRAME_HOOK, 0, &c, 1);
	c = 'a';
	tt_rec_is(&t->sb, 1, FRAME_HOOK, 0, &c, 1);
	c = 'b';
	tt_rec_is(&t->sb, 2, FRAME_HOOK, 0, &c, 1);
	assert_int_equal(tunnel_stats(t->b)->rx_late, 2);
	assert_int_equal(tunnel_stats(t->b)->rx_dups, 1);

	/* The window's edge: 1023 behind counts, 1024 is a copy. */
	for (i = 0; i < 1026; i++)
		g[i] = tt_hook_frame(t->a, (uint8_t)i, &gn[i]);
	assert_int_equal(tt_lane(t->b, g[1025], gn[1025], &l3, &why), 0);
	assert_int_equal(tt_lane(t->b, g[1], gn[1], &l4, &why), 0);
	assert_int_equal(t->sb.n, 4);
	assert_int_equal(tt_lane(t->b, g[2], gn[2], &l4, &why), 0);
	assert_int_equal(t->sb.n, 5);
	c = 2;
	tt_rec_is(&t->sb, 4, FRAME_HOOK, 0, &c, 1);
	assert_int_equal(tt_lane(t->b, g[2], gn[2], &l2, &why), 0);
	assert_int_equal(t->sb.n, 5);
	assert_int_equal(tunnel_stats(t->b)->rx_late, 3);

	/* Voice: the full header, then two compressed; the third overtakes
	   the second, which comes late and is not rebuilt. */
	for (i = 0; i < 3; i++)
		v[i] = tt_voice_frame(t->a, (uint16_t)(10 + i), &vn[i]);
	assert_int_equal(tt_lane(t->b, v[0], vn[0], &l3, &why), 0);
	assert_int_equal(tt_lane(t->b, v[2], vn[2], &l3, &why), 0);
	assert_int_equal(tt_lane(t->b, v[1], vn[1], &l4, &why), 0);
	assert_int_equal(t->sb.n, 6);
	tt_voice_is(&t->sb, 5, 7, 10);
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 2);
	assert_int_equal(tunnel_stats(t->b)->rx_late, 4);

	for (i = 0; i < 3; i++) {
		free(f[i]);
		free(v[i]);
	}
	for (i = 0; i < 1026; i++)
		free(g[i]);
}

/* Any altered byte, or a frame of the other direction, fails to open. */
static void
test_tampered(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	uint8_t		 frame[TT_ONE(5)], bad[TT_ONE(5)];
	const char	*why = NULL;
	size_t		 i;
	static const size_t flips[] = {
		FRAME_HDRLEN,		/* record type */
		FRAME_HDRLEN + 4,	/* record flow, low byte */
		FRAME_HDRLEN + 6,	/* record length, low byte */
		FRAME_HDRLEN + RECORD_HDRLEN,	/* first data byte */
		FRAME_HDRLEN + TT_REC(5) - 1,	/* last data byte */
		FRAME_HDRLEN + TT_REC(5),	/* first tag byte */
		TT_ONE(5) - 1		/* last tag byte */
	};

	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 3, "hello", 5), 0);
	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), (int)sizeof(frame));
	assert_int_equal(evbuffer_remove(b, frame, sizeof(frame)),
	    (int)sizeof(frame));
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(bad, frame, sizeof(bad));
		bad[flips[i]] ^= 0x02;
		tt_input_bad(t->b, bad, sizeof(bad),
		    "frame failed authentication");
	}
	/* The sequence number moved ahead: still only the MAC can tell. */
	memcpy(bad, frame, sizeof(bad));
	bad[7] ^= 0x02;
	tt_input_bad(t->b, bad, sizeof(bad), "frame failed authentication");
	/* Header rules apply before authentication. */
	memcpy(bad, frame, sizeof(bad));
	bad[1] = 1;
	tt_input_bad(t->b, bad, sizeof(bad), "reserved frame bits set");
	bad[1] = 0;
	bad[0] = 1;
	tt_input_bad(t->b, bad, sizeof(bad), "unsupported frame version");
	/* A's own frame reflected back to A: wrong direction's key. */
	tt_input_bad(t->a, frame, sizeof(frame), "frame failed authentication");
	assert_int_equal(t->sb.n, 0);
	assert_int_equal(t->sa.n, 0);
	assert_int_equal(tunnel_stats(t->b)->rx_frames, 0);

	/* Forgeries did not move the window: the genuine frame opens. */
	evbuffer_add(b, frame, sizeof(frame));
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 1);
	tt_rec_is(&t->sb, 0, FRAME_SIP, 3, "hello", 5);
	evbuffer_free(b);
}

/*
 * A genuine frame whose records do not add up (only a peer holding the
 * key can make one) is refused whole: none of its records is delivered.
 */
static void
test_bad_records(void **state)
{
	struct tt		*t = *state;
	struct crypto_aead	 tx;
	struct evbuffer		*b;
	struct frame_hdr	 h = { FRAME_VERSION, 0, 0 };
	const char		*why = NULL;
	uint8_t			 frame[FRAME_HDRLEN + 64 + CRYPTO_TAGLEN];
	uint8_t			 recs[64];
	size_t			 i;
	static const struct {
		size_t		 len;
		const char	*why;
		uint8_t		 bytes[24];
	} cases[] = {
		/* a good record, then a head cut short */
		{ 12, "truncated record head",
		  { 2, 0, 0, 0, 1, 0, 1, 'a', 4, 0, 0, 0 } },
		/* type 0 and type 8, the first past FRAME_RTPZ */
		{ 7, "unknown record type", { 0, 0, 0, 0, 1, 0, 0 } },
		{ 15, "unknown record type",
		  { 1, 0, 0, 0, 0, 0, 1, 's', 8, 0, 0, 0, 0, 0, 0 } },
		/* a length past the end of the frame */
		{ 10, "record longer than its frame",
		  { 2, 0, 0, 0, 1, 0, 4, 'a', 'b', 'c' } }
	};

	/* The sending direction of A, driven by hand. */
	assert_int_equal(crypto_aead_init(&tx, tt_up, "up"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(recs, cases[i].bytes, cases[i].len);
		h.length = (uint16_t)(cases[i].len + CRYPTO_TAGLEN);
		h.seq = (uint32_t)(i + 1);
		frame_hdr_pack(&h, frame);
		assert_int_equal(crypto_aead_seal(&tx, i + 1, frame,
		    FRAME_HDRLEN, recs, cases[i].len, frame + FRAME_HDRLEN),
		    0);
		tt_input_bad(t->b, frame, FRAME_HDRLEN + h.length,
		    cases[i].why);
		assert_int_equal(t->sb.n, 0);
		assert_int_equal(tunnel_stats(t->b)->rx_frames, 0);
	}
	/* The same hand seals a good batch of two records, which opens. */
	memcpy(recs, "\x02\0\0\0\x01\0\x01" "a" "\x04\0\0\0\0\0\0", 15);
	h.length = 15 + CRYPTO_TAGLEN;
	h.seq = 1;
	frame_hdr_pack(&h, frame);
	assert_int_equal(crypto_aead_seal(&tx, 1, frame, FRAME_HDRLEN, recs,
	    15, frame + FRAME_HDRLEN), 0);
	crypto_aead_clear(&tx);
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, frame, FRAME_HDRLEN + h.length);
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 2);
	tt_rec_is(&t->sb, 0, FRAME_RTP, 1, "a", 1);
	tt_rec_is(&t->sb, 1, FRAME_KEEPALIVE, 0, NULL, 0);
	evbuffer_free(b);
}

/* Nothing is accepted, sealed or flushed before the keys are set. */
static void
test_before_keys(void **state)
{
	struct tt	*t, *k = *state;
	struct evbuffer	*b;
	uint8_t		 frame[TT_ONE(2)];
	const char	*why = NULL;

	t = tt_new(TT_QMAX, 0);
	assert_non_null(b = evbuffer_new());
	/* An empty stream is not an error yet. */
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	/* A genuine frame of a keyed session is refused. */
	assert_int_equal(tunnel_send(k->a, FRAME_SIP, 0, "hi", 2), 0);
	assert_int_equal(tunnel_flush(k->a, b, SIZE_MAX), (int)sizeof(frame));
	evbuffer_remove(b, frame, sizeof(frame));
	tt_input_bad(t->b, frame, sizeof(frame), "frame before keys");
	tt_input_bad(t->b, (const uint8_t *)"x", 1, "frame before keys");
	assert_int_equal(t->sb.n, 0);

	/* Records wait in the queue until keys arrive. */
	assert_int_equal(tunnel_seal(t->a, b, FRAME_CONTROL, 0, "c", 1), -1);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "early", 5), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), 0);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(tunnel_queued(t->a), TT_REC(5));
	assert_int_equal(tunnel_ack(t->a), 0);
	assert_int_equal(tunnel_queued(t->a), TT_REC(5));
	tt_keys(t, 0);
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 1);
	tt_rec_is(&t->sb, 0, FRAME_SIP, 0, "early", 5);
	evbuffer_free(b);
	tt_teardown((void **)&t);
}

/*
 * tunnel_seal frames take the next sequence numbers, ahead of the queue,
 * one record each.
 */
static void
test_seal_interleave(void **state)
{
	struct tt		*t = *state;
	struct evbuffer		*b;
	struct frame_hdr	 h;
	uint8_t			 hello = FRAME_CTL_HELLO;
	const char		*why = NULL;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "q1", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 4, "q2", 2), 0);
	assert_int_equal(tunnel_seal(t->a, b, FRAME_CONTROL, 0, &hello, 1),
	    (int)TT_ONE(1));
	/* Sealing bypasses the queue. */
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(2));
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_FRAME(2 * TT_REC(2)));
	assert_int_equal(tunnel_seal(t->a, b, FRAME_KEEPALIVE, 0, NULL, 0),
	    (int)TT_ONE(0));
	tt_wire_hdr(b, 0, &h);
	assert_int_equal(h.length, TT_REC(1) + CRYPTO_TAGLEN);
	assert_true(h.seq == 1);
	tt_wire_hdr(b, TT_ONE(1), &h);
	assert_int_equal(h.length, 2 * TT_REC(2) + CRYPTO_TAGLEN);
	assert_true(h.seq == 2);
	tt_wire_hdr(b, TT_ONE(1) + TT_FRAME(2 * TT_REC(2)), &h);
	assert_int_equal(h.length, TT_REC(0) + CRYPTO_TAGLEN);
	assert_true(h.seq == 3);
	assert_int_equal(tunnel_stats(t->a)->tx_frames, 3);
	assert_int_equal(tunnel_stats(t->a)->tx_records, 4);

	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 4);
	tt_rec_is(&t->sb, 0, FRAME_CONTROL, 0, &hello, 1);
	tt_rec_is(&t->sb, 1, FRAME_SIP, 0, "q1", 2);
	tt_rec_is(&t->sb, 2, FRAME_RTP, 4, "q2", 2);
	tt_rec_is(&t->sb, 3, FRAME_KEEPALIVE, 0, NULL, 0);
	evbuffer_free(b);
}

/*
 * New keys restart both sequences; frames of the old session no longer
 * open, and queued plaintext goes out under the new keys.
 */
static void
test_rekey(void **state)
{
	struct tt		*t = *state;
	struct evbuffer		*b, *old;
	struct frame_hdr	 h;
	uint8_t			*copy;
	size_t			 len;
	const char		*why = NULL;

	assert_non_null(b = evbuffer_new());
	assert_non_null(old = evbuffer_new());
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r1", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r2", 2), 0);
	tt_pass(t->a, t->b);
	/* A frame sealed under the old keys, never delivered. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r3", 2), 0);
	assert_int_equal(tunnel_flush(t->a, old, SIZE_MAX), (int)TT_ONE(2));
	/* A record still waiting when the session changes. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r4", 2), 0);

	tt_keys(t, 0x5a);
	assert_int_equal(tunnel_queued(t->a), TT_REC(2));
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), (int)TT_ONE(2));
	tt_wire_hdr(b, 0, &h);
	assert_true(h.seq == 1);
	/* The old session's seq 2 would pass the replay check: it must not
	 * pass authentication. */
	len = evbuffer_get_length(old);
	assert_non_null(copy = malloc(len));
	evbuffer_remove(old, copy, len);
	tt_input_bad(t->b, copy, len, "frame failed authentication");
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 3);
	tt_rec_is(&t->sb, 1, FRAME_RTP, 1, "r2", 2);
	tt_rec_is(&t->sb, 2, FRAME_RTP, 1, "r4", 2);

	/* B's sequence restarted too, and the same keys again restart it. */
	assert_int_equal(tunnel_seal(t->b, b, FRAME_KEEPALIVE, 0, NULL, 0),
	    (int)TT_ONE(0));
	tt_wire_hdr(b, 0, &h);
	assert_true(h.seq == 1);
	evbuffer_drain(b, evbuffer_get_length(b));
	tt_keys(t, 0x5a);
	assert_int_equal(tunnel_seal(t->a, b, FRAME_KEEPALIVE, 0, NULL, 0),
	    (int)TT_ONE(0));
	tt_wire_hdr(b, 0, &h);
	assert_true(h.seq == 1);
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	free(copy);
	evbuffer_free(old);
	evbuffer_free(b);
}

/* Frames arriving a byte at a time are delivered as each completes. */
static void
test_partial_input(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*all, *in;
	uint8_t		*p;
	size_t		 len, i, first = TT_ONE(3);
	const char	*why = NULL;

	assert_non_null(all = evbuffer_new());
	assert_non_null(in = evbuffer_new());
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "abc", 3), 0);
	assert_int_equal(tunnel_flush(t->a, all, SIZE_MAX), (int)first);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 8, "defgh", 5), 0);
	assert_int_equal(tunnel_flush(t->a, all, SIZE_MAX), (int)TT_ONE(5));
	len = evbuffer_get_length(all);
	p = evbuffer_pullup(all, -1);
	for (i = 0; i < len; i++) {
		evbuffer_add(in, p + i, 1);
		assert_int_equal(tunnel_input(t->b, in, &why), 0);
		assert_int_equal(t->sb.n, (i + 1 >= first) + (i + 1 >= len));
	}
	assert_int_equal(evbuffer_get_length(in), 0);
	tt_rec_is(&t->sb, 0, FRAME_SIP, 0, "abc", 3);
	tt_rec_is(&t->sb, 1, FRAME_RTP, 8, "defgh", 5);
	evbuffer_free(in);
	evbuffer_free(all);
}

/* Garbage after good frames: the good ones are delivered, then -1. */
static void
test_garbage(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	const char	*why = NULL;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "ok", 2), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), (int)TT_ONE(2));
	evbuffer_add(b, "HTTP/1.1 200 OK\r\n\r\n", 19);
	assert_int_equal(tunnel_input(t->b, b, &why), -1);
	assert_string_equal(why, "unsupported frame version");
	assert_int_equal(t->sb.n, 1);
	assert_int_equal(evbuffer_get_length(b), 19);
	evbuffer_free(b);
}

/*
 * Acknowledgements are consumed, not delivered; they release SIP sent up
 * to their number, and SIP not acknowledged is sent again first when the
 * session is keyed anew. Media is never sent again.
 */
static void
test_ack(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	const char	*why = NULL;

	assert_non_null(b = evbuffer_new());
	/* Nothing received yet: nothing to acknowledge. */
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_queued(t->b), 0);

	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s1", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r1", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s2", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s3", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_KEEPALIVE, 0, NULL, 0), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_CONTROL, 0, "c", 1), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_HOOK, 0, "h", 1), 0);
	/* s1, r1, s2 reach B in frame 1; s3 and the rest are sealed in
	 * frame 2 but lost. */
	assert_int_equal(tunnel_flush(t->a, b, TT_FRAME(3 * TT_REC(2))),
	    (int)TT_FRAME(3 * TT_REC(2)));
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_FRAME(TT_REC(2) + TT_REC(0) + 2 * TT_REC(1)));
	evbuffer_drain(b, evbuffer_get_length(b));
	assert_int_equal(t->sb.n, 3);

	/* B acknowledges up to frame 1, once. */
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_queued(t->b), TT_REC(9));
	assert_int_equal(t->sb.kicks, 1);
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_queued(t->b), TT_REC(9));
	assert_int_equal(tt_pass(t->b, t->a), TT_ONE(9));
	assert_int_equal(t->sa.n, 0);
	assert_int_equal(tunnel_stats(t->a)->rx_frames, 1);

	/* A new record queued before the outage. */
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s4", 2), 0);
	/* New session: s3 (unacknowledged SIP, nothing else) goes first,
	 * then s4. */
	tt_keys(t, 1);
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(2));
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 5);
	tt_rec_is(&t->sb, 3, FRAME_SIP, 0, "s3", 2);
	tt_rec_is(&t->sb, 4, FRAME_SIP, 0, "s4", 2);

	/* Not acknowledged in this session either: again on the next. */
	tt_keys(t, 2);
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(2));
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 7);
	tt_rec_is(&t->sb, 5, FRAME_SIP, 0, "s3", 2);
	tt_rec_is(&t->sb, 6, FRAME_SIP, 0, "s4", 2);

	/* Acknowledged: nothing to send again. */
	assert_int_equal(tunnel_ack(t->b), 0);
	tt_pass(t->b, t->a);
	tt_keys(t, 3);
	assert_int_equal(tunnel_queued(t->a), 0);

	/* A control frame that only looks like an ack is delivered. */
	assert_int_equal(tunnel_send(t->b, FRAME_CONTROL, 0,
	    "\x05\0\0\0\0\0\0\0\x01\x02", 10), 0);
	assert_int_equal(tunnel_send(t->b, FRAME_CONTROL, 0, "\x05", 1), 0);
	tt_pass(t->b, t->a);
	assert_int_equal(t->sa.n, 2);
	tt_rec_is(&t->sa, 0, FRAME_CONTROL, 0, "\x05\0\0\0\0\0\0\0\x01\x02",
	    10);
	tt_rec_is(&t->sa, 1, FRAME_CONTROL, 0, "\x05", 1);
	evbuffer_free(b);
}

/* A partial acknowledgement releases only what it covers. */
static void
test_ack_partial(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	const char	*why = NULL;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s1", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s2", 2), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_FRAME(2 * TT_REC(2)));
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(tunnel_ack(t->b), 0);		/* up to frame 1 */
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s3", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s4", 2), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_FRAME(2 * TT_REC(2)));
	evbuffer_drain(b, evbuffer_get_length(b));	/* s3, s4 lost */
	tt_pass(t->b, t->a);
	tt_keys(t, 1);
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(2));
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 4);
	tt_rec_is(&t->sb, 2, FRAME_SIP, 0, "s3", 2);
	tt_rec_is(&t->sb, 3, FRAME_SIP, 0, "s4", 2);
	evbuffer_free(b);
}

/* Only SIP is ever sent again, so only SIP calls for an ack. */
static void
test_ack_only_for_sip(void **state)
{
	struct tt	*t = *state;

	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r", 1), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_KEEPALIVE, 0, NULL, 0), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_CONTROL, 0, "c", 1), 0);
	tt_pass(t->a, t->b);
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_queued(t->b), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s", 1), 0);
	tt_pass(t->a, t->b);
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_queued(t->b), TT_REC(9));
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_queued(t->b), TT_REC(9));
}

/*
 * Unacknowledged SIP is bounded at 4 x queue_max: past it a SIP frame
 * still goes out, but is not kept for resending after an outage.
 */
static void
test_unacked_bound(void **state)
{
	struct tt	*t;
	struct evbuffer	*b;
	uint8_t		 data[384];
	const char	*why = NULL;
	int		 i;

	(void)state;
	t = tt_new(1000, 1);
	memset(data, 's', sizeof(data));
	assert_non_null(b = evbuffer_new());
	/* A remembered record costs 8 (sequence number) + 7 + 384 = 399
	 * bytes: ten fit in 4 x queue_max, eleven do not. */
	for (i = 0; i < 10; i++)
		assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, data,
		    sizeof(data)), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_FRAME(10 * TT_REC(sizeof(data))));
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, data, sizeof(data)),
	    0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_ONE(sizeof(data)));
	assert_int_equal(tunnel_queued(t->a), 0);
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 11);

	/* After a re-key only the ten remembered ones are queued again. */
	tt_keys(t, 2);
	assert_int_equal(tunnel_queued(t->a), 10 * TT_REC(sizeof(data)));
	evbuffer_free(b);
	tt_teardown((void **)&t);
}

/*
 * An acknowledgement queued in one session must not release SIP of the
 * next: its number counts the old session's frames.
 */
static void
test_stale_ack_after_rekey(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	/* Session 1: r1..r3 and s1 (frame 1) reach B, which queues an ack
	 * of 1; s2 (frame 2) is lost and the tunnel goes down before B's ack
	 * is sent. */
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r1", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r2", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTP, 1, "r3", 2), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s1", 2), 0);
	tt_pass(t->a, t->b);
	assert_int_equal(tunnel_ack(t->b), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "s2", 2), 0);
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX), (int)TT_ONE(2));
	evbuffer_drain(b, evbuffer_get_length(b));

	/* Session 2: A sends s1 and s2 again (frame 1), lost once more;
	 * B's ack, queued in session 1, would go out now. */
	tt_keys(t, 1);
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(2));
	assert_int_equal(tunnel_flush(t->a, b, SIZE_MAX),
	    (int)TT_FRAME(2 * TT_REC(2)));
	evbuffer_drain(b, evbuffer_get_length(b));
	tt_pass(t->b, t->a);
	assert_int_equal(t->sb.n, 4);
	evbuffer_free(b);

	/* Session 3: s2 never arrived anywhere, so it must be sent again. */
	tt_keys(t, 2);
	assert_int_equal(tunnel_queued(t->a), 2 * TT_REC(2));
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 6);
	tt_rec_is(&t->sb, 5, FRAME_SIP, 0, "s2", 2);
}

/*
 * Voice both ways arrives bit for bit, with fewer bytes on the wire: per
 * flow, the first datagram goes in full, the next carries the timestamp
 * step, the rest one byte of header; other records pass untouched, and
 * every 64th datagram goes in full again.
 */
static void
test_rtp_compressed(void **state)
{
	struct tt		*t = *state;
	size_t			 wire, plain;
	int			 i, j;

	tt_voice(t->a, 0x10002, 65530, 10);
	assert_int_equal(tunnel_send(t->a, FRAME_SIP, 0, "BYE", 3), 0);
	assert_int_equal(tunnel_send(t->a, FRAME_RTCP, 0x10003, "rtcp", 4),
	    0);
	plain = TT_FRAME(10 * TT_REC(TT_RTPLEN) + TT_REC(3) + TT_REC(4));
	wire = TT_FRAME(TT_REC(TT_RTPLEN) + TT_REC(TT_RTPZD) +
	    8 * TT_REC(TT_RTPZ) + TT_REC(3) + TT_REC(4));
	assert_true(wire < plain);
	assert_int_equal(tt_pass(t->a, t->b), wire);
	assert_int_equal(t->sb.n, 12);
	for (i = 0; i < 10; i++)
		tt_voice_is(&t->sb, i, 0x10002, (uint16_t)(65530 + i));
	tt_rec_is(&t->sb, 10, FRAME_SIP, 0, "BYE", 3);
	tt_rec_is(&t->sb, 11, FRAME_RTCP, 0x10003, "rtcp", 4);
	assert_int_equal(tunnel_stats(t->a)->rtpz_tx, 9);
	assert_int_equal(tunnel_stats(t->a)->tx_records, 12);
	assert_int_equal(tunnel_stats(t->b)->rx_records, 12);
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 0);

	/* The mirror direction has contexts of its own. */
	tt_voice(t->b, 0x80000002U, 100, 3);
	assert_int_equal(tt_pass(t->b, t->a), TT_FRAME(TT_REC(TT_RTPLEN) +
	    TT_REC(TT_RTPZD) + TT_REC(TT_RTPZ)));
	for (i = 0; i < 3; i++)
		tt_voice_is(&t->sa, i, 0x80000002U, (uint16_t)(100 + i));

	/* 60 more in frames of 6: the 64th of the flow goes in full. */
	for (i = 0; i < 10; i++) {
		tt_reset(&t->sb);
		tt_voice(t->a, 0x10002, (uint16_t)(65540 + 6 * i), 6);
		wire = tt_pass(t->a, t->b);
		assert_int_equal(t->sb.n, 6);
		for (j = 0; j < 6; j++)
			tt_voice_is(&t->sb, j, 0x10002,
			    (uint16_t)(65540 + 6 * i + j));
		if (i == 9)
			assert_int_equal(wire, TT_FRAME(TT_REC(TT_RTPLEN) +
			    TT_REC(TT_RTPZD) + 4 * TT_REC(TT_RTPZ)));
		else
			assert_int_equal(wire, TT_FRAME(6 * TT_REC(TT_RTPZ)));
	}
	assert_int_equal(tunnel_stats(t->a)->rtpz_tx, 9 + 60 - 1);
}

/*
 * A frame lost on the way (its bytes never arrive): B starts its contexts
 * over at the gap in sequence numbers, so compressed datagrams are dropped
 * and counted until the flow's next full header, and voice flows again
 * after it. The lost frame holds exactly 64 datagrams, so that the check
 * bits alone would not notice.
 */
static void
test_rtp_lost_frame(void **state)
{
	struct tt		*t;
	struct evbuffer		*lost;
	int			 i;

	(void)state;
	t = tt_new(64 * TT_REC(TT_RTPLEN), 1);
	tt_voice(t->a, 7, 0, 10);
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 10);
	tt_reset(&t->sb);

	assert_non_null(lost = evbuffer_new());
	tt_voice(t->a, 7, 10, 64);
	assert_true(tunnel_flush(t->a, lost, SIZE_MAX) > 0);
	evbuffer_free(lost);

	/* Datagrams 74 to 127 go compressed and find no context. */
	for (i = 74; i < 128; i += 6) {
		tt_voice(t->a, 7, (uint16_t)i, i + 6 > 128 ? 128 - i : 6);
		tt_pass(t->a, t->b);
		assert_int_equal(t->sb.n, 0);
	}
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 128 - 74);
	/* 128 goes in full; from there on all arrive. */
	tt_voice(t->a, 7, 128, 20);
	tt_pass(t->a, t->b);
	assert_int_equal(t->sb.n, 20);
	for (i = 0; i < 20; i++)
		tt_voice_is(&t->sb, i, 7, (uint16_t)(128 + i));
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 128 - 74);

	tunnel_free(t->a);
	tunnel_free(t->b);
	tt_reset(&t->sa);
	tt_reset(&t->sb);
	free(t);
}

/*
 * A new session starts the contexts over on both sides: A's first
 * datagram of a flow goes in full again, and B rebuilds nothing from what
 * it learnt under the old keys.
 */
static void
test_rtp_rekey(void **state)
{
	struct tt		*t = *state;
	struct crypto_aead	 tx;
	struct frame_hdr	 h = { FRAME_VERSION, 0, 1 };
	struct frame_rec	 r = { FRAME_RTPZ, 7, TT_RTPZ };
	struct evbuffer		*b;
	uint8_t			 up[CRYPTO_KEYLEN], p[TT_RTPLEN];
	uint8_t			 recs[TT_REC(TT_RTPZ)];
	uint8_t			 frame[TT_FRAME(TT_REC(TT_RTPZ))];
	const char		*why = NULL;

	tt_voice(t->a, 7, 0, 5);
	tt_pass(t->a, t->b);
	assert_int_equal(tunnel_stats(t->a)->rtpz_tx, 4);

	tt_keys(t, 0x5a);
	tt_reset(&t->sb);
	tt_voice(t->a, 7, 5, 3);
	assert_int_equal(tt_pass(t->a, t->b), TT_FRAME(TT_REC(TT_RTPLEN) +
	    TT_REC(TT_RTPZD) + TT_REC(TT_RTPZ)));
	assert_int_equal(t->sb.n, 3);
	tt_voice_is(&t->sb, 2, 7, 7);
	assert_int_equal(tunnel_stats(t->a)->rtpz_tx, 4 + 2);

	/* Once more, with a compressed record that would follow from what
	 * B learnt before the new keys, sealed by hand under them. */
	tt_keys(t, 0x33);
	tt_reset(&t->sb);
	frame_rec_pack(&r, recs);
	recs[RECORD_HDRLEN] = 8 & 0x3f;
	memcpy(recs + RECORD_HDRLEN + 1, p + 12, tt_rtp(8, p) - 12);
	h.length = sizeof(recs) + CRYPTO_TAGLEN;
	frame_hdr_pack(&h, frame);
	memcpy(up, tt_up, sizeof(up));
	up[0] ^= 0x33;
	assert_int_equal(crypto_aead_init(&tx, up, "up"), 0);
	assert_int_equal(crypto_aead_seal(&tx, 1, frame, FRAME_HDRLEN, recs,
	    sizeof(recs), frame + FRAME_HDRLEN), 0);
	crypto_aead_clear(&tx);
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, frame, sizeof(frame));
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	assert_int_equal(t->sb.n, 0);
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 1);
	evbuffer_free(b);
}

/*
 * An RTP record sealed ahead of the queue is learnt on both sides: here a
 * datagram of another SSRC on the flow, after which the stream's next one
 * goes in full and arrives, rather than compressed against a context B no
 * longer has.
 */
static void
test_rtp_sealed(void **state)
{
	struct tt	*t = *state;
	struct evbuffer	*b;
	uint8_t		 p[TT_RTPLEN];
	const char	*why = NULL;

	tt_voice(t->a, 7, 0, 5);
	tt_pass(t->a, t->b);
	tt_reset(&t->sb);
	tt_rtp(5, p);
	p[8] ^= 0xff;		/* another SSRC */
	assert_non_null(b = evbuffer_new());
	assert_int_equal(tunnel_seal(t->a, b, FRAME_RTP, 7, p, sizeof(p)),
	    (int)TT_ONE(TT_RTPLEN));
	assert_int_equal(tunnel_input(t->b, b, &why), 0);
	evbuffer_free(b);
	tt_voice(t->a, 7, 5, 3);
	assert_int_equal(tt_pass(t->a, t->b), TT_FRAME(TT_REC(TT_RTPLEN) +
	    TT_REC(TT_RTPZD) + TT_REC(TT_RTPZ)));
	assert_int_equal(t->sb.n, 4);
	tt_rec_is(&t->sb, 0, FRAME_RTP, 7, p, sizeof(p));
	tt_voice_is(&t->sb, 1, 7, 5);
	tt_voice_is(&t->sb, 3, 7, 7);
	assert_int_equal(tunnel_stats(t->b)->rtpz_lost, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_kick_rate, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_kick, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_flush_max, tt_setup,
		    tt_teardown),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_drop_cb),
		cmocka_unit_test(test_max_payload),
		cmocka_unit_test_setup_teardown(test_purge_media, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_replay, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_reorder, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_lanes, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_overtaken, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_tampered, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_bad_records, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_before_keys, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_seal_interleave, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_rekey, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_partial_input, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_garbage, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_ack, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_ack_partial, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_ack_only_for_sip,
		    tt_setup, tt_teardown),
		cmocka_unit_test(test_unacked_bound),
		cmocka_unit_test_setup_teardown(test_stale_ack_after_rekey,
		    tt_setup, tt_teardown),
		cmocka_unit_test_setup_teardown(test_rtp_compressed, tt_setup,
		    tt_teardown),
		cmocka_unit_test(test_rtp_lost_frame),
		cmocka_unit_test_setup_teardown(test_rtp_rekey, tt_setup,
		    tt_teardown),
		cmocka_unit_test_setup_teardown(test_rtp_sealed, tt_setup,
		    tt_teardown),
	};

	/* Refused SIP and resends are logged; the tests check them. */
	log_init("test_tunnel", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
