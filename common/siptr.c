/*
 * SIP transport (see siptr.h). UDP datagrams are handed up whole; TCP
 * streams are cut into messages at the blank line and Content-Length,
 * bounded by SIP_MSG_MAX. A TCP connection that sends something that cannot
 * be framed is closed; the rest of the daemon never notices.
 */
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "net.h"
#include "siptr.h"

#define SIPTR_UDP_BURST		32

/* The defaults of sip.tcp, until siptr_set_limits says otherwise. */
static const struct config_sip_tcp siptr_defaults = {
	.conns_max = 1024,
	.per_address = 32,
	.out_max = 1024,
	.idle = 300,
	.first_timeout = 10
};

struct siptr_conn {
	TAILQ_ENTRY(siptr_conn)	 entry;
	struct siptr		*tr;
	struct bufferevent	*bev;
	struct event		*first_ev;	/* deadline for a first message */
	struct sip_addr		 peer;
	int			 outgoing;	/* we opened it */
	int			 proven;	/* a valid message came in */
};

static struct log_limit	siptr_log_conn = LOG_LIMIT("sip-tcp");

struct siptr {
	struct event_base	*base;
	int			 udp;
	struct event		*udp_ev;
	struct evconnlistener	*listener;
	struct sip_addr		 self_udp;
	struct sip_addr		 self_tcp;
	siptr_recv_fn		 recv;
	void			*arg;
	siptr_admit_fn		 admit;		/* or NULL: all admitted */
	void			*admit_arg;
	TAILQ_HEAD(, siptr_conn) conns;	/* oldest first */
	unsigned int		 nin;		/* accepted */
	unsigned int		 nout;		/* opened by us */
	struct config_sip_tcp	 lim;
};

static void	siptr_udp_read(evutil_socket_t, short, void *);
static void	siptr_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static struct siptr_conn *siptr_conn_new(struct siptr *, evutil_socket_t,
		    const struct sip_addr *);
static int	siptr_make_room(struct siptr *, const struct sip_addr *);
static void	siptr_conn_first(evutil_socket_t, short, void *);
static void	siptr_conn_proven(struct siptr_conn *);
static void	siptr_conn_close(struct siptr_conn *, const char *);
static void	siptr_conn_read(struct bufferevent *, void *);
static void	siptr_conn_event(struct bufferevent *, short, void *);
static int	siptr_frame(struct siptr_conn *);
static void	siptr_addr(const struct sockaddr *, struct sip_addr *, int);
static int	siptr_deliver(struct siptr *, const char *, size_t,
		    const struct sip_addr *);

/* A sockaddr as host and port. */
static void
siptr_addr(const struct sockaddr *sa, struct sip_addr *a, int tcp)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	a->tcp = tcp;
	a->host[0] = '\0';
	a->port = 0;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, a->host, sizeof(a->host));
		a->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a->host,
		    sizeof(a->host));
		a->port = ntohs(sin6->sin6_port);
	}
}

/*
 * Parse a message and hand it up (0); a request that fails the checks gets
 * its answer here when it can be answered, and nothing else happens (-1).
 */
static int
siptr_deliver(struct siptr *tr, const char *buf, size_t len,
    const struct sip_addr *from)
{
	osip_message_t	*m, *r;
	const char	*why;
	int		 status;

	if (sip_parse(buf, len, &m, &status, &why) == 0) {
		tr->recv(tr->arg, m, from);
		osip_message_free(m);
		return 0;
	}
	log_info("SIP from %s:%u refused: %s", from->host, from->port, why);
	if (m != NULL && MSG_IS_REQUEST(m) && !MSG_IS_ACK(m) &&
	    (r = sip_reply(m, status, NULL)) != NULL) {
		siptr_send_msg(tr, r, from);
		osip_message_free(r);
	}
	if (m != NULL)
		osip_message_free(m);
	return -1;
}

/* Open the UDP socket and the TCP listener on addr:port. */
struct siptr *
siptr_new(struct event_base *base, const char *addr, uint16_t port,
    siptr_recv_fn recv, void *arg)
{
	struct siptr		*tr;
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	if ((tr = calloc(1, sizeof(*tr))) == NULL)
		return NULL;
	tr->base = base;
	tr->recv = recv;
	tr->arg = arg;
	tr->udp = -1;
	tr->lim = siptr_defaults;
	TAILQ_INIT(&tr->conns);
	snprintf(tr->self_udp.host, sizeof(tr->self_udp.host), "%s", addr);
	tr->self_udp.port = port;
	tr->self_tcp = tr->self_udp;
	tr->self_tcp.tcp = 1;
	if (net_sockaddr(addr, port, &ss, &len) == -1 ||
	    (tr->udp = net_udp_bind(addr, port)) == -1)
		goto fail;
	net_udp_buffers(tr->udp, NET_UDP_BUFFER);
	if ((tr->udp_ev = event_new(base, tr->udp, EV_READ | EV_PERSIST,
	    siptr_udp_read, tr)) == NULL || event_add(tr->udp_ev, NULL) == -1)
		goto fail;
	tr->listener = evconnlistener_new_bind(base, siptr_accept, tr,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&ss, (int)len);
	if (tr->listener == NULL) {
		log_warn("SIP TCP listener %s:%u", addr, port);
		goto fail;
	}
	log_info("SIP listening on %s:%u (UDP and TCP)", addr, port);
	return tr;
fail:
	siptr_free(tr);
	return NULL;
}

