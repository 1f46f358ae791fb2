/*
 * hras's half of the virtual SIP proxy (paper 3.1, 3.3): the domain's
 * registrar for the phones behind each client, the proxy the outside world
 * talks to, and the outside end of every call's media. To the outside it
 * is one proxy hop: its own Via, Record-Route and Contact and its public
 * address in SDP; nothing of the inside network shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <osipparser2/osip_port.h>

#include "config.h"
#include "hras.h"
#include "hras_config.h"
#include "hras_sip.h"
#include "log.h"
#include "media.h"
#include "resolve.h"
#include "siptr.h"
#include "tunnel.h"
#include "vcit.h"

#define DIRECT_PREFIX	"z9hG4bK-vofw-D"	/* inside call set up via hras */
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
static void	hras_sip_direct(struct hras *, const char *,
		    osip_message_t *);
static int	hras_sip_direct_response(struct hras *, const char *,
		    osip_message_t *);
static void	hras_sip_out(struct hras *, const char *, uint32_t,
		    osip_message_t *, const struct sip_addr *);
static void	hras_sip_resolve(struct hras *, const char *, uint32_t,
		    osip_message_t *, const osip_uri_t *, int);
static void	hras_sip_resolved(void *, int, const struct sip_addr *);
static int	hras_sip_upstream(struct hras *, osip_uri_t **);
static int	hras_sip_target_ok(struct hras *, const char *,
		    const osip_message_t *, struct sip_addr *);
static unsigned int hras_sip_pending_of(const struct hras *, const char *);
static int	hras_sip_same_tx(const osip_message_t *,
		    const osip_message_t *);
static void	hras_sip_pending_free(struct hras *, struct hras_pending *);
static void	hras_sip_refuse_call(struct hras *, const osip_message_t *,
		    int);
static void	hras_media_in(void *, uint32_t, int, const uint8_t *, size_t);
static void	hras_media_idle(void *, uint32_t);

/* Open the SIP listeners and the media relay. */
int
hras_sip_init(struct hras *h)
{
	hras_registrar_init(h);
	TAILQ_INIT(&h->pending);
	if (hras_topo_init(h) == -1)
		return -1;
	snprintf(h->rr_uri, sizeof(h->rr_uri), "sip:%s:%u;lr;vofw",
	    h->conf->sip.address, h->conf->sip.port);
	if ((h->vcit = vcit_new()) == NULL ||
	    (h->media = media_new(h->base, &h->conf->media, hras_media_in,
	    hras_media_idle, h)) == NULL ||
	    (h->sip = siptr_new(h->base, h->conf->sip.address,
	    h->conf->sip.port, hras_sip_recv, h)) == NULL ||
	    (h->resolver = resolver_new(h->base, h->conf->dns_server,
	    h->conf->dns_timeout)) == NULL || hras_limit_init(h) == -1)
		return -1;
	siptr_set_limits(h->sip, &h->conf->sip_tcp);
	h->calls.vcit = h->vcit;
	h->calls.media = h->media;
	snprintf(h->calls.media_addr, sizeof(h->calls.media_addr), "%s",
	    h->conf->media.address);
	h->calls.outside = 1;
	h->calls.high_bit = 0x80000000U;
	call_configure(&h->calls, &h->conf->media, h->conf->timer_c);
	return call_init(&h->calls, h->base);
}

/* Close everything SIP and media (shutdown). */
void
hras_sip_free(struct hras *h)
{
	struct hras_pending	*p;

	while ((p = TAILQ_FIRST(&h->pending)) != NULL)
		hras_sip_pending_free(h, p);
	resolver_free(h->resolver);
	if (h->vcit != NULL && h->media != NULL)
		call_end_all(&h->calls);
	hras_limit_free(h);
	siptr_free(h->sip);
	media_free(h->media);
	vcit_free(h->vcit);
	hras_registrar_free(h);
	hras_topo_free(h);
}

