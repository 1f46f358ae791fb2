/*
 * The frame layer of a tunnel session. Records wait in plaintext, in the
 * form they take inside a frame, so that a session whose connections (or
 * whose keys, after hras restarts) change still delivers what was handed
 * to it: SIP is never dropped, while voice that waited too long is purged
 * rather than played late. A flush seals every queued record that fits
 * into one frame: one header, one tag and, on the wire, one TCP segment
 * for a whole batch of voice. RTP headers are compressed only as records
 * are sealed, and rebuilt as they are opened: what the queue drops or
 * purges never reaches the compression contexts, which keeps the two
 * halves' contexts in step.
 *
 * The pump is the part of a session both halves' transports share: a kick
 * when records are queued turns into a flush at the end of the loop turn,
 * or after a wait when the voice rate says more voice will share its
 * frame (batch.h); the
 * flush hands a poll outlet its batch or writes chunks into a stream
 * outlet up to its high-water mark; and each record opened goes to the
 * half's handler for its type. Where the bytes go is the half's business,
 * behind struct tunnel_pump_cb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "batch.h"
#include "clock_us.h"
#include "log.h"
#include "pace.h"
#include "rtphc.h"
#include "tunnel.h"

/* SIP may overrun the media bound by this factor before it is refused. */
#define SIP_OVERRUN	4
/*
 * Frames behind the newest that may still come, first, by another lane:
 * one lane's copy of a frame can overtake the frames before it on another
 * (a multiple of 64; 1024 is about 60 ms of voice at 1000 calls batched).
 */
#define RX_WINDOW	1024
#define PING_CHECK	16	/* voice records between looks at the clock */
#define PING_LEN	9	/* code and 8 bytes of clock */
#define RTT_MAX_US	60000000	/* an answer older is not one */

struct tunnel {
	struct tunnel_cb	 cb;
	struct evbuffer		*queue;
	size_t			 media_queued;	/* bytes of voice records */
	size_t			 queue_max;
	size_t			 batch_bytes;	/* voice waits for this much */
	struct crypto_aead	 tx;
	struct crypto_aead	 rx;
	int			 keyed;
	uint64_t		 tx_seq;
	uint64_t		 rx_seq;	/* the newest frame opened */
	uint64_t		 rx_seen[RX_WINDOW / 64];	/* bit seq %
						   RX_WINDOW: it came */
	int			 ack_due;	/* SIP arrived since the last ack */
	struct evbuffer		*unacked;	/* sent SIP: seq + record */
	struct tunnel_stats	 stats;
	struct tunnel_pump_cb	 pump;		/* the half's transport */
	struct event		*flush_ev;
	struct evbuffer		*out;		/* frames on their way out */
	int			 batch_wait;	/* µs voice may wait, at most */
	struct batch		 rate;		/* the voice queued lately */
	const struct pace	*pace;		/* of the half's loop, or NULL */
	char			 who[96];	/* log prefix: "client x: " */
	struct rtphc		 hc_tx;		/* RTP flows as we seal them */
	struct rtphc		 hc_rx;		/* RTP flows as we open them */
	uint8_t			 scratch[FRAME_MAXRECS];	/* opened */
	uint8_t			 plain[FRAME_MAXRECS];		/* to seal */
	uint8_t			 rtp[FRAME_MAXDATA];	/* one rebuilt */
	tunnel_drop_fn		 drop_cb;
	void			*drop_arg;
	uint64_t		 ping_us;	/* when the last ping went */
	unsigned int		 ping_skip;	/* voice records since a look
						   at the clock */
};

static int	tunnel_is_media(unsigned int);
static int	tunnel_peek(struct evbuffer *, struct frame_rec *);
static size_t	tunnel_batch(struct tunnel *, size_t);
static int	tunnel_seal_frame(struct tunnel *, struct evbuffer *,
		    const uint8_t *, size_t);
static size_t	tunnel_compress(struct tunnel *, const uint8_t *, size_t,
		    uint64_t *);
static int	tunnel_open(struct tunnel *, const struct frame_hdr *,
		    const uint8_t *, uint64_t *, const char **);
static void	tunnel_deliver(struct tunnel *, const struct frame_rec *,
		    const uint8_t *, int);
static int	tunnel_drop_oldest(struct tunnel *, size_t);
static int	tunnel_seen(const struct tunnel *, uint64_t);
static void	tunnel_mark(struct tunnel *, uint64_t, int);
static void	tunnel_dropped(struct tunnel *, unsigned int, uint32_t);
static void	tunnel_ping(struct tunnel *);
static void	tunnel_pong(struct tunnel *, const uint8_t *, size_t);
static void	tunnel_remember(struct tunnel *, const uint8_t *);
static void	tunnel_acked(struct tunnel *, const uint8_t *);
static int	tunnel_requeue(struct tunnel *);
static void	tunnel_schedule_flush(struct event *, int);
static void	tunnel_pump_flush_cb(evutil_socket_t, short, void *);
static void	tunnel_pump_kick_cb(void *, int);
static void	tunnel_pump_deliver(void *, unsigned int, uint32_t,
		    const uint8_t *, size_t);