/* Close every socket. */
void
siptr_free(struct siptr *tr)
{
	struct siptr_conn	*c;

	if (tr == NULL)
		return;
	while ((c = TAILQ_FIRST(&tr->conns)) != NULL)
		siptr_conn_close(c, "shutting down");
	if (tr->listener != NULL)
		evconnlistener_free(tr->listener);
	if (tr->udp_ev != NULL)
		event_free(tr->udp_ev);
	if (tr->udp != -1)
		close(tr->udp);
	free(tr);
}

/*
 * New limits for TCP (start, SIGHUP); connections already open keep going
 * and count against them.
 */
void
siptr_set_limits(struct siptr *tr, const struct config_sip_tcp *lim)
{
	tr->lim = *lim;
}

/* Have every message and TCP connection checked by admit first. */
void
siptr_set_admit(struct siptr *tr, siptr_admit_fn admit, void *arg)
{
	tr->admit = admit;
	tr->admit_arg = arg;
}

/* Our own address as it goes into Via and Record-Route. */
const struct sip_addr *
siptr_self(const struct siptr *tr, int tcp)
{
	return tcp ? &tr->self_tcp : &tr->self_udp;
}

/* Hand up a burst of datagrams. */
static void
siptr_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct siptr		*tr = arg;
	struct sockaddr_storage	 ss;
	struct sip_addr		 from;
	socklen_t		 slen;
	char			 buf[SIP_MSG_MAX + 1];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < SIPTR_UDP_BURST; i++) {
		slen = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		    &slen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("SIP recvfrom");
			return;
		}
		siptr_addr((struct sockaddr *)&ss, &from, 0);
		/* A keepalive CRLF (RFC 5626) or an empty datagram. */
		if (n <= 4 && strspn(buf, "\r\n") == (size_t)n)
			continue;
		/* Dropped unanswered: nothing to amplify. */
		if (tr->admit != NULL && tr->admit(tr->admit_arg, &from, buf,
		    (size_t)n) == -1)
			continue;
		siptr_deliver(tr, buf, (size_t)n, &from);
	}
}

/* A new TCP connection from a phone or a server. */
static void
siptr_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct siptr	*tr = arg;
	struct sip_addr	 peer;

	(void)l;
	(void)salen;
	siptr_addr(sa, &peer, 1);
	if (tr->admit != NULL && tr->admit(tr->admit_arg, &peer, NULL, 0) ==
	    -1) {
		evutil_closesocket(fd);
		return;
	}
	if (siptr_make_room(tr, &peer) == -1 ||
	    siptr_conn_new(tr, fd, &peer) == NULL)
		evutil_closesocket(fd);
}

/*
 * Make room for a connection from peer: refused when its address has
 * sip.tcp.conns_per_address already; when all sip.tcp.conns_max are
 * taken, the oldest that never sent a valid message gives way.
 */
static int
siptr_make_room(struct siptr *tr, const struct sip_addr *peer)
{
	struct siptr_conn	*c, *victim = NULL;
	int			 same = 0;

	TAILQ_FOREACH(c, &tr->conns, entry) {
		if (c->outgoing)
			continue;
		if (strcmp(c->peer.host, peer->host) == 0)
			same++;
		if (victim == NULL && !c->proven)
			victim = c;
	}
	if (same >= tr->lim.per_address) {
		log_refused(&siptr_log_conn, peer->host,
		    "%d connections from this address", same);
		return -1;
	}
	if (tr->nin < (unsigned int)tr->lim.conns_max)
		return 0;
	if (victim == NULL) {
		log_refused(&siptr_log_conn, peer->host,
		    "all %d connections in use", tr->lim.conns_max);
		return -1;
	}
	log_refused(&siptr_log_conn, victim->peer.host, "oldest connection "
	    "without a valid message closed for a new one");
	siptr_conn_close(victim, "evicted");
	return 0;
}

