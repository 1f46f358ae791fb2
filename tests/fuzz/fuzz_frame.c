/*
 * libFuzzer target for the frame layer (frame version 2). The first byte
 * modulo 3 chooses a mode:
 *
 *  0: the rest is a byte stream from the network. It is walked with
 *     frame_next as a reader would, and fed in pieces (size from the
 *     second byte) into tunnel_input of a keyed tunnel, which may only
 *     ever take whole frames of that walk.
 *  1: the rest describes records; tunnel A queues or seals them, flushes
 *     with input-chosen bounds and purges media, and a model predicts the
 *     frames each flush makes (as many whole records to a frame as fit),
 *     the kicks and the queue; tunnel B must deliver exactly the model's
 *     records, in order and each in the frame the model put it in, then
 *     refuse the first frame when it is replayed. RTP records that look
 *     like a stream go header-compressed: the model sizes frames with
 *     contexts of its own, and B must rebuild them bit for bit. When the
 *     piece size is even, B reads the frames over two lanes at once, in
 *     pieces of different sizes, and must still deliver each once.
 *  2: the rest describes frames that the harness seals itself with B's
 *     key, plaintext straight from the input: records that may not add
 *     up, sequence numbers that repeat or leap, bytes changed after
 *     sealing. B must deliver every record of each good frame in order,
 *     and nothing of the first bad frame or after it, refused for the
 *     reason its first fault gives. Compressed RTP records are rebuilt
 *     or dropped as a model of B's contexts says.
 *
 * The keys are fixed so that seeds can hold genuine frames (B reads what
 * A's direction "up" seals).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "rtphc.h"
#include "tunnel.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Big records' data: up to one byte more than a record may carry. */
#define FF_FILLLEN	(FRAME_MAXDATA + 1)
#define FF_BATCH_WAIT	1000	/* µs: the kicks may ask for no more */

/* One record the model expects B to deliver, and the frame it comes in. */
struct ff_rec {
	uint8_t		 type;
	uint32_t	 flow;
	const uint8_t	*data;
	size_t		 len;
	size_t		 frame;
};

/* What one side's callbacks check against and count. */
struct ff_check {
	const struct ff_rec	*want;
	size_t			 nwant;
	size_t			 got;
	int			 strict;	/* must match want */
	const struct tunnel	*t;		/* the receiving tunnel */
	size_t			 kicks;		/* asked to flush */
};

/* 31 characters and the NUL: the seeds' frames are sealed with these. */
static const uint8_t	 ff_up[CRYPTO_KEYLEN] =
    "vofw fuzz key, direction up....";
static const uint8_t	 ff_down[CRYPTO_KEYLEN] =
    "vofw fuzz key, direction down..";

static volatile uint8_t	 ff_sink;
static struct crypto_aead ff_seal_up;	/* mode 2 seals as A would */
static uint8_t		 ff_fill[FF_FILLLEN];	/* big records' data */
static uint8_t		 ff_frame[FRAME_HDRLEN + FRAME_MAXLEN];
static struct rtphc	 ff_hc;		/* the model's RTP header contexts */
static uint8_t		 ff_rtp[FRAME_MAXDATA];	/* one (de)compressed */

static void	 ff_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 ff_kick(void *, int);
static struct tunnel *ff_tunnel(size_t, struct ff_check *, int);
static void	 ff_stream(const uint8_t *, size_t);
static void	 ff_round_trip(const uint8_t *, size_t);
static void	 ff_sealed(const uint8_t *, size_t);
static size_t	 ff_flush_model(struct ff_rec *, size_t *, size_t,
		    struct ff_rec *, size_t *, size_t *, size_t *);
static const char *ff_walk(const uint8_t *, size_t, int, struct ff_rec *,
		    size_t *, size_t, size_t *, uint8_t **);
static size_t	 ff_biglen(uint8_t);
static int	 ff_is_media(unsigned int);
static int	 ff_is_ack(const struct ff_rec *);

