/*
 * Tunnel frames (docs/protocol.md): what one half hands the other inside the
 * HTTP bodies. The paper carries each datagram's IP/port in a header of its
 * own; a frame carries a flow id agreed between the halves instead.
 */
#ifndef VOFW_FRAME_H
#define VOFW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct evbuffer;

#define FRAME_VERSION	1
#define FRAME_HDRLEN	16
#define FRAME_MAXLEN	65535	/* length field: sealed payload + tag */
#define FRAME_MAXDATA	(FRAME_MAXLEN - CRYPTO_TAGLEN)

enum frame_type {
	FRAME_SIP = 1,		/* one SIP message */
	FRAME_RTP = 2,		/* one RTP datagram of a media flow */
	FRAME_RTCP = 3,		/* one RTCP datagram of a media flow */
	FRAME_KEEPALIVE = 4,	/* nothing; keeps idle paths open */
	FRAME_CONTROL = 5,	/* tunnel control message */
	FRAME_HOOK = 6		/* diagnostic datagram relay */
};

enum frame_control {
	FRAME_CTL_HELLO = 1,	/* hras: downstream open */
	FRAME_CTL_PROBE = 2,	/* hrac: upstream open, please answer */
	FRAME_CTL_PROBE_ACK = 3,	/* hras: probe seen on upstream */
	FRAME_CTL_STREAM_OK = 4,	/* hrac: both directions stream */
	FRAME_CTL_ACK = 5	/* received up to a sequence number */
};

/*
 * The flow id of a SIP frame whose call the halves do not relay (an inside
 * call set up through hras, inside_calls = "hras"): SDP, Record-Route and
 * Contact pass untouched. No call's flows ever use it.
 */
#define FRAME_FLOW_DIRECT	0xffffffffU

struct frame_hdr {
	uint8_t		version;
	uint8_t		type;
	uint16_t	length;		/* bytes after the header */
	uint32_t	flow;
	uint64_t	seq;
};

void	frame_hdr_pack(const struct frame_hdr *, uint8_t out[FRAME_HDRLEN]);
int	frame_hdr_unpack(const uint8_t in[FRAME_HDRLEN], struct frame_hdr *,
	    const char **why);
int	frame_next(struct evbuffer *, struct frame_hdr *, const char **why);
const char *frame_type_name(unsigned int);

#endif
