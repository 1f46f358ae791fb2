/*
 * hras's HTTP listener (paper 3.2): reads each request with the strict
 * parser, answers the tunnel's handshake, holds downstream GETs open (or
 * answers them in batches in poll mode) and reads upstream POST bodies as
 * they arrive. Anything that is not the tunnel gets a plain web page.
 * What a request means for the tunnel is not decided here: heads, body
 * bytes, drained output and the end of a connection are reported through
 * the daemon's hras_link_cb (hras.h), which the sessions fill.
 *
 * The port is public, so every connection is bounded: input by a read
 * watermark, pipelined requests by how much of their answers wait unread,
 * a request head (and a sized body) by a deadline for the whole of it, and
 * connections in number. Connections no request of which has yet passed a
 * session's check are "unadmitted": they have a pool of their own, capped
 * per address, whose oldest gives way to a newcomer, so that neither one
 * address nor a crowd of them can keep a client's tunnel out.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "config.h"
#include "crypto.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "net.h"
#include "tls.h"

#define WRITE_TIMEOUT	30
#define UP_IDLE		3600	/* a streamed upstream body: seconds idle */

static void	hras_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	hras_accept_error(struct evconnlistener *, void *);
static int	hras_link_make_room(struct hras *, const char *);
static void	hras_link_unref(struct hras_link *);
static void	hras_link_deadline(struct hras_link *, int);
static void	hras_link_expired(evutil_socket_t, short, void *);
static void	hras_link_resumed(evutil_socket_t, short, void *);
static int	hras_link_step(struct hras_link *);
static void	hras_link_body(struct hras_link *);
static void	hras_link_read(struct bufferevent *, void *);
static void	hras_link_write(struct bufferevent *, void *);
static void	hras_link_event(struct bufferevent *, short, void *);
static void	hras_addr(const struct sockaddr *, char *, size_t);
static void	hras_link_route(struct hras_link *);
static void	hras_link_page(struct hras_link *, const char *);
static int	hras_tls_init(struct hras *);

/* Refusal lines, rate-limited per kind (docs/security.md). */
static struct log_limit	hras_log_conn = LOG_LIMIT("tunnel");
static struct log_limit	hras_log_request = LOG_LIMIT("tunnel-request");
static struct log_limit	hras_log_accept = LOG_LIMIT("tunnel-accept");

static const char hras_page[] =
    "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
    "<body><h1>Welcome</h1><p>This server is up.</p></body></html>\n";
static const char hras_notfound[] =
    "<!DOCTYPE html>\n<html><head><title>Not Found</title></head>\n"
    "<body><h1>Not Found</h1><p>The requested page does not exist.</p>"
    "</body></html>\n";

/* Open the tunnel listener (and its TLS context when configured). */
int
hras_link_listen(struct hras *h)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	if (h->conf->tls_cert != NULL && hras_tls_init(h) == -1)
		return -1;
	if (net_sockaddr(h->conf->tunnel.address, h->conf->tunnel.port, &ss,
	    &len) == -1)
		return -1;
	h->listener = evconnlistener_new_bind(h->base, hras_accept, h,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&ss, (int)len);
	if (h->listener == NULL) {
		log_warn("tunnel listener %s:%u", h->conf->tunnel.address,
		    h->conf->tunnel.port);
		return -1;
	}
	evconnlistener_set_error_cb(h->listener, hras_accept_error);
	log_info("tunnel listening on %s://%s:%u/",
	    h->ssl != NULL ? "https" : "http", h->conf->tunnel.address,
	    h->conf->tunnel.port);
	return 0;
}

/* Load the tunnel's certificate and key. */
static int
hras_tls_init(struct hras *h)
{
	char	 err[CONFIG_ERRLEN];

	if ((h->ssl = tls_server_ctx(h->conf->tls_cert, h->conf->tls_key, err,
	    sizeof(err))) == NULL) {
		log_warnx("tunnel tls: %s", err);
		return -1;
	}
	return 0;
}

