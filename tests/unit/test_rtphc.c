/*
 * Unit tests of the RTP header compression contexts: a sending and a
 * receiving table fed G.711-like streams, each datagram either compressed
 * and rebuilt or sent in full and learnt, and checked bit for bit. Covers
 * sequence and timestamp wrap, the marker bit, the timestamp step sent once
 * after a full header, what goes in full (timestamp jumps, SSRC and payload
 * type changes, datagrams that are not RTP), the refresh every 64 packets,
 * missing and desynchronised contexts, malformed records and two flows
 * sharing a slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtphc.h"

#define TR_PAYLOAD	160	/* G.711, 20 ms at 8 kHz */
#define TR_MAXPKT	(RTPHC_HDRLEN + 4 * 4 + 400)
#define TR_FULL		0	/* tr_pass: went in full */

/* A sending and a receiving table: one direction of a tunnel. */
struct tr {
	struct rtphc	 tx;
	struct rtphc	 rx;
};

/* One RTP stream's next header fields. */
struct tr_stream {
	uint8_t		 first;
	uint8_t		 pt;
	uint16_t	 seq;
	uint32_t	 ts;
	uint32_t	 ssrc;
	uint32_t	 step;
	size_t		 paylen;
};

static size_t	 tr_pkt(const struct tr_stream *, int, uint8_t *);
static size_t	 tr_pass(struct tr *, uint32_t, const uint8_t *, size_t);
static size_t	 tr_next(struct tr *, uint32_t, struct tr_stream *, int);
static size_t	 tr_refused(struct tr *, uint32_t, struct tr_stream *);
static void	 tr_full(struct tr *, uint32_t, struct tr_stream *);
static uint32_t	 tr_collider(uint32_t);
static int	 tr_setup(void **);
static int	 tr_teardown(void **);

/* Build the stream's next datagram (payload bytes vary with seq). */
static size_t
tr_pkt(const struct tr_stream *s, int marker, uint8_t *p)
{
	size_t	 i;

	p[0] = s->first;
	p[1] = (uint8_t)((marker ? 0x80 : 0) | s->pt);
	p[2] = (uint8_t)(s->seq >> 8);
	p[3] = (uint8_t)s->seq;
	p[4] = (uint8_t)(s->ts >> 24);
	p[5] = (uint8_t)(s->ts >> 16);
	p[6] = (uint8_t)(s->ts >> 8);
	p[7] = (uint8_t)s->ts;
	p[8] = (uint8_t)(s->ssrc >> 24);
	p[9] = (uint8_t)(s->ssrc >> 16);
	p[10] = (uint8_t)(s->ssrc >> 8);
	p[11] = (uint8_t)s->ssrc;
	for (i = 0; i < s->paylen; i++)
		p[RTPHC_HDRLEN + i] = (uint8_t)(0xd5 ^ (s->seq + i));
	return RTPHC_HDRLEN + s->paylen;
}

/*
 * Carry one datagram across: compressed and rebuilt bit for bit, or sent
 * in full and learnt. The compressed length, or TR_FULL.
 */
static size_t
tr_pass(struct tr *t, uint32_t flow, const uint8_t *p, size_t len)
{
	uint8_t	 z[TR_MAXPKT], back[TR_MAXPKT];
	size_t	 n, blen = 0;

	assert_true(len <= TR_MAXPKT);
	memset(z, 0xee, sizeof(z));
	if ((n = rtphc_compress(&t->tx, flow, p, len, z)) == 0) {
		rtphc_learn(&t->rx, flow, p, len);
		return TR_FULL;
	}
	assert_true(n <= len - RTPHC_HDRLEN + 1 + RTPHC_DLEN);
	assert_int_equal(rtphc_expand(&t->rx, flow, z, n, back, sizeof(back),
	    &blen), 0);
	assert_int_equal(blen, len);
	assert_memory_equal(back, p, len);
	return n;
}

/* Send the stream's next datagram and step it on; as tr_pass. */
static size_t
tr_next(struct tr *t, uint32_t flow, struct tr_stream *s, int marker)
{
	uint8_t	 p[TR_MAXPKT];
	size_t	 len = tr_pkt(s, marker, p);

	s->seq++;
	s->ts += s->step;
	return tr_pass(t, flow, p, len);
}

