/*
 * delayq: the queue of the delay line (tests/tools/delayline.c), apart
 * from netfilter so that a unit test (tests/unit/test_delayq.c) can drive
 * it.  A fixed-capacity ring of packets, each with the time it may leave:
 * the time it came in plus one fixed delay, so the times never decrease
 * and the ring's head is always the next packet due.  First in, first
 * out: the line never reorders what it holds.  Header-only (static
 * inline) because the test tools are one .c file each.
 */
#ifndef DELAYQ_H
#define DELAYQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The most packets a delay queue may hold. */
#define DELAYQ_MAX	65536

/* One held packet: netfilter's packet id and when it may leave (ns). */
struct delayq_item {
	uint32_t	 id;
	uint64_t	 due;
};

/* The ring: items[head] is the oldest of len items. */
struct delayq {
	struct delayq_item	*items;
	size_t			 cap;
	size_t			 head;
	size_t			 len;
	uint64_t		 delay;		/* ns added to each packet */
	uint64_t		 last_due;	/* due time of the newest */
};

/*
 * Set up q to hold at most cap packets, each delay_ns long; 0 on success,
 * -1 if cap is 0 or over DELAYQ_MAX or memory is short.
 */
static inline int
delayq_init(struct delayq *q, size_t cap, uint64_t delay_ns)
{
	q->items = NULL;
	q->cap = q->head = q->len = 0;
	q->delay = delay_ns;
	q->last_due = 0;
	if (cap == 0 || cap > DELAYQ_MAX)
		return -1;
	if ((q->items = calloc(cap, sizeof(*q->items))) == NULL)
		return -1;
	q->cap = cap;
	return 0;
}

/* Free what q holds; the packets' ids are forgotten, not released. */
static inline void
delayq_free(struct delayq *q)
{
	free(q->items);
	q->items = NULL;
	q->cap = q->head = q->len = 0;
}

/* How many packets q holds. */
static inline size_t
delayq_len(const struct delayq *q)
{
	return q->len;
}

/*
 * Hold packet id, arrived at now (ns): 0, or -1 when q is full (the
 * caller decides the packet's fate).  A clock that steps back cannot
 * reorder: a due time is never earlier than the one before it.
 */
static inline int
delayq_push(struct delayq *q, uint32_t id, uint64_t now)
{
	struct delayq_item	*it;
	uint64_t		 due;

	if (q->len == q->cap)
		return -1;
	due = now + q->delay;
	if (q->len > 0 && due < q->last_due)
		due = q->last_due;
	it = &q->items[(q->head + q->len) % q->cap];
	it->id = id;
	it->due = due;
	q->last_due = due;
	q->len++;
	return 0;
}

/* When the oldest packet may leave (ns); 0 if q is empty. */
static inline uint64_t
delayq_next_due(const struct delayq *q)
{
	return q->len > 0 ? q->items[q->head].due : 0;
}

/*
 * Take the oldest packet if it is due at now (or if force is set: the
 * line is shutting down); 1 with its id in *id, 0 if none is due.
 */
static inline int
delayq_pop(struct delayq *q, uint64_t now, int force, uint32_t *id)
{
	if (q->len == 0 || (!force && q->items[q->head].due > now))
		return 0;
	*id = q->items[q->head].id;
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return 1;
}

#endif /* DELAYQ_H */
