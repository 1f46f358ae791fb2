/*
 * hrac's half of the virtual SIP proxy (paper 3.1, 3.3): the proxy inside
 * phones use; the inside end of every call's media is hrac_media.c.
 * Everything from the phones goes into the tunnel; what comes out of the
 * tunnel is delivered only to inside addresses hrac learned itself
 * (registered or dialog contacts of its phones), never to one the far
 * side names.
 */
#include <sys/queue.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>

#include "call.h"
#include "clock.h"
#include "hrac.h"
#include "hrac_sip.h"
#include "log.h"
#include "media.h"
#include "siptr.h"
#include "tunnel.h"

#define CONTACTS_MAX		4096
#define CONTACT_LIFETIME	86400	/* dialog contacts, seconds */

/* An inside address hrac may deliver to: a phone it has heard from. */
struct hrac_contact {
	TAILQ_ENTRY(hrac_contact) entry;
	struct sip_addr		 addr;
	time_t			 expires;
};

#define HRAC_NOTES_MAX		20	/* refusal lines a second */

/* Branches of requests hrac routes between two inside phones. */
#define LOCAL_BRANCH	"z9hG4bK-vofw-L"
/* Branches of inside calls set up through hras (not relayed). */
#define DIRECT_BRANCH	"z9hG4bK-vofw-D"
/* Branches of the REGISTERs hrac sends for its phones itself. */
#define REFRESH_BRANCH	"z9hG4bK-vofw-R"

static void	hrac_sip_recv(void *, osip_message_t *,
		    const struct sip_addr *);
static void	hrac_sip_request(struct hrac_sip *, osip_message_t *,
		    const struct sip_addr *);
static void	hrac_sip_response(struct hrac_sip *, osip_message_t *,
		    const struct sip_addr *);
static void	hrac_sip_reply_tunnel(struct hrac_sip *,
		    const osip_message_t *, int);
static int	hrac_sip_to_tunnel(struct hrac_sip *, osip_message_t *,
		    uint32_t);
static int	hrac_sip_ours(const osip_uri_t *, void *);
static void	hrac_sip_learn(struct hrac_sip *, const osip_message_t *,
		    const struct sip_addr *);
static int	hrac_sip_known(struct hrac_sip *, const struct sip_addr *,
		    int);
static void	hrac_sip_local(struct hrac_sip *, osip_message_t *,
		    const char *, const struct sip_addr *);
static void	hrac_sip_via_hras(struct hrac_sip *, osip_message_t *,
		    const struct sip_addr *);
static int	hrac_sip_inside_proxy(struct hrac_sip *, struct sip_addr *);
static int	hrac_sip_next_hop(struct hrac_sip *, const osip_message_t *,
		    struct sip_addr *);
static int	hrac_sip_pbx_takes(struct hrac_sip *, const osip_message_t *,
		    const struct sip_addr *);
static int	hrac_sip_note(struct hrac_sip *);
static int	hrac_sip_refresh(void *, const char *, const char *, long);
static int	hrac_sip_refresh_answer(struct hrac_sip *,
		    const osip_message_t *);
static double	hrac_sip_rtt(void *, const char *);

/* Open the inside SIP listeners and media relay. */
struct hrac_sip *
hrac_sip_new(struct hrac *h)
{
	struct hrac_sip	*hs;

	if ((hs = calloc(1, sizeof(*hs))) == NULL)
		return NULL;
	hs->h = h;
	TAILQ_INIT(&hs->contacts);
	snprintf(hs->rr_uri, sizeof(hs->rr_uri), "sip:%s:%u;lr;vofw",
	    h->conf->sip.address, h->conf->sip.port);
	if (crypto_random(hs->branch_key, sizeof(hs->branch_key)) == -1 ||
	    (hs->local = hrac_local_new()) == NULL ||
	    (hs->txns = hrac_txn_new((unsigned int)h->conf->sip_transactions))
	    == NULL || hrac_media_init(hs) == -1) {
		hrac_sip_free(hs);
		return NULL;
	}
	/* Ready before the listener: hrac_sip_free ends the calls it holds. */
	hs->calls.vcit = hs->vcit;
	hs->calls.media = hs->media;
	snprintf(hs->calls.media_addr, sizeof(hs->calls.media_addr), "%s",
	    h->conf->media.address);
	hs->calls.outside = 0;
	hs->calls.high_bit = 0;
	call_configure(&hs->calls, &h->conf->media, h->conf->timer_c);
	hs->calls.rtt = hrac_sip_rtt;
	hs->calls.rtt_arg = &h->session;
	hrac_session_on_drop(&h->session, call_tunnel_dropped, &hs->calls);
	if (call_init(&hs->calls, h->base) == -1) {
		hrac_sip_free(hs);
		return NULL;
	}
	if ((hs->sip = siptr_new(h->base, h->conf->sip.address,
	    h->conf->sip.port, hrac_sip_recv, hs)) == NULL ||
	    hrac_sip_reconfigure(hs, h->conf) == -1) {
		hrac_sip_free(hs);
		return NULL;
	}
	return hs;
}

