/*
 * The frame layer of one tunnel session (paper 3.2), shared by both
 * halves and independent of HTTP: a bounded queue of plaintext records
 * waiting for an outlet, sealed in batches into frames when a transport
 * takes them, and the reader that opens incoming frames and hands their
 * records up.
 */
#ifndef VOFW_TUNNEL_H
#define VOFW_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "frame.h"

struct event;
struct evbuffer;
struct tunnel;

struct tunnel_cb {
	/* A frame arrived; the data is valid only during the call. */
	void	(*deliver)(void *, unsigned int type, uint32_t flow,
		    const uint8_t *, size_t);
	/*
	 * Records were queued: the transport should flush at the end of this
	 * loop turn (now) or, when only voice short of a batch waits, once its
	 * batch wait has passed.
	 */
	void	(*kick)(void *, int now);
	void	*arg;
};

struct tunnel_stats {
	uint64_t	tx_frames;
	uint64_t	tx_records;
	uint64_t	tx_bytes;
	uint64_t	rx_frames;
	uint64_t	rx_records;
	uint64_t	rx_bytes;
	uint64_t	dropped;	/* media refused by a full queue */
	uint64_t	purged;		/* stale media thrown away */
	uint64_t	rtpz_tx;	/* RTP records sent header-compressed */
	uint64_t	rtpz_lost;	/* compressed ones we had no context for */
};

struct tunnel	*tunnel_new(size_t queue_max, const struct tunnel_cb *);
void		 tunnel_free(struct tunnel *);
int		 tunnel_set_keys(struct tunnel *, const uint8_t *tx,
		    const char *txlabel, const uint8_t *rx, const char *rxlabel);
void		 tunnel_set_batch(struct tunnel *, size_t bytes);
void		 tunnel_schedule_flush(struct event *, int wait_us);
int		 tunnel_send(struct tunnel *, unsigned int type, uint32_t flow,
		    const void *, size_t);
size_t		 tunnel_queued(const struct tunnel *);
int		 tunnel_flush(struct tunnel *, struct evbuffer *out, size_t max);
int		 tunnel_seal(struct tunnel *, struct evbuffer *out,
		    unsigned int type, uint32_t flow, const void *, size_t);
int		 tunnel_input(struct tunnel *, struct evbuffer *in,
		    const char **why);
int		 tunnel_ack(struct tunnel *);
void		 tunnel_purge_media(struct tunnel *);
const struct tunnel_stats *tunnel_stats(const struct tunnel *);
const char	*tunnel_stats_line(const struct tunnel *, char *, size_t);

#endif
