/*
 * Unit tests of hras's SIP side (hras_sip.c and the registrar, topology
 * hiding, routing and media glue it dispatches to) with a real hras on
 * 127.0.0.1: its SIP socket, media relay and VCIT, no tunnel session, and
 * "servers" that are sockets on loopback. Cases found by fuzz_hras. What
 * hras sends into client "corp"'s tunnel is read back through a second
 * tunnel keyed as hrac's end.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
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

#include "config.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "sip.h"
#include "tunnel.h"

#define TH_RX_MAX	8

/* One test's hras, and where it found its ports. */
struct th {
	struct hras		 h;
	char			 path[64];
	struct hras_session	*s;		/* client "corp" */
	struct tunnel		*hrac;		/* its far end */
	char			*rx[TH_RX_MAX];	/* SIP read from the tunnel */
	int			 nrx;
};

static int	 th_udp(uint16_t *);
static uint16_t	 th_free_port(void);
static struct th *th_new(uint16_t);
static void	 th_free(struct th *);
static void	 th_dirty_stack(void);
static void	 th_kick(void *, int);
static void	 th_deliver(void *, unsigned int, uint32_t, const uint8_t *,
		    size_t);
static void	 th_session(struct th *);
static int	 th_read(struct th *);
static void	 th_send(struct th *, const char *);
static int	 th_status(const char *);
static int	 th_bindings(struct th *, const char *);
static int	 th_register(struct th *, const char *, const char *);
static void	 th_answer(struct th *, int, const char *);

static const char *th_extra = "";	/* more of th_new's hras.conf */
static const uint8_t th_up[CRYPTO_KEYLEN] = { 1 };
static const uint8_t th_down[CRYPTO_KEYLEN] = { 2 };