/*
 * What a reload may change (start, SIGHUP): the company's domains, the
 * users its inside proxy takes from outside, timers, caps and limits. -1,
 * with nothing changed, when inside_proxy_users does not compile.
 */
int
hrac_sip_reconfigure(struct hrac_sip *hs, const struct hrac_config *conf)
{
	regex_t	 re;

	if (conf->inside_proxy_users != NULL && regcomp(&re,
	    conf->inside_proxy_users, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	if (hs->has_users)
		regfree(&hs->users);
	hs->has_users = conf->inside_proxy_users != NULL;
	if (hs->has_users)
		hs->users = re;
	hrac_local_set_domains(hs->local, conf->domains, conf->ndomains);
	media_set_timeout(hs->media, conf->media.timeout);
	call_configure(&hs->calls, &conf->media, conf->timer_c);
	siptr_set_limits(hs->sip, &conf->sip_tcp);
	hrac_txn_set_max(hs->txns, (unsigned int)conf->sip_transactions);
	return 0;
}

/* The tunnel's round trip for call reports (call_ctx.rtt). */
static double
hrac_sip_rtt(void *session, const char *client)
{
	(void)client;
	return hrac_session_rtt_ms(session);
}

/* Close everything (shutdown). */
void
hrac_sip_free(struct hrac_sip *hs)
{
	struct hrac_contact	*c;

	if (hs == NULL)
		return;
	hrac_session_on_drop(&hs->h->session, NULL, NULL);
	if (hs->has_users)
		regfree(&hs->users);
	hrac_media_free(hs);
	siptr_free(hs->sip);
	hrac_local_free(hs->local);
	hrac_txn_free(hs->txns);
	while ((c = TAILQ_FIRST(&hs->contacts)) != NULL) {
		TAILQ_REMOVE(&hs->contacts, c, entry);
		free(c);
	}
	free(hs);
}

/* A Route or Via that names this hrac. */
static int
hrac_sip_ours(const osip_uri_t *u, void *arg)
{
	struct hrac_sip	*hs = arg;
	unsigned long	 port = u->port != NULL ? strtoul(u->port, NULL, 10) :
	    5060;

	return u->host != NULL &&
	    strcmp(u->host, hs->h->conf->sip.address) == 0 &&
	    port == hs->h->conf->sip.port;
}

/*
 * Remember the Contact of a phone that talks to us, when it names the
 * address the message came from: only such addresses are ever delivered
 * to from the tunnel.
 */
static void
hrac_sip_learn(struct hrac_sip *hs, const osip_message_t *m,
    const struct sip_addr *src)
{
	osip_contact_t		*ct;
	struct hrac_contact	*c;
	struct sip_addr		 a, pbx;
	time_t			 now = clock_now();
	int			 i, trusted;

	/* The inside proxy vouches for the Contacts it relays. */
	trusted = hrac_sip_inside_proxy(hs, &pbx) == 0 &&
	    strcmp(pbx.host, src->host) == 0 && pbx.port == src->port;
	for (i = 0; (ct = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (sip_uri_target(ct->url, &a) == -1 ||
		    (!trusted && strcmp(a.host, src->host) != 0))
			continue;
		TAILQ_FOREACH(c, &hs->contacts, entry)
			if (c->addr.port == a.port &&
			    strcmp(c->addr.host, a.host) == 0)
				break;
		if (c == NULL) {
			if (hs->ncontacts >= CONTACTS_MAX ||
			    (c = calloc(1, sizeof(*c))) == NULL)
				return;
			c->addr = a;
			TAILQ_INSERT_TAIL(&hs->contacts, c, entry);
			hs->ncontacts++;
			log_debug("inside contact %s:%u learned", a.host,
			    a.port);
		}
		c->expires = now + CONTACT_LIFETIME;
	}
}

/* The inside proxy (inside_proxy), if one is configured. */
static int
hrac_sip_inside_proxy(struct hrac_sip *hs, struct sip_addr *to)
{
	if (hs->h->conf->inside_proxy == NULL ||
	    config_parse_hostport(hs->h->conf->inside_proxy, to->host,
	    sizeof(to->host), &to->port) == -1)
		return -1;
	to->tcp = 0;
	return 0;
}

/*
 * True when addr (or, with host_only, its host) is a learned phone or the
 * inside proxy.
 */
static int
hrac_sip_known(struct hrac_sip *hs, const struct sip_addr *addr,
    int host_only)
{
	struct hrac_contact	*c, *next;
	struct sip_addr		 pbx;
	time_t			 now = clock_now();

	if (hrac_sip_inside_proxy(hs, &pbx) == 0 &&
	    strcmp(pbx.host, addr->host) == 0 &&
	    (host_only || pbx.port == addr->port))
		return 1;
	for (c = TAILQ_FIRST(&hs->contacts); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->expires <= now) {
			TAILQ_REMOVE(&hs->contacts, c, entry);
			hs->ncontacts--;
			free(c);
			continue;
		}
		if (strcmp(c->addr.host, addr->host) == 0 &&
		    (host_only || c->addr.port == addr->port))
			return 1;
	}
	return 0;
}

/* Serialize and hand a message to the tunnel. */
static int
hrac_sip_to_tunnel(struct hrac_sip *hs, osip_message_t *m, uint32_t flow)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (sip_serialize(m, &buf, &len) == -1)
		return -1;
	rc = hrac_session_send(&hs->h->session, FRAME_SIP, flow, buf, len);
	osip_free(buf);
	return rc;
}

/* Answer a request from the tunnel that hrac will not deliver. */
static void
hrac_sip_reply_tunnel(struct hrac_sip *hs, const osip_message_t *req,
    int status)
{
	osip_message_t	*r;

	if (MSG_IS_ACK(req) || (r = sip_reply(req, status, NULL)) == NULL)
		return;
	hrac_sip_to_tunnel(hs, r, 0);
	osip_message_free(r);
}

/* A message from an inside phone, parsed and checked. */
static void
hrac_sip_recv(void *arg, osip_message_t *m, const struct sip_addr *from)
{
	struct hrac_sip	*hs = arg;

	if (MSG_IS_REQUEST(m))
		hrac_sip_request(hs, m, from);
	else
		hrac_sip_response(hs, m, from);
}

/* A request from an inside phone: into the tunnel. */
static void
hrac_sip_request(struct hrac_sip *hs, osip_message_t *m,
    const struct sip_addr *from)
{
	struct hrac_local_hit	 hit;
	char			 uri[300];
	uint32_t		 flow;
	int			 status, rc, byuser;

	if (siptr_hop(hs->sip, m, from) == -1)
		return;
	sip_route_pop(m, hrac_sip_ours, hs);
	if (MSG_IS_OPTIONS(m) && m->req_uri->username == NULL &&
	    hrac_sip_ours(m->req_uri, hs)) {
		siptr_reply(hs->sip, m, 200, NULL);
		return;
	}
	hrac_sip_learn(hs, m, from);
	/*
	 * A call between two inside phones goes as inside_calls says: routed
	 * by hrac, set up through hras, or relayed. Through hras, a phone
	 * dialling user@hrac needs the user's domain named.
	 */
	if (!MSG_IS_REGISTER(m) && (rc = hrac_local_lookup(hs->local,
	    m->req_uri, hs->h->conf->sip.address, &hit)) != -1) {
		byuser = strcasecmp(m->req_uri->host,
		    hs->h->conf->sip.address) == 0;
		if (rc == 0 && (byuser ||
		    hs->h->conf->inside_calls == INSIDE_CALLS_LOCAL)) {
			siptr_reply(hs->sip, m, 404, "no such inside user");
			return;
		}
		if (rc == 1 &&
		    hs->h->conf->inside_calls == INSIDE_CALLS_LOCAL) {
			hrac_sip_local(hs, m, hit.contact, from);
			return;
		}
		if (byuser && ((size_t)snprintf(uri, sizeof(uri), "sip:%s",
		    hit.aor) >= sizeof(uri) || sip_set_ruri(m, uri) == -1)) {
			siptr_reply(hs->sip, m, 500, "cannot name the user");
			return;
		}
		if (hs->h->conf->inside_calls == INSIDE_CALLS_HRAS) {
			hrac_sip_via_hras(hs, m, from);
			return;
		}
	}
	if (MSG_IS_INVITE(m) && !hrac_session_is_up(&hs->h->session)) {
		siptr_reply(hs->sip, m, 480, "tunnel down");
		return;
	}
	if (MSG_IS_INVITE(m))
		siptr_reply(hs->sip, m, 100, NULL);
	if (call_from_own_side(&hs->calls, m, NULL, from->host, &flow,
	    &status) == -1) {
		siptr_reply(hs->sip, m, status, "SDP");
		return;
	}
	if ((MSG_IS_INVITE(m) || MSG_IS_SUBSCRIBE(m) || MSG_IS_REFER(m)) &&
	    sip_rr_push(m, hs->rr_uri) == -1) {
		siptr_reply(hs->sip, m, 500, "out of memory");
		call_refused(&hs->calls, m, NULL);
		return;
	}
	call_track(&hs->calls, m, NULL);
	if (hrac_sip_to_tunnel(hs, m, flow) == -1) {
		siptr_reply(hs->sip, m, 503, "tunnel queue full");
		call_refused(&hs->calls, m, NULL);
		return;
	}
	hrac_txn_remember(hs->txns, m, from, clock_now());
}

/*
 * A request from one inside phone to another (paper appendix 4): hrac
 * routes it itself, without Record-Route and without touching the SDP, so
 * the dialog and its voice go phone to phone and nothing crosses the
 * firewall.
 */
static void
hrac_sip_local(struct hrac_sip *hs, osip_message_t *m, const char *contact,
    const struct sip_addr *from)
{
	struct sip_addr	 to;
	char		 hash[SIP_BRANCH_LEN], branch[SIP_BRANCH_LEN + 2];

	if (sip_set_ruri(m, contact) == -1 ||
	    sip_uri_target(m->req_uri, &to) == -1 ||
	    !hrac_sip_known(hs, &to, 0)) {
		siptr_reply(hs->sip, m, 480, "inside contact unreachable");
		return;
	}
	if (sip_branch(m, hs->branch_key, sizeof(hs->branch_key), hash) == -1)
		return;
	snprintf(branch, sizeof(branch), "%s%s", LOCAL_BRANCH,
	    hash + strlen("z9hG4bK-vofw-"));
	if (sip_loop_check(m, branch) == -1) {
		siptr_reply(hs->sip, m, 482, "loop");
		return;
	}
	if (MSG_IS_INVITE(m))
		siptr_reply(hs->sip, m, 100, NULL);
	/* The caller's Via is still on top: its answer finds it there. */
	hrac_txn_remember(hs->txns, m, from, clock_now());
	if (sip_via_push(m, siptr_self(hs->sip, to.tcp), branch) == -1)
		return;
	log_debug("%s routed inside to %s", m->sip_method, contact);
	siptr_send_msg(hs->sip, m, &to);
}

/*
 * A request from one inside phone to another with inside_calls = "hras"
 * (paper 3.5): hras routes it back down the tunnel. Neither half
 * Record-Routes nor rewrites SDP, so only the set-up crosses the firewall
 * and the voice goes phone to phone.
 */
static void
hrac_sip_via_hras(struct hrac_sip *hs, osip_message_t *m,
    const struct sip_addr *from)
{
	if (!hrac_session_is_up(&hs->h->session)) {
		siptr_reply(hs->sip, m, 480, "tunnel down");
		return;
	}
	if (MSG_IS_INVITE(m))
		siptr_reply(hs->sip, m, 100, NULL);
	if (hrac_sip_to_tunnel(hs, m, FRAME_FLOW_DIRECT) == -1)
		siptr_reply(hs->sip, m, 503, "tunnel queue full");
	else
		hrac_txn_remember(hs->txns, m, from, clock_now());
}

/* A phone's response to a request hrac delivered: into the tunnel. */
static void
hrac_sip_response(struct hrac_sip *hs, osip_message_t *m,
    const struct sip_addr *from)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*b;
	struct sip_addr		 to;
	char			 b_value[SIP_BRANCH_LEN];
	uint32_t		 flow;
	int			 status;

	/* A 100 is hop by hop: the caller had its own from hras or hrac. */
	if (m->status_code == 100)
		return;
	if (via == NULL || via->host == NULL ||
	    strcmp(via->host, hs->h->conf->sip.address) != 0 ||
	    (b = sip_param(&via->via_params, "branch")) == NULL ||
	    b->gvalue == NULL || strncmp(b->gvalue, "z9hG4bK-vofw-", 13) != 0 ||
	    (size_t)snprintf(b_value, sizeof(b_value), "%s", b->gvalue) >=
	    sizeof(b_value) || sip_via_pop(m) == -1) {
		log_debug("response not for us; dropped");
		return;
	}
	hrac_sip_learn(hs, m, from);
	if (strncmp(b_value, LOCAL_BRANCH, strlen(LOCAL_BRANCH)) == 0) {
		/* Between two inside phones: back to the caller directly. */
		if (sip_via_target(m, &to) == 0 &&
		    (hrac_sip_known(hs, &to, 1) ||
		    hrac_txn_sender(hs->txns, m, to.host, clock_now())))
			siptr_send_msg(hs->sip, m, &to);
		return;
	}
	if (strncmp(b_value, DIRECT_BRANCH, strlen(DIRECT_BRANCH)) == 0) {
		/* An inside call set up through hras: back, untouched. */
		hrac_sip_to_tunnel(hs, m, FRAME_FLOW_DIRECT);
		return;
	}
	if (call_from_own_side(&hs->calls, m, NULL, from->host, &flow,
	    &status) == -1) {
		if (status == 481)
			return;
		log_info("response with unusable SDP passed on as is");
	}
	call_track(&hs->calls, m, NULL);
	hrac_sip_to_tunnel(hs, m, flow);
}

