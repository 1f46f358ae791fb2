/*
 * hras's routing decisions (paper 3.1, 3.5): where a request from a
 * client's tunnel goes once it is hras's to send. A phone of a served
 * domain is reached through hras itself; another domain through the
 * configured next hop or DNS (RFC 3263), a request waiting for its lookup
 * meanwhile; an alias or DNS answer only to an address hras may send to.
 * An inside call set up through hras goes straight back down the tunnel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "call.h"
#include "config.h"
#include "hras_config.h"
#include "hras_sip.h"
#include "log.h"
#include "resolve.h"
#include "siptr.h"
#include "tunnel.h"

#define DIRECT_PREFIX	"z9hG4bK-vofw-D"	/* inside call set up via hras */

static void	hras_route_out(struct hras *, const char *, uint32_t,
		    osip_message_t *, const struct sip_addr *);
static void	hras_route_resolve(struct hras *, const char *, uint32_t,
		    osip_message_t *, const osip_uri_t *, int);
static void	hras_route_resolved(void *, int, const struct sip_addr *);
static int	hras_route_upstream(struct hras *, osip_uri_t **);
static int	hras_route_target_ok(struct hras *, const char *,
		    const osip_message_t *, struct sip_addr *);
static unsigned int hras_route_pending_of(const struct hras *, const char *);
static int	hras_route_same_tx(const osip_message_t *,
		    const osip_message_t *);
static void	hras_route_pending_free(struct hras *, struct hras_pending *);

/* Start with no request waiting, and open the DNS resolver. */
int
hras_route_init(struct hras *h)
{
	TAILQ_INIT(&h->pending);
	if ((h->resolver = resolver_new(h->base, h->conf->dns_server,
	    h->conf->dns_timeout)) == NULL)
		return -1;
	return 0;
}

/* Drop the requests waiting for DNS and close the resolver (shutdown). */
void
hras_route_free(struct hras *h)
{
	struct hras_pending	*p;

	while ((p = TAILQ_FIRST(&h->pending)) != NULL)
		hras_route_pending_free(h, p);
	resolver_free(h->resolver);
}

/*
 * An inside call set up through hras (inside_calls = "hras", paper 3.5):
 * both phones are this client's, so the INVITE goes back down the same
 * tunnel to the callee's binding with hras's Via only, no Record-Route
 * and SDP untouched; what follows the answer goes phone to phone.
 */
void
hras_route_direct(struct hras *h, const char *client, osip_message_t *m)
{
	const struct hras_binding	*b;
	char				 aor[256], hash[SIP_BRANCH_LEN];
	char				 branch[SIP_BRANCH_LEN + 70];
	struct sip_addr			 self;

	if (m->req_uri->host == NULL || !hras_config_serves(h->conf,
	    m->req_uri->host) ||
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
 * A response to a request hras_route_direct passed on: 1 when it was one
 * (then it is back on its way to the caller, or dropped), 0 otherwise.
 */
int
hras_route_direct_response(struct hras *h, const char *client,
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

/*
 * Send a request from a client's tunnel on its way, or answer it: to
 * hras itself, an alias's address, the Request-URI's, the next hop, or
 * where DNS says. m is freed, or kept by a DNS lookup.
 */
void
hras_route_request(struct hras *h, const char *client, uint32_t flow,
    osip_message_t *m)
{
	osip_uri_t	*up;
	struct sip_addr	 to;
	int		 alias, chosen = 0;

	/*
	 * Where to: a phone of a served domain (this company's or another's)
	 * is reached by handing the request to hras itself, as if it came
	 * from outside, so the call has a leg on each side; anything else
	 * goes to the R-URI's host (or where its alias says).
	 */
	if (m->req_uri->host != NULL &&
	    hras_config_serves(h->conf, m->req_uri->host)) {
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
		if (hras_route_upstream(h, &up) == -1 ||
		    (up == NULL && m->req_uri->host == NULL)) {
			hras_sip_reply_tunnel(h, client, m, 404);
			osip_message_free(m);
			osip_uri_free(up);
			return;
		}
		if (up == NULL || sip_uri_target(up, &to) == -1) {
			hras_route_resolve(h, client, flow, m, up != NULL ? up :
			    m->req_uri, up != NULL);
			osip_uri_free(up);
			return;
		}
		osip_uri_free(up);
		/* The configured next hop: the operator's choice. */
		chosen = 1;
	}
	if (chosen || hras_route_target_ok(h, client, m, &to) == 0)
		hras_route_out(h, client, flow, m, &to);
	osip_message_free(m);
}

/*
 * Whether a request from a client may go to an address its Request-URI,
 * an alias or DNS named (hras_limit_target); refused 403 when not.
 */
static int
hras_route_target_ok(struct hras *h, const char *client,
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
hras_route_upstream(struct hras *h, osip_uri_t **up)
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
hras_route_out(struct hras *h, const char *client, uint32_t flow,
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
hras_route_resolve(struct hras *h, const char *client, uint32_t flow,
    osip_message_t *m, const osip_uri_t *target, int upstream)
{
	struct hras_pending	*p;
	char			 callid[256];
	int			 status;

	TAILQ_FOREACH(p, &h->pending, entry)
		if (strcmp(p->client, client) == 0 &&
		    hras_route_same_tx(p->m, m))
			break;
	if (p != NULL) {
		if (MSG_IS_CANCEL(m) && MSG_IS_INVITE(p->m)) {
			log_info("client %s: INVITE to %s cancelled while "
			    "waiting for DNS", client, m->req_uri->host);
			hras_sip_reply_tunnel(h, client, m, 200);
			hras_sip_reply_tunnel(h, client, p->m, 487);
			hras_route_pending_free(h, p);
		}
		osip_message_free(m);
		return;
	}
	if (h->npending >= HRAS_PENDING_MAX || hras_route_pending_of(h,
	    client) >= (unsigned int)h->conf->limits.lookups ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		if (hras_limit_note())
			log_warnx("client %s: %s to %s refused: %u of its "
			    "requests (%u in all) wait for DNS", client,
			    m->sip_method, m->req_uri->host,
			    hras_route_pending_of(h, client), h->npending);
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
	    sip_call_id(m, callid, sizeof(callid)), hras_route_resolved, p)) ==
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
hras_route_resolved(void *arg, int error, const struct sip_addr *to)
{
	struct hras_pending	*p = arg;
	struct hras		*h = p->h;
	struct sip_addr		 addr;

	p->rq = NULL;
	if (error == RESOLVE_OK) {
		addr = *to;
		if (p->upstream || hras_route_target_ok(h, p->client, p->m,
		    &addr) == 0)
			hras_route_out(h, p->client, p->flow, p->m, &addr);
	} else if (!MSG_IS_ACK(p->m)) {
		log_info("client %s: %s to %s: %s", p->client,
		    p->m->sip_method, p->m->req_uri->host,
		    error == RESOLVE_ENOTFOUND ? "no SIP server in DNS" :
		    "DNS failed");
		hras_sip_reply_tunnel(h, p->client, p->m,
		    error == RESOLVE_ENOTFOUND ? 404 : 503);
	}
	hras_route_pending_free(h, p);
}

/* Whether b retransmits or cancels the waiting request a: same branch. */
static int
hras_route_same_tx(const osip_message_t *a, const osip_message_t *b)
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
hras_route_pending_of(const struct hras *h, const char *client)
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
hras_route_pending_free(struct hras *h, struct hras_pending *p)
{
	resolve_cancel(p->rq);
	TAILQ_REMOVE(&h->pending, p, entry);
	h->npending--;
	osip_message_free(p->m);
	free(p);
}
