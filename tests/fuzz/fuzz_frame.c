/*
 * libFuzzer target for the frame layer. The first byte chooses a mode:
 *
 *  even: the rest is a byte stream from the network. It is walked with
 *        frame_next as a reader would, and fed in pieces (size from the
 *        second byte) into tunnel_input of a keyed tunnel.
 *  odd:  the rest describes records; tunnel A queues or seals them,
 *        flushes with input-chosen bounds and purges media, and tunnel B
 *        must deliver exactly what a model of the queue predicts, then
 *        refuse the first frame when it is replayed.
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
#include "tunnel.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One record the model expects B to deliver. */
struct ff_rec {
	uint8_t		 type;
	uint32_t	 flow;
	const uint8_t	*data;
	size_t		 len;
};

/* What B's deliver callback checks against. */
struct ff_check {
	const struct ff_rec	*want;
	size_t			 nwant;
	size_t			 got;
	int			 strict;	/* round trip: must match */
};

/* 31 characters and the NUL: the seeds' frames are sealed with these. */
static const uint8_t	 ff_up[CRYPTO_KEYLEN] =
    "vofw fuzz key, direction up....";
static const uint8_t	 ff_down[CRYPTO_KEYLEN] =
    "vofw fuzz key, direction down..";

static volatile uint8_t	 ff_sink;

static void	 ff_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static struct tunnel *ff_tunnel(size_t, struct ff_check *, int);
static void	 ff_stream(const uint8_t *, size_t);
static void	 ff_round_trip(const uint8_t *, size_t);
static int	 ff_is_media(unsigned int);
static int	 ff_is_ack(const struct ff_rec *);

/* Quiet logs: refused SIP is logged on purpose. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_frame", 0, LOG_LEVEL_ERR);
	return 0;
}

/* Check a delivered frame; in a round trip it must be the next expected. */
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
		    (len > 0 && memcmp(w->data, data, len) != 0))
			abort();
	}
	c->got++;
}

