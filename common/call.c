/*
 * Calls as one half sees them (see call.h). A call is found by its
 * Call-ID; its streams by flow id = base + index of the m= line. The half
 * that first sees a call's SDP from its own side picks the flow base; the
 * other half learns it from the SIP frame that carries the message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <osipparser2/osip_port.h>

#include "call.h"
#include "config.h"
#include "log.h"
#include "media.h"
#include "sdp.h"
#include "sip.h"
#include "vcit.h"

/* Streams and calls held by one outside source address or one client. */
struct call_count {
	struct call_count	*next;
	unsigned int		 calls;
	unsigned int		 streams;
	char			 key[80];	/* "s:" IP or "c:" client */
};

static struct vcit_call *call_get(struct call_ctx *, const osip_message_t *,
		    uint32_t, const char *, const char *, int, int *, int *);
static int	call_admit(struct call_ctx *, const char *, const char *,
		    const char *, int);
static int	call_need(const struct sdp_info *);
static int	call_session(const osip_message_t *);
static int	call_strip(osip_message_t *);
static uint32_t call_count_bucket(const struct call_ctx *, const char *);
static struct call_count *call_count(struct call_ctx *, char,
		    const char *, int);
static void	call_count_put(struct call_ctx *, struct call_count *);
static void	call_refuse(const char *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	call_tick(evutil_socket_t, short, void *);
static void	call_expire_one(struct vcit_call *, void *);
static struct vcit_call *call_find(struct call_ctx *, const osip_message_t *,
		    const char *);
static void	call_note(struct vcit_stream *, const struct sdp_stream *, int);
static int	call_open_stream(struct call_ctx *, struct vcit_call *, int,
		    int *);
static void	call_uri(const osip_uri_t *, char *, size_t);
static void	call_end_one(struct vcit_call *, void *);
static void	call_hold(struct vcit_call *, const struct sdp_info *);

/* A URI as text for the VCIT's From and To columns. */
static void
call_uri(const osip_uri_t *u, char *buf, size_t len)
{
	char	*s;

	buf[0] = '\0';
	if (u != NULL && osip_uri_to_str(u, &s) == 0) {
		snprintf(buf, len, "%s", s);
		osip_free(s);
	}
}

/*
 * The call a message belongs to, added to the VCIT when new (*created
 * set) if the message may start one (an INVITE or a response to one):
 * with the given flow base, or a fresh one of this half's when base is 0.
 * NULL with *status: out of room or over the client's calls (503), the
 * Call-ID is another client's call (403: one client never touches
 * another's calls), or that of a call ended moments ago or never started
 * (481).
 */
static struct vcit_call *
call_get(struct call_ctx *cx, const osip_message_t *m, uint32_t base,
    const char *client, const char *source, int need, int *created,
    int *status)
{
	struct vcit_call	*c;
	struct call_count	*cc = NULL;
	const char		*method;
	char			 cid[256];

	*created = 0;
	sip_call_id(m, cid, sizeof(cid));
	if ((c = vcit_find(cx->vcit, cid)) != NULL) {
		if (client != NULL && strcmp(c->client, client) != 0) {
			log_warnx("client %s: call %s belongs to client %s",
			    client, cid, c->client);
			*status = 403;
			return NULL;
		}
		return c;
	}
	if (vcit_buried(cx->vcit, cid)) {
		log_info("call %s: ended already; late message with SDP "
		    "dropped", cid);
		*status = 481;
		return NULL;
	}
	method = MSG_IS_REQUEST(m) ? m->sip_method : m->cseq->method;
	if (strcmp(method, "INVITE") != 0) {
		log_debug("call %s: %s with SDP for no call", cid, method);
		*status = 481;
		return NULL;
	}
	if ((*status = call_admit(cx, cid, client, source, need)) != 0)
		return NULL;
	if (client != NULL && (cc = call_count(cx, 'c', client, 1)) == NULL) {
		*status = 503;
		return NULL;
	}
	if ((base == 0 && (base = vcit_flow_alloc(cx->vcit,
	    cx->high_bit)) == 0) || (c = vcit_add(cx->vcit, cid, base)) ==
	    NULL) {
		if (cc != NULL)
			call_count_put(cx, cc);
		*status = 503;
		return NULL;
	}
	if (cc != NULL)
		cc->calls++;
	call_uri(m->from->url, c->from, sizeof(c->from));
	call_uri(m->to->url, c->to, sizeof(c->to));
	if (client != NULL)
		snprintf(c->client, sizeof(c->client), "%s", client);
	if (source != NULL)
		snprintf(c->source, sizeof(c->source), "%s", source);
	c->created = time(NULL);
	c->start_ms = call_clock_ms();
	c->ringing = call_now();
	*created = 1;
	log_info("call %s: %s -> %s (flows %08x)", cid, c->from, c->to,
	    c->flow_base);
	return c;
}

/*
 * Whether a new call with need streams fits the caps: 0, or the status to
 * refuse it with (488: more streams than one call may have; 503: its
 * source or client holds its share), before anything is opened for it.
 */
static int
call_admit(struct call_ctx *cx, const char *cid, const char *client,
    const char *source, int need)
{
	const struct call_limits *lim = &cx->lim;
	struct call_count	*cc;

	if (lim->streams_per_call > 0 && need > lim->streams_per_call) {
		call_refuse(cid, source, "%d media streams, more than %d",
		    need, lim->streams_per_call);
		return 488;
	}
	if (client != NULL && (cc = call_count(cx, 'c', client, 0)) != NULL) {
		if (lim->calls_per_client > 0 &&
		    cc->calls >= (unsigned int)lim->calls_per_client) {
			call_refuse(cid, source, "client %s has %u calls",
			    client, cc->calls);
			return 503;
		}
		if (lim->streams_per_client > 0 && cc->streams +
		    (unsigned int)need > (unsigned int)lim->streams_per_client) {
			call_refuse(cid, source, "client %s's calls hold "
			    "%u relay port pairs", client, cc->streams);
			return 503;
		}
	}
	if (source != NULL && lim->streams_per_source > 0 &&
	    (cc = call_count(cx, 's', source, 0)) != NULL &&
	    cc->streams + (unsigned int)need >
	    (unsigned int)lim->streams_per_source) {
		call_refuse(cid, source, "its calls hold %u relay port "
		    "pairs", cc->streams);
		return 503;
	}
	return 0;
}

/* Streams of an SDP that need relay ports: those with a port. */
static int
call_need(const struct sdp_info *info)
{
	int	 i, n = 0;

	for (i = 0; i < info->nstreams; i++)
		if (info->stream[i].port != 0)
			n++;
	return n;
}

/* Monotonic seconds, the clock of Timer C. */
time_t
call_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Whether a message's SDP describes a session (RFC 3264 offer/answer:
 * INVITE, ACK, PRACK, UPDATE and their responses). Any other SDP (an
 * OPTIONS answer's capabilities, a MESSAGE's body) opens no relay ports.
 */
