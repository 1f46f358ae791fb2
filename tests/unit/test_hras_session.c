/*
 * Unit tests of hras's tunnel sessions (hras_session.c) over its real
 * HTTP layer (hras_link.c), a client admitted by the real handshake. The
 * test plays hrac: its connections are bufferevent pairs handed to
 * hras_link_new, except in the first test, which goes through the
 * listener on 127.0.0.1. The clock is the test's (clock_now below), so a
 * challenge can be made stale without waiting.
 *
 * Admission: a wrong secret and a stale challenge are refused and leave
 *   the session as it was; a fresh one replaces its keys.
 * Upstreams: a second one waits its turn behind the first; one cut in the
 *   middle of a chunk leaves the session up, the next POST carries on,
 *   and a frame sent again is not delivered twice.
 * A slow consumer: a downstream whose reader does not read holds no more
 *   than the high-water mark and a chunk; voice is dropped, SIP kept, and
 *   every SIP record arrives once, in order, when the reader reads.
 * Lanes: a second lane's downstream is taken only with its MAC over the
 *   path that names it; any other lane, or a lane in poll mode, is
 *   malformed (test_hrac_session carries frames over two lanes). With two
 *   lanes streaming, a probe's answer reaches a client that reads the
 *   second lane first.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_net.h"
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "frame.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "tunnel.h"

#define TS_ID		"corp"
#define TS_RECS_MAX	8
#define TS_SECRET	"88887ff91ff0805984a7d5b118cb4aec" \
			"d40e6b7763fcc0790ff80d91bc061c59"
#define TS_SIP_LEN	1000	/* bytes of each SIP record, slow consumer */
#define TS_SIP_N	100
#define TS_RTP_N	20	/* voice records after each SIP one */

struct ts {
	struct hras	 h;
	uint16_t	 port;
	struct tunnel	*hrac;		/* the client's end of the tunnel */
	char		 sid[2 * AUTH_SIDLEN + 1];
	uint8_t		 req_key[CRYPTO_KEYLEN];
	uint64_t	 req;
	char		 recs[TS_RECS_MAX][16];	/* SIP records delivered */
	int		 nrecs;
	int		 npairs;
	int		 down_sip;	/* SIP records hras sent, in order */
	int		 down_media;	/* voice records hras sent */
	int		 probe_acks;	/* probe answers hras sent */
};

static time_t	 ts_clock = 1000;

/* The daemons' clock, moved by the tests (common/clock.c not linked). */
time_t
clock_now(void)
{
	return ts_clock;
}

static void	 ts_send(int, const char *);
static void	 ts_sip(void *, const char *, uint32_t, const uint8_t *, size_t);
static void	 ts_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 ts_kick(void *, int);
static void	 ts_admit(struct ts *);
static int	 ts_up(struct ts *);
static void	 ts_chunk(struct ts *, int, const char *);
static void	 ts_sealed(struct ts *, unsigned int, const void *, size_t,
		    struct evbuffer *);
static struct bufferevent *tp_open(struct ts *);
static void	 tp_close(struct bufferevent *);
static int	 tp_answer(struct ts *, struct bufferevent *, char *, size_t);
static int	 tp_handshake(struct ts *, const char *, int);
static struct bufferevent *tp_request(struct ts *, const char *,
		    const char *, const char *);
static void	 tp_chunk(struct ts *, struct bufferevent *, unsigned int,
		    const void *, size_t, size_t);

/* Send all of a string. */
static void
ts_send(int fd, const char *s)
{
	size_t	 len = strlen(s);

	assert_int_equal(send(fd, s, len, 0), (ssize_t)len);
}

/* The session's SIP callback: keep the record. */
static void
ts_sip(void *arg, const char *client, uint32_t flow, const uint8_t *data,
    size_t len)
{
	struct ts	*t = arg;

	(void)flow;
	assert_string_equal(client, TS_ID);
	assert_true(t->nrecs < TS_RECS_MAX && len < sizeof(t->recs[0]));
	memcpy(t->recs[t->nrecs], data, len);
	t->recs[t->nrecs++][len] = '\0';
}

