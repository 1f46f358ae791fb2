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

/* One call as a JSON object. */
static void
ctl_call_json(const struct call_ctx *cx, int clients,
    const struct vcit_call *c, struct json *j)
{
	const struct vcit_stream	*st;
	int				 i;

	json_object(j, NULL);
	json_string(j, "call_id", c->call_id);
	json_string(j, "from", c->from);
	json_string(j, "to", c->to);
	if (clients)
		json_string(j, "client", c->client);
	json_string(j, "state", ctl_call_state(c));
	json_double(j, "duration_s", difftime(time(NULL), c->created), 1);
	json_array(j, "streams");
	for (i = 0; i < c->nstreams; i++) {
		st = &c->stream[i];
		if (st->mf == NULL)
			continue;
		json_object(j, NULL);
		json_uint(j, "flow", st->flow);
		json_uint(j, "relay_port", media_flow_port(st->mf));
		json_string(j, "inside", st->iaddr);
		json_uint(j, "inside_port", st->iport);
		json_string(j, "outside", st->oaddr);
		json_uint(j, "outside_port", st->oport);
		json_end(j);
	}
	json_end(j);
	(void)cx;
	json_end(j);
}

/* One call as a table row. */
static int
ctl_call_row(const struct call_ctx *cx, int clients,
    const struct vcit_call *c, struct evbuffer *out)
{
	(void)cx;
	return evbuffer_add_printf(out, "%-36.36s %-28.28s %-28.28s "
	    "%-*.*s%s%-7s %8.0f %d\n", c->call_id, c->from, c->to,
	    clients ? 16 : 0, clients ? 16 : 0, clients ? c->client : "",
	    clients ? " " : "", ctl_call_state(c),
	    difftime(time(NULL), c->created), c->nopen);
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
		    "%-*s%s%-7s %8s %s\n", "CALL-ID", "FROM", "TO",
		    clients ? 16 : 0, clients ? "CLIENT" : "",
		    clients ? " " : "", "STATE", "SECONDS", "STREAMS") < 0)
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
