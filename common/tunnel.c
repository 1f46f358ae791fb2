/*
 * The frame layer of a tunnel session. Records wait in plaintext so that a
 * session whose connections (or whose keys, after hras restarts) change
 * still delivers what was handed to it: SIP is never dropped, while voice
 * that waited too long is purged rather than played late.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "tunnel.h"

/* Queue record header: type, pad, length (2), flow (4), host order. */
#define RECORD_HDRLEN	8
/* SIP may overrun the media bound by this factor before it is refused. */
#define SIP_OVERRUN	4

struct tunnel {
	struct tunnel_cb	 cb;
	struct evbuffer		*queue;
	size_t			 media_queued;	/* bytes of voice records */
	size_t			 queue_max;
	struct crypto_aead	 tx;
	struct crypto_aead	 rx;
	int			 keyed;
	uint64_t		 tx_seq;
	uint64_t		 rx_seq;
	int			 ack_due;	/* SIP arrived since the last ack */
	struct evbuffer		*unacked;	/* sent SIP: seq + record */
	struct tunnel_stats	 stats;
	uint8_t			 scratch[FRAME_MAXLEN];
};

struct record_hdr {
	uint8_t		type;
	uint8_t		pad;
	uint16_t	len;
	uint32_t	flow;
};

static int	tunnel_is_media(unsigned int);
static int	tunnel_drop_oldest(struct tunnel *, size_t);
static int	tunnel_remember(struct tunnel *, const uint8_t *);
static void	tunnel_acked(struct tunnel *, const uint8_t *);
static int	tunnel_requeue(struct tunnel *);
static int	tunnel_seal_record(struct tunnel *, struct evbuffer *,
		    const struct record_hdr *, const uint8_t *);

/* Voice may be dropped when it cannot be carried in time; SIP never. */
static int
tunnel_is_media(unsigned int type)
{
	return type == FRAME_RTP || type == FRAME_RTCP || type == FRAME_HOOK;
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
	evbuffer_free(t->queue);
	evbuffer_free(t->unacked);
	free(t);
}

/*
 * Install a new session's keys; sequence numbers start over, and SIP the
 * far half never acknowledged goes out again first, in its old order.
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
	t->ack_due = 0;
	t->keyed = 1;
	return 0;
}

/*
 * Queue one record for the far half. Media is refused once the queue holds
 * queue_max bytes; SIP only past SIP_OVERRUN times that, as a last bound.
 */
