/*
 * Receiver statistics of an RTP stream (see rtpstats.h): the sequence
 * number bookkeeping of RFC 3550 A.1, the jitter estimate of A.8, and a
 * jitter buffer's deadline measured from the fastest packet's transit
 * time. A new SSRC, or a sequence jump that persists, starts the counts
 * over; what the earlier source expected and received is kept.
 */
#include <stdint.h>
#include <string.h>

#include "rtpstats.h"

#define RTPSTATS_SEQ_MOD	(1U << 16)
#define RTPSTATS_DRIFT_SHIFT	6	/* the base follows 1/64 of the excess */

static uint64_t	 rtpstats_expected(const struct rtpstats *);
static void	 rtpstats_init_seq(struct rtpstats *, uint16_t, uint8_t);
static int	 rtpstats_update_seq(struct rtpstats *, uint16_t);
static void	 rtpstats_transit(struct rtpstats *, uint32_t, uint64_t);

/* Packets the current source should have sent since it was taken up. */
static uint64_t
rtpstats_expected(const struct rtpstats *s)
{
	if (s->received == 0)
		return 0;
	return (uint64_t)s->cycles + s->max_seq - s->base_seq + 1 +
	    s->already;
}

/*
 * Start counting at seq, keeping what came before (RFC 3550 init_seq);
 * already is how many packets just before seq were seen in sequence
 * without counting (the probation's, or the jump's first), which RFC
 * 3550 leaves out and a report of a whole call should not.
 */
static void
rtpstats_init_seq(struct rtpstats *s, uint16_t seq, uint8_t already)
{
	s->prior_expected += rtpstats_expected(s);
	s->prior_received += s->received;
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTPSTATS_SEQ_MOD + 1;	/* so seq == bad_seq is false */
	s->cycles = 0;
	s->already = already;
	s->received = already;
	s->has_transit = 0;
	s->jitter = 0;
}

/* RFC 3550 update_seq: 1 if the packet counts as received. */
static int
rtpstats_update_seq(struct rtpstats *s, uint16_t seq)
{
	uint16_t	 udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation) {
		/* A source is valid after MIN_SEQUENTIAL packets in a row. */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				rtpstats_init_seq(s, seq,
				    RTPSTATS_MIN_SEQUENTIAL - 1);
				s->received++;
				return 1;
			}
		} else {
			s->probation = RTPSTATS_MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return 0;
	}
	if (udelta < RTPSTATS_MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (seq < s->max_seq)
			s->cycles += RTPSTATS_SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= RTPSTATS_SEQ_MOD - RTPSTATS_MAX_MISORDER) {
		/*
		 * A very large jump: if the next packet follows it, the
		 * sender restarted its numbering; start over from there.
		 */
		if (seq == s->bad_seq) {
			rtpstats_init_seq(s, seq, 1);
		} else {
			s->bad_seq = (seq + 1U) & (RTPSTATS_SEQ_MOD - 1);
			return 0;
		}
	}
	/* else a duplicate or a reordered packet: it counts all the same */
	s->received++;
	return 1;
}

/*
 * Interarrival jitter (RFC 3550 A.8, scaled by 16 as there) and the jitter
 * buffer's deadline. The buffer plays each packet RTPSTATS_LATE_MS after
 * a base transit time: the fastest packet's, drifting up by 1/64 of the
 * excess per packet, as an adaptive buffer follows a sender's slower
 * clock or a lasting rise in delay (within a second of 20 ms packets)
 * while a single packet that comes later than the deadline misses it.
 */
static void
rtpstats_transit(struct rtpstats *s, uint32_t ts, uint64_t now_us)
{
	uint32_t	 arrival, transit;
	int32_t		 d;

	arrival = (uint32_t)((now_us / 1000000) * s->rate +
	    (now_us % 1000000) * s->rate / 1000000);
	transit = arrival - ts;
	if (!s->has_transit) {
		s->has_transit = 1;
		s->transit = transit;
		s->min_transit = transit;
		return;
	}
	d = (int32_t)(transit - s->transit);
	s->transit = transit;
	if (d < 0)
		d = -d;
	s->jitter += (uint32_t)d - ((s->jitter + 8) >> 4);
	d = (int32_t)(transit - s->min_transit);
	if (d < 0) {
		s->min_transit = transit;
		return;
	}
	if ((uint32_t)d > s->rate / 1000 * RTPSTATS_LATE_MS)
		s->late++;
	s->min_transit += (uint32_t)d >> RTPSTATS_DRIFT_SHIFT;
}

/* Count one datagram if it is RTP. */
void
rtpstats_update(struct rtpstats *s, const uint8_t *p, size_t len,
    uint64_t now_us)
{
	unsigned int	 pt;
	uint32_t	 ssrc, ts;
	uint16_t	 seq;

	if (len < 12 || (p[0] >> 6) != 2)
		return;
	pt = p[1] & 0x7fU;
	/* RTCP multiplexed on the RTP port (RFC 5761) is not voice. */
	if (pt >= 64 && pt <= 95)
		return;
	seq = (uint16_t)(p[2] << 8 | p[3]);
	ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7];
	ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | p[11];
	s->packets++;
	s->pt = (uint8_t)pt;
	if (!s->started || ssrc != s->ssrc) {
		/* A new source goes through probation (RFC 3550 A.1). */
		rtpstats_init_seq(s, seq, 0);
		s->started = 1;
		s->ssrc = ssrc;
		s->rate = pt >= 96 && s->dyn_rate != 0 ? s->dyn_rate :
		    rtpstats_rate(pt);
		s->max_seq = (uint16_t)(seq - 1);
		s->probation = RTPSTATS_MIN_SEQUENTIAL;
	}
	if (rtpstats_update_seq(s, seq))
		rtpstats_transit(s, ts, now_us);
}

/* The clock rate assumed for dynamic payload types. */
void
rtpstats_set_rate(struct rtpstats *s, uint32_t rate)
{
	s->dyn_rate = rate;
}

/* RTP clock rate of a payload type: RFC 3551's table, else 8000. */
uint32_t
rtpstats_rate(unsigned int pt)
{
	switch (pt) {
	case 6:
		return 16000;
	case 10:
	case 11:
		return 44100;
	case 16:
		return 11025;
	case 17:
		return 22050;
	case 14:
	case 25:
	case 26:
	case 28:
	case 31:
	case 32:
	case 33:
	case 34:
		return 90000;
	default:
		return RTPSTATS_RATE;
	}
}

/* The figures so far, over every source the stream had. */
void
rtpstats_view(const struct rtpstats *s, struct rtpstats_view *v)
{
	uint64_t	 received = s->prior_received + s->received;

	memset(v, 0, sizeof(*v));
	v->packets = s->packets;
	v->late = s->late;
	v->expected = s->prior_expected + rtpstats_expected(s);
	/* Duplicates can outnumber losses. */
	v->lost = v->expected > received ? v->expected - received : 0;
	if (v->expected > 0)
		v->loss_pct = 100.0 * (double)v->lost / (double)v->expected;
	v->pt = s->pt;
	if (s->rate > 0)
		v->jitter_ms = (double)s->jitter / 16.0 * 1000.0 /
		    (double)s->rate;
}
