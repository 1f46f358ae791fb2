/*
 * hrac's tunnel session (paper 3.2): admission by hras, then a
 * downstream GET whose response carries frames in and an upstream POST
 * whose body carries frames out, streaming where the path allows it and in
 * short complete requests (poll mode) where something on the path buffers.
 * The mode is found by a probe at connect time. A tunnel that breaks is
 * reopened with exponential back-off and jitter; the frames handed to it
 * meanwhile wait in its queue. Its links report to it through
 * hrac_link_cb; the records it opens go up through the hrac_session_cb main
 * gives it. The queue and the pump that drains it are common/tunnel.c's:
 * this file tells the pump which outlet takes frames (the streamed POST
 * body, or the next poll POST) and passes the records up by type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "clock.h"
#include "clock_us.h"
#include "hook.h"
#include "hrac.h"
#include "log.h"
#include "tunnel.h"

#define BACKOFF_MIN	0.5	/* seconds before the first retry */

static void	hrac_session_link_ready(void *, struct hrac_link *);
static void	hrac_session_link_body(void *, struct hrac_link *, int);
static void	hrac_session_link_error(void *, struct hrac_link *,
		    const char *);
static void	hrac_session_link_drained(void *, struct hrac_link *);
static void	hrac_session_connect(struct hrac_session *);
static void	hrac_session_lost(struct hrac_session *, const char *);
static void	hrac_session_retry(evutil_socket_t, short, void *);
static void	hrac_session_probe_timeout(evutil_socket_t, short, void *);
static void	hrac_session_timer(evutil_socket_t, short, void *);
static enum tunnel_outlet hrac_session_outlet(void *);
static size_t	hrac_session_pending(void *);
static int	hrac_session_write(void *, struct evbuffer *);
static void	hrac_session_poll(void *);
static void	hrac_session_sent(void *);
static void	hrac_session_control(void *, const uint8_t *, size_t);
static void	hrac_session_hook(void *, const uint8_t *, size_t);
static void	hrac_session_sip(void *, uint32_t, const uint8_t *, size_t);
static void	hrac_session_media(void *, unsigned int, uint32_t,
		    const uint8_t *, size_t);
static void	hrac_session_links(struct hrac_session *);
static void	hrac_session_probe_arm(struct hrac_session *,
		    enum hrac_link_role);
static void	hrac_session_up(struct hrac_session *);
static void	hrac_session_down_done(struct hrac_session *,
		    struct hrac_link *);
static void	hrac_session_handshake(struct hrac_link *);
static int	hrac_session_target(struct hrac_session *, const char *,
		    const char *, int, char *, size_t);
static void	hrac_session_send_control(struct hrac_session *, uint8_t);
static void	hrac_session_post(struct hrac_session *);
static void	hrac_session_drop(struct hrac_session *, struct hrac_link **);
static void	hrac_session_close_links(struct hrac_session *);
static struct hrac_link *hrac_session_link_new(struct hrac_session *,
		    enum hrac_link_role, int);
static void	hrac_session_lane_lost(struct hrac_session *,
		    struct hrac_link **, const char *);
static void	hrac_session_lanes_open(struct hrac_session *);
static void	hrac_session_send_copies(struct hrac_session *);
static void	hrac_session_copies_log(struct hrac_session *);
static void	hrac_session_renew(struct hrac_session *, struct hrac_lane *,
		    int, time_t);

/*
 * Set up the session of daemon h (its loop and configuration set) and make
 * the first attempt to open it; its links connect through connector, or
 * over sockets when it is NULL.
 */
int
hrac_session_init(struct hrac_session *s, struct hrac *h,
    const struct hrac_connector *connector)
{
	struct event_base	*base = h->base;
	struct hrac_config	*conf = h->conf;
	struct tunnel_pump_cb	 cb;
	struct timeval		 sec = { 1, 0 };

	memset(s, 0, sizeof(*s));
	s->h = h;
	if (connector != NULL)
		s->connector = *connector;
	if (config_parse_url(conf->server, &s->server) == -1)
		return -1;
	if (conf->proxy != NULL && strcmp(conf->proxy, "auto") == 0)
		s->auto_proxy = 1;
	else if (conf->proxy != NULL) {
		if (config_parse_url(conf->proxy, &s->proxy) == -1)
			return -1;
		s->has_proxy = 1;
	}
	if (hrac_proxyauth_init(s, conf) == -1)
		return -1;
	if (s->server.tls && (s->ssl = hrac_tls_ctx(h->conf)) == NULL)
		return -1;
	if ((s->dns = evdns_base_new(base, 0)) == NULL)
		return -1;
	/* Only names need the resolver; a missing resolv.conf is not fatal. */
	if (evdns_base_resolv_conf_parse(s->dns, DNS_OPTIONS_ALL,
	    "/etc/resolv.conf") != 0)
		log_debug("no usable /etc/resolv.conf; names will not resolve");
	cb.outlet = hrac_session_outlet;
	cb.pending = hrac_session_pending;
	cb.write = hrac_session_write;
	cb.poll = hrac_session_poll;
	cb.sent = hrac_session_sent;
	cb.control = hrac_session_control;
	cb.hook = hrac_session_hook;
	cb.sip = hrac_session_sip;
	cb.media = hrac_session_media;
	cb.arg = s;
	cb.outlet_name = "the upstream";
	cb.chunk_max = HRAC_CHUNK_MAX;
	cb.high_water = HRAC_HIGH_WATER;
	s->link_cb.ready = hrac_session_link_ready;
	s->link_cb.body = hrac_session_link_body;
	s->link_cb.error = hrac_session_link_error;
	s->link_cb.drained = hrac_session_link_drained;
	s->link_cb.arg = s;
	if ((s->tun = tunnel_pump_new(conf->queue_max, base, "",
	    &cb)) == NULL || (s->copy = evbuffer_new()) == NULL ||
	    recent_init(&s->recent) == -1 ||
	    (s->retry_ev = evtimer_new(base, hrac_session_retry, s)) == NULL ||
	    (s->probe_ev = evtimer_new(base, hrac_session_probe_timeout,
	    s)) == NULL ||
	    (s->timer_ev = event_new(base, -1, EV_PERSIST, hrac_session_timer,
	    s)) == NULL || event_add(s->timer_ev, &sec) == -1)
		return -1;
	tunnel_set_batch(s->tun, conf->batch_bytes);
	tunnel_set_batch_wait(s->tun, conf->batch_wait);
	lanes_init(&s->lanes, conf->copies);
	s->mode = conf->mode == TUNNEL_MODE_POLL ? TUNNEL_MODE_POLL :
	    TUNNEL_MODE_STREAM;
	s->backoff = BACKOFF_MIN;
	hrac_session_connect(s);
	return 0;
}

