/*
 * hrac's side of the tunnel (paper 3.2): admission by hras, then a
 * downstream GET whose response carries frames in and an upstream POST
 * whose body carries frames out, streaming where the path allows it and in
 * short complete requests (poll mode) where something on the path buffers.
 * The mode is found by a probe at connect time. A tunnel that breaks is
 * reopened with exponential back-off and jitter; the frames handed to it
 * meanwhile wait in its queue. Its links report to it through
 * hrac_link_cb; the records it opens go up through the hrac_tunnel_cb main
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
#include "hook.h"
#include "hrac.h"
#include "log.h"
#include "tunnel.h"

#define BACKOFF_MIN	0.5	/* seconds before the first retry */

static void	hrac_tunnel_link_ready(void *, struct hrac_link *);
static void	hrac_tunnel_link_body(void *, struct hrac_link *, int);
static void	hrac_tunnel_link_error(void *, struct hrac_link *,
		    const char *);
static void	hrac_tunnel_link_drained(void *, struct hrac_link *);
static void	hrac_tunnel_connect(struct hrac_tunnel *);
static void	hrac_tunnel_lost(struct hrac_tunnel *, const char *);
static void	hrac_tunnel_retry(evutil_socket_t, short, void *);
static void	hrac_tunnel_probe_timeout(evutil_socket_t, short, void *);
static void	hrac_tunnel_timer(evutil_socket_t, short, void *);
static enum tunnel_outlet hrac_tunnel_outlet(void *);
static size_t	hrac_tunnel_pending(void *);
static int	hrac_tunnel_write(void *, struct evbuffer *);
static void	hrac_tunnel_poll(void *);
static void	hrac_tunnel_sent(void *);
static void	hrac_tunnel_control(void *, const uint8_t *, size_t);
static void	hrac_tunnel_hook(void *, const uint8_t *, size_t);
static void	hrac_tunnel_sip(void *, uint32_t, const uint8_t *, size_t);
static void	hrac_tunnel_media(void *, unsigned int, uint32_t,
		    const uint8_t *, size_t);
static void	hrac_tunnel_links(struct hrac_tunnel *);
static void	hrac_tunnel_probe_arm(struct hrac_tunnel *,
		    enum hrac_link_role);
static void	hrac_tunnel_up(struct hrac_tunnel *);
static void	hrac_tunnel_down_done(struct hrac_tunnel *, struct hrac_link *);
static void	hrac_tunnel_handshake(struct hrac_link *);
static int	hrac_tunnel_target(struct hrac_tunnel *, const char *,
		    const char *, char *, size_t);
static void	hrac_tunnel_send_control(struct hrac_tunnel *, uint8_t);
static void	hrac_tunnel_post(struct hrac_tunnel *);
static void	hrac_tunnel_drop(struct hrac_tunnel *, struct hrac_link **);

/* Set up the tunnel and make the first attempt to open it. */
int
hrac_tunnel_init(struct hrac_tunnel *t, struct event_base *base,
    struct hrac_config *conf)
{
	struct tunnel_pump_cb	 cb;
	struct timeval		 sec = { 1, 0 };

