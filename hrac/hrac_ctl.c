/*
 * What hrac answers on its control socket (ctl.h): status, tunnel (its
 * one tunnel to hras), phones (the inside phones it learnt from their
 * REGISTERs) and calls (ctl_calls.c), as a table or as JSON.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_calls.h"
#include "daemon.h"
#include "hrac.h"
#include "hrac_config.h"
#include "hrac_sip.h"
#include "media.h"
#include "tunnel.h"
#include "vcit.h"

static int	hrac_ctl_status(void *, struct ctl_job *, struct evbuffer *);
static int	hrac_ctl_tunnel(void *, struct ctl_job *, struct evbuffer *);
static int	hrac_ctl_phones(void *, struct ctl_job *, struct evbuffer *);
static int	hrac_ctl_calls(void *, struct ctl_job *, struct evbuffer *);
static const char *hrac_ctl_state(const struct hrac_session *);

static const struct ctl_cmd hrac_ctl_cmds[] = {
	{ "status", hrac_ctl_status },
	{ "tunnel", hrac_ctl_tunnel },
	{ "phones", hrac_ctl_phones },
	{ "calls", hrac_ctl_calls },
	{ NULL, NULL }
};

static time_t	hrac_ctl_started;

/* Open the control socket, unless control.socket = "" (then NULL). */
struct ctl *
hrac_ctl_new(struct hrac *h)
{
	const char	*path = h->conf->control != NULL ? h->conf->control :
			    HRAC_CTL_SOCKET;

	hrac_ctl_started = clock_now();
	if (path[0] == '\0')
		return NULL;
	return ctl_new(h->base, path, h->conf->user != NULL ? h->conf->user :
	    CONFIG_USER, hrac_ctl_cmds, h);
}

/* -c: ask the running hrac; an exit status. */
int
hrac_ctl_client(const struct hrac_config *conf, const struct daemon_args *a)
{
	return ctl_main(a->progname, conf->control != NULL ? conf->control :
	    HRAC_CTL_SOCKET, hrac_ctl_cmds, a->command, a->json);
}

/* The tunnel's state in one word. */
static const char *
hrac_ctl_state(const struct hrac_session *s)
{
	switch (s->state) {
	case SESSION_UP:
		return "up";
	case SESSION_PROBE:
		return "probing";
	case SESSION_CHALLENGE:
	case SESSION_OPEN:
		return "connecting";
	default:
		return "down";
	}
}

/* "status". */
static int
hrac_ctl_status(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hrac	*h = arg;
	struct json	*j = &job->j;
	size_t		 calls = 0, flows = 0;
	unsigned int	 phones = 0;
	long long	 up = (long long)(clock_now() - hrac_ctl_started);

	if (h->sip != NULL) {
		calls = vcit_count(h->sip->vcit);
		phones = hrac_local_count(h->sip->local);
		flows = media_flows(h->sip->media);
	}
	if (!job->json)
		return evbuffer_add_printf(out, "hrac %s, up %llds\n"
		    "tunnel:      %s to %s\n"
		    "phones:      %u\n"
		    "calls:       %zu\n"
		    "relay flows: %zu\n", VOFW_VERSION, up,
		    hrac_ctl_state(&h->session), h->session.server.host, phones,
		    calls, flows) < 0 ? -1 : 1;
	json_object(j, NULL);
	json_string(j, "daemon", "hrac");
	json_string(j, "version", VOFW_VERSION);
	json_int(j, "uptime_s", up);
	json_string(j, "tunnel", hrac_ctl_state(&h->session));
	json_string(j, "server", h->session.server.host);
	json_uint(j, "phones", phones);
	json_uint(j, "calls", calls);
	json_uint(j, "relay_flows", flows);
	json_end(j);
	return evbuffer_add(out, "\n", 1) == -1 ? -1 : 1;
}

