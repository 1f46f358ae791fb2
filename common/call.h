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

struct call_ctx {
	struct vcit	*vcit;
	struct media	*media;
	char		 media_addr[64]; /* this half's relay address */
	int		 outside;	/* 1: hras (own side is outside) */
	uint32_t	 high_bit;	/* flow ids this half allocates */
	struct call_limits lim;
	uint64_t	 ended[CALL_END_MAX];	/* calls, by cause */
	struct event	*timer;		/* Timer C, once a second */
	struct call_count *count[CALL_COUNT_BUCKETS];
	struct siphash_key count_key;	/* sources are a sender's choice */
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
unsigned int call_streams(struct call_ctx *, const char *source,
	    const char *client);

#endif