/* Close the listener and every connection (shutdown). */
void
hras_link_close_all(struct hras *h)
{
	struct hras_link	*c;

	if (h->listener != NULL)
		evconnlistener_free(h->listener);
	h->listener = NULL;
	while ((c = TAILQ_FIRST(&h->links)) != NULL)
		hras_link_close(c, "shutting down");
	SSL_CTX_free(h->ssl);
	h->ssl = NULL;
}

/* Accept failures (EMFILE...) are logged; the listener keeps going. */
static void
hras_accept_error(struct evconnlistener *l, void *arg)
{
	int	 saved = errno;

	(void)l;
	(void)arg;
	if (log_limit_pass(&hras_log_accept)) {
		errno = saved;
		log_warn("tunnel accept");
	}
}

/* The address alone of a peer, as the per-address caps count it. */
static void
hras_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	buf[0] = '\0';
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
}

/*
 * Make room for a new connection from addr: refused when addr has
 * tunnel.conns_per_address unadmitted ones already; when the unadmitted
 * pool or the whole is full, the oldest unadmitted connection gives way.
 * Admitted connections are never closed for a newcomer.
 */
static int
hras_link_make_room(struct hras *h, const char *addr)
{
	const struct hras_config	*conf = h->conf;
	struct hras_link		*c;
	int				 same = 0;

	TAILQ_FOREACH(c, &h->unauth, unauth_entry)
		if (strcmp(c->addr, addr) == 0)
			same++;
	if (same >= conf->conns_per_address) {
		h->refused[HRAS_REFUSED_CONNS]++;
		log_refused(&hras_log_conn, addr, "%d connections not yet "
		    "admitted from this address", same);
		return -1;
	}
	if (h->nunauth < (unsigned int)conf->unauth_max &&
	    h->nlinks < (unsigned int)conf->conns_max)
		return 0;
	h->refused[HRAS_REFUSED_CONNS]++;
	if ((c = TAILQ_FIRST(&h->unauth)) == NULL) {
		log_refused(&hras_log_conn, addr, "all %d connections belong "
		    "to tunnels", conf->conns_max);
		return -1;
	}
	log_refused(&hras_log_conn, c->addr, "oldest connection not yet "
	    "admitted closed for a new one");
	hras_link_close(c, "evicted");
	return 0;
}

/* A request on c passed a session's check: c leaves the unadmitted pool. */
void
hras_link_admit(struct hras_link *c)
{
	if (c->admitted)
		return;
	c->admitted = 1;
	TAILQ_REMOVE(&c->h->unauth, c, unauth_entry);
	c->h->nunauth--;
}

/*
 * Give a head (body 0) or a sized body (body 1) its deadline from now:
 * tunnel.head_timeout or tunnel.body_timeout for the whole of it.
 */
static void
hras_link_deadline(struct hras_link *c, int body)
{
	struct timeval	 tv;

	tv.tv_sec = body ? c->h->conf->body_timeout : c->h->conf->head_timeout;
	tv.tv_usec = 0;
	evtimer_add(c->deadline_ev, &tv);
}

/* A head or a sized body did not arrive whole in time. */
static void
hras_link_expired(evutil_socket_t fd, short what, void *arg)
{
	struct hras_link	*c = arg;
	struct timeval		 tv = { 1, 0 };

	(void)fd;
	(void)what;
	/* Answers wait unread: the write timeout judges the client now. */
	if (c->paused) {
		hras_link_deadline(c, 0);
		return;
	}
	if (c->state == LINK_UPSTREAM) {
		/* An upstream queued behind another is not late itself. */
		if (c->queued) {
			evtimer_add(c->deadline_ev, &tv);
			return;
		}
		c->h->refused[HRAS_REFUSED_TIMEOUT]++;
		log_refused(&hras_log_conn, c->addr, "request body not "
		    "complete within %d s", c->h->conf->body_timeout);
		hras_link_close(c, "body timeout");
		return;
	}
	if (c->state != LINK_HEAD)
		return;
	if (!c->admitted &&
	    evbuffer_get_length(bufferevent_get_input(c->bev))) {
		c->h->refused[HRAS_REFUSED_TIMEOUT]++;
		log_refused(&hras_log_conn, c->addr, "request head not "
		    "complete within %d s", c->h->conf->head_timeout);
	}
	hras_link_close(c, "head timeout");
}