/* Voice may be dropped when it cannot be carried in time; SIP never. */
static int
tunnel_is_media(unsigned int type)
{
	return type == FRAME_RTP || type == FRAME_RTCP || type == FRAME_HOOK;
}

/* The head of the record at the front of a queue: 0, or -1 if none. */
static int
tunnel_peek(struct evbuffer *b, struct frame_rec *r)
{
	uint8_t	 raw[RECORD_HDRLEN];

	if (evbuffer_copyout(b, raw, sizeof(raw)) != RECORD_HDRLEN)
		return -1;
	frame_rec_unpack(raw, r);
	return 0;
}

/* Create an unkeyed session frame layer with an empty queue. */
struct tunnel *
tunnel_new(size_t queue_max, const struct tunnel_cb *cb)
{
	struct tunnel	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->queue = evbuffer_new()) == NULL ||
	    (t->unacked = evbuffer_new()) == NULL) {
		if (t->queue != NULL)
			evbuffer_free(t->queue);
		free(t);
		return NULL;
	}
	t->cb = *cb;
	t->queue_max = queue_max;
	return t;
}

/* Free the frame layer and whatever is still queued. */
void
tunnel_free(struct tunnel *t)
{
	if (t == NULL)
		return;
	crypto_aead_clear(&t->tx);
	crypto_aead_clear(&t->rx);
	if (t->flush_ev != NULL)
		event_free(t->flush_ev);
	if (t->out != NULL)
		evbuffer_free(t->out);
	evbuffer_free(t->queue);
	evbuffer_free(t->unacked);
	free(t);
}

/*
 * Create a tunnel under a pump: its kicks schedule flushes on base and
 * the records it opens go to cb by type. who prefixes its log lines.
 */
struct tunnel *
tunnel_pump_new(size_t queue_max, struct event_base *base, const char *who,
    const struct tunnel_pump_cb *cb)
{
	struct tunnel	*t;
	struct tunnel_cb tcb;

	tcb.deliver = tunnel_pump_deliver;
	tcb.kick = tunnel_pump_kick_cb;
	tcb.arg = NULL;
	if ((t = tunnel_new(queue_max, &tcb)) == NULL)
		return NULL;
	t->cb.arg = t;
	t->pump = *cb;
	snprintf(t->who, sizeof(t->who), "%s", who);
	if ((t->out = evbuffer_new()) == NULL ||
	    (t->flush_ev = event_new(base, -1, 0, tunnel_pump_flush_cb,
	    t)) == NULL) {
		tunnel_free(t);
		return NULL;
	}
	return t;
}

/*
 * Install a new session's keys; sequence numbers and RTP header contexts
 * start over, and SIP the far half never acknowledged goes out again
 * first, in its old order.
 */
int
tunnel_set_keys(struct tunnel *t, const uint8_t *tx, const char *txlabel,
    const uint8_t *rx, const char *rxlabel)
{
	if (tunnel_requeue(t) == -1)
		return -1;
	crypto_aead_clear(&t->tx);
	crypto_aead_clear(&t->rx);
	t->keyed = 0;
	if (crypto_aead_init(&t->tx, tx, txlabel) == -1 ||
	    crypto_aead_init(&t->rx, rx, rxlabel) == -1) {
		crypto_aead_clear(&t->tx);
		return -1;
	}
	t->tx_seq = 0;
	t->rx_seq = 0;
	memset(t->rx_seen, 0, sizeof(t->rx_seen));
	rtphc_reset(&t->hc_tx);
	rtphc_reset(&t->hc_rx);
	t->ack_due = 0;
	t->keyed = 1;
	return 0;
}

/*
 * Let voice wait in the queue until this many bytes of records are there
 * (0: never wait), so that one frame carries several datagrams; SIP and
 * control never wait.
 */
void
tunnel_set_batch(struct tunnel *t, size_t bytes)
{
	t->batch_bytes = bytes;
}

/*
 * The longest (µs) voice short of a batch may wait for more
 * (tunnel.batch_wait); how long it does wait follows the voice rate
 * (batch.h), and 0 turns batching off.
 */
void
tunnel_set_batch_wait(struct tunnel *t, int wait_us)
{
	t->batch_wait = wait_us;
}

/*
 * The pace of the half's event loop: while it paces, voice waits for no
 * timer, the turns are far enough apart.
 */
void
tunnel_set_pace(struct tunnel *t, const struct pace *p)
{
	t->pace = p;
}

/*
 * Run the flush event at the end of this loop turn (wait_us 0), or once
 * wait_us have passed unless it is due already; at once if the timer
 * cannot be set.
 */
static void
tunnel_schedule_flush(struct event *flush, int wait_us)
{
	struct timeval	 wait = { 0, wait_us };

	if (wait_us == 0)
		event_active(flush, EV_TIMEOUT, 0);
	else if (!event_pending(flush, EV_TIMEOUT, NULL) &&
	    event_add(flush, &wait) == -1)
		event_active(flush, EV_TIMEOUT, 0);
}

