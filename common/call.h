/*
 * Calls as one half sees them (paper 3.3-3.4): the SDP of each call fills
 * the VCIT and opens this half's relay ports; SDP going towards this half's
 * own terminals is rewritten so their voice comes to those ports. Shared by
 * both halves: hras's own side is the outside, hrac's the inside.
 */
#ifndef VOFW_CALL_H
#define VOFW_CALL_H

#include <stdint.h>
#include <time.h>

#include <osipparser2/osip_message.h>

#include "siphash.h"
#include "vcit.h"

#define CALL_COUNT_BUCKETS	256	/* per-source and per-client counters */
#define CALL_RETRY_AFTER	30	/* seconds a 503 for a cap suggests */

struct config_media;
struct event;
struct event_base;
struct media;
struct vcit;
struct vcit_call;
struct call_count;

/*
 * What one half lets calls take (hras.conf media.* and sip.timer_c): 0
 * means no cap, or no Timer C.
 */
struct call_limits {
	int		 timer_c;		/* seconds a call may ring */
	int		 streams_per_call;	/* relay port pairs */
	int		 streams_per_source;	/* ... of the calls one outside
						   address set up */
	int		 streams_per_client;	/* ... of one client's calls */
	int		 calls_per_client;
};

/* Why calls end, counted for the metrics (call_cause_name). */
enum call_cause {
	CALL_END_BYE,
	CALL_END_CANCEL,
	CALL_END_FAILED,	/* a final failure to its INVITE */
	CALL_END_REFUSED,	/* by this half: a cap, the tunnel, its SDP */
	CALL_END_NO_MEDIA,
	CALL_END_TIMER_C,
	CALL_END_SHUTDOWN,
	CALL_END_OTHER,
	CALL_END_MAX
};

/* What the halves can tell call_stats about their tunnels. */
typedef double (*call_rtt_fn)(void *arg, const char *client);

/*
 * Voice figures summed over calls for the metrics (call_voice_now), by
 * where this half received the packets: [CALL_FROM_TERMINALS] from its
 * own terminals (loss there happened before this half),
 * [CALL_FROM_TUNNEL] from the tunnel (loss anywhere from the far
 * terminal on). The MOS histogram counts ended calls with RTP.
 */
#define CALL_FROM_TERMINALS	0
#define CALL_FROM_TUNNEL	1
#define CALL_MOS_BUCKETS	9
extern const double call_mos_le[CALL_MOS_BUCKETS];	/* upper bounds */
struct call_voice {
	uint64_t	 expected[2];
	uint64_t	 lost[2];
	uint64_t	 late[2];
	uint64_t	 mos_count;
	uint64_t	 mos_bucket[CALL_MOS_BUCKETS];	/* not cumulative */
	double		 mos_sum;
	/* Calls in progress only (call_voice_now): */
	double		 jitter_max_ms;	/* worst direction's jitter */
	double		 mos_min;	/* lowest MOS; 0: no call with RTP */
};

struct call_ctx {
	struct vcit	*vcit;
	struct media	*media;
	char		 media_addr[64]; /* this half's relay address */
	int		 outside;	/* 1: hras (own side is outside) */
	uint32_t	 high_bit;	/* flow ids this half allocates */
	struct call_limits lim;
	uint64_t	 ended[CALL_END_MAX];	/* calls, by cause */
	struct call_voice voice;		/* of the ended calls */
	struct event	*timer;		/* Timer C, once a second */
	struct call_count *count[CALL_COUNT_BUCKETS];
	struct siphash_key count_key;	/* sources are a sender's choice */
	call_rtt_fn	 rtt;		/* the tunnel's round trip in ms for
					   a client ("" on hrac), < 0 if not
					   known; NULL: never known */
	void		*rtt_arg;
};

