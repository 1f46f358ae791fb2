/*
 * Calls as one half sees them (see call.h). A call is found by its
 * Call-ID; its streams by flow id = base + index of the m= line. The half
 * that first sees a call's SDP from its own side picks the flow base; the
 * other half learns it from the SIP frame that carries the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <osipparser2/osip_port.h>

#include "call.h"
#include "log.h"
#include "media.h"
#include "sdp.h"
#include "sip.h"
#include "vcit.h"

static struct vcit_call *call_get(struct call_ctx *, const osip_message_t *,
		    uint32_t, const char *, int *, int *);
static struct vcit_call *call_find(struct call_ctx *, const osip_message_t *,
		    const char *);
static void	call_note(struct vcit_stream *, const struct sdp_stream *, int);
static int	call_open_stream(struct call_ctx *, struct vcit_call *, int);
static void	call_uri(const osip_uri_t *, char *, size_t);
static void	call_end_one(struct vcit_call *, void *);
static void	call_hold(struct vcit_call *, const struct sdp_info *);

/* A URI as text for the VCIT's From and To columns. */
static void
call_uri(const osip_uri_t *u, char *buf, size_t len)
{
	char	*s;

	buf[0] = '\0';
	if (u != NULL && osip_uri_to_str(u, &s) == 0) {
		snprintf(buf, len, "%s", s);
		osip_free(s);
	}
}

/*
 * The call a message belongs to, added to the VCIT when new (*created
 * set): with the given flow base, or a fresh one of this half's when base
 * is 0. NULL with *status: out of room (503), the Call-ID is another
 * client's call (403: one client never touches another's calls), or that
 * of a call answered and ended moments ago (481: a late copy).
 */
static struct vcit_call *
call_get(struct call_ctx *cx, const osip_message_t *m, uint32_t base,
    const char *client, int *created, int *status)
{
	struct vcit_call	*c;
	char			 cid[256];

	*created = 0;
	sip_call_id(m, cid, sizeof(cid));
	if ((c = vcit_find(cx->vcit, cid)) != NULL) {
		if (client != NULL && strcmp(c->client, client) != 0) {
			log_warnx("client %s: call %s belongs to client %s",
			    client, cid, c->client);
			*status = 403;
			return NULL;
		}
		return c;
	}
	if (vcit_buried(cx->vcit, cid)) {
		log_info("call %s: ended already; late message with SDP "
		    "dropped", cid);
		*status = 481;
		return NULL;
	}
	if ((base == 0 && (base = vcit_flow_alloc(cx->vcit,
	    cx->high_bit)) == 0) || (c = vcit_add(cx->vcit, cid, base)) ==
	    NULL) {
		*status = 503;
		return NULL;
	}
	call_uri(m->from->url, c->from, sizeof(c->from));
	call_uri(m->to->url, c->to, sizeof(c->to));
	if (client != NULL)
		snprintf(c->client, sizeof(c->client), "%s", client);
	c->created = time(NULL);
	*created = 1;
	log_info("call %s: %s -> %s (flows %08x)", cid, c->from, c->to,
	    c->flow_base);
	return c;
}

/* The call of a message, if any and if it is this client's. */
static struct vcit_call *
call_find(struct call_ctx *cx, const osip_message_t *m, const char *client)
{
	struct vcit_call	*c;
	char			 cid[256];

	c = vcit_find(cx->vcit, sip_call_id(m, cid, sizeof(cid)));
	if (c == NULL || (client != NULL && strcmp(c->client, client) != 0))
		return NULL;
	return c;
}

/* Note a terminal's address in the VCIT: outside (OIP) or inside (IIP). */
static void
call_note(struct vcit_stream *st, const struct sdp_stream *sd, int outside)
{
	if (outside) {
		snprintf(st->oaddr, sizeof(st->oaddr), "%s", sd->addr);
		st->oport = sd->port;
	} else {
		snprintf(st->iaddr, sizeof(st->iaddr), "%s", sd->addr);
		st->iport = sd->port;
	}
}

