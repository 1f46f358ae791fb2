/*
 * The voice quality of each call as one half measured it (see call.h):
 * the RTP figures of its streams' relay flows, sorted by direction, an
 * E-model MOS, and the end-of-call record written to the log.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "emodel.h"
#include "log.h"
#include "media.h"
#include "vcit.h"

#define CALL_CDR_MAX	1024	/* what one log line holds */

static void	 call_dir_fill(struct call_dir_stats *,
		    const struct rtpstats_view *, int, uint64_t, double);
static void	 call_voice_one(struct vcit_call *, void *);
static int	 call_dir_print(char *, size_t, int, const char *,
		    const struct call_dir_stats *);

/* Monotonic milliseconds, for call durations. */
uint64_t
call_clock_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One direction's figures and its E-model at the given one-way delay. */
static void
call_dir_fill(struct call_dir_stats *d, const struct rtpstats_view *v,
    int from_tunnel, uint64_t dropped, double delay_ms)
{
	struct emodel_codec	 codec;
	double			 p = 0;

	d->from_tunnel = from_tunnel;
	d->packets = v->packets;
	d->expected = v->expected;
	d->lost = v->lost;
	d->loss_pct = v->loss_pct;
	d->jitter_ms = v->jitter_ms;
	d->late = v->late;
	d->dropped = dropped;
	d->pt = v->pt;
	/* A jitter buffer plays a late packet no better than a lost one. */
	if (v->expected > 0)
		p = 100.0 * (double)(v->lost + v->late) /
		    (double)v->expected;
	emodel_codec(v->pt, &codec);
	d->r = emodel_r(delay_ms, p, &codec);
	d->mos = emodel_mos(d->r);
}

/* A call's figures so far. */
void
call_stats(const struct call_ctx *cx, const struct vcit_call *c,
    struct call_stats *cs)
{
	const struct vcit_stream	*st;
	struct call_stream_stats	*ss;
	struct media_flow_quality	 q;
	struct call_dir_stats		*term, *tun;
	uint64_t			 now = call_clock_ms();
	double				 delay;
	int				 i, j, seen = 0;

	memset(cs, 0, sizeof(*cs));
	cs->duration_s = (double)(now - c->start_ms) / 1000.0;
	if (c->answer_ms != 0)
		cs->talk_s = (double)(now - c->answer_ms) / 1000.0;
	cs->tunnel_rtt_ms = cx->rtt != NULL ?
	    cx->rtt(cx->rtt_arg, c->client) : -1;
	/* What the relays see of the one-way delay: half the round trip. */
	delay = cs->tunnel_rtt_ms > 0 ? cs->tunnel_rtt_ms / 2 : 0;
	for (i = 0; i < c->nstreams && i < VCIT_STREAMS; i++) {
		st = &c->stream[i];
		if (st->mf == NULL)
			continue;
		ss = &cs->stream[cs->nstreams++];
		snprintf(ss->media, sizeof(ss->media), "%s", st->media);
		ss->flow = st->flow;
		media_flow_quality(st->mf, &q);
		/* Own terminal: hras's is outside, hrac's inside. */
		term = cx->outside ? &ss->to_inside : &ss->to_outside;
		tun = cx->outside ? &ss->to_outside : &ss->to_inside;
		call_dir_fill(term, &q.from_terminal, 0, st->queue_dropped,
		    delay);
		call_dir_fill(tun, &q.from_tunnel, 1, q.dropped_send, delay);
		for (j = 0; j < 2; j++) {
			term = j ? &ss->to_outside : &ss->to_inside;
			if (term->expected == 0)
				continue;
			if (!seen || term->r < cs->r) {
				cs->r = term->r;
				cs->mos = term->mos;
			}
			seen = 1;
		}
	}
}

/* Append one direction's key=value pairs; what snprintf returned. */
static int
call_dir_print(char *buf, size_t len, int i, const char *dir,
    const struct call_dir_stats *d)
{
	return snprintf(buf, len, " s%d.%s.packets=%llu s%d.%s.lost=%llu "
	    "s%d.%s.loss_pct=%.1f s%d.%s.jitter_ms=%.1f s%d.%s.late=%llu "
	    "s%d.%s.dropped=%llu", i, dir, (unsigned long long)d->packets,
	    i, dir, (unsigned long long)d->lost, i, dir, d->loss_pct, i, dir,
	    d->jitter_ms, i, dir, (unsigned long long)d->late, i, dir,
	    (unsigned long long)d->dropped);
}

/*
 * The call's record at its end, one info line of key=value pairs after
 * the reason (docs/calls.md); cut at a stream boundary if it would not
 * fit a log line.
 */