static int
call_session(const osip_message_t *m)
{
	const char	*method = MSG_IS_REQUEST(m) ? m->sip_method :
			    m->cseq->method;

	return strcmp(method, "INVITE") == 0 || strcmp(method, "ACK") == 0 ||
	    strcmp(method, "PRACK") == 0 || strcmp(method, "UPDATE") == 0;
}

/* Take a message's body off, with its Content-Type. */
static int
call_strip(osip_message_t *m)
{
	osip_body_t	*b;

	while ((b = osip_list_get(&m->bodies, 0)) != NULL) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(b);
	}
	osip_content_type_free(m->content_type);
	m->content_type = NULL;
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	return osip_message_set_content_length(m, "0") == 0 ? 0 : -1;
}

/* Bucket of a counter's key, keyed: a sender picks its source. */
static uint32_t
call_count_bucket(const struct call_ctx *cx, const char *key)
{
	return (uint32_t)(siphash24(&cx->count_key, key, strlen(key)) %
	    CALL_COUNT_BUCKETS);
}

/*
 * The counter of a source ('s') or client ('c'), made when create is set;
 * NULL if there is none (or no memory: logged).
 */
static struct call_count *
call_count(struct call_ctx *cx, char kind, const char *name, int create)
{
	struct call_count	*cc;
	char			 key[80];
	uint32_t		 h;

	snprintf(key, sizeof(key), "%c:%s", kind, name);
	h = call_count_bucket(cx, key);
	for (cc = cx->count[h]; cc != NULL; cc = cc->next)
		if (strcmp(cc->key, key) == 0)
			return cc;
	if (!create)
		return NULL;
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	memcpy(cc->key, key, sizeof(key));
	cc->next = cx->count[h];
	cx->count[h] = cc;
	return cc;
}