/*
 * Queue one record for the far half. Media is refused once the queue holds
 * queue_max bytes; SIP only past SIP_OVERRUN times that, as a last bound.
 */
int
tunnel_send(struct tunnel *t, unsigned int type, uint32_t flow,
    const void *data, size_t len)
{
	struct frame_rec	 r;
	uint8_t			 head[RECORD_HDRLEN];
	size_t			 queued = evbuffer_get_length(t->queue);
	size_t			 limit = t->queue_max, need;
	uint64_t		 now;

	if (len > FRAME_MAXDATA)
		return -1;
	need = RECORD_HDRLEN + len;
	if (!tunnel_is_media(type))
		limit *= SIP_OVERRUN;
	/* Full of voice: the oldest goes first, it would arrive too late. */
	if (queued + need > limit && tunnel_is_media(type) &&
	    queued + need - limit <= t->media_queued &&
	    tunnel_drop_oldest(t, queued + need - limit) == 0)
		queued = evbuffer_get_length(t->queue);
	if (queued + need > limit) {
		t->stats.dropped++;
		tunnel_dropped(t, type, flow);
		if (!tunnel_is_media(type))
			log_warnx("tunnel queue full (%zu bytes): %s record "
			    "refused", queued, frame_type_name(type));
		return -1;
	}
	r.type = (uint8_t)type;
	r.flow = flow;
	r.len = (uint16_t)len;
	frame_rec_pack(&r, head);
	/* Reserve first so that the queue only ever holds whole records. */
	if (evbuffer_expand(t->queue, need) == -1 ||
	    evbuffer_add(t->queue, head, sizeof(head)) == -1 ||
	    (len > 0 && evbuffer_add(t->queue, data, len) == -1))
		return -1;
	if (tunnel_is_media(type))
		t->media_queued += need;
	/* Voice flows: measure the round trip it takes, now and then. */
	if (type == FRAME_RTP && t->keyed && ++t->ping_skip >= PING_CHECK) {
		t->ping_skip = 0;
		tunnel_ping(t);
	}
	if (t->cb.kick == NULL)
		return 0;
	/* Every record of voice counts towards the rate, batch-filling too. */
	now = 0;
	if (tunnel_is_media(type) && t->batch_bytes > 0 && t->batch_wait > 0) {
		now = clock_now_us();
		batch_note(&t->rate, now, need);
	}
	/* A paced loop's turn is the batch: voice leaves at its end. */
	if (!tunnel_is_media(type) || queued + need >= t->batch_bytes ||
	    pace_active(t->pace))
		t->cb.kick(t->cb.arg, 0);
	else if (queued == 0)
		t->cb.kick(t->cb.arg, batch_wait_us(&t->rate, now, need,
		    t->batch_bytes, t->batch_wait));
	return 0;
}

/*
 * Drop the oldest queued voice until at least need bytes are free; SIP
 * records met on the way keep their order. -1 if there is not enough
 * voice to drop.
 */
static int
tunnel_drop_oldest(struct tunnel *t, size_t need)
{
	struct evbuffer		*keep;
	struct frame_rec	 r;
	size_t			 freed = 0, n;

	if ((keep = evbuffer_new()) == NULL)
		return -1;
	while (freed < need && tunnel_peek(t->queue, &r) == 0) {
		n = RECORD_HDRLEN + r.len;
		if (tunnel_is_media(r.type)) {
			evbuffer_drain(t->queue, n);
			t->media_queued -= n;
			freed += n;
			t->stats.dropped++;
			tunnel_dropped(t, r.type, r.flow);
		} else if (evbuffer_remove_buffer(t->queue, keep, n) !=
		    (int)n)
			break;
	}
	evbuffer_prepend_buffer(t->queue, keep);
	evbuffer_free(keep);
	return freed >= need ? 0 : -1;
}

/* Bytes of records waiting for an outlet. */
size_t
tunnel_queued(const struct tunnel *t)
{
	return evbuffer_get_length(t->queue);
}

/* Seal len bytes of whole records into out as the next frame. */
static int
tunnel_seal_frame(struct tunnel *t, struct evbuffer *out,
    const uint8_t *recs, size_t len)
{
	struct frame_hdr	 fh;
	struct evbuffer_iovec	 vec;
	size_t			 flen = FRAME_HDRLEN + len + CRYPTO_TAGLEN;
	uint64_t		 seq = t->tx_seq + 1;

	if (evbuffer_reserve_space(out, (ev_ssize_t)flen, &vec, 1) != 1)
		return -1;
	fh.version = FRAME_VERSION;
	fh.length = (uint16_t)(len + CRYPTO_TAGLEN);
	fh.seq = (uint32_t)seq;
	frame_hdr_pack(&fh, vec.iov_base);
	if (crypto_aead_seal(&t->tx, seq, vec.iov_base, FRAME_HDRLEN,
	    recs, len, (uint8_t *)vec.iov_base + FRAME_HDRLEN) == -1)
		return -1;
	vec.iov_len = flen;
	if (evbuffer_commit_space(out, &vec, 1) == -1)
		return -1;
	t->tx_seq = seq;
	t->stats.tx_frames++;
	t->stats.tx_bytes += flen;
	return (int)flen;
}

