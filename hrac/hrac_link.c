/*
 * hrac's HTTP client connections towards hras: directly or through the
 * LAN's proxy (absolute-form requests for http://, CONNECT for https://,
 * proxy authentication driven by hrac_proxyauth.c on the connection it
 * authenticates), TLS (hrac_tls.c verifies the server and names its
 * failures), and strict reading of the
 * responses, including bodies that never end. A proxy may close the
 * connection after any response (HTTP/1.0, Connection: close, tinyproxy
 * always): the link then opens a new one for its next request, and sends
 * a request again once if a kept-alive connection closed before the
 * answer began. What happens on a link is
 * reported up through its tunnel's hrac_link_cb; a failure is reported
 * with the party that failed (the resolver, the proxy, TLS, hras, or a
 * server that is not hras: hras marks its answers, docs/protocol.md) and
 * what to do about it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "hrac.h"
#include "log.h"
#include "net.h"

static void	hrac_link_read(struct bufferevent *, void *);
static void	hrac_link_write(struct bufferevent *, void *);
static void	hrac_link_event(struct bufferevent *, short, void *);
static int	hrac_link_connect(struct hrac_link *);
static void	hrac_link_disconnect(struct hrac_link *);
static int	hrac_link_resend(struct hrac_link *);
static void	hrac_link_connected(struct hrac_link *);
static void	hrac_link_ready(struct hrac_link *);
static void	hrac_link_started(evutil_socket_t, short, void *);
static void	hrac_link_start_tls(struct hrac_link *);
static void	hrac_link_response(struct hrac_link *);
static void	hrac_link_refused(struct hrac_link *);
static void	hrac_link_broken(struct hrac_link *, short);
static const char *hrac_link_party(const struct hrac_link *, char *, size_t);
static void	hrac_link_body(struct hrac_link *);
static void	hrac_link_auth(struct hrac_link *);
static void	hrac_link_auth_send(struct hrac_link *, const char *);
static void	hrac_link_auth_drain(struct hrac_link *);

/* A new link, connecting (the caller has yet to store it). */
struct hrac_link *
hrac_link_new(struct hrac_session *s, enum hrac_link_role role)
{
	struct hrac_link	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->s = s;
	l->role = role;
	if ((l->msg = malloc(sizeof(*l->msg))) == NULL ||
	    (l->body = evbuffer_new()) == NULL ||
	    (l->req = evbuffer_new()) == NULL || hrac_link_connect(l) == -1) {
		hrac_link_free(l);
		return NULL;
	}
	return l;
}

/*
 * Start a connection towards the proxy, or hras when there is none; or
 * take one from the session's connector, already connected, and go on
 * from there on the next loop turn.
 */
