/*
 * The metric families both halves expose (metrics.h): what the process
 * is, how its calls ended, what its voice relay passed and dropped, and
 * the counters of a tunnel. Each half adds its own (hras_metrics.c,
 * hrac_metrics.c); docs/deployment.md lists them all.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "clock.h"
#include "daemon.h"
#include "lanes.h"
#include "media.h"
#include "metrics.h"
#include "pace.h"
#include "prom.h"
#include "tunnel.h"

static void	metrics_std_voice(struct prom *, struct call_ctx *);
static void	metrics_std_by_place(struct prom *, const char *,
		    const char *, const uint64_t *);

/* Build and start time. */
void
metrics_std_process(struct prom *p, const char *daemon, time_t started)
{
	struct prom_label	 l[2] = { { "daemon", daemon },
				    { "version", VOFW_VERSION } };

	prom_family(p, "vofw_build_info", PROM_GAUGE,
	    "Always 1: the daemon and its version as labels.");
	prom_uint(p, "vofw_build_info", l, 2, 1);
	prom_one(p, "vofw_start_time_seconds", PROM_GAUGE,
	    "When the daemon started, in seconds since the Unix epoch.",
	    (double)started);
}

/* A counter family with one sample per place a half receives voice. */
static void
metrics_std_by_place(struct prom *p, const char *name, const char *help,
    const uint64_t *v)
{
	static const char *const place[2] = { "from_terminals",
				    "from_tunnel" };
	struct prom_label	 l = { "place", NULL };
	int			 i;

	prom_family(p, name, PROM_COUNTER, help);
	for (i = 0; i < 2; i++) {
		l.value = place[i];
		prom_uint(p, name, &l, 1, v[i]);
	}
}

/* Voice figures over all calls: loss by place, late, jitter, MOS. */
static void
metrics_std_voice(struct prom *p, struct call_ctx *cx)
{
	struct call_voice	 v;
	struct prom_label	 l;
	char			 le[16];
	uint64_t		 sum = 0;
	int			 i;

	memset(&v, 0, sizeof(v));
	if (cx != NULL)
		call_voice_now(cx, &v);
	metrics_std_by_place(p, "vofw_voice_expected_packets_total",
	    "RTP packets the sequence numbers say should have arrived, by "
	    "where this half received them: from_terminals (its own) or "
	    "from_tunnel; ended calls and calls in progress.", v.expected);
	metrics_std_by_place(p, "vofw_voice_lost_packets_total",
	    "RTP packets lost, by place: from_terminals lost between this "
	    "half's own terminals and it, from_tunnel anywhere from the far "
	    "terminal on.", v.lost);
	metrics_std_by_place(p, "vofw_voice_late_packets_total",
	    "RTP packets later than a 60 ms jitter buffer would wait, by "
	    "place.", v.late);
	prom_one(p, "vofw_voice_jitter_max_seconds", PROM_GAUGE,
	    "Highest RFC 3550 interarrival jitter of any direction of a call "
	    "in progress; 0 without one.", v.jitter_max_ms / 1000.0);
	prom_one(p, "vofw_calls_mos_min", PROM_GAUGE,
	    "Lowest E-model MOS among calls in progress with voice; 0 "
	    "without one.", v.mos_min);
	prom_family(p, "vofw_call_mos", PROM_HISTOGRAM,
	    "E-model MOS of the ended calls that carried voice (their worst "
	    "direction).");
	l.name = "le";
	l.value = le;
	for (i = 0; i < CALL_MOS_BUCKETS; i++) {
		sum += v.mos_bucket[i];
		snprintf(le, sizeof(le), "%.1f", call_mos_le[i]);
		prom_uint(p, "vofw_call_mos_bucket", &l, 1, sum);
	}
	l.value = "+Inf";
	prom_uint(p, "vofw_call_mos_bucket", &l, 1, v.mos_count);
	prom_double(p, "vofw_call_mos_sum", NULL, 0, v.mos_sum);
	prom_uint(p, "vofw_call_mos_count", NULL, 0, v.mos_count);
}

/* Calls ended, by cause, and the voice figures of all calls. */
void
metrics_std_calls(struct prom *p, struct call_ctx *cx)
{
	struct prom_label	 l;
	int			 i;

	metrics_std_voice(p, cx);

	prom_family(p, "vofw_calls_ended_total", PROM_COUNTER,
	    "Calls ended, by cause: bye, cancel, failed (a final failure to "
	    "the INVITE), refused (by this half), no_media, timer_c, shutdown, "
	    "other.");
	l.name = "cause";
	for (i = 0; i < CALL_END_MAX; i++) {
		l.value = call_cause_name((enum call_cause)i);
		prom_uint(p, "vofw_calls_ended_total", &l, 1,
		    cx != NULL ? cx->ended[i] : 0);
	}
}