/* Close everything (shutdown). */
void
hrac_session_free(struct hrac_session *s)
{
	hrac_session_close_links(s);
	hrac_discover_free(s->disc);
	s->disc = NULL;
	if (s->retry_ev != NULL)
		event_free(s->retry_ev);
	if (s->probe_ev != NULL)
		event_free(s->probe_ev);
	if (s->timer_ev != NULL)
		event_free(s->timer_ev);
	tunnel_free(s->tun);
	if (s->copy != NULL)
		evbuffer_free(s->copy);
	recent_free(&s->recent);
	if (s->dns != NULL)
		evdns_base_free(s->dns, 0);
	SSL_CTX_free(s->ssl);
	hrac_proxyauth_free(s);
}

/* Close every link of this attempt and forget our admission key. */
static void
hrac_session_close_links(struct hrac_session *s)
{
	struct hrac_lane	*ln;
	int			 i;

	hrac_session_drop(s, &s->ctrl);
	for (i = 0; i < TUNNEL_LANES; i++) {
		ln = &s->lane[i];
		hrac_session_drop(s, &ln->down);
		hrac_session_drop(s, &ln->down_next);
		hrac_session_drop(s, &ln->up);
		hrac_session_drop(s, &ln->up_old);
	}
	crypto_kx_clear(&s->kx);
	hrac_discover_free(s->disc);
	s->disc = NULL;
}

/* Free a link and clear the pointer that held it. */
static void
hrac_session_drop(struct hrac_session *s, struct hrac_link **lp)
{
	(void)s;
	hrac_link_free(*lp);
	*lp = NULL;
}

/* A data link of one lane. */
static struct hrac_link *
hrac_session_link_new(struct hrac_session *s, enum hrac_link_role role,
    int lane)
{
	struct hrac_link	*l;

	if ((l = hrac_link_new(s, role)) != NULL)
		l->lane = lane;
	return l;
}

/*
 * A link of a lane beyond the first failed or ended: the other lanes
 * carry every frame meanwhile, so only this link goes, and the lane is
 * opened again a little later.
 */
static void
hrac_session_lane_lost(struct hrac_session *s, struct hrac_link **lp,
    const char *why)
{
	log_info("tunnel lane %d: %s; reopening it in %d s", (*lp)->lane,
	    why, HRAC_LANE_RETRY);
	hrac_session_drop(s, lp);
	s->lane_retry = clock_now() + HRAC_LANE_RETRY;
}

/*
 * Open what is missing of the lanes beyond the first (tunnel.lanes), once
 * the tunnel streams: each carries every frame the first does.
 */
static void
hrac_session_lanes_open(struct hrac_session *s)
{
	struct hrac_lane	*ln;
	int			 i;

	if (s->state != SESSION_UP || s->mode != TUNNEL_MODE_STREAM)
		return;
	for (i = 1; i < s->h->conf->lanes && i < TUNNEL_LANES; i++) {
		ln = &s->lane[i];
		if (ln->down == NULL) {
			ln->down_since = clock_now();
			ln->down = hrac_session_link_new(s, LINK_DOWN, i);
		}
		if (ln->up == NULL)
			ln->up = hrac_session_link_new(s, LINK_UP, i);
		if (ln->down == NULL || ln->up == NULL)
			s->lane_retry = clock_now() + HRAC_LANE_RETRY;
	}
}

/*
 * Begin the handshake: fetch a nonce from hras; with proxy = "auto",
 * once this attempt's proxy is found.
 */
static void
hrac_session_connect(struct hrac_session *s)
{
	s->state = SESSION_CHALLENGE;
	if (s->auto_proxy) {
		if (hrac_discover_start(s) == -1)
			hrac_session_lost(s, "cannot start proxy discovery");
		return;
	}
	if ((s->ctrl = hrac_link_new(s, LINK_CTRL)) == NULL)
		hrac_session_lost(s, "cannot start a connection");
}

/*
 * This attempt's proxy, found (proxy = "auto"): an http:// URL, "" for
 * none, NULL when discovery failed; why says where it came from. A
 * change is logged at info, the same answer again at debug.
 */