/* A new connection: make room for it and set it up. */
static void
hras_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct hras		*h = arg;
	struct bufferevent	*bev, *sock;
	char			 addr[48];
	SSL			*ssl;

	(void)l;
	(void)salen;
	hras_addr(sa, addr, sizeof(addr));
	if (hras_link_make_room(h, addr) == -1) {
		evutil_closesocket(fd);
		return;
	}
	net_tcp_voice(fd);
	if ((sock = bufferevent_socket_new(h->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("cannot accept a connection: out of memory");
		evutil_closesocket(fd);
		return;
	}
	bev = sock;
	/*
	 * TLS filters a socket bufferevent rather than owning the socket:
	 * with libevent's own TLS socket, a paced loop (one turn per batch)
	 * read a busy client's upstream slower than it came (200 calls:
	 * the socket's receive queue full, a fifth of the voice lost), where
	 * the filter, reading whatever its socket bufferevent holds, keeps
	 * up. Both halves then write TLS the same way (net_bev_write).
	 */
	if (h->ssl != NULL) {
		bev = NULL;
		/* The SSL is the filter's, freed by libevent if it fails. */
		if ((ssl = SSL_new(h->ssl)) != NULL)
			bev = bufferevent_openssl_filter_new(h->base, sock,
			    ssl, BUFFEREVENT_SSL_ACCEPTING,
			    BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL) {
			log_warnx("cannot accept a connection: out of memory");
			bufferevent_free(sock);
			return;
		}
	}
	hras_link_new(h, bev, sa);
}

/*
 * Set up a connection from sa on bev, which it takes over (and frees on
 * failure), to read a request head. The caller has made room for it; the
 * unit tests hand it one end of a bufferevent pair.
 */
int
hras_link_new(struct hras *h, struct bufferevent *bev,
    const struct sockaddr *sa)
{
	struct hras_link	*c;
	struct timeval		 wtv = { WRITE_TIMEOUT, 0 };

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->msg = malloc(sizeof(*c->msg))) == NULL ||
	    (c->body = evbuffer_new()) == NULL ||
	    (c->deadline_ev = evtimer_new(h->base, hras_link_expired,
	    c)) == NULL ||
	    (c->resume_ev = evtimer_new(h->base, hras_link_resumed,
	    c)) == NULL)
		goto fail;
	c->h = h;
	c->refs = 1;
	c->bev = bev;
	net_ntop(sa, c->peer, sizeof(c->peer));
	hras_addr(sa, c->addr, sizeof(c->addr));
	bufferevent_setcb(c->bev, hras_link_read, hras_link_write,
	    hras_link_event, c);
	/* The head's deadline, not a read timeout, bounds a slow sender. */
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, HRAS_READ_MAX);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&h->links, c, entry);
	h->nlinks++;
	TAILQ_INSERT_TAIL(&h->unauth, c, unauth_entry);
	h->nunauth++;
	c->state = LINK_HEAD;
	hras_link_deadline(c, 0);
	log_debug("%s: connected", c->peer);
	return 0;
fail:
	log_warnx("cannot accept a connection: out of memory");
	bufferevent_free(bev);
	if (c != NULL) {
		if (c->deadline_ev != NULL)
			event_free(c->deadline_ev);
		if (c->resume_ev != NULL)
			event_free(c->resume_ev);
		if (c->body != NULL)
			evbuffer_free(c->body);
		free(c->msg);
		free(c);
	}
	return -1;
}

/*
 * The only place a connection is torn down; the struct itself goes with
 * its last reference (a read loop up the stack may still hold one).
 */
void
hras_link_close(struct hras_link *c, const char *why)
{
	if (c->dead)
		return;
	log_debug("%s: closed: %s", c->peer, why);
	c->dead = 1;
	c->h->link_cb.detach(c->h->link_cb.arg, c);
	TAILQ_REMOVE(&c->h->links, c, entry);
	c->h->nlinks--;
	if (!c->admitted) {
		TAILQ_REMOVE(&c->h->unauth, c, unauth_entry);
		c->h->nunauth--;
	}
	if (c->hold_ev != NULL)
		event_free(c->hold_ev);
	c->hold_ev = NULL;
	event_free(c->deadline_ev);
	c->deadline_ev = NULL;
	event_free(c->resume_ev);
	c->resume_ev = NULL;
	/* A pair (the unit tests') does not tell its peer it closed. */
	if (bufferevent_getfd(c->bev) == -1)
		bufferevent_flush(c->bev, EV_WRITE, BEV_FINISHED);
	bufferevent_free(c->bev);
	c->bev = NULL;
	hras_link_unref(c);
}