/*
 * Send the stream's next datagram to a receiver out of step: in full and
 * learnt (TR_FULL), or compressed and refused (the compressed length).
 */
static size_t
tr_refused(struct tr *t, uint32_t flow, struct tr_stream *s)
{
	uint8_t	 p[TR_MAXPKT], z[TR_MAXPKT], back[TR_MAXPKT];
	size_t	 len = tr_pkt(s, 0, p), n, blen;

	s->seq++;
	s->ts += s->step;
	if ((n = rtphc_compress(&t->tx, flow, p, len, z)) == 0) {
		rtphc_learn(&t->rx, flow, p, len);
		return TR_FULL;
	}
	assert_int_equal(rtphc_expand(&t->rx, flow, z, n, back, sizeof(back),
	    &blen), -1);
	return n;
}

/* The stream's next datagram goes in full, as a sender may always do. */
static void
tr_full(struct tr *t, uint32_t flow, struct tr_stream *s)
{
	uint8_t	 p[TR_MAXPKT];
	size_t	 len = tr_pkt(s, 0, p);

	s->seq++;
	s->ts += s->step;
	rtphc_learn(&t->tx, flow, p, len);
	rtphc_learn(&t->rx, flow, p, len);
}

/*
 * A flow id whose context shares flow's slot, found from the outside: on
 * fresh tables, flow's stream is set up, the candidate sends in full, and
 * flow's next packet no longer compresses.
 */
static uint32_t
tr_collider(uint32_t flow)
{
	struct tr		*t;
	struct tr_stream	 a = { 0x80, 0, 1, 0, 0xaaaa, 160, 20 };
	struct tr_stream	 b = { 0x80, 0, 1, 0, 0xbbbb, 160, 20 };
	uint32_t		 cand;

	assert_non_null(t = calloc(1, sizeof(*t)));
	for (cand = flow + 1; cand != flow; cand++) {
		rtphc_reset(&t->tx);
		rtphc_reset(&t->rx);
		tr_next(t, flow, &a, 0);
		tr_next(t, flow, &a, 0);
		tr_next(t, cand, &b, 0);
		if (tr_next(t, flow, &a, 0) == TR_FULL)
			break;
	}
	free(t);
	assert_true(cand != flow);
	return cand;
}

static int
tr_setup(void **state)
{
	struct tr	*t;

	/* calloc'd memory is not a reset table as far as the tests know. */
	if ((t = malloc(sizeof(*t))) == NULL)
		return -1;
	memset(t, 0x5a, sizeof(*t));
	rtphc_reset(&t->tx);
	rtphc_reset(&t->rx);
	*state = t;
	return 0;
}

static int
tr_teardown(void **state)
{
	free(*state);
	return 0;
}

/*
 * A G.711 stream across the sequence and timestamp wrap: the first packet
 * and every 64th go in full, the one after each full carries the step,
 * the rest are one byte of header; all arrive bit for bit.
 */
static void
test_stream(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 65500, 0xffffff00U, 0x1234abcd,
				    TR_PAYLOAD, TR_PAYLOAD };
	size_t			 n, full = 0, wire = 0, plain = 0;
	int			 i;

	for (i = 0; i < 640; i++) {
		n = tr_next(t, 7, &s, i == 0);
		plain += RTPHC_HDRLEN + TR_PAYLOAD;
		if (i % RTPHC_REFRESH == 0) {
			assert_int_equal(n, TR_FULL);
			full++;
			wire += RTPHC_HDRLEN + TR_PAYLOAD;
		} else if (i % RTPHC_REFRESH == 1) {
			assert_int_equal(n, 1 + RTPHC_DLEN + TR_PAYLOAD);
			wire += n;
		} else {
			assert_int_equal(n, 1 + TR_PAYLOAD);
			wire += n;
		}
	}
	assert_int_equal(full, 640 / RTPHC_REFRESH);
	/* Both wrapped on the way. */
	assert_true(s.seq < 65500 && s.ts < 0xffffff00U);
	/* Over eleven of the twelve header bytes saved per datagram. */
	assert_true((plain - wire) * 100 > 640 * 1050);
}

