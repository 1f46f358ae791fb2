/*
 * Tunnel frames (docs/protocol.md): what one half hands the other inside the
 * HTTP bodies. A frame is one sealed batch of records; each record is one
 * SIP message, datagram or control message. The paper carries each
 * datagram's IP/port in a header of its own; a record carries a flow id
 * agreed between the halves instead.
 */
#ifndef VOFW_FRAME_H
#define VOFW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct evbuffer;

#define FRAME_VERSION	2
#define FRAME_HDRLEN	8
#define FRAME_MAXLEN	65535	/* length field: sealed records + tag */
#define FRAME_MAXRECS	(FRAME_MAXLEN - CRYPTO_TAGLEN)	/* records' bytes */
#define RECORD_HDRLEN	7
#define FRAME_MAXDATA	(FRAME_MAXRECS - RECORD_HDRLEN)	/* one record */

enum frame_type {
	FRAME_SIP = 1,		/* one SIP message */
	FRAME_RTP = 2,		/* one RTP datagram of a media flow */
	FRAME_RTCP = 3,		/* one RTCP datagram of a media flow */
	FRAME_KEEPALIVE = 4,	/* nothing; keeps idle paths open */
	FRAME_CONTROL = 5,	/* tunnel control message */
	FRAME_HOOK = 6,		/* diagnostic datagram relay */
	FRAME_RTPZ = 7		/* an RTP datagram, header compressed (rtphc) */
};

enum frame_control {
	FRAME_CTL_HELLO = 1,	/* hras: downstream open */
	FRAME_CTL_PROBE = 2,	/* hrac: upstream open, please answer */
	FRAME_CTL_PROBE_ACK = 3,	/* hras: probe seen on upstream */
	FRAME_CTL_STREAM_OK = 4,	/* hrac: both directions stream */
	FRAME_CTL_ACK = 5,	/* received up to a sequence number */
	FRAME_CTL_PING = 6,	/* 8-byte sender's clock: answer it */
	FRAME_CTL_PONG = 7,	/* the ping's 8 bytes, back */
	FRAME_CTL_COPY_ALWAYS = 8,	/* hrac: every frame on every lane */
	FRAME_CTL_COPY_ON_LOSS = 9,	/* hrac: on later lanes while lossy */
	FRAME_CTL_LOSS = 10	/* my connections lost segments lately */
};

/*
 * The flow id of a SIP record whose call the halves do not relay (an inside
 * call set up through hras, inside_calls = "hras"): SDP, Record-Route and
 * Contact pass untouched. No call's flows ever use it.
 */
#define FRAME_FLOW_DIRECT	0xffffffffU

/* The clear header of a frame; it is the AEAD's associated data. */
struct frame_hdr {
	uint8_t		version;
	uint16_t	length;		/* bytes after the header */
	uint32_t	seq;		/* low 32 bits of the sequence number */
};

/* The head of one record inside a frame's sealed payload. */
struct frame_rec {
	uint8_t		type;
	uint32_t	flow;
	uint16_t	len;		/* bytes of data after the head */
};

void	frame_hdr_pack(const struct frame_hdr *, uint8_t out[FRAME_HDRLEN]);
int	frame_hdr_unpack(const uint8_t in[FRAME_HDRLEN], struct frame_hdr *,
	    const char **why);
int	frame_next(struct evbuffer *, struct frame_hdr *, const char **why);
int	frame_seq_near(uint64_t last, uint32_t low, uint64_t *seq);
void	frame_rec_pack(const struct frame_rec *, uint8_t out[RECORD_HDRLEN]);
void	frame_rec_unpack(const uint8_t in[RECORD_HDRLEN], struct frame_rec *);
int	frame_rec_next(const uint8_t *, size_t, struct frame_rec *,
	    const char **why);
const char *frame_type_name(unsigned int);

#endif
