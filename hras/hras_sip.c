/*
 * hras's half of the virtual SIP proxy (paper 3.1, 3.3): the proxy the
 * outside world talks to and the SIP end of every client's tunnel. It
 * takes each message in, from outside or from a tunnel, and hands it to
 * the part whose job it is: the registrar (hras_registrar.c), topology
 * hiding (hras_topo.c), routing (hras_route.c), the calls' media
 * (hras_media.c). To the outside it is one proxy hop: its own Via,
 * Record-Route and Contact and its public address in SDP; nothing of the
 * inside network shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>

#include "clock.h"
#include "config.h"
#include "hras.h"
#include "hras_config.h"
#include "hras_sip.h"
#include "log.h"
#include "siptr.h"
#include "tunnel.h"

#define LEG_MARK	"-vofw2"	/* Call-ID of a call's second leg */

static void	hras_sip_recv(void *, osip_message_t *,
		    const struct sip_addr *);
static void	hras_sip_request(struct hras *, osip_message_t *,
		    const struct sip_addr *);
static void	hras_sip_response(struct hras *, osip_message_t *,
		    const struct sip_addr *);
static const char *hras_sip_domain_client(const struct hras *,
		    const char *);
static int	hras_sip_self(const struct hras *, const struct sip_addr *);
static int	hras_sip_leg_cross(osip_message_t *);
static void	hras_sip_refuse_call(struct hras *, const osip_message_t *,
		    int);

/* Open the SIP listeners and the media relay. */
int
hras_sip_init(struct hras *h)
{
	hras_registrar_init(h);
	if (hras_route_init(h) == -1 || hras_topo_init(h) == -1)
		return -1;
	snprintf(h->rr_uri, sizeof(h->rr_uri), "sip:%s:%u;lr;vofw",
	    h->conf->sip.address, h->conf->sip.port);
	if (hras_media_init(h) == -1 ||
	    (h->sip = siptr_new(h->base, h->conf->sip.address,
	    h->conf->sip.port, hras_sip_recv, h)) == NULL ||
	    hras_limit_init(h) == -1)
		return -1;
	siptr_set_limits(h->sip, &h->conf->sip_tcp);
	h->calls.vcit = h->vcit;
	h->calls.media = h->media;
	snprintf(h->calls.media_addr, sizeof(h->calls.media_addr), "%s",
	    h->conf->media.address);
	h->calls.outside = 1;
	h->calls.high_bit = 0x80000000U;
	call_configure(&h->calls, &h->conf->media, h->conf->timer_c);
	h->calls.rtt = hras_session_rtt;
	h->calls.rtt_arg = h;
	return call_init(&h->calls, h->base);
}

/* Close everything SIP and media (shutdown). */
void
hras_sip_free(struct hras *h)
{
	hras_route_free(h);
	hras_media_free(h);
	hras_limit_free(h);
	siptr_free(h->sip);
	hras_registrar_free(h);
	hras_topo_free(h);
}

/* The client whose company a served domain is. */
static const char *
hras_sip_domain_client(const struct hras *h, const char *domain)
{
	const struct config_client	*cl;
	size_t				 i, j;

	for (i = 0; i < h->conf->nclients; i++) {
		cl = &h->conf->clients[i];
		for (j = 0; j < cl->ndomains; j++)
			if (strcasecmp(cl->domains[j], domain) == 0)
				return cl->id;
	}
	return NULL;
}

/* A message hras sent to its own SIP address (over UDP). */
static int
hras_sip_self(const struct hras *h, const struct sip_addr *a)
{
	return !a->tcp && a->port == h->conf->sip.port &&
	    strcmp(a->host, h->conf->sip.address) == 0;
}

/*
 * A call between two phones behind clients (two companies, or one company
 * with inside_calls = "off") crosses hras twice: out of the caller's
 * tunnel as to an outside phone, then, sent by hras to itself, in as from
 * one. Each leg is a call of its own with its own relay ports; the second
 * leg's Call-ID carries a mark so that both legs can sit in one VCIT (and
 * one hrac's). Every message hras hands itself crosses from one leg to
 * the other: the mark is added or taken off.
 */