/* A UDP socket on 127.0.0.1, any port (returned in *port). */
static int
th_udp(uint16_t *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A port free for hras's SIP socket and listener on 127.0.0.1. */
static uint16_t
th_free_port(void)
{
	uint16_t	 port;

	close(th_udp(&port));
	return port;
}

/* An hras on 127.0.0.1 whose upstream is 127.0.0.1:upstream. */
static struct th *
th_new(uint16_t upstream)
{
	struct th	*t;
	char		 err[CONFIG_ERRLEN];
	FILE		*f;
	int		 fd;

	assert_non_null(t = calloc(1, sizeof(*t)));
	strcpy(t->path, "/tmp/test_hras_sip.XXXXXX");
	assert_true((fd = mkstemp(t->path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "domains = [ \"corp.example\" ];\n"
	    "sip = { address = \"127.0.0.1\"; port = %u; };\n"
	    "media = { address = \"127.0.0.1\"; port_min = 30000; "
	    "port_max = 30001; };\n"
	    "tunnel = { address = \"127.0.0.1\"; port = 8080; };\n"
	    "clients = ( { id = \"corp\"; secret = \"88887ff91ff0805984a7d5b1"
	    "18cb4aecd40e6b7763fcc0790ff80d91bc061c59\"; "
	    "domains = [ \"corp.example\" ]; } );\n"
	    "upstream = \"127.0.0.1:%u\";\n%s", th_free_port(), upstream,
	    th_extra);
	assert_int_equal(fclose(f), 0);
	t->h.conf = hras_config_load(t->path, err, sizeof(err));
	unlink(t->path);
	if (t->h.conf == NULL)
		fail_msg("%s", err);
	TAILQ_INIT(&t->h.links);
	TAILQ_INIT(&t->h.unauth);
	TAILQ_INIT(&t->h.sessions);
	assert_non_null(t->h.base = event_base_new());
	assert_int_equal(hras_sip_init(&t->h), 0);
	th_session(t);
	return t;
}

/* Shut hras down as main does. */
static void
th_free(struct th *t)
{
	int	 i;

	TAILQ_REMOVE(&t->h.sessions, t->s, entry);
	tunnel_free(t->s->tun);
	free(t->s);
	tunnel_free(t->hrac);
	for (i = 0; i < t->nrx; i++)
		free(t->rx[i]);
	hras_sip_free(&t->h);
	event_base_free(t->h.base);
	hras_config_free(t->h.conf);
	free(t);
}

/*
 * Leave non-zero bytes where the next call's locals will be, so that one
 * read before it is set shows (it would be zero on a fresh stack).
 */
static void __attribute__((noinline))
th_dirty_stack(void)
{
	volatile unsigned char	 junk[8192];
	size_t			 i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0xff;
}

/* The tunnels' transport is never asked for anything here. */
static void
th_kick(void *arg, int wait_us)
{
	(void)arg;
	(void)wait_us;
}

/* A record from hras's end of the tunnel: keep the SIP ones, as text. */
static void
th_deliver(void *arg, unsigned int type, uint32_t flow, const uint8_t *data,
    size_t len)
{
	struct th	*t = arg;

	(void)flow;
	if (type != FRAME_SIP || t->nrx == TH_RX_MAX)
		return;
	assert_non_null(t->rx[t->nrx] = malloc(len + 1));
	memcpy(t->rx[t->nrx], data, len);
	t->rx[t->nrx++][len] = '\0';
}

/* Client "corp"'s tunnel session, up, and hrac's end of it. */
static void
th_session(struct th *t)
{
	struct tunnel_cb cb;

	cb.deliver = th_deliver;
	cb.kick = th_kick;
	cb.arg = t;
	assert_non_null(t->s = calloc(1, sizeof(*t->s)));
	t->s->h = &t->h;
	snprintf(t->s->id, sizeof(t->s->id), "corp");
	assert_non_null(t->s->tun = tunnel_new(1 << 20, &cb));
	assert_non_null(t->hrac = tunnel_new(1 << 20, &cb));
	assert_int_equal(tunnel_set_keys(t->s->tun, th_down, "down", th_up,
	    "up"), 0);
	assert_int_equal(tunnel_set_keys(t->hrac, th_up, "up", th_down,
	    "down"), 0);
	t->s->connected = 1;
	TAILQ_INSERT_TAIL(&t->h.sessions, t->s, entry);
}

/* Pass what hras queued for "corp" to its far end; how many SIP records. */
static int
th_read(struct th *t)
{
	struct evbuffer	*b;
	const char	*why = NULL;
	int		 n = t->nrx;

	assert_non_null(b = evbuffer_new());
	assert_true(tunnel_flush(t->s->tun, b, SIZE_MAX) >= 0);
	if (evbuffer_get_length(b) > 0 && tunnel_input(t->hrac, b, &why) != 0)
		fail_msg("tunnel_input: %s", why);
	evbuffer_free(b);
	return t->nrx - n;
}

/* A message from "corp"'s tunnel, as hrac would send it. */
static void
th_send(struct th *t, const char *msg)
{
	hras_sip_from_tunnel(&t->h, "corp", 0, (const uint8_t *)msg,
	    strlen(msg));
}

/* The status code of a response, -1 when it is none. */
static int
th_status(const char *msg)
{
	int	 status;

	if (msg == NULL || sscanf(msg, "SIP/2.0 %3d ", &status) != 1)
		return -1;
	return status;
}

/* How many bindings an AOR has. */
static int
th_bindings(struct th *t, const char *aor)
{
	struct hras_binding	*b;
	int			 n = 0;

	TAILQ_FOREACH(b, &t->h.bindings, entry)
		if (strcmp(b->aor, aor) == 0)
			n++;
	return n;
}

/*
 * A request from the tunnel for another domain, to a host that is not an
 * address, goes to the upstream proxy over UDP (the transport used to be
 * whatever the stack held: sometimes a TCP connection the upstream never
 * accepts).
 */
static void
test_upstream_udp(void **state)
{
	static const char invite[] =
	    "INVITE sip:erin@example.net SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.20:5060;branch=z9hG4bKup1;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@corp.example>;tag=up1\r\n"
	    "To: <sip:erin@example.net>\r\n"
	    "Call-ID: upstream-1\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct pollfd	 pfd;
	struct th	*t;
	char		 buf[4096], via[64];
	uint16_t	 port;
	ssize_t		 n;

	(void)state;
	pfd.fd = th_udp(&port);
	pfd.events = POLLIN;
	t = th_new(port);
	th_dirty_stack();
	hras_sip_from_tunnel(&t->h, "corp", 0, (const uint8_t *)invite,
	    sizeof(invite) - 1);
	event_base_loop(t->h.base, EVLOOP_NONBLOCK);
	assert_int_equal(poll(&pfd, 1, 500), 1);
	assert_true((n = recv(pfd.fd, buf, sizeof(buf) - 1, 0)) > 0);
	buf[n] = '\0';
	assert_true(strncmp(buf, "INVITE sip:erin@example.net ", 28) == 0);
	snprintf(via, sizeof(via), "Via: SIP/2.0/UDP 127.0.0.1:%u;",
	    t->h.conf->sip.port);
	assert_non_null(strstr(buf, via));
	close(pfd.fd);
	th_free(t);
}

/*
 * Send a REGISTER for alice@corp.example with these Contact header lines
 * (and Expires line, if any) through the tunnel; hras's answer's status.
 */
static int
th_register(struct th *t, const char *contacts, const char *expires)
{
	char	 msg[2048];

	snprintf(msg, sizeof(msg),
	    "REGISTER sip:corp.example SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.20:5060;branch=z9hG4bKreg%d;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@corp.example>;tag=reg1\r\n"
	    "To: <sip:alice@corp.example>\r\n"
	    "Call-ID: register-1\r\n"
	    "CSeq: %d REGISTER\r\n"
	    "%s%s"
	    "Content-Length: 0\r\n\r\n", t->nrx, t->nrx + 1, contacts,
	    expires != NULL ? expires : "");
	th_send(t, msg);
	assert_int_equal(th_read(t), 1);
	return th_status(t->rx[t->nrx - 1]);
}

/* A REGISTER with a usable Contact binds it and answers 200 with it. */
static void
test_register_ok(void **state)
{
	struct th	*t;

	(void)state;
	t = th_new(th_free_port());
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n", "Expires: 600\r\n"),
	    200);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 1);
	assert_non_null(strstr(t->rx[0],
	    "Contact: <sip:alice@10.77.0.20:5060>;expires="));
	th_free(t);
}

/* Whether hras_limit_target lets a request go to host:port over UDP. */
static int
th_target(struct th *t, const char *host, uint16_t port)
{
	struct sip_addr	 a;

	snprintf(a.host, sizeof(a.host), "%s", host);
	a.port = port;
	a.tcp = 1;
	return hras_limit_target(&t->h, &a) == 0;
}

/*
 * Targets: hras's own SIP port (over UDP), outside and private addresses
 * pass; its other ports, loopback (unless hras is on loopback itself),
 * unspecified, link-local, multicast and broadcast do not.
 */
static void
test_targets(void **state)
{
	struct th	*t;
	char		*addr;
	uint16_t	 self;

	(void)state;
	t = th_new(th_free_port());
	self = t->h.conf->sip.port;
	assert_true(th_target(t, "127.0.0.1", self));
	assert_false(th_target(t, "127.0.0.1", 8080));
	assert_true(th_target(t, "127.0.0.2", 5060));	/* all on loopback */
	assert_true(th_target(t, "198.51.100.14", 5060));
	assert_true(th_target(t, "10.0.0.1", 5060));
	assert_true(th_target(t, "2001:db8::1", 5060));
	assert_false(th_target(t, "0.0.0.0", 5060));
	assert_false(th_target(t, "169.254.1.1", 5060));
	assert_false(th_target(t, "224.0.0.1", 5060));
	assert_false(th_target(t, "255.255.255.255", 5060));
	assert_false(th_target(t, "::", 5060));
	assert_false(th_target(t, "fe80::1", 5060));
	assert_false(th_target(t, "ff02::1", 5060));
	assert_false(th_target(t, "::ffff:169.254.0.1", 5060));
	/* hras on a public address: loopback is refused too. */
	assert_non_null(addr = strdup("198.51.100.10"));
	free(t->h.conf->sip.address);
	t->h.conf->sip.address = addr;
	assert_false(th_target(t, "127.0.0.1", 5060));
	assert_false(th_target(t, "127.1.2.3", 5060));
	assert_false(th_target(t, "::1", 5060));
	assert_false(th_target(t, "::ffff:127.0.0.1", 5060));
	assert_true(th_target(t, "198.51.100.10", self));
	assert_false(th_target(t, "198.51.100.10", 5061));
	th_free(t);
}

/*
 * A client's bindings stop at limits.bindings: one more is refused 503,
 * saying why; a refresh of one it has still passes.
 */
static void
test_register_quota(void **state)
{
	struct th	*t;

	(void)state;
	th_extra = "limits = { bindings = 2; };\n";
	t = th_new(th_free_port());
	th_extra = "";
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n"
	    "Contact: <sip:alice@10.77.0.21:5060>\r\n", NULL), 200);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.22:5060>\r\n", NULL), 503);
	assert_non_null(strstr(t->rx[t->nrx - 1], "Too Many Bindings"));
	assert_int_equal(th_bindings(t, "alice@corp.example"), 2);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.21:5060>\r\n", NULL), 200);
	th_free(t);
}