/* True when a domain is one this hras serves. */
int
hras_sip_served(const struct hras *h, const char *domain)
{
	size_t	 i;

	for (i = 0; i < h->conf->ndomains; i++)
		if (strcasecmp(h->conf->domains[i], domain) == 0)
			return 1;
	return 0;
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

	if (sip_via_received(m, from) == -1)
		return;
	switch (sip_max_forwards(m)) {
	case -1:
		siptr_reply(h->sip, m, 483, "too many hops");
		return;
	case -2:
		siptr_reply(h->sip, m, 400, "bad Max-Forwards");
		return;
	}
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
	} else if (m->req_uri->host != NULL && (hras_sip_served(h,
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

/*
 * An inside call set up through hras (inside_calls = "hras", paper 3.5):
 * both phones are this client's, so the INVITE goes back down the same
 * tunnel to the callee's binding with hras's Via only, no Record-Route
 * and SDP untouched; what follows the answer goes phone to phone.
 */
static void
hras_sip_direct(struct hras *h, const char *client, osip_message_t *m)
{
	const struct hras_binding	*b;
	char				 aor[256], hash[SIP_BRANCH_LEN];
	char				 branch[SIP_BRANCH_LEN + 70];
	struct sip_addr			 self;

	if (m->req_uri->host == NULL || !hras_sip_served(h, m->req_uri->host) ||
	    sip_uri_aor(m->req_uri, aor, sizeof(aor)) == -1) {
		hras_sip_reply_tunnel(h, client, m, 404);
		return;
	}
	/* Only the client's own phones: anything else is no inside call. */
	if ((b = hras_registrar_lookup(h, aor, NULL, client)) == NULL) {
		hras_sip_reply_tunnel(h, client, m, 404);
		return;
	}
	switch (sip_max_forwards(m)) {
	case -1:
		hras_sip_reply_tunnel(h, client, m, 483);
		return;
	case -2:
		hras_sip_reply_tunnel(h, client, m, 400);
		return;
	}
	snprintf(self.host, sizeof(self.host), "%s", h->conf->sip.address);
	self.port = h->conf->sip.port;
	self.tcp = 0;
	if (sip_branch(m, h->branch_key, sizeof(h->branch_key), hash) == -1 ||
	    (size_t)snprintf(branch, sizeof(branch), "%s%s.%s", DIRECT_PREFIX,
	    hash + strlen(HRAS_BRANCH_PREFIX), client) >= sizeof(branch) ||
	    sip_set_ruri(m, b->contact) == -1 ||
	    sip_via_push(m, &self, branch) == -1) {
		hras_sip_reply_tunnel(h, client, m, 500);
		return;
	}
	if (MSG_IS_INVITE(m))
		log_info("client %s: inside call %s set up through hras", client,
		    aor);
	hras_sip_to_tunnel(h, client, m, FRAME_FLOW_DIRECT);
}

/*
 * A response to a request hras_sip_direct passed on: 1 when it was one
 * (then it is back on its way to the caller, or dropped), 0 otherwise.
 */
static int
hras_sip_direct_response(struct hras *h, const char *client,
    osip_message_t *m)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*b;
	const char		*dot;

	if (via == NULL || via->host == NULL ||
	    strcmp(via->host, h->conf->sip.address) != 0 ||
	    (b = sip_param(&via->via_params, "branch")) == NULL ||
	    b->gvalue == NULL ||
	    strncmp(b->gvalue, DIRECT_PREFIX, strlen(DIRECT_PREFIX)) != 0)
		return 0;
	if ((dot = strchr(b->gvalue, '.')) == NULL ||
	    strcmp(dot + 1, client) != 0 || sip_via_pop(m) == -1) {
		log_info("client %s: response to another's inside call dropped",
		    client);
		return 1;
	}
	hras_sip_to_tunnel(h, client, m, FRAME_FLOW_DIRECT);
	return 1;
}

/* A SIP message from a client's tunnel: out to the world, or answered. */
void
hras_sip_from_tunnel(struct hras *h, const char *client, uint32_t flow,
    const uint8_t *data, size_t len)
{
	osip_message_t			*m, *r;
	osip_uri_t			*up;
	struct sip_addr			 to;
	const char			*why;
	int				 status, alias, chosen = 0;

	if (sip_parse((const char *)data, len, &m, &status, &why) == -1) {
		log_warnx("client %s: bad SIP from the tunnel: %s", client,
		    why);
		if (m != NULL)
			osip_message_free(m);
		return;
	}
	if (MSG_IS_RESPONSE(m)) {
		if (hras_sip_direct_response(h, client, m) == 1) {
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
		hras_sip_direct(h, client, m);
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
	/*
	 * Where to: a phone of a served domain (this company's or another's)
	 * is reached by handing the request to hras itself, as if it came
	 * from outside, so the call has a leg on each side; anything else
	 * goes to the R-URI's host (or where its alias says).
	 */
	if (m->req_uri->host != NULL && hras_sip_served(h, m->req_uri->host)) {
		snprintf(to.host, sizeof(to.host), "%s", h->conf->sip.address);
		to.port = h->conf->sip.port;
		to.tcp = 0;
		alias = 1;
		chosen = 1;
	} else if ((alias = hras_topo_alias_open(h, m->req_uri, &to)) == -1) {
		if (hras_limit_note())
			log_warnx("client %s: %s refused: an alias hras did not "
			    "make", client, m->sip_method);
		hras_sip_refuse_tunnel(h, client, m, 400, "Forged Alias");
		osip_message_free(m);
		return;
	}
	if (alias == 0 && sip_uri_target(m->req_uri, &to) == -1) {
		/*
		 * A name: to the next hop (upstream, itself resolved when
		 * it is a name), or where DNS says (RFC 3263).
		 */
		if (hras_sip_upstream(h, &up) == -1 ||
		    (up == NULL && m->req_uri->host == NULL)) {
			hras_sip_reply_tunnel(h, client, m, 404);
			osip_message_free(m);
			osip_uri_free(up);
			return;
		}
		if (up == NULL || sip_uri_target(up, &to) == -1) {
			hras_sip_resolve(h, client, flow, m, up != NULL ? up :
			    m->req_uri, up != NULL);
			osip_uri_free(up);
			return;
		}
		osip_uri_free(up);
		/* The configured next hop: the operator's choice. */
		chosen = 1;
	}
	if (chosen || hras_sip_target_ok(h, client, m, &to) == 0)
		hras_sip_out(h, client, flow, m, &to);
	osip_message_free(m);
}

/*
 * Whether a request from a client may go to an address its Request-URI,
 * an alias or DNS named (hras_limit_target); refused 403 when not.
 */
static int
hras_sip_target_ok(struct hras *h, const char *client,
    const osip_message_t *m, struct sip_addr *to)
{
	if (hras_limit_target(h, to) == 0)
		return 0;
	if (hras_limit_note())
		log_warnx("client %s: %s to %s:%u refused: not an address hras "
		    "sends requests to", client, m->sip_method, to->host,
		    to->port);
	hras_sip_refuse_tunnel(h, client, m, 403, "Target Not Allowed");
	return -1;
}

/*
 * The next hop for other domains (upstream, "host:port") as a SIP URI, or
 * NULL when there is none; -1 when it cannot be made.
 */
static int
hras_sip_upstream(struct hras *h, osip_uri_t **up)
{
	char	 uri[300];

	*up = NULL;
	if (h->conf->upstream == NULL)
		return 0;
	if ((size_t)snprintf(uri, sizeof(uri), "sip:%s", h->conf->upstream) >=
	    sizeof(uri) || osip_uri_init(up) != 0)
		return -1;
	if (osip_uri_parse(*up, uri) != 0) {
		osip_uri_free(*up);
		*up = NULL;
		return -1;
	}
	return 0;
}

/*
 * Send a request from a client's tunnel out to the world: its Vias sealed
 * into ours, our Record-Route for hrac's, Contacts as tokens, SDP on our
 * public ports; answered into the tunnel when that cannot be done.
 */
static void
hras_sip_out(struct hras *h, const char *client, uint32_t flow,
    osip_message_t *m, const struct sip_addr *to)
{
	char	 branch[SIP_BRANCH_LEN + HRAS_VIA_SEALED_MAX + 70];
	int	 status = 0;

	if (hras_topo_via_hide(h, m, client, branch, sizeof(branch)) == -1) {
		hras_sip_reply_tunnel(h, client, m, 500);
		return;
	}
	if (sip_via_push(m, siptr_self(h->sip, to->tcp), branch) == -1 ||
	    sip_rr_swap(m, h->rr_uri, SIP_RR_FIRST) == -1 ||
	    hras_topo_rr_hide(h, m, 1) == -1 ||
	    hras_topo_contact_out(h, client, m) == -1 ||
	    call_to_own_side(&h->calls, m, flow, client, &status) == -1) {
		hras_sip_reply_tunnel(h, client, m, status == 481 ? 481 : 488);
		return;
	}
	call_track(&h->calls, m, client);
	if (siptr_send_msg(h->sip, m, to) == -1)
		log_info("client %s: cannot send %s to %s:%u", client,
		    m->sip_method, to->host, to->port);
}

/*
 * A request to a domain named in its R-URI, with no upstream: it waits
 * for DNS (RFC 3263), then goes out as any other. A retransmission of a
 * waiting request is dropped; a CANCEL of a waiting INVITE is answered
 * here, 200 for it and 487 for the INVITE, which never leaves.
 */
static void
hras_sip_resolve(struct hras *h, const char *client, uint32_t flow,
    osip_message_t *m, const osip_uri_t *target, int upstream)
{
	struct hras_pending	*p;
	char			 callid[256];
	int			 status;

	TAILQ_FOREACH(p, &h->pending, entry)
		if (strcmp(p->client, client) == 0 &&
		    hras_sip_same_tx(p->m, m))
			break;
	if (p != NULL) {
		if (MSG_IS_CANCEL(m) && MSG_IS_INVITE(p->m)) {
			log_info("client %s: INVITE to %s cancelled while "
			    "waiting for DNS", client, m->req_uri->host);
			hras_sip_reply_tunnel(h, client, m, 200);
			hras_sip_reply_tunnel(h, client, p->m, 487);
			hras_sip_pending_free(h, p);
		}
		osip_message_free(m);
		return;
	}
	if (h->npending >= HRAS_PENDING_MAX || hras_sip_pending_of(h,
	    client) >= (unsigned int)h->conf->limits.lookups ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		if (hras_limit_note())
			log_warnx("client %s: %s to %s refused: %u of its "
			    "requests (%u in all) wait for DNS", client,
			    m->sip_method, m->req_uri->host,
			    hras_sip_pending_of(h, client), h->npending);
		hras_sip_reply_tunnel(h, client, m, 503);
		osip_message_free(m);
		return;
	}
	p->h = h;
	p->m = m;
	p->flow = flow;
	p->upstream = upstream;
	snprintf(p->client, sizeof(p->client), "%s", client);
	/* The Call-ID as key: a call's requests reach the same server. */
	if ((p->rq = resolve_sip_uri(h->resolver, target,
	    sip_call_id(m, callid, sizeof(callid)), hras_sip_resolved, p)) ==
	    NULL) {
		/* No TLS here: sips: is a scheme hras cannot serve. */
		status = errno != EINVAL ? 503 :
		    strcasecmp(target->scheme, "sips") == 0 ? 416 : 404;
		log_info("client %s: %s to %s: cannot resolve (%d)", client,
		    m->sip_method, target->host, status);
		hras_sip_reply_tunnel(h, client, m, status);
		osip_message_free(m);
		free(p);
		return;
	}
	TAILQ_INSERT_TAIL(&h->pending, p, entry);
	h->npending++;
}

/* The DNS answer for a waiting request: out it goes, or it is answered. */
static void
hras_sip_resolved(void *arg, int error, const struct sip_addr *to)
{
	struct hras_pending	*p = arg;
	struct hras		*h = p->h;
	struct sip_addr		 addr;

	p->rq = NULL;
	if (error == RESOLVE_OK) {
		addr = *to;
		if (p->upstream || hras_sip_target_ok(h, p->client, p->m,
		    &addr) == 0)
			hras_sip_out(h, p->client, p->flow, p->m, &addr);
	} else if (!MSG_IS_ACK(p->m)) {
		log_info("client %s: %s to %s: %s", p->client,
		    p->m->sip_method, p->m->req_uri->host,
		    error == RESOLVE_ENOTFOUND ? "no SIP server in DNS" :
		    "DNS failed");
		hras_sip_reply_tunnel(h, p->client, p->m,
		    error == RESOLVE_ENOTFOUND ? 404 : 503);
	}
	hras_sip_pending_free(h, p);
}

/* Whether b retransmits or cancels the waiting request a: same branch. */
static int
hras_sip_same_tx(const osip_message_t *a, const osip_message_t *b)
{
	const osip_via_t		*va = osip_list_get(&a->vias, 0);
	const osip_via_t		*vb = osip_list_get(&b->vias, 0);
	const osip_generic_param_t	*ba, *bb;

	if (va == NULL || vb == NULL ||
	    (ba = sip_param(&va->via_params, "branch")) == NULL ||
	    (bb = sip_param(&vb->via_params, "branch")) == NULL ||
	    ba->gvalue == NULL || bb->gvalue == NULL ||
	    strcmp(ba->gvalue, bb->gvalue) != 0)
		return 0;
	return strcmp(a->sip_method, b->sip_method) == 0 ||
	    (MSG_IS_CANCEL(b) && MSG_IS_INVITE(a));
}

/* How many requests of a client wait for DNS. */
static unsigned int
hras_sip_pending_of(const struct hras *h, const char *client)
{
	const struct hras_pending	*p;
	unsigned int			 n = 0;

	TAILQ_FOREACH(p, &h->pending, entry)
		if (strcmp(p->client, client) == 0)
			n++;
	return n;
}

/* Forget a waiting request, and its lookup if it still runs. */
static void
hras_sip_pending_free(struct hras *h, struct hras_pending *p)
{
	resolve_cancel(p->rq);
	TAILQ_REMOVE(&h->pending, p, entry);
	h->npending--;
	osip_message_free(p->m);
	free(p);
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
