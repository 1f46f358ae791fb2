/*
 * hrac's media glue (paper 3.1, 3.3): the inside end of every call's
 * voice. It owns the relay's inside ports and the VCIT, and carries RTP
 * and RTCP between the inside phones and the tunnel.
 */
#include "call.h"
#include "hrac_sip.h"
#include "media.h"
#include "tunnel.h"
#include "vcit.h"

static void	hrac_media_in(void *, uint32_t, int, const uint8_t *, size_t);
static void	hrac_media_idle(void *, uint32_t);

/* Open the VCIT and the media relay. */
int
hrac_media_init(struct hrac_sip *hs)
{
	if ((hs->vcit = vcit_new()) == NULL ||
	    (hs->media = media_new(hs->h->base, &hs->h->conf->media,
	    hrac_media_in, hrac_media_idle, hs)) == NULL)
		return -1;
	return 0;
}

/* End every call and close the relay (shutdown). */
void
hrac_media_free(struct hrac_sip *hs)
{
	if (hs->calls.vcit != NULL && hs->calls.media != NULL)
		call_end_all(&hs->calls);
	media_free(hs->media);
	vcit_free(hs->vcit);
}

/* Voice from the tunnel: to the phone of the flow's call, if any. */
void
hrac_media_from_tunnel(struct hrac_sip *hs, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	media_send(hs->media, flow, type == FRAME_RTCP, data, len);
}

/* Voice from an inside phone: into the tunnel. */
static void
hrac_media_in(void *arg, uint32_t flow, int rtcp, const uint8_t *data,
    size_t len)
{
	struct hrac_sip	*hs = arg;

	hrac_session_send(&hs->h->session, rtcp ? FRAME_RTCP : FRAME_RTP, flow,
	    data, len);
}

/* A call's media went quiet: the call may be over (call_idle). */
static void
hrac_media_idle(void *arg, uint32_t flow)
{
	struct hrac_sip	*hs = arg;

	call_idle(&hs->calls, flow);
}
