/*
 * The media relay of one half (see media.h). Each flow owns an RTP and an
 * RTCP socket whose event argument leads straight to it, so the receive
 * path needs no lookup; the tunnel side finds flows in a hash on the flow
 * id. Datagrams are read in bursts into buffers allocated once, and what
 * cannot be sent at once is dropped: stale voice is worth nothing.
 */
#define _GNU_SOURCE	/* recvmmsg */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock_us.h"
#include "config.h"
#include "log.h"
#include "media.h"
#include "net.h"

#define MEDIA_BURST	32		/* datagrams read per wake-up */
#define MEDIA_SOCKBUF	(256 * 1024)	/* SO_RCVBUF and SO_SNDBUF */
#define MEDIA_TOS_EF	(46 << 2)	/* DSCP EF: voice */
#define MEDIA_HASH	0x9e3779b1U	/* golden ratio, for the flow hash */
#define MEDIA_PROBES	32		/* random picks before a scan */

/* Per-packet errors, each logged at most once per tick. */
enum media_err {
	MEDIA_ERR_RECV,
	MEDIA_ERR_SEND,
	MEDIA_ERR_UNKNOWN,
	MEDIA_ERR_SOURCE,
	MEDIA_ERR_SIZE,
	MEDIA_ERR_MAX
};

/* One socket of a flow: the event argument of its reads. */
struct media_sock {
	struct media_flow	*mf;
	struct event		*ev;
	int			 fd;
	int			 rtcp;
	int			 learnt;	/* peer is a source seen */
	struct sockaddr_storage	 sdp;		/* as media_flow_set_peer
						   gave it */
	struct sockaddr_storage	 peer;		/* where datagrams go */
	socklen_t		 peerlen;
	struct sockaddr_storage	 cand;		/* a new source that may
						   become the peer */
	unsigned int		 ncand;		/* its packets in a row */
};

struct media_flow {
	struct media		*m;
	uint32_t		 flow;
	unsigned int		 pair;		/* index of its port pair */
	int			 has_peer;
	int			 learn;
	int			 has_sig;
	struct sockaddr_storage	 sig;		/* IP the party's SIP came
						   from */
	int			 idle;		/* media_idle_fn was called */
	int			 closed;
	unsigned int		 last_rtp;	/* m->tick of the last RTP in */
	uint64_t		 rx, tx;	/* packets, for the summary */
	uint64_t		 dropped_send;	/* to the terminal */
	struct rtpstats		 q_term;	/* RTP from the terminal */
	struct rtpstats		 q_tun;		/* RTP from the tunnel */
	struct media_sock	 sock[2];	/* RTP, RTCP */
	struct media_flow	*hnext;		/* hash chain */
	struct media_flow	*dnext;		/* closed, not yet freed */
	TAILQ_ENTRY(media_flow)	 entry;
};

TAILQ_HEAD(media_flowq, media_flow);

struct media {
	struct event_base	*base;
	media_in_fn		 in;
	media_idle_fn		 idle;
	void			*arg;
	struct sockaddr_storage	 addr;		/* media.address, no port */
	socklen_t		 addrlen;
	unsigned int		 first;		/* lowest RTP port */
	unsigned int		 npairs;
	uint8_t			*used;		/* per pair */
	unsigned int		 timeout;	/* ticks; 0: never idle */
	struct media_flow	**bucket;
	int			 shift;		/* 32 - log2(buckets) */
	struct media_flowq	 flows;		/* in opening order */
	size_t			 nflows;	/* open ones */
	struct media_flow	*dead;		/* closed during a callback */
	int			 depth;		/* callbacks running */
	struct event		*ticker;
	unsigned int		 tick;		/* seconds since media_new */
	unsigned int		 logged[MEDIA_ERR_MAX];	/* tick + 1 of the
							   last log */
	struct media_stats	 stats;
	struct mmsghdr		 rxmsg[MEDIA_BURST];
	struct iovec		 rxiov[MEDIA_BURST];
	struct sockaddr_storage	 rxfrom[MEDIA_BURST];
	uint8_t			 rxbuf[MEDIA_BURST][MEDIA_MAXDGRAM];
};

static uint32_t	 media_hash(const struct media *, uint32_t);
static int	 media_ratelimit(struct media *, enum media_err);
static int	 media_sock_open(struct media *, unsigned int, int *);
static int	 media_flow_bind(struct media *, struct media_flow *,
		    unsigned int, int *);