/*
 * A Contact that is no SIP URI hrac can send to is refused 400, saying
 * so, and binds nothing (it became a binding and a Contact in the answer
 * that hrac could not parse).
 */
static void
test_register_bad_contact(void **state)
{
	static const char *const bad[] = {
		"Contact: <qip:alice@10.77.0.20:5060>\r\n",
		"Contact: <sips:alice@10.77.0.20>\r\n",
		"Contact: <tel:+15550100>\r\n",
		"Contact: <sip:alice@10.77.0.20 x>\r\n",	/* blank */
		"Contact: <sip:alice@10.77 .0.20:5060>\r\n",
		"Contact: <sip:alice@ >\r\n",			/* empty host */
		"Contact: <sip:alice@\"\">\r\n",
		"Contact: <sip:alice@10.77.0.20:0>\r\n",
	};
	struct th	*t;
	size_t		 i;

	(void)state;
	t = th_new(th_free_port());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (th_register(t, bad[i], "Expires: 600\r\n") != 400)
			fail_msg("not refused 400: %s", bad[i]);
		assert_non_null(strstr(t->rx[t->nrx - 1], "Contact"));
		if (th_bindings(t, "alice@corp.example") != 0)
			fail_msg("bound: %s", bad[i]);
		/* Keep the answers from filling up. */
		free(t->rx[--t->nrx]);
	}
	th_free(t);
}