static int
hrac_link_connect(struct hrac_link *l)
{
	struct hrac_session	*s = l->s;
	struct event_base	*base = s->h->base;
	const struct config_url	*to = s->has_proxy ? &s->proxy : &s->server;
	struct timeval		 tv = { HRAC_CONNECT_TIMEOUT, 0 };

	l->state = LINK_CONNECTING;
	l->served = 0;
	memset(&l->tcp, 0, sizeof(l->tcp));
	if (s->connector.connect != NULL) {
		if (l->start_ev == NULL && (l->start_ev = event_new(base, -1,
		    0, hrac_link_started, l)) == NULL)
			return -1;
		if ((l->bev = s->connector.connect(s->connector.arg,
		    base)) == NULL)
			return -1;
		event_active(l->start_ev, EV_TIMEOUT, 1);
	} else if ((l->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	bufferevent_setcb(l->bev, hrac_link_read, hrac_link_write,
	    hrac_link_event, l);
	bufferevent_set_timeouts(l->bev, &tv, &tv);
	if (bufferevent_enable(l->bev, EV_READ | EV_WRITE) == -1 ||
	    (s->connector.connect == NULL &&
	    bufferevent_socket_connect_hostname(l->bev, s->dns, AF_UNSPEC,
	    to->host, to->port) == -1)) {
		log_warnx("cannot connect to %s:%u", to->host, to->port);
		return -1;
	}
	return 0;
}

/* The connection is over; the link waits for its next request. */
static void
hrac_link_disconnect(struct hrac_link *l)
{
	if (l->bev != NULL) {
		/* A connector's bufferevent (a pair, in the unit tests) does
		 * not tell its peer that it closed as a socket does. */
		if (l->start_ev != NULL)
			bufferevent_flush(l->bev, EV_WRITE, BEV_FINISHED);
		bufferevent_free(l->bev);
		l->bev = NULL;
	}
	X509_free(l->peer);
	l->peer = NULL;
	/* A new connection means a new proxy handshake. */
	hrac_proxyauth_done(l);
	memset(&l->pa, 0, sizeof(l->pa));
	free(l->auth_line);
	l->auth_line = NULL;
	l->state = LINK_CLOSED;
	l->streaming = 0;
}

/*
 * The kept-alive connection closed before the answer to its request
 * began: the proxy closed it as the request went out (tinyproxy closes
 * every connection after one response, others when idle). Send the
 * request again, once, on a new connection; a request that did reach
 * hras is refused there as a replay, so nothing runs twice. 1 when
 * this does not apply, -1 when no new connection can be started.
 */
static int
hrac_link_resend(struct hrac_link *l)
{
	if (l->served == 0 || l->streaming ||
	    evbuffer_get_length(l->req) == 0 ||
	    evbuffer_get_length(bufferevent_get_input(l->bev)) > 0)
		return 1;
	log_debug("%s closed the kept-alive connection; sending the request "
	    "again on a new one", l->s->has_proxy ? "the proxy" : "hras");
	hrac_link_disconnect(l);
	l->pending = 1;
	return hrac_link_connect(l);
}

/* A connector's link is connected from the start: go on as TCP would. */
static void
hrac_link_started(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hrac_link_connected(arg);
}

/* The only place a link is freed. */
void
hrac_link_free(struct hrac_link *l)
{
	if (l == NULL)
		return;
	hrac_link_disconnect(l);
	if (l->start_ev != NULL)
		event_free(l->start_ev);
	if (l->body != NULL)
		evbuffer_free(l->body);
	if (l->req != NULL)
		evbuffer_free(l->req);
	free(l->msg);
	free(l);
}

/* Report a failure up; the callee frees the link. */
void
hrac_link_fail(struct hrac_link *l, const char *fmt, ...)
{
	char	 why[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	l->s->link_cb.error(l->s->link_cb.arg, l, why);
}

/* TCP is up: ask the proxy for a tunnel, start TLS, or be ready. */
static void
hrac_link_connected(struct hrac_link *l)
{
	struct hrac_session	*s = l->s;
	evutil_socket_t		 fd = bufferevent_getfd(l->bev);

	if (fd != -1)
		net_tcp_voice(fd);
	if ((s->has_proxy && s->server.tls) || hrac_proxyauth_preflight(l)) {
		hrac_link_auth_send(l, NULL);
		return;
	}
	if (s->server.tls) {
		hrac_link_start_tls(l);
		return;
	}
	hrac_link_ready(l);
}

/*
 * Connected through the proxy and TLS: send the request that waits for
 * this connection, or tell the session that the link is ready.
 */
static void
hrac_link_ready(struct hrac_link *l)
{
	struct evbuffer	*out = bufferevent_get_output(l->bev);

	l->state = LINK_IDLE;
	bufferevent_set_timeouts(l->bev, NULL, NULL);
	if (!l->pending) {
		l->s->link_cb.ready(l->s->link_cb.arg, l);
		return;
	}
	l->pending = 0;
	if (evbuffer_add(out, evbuffer_pullup(l->req, -1),
	    evbuffer_get_length(l->req)) == -1) {
		hrac_link_fail(l, "out of memory");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &l->sent_at);
	l->state = LINK_WAIT_HEAD;
}

/*
 * A request to the proxy that authenticates this connection: CONNECT
 * (which then goes on to TLS), or through a plain-http proxy a bodiless
 * HEAD of hras's page, answered without a body whoever answers. The
 * Proxy-Authorization line is given, or the handshake's first.
 */
static void
hrac_link_auth_send(struct hrac_link *l, const char *line)
{
	struct hrac_session	*s = l->s;
	struct evbuffer		*out = bufferevent_get_output(l->bev);
	char			*own = NULL, why[512];
	int			 rc;

	if (line == NULL) {
		if ((own = malloc(HRAC_PAUTH_LINE_MAX)) == NULL) {
			hrac_link_fail(l, "out of memory");
			return;
		}
		if (hrac_proxyauth_header(l, own, HRAC_PAUTH_LINE_MAX, why,
		    sizeof(why)) == -1) {
			free(own);
			hrac_link_fail(l, "%s", why);
			return;
		}
		line = own;
	}
	if (s->server.tls) {
		rc = evbuffer_add_printf(out, "CONNECT %s:%u HTTP/1.1\r\n"
		    "Host: %s:%u\r\n%s\r\n", s->server.host, s->server.port,
		    s->server.host, s->server.port, line);
		l->state = LINK_PROXY_CONNECT;
	} else {
		rc = evbuffer_add_printf(out, "HEAD http://%s:%u/ HTTP/1.1\r\n"
		    "Host: %s:%u\r\nUser-Agent: Mozilla/5.0 (compatible; "
		    "hrac/0.1)\r\n%s\r\n", s->server.host, s->server.port,
		    s->server.host, s->server.port, line);
		l->state = LINK_PROXY_AUTH;
	}
	free(own);
	if (rc == -1)
		hrac_link_fail(l, "out of memory");
}

/*
 * The proxy answered 407: hrac_proxyauth.c says what to send next, which
 * goes on this same connection once the 407's body is read, or why it
 * gives up. A request that carried a body is not sent again here: the
 * session's next attempt starts with the scheme now known.
 */
static void
hrac_link_auth(struct hrac_link *l)
{
	struct http_msg	*m = l->msg;
	char		 why[512];
	char		*line;
	int		 first = l->pa.scheme == PROXY_AUTH_AUTO;

	if ((line = malloc(HRAC_PAUTH_LINE_MAX)) == NULL) {
		hrac_link_fail(l, "out of memory");
		return;
	}
	if (hrac_proxyauth_next(l, m, line, HRAC_PAUTH_LINE_MAX, why,
	    sizeof(why)) == 0) {
		free(line);
		hrac_link_fail(l, "%s", why);
		return;
	}
	if ((l->state == LINK_WAIT_HEAD && l->req_body) || (first &&
	    !m->keep_alive)) {
		free(line);
		hrac_link_fail(l, "the proxy asks for authentication; the next "
		    "connection starts with it");
		return;
	}
	if (!m->keep_alive || (l->state != LINK_PROXY_AUTH && !m->chunked &&
	    m->content_length < 0)) {
		free(line);
		hrac_link_fail(l, "the proxy at %s:%u closes the connection "
		    "after its 407, but the authentication needs it kept "
		    "(NTLM and Negotiate authenticate a connection)",
		    l->s->proxy.host, l->s->proxy.port);
		return;
	}
	l->auth_line = line;
	/* A response to HEAD has no body, whatever its head says. */
	l->body_chunked = l->state != LINK_PROXY_AUTH && m->chunked;
	l->body_left = l->state == LINK_PROXY_AUTH || m->chunked ? 0 :
	    m->content_length;
	http_chunked_init(&l->chunked);
	l->state = LINK_AUTH_DRAIN;
	hrac_link_auth_drain(l);
}

/* Read and drop a 407's body; then send the answer. */
static void
hrac_link_auth_drain(struct hrac_link *l)
{
	struct evbuffer	*in = bufferevent_get_input(l->bev);
	char		*line;
	size_t		 n;
	int		 rc;

	if (l->body_chunked) {
		rc = http_chunked_decode(&l->chunked, in, l->body,
		    4 * HRAC_CHUNK_MAX);
		evbuffer_drain(l->body, evbuffer_get_length(l->body));
		if (rc == -1) {
			hrac_link_fail(l, "malformed chunked response from the "
			    "proxy");
			return;
		}
		if (rc == 0)
			return;
	} else {
		n = evbuffer_get_length(in);
		if (n > (uint64_t)l->body_left)
			n = (size_t)l->body_left;
		evbuffer_drain(in, n);
		l->body_left -= (int64_t)n;
		if (l->body_left > 0)
			return;
	}
	line = l->auth_line;
	l->auth_line = NULL;
	hrac_link_auth_send(l, line);
	free(line);
}

/* Wrap the connection in TLS towards hras. */
static void
hrac_link_start_tls(struct hrac_link *l)
{
	struct hrac_session	*s = l->s;
	struct bufferevent	*tls;
	struct in6_addr		 a6;
	struct timeval		 tv = { HRAC_CONNECT_TIMEOUT, 0 };
	SSL			*ssl;
	int			 numeric;

	if ((ssl = SSL_new(s->ssl)) == NULL) {
		hrac_link_fail(l, "tls: out of memory");
		return;
	}
	numeric = inet_pton(AF_INET, s->server.host, &a6) == 1 ||
	    inet_pton(AF_INET6, s->server.host, &a6) == 1;
	if (!numeric)
		SSL_set_tlsext_host_name(ssl, s->server.host);
	SSL_set_app_data(ssl, l);
	if (s->h->conf->tls_fingerprint == NULL &&
	    ((numeric && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    s->server.host) != 1) ||
	    (!numeric && SSL_set1_host(ssl, s->server.host) != 1))) {
		SSL_free(ssl);
		hrac_link_fail(l, "tls: cannot set the expected name");
		return;
	}
	/* The SSL is the filter's now, freed by libevent if it fails. */
	tls = bufferevent_openssl_filter_new(s->h->base, l->bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (tls == NULL) {
		hrac_link_fail(l, "tls: out of memory");
		return;
	}
	/*
	 * The handshake is bounded on the TLS layer, which hrac_link_ready
	 * clears; the socket below keeps no timeouts of its own, as a
	 * streaming POST reads nothing for as long as the tunnel is up.
	 */
	bufferevent_set_timeouts(l->bev, NULL, NULL);
	bufferevent_set_timeouts(tls, &tv, &tv);
	l->bev = tls;
	l->state = LINK_TLS;
	bufferevent_setcb(l->bev, hrac_link_read, hrac_link_write,
	    hrac_link_event, l);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
}

/* True when the link may take a request now: idle, or closed. */
int
hrac_link_can_send(const struct hrac_link *l)
{
	return l->state == LINK_IDLE || l->state == LINK_CLOSED;
}

/*
 * Send a request; the body is complete, or chunked and left open. A
 * complete request is kept until the next one: if the connection closed
 * after the last response, it goes on a new one. A chunked body needs
 * a link that is connected.
 */
int
hrac_link_request(struct hrac_link *l, const char *method, const char *target,
    const void *body, size_t len, int chunked)
{
	struct hrac_session	*s = l->s;
	struct evbuffer		*out = l->req;
	char			 auth[512], prefix[300] = "", why[256];
	int			 absolute = s->has_proxy && !s->server.tls;

	if (chunked && l->state != LINK_IDLE)
		return -1;
	evbuffer_drain(out, evbuffer_get_length(out));
	if (absolute)
		snprintf(prefix, sizeof(prefix), "http://%s:%u",
		    s->server.host, s->server.port);
	/* Basic goes with every request; NTLM and Negotiate authenticated
	   the connection before it. */
	if (!absolute || !hrac_proxyauth_per_request(l) ||
	    hrac_proxyauth_header(l, auth, sizeof(auth), why,
	    sizeof(why)) == -1)
		auth[0] = '\0';
	l->req_body = chunked || strcmp(method, "POST") == 0;
	if (evbuffer_add_printf(out, "%s %s%s HTTP/1.1\r\nHost: %s:%u\r\n"
	    "User-Agent: Mozilla/5.0 (compatible; hrac/" "0.1)\r\n"
	    "Cache-Control: no-cache\r\n%s", method, prefix, target,
	    s->server.host, s->server.port, auth) == -1)
		return -1;
	if (chunked) {
		if (evbuffer_add_printf(out, "Content-Type: "
		    "application/octet-stream\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n") == -1)
			return -1;
	} else if (strcmp(method, "POST") == 0) {
		if (evbuffer_add_printf(out, "Content-Type: "
		    "application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
		    len) == -1 || (len > 0 && evbuffer_add(out, body, len) == -1))
			return -1;
	} else if (evbuffer_add(out, "\r\n", 2) == -1)
		return -1;
	l->streaming = chunked;
	if (l->state == LINK_CLOSED) {
		l->pending = 1;
		return hrac_link_connect(l);
	}
	if (chunked) {
		/* Not kept: a streamed request is never sent again. */
		if (evbuffer_add_buffer(bufferevent_get_output(l->bev),
		    out) == -1)
			return -1;
	} else if (evbuffer_add(bufferevent_get_output(l->bev),
	    evbuffer_pullup(out, -1), evbuffer_get_length(out)) == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &l->sent_at);
	l->state = LINK_WAIT_HEAD;
	return 0;
}

/* Write sealed frames as one chunk of an open request body. */
int
hrac_link_write_chunk(struct hrac_link *l, struct evbuffer *frames)
{
	if (l->bev == NULL || !l->streaming || http_chunk_wrap(frames) == -1)
		return -1;
	return net_bev_write(l->bev, frames);
}

/* Close an open request body; the response follows. */
void
hrac_link_end_chunks(struct hrac_link *l)
{
	if (l->streaming)
		http_chunk_last(bufferevent_get_output(l->bev));
	l->streaming = 0;
}

/* Bytes waiting to be written on the link. */
size_t
hrac_link_output(const struct hrac_link *l)
{
	if (l->bev == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(l->bev));
}

/* A response head: check it and set up reading of its body. */
static void
hrac_link_response(struct hrac_link *l)
{
	struct http_msg	*m = l->msg;

	const char	*mark = http_header(m, HTTP_MARK_NAME);
	int		 proxy;

	if (l->s->link_cb.head != NULL)
		l->s->link_cb.head(l->s->link_cb.arg, l);
	/* The proxy's 407 (not hras's through TLS) continues or ends its
	   authentication. */
	proxy = l->state == LINK_PROXY_CONNECT || (l->s->has_proxy &&
	    !l->s->server.tls && (mark == NULL || strcmp(mark,
	    HTTP_MARK_VALUE) != 0));
	if (m->status == 407 && proxy) {
		hrac_link_auth(l);
		return;
	}
	if (m->status != 200) {
		hrac_link_refused(l);
		return;
	}
	if (l->state == LINK_PROXY_CONNECT) {
		hrac_proxyauth_done(l);
		hrac_link_start_tls(l);
		return;
	}
	if (l->state == LINK_PROXY_AUTH) {
		/* The connection is authenticated: on to the tunnel. */
		hrac_proxyauth_done(l);
		l->state = LINK_IDLE;
		bufferevent_set_timeouts(l->bev, NULL, NULL);
		l->s->link_cb.ready(l->s->link_cb.arg, l);
		return;
	}
	l->state = LINK_BODY;
	l->body_chunked = m->chunked;
	l->body_left = m->chunked ? 0 : m->content_length;
	http_chunked_init(&l->chunked);
	hrac_link_body(l);
}

/*
 * A response other than 200: say who answered and what to do. The
 * proxy's answer to CONNECT is the proxy's; through a proxy without
 * CONNECT, an answer without hras's mark is the proxy's too; without a
 * proxy, or inside TLS, it is the server's, which is hras only with the
 * mark.
 */
static void
hrac_link_refused(struct hrac_link *l)
{
	struct hrac_session	*s = l->s;
	struct http_msg		*m = l->msg;
	const char		*mark = http_header(m, HTTP_MARK_NAME);
	const char		*host = s->server.host;
	unsigned int		 port = s->server.port;
	int			 hras, connect = l->state == LINK_PROXY_CONNECT;
	char			 what[300];

	hras = !connect && mark != NULL && strcmp(mark, HTTP_MARK_VALUE) == 0;
	if (connect)
		snprintf(what, sizeof(what), "CONNECT to %s:%u", host, port);
	else
		snprintf(what, sizeof(what), "the request to http://%s:%u/",
		    host, port);
	if (connect || (s->has_proxy && !s->server.tls && !hras)) {
		if (m->status == 403)
			hrac_link_fail(l, "the proxy refused %s: %d %.80s; "
			    "allow this %s in the proxy (Squid: %s)", what,
			    m->status, m->reason, connect ? "port for CONNECT" :
			    "destination", connect ? "SSL_ports" :
			    "http_access");
		else if (m->status >= 502 && m->status <= 504)
			hrac_link_fail(l, "the proxy could not reach hras at "
			    "%s:%u: %d %.80s; check that hras runs there and "
			    "that the proxy may connect to it", host, port,
			    m->status, m->reason);
		else
			hrac_link_fail(l, "the proxy answered %s with %d %.80s",
			    what, m->status, m->reason);
		return;
	}
	if (!hras)
		hrac_link_fail(l, "the server at %s:%u is not hras: it answered "
		    "%d %.80s without hras's " HTTP_MARK_NAME " header; check "
		    "server in hrac.conf and what stands in front of hras",
		    host, port, m->status, m->reason);
	else if (m->status == 403 && l->role == LINK_CTRL)
		hrac_link_fail(l, "hras refused the tunnel (403): check id and "
		    "secret (hras logs why)");
	else if (m->status == 403)
		hrac_link_fail(l, "hras refused the session (403): it no longer "
		    "knows it (restarted?); opening a new one");
	else if (m->status == 426)
		hrac_link_fail(l, "hras speaks another admission protocol "
		    "(426): run the same release of hrac and hras");
	else
		hrac_link_fail(l, "hras answered %d %.80s", m->status,
		    m->reason);
}

/* "the proxy at host:port" or "hras at host:port": where TCP goes. */
static const char *
hrac_link_party(const struct hrac_link *l, char *out, size_t len)
{
	const struct hrac_session	*s = l->s;

	if (s->has_proxy)
		snprintf(out, len, "the proxy at %s:%u", s->proxy.host,
		    s->proxy.port);
	else
		snprintf(out, len, "hras at %s:%u", s->server.host,
		    s->server.port);
	return out;
}

/* Decode body bytes and report them up. */
static void
hrac_link_body(struct hrac_link *l)
{
	struct evbuffer	*in = bufferevent_get_input(l->bev);
	size_t		 n;
	int		 rc, done = 0;

	if (l->body_chunked) {
		rc = http_chunked_decode(&l->chunked, in, l->body,
		    4 * HRAC_CHUNK_MAX);
		if (rc == -1) {
			hrac_link_fail(l, "malformed chunked response");
			return;
		}
		done = rc == 1;
	} else {
		n = evbuffer_get_length(in);
		if (l->body_left >= 0 && n > (uint64_t)l->body_left)
			n = (size_t)l->body_left;
		if (n > 0 && evbuffer_remove_buffer(in, l->body, n) != (int)n) {
			hrac_link_fail(l, "out of memory");
			return;
		}
		if (l->body_left >= 0) {
			l->body_left -= (int64_t)n;
			done = l->body_left == 0;
		}
	}
	if (done) {
		l->served++;
		if (l->msg->keep_alive)
			l->state = LINK_IDLE;
		else
			hrac_link_disconnect(l);
	}
	l->s->link_cb.body(l->s->link_cb.arg, l, done);
}

/* Input from the proxy or the server. */
static void
hrac_link_read(struct bufferevent *bev, void *arg)
{
	struct hrac_link	*l = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	int			 rc;

	switch (l->state) {
	case LINK_PROXY_CONNECT:
	case LINK_PROXY_AUTH:
	case LINK_WAIT_HEAD:
		rc = http_parse_response(in, l->msg);
		if (rc == -1)
			hrac_link_fail(l, "malformed response from %s",
			    l->state == LINK_PROXY_CONNECT || (l->s->has_proxy &&
			    !l->s->server.tls) ? "the proxy" : "the server");
		else if (rc == 1)
			hrac_link_response(l);
		return;
	case LINK_BODY:
		net_bev_read_on(bev, HRAC_READ_MAX);
		hrac_link_body(l);
		return;
	case LINK_AUTH_DRAIN:
		hrac_link_auth_drain(l);
		return;
	default:
		if (evbuffer_get_length(in) > 0)
			hrac_link_fail(l, "unexpected data from the server");
		return;
	}
}

/* Output drained below the low-water mark: more may be written. */
static void
hrac_link_write(struct bufferevent *bev, void *arg)
{
	struct hrac_link	*l = arg;

	(void)bev;
	l->s->link_cb.drained(l->s->link_cb.arg, l);
}

/* Connected, TLS up, closed, timed out or failed. */
static void
hrac_link_event(struct bufferevent *bev, short what, void *arg)
{
	struct hrac_link	*l = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (l->state == LINK_CONNECTING) {
			hrac_link_connected(l);
			return;
		}
		if (l->state == LINK_TLS) {
			if (!hrac_tls_pinned(l)) {
				hrac_tls_not_pinned(l);
				return;
			}
			hrac_link_ready(l);
		}
		return;
	}
	if (l->state == LINK_TLS) {
		hrac_tls_failed(l, what);
		return;
	}
	if (what & BEV_EVENT_EOF && l->state == LINK_BODY &&
	    l->body_left == -1 && !l->body_chunked) {
		l->served++;
		hrac_link_disconnect(l);
		l->s->link_cb.body(l->s->link_cb.arg, l, 1);
		return;
	}
	if (l->state == LINK_IDLE && what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* Closed between requests: the next one opens another. */
		log_debug("%s closed an idle connection", l->s->has_proxy ?
		    "the proxy" : "hras");
		hrac_link_disconnect(l);
		return;
	}
	if (l->state == LINK_WAIT_HEAD && what & (BEV_EVENT_EOF |
	    BEV_EVENT_ERROR)) {
		switch (hrac_link_resend(l)) {
		case 0:
			return;
		case -1:
			hrac_link_fail(l, "cannot open a new connection");
			return;
		}
	}
	hrac_link_broken(l, what);
}

/* A connection failed outside TLS's handshake: name the party. */
static void
hrac_link_broken(struct hrac_link *l, short what)
{
	struct hrac_session	*s = l->s;
	char			 party[300];
	unsigned long		 e;
	int			 dnserr;

	hrac_link_party(l, party, sizeof(party));
	if ((dnserr = bufferevent_socket_get_dns_error(l->bev)) != 0) {
		hrac_link_fail(l, "cannot resolve %s's name %s: %s; check %s in "
		    "hrac.conf and the resolver (/etc/resolv.conf)",
		    s->has_proxy ? "the proxy" : "hras", s->has_proxy ?
		    s->proxy.host : s->server.host,
		    evutil_gai_strerror(dnserr), s->has_proxy ? "proxy" :
		    "server");
		return;
	}
	if (l->state == LINK_CONNECTING) {
		if (what & BEV_EVENT_TIMEOUT)
			hrac_link_fail(l, "connecting to %s timed out; check "
			    "that the firewall lets hrac reach it", party);
		else
			hrac_link_fail(l, "cannot connect to %s: %s; check "
			    "that it runs and listens there", party,
			    strerror(EVUTIL_SOCKET_ERROR()));
		return;
	}
	if (l->state == LINK_PROXY_AUTH || l->state == LINK_AUTH_DRAIN ||
	    (l->state == LINK_PROXY_CONNECT && l->pa.round > 0)) {
		hrac_link_fail(l, "the proxy %s during the %s authentication "
		    "of the connection", what & BEV_EVENT_TIMEOUT ? "went "
		    "silent" : "closed the connection", l->pa.scheme ==
		    PROXY_AUTH_NTLM ? "NTLM" : l->pa.scheme ==
		    PROXY_AUTH_NEGOTIATE ? "Negotiate" : "Basic");
		return;
	}
	if (l->state == LINK_PROXY_CONNECT) {
		hrac_link_fail(l, "the proxy %s instead of answering CONNECT "
		    "to %s:%u", what & BEV_EVENT_TIMEOUT ? "went silent" :
		    "closed the connection", s->server.host, s->server.port);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		hrac_link_fail(l, "the connection timed out");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		hrac_link_fail(l, "connection closed by %s", s->has_proxy ?
		    "the proxy" : "hras");
		return;
	}
	if ((e = bufferevent_get_openssl_error(l->bev)) != 0) {
		hrac_link_fail(l, "tls: %s", crypto_strerror(e));
		return;
	}
	hrac_link_fail(l, "connection to %s: %s", party,
	    strerror(EVUTIL_SOCKET_ERROR()));
}