void
hrac_session_discovered(struct hrac_session *s, const char *proxy,
    const char *why)
{
	struct config_url	 u;
	char			 line[900];

	hrac_discover_free(s->disc);
	s->disc = NULL;
	if (proxy == NULL) {
		hrac_session_lost(s, why);
		return;
	}
	if (proxy[0] != '\0' && (config_parse_url(proxy, &u) == -1 ||
	    u.tls || strcmp(u.path, "/") != 0)) {
		/* Not the value: it may hold a password. */
		snprintf(line, sizeof(line), "the proxy found (%s) is not "
		    "http://[user:pass@]host:port", why);
		hrac_session_lost(s, line);
		return;
	}
	s->has_proxy = proxy[0] != '\0';
	/* The proxy's password, if any, stays out of the log. */
	if (s->has_proxy) {
		s->proxy = u;
		snprintf(s->auto_line, sizeof(s->auto_line), "%s:%u%s%s (%s)",
		    u.host, u.port, u.user[0] != '\0' ? ", user " : "", u.user,
		    why);
	} else
		snprintf(s->auto_line, sizeof(s->auto_line), "none, direct "
		    "(%s)", why);
	snprintf(line, sizeof(line), "proxy for %s: %s", s->h->conf->server,
	    s->auto_line);
	if (s->cb.discovered != NULL)
		s->cb.discovered(s->cb.arg);
	if (strcmp(s->auto_last, s->has_proxy ? proxy : "DIRECT") != 0) {
		log_info("%s", line);
		snprintf(s->auto_last, sizeof(s->auto_last), "%s",
		    s->has_proxy ? proxy : "DIRECT");
	} else
		log_debug("%s", line);
	if ((s->ctrl = hrac_link_new(s, LINK_CTRL)) == NULL)
		hrac_session_lost(s, "cannot start a connection");
}

/* Everything of this attempt is gone: wait, then try again. */
static void
hrac_session_lost(struct hrac_session *s, const char *why)
{
	struct timeval	 tv;
	double		 wait;

	if (s->state == SESSION_UP) {
		log_warnx("tunnel down: %s", why);
		tunnel_log_stats(s->tun, " so far");
	} else
		log_warnx("tunnel attempt failed: %s", why);
	if (s->cb.lost != NULL)
		s->cb.lost(s->cb.arg, why);
	hrac_session_close_links(s);
	evtimer_del(s->probe_ev);
	s->post_inflight = 0;
	s->state = SESSION_WAIT;
	tunnel_purge_media(s->tun);
	/* Jitter of +-20% so that many clients do not retry in step. */
	wait = s->backoff * (0.8 + 0.4 * ((double)arc4random_uniform(1000) /
	    1000.0));
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6);
	log_info("reconnecting in %.1f s", wait);
	evtimer_add(s->retry_ev, &tv);
	s->backoff *= 2;
	if (s->backoff > s->h->conf->backoff_max)
		s->backoff = s->h->conf->backoff_max;
}

/* Back-off elapsed. */
static void
hrac_session_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hrac_session_connect(arg);
}

/* A link reports failure; which link decides what it costs. */
static void
hrac_session_link_error(void *arg, struct hrac_link *l, const char *why)
{
	struct hrac_session	*s = arg;
	struct hrac_lane	*ln = &s->lane[l->lane];

	if (l == ln->up_old) {
		hrac_session_drop(s, &ln->up_old);
		return;
	}
	if (l == ln->down && ln->down_next != NULL) {
		/* The renewed GET takes over from the one that ended. */
		hrac_session_down_done(s, l);
		return;
	}
	if (l == ln->down_next) {
		hrac_session_drop(s, &ln->down_next);
		return;
	}
	if (l->lane > 0 && (l == ln->down || l == ln->up)) {
		hrac_session_lane_lost(s, l == ln->down ? &ln->down : &ln->up,
		    why);
		return;
	}
	hrac_session_lost(s, why);
}