/* A SIP message from hras: delivered to a phone hrac knows, or refused. */
void
hrac_sip_from_tunnel(struct hrac_sip *hs, uint32_t flow,
    const uint8_t *data, size_t len)
{
	osip_message_t	*m;
	struct sip_addr	 to;
	const char	*why;
	char		 branch[SIP_BRANCH_LEN];
	int		 status;

	if (sip_parse((const char *)data, len, &m, &status, &why) == -1) {
		log_warnx("bad SIP from the tunnel: %s", why);
		if (m != NULL)
			osip_message_free(m);
		return;
	}
	if (MSG_IS_RESPONSE(m)) {
		if (MSG_IS_STATUS_2XX(m) &&
		    strcmp(m->cseq->method, "REGISTER") == 0)
			hrac_local_learn(hs->local, m);
		if (hrac_sip_refresh_answer(hs, m)) {
			osip_message_free(m);
			return;
		}
		/* A learned phone, or the sender of the request answered. */
		if (sip_via_target(m, &to) == -1 ||
		    (!hrac_sip_known(hs, &to, 1) &&
		    !hrac_txn_sender(hs->txns, m, to.host, clock_now()))) {
			log_info("response for an unknown inside address "
			    "dropped");
		} else if (flow == FRAME_FLOW_DIRECT)
			siptr_send_msg(hs->sip, m, &to);
		else if (sip_rr_swap(m, hs->rr_uri, SIP_RR_LAST) == -1 ||
		    call_to_own_side(&hs->calls, m, flow, NULL, &status) == -1)
			log_info("response not passed on");
		else {
			call_track(&hs->calls, m, NULL);
			siptr_send_msg(hs->sip, m, &to);
		}
		osip_message_free(m);
		return;
	}
	sip_route_pop(m, hrac_sip_ours, hs);
	if (hrac_sip_next_hop(hs, m, &to) == -1 ||
	    !hrac_sip_known(hs, &to, 0)) {
		log_info("%s for %s refused: not a phone hrac knows",
		    m->sip_method, m->req_uri->host != NULL ?
		    m->req_uri->host : "?");
		hrac_sip_reply_tunnel(hs, m, 404);
		osip_message_free(m);
		return;
	}
	if (!hrac_sip_pbx_takes(hs, m, &to)) {
		if (hrac_sip_note(hs))
			log_info("%s for %s@%s refused: not a user the inside "
			    "proxy takes from outside", m->sip_method,
			    m->req_uri->username != NULL ?
			    m->req_uri->username : "",
			    m->req_uri->host != NULL ? m->req_uri->host : "?");
		hrac_sip_reply_tunnel(hs, m, 404);
		osip_message_free(m);
		return;
	}
	if (sip_branch(m, hs->branch_key, sizeof(hs->branch_key), branch) ==
	    -1 || sip_loop_check(m, branch) == -1) {
		hrac_sip_reply_tunnel(hs, m, 482);
		osip_message_free(m);
		return;
	}
	if (flow == FRAME_FLOW_DIRECT) {
		/* An inside call set up through hras: SDP and route as is. */
		memcpy(branch, DIRECT_BRANCH, strlen(DIRECT_BRANCH));
		if (sip_via_push(m, siptr_self(hs->sip, to.tcp), branch) == 0)
			siptr_send_msg(hs->sip, m, &to);
		osip_message_free(m);
		return;
	}
	if (sip_via_push(m, siptr_self(hs->sip, to.tcp), branch) == -1 ||
	    sip_rr_swap(m, hs->rr_uri, SIP_RR_FIRST) == -1 ||
	    call_to_own_side(&hs->calls, m, flow, NULL, &status) == -1) {
		hrac_sip_reply_tunnel(hs, m, status == 0 ? 500 : status);
		osip_message_free(m);
		return;
	}
	call_track(&hs->calls, m, NULL);
	if (siptr_send_msg(hs->sip, m, &to) == -1)
		log_info("cannot send %s to %s:%u", m->sip_method, to.host,
		    to.port);
	osip_message_free(m);
}

