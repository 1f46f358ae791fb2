/*
 * The event loop's pace under load. Every wake-up of a daemon costs a
 * context switch and an epoll_wait, more than reading a datagram does; a
 * relay woken once per datagram spends most of its CPU waking. Voice that
 * would wait in the tunnel's queue for company (batch.h) may as well wait
 * in the kernel's socket buffers: under load the loop lets its turns be as
 * far apart as a batch takes to fill, handles in one turn what arrived
 * meanwhile and sends it on in shared frames at the turn's end, with no
 * batch timer of its own. The same bounds hold as for batching: never
 * past tunnel.batch_wait, and only when the voice of the last window says
 * a second datagram comes within it; at one call every datagram is handled
 * the moment it comes.
 */
#ifndef VOFW_PACE_H
#define VOFW_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

/*
 * A shorter sleep is not worth its two context switches; and on a busy
 * machine the core it gives up may not come back for a while.
 */
#define PACE_MIN_SLEEP_US	50

struct event_base;

/* What a half has relayed so far, both ways: its load. */
struct pace_work {
	uint64_t	 packets;
	uint64_t	 bytes;
};

struct pace {
	int		 max_us;	/* tunnel.batch_wait; 0: never */
	size_t		 batch_bytes;	/* tunnel.batch_bytes */
	void		(*work)(void *, struct pace_work *);
	void		*arg;
	struct batch	 rate;		/* one direction's voice */
	struct pace_work last;		/* work at the last look */
	int		 interval_us;	/* between turns; 0: not pacing */
};

void	 pace_init(struct pace *, void (*)(void *, struct pace_work *),
	    void *);
void	 pace_set(struct pace *, int max_us, size_t batch_bytes);
int	 pace_active(const struct pace *);
int	 pace_sleep_us(struct pace *, uint64_t now_us,
	    const struct pace_work *, uint64_t turn_us);
int	 pace_loop(struct event_base *, struct pace *);

#endif