/* The request target of a lane's request, with its number and MAC. */
static int
hrac_session_target(struct hrac_session *s, const char *method,
    const char *path, int lane, char *out, size_t len)
{
	char	 mac[AUTH_HEXLEN], what[64], named[24] = "";
	int	 n;

	s->req++;
	if (auth_lane_path(path, lane, what, sizeof(what)) == -1 ||
	    auth_request_mac(s->req_key, method, what, s->sid, s->req,
	    mac) == -1)
		return -1;
	if (lane > 0)
		snprintf(named, sizeof(named), "&lane=%d", lane);
	n = snprintf(out, len, "%s?sid=%s&req=%llu&mac=%s%s%s", path, s->sid,
	    (unsigned long long)s->req, mac,
	    s->mode == TUNNEL_MODE_POLL ? "&poll=1" : "", named);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A link is connected (through the proxy and TLS): send its request. */
static void
hrac_session_link_ready(void *arg, struct hrac_link *l)
{
	struct hrac_session	*s = arg;
	struct hrac_lane	*ln = &s->lane[l->lane];
	char			 target[512];
	struct evbuffer		*f;
	uint8_t			 probe = FRAME_CTL_PROBE;

	switch (l->role) {
	case LINK_CTRL:
		if (hrac_link_request(l, "GET", "/vofw/v1/challenge?version="
		    AUTH_VERSION_STR, NULL, 0, 0) == -1)
			hrac_session_lost(s, "out of memory");
		return;
	case LINK_DOWN:
		if (hrac_session_target(s, "GET", "/vofw/v1/down", l->lane,
		    target, sizeof(target)) == -1 ||
		    hrac_link_request(l, "GET", target, NULL, 0, 0) == -1) {
			hrac_session_link_error(s, l,
			    "cannot send the downstream GET");
			return;
		}
		hrac_session_probe_arm(s, LINK_DOWN);
		return;
	case LINK_UP:
		if (s->mode == TUNNEL_MODE_POLL) {
			hrac_session_post(s);
			hrac_session_probe_arm(s, LINK_UP);
			return;
		}
		if (hrac_session_target(s, "POST", "/vofw/v1/up", l->lane,
		    target, sizeof(target)) == -1 ||
		    hrac_link_request(l, "POST", target, NULL, 0, 1) == -1) {
			hrac_session_link_error(s, l,
			    "cannot send the upstream POST");
			return;
		}
		ln->up_since = clock_now();
		/* A new upstream takes the next batch, so its body starts
		   at once (lanes.h). */
		ln->wrote = 0;
		if (ln->up_old != NULL || l->lane > 0) {
			/* Renewal: the old body ends, the new one goes on;
			   a later lane joins the stream as it is. */
			if (ln->up_old != NULL)
				hrac_link_end_chunks(ln->up_old);
			tunnel_pump_flush(s->tun);
			return;
		}
		if ((f = evbuffer_new()) == NULL ||
		    tunnel_seal(s->tun, f, FRAME_CONTROL, 0, &probe, 1) == -1 ||
		    hrac_link_write_chunk(l, f) == -1)
			hrac_session_lost(s, "cannot send the probe");
		else
			hrac_session_probe_arm(s, LINK_UP);
		if (f != NULL)
			evbuffer_free(f);
		return;
	}
}

/*
 * Read hras's challenge: "version=2" and the nonce. An hras of another
 * admission protocol answers otherwise; say which half to upgrade.
 */
static int
hrac_session_challenge(struct hrac_session *s, const char *body)
{
	char	 v[8];

	if (sscanf(body, "version=%7[0-9]\nnonce=%64[0-9a-f]\n", v,
	    s->snonce) == 2 && strcmp(v, AUTH_VERSION_STR) == 0 &&
	    strlen(s->snonce) == 2 * AUTH_CHALLENGELEN)
		return 0;
	if (strncmp(body, "nonce=", 6) == 0)
		snprintf(v, sizeof(v), "1");
	else if (sscanf(body, "version=%7[0-9]\n", v) != 1) {
		hrac_session_lost(s, "bad challenge from hras");
		return -1;
	}
	log_warnx("hras speaks admission protocol %s, this hrac %s: upgrade "
	    "%s (both halves ship together)", v, AUTH_VERSION_STR,
	    strlen(v) < strlen(AUTH_VERSION_STR) || (strlen(v) ==
	    strlen(AUTH_VERSION_STR) && strcmp(v, AUTH_VERSION_STR) < 0) ?
	    "hras" : "hrac");
	hrac_session_lost(s, "admission protocol mismatch");
	return -1;
}

/* Answer the challenge with our ephemeral key and our proof. */
static void
hrac_session_open(struct hrac_session *s, struct hrac_link *l)
{
	char	 cp[2 * CRYPTO_PUBLEN + 1], mac[AUTH_HEXLEN], target[512];

	crypto_kx_clear(&s->kx);
	if (crypto_kx_new(&s->kx) == -1) {
		hrac_session_lost(s, "cannot make a key pair");
		return;
	}
	crypto_hex(s->kx.pub, sizeof(s->kx.pub), cp);
	if (auth_open_mac(s->h->conf->secret, s->h->conf->id, s->snonce, cp,
	    mac) == -1 ||
	    snprintf(target, sizeof(target), "/vofw/v1/open?id=%s&"
	    "nonce=%s&pub=%s&mac=%s", s->h->conf->id, s->snonce, cp,
	    mac) >= (int)sizeof(target)) {
		hrac_session_lost(s, "cannot build the handshake");
		return;
	}
	s->state = SESSION_OPEN;
	if (hrac_link_request(l, "GET", target, NULL, 0, 0) == -1)
		hrac_session_lost(s, "out of memory");
}

/*
 * Check hras's welcome: its proof covers its ephemeral key and ours, so a
 * key put in by anyone without the secret fails here. Then derive the
 * session's keys and throw our private key away.
 */
static int
hrac_session_welcome(struct hrac_session *s, const char *body)
{
	struct crypto_session_keys	 keys;
	struct auth_transcript		 tr;
	char				 cp[2 * CRYPTO_PUBLEN + 1];
	char				 sp[2 * CRYPTO_PUBLEN + 1];
	char				 mac[AUTH_HEXLEN], want[AUTH_HEXLEN];
	uint8_t				 spub[CRYPTO_PUBLEN];
	uint8_t				 shared[CRYPTO_KEYLEN];
	int				 rc;

	crypto_hex(s->kx.pub, sizeof(s->kx.pub), cp);
	tr.id = s->h->conf->id;
	tr.sid = s->sid;
	tr.snonce = s->snonce;
	tr.cpub = cp;
	tr.spub = sp;
	if (sscanf(body, "sid=%32[0-9a-f]\npub=%64[0-9a-f]\nmac=%64[0-9a-f]\n",
	    s->sid, sp, mac) != 3 || strlen(s->sid) != 2 * AUTH_SIDLEN ||
	    crypto_unhex(sp, spub, sizeof(spub)) == -1 ||
	    auth_welcome_mac(s->h->conf->secret, &tr, want) == -1 ||
	    strlen(mac) != strlen(want) ||
	    !crypto_equal(mac, want, strlen(want))) {
		hrac_session_lost(s, "hras failed to prove the shared secret");
		return -1;
	}
	rc = crypto_kx_shared(&s->kx, spub, shared);
	crypto_kx_clear(&s->kx);
	if (rc == 0)
		rc = auth_session_keys(shared, s->h->conf->secret, &tr, &keys);
	OPENSSL_cleanse(shared, sizeof(shared));
	if (rc == -1 ||
	    tunnel_set_keys(s->tun, keys.up, "up", keys.down, "down") == -1) {
		OPENSSL_cleanse(&keys, sizeof(keys));
		hrac_session_lost(s, "cannot derive session keys");
		return -1;
	}
	memcpy(s->req_key, keys.req, sizeof(s->req_key));
	OPENSSL_cleanse(&keys, sizeof(keys));
	return 0;
}

/* Parse the handshake answers and open the data links. */
static void
hrac_session_handshake(struct hrac_link *l)
{
	struct hrac_session	*s = l->s;
	char			 body[512];
	size_t			 n = evbuffer_get_length(l->body);

	if (n >= sizeof(body)) {
		hrac_session_lost(s, "oversized handshake answer");
		return;
	}
	evbuffer_remove(l->body, body, n);
	body[n] = '\0';
	if (s->state == SESSION_CHALLENGE) {
		if (hrac_session_challenge(s, body) == 0)
			hrac_session_open(s, l);
		return;
	}
	if (hrac_session_welcome(s, body) == -1)
		return;
	s->req = 0;
	hrac_session_drop(s, &s->ctrl);
	log_debug("admitted by hras, session %.8s...", s->sid);
	hrac_session_links(s);
}

/* Open the downstream and upstream links of the current mode. */
static void
hrac_session_links(struct hrac_session *s)
{
	s->state = SESSION_PROBE;
	s->probe_links = 0;
	s->last_rx = s->last_tx = s->lane[0].down_since = clock_now();
	if ((s->lane[0].down = hrac_session_link_new(s, LINK_DOWN,
	    0)) == NULL ||
	    (s->lane[0].up = hrac_session_link_new(s, LINK_UP, 0)) == NULL)
		hrac_session_lost(s, "cannot open the data connections");
}

/*
 * A link of the probe has sent its request. Once both have, hras has
 * HRAC_PROBE_TIMEOUT to answer: stream mode the probe, poll mode the POST.
 * Connecting (TCP, the proxy's CONNECT, TLS) is not counted: a slow
 * handshake says nothing about buffering, and each link has its own
 * connect timeout.
 */
static void
hrac_session_probe_arm(struct hrac_session *s, enum hrac_link_role role)
{
	struct timeval	 tv = { HRAC_PROBE_TIMEOUT, 0 };
	unsigned int	 both = 1u << LINK_DOWN | 1u << LINK_UP;

	if (s->state != SESSION_PROBE || (s->probe_links & 1u << role) != 0)
		return;
	s->probe_links |= 1u << role;
	if (s->probe_links == both)
		evtimer_add(s->probe_ev, &tv);
}

/* The tunnel carries frames: say so and reset the back-off. */
static void
hrac_session_up(struct hrac_session *s)
{
	s->state = SESSION_UP;
	s->ups++;
	/* What a PAC file that stops answering falls back to. */
	memcpy(s->auto_good, s->auto_last, sizeof(s->auto_good));
	s->backoff = BACKOFF_MIN;
	evtimer_del(s->probe_ev);
	log_info("tunnel up (%s mode) to %s%s", s->mode == TUNNEL_MODE_POLL ?
	    "poll" : "stream", s->h->conf->server, s->has_proxy ?
	    " through the proxy" : "");
	hrac_session_lanes_open(s);
	tunnel_pump_kick(s->tun, 1);
	if (s->cb.up != NULL)
		s->cb.up(s->cb.arg);
}

/* No probe answer in time: the path buffers, so poll if allowed. */
static void
hrac_session_probe_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct hrac_session	*s = arg;

	(void)fd;
	(void)what;
	if (s->mode == TUNNEL_MODE_POLL) {
		hrac_session_lost(s, "no answer from hras in poll mode");
		return;
	}
	if (s->h->conf->mode != TUNNEL_MODE_AUTO) {
		hrac_session_lost(s, "no answer to the stream probe");
		return;
	}
	log_info("the path to hras does not stream (a proxy buffers); "
	    "switching to poll mode");
	hrac_session_drop(s, &s->lane[0].down);
	hrac_session_drop(s, &s->lane[0].up);
	s->mode = TUNNEL_MODE_POLL;
	hrac_session_links(s);
}