/*
 * RFC 3261 10.3: a REGISTER is processed whole or not at all. A good
 * Contact beside a bad one is not bound either, and bindings the AOR had
 * stay as they were.
 */
static void
test_register_good_and_bad(void **state)
{
	struct th	*t;

	(void)state;
	t = th_new(th_free_port());
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n", NULL), 200);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.21:5060>\r\n"
	    "Contact: <qip:alice@10.77.0.21:5062>\r\n", NULL), 400);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 1);
	assert_string_equal(TAILQ_FIRST(&t->h.bindings)->contact,
	    "sip:alice@10.77.0.20:5060");
	/* The bad one first, and one that would remove the binding. */
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20 x>\r\n"
	    "Contact: <sip:alice@10.77.0.20:5060>;expires=0\r\n", NULL), 400);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 1);
	th_free(t);
}

/*
 * Contact: * removes every binding of the AOR only with Expires: 0 and
 * alone (RFC 3261 10.3 step 6); otherwise 400 and nothing removed.
 */
static void
test_register_star(void **state)
{
	struct th	*t;

	(void)state;
	t = th_new(th_free_port());
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n", NULL), 200);
	assert_int_equal(th_register(t, "Contact: *\r\n", NULL), 400);
	assert_int_equal(th_register(t, "Contact: *\r\n",
	    "Expires: 600\r\n"), 400);
	assert_int_equal(th_register(t, "Contact: *\r\n"
	    "Contact: <sip:alice@10.77.0.21:5060>\r\n", "Expires: 0\r\n"),
	    400);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 1);
	assert_int_equal(th_register(t, "Contact: *\r\n", "Expires: 0\r\n"),
	    200);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 0);
	th_free(t);
}

/*
 * An Expires header or expires parameter that is no number is refused 400
 * (read as 0 it would unregister); the bindings stay as they were.
 */
static void
test_register_bad_expires(void **state)
{
	struct th	*t;

	(void)state;
	t = th_new(th_free_port());
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n", NULL), 200);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n", "Expires: abc\r\n"),
	    400);
	assert_int_equal(th_register(t, "Contact: *\r\n",
	    "Expires: zero\r\n"), 400);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>;expires=x0\r\n", NULL), 400);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.21:5060>;expires=60\r\n"
	    "Contact: <sip:alice@10.77.0.22:5060>;expires=-1\r\n", NULL), 400);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 1);
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>;expires=0\r\n", NULL), 200);
	assert_int_equal(th_bindings(t, "alice@corp.example"), 0);
	th_free(t);
}

/*
 * A request from the tunnel with a Contact no request could be sent to is
 * refused 400 and goes nowhere: hras would seal it into a Contact token,
 * and a request to the token would carry it as its Request-URI.
 */
static void
test_request_bad_contact(void **state)
{
	static const char invite[] =
	    "INVITE sip:erin@example.net SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.20:5060;branch=z9hG4bKbad1;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@corp.example>;tag=bad1\r\n"
	    "To: <sip:erin@example.net>\r\n"
	    "Call-ID: bad-contact-1\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Contact: <qip:alice@10.77.0.20:5060>\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct pollfd	 pfd;
	struct th	*t;
	uint16_t	 port;

	(void)state;
	pfd.fd = th_udp(&port);
	pfd.events = POLLIN;
	t = th_new(port);
	th_send(t, invite);
	event_base_loop(t->h.base, EVLOOP_NONBLOCK);
	assert_int_equal(poll(&pfd, 1, 200), 0);
	assert_int_equal(th_read(t), 1);
	assert_int_equal(th_status(t->rx[0]), 400);
	assert_non_null(strstr(t->rx[0], "Unusable Contact"));
	close(pfd.fd);
	th_free(t);
}