int
tunnel_send(struct tunnel *t, unsigned int type, uint32_t flow,
    const void *data, size_t len)
{
	struct record_hdr	 rh;
	size_t			 queued = evbuffer_get_length(t->queue);
	size_t			 limit = t->queue_max;

	if (len > FRAME_MAXDATA)
		return -1;
	if (!tunnel_is_media(type))
		limit *= SIP_OVERRUN;
	/* Full of voice: the oldest goes first, it would arrive too late. */
	if (queued + RECORD_HDRLEN + len > limit && tunnel_is_media(type) &&
	    queued + RECORD_HDRLEN + len - limit <= t->media_queued &&
	    tunnel_drop_oldest(t, queued + RECORD_HDRLEN + len - limit) == 0)
		queued = evbuffer_get_length(t->queue);
	if (queued + RECORD_HDRLEN + len > limit) {
		t->stats.dropped++;
		if (!tunnel_is_media(type))
			log_warnx("tunnel queue full (%zu bytes): %s frame "
			    "refused", queued, frame_type_name(type));
		return -1;
	}
	rh.type = (uint8_t)type;
	rh.pad = 0;
	rh.len = (uint16_t)len;
	rh.flow = flow;
	/* Reserve first so that the queue only ever holds whole records. */
	if (evbuffer_expand(t->queue, RECORD_HDRLEN + len) == -1 ||
	    evbuffer_add(t->queue, &rh, sizeof(rh)) == -1 ||
	    (len > 0 && evbuffer_add(t->queue, data, len) == -1))
		return -1;
	if (tunnel_is_media(type))
		t->media_queued += RECORD_HDRLEN + len;
	if (queued == 0 && t->cb.kick != NULL)
		t->cb.kick(t->cb.arg);
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
	struct record_hdr	 rh;
	size_t			 freed = 0, n;

	if ((keep = evbuffer_new()) == NULL)
		return -1;
	while (freed < need && evbuffer_copyout(t->queue, &rh, sizeof(rh)) ==
	    sizeof(rh)) {
		n = RECORD_HDRLEN + rh.len;
		if (tunnel_is_media(rh.type)) {
			evbuffer_drain(t->queue, n);
			t->media_queued -= n;
			freed += n;
			t->stats.dropped++;
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

/* Seal one record into out as the next frame of this session. */
static int
tunnel_seal_record(struct tunnel *t, struct evbuffer *out,
    const struct record_hdr *rh, const uint8_t *data)
{
	struct frame_hdr	 fh;
	struct evbuffer_iovec	 vec;
	size_t			 flen = FRAME_HDRLEN + rh->len + CRYPTO_TAGLEN;

	if (evbuffer_reserve_space(out, (ev_ssize_t)flen, &vec, 1) != 1)
		return -1;
	fh.version = FRAME_VERSION;
	fh.type = rh->type;
	fh.length = (uint16_t)(rh->len + CRYPTO_TAGLEN);
	fh.flow = rh->flow;
	fh.seq = ++t->tx_seq;
	frame_hdr_pack(&fh, vec.iov_base);
	if (crypto_aead_seal(&t->tx, fh.seq, vec.iov_base, FRAME_HDRLEN,
	    data, rh->len, (uint8_t *)vec.iov_base + FRAME_HDRLEN) == -1)
		return -1;
	vec.iov_len = flen;
	if (evbuffer_commit_space(out, &vec, 1) == -1)
		return -1;
	t->stats.tx_frames++;
	t->stats.tx_bytes += flen;
	return (int)flen;
}

/*
 * Seal one frame straight into out, ahead of the queue: for the control
 * frames that set up a path before anything queued may use it.
 */
int
tunnel_seal(struct tunnel *t, struct evbuffer *out, unsigned int type,
    uint32_t flow, const void *data, size_t len)
{
	struct record_hdr	 rh;

	if (!t->keyed || len > FRAME_MAXDATA)
		return -1;
	rh.type = (uint8_t)type;
	rh.pad = 0;
	rh.len = (uint16_t)len;
	rh.flow = flow;
	return tunnel_seal_record(t, out, &rh, data);
}

/*
 * Seal queued records into out as frames, stopping before out would grow
 * by more than max bytes. Returns the bytes written or -1.
 */
int
tunnel_flush(struct tunnel *t, struct evbuffer *out, size_t max)
{
	struct record_hdr	 rh;
	size_t			 total = 0, flen;
	uint8_t			*rec;
	int			 n;

	if (!t->keyed)
		return 0;
	while (evbuffer_get_length(t->queue) >= RECORD_HDRLEN) {
		if (evbuffer_copyout(t->queue, &rh, sizeof(rh)) !=
		    sizeof(rh))
			return -1;
		flen = FRAME_HDRLEN + (size_t)rh.len + CRYPTO_TAGLEN;
		if (total + flen > max)
			break;
		rec = evbuffer_pullup(t->queue, RECORD_HDRLEN + rh.len);
		if (rec == NULL ||
		    (n = tunnel_seal_record(t, out, &rh,
		    rec + RECORD_HDRLEN)) == -1)
			return -1;
		if (rh.type == FRAME_SIP && tunnel_remember(t, rec) == -1)
			return -1;
		evbuffer_drain(t->queue, RECORD_HDRLEN + rh.len);
		if (tunnel_is_media(rh.type))
			t->media_queued -= RECORD_HDRLEN + rh.len;
		total += (size_t)n;
	}
	return (int)total;
}

/*
 * Open every whole frame at the front of in and hand it up. A frame that
 * is malformed, not authentic, replayed or out of order ends the session's
 * trust in this stream: -1 with the reason.
 */
int
tunnel_input(struct tunnel *t, struct evbuffer *in, const char **why)
{
	struct frame_hdr	 fh;
	uint8_t			*raw;
	size_t			 dlen;
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
		if (fh.seq <= t->rx_seq) {
			*why = "replayed or reordered frame";
			return -1;
		}
		dlen = fh.length - CRYPTO_TAGLEN;
		if (crypto_aead_open(&t->rx, fh.seq, raw, FRAME_HDRLEN,
		    raw + FRAME_HDRLEN, fh.length, t->scratch) == -1) {
			*why = "frame failed authentication";
			return -1;
		}
		t->rx_seq = fh.seq;
		evbuffer_drain(in, FRAME_HDRLEN + fh.length);
		t->stats.rx_frames++;
		t->stats.rx_bytes += FRAME_HDRLEN + fh.length;
		if (fh.type == FRAME_SIP)
			t->ack_due = 1;
		if (fh.type == FRAME_CONTROL && dlen == 9 &&
		    t->scratch[0] == FRAME_CTL_ACK)
			tunnel_acked(t, t->scratch + 1);
		else
			t->cb.deliver(t->cb.arg, fh.type, fh.flow, t->scratch,
			    dlen);
	}
	return rc == -1 ? -1 : 0;
}

/* Keep a copy of a sealed SIP record until the far half acknowledges it. */
static int
tunnel_remember(struct tunnel *t, const uint8_t *rec)
{
	struct record_hdr	 rh;
	size_t			 len;

	memcpy(&rh, rec, sizeof(rh));
	len = RECORD_HDRLEN + rh.len;
	/* The frame still goes out; only its resending after an outage is
	 * given up, with a warning, when the far half stops acknowledging. */
	if (evbuffer_get_length(t->unacked) + sizeof(t->tx_seq) + len >
	    SIP_OVERRUN * t->queue_max) {
		log_warnx("tunnel: %zu bytes of SIP unacknowledged; the far "
		    "half is not answering", evbuffer_get_length(t->unacked));
		return 0;
	}
	if (evbuffer_expand(t->unacked, sizeof(t->tx_seq) + len) == -1 ||
	    evbuffer_add(t->unacked, &t->tx_seq, sizeof(t->tx_seq)) == -1 ||
	    evbuffer_add(t->unacked, rec, len) == -1)
		return -1;
	return 0;
}

/* The far half has every frame up to a sequence number: forget them. */
static void
tunnel_acked(struct tunnel *t, const uint8_t *p)
{
	struct record_hdr	 rh;
	uint64_t		 upto = 0, seq;
	uint8_t			 head[sizeof(seq) + RECORD_HDRLEN];
	int			 i;

	for (i = 0; i < 8; i++)
		upto = upto << 8 | p[i];
	while (evbuffer_copyout(t->unacked, head, sizeof(head)) ==
	    (ev_ssize_t)sizeof(head)) {
		memcpy(&seq, head, sizeof(seq));
		memcpy(&rh, head + sizeof(seq), sizeof(rh));
		if (seq > upto)
			break;
		evbuffer_drain(t->unacked, sizeof(head) + rh.len);
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
	struct record_hdr	 rh;
	uint64_t		 seq;
	uint8_t			 head[sizeof(seq) + RECORD_HDRLEN];
	size_t			 n = 0;

	if ((q = evbuffer_new()) == NULL)
		return -1;
	while (evbuffer_copyout(t->unacked, head, sizeof(head)) ==
	    (ev_ssize_t)sizeof(head)) {
		memcpy(&rh, head + sizeof(seq), sizeof(rh));
		evbuffer_drain(t->unacked, sizeof(seq));
		if (evbuffer_remove_buffer(t->unacked, q, RECORD_HDRLEN +
		    rh.len) != (int)(RECORD_HDRLEN + rh.len)) {
			evbuffer_free(q);
			return -1;
		}
		n++;
	}
	while (evbuffer_copyout(t->queue, &rh, sizeof(rh)) == sizeof(rh)) {
		if (rh.type == FRAME_CONTROL)
			evbuffer_drain(t->queue, RECORD_HDRLEN + rh.len);
		else if (evbuffer_remove_buffer(t->queue, q, RECORD_HDRLEN +
		    rh.len) != (int)(RECORD_HDRLEN + rh.len)) {
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

/* Throw away queued voice: after an outage it would only arrive late. */
void
tunnel_purge_media(struct tunnel *t)
{
	struct evbuffer		*keep;
	struct record_hdr	 rh;

	if ((keep = evbuffer_new()) == NULL)
		return;
	while (evbuffer_get_length(t->queue) >= RECORD_HDRLEN &&
	    evbuffer_copyout(t->queue, &rh, sizeof(rh)) == sizeof(rh)) {
		if (tunnel_is_media(rh.type)) {
			evbuffer_drain(t->queue, RECORD_HDRLEN + rh.len);
			t->stats.purged++;
		} else if (evbuffer_remove_buffer(t->queue, keep,
		    RECORD_HDRLEN + rh.len) != RECORD_HDRLEN + rh.len)
			break;
	}
	evbuffer_drain(t->queue, evbuffer_get_length(t->queue));
	evbuffer_add_buffer(t->queue, keep);
	evbuffer_free(keep);
	t->media_queued = 0;
}

/* Counters for logs and the status line. */
const struct tunnel_stats *
tunnel_stats(const struct tunnel *t)
{
	return &t->stats;
}