static void	 media_flow_release(struct media *, struct media_flow *);
static void	 media_reap(struct media *);
static int	 media_peer_addr(const struct media *, const char *, uint16_t,
		    struct sockaddr_storage *, socklen_t *);
static int	 media_same(const struct sockaddr_storage *,
		    const struct sockaddr_storage *, int);
static int	 media_accept(struct media_sock *,
		    const struct sockaddr_storage *);
static int	 media_eligible(const struct media_sock *,
		    const struct sockaddr_storage *);
static int	 media_pick(struct media *, struct media_flow *, unsigned int,
		    int *);
static void	 media_read(evutil_socket_t, short, void *);
static void	 media_tick(evutil_socket_t, short, void *);

/* Bucket of a flow id: multiplicative hashing spreads blocks of 8. */
static uint32_t
media_hash(const struct media *m, uint32_t flow)
{
	return (flow * MEDIA_HASH) >> m->shift;
}

/* Tell whether a per-packet error may be logged now (once per second). */
static int
media_ratelimit(struct media *m, enum media_err e)
{
	if (m->logged[e] == m->tick + 1)
		return 0;
	m->logged[e] = m->tick + 1;
	return 1;
}

/* Create the relay on cfg's address, with no flows yet. */
struct media *
media_new(struct event_base *base, const struct config_media *cfg,
    media_in_fn in, media_idle_fn idle, void *arg)
{
	struct media	*m;
	struct timeval	 tv = { 1, 0 };
	unsigned int	 i, bits;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	m->base = base;
	m->in = in;
	m->idle = idle;
	m->arg = arg;
	m->timeout = cfg->timeout > 0 ? (unsigned int)cfg->timeout : 0;
	TAILQ_INIT(&m->flows);
	if (net_sockaddr(cfg->address, 0, &m->addr, &m->addrlen) == -1)
		goto fail;
	/* RTP takes an even port and RTCP the odd one above it. */
	m->first = cfg->port_min + (cfg->port_min & 1U);
	if (m->first == 0)
		m->first = 2;
	if (cfg->port_max > m->first)
		m->npairs = (cfg->port_max - m->first + 1) / 2;
	if (m->npairs == 0) {
		log_warnx("media ports %u..%u hold no even/odd pair",
		    cfg->port_min, cfg->port_max);
		goto fail;
	}
	for (bits = 4; (1U << bits) < m->npairs; bits++)
		;
	m->shift = 32 - (int)bits;
	if ((m->used = calloc(m->npairs, 1)) == NULL ||
	    (m->bucket = calloc(1U << bits, sizeof(*m->bucket))) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	for (i = 0; i < MEDIA_BURST; i++) {
		m->rxiov[i].iov_base = m->rxbuf[i];
		m->rxiov[i].iov_len = sizeof(m->rxbuf[i]);
		m->rxmsg[i].msg_hdr.msg_name = &m->rxfrom[i];
		m->rxmsg[i].msg_hdr.msg_iov = &m->rxiov[i];
		m->rxmsg[i].msg_hdr.msg_iovlen = 1;
	}
	if ((m->ticker = event_new(base, -1, EV_PERSIST, media_tick, m)) ==
	    NULL || event_add(m->ticker, &tv) == -1) {
		log_warnx("%s: cannot add the idle timer", __func__);
		goto fail;
	}
	return m;
 fail:
	if (m->ticker != NULL)
		event_free(m->ticker);
	free(m->bucket);
	free(m->used);
	free(m);
	return NULL;
}

/* Close every flow and free the relay; not from one of its callbacks. */
void
media_free(struct media *m)
{
	struct media_flow	*mf;

	if (m == NULL)
		return;
	while ((mf = TAILQ_FIRST(&m->flows)) != NULL) {
		if (!mf->closed)
			media_flow_release(m, mf);
		TAILQ_REMOVE(&m->flows, mf, entry);
		free(mf);
	}
	event_free(m->ticker);
	free(m->bucket);
	free(m->used);
	free(m);
}

/*
 * A socket bound to port on the media address, tuned for voice; -1 on
 * error, with *busy set if only the port was taken.
 */
static int
media_sock_open(struct media *m, unsigned int port, int *busy)
{
	struct sockaddr_storage	 ss = m->addr;
	char			 name[64];
	int			 fd, v, rc, saved;

	*busy = 0;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)port);
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("media socket");
		return -1;
	}
	/* A short stall of the loop must not cost voice. */
	v = MEDIA_SOCKBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == -1)
		log_warn("media SO_RCVBUF");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == -1)
		log_warn("media SO_SNDBUF");
	v = MEDIA_TOS_EF;
	if (ss.ss_family == AF_INET)
		rc = setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v));
	else
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v));
	if (rc == -1)
		log_warn("media DSCP EF");
	if (bind(fd, (struct sockaddr *)&ss, m->addrlen) == -1) {
		saved = errno;
		if (saved == EADDRINUSE) {
			*busy = 1;
			log_debug("media port %u busy, skipped", port);
		} else
			log_warn("media bind %s",
			    net_ntop((struct sockaddr *)&ss, name,
			    sizeof(name)));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Bind a pair's two sockets for mf and start reading them. */
static int
media_flow_bind(struct media *m, struct media_flow *mf, unsigned int pair,
    int *busy)
{
	struct media_sock	*ms;
	int			 i;

	for (i = 0; i < 2; i++) {
		ms = &mf->sock[i];
		ms->mf = mf;
		ms->rtcp = i;
		ms->fd = media_sock_open(m, m->first + 2 * pair + i, busy);
		if (ms->fd == -1)
			goto fail;
		if ((ms->ev = event_new(m->base, ms->fd, EV_READ | EV_PERSIST,
		    media_read, ms)) == NULL || event_add(ms->ev, NULL) == -1) {
			log_warnx("media flow %08x: cannot add event",
			    mf->flow);
			if (ms->ev != NULL)
				event_free(ms->ev);
			close(ms->fd);
			goto fail;
		}
	}
	mf->pair = pair;
	return 0;
 fail:
	while (--i >= 0) {
		event_free(mf->sock[i].ev);
		close(mf->sock[i].fd);
	}
	memset(mf->sock, 0, sizeof(mf->sock));
	return -1;
}

/*
 * Try one pair for mf: 1 bound, 0 taken here or by another socket, -1 on
 * an error other than a busy port.
 */
static int
media_pick(struct media *m, struct media_flow *mf, unsigned int pair,
    int *busy)
{
	if (m->used[pair])
		return 0;
	if (media_flow_bind(m, mf, pair, busy) == 0)
		return 1;
	return *busy ? 0 : -1;
}

/*
 * Open a flow on a port pair drawn at random, so that an outsider cannot
 * tell which ports the next call gets: a few random picks, then a scan
 * from a random pair, which finds a free pair whenever one is left.
 */
struct media_flow *
media_flow_open(struct media *m, uint32_t flow)
{
	struct media_flow	*mf;
	unsigned int		 i, start;
	uint32_t		 h;
	int			 busy, rc = 0;

	if (media_flow_get(m, flow) != NULL) {
		log_warnx("media flow %08x already open", flow);
		return NULL;
	}
	if ((mf = calloc(1, sizeof(*mf))) == NULL) {
		log_warn("media flow %08x", flow);
		return NULL;
	}
	mf->m = m;
	mf->flow = flow;
	for (i = 0; i < MEDIA_PROBES && m->nflows < m->npairs && rc == 0; i++)
		rc = media_pick(m, mf, arc4random_uniform(m->npairs), &busy);
	start = arc4random_uniform(m->npairs);
	for (i = 0; i < m->npairs && rc == 0; i++)
		rc = media_pick(m, mf, (start + i) % m->npairs, &busy);
	if (rc != 1) {
		if (rc == 0)
			log_warnx("media flow %08x: no free port pair (%zu "
			    "flows)", flow, m->nflows);
		free(mf);
		return NULL;
	}
	m->used[mf->pair] = 1;
	h = media_hash(m, flow);
	mf->hnext = m->bucket[h];
	m->bucket[h] = mf;
	TAILQ_INSERT_TAIL(&m->flows, mf, entry);
	m->nflows++;
	mf->last_rtp = m->tick;
	log_debug("media flow %08x open on port %u", flow,
	    media_flow_port(mf));
	return mf;
}

/* The open flow with this id, or NULL. */
struct media_flow *
media_flow_get(struct media *m, uint32_t flow)
{
	struct media_flow	*mf;

	for (mf = m->bucket[media_hash(m, flow)]; mf != NULL; mf = mf->hnext)
		if (mf->flow == flow)
			return mf;
	return NULL;
}

/* The flow's RTP port; its RTCP port is the next one. */
uint16_t
media_flow_port(const struct media_flow *mf)
{
	return (uint16_t)(mf->m->first + 2 * mf->pair);
}

/* Fill a peer address of the media address's family. */
static int
media_peer_addr(const struct media *m, const char *addr, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	const struct sockaddr_in6	*any = (const struct sockaddr_in6 *)
					    &m->addr;
	struct sockaddr_in		 sin;
	struct sockaddr_in6		*sin6 = (struct sockaddr_in6 *)ss;

	if (net_sockaddr(addr, port, ss, len) == -1)
		return -1;
	if (ss->ss_family == m->addr.ss_family)
		return 0;
	/* A socket on :: reaches IPv4 terminals by mapped addresses. */
	if (ss->ss_family == AF_INET && m->addr.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&any->sin6_addr)) {
		memcpy(&sin, ss, sizeof(sin));
		memset(ss, 0, sizeof(*ss));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = sin.sin_port;
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], &sin.sin_addr, 4);
		*len = sizeof(*sin6);
		return 0;
	}
	log_warnx("media peer %s: not reachable from the media address",
	    addr);
	return -1;
}