/* What the client's end opens: SIP must come in order, once each. */
static void
ts_deliver(void *arg, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	struct ts	*t = arg;
	char		 want[32];

	(void)flow;
	if (type == FRAME_SIP) {
		snprintf(want, sizeof(want), "sip %d", t->down_sip);
		assert_int_equal(len, TS_SIP_LEN);
		assert_string_equal((const char *)data, want);
		t->down_sip++;
	} else if (type == FRAME_RTP)
		t->down_media++;
	else if (type == FRAME_CONTROL && len == 1 &&
	    data[0] == FRAME_CTL_PROBE_ACK)
		t->probe_acks++;
}

static void
ts_kick(void *arg, int now)
{
	(void)arg;
	(void)now;
}

/*
 * A connection from 127.0.0.1 handed to hras over a bufferevent pair;
 * the test's end of it.
 */
static struct bufferevent *
tp_open(struct ts *t)
{
	struct bufferevent	*pair[2];
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)(40000 + ++t->npairs));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bufferevent_pair_new(t->h.base, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS, pair), 0);
	assert_int_equal(hras_link_new(&t->h, pair[0],
	    (struct sockaddr *)&sin), 0);
	assert_int_equal(bufferevent_enable(pair[1], EV_READ | EV_WRITE), 0);
	return pair[1];
}

/* Close the test's end: hras sees the end of the connection. */
static void
tp_close(struct bufferevent *b)
{
	bufferevent_flush(b, EV_WRITE, BEV_FINISHED);
	bufferevent_free(b);
}

/* Let hras answer on b: the answer's status, its body in body. */
static int
tp_answer(struct ts *t, struct bufferevent *b, char *body, size_t len)
{
	struct evbuffer	*in = bufferevent_get_input(b);
	struct http_msg	*m;
	int		 status;

	unet_run(t->h.base, 20);
	assert_non_null(m = malloc(sizeof(*m)));
	assert_int_equal(http_parse_response(in, m), 1);
	assert_true(m->content_length >= 0 &&
	    (size_t)m->content_length < len);
	assert_int_equal(evbuffer_remove(in, body,
	    (size_t)m->content_length), m->content_length);
	body[m->content_length] = '\0';
	status = m->status;
	free(m);
	return status;
}

/*
 * The handshake, as hrac does it: challenge, open, session keys; the
 * challenge answered late (past its lifetime) when late is set. The
 * status of the open; on 200 the client's end of the tunnel is keyed.
 */