static int
hras_sip_leg_cross(osip_message_t *m)
{
	size_t	 len, mlen = strlen(LEG_MARK);
	char	*n, *s;

	if (m->call_id == NULL || (n = m->call_id->number) == NULL)
		return -1;
	len = strlen(n);
	if (len > mlen && strcmp(n + len - mlen, LEG_MARK) == 0) {
		n[len - mlen] = '\0';
		return 0;
	}
	if ((s = osip_malloc(len + mlen + 1)) == NULL)
		return -1;
	memcpy(s, n, len);
	memcpy(s + len, LEG_MARK, mlen + 1);
	osip_free(n);
	m->call_id->number = s;
	return 0;
}

/* Serialize and hand a message to a client's tunnel. */
int
hras_sip_to_tunnel(struct hras *h, const char *client, osip_message_t *m,
    uint32_t flow)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (sip_serialize(m, &buf, &len) == -1)
		return -1;
	rc = hras_session_send(h, client, FRAME_SIP, flow, buf, len);
	osip_free(buf);
	return rc;
}

/* Answer a request that came through a client's tunnel. */
void
hras_sip_reply_tunnel(struct hras *h, const char *client,
    const osip_message_t *req, int status)
{
	hras_sip_refuse_tunnel(h, client, req, status, NULL);
}

/* The same with a reason phrase saying what was wrong. */
void
hras_sip_refuse_tunnel(struct hras *h, const char *client,
    const osip_message_t *req, int status, const char *reason)
{
	osip_message_t	*r;

	if (MSG_IS_ACK(req) || (r = sip_reply(req, status, reason)) == NULL)
		return;
	hras_sip_to_tunnel(h, client, r, 0);
	osip_message_free(r);
}

/* A message from the outside world, parsed and checked. */
static void
hras_sip_recv(void *arg, osip_message_t *m, const struct sip_addr *from)
{
	struct hras	*h = arg;

	if (hras_sip_self(h, from) && hras_sip_leg_cross(m) == -1)
		return;
	if (MSG_IS_REQUEST(m))
		hras_sip_request(h, m, from);
	else
		hras_sip_response(h, m, from);
}

