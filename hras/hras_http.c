/*
 * hras's HTTP listener (paper 3.2): reads each request with the strict
 * parser, answers the tunnel's handshake, holds downstream GETs open (or
 * answers them in batches in poll mode) and reads upstream POST bodies as
 * they arrive. Anything that is not the tunnel gets a plain web page.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
#include "log.h"
#include "net.h"

#define HEAD_TIMEOUT	10	/* seconds to send a request head */
#define WRITE_TIMEOUT	30

static void	hras_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	hras_accept_error(struct evconnlistener *, void *);
static void	hras_conn_read(struct bufferevent *, void *);
static void	hras_conn_write(struct bufferevent *, void *);
static void	hras_conn_drained(struct bufferevent *, void *);
static void	hras_conn_event(struct bufferevent *, short, void *);
static void	hras_conn_route(struct hras_conn *);
static void	hras_conn_page(struct hras_conn *, const char *);
static int	hras_tls_init(struct hras *);

static const char hras_page[] =
    "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
    "<body><h1>Welcome</h1><p>This server is up.</p></body></html>\n";
static const char hras_notfound[] =
    "<!DOCTYPE html>\n<html><head><title>Not Found</title></head>\n"
    "<body><h1>Not Found</h1><p>The requested page does not exist.</p>"
    "</body></html>\n";

/* Open the tunnel listener (and its TLS context when configured). */
int
hras_http_listen(struct hras *h)
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
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return -1;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, h->conf->tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, h->conf->tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		log_warnx("tunnel tls: cannot load %s / %s: %s",
		    h->conf->tls_cert, h->conf->tls_key,
		    crypto_strerror(ERR_get_error()));
		SSL_CTX_free(ctx);
		return -1;
	}
	h->ssl = ctx;
	return 0;
}

/* Close the listener and every connection (shutdown). */
void
hras_http_close_all(struct hras *h)
{
	struct hras_conn	*c;

	if (h->listener != NULL)
		evconnlistener_free(h->listener);
	h->listener = NULL;
	while ((c = TAILQ_FIRST(&h->conns)) != NULL)
		hras_conn_close(c, "shutting down");
	SSL_CTX_free(h->ssl);
	h->ssl = NULL;
}

/* Accept failures (EMFILE...) are logged; the listener keeps going. */
static void
hras_accept_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	log_warn("tunnel accept");
}

/* A new connection: set it up to read a request head. */
static void
hras_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct hras		*h = arg;
	struct hras_conn	*c;
	struct timeval		 tv = { HEAD_TIMEOUT, 0 }, wtv = { WRITE_TIMEOUT, 0 };
	SSL			*ssl;

	(void)l;
	(void)salen;
	if (h->nconns >= HRAS_CONNS_MAX) {
		log_warnx("connection limit (%d) reached; refusing",
		    HRAS_CONNS_MAX);
		evutil_closesocket(fd);
		return;
	}
	net_tcp_voice(fd);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->msg = malloc(sizeof(*c->msg))) == NULL ||
	    (c->body = evbuffer_new()) == NULL)
		goto fail;
	c->h = h;
	net_ntop(sa, c->peer, sizeof(c->peer));
	if (h->ssl != NULL) {
		if ((ssl = SSL_new(h->ssl)) == NULL)
			goto fail;
		c->bev = bufferevent_openssl_socket_new(h->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL)
			SSL_free(ssl);
	} else
		c->bev = bufferevent_socket_new(h->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	fd = -1;
	bufferevent_setcb(c->bev, hras_conn_read, NULL, hras_conn_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &wtv);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	h->nconns++;
	c->state = CONN_HEAD;
	log_debug("%s: connected", c->peer);
	return;
fail:
	log_warnx("cannot accept a connection: out of memory");
	if (c != NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->body != NULL)
			evbuffer_free(c->body);
		free(c->msg);
		free(c);
	}
	if (fd != -1)
		evutil_closesocket(fd);
}

/* The only place a connection is freed. */
void
hras_conn_close(struct hras_conn *c, const char *why)
{
	log_debug("%s: closed: %s", c->peer, why);
	hras_session_detach(c);
	TAILQ_REMOVE(&c->h->conns, c, entry);
	c->h->nconns--;
	if (c->hold_ev != NULL)
		event_free(c->hold_ev);
	bufferevent_free(c->bev);
	evbuffer_free(c->body);
	free(c->msg);
	free(c);
}

