/*
 * Tunnel sessions in hras: the handshake that admits a client (a
 * challenge that takes no room, HMAC, an ephemeral X25519 exchange for the
 * session's keys), the check on every later request, and
 * the session's life: which connection carries its downstream, which
 * upstream POST is read, keepalives while idle and the verdict that a
 * tunnel is dead. One session per client id; it outlives its connections
 * so that frames queued during an outage are delivered after it.
 *
 * The sessions serve the HTTP layer's connections through hras_link_cb and
 * hand the records they open up through the hras_session_cb main gives
 * them; they call down into hras_link.c only. A session's queue and the
 * pump that drains it are common/tunnel.c's: the session tells the pump
 * which outlet takes frames (the downstream, streamed or one poll answer)
 * and passes the records up by type.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "clock.h"
#include "clock_us.h"
#include "config.h"
#include "hook.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "tunnel.h"

static int	hras_session_request(void *, struct hras_link *,
		    const char *);
static int	hras_session_body(void *, struct hras_link *);
static void	hras_session_detach(void *, struct hras_link *);
static void	hras_session_drained(void *, struct hras_link *);
static void	hras_challenge(struct hras_link *);
static void	hras_open(struct hras_link *);
static struct hras_session *hras_session_auth(struct hras_link *,
		    const char *, const char *);
static void	hras_session_down(struct hras_session *, struct hras_link *);
static void	hras_session_up(struct hras_session *, struct hras_link *);
static int	hras_session_input(struct hras_session *, struct hras_link *);
static struct hras_session *hras_session_get(struct hras *, const char *);
static enum tunnel_outlet hras_session_outlet(void *);
static size_t	hras_session_pending(void *);
static int	hras_session_write(void *, struct evbuffer *);
static void	hras_session_poll(void *);
static void	hras_session_sent(void *);
static void	hras_session_hook(void *, const uint8_t *, size_t);
static void	hras_session_sip(void *, uint32_t, const uint8_t *, size_t);
static void	hras_session_media(void *, unsigned int, uint32_t,
		    const uint8_t *, size_t);
static void	hras_session_timer(evutil_socket_t, short, void *);
static void	hras_session_control(void *, const uint8_t *, size_t);
static int	hras_session_control_send(struct hras_session *,
		    struct hras_link *, uint8_t);
static void	hras_session_lost(struct hras_session *, const char *);
static void	hras_poll_hold(evutil_socket_t, short, void *);
static void	hras_poll_answer(struct hras_session *, struct hras_link *);
static struct hras_session *hras_session_find(struct hras *, const char *);
static void	hras_session_free(struct hras *, struct hras_session *);
static void	hras_refuse(struct hras_link *, int, const char *,
		    enum hras_refusal, const char *);

/* Refusal lines, rate-limited (docs/security.md). */
static struct log_limit	hras_log_admission = LOG_LIMIT("tunnel-admission");

/*
 * Serve the tunnel on the HTTP layer's connections; the records opened
 * from clients' tunnels go to cb.
 */
void
hras_sessions_init(struct hras *h, const struct hras_session_cb *cb)
{
	h->session_cb = *cb;
	h->link_cb.request = hras_session_request;
	h->link_cb.body = hras_session_body;
	h->link_cb.detach = hras_session_detach;
	h->link_cb.drained = hras_session_drained;
	h->link_cb.arg = h;
}

/* A request head: answer the tunnel's requests; 0 for any other. */
static int
hras_session_request(void *arg, struct hras_link *c, const char *path)
{
	const char	*method = c->msg->method;

	(void)arg;
	if (strcmp(path, "/vofw/v1/challenge") == 0 &&
	    strcmp(method, "GET") == 0)
		hras_challenge(c);
	else if (strcmp(path, "/vofw/v1/open") == 0 &&
	    strcmp(method, "GET") == 0)
		hras_open(c);
	else if (strcmp(path, "/vofw/v1/down") == 0 &&
	    strcmp(method, "GET") == 0) {
		if ((c->s = hras_session_auth(c, "GET", path)) == NULL)
			return 1;
		hras_link_admit(c);
		hras_session_down(c->s, c);
	} else if (strcmp(path, "/vofw/v1/up") == 0 &&
	    strcmp(method, "POST") == 0) {
		if ((c->s = hras_session_auth(c, "POST", path)) == NULL)
			return 1;
		hras_link_admit(c);
		hras_session_up(c->s, c);
	} else
		return 0;
	return 1;
}

/* Upstream body bytes arrived on c. */
static int
hras_session_body(void *arg, struct hras_link *c)
{
	(void)arg;
	if (c->s == NULL)
		return 0;
	return hras_session_input(c->s, c);
}