static int
tp_handshake(struct ts *t, const char *secret, int late)
{
	struct crypto_kx		 kx = { NULL, { 0 } };
	struct crypto_session_keys	 keys;
	struct auth_transcript		 tr;
	struct tunnel_cb		 cb = { ts_deliver, ts_kick, t };
	struct bufferevent		*b;
	const char			*challenge = "GET /vofw/v1/challenge?"
					    "version=" AUTH_VERSION_STR
					    " HTTP/1.1\r\nHost: x\r\n\r\n";
	char				 body[512], req[1024], v[8];
	char				 sn[2 * AUTH_CHALLENGELEN + 1];
	char				 cp[2 * CRYPTO_PUBLEN + 1];
	char				 sp[2 * CRYPTO_PUBLEN + 1];
	char				 mac[AUTH_HEXLEN], smac[AUTH_HEXLEN];
	char				 sid[2 * AUTH_SIDLEN + 1];
	uint8_t				 spub[CRYPTO_PUBLEN];
	uint8_t				 shared[CRYPTO_KEYLEN];
	int				 status;

	b = tp_open(t);
	assert_int_equal(bufferevent_write(b, challenge, strlen(challenge)), 0);
	assert_int_equal(tp_answer(t, b, body, sizeof(body)), 200);
	assert_int_equal(sscanf(body, "version=%7[0-9]\nnonce=%64[0-9a-f]\n",
	    v, sn), 2);
	if (late)
		ts_clock += HRAS_NONCE_TTL + 1;
	assert_int_equal(crypto_kx_new(&kx), 0);
	crypto_hex(kx.pub, sizeof(kx.pub), cp);
	assert_int_equal(auth_open_mac(secret, TS_ID, sn, cp, mac), 0);
	snprintf(req, sizeof(req), "GET /vofw/v1/open?id=%s&nonce=%s&pub=%s&"
	    "mac=%s HTTP/1.1\r\nHost: x\r\n\r\n", TS_ID, sn, cp, mac);
	assert_int_equal(bufferevent_write(b, req, strlen(req)), 0);
	status = tp_answer(t, b, body, sizeof(body));
	tp_close(b);
	if (status != 200) {
		crypto_kx_clear(&kx);
		return status;
	}
	assert_int_equal(sscanf(body, "sid=%32[0-9a-f]\npub=%64[0-9a-f]\n"
	    "mac=%64[0-9a-f]\n", sid, sp, smac), 3);
	assert_int_equal(crypto_unhex(sp, spub, sizeof(spub)), 0);
	assert_int_equal(crypto_kx_shared(&kx, spub, shared), 0);
	crypto_kx_clear(&kx);
	tr.id = TS_ID;
	tr.sid = sid;
	tr.snonce = sn;
	tr.cpub = cp;
	tr.spub = sp;
	assert_int_equal(auth_session_keys(shared, secret, &tr, &keys), 0);
	memcpy(t->sid, sid, sizeof(t->sid));
	memcpy(t->req_key, keys.req, sizeof(t->req_key));
	t->req = 0;
	tunnel_free(t->hrac);
	assert_non_null(t->hrac = tunnel_new(1 << 20, &cb));
	assert_int_equal(tunnel_set_keys(t->hrac, keys.up, "up", keys.down,
	    "down"), 0);
	return 200;
}

/* The handshake that sets each test up. */
static void
ts_admit(struct ts *t)
{
	assert_int_equal(tp_handshake(t, TS_SECRET, 0), 200);
}

/*
 * A tunnel request (method, path, extra headers) over a new pair, with
 * the session's id, the next request number and its MAC.
 */
static struct bufferevent *
tp_request(struct ts *t, const char *method, const char *path,
    const char *headers)
{
	struct bufferevent	*b;
	char			 mac[AUTH_HEXLEN], req[512];

	t->req++;
	assert_int_equal(auth_request_mac(t->req_key, method, path, t->sid,
	    t->req, mac), 0);
	snprintf(req, sizeof(req), "%s %s?sid=%s&req=%llu&mac=%s HTTP/1.1\r\n"
	    "Host: x\r\n%s\r\n", method, path, t->sid,
	    (unsigned long long)t->req, mac, headers);
	b = tp_open(t);
	assert_int_equal(bufferevent_write(b, req, strlen(req)), 0);
	return b;
}

/* One record, sealed by the client's end, as one HTTP chunk in out. */
static void
ts_sealed(struct ts *t, unsigned int type, const void *rec, size_t len,
    struct evbuffer *out)
{
	struct evbuffer	*f;

	assert_non_null(f = evbuffer_new());
	assert_true(tunnel_seal(t->hrac, f, type, 0, rec, len) != -1);
	assert_int_equal(http_chunk_wrap(f), 0);
	assert_int_equal(evbuffer_add_buffer(out, f), 0);
	evbuffer_free(f);
}

/* A record as one chunk on b: all of it, or its first cut bytes. */
static void
tp_chunk(struct ts *t, struct bufferevent *b, unsigned int type,
    const void *rec, size_t len, size_t cut)
{
	struct evbuffer	*out;

	assert_non_null(out = evbuffer_new());
	ts_sealed(t, type, rec, len, out);
	if (cut > 0)
		assert_int_equal(bufferevent_write(b, evbuffer_pullup(out,
		    (ev_ssize_t)cut), cut), 0);
	else
		assert_int_equal(bufferevent_write_buffer(b, out), 0);
	evbuffer_free(out);
}

