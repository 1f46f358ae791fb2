/*
 * What hras answers on its control socket (ctl.h): status, tunnels (one
 * per configured client, up or not), registrations (the registrar's
 * bindings) and calls (ctl_calls.c), as a table or as JSON. Long lists
 * are written a batch at a time, the cursor an index into the list.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_calls.h"
#include "daemon.h"
#include "hras.h"
#include "hras_config.h"
#include "media.h"
#include "tunnel.h"
#include "vcit.h"

static int	hras_ctl_status(void *, struct ctl_job *, struct evbuffer *);
static int	hras_ctl_tunnels(void *, struct ctl_job *, struct evbuffer *);
static int	hras_ctl_registrations(void *, struct ctl_job *,
		    struct evbuffer *);
static int	hras_ctl_calls(void *, struct ctl_job *, struct evbuffer *);
static struct hras_session *hras_ctl_session(struct hras *, const char *);
static unsigned int hras_ctl_up(struct hras *);

static const struct ctl_cmd hras_ctl_cmds[] = {
	{ "status", hras_ctl_status },
	{ "tunnels", hras_ctl_tunnels },
	{ "registrations", hras_ctl_registrations },
	{ "calls", hras_ctl_calls },
	{ NULL, NULL }
};

static time_t	hras_ctl_started;

/* Open the control socket, unless control.socket = "" (then NULL). */
struct ctl *
hras_ctl_new(struct hras *h)
{
	const char	*path = h->conf->control != NULL ? h->conf->control :
			    HRAS_CTL_SOCKET;

	hras_ctl_started = clock_now();
	if (path[0] == '\0')
		return NULL;
	return ctl_new(h->base, path, h->conf->user != NULL ? h->conf->user :
	    CONFIG_USER, hras_ctl_cmds, h);
}

/* -c: ask the running hras; an exit status. */
int
hras_ctl_client(const struct hras_config *conf, const struct daemon_args *a)
{
	return ctl_main(a->progname, conf->control != NULL ? conf->control :
	    HRAS_CTL_SOCKET, hras_ctl_cmds, a->command, a->json);
}