/*
 * Where a request from hras goes: its top Route when it has one left (a
 * dialog through the inside proxy), else its Request-URI; a user of the
 * company's domain that names no address goes to the inside proxy.
 */
static int
hrac_sip_next_hop(struct hrac_sip *hs, const osip_message_t *m,
    struct sip_addr *to)
{
	osip_route_t	*r = osip_list_get(&m->routes, 0);

	if (r != NULL && r->url != NULL)
		return sip_uri_target(r->url, to);
	if (sip_uri_target(m->req_uri, to) == 0)
		return 0;
	return hrac_sip_inside_proxy(hs, to);
}

/*
 * Whether a request from the tunnel may go to to: anything but the inside
 * proxy may (hrac_sip_known vouched for it). A request outside a dialog
 * (no To tag) reaches the inside proxy only when its Request-URI is a user
 * of the company's domains that hrac saw register, or one inside_proxy_users
 * names: an outsider's INVITE to any other number would be the PBX's to
 * route, a call out through its trunk paid by the company (toll fraud).
 * In a dialog, the PBX answers for its own dialogs.
 */
static int
hrac_sip_pbx_takes(struct hrac_sip *hs, const osip_message_t *m,
    const struct sip_addr *to)
{
	struct hrac_local_hit	 hit;
	struct sip_addr		 pbx;
	const osip_uri_t	*u = m->req_uri;

	if (hrac_sip_inside_proxy(hs, &pbx) == -1 || pbx.port != to->port ||
	    strcmp(pbx.host, to->host) != 0)
		return 1;
	if (m->to != NULL && sip_param(&m->to->gen_params, "tag") != NULL)
		return 1;
	if (u == NULL || u->host == NULL || u->username == NULL ||
	    !hrac_local_served(hs->local, u->host))
		return 0;
	if (hrac_local_lookup(hs->local, u, hs->h->conf->sip.address, &hit) ==
	    1)
		return 1;
	return hs->has_users && regexec(&hs->users, u->username, 0, NULL,
	    0) == 0;
}