/* Open a streamed upstream POST; its socket. */
static int
ts_up(struct ts *t)
{
	char	 mac[AUTH_HEXLEN], req[512];
	int	 fd;

	t->req++;
	assert_int_equal(auth_request_mac(t->req_key, "POST", "/vofw/v1/up",
	    t->sid, t->req, mac), 0);
	snprintf(req, sizeof(req), "POST /vofw/v1/up?sid=%s&req=%llu&mac=%s "
	    "HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	    t->sid, (unsigned long long)t->req, mac);
	fd = unet_connect(NULL, t->port);
	ts_send(fd, req);
	return fd;
}

/* One SIP record, sealed by the client's end, as one chunk on fd. */
static void
ts_chunk(struct ts *t, int fd, const char *rec)
{
	struct evbuffer	*out;
	size_t		 n;

	assert_non_null(out = evbuffer_new());
	ts_sealed(t, FRAME_SIP, rec, strlen(rec), out);
	n = evbuffer_get_length(out);
	assert_int_equal(send(fd, evbuffer_pullup(out, -1), n, 0),
	    (ssize_t)n);
	evbuffer_free(out);
}

/* hras on a free port with client "corp", admitted. */
static int
ts_setup(void **state)
{
	struct ts		*t;
	struct hras_session_cb	 cb = { 0 };
	char			 path[] = "/tmp/test_hras_session.XXXXXX";
	char			 err[CONFIG_ERRLEN];
	FILE			*f;
	int			 fd;

	assert_non_null(t = calloc(1, sizeof(*t)));
	t->port = unet_free_port();
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "domains = [ \"corp.example\" ];\n"
	    "sip = { address = \"127.0.0.1\"; };\n"
	    "media = { address = \"127.0.0.1\"; };\n"
	    "tunnel = { address = \"127.0.0.1\"; port = %u; "
	    "queue_max = 65536; };\n"
	    "clients = ( { id = \"" TS_ID "\"; secret = \"" TS_SECRET "\"; "
	    "domains = [ \"corp.example\" ]; } );\n", t->port);
	assert_int_equal(fclose(f), 0);
	t->h.conf = hras_config_load(path, err, sizeof(err));
	unlink(path);
	if (t->h.conf == NULL)
		fail_msg("%s", err);
	TAILQ_INIT(&t->h.links);
	TAILQ_INIT(&t->h.unauth);
	TAILQ_INIT(&t->h.sessions);
	assert_non_null(t->h.base = event_base_new());
	cb.sip = ts_sip;
	cb.media = NULL;
	cb.arg = t;
	hras_sessions_init(&t->h, &cb);
	assert_int_equal(hras_link_listen(&t->h), 0);
	ts_admit(t);
	*state = t;
	return 0;
}

static int
ts_teardown(void **state)
{
	struct ts	*t = *state;

	hras_link_close_all(&t->h);
	assert_int_equal(t->h.nlinks, 0);
	hras_sessions_free(&t->h);
	tunnel_free(t->hrac);
	/* Pair ends with deferred callbacks are freed by the loop. */
	unet_run(t->h.base, 10);
	event_base_free(t->h.base);
	hras_config_free(t->h.conf);
	free(t);
	return 0;
}

/*
 * Two upstreams: the second's records wait while the first is read; the
 * first closes in the middle of its body and the second is read then,
 * its records after the first's.
 */
static void
test_upstream_closed_mid_body(void **state)
{
	struct ts	*t = *state;
	int		 up1, up2;

	up1 = ts_up(t);
	ts_chunk(t, up1, "one");
	unet_run(t->h.base, 100);
	assert_int_equal(t->nrecs, 1);
	assert_string_equal(t->recs[0], "one");
	up2 = ts_up(t);
	ts_chunk(t, up2, "two");
	unet_run(t->h.base, 100);
	/* Queued behind the first: not handed to the session yet. */
	assert_int_equal(t->nrecs, 1);
	assert_int_equal(t->h.nlinks, 2);
	/* The first ends without its last chunk. */
	close(up1);
	unet_run(t->h.base, 100);
	assert_int_equal(t->h.nlinks, 1);
	assert_int_equal(t->nrecs, 2);
	assert_string_equal(t->recs[1], "two");
	ts_chunk(t, up2, "three");
	unet_run(t->h.base, 100);
	assert_int_equal(t->nrecs, 3);
	assert_string_equal(t->recs[2], "three");
	close(up2);
}