/* Free a counter that no longer counts anything. */
static void
call_count_put(struct call_ctx *cx, struct call_count *cc)
{
	struct call_count	**pp;

	if (cc->calls != 0 || cc->streams != 0)
		return;
	for (pp = &cx->count[call_count_bucket(cx, cc->key)]; *pp != cc;
	    pp = &(*pp)->next)
		;
	*pp = cc->next;
	free(cc);
}

/* Calls of a client in progress (ringing or answered). */
unsigned int
call_active(struct call_ctx *cx, const char *client)
{
	struct call_count	*cc = call_count(cx, 'c', client, 0);

	return cc != NULL ? cc->calls : 0;
}

/* Relay port pairs held by the calls of a source or a client (tests). */
unsigned int
call_streams(struct call_ctx *cx, const char *source, const char *client)
{
	struct call_count	*cc;

	cc = source != NULL ? call_count(cx, 's', source, 0) :
	    call_count(cx, 'c', client, 0);
	return cc != NULL ? cc->streams : 0;
}

/* Refusal lines, rate-limited (docs/security.md). */
static struct log_limit	call_log_refused = LOG_LIMIT("call");

/* Log a call refused by a cap, with the source address (rate-limited). */
static void
call_refuse(const char *cid, const char *source, const char *fmt, ...)
{
	va_list		 ap;
	char		 why[160];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_refused(&call_log_refused, source != NULL && *source != '\0' ?
	    source : "inside", "call %s: %s", cid, why);
}

/* The call of a message, if any and if it is this client's. */
static struct vcit_call *
call_find(struct call_ctx *cx, const osip_message_t *m, const char *client)
{
	struct vcit_call	*c;
	char			 cid[256];

	c = vcit_find(cx->vcit, sip_call_id(m, cid, sizeof(cid)));
	if (c == NULL || (client != NULL && strcmp(c->client, client) != 0))
		return NULL;
	return c;
}

/* Note a terminal's address in the VCIT: outside (OIP) or inside (IIP). */
static void
call_note(struct vcit_stream *st, const struct sdp_stream *sd, int outside)
{
	snprintf(st->media, sizeof(st->media), "%s", sd->media);
	/* Video's dynamic payload types run on a 90 kHz clock. */
	if (st->mf != NULL)
		media_flow_set_rate(st->mf, strcmp(sd->media, "video") == 0 ?
		    90000 : 0);
	if (outside) {
		snprintf(st->oaddr, sizeof(st->oaddr), "%s", sd->addr);
		st->oport = sd->port;
	} else {
		snprintf(st->iaddr, sizeof(st->iaddr), "%s", sd->addr);
		st->iport = sd->port;
	}
}

/*
 * Make sure stream i has this half's relay ports, within the caps on
 * streams per call, per source and per client; -1 with *status when not.
 */
static int
call_open_stream(struct call_ctx *cx, struct vcit_call *c, int i,
    int *status)
{
	struct vcit_stream	*st = &c->stream[i];
	struct call_count	*src = NULL, *cl = NULL;
	const struct call_limits *lim = &cx->lim;
	int			 code = 503;

	st->flow = c->flow_base + (uint32_t)i;
	if (st->mf == NULL) {
		if (c->source[0] != '\0' &&
		    (src = call_count(cx, 's', c->source, 1)) == NULL)
			goto fail;
		if (c->client[0] != '\0' &&
		    (cl = call_count(cx, 'c', c->client, 1)) == NULL)
			goto fail;
		if (lim->streams_per_call > 0 &&
		    c->nopen >= lim->streams_per_call) {
			call_refuse(c->call_id, c->source, "more than %d "
			    "media streams in one call",
			    lim->streams_per_call);
			code = 488;
			goto fail;
		}
		if (src != NULL && lim->streams_per_source > 0 &&
		    src->streams >= (unsigned int)lim->streams_per_source) {
			call_refuse(c->call_id, c->source, "its calls "
			    "hold %u relay port pairs", src->streams);
			goto fail;
		}
		if (cl != NULL && lim->streams_per_client > 0 &&
		    cl->streams >= (unsigned int)lim->streams_per_client) {
			call_refuse(c->call_id, c->source, "client %s's "
			    "calls hold %u relay port pairs", c->client,
			    cl->streams);
			goto fail;
		}
		if ((st->mf = media_flow_open(cx->media, st->flow)) == NULL)
			goto fail;
		c->nopen++;
		if (src != NULL)
			src->streams++;
		if (cl != NULL)
			cl->streams++;
	}
	if (i >= c->nstreams)
		c->nstreams = i + 1;
	return 0;
 fail:
	*status = code;
	if (src != NULL)
		call_count_put(cx, src);
	if (cl != NULL)
		call_count_put(cx, cl);
	return -1;
}

