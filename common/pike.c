/*
 * Per-source request limiter (see pike.h). Each source has a ring of
 * sub-window counters: a window of `window` seconds is cut into PIKE_SLOTS
 * slots and the ring holds one more, so the sum always covers at least the
 * last `window` seconds (a little more, never less: the limit is never
 * laxer than "more than `requests` in `window` seconds"). Sources live in
 * a hash table keyed with a random key (no chosen collisions) and on a
 * list in the order they were last seen, whose head is evicted when the
 * table is full. Bans are on a list of their own, ended by pike_sweep.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pike.h"
#include "siphash.h"

#define PIKE_SLOTS		8	/* slots per window */
#define PIKE_RING		(PIKE_SLOTS + 1)
#define PIKE_LOG_BURST		10	/* ban lines per second at most */

struct pike_source {
	LIST_ENTRY(pike_source)	 hash;
	TAILQ_ENTRY(pike_source) lru;	/* least recently seen first */
	TAILQ_ENTRY(pike_source) bans;
	uint8_t			 addr[16];
	uint64_t		 slot;	/* newest slot counted */
	uint16_t		 counts[PIKE_RING];
	uint64_t		 last;	/* ms, last seen */
	uint64_t		 until;	/* ms, end of the ban; 0: none */
	uint64_t		 dropped;
};

LIST_HEAD(pike_bucket, pike_source);

struct pike {
	struct pike_conf	 conf;
	struct pike_net		 allow[PIKE_ALLOW_MAX];
	struct pike_bucket	*buckets;
	size_t			 nbuckets;	/* a power of two */
	struct siphash_key	 key;
	TAILQ_HEAD(, pike_source) lru;
	TAILQ_HEAD(, pike_source) bans;
	size_t			 count;
	size_t			 nbans;
	uint64_t		 log_sec;	/* second of the log budget */
	unsigned int		 log_n;		/* lines in that second */
	unsigned long		 log_lost;	/* lines not written */
};

static int	pike_addr(const char *, uint8_t[16]);
static void	pike_name(const uint8_t[16], char *, size_t);
static int	pike_allowed(const struct pike *, const uint8_t[16]);
static size_t	pike_hash(const struct pike *, const uint8_t[16]);
static struct pike_source *pike_find(struct pike *, const uint8_t[16]);
static struct pike_source *pike_add(struct pike *, const uint8_t[16]);
static void	pike_remove(struct pike *, struct pike_source *);
static int	pike_rehash(struct pike *);
static void	pike_unban(struct pike *, struct pike_source *, uint64_t);
static int	pike_log_ok(struct pike *, uint64_t);
static uint64_t	pike_slot_ms(const struct pike *);

/* A numeric address as 16 bytes, IPv4 mapped; -1 when it is none. */
static int
pike_addr(const char *host, uint8_t out[16])
{
	struct in_addr	 a4;

	if (inet_pton(AF_INET6, host, out) == 1)
		return 0;
	if (inet_pton(AF_INET, host, &a4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return 0;
}

/* The text of an address, IPv4 without its mapping. */
static void
pike_name(const uint8_t addr[16], char *buf, size_t len)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };

	if (memcmp(addr, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
}

/* "address" or "address/bits" (IPv4 or IPv6) as a prefix; -1 if bad. */
int
pike_net_parse(const char *s, struct pike_net *net)
{
	char		 host[64], *slash, *end;
	unsigned long	 bits;
	int		 v4;
	size_t		 i;

	if (strlen(s) >= sizeof(host))
		return -1;
	memcpy(host, s, strlen(s) + 1);
	if ((slash = strchr(host, '/')) != NULL)
		*slash = '\0';
	if (pike_addr(host, net->addr) == -1)
		return -1;
	v4 = strchr(host, ':') == NULL;
	bits = v4 ? 32 : 128;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || bits > (v4 ? 32UL : 128UL))
			return -1;
	}
	net->bits = (unsigned int)bits + (v4 ? 96 : 0);
	/* Host bits set ("10.0.0.1/8") are most likely a typo: refused. */
	for (i = 0; i < 16; i++) {
		if (i * 8 >= net->bits)
			if (net->addr[i] != 0)
				return -1;
		if (i * 8 < net->bits && net->bits < (i + 1) * 8 &&
		    (net->addr[i] & (0xff >> (net->bits - i * 8))) != 0)
			return -1;
	}
	return 0;
}

/* A table enforcing conf; NULL when out of memory or conf is bad. */
struct pike *
pike_new(const struct pike_conf *conf)
{
	struct pike	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	TAILQ_INIT(&p->lru);
	TAILQ_INIT(&p->bans);
	if (siphash_key_random(&p->key) == -1 ||
	    pike_configure(p, conf) == -1) {
		pike_free(p);
		return NULL;
	}
	return p;
}