/* The marker bit rides in the compressed byte, either way. */
static void
test_marker(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 8, 100, 5000, 0x77, 160, 4 };
	uint8_t			 p[TR_MAXPKT], z[TR_MAXPKT];
	size_t			 len;

	assert_int_equal(tr_next(t, 1, &s, 1), TR_FULL);
	assert_int_equal(tr_next(t, 1, &s, 0), 1 + RTPHC_DLEN + 4);
	assert_int_equal(tr_next(t, 1, &s, 1), 1 + 4);
	assert_int_equal(tr_next(t, 1, &s, 0), 1 + 4);
	len = tr_pkt(&s, 1, p);
	assert_int_equal(rtphc_compress(&t->tx, 1, p, len, z), 1 + 4);
	assert_true(z[0] & RTPHC_M);
	assert_int_equal(z[0] & RTPHC_SEQ, s.seq & RTPHC_SEQ);
	s.seq++;
	s.ts += s.step;
	len = tr_pkt(&s, 0, p);
	assert_int_equal(rtphc_compress(&t->tx, 1, p, len, z), 1 + 4);
	assert_false(z[0] & RTPHC_M);
}

/*
 * A timestamp jump (a new talkspurt) goes in full; the next packet carries
 * the step again, and the one after is back to one byte.
 */
static void
test_ts_jump(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };
	int			 i;

	for (i = 0; i < 10; i++)
		tr_next(t, 3, &s, 0);
	s.ts += 160 * 50;
	assert_int_equal(tr_next(t, 3, &s, 1), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
	/* So does a packet whose step is not the flow's. */
	s.ts += 1;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	/* A step of 0 (a DTMF event's packets) is a step like any other. */
	s.step = 0;
	s.ts -= 160;
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
}

/* A new SSRC, payload type or first byte, or a gap in seq: in full. */
static void
test_header_change(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };

	tr_next(t, 3, &s, 0);
	tr_next(t, 3, &s, 0);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
	s.ssrc++;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
	/* RFC 4733 telephone-event. */
	s.pt = 101;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	s.pt = 0;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	s.seq++;
	s.ts += s.step;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	/* A gap in seq alone, or a datagram sent again: in full. */
	s.seq++;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	s.seq--;
	s.ts -= s.step;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	/* Padding, extension and CSRC count are kept, not rebuilt. */
	s.first = 0xa0;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
}

/* CSRCs and an extension ride in the payload, untouched. */
static void
test_csrc(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x92, 0, 9, 9, 0x99, 160, TR_PAYLOAD };
	int			 i;

	for (i = 0; i < 5; i++)
		tr_next(t, 3, &s, 0);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
}

/*
 * What is not RTP goes in full and leaves the flow's context alone: too
 * short, not version 2, or RTCP sharing the port.
 */
static void
test_not_rtp(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };
	uint8_t			 p[TR_MAXPKT];
	size_t			 len;

	tr_next(t, 3, &s, 0);
	tr_next(t, 3, &s, 0);
	len = tr_pkt(&s, 0, p);
	assert_int_equal(tr_pass(t, 3, p, RTPHC_HDRLEN - 1), TR_FULL);
	assert_int_equal(tr_pass(t, 3, p, 0), TR_FULL);
	p[0] = 0x00;		/* STUN */
	assert_int_equal(tr_pass(t, 3, p, len), TR_FULL);
	p[0] = 0x40;		/* version 1 */
	assert_int_equal(tr_pass(t, 3, p, len), TR_FULL);
	p[0] = 0x81;		/* RTCP receiver report */
	p[1] = 201;
	assert_int_equal(tr_pass(t, 3, p, len), TR_FULL);
	p[1] = 0x80 | 64;	/* the lowest RFC 5761 reserves */
	assert_int_equal(tr_pass(t, 3, p, len), TR_FULL);
	/* The stream goes on where it was. */
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
	/* A payload type just outside 64-95 is RTP. */
	s.pt = 96;
	assert_int_equal(tr_next(t, 3, &s, 0), TR_FULL);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
}