/* Make sure stream i has this half's relay ports. */
static int
call_open_stream(struct call_ctx *cx, struct vcit_call *c, int i)
{
	struct vcit_stream	*st = &c->stream[i];

	st->flow = c->flow_base + (uint32_t)i;
	if (st->mf == NULL && (st->mf = media_flow_open(cx->media,
	    st->flow)) == NULL)
		return -1;
	if (i >= c->nstreams)
		c->nstreams = i + 1;
	return 0;
}

/*
 * SDP from this half's own terminal: note where it wants each stream's
 * media and open relay ports for it. *flow_base is the call's base for the
 * SIP frame (0 when the message has no SDP and no call).
 */
int
call_from_own_side(struct call_ctx *cx, const osip_message_t *m,
    const char *client, uint32_t *flow_base, int *status)
{
	struct vcit_call	*c;
	struct vcit_stream	*st;
	struct sdp_info		 info;
	const char		*body, *why;
	size_t			 len;
	char			 cid[256];
	int			 i, created;

	*flow_base = 0;
	if (sip_body(m, &body, &len) == -1) {
		if ((c = call_find(cx, m, client)) != NULL)
			*flow_base = c->flow_base;
		return 0;
	}
	if (sdp_inspect(body, len, &info, &why) == -1) {
		log_info("call %s: unusable SDP: %s", sip_call_id(m, cid,
		    sizeof(cid)), why);
		*status = 488;
		return -1;
	}
	if ((c = call_get(cx, m, 0, client, &created, status)) == NULL)
		return -1;
	*flow_base = c->flow_base;
	call_hold(c, &info);
	for (i = 0; i < info.nstreams; i++) {
		if (info.stream[i].port == 0)
			continue;
		if (call_open_stream(cx, c, i) == -1) {
			*status = 503;
			goto refused;
		}
		st = &c->stream[i];
		call_note(st, &info.stream[i], cx->outside);
		if (!info.stream[i].hold &&
		    media_flow_set_peer(st->mf, info.stream[i].addr,
		    info.stream[i].port, info.stream[i].rtcp_port,
		    cx->outside) == -1) {
			*status = 488;
			goto refused;
		}
	}
	return 0;
refused:
	/* A call this message would have started does not stay behind. */
	if (created)
		call_end(cx, c, "refused");
	return -1;
}

/*
 * SDP going to this half's own terminal: rewrite it so that every stream
 * comes to this half's relay ports, and note the far side's addresses in
 * the VCIT.
 */
int
call_to_own_side(struct call_ctx *cx, osip_message_t *m, uint32_t flow_base,
    const char *client, int *status)
{
	struct vcit_call	*c;
	struct vcit_stream	*st;
	struct sdp_info		 info;
	const char		*body, *why;
	char			*out, cid[256];
	size_t			 len, outlen;
	uint16_t		 ports[SDP_STREAMS_MAX];
	int			 i, created;

	if (sip_body(m, &body, &len) == -1)
		return 0;
	if (sdp_inspect(body, len, &info, &why) == -1) {
		log_info("call %s: unusable SDP: %s", sip_call_id(m, cid,
		    sizeof(cid)), why);
		*status = 488;
		return -1;
	}
	if ((c = call_get(cx, m, flow_base, client, &created, status)) == NULL)
		return -1;
	call_hold(c, &info);
	memset(ports, 0, sizeof(ports));
	for (i = 0; i < info.nstreams; i++) {
		if (info.stream[i].port == 0)
			continue;
		if (call_open_stream(cx, c, i) == -1) {
			*status = 503;
			goto refused;
		}
		st = &c->stream[i];
		ports[i] = media_flow_port(st->mf);
		call_note(st, &info.stream[i], !cx->outside);
	}
	if (sdp_rewrite(body, len, cx->media_addr, ports, info.nstreams, &out,
	    &outlen, &why) == -1) {
		log_info("call %s: cannot rewrite SDP: %s", c->call_id, why);
		*status = 488;
		goto refused;
	}
	if (sip_set_body(m, out, outlen) == -1) {
		free(out);
		*status = 500;
		goto refused;
	}
	free(out);
	return 0;
refused:
	if (created)
		call_end(cx, c, "refused");
	return -1;
}

