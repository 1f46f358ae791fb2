/*
 * The frame codec. A frame is a 16-byte header (version, type, length,
 * flow id, sequence number) followed by its payload sealed with the
 * session's AEAD; the header is the AEAD's associated data.
 */
#include <event2/buffer.h>

#include "frame.h"

static uint16_t	frame_get16(const uint8_t *);
static uint32_t	frame_get32(const uint8_t *);
static uint64_t	frame_get64(const uint8_t *);

static const char *const frame_names[] = {
	"invalid", "sip", "rtp", "rtcp", "keepalive", "control", "hook"
};

/* Big-endian readers. */
static uint16_t
frame_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
frame_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
frame_get64(const uint8_t *p)
{
	return (uint64_t)frame_get32(p) << 32 | frame_get32(p + 4);
}

/* Serialise a header in network byte order. */
void
frame_hdr_pack(const struct frame_hdr *h, uint8_t out[FRAME_HDRLEN])
{
	int	 i;

	out[0] = h->version;
	out[1] = h->type;
	out[2] = (uint8_t)(h->length >> 8);
	out[3] = (uint8_t)h->length;
	for (i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(h->flow >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h->seq >> (56 - 8 * i));
}

/* Parse and validate a header; -1 with a reason when it is not ours. */
int
frame_hdr_unpack(const uint8_t in[FRAME_HDRLEN], struct frame_hdr *h,
    const char **why)
{
	h->version = in[0];
	h->type = in[1];
	h->length = frame_get16(in + 2);
	h->flow = frame_get32(in + 4);
	h->seq = frame_get64(in + 8);
	if (h->version != FRAME_VERSION) {
		*why = "unsupported frame version";
		return -1;
	}
	if (h->type < FRAME_SIP || h->type > FRAME_HOOK) {
		*why = "unknown frame type";
		return -1;
	}
	if (h->length < CRYPTO_TAGLEN) {
		*why = "frame shorter than its tag";
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

/* A frame type's name for logs. */
const char *
frame_type_name(unsigned int type)
{
	if (type >= sizeof(frame_names) / sizeof(frame_names[0]))
		return frame_names[0];
	return frame_names[type];
}