/* Free a table and every source in it. */
void
pike_free(struct pike *p)
{
	struct pike_source	*s;

	if (p == NULL)
		return;
	while ((s = TAILQ_FIRST(&p->lru)) != NULL)
		pike_remove(p, s);
	free(p->buckets);
	free(p);
}

/*
 * Apply new settings (start, SIGHUP): bans in force stay, counts start
 * again (a new window cuts time differently), and the table shrinks to
 * its new size by forgetting the least recently seen.
 */
int
pike_configure(struct pike *p, const struct pike_conf *conf)
{
	struct pike_source	*s;
	size_t			 i;

	if (conf->requests == 0 || conf->window == 0 || conf->ban == 0 ||
	    conf->sources == 0 || conf->nallow > PIKE_ALLOW_MAX)
		return -1;
	p->conf = *conf;
	for (i = 0; i < conf->nallow; i++)
		p->allow[i] = conf->allow[i];
	p->conf.allow = p->allow;
	if (pike_rehash(p) == -1)
		return -1;
	while (p->count > p->conf.sources)
		pike_remove(p, TAILQ_FIRST(&p->lru));
	TAILQ_FOREACH(s, &p->lru, lru) {
		memset(s->counts, 0, sizeof(s->counts));
		s->slot = 0;
	}
	return 0;
}

/* Size the hash for the table's cap (a quarter as many buckets). */
static int
pike_rehash(struct pike *p)
{
	struct pike_bucket	*b;
	struct pike_source	*s;
	size_t			 n = 64, i;

	while (n < p->conf.sources / 4 && n < ((size_t)1 << 20))
		n <<= 1;
	if (n == p->nbuckets)
		return 0;
	if ((b = calloc(n, sizeof(*b))) == NULL)
		return -1;
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = n;
	for (i = 0; i < n; i++)
		LIST_INIT(&b[i]);
	TAILQ_FOREACH(s, &p->lru, lru)
		LIST_INSERT_HEAD(&p->buckets[pike_hash(p, s->addr)], s, hash);
	return 0;
}

/* Keyed: addresses the sender picks still spread evenly. */
static size_t
pike_hash(const struct pike *p, const uint8_t addr[16])
{
	return (size_t)siphash24(&p->key, addr, 16) & (p->nbuckets - 1);
}

/* True when an address is on the allow list. */
static int
pike_allowed(const struct pike *p, const uint8_t addr[16])
{
	const struct pike_net	*n;
	size_t			 i;
	unsigned int		 full, rest;

	for (i = 0; i < p->conf.nallow; i++) {
		n = &p->allow[i];
		full = n->bits / 8;
		rest = n->bits % 8;
		if (memcmp(addr, n->addr, full) != 0)
			continue;
		if (rest == 0 || ((addr[full] ^ n->addr[full]) &
		    (0xff << (8 - rest)) & 0xff) == 0)
			return 1;
	}
	return 0;
}

/* The source with this address, or NULL. */
static struct pike_source *
pike_find(struct pike *p, const uint8_t addr[16])
{
	struct pike_source	*s;

	LIST_FOREACH(s, &p->buckets[pike_hash(p, addr)], hash)
		if (memcmp(s->addr, addr, 16) == 0)
			return s;
	return NULL;
}

/* A new source; the least recently seen one goes when the table is full. */
static struct pike_source *
pike_add(struct pike *p, const uint8_t addr[16])
{
	struct pike_source	*s;

	if (p->count >= p->conf.sources)
		pike_remove(p, TAILQ_FIRST(&p->lru));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	memcpy(s->addr, addr, 16);
	LIST_INSERT_HEAD(&p->buckets[pike_hash(p, addr)], s, hash);
	TAILQ_INSERT_TAIL(&p->lru, s, lru);
	p->count++;
	return s;
}

/* The only place a source is freed (evicted, idle, or shutdown). */
static void
pike_remove(struct pike *p, struct pike_source *s)
{
	char	 name[INET6_ADDRSTRLEN];

	if (s->until != 0) {
		pike_name(s->addr, name, sizeof(name));
		log_debug("sip flood from %s: ban forgotten (table full or "
		    "shutdown)", name);
		TAILQ_REMOVE(&p->bans, s, bans);
		p->nbans--;
	}
	LIST_REMOVE(s, hash);
	TAILQ_REMOVE(&p->lru, s, lru);
	p->count--;
	free(s);
}