/* Set up a TCP connection (fd -1: connect to peer). */
static struct siptr_conn *
siptr_conn_new(struct siptr *tr, evutil_socket_t fd,
    const struct sip_addr *peer)
{
	struct siptr_conn	*c;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct timeval		 idle = { tr->lim.idle, 0 };
	struct timeval		 first = { tr->lim.first_timeout, 0 };

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->tr = tr;
	c->peer = *peer;
	/* We trust a connection we open; an accepted one proves itself. */
	c->outgoing = c->proven = fd == -1;
	if ((c->bev = bufferevent_socket_new(tr->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, siptr_conn_read, NULL, siptr_conn_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 * SIP_MSG_MAX);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	if (!c->proven && ((c->first_ev = evtimer_new(tr->base,
	    siptr_conn_first, c)) == NULL || evtimer_add(c->first_ev,
	    &first) == -1))
		goto fail;
	if (fd == -1 && (net_sockaddr(peer->host, peer->port, &ss, &len) ==
	    -1 || bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss,
	    (int)len) == -1))
		goto fail;
	TAILQ_INSERT_TAIL(&tr->conns, c, entry);
	if (c->outgoing)
		tr->nout++;
	else
		tr->nin++;
	return c;
fail:
	if (c->first_ev != NULL)
		event_free(c->first_ev);
	bufferevent_free(c->bev);
	free(c);
	return NULL;
}

/* An accepted connection sent no valid message in time: close it. */
static void
siptr_conn_first(evutil_socket_t fd, short what, void *arg)
{
	struct siptr_conn	*c = arg;

	(void)fd;
	(void)what;
	log_refused(&siptr_log_conn, c->peer.host, "no valid message "
	    "within %d s", c->tr->lim.first_timeout);
	siptr_conn_close(c, "no valid message");
}

/* A valid message came in: the connection gets the full idle time. */
static void
siptr_conn_proven(struct siptr_conn *c)
{
	c->proven = 1;
	if (c->first_ev != NULL) {
		event_free(c->first_ev);
		c->first_ev = NULL;
	}
}

/* The only place a TCP connection is freed. */
static void
siptr_conn_close(struct siptr_conn *c, const char *why)
{
	log_debug("SIP TCP %s:%u closed: %s", c->peer.host, c->peer.port,
	    why);
	TAILQ_REMOVE(&c->tr->conns, c, entry);
	if (c->outgoing)
		c->tr->nout--;
	else
		c->tr->nin--;
	if (c->first_ev != NULL)
		event_free(c->first_ev);
	bufferevent_free(c->bev);
	free(c);
}

/*
 * Cut one message off the front of the stream: 1 when one was handed up,
 * 0 when more bytes are needed, -1 when the stream cannot be framed, -2
 * when its sender is not admitted.
 */
static int
siptr_frame(struct siptr_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 end;
	osip_message_t		*head;
	size_t			 headlen, total, skip, checked;
	const char		*why;
	int			 status;
	unsigned long		 clen = 0;
	char			*p;
	int			 rc;

	/* Keepalive CRLFs between messages (RFC 5626). */
	for (skip = 0; (p = (char *)evbuffer_pullup(in, (ev_ssize_t)skip +
	    1)) != NULL && (p[skip] == '\r' || p[skip] == '\n'); skip++)
		;
	if (skip > 0)
		evbuffer_drain(in, skip);
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return evbuffer_get_length(in) > SIP_MSG_MAX ? -1 : 0;
	headlen = (size_t)end.pos + 4;
	if (headlen > SIP_MSG_MAX || (p = (char *)evbuffer_pullup(in,
	    (ev_ssize_t)headlen)) == NULL)
		return -1;
	/*
	 * The head alone tells the body's length; libosip2 reads it. It then
	 * fails on the body it does not have, after it has parsed the
	 * headers: what matters is that Content-Length was read.
	 */
	if (sip_precheck(p, headlen, &checked, &status, &why) == -1) {
		log_info("SIP TCP %s:%u: %s", c->peer.host, c->peer.port,
		    why);
		return -1;
	}
	if (osip_message_init(&head) != 0)
		return -1;
	rc = osip_message_parse(head, p, headlen);
	if (head->content_length != NULL && head->content_length->value !=
	    NULL && strspn(head->content_length->value, "0123456789") ==
	    strlen(head->content_length->value) &&
	    strlen(head->content_length->value) <= 6)
		clen = strtoul(head->content_length->value, NULL, 10);
	else if (rc != 0) {
		osip_message_free(head);
		return -1;
	}
	osip_message_free(head);
	if (clen > SIP_MSG_MAX - headlen)
		return -1;
	total = headlen + clen;
	if (evbuffer_get_length(in) < total)
		return 0;
	if ((p = (char *)evbuffer_pullup(in, (ev_ssize_t)total)) == NULL)
		return -1;
	if (c->tr->admit != NULL && c->tr->admit(c->tr->admit_arg, &c->peer,
	    p, total) == -1)
		return -2;
	if (siptr_deliver(c->tr, p, total, &c->peer) == 0 && !c->proven)
		siptr_conn_proven(c);
	evbuffer_drain(in, total);
	return 1;
}

/* Messages arriving on a TCP connection. */
static void
siptr_conn_read(struct bufferevent *bev, void *arg)
{
	struct siptr_conn	*c = arg;
	int			 rc;

	(void)bev;
	while ((rc = siptr_frame(c)) == 1)
		;
	if (rc == -2) {
		siptr_conn_close(c, "sender not admitted");
		return;
	}
	if (rc == -1) {
		log_refused(&siptr_log_conn, c->peer.host, "cannot frame a "
		    "message from port %u; closing", c->peer.port);
		siptr_conn_close(c, "unframeable input");
	}
}

/* Connected, closed, idle or failed. */
static void
siptr_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct siptr_conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	siptr_conn_close(c, what & BEV_EVENT_TIMEOUT ? "idle" :
	    what & BEV_EVENT_EOF ? "closed by peer" : "error");
}