	memset(t, 0, sizeof(*t));
	t->base = base;
	t->conf = conf;
	if (config_parse_url(conf->server, &t->server) == -1)
		return -1;
	if (conf->proxy != NULL) {
		if (config_parse_url(conf->proxy, &t->proxy) == -1)
			return -1;
		t->has_proxy = 1;
	}
	if (t->server.tls && hrac_tls_init(t) == -1)
		return -1;
	if ((t->dns = evdns_base_new(base, 0)) == NULL)
		return -1;
	/* Only names need the resolver; a missing resolv.conf is not fatal. */
	if (evdns_base_resolv_conf_parse(t->dns, DNS_OPTIONS_ALL,
	    "/etc/resolv.conf") != 0)
		log_debug("no usable /etc/resolv.conf; names will not resolve");
	cb.outlet = hrac_tunnel_outlet;
	cb.pending = hrac_tunnel_pending;
	cb.write = hrac_tunnel_write;
	cb.poll = hrac_tunnel_poll;
	cb.sent = hrac_tunnel_sent;
	cb.control = hrac_tunnel_control;
	cb.hook = hrac_tunnel_hook;
	cb.sip = hrac_tunnel_sip;
	cb.media = hrac_tunnel_media;
	cb.arg = t;
	cb.outlet_name = "the upstream";
	cb.chunk_max = HRAC_CHUNK_MAX;
	cb.high_water = HRAC_HIGH_WATER;
	t->link_cb.ready = hrac_tunnel_link_ready;
	t->link_cb.body = hrac_tunnel_link_body;
	t->link_cb.error = hrac_tunnel_link_error;
	t->link_cb.drained = hrac_tunnel_link_drained;
	t->link_cb.arg = t;
	if ((t->tun = tunnel_pump_new(conf->queue_max, base, "",
	    &cb)) == NULL ||
	    (t->retry_ev = evtimer_new(base, hrac_tunnel_retry, t)) == NULL ||
	    (t->probe_ev = evtimer_new(base, hrac_tunnel_probe_timeout,
	    t)) == NULL ||
	    (t->timer_ev = event_new(base, -1, EV_PERSIST, hrac_tunnel_timer,
	    t)) == NULL || event_add(t->timer_ev, &sec) == -1)
		return -1;
	tunnel_set_batch(t->tun, conf->batch_bytes);
	tunnel_set_batch_wait(t->tun, conf->batch_wait);
	t->mode = conf->mode == TUNNEL_MODE_POLL ? TUNNEL_MODE_POLL :
	    TUNNEL_MODE_STREAM;
	t->backoff = BACKOFF_MIN;
	hrac_tunnel_connect(t);
	return 0;
}

/* Close everything (shutdown). */
void
hrac_tunnel_free(struct hrac_tunnel *t)
{
	hrac_tunnel_drop(t, &t->ctrl);
	hrac_tunnel_drop(t, &t->down);
	hrac_tunnel_drop(t, &t->down_next);
	hrac_tunnel_drop(t, &t->up);
	hrac_tunnel_drop(t, &t->up_old);
	crypto_kx_clear(&t->kx);
	if (t->retry_ev != NULL)
		event_free(t->retry_ev);
	if (t->probe_ev != NULL)
		event_free(t->probe_ev);
	if (t->timer_ev != NULL)
		event_free(t->timer_ev);
	tunnel_free(t->tun);
	if (t->dns != NULL)
		evdns_base_free(t->dns, 0);
	SSL_CTX_free(t->ssl);
}

/* Free a link and clear the pointer that held it. */
static void
hrac_tunnel_drop(struct hrac_tunnel *t, struct hrac_link **lp)
{
	(void)t;
	hrac_link_free(*lp);
	*lp = NULL;
}

/* Begin the handshake: fetch a nonce from hras. */
static void
hrac_tunnel_connect(struct hrac_tunnel *t)
{
	t->state = TUN_CHALLENGE;
	if ((t->ctrl = hrac_link_new(t, LINK_CTRL)) == NULL)
		hrac_tunnel_lost(t, "cannot start a connection");
}

/* Everything of this attempt is gone: wait, then try again. */
static void
hrac_tunnel_lost(struct hrac_tunnel *t, const char *why)
{
	struct timeval	 tv;
	double		 wait;

	if (t->state == TUN_UP) {
		log_warnx("tunnel down: %s", why);
		tunnel_log_stats(t->tun, " so far");
	} else
		log_warnx("tunnel attempt failed: %s", why);
	hrac_tunnel_drop(t, &t->ctrl);
	hrac_tunnel_drop(t, &t->down);
	hrac_tunnel_drop(t, &t->down_next);
	hrac_tunnel_drop(t, &t->up);
	hrac_tunnel_drop(t, &t->up_old);
	crypto_kx_clear(&t->kx);
	evtimer_del(t->probe_ev);
	t->post_inflight = 0;
	t->state = TUN_WAIT;
	tunnel_purge_media(t->tun);
	/* Jitter of +-20% so that many clients do not retry in step. */
	wait = t->backoff * (0.8 + 0.4 * ((double)arc4random_uniform(1000) /
	    1000.0));
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6);
	log_info("reconnecting in %.1f s", wait);
	evtimer_add(t->retry_ev, &tv);
	t->backoff *= 2;
	if (t->backoff > t->conf->backoff_max)
		t->backoff = t->conf->backoff_max;
}

/* Back-off elapsed. */
static void
hrac_tunnel_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hrac_tunnel_connect(arg);
}