/* Quiet logs (refused SIP is logged on purpose); fixed keys and data. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t	 i;

	(void)argc;
	(void)argv;
	log_init("fuzz_frame", 0, LOG_LEVEL_ERR);
	if (crypto_aead_init(&ff_seal_up, ff_up, "up") == -1)
		abort();
	for (i = 0; i < sizeof(ff_fill); i++)
		ff_fill[i] = (uint8_t)(i % 251);
	return 0;
}

/*
 * Check a delivered record; when strict it must be the next expected, in
 * the frame the model put it in (the frame being delivered has just been
 * counted).
 */
static void
ff_deliver(void *arg, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	struct ff_check		*c = arg;
	const struct ff_rec	*w;
	size_t			 i;

	if (type < FRAME_SIP || type > FRAME_HOOK || len > FRAME_MAXDATA)
		abort();
	/* Touch every byte: ASan checks the data is all there. */
	for (i = 0; i < len; i++)
		ff_sink ^= data[i];
	if (c->strict) {
		if (c->got >= c->nwant)
			abort();
		w = &c->want[c->got];
		if (w->type != type || w->flow != flow || w->len != len ||
		    (len > 0 && memcmp(w->data, data, len) != 0) ||
		    tunnel_stats(c->t)->rx_frames != w->frame + 1)
			abort();
	}
	c->got++;
}

/* Count a sending tunnel's kicks. */
static void
ff_kick(void *arg, int wait_us)
{
	struct ff_check	*c = arg;

	if (wait_us < 0 || wait_us > FF_BATCH_WAIT)
		abort();
	c->kicks++;
}

/* A tunnel keyed as hrac (is_a) or hras. */
static struct tunnel *
ff_tunnel(size_t qmax, struct ff_check *c, int is_a)
{
	struct tunnel_cb	 cb = { ff_deliver, ff_kick, c };
	struct tunnel		*t;
	int			 rc;

	if ((t = tunnel_new(qmax, &cb)) == NULL)
		abort();
	if (is_a)
		rc = tunnel_set_keys(t, ff_up, "up", ff_down, "down");
	else
		rc = tunnel_set_keys(t, ff_down, "down", ff_up, "up");
	if (rc == -1)
		abort();
	c->t = t;
	return t;
}

/* A big record's length: the largest a record may be, one more, or less. */
static size_t
ff_biglen(uint8_t b)
{
	if (b == 255)
		return FRAME_MAXDATA + 1;
	if (b == 254)
		return FRAME_MAXDATA;
	return (size_t)b * 257;
}

/* Voice, as the tunnel counts it. */
static int
ff_is_media(unsigned int type)
{
	return type == FRAME_RTP || type == FRAME_RTCP || type == FRAME_HOOK;
}

/* An acknowledgement is consumed by the receiving tunnel, not delivered. */
static int
ff_is_ack(const struct ff_rec *r)
{
	return r->type == FRAME_CONTROL && r->len == 9 &&
	    r->data[0] == FRAME_CTL_ACK;
}