/* Queue a complete response; the connection stays open if it may. */
void
hras_conn_respond(struct hras_conn *c, int status, const char *ctype,
    const void *body, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n%s\r\n", status, http_reason(status),
	    ctype, len, c->keep_alive ? "" : "Connection: close\r\n");
	if (len > 0)
		evbuffer_add(out, body, len);
	if (!c->keep_alive || status >= 400) {
		c->state = CONN_CLOSING;
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setcb(c->bev, NULL, hras_conn_write,
		    hras_conn_event, c);
	}
}

/* After a last response has gone out, close. */
static void
hras_conn_write(struct bufferevent *bev, void *arg)
{
	struct hras_conn	*c = arg;

	if (c->state == CONN_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		hras_conn_close(c, "response sent");
}

/* A downstream drained: the session may move more frames into it. */
static void
hras_conn_drained(struct bufferevent *bev, void *arg)
{
	struct hras_conn	*c = arg;

	(void)bev;
	if (c->s != NULL && c->s->down == c)
		hras_session_flush(c->s);
}

/* Connection-level events: EOF, errors, timeouts. */
static void
hras_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct hras_conn	*c = arg;
	unsigned long		 e;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		if (c->state == CONN_HEAD && c->role == ROLE_NONE)
			log_info("%s: no request within %d s", c->peer,
			    HEAD_TIMEOUT);
		hras_conn_close(c, "timeout");
	} else if (what & BEV_EVENT_ERROR) {
		e = bufferevent_get_openssl_error(c->bev);
		hras_conn_close(c, e != 0 ? crypto_strerror(e) :
		    strerror(EVUTIL_SOCKET_ERROR()));
	} else if (what & BEV_EVENT_EOF)
		hras_conn_close(c, "closed by peer");
}

/* Send a plain page, as any web server would. */
static void
hras_conn_page(struct hras_conn *c, const char *method)
{
	char	 path[256];

	http_path(c->msg->target, path, sizeof(path));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		hras_conn_respond(c, 405, "text/plain", "method not allowed\n",
		    19);
	else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
		hras_conn_respond(c, 200, "text/html", hras_page,
		    strcmp(method, "HEAD") == 0 ? 0 : sizeof(hras_page) - 1);
	else
		hras_conn_respond(c, 404, "text/html", hras_notfound,
		    strcmp(method, "HEAD") == 0 ? 0 : sizeof(hras_notfound) - 1);
}

/* Dispatch a parsed request head. */
static void
hras_conn_route(struct hras_conn *c)
{
	struct http_msg	*m = c->msg;
	char		 path[256];
	struct timeval	 tv;

	c->http10 = m->minor == 0;
	c->keep_alive = m->keep_alive;
	c->body_chunked = m->chunked;
	c->body_left = m->content_length > 0 ? (uint64_t)m->content_length : 0;
	http_path(m->target, path, sizeof(path));
	log_debug("%s: %s %s", c->peer, m->method, path);
	if (strcmp(path, "/vofw/v1/challenge") == 0 &&
	    strcmp(m->method, "GET") == 0)
		hras_challenge(c);
	else if (strcmp(path, "/vofw/v1/open") == 0 &&
	    strcmp(m->method, "GET") == 0)
		hras_open(c);
	else if (strcmp(path, "/vofw/v1/down") == 0 &&
	    strcmp(m->method, "GET") == 0) {
		if ((c->s = hras_session_auth(c, "GET", path)) != NULL)
			hras_session_down(c->s, c);
	} else if (strcmp(path, "/vofw/v1/up") == 0 &&
	    strcmp(m->method, "POST") == 0) {
		if ((c->s = hras_session_auth(c, "POST", path)) == NULL)
			return;
		c->state = CONN_BODY;
		tv.tv_sec = 3600;
		tv.tv_usec = 0;
		bufferevent_set_timeouts(c->bev, &tv, NULL);
		hras_session_up(c->s, c);
	} else
		hras_conn_page(c, m->method);
}

/* Ready for the next request on a kept-alive connection. */
void
hras_conn_next(struct hras_conn *c)
{
	struct timeval	 tv = { HEAD_TIMEOUT, 0 };

	c->state = CONN_HEAD;
	c->role = ROLE_NONE;
	bufferevent_set_timeouts(c->bev, &tv, NULL);
}