/* Whether a refusal line may be written now (a few a second). */
static int
hrac_sip_note(struct hrac_sip *hs)
{
	time_t	 now = clock_now();

	if (now != hs->note_sec) {
		hs->note_sec = now;
		hs->note_n = 0;
	}
	return hs->note_n++ < HRAC_NOTES_MAX;
}

/*
 * The tunnel came (back) up. hras keeps its registrations in memory only,
 * so after a restart it knows none of the inside phones until each
 * registers again (up to an hour): register every binding hrac holds at
 * once, on the phone's behalf, with its Contact and the time it has left,
 * as a proxy refreshing them would. After a mere reconnection this only
 * refreshes what hras has.
 */
void
hrac_sip_tunnel_up(void *arg)
{
	struct hrac_sip	*hs = arg;
	int		 n;

	hs->refresh_sent = hs->refresh_failed = 0;
	if ((n = hrac_local_walk(hs->local, hrac_sip_refresh, hs)) > 0)
		log_info("registering %d inside binding%s at hras again", n,
		    n == 1 ? "" : "s");
}

/* One REGISTER for a binding; -1 stops the walk (the queue is full). */
static int
hrac_sip_refresh(void *arg, const char *aor, const char *contact, long left)
{
	struct hrac_sip	*hs = arg;
	const char	*domain = strchr(aor, '@'), *why;
	osip_message_t	*m;
	uint8_t		 rnd[24];
	char		 hex[2 * sizeof(rnd) + 1], *buf;
	int		 n, status;

	if (domain == NULL || left <= 0 || crypto_random(rnd,
	    sizeof(rnd)) == -1)
		return 0;
	crypto_hex(rnd, sizeof(rnd), hex);
	if ((buf = malloc(2048)) == NULL)
		return -1;
	n = snprintf(buf, 2048, "REGISTER sip:%s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP %s:%u;branch=" REFRESH_BRANCH "%.16s\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:%s>;tag=%.8s\r\n"
	    "To: <sip:%s>\r\nCall-ID: %.24s@%s\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <%s>\r\nExpires: %ld\r\nContent-Length: 0\r\n\r\n",
	    domain + 1, hs->h->conf->sip.address, hs->h->conf->sip.port, hex,
	    aor, hex + 16, aor, hex + 24, hs->h->conf->sip.address, contact,
	    left);
	if (n < 0 || n >= 2048 ||
	    sip_parse(buf, (size_t)n, &m, &status, &why) == -1) {
		log_warnx("cannot build a REGISTER for %s at %s", aor, contact);
		free(buf);
		return 0;
	}
	free(buf);
	n = hrac_sip_to_tunnel(hs, m, 0);
	osip_message_free(m);
	if (n == -1) {
		log_warnx("tunnel queue full: %s and the bindings after it "
		    "wait for their phones to register again", aor);
		return -1;
	}
	hs->refresh_sent++;
	log_debug("REGISTER for %s at %s (%ld s left) sent to hras", aor,
	    contact, left);
	return 0;
}

