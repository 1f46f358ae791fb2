/*
 * RTP header compression contexts (in the spirit of RFC 2508 and ROHC
 * U-mode, but much smaller): one table per direction of a tunnel, keyed by
 * flow id. The sender replaces a datagram's 12-byte RTP header by one byte
 * (five when a timestamp step goes with it) when the far half can rebuild
 * it byte for byte from what it saw of the flow before; both tables move
 * through the same states as long as every frame arrives.
 */
#ifndef VOFW_RTPHC_H
#define VOFW_RTPHC_H

#include <stddef.h>
#include <stdint.h>

#define RTPHC_HDRLEN	12	/* the fixed RTP header we compress */
#define RTPHC_SLOTBITS	10
#define RTPHC_SLOTS	(1 << RTPHC_SLOTBITS)	/* per direction, direct-mapped */
#define RTPHC_REFRESH	64	/* a full header at least this often */

/* A compressed record's first byte. */
#define RTPHC_M		0x80	/* the RTP marker bit */
#define RTPHC_D		0x40	/* a 32-bit timestamp step follows */
#define RTPHC_SEQ	0x3f	/* low bits of the RTP sequence number */
#define RTPHC_DLEN	4

/* What one flow's last full or rebuilt header said. */
struct rtphc_ctx {
	uint32_t	flow;
	uint32_t	ssrc;
	uint32_t	ts;
	uint32_t	step;		/* timestamp increment per packet */
	uint16_t	seq;
	uint8_t		first;		/* V, P, X, CC */
	uint8_t		pt;		/* payload type, marker bit clear */
	uint8_t		valid;
	uint8_t		has_step;
	uint8_t		count;		/* compressed since the last full */
};

struct rtphc {
	struct rtphc_ctx	slot[RTPHC_SLOTS];
};

void	rtphc_reset(struct rtphc *);
size_t	rtphc_compress(struct rtphc *, uint32_t flow, const uint8_t *,
	    size_t, uint8_t *);
void	rtphc_learn(struct rtphc *, uint32_t flow, const uint8_t *, size_t);
int	rtphc_expand(struct rtphc *, uint32_t flow, const uint8_t *, size_t,
	    uint8_t *, size_t, size_t *);

#endif