/* Response body bytes (or its end) on a link. */
static void
hrac_session_link_body(void *arg, struct hrac_link *l, int done)
{
	struct hrac_session	*s = arg;
	struct hrac_lane	*ln = &s->lane[l->lane];
	const char		*why;

	if (l->role == LINK_CTRL) {
		if (done)
			hrac_session_handshake(l);
		return;
	}
	if (l->role == LINK_UP) {
		evbuffer_drain(l->body, evbuffer_get_length(l->body));
		if (!done)
			return;
		if (l == ln->up_old) {
			hrac_session_drop(s, &ln->up_old);
			return;
		}
		if (l->lane > 0) {
			hrac_session_lane_lost(s, &ln->up, "hras answered "
			    "the upstream POST");
			return;
		}
		s->post_inflight = 0;
		if (s->state == SESSION_PROBE)
			hrac_session_up(s);
		else
			tunnel_pump_flush(s->tun);
		return;
	}
	/* A renewed GET waits until the one before it has ended. */
	if (l == ln->down_next)
		return;
	/* Any bytes, or an empty poll answer, show that hras is there. */
	if (evbuffer_get_length(l->body) > 0 || done)
		s->last_rx = clock_now();
	if (tunnel_input_lane(s->tun, l->body, &l->rx_last, &why) == -1) {
		hrac_session_link_error(s, l, why);
		return;
	}
	/* SIP is acknowledged at once: less to send twice after an outage. */
	if (tunnel_ack(s->tun) == -1)
		log_warnx("cannot queue an acknowledgement");
	if (done)
		hrac_session_down_done(s, l);
}