/* A downstream drained: refill it, unless poll mode answers it whole. */
static void
hras_session_drained(void *arg, struct hras_link *c)
{
	(void)arg;
	if (!c->poll && c->s != NULL && c->s->down[c->lane] == c)
		tunnel_pump_flush(c->s->tun);
}

/* Log why a tunnel request is refused (rate-limited) and answer it. */
static void
hras_refuse(struct hras_link *c, int status, const char *who,
    enum hras_refusal reason, const char *why)
{
	c->h->refused[reason]++;
	log_refused(&hras_log_admission, c->addr, "client %s: %s", who, why);
	c->keep_alive = 0;
	hras_link_respond(c, status, "text/plain", "refused\n", 8);
}

/*
 * Issue a challenge for a client to answer, if it speaks our admission
 * protocol. The challenge carries its own number, expiry and MAC, so hras
 * keeps nothing per challenge and a flood of them cannot push out the one
 * a client is answering.
 */
static void
hras_challenge(struct hras_link *c)
{
	struct hras	*h = c->h;
	uint8_t		 tok[AUTH_CHALLENGELEN];
	char		 hex[2 * AUTH_CHALLENGELEN + 1], body[128], v[8];
	char		 why[128];
	int		 len, newer;

	/* Version 1 sent none. */
	if (http_query_param(c->msg->target, "version", v, sizeof(v)) == -1)
		snprintf(v, sizeof(v), "1");
	if (strcmp(v, AUTH_VERSION_STR) != 0) {
		/* Both halves ship together: say which one to upgrade. */
		newer = v[0] != '\0' && strspn(v, "0123456789") == strlen(v) &&
		    (strlen(v) > strlen(AUTH_VERSION_STR) || (strlen(v) ==
		    strlen(AUTH_VERSION_STR) && strcmp(v, AUTH_VERSION_STR) > 0));
		if (strspn(v, "0123456789") != strlen(v))
			snprintf(v, sizeof(v), "?");
		snprintf(why, sizeof(why), "hrac speaks admission protocol %s, "
		    "this hras %s: upgrade %s", v, AUTH_VERSION_STR,
		    newer ? "hras" : "hrac");
		hras_refuse(c, 426, "?", HRAS_REFUSED_VERSION, why);
		return;
	}
	if ((h->nonce_count == 0 && crypto_random(h->nonce_key,
	    sizeof(h->nonce_key)) == -1) ||
	    auth_challenge_make(h->nonce_key, ++h->nonce_count,
	    (uint32_t)(clock_now() + HRAS_NONCE_TTL), tok) == -1) {
		hras_link_respond(c, 503, "text/plain", "", 0);
		return;
	}
	crypto_hex(tok, sizeof(tok), hex);
	len = snprintf(body, sizeof(body), "version=%s\nnonce=%s\n",
	    AUTH_VERSION_STR, hex);
	hras_link_respond(c, 200, "text/plain", body, (size_t)len);
}

