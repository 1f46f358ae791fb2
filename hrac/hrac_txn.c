/*
 * Where the answers to the requests hrac relayed go back to: the sender of
 * each request from an inside phone, remembered per transaction (the
 * branch of its top Via) for as long as a response may come (RFC 3261
 * Timer F, or Timer C and F for an INVITE). A phone that never sent a
 * Contact hrac could learn, such as one sending OPTIONS before it
 * registers, still gets its answer, and only at the address the request
 * came from. Bounded: when the table is full the oldest entry goes.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrac.h"
#include "sip.h"

#define TXN_BUCKETS		1024	/* a power of two */
#define TXN_BRANCH_MAX		128
#define TXN_LIFE		32	/* 64 * T1, seconds */
#define TXN_INVITE_LIFE		(180 + 32)	/* Timer C, then F */

/* One relayed request: its branch and the host it came from. */
struct hrac_txn_entry {
	TAILQ_ENTRY(hrac_txn_entry) age;	/* its queue, oldest first */
	TAILQ_ENTRY(hrac_txn_entry) bucket;
	int			 invite;
	time_t			 expires;	/* monotonic */
	char			 branch[TXN_BRANCH_MAX];
	char			 host[64];
};

TAILQ_HEAD(hrac_txn_list, hrac_txn_entry);

struct hrac_txn {
	/* Two lifetimes, so each queue is in the order its entries expire. */
	struct hrac_txn_list	 queue[2];
	struct hrac_txn_list	 buckets[TXN_BUCKETS];
	unsigned int		 count;
	unsigned int		 max;
};

static const char *hrac_txn_branch(const osip_message_t *);
static struct hrac_txn_list *hrac_txn_bucket(struct hrac_txn *,
		    const char *);
static struct hrac_txn_entry *hrac_txn_find(struct hrac_txn *,
		    const char *, const char *);
static void	hrac_txn_drop(struct hrac_txn *, struct hrac_txn_entry *);
static void	hrac_txn_drop_oldest(struct hrac_txn *);
static void	hrac_txn_expire(struct hrac_txn *, time_t);

/* An empty table of at most max transactions. */
struct hrac_txn *
hrac_txn_new(unsigned int max)
{
	struct hrac_txn	*x;
	size_t		 i;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	TAILQ_INIT(&x->queue[0]);
	TAILQ_INIT(&x->queue[1]);
	for (i = 0; i < TXN_BUCKETS; i++)
		TAILQ_INIT(&x->buckets[i]);
	x->max = max;
	return x;
}

/* Free the table and its entries. */
void
hrac_txn_free(struct hrac_txn *x)
{
	struct hrac_txn_entry	*e;
	int			 q;

	if (x == NULL)
		return;
	for (q = 0; q < 2; q++)
		while ((e = TAILQ_FIRST(&x->queue[q])) != NULL)
			hrac_txn_drop(x, e);
	free(x);
}

/* A new bound (SIGHUP); the oldest entries go if there are too many. */
void
hrac_txn_set_max(struct hrac_txn *x, unsigned int max)
{
	x->max = max;
	while (x->count > x->max)
		hrac_txn_drop_oldest(x);
}

/* How many transactions the table holds. */
unsigned int
hrac_txn_count(const struct hrac_txn *x)
{
	return x->count;
}

/*
 * Remember that the request m (its top Via already stamped with received
 * and rport) came from host `from`. A retransmission renews its entry.
 */
void
hrac_txn_remember(struct hrac_txn *x, const osip_message_t *m,
    const struct sip_addr *from, time_t now)
{
	struct hrac_txn_entry	*e;
	const char		*branch;
	int			 invite;

	/* An ACK gets no answer; without a usable branch, no key. */
	if (x->max == 0 || MSG_IS_ACK(m) ||
	    (branch = hrac_txn_branch(m)) == NULL)
		return;
	invite = MSG_IS_INVITE(m);
	hrac_txn_expire(x, now);
	if ((e = hrac_txn_find(x, branch, from->host)) != NULL) {
		TAILQ_REMOVE(&x->queue[e->invite], e, age);
		e->invite |= invite;
	} else {
		if (x->count >= x->max)
			hrac_txn_drop_oldest(x);
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return;
		e->invite = invite;
		memcpy(e->branch, branch, strlen(branch) + 1);
		memcpy(e->host, from->host, sizeof(e->host));
		TAILQ_INSERT_TAIL(hrac_txn_bucket(x, branch), e, bucket);
		x->count++;
	}
	e->expires = now + (e->invite ? TXN_INVITE_LIFE : TXN_LIFE);
	TAILQ_INSERT_TAIL(&x->queue[e->invite], e, age);
}

/*
 * True when the response m answers a request hrac relayed from `host`:
 * its top Via carries the branch of a transaction that came from there.
 */
int
hrac_txn_sender(struct hrac_txn *x, const osip_message_t *m,
    const char *host, time_t now)
{
	const char	*branch;

	if ((branch = hrac_txn_branch(m)) == NULL)
		return 0;
	hrac_txn_expire(x, now);
	return hrac_txn_find(x, branch, host) != NULL;
}

/* The branch of m's top Via, if it has one that fits the table. */
static const char *
hrac_txn_branch(const osip_message_t *m)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*b;

	if (via == NULL ||
	    (b = sip_param(&via->via_params, "branch")) == NULL ||
	    b->gvalue == NULL || b->gvalue[0] == '\0' ||
	    strlen(b->gvalue) >= TXN_BRANCH_MAX)
		return NULL;
	return b->gvalue;
}

/* The bucket of a branch (FNV-1a). */
static struct hrac_txn_list *
hrac_txn_bucket(struct hrac_txn *x, const char *branch)
{
	uint32_t	 h = 2166136261u;

	for (; *branch != '\0'; branch++)
		h = (h ^ (unsigned char)*branch) * 16777619u;
	return &x->buckets[h & (TXN_BUCKETS - 1)];
}

/* The entry of a branch from host, or NULL. */
static struct hrac_txn_entry *
hrac_txn_find(struct hrac_txn *x, const char *branch, const char *host)
{
	struct hrac_txn_entry	*e;

	TAILQ_FOREACH(e, hrac_txn_bucket(x, branch), bucket)
		if (strcmp(e->branch, branch) == 0 &&
		    strcmp(e->host, host) == 0)
			return e;
	return NULL;
}

/* Forget one entry: the only place one is freed. */
static void
hrac_txn_drop(struct hrac_txn *x, struct hrac_txn_entry *e)
{
	TAILQ_REMOVE(&x->queue[e->invite], e, age);
	TAILQ_REMOVE(hrac_txn_bucket(x, e->branch), e, bucket);
	x->count--;
	free(e);
}

/* Forget the entry renewed longest ago, of either queue. */
static void
hrac_txn_drop_oldest(struct hrac_txn *x)
{
	struct hrac_txn_entry	*a = TAILQ_FIRST(&x->queue[0]);
	struct hrac_txn_entry	*b = TAILQ_FIRST(&x->queue[1]);

	if (a == NULL || (b != NULL &&
	    b->expires - TXN_INVITE_LIFE < a->expires - TXN_LIFE))
		a = b;
	if (a != NULL)
		hrac_txn_drop(x, a);
}

/* Forget the transactions whose time is up. */
static void
hrac_txn_expire(struct hrac_txn *x, time_t now)
{
	struct hrac_txn_entry	*e;
	int			 q;

	for (q = 0; q < 2; q++)
		while ((e = TAILQ_FIRST(&x->queue[q])) != NULL &&
		    e->expires <= now)
			hrac_txn_drop(x, e);
}