/* A downstream response ended: renew it (or promote the renewal). */
static void
hrac_session_down_done(struct hrac_session *s, struct hrac_link *l)
{
	struct hrac_lane	*ln = &s->lane[l->lane];
	char			 target[512];

	if (ln->down_next != NULL) {
		hrac_session_drop(s, &ln->down);
		ln->down = ln->down_next;
		ln->down_next = NULL;
		ln->down_since = clock_now();
		if (ln->down->state == LINK_BODY ||
		    hrac_link_can_send(ln->down))
			hrac_session_link_body(s, ln->down,
			    hrac_link_can_send(ln->down));
		return;
	}
	if (l->lane > 0) {
		hrac_session_lane_lost(s, &ln->down, "hras ended the "
		    "downstream");
		return;
	}
	if (s->mode != TUNNEL_MODE_POLL) {
		hrac_session_lost(s, "hras ended the downstream");
		return;
	}
	if (hrac_session_target(s, "GET", "/vofw/v1/down", 0, target,
	    sizeof(target)) == -1 ||
	    hrac_link_request(l, "GET", target, NULL, 0, 0) == -1)
		hrac_session_lost(s, "cannot send the downstream GET");
}

/* A control record: the probe's answer shows that both ways stream. */
static void
hrac_session_control(void *arg, const uint8_t *data, size_t len)
{
	struct hrac_session	*s = arg;

	if (s->cb.control != NULL)
		s->cb.control(s->cb.arg, data, len);
	if (len != 1)
		return;
	if (data[0] == FRAME_CTL_PROBE_ACK && s->state == SESSION_PROBE) {
		hrac_session_send_control(s, FRAME_CTL_STREAM_OK);
		hrac_session_send_copies(s);
		hrac_session_up(s);
	} else if (data[0] == FRAME_CTL_LOSS) {
		lanes_loss(&s->lanes, clock_now(), 1);
		hrac_session_copies_log(s);
	}
}

/* Tell hras when it is to copy frames into the later lanes. */
static void
hrac_session_send_copies(struct hrac_session *s)
{
	hrac_session_send_control(s, s->lanes.mode == LANES_COPY_ALWAYS ?
	    FRAME_CTL_COPY_ALWAYS : FRAME_CTL_COPY_ON_LOSS);
}

/* Say when copies into the later lanes start and stop for loss. */
static void
hrac_session_copies_log(struct hrac_session *s)
{
	int	 on = lanes_copying(&s->lanes, clock_now());

	if (s->lanes.mode != LANES_COPY_ON_LOSS || s->h->conf->lanes < 2 ||
	    on == s->copying)
		return;
	s->copying = on;
	if (on)
		log_info("tunnel lanes: the path loses segments; every frame "
		    "goes on every lane");
	else
		log_info("tunnel lanes: no loss for %d s; only the first lane "
		    "carries frames", LANES_LOSS_HOLD);
}

/*
 * Whether any of the tunnel's connections lost segments since the last
 * look: if so, copies go and hras hears of it.
 */
static void
hrac_session_check_loss(struct hrac_session *s, time_t now)
{
	struct hrac_lane	*ln;
	struct hrac_link	*ls[4];
	uint8_t			 code = FRAME_CTL_LOSS;
	int			 i, j, lost = 0;

	for (i = 0; i < TUNNEL_LANES; i++) {
		ln = &s->lane[i];
		ls[0] = ln->down;
		ls[1] = ln->down_next;
		ls[2] = ln->up;
		ls[3] = ln->up_old;
		for (j = 0; j < 4; j++)
			if (ls[j] != NULL && ls[j]->bev != NULL &&
			    lanes_tcp_lost(bufferevent_getfd(ls[j]->bev),
			    &ls[j]->tcp) == 1)
				lost = 1;
	}
	if (lost) {
		lanes_loss(&s->lanes, now, 0);
		if (tunnel_send(s->tun, FRAME_CONTROL, 0, &code, 1) == -1)
			log_warnx("cannot tell hras of loss");
	}
	hrac_session_copies_log(s);
}

/* A datagram for hrac's hook. */
static void
hrac_session_hook(void *arg, const uint8_t *data, size_t len)
{
	struct hrac_session	*s = arg;

	if (s->h->hook != NULL)
		hook_deliver(s->h->hook, data, len);
}

/* A SIP message from hras, for the SIP layer. */
static void
hrac_session_sip(void *arg, uint32_t flow, const uint8_t *data, size_t len)
{
	struct hrac_session	*s = arg;

	if (s->cb.sip != NULL)
		s->cb.sip(s->cb.arg, flow, data, len);
}

/* Voice from hras, for the media relay. */
static void
hrac_session_media(void *arg, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	struct hrac_session	*s = arg;

	if (s->cb.media != NULL)
		s->cb.media(s->cb.arg, type, flow, data, len);
}

/*
 * One control record to hras: in the queue once the tunnel is up (a frame
 * written into one lane alone has a number the other lanes skip, and hras
 * drops it as delivered when another lane brings a later frame first);
 * before, while the probe is answered, straight on the first upstream.
 */