/*
 * An answer to a REGISTER hrac sent itself: it is hrac's, not a phone's
 * (hrac_local_learn has taken a 2xx's bindings). True when it was one.
 */
static int
hrac_sip_refresh_answer(struct hrac_sip *hs, const osip_message_t *m)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*b;

	if (via == NULL || via->host == NULL ||
	    strcmp(via->host, hs->h->conf->sip.address) != 0 ||
	    (b = sip_param(&via->via_params, "branch")) == NULL ||
	    b->gvalue == NULL || strncmp(b->gvalue, REFRESH_BRANCH,
	    strlen(REFRESH_BRANCH)) != 0)
		return 0;
	if (!MSG_IS_STATUS_2XX(m)) {
		hs->refresh_failed++;
		log_warnx("hras answered %d to hrac's REGISTER for %s%s%s",
		    m->status_code, m->to != NULL && m->to->url != NULL &&
		    m->to->url->username != NULL ? m->to->url->username : "?",
		    m->to != NULL && m->to->url != NULL &&
		    m->to->url->host != NULL ? "@" : "",
		    m->to != NULL && m->to->url != NULL &&
		    m->to->url->host != NULL ? m->to->url->host : "");
	} else if (m->status_code < 300 && hs->refresh_sent > 0 &&
	    --hs->refresh_sent == 0)
		log_info("inside bindings registered at hras again%s",
		    hs->refresh_failed > 0 ? " (some refused)" : "");
	return 1;
}
