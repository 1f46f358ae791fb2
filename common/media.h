/*
 * The media relay of one half (paper 3.3): per stream of a call, an RTP and
 * RTCP socket pair on this half's media address. What the local terminal
 * sends there is handed up to be framed into the tunnel under the stream's
 * flow id; what comes out of the tunnel for a flow leaves from the flow's
 * sockets towards the terminal. Voice is dropped, never queued. Each flow
 * keeps RTP receiver statistics (rtpstats.h) of both ways, taken where
 * this half receives them: from the terminal and from the tunnel.
 */
#ifndef VOFW_MEDIA_H
#define VOFW_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "rtpstats.h"

struct event_base;
struct config_media;
struct media;		/* one half's relay: port allocator and flows */
struct media_flow;	/* one stream: its RTP and RTCP sockets and peer */

/* A datagram from the local terminal on a flow. */
typedef void (*media_in_fn)(void *arg, uint32_t flow, int rtcp,
    const uint8_t *, size_t);
/* A flow received no RTP for media.timeout seconds. */
typedef void (*media_idle_fn)(void *arg, uint32_t flow);

struct media_stats {
	uint64_t	rx_packets, rx_bytes;	/* from local terminals */
	uint64_t	tx_packets, tx_bytes;	/* to local terminals */
	uint64_t	dropped_unknown;	/* tunnel datagram for no flow or
						   no peer yet */
	uint64_t	dropped_source;		/* packet from an address that is
						   not the peer */
	uint64_t	dropped_send;		/* sendto failed (EAGAIN...) */
	uint64_t	dropped_size;		/* datagram over MEDIA_MAXDGRAM */
};

#define MEDIA_MAXDGRAM	4096	/* largest datagram relayed from a terminal */
#define MEDIA_MOVE	8	/* packets in a row from a new source of the
				   party's IP before a symmetric flow moves
				   to it */

/*
 * The callbacks may open and close flows (the one they are given
 * included) but must not call media_free.
 */
struct media	*media_new(struct event_base *, const struct config_media *,
		    media_in_fn, media_idle_fn, void *arg);
void		 media_free(struct media *);
/*
 * A flow on a port pair drawn at random from the range (RTP even, RTCP
 * the odd port above). NULL: ports exhausted, flow already open, or error
 * (logged).
 */
struct media_flow *media_flow_open(struct media *, uint32_t flow);
struct media_flow *media_flow_get(struct media *, uint32_t flow);
uint16_t	 media_flow_port(const struct media_flow *);	/* RTP port;
								   RTCP +1 */
/*
 * Where the local terminal receives RTP (addr:rtp_port) and RTCP
 * (rtcp_port; 0 means rtp_port + 1).
 * learn = 1 (hras): symmetric RTP with a strict source. Until a packet is
 * accepted, datagrams go to the SDP address. Packets from the SDP address
 * itself are accepted and make it the peer for good; otherwise the first
 * source whose IP is sig's (the IP the party's SIP came from: a phone
 * behind NAT) or the SDP's becomes the peer, and a new source of those
 * IPs replaces it only after MEDIA_MOVE packets in a row. Each of RTP and
 * RTCP learns on its own; every other source is dropped.
 * learn = 0 (hrac): fixed; packets accepted only from addr's IP; sig is
 * not used.
 * May be called again (re-INVITE changes media): a learnt source is kept
 * while addr and ports stay the same. Restarts the flow's idle clock.
 * -1 on a bad address (logged).
 */
int		 media_flow_set_peer(struct media_flow *, const char *addr,
		    uint16_t rtp_port, uint16_t rtcp_port, const char *sig,
		    int learn);
/* Restart the flow's idle clock, as if RTP had just come in. */
void		 media_flow_restart_idle(struct media_flow *);
void		 media_set_timeout(struct media *, int seconds);
void		 media_flow_close(struct media *, struct media_flow *);
/* A datagram from the tunnel: to the flow's peer, or dropped and counted. */
void		 media_send(struct media *, uint32_t flow, int rtcp,
		    const uint8_t *, size_t);
const struct media_stats *media_stats(const struct media *);

/*
 * What one flow's RTP looked like, each way, where this half received it:
 * from the local terminal (loss there happened before this half) and from
 * the tunnel (loss there happened anywhere from the far terminal on).
 */
struct media_flow_quality {
	struct rtpstats_view	 from_terminal;
	struct rtpstats_view	 from_tunnel;
	uint64_t		 dropped_send;	/* from the tunnel, not sent to
						   the terminal (sendto failed) */
};

void		 media_flow_quality(const struct media_flow *,
		    struct media_flow_quality *);
/* The RTP clock of the flow's dynamic payload types (0: 8000). */
void		 media_flow_set_rate(struct media_flow *, uint32_t rate);
size_t		 media_flows(const struct media *);

#endif