/* Set where the local terminal of mf receives, and whom to accept. */
int
media_flow_set_peer(struct media_flow *mf, const char *addr,
    uint16_t rtp_port, uint16_t rtcp_port, const char *sig, int learn)
{
	struct media_sock	*ms;
	struct sockaddr_storage	 ss[2], sigss;
	socklen_t		 len[2], siglen;
	int			 i, keep;

	if (rtcp_port == 0)
		rtcp_port = (uint16_t)(rtp_port + 1);
	if (rtp_port == 0 || rtcp_port == 0) {
		log_warnx("media flow %08x: bad peer port %u/%u", mf->flow,
		    rtp_port, rtcp_port);
		return -1;
	}
	if (media_peer_addr(mf->m, addr, rtp_port, &ss[0], &len[0]) == -1 ||
	    media_peer_addr(mf->m, addr, rtcp_port, &ss[1], &len[1]) == -1)
		return -1;
	/* An unusable signalling address only narrows whom we accept. */
	mf->has_sig = sig != NULL && learn &&
	    media_peer_addr(mf->m, sig, 0, &sigss, &siglen) == 0;
	if (mf->has_sig)
		mf->sig = sigss;
	for (i = 0; i < 2; i++) {
		ms = &mf->sock[i];
		/* A re-INVITE with the same SDP keeps the NAT's address. */
		keep = mf->has_peer && mf->learn && learn && ms->learnt &&
		    media_same(&ss[i], &ms->sdp, 1);
		ms->sdp = ss[i];
		ms->ncand = 0;
		if (!keep) {
			ms->peer = ss[i];
			ms->peerlen = len[i];
			ms->learnt = 0;
		}
	}
	mf->has_peer = 1;
	mf->learn = learn != 0;
	media_flow_restart_idle(mf);
	log_debug("media flow %08x peer %s:%u/%u%s%s%s", mf->flow, addr,
	    rtp_port, rtcp_port, learn ? " (symmetric, signalling from " : "",
	    learn ? (mf->has_sig ? sig : "none") : "", learn ? ")" : "");
	return 0;
}

