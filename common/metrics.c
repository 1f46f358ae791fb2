/*
 * The metrics endpoint of metrics.h. Written like the control socket
 * (ctl.c) on an evconnlistener and bufferevents rather than evhttp, whose
 * libevent 2.1 has no cap on connections: here the cap, the head's
 * deadline, the size of what is read and the one path served are all in
 * view. A connection reads one request head (http_parse_request: at most
 * HTTP_HEAD_MAX bytes, METRICS_HEAD_SECS for all of it), gets its answer
 * and is closed once the answer is sent; a body is never read, and a
 * request with one is refused.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "prom.h"

struct metrics_conn;

struct metrics {
	struct event_base	*base;
	struct evconnlistener	*listener;
	metrics_fill_fn		 fill;
	void			*arg;
	unsigned int		 nconns;
	TAILQ_HEAD(, metrics_conn) conns;	/* oldest first */
};

/* One scraper's connection: its request head, then the answer. */
struct metrics_conn {
	TAILQ_ENTRY(metrics_conn) entry;
	struct metrics		*m;
	struct bufferevent	*bev;
	struct event		*deadline;	/* the whole head */
	int			 answered;	/* reading is over */
	char			 addr[64];
	struct http_msg		 msg;
};

static void	metrics_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	metrics_accept_error(struct evconnlistener *, void *);
static int	metrics_make_room(struct metrics *);
static void	metrics_read(struct bufferevent *, void *);
static void	metrics_write(struct bufferevent *, void *);
static void	metrics_event(struct bufferevent *, short, void *);
static void	metrics_expired(evutil_socket_t, short, void *);
static void	metrics_answer(struct metrics_conn *);
static void	metrics_respond(struct metrics_conn *, int,
		    struct evbuffer *);
static void	metrics_close(struct metrics_conn *);

static struct log_limit	metrics_log = LOG_LIMIT("metrics");

/* Listen on ep for scrapers. */
struct metrics *
metrics_new(struct event_base *base, const struct config_endpoint *ep,
    metrics_fill_fn fill, void *arg)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct metrics		*m;
	const char		*addr = ep->address != NULL ? ep->address :
				    CONFIG_METRICS_ADDRESS;

	if (net_sockaddr(addr, ep->port, &ss, &len) == -1)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("metrics");
		return NULL;
	}
	m->base = base;
	m->fill = fill;
	m->arg = arg;
	TAILQ_INIT(&m->conns);
	if ((m->listener = evconnlistener_new_bind(base, metrics_accept, m,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    METRICS_CONNS_MAX, (struct sockaddr *)&ss, (int)len)) == NULL) {
		log_warn("metrics listener %s:%u", addr, ep->port);
		free(m);
		return NULL;
	}
	evconnlistener_set_error_cb(m->listener, metrics_accept_error);
	log_info("metrics on http://%s%s%s:%u/metrics",
	    strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "", ep->port);
	return m;
}

/* Close every connection and the listener. */
void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	while (!TAILQ_EMPTY(&m->conns))
		metrics_close(TAILQ_FIRST(&m->conns));
	evconnlistener_free(m->listener);
	free(m);
}

/* Whether on/a and on/b differ: the endpoint stays as started. */
int
metrics_moved(int on_a, const struct config_endpoint *a, int on_b,
    const struct config_endpoint *b)
{
	const char	*x = a->address != NULL ? a->address :
			    CONFIG_METRICS_ADDRESS;
	const char	*y = b->address != NULL ? b->address :
			    CONFIG_METRICS_ADDRESS;

	if (on_a != on_b)
		return 1;
	return on_a && (a->port != b->port || strcmp(x, y) != 0);
}

/* accept failed (out of descriptors...): say so; the listener goes on. */
static void
metrics_accept_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	log_warn("metrics: accept");
}

/*
 * Room for one more connection: when METRICS_CONNS_MAX are open, the
 * oldest still reading its head gives way. 0, or -1 when every one is
 * being answered.
 */
static int
metrics_make_room(struct metrics *m)
{
	struct metrics_conn	*mc;

	if (m->nconns < METRICS_CONNS_MAX)
		return 0;
	TAILQ_FOREACH(mc, &m->conns, entry)
		if (!mc->answered)
			break;
	if (mc == NULL)
		return -1;
	log_refused(&metrics_log, mc->addr, "metrics: %d connections, the "
	    "oldest idle one closed for a new one", METRICS_CONNS_MAX);
	metrics_close(mc);
	return 0;
}

