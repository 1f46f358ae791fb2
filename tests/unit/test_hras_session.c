/*
 * Unit tests of hras's tunnel sessions (hras_session.c) over its real
 * HTTP layer on 127.0.0.1, a client admitted by the real handshake: the
 * records of an upstream body reach the session's callback; a second
 * upstream waits its turn, and when the first closes in the middle of its
 * body the second is read, its records after all of the first's.
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
#include <event2/buffer.h>
#include <event2/event.h>

#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "frame.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "tunnel.h"

#define TS_ID		"corp"
#define TS_RECS_MAX	8

struct ts {
	struct hras	 h;
	uint16_t	 port;
	struct tunnel	*hrac;		/* the client's end of the tunnel */
	char		 sid[2 * AUTH_SIDLEN + 1];
	uint8_t		 req_key[CRYPTO_KEYLEN];
	uint64_t	 req;
	char		 recs[TS_RECS_MAX][16];	/* SIP records delivered */
	int		 nrecs;
};

static uint16_t	 ts_free_port(void);
static int	 ts_connect(uint16_t);
static void	 ts_run(struct ts *, int);
static void	 ts_send(int, const char *);
static void	 ts_recv(struct ts *, int, char *, size_t);
static void	 ts_sip(void *, const char *, uint32_t, const uint8_t *, size_t);
static void	 ts_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 ts_kick(void *, int);
static void	 ts_admit(struct ts *);
static int	 ts_up(struct ts *);
static void	 ts_chunk(struct ts *, int, const char *);

/* A TCP port free on loopback just now. */
static uint16_t
ts_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* A TCP connection to 127.0.0.1:port. */
static int
ts_connect(uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	return fd;
}

/* Run hras's loop for ms milliseconds. */
static void
ts_run(struct ts *t, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(t->h.base, &tv);
	event_base_dispatch(t->h.base);
}

/* Send all of a string. */
static void
ts_send(int fd, const char *s)
{
	size_t	 len = strlen(s);

	assert_int_equal(send(fd, s, len, 0), (ssize_t)len);
}