/* A full header at least every 64 packets, however regular the flow. */
static void
test_refresh(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, 0 };
	int			 i, last = 0;

	for (i = 1; i <= 1000; i++)
		if (tr_next(t, 3, &s, 0) == TR_FULL) {
			assert_true(i - last <= RTPHC_REFRESH);
			last = i;
		}
	assert_true(1000 - last < RTPHC_REFRESH);
}

/* Without a context, or with another flow's, nothing is rebuilt. */
static void
test_no_context(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };
	uint8_t			 p[TR_MAXPKT], z[TR_MAXPKT], back[TR_MAXPKT];
	size_t			 len, n, blen;

	tr_next(t, 3, &s, 0);
	tr_next(t, 3, &s, 0);
	len = tr_pkt(&s, 0, p);
	assert_int_equal(n = rtphc_compress(&t->tx, 3, p, len, z),
	    1 + TR_PAYLOAD);
	assert_int_equal(rtphc_expand(&t->rx, 4, z, n, back, sizeof(back),
	    &blen), -1);
	rtphc_reset(&t->rx);
	assert_int_equal(rtphc_expand(&t->rx, 3, z, n, back, sizeof(back),
	    &blen), -1);
	/* The sender moves on; the next full header brings the far end
	 * back, and the packet after it carries the step it lacks. */
	while (tr_refused(t, 3, &s) != TR_FULL)
		;
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
}

/*
 * A compressed record the receiver never saw puts the ends out of step:
 * the check bits catch it at the next one, and nothing more is rebuilt on
 * that flow until a full header, even where the check bits agree again.
 */
static void
test_desync(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };
	uint8_t			 p[TR_MAXPKT], z[TR_MAXPKT];
	size_t			 len;
	int			 i;

	tr_next(t, 3, &s, 0);
	tr_next(t, 3, &s, 0);
	tr_next(t, 3, &s, 0);
	/* Lost on the way. */
	len = tr_pkt(&s, 0, p);
	assert_int_equal(rtphc_compress(&t->tx, 3, p, len, z), 1 + TR_PAYLOAD);
	s.seq++;
	s.ts += s.step;
	assert_int_equal(tr_refused(t, 3, &s), 1 + TR_PAYLOAD);
	for (i = 0; i < RTPHC_REFRESH && tr_refused(t, 3, &s) != TR_FULL; i++)
		;
	assert_true(i < RTPHC_REFRESH);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + TR_PAYLOAD);
}

/*
 * Once a record of a flow was refused, its context is gone until the next
 * full header: a later record whose check bits agree is not rebuilt from
 * it either.
 */
static void
test_desync_sticks(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };
	uint8_t			 p[TR_MAXPKT], z[TR_MAXPKT], back[TR_MAXPKT];
	size_t			 len, n, blen;
	uint8_t			 saved[1 + TR_PAYLOAD];

	tr_next(t, 3, &s, 0);
	tr_next(t, 3, &s, 0);
	len = tr_pkt(&s, 0, p);
	assert_int_equal(n = rtphc_compress(&t->tx, 3, p, len, z),
	    1 + TR_PAYLOAD);
	memcpy(saved, z, n);
	/* A record whose check bits are off by one. */
	z[0] = (uint8_t)((z[0] & ~RTPHC_SEQ) | ((z[0] + 1) & RTPHC_SEQ));
	assert_int_equal(rtphc_expand(&t->rx, 3, z, n, back, sizeof(back),
	    &blen), -1);
	/* The right one now fails too: the context is gone. */
	assert_int_equal(rtphc_expand(&t->rx, 3, saved, n, back,
	    sizeof(back), &blen), -1);
}