/*
 * SDP from this half's own terminal: note where it wants each stream's
 * media and open relay ports for it. *flow_base is the call's base for the
 * SIP frame (0 when the message has no SDP and no call).
 */
int
call_from_own_side(struct call_ctx *cx, const osip_message_t *m,
    const char *client, const char *source, uint32_t *flow_base, int *status)
{
	struct vcit_call	*c;
	struct vcit_stream	*st;
	struct sdp_info		 info;
	const char		*body, *why;
	size_t			 len;
	char			 cid[256];
	int			 i, created;

	*flow_base = 0;
	if (sip_body(m, &body, &len) == -1 || !call_session(m)) {
		if ((c = call_find(cx, m, client)) != NULL)
			*flow_base = c->flow_base;
		return 0;
	}
	if (sdp_inspect(body, len, &info, &why) == -1) {
		log_info("call %s: unusable SDP: %s", sip_call_id(m, cid,
		    sizeof(cid)), why);
		*status = 488;
		return -1;
	}
	if ((c = call_get(cx, m, 0, client, source, call_need(&info), &created,
	    status)) == NULL)
		return -1;
	*flow_base = c->flow_base;
	call_hold(c, &info);
	for (i = 0; i < info.nstreams; i++) {
		if (info.stream[i].port == 0)
			continue;
		if (call_open_stream(cx, c, i, status) == -1)
			goto refused;
		st = &c->stream[i];
		call_note(st, &info.stream[i], cx->outside);
		if (!info.stream[i].hold &&
		    media_flow_set_peer(st->mf, info.stream[i].addr,
		    info.stream[i].port, info.stream[i].rtcp_port, source,
		    cx->outside) == -1) {
			*status = 488;
			goto refused;
		}
	}
	return 0;
refused:
	/* A call this message would have started does not stay behind. */
	if (created)
		call_end(cx, c, "refused");
	return -1;
}

/*
 * SDP going to this half's own terminal: rewrite it so that every stream
 * comes to this half's relay ports, and note the far side's addresses in
 * the VCIT.
 */
int
call_to_own_side(struct call_ctx *cx, osip_message_t *m, uint32_t flow_base,
    const char *client, int *status)
{
	struct vcit_call	*c;
	struct vcit_stream	*st;
	struct sdp_info		 info;
	const char		*body, *why;
	char			*out, cid[256];
	size_t			 len, outlen;
	uint16_t		 ports[SDP_STREAMS_MAX];
	int			 i, created;

	if (sip_body(m, &body, &len) == -1)
		return 0;
	if (!call_session(m)) {
		/* Addresses no relay serves stay on their own side. */
		log_debug("call %s: SDP of a %s removed", sip_call_id(m, cid,
		    sizeof(cid)), MSG_IS_REQUEST(m) ? m->sip_method :
		    m->cseq->method);
		if (call_strip(m) == -1) {
			*status = 500;
			return -1;
		}
		return 0;
	}
	if (sdp_inspect(body, len, &info, &why) == -1) {
		log_info("call %s: unusable SDP: %s", sip_call_id(m, cid,
		    sizeof(cid)), why);
		*status = 488;
		return -1;
	}
	if ((c = call_get(cx, m, flow_base, client, NULL, call_need(&info),
	    &created, status)) == NULL)
		return -1;
	call_hold(c, &info);
	memset(ports, 0, sizeof(ports));
	for (i = 0; i < info.nstreams; i++) {
		if (info.stream[i].port == 0)
			continue;
		if (call_open_stream(cx, c, i, status) == -1)
			goto refused;
		st = &c->stream[i];
		ports[i] = media_flow_port(st->mf);
		call_note(st, &info.stream[i], !cx->outside);
	}
	if (sdp_rewrite(body, len, cx->media_addr, ports, info.nstreams, &out,
	    &outlen, &why) == -1) {
		log_info("call %s: cannot rewrite SDP: %s", c->call_id, why);
		*status = 488;
		goto refused;
	}
	if (sip_set_body(m, out, outlen) == -1) {
		free(out);
		*status = 500;
		goto refused;
	}
	free(out);
	return 0;
refused:
	if (created)
		call_end(cx, c, "refused");
	return -1;
}