/* Drop a reference; the last one frees the connection. */
static void
hras_link_unref(struct hras_link *c)
{
	if (--c->refs > 0)
		return;
	evbuffer_free(c->body);
	free(c->msg);
	free(c);
}

/* Queue a complete response; the connection stays open if it may. */
void
hras_link_respond(struct hras_link *c, int status, const char *ctype,
    const void *body, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n%s%s\r\n", status, http_reason(status),
	    ctype, len, c->tunnel ? HRAS_MARK : "",
	    c->keep_alive ? "" : "Connection: close\r\n");
	if (len > 0)
		evbuffer_add(out, body, len);
	if (!c->keep_alive || status >= 400) {
		c->state = LINK_CLOSING;
		evtimer_del(c->deadline_ev);
		bufferevent_disable(c->bev, EV_READ);
	}
}

/*
 * Output drained (below the write watermark): close after a last
 * response, refill a downstream, or read requests again once their
 * answers have been taken.
 */
static void
hras_link_write(struct bufferevent *bev, void *arg)
{
	struct hras_link	*c = arg;
	size_t			 out = evbuffer_get_length(
				    bufferevent_get_output(bev));

	switch (c->state) {
	case LINK_CLOSING:
		if (out == 0)
			hras_link_close(c, "response sent");
		return;
	case LINK_DOWNSTREAM:
		c->h->link_cb.drained(c->h->link_cb.arg, c);
		return;
	case LINK_HEAD:
	case LINK_UPSTREAM:
		if (!c->paused || out >= HRAS_OUT_PAUSE / 2)
			return;
		c->paused = 0;
		if (bufferevent_enable(bev, EV_READ) == -1) {
			hras_link_close(c, "cannot read");
			return;
		}
		if (c->state == LINK_HEAD)
			hras_link_deadline(c, 0);
		hras_link_read(bev, c);
		return;
	}
}

/* Connection-level events: EOF, errors, timeouts. */
static void
hras_link_event(struct bufferevent *bev, short what, void *arg)
{
	struct hras_link	*c = arg;
	unsigned long		 e;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		if (!c->admitted && (what & BEV_EVENT_WRITING)) {
			c->h->refused[HRAS_REFUSED_TIMEOUT]++;
			log_refused(&hras_log_conn, c->addr, "answers not "
			    "read within %d s", WRITE_TIMEOUT);
		}
		hras_link_close(c, "timeout");
	} else if (what & BEV_EVENT_ERROR) {
		e = bufferevent_get_openssl_error(c->bev);
		hras_link_close(c, e != 0 ? crypto_strerror(e) :
		    strerror(EVUTIL_SOCKET_ERROR()));
	} else if (what & BEV_EVENT_EOF)
		hras_link_close(c, "closed by peer");
}

/* Send a plain page, as any web server would. */
static void
hras_link_page(struct hras_link *c, const char *method)
{
	char	 path[256];

	http_path(c->msg->target, path, sizeof(path));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		hras_link_respond(c, 405, "text/plain", "method not allowed\n",
		    19);
	else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
		hras_link_respond(c, 200, "text/html", hras_page,
		    strcmp(method, "HEAD") == 0 ? 0 : sizeof(hras_page) - 1);
	else
		hras_link_respond(c, 404, "text/html", hras_notfound,
		    strcmp(method, "HEAD") == 0 ? 0 : sizeof(hras_notfound) - 1);
}

