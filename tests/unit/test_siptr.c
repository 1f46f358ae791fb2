/*
 * Unit tests of the SIP transport's TCP limits, over loopback sockets:
 * the cap per address, the deadline for a first valid message, the oldest
 * connection without one giving way when all are taken, and our own
 * connections counted apart from accepted ones; a proxy's first steps
 * with a request (Via received, Max-Forwards).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
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

#include "unit_net.h"
#include <event2/event.h>

#include "config.h"
#include "siptr.h"

#define TT_OPTIONS \
	"OPTIONS sip:127.0.0.1 SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tt1\r\n" \
	"From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n" \
	"Call-ID: tt-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n" \
	"Content-Length: 0\r\n\r\n"

struct tt {
	struct event_base	*base;
	struct siptr		*tr;
	uint16_t		 port;
	int			 received;
};

static void	 tt_recv(void *, osip_message_t *, const struct sip_addr *);
static int	 tt_bound(int, uint16_t *);
static int	 tt_listen(uint16_t *);

/* Count what the transport hands up. */
static void
tt_recv(void *arg, osip_message_t *m, const struct sip_addr *from)
{
	struct tt	*t = arg;

	(void)m;
	(void)from;
	t->received++;
}

/* A socket of a type bound to a free loopback port. */
static int
tt_bound(int type, uint16_t *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, type, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A plain TCP listener on a free loopback port. */
static int
tt_listen(uint16_t *port)
{
	int	 fd = tt_bound(SOCK_STREAM, port);

	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* A transport on a free loopback port with small limits. */
static int
tt_setup(void **state)
{
	static const struct config_sip_tcp lim = {
		.conns_max = 3,
		.per_address = 2,
		.out_max = 1,
		.idle = 60,
		.first_timeout = 1
	};
	struct tt	*t;
	int		 i;

	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->base = event_base_new();
	assert_non_null(t->base);
	for (i = 0; i < 50 && t->tr == NULL; i++) {
		t->port = (uint16_t)(30000 + (getpid() * 7 + i * 131) % 30000);
		t->tr = siptr_new(t->base, "127.0.0.1", t->port, tt_recv, t);
	}
	assert_non_null(t->tr);
	siptr_set_limits(t->tr, &lim);
	*state = t;
	return 0;
}

static int
tt_teardown(void **state)
{
	struct tt	*t = *state;

	siptr_free(t->tr);
	event_base_free(t->base);
	free(t);
	return 0;
}

/*
 * Two connections from one address are taken, a third refused; the one
 * that sent no valid message is closed after first_timeout, the other
 * stays.
 */
static void
test_per_address_and_first(void **state)
{
	struct tt	*t = *state;
	int		 a, b, c;

	a = unet_connect("127.0.0.1", t->port);
	b = unet_connect("127.0.0.1", t->port);
	unet_run(t->base, 100);
	c = unet_connect("127.0.0.1", t->port);
	unet_run(t->base, 100);
	assert_true(unet_open(a));
	assert_true(unet_open(b));
	assert_false(unet_open(c));
	assert_int_equal(send(a, TT_OPTIONS, strlen(TT_OPTIONS), 0),
	    (ssize_t)strlen(TT_OPTIONS));
	/* A trickle is no valid message. */
	assert_int_equal(send(b, "OPT", 3, 0), 3);
	unet_run(t->base, 600);
	assert_int_equal(send(b, "I", 1, 0), 1);
	unet_run(t->base, 700);
	assert_int_equal(t->received, 1);
	assert_true(unet_open(a));
	assert_false(unet_open(b));
	close(a);
	close(b);
	close(c);
}

/*
 * All three taken: a newcomer from a fourth address makes the oldest
 * connection without a valid message give way; our own connection to
 * elsewhere still opens (counted apart), up to outgoing_max.
 */
static void
test_evict_and_outgoing(void **state)
{
	struct tt	*t = *state;
	struct sip_addr	 to;
	uint16_t	 lport, lport2;
	int		 a, b, c, d, l, l2, in;
	char		 buf[64];

	a = unet_connect("127.0.0.1", t->port);
	unet_run(t->base, 50);
	assert_int_equal(send(a, TT_OPTIONS, strlen(TT_OPTIONS), 0),
	    (ssize_t)strlen(TT_OPTIONS));
	b = unet_connect("127.0.0.2", t->port);
	unet_run(t->base, 50);
	c = unet_connect("127.0.0.3", t->port);
	unet_run(t->base, 50);
	d = unet_connect("127.0.0.4", t->port);
	unet_run(t->base, 100);
	assert_true(unet_open(a));
	assert_false(unet_open(b));
	assert_true(unet_open(c));
	assert_true(unet_open(d));

	l = tt_listen(&lport);
	l2 = tt_listen(&lport2);
	memset(&to, 0, sizeof(to));
	snprintf(to.host, sizeof(to.host), "127.0.0.1");
	to.port = lport;
	to.tcp = 1;
	assert_int_equal(siptr_send(t->tr, &to, "ping", 4), 0);
	unet_run(t->base, 100);
	in = accept(l, NULL, NULL);
	assert_true(in != -1);
	assert_int_equal(recv(in, buf, sizeof(buf), 0), 4);
	/* The same address again rides the same connection. */
	assert_int_equal(siptr_send(t->tr, &to, "pong", 4), 0);
	to.port = lport2;
	assert_int_equal(siptr_send(t->tr, &to, "ping", 4), -1);
	close(in);
	close(l);
	close(l2);
	close(a);
	close(b);
	close(c);
	close(d);
}

/* A request with Max-Forwards mf from a UDP socket on 127.0.0.1:port. */
static osip_message_t *
tt_request(uint16_t port, const char *mf)
{
	osip_message_t	*m;
	char		 buf[512];
	const char	*why;
	int		 len, status;

	len = snprintf(buf, sizeof(buf), "OPTIONS sip:u@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-tt2;rport\r\n"
	    "From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:u@127.0.0.1>\r\n"
	    "Call-ID: tt-2\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: %s\r\n"
	    "Content-Length: 0\r\n\r\n", port, mf);
	assert_int_equal(sip_parse(buf, (size_t)len, &m, &status, &why), 0);
	return m;
}

/* The status line of what the socket got within a second, or "". */
static void
tt_answer(int fd, char *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	ssize_t		 n = 0;

	if (poll(&pfd, 1, 1000) == 1)
		n = recv(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\r")] = '\0';
}

/*
 * siptr_hop passes a request on with Max-Forwards one less and its Via
 * stamped; a spent Max-Forwards is answered 483 and a bad one 400, to the
 * address the request came from.
 */
static void
test_hop(void **state)
{
	struct tt		*t = *state;
	struct sip_addr		 from;
	osip_message_t		*m;
	osip_header_t		*mf;
	osip_via_t		*via;
	char			 buf[256];
	int			 fd;

	memset(&from, 0, sizeof(from));
	snprintf(from.host, sizeof(from.host), "127.0.0.1");
	fd = tt_bound(SOCK_DGRAM, &from.port);

	m = tt_request(from.port, "70");
	assert_int_equal(siptr_hop(t->tr, m, &from), 0);
	assert_true(osip_message_header_get_byname(m, "max-forwards", 0,
	    &mf) >= 0);
	assert_string_equal(mf->hvalue, "69");
	via = osip_list_get(&m->vias, 0);
	assert_non_null(sip_param(&via->via_params, "rport"));
	osip_message_free(m);

	m = tt_request(from.port, "0");
	assert_int_equal(siptr_hop(t->tr, m, &from), -1);
	osip_message_free(m);
	tt_answer(fd, buf, sizeof(buf));
	assert_string_equal(buf, "SIP/2.0 483 Too Many Hops");

	m = tt_request(from.port, "x7");
	assert_int_equal(siptr_hop(t->tr, m, &from), -1);
	osip_message_free(m);
	tt_answer(fd, buf, sizeof(buf));
	assert_string_equal(buf, "SIP/2.0 400 Bad Request");
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_address_and_first,
		    tt_setup, tt_teardown),
		cmocka_unit_test_setup_teardown(test_evict_and_outgoing,
		    tt_setup, tt_teardown),
		cmocka_unit_test_setup_teardown(test_hop, tt_setup,
		    tt_teardown),
	};

	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