/* Input: a request head, or body bytes of an upstream POST. */
static void
hras_conn_read(struct bufferevent *bev, void *arg)
{
	struct hras_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	int			 rc, status;

	switch (c->state) {
	case CONN_HEAD:
		rc = http_parse_request(in, c->msg, &status);
		if (rc == 0)
			return;
		if (rc == -1) {
			log_info("%s: malformed request: %d %s", c->peer,
			    status, http_reason(status));
			c->keep_alive = 0;
			hras_conn_respond(c, status, "text/plain", "", 0);
			return;
		}
		if (c->msg->content_length > 0 && c->msg->chunked == 0 &&
		    strcmp(c->msg->method, "POST") != 0) {
			c->keep_alive = 0;
			hras_conn_respond(c, 400, "text/plain", "", 0);
			return;
		}
		hras_conn_route(c);
		return;
	case CONN_BODY:
		hras_conn_body(c);
		return;
	case CONN_DOWN:
		/* A client does not talk on its downstream: bound it. */
		if (evbuffer_get_length(in) > HTTP_HEAD_MAX)
			hras_conn_close(c, "unexpected data on downstream");
		return;
	case CONN_CLOSING:
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
}

/*
 * Decode what has arrived of an upstream body into c->body and let the
 * session consume whole frames from it; answer once the body has ended.
 */
void
hras_conn_body(struct hras_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	size_t		 n;
	int		 done = 0, rc;

	if (c->body_chunked) {
		rc = http_chunked_decode(&c->chunked, in, c->body,
		    HRAS_CHUNK_MAX * 4);
		if (rc == -1) {
			log_info("%s: malformed chunked body", c->peer);
			hras_conn_close(c, "malformed chunked body");
			return;
		}
		done = rc == 1;
	} else {
		n = evbuffer_get_length(in);
		if (n > c->body_left)
			n = (size_t)c->body_left;
		if (n > 0 && evbuffer_remove_buffer(in, c->body, n) != (int)n) {
			hras_conn_close(c, "out of memory");
			return;
		}
		c->body_left -= n;
		done = c->body_left == 0;
	}
	if (hras_session_input(c->s, c) == -1)
		return;
	if (!done) {
		/* Bounded: a held upstream waits without reading more. */
		if (evbuffer_get_length(c->body) > 4 * HRAS_CHUNK_MAX)
			bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (evbuffer_get_length(c->body) > 0) {
		log_info("%s: upstream body ends inside a frame", c->peer);
		hras_conn_close(c, "truncated frame");
		return;
	}
	hras_session_detach(c);
	hras_conn_respond(c, 200, "text/plain", "", 0);
	if (c->state != CONN_CLOSING) {
		hras_conn_next(c);
		if (evbuffer_get_length(in) > 0)
			hras_conn_read(c->bev, c);
	}
}

/*
 * A poll GET held until there are frames: the hold timer (keepalive),
 * not the wait for a request head, bounds it now.
 */
void
hras_conn_hold(struct hras_conn *c)
{
	struct timeval	 wtv = { WRITE_TIMEOUT, 0 };

	c->state = CONN_DOWN;
	c->role = ROLE_DOWN;
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
}

/* Begin a downstream response that stays open. */
int
hras_conn_start_stream(struct hras_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct timeval	 wtv = { WRITE_TIMEOUT, 0 };

	c->state = CONN_DOWN;
	c->role = ROLE_DOWN;
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	/* Refill the stream as soon as it has drained below half the mark. */
	bufferevent_setcb(c->bev, hras_conn_read, hras_conn_drained,
	    hras_conn_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, HRAS_HIGH_WATER / 2, 0);
	return evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Cache-Control: no-store, no-transform\r\n"
	    "X-Accel-Buffering: no\r\n%s\r\n", c->http10 ?
	    "Connection: close\r\n" : "Transfer-Encoding: chunked\r\n");
}

/* Move sealed frames into an open downstream, as one chunk. */
int
hras_conn_write_frames(struct hras_conn *c, struct evbuffer *frames)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 n = evbuffer_get_length(frames);

	if (n == 0)
		return 0;
	if (c->http10)
		return evbuffer_add_buffer(out, frames);
	if (evbuffer_add_printf(out, "%zx\r\n", n) == -1 ||
	    evbuffer_add_buffer(out, frames) == -1 ||
	    evbuffer_add(out, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* End a downstream that another one replaces; close once flushed. */
void
hras_conn_end_stream(struct hras_conn *c)
{
	if (!c->http10)
		evbuffer_add(bufferevent_get_output(c->bev), "0\r\n\r\n", 5);
	c->state = CONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, hras_conn_write, hras_conn_event, c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		hras_conn_close(c, "stream replaced");
}
