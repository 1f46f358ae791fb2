/*
 * The VCIT, the paper's voice communication information table (3.4): the
 * calls one half knows, each identified by Call-ID (with its From and To)
 * and by the block of 8 flow ids its streams use in the tunnel, with the
 * inside (IIP, IPort) and outside (OIP, OPort) terminal of every stream.
 */
#ifndef VOFW_VCIT_H
#define VOFW_VCIT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define VCIT_MAX	65536	/* calls one table holds */
#define VCIT_STREAMS	8	/* flow ids per call */
#define VCIT_GRAVES_BITS 12	/* ended calls remembered: 4096 slots */
#define VCIT_GRAVES	(1 << VCIT_GRAVES_BITS)
#define VCIT_GRAVE_SECS	32	/* 64 x T1: the longest a transaction lives */

struct media_flow;
struct vcit;

struct vcit_stream {
	uint32_t		 flow;		/* base + index */
	struct media_flow	*mf;		/* this half's relay sockets, or
						   NULL */
	char			 iaddr[64];	/* inside terminal (IIP) */
	uint16_t		 iport;		/* IPort (RTP) */
	char			 oaddr[64];	/* outside terminal (OIP) */
	uint16_t		 oport;		/* OPort (RTP) */
	char			 media[16];	/* SDP m= media: "audio"... */
	uint64_t		 queue_dropped;	/* voice into the tunnel this
						   half dropped (full queue,
						   stale after an outage) */
};

struct vcit_call {
	char			 call_id[256];
	char			 from[256];	/* From URI */
	char			 to[256];	/* To URI */
	char			 client[65];	/* hras: the client (tunnel) it
						   belongs to */
	char			 source[64];	/* IP of the SIP source that set
						   it up from this half's own
						   side, or "" */
	uint32_t		 flow_base;
	int			 nstreams;
	struct vcit_stream	 stream[VCIT_STREAMS];
	time_t			 created;
	uint64_t		 start_ms;	/* monotonic ms: created */
	uint64_t		 answer_ms;	/* ... its first 2xx, or 0 */
	int			 established;	/* a 2xx to its INVITE was seen */
	int			 held;		/* its last SDP put it on hold */
	int			 nopen;		/* streams with relay ports */
	time_t			 ringing;	/* monotonic s of its INVITE or
						   latest 1xx: Timer C */
	/* private linkage after this point */
	TAILQ_ENTRY(vcit_call)	 entry;
	struct vcit_call	*id_next;
	struct vcit_call	*flow_next;
	uint64_t		 id_hash;
	uint64_t		 seq;		/* order of addition, from 1 */
};

struct vcit	*vcit_new(void);
void		 vcit_free(struct vcit *);	/* frees entries; does not
						   touch mf */
struct vcit_call *vcit_find(struct vcit *, const char *call_id);
/* Any flow of the call's block. */
struct vcit_call *vcit_find_flow(struct vcit *, uint32_t flow);
/*
 * A new call, its stream[i].flow preset to flow_base + i and created to
 * now. flow_base is a multiple of 8; 0 means no flows (not indexed).
 * NULL with errno EEXIST (Call-ID or flow block taken), EINVAL (empty or
 * too long Call-ID, bad base), ENOSPC (VCIT_MAX calls) or ENOMEM.
 */
struct vcit_call *vcit_add(struct vcit *, const char *call_id,
		    uint32_t flow_base);
void		 vcit_del(struct vcit *, struct vcit_call *);
/* The oldest call added after call number seq (0: the oldest), or NULL. */
struct vcit_call *vcit_next(struct vcit *, uint64_t seq);
void		 vcit_bury(struct vcit *, const struct vcit_call *);
int		 vcit_buried(struct vcit *, const char *call_id);
size_t		 vcit_count(const struct vcit *);
/*
 * Visit every call, oldest first (for status dumps and timeouts); the
 * callback may vcit_del the call it is given.
 */
void		 vcit_foreach(struct vcit *, void (*)(struct vcit_call *,
		    void *), void *);
/*
 * Allocate an unused block of 8 flow ids with the given high bit (0 for
 * hrac, 0x80000000 for hras), never 0 nor the block of FRAME_FLOW_DIRECT;
 * blocks are handed out in turn from a random start, so one is not handed
 * out again for 2^28 allocations.
 */
uint32_t	 vcit_flow_alloc(struct vcit *, uint32_t high_bit);

#endif