/* The session of a client, created on its first admission. */
static struct hras_session *
hras_session_get(struct hras *h, const char *id)
{
	struct hras_session	*s;
	struct tunnel_pump_cb	 cb;
	char			 who[96];
	int			 i;

	TAILQ_FOREACH(s, &h->sessions, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->h = h;
	snprintf(s->id, sizeof(s->id), "%s", id);
	for (i = 0; i < TUNNEL_LANES; i++)
		TAILQ_INIT(&s->ups[i]);
	cb.outlet = hras_session_outlet;
	cb.pending = hras_session_pending;
	cb.write = hras_session_write;
	cb.poll = hras_session_poll;
	cb.sent = hras_session_sent;
	cb.control = hras_session_control;
	cb.hook = hras_session_hook;
	cb.sip = hras_session_sip;
	cb.media = hras_session_media;
	cb.arg = s;
	cb.outlet_name = "downstream";
	cb.chunk_max = HRAS_CHUNK_MAX;
	cb.high_water = HRAS_HIGH_WATER;
	snprintf(who, sizeof(who), "client %s: ", s->id);
	if ((s->tun = tunnel_pump_new(h->conf->queue_max, h->base, who,
	    &cb)) == NULL || (s->copy = evbuffer_new()) == NULL ||
	    recent_init(&s->recent) == -1 ||
	    (s->timer_ev = event_new(h->base, -1, EV_PERSIST,
	    hras_session_timer, s)) == NULL) {
		tunnel_free(s->tun);
		if (s->copy != NULL)
			evbuffer_free(s->copy);
		recent_free(&s->recent);
		free(s);
		return NULL;
	}
	tunnel_set_batch(s->tun, h->conf->batch_bytes);
	tunnel_set_batch_wait(s->tun, h->conf->batch_wait);
	tunnel_set_pace(s->tun, &h->pace);
	/* What an hrac that does not say wants (it copies always). */
	lanes_init(&s->lanes, LANES_COPY_ALWAYS);
	tunnel_set_drop_cb(s->tun, h->session_cb.dropped, h->session_cb.arg);
	TAILQ_INSERT_TAIL(&h->sessions, s, entry);
	return s;
}

/*
 * Admit a client: it answers our challenge with its ephemeral X25519 key
 * and HMAC(secret, ...) over both; we answer with a session id, our own
 * ephemeral key and our proof over all of it, and both sides derive the
 * session's keys from the exchange and the secret.
 */
static void
hras_open(struct hras_link *c)
{
	const struct config_client	*cl;
	struct hras_session		*s;
	struct crypto_session_keys	 keys;
	struct crypto_kx		 kx = { NULL, { 0 } };
	struct auth_transcript		 tr;
	struct timeval			 sec = { 1, 0 };
	char				 id[65], sn[2 * AUTH_CHALLENGELEN + 1];
	char				 cp[2 * CRYPTO_PUBLEN + 1];
	char				 sp[2 * CRYPTO_PUBLEN + 1];
	char				 sidhex[2 * AUTH_SIDLEN + 1];
	char				 mac[AUTH_HEXLEN], want[AUTH_HEXLEN];
	char				 body[256];
	uint8_t				 snonce[AUTH_CHALLENGELEN];
	uint8_t				 cpub[CRYPTO_PUBLEN];
	uint8_t				 shared[CRYPTO_KEYLEN];
	uint8_t				 sid[AUTH_SIDLEN];
	uint64_t			 count;
	int				 len, rc;

	if (http_query_param(c->msg->target, "id", id, sizeof(id)) == -1 ||
	    http_query_param(c->msg->target, "nonce", sn, sizeof(sn)) == -1 ||
	    http_query_param(c->msg->target, "pub", cp, sizeof(cp)) == -1 ||
	    http_query_param(c->msg->target, "mac", mac, sizeof(mac)) == -1 ||
	    crypto_unhex(sn, snonce, sizeof(snonce)) == -1 ||
	    crypto_unhex(cp, cpub, sizeof(cpub)) == -1) {
		hras_refuse(c, 400, "?", HRAS_REFUSED_MALFORMED,
		    "malformed handshake");
		return;
	}
	if ((cl = hras_config_client(c->h->conf, id)) == NULL) {
		hras_refuse(c, 403, id, HRAS_REFUSED_CLIENT,
		    "unknown client");
		return;
	}
	if (c->h->nonce_count == 0 || auth_challenge_check(c->h->nonce_key,
	    snonce, (uint32_t)clock_now(), &count) == -1) {
		hras_refuse(c, 403, id, HRAS_REFUSED_NONCE,
		    "stale or forged nonce");
		return;
	}
	/* A client answers challenges in the order issued: one seen is used. */
	if ((s = hras_session_find(c->h, id)) != NULL &&
	    count <= s->nonce_seen) {
		hras_refuse(c, 403, id, HRAS_REFUSED_REPLAY,
		    "replayed nonce");
		return;
	}
	if (auth_open_mac(cl->secret, id, sn, cp, want) == -1 ||
	    strlen(mac) != strlen(want) ||
	    !crypto_equal(mac, want, strlen(want))) {
		hras_refuse(c, 403, id, HRAS_REFUSED_SECRET,
		    "wrong secret");
		return;
	}
	if ((s = hras_session_get(c->h, id)) == NULL ||
	    crypto_random(sid, sizeof(sid)) == -1 ||
	    crypto_kx_new(&kx) == -1) {
		hras_refuse(c, 503, id, HRAS_REFUSED_RESOURCES,
		    "out of resources");
		return;
	}
	rc = crypto_kx_shared(&kx, cpub, shared);
	crypto_kx_clear(&kx);
	if (rc == -1) {
		hras_refuse(c, 403, id, HRAS_REFUSED_KEY,
		    "unusable public key");
		return;
	}
	crypto_hex(sid, sizeof(sid), sidhex);
	crypto_hex(kx.pub, sizeof(kx.pub), sp);
	tr.id = id;
	tr.sid = sidhex;
	tr.snonce = sn;
	tr.cpub = cp;
	tr.spub = sp;
	rc = auth_session_keys(shared, cl->secret, &tr, &keys);
	OPENSSL_cleanse(shared, sizeof(shared));
	if (rc == -1 || auth_welcome_mac(cl->secret, &tr, want) == -1 ||
	    tunnel_set_keys(s->tun, keys.down, "down", keys.up, "up") == -1) {
		OPENSSL_cleanse(&keys, sizeof(keys));
		hras_refuse(c, 503, id, HRAS_REFUSED_RESOURCES,
		    "out of resources");
		return;
	}
	s->nonce_seen = count;
	/* A new admission replaces whatever the old session had open. */
	hras_session_lost(s, "client opened a new session");
	memcpy(s->sid, sidhex, sizeof(s->sid));
	memcpy(s->req_key, keys.req, sizeof(s->req_key));
	OPENSSL_cleanse(&keys, sizeof(keys));
	memset(&s->win, 0, sizeof(s->win));
	s->confirmed = 0;
	s->probe_pending = 0;
	s->last_rx = s->last_tx = clock_now();
	event_add(s->timer_ev, &sec);
	len = snprintf(body, sizeof(body), "sid=%s\npub=%s\nmac=%s\n", s->sid,
	    sp, want);
	s->admissions++;
	log_info("client %s admitted from %s", id, c->peer);
	hras_link_respond(c, 200, "text/plain", body, (size_t)len);
}

/* Check a tunnel request's session id, number and MAC. */
static struct hras_session *
hras_session_auth(struct hras_link *c, const char *method, const char *path)
{
	struct hras_session	*s;
	char			 sid[40], req[24], mac[AUTH_HEXLEN], poll[4];
	char			 want[AUTH_HEXLEN], *end, lane[4], what[64];
	unsigned long long	 n;

	if (http_query_param(c->msg->target, "sid", sid, sizeof(sid)) == -1 ||
	    http_query_param(c->msg->target, "req", req, sizeof(req)) == -1 ||
	    http_query_param(c->msg->target, "mac", mac, sizeof(mac)) == -1 ||
	    req[0] < '1' || req[0] > '9') {
		hras_refuse(c, 400, "?", HRAS_REFUSED_MALFORMED,
		    "malformed tunnel request");
		return NULL;
	}
	n = strtoull(req, &end, 10);
	if (*end != '\0') {
		hras_refuse(c, 400, "?", HRAS_REFUSED_MALFORMED,
		    "malformed request number");
		return NULL;
	}
	c->poll = http_query_param(c->msg->target, "poll", poll,
	    sizeof(poll)) == 0 && strcmp(poll, "1") == 0;
	/* Lanes beyond the first stream: their number is in the MAC. */
	c->lane = 0;
	if (http_query_param(c->msg->target, "lane", lane, sizeof(lane)) == 0) {
		if (lane[0] < '1' || lane[0] >= '0' + TUNNEL_LANES ||
		    lane[1] != '\0' || c->poll) {
			hras_refuse(c, 400, "?", HRAS_REFUSED_MALFORMED,
			    "malformed lane");
			return NULL;
		}
		c->lane = lane[0] - '0';
	}
	if (auth_lane_path(path, c->lane, what, sizeof(what)) == -1) {
		hras_refuse(c, 400, "?", HRAS_REFUSED_MALFORMED,
		    "malformed tunnel request");
		return NULL;
	}
	TAILQ_FOREACH(s, &c->h->sessions, entry)
		if (strcmp(s->sid, sid) == 0)
			break;
	if (s == NULL) {
		hras_refuse(c, 403, "?", HRAS_REFUSED_SESSION,
		    "unknown session");
		return NULL;
	}
	if (auth_request_mac(s->req_key, method, what, s->sid, n, want) == -1 ||
	    strlen(mac) != strlen(want) ||
	    !crypto_equal(mac, want, strlen(want))) {
		hras_refuse(c, 403, s->id, HRAS_REFUSED_MAC,
		    "bad request MAC");
		return NULL;
	}
	if (!auth_window_accept(&s->win, n)) {
		hras_refuse(c, 403, s->id, HRAS_REFUSED_REPLAY,
		    "replayed request");
		return NULL;
	}
	s->last_rx = clock_now();
	if (!c->poll)
		log_debug("client %s: lane %d %s from %s", s->id, c->lane,
		    strcmp(method, "GET") == 0 ? "downstream" : "upstream",
		    c->peer);
	if (!s->connected) {
		s->connected = 1;
		log_info("client %s: tunnel up (%s mode)", s->id,
		    c->poll ? "poll" : "stream");
	}
	return s;
}

/* Make c its lane's downstream, ending the one it replaces. */
static void
hras_session_down(struct hras_session *s, struct hras_link *c)
{
	struct hras_link	*old = s->down[c->lane];
	/* A held poll GET answered empty is poll mode's keepalive. */
	struct timeval		 tv = { s->h->conf->keepalive, 0 };

	if (old != NULL) {
		s->down[c->lane] = NULL;
		old->s = NULL;
		if (old->poll)
			hras_poll_answer(s, old);
		else
			hras_link_end_stream(old);
	}
	s->down[c->lane] = c;
	c->role = ROLE_DOWN;
	/* A new downstream takes the next batch, hello or not. */
	s->wrote[c->lane] = 0;
	if (c->poll) {
		s->confirmed = 1;
		hras_link_hold(c);
		if (tunnel_queued(s->tun) > 0) {
			hras_poll_answer(s, c);
			return;
		}
		if (c->hold_ev == NULL &&
		    (c->hold_ev = evtimer_new(s->h->base, hras_poll_hold,
		    c)) == NULL) {
			hras_link_close(c, "out of memory");
			return;
		}
		evtimer_add(c->hold_ev, &tv);
		return;
	}
	if (hras_link_start_stream(c) == -1) {
		hras_link_close(c, "out of memory");
		return;
	}
	/* The hello shows hrac at once whether the path streams; a probe
	   that came first (its POST overtook this GET on the way, as
	   through tinyproxy) is answered now, on the first lane. */
	if (hras_session_control_send(s, c, FRAME_CTL_HELLO) == -1 ||
	    (c->lane == 0 && s->probe_pending &&
	    hras_session_control_send(s, c, FRAME_CTL_PROBE_ACK) == -1)) {
		hras_link_close(c, "cannot start downstream");
		return;
	}
	if (c->lane == 0)
		s->probe_pending = 0;
	if (s->confirmed)
		tunnel_pump_kick(s->tun, 1);
}

/* A held poll GET found nothing to carry: answer it empty. */
static void
hras_poll_hold(evutil_socket_t fd, short what, void *arg)
{
	struct hras_link	*c = arg;

	(void)fd;
	(void)what;
	if (c->s != NULL && c->s->down[0] == c)
		c->s->down[0] = NULL;
	hras_poll_answer(c->s, c);
}

/* Answer a poll GET with a batch of frames, complete with its length. */
static void
hras_poll_answer(struct hras_session *s, struct hras_link *c)
{
	struct evbuffer	*f;
	size_t		 n;
	uint8_t		*p;

	if (c->hold_ev != NULL)
		evtimer_del(c->hold_ev);
	if (s != NULL && s->down[0] == c)
		s->down[0] = NULL;
	c->s = NULL;
	hras_link_next(c);
	if ((f = evbuffer_new()) == NULL) {
		hras_link_close(c, "out of memory");
		return;
	}
	if (s != NULL && tunnel_flush(s->tun, f, HRAS_CHUNK_MAX) == -1) {
		evbuffer_free(f);
		hras_link_close(c, "cannot seal frames");
		return;
	}
	if (s != NULL && evbuffer_get_length(f) > 0)
		s->last_tx = clock_now();
	n = evbuffer_get_length(f);
	p = evbuffer_pullup(f, -1);
	hras_link_respond(c, 200, "application/octet-stream", p, n);
	evbuffer_free(f);
}

/* Queue c as an upstream; only the oldest open one of a lane is read. */
static void
hras_session_up(struct hras_session *s, struct hras_link *c)
{
	c->role = ROLE_UP;
	TAILQ_INSERT_TAIL(&s->ups[c->lane], c, up_entry);
	c->queued = TAILQ_FIRST(&s->ups[c->lane]) != c;
	hras_link_start_body(c);
}

/* Feed c's decoded body to the session if c is the upstream being read. */
static int
hras_session_input(struct hras_session *s, struct hras_link *c)
{
	const char	*why;

	if (TAILQ_FIRST(&s->ups[c->lane]) != c)
		return 0;
	if (evbuffer_get_length(c->body) > 0)
		s->last_rx = clock_now();
	if (tunnel_input_lane(s->tun, c->body, &c->rx_last, &why) == -1) {
		log_warnx("client %s: bad frame from %s: %s", s->id, c->peer,
		    why);
		hras_link_close(c, why);
		return -1;
	}
	/* SIP is acknowledged at once: less to send twice after an outage. */
	if (tunnel_ack(s->tun) == -1)
		log_warnx("client %s: cannot queue an acknowledgement", s->id);
	return 0;
}

/* Forget a connection's ties to its session (it is closing or done). */
static void
hras_session_detach(void *arg, struct hras_link *c)
{
	struct hras_session	*s = c->s;
	struct hras_link	*next;

	(void)arg;
	if (s == NULL)
		return;
	c->s = NULL;
	if (s->down[c->lane] == c)
		s->down[c->lane] = NULL;
	if (c->role != ROLE_UP)
		return;
	next = TAILQ_FIRST(&s->ups[c->lane]);
	TAILQ_REMOVE(&s->ups[c->lane], c, up_entry);
	c->role = ROLE_NONE;
	if (next != c || (next = TAILQ_FIRST(&s->ups[c->lane])) == NULL)
		return;
	/*
	 * The next upstream's frames come after the ones just read. It is
	 * read on the next loop turn: c may be closing up the stack.
	 */
	next->queued = 0;
	hras_link_resume(next);
}

/* A datagram for hras's hook. */
static void
hras_session_hook(void *arg, const uint8_t *data, size_t len)
{
	struct hras_session	*s = arg;

	if (s->h->hook != NULL)
		hook_deliver(s->h->hook, data, len);
}

/* A SIP message from the client, for the SIP layer. */
static void
hras_session_sip(void *arg, uint32_t flow, const uint8_t *data, size_t len)
{
	struct hras_session	*s = arg;

	if (s->h->session_cb.sip != NULL)
		s->h->session_cb.sip(s->h->session_cb.arg, s->id, flow, data,
		    len);
}

/* Voice from the client, for the media relay. */
static void
hras_session_media(void *arg, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	struct hras_session	*s = arg;

	if (s->h->session_cb.media != NULL)
		s->h->session_cb.media(s->h->session_cb.arg, s->id, type, flow,
		    data, len);
}

/*
 * One control record to hrac. Once frames stream it goes with them, in
 * the queue: a frame written into one lane alone has a number the other
 * lanes skip, and hrac drops it as delivered when another lane brings a
 * later frame first. Before that (hello and the probe's answer on the
 * first downstream) straight into c, ahead of the queue.
 */
static int
hras_session_control_send(struct hras_session *s, struct hras_link *c,
    uint8_t code)
{
	struct evbuffer	*f;
	int		 rc = -1;

	if (hras_session_outlet(s) == TUNNEL_OUT_STREAM)
		return tunnel_send(s->tun, FRAME_CONTROL, 0, &code, 1);
	if ((f = evbuffer_new()) == NULL)
		return -1;
	if (tunnel_seal(s->tun, f, FRAME_CONTROL, 0, &code, 1) != -1 &&
	    hras_link_write_frames(c, f) != -1) {
		s->last_tx = clock_now();
		rc = 0;
	}
	evbuffer_free(f);
	return rc;
}

/* Probe answers: they prove to hrac that both directions stream. */
static void
hras_session_control(void *arg, const uint8_t *data, size_t len)
{
	struct hras_session	*s = arg;

	if (len != 1)
		return;
	switch (data[0]) {
	case FRAME_CTL_PROBE:
		if (s->down[0] == NULL || s->down[0]->poll) {
			/* Answered when the downstream comes. */
			s->probe_pending = 1;
			break;
		}
		if (hras_session_control_send(s, s->down[0],
		    FRAME_CTL_PROBE_ACK) == -1)
			log_warnx("client %s: cannot answer probe", s->id);
		break;
	case FRAME_CTL_STREAM_OK:
		s->confirmed = 1;
		log_info("client %s: streaming both ways", s->id);
		tunnel_pump_kick(s->tun, 1);
		break;
	case FRAME_CTL_COPY_ALWAYS:
	case FRAME_CTL_COPY_ON_LOSS:
		s->lanes.mode = data[0] == FRAME_CTL_COPY_ALWAYS ?
		    LANES_COPY_ALWAYS : LANES_COPY_ON_LOSS;
		break;
	case FRAME_CTL_LOSS:
		lanes_loss(&s->lanes, clock_now(), 1);
		break;
	}
}

/*
 * Whether any of the session's connections lost segments since the last
 * look: if so, copies go (on loss) and hrac hears of it.
 */
static void
hras_session_check_loss(struct hras_session *s, time_t now)
{
	struct hras_link	*c;
	uint8_t			 code = FRAME_CTL_LOSS;
	int			 i, lost = 0;

	for (i = 0; i < TUNNEL_LANES; i++) {
		if ((c = s->down[i]) != NULL && lanes_tcp_lost(
		    bufferevent_getfd(c->bev), &c->tcp) == 1)
			lost = 1;
		TAILQ_FOREACH(c, &s->ups[i], up_entry)
			if (lanes_tcp_lost(bufferevent_getfd(c->bev),
			    &c->tcp) == 1)
				lost = 1;
	}
	if (!lost)
		return;
	lanes_loss(&s->lanes, now, 0);
	if (tunnel_send(s->tun, FRAME_CONTROL, 0, &code, 1) == -1)
		log_warnx("client %s: cannot tell hrac of loss", s->id);
}

/*
 * The lanes' streaming downstreams, into ds, with what each has yet to
 * send and when it last took a batch, into o: how many.
 */
static int
hras_session_streams(struct hras_session *s, struct hras_link **ds,
    struct lanes_outlet *o)
{
	int	 i, n = 0;

	for (i = 0; i < TUNNEL_LANES; i++) {
		if (s->down[i] == NULL || s->down[i]->poll)
			continue;
		if (o != NULL) {
			o[n].pending = evbuffer_get_length(
			    bufferevent_get_output(s->down[i]->bev));
			o[n].wrote = s->wrote[i];
			o[n].took = s->took[i];
		}
		ds[n++] = s->down[i];
	}
	return n;
}

/* Lanes whose downstream streams, for the control socket. */
unsigned int
hras_session_lanes(struct hras_session *s)
{
	struct hras_link	*ds[TUNNEL_LANES];

	return (unsigned int)hras_session_streams(s, ds, NULL);
}

/* When frames go into every lane, and the loss seen, for the control socket. */
const struct lanes *
hras_session_copies(const struct hras_session *s)
{
	return &s->lanes;
}

/*
 * What takes the queue's frames: the downstream, whole in poll mode, as
 * a stream (on the lanes that take them) once hrac confirmed that it
 * flows; nothing without one.
 */
static enum tunnel_outlet
hras_session_outlet(void *arg)
{
	struct hras_session	*s = arg;
	struct hras_link	*ds[TUNNEL_LANES];

	if (s->down[0] != NULL && s->down[0]->poll)
		return TUNNEL_OUT_POLL;
	if (!s->confirmed || hras_session_streams(s, ds, NULL) == 0)
		return TUNNEL_OUT_NONE;
	return TUNNEL_OUT_STREAM;
}

/* Bytes the least behind of the downstreams that take frames has to send. */
static size_t
hras_session_pending(void *arg)
{
	struct hras_session	*s = arg;
	struct hras_link	*ds[TUNNEL_LANES];
	struct lanes_outlet	 o[TUNNEL_LANES];
	int			 n;

	n = hras_session_streams(s, ds, o);
	return lanes_pending(&s->lanes, clock_now(), o, n, HRAS_HIGH_WATER);
}

/*
 * Frames into the downstreams that take them (lanes.h: the first with
 * room, the others while copies go or when idle), a lane that missed
 * batches with what it missed of the recent ones first (recent.h); a lane
 * that fails is closed. -1 only when no lane took them.
 */
static int
hras_session_write(void *arg, struct evbuffer *f)
{
	struct hras_session	*s = arg;
	struct hras_link	*ds[TUNNEL_LANES], *c;
	struct lanes_outlet	 o[TUNNEL_LANES];
	struct evbuffer		*b;
	time_t			 now = clock_now();
	uint64_t		 id, now_us = clock_now_us();
	int			 take[TUNNEL_LANES], i, n, ntake, wrote = 0;

	n = hras_session_streams(s, ds, o);
	ntake = lanes_pick(&s->lanes, now, o, n, HRAS_HIGH_WATER,
	    s->h->conf->keepalive, take);
	id = recent_keep(&s->recent, n, f, now_us);
	for (i = 0; i < ntake; i++) {
		c = ds[take[i]];
		if ((b = lanes_batch(&s->recent, id, o[take[i]].took,
		    i + 1 == ntake, f, s->copy)) == NULL) {
			hras_link_close(c, "out of memory");
			continue;
		}
		if (hras_link_write_frames(c, b) == -1) {
			evbuffer_drain(b, evbuffer_get_length(b));
			hras_link_close(c, "cannot write frames");
			continue;
		}
		s->wrote[c->lane] = now;
		s->took[c->lane] = id;
		wrote++;
	}
	evbuffer_drain(f, evbuffer_get_length(f));
	return wrote > 0 ? 0 : -1;
}

/* The held poll GET takes the pump's batch as its answer. */
static void
hras_session_poll(void *arg)
{
	struct hras_session	*s = arg;

	hras_poll_answer(s, s->down[0]);
}

/* The downstream was served: keepalives count from now. */
static void
hras_session_sent(void *arg)
{
	struct hras_session	*s = arg;

	s->last_tx = clock_now();
}

/* Once a second: keepalive an idle downstream; judge a silent tunnel. */
static void
hras_session_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hras_session	*s = arg;
	struct hras_link	*ds[TUNNEL_LANES];
	time_t			 now = clock_now();
	const struct hras_config *conf = s->h->conf;

	(void)fd;
	(void)what;
	if (!s->connected)
		return;
	if (now - s->last_rx >= conf->dead_after) {
		hras_session_lost(s, "no traffic from the client");
		return;
	}
	if (tunnel_ack(s->tun) == -1)
		log_warnx("client %s: cannot queue an acknowledgement", s->id);
	hras_session_check_loss(s, now);
	if (hras_session_streams(s, ds, NULL) > 0 && s->confirmed &&
	    now - s->last_tx >= conf->keepalive)
		tunnel_send(s->tun, FRAME_KEEPALIVE, 0, NULL, 0);
	if (hras_session_streams(s, ds, NULL) > 0 && tunnel_queued(s->tun) > 0)
		tunnel_pump_flush(s->tun);
}