/* "tunnel": the one tunnel, its path and counters. */
static int
hrac_ctl_tunnel(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hrac			*h = arg;
	const struct hrac_session	*s = &h->session;
	const struct tunnel_stats	*ts = s->tun != NULL ?
					    tunnel_stats(s->tun) : NULL;
	const char			*mode = s->state != SESSION_UP ? "-" :
					    s->mode == TUNNEL_MODE_POLL ?
					    "poll" : "stream";
	struct json			*j = &job->j;
	long long			 since = s->state == SESSION_UP ?
					    (long long)(clock_now() -
					    s->lane[0].up_since) : -1;
	char				 copies[128];
	unsigned int			 lanes = (unsigned int)
					    hrac_session_lanes_up(s);

	if (!job->json)
		return evbuffer_add_printf(out, "state:     %s\n"
		    "mode:      %s\n"
		    "server:    %s%s:%u\n"
		    "proxy:     %s\n"
		    "up for:    %llds\n"
		    "bytes:     %llu in, %llu out\n"
		    "frames:    %llu in, %llu out\n"
		    "lanes:     %u of %d, %llu copies in\n"
		    "copies:    %s, %s\n"
		    "dropped:   %llu (queue full), %llu (stale)\n",
		    hrac_ctl_state(s), mode, s->server.tls ? "https://" :
		    "http://", s->server.host, s->server.port,
		    s->has_proxy ? s->proxy.host : "none", since,
		    ts != NULL ? (unsigned long long)ts->rx_bytes : 0,
		    ts != NULL ? (unsigned long long)ts->tx_bytes : 0,
		    ts != NULL ? (unsigned long long)ts->rx_frames : 0,
		    ts != NULL ? (unsigned long long)ts->tx_frames : 0,
		    lanes, h->conf->lanes,
		    ts != NULL ? (unsigned long long)ts->rx_dups : 0,
		    lanes_copies_name(s->lanes.mode),
		    lanes_describe(&s->lanes, clock_now(), copies,
		    sizeof(copies)),
		    ts != NULL ? (unsigned long long)ts->dropped : 0,
		    ts != NULL ? (unsigned long long)ts->purged : 0) < 0 ?
		    -1 : 1;
	json_object(j, NULL);
	json_object(j, "tunnel");
	json_string(j, "state", hrac_ctl_state(s));
	json_string(j, "mode", mode);
	json_string(j, "server", s->server.host);
	json_uint(j, "server_port", s->server.port);
	json_bool(j, "tls", s->server.tls);
	json_uint(j, "lanes", lanes);
	json_uint(j, "lanes_configured", (unsigned int)h->conf->lanes);
	lanes_json(j, &s->lanes, clock_now());
	if (s->has_proxy)
		json_string(j, "proxy", s->proxy.host);
	else
		json_null(j, "proxy");
	if (since >= 0)
		json_int(j, "up_s", since);
	else
		json_null(j, "up_s");
	if (ts != NULL) {
		json_uint(j, "rx_bytes", ts->rx_bytes);
		json_uint(j, "tx_bytes", ts->tx_bytes);
		json_uint(j, "rx_frames", ts->rx_frames);
		json_uint(j, "tx_frames", ts->tx_frames);
		json_uint(j, "rx_copies", ts->rx_dups);
		json_uint(j, "rx_late", ts->rx_late);
		json_uint(j, "dropped", ts->dropped);
		json_uint(j, "purged", ts->purged);
	}
	json_end(j);
	json_end(j);
	return evbuffer_add(out, "\n", 1) == -1 ? -1 : 1;
}

/* "phones": the inside phones' bindings. */
static int
hrac_ctl_phones(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hrac		*h = arg;
	struct hrac_local_hit	 hit;
	struct json		*j = &job->j;
	long long		 left;

	if (job->stage == 0) {
		job->stage = 1;
		if (job->json) {
			json_object(j, NULL);
			json_array(j, "phones");
		} else if (evbuffer_add_printf(out, "%-32s %8s %s\n", "AOR",
		    "EXPIRES", "CONTACT") < 0)
			return -1;
	}
	while (evbuffer_get_length(out) < CTL_BATCH) {
		if (h->sip == NULL || hrac_local_nth(h->sip->local,
		    (unsigned int)job->pos, &hit, &left) == -1) {
			if (job->json) {
				json_end(j);
				json_end(j);
				if (evbuffer_add(out, "\n", 1) == -1)
					return -1;
			}
			return 1;
		}
		job->pos++;
		if (left <= 0)
			continue;
		if (!job->json) {
			if (evbuffer_add_printf(out, "%-32s %8lld %s\n",
			    hit.aor, left, hit.contact) < 0)
				return -1;
			continue;
		}
		json_object(j, NULL);
		json_string(j, "aor", hit.aor);
		json_string(j, "contact", hit.contact);
		json_int(j, "expires_s", left);
		json_end(j);
	}
	return 0;
}

/* "calls". */
static int
hrac_ctl_calls(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hrac	*h = arg;

	if (h->sip == NULL) {
		if (job->json) {
			json_object(&job->j, NULL);
			json_array(&job->j, "calls");
			json_end(&job->j);
			json_end(&job->j);
		}
		return evbuffer_add(out, "\n", 1) == -1 ? -1 : 1;
	}
	return ctl_calls(&h->sip->calls, 0, job, out);
}