/* Network bytes into frame_next and into a receiving tunnel. */
static void
ff_stream(const uint8_t *data, size_t size)
{
	struct ff_check		 c = { NULL, 0, 0, 0, NULL, 0 };
	const struct tunnel_stats *st;
	struct evbuffer		*b;
	struct tunnel		*t;
	struct frame_hdr	 h;
	uint8_t			 raw[FRAME_HDRLEN], again[FRAME_HDRLEN];
	const char		*why;
	size_t			 piece, off, n, frames = 0, *flen, sum;
	int			 rc;

	if (size < 1)
		return;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	/* A frame takes at least a header, a record head and a tag. */
	if ((flen = calloc(size / (FRAME_HDRLEN + RECORD_HDRLEN +
	    CRYPTO_TAGLEN) + 1, sizeof(*flen))) == NULL)
		abort();

	if ((b = evbuffer_new()) == NULL)
		abort();
	evbuffer_add(b, data, size);
	why = NULL;
	while ((rc = frame_next(b, &h, &why)) == 1) {
		if (h.version != FRAME_VERSION ||
		    h.length < RECORD_HDRLEN + CRYPTO_TAGLEN ||
		    evbuffer_get_length(b) < FRAME_HDRLEN + (size_t)h.length ||
		    evbuffer_copyout(b, raw, sizeof(raw)) != FRAME_HDRLEN)
			abort();
		/* What was accepted is exactly what packing it gives back. */
		frame_hdr_pack(&h, again);
		if (memcmp(raw, again, sizeof(raw)) != 0)
			abort();
		flen[frames++] = FRAME_HDRLEN + (size_t)h.length;
		evbuffer_drain(b, FRAME_HDRLEN + (size_t)h.length);
	}
	if (rc == -1 && why == NULL)
		abort();
	if (rc == 0 && evbuffer_get_length(b) >= FRAME_HDRLEN &&
	    evbuffer_get_length(b) >= FRAME_HDRLEN + (size_t)h.length)
		abort();
	evbuffer_free(b);

	t = ff_tunnel(4096, &c, 0);
	if ((b = evbuffer_new()) == NULL)
		abort();
	for (off = 0, rc = 0; off < size && rc == 0; off += n) {
		n = size - off < piece ? size - off : piece;
		evbuffer_add(b, data + off, n);
		why = NULL;
		rc = tunnel_input(t, b, &why);
		if (rc == -1 && why == NULL)
			abort();
	}
	/*
	 * The tunnel took whole frames of the walk, from the front, each
	 * with at least one record; the records it delivered are among them.
	 */
	st = tunnel_stats(t);
	if (st->rx_frames > frames || st->rx_records < st->rx_frames ||
	    c.got > st->rx_records)
		abort();
	for (n = 0, sum = 0; n < st->rx_frames; n++)
		sum += flen[n];
	if (st->rx_bytes != sum || evbuffer_get_length(b) != off - sum)
		abort();
	evbuffer_free(b);
	tunnel_free(t);
	free(flen);
}

/*
 * What tunnel_flush(max) must do with the model's queue of npend records:
 * frames of as many whole records from the front as fit, none past max in
 * all (sized as queued; RTP headers are compressed as they are sealed).
 * Sealed records leave the queue in order and go to want unless they are
 * acknowledgements, each with its frame's number; frames and records are
 * counted. Returns the bytes written.
 */
static size_t
ff_flush_model(struct ff_rec *pend, size_t *npend, size_t max,
    struct ff_rec *want, size_t *nwant, size_t *nframes, size_t *nrecs)
{
	size_t	 total = 0, cap, len, wlen, z, i = 0, j, k;

	while (i < *npend && max - total > FRAME_HDRLEN + CRYPTO_TAGLEN) {
		cap = max - total - FRAME_HDRLEN - CRYPTO_TAGLEN;
		if (cap > FRAME_MAXRECS)
			cap = FRAME_MAXRECS;
		for (j = i, len = 0; j < *npend &&
		    len + RECORD_HDRLEN + pend[j].len <= cap; j++)
			len += RECORD_HDRLEN + pend[j].len;
		if (j == i)
			break;
		for (k = i, wlen = 0; k < j; k++) {
			pend[k].frame = *nframes;
			if (!ff_is_ack(&pend[k]))
				want[(*nwant)++] = pend[k];
			z = 0;
			if (pend[k].type == FRAME_RTP)
				z = rtphc_compress(&ff_hc, pend[k].flow,
				    pend[k].data, pend[k].len, ff_rtp);
			wlen += RECORD_HDRLEN + (z > 0 ? z : pend[k].len);
		}
		*nrecs += j - i;
		(*nframes)++;
		total += FRAME_HDRLEN + wlen + CRYPTO_TAGLEN;
		i = j;
	}
	memmove(pend, pend + i, (*npend - i) * sizeof(*pend));
	*npend -= i;
	return total;
}