/* The voice relay's counters. */
void
metrics_std_media(struct prom *p, const struct media *m)
{
	static const struct media_stats	 none;
	const struct media_stats	*ms = m != NULL ? media_stats(m) :
					    &none;
	struct prom_label		 l = { "direction", NULL };
	struct prom_label		 r = { "reason", NULL };

	prom_family(p, "vofw_voice_packets_total", PROM_COUNTER,
	    "RTP and RTCP datagrams relayed between this half's own "
	    "terminals and the tunnel: direction from_terminals or "
	    "to_terminals.");
	l.value = "from_terminals";
	prom_uint(p, "vofw_voice_packets_total", &l, 1, ms->rx_packets);
	l.value = "to_terminals";
	prom_uint(p, "vofw_voice_packets_total", &l, 1, ms->tx_packets);
	prom_family(p, "vofw_voice_bytes_total", PROM_COUNTER,
	    "Bytes of those datagrams (UDP payload), by direction.");
	l.value = "from_terminals";
	prom_uint(p, "vofw_voice_bytes_total", &l, 1, ms->rx_bytes);
	l.value = "to_terminals";
	prom_uint(p, "vofw_voice_bytes_total", &l, 1, ms->tx_bytes);
	prom_family(p, "vofw_voice_relay_dropped_total", PROM_COUNTER,
	    "Datagrams the relay dropped: unknown_flow (from the tunnel for "
	    "no call), wrong_source (not from the call's terminal), "
	    "send_failed, too_large.");
	r.value = "unknown_flow";
	prom_uint(p, "vofw_voice_relay_dropped_total", &r, 1,
	    ms->dropped_unknown);
	r.value = "wrong_source";
	prom_uint(p, "vofw_voice_relay_dropped_total", &r, 1,
	    ms->dropped_source);
	r.value = "send_failed";
	prom_uint(p, "vofw_voice_relay_dropped_total", &r, 1,
	    ms->dropped_send);
	r.value = "too_large";
	prom_uint(p, "vofw_voice_relay_dropped_total", &r, 1,
	    ms->dropped_size);
	prom_one(p, "vofw_relay_flows", PROM_GAUGE,
	    "Relay port pairs open (one per call stream).",
	    m != NULL ? (double)media_flows(m) : 0);
}

/* HELP and TYPE of a tunnel family. */
void
metrics_std_tunnel_family(struct prom *p, enum metrics_tunnel_family f)
{
	switch (f) {
	case METRICS_TUNNEL_BYTES:
		prom_family(p, "vofw_tunnel_bytes_total", PROM_COUNTER,
		    "Bytes of tunnel frames, direction in (received) or out "
		    "(sent); counted from the session's start.");
		break;
	case METRICS_TUNNEL_FRAMES:
		prom_family(p, "vofw_tunnel_frames_total", PROM_COUNTER,
		    "Tunnel frames, direction in or out.");
		break;
	case METRICS_TUNNEL_COPIES:
		prom_family(p, "vofw_tunnel_frame_copies_total", PROM_COUNTER,
		    "Frames received a second time, over another lane "
		    "(tunnel.lanes = 2), after the first copy: dropped.");
		break;
	case METRICS_TUNNEL_LOSS:
		prom_family(p, "vofw_tunnel_loss_total", PROM_COUNTER,
		    "Loss on the tunnel's connections: by=here, seconds in "
		    "which this half's own sent segments again or got some out "
		    "of order; by=peer, times the other half told of its own.");
		break;
	case METRICS_TUNNEL_COPYING:
		prom_family(p, "vofw_tunnel_copying", PROM_GAUGE,
		    "1 while this half writes every frame into every lane "
		    "(tunnel.copies: always, or on loss for a while after "
		    "loss), else 0.");
		break;
	default:
		prom_family(p, "vofw_tunnel_voice_dropped_total", PROM_COUNTER,
		    "Voice records this half did not send into the tunnel: "
		    "queue_full (the queue was full) or stale (thrown away "
		    "after an outage).");
		break;
	}
}

/* One tunnel's samples of a family. */
void
metrics_std_tunnel(struct prom *p, enum metrics_tunnel_family f,
    const char *client, const struct tunnel_stats *ts, const struct lanes *ln)
{
	static const struct tunnel_stats none;
	static const struct lanes no_lanes;
	struct prom_label	 l[2] = { { "client", client },
				    { NULL, NULL } };
	struct prom_label	*kind = client != NULL ? &l[1] : &l[0];
	size_t			 n = client != NULL ? 2 : 1;
	const char		*name;
	uint64_t		 a, b;

	if (ts == NULL)
		ts = &none;
	if (ln == NULL)
		ln = &no_lanes;
	switch (f) {
	case METRICS_TUNNEL_COPIES:
		prom_uint(p, "vofw_tunnel_frame_copies_total", l, n - 1,
		    ts->rx_dups);
		return;
	case METRICS_TUNNEL_COPYING:
		prom_uint(p, "vofw_tunnel_copying", l, n - 1,
		    lanes_copying(ln, clock_now()));
		return;
	case METRICS_TUNNEL_LOSS:
		kind->name = "by";
		kind->value = "here";
		prom_uint(p, "vofw_tunnel_loss_total", l, n, ln->losses);
		kind->value = "peer";
		prom_uint(p, "vofw_tunnel_loss_total", l, n, ln->told);
		return;
	default:
		break;
	}
	switch (f) {
	case METRICS_TUNNEL_BYTES:
		name = "vofw_tunnel_bytes_total";
		kind->name = "direction";
		a = ts->rx_bytes;
		b = ts->tx_bytes;
		break;
	case METRICS_TUNNEL_FRAMES:
		name = "vofw_tunnel_frames_total";
		kind->name = "direction";
		a = ts->rx_frames;
		b = ts->tx_frames;
		break;
	default:
		name = "vofw_tunnel_voice_dropped_total";
		kind->name = "reason";
		a = ts->dropped;
		b = ts->purged;
		break;
	}
	kind->value = f == METRICS_TUNNEL_DROPPED ? "queue_full" : "in";
	prom_uint(p, name, l, n, a);
	kind->value = f == METRICS_TUNNEL_DROPPED ? "stale" : "out";
	prom_uint(p, name, l, n, b);
}

/* How long a turn of the event loop lasts while it paces itself (0: not). */
void
metrics_std_pace(struct prom *p, const struct pace *pace)
{
	prom_one(p, "vofw_loop_pace_seconds", PROM_GAUGE,
	    "How long each turn of the event loop lasts while it paces "
	    "itself under load, so that one wake-up handles a batch of "
	    "voice (0: not pacing).", pace_active(pace) ?
	    (double)pace->interval_us / 1e6 : 0);
}
