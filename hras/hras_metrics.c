/*
 * What hras shows Prometheus on its metrics endpoint (metrics.h): the
 * families both halves share, and per configured client (label client)
 * its tunnel's state, mode, admissions and counters and its calls; the
 * refusals of tunnel requests and connections by reason; registrations;
 * the SIP flood limiter. docs/deployment.md lists every family.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "hras.h"
#include "hras_config.h"
#include "metrics.h"
#include "pike.h"
#include "prom.h"
#include "tunnel.h"
#include "vcit.h"

static int	hras_metrics_fill(void *, struct evbuffer *);
static struct hras_session *hras_metrics_session(struct hras *,
		    const char *);
static void	hras_metrics_tunnels(struct prom *, struct hras *);
static void	hras_metrics_refusals(struct prom *, struct hras *);

/* The label values of enum hras_refusal, in its order. */
static const char *const hras_metrics_reasons[HRAS_REFUSED_MAX] = {
	"version", "malformed", "unknown_client", "bad_nonce", "replay",
	"wrong_secret", "bad_key", "resources", "unknown_session", "bad_mac",
	"connections", "timeout", "bad_http"
};

static time_t	hras_metrics_started;

/* Open the endpoint when metrics is configured (else NULL). */
struct metrics *
hras_metrics_new(struct hras *h)
{
	hras_metrics_started = time(NULL);
	if (!h->conf->metrics_on)
		return NULL;
	return metrics_new(h->base, &h->conf->metrics, hras_metrics_fill, h);
}

/* A client's session, or NULL. */
static struct hras_session *
hras_metrics_session(struct hras *h, const char *id)
{
	struct hras_session	*s;

	TAILQ_FOREACH(s, &h->sessions, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* Per configured client: its tunnel and its calls. */
static void
hras_metrics_tunnels(struct prom *p, struct hras *h)
{
	const struct hras_config	*conf = h->conf;
	struct hras_session		*s, **ss;
	struct prom_label		 l[2];
	size_t				 i;
	double				 rtt;
	int				 f, up, poll;

	/* Each client's session, looked up once for every family. */
	if ((ss = calloc(conf->nclients + 1, sizeof(*ss))) == NULL) {
		p->error = 1;
		return;
	}
	for (i = 0; i < conf->nclients; i++)
		ss[i] = hras_metrics_session(h, conf->clients[i].id);
	l[0].name = "client";
	prom_family(p, "vofw_tunnel_up", PROM_GAUGE,
	    "1 when the client's tunnel is up, else 0.");
	for (i = 0; i < conf->nclients; i++) {
		s = ss[i];
		l[0].value = conf->clients[i].id;
		prom_uint(p, "vofw_tunnel_up", l, 1, s != NULL &&
		    s->connected);
	}
	prom_family(p, "vofw_tunnel_mode", PROM_GAUGE,
	    "1 for the mode an up tunnel runs in (stream or poll), else 0.");
	l[1].name = "mode";
	for (i = 0; i < conf->nclients; i++) {
		s = ss[i];
		up = s != NULL && s->connected && s->down[0] != NULL;
		poll = up && s->down[0]->poll;
		l[0].value = conf->clients[i].id;
		l[1].value = "stream";
		prom_uint(p, "vofw_tunnel_mode", l, 2, up && !poll);
		l[1].value = "poll";
		prom_uint(p, "vofw_tunnel_mode", l, 2, poll);
	}
	prom_family(p, "vofw_tunnel_admissions_total", PROM_COUNTER,
	    "Tunnel sessions the client opened (admissions that passed).");
	for (i = 0; i < conf->nclients; i++) {
		s = ss[i];
		l[0].value = conf->clients[i].id;
		prom_uint(p, "vofw_tunnel_admissions_total", l, 1,
		    s != NULL ? s->admissions : 0);
	}
	for (f = 0; f < METRICS_TUNNEL_FAMILIES; f++) {
		metrics_std_tunnel_family(p, (enum metrics_tunnel_family)f);
		for (i = 0; i < conf->nclients; i++) {
			s = ss[i];
			metrics_std_tunnel(p, (enum metrics_tunnel_family)f,
			    conf->clients[i].id, s != NULL ?
			    tunnel_stats(s->tun) : NULL, s != NULL ?
			    hras_session_copies(s) : NULL);
		}
	}
	prom_family(p, "vofw_tunnel_rtt_seconds", PROM_GAUGE,
	    "The tunnel's smoothed round-trip time, timed while voice flows; "
	    "absent until first measured.");
	for (i = 0; i < conf->nclients; i++) {
		s = ss[i];
		if (s == NULL || (rtt = tunnel_rtt_ms(s->tun)) < 0)
			continue;
		l[0].value = conf->clients[i].id;
		prom_double(p, "vofw_tunnel_rtt_seconds", l, 1, rtt / 1000.0);
	}
	prom_family(p, "vofw_calls_active", PROM_GAUGE,
	    "Calls in progress (ringing or answered).");
	for (i = 0; i < conf->nclients; i++) {
		l[0].value = conf->clients[i].id;
		prom_uint(p, "vofw_calls_active", l, 1,
		    call_active(&h->calls, conf->clients[i].id));
	}
	free(ss);
}

/* Refusals by reason, and the SIP flood limiter. */
static void
hras_metrics_refusals(struct prom *p, struct hras *h)
{
	struct prom_label	 l = { "reason", NULL };
	int			 i;

	prom_family(p, "vofw_tunnel_refusals_total", PROM_COUNTER,
	    "Tunnel requests and connections hras refused, by reason.");
	for (i = 0; i < HRAS_REFUSED_MAX; i++) {
		l.value = hras_metrics_reasons[i];
		prom_uint(p, "vofw_tunnel_refusals_total", &l, 1,
		    h->refused[i]);
	}
	prom_one(p, "vofw_sip_flood_dropped_total", PROM_COUNTER,
	    "SIP messages dropped from sources banned for flooding.",
	    (double)h->pike_dropped);
	prom_one(p, "vofw_sip_flood_banned_sources", PROM_GAUGE,
	    "Sources banned for flooding now.",
	    h->pike != NULL ? (double)pike_banned(h->pike) : 0);
	prom_one(p, "vofw_tunnel_connections", PROM_GAUGE,
	    "HTTP connections to the tunnel port open now.", h->nlinks);
	prom_one(p, "vofw_tunnel_connections_unadmitted", PROM_GAUGE,
	    "... of which no request has passed a session's check yet.",
	    h->nunauth);
}

/* Every family, into out. */
static int
hras_metrics_fill(void *arg, struct evbuffer *out)
{
	struct hras	*h = arg;
	struct prom	 p;

	prom_init(&p, out);
	metrics_std_process(&p, "hras", hras_metrics_started);
	prom_one(&p, "vofw_clients", PROM_GAUGE, "Clients configured.",
	    (double)h->conf->nclients);
	hras_metrics_tunnels(&p, h);
	hras_metrics_refusals(&p, h);
	prom_one(&p, "vofw_registrations", PROM_GAUGE,
	    "Registrar bindings of inside phones.", h->nbindings);
	metrics_std_calls(&p, h->vcit != NULL ? &h->calls : NULL);
	metrics_std_media(&p, h->media);
	metrics_std_pace(&p, &h->pace);
	return p.error ? -1 : 0;
}