/* A new media.timeout (SIGHUP): silences are judged by it from now on. */
void
media_set_timeout(struct media *m, int seconds)
{
	m->timeout = seconds > 0 ? (unsigned int)seconds : 0;
}

/* Restart a flow's idle clock: media_tick reports it again after timeout. */
void
media_flow_restart_idle(struct media_flow *mf)
{
	mf->last_rtp = mf->m->tick;
	mf->idle = 0;
}

/* Stop a flow's sockets, unlink it from lookups and free its ports. */
static void
media_flow_release(struct media *m, struct media_flow *mf)
{
	struct media_flow	**pp;
	int			 i;

	for (pp = &m->bucket[media_hash(m, mf->flow)]; *pp != mf;
	    pp = &(*pp)->hnext)
		;
	*pp = mf->hnext;
	for (i = 0; i < 2; i++) {
		event_free(mf->sock[i].ev);
		if (close(mf->sock[i].fd) == -1)
			log_warn("media flow %08x close", mf->flow);
	}
	m->used[mf->pair] = 0;
	m->nflows--;
	mf->closed = 1;
}

/* Close a flow; freed at once, or when the running callback returns. */
void
media_flow_close(struct media *m, struct media_flow *mf)
{
	if (mf == NULL || mf->closed)
		return;
	log_debug("media flow %08x closed: port %u, %llu in, %llu out",
	    mf->flow, media_flow_port(mf), (unsigned long long)mf->rx,
	    (unsigned long long)mf->tx);
	media_flow_release(m, mf);
	if (m->depth > 0) {
		mf->dnext = m->dead;
		m->dead = mf;
		return;
	}
	TAILQ_REMOVE(&m->flows, mf, entry);
	free(mf);
}

