/*
 * hras's media glue (paper 3.1, 3.3): the outside end of every call's
 * voice. It owns the relay's public ports and the VCIT, and carries RTP
 * and RTCP between outside phones and the tunnel of the call's client.
 */
#include <string.h>

#include "call.h"
#include "config.h"
#include "hras_config.h"
#include "hras_sip.h"
#include "media.h"
#include "tunnel.h"
#include "vcit.h"

static void	hras_media_in(void *, uint32_t, int, const uint8_t *, size_t);
static void	hras_media_idle(void *, uint32_t);

/* Open the VCIT and the media relay. */
int
hras_media_init(struct hras *h)
{
	if ((h->vcit = vcit_new()) == NULL ||
	    (h->media = media_new(h->base, &h->conf->media, hras_media_in,
	    hras_media_idle, h)) == NULL)
		return -1;
	return 0;
}

/* End every call and close the relay (shutdown). */
void
hras_media_free(struct hras *h)
{
	if (h->vcit != NULL && h->media != NULL)
		call_end_all(&h->calls);
	media_free(h->media);
	vcit_free(h->vcit);
}

/* Voice from the tunnel, for a flow of one of this client's calls. */
void
hras_media_from_tunnel(struct hras *h, const char *client, unsigned int type,
    uint32_t flow, const uint8_t *data, size_t len)
{
	struct vcit_call	*c = vcit_find_flow(h->vcit, flow);

	/* A client reaches only the flows of its own calls. */
	if (c == NULL || strcmp(c->client, client) != 0)
		return;
	media_send(h->media, flow, type == FRAME_RTCP, data, len);
}

/* Voice from an outside phone: into the tunnel of the call's client. */
static void
hras_media_in(void *arg, uint32_t flow, int rtcp, const uint8_t *data,
    size_t len)
{
	struct hras		*h = arg;
	struct vcit_call	*c = vcit_find_flow(h->vcit, flow);

	if (c != NULL)
		hras_session_send(h, c->client, rtcp ? FRAME_RTCP : FRAME_RTP,
		    flow, data, len);
}

/* A call's media went quiet: the call may be over (call_idle). */
static void
hras_media_idle(void *arg, uint32_t flow)
{
	struct hras	*h = arg;

	call_idle(&h->calls, flow);
}