static void
hrac_session_send_control(struct hrac_session *s, uint8_t code)
{
	struct evbuffer	*f;

	if (s->state == SESSION_UP) {
		if (tunnel_send(s->tun, FRAME_CONTROL, 0, &code, 1) == -1)
			log_warnx("cannot send a control frame");
		return;
	}
	if (s->lane[0].up == NULL || (f = evbuffer_new()) == NULL)
		return;
	if (tunnel_seal(s->tun, f, FRAME_CONTROL, 0, &code, 1) == -1 ||
	    hrac_link_write_chunk(s->lane[0].up, f) == -1)
		log_warnx("cannot send a control frame");
	evbuffer_free(f);
}

/*
 * The lanes' upstreams whose bodies stream, into us, with what each has
 * yet to send and when it last took a batch, into o: how many.
 */
static int
hrac_session_streams(struct hrac_session *s, struct hrac_link **us,
    struct lanes_outlet *o)
{
	int	 i, n = 0;

	for (i = 0; i < TUNNEL_LANES; i++) {
		if (s->lane[i].up == NULL || !s->lane[i].up->streaming)
			continue;
		if (o != NULL) {
			o[n].pending = hrac_link_output(s->lane[i].up);
			o[n].wrote = s->lane[i].wrote;
			o[n].took = s->lane[i].took;
		}
		us[n++] = s->lane[i].up;
	}
	return n;
}

/*
 * What takes the queue's frames: nothing before the tunnel is up, the
 * next POST in poll mode, the upstream bodies that stream.
 */
static enum tunnel_outlet
hrac_session_outlet(void *arg)
{
	struct hrac_session	*s = arg;
	struct hrac_link	*us[TUNNEL_LANES];

	if (s->state != SESSION_UP)
		return TUNNEL_OUT_NONE;
	if (s->mode == TUNNEL_MODE_POLL)
		return TUNNEL_OUT_POLL;
	if (hrac_session_streams(s, us, NULL) == 0)
		return TUNNEL_OUT_NONE;
	return TUNNEL_OUT_STREAM;
}

/* Bytes the least behind of the upstreams that take frames has to send. */
static size_t
hrac_session_pending(void *arg)
{
	struct hrac_session	*s = arg;
	struct hrac_link	*us[TUNNEL_LANES];
	struct lanes_outlet	 o[TUNNEL_LANES];
	int			 n;

	n = hrac_session_streams(s, us, o);
	return lanes_pending(&s->lanes, clock_now(), o, n, HRAC_HIGH_WATER);
}

/*
 * Frames as one chunk into the upstreams that take them (lanes.h: the
 * first with room, the others while copies go or when idle), a lane that
 * missed batches with what it missed of the recent ones first
 * (recent.h); a lane that fails is handled as its link's failure. -1
 * only when no lane took them.
 */
static int
hrac_session_write(void *arg, struct evbuffer *f)
{
	struct hrac_session	*s = arg;
	struct hrac_link	*us[TUNNEL_LANES], *l;
	struct lanes_outlet	 o[TUNNEL_LANES];
	struct evbuffer		*b;
	time_t			 now = clock_now();
	uint64_t		 id, now_us = clock_now_us();
	int			 take[TUNNEL_LANES], i, n, ntake, wrote = 0;

	n = hrac_session_streams(s, us, o);
	ntake = lanes_pick(&s->lanes, now, o, n, HRAC_HIGH_WATER,
	    s->h->conf->dead_after / 2, take);
	id = recent_keep(&s->recent, n, f, now_us);
	/* A failure of the first lane's brings the tunnel down, links and
	   all: nothing more is written then. */
	for (i = 0; i < ntake && s->state == SESSION_UP; i++) {
		l = us[take[i]];
		if ((b = lanes_batch(&s->recent, id, o[take[i]].took,
		    i + 1 == ntake, f, s->copy)) == NULL) {
			hrac_session_link_error(s, l, "out of memory");
			continue;
		}
		if (hrac_link_write_chunk(l, b) == -1) {
			evbuffer_drain(b, evbuffer_get_length(b));
			hrac_session_link_error(s, l,
			    "cannot write the upstream");
			continue;
		}
		s->lane[l->lane].wrote = now;
		s->lane[l->lane].took = id;
		wrote++;
	}
	evbuffer_drain(f, evbuffer_get_length(f));
	return wrote > 0 ? 0 : -1;
}

/* The upstream was served: keepalives count from now. */
static void
hrac_session_sent(void *arg)
{
	struct hrac_session	*s = arg;

	s->last_tx = clock_now();
}

/* In poll mode the pump hands its batch to the next POST. */
static void
hrac_session_poll(void *arg)
{
	hrac_session_post(arg);
}

/* The upstream drained: more frames may go. */
static void
hrac_session_link_drained(void *arg, struct hrac_link *l)
{
	struct hrac_session	*s = arg;

	if (l == s->lane[l->lane].up && tunnel_queued(s->tun) > 0)
		tunnel_pump_flush(s->tun);
}

/* In poll mode: one complete POST with a batch of frames at a time. */
static void
hrac_session_post(struct hrac_session *s)
{
	struct evbuffer	*f;
	char		 target[512];
	uint8_t		*p;
	size_t		 n;

	if (s->lane[0].up == NULL) {
		if ((s->lane[0].up = hrac_session_link_new(s, LINK_UP,
		    0)) == NULL)
			hrac_session_lost(s, "cannot reopen the upstream");
		return;
	}
	if (s->post_inflight || !hrac_link_can_send(s->lane[0].up))
		return;
	if ((f = evbuffer_new()) == NULL)
		return;
	if (tunnel_queued(s->tun) == 0)
		tunnel_send(s->tun, FRAME_KEEPALIVE, 0, NULL, 0);
	if (tunnel_flush(s->tun, f, HRAC_CHUNK_MAX) == -1 ||
	    hrac_session_target(s, "POST", "/vofw/v1/up", 0, target,
	    sizeof(target)) == -1) {
		evbuffer_free(f);
		hrac_session_lost(s, "cannot seal frames");
		return;
	}
	n = evbuffer_get_length(f);
	p = evbuffer_pullup(f, -1);
	if (hrac_link_request(s->lane[0].up, "POST", target, p, n, 0) == -1)
		hrac_session_lost(s, "out of memory");
	else {
		s->post_inflight = 1;
		s->posts++;
		s->last_tx = clock_now();
	}
	evbuffer_free(f);
}