/* A request from the outside: for an inside phone, or refused. */
static void
hras_sip_request(struct hras *h, osip_message_t *m,
    const struct sip_addr *from)
{
	const struct hras_binding	*b;
	const char			*cid;
	char				 aor[256], client[65], contact[512];
	uint32_t			 flow;
	int				 status;

	if (siptr_hop(h->sip, m, from) == -1)
		return;
	hras_topo_route_pop(h, m, 1);
	if (MSG_IS_REGISTER(m)) {
		siptr_reply(h->sip, m, 403, "outsiders cannot register");
		return;
	}
	/* A request to one of our Contact tokens: an inside dialog. */
	if (m->req_uri->username != NULL &&
	    strncmp(m->req_uri->username, HRAS_TOKEN_PREFIX,
	    strlen(HRAS_TOKEN_PREFIX)) == 0 && hras_topo_ours(m->req_uri, h)) {
		if (hras_topo_token_open(h, m->req_uri->username, client,
		    sizeof(client), contact, sizeof(contact)) == -1 ||
		    sip_set_ruri(m, contact) == -1) {
			siptr_reply(h->sip, m, 404, "unknown contact token");
			return;
		}
	} else if (MSG_IS_OPTIONS(m) && m->req_uri->username == NULL &&
	    hras_topo_ours(m->req_uri, h)) {
		siptr_reply(h->sip, m, 200, NULL);
		return;
	} else if (m->req_uri->host != NULL && (hras_config_serves(h->conf,
	    m->req_uri->host) || (m->req_uri->username != NULL &&
	    hras_topo_ours(m->req_uri, h)))) {
		/*
		 * user@domain, or user@hras as phones dialling an IP send: to
		 * the phone's binding; with none, to the company's client as
		 * it is (its hrac answers, or hands it to its inside proxy).
		 */
		if (sip_uri_aor(m->req_uri, aor, sizeof(aor)) == -1) {
			siptr_reply(h->sip, m, 404, "no such user");
			return;
		}
		if ((b = hras_registrar_lookup(h, aor, NULL, NULL)) != NULL) {
			snprintf(client, sizeof(client), "%s", b->client);
			if (sip_set_ruri(m, b->contact) == -1) {
				siptr_reply(h->sip, m, 500, "bad binding");
				return;
			}
		} else if ((cid = hras_sip_domain_client(h,
		    m->req_uri->host)) != NULL)
			snprintf(client, sizeof(client), "%s", cid);
		else {
			siptr_reply(h->sip, m, 404, "no such user");
			return;
		}
	} else {
		siptr_reply(h->sip, m, 403, "not a relay for other domains");
		return;
	}
	if (!hras_client_up(h, client)) {
		siptr_reply(h->sip, m, 480, "tunnel down");
		return;
	}
	if (MSG_IS_INVITE(m))
		siptr_reply(h->sip, m, 100, NULL);
	/* The second leg of a call hras hands itself counts for no source. */
	if (call_from_own_side(&h->calls, m, client, hras_sip_self(h, from) ?
	    NULL : from->host, &flow, &status) == -1) {
		hras_sip_refuse_call(h, m, status);
		return;
	}
	/* Dialog-forming requests record us on the route. */
	if (hras_topo_alias_mark(h, m, from) == -1 ||
	    ((MSG_IS_INVITE(m) || MSG_IS_SUBSCRIBE(m) || MSG_IS_REFER(m)) &&
	    sip_rr_push(m, h->rr_uri) == -1)) {
		siptr_reply(h->sip, m, 500, "out of memory");
		call_refused(&h->calls, m, client);
		return;
	}
	call_track(&h->calls, m, client);
	if (hras_sip_to_tunnel(h, client, m, flow) == -1) {
		siptr_reply(h->sip, m, 503, "tunnel queue full");
		call_refused(&h->calls, m, client);
	}
}

/* A response from the outside to a request we forwarded out. */
static void
hras_sip_response(struct hras *h, osip_message_t *m,
    const struct sip_addr *from)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*b;
	char			 client[65], sealed[HRAS_VIA_SEALED_MAX];
	uint32_t		 flow;
	int			 status;

	/* A 100 is hop by hop: the inside phone had its own from hrac. */
	if (m->status_code == 100)
		return;
	/*
	 * hras is the registrar and never sends a REGISTER out: an answer to
	 * one from outside is forged, and would teach hrac bindings.
	 */
	if (m->cseq == NULL || m->cseq->method == NULL ||
	    strcasecmp(m->cseq->method, "REGISTER") == 0) {
		if (hras_limit_note())
			log_info("response to a REGISTER from %s:%u dropped",
			    from->host, from->port);
		return;
	}
	/* Our branch names the client and holds the inside Vias. */
	if (via == NULL || via->host == NULL ||
	    strcmp(via->host, h->conf->sip.address) != 0 ||
	    (b = sip_param(&via->via_params, "branch")) == NULL ||
	    b->gvalue == NULL || hras_topo_branch_split(b->gvalue, sealed,
	    sizeof(sealed), client, sizeof(client)) == -1 ||
	    hras_config_client(h->conf, client) == NULL) {
		log_debug("response not for us; dropped");
		return;
	}
	if (sip_via_pop(m) != -1 || osip_list_size(&m->vias) != 0) {
		log_debug("response with Vias under ours; dropped");
		return;
	}
	if (hras_topo_via_restore(h, m, sealed) == -1) {
		log_info("response with a branch we cannot open; dropped");
		return;
	}
	if (hras_topo_rr_restore(h, m) == -1) {
		log_info("response with a Record-Route we cannot restore; "
		    "dropped");
		return;
	}
	if (hras_topo_alias_mark(h, m, from) == -1)
		return;
	if (call_from_own_side(&h->calls, m, client, from->host, &flow,
	    &status) == -1) {
		if (status == 481)
			return;
		log_info("response with unusable SDP passed on as is");
	}
	call_track(&h->calls, m, client);
	hras_sip_to_tunnel(h, client, m, flow);
}