/*
 * Seal one record straight into out as a frame of its own, ahead of the
 * queue: for the control messages that set up a path before anything
 * queued may use it.
 */
int
tunnel_seal(struct tunnel *t, struct evbuffer *out, unsigned int type,
    uint32_t flow, const void *data, size_t len)
{
	struct frame_rec	 r;
	int			 n;

	if (!t->keyed || len > FRAME_MAXDATA)
		return -1;
	r.type = (uint8_t)type;
	r.flow = flow;
	r.len = (uint16_t)len;
	frame_rec_pack(&r, t->plain);
	if (len > 0)
		memcpy(t->plain + RECORD_HDRLEN, data, len);
	if ((n = tunnel_seal_frame(t, out, t->plain,
	    RECORD_HDRLEN + len)) == -1)
		return -1;
	t->stats.tx_records++;
	/* The far half learns from every full RTP record: so must we. */
	if (type == FRAME_RTP)
		rtphc_learn(&t->hc_tx, flow, data, len);
	return n;
}

/* Bytes of the whole records at the front of the queue that fit in cap. */
static size_t
tunnel_batch(struct tunnel *t, size_t cap)
{
	struct evbuffer_ptr	 pos;
	struct frame_rec	 r;
	uint8_t			 head[RECORD_HDRLEN];
	size_t			 len = 0, queued;

	queued = evbuffer_get_length(t->queue);
	while (queued - len >= RECORD_HDRLEN) {
		if (evbuffer_ptr_set(t->queue, &pos, len,
		    EVBUFFER_PTR_SET) == -1 ||
		    evbuffer_copyout_from(t->queue, &pos, head,
		    sizeof(head)) != RECORD_HDRLEN)
			break;
		frame_rec_unpack(head, &r);
		if (len + RECORD_HDRLEN + r.len > cap)
			break;
		len += RECORD_HDRLEN + r.len;
	}
	return len;
}

/*
 * Copy len bytes of whole queued records into plain, the RTP ones with
 * their headers compressed where the far half can rebuild them; the
 * plaintext's length, never more than len. Counts compressed ones in *nz.
 */
static size_t
tunnel_compress(struct tunnel *t, const uint8_t *recs, size_t len,
    uint64_t *nz)
{
	struct frame_rec	 r, z;
	size_t			 off, plen = 0, n;

	*nz = 0;
	for (off = 0; off < len; off += RECORD_HDRLEN + r.len) {
		frame_rec_unpack(recs + off, &r);
		n = 0;
		/* Room: plen <= off, as no record ever grows. */
		if (r.type == FRAME_RTP)
			n = rtphc_compress(&t->hc_tx, r.flow,
			    recs + off + RECORD_HDRLEN, r.len,
			    t->plain + plen + RECORD_HDRLEN);
		if (n > 0) {
			z.type = FRAME_RTPZ;
			z.flow = r.flow;
			z.len = (uint16_t)n;
			frame_rec_pack(&z, t->plain + plen);
			(*nz)++;
		} else {
			n = r.len;
			memcpy(t->plain + plen, recs + off, RECORD_HDRLEN + n);
		}
		plen += RECORD_HDRLEN + n;
	}
	return plen;
}

/*
 * Seal queued records into out, as many to a frame as fit, stopping before
 * out would grow by more than max bytes; the batch is sized by the records
 * as queued, which compression only shrinks. Returns the bytes written or
 * -1.
 */
int
tunnel_flush(struct tunnel *t, struct evbuffer *out, size_t max)
{
	struct frame_rec	 r;
	size_t			 total = 0, cap, len, off, plen;
	uint64_t		 nz;
	uint8_t			*recs;
	int			 n;

	if (!t->keyed)
		return 0;
	while (evbuffer_get_length(t->queue) > 0 &&
	    max - total > FRAME_HDRLEN + CRYPTO_TAGLEN) {
		cap = max - total - FRAME_HDRLEN - CRYPTO_TAGLEN;
		if (cap > FRAME_MAXRECS)
			cap = FRAME_MAXRECS;
		if ((len = tunnel_batch(t, cap)) == 0)
			break;
		if ((recs = evbuffer_pullup(t->queue, (ev_ssize_t)len)) ==
		    NULL)
			return -1;
		plen = tunnel_compress(t, recs, len, &nz);
		if ((n = tunnel_seal_frame(t, out, t->plain, plen)) == -1) {
			/* Our contexts moved on with records that never left:
			 * start them over, and every flow's next header goes
			 * in full, which sets the far half's afresh. */
			rtphc_reset(&t->hc_tx);
			return -1;
		}
		t->stats.rtpz_tx += nz;
		for (off = 0; off < len; off += RECORD_HDRLEN + r.len) {
			frame_rec_unpack(recs + off, &r);
			if (r.type == FRAME_SIP)
				tunnel_remember(t, recs + off);
			if (tunnel_is_media(r.type))
				t->media_queued -= RECORD_HDRLEN + r.len;
			t->stats.tx_records++;
		}
		evbuffer_drain(t->queue, len);
		total += (size_t)n;
	}
	return (int)total;
}