/*
 * A wrong secret and a challenge answered after its lifetime are refused
 * and change nothing: the session keeps its id and keys. A fresh
 * admission replaces them, and the old id is refused from then on.
 */
static void
test_admission_refused(void **state)
{
	struct ts	*t = *state;
	struct bufferevent *b;
	char		 body[64], old[sizeof(t->sid)];

	memcpy(old, t->sid, sizeof(old));
	assert_int_equal(tp_handshake(t, "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", 0), 403);
	assert_int_equal(tp_handshake(t, TS_SECRET, 1), 403);
	unet_run(t->h.base, 20);
	/* The refused connections are gone, the session is as it was. */
	assert_int_equal(t->h.nlinks, 0);
	assert_string_equal(TAILQ_FIRST(&t->h.sessions)->sid, old);
	b = tp_request(t, "GET", "/vofw/v1/down", "");
	unet_run(t->h.base, 20);
	assert_true(hras_client_up(&t->h, TS_ID));
	tp_close(b);
	/* Admitted again: a new session id, the old one no longer works. */
	assert_int_equal(tp_handshake(t, TS_SECRET, 0), 200);
	assert_string_not_equal(t->sid, old);
	memcpy(t->sid, old, sizeof(old));
	b = tp_request(t, "GET", "/vofw/v1/down", "");
	assert_int_equal(tp_answer(t, b, body, sizeof(body)), 403);
	tp_close(b);
}

/*
 * An upstream cut in the middle of a chunk: the session stays up, the
 * next POST carries on where the records left off, and a frame that
 * arrives again is refused, not delivered twice.
 */
static void
test_upstream_cut_mid_chunk(void **state)
{
	struct ts	*t = *state;
	struct bufferevent *up1, *up2, *up3;
	struct evbuffer	*again;
	const char	*chunked = "Transfer-Encoding: chunked\r\n";

	up1 = tp_request(t, "POST", "/vofw/v1/up", chunked);
	assert_non_null(again = evbuffer_new());
	ts_sealed(t, FRAME_SIP, "one", 3, again);
	assert_int_equal(bufferevent_write(up1, evbuffer_pullup(again, -1),
	    evbuffer_get_length(again)), 0);
	/* The size line and part of the frame of "two", then the cut. */
	tp_chunk(t, up1, FRAME_SIP, "two", 3, 12);
	unet_run(t->h.base, 20);
	assert_int_equal(t->nrecs, 1);
	tp_close(up1);
	unet_run(t->h.base, 20);
	assert_true(hras_client_up(&t->h, TS_ID));
	assert_int_equal(t->h.nlinks, 0);
	up2 = tp_request(t, "POST", "/vofw/v1/up", chunked);
	tp_chunk(t, up2, FRAME_SIP, "three", 5, 0);
	unet_run(t->h.base, 20);
	assert_int_equal(t->nrecs, 2);
	assert_string_equal(t->recs[1], "three");
	/* "one" again: refused, and its connection with it. */
	assert_int_equal(bufferevent_write_buffer(up2, again), 0);
	unet_run(t->h.base, 20);
	assert_int_equal(t->nrecs, 2);
	assert_int_equal(t->h.nlinks, 0);
	assert_true(hras_client_up(&t->h, TS_ID));
	up3 = tp_request(t, "POST", "/vofw/v1/up", chunked);
	tp_chunk(t, up3, FRAME_SIP, "four", 4, 0);
	unet_run(t->h.base, 20);
	assert_int_equal(t->nrecs, 3);
	assert_string_equal(t->recs[2], "four");
	evbuffer_free(again);
	tp_close(up2);
	tp_close(up3);
}