/* Let hras answer, then read its answer's body (after the blank line). */
static void
ts_recv(struct ts *t, int fd, char *body, size_t len)
{
	char	 buf[2048], *p;
	ssize_t	 n;

	ts_run(t, 100);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_memory_equal(buf, "HTTP/1.1 200 ", 13);
	assert_non_null(p = strstr(buf, "\r\n\r\n"));
	snprintf(body, len, "%s", p + 4);
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

/* The client's end hears nothing in these tests. */
static void
ts_deliver(void *arg, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	(void)arg;
	(void)type;
	(void)flow;
	(void)data;
	(void)len;
}

static void
ts_kick(void *arg, int now)
{
	(void)arg;
	(void)now;
}

/* The handshake, as hrac does it: challenge, open, session keys. */
static void
ts_admit(struct ts *t)
{
	const char			*secret = t->h.conf->clients[0].secret;
	struct crypto_kx		 kx = { NULL, { 0 } };
	struct crypto_session_keys	 keys;
	struct auth_transcript		 tr;
	struct tunnel_cb		 cb = { ts_deliver, ts_kick, t };
	char				 body[512], req[1024], v[8];
	char				 sn[2 * AUTH_CHALLENGELEN + 1];
	char				 cp[2 * CRYPTO_PUBLEN + 1];
	char				 sp[2 * CRYPTO_PUBLEN + 1];
	char				 mac[AUTH_HEXLEN], smac[AUTH_HEXLEN];
	uint8_t				 spub[CRYPTO_PUBLEN];
	uint8_t				 shared[CRYPTO_KEYLEN];
	int				 fd;

	fd = ts_connect(t->port);
	ts_send(fd, "GET /vofw/v1/challenge?version=" AUTH_VERSION_STR
	    " HTTP/1.1\r\nHost: x\r\n\r\n");
	ts_recv(t, fd, body, sizeof(body));
	assert_int_equal(sscanf(body, "version=%7[0-9]\nnonce=%64[0-9a-f]\n",
	    v, sn), 2);
	assert_int_equal(crypto_kx_new(&kx), 0);
	crypto_hex(kx.pub, sizeof(kx.pub), cp);
	assert_int_equal(auth_open_mac(secret, TS_ID, sn, cp, mac), 0);
	snprintf(req, sizeof(req), "GET /vofw/v1/open?id=%s&nonce=%s&pub=%s&"
	    "mac=%s HTTP/1.1\r\nHost: x\r\n\r\n", TS_ID, sn, cp, mac);
	ts_send(fd, req);
	ts_recv(t, fd, body, sizeof(body));
	close(fd);
	assert_int_equal(sscanf(body, "sid=%32[0-9a-f]\npub=%64[0-9a-f]\n"
	    "mac=%64[0-9a-f]\n", t->sid, sp, smac), 3);
	assert_int_equal(crypto_unhex(sp, spub, sizeof(spub)), 0);
	assert_int_equal(crypto_kx_shared(&kx, spub, shared), 0);
	crypto_kx_clear(&kx);
	tr.id = TS_ID;
	tr.sid = t->sid;
	tr.snonce = sn;
	tr.cpub = cp;
	tr.spub = sp;
	assert_int_equal(auth_session_keys(shared, secret, &tr, &keys), 0);
	memcpy(t->req_key, keys.req, sizeof(t->req_key));
	assert_non_null(t->hrac = tunnel_new(1 << 20, &cb));
	assert_int_equal(tunnel_set_keys(t->hrac, keys.up, "up", keys.down,
	    "down"), 0);
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
	fd = ts_connect(t->port);
	ts_send(fd, req);
	return fd;
}

/* One SIP record, sealed by the client's end, as one chunk on fd. */
static void
ts_chunk(struct ts *t, int fd, const char *rec)
{
	struct evbuffer	*f, *out;
	size_t		 n;

	assert_non_null(f = evbuffer_new());
	assert_non_null(out = evbuffer_new());
	assert_true(tunnel_seal(t->hrac, f, FRAME_SIP, 0, rec,
	    strlen(rec)) != -1);
	assert_int_equal(http_chunk_write(out, f), 0);
	n = evbuffer_get_length(out);
	assert_int_equal(send(fd, evbuffer_pullup(out, -1), n, 0),
	    (ssize_t)n);
	evbuffer_free(f);
	evbuffer_free(out);
}

/* hras on a free port with client "corp", admitted. */
static int
ts_setup(void **state)
{
	struct ts		*t;
	struct hras_session_cb	 cb;
	char			 path[] = "/tmp/test_hras_session.XXXXXX";
	char			 err[CONFIG_ERRLEN];
	FILE			*f;
	int			 fd;

	assert_non_null(t = calloc(1, sizeof(*t)));
	t->port = ts_free_port();
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "domains = [ \"corp.example\" ];\n"
	    "sip = { address = \"127.0.0.1\"; };\n"
	    "media = { address = \"127.0.0.1\"; };\n"
	    "tunnel = { address = \"127.0.0.1\"; port = %u; };\n"
	    "clients = ( { id = \"" TS_ID "\"; secret = \"88887ff91ff0805984"
	    "a7d5b118cb4aecd40e6b7763fcc0790ff80d91bc061c59\"; "
	    "domains = [ \"corp.example\" ]; } );\n", t->port);
	assert_int_equal(fclose(f), 0);
	t->h.conf = hras_config_load(path, err, sizeof(err));
	unlink(path);
	if (t->h.conf == NULL)
		fail_msg("%s", err);
	TAILQ_INIT(&t->h.conns);
	TAILQ_INIT(&t->h.unauth);
	TAILQ_INIT(&t->h.sessions);
	assert_non_null(t->h.base = event_base_new());
	cb.sip = ts_sip;
	cb.media = NULL;
	cb.arg = t;
	hras_sessions_init(&t->h, &cb);
	assert_int_equal(hras_http_listen(&t->h), 0);
	ts_admit(t);
	*state = t;
	return 0;
}

static int
ts_teardown(void **state)
{
	struct ts	*t = *state;

	hras_http_close_all(&t->h);
	assert_int_equal(t->h.nconns, 0);
	hras_sessions_free(&t->h);
	tunnel_free(t->hrac);
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
	ts_run(t, 100);
	assert_int_equal(t->nrecs, 1);
	assert_string_equal(t->recs[0], "one");
	up2 = ts_up(t);
	ts_chunk(t, up2, "two");
	ts_run(t, 100);
	/* Queued behind the first: not handed to the session yet. */
	assert_int_equal(t->nrecs, 1);
	assert_int_equal(t->h.nconns, 2);
	/* The first ends without its last chunk. */
	close(up1);
	ts_run(t, 100);
	assert_int_equal(t->h.nconns, 1);
	assert_int_equal(t->nrecs, 2);
	assert_string_equal(t->recs[1], "two");
	ts_chunk(t, up2, "three");
	ts_run(t, 100);
	assert_int_equal(t->nrecs, 3);
	assert_string_equal(t->recs[2], "three");
	close(up2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upstream_closed_mid_body,
		    ts_setup, ts_teardown),
	};

	log_init("test_hras_session", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