/* Close every connection of a session; its queue waits for the client. */
static void
hras_session_lost(struct hras_session *s, const char *why)
{
	struct hras_link	*c;
	int			 i;

	if (s->connected) {
		log_info("client %s: tunnel down: %s", s->id, why);
		tunnel_log_stats(s->tun, " so far");
	}
	s->connected = 0;
	s->confirmed = 0;
	s->probe_pending = 0;
	for (i = 0; i < TUNNEL_LANES; i++) {
		if ((c = s->down[i]) != NULL)
			hras_link_close(c, why);
		while ((c = TAILQ_FIRST(&s->ups[i])) != NULL)
			hras_link_close(c, why);
	}
	tunnel_purge_media(s->tun);
}

/*
 * Close a client's session for good, with a log line naming it: the
 * client was removed from the configuration or its secret changed. Its
 * connections, queue and keys go; it must be admitted again.
 */
void
hras_session_revoke(struct hras *h, const char *client, const char *why)
{
	struct hras_session	*s;
	struct hras_link	*c;

	if ((s = hras_session_find(h, client)) == NULL)
		return;
	log_info("client %s: tunnel closed: %s", s->id, why);
	hras_session_lost(s, why);
	/* A connection between requests may still name the session. */
again:
	TAILQ_FOREACH(c, &h->links, entry)
		if (c->s == s) {
			hras_link_close(c, why);
			goto again;
		}
	hras_session_free(h, s);
}