/*
 * A downstream whose reader stops reading: hras keeps no more than its
 * high-water mark and a chunk in the connection's output, the session's
 * queue no more than tunnel.queue_max of voice (the rest is dropped) and
 * SIP whole; once the reader reads, every SIP record arrives once and in
 * order, and only some of the voice.
 */
static void
test_slow_consumer(void **state)
{
	struct ts		*t = *state;
	struct bufferevent	*down, *up, *hras_end;
	struct evbuffer		*in, *body;
	struct http_chunked	 ch;
	struct http_msg		*m;
	const char		*why;
	char			 rec[TS_SIP_LEN];
	size_t			 out, peak = 0;
	uint8_t			 ok = FRAME_CTL_STREAM_OK;
	int			 i, j, sent_media = 0, head = 0;

	down = tp_request(t, "GET", "/vofw/v1/down", "");
	assert_non_null(hras_end = bufferevent_pair_get_partner(down));
	/* The reader takes nothing from now on. */
	assert_int_equal(bufferevent_disable(down, EV_READ), 0);
	up = tp_request(t, "POST", "/vofw/v1/up",
	    "Transfer-Encoding: chunked\r\n");
	tp_chunk(t, up, FRAME_CONTROL, &ok, 1, 0);
	unet_run(t->h.base, 20);
	for (i = 0; i < TS_SIP_N; i++) {
		memset(rec, 0, sizeof(rec));
		snprintf(rec, sizeof(rec), "sip %d", i);
		assert_int_equal(hras_session_send(&t->h, TS_ID, FRAME_SIP, 0,
		    rec, sizeof(rec)), 0);
		memset(rec, 0, sizeof(rec));
		for (j = 0; j < TS_RTP_N; j++, sent_media++)
			hras_session_send(&t->h, TS_ID, FRAME_RTP, 1, rec,
			    sizeof(rec));
		assert_int_equal(event_base_loop(t->h.base, EVLOOP_NONBLOCK),
		    0);
		out = evbuffer_get_length(bufferevent_get_output(hras_end));
		assert_true(out <= HRAS_HIGH_WATER + HRAS_CHUNK_MAX + 64);
		if (out > peak)
			peak = out;
		assert_true(tunnel_queued(TAILQ_FIRST(&t->h.sessions)->tun) <=
		    t->h.conf->queue_max + (size_t)(i + 1) * (TS_SIP_LEN + 7));
	}
	/* The output did fill up: the reader really stalled hras. */
	assert_true(peak >= HRAS_HIGH_WATER);
	assert_true(tunnel_stats(TAILQ_FIRST(&t->h.sessions)->tun)->dropped >
	    0);
	/* The reader reads again: decode what arrives on the client's end. */
	assert_int_equal(bufferevent_enable(down, EV_READ), 0);
	assert_non_null(m = malloc(sizeof(*m)));
	assert_non_null(body = evbuffer_new());
	http_chunked_init(&ch);
	in = bufferevent_get_input(down);
	for (i = 0; i < 200 && t->down_sip < TS_SIP_N; i++) {
		unet_run(t->h.base, 10);
		if (!head) {
			if (http_parse_response(in, m) != 1)
				continue;
			assert_int_equal(m->status, 200);
			head = 1;
		}
		assert_int_not_equal(http_chunked_decode(&ch, in, body,
		    1 << 20), -1);
		assert_int_equal(tunnel_input(t->hrac, body, &why), 0);
	}
	assert_int_equal(t->down_sip, TS_SIP_N);
	assert_true(t->down_media > 0 && t->down_media < sent_media);
	evbuffer_free(body);
	free(m);
	tp_close(up);
	tp_close(down);
}

/*
 * The upstream's probe arrives before the downstream GET (a proxy that
 * opens its connections to hras in its own order, tinyproxy): hras
 * answers it once the downstream comes, after its hello.
 */
