/*
 * Calls as one half sees them (paper 3.3-3.4): the SDP of each call fills
 * the VCIT and opens this half's relay ports; SDP going towards this half's
 * own terminals is rewritten so their voice comes to those ports. Shared by
 * both halves: hras's own side is the outside, hrac's the inside.
 */
#ifndef VOFW_CALL_H
#define VOFW_CALL_H

#include <stdint.h>

#include <osipparser2/osip_message.h>

struct media;
struct vcit;
struct vcit_call;

struct call_ctx {
	struct vcit	*vcit;
	struct media	*media;
	char		 media_addr[64]; /* this half's relay address */
	int		 outside;	/* 1: hras (own side is outside) */
	uint32_t	 high_bit;	/* flow ids this half allocates */
};

int	 call_from_own_side(struct call_ctx *, const osip_message_t *,
	    const char *client, uint32_t *flow_base, int *status);
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

#endif