/*
 * Follow a call's life from the messages that end it: BYE, CANCEL, a
 * final failure to its INVITE. A 2xx to the INVITE marks it established.
 */
void
call_track(struct call_ctx *cx, const osip_message_t *m, const char *client)
{
	struct vcit_call	*c;
	int			 i;

	if ((c = call_find(cx, m, client)) == NULL)
		return;
	if (MSG_IS_REQUEST(m)) {
		if (MSG_IS_BYE(m))
			call_end(cx, c, "BYE");
		else if (MSG_IS_CANCEL(m))
			call_end(cx, c, "CANCEL");
		return;
	}
	if (strcmp(m->cseq->method, "INVITE") != 0)
		return;
	if (MSG_IS_STATUS_2XX(m)) {
		/*
		 * Silence while it rang does not count: an idle report then
		 * was ignored, and media_tick makes it only once.
		 */
		if (!c->established)
			for (i = 0; i < c->nstreams; i++)
				if (c->stream[i].mf != NULL)
					media_flow_restart_idle(
					    c->stream[i].mf);
		c->established = 1;
	} else if (m->status_code >= 300 && !c->established)
		call_end(cx, c, "INVITE failed");
}

/*
 * Note whether the call's latest SDP (offer or answer, either side) puts it
 * on hold: a stream with c=0.0.0.0 or one that is not sendrecv. Phones on
 * hold may send nothing for as long as the hold lasts. When the call is
 * taken off hold its silence is timed afresh.
 */
static void
call_hold(struct vcit_call *c, const struct sdp_info *info)
{
	int	 i, held = 0;

	for (i = 0; i < info->nstreams; i++)
		if (info->stream[i].port != 0 && (info->stream[i].hold ||
		    info->stream[i].direction != SDP_SENDRECV))
			held = 1;
	if (c->held && !held)
		for (i = 0; i < c->nstreams; i++)
			if (c->stream[i].mf != NULL)
				media_flow_restart_idle(c->stream[i].mf);
	c->held = held;
}

/*
 * A flow went quiet for media.timeout: its call is over if it was answered
 * and is not on hold (a phone that vanished never sends its BYE).
 */
void
call_idle(struct call_ctx *cx, uint32_t flow)
{
	struct vcit_call	*c = vcit_find_flow(cx->vcit, flow);

	if (c != NULL && c->established && !c->held)
		call_end(cx, c, "no media");
}

/*
 * A request this half answered itself with a final failure after its SDP
 * was taken (the tunnel refused it): the INVITE is never passed on, so
 * nothing would ever end the call it started. An established call, whose
 * re-INVITE it was, stays.
 */
void
call_refused(struct call_ctx *cx, const osip_message_t *m,
    const char *client)
{
	struct vcit_call	*c;

	if (MSG_IS_INVITE(m) && (c = call_find(cx, m, client)) != NULL &&
	    !c->established)
		call_end(cx, c, "INVITE refused");
}

/* Close a call's relay ports and forget it. */
void
call_end(struct call_ctx *cx, struct vcit_call *c, const char *why)
{
	int	 i;

	log_info("call %s ended: %s", c->call_id, why);
	/* Only an answered call: an INVITE refused (401, 3xx) may be sent
	 * again with the same Call-ID. */
	if (c->established)
		vcit_bury(cx->vcit, c);
	for (i = 0; i < c->nstreams; i++)
		if (c->stream[i].mf != NULL)
			media_flow_close(cx->media, c->stream[i].mf);
	vcit_del(cx->vcit, c);
}

/* The call a flow belongs to ends (its media went quiet). */
void
call_end_flow(struct call_ctx *cx, uint32_t flow, const char *why)
{
	struct vcit_call	*c;

	if ((c = vcit_find_flow(cx->vcit, flow)) != NULL)
		call_end(cx, c, why);
}

/* Visitor for call_end_all. */
static void
call_end_one(struct vcit_call *c, void *arg)
{
	call_end(arg, c, "shutting down");
}

/* End every call (shutdown). */
void
call_end_all(struct call_ctx *cx)
{
	vcit_foreach(cx->vcit, call_end_one, cx);
}
