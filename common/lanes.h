/*
 * When a session writes its frames into the lanes beyond the first
 * (tunnel.lanes), and how it notices that the path loses segments.
 *
 * A copy of every frame on a second connection pair keeps voice in time
 * when one connection waits for a retransmission (head-of-line blocking),
 * but doubles what the tunnel puts on the firewall. On a clean path that
 * buys nothing, so with tunnel.copies = "on-loss" the copies go only while
 * the path has lost something lately: each half asks the kernel, once a
 * second, whether any of its tunnel connections received segments out of
 * order (what a lost one leaves behind) or sent one again that the
 * receiver did not then report as a duplicate, and tells the other half
 * when one did. Duplicates matter: on a busy machine an acknowledgement
 * late by a few ms has the sender probe with a segment again (a tail loss
 * probe) though nothing was lost, and the receiver says so with a D-SACK
 * within a round trip; retransmissions count as loss only when D-SACKs
 * from the look before them to the look after do not answer as many. A
 * later lane still takes a batch now and then while idle, so that no
 * proxy or NAT on its way forgets it.
 */
#ifndef VOFW_LANES_H
#define VOFW_LANES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Seconds of copies after the last loss either half saw. */
#define LANES_LOSS_HOLD	60

/* In the order of the words of tunnel.copies. */
enum lanes_copies {
	LANES_COPY_ON_LOSS,	/* only while the path loses segments */
	LANES_COPY_ALWAYS	/* every frame, on every lane */
};

struct lanes {
	enum lanes_copies mode;
	time_t		 until;		/* on loss: copying until then */
	time_t		 last_loss;	/* the latest loss seen or told */
	uint64_t	 losses;	/* seconds with loss seen here */
	uint64_t	 told;		/* times the other half told of loss */
};

/* What one connection had lost when last asked (zero for a new one). */
struct lanes_tcp {
	uint32_t	 retrans;	/* segments sent again, all told */
	uint32_t	 rose;		/* of those, since the look before */
	uint32_t	 dsacks;	/* D-SACKs received, all told */
	uint32_t	 dsacks_before;	/* at the look before */
	uint32_t	 ooo;		/* segments it got out of order */
};

/* One lane's outlet as the choice of where a batch goes sees it. */
struct lanes_outlet {
	size_t		 pending;	/* bytes it has yet to send */
	time_t		 wrote;		/* when it last took a batch */
	uint64_t	 took;		/* the id of that batch (recent.h) */
};

void	lanes_init(struct lanes *, enum lanes_copies);
/* Whether frames go into every lane at this moment. */
int	lanes_copying(const struct lanes *, time_t now);
/* Loss seen here (told 0) or by the other half (told 1): copy on. */
void	lanes_loss(struct lanes *, time_t now, int told);
/*
 * Which of n outlets (in lane order) take the next batch, into take: the
 * first with room (under high_water), and each later one with room while
 * copying or, with idle > 0, once it has taken nothing for idle seconds.
 * How many.
 */
int	lanes_pick(const struct lanes *, time_t now,
	    const struct lanes_outlet *, int n, size_t high_water, int idle,
	    int *take);
/*
 * Bytes the least behind of the outlets the next batch goes into has yet
 * to send (of all of them when none has room): what the pump waits on.
 */
size_t	lanes_pending(const struct lanes *, time_t now,
	    const struct lanes_outlet *, int n, size_t high_water);
/*
 * Whether the connection on fd lost segments, by its kernel counters and
 * what t holds of the last looks: 1 it did, 0 it did not, -1 the kernel
 * would not say (not TCP).
 */
int	lanes_tcp_lost(int fd, struct lanes_tcp *t);
/*
 * The same from the counters themselves: segments sent again, D-SACKs
 * received, segments received out of order, all since the connection
 * opened.
 */
int	lanes_tcp_judge(struct lanes_tcp *t, uint32_t retrans, uint32_t dsacks,
	    uint32_t ooo);
const char *lanes_copies_name(enum lanes_copies);
/* For the control socket: "copying (loss 3 s ago; ...)", into buf. */
const char *lanes_describe(const struct lanes *, time_t now, char *buf,
	    size_t len);
struct evbuffer;
struct recent;
/*
 * Batch f (id; 0: none kept, one lane) as an outlet that last took batch
 * took gets it, last is whether it is the last of the outlets that take
 * it: f itself for the last that missed nothing, else in copy f's bytes
 * or, for an outlet that missed batches, what it missed of the recent
 * ones and f (recent.h: the last RECENT_MAX_US). NULL out of memory, with
 * copy emptied.
 */
struct evbuffer *lanes_batch(const struct recent *, uint64_t id,
	    uint64_t took, int last, struct evbuffer *f, struct evbuffer *copy);
struct json;
/* The same as members of the open JSON object. */
void	lanes_json(struct json *, const struct lanes *, time_t now);

#endif