/* Free the flows closed while callbacks ran. */
static void
media_reap(struct media *m)
{
	struct media_flow	*mf;

	while ((mf = m->dead) != NULL) {
		m->dead = mf->dnext;
		TAILQ_REMOVE(&m->flows, mf, entry);
		free(mf);
	}
}

/* Compare two addresses' IPs, and their ports if port is set. */
static int
media_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
    int port)
{
	const struct sockaddr_in	*a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in	*b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr &&
		    (!port || a4->sin_port == b4->sin_port);
	return memcmp(&a6->sin6_addr, &b6->sin6_addr,
	    sizeof(a6->sin6_addr)) == 0 &&
	    (!port || a6->sin6_port == b6->sin6_port);
}

/*
 * Whether a source may become a symmetric flow's peer: its IP is the one
 * the party's SIP came from (a phone behind NAT), or the one its SDP names.
 */
static int
media_eligible(const struct media_sock *ms,
    const struct sockaddr_storage *from)
{
	const struct media_flow	*mf = ms->mf;

	return (mf->has_sig && media_same(from, &mf->sig, 0)) ||
	    media_same(from, &ms->sdp, 0);
}

/*
 * Tell whether a datagram from this source belongs to the flow (strict
 * source, as rtpengine does). Fixed flows take any port of the SDP's IP.
 * Symmetric flows: the address the SDP names is the peer as soon as
 * packets come from there, and then stays it; otherwise the first source
 * with the signalling IP (or the SDP's) becomes the peer, and a new
 * source of those IPs takes over only after MEDIA_MOVE packets in a row
 * (a NAT that gave the phone a new port). Nothing else is accepted, so an
 * outsider spraying the relay's ports neither hears nor injects voice.
 */
static int
media_accept(struct media_sock *ms, const struct sockaddr_storage *from)
{
	struct media_flow	*mf = ms->mf;
	char			 name[64];
	const char		*how;

	if (!mf->has_peer)
		return 0;
	if (!mf->learn)
		return media_same(from, &ms->sdp, 0);
	if (ms->learnt && media_same(from, &ms->peer, 1)) {
		ms->ncand = 0;
		return 1;
	}
	if (!media_eligible(ms, from))
		return 0;
	if (media_same(from, &ms->sdp, 1))
		how = "its SDP address";
	else if (!ms->learnt)
		how = "the party's IP";
	else if (media_same(&ms->peer, &ms->sdp, 1))
		return 0;
	else {
		if (ms->ncand == 0 || !media_same(from, &ms->cand, 1)) {
			ms->cand = *from;
			ms->ncand = 0;
		}
		if (++ms->ncand < MEDIA_MOVE)
			return 0;
		how = "moved";
	}
	ms->peer = *from;
	ms->peerlen = from->ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	ms->learnt = 1;
	ms->ncand = 0;
	log_debug("media flow %08x %s peer learnt (%s): %s", mf->flow,
	    ms->rtcp ? "rtcp" : "rtp", how,
	    net_ntop((const struct sockaddr *)from, name, sizeof(name)));
	return 1;
}