/*
 * Records through A, frames through B, checked against a model. Input:
 * queue bound, flush bound, piece size, batch threshold, then operations
 * of three bytes (op, flow, length) and the data when it is not big.
 */
static void
ff_round_trip(const uint8_t *data, size_t size)
{
	struct ff_check		 c = { NULL, 0, 0, 1, NULL, 0 };
	struct ff_check		 ca = { NULL, 0, 0, 0, NULL, 0 };
	const struct tunnel_stats *sa, *sb;
	struct ff_rec		*want, *pend, r;
	struct tunnel		*a, *b;
	struct evbuffer		*wire, *f, *in, *wire2, *in2;
	struct frame_hdr	 h;
	const uint8_t		*p = data + 5, *end = data + size;
	uint64_t		 l1 = 0, l2 = 0;
	int			 lanes;
	size_t			 qmax, fmax, piece, batch, nwant = 0, npend = 0;
	size_t			 queued = 0, limit, i, j, n, need, media, freed;
	size_t			 nframes = 0, nrecs = 0, kicks = 0;
	uint8_t			 op, first[FRAME_HDRLEN + FRAME_MAXLEN];
	size_t			 firstlen = 0, wirelen;
	const char		*why;
	int			 rc, ok;

	if (size < 5)
		return;
	qmax = 64 + (size_t)data[1] * 64;
	fmax = data[2] == 0 ? SIZE_MAX : (size_t)data[2] * 8;
	piece = (size_t)data[3] + 1;
	lanes = piece % 2 == 0 ? 2 : 1;
	batch = (size_t)data[4] * 16;
	if ((want = calloc(size, sizeof(*want))) == NULL ||
	    (pend = calloc(size, sizeof(*pend))) == NULL)
		abort();
	a = ff_tunnel(qmax, &ca, 1);
	b = ff_tunnel(qmax, &c, 0);
	tunnel_set_batch(a, batch);
	tunnel_set_batch_wait(a, FF_BATCH_WAIT);
	rtphc_reset(&ff_hc);
	if ((wire = evbuffer_new()) == NULL || (f = evbuffer_new()) == NULL)
		abort();

	while (end - p >= 3) {
		op = p[0];
		r.type = (uint8_t)((op & 7) % 6 + 1);
		r.flow = (uint32_t)p[1] * 0x01010101U;
		r.frame = 0;
		if (op & 0x08) {
			/* Big: up to the largest record, and just past it. */
			r.len = ff_biglen(p[2]);
			r.data = ff_fill;
			p += 3;
		} else {
			r.len = p[2];
			p += 3;
			if (r.len > (size_t)(end - p))
				r.len = (size_t)(end - p);
			r.data = p;
			p += r.len;
		}
		ok = r.len <= FRAME_MAXDATA;

		if (op & 0x20) {
			/* Purge: media leaves the model's queue too. */
			tunnel_purge_media(a);
			for (i = j = 0; i < npend; i++)
				if (!ff_is_media(pend[i].type))
					pend[j++] = pend[i];
				else
					queued -= RECORD_HDRLEN + pend[i].len;
			npend = j;
			if (tunnel_queued(a) != queued)
				abort();
		}
		if (op & 0x80) {
			/* Sealed at once, ahead of everything queued. */
			n = FRAME_HDRLEN + RECORD_HDRLEN + r.len +
			    CRYPTO_TAGLEN;
			rc = tunnel_seal(a, wire, r.type, r.flow, r.data,
			    r.len);
			if (rc != (ok ? (int)n : -1))
				abort();
			if (ok) {
				r.frame = nframes++;
				nrecs++;
				if (!ff_is_ack(&r))
					want[nwant++] = r;
				/* Sealed in full: A's context learns it. */
				if (r.type == FRAME_RTP)
					rtphc_learn(&ff_hc, r.flow, r.data,
					    r.len);
			}
		} else {
			limit = ff_is_media(r.type) ? qmax : 4 * qmax;
			n = RECORD_HDRLEN + r.len;
			need = queued + n > limit ? queued + n - limit : 0;
			for (i = 0, media = 0; i < npend; i++)
				if (ff_is_media(pend[i].type))
					media += RECORD_HDRLEN + pend[i].len;
			/* Full of voice: the model drops its oldest too. */
			if (ok && need > 0 && ff_is_media(r.type) &&
			    need <= media) {
				for (i = j = 0, freed = 0; i < npend; i++)
					if (freed < need &&
					    ff_is_media(pend[i].type)) {
						freed += RECORD_HDRLEN +
						    pend[i].len;
						queued -= RECORD_HDRLEN +
						    pend[i].len;
					} else
						pend[j++] = pend[i];
				npend = j;
				need = 0;
			}
			rc = tunnel_send(a, r.type, r.flow, r.data, r.len);
			if (rc != (ok && need == 0 ? 0 : -1))
				abort();
			if (rc == 0) {
				/* SIP and control ask at once, voice when a
				 * batch is there or the queue was empty. */
				if (!ff_is_media(r.type) ||
				    queued + n >= batch || queued == 0)
					kicks++;
				pend[npend++] = r;
				queued += n;
			}
		}
		if (tunnel_queued(a) != queued || ca.kicks != kicks)
			abort();
		if (op & 0x40 || end - p < 3) {
			/* Flush: whole records, as many to a frame as fit. */
			rc = tunnel_flush(a, f, end - p < 3 ? SIZE_MAX : fmax);
			n = ff_flush_model(pend, &npend, end - p < 3 ?
			    SIZE_MAX : fmax, want, &nwant, &nframes, &nrecs);
			if (rc != (int)n || evbuffer_get_length(f) != n)
				abort();
			queued = 0;
			for (i = 0; i < npend; i++)
				queued += RECORD_HDRLEN + pend[i].len;
			if (tunnel_queued(a) != queued)
				abort();
			evbuffer_add_buffer(wire, f);
		}
	}
	/* The last flush had no bound: nothing may be left. */
	if (npend != 0 || tunnel_queued(a) != 0)
		abort();
	sa = tunnel_stats(a);
	wirelen = evbuffer_get_length(wire);
	if (sa->tx_frames != nframes || sa->tx_records != nrecs ||
	    sa->tx_bytes != wirelen)
		abort();

	/*
	 * B gets the wire in pieces and must deliver exactly the model. Big
	 * records make a long wire: no more than 256 pieces of it, or a run
	 * spends its time calling tunnel_input a byte at a time.
	 */
	if (piece < wirelen / 256)
		piece = wirelen / 256;
	if (wirelen >= FRAME_HDRLEN) {
		if (frame_next(wire, &h, &why) != 1)
			abort();
		firstlen = FRAME_HDRLEN + h.length;
		evbuffer_copyout(wire, first, firstlen);
	}
	c.want = want;
	c.nwant = nwant;
	if ((in = evbuffer_new()) == NULL || (in2 = evbuffer_new()) == NULL ||
	    (wire2 = evbuffer_new()) == NULL)
		abort();
	if (lanes == 2 && wirelen > 0 && evbuffer_add(wire2,
	    evbuffer_pullup(wire, -1), wirelen) == -1)
		abort();
	while (evbuffer_get_length(wire) > 0 ||
	    evbuffer_get_length(wire2) > 0) {
		if (evbuffer_get_length(wire) > 0) {
			if (evbuffer_remove_buffer(wire, in, piece) <= 0)
				abort();
			why = NULL;
			if ((lanes == 1 ? tunnel_input(b, in, &why) :
			    tunnel_input_lane(b, in, &l1, &why)) != 0)
				abort();
		}
		if (evbuffer_get_length(wire2) > 0) {
			if (evbuffer_remove_buffer(wire2, in2,
			    piece / 2 + 1) <= 0)
				abort();
			why = NULL;
			if (tunnel_input_lane(b, in2, &l2, &why) != 0)
				abort();
		}
	}
	sb = tunnel_stats(b);
	if (c.got != nwant || evbuffer_get_length(in) != 0 ||
	    evbuffer_get_length(in2) != 0 ||
	    sb->rx_frames != nframes || sb->rx_records != nrecs ||
	    sb->rx_bytes != wirelen ||
	    sb->rx_dups != (lanes == 2 ? nframes : 0))
		abort();
	if (firstlen > 0) {
		evbuffer_add(in, first, firstlen);
		why = NULL;
		if ((lanes == 1 ? tunnel_input(b, in, &why) :
		    tunnel_input_lane(b, in, &l1, &why)) != -1 || why == NULL ||
		    strcmp(why, "replayed or reordered frame") != 0 ||
		    c.got != nwant)
			abort();
	}
	evbuffer_free(in);
	evbuffer_free(in2);
	evbuffer_free(wire2);
	evbuffer_free(f);
	evbuffer_free(wire);
	tunnel_free(a);
	tunnel_free(b);
	free(want);
	free(pend);
}