/* A SIP message from a client's tunnel: out to the world, or answered. */
void
hras_sip_from_tunnel(struct hras *h, const char *client, uint32_t flow,
    const uint8_t *data, size_t len)
{
	osip_message_t	*m, *r;
	struct sip_addr	 to;
	const char	*why;
	int		 status;

	if (sip_parse((const char *)data, len, &m, &status, &why) == -1) {
		log_warnx("client %s: bad SIP from the tunnel: %s", client,
		    why);
		if (m != NULL)
			osip_message_free(m);
		return;
	}
	if (MSG_IS_RESPONSE(m)) {
		if (hras_route_direct_response(h, client, m) == 1) {
			osip_message_free(m);
			return;
		}
		/*
		 * A Contact the outside could not send to: a final answer
		 * goes on as 502 (RFC 3261 21.5.3) with none of the
		 * original's Contacts, routes or SDP; a provisional one is
		 * dropped.
		 */
		if (!hras_topo_contacts_usable(m)) {
			log_warnx("client %s: %d with an unusable Contact", client,
			    m->status_code);
			r = m->status_code >= 200 ? sip_reply(m, 502,
			    "Unusable Contact") : NULL;
			osip_message_free(m);
			if ((m = r) == NULL)
				return;
		}
		/* To an outside request: rewrite and follow its Via. */
		if (sip_rr_swap(m, h->rr_uri, SIP_RR_FIRST) == -1 ||
		    hras_topo_rr_hide(h, m, 0) == -1 ||
		    hras_topo_contact_out(h, client, m) == -1 ||
		    call_to_own_side(&h->calls, m, flow, client, &status) == -1 ||
		    sip_via_target(m, &to) == -1)
			log_info("client %s: response not passed on", client);
		else {
			call_track(&h->calls, m, client);
			siptr_send_msg(h->sip, m, &to);
		}
		osip_message_free(m);
		return;
	}
	if (MSG_IS_REGISTER(m)) {
		hras_registrar_register(h, client, m);
		osip_message_free(m);
		return;
	}
	if (flow == FRAME_FLOW_DIRECT) {
		hras_route_direct(h, client, m);
		osip_message_free(m);
		return;
	}
	if (!hras_topo_contacts_usable(m)) {
		log_warnx("client %s: %s refused: unusable Contact", client,
		    m->sip_method);
		hras_sip_refuse_tunnel(h, client, m, 400, "Unusable Contact");
		osip_message_free(m);
		return;
	}
	hras_topo_route_pop(h, m, 0);
	hras_route_request(h, client, flow, m);
}

/*
 * Answer an outside request whose SDP was refused: a 503 for a cap or no
 * ports says when to try again (RFC 3261 21.5.4). Refusals by a cap were
 * logged, rate-limited, by call.c.
 */
static void
hras_sip_refuse_call(struct hras *h, const osip_message_t *m, int status)
{
	osip_message_t	*r;
	struct sip_addr	 to;
	char		 after[16];

	if (MSG_IS_ACK(m) || (r = sip_reply(m, status, NULL)) == NULL)
		return;
	snprintf(after, sizeof(after), "%d", CALL_RETRY_AFTER);
	if ((status != 503 || osip_message_set_header(r, "Retry-After",
	    after) == 0) && sip_via_target(r, &to) == 0)
		siptr_send_msg(h->sip, r, &to);
	osip_message_free(r);
}
