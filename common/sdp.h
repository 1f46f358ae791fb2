/*
 * The SDP rewriter (paper, section 3.3): each half reads where a terminal
 * wants its media and rewrites the SDP it forwards so that the other side
 * sends its voice to this relay instead.
 */
#ifndef VOFW_SDP_H
#define VOFW_SDP_H

#include <stddef.h>
#include <stdint.h>

#define SDP_STREAMS_MAX	8
#define SDP_BODY_MAX	8192

enum sdp_direction { SDP_SENDRECV, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };

struct sdp_stream {
	char		media[16];	/* "audio", "video", ... */
	char		proto[32];	/* "RTP/AVP", "RTP/SAVP", ... */
	char		addr[64];	/* connection address in effect (media c=, else session c=) */
	int		family;		/* AF_INET or AF_INET6 */
	uint16_t	port;		/* m= port; 0: stream refused/disabled */
	uint16_t	rtcp_port;	/* a=rtcp port, else port + 1 */
	enum sdp_direction direction;	/* media-level attribute, else session-level, else sendrecv */
	int		hold;		/* c= is 0.0.0.0 or :: (RFC 2543 hold) */
};

struct sdp_info {
	int			nstreams;
	struct sdp_stream	stream[SDP_STREAMS_MAX];
};

/* What the sender of this SDP wants: where each stream's media goes. -1 with *why on error. */
int	sdp_inspect(const char *body, size_t len, struct sdp_info *, const char **why);

/*
 * Rewrite an SDP body so that every stream's media is sent to addr (this relay):
 * ports[i] is the relay's RTP port for stream i (RTCP = ports[i] + 1); returns a
 * malloc'd NUL-terminated body in *out (length *outlen) or -1 with *why.
 */
int	sdp_rewrite(const char *body, size_t len, const char *addr,
	    const uint16_t *ports, int nports, char **out, size_t *outlen,
	    const char **why);

#endif