/* Dispatch a parsed request head: the tunnel's, or a web page. */
static void
hras_link_route(struct hras_link *c)
{
	struct http_msg	*m = c->msg;
	char		 path[256];

	c->http10 = m->minor == 0;
	c->keep_alive = m->keep_alive;
	c->body_chunked = m->chunked;
	c->body_left = m->content_length > 0 ? (uint64_t)m->content_length : 0;
	http_path(m->target, path, sizeof(path));
	c->tunnel = strncmp(path, HRAS_MARK_PATH, strlen(HRAS_MARK_PATH)) == 0;
	log_debug("%s: %s %s", c->peer, m->method, path);
	if (!c->h->link_cb.request(c->h->link_cb.arg, c, path))
		hras_link_page(c, m->method);
}

/*
 * Read the body of the request just routed as an upstream, as it
 * arrives: whatever of it is here already is handled now.
 */
void
hras_link_start_body(struct hras_link *c)
{
	struct timeval	 tv = { UP_IDLE, 0 }, wtv = { WRITE_TIMEOUT, 0 };

	c->state = LINK_UPSTREAM;
	/* A sized (poll) body has a deadline; a stream has none. */
	if (!c->body_chunked)
		hras_link_deadline(c, 1);
	bufferevent_set_timeouts(c->bev, &tv, &wtv);
	http_chunked_init(&c->chunked);
	hras_link_body(c);
}

/*
 * Read c again on the next loop turn (an upstream whose turn has come):
 * never from inside the call that closed the one before it.
 */
void
hras_link_resume(struct hras_link *c)
{
	event_active(c->resume_ev, EV_TIMEOUT, 1);
}

/* The deferred read of hras_link_resume. */
static void
hras_link_resumed(evutil_socket_t fd, short what, void *arg)
{
	struct hras_link	*c = arg;

	(void)fd;
	(void)what;
	/* Its body may have ended meanwhile; then it reads as it did. */
	if (c->state != LINK_UPSTREAM)
		return;
	if (bufferevent_enable(c->bev, EV_READ) == -1) {
		hras_link_close(c, "cannot read");
		return;
	}
	hras_link_read(c->bev, c);
}

/* Ready for the next request on a kept-alive connection. */
void
hras_link_next(struct hras_link *c)
{
	struct timeval	 wtv = { WRITE_TIMEOUT, 0 };

	c->state = LINK_HEAD;
	c->role = ROLE_NONE;
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	hras_link_deadline(c, 0);
}

/*
 * Input: request heads, one after another while their answers are taken,
 * or body bytes of an upstream POST.
 */
static void
hras_link_read(struct bufferevent *bev, void *arg)
{
	struct hras_link	*c = arg;

	(void)bev;
	c->refs++;
	while (!c->dead && hras_link_step(c) == 1)
		;
	hras_link_unref(c);
}

/*
 * Handle what is buffered in c's state: 1 when a request was dispatched
 * and the next one may follow, 0 when there is nothing more to do now.
 */
static int
hras_link_step(struct hras_link *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	int		 rc, status;

	switch (c->state) {
	case LINK_HEAD:
		/* Backpressure: no more requests until answers are read. */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) >=
		    HRAS_OUT_PAUSE) {
			c->paused = 1;
			bufferevent_disable(c->bev, EV_READ);
			return 0;
		}
		rc = http_parse_request(in, c->msg, &status);
		if (rc == 0)
			return 0;
		if (rc == -1) {
			c->h->refused[HRAS_REFUSED_HTTP]++;
			log_refused(&hras_log_request, c->addr, "malformed "
			    "request: %d %s", status, http_reason(status));
			c->keep_alive = 0;
			hras_link_respond(c, status, "text/plain", "", 0);
			return 0;
		}
		evtimer_del(c->deadline_ev);
		if (c->msg->content_length > 0 && c->msg->chunked == 0 &&
		    strcmp(c->msg->method, "POST") != 0) {
			c->keep_alive = 0;
			hras_link_respond(c, 400, "text/plain", "", 0);
			return 0;
		}
		hras_link_route(c);
		if (c->dead || c->state != LINK_HEAD)
			return 0;
		/* Answered and kept alive: the next head has its deadline. */
		if (!evtimer_pending(c->deadline_ev, NULL))
			hras_link_deadline(c, 0);
		return 1;
	case LINK_UPSTREAM:
		net_bev_read_on(c->bev, HRAS_READ_MAX);
		hras_link_body(c);
		return 0;
	case LINK_DOWNSTREAM:
		/* A client does not talk on its downstream: bound it. */
		if (evbuffer_get_length(in) > HTTP_HEAD_MAX)
			hras_link_close(c, "unexpected data on downstream");
		return 0;
	case LINK_CLOSING:
		evbuffer_drain(in, evbuffer_get_length(in));
		return 0;
	}
	return 0;
}

