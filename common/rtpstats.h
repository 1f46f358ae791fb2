/*
 * Receiver statistics of one RTP stream as a relay forwards it (RFC 3550
 * section 6.4.1 and appendices A.1 and A.8): packets, expected and lost
 * from the extended highest sequence number, interarrival jitter, and
 * packets later than a jitter buffer would wait for. Only the fixed
 * header is read, which SRTP leaves in the clear. Updating costs a few
 * integer operations per packet: no allocation, no system call (the
 * caller passes the arrival time).
 */
#ifndef VOFW_RTPSTATS_H
#define VOFW_RTPSTATS_H

#include <stddef.h>
#include <stdint.h>

#define RTPSTATS_MAX_DROPOUT	3000	/* RFC 3550 A.1 */
#define RTPSTATS_MAX_MISORDER	100
#define RTPSTATS_MIN_SEQUENTIAL	2	/* packets in a row before a new
					   source counts */
#define RTPSTATS_LATE_MS	60	/* jitter buffer: later than the
					   base transit by this much */
#define RTPSTATS_RATE		8000	/* clock rate when nothing else is
					   known: G.711 and most voice */

/* One stream's state; all zero is a stream that saw nothing yet. */
struct rtpstats {
	uint32_t	ssrc;
	uint32_t	rate;		/* RTP clock of the current source, Hz */
	uint32_t	dyn_rate;	/* for dynamic payload types: 0 is
					   RTPSTATS_RATE (rtpstats_set_rate) */
	uint32_t	cycles;		/* sequence wraps, shifted by 16 */
	uint32_t	base_seq;
	uint32_t	bad_seq;
	uint32_t	transit;	/* of the last packet, clock units */
	uint32_t	min_transit;	/* the jitter buffer's base: the
					   fastest packet's, drifting up */
	uint32_t	jitter;		/* RFC 3550 A.8, times 16 */
	uint16_t	max_seq;
	uint8_t		probation;
	uint8_t		started;	/* a source was chosen */
	uint8_t		has_transit;
	uint8_t		pt;		/* payload type of the last packet */
	uint8_t		already;	/* packets before base_seq that
					   count (probation, restart) */
	uint64_t	packets;	/* every RTP packet seen */
	uint64_t	received;	/* counted for the current source */
	uint64_t	late;		/* past the jitter buffer's deadline */
	uint64_t	prior_expected;	/* of the sources before this one */
	uint64_t	prior_received;
};

/* What a stream's figures come to, for reports. */
struct rtpstats_view {
	uint64_t	packets;	/* RTP packets seen */
	uint64_t	expected;	/* from the sequence numbers */
	uint64_t	lost;		/* expected - received, never below 0 */
	uint64_t	late;
	double		loss_pct;	/* lost / expected */
	double		jitter_ms;	/* interarrival jitter */
	unsigned int	pt;		/* last payload type (codec) */
};

/*
 * Count one datagram that arrived at now_us (microseconds, any epoch) if
 * it looks like RTP (version 2, at least 12 bytes, not an RTCP packet
 * multiplexed on the port); anything else is ignored.
 */
void	 rtpstats_update(struct rtpstats *, const uint8_t *, size_t,
	    uint64_t now_us);
/*
 * The clock rate to assume for dynamic payload types (96-127), from what
 * the SDP says of the stream (90000 for video); 0 is RTPSTATS_RATE.
 */
void	 rtpstats_set_rate(struct rtpstats *, uint32_t);
void	 rtpstats_view(const struct rtpstats *, struct rtpstats_view *);
/* The RTP clock rate of a static payload type (RFC 3551), else 8000. */
uint32_t rtpstats_rate(unsigned int pt);

#endif
