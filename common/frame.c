/*
 * The frame codec. A frame is an 8-byte header (version, reserved byte,
 * length, low half of the sequence number) followed by a batch of records
 * sealed with the session's AEAD; the header is the AEAD's associated data.
 * A record is a 7-byte head (type, flow id, length) and its data.
 */
#include <event2/buffer.h>

#include "bytes.h"
#include "frame.h"

static const char *const frame_names[] = {
	"invalid", "sip", "rtp", "rtcp", "keepalive", "control", "hook",
	"rtpz"
};

/* Serialise a header in network byte order. */
void
frame_hdr_pack(const struct frame_hdr *h, uint8_t out[FRAME_HDRLEN])
{
	out[0] = h->version;
	out[1] = 0;
	be16_put(out + 2, h->length);
	be32_put(out + 4, h->seq);
}

/* Parse and validate a header; -1 with a reason when it is not ours. */
int
frame_hdr_unpack(const uint8_t in[FRAME_HDRLEN], struct frame_hdr *h,
    const char **why)
{
	h->version = in[0];
	h->length = be16_get(in + 2);
	h->seq = be32_get(in + 4);
	if (h->version != FRAME_VERSION) {
		*why = "unsupported frame version";
		return -1;
	}
	if (in[1] != 0) {
		*why = "reserved frame bits set";
		return -1;
	}
	if (h->length < CRYPTO_TAGLEN + RECORD_HDRLEN) {
		*why = "frame shorter than a record and its tag";
		return -1;
	}
	return 0;
}

/*
 * Look at the front of a byte stream: 1 when a whole frame is there (header
 * parsed into h, nothing consumed), 0 when more bytes are needed, -1 when
 * the stream does not hold a valid frame.
 */
int
frame_next(struct evbuffer *in, struct frame_hdr *h, const char **why)
{
	uint8_t	 raw[FRAME_HDRLEN];

	if (evbuffer_get_length(in) < FRAME_HDRLEN)
		return 0;
	if (evbuffer_copyout(in, raw, sizeof(raw)) != FRAME_HDRLEN) {
		*why = "short read";
		return -1;
	}
	if (frame_hdr_unpack(raw, h, why) == -1)
		return -1;
	if (evbuffer_get_length(in) < (size_t)FRAME_HDRLEN + h->length)
		return 0;
	return 1;
}

/*
 * The whole sequence number of a frame that another connection of the same
 * session (a lane, docs/protocol.md) may have carried already: the one
 * nearest the last received, behind it or ahead of it by up to 2^31. -1
 * for 0 or a number before the first.
 */
int
frame_seq_near(uint64_t last, uint32_t low, uint64_t *seq)
{
	uint32_t	 ahead = low - (uint32_t)last;
	uint64_t	 behind = (uint64_t)(0x100000000ULL - ahead);

	if (ahead <= 0x80000000U) {
		*seq = last + ahead;
		return *seq == 0 ? -1 : 0;
	}
	if (behind >= last)
		return -1;
	*seq = last - behind;
	return 0;
}

/* Serialise a record's head in network byte order. */
void
frame_rec_pack(const struct frame_rec *r, uint8_t out[RECORD_HDRLEN])
{
	out[0] = r->type;
	be32_put(out + 1, r->flow);
	be16_put(out + 5, r->len);
}

/* Parse a record's head, trusted (from our own queue). */
void
frame_rec_unpack(const uint8_t in[RECORD_HDRLEN], struct frame_rec *r)
{
	r->type = in[0];
	r->flow = be32_get(in + 1);
	r->len = be16_get(in + 5);
}

/*
 * Parse the record at the front of len bytes of an opened frame: 0 with
 * its head in r when it is whole and of a known type, -1 with a reason.
 */
int
frame_rec_next(const uint8_t *p, size_t len, struct frame_rec *r,
    const char **why)
{
	if (len < RECORD_HDRLEN) {
		*why = "truncated record head";
		return -1;
	}
	frame_rec_unpack(p, r);
	if (r->type < FRAME_SIP || r->type > FRAME_RTPZ) {
		*why = "unknown record type";
		return -1;
	}
	if (r->len > len - RECORD_HDRLEN) {
		*why = "record longer than its frame";
		return -1;
	}
	return 0;
}

/* A record type's name for logs. */
const char *
frame_type_name(unsigned int type)
{
	if (type >= sizeof(frame_names) / sizeof(frame_names[0]))
		return frame_names[0];
	return frame_names[type];
}