/* A client's live session, or NULL. */
static struct hras_session *
hras_ctl_session(struct hras *h, const char *id)
{
	struct hras_session	*s;

	TAILQ_FOREACH(s, &h->sessions, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* Tunnels up. */
static unsigned int
hras_ctl_up(struct hras *h)
{
	struct hras_session	*s;
	unsigned int		 up = 0;

	TAILQ_FOREACH(s, &h->sessions, entry)
		if (s->connected)
			up++;
	return up;
}

/* "status": one object, or a few lines. */
static int
hras_ctl_status(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hras		*h = arg;
	const struct media_stats *ms = h->media != NULL ?
				    media_stats(h->media) : NULL;
	size_t			 calls = h->vcit != NULL ?
				    vcit_count(h->vcit) : 0;
	long long		 up = (long long)(clock_now() -
				    hras_ctl_started);
	struct json		*j = &job->j;

	if (!job->json)
		return evbuffer_add_printf(out, "hras %s, up %llds\n"
		    "tunnels up:    %u of %zu clients\n"
		    "registrations: %u\n"
		    "calls:         %zu\n"
		    "relay flows:   %zu\n", VOFW_VERSION, up,
		    hras_ctl_up(h), h->conf->nclients, h->nbindings, calls,
		    h->media != NULL ? media_flows(h->media) : 0) < 0 ? -1 : 1;
	json_object(j, NULL);
	json_string(j, "daemon", "hras");
	json_string(j, "version", VOFW_VERSION);
	json_int(j, "uptime_s", up);
	json_uint(j, "clients", h->conf->nclients);
	json_uint(j, "tunnels_up", hras_ctl_up(h));
	json_uint(j, "registrations", h->nbindings);
	json_uint(j, "calls", calls);
	json_uint(j, "relay_flows", h->media != NULL ?
	    media_flows(h->media) : 0);
	if (ms != NULL) {
		json_uint(j, "voice_packets_in", ms->rx_packets);
		json_uint(j, "voice_packets_out", ms->tx_packets);
	}
	json_end(j);
	return evbuffer_add(out, "\n", 1) == -1 ? -1 : 1;
}

/* "tunnels": every configured client, with its tunnel if it has one. */
static int
hras_ctl_tunnels(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hras			*h = arg;
	const struct config_client	*cl;
	const struct tunnel_stats	*ts;
	struct hras_session		*s;
	struct json			*j = &job->j;
	const char			*state, *mode, *addr;
	long long			 idle;

	if (job->stage == 0) {
		job->stage = 1;
		if (job->json) {
			json_object(j, NULL);
			json_array(j, "tunnels");
		} else if (evbuffer_add_printf(out, "%-20s %-5s %-6s %-40s "
		    "%6s %12s %12s %8s\n", "CLIENT", "STATE", "MODE",
		    "ADDRESS", "IDLE", "BYTES-IN", "BYTES-OUT", "DROPPED") < 0)
			return -1;
	}
	while (evbuffer_get_length(out) < CTL_BATCH) {
		if (job->pos >= h->conf->nclients) {
			if (job->json) {
				json_end(j);
				json_end(j);
				if (evbuffer_add(out, "\n", 1) == -1)
					return -1;
			}
			return 1;
		}
		cl = &h->conf->clients[job->pos++];
		s = hras_ctl_session(h, cl->id);
		ts = s != NULL && s->tun != NULL ? tunnel_stats(s->tun) : NULL;
		state = s != NULL && s->connected ? "up" : "down";
		mode = s == NULL || s->down[0] == NULL ? "-" :
		    s->down[0]->poll ? "poll" : "stream";
		addr = s != NULL && s->down[0] != NULL ? s->down[0]->addr : "";
		idle = s != NULL ? (long long)(clock_now() - s->last_rx) : -1;
		if (!job->json) {
			if (evbuffer_add_printf(out, "%-20.64s %-5s %-6s "
			    "%-40.40s %6lld %12llu %12llu %8llu\n", cl->id,
			    state, mode, addr[0] != '\0' ? addr : "-", idle,
			    ts != NULL ? (unsigned long long)ts->rx_bytes : 0,
			    ts != NULL ? (unsigned long long)ts->tx_bytes : 0,
			    ts != NULL ? (unsigned long long)(ts->dropped +
			    ts->purged) : 0) < 0)
				return -1;
			continue;
		}
		json_object(j, NULL);
		json_string(j, "client", cl->id);
		json_string(j, "state", state);
		json_string(j, "mode", mode);
		json_string(j, "address", addr);
		json_uint(j, "lanes", s != NULL ? hras_session_lanes(s) : 0);
		if (s != NULL)
			lanes_json(j, hras_session_copies(s), clock_now());
		if (s != NULL)
			json_int(j, "idle_s", idle);
		else
			json_null(j, "idle_s");
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
	}
	return 0;
}

/* "registrations": the registrar's bindings. */
static int
hras_ctl_registrations(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hras		*h = arg;
	struct hras_binding	*b;
	struct json		*j = &job->j;
	time_t			 now = clock_now();
	uint64_t		 i;

	if (job->stage == 0) {
		job->stage = 1;
		if (job->json) {
			json_object(j, NULL);
			json_array(j, "registrations");
		} else if (evbuffer_add_printf(out, "%-32s %-20s %8s %s\n",
		    "AOR", "CLIENT", "EXPIRES", "CONTACT") < 0)
			return -1;
	}
	/* Bindings come and go between batches: at worst one is missed. */
	i = 0;
	TAILQ_FOREACH(b, &h->bindings, entry)
		if (i++ == job->pos)
			break;
	for (; b != NULL && evbuffer_get_length(out) < CTL_BATCH;
	    b = TAILQ_NEXT(b, entry)) {
		job->pos++;
		if (b->expires <= now)
			continue;
		if (!job->json) {
			if (evbuffer_add_printf(out, "%-32.256s %-20.64s %8lld "
			    "%s\n", b->aor, b->client,
			    (long long)(b->expires - now), b->contact) < 0)
				return -1;
			continue;
		}
		json_object(j, NULL);
		json_string(j, "aor", b->aor);
		json_string(j, "client", b->client);
		json_string(j, "contact", b->contact);
		json_int(j, "expires_s", (long long)(b->expires - now));
		json_end(j);
	}
	if (b != NULL)
		return 0;
	if (job->json) {
		json_end(j);
		json_end(j);
		if (evbuffer_add(out, "\n", 1) == -1)
			return -1;
	}
	return 1;
}

/* "calls", with the client each belongs to. */
static int
hras_ctl_calls(void *arg, struct ctl_job *job, struct evbuffer *out)
{
	struct hras	*h = arg;

	return ctl_calls(&h->calls, 1, job, out);
}