/* Records that cannot follow from the context are refused. */
static void
test_malformed(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 s = { 0x80, 0, 1, 0, 0x99, 160, TR_PAYLOAD };
	uint8_t			 p[TR_MAXPKT], z[TR_MAXPKT], back[TR_MAXPKT];
	size_t			 len, n, blen;

	/* Empty. */
	tr_full(t, 3, &s);
	assert_int_equal(rtphc_expand(&t->rx, 3, z, 0, back, sizeof(back),
	    &blen), -1);

	/* A step cut short. */
	tr_full(t, 3, &s);
	z[0] = (uint8_t)(RTPHC_D | (s.seq & RTPHC_SEQ));
	memset(z + 1, 0, RTPHC_DLEN);
	assert_int_equal(rtphc_expand(&t->rx, 3, z, RTPHC_DLEN, back,
	    sizeof(back), &blen), -1);
	tr_full(t, 3, &s);
	z[0] = (uint8_t)(RTPHC_D | (s.seq & RTPHC_SEQ));
	assert_int_equal(rtphc_expand(&t->rx, 3, z, 1 + RTPHC_DLEN, back,
	    sizeof(back), &blen), 0);
	assert_int_equal(blen, RTPHC_HDRLEN);

	/* No step known and none given. */
	tr_full(t, 3, &s);
	z[0] = (uint8_t)(s.seq & RTPHC_SEQ);
	assert_int_equal(rtphc_expand(&t->rx, 3, z, 1, back, sizeof(back),
	    &blen), -1);

	/* A step given where one is known. */
	tr_full(t, 3, &s);
	assert_int_equal(tr_next(t, 3, &s, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	z[0] = (uint8_t)(RTPHC_D | (s.seq & RTPHC_SEQ));
	memset(z + 1, 0, RTPHC_DLEN);
	assert_int_equal(rtphc_expand(&t->rx, 3, z, 1 + RTPHC_DLEN, back,
	    sizeof(back), &blen), -1);

	/* No room for the rebuilt datagram. */
	tr_full(t, 3, &s);
	tr_next(t, 3, &s, 0);
	len = tr_pkt(&s, 0, p);
	assert_int_equal(n = rtphc_compress(&t->tx, 3, p, len, z),
	    1 + TR_PAYLOAD);
	assert_int_equal(rtphc_expand(&t->rx, 3, z, n, back, len - 1,
	    &blen), -1);
}

/*
 * Two flows sharing a slot take it from each other with each full
 * header, and both still arrive bit for bit; a flow in another slot keeps
 * its context throughout.
 */
static void
test_collision(void **state)
{
	struct tr		*t = *state;
	struct tr_stream	 a = { 0x80, 0, 1, 0, 0xa, 160, TR_PAYLOAD };
	struct tr_stream	 b = { 0x80, 8, 7, 7, 0xb, 160, TR_PAYLOAD };
	struct tr_stream	 c = { 0x80, 0, 3, 3, 0xc, 160, TR_PAYLOAD };
	uint32_t		 fa = 0x80000010U, fb = tr_collider(fa);
	uint32_t		 fc = fa + 2;
	uint8_t			 p[TR_MAXPKT], z[TR_MAXPKT], back[TR_MAXPKT];
	size_t			 n, blen;
	int			 i;

	assert_true(fc != fb);
	tr_next(t, fc, &c, 0);
	tr_next(t, fc, &c, 0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(tr_next(t, fa, &a, 0), TR_FULL);
		assert_int_equal(tr_next(t, fb, &b, 0), TR_FULL);
		assert_int_equal(tr_next(t, fc, &c, 0), 1 + TR_PAYLOAD);
	}
	/* Once b is quiet, a has the slot again. */
	assert_int_equal(tr_next(t, fa, &a, 0), TR_FULL);
	assert_int_equal(tr_next(t, fa, &a, 0), 1 + RTPHC_DLEN + TR_PAYLOAD);
	assert_int_equal(tr_next(t, fa, &a, 0), 1 + TR_PAYLOAD);
	/* A record of b now finds a's context and is refused... */
	n = rtphc_compress(&t->tx, fa, p, tr_pkt(&a, 0, p), z);
	assert_int_equal(n, 1 + TR_PAYLOAD);
	assert_int_equal(rtphc_expand(&t->rx, fb, z, n, back, sizeof(back),
	    &blen), -1);
	/* ... without taking a's context away. */
	assert_int_equal(rtphc_expand(&t->rx, fa, z, n, back, sizeof(back),
	    &blen), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_marker, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_ts_jump, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_header_change, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_csrc, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_not_rtp, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_refresh, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_no_context, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_desync, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_desync_sticks, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, tr_setup,
		    tr_teardown),
		cmocka_unit_test_setup_teardown(test_collision, tr_setup,
		    tr_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