/* A link reports failure; which link decides what it costs. */
static void
hrac_tunnel_link_error(void *arg, struct hrac_link *l, const char *why)
{
	struct hrac_tunnel	*t = arg;

	if (l == t->up_old) {
		hrac_tunnel_drop(t, &t->up_old);
		return;
	}
	if (l == t->down && t->down_next != NULL) {
		/* The renewed GET takes over from the one that ended. */
		hrac_tunnel_down_done(t, l);
		return;
	}
	if (l == t->down_next) {
		hrac_tunnel_drop(t, &t->down_next);
		return;
	}
	if (l == t->up && t->mode == TUNNEL_MODE_POLL && t->state == TUN_UP &&
	    !t->post_inflight) {
		/* An idle kept-alive POST connection closed: open another
		 * when there is something to send. */
		hrac_tunnel_drop(t, &t->up);
		return;
	}
	if (l == t->ctrl && (strstr(why, "403") != NULL))
		why = "hras refused the tunnel (403): check id and secret";
	else if (l == t->ctrl && strstr(why, "426") != NULL)
		why = "hras speaks another admission protocol (426): run "
		    "the same release of hrac and hras";
	hrac_tunnel_lost(t, why);
}

/* The request target of a tunnel request, with its number and MAC. */
static int
hrac_tunnel_target(struct hrac_tunnel *t, const char *method,
    const char *path, char *out, size_t len)
{
	char	 mac[AUTH_HEXLEN];
	int	 n;

	t->req++;
	if (auth_request_mac(t->req_key, method, path, t->sid, t->req,
	    mac) == -1)
		return -1;
	n = snprintf(out, len, "%s?sid=%s&req=%llu&mac=%s%s", path, t->sid,
	    (unsigned long long)t->req, mac,
	    t->mode == TUNNEL_MODE_POLL ? "&poll=1" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A link is connected (through the proxy and TLS): send its request. */
static void
hrac_tunnel_link_ready(void *arg, struct hrac_link *l)
{
	struct hrac_tunnel	*t = arg;
	char			 target[512];
	struct evbuffer		*f;
	uint8_t			 probe = FRAME_CTL_PROBE;

	switch (l->role) {
	case LINK_CTRL:
		if (hrac_link_request(l, "GET", "/vofw/v1/challenge?version="
		    AUTH_VERSION_STR, NULL, 0, 0) == -1)
			hrac_tunnel_lost(t, "out of memory");
		return;
	case LINK_DOWN:
		if (hrac_tunnel_target(t, "GET", "/vofw/v1/down", target,
		    sizeof(target)) == -1 ||
		    hrac_link_request(l, "GET", target, NULL, 0, 0) == -1) {
			hrac_tunnel_lost(t, "cannot send the downstream GET");
			return;
		}
		hrac_tunnel_probe_arm(t, LINK_DOWN);
		return;
	case LINK_UP:
		if (t->mode == TUNNEL_MODE_POLL) {
			hrac_tunnel_post(t);
			hrac_tunnel_probe_arm(t, LINK_UP);
			return;
		}
		if (hrac_tunnel_target(t, "POST", "/vofw/v1/up", target,
		    sizeof(target)) == -1 ||
		    hrac_link_request(l, "POST", target, NULL, 0, 1) == -1) {
			hrac_tunnel_lost(t, "cannot send the upstream POST");
			return;
		}
		t->up_since = clock_now();
		if (t->up_old != NULL) {
			/* Renewal: the old body ends, the new one carries on. */
			hrac_link_end_chunks(t->up_old);
			tunnel_pump_flush(t->tun);
			return;
		}
		if ((f = evbuffer_new()) == NULL ||
		    tunnel_seal(t->tun, f, FRAME_CONTROL, 0, &probe, 1) == -1 ||
		    hrac_link_write_chunk(l, f) == -1)
			hrac_tunnel_lost(t, "cannot send the probe");
		else
			hrac_tunnel_probe_arm(t, LINK_UP);
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
hrac_tunnel_challenge(struct hrac_tunnel *t, const char *body)
{
	char	 v[8];

	if (sscanf(body, "version=%7[0-9]\nnonce=%64[0-9a-f]\n", v,
	    t->snonce) == 2 && strcmp(v, AUTH_VERSION_STR) == 0 &&
	    strlen(t->snonce) == 2 * AUTH_CHALLENGELEN)
		return 0;
	if (strncmp(body, "nonce=", 6) == 0)
		snprintf(v, sizeof(v), "1");
	else if (sscanf(body, "version=%7[0-9]\n", v) != 1) {
		hrac_tunnel_lost(t, "bad challenge from hras");
		return -1;
	}
	log_warnx("hras speaks admission protocol %s, this hrac %s: upgrade "
	    "%s (both halves ship together)", v, AUTH_VERSION_STR,
	    strlen(v) < strlen(AUTH_VERSION_STR) || (strlen(v) ==
	    strlen(AUTH_VERSION_STR) && strcmp(v, AUTH_VERSION_STR) < 0) ?
	    "hras" : "hrac");
	hrac_tunnel_lost(t, "admission protocol mismatch");
	return -1;
}

/* Answer the challenge with our ephemeral key and our proof. */
static void
hrac_tunnel_open(struct hrac_tunnel *t, struct hrac_link *l)
{
	char	 cp[2 * CRYPTO_PUBLEN + 1], mac[AUTH_HEXLEN], target[512];

	crypto_kx_clear(&t->kx);
	if (crypto_kx_new(&t->kx) == -1) {
		hrac_tunnel_lost(t, "cannot make a key pair");
		return;
	}
	crypto_hex(t->kx.pub, sizeof(t->kx.pub), cp);
	if (auth_open_mac(t->conf->secret, t->conf->id, t->snonce, cp,
	    mac) == -1 ||
	    snprintf(target, sizeof(target), "/vofw/v1/open?id=%s&"
	    "nonce=%s&pub=%s&mac=%s", t->conf->id, t->snonce, cp,
	    mac) >= (int)sizeof(target)) {
		hrac_tunnel_lost(t, "cannot build the handshake");
		return;
	}
	t->state = TUN_OPEN;
	if (l->state != LINK_IDLE) {
		/* The proxy closed the link: open another. */
		hrac_tunnel_drop(t, &t->ctrl);
		hrac_tunnel_lost(t, "handshake connection not kept");
		return;
	}
	if (hrac_link_request(l, "GET", target, NULL, 0, 0) == -1)
		hrac_tunnel_lost(t, "out of memory");
}

/*
 * Check hras's welcome: its proof covers its ephemeral key and ours, so a
 * key put in by anyone without the secret fails here. Then derive the
 * session's keys and throw our private key away.
 */
static int
hrac_tunnel_welcome(struct hrac_tunnel *t, const char *body)
{
	struct crypto_session_keys	 keys;
	struct auth_transcript		 tr;
	char				 cp[2 * CRYPTO_PUBLEN + 1];
	char				 sp[2 * CRYPTO_PUBLEN + 1];
	char				 mac[AUTH_HEXLEN], want[AUTH_HEXLEN];
	uint8_t				 spub[CRYPTO_PUBLEN];
	uint8_t				 shared[CRYPTO_KEYLEN];
	int				 rc;

	crypto_hex(t->kx.pub, sizeof(t->kx.pub), cp);
	tr.id = t->conf->id;
	tr.sid = t->sid;
	tr.snonce = t->snonce;
	tr.cpub = cp;
	tr.spub = sp;
	if (sscanf(body, "sid=%32[0-9a-f]\npub=%64[0-9a-f]\nmac=%64[0-9a-f]\n",
	    t->sid, sp, mac) != 3 || strlen(t->sid) != 2 * AUTH_SIDLEN ||
	    crypto_unhex(sp, spub, sizeof(spub)) == -1 ||
	    auth_welcome_mac(t->conf->secret, &tr, want) == -1 ||
	    strlen(mac) != strlen(want) ||
	    !crypto_equal(mac, want, strlen(want))) {
		hrac_tunnel_lost(t, "hras failed to prove the shared secret");
		return -1;
	}
	rc = crypto_kx_shared(&t->kx, spub, shared);
	crypto_kx_clear(&t->kx);
	if (rc == 0)
		rc = auth_session_keys(shared, t->conf->secret, &tr, &keys);
	OPENSSL_cleanse(shared, sizeof(shared));
	if (rc == -1 ||
	    tunnel_set_keys(t->tun, keys.up, "up", keys.down, "down") == -1) {
		OPENSSL_cleanse(&keys, sizeof(keys));
		hrac_tunnel_lost(t, "cannot derive session keys");
		return -1;
	}
	memcpy(t->req_key, keys.req, sizeof(t->req_key));
	OPENSSL_cleanse(&keys, sizeof(keys));
	return 0;
}

/* Parse the handshake answers and open the data links. */
static void
hrac_tunnel_handshake(struct hrac_link *l)
{
	struct hrac_tunnel	*t = l->t;
	char			 body[512];
	size_t			 n = evbuffer_get_length(l->body);

	if (n >= sizeof(body)) {
		hrac_tunnel_lost(t, "oversized handshake answer");
		return;
	}
	evbuffer_remove(l->body, body, n);
	body[n] = '\0';
	if (t->state == TUN_CHALLENGE) {
		if (hrac_tunnel_challenge(t, body) == 0)
			hrac_tunnel_open(t, l);
		return;
	}
	if (hrac_tunnel_welcome(t, body) == -1)
		return;
	t->req = 0;
	hrac_tunnel_drop(t, &t->ctrl);
	log_debug("admitted by hras, session %.8s...", t->sid);
	hrac_tunnel_links(t);
}

/* Open the downstream and upstream links of the current mode. */
static void
hrac_tunnel_links(struct hrac_tunnel *t)
{
	t->state = TUN_PROBE;
	t->probe_links = 0;
	t->last_rx = t->last_tx = t->down_since = clock_now();
	if ((t->down = hrac_link_new(t, LINK_DOWN)) == NULL ||
	    (t->up = hrac_link_new(t, LINK_UP)) == NULL)
		hrac_tunnel_lost(t, "cannot open the data connections");
}

/*
 * A link of the probe has sent its request. Once both have, hras has
 * HRAC_PROBE_TIMEOUT to answer: stream mode the probe, poll mode the POST.
 * Connecting (TCP, the proxy's CONNECT, TLS) is not counted: a slow
 * handshake says nothing about buffering, and each link has its own
 * connect timeout.
 */
static void
hrac_tunnel_probe_arm(struct hrac_tunnel *t, enum hrac_link_role role)
{
	struct timeval	 tv = { HRAC_PROBE_TIMEOUT, 0 };
	unsigned int	 both = 1u << LINK_DOWN | 1u << LINK_UP;

	if (t->state != TUN_PROBE || (t->probe_links & 1u << role) != 0)
		return;
	t->probe_links |= 1u << role;
	if (t->probe_links == both)
		evtimer_add(t->probe_ev, &tv);
}

/* The tunnel carries frames: say so and reset the back-off. */
static void
hrac_tunnel_up(struct hrac_tunnel *t)
{
	t->state = TUN_UP;
	t->backoff = BACKOFF_MIN;
	evtimer_del(t->probe_ev);
	log_info("tunnel up (%s mode) to %s%s", t->mode == TUNNEL_MODE_POLL ?
	    "poll" : "stream", t->conf->server, t->has_proxy ?
	    " through the proxy" : "");
	tunnel_pump_kick(t->tun, 1);
}

/* No probe answer in time: the path buffers, so poll if allowed. */
static void
hrac_tunnel_probe_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct hrac_tunnel	*t = arg;

	(void)fd;
	(void)what;
	if (t->mode == TUNNEL_MODE_POLL) {
		hrac_tunnel_lost(t, "no answer from hras in poll mode");
		return;
	}
	if (t->conf->mode != TUNNEL_MODE_AUTO) {
		hrac_tunnel_lost(t, "no answer to the stream probe");
		return;
	}
	log_info("the path to hras does not stream (a proxy buffers); "
	    "switching to poll mode");
	hrac_tunnel_drop(t, &t->down);
	hrac_tunnel_drop(t, &t->up);
	t->mode = TUNNEL_MODE_POLL;
	hrac_tunnel_links(t);
}

/* Response body bytes (or its end) on a link. */
static void
hrac_tunnel_link_body(void *arg, struct hrac_link *l, int done)
{
	struct hrac_tunnel	*t = arg;
	const char		*why;

	if (l->role == LINK_CTRL) {
		if (done)
			hrac_tunnel_handshake(l);
		return;
	}
	if (l->role == LINK_UP) {
		evbuffer_drain(l->body, evbuffer_get_length(l->body));
		if (!done)
			return;
		if (l == t->up_old) {
			hrac_tunnel_drop(t, &t->up_old);
			return;
		}
		t->post_inflight = 0;
		if (l->state != LINK_IDLE)
			hrac_tunnel_drop(t, &t->up);
		if (t->state == TUN_PROBE)
			hrac_tunnel_up(t);
		else
			tunnel_pump_flush(t->tun);
		return;
	}
	/* A renewed GET waits until the one before it has ended. */
	if (l == t->down_next)
		return;
	/* Any bytes, or an empty poll answer, show that hras is there. */
	if (evbuffer_get_length(l->body) > 0 || done)
		t->last_rx = clock_now();
	if (tunnel_input(t->tun, l->body, &why) == -1) {
		hrac_tunnel_lost(t, why);
		return;
	}
	/* SIP is acknowledged at once: less to send twice after an outage. */
	if (tunnel_ack(t->tun) == -1)
		log_warnx("cannot queue an acknowledgement");
	if (done)
		hrac_tunnel_down_done(t, l);
}

/* A downstream response ended: renew it (or promote the renewal). */
static void
hrac_tunnel_down_done(struct hrac_tunnel *t, struct hrac_link *l)
{
	char	 target[512];

	if (t->down_next != NULL) {
		hrac_tunnel_drop(t, &t->down);
		t->down = t->down_next;
		t->down_next = NULL;
		t->down_since = clock_now();
		if (t->down->state == LINK_BODY || t->down->state == LINK_IDLE)
			hrac_tunnel_link_body(t, t->down,
			    t->down->state == LINK_IDLE);
		return;
	}
	if (t->mode != TUNNEL_MODE_POLL) {
		hrac_tunnel_lost(t, "hras ended the downstream");
		return;
	}
	if (l->state != LINK_IDLE) {
		hrac_tunnel_drop(t, &t->down);
		if ((t->down = hrac_link_new(t, LINK_DOWN)) == NULL)
			hrac_tunnel_lost(t, "cannot reopen the downstream");
		return;
	}
	if (hrac_tunnel_target(t, "GET", "/vofw/v1/down", target,
	    sizeof(target)) == -1 ||
	    hrac_link_request(l, "GET", target, NULL, 0, 0) == -1)
		hrac_tunnel_lost(t, "cannot send the downstream GET");
}

/* A control record: the probe's answer shows that both ways stream. */
static void
hrac_tunnel_control(void *arg, const uint8_t *data, size_t len)
{
	struct hrac_tunnel	*t = arg;

	if (len == 1 && data[0] == FRAME_CTL_PROBE_ACK &&
	    t->state == TUN_PROBE) {
		hrac_tunnel_send_control(t, FRAME_CTL_STREAM_OK);
		hrac_tunnel_up(t);
	}
}

/* A datagram for hrac's hook. */
static void
hrac_tunnel_hook(void *arg, const uint8_t *data, size_t len)
{
	struct hrac_tunnel	*t = arg;

	if (t->hook != NULL)
		hook_deliver(t->hook, data, len);
}

/* A SIP message from hras, for the SIP layer. */
static void
hrac_tunnel_sip(void *arg, uint32_t flow, const uint8_t *data, size_t len)
{
	struct hrac_tunnel	*t = arg;

	if (t->cb.sip != NULL)
		t->cb.sip(t->cb.arg, flow, data, len);
}

/* Voice from hras, for the media relay. */
static void
hrac_tunnel_media(void *arg, unsigned int type, uint32_t flow,
    const uint8_t *data, size_t len)
{
	struct hrac_tunnel	*t = arg;

	if (t->cb.media != NULL)
		t->cb.media(t->cb.arg, type, flow, data, len);
}

/* Write one control frame on the upstream, ahead of the queue. */
static void
hrac_tunnel_send_control(struct hrac_tunnel *t, uint8_t code)
{
	struct evbuffer	*f;

	if (t->up == NULL || (f = evbuffer_new()) == NULL)
		return;
	if (tunnel_seal(t->tun, f, FRAME_CONTROL, 0, &code, 1) == -1 ||
	    hrac_link_write_chunk(t->up, f) == -1)
		log_warnx("cannot send a control frame");
	evbuffer_free(f);
}

/*
 * What takes the queue's frames: nothing before the tunnel is up, the
 * next POST in poll mode, the upstream body once it streams.
 */
static enum tunnel_outlet
hrac_tunnel_outlet(void *arg)
{
	struct hrac_tunnel	*t = arg;

	if (t->state != TUN_UP)
		return TUNNEL_OUT_NONE;
	if (t->mode == TUNNEL_MODE_POLL)
		return TUNNEL_OUT_POLL;
	if (t->up == NULL || !t->up->streaming)
		return TUNNEL_OUT_NONE;
	return TUNNEL_OUT_STREAM;
}

/* Bytes the upstream has yet to send. */
static size_t
hrac_tunnel_pending(void *arg)
{
	struct hrac_tunnel	*t = arg;

	return hrac_link_output(t->up);
}

/* Frames into the upstream body, as one chunk. */
static int
hrac_tunnel_write(void *arg, struct evbuffer *f)
{
	struct hrac_tunnel	*t = arg;

	return hrac_link_write_chunk(t->up, f);
}

/* The upstream was served: keepalives count from now. */
static void
hrac_tunnel_sent(void *arg)
{
	struct hrac_tunnel	*t = arg;

	t->last_tx = clock_now();
}

/* In poll mode the pump hands its batch to the next POST. */
static void
hrac_tunnel_poll(void *arg)
{
	hrac_tunnel_post(arg);
}

/* The upstream drained: more frames may go. */
static void
hrac_tunnel_link_drained(void *arg, struct hrac_link *l)
{
	struct hrac_tunnel	*t = arg;

	if (l == t->up && tunnel_queued(t->tun) > 0)
		tunnel_pump_flush(t->tun);
}

/* In poll mode: one complete POST with a batch of frames at a time. */
static void
hrac_tunnel_post(struct hrac_tunnel *t)
{
	struct evbuffer	*f;
	char		 target[512];
	uint8_t		*p;
	size_t		 n;

	if (t->up == NULL) {
		if ((t->up = hrac_link_new(t, LINK_UP)) == NULL)
			hrac_tunnel_lost(t, "cannot reopen the upstream");
		return;
	}
	if (t->post_inflight || t->up->state != LINK_IDLE)
		return;
	if ((f = evbuffer_new()) == NULL)
		return;
	if (tunnel_queued(t->tun) == 0)
		tunnel_send(t->tun, FRAME_KEEPALIVE, 0, NULL, 0);
	if (tunnel_flush(t->tun, f, HRAC_CHUNK_MAX) == -1 ||
	    hrac_tunnel_target(t, "POST", "/vofw/v1/up", target,
	    sizeof(target)) == -1) {
		evbuffer_free(f);
		hrac_tunnel_lost(t, "cannot seal frames");
		return;
	}
	n = evbuffer_get_length(f);
	p = evbuffer_pullup(f, -1);
	if (hrac_link_request(t->up, "POST", target, p, n, 0) == -1)
		hrac_tunnel_lost(t, "out of memory");
	else {
		t->post_inflight = 1;
		t->last_tx = clock_now();
	}
	evbuffer_free(f);
}

/* Once a second: judge a silent downstream, keep the upstream alive,
 * and renew requests before a proxy's age limit cuts them. */
static void
hrac_tunnel_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hrac_tunnel	*t = arg;
	time_t			 now = clock_now();
	struct hrac_link	*old;

	(void)fd;
	(void)what;
	if (t->state != TUN_UP)
		return;
	if (now - t->last_rx >= t->conf->dead_after) {
		hrac_tunnel_lost(t, "no traffic from hras");
		return;
	}
	if (tunnel_ack(t->tun) == -1)
		log_warnx("cannot queue an acknowledgement");
	if (t->mode == TUNNEL_MODE_POLL)
		return;
	if (now - t->last_tx >= t->conf->dead_after / 2)
		tunnel_send(t->tun, FRAME_KEEPALIVE, 0, NULL, 0);
	if (t->down_next == NULL && now - t->down_since >= t->conf->get_age) {
		log_debug("renewing the downstream GET");
		t->down_next = hrac_link_new(t, LINK_DOWN);
	}
	if (t->up_old == NULL && t->up != NULL &&
	    now - t->up_since >= t->conf->get_age) {
		log_debug("renewing the upstream POST");
		old = t->up;
		if ((t->up = hrac_link_new(t, LINK_UP)) == NULL) {
			t->up = old;
			return;
		}
		t->up_old = old;
	}
}

/* A datagram from hrac's hook goes into the tunnel. */
int
hrac_hook_send(void *arg, const void *data, size_t len)
{
	struct hrac_tunnel	*t = arg;

	return tunnel_send(t->tun, FRAME_HOOK, 0, data, len);
}

/* True while the tunnel carries frames. */
int
hrac_tunnel_is_up(const struct hrac_tunnel *t)
{
	return t->state == TUN_UP;
}