/* Hand a burst of datagrams from the local terminal up. */
static void
media_read(evutil_socket_t fd, short what, void *arg)
{
	struct media_sock	*ms = arg;
	struct media_flow	*mf = ms->mf;
	struct media		*m = mf->m;
	struct msghdr		*h;
	char			 name[64];
	size_t			 len;
	uint64_t		 now;
	int			 i, n;

	(void)what;
	for (i = 0; i < MEDIA_BURST; i++)
		m->rxmsg[i].msg_hdr.msg_namelen = sizeof(m->rxfrom[i]);
	if ((n = recvmmsg(fd, m->rxmsg, MEDIA_BURST, MSG_DONTWAIT,
	    NULL)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    media_ratelimit(m, MEDIA_ERR_RECV))
			log_warn("media flow %08x recvmmsg", mf->flow);
		return;
	}
	/* One arrival time for the burst: they were all waiting. */
	now = clock_now_us();
	m->depth++;
	for (i = 0; i < n && !mf->closed; i++) {
		h = &m->rxmsg[i].msg_hdr;
		len = m->rxmsg[i].msg_len;
		if (h->msg_flags & MSG_TRUNC) {
			m->stats.dropped_size++;
			if (media_ratelimit(m, MEDIA_ERR_SIZE))
				log_warnx("media flow %08x: datagram over %d "
				    "bytes dropped (%llu so far)", mf->flow,
				    MEDIA_MAXDGRAM, (unsigned long long)
				    m->stats.dropped_size);
			continue;
		}
		if (!media_accept(ms, &m->rxfrom[i])) {
			m->stats.dropped_source++;
			if (media_ratelimit(m, MEDIA_ERR_SOURCE))
				log_warnx("media flow %08x: dropped datagram "
				    "from %s (%llu so far)", mf->flow,
				    net_ntop((struct sockaddr *)&m->rxfrom[i],
				    name, sizeof(name)), (unsigned long long)
				    m->stats.dropped_source);
			continue;
		}
		m->stats.rx_packets++;
		m->stats.rx_bytes += len;
		mf->rx++;
		if (!ms->rtcp) {
			mf->last_rtp = m->tick;
			mf->idle = 0;
			rtpstats_update(&mf->q_term, m->rxbuf[i], len, now);
		}
		m->in(m->arg, mf->flow, ms->rtcp, m->rxbuf[i], len);
	}
	if (--m->depth == 0)
		media_reap(m);
}

/* Send a datagram from the tunnel to the flow's terminal, or drop it. */
void
media_send(struct media *m, uint32_t flow, int rtcp, const uint8_t *data,
    size_t len)
{
	struct media_flow	*mf;
	struct media_sock	*ms;

	if ((mf = media_flow_get(m, flow)) == NULL || !mf->has_peer) {
		m->stats.dropped_unknown++;
		if (media_ratelimit(m, MEDIA_ERR_UNKNOWN))
			log_debug("media flow %08x: %s, datagram dropped "
			    "(%llu so far)", flow, mf == NULL ? "unknown" :
			    "no peer yet",
			    (unsigned long long)m->stats.dropped_unknown);
		return;
	}
	ms = &mf->sock[rtcp != 0];
	if (!rtcp)
		rtpstats_update(&mf->q_tun, data, len, clock_now_us());
	/* No queue: a full socket buffer means the voice is already late. */
	if (sendto(ms->fd, data, len, 0, (struct sockaddr *)&ms->peer,
	    ms->peerlen) == -1) {
		m->stats.dropped_send++;
		mf->dropped_send++;
		if (media_ratelimit(m, MEDIA_ERR_SEND))
			log_warn("media flow %08x sendto (%llu dropped so far)",
			    flow, (unsigned long long)m->stats.dropped_send);
		return;
	}
	m->stats.tx_packets++;
	m->stats.tx_bytes += len;
	mf->tx++;
}

/* Once a second: report each flow that has been without RTP too long. */
static void
media_tick(evutil_socket_t fd, short what, void *arg)
{
	struct media		*m = arg;
	struct media_flow	*mf;

	(void)fd;
	(void)what;
	m->tick++;
	if (m->timeout == 0)
		return;
	m->depth++;
	/* Closing defers freeing, so the list holds still under us. */
	TAILQ_FOREACH(mf, &m->flows, entry) {
		if (mf->closed || mf->idle ||
		    m->tick - mf->last_rtp <= m->timeout)
			continue;
		mf->idle = 1;
		log_debug("media flow %08x: no RTP for %u s", mf->flow,
		    m->timeout);
		m->idle(m->arg, mf->flow);
	}
	if (--m->depth == 0)
		media_reap(m);
}

/* Counters since media_new. */
const struct media_stats *
media_stats(const struct media *m)
{
	return &m->stats;
}

/* The flow's RTP figures both ways. */
void
media_flow_quality(const struct media_flow *mf, struct media_flow_quality *q)
{
	rtpstats_view(&mf->q_term, &q->from_terminal);
	rtpstats_view(&mf->q_tun, &q->from_tunnel);
	q->dropped_send = mf->dropped_send;
}

/* Set the clock rate assumed for the flow's dynamic payload types. */
void
media_flow_set_rate(struct media_flow *mf, uint32_t rate)
{
	rtpstats_set_rate(&mf->q_term, rate);
	rtpstats_set_rate(&mf->q_tun, rate);
}

/* Number of open flows. */
size_t
media_flows(const struct media *m)
{
	return m->nflows;
}
