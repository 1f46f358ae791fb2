/*
 * The VCIT (see vcit.h): calls in a list in creation order, indexed by two
 * chained hash tables that grow with the table, one on the Call-ID (keyed
 * SipHash-2-4, since a Call-ID is chosen by whoever sends the INVITE) and
 * one on the flow block.
 */
#include <sys/queue.h>
#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "log.h"
#include "siphash.h"
#include "vcit.h"

#define VCIT_MINBITS	6		/* 64 buckets to start with */
#define VCIT_MAXBITS	16		/* VCIT_MAX buckets at most */
#define VCIT_BLOCK	0x7ffffff8U	/* flow id bits of a block base */
#define VCIT_HIGH	0x80000000U
#define VCIT_HASH	0x9e3779b1U	/* golden ratio, for the flow hash */

TAILQ_HEAD(vcit_callq, vcit_call);

/* A call that ended after it was answered: its Call-ID, for a while. */
struct vcit_grave {
	uint64_t		 id_hash;
	time_t			 until;		/* monotonic seconds */
};

struct vcit {
	struct vcit_callq	 calls;
	size_t			 count;
	int			 bits;		/* log2 of the bucket count */
	struct vcit_call	**byid;
	struct vcit_call	**byflow;
	struct siphash_key	 key;
	uint32_t		 next[2];	/* last block handed out, per
						   high bit */
	uint64_t		 seq;		/* calls added so far */
	struct vcit_grave	 graves[VCIT_GRAVES];	/* by hash */
};

static size_t	 vcit_id_bucket(const struct vcit *, uint64_t);
static size_t	 vcit_flow_bucket(const struct vcit *, uint32_t);
static void	 vcit_link(struct vcit *, struct vcit_call *);
static void	 vcit_grow(struct vcit *);
static time_t	 vcit_now(void);

/* Bucket of a Call-ID hash. */
static size_t
vcit_id_bucket(const struct vcit *v, uint64_t h)
{
	return (size_t)(h >> (64 - v->bits));
}

/* Bucket of a flow block: multiplicative hashing of the block number. */
static size_t
vcit_flow_bucket(const struct vcit *v, uint32_t base)
{
	return (uint32_t)((base >> 3) * VCIT_HASH) >> (32 - v->bits);
}

/* Create an empty table with a fresh hash key. */
struct vcit *
vcit_new(void)
{
	struct vcit	*v;
	uint32_t	 r[2];

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	TAILQ_INIT(&v->calls);
	v->bits = VCIT_MINBITS;
	if ((v->byid = calloc(1U << v->bits, sizeof(*v->byid))) == NULL ||
	    (v->byflow = calloc(1U << v->bits, sizeof(*v->byflow))) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	if (siphash_key_random(&v->key) == -1)
		goto fail;
	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		log_warn("%s: getrandom", __func__);
		goto fail;
	}
	/* A random start keeps a restarted half off its old flow ids. */
	v->next[0] = r[0] & VCIT_BLOCK;
	v->next[1] = r[1] & VCIT_BLOCK;
	return v;
 fail:
	free(v->byid);
	free(v->byflow);
	free(v);
	return NULL;
}

/* Free the table and its calls; their media flows are the caller's. */
void
vcit_free(struct vcit *v)
{
	struct vcit_call	*c;

	if (v == NULL)
		return;
	while ((c = TAILQ_FIRST(&v->calls)) != NULL) {
		TAILQ_REMOVE(&v->calls, c, entry);
		free(c);
	}
	free(v->byid);
	free(v->byflow);
	free(v);
}

/* The call with this Call-ID, or NULL. */
struct vcit_call *
vcit_find(struct vcit *v, const char *call_id)
{
	struct vcit_call	*c;
	uint64_t		 h;

	h = siphash24(&v->key, call_id, strlen(call_id));
	for (c = v->byid[vcit_id_bucket(v, h)]; c != NULL; c = c->id_next)
		if (c->id_hash == h && strcmp(c->call_id, call_id) == 0)
			return c;
	return NULL;
}

/* The call whose block holds this flow id, or NULL. */
struct vcit_call *
vcit_find_flow(struct vcit *v, uint32_t flow)
{
	struct vcit_call	*c;
	uint32_t		 base = flow & ~(uint32_t)(VCIT_STREAMS - 1);

	if (base == 0)
		return NULL;
	for (c = v->byflow[vcit_flow_bucket(v, base)]; c != NULL;
	    c = c->flow_next)
		if (c->flow_base == base)
			return c;
	return NULL;
}

/* Put a call at the head of its buckets. */
static void
vcit_link(struct vcit *v, struct vcit_call *c)
{
	size_t	 b;

	b = vcit_id_bucket(v, c->id_hash);
	c->id_next = v->byid[b];
	v->byid[b] = c;
	if (c->flow_base != 0) {
		b = vcit_flow_bucket(v, c->flow_base);
		c->flow_next = v->byflow[b];
		v->byflow[b] = c;
	}
}