/* Forget a session whose connections are closed, with its counters. */
static void
hras_session_free(struct hras *h, struct hras_session *s)
{
	TAILQ_REMOVE(&h->sessions, s, entry);
	tunnel_log_stats(s->tun, "");
	event_free(s->timer_ev);
	tunnel_free(s->tun);
	evbuffer_free(s->copy);
	recent_free(&s->recent);
	free(s);
}

/* Free every session (shutdown); connections must be closed first. */
void
hras_sessions_free(struct hras *h)
{
	struct hras_session	*s;

	while ((s = TAILQ_FIRST(&h->sessions)) != NULL)
		hras_session_free(h, s);
}

/* A datagram from hras's hook goes to the first configured client. */
int
hras_hook_send(void *arg, const void *data, size_t len)
{
	struct hras	*h = arg;

	return hras_session_send(h, h->conf->clients[0].id, FRAME_HOOK, 0,
	    data, len);
}

/* The session of a client, if it ever opened one. */
static struct hras_session *
hras_session_find(struct hras *h, const char *client)
{
	struct hras_session	*s;

	TAILQ_FOREACH(s, &h->sessions, entry)
		if (strcmp(s->id, client) == 0)
			return s;
	return NULL;
}

/* A client's tunnel round trip in ms, -1 if not known (call_ctx.rtt). */
double
hras_session_rtt(void *arg, const char *client)
{
	struct hras_session	*s = hras_session_find(arg, client);

	return s != NULL ? tunnel_rtt_ms(s->tun) : -1;
}

/* True while a client's tunnel is up. */
int
hras_client_up(struct hras *h, const char *client)
{
	struct hras_session	*s = hras_session_find(h, client);

	return s != NULL && s->connected;
}

/*
 * Hand a frame to a client's tunnel session; it waits in the session's
 * queue if the tunnel is down for a moment. -1 when the client never
 * opened a session or the queue refuses the frame.
 */
int
hras_session_send(struct hras *h, const char *client, unsigned int type,
    uint32_t flow, const void *data, size_t len)
{
	struct hras_session	*s = hras_session_find(h, client);

	if (s == NULL)
		return -1;
	return tunnel_send(s->tun, type, flow, data, len);
}