/*
 * Decode what has arrived of an upstream body into c->body and let the
 * session consume whole frames from it; answer once the body has ended.
 */
static void
hras_link_body(struct hras_link *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	size_t		 n;
	int		 done = 0, rc;

	if (c->body_chunked) {
		rc = http_chunked_decode(&c->chunked, in, c->body,
		    HRAS_CHUNK_MAX * 4);
		if (rc == -1) {
			log_info("%s: malformed chunked body", c->peer);
			hras_link_close(c, "malformed chunked body");
			return;
		}
		done = rc == 1;
	} else {
		n = evbuffer_get_length(in);
		if (n > c->body_left)
			n = (size_t)c->body_left;
		if (n > 0 && evbuffer_remove_buffer(in, c->body, n) != (int)n) {
			hras_link_close(c, "out of memory");
			return;
		}
		c->body_left -= n;
		done = c->body_left == 0;
	}
	if (c->h->link_cb.body(c->h->link_cb.arg, c) == -1)
		return;
	if (!done) {
		/* Bounded: a held upstream waits without reading more. */
		if (evbuffer_get_length(c->body) > 4 * HRAS_CHUNK_MAX)
			bufferevent_disable(c->bev, EV_READ);
		return;
	}
	evtimer_del(c->deadline_ev);
	if (evbuffer_get_length(c->body) > 0) {
		log_info("%s: upstream body ends inside a frame", c->peer);
		hras_link_close(c, "truncated frame");
		return;
	}
	c->h->link_cb.detach(c->h->link_cb.arg, c);
	hras_link_respond(c, 200, "text/plain", "", 0);
	if (c->state != LINK_CLOSING) {
		hras_link_next(c);
		if (evbuffer_get_length(in) > 0)
			hras_link_read(c->bev, c);
	}
}

/*
 * A poll GET held until there are frames: the hold timer (keepalive),
 * not the wait for a request head, bounds it now.
 */
void
hras_link_hold(struct hras_link *c)
{
	struct timeval	 wtv = { WRITE_TIMEOUT, 0 };

	c->state = LINK_DOWNSTREAM;
	c->role = ROLE_DOWN;
	evtimer_del(c->deadline_ev);
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
}

/* Begin a downstream response that stays open. */
int
hras_link_start_stream(struct hras_link *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct timeval	 wtv = { WRITE_TIMEOUT, 0 };

	c->state = LINK_DOWNSTREAM;
	c->role = ROLE_DOWN;
	evtimer_del(c->deadline_ev);
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	/* Refill the stream as soon as it has drained below half the mark. */
	bufferevent_setwatermark(c->bev, EV_WRITE, HRAS_HIGH_WATER / 2, 0);
	return evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Cache-Control: no-store, no-transform\r\n"
	    "X-Accel-Buffering: no\r\n" HRAS_MARK "%s\r\n", c->http10 ?
	    "Connection: close\r\n" : "Transfer-Encoding: chunked\r\n");
}

/* Move sealed frames into an open downstream, as one chunk. */
int
hras_link_write_frames(struct hras_link *c, struct evbuffer *frames)
{
	/* HTTP/1.0 has no chunks: the stream ends with the connection. */
	if (!c->http10 && http_chunk_wrap(frames) == -1)
		return -1;
	return net_bev_write(c->bev, frames);
}

/* End a downstream that another one replaces; close once flushed. */
void
hras_link_end_stream(struct hras_link *c)
{
	if (!c->http10)
		http_chunk_last(bufferevent_get_output(c->bev));
	c->state = LINK_CLOSING;
	evtimer_del(c->deadline_ev);
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		hras_link_close(c, "stream replaced");
}