/* Once a second: judge a silent downstream, keep the upstream alive,
 * and renew requests before a proxy's age limit cuts them. */
static void
hrac_session_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hrac_session	*s = arg;
	time_t			 now = clock_now();
	int			 i;

	(void)fd;
	(void)what;
	if (s->state != SESSION_UP)
		return;
	if (now - s->last_rx >= s->h->conf->dead_after) {
		hrac_session_lost(s, "no traffic from hras");
		return;
	}
	if (tunnel_ack(s->tun) == -1)
		log_warnx("cannot queue an acknowledgement");
	if (s->mode == TUNNEL_MODE_POLL)
		return;
	hrac_session_check_loss(s, now);
	if (now - s->last_tx >= s->h->conf->dead_after / 2)
		tunnel_send(s->tun, FRAME_KEEPALIVE, 0, NULL, 0);
	for (i = 0; i < TUNNEL_LANES; i++)
		hrac_session_renew(s, &s->lane[i], i, now);
	if (now >= s->lane_retry)
		hrac_session_lanes_open(s);
}

/*
 * tunnel.lanes may have changed (reload): close the lanes past it, open
 * those it now asks for. The first lane, and the tunnel, stay as they are.
 */
void
hrac_session_lanes_reload(struct hrac_session *s)
{
	struct hrac_lane	*ln;
	int			 i;

	for (i = s->h->conf->lanes; i < TUNNEL_LANES; i++) {
		ln = &s->lane[i];
		if (ln->down == NULL && ln->up == NULL)
			continue;
		log_info("tunnel lane %d closed (tunnel.lanes = %d)", i,
		    s->h->conf->lanes);
		hrac_session_drop(s, &ln->down);
		hrac_session_drop(s, &ln->down_next);
		hrac_session_drop(s, &ln->up);
		hrac_session_drop(s, &ln->up_old);
	}
	s->lane_retry = 0;
	hrac_session_lanes_open(s);
	if (s->lanes.mode != s->h->conf->copies) {
		s->lanes.mode = s->h->conf->copies;
		s->copying = 0;
		if (s->state == SESSION_UP && s->mode == TUNNEL_MODE_STREAM)
			hrac_session_send_copies(s);
		log_info("tunnel lanes: copies %s",
		    lanes_copies_name(s->lanes.mode));
	}
}

/* Renew a lane's requests before a proxy's age limit cuts them. */
static void
hrac_session_renew(struct hrac_session *s, struct hrac_lane *ln, int lane,
    time_t now)
{
	struct hrac_link	*old;

	if (ln->down != NULL && ln->down_next == NULL &&
	    now - ln->down_since >= s->h->conf->get_age) {
		log_debug("renewing the downstream GET of lane %d", lane);
		ln->down_next = hrac_session_link_new(s, LINK_DOWN, lane);
	}
	if (ln->up_old == NULL && ln->up != NULL &&
	    now - ln->up_since >= s->h->conf->get_age) {
		log_debug("renewing the upstream POST of lane %d", lane);
		old = ln->up;
		if ((ln->up = hrac_session_link_new(s, LINK_UP, lane)) == NULL) {
			ln->up = old;
			return;
		}
		ln->up_old = old;
	}
}

/* A datagram from hrac's hook goes into the tunnel. */
int
hrac_hook_send(void *arg, const void *data, size_t len)
{
	struct hrac_session	*s = arg;

	return tunnel_send(s->tun, FRAME_HOOK, 0, data, len);
}

/* True while the tunnel carries frames. */
int
hrac_session_is_up(const struct hrac_session *s)
{
	return s->state == SESSION_UP;
}

/* Queue a record for hras (tunnel_send's contract: -1 when it is full). */
int
hrac_session_send(struct hrac_session *s, unsigned int type, uint32_t flow,
    const void *data, size_t len)
{
	return tunnel_send(s->tun, type, flow, data, len);
}

/* The tunnel's smoothed round-trip time in ms; < 0 before it is known. */
double
hrac_session_rtt_ms(const struct hrac_session *s)
{
	return tunnel_rtt_ms(s->tun);
}

/*
 * Lanes that carry frames both ways now: in stream mode those whose POST
 * streams and whose GET's answer has begun; in poll mode the one.
 */
int
hrac_session_lanes_up(const struct hrac_session *s)
{
	const struct hrac_lane	*ln;
	int			 i, n = 0;

	if (s->state != SESSION_UP)
		return 0;
	if (s->mode == TUNNEL_MODE_POLL)
		return 1;
	for (i = 0; i < TUNNEL_LANES; i++) {
		ln = &s->lane[i];
		if (ln->up != NULL && ln->up->streaming && ln->down != NULL &&
		    ln->down->state == LINK_BODY)
			n++;
	}
	return n;
}

/* Who hears of voice the tunnel threw away (queue full, stale), by flow. */
void
hrac_session_on_drop(struct hrac_session *s, tunnel_drop_fn fn, void *arg)
{
	tunnel_set_drop_cb(s->tun, fn, arg);
}