/*
 * Open one whole frame into scratch and check every record in it, so that
 * a frame is delivered whole or not at all. Returns 0, or 1 for a frame of
 * a lane (lane: the last one its connection carried; NULL: the only
 * connection) that another lane delivered already, 2 for one that a later
 * frame overtook on another lane and that counts still (it is less than
 * RX_WINDOW behind), or -1 with a reason. Within one connection frames
 * must follow one another; across lanes only the first copy counts.
 */
static int
tunnel_open(struct tunnel *t, const struct frame_hdr *fh, const uint8_t *raw,
    uint64_t *lane, const char **why)
{
	struct frame_rec	 r;
	size_t			 len = fh->length - CRYPTO_TAGLEN, off;
	uint64_t		 seq, gap, only = t->rx_seq;

	/* The only connection has carried every frame delivered. */
	if (lane == NULL)
		lane = &only;
	if (frame_seq_near(t->rx_seq, fh->seq, &seq) == -1 || seq <= *lane) {
		*why = "replayed or reordered frame";
		return -1;
	}
	if (crypto_aead_open(&t->rx, seq, raw, FRAME_HDRLEN,
	    raw + FRAME_HDRLEN, fh->length, t->scratch) == -1) {
		*why = "frame failed authentication";
		return -1;
	}
	for (off = 0; off < len; off += RECORD_HDRLEN + r.len)
		if (frame_rec_next(t->scratch + off, len - off, &r, why) == -1)
			return -1;
	*lane = seq;
	if (seq <= t->rx_seq) {
		gap = t->rx_seq - seq;
		if (gap >= RX_WINDOW || tunnel_seen(t, seq)) {
			t->stats.rx_dups++;
			return 1;
		}
		tunnel_mark(t, seq, 1);
		t->stats.rx_late++;
		return 2;
	}
	/* Frames were lost on the way (or are late), and with them what they
	 * would have taught our contexts: rebuild nothing until full headers
	 * come. */
	gap = seq - t->rx_seq;
	if (gap > 1)
		rtphc_reset(&t->hc_rx);
	/* The window moves on: the places of the frames skipped are free. */
	if (gap >= RX_WINDOW)
		memset(t->rx_seen, 0, sizeof(t->rx_seen));
	else
		while (gap-- > 1)
			tunnel_mark(t, seq - gap, 0);
	tunnel_mark(t, seq, 1);
	t->rx_seq = seq;
	return 0;
}

/* Whether frame seq, within RX_WINDOW of the newest, came already. */
static int
tunnel_seen(const struct tunnel *t, uint64_t seq)
{
	return (t->rx_seen[seq / 64 % (RX_WINDOW / 64)] >> (seq % 64)) & 1;
}

/* Note frame seq as come (on), or free its place (off). */
static void
tunnel_mark(struct tunnel *t, uint64_t seq, int on)
{
	uint64_t	*w = &t->rx_seen[seq / 64 % (RX_WINDOW / 64)];
	uint64_t	 bit = UINT64_C(1) << (seq % 64);

	if (on)
		*w |= bit;
	else
		*w &= ~bit;
}

/*
 * Hand one opened record up: a compressed RTP record rebuilt into a whole
 * datagram (or dropped and counted, when we lack its context), a full one
 * after it teaches its flow's context; late: its frame came after a later
 * one (tunnel_open).
 */
static void
tunnel_deliver(struct tunnel *t, const struct frame_rec *r,
    const uint8_t *data, int late)
{
	size_t	 len;

	/* Our contexts have moved past a late frame's: its compressed voice
	   cannot be rebuilt, nor its full headers teach them. */
	if (late && r->type == FRAME_RTPZ) {
		t->stats.rtpz_lost++;
		return;
	}
	if (r->type == FRAME_RTPZ) {
		if (rtphc_expand(&t->hc_rx, r->flow, data, r->len, t->rtp,
		    sizeof(t->rtp), &len) == -1) {
			t->stats.rtpz_lost++;
			return;
		}
		t->cb.deliver(t->cb.arg, FRAME_RTP, r->flow, t->rtp, len);
		return;
	}
	if (r->type == FRAME_RTP && !late)
		rtphc_learn(&t->hc_rx, r->flow, data, r->len);
	t->cb.deliver(t->cb.arg, r->type, r->flow, data, r->len);
}

/*
 * Open every whole frame at the front of in and hand its records up. A
 * frame that is malformed, not authentic, replayed or out of order ends
 * the session's trust in this stream: -1 with the reason.
 */
int
tunnel_input(struct tunnel *t, struct evbuffer *in, const char **why)
{
	return tunnel_input_lane(t, in, NULL, why);
}