/*
 * Answer the INVITE hras passed into the tunnel (the last record read)
 * with this status and Contact, as the inside phone would.
 */
static void
th_answer(struct th *t, int status, const char *contact)
{
	osip_message_t	*m, *r;
	const char	*why;
	char		*buf;
	size_t		 len;
	int		 st;

	assert_int_equal(sip_parse(t->rx[t->nrx - 1],
	    strlen(t->rx[t->nrx - 1]), &m, &st, &why), 0);
	assert_true(MSG_IS_INVITE(m));
	assert_non_null(r = sip_reply(m, status, NULL));
	assert_int_equal(osip_message_set_contact(r, contact), 0);
	assert_int_equal(sip_serialize(r, &buf, &len), 0);
	hras_sip_from_tunnel(&t->h, "corp", 0, (const uint8_t *)buf, len);
	osip_free(buf);
	osip_message_free(r);
	osip_message_free(m);
}

/*
 * An inside phone's answer to an outside call with a Contact no request
 * could be sent to: a provisional one is dropped, a final one reaches the
 * caller as 502 with no Contact; a usable one goes on as a token.
 */
static void
test_response_bad_contact(void **state)
{
	static const char invite[] =
	    "INVITE sip:alice@corp.example SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKout%d;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:bob@example.net>;tag=out1\r\n"
	    "To: <sip:alice@corp.example>\r\n"
	    "Call-ID: bad-contact-%d\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Contact: <sip:bob@127.0.0.1:%u>\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	struct th		*t;
	char			 buf[4096];
	uint16_t		 port;
	ssize_t			 n;
	int			 i, len;

	(void)state;
	pfd.fd = th_udp(&port);
	pfd.events = POLLIN;
	t = th_new(th_free_port());
	assert_int_equal(th_register(t,
	    "Contact: <sip:alice@10.77.0.20:5060>\r\n", NULL), 200);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(t->h.conf->sip.port);
	for (i = 0; i < 2; i++) {
		len = snprintf(buf, sizeof(buf), invite, port, i, i, port);
		assert_int_equal(sendto(pfd.fd, buf, (size_t)len, 0,
		    (struct sockaddr *)&sin, sizeof(sin)), len);
		event_base_loop(t->h.base, EVLOOP_ONCE);
		assert_int_equal(th_read(t), 1);
		/* hras's 100 Trying, if any. */
		while (poll(&pfd, 1, 50) == 1)
			assert_true(recv(pfd.fd, buf, sizeof(buf), 0) > 0);
		if (i == 0) {
			th_answer(t, 180, "<qip:alice@10.77.0.20:5060>");
			event_base_loop(t->h.base, EVLOOP_NONBLOCK);
			assert_int_equal(poll(&pfd, 1, 200), 0);
			th_answer(t, 200, "<sip:alice@10.77.0.20 x>");
		} else
			th_answer(t, 200, "<sip:alice@10.77.0.20:5060>");
		event_base_loop(t->h.base, EVLOOP_NONBLOCK);
		assert_int_equal(poll(&pfd, 1, 500), 1);
		assert_true((n = recv(pfd.fd, buf, sizeof(buf) - 1, 0)) > 0);
		buf[n] = '\0';
		if (i == 0) {
			assert_int_equal(th_status(buf), 502);
			assert_null(strstr(buf, "Contact:"));
			assert_null(strstr(buf, "alice@10.77.0.20"));
		} else {
			assert_int_equal(th_status(buf), 200);
			assert_non_null(strstr(buf, "Contact: <sip:vofw-"));
		}
	}
	close(pfd.fd);
	th_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_udp),
		cmocka_unit_test(test_register_ok),
		cmocka_unit_test(test_register_quota),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_register_bad_contact),
		cmocka_unit_test(test_register_good_and_bad),
		cmocka_unit_test(test_register_star),
		cmocka_unit_test(test_register_bad_expires),
		cmocka_unit_test(test_request_bad_contact),
		cmocka_unit_test(test_response_bad_contact),
	};

	log_init("test_hras_sip", 0, LOG_LEVEL_ERR);
	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
