/*
 * The frames of a session's last batches, for a lane that joins.
 *
 * A lane beyond the first takes batches only now and then (copies on
 * loss, a keepalive while idle). The receiver delivers the first copy of
 * each frame and drops what is behind it, so a joining lane's first frame,
 * if it came before the first lane's frames in between (held back by a
 * lost segment), would have those dropped as copies though never
 * delivered. A joining lane is therefore given, ahead of the new batch,
 * the batches it missed of the last RECENT_MAX_US (a stall of a
 * retransmission or two), up to RECENT_MAX_BYTES, when copies start: it
 * then carries frames in order from before the first lane's gap, and
 * what it brings that the first lane brought already is dropped as any
 * copy. An idle lane's keepalive is given as much: on a path that has
 * just begun to lose, before either half has seen it, the first lane may
 * be held back as long.
 */
#ifndef VOFW_RECENT_H
#define VOFW_RECENT_H

#include <stddef.h>
#include <stdint.h>

#define RECENT_MAX_US		300000
#define RECENT_MAX_BYTES	(256 * 1024)
#define RECENT_MAX_BATCHES	512

struct evbuffer;

struct recent_batch {
	uint64_t	 id;
	uint64_t	 at_us;
	size_t		 len;
};

struct recent {
	struct evbuffer		*frames;	/* the batches, oldest first */
	struct recent_batch	 b[RECENT_MAX_BATCHES];	/* a ring */
	unsigned int		 first, n;
	size_t			 bytes;
	uint64_t		 last_id;	/* of the newest batch */
};

int		 recent_init(struct recent *);
void		 recent_free(struct recent *);
/*
 * Keep a copy of batch f, written at now_us, and forget what is too old
 * or too much: its id (one more than the last's), 0 out of memory.
 */
uint64_t	 recent_add(struct recent *, struct evbuffer *f, uint64_t now_us);
/* Forget every batch (the lanes beyond the first are gone). */
void		 recent_clear(struct recent *);
/*
 * recent_add while more than one of lanes outlets stream, recent_clear
 * else: the batch's id, 0 when none is kept.
 */
uint64_t	 recent_keep(struct recent *, int lanes, struct evbuffer *f,
		    uint64_t now_us);
/*
 * Append to out the batches kept with an id above after, oldest first:
 * what a lane that last took batch after has missed of the last
 * RECENT_MAX_US. 0 or -1.
 */
int		 recent_since(const struct recent *, uint64_t after,
		    struct evbuffer *out);

#endif