/* Send a message to an address, over UDP or TCP as the address says. */
int
siptr_send(struct siptr *tr, const struct sip_addr *to, const char *buf,
    size_t len)
{
	struct siptr_conn	*c;
	struct sockaddr_storage	 ss;
	socklen_t		 slen;

	if (!to->tcp) {
		if (net_sockaddr(to->host, to->port, &ss, &slen) == -1)
			return -1;
		if (sendto(tr->udp, buf, len, 0, (struct sockaddr *)&ss,
		    slen) == -1) {
			log_warn("SIP sendto %s:%u", to->host, to->port);
			return -1;
		}
		return 0;
	}
	TAILQ_FOREACH(c, &tr->conns, entry)
		if (c->peer.port == to->port &&
		    strcmp(c->peer.host, to->host) == 0)
			break;
	if (c == NULL && tr->nout >= (unsigned int)tr->lim.out_max) {
		log_warnx("SIP TCP to %s:%u: all %d outgoing connections in "
		    "use", to->host, to->port, tr->lim.out_max);
		return -1;
	}
	if (c == NULL && (c = siptr_conn_new(tr, -1, to)) == NULL)
		return -1;
	return bufferevent_write(c->bev, buf, len);
}

/* Serialize a message and send it to an address. */
int
siptr_send_msg(struct siptr *tr, osip_message_t *m, const struct sip_addr *to)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (sip_serialize(m, &buf, &len) == -1)
		return -1;
	rc = siptr_send(tr, to, buf, len);
	osip_free(buf);
	return rc;
}

/*
 * Answer a request ourselves (never an ACK), to where its top Via says,
 * logging why when there is a reason worth a line.
 */
void
siptr_reply(struct siptr *tr, const osip_message_t *req, int status,
    const char *why)
{
	osip_message_t	*r;
	struct sip_addr	 to;

	if (MSG_IS_ACK(req))
		return;
	/*
	 * The answer goes where the request came from: siptr_hop put its
	 * source address in the top Via (received, rport). That address is
	 * the one a refusal line names; From is whatever the sender wrote.
	 */
	if ((r = sip_reply(req, status, NULL)) == NULL) {
		if (why != NULL)
			log_info("%s: %d (%s), answer not built",
			    req->sip_method, status, why);
		return;
	}
	if (sip_via_target(r, &to) == -1) {
		if (why != NULL)
			log_info("%s from an unusable Via: %d (%s)",
			    req->sip_method, status, why);
		osip_message_free(r);
		return;
	}
	if (why != NULL)
		log_info("%s from %s:%u: %d (%s)", req->sip_method, to.host,
		    to.port, status, why);
	siptr_send_msg(tr, r, &to);
	osip_message_free(r);
}

/*
 * A proxy's first steps with a request from an address (RFC 3261 16.3,
 * 18.2.1): received and rport on its top Via, Max-Forwards taken down by
 * one, a spent one answered 483 and a bad one 400. -1 when the request
 * goes no further.
 */
int
siptr_hop(struct siptr *tr, osip_message_t *m, const struct sip_addr *from)
{
	if (sip_via_received(m, from) == -1)
		return -1;
	switch (sip_max_forwards(m)) {
	case -1:
		siptr_reply(tr, m, 483, "too many hops");
		return -1;
	case -2:
		siptr_reply(tr, m, 400, "bad Max-Forwards");
		return -1;
	}
	return 0;
}