static void
test_probe_before_down(void **state)
{
	struct ts		*t = *state;
	struct bufferevent	*down, *up;
	struct evbuffer		*in, *body;
	struct http_chunked	 ch;
	struct http_msg		*m;
	const char		*why;
	uint8_t			 probe = FRAME_CTL_PROBE;
	int			 i, head = 0;

	up = tp_request(t, "POST", "/vofw/v1/up",
	    "Transfer-Encoding: chunked\r\n");
	tp_chunk(t, up, FRAME_CONTROL, &probe, 1, 0);
	unet_run(t->h.base, 20);
	down = tp_request(t, "GET", "/vofw/v1/down", "");
	assert_non_null(m = malloc(sizeof(*m)));
	assert_non_null(body = evbuffer_new());
	http_chunked_init(&ch);
	in = bufferevent_get_input(down);
	for (i = 0; i < 50 && t->probe_acks == 0; i++) {
		unet_run(t->h.base, 10);
		if (!head) {
			if (http_parse_response(in, m) != 1)
				continue;
			assert_int_equal(m->status, 200);
			head = 1;
		}
		assert_int_not_equal(http_chunked_decode(&ch, in, body,
		    1 << 20), -1);
		assert_int_equal(tunnel_input(t->hrac, body, &why), 0);
	}
	assert_int_equal(t->probe_acks, 1);
	evbuffer_free(body);
	free(m);
	tp_close(up);
	tp_close(down);
}

/*
 * A downstream GET with lane (and extra query) whose MAC covers mac_path;
 * the test's end of it.
 */
static struct bufferevent *
tp_lane(struct ts *t, const char *lane, const char *mac_path,
    const char *extra)
{
	struct bufferevent	*b;
	char			 mac[AUTH_HEXLEN], req[512];

	t->req++;
	assert_int_equal(auth_request_mac(t->req_key, "GET", mac_path, t->sid,
	    t->req, mac), 0);
	snprintf(req, sizeof(req), "GET /vofw/v1/down?sid=%s&req=%llu&mac=%s"
	    "%s&lane=%s HTTP/1.1\r\nHost: x\r\n\r\n", t->sid,
	    (unsigned long long)t->req, mac, extra, lane);
	b = tp_open(t);
	assert_int_equal(bufferevent_write(b, req, strlen(req)), 0);
	unet_run(t->h.base, 20);
	return b;
}

/* The status of the answer waiting on b. */
static int
tp_status(struct bufferevent *b)
{
	struct http_msg	*m;
	int		 status;

	assert_non_null(m = malloc(sizeof(*m)));
	assert_int_equal(http_parse_response(bufferevent_get_input(b), m), 1);
	status = m->status;
	free(m);
	return status;
}

/*
 * The second lane's GET is taken with a MAC over "/vofw/v1/down?lane=1"
 * and refused (403) with the first lane's MAC: nothing on the way moves a
 * request to another lane. Lanes other than 1, and lane 1 in poll mode,
 * are malformed (400). Taken, it is the session's second downstream,
 * beside the first lane's.
 */
static void
test_lane_requests(void **state)
{
	struct ts		*t = *state;
	struct hras_session	*s = TAILQ_FIRST(&t->h.sessions);
	struct bufferevent	*b, *down[2];
	uint64_t		 mac_refused = t->h.refused[HRAS_REFUSED_MAC];
	uint64_t		 malformed = t->h.refused[HRAS_REFUSED_MALFORMED];
	static const char	*bad[] = { "2", "0", "01", "x", "" };
	size_t			 i;

	b = tp_lane(t, "1", "/vofw/v1/down", "");
	assert_int_equal(tp_status(b), 403);
	assert_true(t->h.refused[HRAS_REFUSED_MAC] == mac_refused + 1);
	tp_close(b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = tp_lane(t, bad[i], "/vofw/v1/down?lane=1", "");
		assert_int_equal(tp_status(b), 400);
		tp_close(b);
	}
	b = tp_lane(t, "1", "/vofw/v1/down?lane=1", "&poll=1");
	assert_int_equal(tp_status(b), 400);
	tp_close(b);
	assert_true(t->h.refused[HRAS_REFUSED_MALFORMED] == malformed + 6);
	assert_null(s->down[1]);

	down[1] = tp_lane(t, "1", "/vofw/v1/down?lane=1", "");
	assert_int_equal(tp_status(down[1]), 200);
	assert_non_null(s->down[1]);
	assert_true(s->down[1]->lane == 1);
	down[0] = tp_request(t, "GET", "/vofw/v1/down", "");
	unet_run(t->h.base, 20);
	assert_int_equal(tp_status(down[0]), 200);
	assert_non_null(s->down[0]);
	assert_true(s->down[0] != s->down[1]);
	tp_close(down[0]);
	tp_close(down[1]);
}