/*
 * tunnel_input for one of several connections that carry the same frames
 * at once (lanes): lane holds the last frame this connection carried (0
 * on a new one). Frames another lane delivered first are opened, checked
 * and dropped.
 */
int
tunnel_input_lane(struct tunnel *t, struct evbuffer *in, uint64_t *lane,
    const char **why)
{
	struct frame_hdr	 fh;
	struct frame_rec	 r;
	uint8_t			*raw;
	size_t			 len, off;
	int			 rc;

	if (!t->keyed) {
		*why = "frame before keys";
		return evbuffer_get_length(in) > 0 ? -1 : 0;
	}
	while ((rc = frame_next(in, &fh, why)) == 1) {
		raw = evbuffer_pullup(in, FRAME_HDRLEN + fh.length);
		if (raw == NULL) {
			*why = "out of memory";
			return -1;
		}
		if ((rc = tunnel_open(t, &fh, raw, lane, why)) == -1)
			return -1;
		evbuffer_drain(in, FRAME_HDRLEN + fh.length);
		if (rc == 1)
			continue;
		t->stats.rx_frames++;
		t->stats.rx_bytes += FRAME_HDRLEN + fh.length;
		len = fh.length - CRYPTO_TAGLEN;
		for (off = 0; off < len; off += RECORD_HDRLEN + r.len) {
			frame_rec_unpack(t->scratch + off, &r);
			t->stats.rx_records++;
			if (r.type == FRAME_SIP)
				t->ack_due = 1;
			if (r.type == FRAME_CONTROL && r.len == 9 &&
			    t->scratch[off + RECORD_HDRLEN] == FRAME_CTL_ACK)
				tunnel_acked(t, t->scratch + off +
				    RECORD_HDRLEN + 1);
			else if (r.type == FRAME_CONTROL &&
			    r.len == PING_LEN &&
			    (t->scratch[off + RECORD_HDRLEN] ==
			    FRAME_CTL_PING || t->scratch[off + RECORD_HDRLEN] ==
			    FRAME_CTL_PONG))
				tunnel_pong(t, t->scratch + off +
				    RECORD_HDRLEN, r.len);
			else
				tunnel_deliver(t, &r,
				    t->scratch + off + RECORD_HDRLEN, rc == 2);
		}
	}
	return rc == -1 ? -1 : 0;
}

/*
 * Keep a copy of a sealed SIP record until the far half acknowledges it.
 * The record has left either way; what may fail is only its resending
 * after an outage, with a warning.
 */
static void
tunnel_remember(struct tunnel *t, const uint8_t *rec)
{
	struct frame_rec	 r;
	size_t			 len;

	frame_rec_unpack(rec, &r);
	len = RECORD_HDRLEN + r.len;
	if (evbuffer_get_length(t->unacked) + sizeof(t->tx_seq) + len >
	    SIP_OVERRUN * t->queue_max) {
		log_warnx("tunnel: %zu bytes of SIP unacknowledged; the far "
		    "half is not answering", evbuffer_get_length(t->unacked));
		return;
	}
	/* Reserved first, so that the adds cannot fail half way. */
	if (evbuffer_expand(t->unacked, sizeof(t->tx_seq) + len) == -1 ||
	    evbuffer_add(t->unacked, &t->tx_seq, sizeof(t->tx_seq)) == -1 ||
	    evbuffer_add(t->unacked, rec, len) == -1)
		log_warnx("tunnel: out of memory; a SIP message would not be "
		    "sent again after an outage");
}

/* The far half has every frame up to a sequence number: forget them. */
static void
tunnel_acked(struct tunnel *t, const uint8_t *p)
{
	struct frame_rec	 r;
	uint64_t		 upto = 0, seq;
	uint8_t			 head[sizeof(seq) + RECORD_HDRLEN];
	int			 i;

	for (i = 0; i < 8; i++)
		upto = upto << 8 | p[i];
	while (evbuffer_copyout(t->unacked, head, sizeof(head)) ==
	    (ev_ssize_t)sizeof(head)) {
		memcpy(&seq, head, sizeof(seq));
		frame_rec_unpack(head + sizeof(seq), &r);
		if (seq > upto)
			break;
		evbuffer_drain(t->unacked, sizeof(head) + r.len);
	}
}

/*
 * Put unacknowledged SIP back at the front of the queue, and forget queued
 * acknowledgements: they count sequence numbers of the session that ends.
 */
