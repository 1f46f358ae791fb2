/*
 * libFuzzer target for the RTP header compression contexts. The input is a
 * script of operations on a sending and a receiving table, the two ends of
 * one tunnel direction: datagrams of up to four flows (RTP streams stepped
 * on with the input's twists, or raw bytes), lost frames (the receiver
 * starts over, as the tunnel does at a gap) and new sessions (both do).
 * Every datagram the sender compresses must come out of the receiver bit
 * for bit, or, once a frame was lost, be refused; never anything else. A
 * third table takes arbitrary records, which must never be read or written
 * out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtphc.h"

#define FR_FLOWS	4
#define FR_MAXPKT	(RTPHC_HDRLEN + 300)

/* The input, read from the front. */
struct fr_in {
	const uint8_t	*p;
	size_t		 left;
};

/* One flow's RTP stream. */
struct fr_stream {
	uint32_t	 flow;
	uint8_t		 first;
	uint8_t		 pt;
	uint16_t	 seq;
	uint32_t	 ts;
	uint32_t	 ssrc;
	uint32_t	 step;
};

int		LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static uint8_t	fr_byte(struct fr_in *);
static uint32_t	fr_u32(struct fr_in *);
static size_t	fr_stream_next(struct fr_stream *, struct fr_in *, uint8_t *);
static size_t	fr_raw(struct fr_in *, uint8_t *);
static void	fr_carry(struct rtphc *, struct rtphc *, struct rtphc *,
		    uint32_t, const uint8_t *, size_t, int);
static void	fr_junk(struct rtphc *, uint32_t, struct fr_in *);

static struct rtphc	fr_tx, fr_rx, fr_any;

/* The next input byte, 0 once it is all read. */
static uint8_t
fr_byte(struct fr_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static uint32_t
fr_u32(struct fr_in *in)
{
	uint32_t	 v = 0;
	int		 i;

	for (i = 0; i < 4; i++)
		v = v << 8 | fr_byte(in);
	return v;
}

/*
 * The stream's next datagram into p, most often exactly the next one; a
 * flags byte adds a marker, a timestamp jump, a seq gap, a new SSRC, a new
 * payload type or first byte.
 */
static size_t
fr_stream_next(struct fr_stream *s, struct fr_in *in, uint8_t *p)
{
	uint8_t	 flags = fr_byte(in);
	size_t	 len = RTPHC_HDRLEN + fr_byte(in), i;

	if (flags & 0x02)
		s->ts += fr_u32(in);
	if (flags & 0x04)
		s->seq += fr_byte(in);
	if (flags & 0x08)
		s->ssrc = fr_u32(in);
	if (flags & 0x10)
		s->pt = fr_byte(in) & 0x7f;
	if (flags & 0x20)
		s->first = fr_byte(in);
	if (flags & 0x40)
		s->step = fr_u32(in) & 0xffff;
	p[0] = s->first;
	p[1] = (uint8_t)((flags & 0x01 ? 0x80 : 0) | s->pt);
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
	for (i = RTPHC_HDRLEN; i < len; i++)
		p[i] = (uint8_t)(s->seq + i);
	s->seq++;
	s->ts += s->step;
	return len;
}

/* A datagram of raw input bytes into p. */
static size_t
fr_raw(struct fr_in *in, uint8_t *p)
{
	size_t	 len = fr_byte(in), i;

	for (i = 0; i < len; i++)
		p[i] = fr_byte(in);
	return len;
}

/*
 * Carry one datagram of a flow from tx to rx, as the tunnel does: what is
 * compressed must be rebuilt bit for bit, or refused once a frame was
 * lost. The third table learns what goes in full too.
 */
static void
fr_carry(struct rtphc *tx, struct rtphc *rx, struct rtphc *any,
    uint32_t flow, const uint8_t *p, size_t len, int lost)
{
	uint8_t	 z[FR_MAXPKT], back[FR_MAXPKT];
	size_t	 n, blen;

	if ((n = rtphc_compress(tx, flow, p, len, z)) == 0) {
		rtphc_learn(rx, flow, p, len);
		rtphc_learn(any, flow, p, len);
		return;
	}
	/* Never longer than what it stands for, and only a header less. */
	if (len < RTPHC_HDRLEN || (n != len - RTPHC_HDRLEN + 1 &&
	    n != len - RTPHC_HDRLEN + 1 + RTPHC_DLEN))
		abort();
	if (rtphc_expand(rx, flow, z, n, back, sizeof(back), &blen) == -1) {
		if (!lost)
			abort();
		return;
	}
	if (blen != len || memcmp(back, p, len) != 0)
		abort();
}

/* An arbitrary record of a flow, rebuilt into a buffer of input size. */
static void
fr_junk(struct rtphc *any, uint32_t flow, struct fr_in *in)
{
	uint8_t	 rec[256], *out;
	size_t	 len = fr_byte(in), outmax = fr_byte(in), outlen, i;

	for (i = 0; i < len; i++)
		rec[i] = fr_byte(in);
	/* Exactly outmax bytes, so that ASan sees any overrun. */
	if ((out = malloc(outmax + 1)) == NULL)
		abort();
	if (rtphc_expand(any, flow, rec, len, out, outmax, &outlen) == 0 &&
	    (outlen > outmax || (outlen + 1 != RTPHC_HDRLEN + len &&
	    outlen + 1 + RTPHC_DLEN != RTPHC_HDRLEN + len)))
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_in		 in = { data, size };
	struct fr_stream	 s[FR_FLOWS];
	uint8_t			 p[FR_MAXPKT], op;
	size_t			 len;
	int			 i, lost = 0;

	rtphc_reset(&fr_tx);
	rtphc_reset(&fr_rx);
	rtphc_reset(&fr_any);
	for (i = 0; i < FR_FLOWS; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].flow = (uint32_t)i + 1;
		s[i].first = 0x80;
		s[i].ssrc = 0x1000 + (uint32_t)i;
		s[i].step = 160;
	}
	while (in.left > 0) {
		op = fr_byte(&in);
		i = (op >> 4) % FR_FLOWS;
		switch (op & 0x0f) {
		case 0:
			len = fr_raw(&in, p);
			fr_carry(&fr_tx, &fr_rx, &fr_any, s[i].flow, p, len,
			    lost);
			break;
		case 1:
			s[i].flow = fr_u32(&in);
			break;
		case 2:
			/* A lost frame: the receiver starts over at the gap. */
			rtphc_reset(&fr_rx);
			lost = 1;
			break;
		case 3:
			/* A new session, or a batch that was never sealed. */
			rtphc_reset(&fr_tx);
			if (op & 0x80)
				rtphc_reset(&fr_rx);
			break;
		case 4:
			fr_junk(&fr_any, s[i].flow, &in);
			break;
		default:
			len = fr_stream_next(&s[i], &in, p);
			fr_carry(&fr_tx, &fr_rx, &fr_any, s[i].flow, p, len,
			    lost);
			break;
		}
	}
	return 0;
}