/* A tunnel keyed as hrac (is_a) or hras. */
static struct tunnel *
ff_tunnel(size_t qmax, struct ff_check *c, int is_a)
{
	struct tunnel_cb	 cb = { ff_deliver, NULL, c };
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
	return t;
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
	struct ff_check		 c = { NULL, 0, 0, 0 };
	struct evbuffer		*b;
	struct tunnel		*t;
	struct frame_hdr	 h;
	const char		*why;
	size_t			 piece, off, n, frames = 0;
	int			 rc;

	if (size < 1)
		return;
	piece = (size_t)data[0] + 1;
	data++;
	size--;

	if ((b = evbuffer_new()) == NULL)
		abort();
	evbuffer_add(b, data, size);
	why = NULL;
	while ((rc = frame_next(b, &h, &why)) == 1) {
		if (h.version != FRAME_VERSION || h.type < FRAME_SIP ||
		    h.type > FRAME_HOOK || h.length < CRYPTO_TAGLEN ||
		    evbuffer_get_length(b) < FRAME_HDRLEN + (size_t)h.length)
			abort();
		evbuffer_drain(b, FRAME_HDRLEN + (size_t)h.length);
		frames++;
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
	/* A frame is delivered only if it is a whole frame of the stream. */
	if (c.got > frames || tunnel_stats(t)->rx_frames != c.got)
		abort();
	evbuffer_free(b);
	tunnel_free(t);
}

/* Records through A, frames through B, checked against a model. */
static void
ff_round_trip(const uint8_t *data, size_t size)
{
	struct ff_check		 c = { NULL, 0, 0, 1 };
	struct ff_rec		*want, *pend, r;
	struct tunnel		*a, *b;
	struct evbuffer		*wire, *f, *in;
	const uint8_t		*p = data + 4, *end = data + size;
	size_t			 qmax, fmax, piece, nwant = 0, npend = 0;
	size_t			 queued = 0, limit, i, j, sum, n;
	size_t			 need, media, freed;
	uint8_t			 op, first[FRAME_HDRLEN + FRAME_MAXLEN];
	size_t			 firstlen = 0;
	const char		*why;
	int			 rc, failed = 0;

	if (size < 4)
		return;
	qmax = 64 + (size_t)data[1] * 64;
	fmax = data[2] == 0 ? SIZE_MAX : (size_t)data[2] * 8;
	piece = (size_t)data[3] + 1;
	if ((want = calloc(size, sizeof(*want))) == NULL ||
	    (pend = calloc(size, sizeof(*pend))) == NULL)
		abort();
	a = ff_tunnel(qmax, NULL, 1);
	b = ff_tunnel(qmax, &c, 0);
	if ((wire = evbuffer_new()) == NULL || (f = evbuffer_new()) == NULL)
		abort();

	while (!failed && end - p >= 3) {
		op = p[0];
		r.type = (uint8_t)((op & 7) % 6 + 1);
		r.flow = (uint32_t)p[1] * 0x01010101U;
		r.len = p[2];
		p += 3;
		if (r.len > (size_t)(end - p))
			r.len = (size_t)(end - p);
		r.data = p;
		p += r.len;

		if (op & 0x20) {
			/* Purge: media leaves the model's queue too. */
			tunnel_purge_media(a);
			for (i = j = 0; i < npend; i++)
				if (!ff_is_media(pend[i].type))
					pend[j++] = pend[i];
				else
					queued -= 8 + pend[i].len;
			npend = j;
			if (tunnel_queued(a) != queued)
				abort();
		}
		if (op & 0x80) {
			/* Sealed at once, ahead of everything queued. */
			if (tunnel_seal(a, wire, r.type, r.flow, r.data,
			    r.len) != (int)(FRAME_HDRLEN + r.len +
			    CRYPTO_TAGLEN))
				abort();
			if (!ff_is_ack(&r))
				want[nwant++] = r;
		} else {
			limit = ff_is_media(r.type) ? qmax : 4 * qmax;
			need = queued + 8 + r.len > limit ?
			    queued + 8 + r.len - limit : 0;
			for (i = 0, media = 0; i < npend; i++)
				if (ff_is_media(pend[i].type))
					media += 8 + pend[i].len;
			/* Full of voice: the model drops its oldest too. */
			if (need > 0 && ff_is_media(r.type) && need <= media) {
				for (i = j = 0, freed = 0; i < npend; i++)
					if (freed < need &&
					    ff_is_media(pend[i].type)) {
						freed += 8 + pend[i].len;
						queued -= 8 + pend[i].len;
					} else
						pend[j++] = pend[i];
				npend = j;
				need = 0;
			}
			rc = tunnel_send(a, r.type, r.flow, r.data, r.len);
			if (rc != (need > 0 ? -1 : 0))
				abort();
			if (rc == 0) {
				pend[npend++] = r;
				queued += 8 + r.len;
			}
		}
		if (tunnel_queued(a) != queued)
			abort();
		if (op & 0x40 || end - p < 3) {
			/* Flush: the longest prefix of the queue that fits. */
			rc = tunnel_flush(a, f, end - p < 3 ? SIZE_MAX : fmax);
			if (rc == -1) {
				/* Unacknowledged SIP over its bound: as the
				 * halves do, drop what this call sealed. */
				failed = 1;
				break;
			}
			for (i = 0, sum = 0; i < npend; i++) {
				n = FRAME_HDRLEN + pend[i].len + CRYPTO_TAGLEN;
				if (sum + n > (size_t)rc)
					break;
				sum += n;
				if (!ff_is_ack(&pend[i]))
					want[nwant++] = pend[i];
				queued -= 8 + pend[i].len;
			}
			if (sum != (size_t)rc ||
			    evbuffer_get_length(f) != (size_t)rc)
				abort();
			if (i < npend && fmax != SIZE_MAX && end - p >= 3 &&
			    sum + FRAME_HDRLEN + pend[i].len + CRYPTO_TAGLEN <=
			    fmax)
				abort();
			memmove(pend, pend + i, (npend - i) * sizeof(*pend));
			npend -= i;
			evbuffer_add_buffer(wire, f);
		}
	}
	if (!failed && (npend != 0 || tunnel_queued(a) != 0))
		abort();

	/* B gets the wire in pieces and must deliver exactly the model. */
	if (evbuffer_get_length(wire) >= FRAME_HDRLEN) {
		struct frame_hdr	 h;

		if (frame_next(wire, &h, &why) != 1)
			abort();
		firstlen = FRAME_HDRLEN + h.length;
		evbuffer_copyout(wire, first, firstlen);
	}
	c.want = want;
	c.nwant = nwant;
	if ((in = evbuffer_new()) == NULL)
		abort();
	while (evbuffer_get_length(wire) > 0) {
		if (evbuffer_remove_buffer(wire, in, piece) <= 0)
			abort();
		why = NULL;
		if (tunnel_input(b, in, &why) != 0)
			abort();
	}
	if (c.got != nwant || evbuffer_get_length(in) != 0)
		abort();
	if (firstlen > 0) {
		evbuffer_add(in, first, firstlen);
		why = NULL;
		if (tunnel_input(b, in, &why) != -1 || why == NULL ||
		    strcmp(why, "replayed or reordered frame") != 0)
			abort();
	}
	evbuffer_free(in);
	evbuffer_free(f);
	evbuffer_free(wire);
	tunnel_free(a);
	tunnel_free(b);
	free(want);
	free(pend);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		ff_round_trip(data, size);
	else
		ff_stream(data + 1, size - 1);
	return 0;
}