void
call_cdr(const struct call_ctx *cx, const struct vcit_call *c,
    const char *why)
{
	struct call_stats	 cs;
	char			 buf[CALL_CDR_MAX], one[512];
	size_t			 off;
	int			 i, n, m;

	call_stats(cx, c, &cs);
	n = snprintf(buf, sizeof(buf), "duration_s=%.1f talk_s=%.1f",
	    cs.duration_s, cs.talk_s);
	off = n > 0 ? (size_t)n : 0;
	if (cs.tunnel_rtt_ms >= 0 && off < sizeof(buf)) {
		n = snprintf(buf + off, sizeof(buf) - off,
		    " tunnel_rtt_ms=%.1f", cs.tunnel_rtt_ms);
		off += n > 0 ? (size_t)n : 0;
	}
	if (cs.mos > 0 && off < sizeof(buf)) {
		n = snprintf(buf + off, sizeof(buf) - off, " r=%.1f mos=%.2f",
		    cs.r, cs.mos);
		off += n > 0 ? (size_t)n : 0;
	}
	for (i = 0; i < cs.nstreams; i++) {
		n = snprintf(one, sizeof(one), " s%d=%s", i,
		    cs.stream[i].media[0] != '\0' ? cs.stream[i].media : "?");
		m = call_dir_print(one + n, sizeof(one) - (size_t)n, i, "in",
		    &cs.stream[i].to_inside);
		n += m;
		m = call_dir_print(one + n, sizeof(one) - (size_t)n, i, "out",
		    &cs.stream[i].to_outside);
		n += m;
		/* A stream goes in whole or not at all. */
		if (off + (size_t)n + strlen(c->call_id) + strlen(why) + 32 >=
		    sizeof(buf))
			break;
		memcpy(buf + off, one, (size_t)n + 1);
		off += (size_t)n;
	}
	log_info("call %s ended: %s; %s", c->call_id, why, buf);
}

/* Count a voice datagram of the flow that this half's tunnel dropped. */
void
call_tunnel_dropped(void *arg, uint32_t flow)
{
	struct call_ctx		*cx = arg;
	struct vcit_call	*c;
	uint32_t		 i = flow % VCIT_STREAMS;

	if (cx->vcit != NULL && (c = vcit_find_flow(cx->vcit, flow)) != NULL &&
	    c->stream[i].flow == flow)
		c->stream[i].queue_dropped++;
}

/* MOS histogram bounds: bad, poor, fair, good, and the G.711 ceiling. */
const double call_mos_le[CALL_MOS_BUCKETS] = {
	1.0, 2.0, 2.5, 3.0, 3.5, 3.8, 4.0, 4.2, 4.4
};

/* Add one call's figures; ended: its MOS into the histogram. */
void
call_voice_add(struct call_voice *v, const struct call_stats *cs, int ended)
{
	const struct call_dir_stats	*d;
	int				 i, j, k;

	for (i = 0; i < cs->nstreams; i++)
		for (j = 0; j < 2; j++) {
			d = j ? &cs->stream[i].to_outside :
			    &cs->stream[i].to_inside;
			k = d->from_tunnel ? CALL_FROM_TUNNEL :
			    CALL_FROM_TERMINALS;
			v->expected[k] += d->expected;
			v->lost[k] += d->lost;
			v->late[k] += d->late;
			if (!ended && d->expected > 0 &&
			    d->jitter_ms > v->jitter_max_ms)
				v->jitter_max_ms = d->jitter_ms;
		}
	if (cs->mos <= 0)
		return;
	if (!ended) {
		if (v->mos_min == 0 || cs->mos < v->mos_min)
			v->mos_min = cs->mos;
		return;
	}
	v->mos_count++;
	v->mos_sum += cs->mos;
	for (i = 0; i < CALL_MOS_BUCKETS; i++)
		if (cs->mos <= call_mos_le[i]) {
			v->mos_bucket[i]++;
			break;
		}
}

/* What call_voice_now's visitor works with. */
struct call_voice_walk {
	struct call_ctx		*cx;
	struct call_voice	*v;
};

/* Visitor for call_voice_now. */
static void
call_voice_one(struct vcit_call *c, void *arg)
{
	struct call_voice_walk	*w = arg;
	struct call_stats	 cs;

	call_stats(w->cx, c, &cs);
	call_voice_add(w->v, &cs, 0);
}

/* The ended calls' sums, the calls in progress added. */
void
call_voice_now(struct call_ctx *cx, struct call_voice *v)
{
	struct call_voice_walk	 w = { cx, v };

	*v = cx->voice;
	v->jitter_max_ms = 0;
	v->mos_min = 0;
	if (cx->vcit != NULL)
		vcit_foreach(cx->vcit, call_voice_one, &w);
}
