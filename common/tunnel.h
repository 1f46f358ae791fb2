/*
 * The frame layer of one tunnel session (paper 3.2), shared by both
 * halves and independent of HTTP: a bounded queue of plaintext records
 * waiting for an outlet, sealed in batches into frames when a transport
 * takes them, and the reader that opens incoming frames and hands their
 * records up. A half's transport drives it through the pump: the pump
 * decides when to flush, drains the queue into whatever outlet the half
 * has (a stream body, or one poll request or answer at a time) and hands
 * each opened record up by its type.
 */
#ifndef VOFW_TUNNEL_H
#define VOFW_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "frame.h"

struct event_base;
struct evbuffer;
struct tunnel;
struct pace;

/* A plain tunnel's callbacks (tunnel_new); a pumped one sets its own. */
struct tunnel_cb {
	/* A frame arrived; the data is valid only during the call. */
	void	(*deliver)(void *, unsigned int type, uint32_t flow,
		    const uint8_t *, size_t);
	/*
	 * Records were queued: the transport should flush at the end of this
	 * loop turn (wait_us 0) or, when only voice short of a batch waits,
	 * after wait_us (batch.h: how long the voice rate says is worth it).
	 */
	void	(*kick)(void *, int wait_us);
	void	*arg;
};

/* What takes a pumped tunnel's frames at the moment. */
enum tunnel_outlet {
	TUNNEL_OUT_NONE,	/* nothing: frames wait in the queue */
	TUNNEL_OUT_POLL,	/* one complete request or answer per batch */
	TUNNEL_OUT_STREAM	/* chunks of a body that stays open */
};

/*
 * A half's transport as the pump sees it (tunnel_pump_new): where the
 * frames go, the half's part, and where the records opened go, by type;
 * every callback is required. The record data is valid only during the
 * call. When a full stream outlet drains, the half calls
 * tunnel_pump_flush.
 */
struct tunnel_pump_cb {
	enum tunnel_outlet (*outlet)(void *);
	/* Bytes the stream outlet still holds; past high_water it waits. */
	size_t	(*pending)(void *);
	/* Write a batch of frames into the stream outlet: 0 or -1. */
	int	(*write)(void *, struct evbuffer *);
	/* The poll outlet takes the queue's next batch whole. */
	void	(*poll)(void *);
	/* The stream outlet was served: the keepalive clock starts over. */
	void	(*sent)(void *);
	void	(*control)(void *, const uint8_t *, size_t);
	void	(*hook)(void *, const uint8_t *, size_t);
	void	(*sip)(void *, uint32_t flow, const uint8_t *, size_t);
	void	(*media)(void *, unsigned int type, uint32_t flow,
		    const uint8_t *, size_t);
	void	*arg;
	const char *outlet_name;	/* for logs: "the upstream" */
	size_t	 chunk_max;		/* bytes of frames in one write */
	size_t	 high_water;
};

struct tunnel_stats {
	uint64_t	tx_frames;
	uint64_t	tx_records;
	uint64_t	tx_bytes;
	uint64_t	rx_frames;
	uint64_t	rx_records;
	uint64_t	rx_bytes;
	uint64_t	rx_dups;	/* frames another lane brought first */
	uint64_t	rx_late;	/* frames a later one overtook */
	uint64_t	dropped;	/* media refused by a full queue */
	uint64_t	purged;		/* stale media thrown away */
	uint64_t	rtpz_tx;	/* RTP records sent header-compressed */
	uint64_t	rtpz_lost;	/* compressed ones we had no context for */
	uint64_t	pings;		/* round trips measured */
	uint32_t	rtt_us;		/* smoothed round trip, 0: none yet */
	uint32_t	rtt_last_us;	/* the latest one */
};

/* A voice record of this flow was dropped (full queue) or purged. */
typedef void (*tunnel_drop_fn)(void *, uint32_t flow);

#define TUNNEL_PING_US	1000000	/* while voice flows, a ping this often */
/*
 * Stream-mode connection pairs a session may carry the same frames on at
 * once (tunnel.lanes): what one loses or holds back, the other brings.
 */
#define TUNNEL_LANES	2

struct tunnel	*tunnel_new(size_t queue_max, const struct tunnel_cb *);
void		 tunnel_free(struct tunnel *);
int		 tunnel_set_keys(struct tunnel *, const uint8_t *tx,
		    const char *txlabel, const uint8_t *rx, const char *rxlabel);
void		 tunnel_set_batch(struct tunnel *, size_t bytes);
struct tunnel	*tunnel_pump_new(size_t queue_max, struct event_base *,
		    const char *who, const struct tunnel_pump_cb *);
void		 tunnel_set_batch_wait(struct tunnel *, int wait_us);
void		 tunnel_set_pace(struct tunnel *, const struct pace *);
void		 tunnel_pump_kick(struct tunnel *, int now);
void		 tunnel_pump_flush(struct tunnel *);
int		 tunnel_send(struct tunnel *, unsigned int type, uint32_t flow,
		    const void *, size_t);
size_t		 tunnel_queued(const struct tunnel *);
int		 tunnel_flush(struct tunnel *, struct evbuffer *out, size_t max);
int		 tunnel_seal(struct tunnel *, struct evbuffer *out,
		    unsigned int type, uint32_t flow, const void *, size_t);
int		 tunnel_input(struct tunnel *, struct evbuffer *in,
		    const char **why);
int		 tunnel_input_lane(struct tunnel *, struct evbuffer *in,
		    uint64_t *lane, const char **why);
int		 tunnel_ack(struct tunnel *);
void		 tunnel_purge_media(struct tunnel *);
const struct tunnel_stats *tunnel_stats(const struct tunnel *);
/*
 * The tunnel's round-trip time in ms (smoothed as RFC 6298's SRTT), from
 * the pings sent while voice flows; -1 before the first answer.
 */
double		 tunnel_rtt_ms(const struct tunnel *);
/* Who hears of each voice record the queue drops or purges (NULL: no one). */
void		 tunnel_set_drop_cb(struct tunnel *, tunnel_drop_fn, void *);
const char	*tunnel_stats_line(const struct tunnel *, char *, size_t);
void		 tunnel_log_stats(const struct tunnel *, const char *what);

#endif