/* Whether a ban line may be written now (PIKE_LOG_BURST a second). */
static int
pike_log_ok(struct pike *p, uint64_t now)
{
	if (now / 1000 != p->log_sec) {
		p->log_sec = now / 1000;
		p->log_n = 0;
	}
	if (p->log_n >= PIKE_LOG_BURST) {
		p->log_lost++;
		return 0;
	}
	p->log_n++;
	return 1;
}

/* End a source's ban, with its line. */
static void
pike_unban(struct pike *p, struct pike_source *s, uint64_t now)
{
	char	 name[INET6_ADDRSTRLEN];

	if (pike_log_ok(p, now)) {
		pike_name(s->addr, name, sizeof(name));
		log_info("sip flood from %s: ban ended, %llu messages dropped",
		    name, (unsigned long long)s->dropped);
	}
	TAILQ_REMOVE(&p->bans, s, bans);
	p->nbans--;
	s->until = 0;
	s->dropped = 0;
	s->slot = 0;
	memset(s->counts, 0, sizeof(s->counts));
}

/* Milliseconds per slot. */
static uint64_t
pike_slot_ms(const struct pike *p)
{
	return (uint64_t)p->conf.window * 1000 / PIKE_SLOTS;
}

/*
 * A message from host at now_ms (monotonic): 1 when it must be dropped
 * (the source is banned, or this request gets it banned), 0 when it
 * passes. Only requests count; a banned source's responses are dropped
 * too.
 */
int
pike_check(struct pike *p, const char *host, int request, uint64_t now)
{
	struct pike_source	*s;
	uint8_t			 addr[16];
	uint64_t		 cur, i, sum = 0;
	char			 name[INET6_ADDRSTRLEN];

	if (pike_addr(host, addr) == -1 || pike_allowed(p, addr))
		return 0;
	if ((s = pike_find(p, addr)) == NULL) {
		if (!request || (s = pike_add(p, addr)) == NULL)
			return 0;
	} else {
		TAILQ_REMOVE(&p->lru, s, lru);
		TAILQ_INSERT_TAIL(&p->lru, s, lru);
	}
	s->last = now;
	if (s->until != 0) {
		if (now < s->until) {
			s->dropped++;
			return 1;
		}
		pike_unban(p, s, now);
	}
	if (!request)
		return 0;
	cur = now / pike_slot_ms(p);
	if (cur > s->slot) {
		for (i = s->slot + 1; i <= cur && i <= s->slot + PIKE_RING;
		    i++)
			s->counts[i % PIKE_RING] = 0;
		s->slot = cur;
	}
	if (s->counts[cur % PIKE_RING] < UINT16_MAX)
		s->counts[cur % PIKE_RING]++;
	for (i = 0; i < PIKE_RING; i++)
		sum += s->counts[i];
	if (sum <= p->conf.requests)
		return 0;
	s->until = now + (uint64_t)p->conf.ban * 1000;
	s->dropped = 1;
	TAILQ_INSERT_TAIL(&p->bans, s, bans);
	p->nbans++;
	if (pike_log_ok(p, now)) {
		pike_name(s->addr, name, sizeof(name));
		log_warnx("sip flood from %s: banned for %u s (more than %u "
		    "requests in %u s)", name, p->conf.ban, p->conf.requests,
		    p->conf.window);
	}
	return 1;
}

/*
 * Once a second or so: end the bans whose time is up, forget sources
 * seen too long ago to count, and say how many ban lines were not written.
 */
void
pike_sweep(struct pike *p, uint64_t now)
{
	struct pike_source	*s, *next;
	uint64_t		 idle = (uint64_t)p->conf.window * 1000 +
				    pike_slot_ms(p);

	for (s = TAILQ_FIRST(&p->bans); s != NULL; s = next) {
		next = TAILQ_NEXT(s, bans);
		if (now >= s->until)
			pike_unban(p, s, now);
	}
	for (s = TAILQ_FIRST(&p->lru); s != NULL; s = next) {
		next = TAILQ_NEXT(s, lru);
		if (now - s->last <= idle)
			break;
		if (s->until == 0)
			pike_remove(p, s);
	}
	if (p->log_lost > 0 && now / 1000 != p->log_sec) {
		log_warnx("sip flood: %lu more ban lines not logged (at most "
		    "%d a second)", p->log_lost, PIKE_LOG_BURST);
		p->log_lost = 0;
	}
}

/* How many sources the table holds. */
size_t
pike_count(const struct pike *p)
{
	return p->count;
}

/* How many sources are banned. */
size_t
pike_banned(const struct pike *p)
{
	return p->nbans;
}
