/*
 * What hrac shows Prometheus on its metrics endpoint (metrics.h): the
 * families both halves share, and its one tunnel's state, mode, times up
 * and counters, its calls and the inside phones registered. The labels
 * are hras's without client: an hrac has one tunnel. docs/deployment.md
 * lists every family.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "hrac.h"
#include "hrac_sip.h"
#include "metrics.h"
#include "prom.h"
#include "tunnel.h"
#include "vcit.h"

static int	hrac_metrics_fill(void *, struct evbuffer *);
static void	hrac_metrics_tunnel(struct prom *, const struct hrac_session *);

static time_t	hrac_metrics_started;

/* Open the endpoint when metrics is configured (else NULL). */
struct metrics *
hrac_metrics_new(struct hrac *h)
{
	hrac_metrics_started = time(NULL);
	if (!h->conf->metrics_on)
		return NULL;
	return metrics_new(h->base, &h->conf->metrics, hrac_metrics_fill, h);
}

/* The tunnel: state, mode, times up, counters. */
static void
hrac_metrics_tunnel(struct prom *p, const struct hrac_session *s)
{
	static const char *const states[] = { "down", "connecting", "probing",
				    "up" };
	const struct tunnel_stats *ts = s->tun != NULL ? tunnel_stats(s->tun) :
				    NULL;
	struct prom_label	 l;
	const char		*state;
	double			 rtt;
	size_t			 i;
	int			 f, up = s->state == SESSION_UP;

	prom_one(p, "vofw_tunnel_up", PROM_GAUGE,
	    "1 when the tunnel is up, else 0.", up);
	switch (s->state) {
	case SESSION_UP:
		state = "up";
		break;
	case SESSION_PROBE:
		state = "probing";
		break;
	case SESSION_CHALLENGE:
	case SESSION_OPEN:
		state = "connecting";
		break;
	default:
		state = "down";
		break;
	}
	prom_family(p, "vofw_tunnel_state", PROM_GAUGE,
	    "1 for the tunnel's state (down, connecting, probing, up), "
	    "else 0.");
	l.name = "state";
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		l.value = states[i];
		prom_uint(p, "vofw_tunnel_state", &l, 1,
		    strcmp(states[i], state) == 0);
	}
	prom_family(p, "vofw_tunnel_mode", PROM_GAUGE,
	    "1 for the mode an up tunnel runs in (stream or poll), else 0.");
	l.name = "mode";
	l.value = "stream";
	prom_uint(p, "vofw_tunnel_mode", &l, 1, up &&
	    s->mode != TUNNEL_MODE_POLL);
	l.value = "poll";
	prom_uint(p, "vofw_tunnel_mode", &l, 1, up &&
	    s->mode == TUNNEL_MODE_POLL);
	prom_one(p, "vofw_tunnel_admissions_total", PROM_COUNTER,
	    "Times the tunnel came up (admitted by hras, then carrying "
	    "frames).", (double)s->ups);
	for (f = 0; f < METRICS_TUNNEL_FAMILIES; f++) {
		metrics_std_tunnel_family(p, (enum metrics_tunnel_family)f);
		metrics_std_tunnel(p, (enum metrics_tunnel_family)f, NULL, ts,
		    &s->lanes);
	}
	prom_family(p, "vofw_tunnel_rtt_seconds", PROM_GAUGE,
	    "The tunnel's smoothed round-trip time, timed while voice flows; "
	    "absent until first measured.");
	if (s->tun != NULL && (rtt = tunnel_rtt_ms(s->tun)) >= 0)
		prom_double(p, "vofw_tunnel_rtt_seconds", NULL, 0,
		    rtt / 1000.0);
}

/* Every family, into out. */
static int
hrac_metrics_fill(void *arg, struct evbuffer *out)
{
	struct hrac	*h = arg;
	struct hrac_sip	*sip = h->sip;
	struct prom	 p;

	prom_init(&p, out);
	metrics_std_process(&p, "hrac", hrac_metrics_started);
	hrac_metrics_tunnel(&p, &h->session);
	prom_one(&p, "vofw_registrations", PROM_GAUGE,
	    "Inside phones registered through hrac.", sip != NULL ?
	    hrac_local_count(sip->local) : 0);
	prom_one(&p, "vofw_calls_active", PROM_GAUGE,
	    "Calls in progress (ringing or answered).", sip != NULL ?
	    (double)vcit_count(sip->vcit) : 0);
	metrics_std_calls(&p, sip != NULL ? &sip->calls : NULL);
	metrics_std_media(&p, sip != NULL ? sip->media : NULL);
	metrics_std_pace(&p, &h->pace);
	return p.error ? -1 : 0;
}