/* A new scraper. */
static void
metrics_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct metrics		*m = arg;
	struct metrics_conn	*mc;
	struct timeval		 head = { METRICS_HEAD_SECS, 0 };
	struct timeval		 wtv = { METRICS_WRITE_SECS, 0 };
	char			 addr[64];

	(void)l;
	(void)salen;
	net_ntop(sa, addr, sizeof(addr));
	if (metrics_make_room(m) == -1) {
		log_refused(&metrics_log, addr, "metrics: %d scrapes being "
		    "answered, one more refused", METRICS_CONNS_MAX);
		evutil_closesocket(fd);
		return;
	}
	if ((mc = calloc(1, sizeof(*mc))) == NULL ||
	    (mc->bev = bufferevent_socket_new(m->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warn("metrics: new connection");
		free(mc);
		evutil_closesocket(fd);
		return;
	}
	mc->m = m;
	memcpy(mc->addr, addr, sizeof(mc->addr));
	TAILQ_INSERT_TAIL(&m->conns, mc, entry);
	m->nconns++;
	if ((mc->deadline = evtimer_new(m->base, metrics_expired, mc)) ==
	    NULL || evtimer_add(mc->deadline, &head) == -1) {
		log_warnx("metrics: cannot time a connection");
		metrics_close(mc);
		return;
	}
	bufferevent_setcb(mc->bev, metrics_read, NULL, metrics_event, mc);
	bufferevent_set_timeouts(mc->bev, NULL, &wtv);
	/* Past a head's worth the parser says 431: read no further. */
	bufferevent_setwatermark(mc->bev, EV_READ, 0, HTTP_HEAD_MAX + 1);
	if (bufferevent_enable(mc->bev, EV_READ) == -1)
		metrics_close(mc);
}

/* The head did not come whole in time. */
static void
metrics_expired(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_conn	*mc = arg;

	(void)fd;
	(void)what;
	metrics_close(mc);
}

/* Bytes of the request head. */
static void
metrics_read(struct bufferevent *bev, void *arg)
{
	struct metrics_conn	*mc = arg;
	int			 rc, status;

	rc = http_parse_request(bufferevent_get_input(bev), &mc->msg, &status);
	if (rc == 0)
		return;
	mc->answered = 1;
	evtimer_del(mc->deadline);
	bufferevent_disable(bev, EV_READ);
	if (rc == -1) {
		log_refused(&metrics_log, mc->addr, "metrics: malformed "
		    "request: %d %s", status, http_reason(status));
		metrics_respond(mc, status, NULL);
		return;
	}
	metrics_answer(mc);
}

/* Answer a request head: the metrics, or why not. */
static void
metrics_answer(struct metrics_conn *mc)
{
	struct http_msg	*msg = &mc->msg;
	struct evbuffer	*body;
	char		 path[16];

	/* A longer path is cut short, never to "/metrics". */
	if (strcmp(http_path(msg->target, path, sizeof(path)), "/metrics") !=
	    0) {
		metrics_respond(mc, 404, NULL);
		return;
	}
	if (strcmp(msg->method, "GET") != 0) {
		metrics_respond(mc, 405, NULL);
		return;
	}
	if (msg->content_length > 0 || msg->chunked) {
		metrics_respond(mc, 400, NULL);
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		metrics_respond(mc, 500, NULL);
		return;
	}
	if (mc->m->fill(mc->m->arg, body) == -1 ||
	    evbuffer_get_length(body) > METRICS_BODY_MAX) {
		log_warnx("metrics: cannot write the metrics");
		evbuffer_free(body);
		metrics_respond(mc, 500, NULL);
		return;
	}
	metrics_respond(mc, 200, body);
	evbuffer_free(body);
}

/* Send the answer (body NULL: a short text saying status), then close. */
static void
metrics_respond(struct metrics_conn *mc, int status, struct evbuffer *body)
{
	struct evbuffer	*out = bufferevent_get_output(mc->bev);
	const char	*reason = status == 500 ? "Internal Server Error" :
			    http_reason(status);
	int		 rc;

	if (body != NULL)
		rc = evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: " PROM_CONTENT_TYPE "\r\n"
		    "Content-Length: %zu\r\n"
		    "Cache-Control: no-store\r\n"
		    "Connection: close\r\n\r\n",
		    evbuffer_get_length(body)) < 0 ||
		    evbuffer_add_buffer(out, body) == -1 ? -1 : 0;
	else
		rc = evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
		    "Content-Type: text/plain\r\n"
		    "Content-Length: %zu\r\n"
		    "%s"
		    "Connection: close\r\n\r\n%d %s\n", status, reason,
		    strlen(reason) + 5, status == 405 ? "Allow: GET\r\n" : "",
		    status, reason) < 0 ? -1 : 0;
	if (rc == -1) {
		metrics_close(mc);
		return;
	}
	bufferevent_setwatermark(mc->bev, EV_WRITE, 0, 0);
	bufferevent_setcb(mc->bev, NULL, metrics_write, metrics_event, mc);
	if (bufferevent_enable(mc->bev, EV_WRITE) == -1)
		metrics_close(mc);
}

/* The answer is out: close. */
static void
metrics_write(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		metrics_close(arg);
}

/* The scraper went away, or stopped reading. */
static void
metrics_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	metrics_close(arg);
}

/* Forget a connection: the only place one is freed. */
static void
metrics_close(struct metrics_conn *mc)
{
	TAILQ_REMOVE(&mc->m->conns, mc, entry);
	mc->m->nconns--;
	if (mc->deadline != NULL)
		event_free(mc->deadline);
	bufferevent_free(mc->bev);
	free(mc);
}