/*
 * One direction of a stream, as this half saw it. to_inside is the voice
 * of the outside terminal on its way to the inside one, to_outside the
 * other way. Each half receives one direction from its own terminal (hras:
 * to_inside, hrac: to_outside) and the other from the tunnel: the figures
 * are taken where this half received the packets, so loss from the
 * terminal happened before this half, and loss from the tunnel anywhere
 * from the far terminal on (docs/calls.md).
 */
struct call_dir_stats {
	int		 from_tunnel;	/* 1: received from the tunnel */
	uint64_t	 packets;	/* RTP packets received */
	uint64_t	 expected;	/* from their sequence numbers */
	uint64_t	 lost;		/* expected - received */
	double		 loss_pct;	/* lost / expected, 0 .. 100 */
	double		 jitter_ms;	/* RFC 3550 interarrival jitter */
	uint64_t	 late;		/* past a 60 ms jitter buffer */
	uint64_t	 dropped;	/* dropped by this half: the tunnel's
					   queue (full, or stale after an
					   outage) for the direction it sends
					   into the tunnel; sendto towards its
					   terminal for the other */
	unsigned int	 pt;		/* last RTP payload type */
	double		 r, mos;	/* E-model of this direction */
};

struct call_stream_stats {
	char			 media[16];	/* "audio", "video"... */
	uint32_t		 flow;
	struct call_dir_stats	 to_inside, to_outside;
};

struct call_stats {
	double			 duration_s;	/* since the INVITE */
	double			 talk_s;	/* since the answer, or 0 */
	double			 tunnel_rtt_ms;	/* < 0: not known */
	double			 r, mos;	/* the worst direction's; 0 when
						   no RTP was seen */
	int			 nstreams;	/* with relay ports */
	struct call_stream_stats stream[VCIT_STREAMS];
};

int	 call_init(struct call_ctx *, struct event_base *);
void	 call_configure(struct call_ctx *, const struct config_media *,
	    int timer_c);
int	 call_from_own_side(struct call_ctx *, const osip_message_t *,
	    const char *client, const char *source, uint32_t *flow_base,
	    int *status);
int	 call_to_own_side(struct call_ctx *, osip_message_t *,
	    uint32_t flow_base, const char *client, int *status);
void	 call_track(struct call_ctx *, const osip_message_t *,
	    const char *client);
void	 call_refused(struct call_ctx *, const osip_message_t *,
	    const char *client);
void	 call_end(struct call_ctx *, struct vcit_call *, const char *why);
void	 call_end_flow(struct call_ctx *, uint32_t flow, const char *why);
void	 call_idle(struct call_ctx *, uint32_t flow);
void	 call_end_all(struct call_ctx *);
void	 call_expire(struct call_ctx *, time_t now);
time_t	 call_now(void);
const char *call_cause_name(enum call_cause);
unsigned int call_active(struct call_ctx *, const char *client);

/*
 * A call's voice figures so far: per stream with relay ports and per
 * direction, and the call's MOS from the worst direction's loss (late
 * packets counted as lost) and half the tunnel's round trip as one-way
 * delay (G.711 with PLC unless the payload type says G.729).
 */
void	 call_stats(const struct call_ctx *, const struct vcit_call *,
	    struct call_stats *);
/* The end-of-call record: one info line (docs/calls.md). */
void	 call_cdr(const struct call_ctx *, const struct vcit_call *,
	    const char *why);
/*
 * A tunnel's drop callback (tunnel_set_drop_cb) with the call_ctx as its
 * argument: counts each voice datagram the tunnel's queue dropped against
 * its stream.
 */
void	 call_tunnel_dropped(void *cx, uint32_t flow);
uint64_t call_clock_ms(void);
/* Add a call's figures to v (its MOS to the histogram when ended). */
void	 call_voice_add(struct call_voice *, const struct call_stats *,
	    int ended);
/* The ended calls' figures plus those of the calls in progress. */
void	 call_voice_now(struct call_ctx *, struct call_voice *);
unsigned int call_streams(struct call_ctx *, const char *source,
	    const char *client);

#endif
