/*
 * RTP header compression contexts. A context remembers the last header of
 * a flow and the timestamp step between its packets; a packet whose header
 * is exactly the next one (sequence number + 1, timestamp + step, all else
 * equal but the marker bit) travels as one byte instead of twelve. Any
 * other packet goes in full and sets the context afresh, from itself alone:
 * so a full header puts both ends back in step, whatever either had before.
 * Nothing is ever rebuilt that the sender did not check would come out
 * byte for byte: SRTP authenticates the header, and a relay alters nothing.
 */
#include <string.h>

#include "bytes.h"
#include "rtphc.h"

static struct rtphc_ctx	*rtphc_slot(struct rtphc *, uint32_t);
static int		 rtphc_is_rtp(const uint8_t *, size_t);
static void		 rtphc_advance(struct rtphc_ctx *, uint16_t, uint32_t,
			    uint32_t);

/* The slot a flow id maps to (Fibonacci hashing: calls' flow ids are
 * close together, and this spreads them over the whole table). */
static struct rtphc_ctx *
rtphc_slot(struct rtphc *h, uint32_t flow)
{
	return &h->slot[(uint32_t)(flow * 0x9e3779b1U) >>
	    (32 - RTPHC_SLOTBITS)];
}

/*
 * Whether a datagram has an RTP header to remember: version 2, and a
 * payload type outside 64-95, where RTCP sharing the port puts its packet
 * types (RFC 5761); those leave the flow's context alone.
 */
static int
rtphc_is_rtp(const uint8_t *p, size_t len)
{
	unsigned int	 pt;

	if (len < RTPHC_HDRLEN || (p[0] & 0xc0) != 0x80)
		return 0;
	pt = p[1] & 0x7f;
	return pt < 64 || pt > 95;
}

/* A context after one more compressed packet. */
static void
rtphc_advance(struct rtphc_ctx *c, uint16_t seq, uint32_t ts, uint32_t step)
{
	c->seq = seq;
	c->ts = ts;
	c->step = step;
	c->has_step = 1;
	c->count++;
}

/* Forget every context: the far end's table is starting over too. */
void
rtphc_reset(struct rtphc *h)
{
	memset(h, 0, sizeof(*h));
}

/*
 * Compress one datagram of a flow into out, which has room for len bytes:
 * the compressed length, or 0 when it must go in full (its context is then
 * set from it, as the far end's rtphc_learn will).
 */
size_t
rtphc_compress(struct rtphc *h, uint32_t flow, const uint8_t *p, size_t len,
    uint8_t *out)
{
	struct rtphc_ctx	*c = rtphc_slot(h, flow);
	uint16_t		 seq;
	uint32_t		 ts, step;
	size_t			 n = 1;

	if (!rtphc_is_rtp(p, len) || !c->valid || c->flow != flow ||
	    c->count >= RTPHC_REFRESH - 1 || p[0] != c->first ||
	    (p[1] & 0x7f) != c->pt || be32_get(p + 8) != c->ssrc)
		goto full;
	seq = be16_get(p + 2);
	ts = be32_get(p + 4);
	step = ts - c->ts;
	/* A jump in time (after silence, say) starts the context over. */
	if (seq != (uint16_t)(c->seq + 1) || (c->has_step && step != c->step))
		goto full;
	out[0] = (uint8_t)((p[1] & RTPHC_M) | (seq & RTPHC_SEQ));
	if (!c->has_step) {
		out[0] |= RTPHC_D;
		be32_put(out + 1, step);
		n += RTPHC_DLEN;
	}
	memcpy(out + n, p + RTPHC_HDRLEN, len - RTPHC_HDRLEN);
	rtphc_advance(c, seq, ts, step);
	return n + len - RTPHC_HDRLEN;
full:
	rtphc_learn(h, flow, p, len);
	return 0;
}

/*
 * A datagram of a flow went in full: it becomes the context of its slot,
 * whichever flow had it, with no timestamp step known yet.
 */
void
rtphc_learn(struct rtphc *h, uint32_t flow, const uint8_t *p, size_t len)
{
	struct rtphc_ctx	*c = rtphc_slot(h, flow);

	if (!rtphc_is_rtp(p, len))
		return;
	c->flow = flow;
	c->valid = 1;
	c->first = p[0];
	c->pt = p[1] & 0x7f;
	c->seq = be16_get(p + 2);
	c->ts = be32_get(p + 4);
	c->ssrc = be32_get(p + 8);
	c->step = 0;
	c->has_step = 0;
	c->count = 0;
}

/*
 * Rebuild a compressed datagram of a flow into out (outmax bytes): 0 with
 * its length in outlen, or -1 when this end has no context for the flow
 * or the record does not follow from it.
 */
int
rtphc_expand(struct rtphc *h, uint32_t flow, const uint8_t *in, size_t len,
    uint8_t *out, size_t outmax, size_t *outlen)
{
	struct rtphc_ctx	*c = rtphc_slot(h, flow);
	uint16_t		 seq = (uint16_t)(c->seq + 1);
	uint32_t		 step = c->step;
	size_t			 n = 1;

	if (!c->valid || c->flow != flow)
		return -1;
	/* The step goes with the first packet after a full one only. */
	if (len < 1 || (seq & RTPHC_SEQ) != (in[0] & RTPHC_SEQ) ||
	    ((in[0] & RTPHC_D) != 0) == c->has_step)
		goto lost;
	if (in[0] & RTPHC_D) {
		if (len < n + RTPHC_DLEN)
			goto lost;
		step = be32_get(in + 1);
		n += RTPHC_DLEN;
	}
	if (RTPHC_HDRLEN + len - n > outmax)
		goto lost;
	out[0] = c->first;
	out[1] = (uint8_t)((in[0] & RTPHC_M) | c->pt);
	be16_put(out + 2, seq);
	be32_put(out + 4, c->ts + step);
	be32_put(out + 8, c->ssrc);
	memcpy(out + RTPHC_HDRLEN, in + n, len - n);
	rtphc_advance(c, seq, c->ts + step, step);
	*outlen = RTPHC_HDRLEN + len - n;
	return 0;
lost:
	/* The ends are out of step on this flow: rebuild nothing from this
	 * context until a full header sets it again. */
	c->valid = 0;
	return -1;
}