/* Double the buckets; on failure keep the old ones, slower but right. */
static void
vcit_grow(struct vcit *v)
{
	struct vcit_call	**byid, **byflow, *c;
	size_t			  n = (size_t)1 << (v->bits + 1);

	if ((byid = calloc(n, sizeof(*byid))) == NULL ||
	    (byflow = calloc(n, sizeof(*byflow))) == NULL) {
		log_warn("%s", __func__);
		free(byid);
		return;
	}
	free(v->byid);
	free(v->byflow);
	v->byid = byid;
	v->byflow = byflow;
	v->bits++;
	TAILQ_FOREACH(c, &v->calls, entry)
		vcit_link(v, c);
}

/* Enter a new call; see vcit.h for why it may be refused. */
struct vcit_call *
vcit_add(struct vcit *v, const char *call_id, uint32_t flow_base)
{
	struct vcit_call	*c;
	size_t			 len = strlen(call_id);
	int			 i;

	if (len == 0 || len >= sizeof(c->call_id) ||
	    flow_base % VCIT_STREAMS != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (vcit_find(v, call_id) != NULL ||
	    (flow_base != 0 && vcit_find_flow(v, flow_base) != NULL)) {
		errno = EEXIST;
		return NULL;
	}
	if (v->count >= VCIT_MAX) {
		errno = ENOSPC;
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	memcpy(c->call_id, call_id, len + 1);
	c->id_hash = siphash24(&v->key, call_id, len);
	c->flow_base = flow_base;
	for (i = 0; i < VCIT_STREAMS; i++)
		c->stream[i].flow = flow_base + (uint32_t)i;
	c->created = time(NULL);
	c->seq = ++v->seq;
	TAILQ_INSERT_TAIL(&v->calls, c, entry);
	vcit_link(v, c);
	if (++v->count > ((size_t)1 << v->bits) && v->bits < VCIT_MAXBITS)
		vcit_grow(v);
	return c;
}

/*
 * The oldest call added after the one numbered seq (0: the oldest of
 * all), or NULL: calls sit in the order they were added, so a listing
 * can stop between two and carry on where it was even if calls ended
 * meanwhile.
 */
struct vcit_call *
vcit_next(struct vcit *v, uint64_t seq)
{
	struct vcit_call	*c;

	TAILQ_FOREACH(c, &v->calls, entry)
		if (c->seq > seq)
			return c;
	return NULL;
}

/* Remove a call from the table and free it. */
void
vcit_del(struct vcit *v, struct vcit_call *c)
{
	struct vcit_call	**pp;

	for (pp = &v->byid[vcit_id_bucket(v, c->id_hash)]; *pp != c;
	    pp = &(*pp)->id_next)
		;
	*pp = c->id_next;
	if (c->flow_base != 0) {
		for (pp = &v->byflow[vcit_flow_bucket(v, c->flow_base)];
		    *pp != c; pp = &(*pp)->flow_next)
			;
		*pp = c->flow_next;
	}
	TAILQ_REMOVE(&v->calls, c, entry);
	v->count--;
	free(c);
}

/* Monotonic seconds. */
static time_t
vcit_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Remember an answered call's Call-ID for VCIT_GRAVE_SECS after it ends:
 * late copies of its messages (a 2xx retransmitted, a resend after an
 * outage) must not bring it back with relay ports of its own. A grave
 * taken over by another Call-ID's only loses that protection.
 */
void
vcit_bury(struct vcit *v, const struct vcit_call *c)
{
	struct vcit_grave	*g;

	g = &v->graves[c->id_hash >> (64 - VCIT_GRAVES_BITS)];
	g->id_hash = c->id_hash;
	g->until = vcit_now() + VCIT_GRAVE_SECS;
}

/* Whether a call with this Call-ID ended answered a short while ago. */
int
vcit_buried(struct vcit *v, const char *call_id)
{
	const struct vcit_grave	*g;
	uint64_t		 h;

	h = siphash24(&v->key, call_id, strlen(call_id));
	g = &v->graves[h >> (64 - VCIT_GRAVES_BITS)];
	return g->id_hash == h && g->until > vcit_now();
}

/* Number of calls in the table. */
size_t
vcit_count(const struct vcit *v)
{
	return v->count;
}

/* Call fn on every call, oldest first; fn may delete the one it gets. */
void
vcit_foreach(struct vcit *v, void (*fn)(struct vcit_call *, void *),
    void *arg)
{
	struct vcit_call	*c, *next;

	for (c = TAILQ_FIRST(&v->calls); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		fn(c, arg);
	}
}

/* The next block of 8 flow ids under high_bit that no call holds. */
uint32_t
vcit_flow_alloc(struct vcit *v, uint32_t high_bit)
{
	uint32_t	*next = &v->next[(high_bit & VCIT_HIGH) != 0];
	uint32_t	 base;

	/* At most VCIT_MAX of the 2^28 blocks are held: this ends soon. */
	for (;;) {
		*next = (*next + VCIT_STREAMS) & VCIT_BLOCK;
		base = (high_bit & VCIT_HIGH) | *next;
		if (base != 0 && base != (FRAME_FLOW_DIRECT & ~7U) &&
		    vcit_find_flow(v, base) == NULL)
			return base;
	}
}