/* What came on downstream b: its answer (200), its frames into body. */
static void
tp_frames(struct bufferevent *b, struct evbuffer *body)
{
	struct http_chunked	 ch;
	struct http_msg		*m;

	assert_non_null(m = malloc(sizeof(*m)));
	assert_int_equal(http_parse_response(bufferevent_get_input(b), m), 1);
	assert_int_equal(m->status, 200);
	free(m);
	http_chunked_init(&ch);
	assert_int_not_equal(http_chunked_decode(&ch, bufferevent_get_input(b),
	    body, 1 << 20), -1);
}

/*
 * Two lanes stream: hras's answer to a probe goes with its other frames,
 * on every lane that takes them. hrac here reads the second lane first,
 * as when the first is held back, and still gets the answer: written into
 * the first lane alone, it would have a number the second skips, and be
 * dropped as delivered once a later frame came on the second.
 */
static void
test_control_on_lanes(void **state)
{
	struct ts		*t = *state;
	struct bufferevent	*down[2], *up;
	struct evbuffer		*body;
	const char		*why;
	char			 rec[TS_SIP_LEN];
	uint64_t		 lane[2] = { 0, 0 };
	uint8_t			 ok = FRAME_CTL_STREAM_OK;
	uint8_t			 probe = FRAME_CTL_PROBE;
	int			 i;

	down[0] = tp_request(t, "GET", "/vofw/v1/down", "");
	up = tp_request(t, "POST", "/vofw/v1/up",
	    "Transfer-Encoding: chunked\r\n");
	tp_chunk(t, up, FRAME_CONTROL, &ok, 1, 0);
	unet_run(t->h.base, 20);
	down[1] = tp_lane(t, "1", "/vofw/v1/down?lane=1", "");
	tp_chunk(t, up, FRAME_CONTROL, &probe, 1, 0);
	unet_run(t->h.base, 20);
	memset(rec, 0, sizeof(rec));
	snprintf(rec, sizeof(rec), "sip 0");
	assert_int_equal(hras_session_send(&t->h, TS_ID, FRAME_SIP, 0, rec,
	    sizeof(rec)), 0);
	unet_run(t->h.base, 50);
	for (i = 1; i >= 0; i--) {
		assert_non_null(body = evbuffer_new());
		tp_frames(down[i], body);
		assert_int_equal(tunnel_input_lane(t->hrac, body, &lane[i],
		    &why), 0);
		evbuffer_free(body);
	}
	assert_int_equal(t->down_sip, 1);
	assert_int_equal(t->probe_acks, 1);
	tp_close(up);
	tp_close(down[0]);
	tp_close(down[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upstream_closed_mid_body,
		    ts_setup, ts_teardown),
		cmocka_unit_test_setup_teardown(test_admission_refused,
		    ts_setup, ts_teardown),
		cmocka_unit_test_setup_teardown(test_upstream_cut_mid_chunk,
		    ts_setup, ts_teardown),
		cmocka_unit_test_setup_teardown(test_slow_consumer,
		    ts_setup, ts_teardown),
		cmocka_unit_test_setup_teardown(test_probe_before_down,
		    ts_setup, ts_teardown),
		cmocka_unit_test_setup_teardown(test_lane_requests,
		    ts_setup, ts_teardown),
		cmocka_unit_test_setup_teardown(test_control_on_lanes,
		    ts_setup, ts_teardown),
	};

	log_init("test_hras_session", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