static int
tunnel_requeue(struct tunnel *t)
{
	struct evbuffer		*q;
	struct frame_rec	 r;
	uint64_t		 seq;
	uint8_t			 head[sizeof(seq) + RECORD_HDRLEN];
	size_t			 n = 0;

	if ((q = evbuffer_new()) == NULL)
		return -1;
	while (evbuffer_copyout(t->unacked, head, sizeof(head)) ==
	    (ev_ssize_t)sizeof(head)) {
		frame_rec_unpack(head + sizeof(seq), &r);
		evbuffer_drain(t->unacked, sizeof(seq));
		if (evbuffer_remove_buffer(t->unacked, q, RECORD_HDRLEN +
		    r.len) != (int)(RECORD_HDRLEN + r.len)) {
			evbuffer_free(q);
			return -1;
		}
		n++;
	}
	while (tunnel_peek(t->queue, &r) == 0) {
		if (r.type == FRAME_CONTROL)
			evbuffer_drain(t->queue, RECORD_HDRLEN + r.len);
		else if (evbuffer_remove_buffer(t->queue, q, RECORD_HDRLEN +
		    r.len) != (int)(RECORD_HDRLEN + r.len)) {
			evbuffer_free(q);
			return -1;
		}
	}
	evbuffer_add_buffer(t->queue, q);
	evbuffer_free(q);
	if (n > 0)
		log_info("tunnel: %zu unacknowledged SIP message(s) will be "
		    "sent again", n);
	return 0;
}

/*
 * Queue an acknowledgement of everything received so far if SIP arrived
 * since the last one (only SIP is ever sent again, so only SIP needs it);
 * the halves call this after reading frames, and from their timers.
 */
int
tunnel_ack(struct tunnel *t)
{
	uint8_t	 ack[9];
	int	 i;

	if (!t->keyed || !t->ack_due)
		return 0;
	ack[0] = FRAME_CTL_ACK;
	for (i = 0; i < 8; i++)
		ack[1 + i] = (uint8_t)(t->rx_seq >> (56 - 8 * i));
	if (tunnel_send(t, FRAME_CONTROL, 0, ack, sizeof(ack)) == -1)
		return -1;
	t->ack_due = 0;
	return 0;
}

/* Tell the drop callback of a voice record the queue lost. */
static void
tunnel_dropped(struct tunnel *t, unsigned int type, uint32_t flow)
{
	if (t->drop_cb != NULL && (type == FRAME_RTP || type == FRAME_RTCP))
		t->drop_cb(t->drop_arg, flow);
}

/* Set who hears of dropped voice records. */
void
tunnel_set_drop_cb(struct tunnel *t, tunnel_drop_fn fn, void *arg)
{
	if (t == NULL)
		return;
	t->drop_cb = fn;
	t->drop_arg = arg;
}

/*
 * Queue a ping carrying our clock if the last one left TUNNEL_PING_US
 * ago: the far half sends the 8 bytes back (an older half ignores the
 * code), and the time they took is the tunnel's round trip, queueing in
 * both halves included, as voice sees it.
 */
static void
tunnel_ping(struct tunnel *t)
{
	uint8_t		 ping[PING_LEN];
	uint64_t	 now = clock_now_us();
	int		 i;

	if (now == 0 || now - t->ping_us < TUNNEL_PING_US)
		return;
	/*
	 * Only a pumped session has a far half to answer; and a ping that
	 * waited out an outage would time the outage.
	 */
	if (t->pump.outlet == NULL ||
	    t->pump.outlet(t->pump.arg) == TUNNEL_OUT_NONE)
		return;
	t->ping_us = now;
	ping[0] = FRAME_CTL_PING;
	for (i = 0; i < 8; i++)
		ping[1 + i] = (uint8_t)(now >> (56 - 8 * i));
	if (tunnel_send(t, FRAME_CONTROL, 0, ping, sizeof(ping)) == -1)
		log_debug("%scannot queue a ping", t->who);
}

/* A ping from the far half (answer it) or the answer to ours (time it). */
static void
tunnel_pong(struct tunnel *t, const uint8_t *data, size_t len)
{
	uint8_t		 pong[PING_LEN];
	uint64_t	 sent = 0, now, rtt;
	size_t		 i;

	if (data[0] == FRAME_CTL_PING) {
		memcpy(pong, data, len);
		pong[0] = FRAME_CTL_PONG;
		if (tunnel_send(t, FRAME_CONTROL, 0, pong, sizeof(pong)) == -1)
			log_debug("%scannot answer a ping", t->who);
		return;
	}
	for (i = 1; i < len; i++)
		sent = sent << 8 | data[i];
	now = clock_now_us();
	/* Only what we sent can come back: the clock is ours. */
	if (sent == 0 || sent > now || now - sent > RTT_MAX_US)
		return;
	rtt = now - sent;
	t->stats.pings++;
	t->stats.rtt_last_us = (uint32_t)rtt;
	t->stats.rtt_us = t->stats.rtt_us == 0 ? (uint32_t)rtt :
	    (uint32_t)((7 * (uint64_t)t->stats.rtt_us + rtt) / 8);
	if (t->stats.rtt_us == 0)
		t->stats.rtt_us = 1;
}

/* The smoothed round trip in ms, or -1. */
double
tunnel_rtt_ms(const struct tunnel *t)
{
	if (t->stats.pings == 0)
		return -1;
	return (double)t->stats.rtt_us / 1000.0;
}