/*
 * Follow a call's life from the messages that end it: BYE, CANCEL, a
 * final failure to its INVITE. A 2xx to the INVITE marks it established.
 */
void
call_track(struct call_ctx *cx, const osip_message_t *m, const char *client)
{
	struct vcit_call	*c;
	int			 i;

	if ((c = call_find(cx, m, client)) == NULL)
		return;
	if (MSG_IS_REQUEST(m)) {
		if (MSG_IS_BYE(m))
			call_end(cx, c, "BYE");
		else if (MSG_IS_CANCEL(m))
			call_end(cx, c, "CANCEL");
		return;
	}
	if (strcmp(m->cseq->method, "INVITE") != 0)
		return;
	if (MSG_IS_STATUS_2XX(m)) {
		/*
		 * Silence while it rang does not count: an idle report then
		 * was ignored, and media_tick makes it only once.
		 */
		if (!c->established)
			for (i = 0; i < c->nstreams; i++)
				if (c->stream[i].mf != NULL)
					media_flow_restart_idle(
					    c->stream[i].mf);
		if (!c->established)
			c->answer_ms = call_clock_ms();
		c->established = 1;
	} else if (m->status_code > 100 && m->status_code < 200)
		c->ringing = call_now();	/* RFC 3261 16.7 step 2 */
	else if (m->status_code >= 300 && !c->established)
		call_end(cx, c, "INVITE failed");
}

/*
 * Note whether the call's latest SDP (offer or answer, either side) puts it
 * on hold: a stream with c=0.0.0.0 or one that is not sendrecv. Phones on
 * hold may send nothing for as long as the hold lasts. When the call is
 * taken off hold its silence is timed afresh.
 */
static void
call_hold(struct vcit_call *c, const struct sdp_info *info)
{
	int	 i, held = 0;

	for (i = 0; i < info->nstreams; i++)
		if (info->stream[i].port != 0 && (info->stream[i].hold ||
		    info->stream[i].direction != SDP_SENDRECV))
			held = 1;
	if (c->held && !held)
		for (i = 0; i < c->nstreams; i++)
			if (c->stream[i].mf != NULL)
				media_flow_restart_idle(c->stream[i].mf);
	c->held = held;
}

/*
 * A flow went quiet for media.timeout: its call is over if it was answered
 * and is not on hold (a phone that vanished never sends its BYE).
 */
void
call_idle(struct call_ctx *cx, uint32_t flow)
{
	struct vcit_call	*c = vcit_find_flow(cx->vcit, flow);

	if (c != NULL && c->established && !c->held)
		call_end(cx, c, "no media");
}

/*
 * A request this half answered itself with a final failure after its SDP
 * was taken (the tunnel refused it): the INVITE is never passed on, so
 * nothing would ever end the call it started. An established call, whose
 * re-INVITE it was, stays.
 */
void
call_refused(struct call_ctx *cx, const osip_message_t *m,
    const char *client)
{
	struct vcit_call	*c;

	if (MSG_IS_INVITE(m) && (c = call_find(cx, m, client)) != NULL &&
	    !c->established)
		call_end(cx, c, "INVITE refused");
}

/*
 * The reasons call_end is given and the cause each counts as: the cause
 * names are the metrics' label values.
 */
static const struct {
	const char	*why;
	enum call_cause	 cause;
	const char	*name;
} call_causes[] = {
	{ "BYE", CALL_END_BYE, "bye" },
	{ "CANCEL", CALL_END_CANCEL, "cancel" },
	{ "INVITE failed", CALL_END_FAILED, "failed" },
	{ "INVITE refused", CALL_END_REFUSED, "refused" },
	{ "refused", CALL_END_REFUSED, "refused" },
	{ "no media", CALL_END_NO_MEDIA, "no_media" },
	{ "never answered (Timer C)", CALL_END_TIMER_C, "timer_c" },
	{ "shutting down", CALL_END_SHUTDOWN, "shutdown" },
	{ NULL, CALL_END_OTHER, "other" }
};

