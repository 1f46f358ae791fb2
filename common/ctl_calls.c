/*
 * The control socket's "calls" answer, the same on both halves: every
 * call in the VCIT with its parties, state and duration, and per stream
 * the relay's ports. Listed a batch at a time in the order calls were
 * set up (vcit_next), so calls that end meanwhile are simply not there.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "call.h"
#include "ctl.h"
#include "ctl_calls.h"
#include "media.h"
#include "vcit.h"

static const char *ctl_call_state(const struct vcit_call *);
static void	 ctl_dir_json(struct json *, const char *,
		    const struct call_dir_stats *);
static void	 ctl_call_json(const struct call_ctx *, int,
		    const struct vcit_call *, struct json *);
static int	 ctl_call_row(const struct call_ctx *, int,
		    const struct vcit_call *, struct evbuffer *);

/* ringing, up or held. */
static const char *
ctl_call_state(const struct vcit_call *c)
{
	if (!c->established)
		return "ringing";
	return c->held ? "held" : "up";
}

/* One direction of a stream's voice, as the relay that received it saw it. */
static void
ctl_dir_json(struct json *j, const char *key, const struct call_dir_stats *d)
{
	json_object(j, key);
	json_uint(j, "packets", d->packets);
	json_uint(j, "lost", d->lost);
	json_double(j, "loss_pct", d->loss_pct, 1);
	json_double(j, "jitter_ms", d->jitter_ms, 1);
	json_uint(j, "late", d->late);
	json_uint(j, "dropped", d->dropped);
	json_bool(j, "from_tunnel", d->from_tunnel);
	json_end(j);
}

/*
 * One call as a JSON object, with its voice figures (call_stats: the
 * streams with relay ports, in the call's order).
 */
static void
ctl_call_json(const struct call_ctx *cx, int clients,
    const struct vcit_call *c, struct json *j)
{
	const struct vcit_stream	*st;
	const struct call_stream_stats	*ss;
	struct call_stats		 cs;
	int				 i, k = 0;

	call_stats(cx, c, &cs);
	json_object(j, NULL);
	json_string(j, "call_id", c->call_id);
	json_string(j, "from", c->from);
	json_string(j, "to", c->to);
	if (clients)
		json_string(j, "client", c->client);
	json_string(j, "state", ctl_call_state(c));
	json_double(j, "duration_s", cs.duration_s, 1);
	json_double(j, "talk_s", cs.talk_s, 1);
	if (cs.tunnel_rtt_ms < 0)
		json_null(j, "tunnel_rtt_ms");
	else
		json_double(j, "tunnel_rtt_ms", cs.tunnel_rtt_ms, 1);
	if (cs.mos == 0)
		json_null(j, "mos");
	else
		json_double(j, "mos", cs.mos, 2);
	json_array(j, "streams");
	for (i = 0; i < c->nstreams && i < VCIT_STREAMS; i++) {
		st = &c->stream[i];
		if (st->mf == NULL || k >= cs.nstreams)
			continue;
		ss = &cs.stream[k++];
		json_object(j, NULL);
		json_string(j, "media", ss->media);
		json_uint(j, "flow", st->flow);
		json_uint(j, "relay_port", media_flow_port(st->mf));
		json_string(j, "inside", st->iaddr);
		json_uint(j, "inside_port", st->iport);
		json_string(j, "outside", st->oaddr);
		json_uint(j, "outside_port", st->oport);
		ctl_dir_json(j, "to_inside", &ss->to_inside);
		ctl_dir_json(j, "to_outside", &ss->to_outside);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

/*
 * One call as a table row: its voice as the worst stream's loss each way
 * (as this relay saw it) and the call's MOS ("-" before any RTP).
 */
static int
ctl_call_row(const struct call_ctx *cx, int clients,
    const struct vcit_call *c, struct evbuffer *out)
{
	struct call_stats	 cs;
	double			 in = 0, out_pct = 0;
	char			 mos[8];
	int			 i;

	call_stats(cx, c, &cs);
	for (i = 0; i < cs.nstreams; i++) {
		if (cs.stream[i].to_inside.loss_pct > in)
			in = cs.stream[i].to_inside.loss_pct;
		if (cs.stream[i].to_outside.loss_pct > out_pct)
			out_pct = cs.stream[i].to_outside.loss_pct;
	}
	if (cs.mos == 0)
		snprintf(mos, sizeof(mos), "-");
	else
		snprintf(mos, sizeof(mos), "%.2f", cs.mos);
	return evbuffer_add_printf(out, "%-36.36s %-28.28s %-28.28s "
	    "%-*.*s%s%-7s %8.0f %7d %7.1f %8.1f %4s\n", c->call_id, c->from,
	    c->to, clients ? 16 : 0, clients ? 16 : 0, clients ? c->client :
	    "", clients ? " " : "", ctl_call_state(c), cs.duration_s,
	    cs.nstreams, in, out_pct, mos);
}

/* The "calls" answer, a batch at a time. */
int
ctl_calls(struct call_ctx *cx, int clients, struct ctl_job *job,
    struct evbuffer *out)
{
	struct vcit_call	*c;

	if (job->stage == 0) {
		job->stage = 1;
		if (job->json) {
			json_object(&job->j, NULL);
			json_array(&job->j, "calls");
		} else if (evbuffer_add_printf(out, "%-36s %-28s %-28s "
		    "%-*s%s%-7s %8s %7s %7s %8s %4s\n", "CALL-ID", "FROM",
		    "TO", clients ? 16 : 0, clients ? "CLIENT" : "",
		    clients ? " " : "", "STATE", "SECONDS", "STREAMS", "LOSS-IN",
		    "LOSS-OUT", "MOS") < 0)
			return -1;
	}
	while (evbuffer_get_length(out) < CTL_BATCH) {
		if (cx->vcit == NULL ||
		    (c = vcit_next(cx->vcit, job->pos)) == NULL) {
			if (job->json) {
				json_end(&job->j);
				json_end(&job->j);
				if (evbuffer_add(out, "\n", 1) == -1)
					return -1;
			}
			return 1;
		}
		job->pos = c->seq;
		if (job->json)
			ctl_call_json(cx, clients, c, &job->j);
		else if (ctl_call_row(cx, clients, c, out) < 0)
			return -1;
	}
	return 0;
}