/* Throw away queued voice: after an outage it would only arrive late. */
void
tunnel_purge_media(struct tunnel *t)
{
	struct evbuffer		*keep;
	struct frame_rec	 r;

	if ((keep = evbuffer_new()) == NULL)
		return;
	while (tunnel_peek(t->queue, &r) == 0) {
		if (tunnel_is_media(r.type)) {
			evbuffer_drain(t->queue, RECORD_HDRLEN + r.len);
			t->stats.purged++;
			tunnel_dropped(t, r.type, r.flow);
		} else if (evbuffer_remove_buffer(t->queue, keep,
		    RECORD_HDRLEN + r.len) != RECORD_HDRLEN + r.len)
			break;
	}
	evbuffer_drain(t->queue, evbuffer_get_length(t->queue));
	evbuffer_add_buffer(t->queue, keep);
	evbuffer_free(keep);
	t->media_queued = 0;
}

/*
 * Records were queued: flush them at the end of this loop turn, or let
 * voice wait up to the batch wait for more to share its frame.
 */
void
tunnel_pump_kick(struct tunnel *t, int now)
{
	tunnel_pump_kick_cb(t, now ? 0 : t->batch_wait);
}

/*
 * The frame layer's kick: voice waits wait_us for company. Only a stream
 * outlet waits: a poll outlet's round trips batch already, and without an
 * outlet nothing leaves either way.
 */
static void
tunnel_pump_kick_cb(void *arg, int wait_us)
{
	struct tunnel	*t = arg;

	tunnel_schedule_flush(t->flush_ev,
	    t->pump.outlet(t->pump.arg) != TUNNEL_OUT_STREAM ? 0 : wait_us);
}

/* Deferred flush, so that a burst of records leaves as one chunk. */
static void
tunnel_pump_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tunnel_pump_flush(arg);
}

/*
 * Move queued frames into the outlet: a poll outlet takes one batch; a
 * stream outlet takes chunks while it holds less than its high-water
 * mark, and the rest waits until the half calls this again as it drains.
 */
void
tunnel_pump_flush(struct tunnel *t)
{
	const struct tunnel_pump_cb	*cb = &t->pump;

	if (tunnel_queued(t) == 0)
		return;
	switch (cb->outlet(cb->arg)) {
	case TUNNEL_OUT_NONE:
		return;
	case TUNNEL_OUT_POLL:
		cb->poll(cb->arg);
		return;
	case TUNNEL_OUT_STREAM:
		break;
	}
	while (tunnel_queued(t) > 0 && cb->pending(cb->arg) < cb->high_water) {
		if (tunnel_flush(t, t->out, cb->chunk_max) <= 0 ||
		    cb->write(cb->arg, t->out) == -1) {
			log_warnx("%scannot write %s", t->who, cb->outlet_name);
			evbuffer_drain(t->out, evbuffer_get_length(t->out));
			break;
		}
	}
	cb->sent(cb->arg);
}

/* Hand an opened record to the half's handler for its type. */
static void
tunnel_pump_deliver(void *arg, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	struct tunnel			*t = arg;
	const struct tunnel_pump_cb	*cb = &t->pump;

	switch (type) {
	case FRAME_CONTROL:
		cb->control(cb->arg, data, len);
		break;
	case FRAME_KEEPALIVE:
		break;
	case FRAME_HOOK:
		cb->hook(cb->arg, data, len);
		break;
	case FRAME_SIP:
		cb->sip(cb->arg, flow, data, len);
		break;
	case FRAME_RTP:
	case FRAME_RTCP:
		cb->media(cb->arg, type, flow, data, len);
		break;
	default:
		log_debug("%s%s frame not handled", t->who,
		    frame_type_name(type));
		break;
	}
}

/* Counters for logs and the status line. */
const struct tunnel_stats *
tunnel_stats(const struct tunnel *t)
{
	return &t->stats;
}

/* The counters as one log line, written into buf. */
const char *
tunnel_stats_line(const struct tunnel *t, char *buf, size_t len)
{
	const struct tunnel_stats	*st = &t->stats;

	snprintf(buf, len, "sent %llu records in %llu frames, %llu bytes "
	    "(%llu RTP headers compressed); received %llu records in %llu "
	    "frames, %llu bytes; voice dropped for a full queue %llu, stale "
	    "%llu, not rebuilt %llu; frames a second lane had brought %llu, "
	    "frames overtaken on another lane %llu",
	    (unsigned long long)st->tx_records,
	    (unsigned long long)st->tx_frames,
	    (unsigned long long)st->tx_bytes,
	    (unsigned long long)st->rtpz_tx,
	    (unsigned long long)st->rx_records,
	    (unsigned long long)st->rx_frames,
	    (unsigned long long)st->rx_bytes,
	    (unsigned long long)st->dropped,
	    (unsigned long long)st->purged,
	    (unsigned long long)st->rtpz_lost,
	    (unsigned long long)st->rx_dups,
	    (unsigned long long)st->rx_late);
	return buf;
}

/* Log the counters: "tunnel<what>: ...", behind the pump's prefix. */
void
tunnel_log_stats(const struct tunnel *t, const char *what)
{
	char	 line[512];

	log_info("%stunnel%s: %s", t->who, what, tunnel_stats_line(t, line,
	    sizeof(line)));
}