/*
 * Walk an opened frame's records by hand (not with frame_rec_next): NULL
 * when they add up exactly, each then added to want in frame number
 * unless it is an acknowledgement and counted in nrecs; else the reason
 * the first bad one is refused, and nothing is added. Of a good frame,
 * full RTP records teach the model's contexts (started over first if the
 * frame came after a gap), and compressed ones are added rebuilt (into
 * *arena) when the model can rebuild them, else not at all.
 */
static const char *
ff_walk(const uint8_t *p, size_t len, int gap, struct ff_rec *want,
    size_t *nwant, size_t frame, size_t *nrecs, uint8_t **arena)
{
	struct ff_rec	 r;
	size_t		 off, k = 0, n;

	for (off = 0; off < len; off += RECORD_HDRLEN + r.len) {
		if (len - off < RECORD_HDRLEN)
			return "truncated record head";
		r.type = p[off];
		r.len = (size_t)p[off + 5] << 8 | p[off + 6];
		if (r.type < 1 || r.type > 7)
			return "unknown record type";
		if (r.len > len - off - RECORD_HDRLEN)
			return "record longer than its frame";
	}
	if (gap)
		rtphc_reset(&ff_hc);
	for (off = 0; off < len; off += RECORD_HDRLEN + r.len) {
		r.type = p[off];
		r.flow = (uint32_t)p[off + 1] << 24 |
		    (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 8 |
		    p[off + 4];
		r.len = (size_t)p[off + 5] << 8 | p[off + 6];
		r.data = p + off + RECORD_HDRLEN;
		r.frame = frame;
		k++;
		if (r.type == FRAME_RTP)
			rtphc_learn(&ff_hc, r.flow, r.data, r.len);
		if (r.type == FRAME_RTPZ) {
			if (rtphc_expand(&ff_hc, r.flow, r.data, r.len, ff_rtp,
			    sizeof(ff_rtp), &n) == -1)
				continue;
			/* Delivered as the datagram it stands for. */
			memcpy(*arena, ff_rtp, n);
			want[*nwant] = r;
			want[*nwant].type = FRAME_RTP;
			want[*nwant].data = *arena;
			want[(*nwant)++].len = n;
			*arena += n;
		} else if (!ff_is_ack(&r))
			want[(*nwant)++] = r;
	}
	*nrecs += k;
	return NULL;
}

/*
 * Frames sealed by the harness into B. Input: piece size, then frames of
 * three bytes (ctl, length of the plaintext) and the plaintext. ctl 0x80:
 * the last sequence number again; 0x40: 2^31 + (ctl & 0x3f) ahead (only
 * exactly 2^31 is accepted); else (ctl & 0x3f) + 1 ahead; 0x20: a byte
 * after the header is changed once sealed.
 */
static void
ff_sealed(const uint8_t *data, size_t size)
{
	struct ff_check		 c = { NULL, 0, 0, 1, NULL, 0 };
	const struct tunnel_stats *st;
	struct ff_rec		*want;
	struct tunnel		*b;
	struct evbuffer		*wire, *in;
	struct frame_hdr	 h;
	const uint8_t		*p = data + 1, *end = data + size;
	const char		*bad = NULL, *why;
	uint64_t		 last = 0, seq, step;
	size_t			 piece, len, flen, nwant = 0, nframes = 0;
	size_t			 nrecs = 0, goodlen = 0, pos;
	uint8_t			 ctl, *arena, *next;
	int			 rc;

	if (size < 1)
		return;
	piece = (size_t)data[0] * 4 + 1;
	/* Rebuilt datagrams: each at most 11 bytes over a record of 7 or
	 * more bytes of input. */
	if ((want = calloc(size, sizeof(*want))) == NULL ||
	    (arena = malloc(3 * size)) == NULL ||
	    (wire = evbuffer_new()) == NULL || (in = evbuffer_new()) == NULL)
		abort();
	next = arena;
	b = ff_tunnel(4096, &c, 0);
	rtphc_reset(&ff_hc);

	while (end - p >= 3) {
		ctl = p[0];
		len = (size_t)p[1] << 8 | p[2];
		p += 3;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		if (len > FRAME_MAXRECS)
			len = FRAME_MAXRECS;
		if (ctl & 0x80)
			step = 0;
		else if (ctl & 0x40)
			step = 0x80000000U + (ctl & 0x3f);
		else
			step = (ctl & 0x3f) + 1;
		seq = last + step;
		h.version = FRAME_VERSION;
		h.length = (uint16_t)(len + CRYPTO_TAGLEN);
		h.seq = (uint32_t)seq;
		frame_hdr_pack(&h, ff_frame);
		if (crypto_aead_seal(&ff_seal_up, seq, ff_frame, FRAME_HDRLEN,
		    p, len, ff_frame + FRAME_HDRLEN) == -1)
			abort();
		flen = FRAME_HDRLEN + len + CRYPTO_TAGLEN;
		if (ctl & 0x20) {
			pos = FRAME_HDRLEN + (size_t)ctl * 37 %
			    (len + CRYPTO_TAGLEN);
			ff_frame[pos] ^= 0x01;
		}
		evbuffer_add(wire, ff_frame, flen);
		/* The model: the first fault, in the order B meets them. */
		if (bad == NULL) {
			if (len < RECORD_HDRLEN)
				bad = "frame shorter than a record and its tag";
			else if (step == 0 || step > 0x80000000U)
				bad = "replayed or reordered frame";
			else if (ctl & 0x20)
				bad = "frame failed authentication";
			else
				bad = ff_walk(p, len, step > 1, want, &nwant,
				    nframes, &nrecs, &next);
			if (bad == NULL) {
				nframes++;
				goodlen += flen;
				last = seq;
			}
		}
		p += len;
	}

	c.want = want;
	c.nwant = nwant;
	rc = 0;
	why = NULL;
	while (rc == 0 && evbuffer_get_length(wire) > 0) {
		if (evbuffer_remove_buffer(wire, in, piece) <= 0)
			abort();
		why = NULL;
		rc = tunnel_input(b, in, &why);
	}
	st = tunnel_stats(b);
	if (c.got != nwant || st->rx_frames != nframes ||
	    st->rx_records != nrecs || st->rx_bytes != goodlen)
		abort();
	if (bad == NULL) {
		if (rc != 0 || evbuffer_get_length(in) != 0)
			abort();
	} else if (rc != -1 || why == NULL || strcmp(why, bad) != 0)
		abort();
	evbuffer_free(in);
	evbuffer_free(wire);
	tunnel_free(b);
	free(want);
	free(arena);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		ff_stream(data + 1, size - 1);
		break;
	case 1:
		ff_round_trip(data, size);
		break;
	default:
		ff_sealed(data + 1, size - 1);
		break;
	}
	return 0;
}