/* The label value of a cause. */
const char *
call_cause_name(enum call_cause cause)
{
	size_t	 i;

	for (i = 0; call_causes[i].why != NULL; i++)
		if (call_causes[i].cause == cause)
			break;
	return call_causes[i].name;
}

/* Close a call's relay ports and forget it. */
void
call_end(struct call_ctx *cx, struct vcit_call *c, const char *why)
{
	struct call_stats	 cs;
	struct call_count	*cc;
	int			 i;

	call_cdr(cx, c, why);
	call_stats(cx, c, &cs);
	call_voice_add(&cx->voice, &cs, 1);
	for (i = 0; call_causes[i].why != NULL; i++)
		if (strcmp(call_causes[i].why, why) == 0)
			break;
	cx->ended[call_causes[i].cause]++;
	if (c->source[0] != '\0' &&
	    (cc = call_count(cx, 's', c->source, 0)) != NULL) {
		cc->streams -= (unsigned int)c->nopen;
		call_count_put(cx, cc);
	}
	if (c->client[0] != '\0' &&
	    (cc = call_count(cx, 'c', c->client, 0)) != NULL) {
		cc->streams -= (unsigned int)c->nopen;
		cc->calls--;
		call_count_put(cx, cc);
	}
	/* Only an answered call: an INVITE refused (401, 3xx) may be sent
	 * again with the same Call-ID. */
	if (c->established)
		vcit_bury(cx->vcit, c);
	for (i = 0; i < c->nstreams; i++)
		if (c->stream[i].mf != NULL)
			media_flow_close(cx->media, c->stream[i].mf);
	vcit_del(cx->vcit, c);
}

/* The call a flow belongs to ends (its media went quiet). */
void
call_end_flow(struct call_ctx *cx, uint32_t flow, const char *why)
{
	struct vcit_call	*c;

	if ((c = vcit_find_flow(cx->vcit, flow)) != NULL)
		call_end(cx, c, why);
}

/* Visitor for call_end_all. */
static void
call_end_one(struct vcit_call *c, void *arg)
{
	call_end(arg, c, "shutting down");
}

/* End every call and stop Timer C (shutdown). */
void
call_end_all(struct call_ctx *cx)
{
	vcit_foreach(cx->vcit, call_end_one, cx);
	if (cx->timer != NULL)
		event_free(cx->timer);
	cx->timer = NULL;
}

/* Start Timer C for the calls of cx (vcit and media set). */
int
call_init(struct call_ctx *cx, struct event_base *base)
{
	struct timeval	 tv = { 1, 0 };

	if (siphash_key_random(&cx->count_key) == -1)
		return -1;
	if ((cx->timer = event_new(base, -1, EV_PERSIST, call_tick, cx)) ==
	    NULL || event_add(cx->timer, &tv) == -1) {
		log_warnx("%s: cannot add Timer C", __func__);
		if (cx->timer != NULL)
			event_free(cx->timer);
		cx->timer = NULL;
		return -1;
	}
	return 0;
}

/* Take the caps and Timer C from the configuration (start, SIGHUP). */
void
call_configure(struct call_ctx *cx, const struct config_media *cfg,
    int timer_c)
{
	cx->lim.timer_c = timer_c;
	cx->lim.streams_per_call = cfg->streams_per_call;
	cx->lim.streams_per_source = cfg->streams_per_source;
	cx->lim.streams_per_client = cfg->streams_per_client;
	cx->lim.calls_per_client = cfg->calls_per_client;
}

/* Once a second: Timer C. */
static void
call_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	call_expire(arg, call_now());
}

/* The context and clock of one call_expire pass. */
struct call_expiry {
	struct call_ctx	*cx;
	time_t		 now;
};

/* Visitor for call_expire. */
static void
call_expire_one(struct vcit_call *c, void *arg)
{
	struct call_expiry	*e = arg;

	if (c->established || e->now - c->ringing < e->cx->lim.timer_c)
		return;
	/* A late answer must not open the ports again. */
	vcit_bury(e->cx->vcit, c);
	call_end(e->cx, c, "never answered (Timer C)");
}

/*
 * End the calls that rang for sip.timer_c seconds without an answer (RFC
 * 3261 16.6 Timer C), so that their relay ports go back to the range.
 */
void
call_expire(struct call_ctx *cx, time_t now)
{
	struct call_expiry	 e = { cx, now };

	if (cx->lim.timer_c > 0)
		vcit_foreach(cx->vcit, call_expire_one, &e);
}
