/*
 * Unit tests of the media relay with real sockets on 127.0.0.1 and a real
 * event loop, always run for a bounded time: port pair allocation, what
 * "phones" send reaching the in callback, tunnel datagrams reaching the
 * phone, symmetric RTP learning, the fixed peer's IP filter (127.0.0.2 is
 * the stranger: Linux routes all of 127/8 to lo), DSCP and the idle timer.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "media.h"

#define TM_MAX		128	/* datagrams or idle reports recorded */
#define TM_PAIRS	4	/* port pairs of the default range */
#define TM_HRAS		0x80000000U

/* One test's relay and what its callbacks saw. */
struct tmr {
	struct event_base	*base;
	struct media		*m;
	struct config_media	 cfg;
	char			 address[16];
	uint16_t		 pmin;
	int			 close_in;	/* in callback closes the flow */
	int			 close_idle;	/* idle callback closes it... */
	uint32_t		 keep;		/* ...unless it is this one */
	int			 n;
	struct {
		uint32_t	 flow;
		int		 rtcp;
		size_t		 len;
		uint8_t		 data[64];
	}			 in[TM_MAX];
	int			 nidle;
	uint32_t		 idle[TM_MAX];
};

static void	 tm_in(void *, uint32_t, int, const uint8_t *, size_t);
static void	 tm_idle(void *, uint32_t);
static uint16_t	 tm_range(unsigned int);
static struct tmr *tm_new(unsigned int, int);
static void	 tm_free(struct tmr *);
static int	 tm_phone(const char *, uint16_t *);
static void	 tm_send(int, uint16_t, const char *);
static void	 tm_pump(struct tmr *, int);
static ssize_t	 tm_recv(int, char *, size_t, uint16_t *, int *);
static void	 tm_sendn(int, uint16_t, const char *, int);

/* Record a datagram handed up, closing its flow if the test asks. */
static void
tm_in(void *arg, uint32_t flow, int rtcp, const uint8_t *data, size_t len)
{
	struct tmr	*t = arg;

	assert_true(t->n < TM_MAX);
	t->in[t->n].flow = flow;
	t->in[t->n].rtcp = rtcp;
	t->in[t->n].len = len;
	memcpy(t->in[t->n].data, data, len < 64 ? len : 64);
	t->n++;
	if (t->close_in)
		media_flow_close(t->m, media_flow_get(t->m, flow));
}

/* Record an idle report, closing the flow as an owner would. */
static void
tm_idle(void *arg, uint32_t flow)
{
	struct tmr	*t = arg;

	assert_true(t->nidle < TM_MAX);
	t->idle[t->nidle++] = flow;
	if (t->close_idle && flow != t->keep)
		media_flow_close(t->m, media_flow_get(t->m, flow));
}

/*
 * The even first port of a test's range: a window of 12 slots of
 * TM_PAIRS pairs per process, below the ephemeral ports the phones get.
 */
static uint16_t
tm_range(unsigned int slot)
{
	return (uint16_t)(21000 + (getpid() % 110) * 100 +
	    slot * 2 * TM_PAIRS);
}

/* A relay on 127.0.0.1 over TM_PAIRS pairs with the given idle timeout. */
static struct tmr *
tm_new(unsigned int slot, int timeout)
{
	struct tmr	*t;

	assert_non_null(t = calloc(1, sizeof(*t)));
	assert_non_null(t->base = event_base_new());
	strcpy(t->address, "127.0.0.1");
	t->pmin = tm_range(slot);
	t->cfg.address = t->address;
	t->cfg.port_min = t->pmin;
	t->cfg.port_max = (uint16_t)(t->pmin + 2 * TM_PAIRS - 1);
	t->cfg.timeout = timeout;
	assert_non_null(t->m = media_new(t->base, &t->cfg, tm_in, tm_idle, t));
	return t;
}

/* Free the relay, then its loop. */
static void
tm_free(struct tmr *t)
{
	media_free(t->m);
	event_base_free(t->base);
	free(t);
}

/* A phone's UDP socket on addr, any port (returned in *port). */
static int
tm_phone(const char *addr, uint16_t *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	assert_true((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on,
	    sizeof(on)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	if (port != NULL)
		*port = ntohs(sin.sin_port);
	return fd;
}

/* Send a string from a phone to 127.0.0.1:port. */
static void
tm_send(int fd, uint16_t port, const char *s)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, s, strlen(s), 0, (struct sockaddr *)&sin,
	    sizeof(sin)), (ssize_t)strlen(s));
}

/* Run the loop until `want` datagrams were handed up, at most ~200 ms. */
static void
tm_pump(struct tmr *t, int want)
{
	int	 i;

	for (i = 0; i < 200; i++) {
		assert_int_not_equal(event_base_loop(t->base, EVLOOP_NONBLOCK),
		    -1);
		if (t->n >= want)
			return;
		usleep(1000);
	}
}

/*
 * A datagram for a phone within 500 ms: its length (-1 if none), its
 * source port and the TOS it arrived with.
 */
static ssize_t
tm_recv(int fd, char *buf, size_t len, uint16_t *from, int *tos)
{
	struct pollfd		 pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in	 sin;
	struct msghdr		 msg;
	struct iovec		 iov = { .iov_base = buf, .iov_len = len - 1 };
	struct cmsghdr		*cm;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cbuf;
	ssize_t			 n;

	if (poll(&pfd, 1, 500) != 1)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &sin;
	msg.msg_namelen = sizeof(sin);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1)
		return -1;
	buf[n] = '\0';
	*from = ntohs(sin.sin_port);
	*tos = -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			*tos = *(unsigned char *)CMSG_DATA(cm);
	return n;
}

/* Pairs are even/odd, in range, distinct, and run out. */
static void
test_ports(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf[TM_PAIRS], *x;
	uint16_t		 p, q;
	int			 i, j;

	(void)state;
	t = tm_new(0, 30);
	for (i = 0; i < TM_PAIRS; i++) {
		assert_non_null(mf[i] = media_flow_open(t->m, TM_HRAS + 8 +
		    (uint32_t)i));
		p = media_flow_port(mf[i]);
		assert_int_equal(p % 2, 0);
		assert_true(p >= t->pmin && p + 1 <= t->cfg.port_max);
		for (j = 0; j < i; j++)
			assert_int_not_equal(media_flow_port(mf[j]), p);
		assert_ptr_equal(media_flow_get(t->m, TM_HRAS + 8 +
		    (uint32_t)i), mf[i]);
	}
	assert_int_equal(media_flows(t->m), TM_PAIRS);
	assert_null(media_flow_open(t->m, TM_HRAS + 16));	/* exhausted */
	assert_null(media_flow_open(t->m, TM_HRAS + 8));	/* already */
	assert_null(media_flow_get(t->m, TM_HRAS + 16));
	/* The one pair freed is the one handed out next. */
	q = media_flow_port(mf[1]);
	media_flow_close(t->m, mf[1]);
	assert_null(media_flow_get(t->m, TM_HRAS + 9));
	assert_int_equal(media_flows(t->m), TM_PAIRS - 1);
	assert_non_null(x = media_flow_open(t->m, TM_HRAS + 16));
	assert_int_equal(media_flow_port(x), q);
	tm_free(t);
}

/*
 * Pairs are drawn at random: over many opens every pair comes up, and the
 * next pair is not simply the one after the last (as a counter would be).
 */
static void
test_ports_random(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf;
	unsigned int		 seen[TM_PAIRS] = { 0 }, pair, prev = 0;
	int			 i, inorder = 0;

	(void)state;
	t = tm_new(1, 30);
	for (i = 0; i < 400; i++) {
		assert_non_null(mf = media_flow_open(t->m, 8));
		pair = (unsigned int)(media_flow_port(mf) - t->pmin) / 2;
		assert_true(pair < TM_PAIRS);
		seen[pair]++;
		if (i > 0 && pair == (prev + 1) % TM_PAIRS)
			inorder++;
		prev = pair;
		media_flow_close(t->m, mf);
	}
	for (i = 0; i < TM_PAIRS; i++)
		assert_true(seen[i] >= 40);	/* 100 expected */
	assert_true(inorder < 200);		/* 100 expected; 399 in turn */
	tm_free(t);
}

/* An odd port_min starts at the next even port; pairs fit in range. */
static void
test_ports_odd_range(void **state)
{
	struct event_base	*base;
	struct config_media	 cfg;
	struct media		*m;
	struct media_flow	*mf;
	char			 addr[] = "127.0.0.1";
	uint16_t		 pmin = tm_range(2), p;
	int			 i, seen = 0;

	(void)state;
	assert_non_null(base = event_base_new());
	memset(&cfg, 0, sizeof(cfg));
	cfg.address = addr;
	cfg.port_min = (uint16_t)(pmin + 1);
	cfg.port_max = (uint16_t)(pmin + 8);	/* pairs +2, +4, +6 */
	cfg.timeout = 30;
	assert_non_null(m = media_new(base, &cfg, tm_in, tm_idle, NULL));
	for (i = 0; i < 3; i++) {
		assert_non_null(mf = media_flow_open(m, 8 + (uint32_t)i));
		p = media_flow_port(mf);
		assert_true(p == pmin + 2 || p == pmin + 4 || p == pmin + 6);
		assert_int_equal(seen & (1 << (p - pmin)), 0);
		seen |= 1 << (p - pmin);
	}
	assert_null(media_flow_open(m, 16));
	media_free(m);
	/* No even port with its odd neighbour: refused. */
	cfg.port_min = (uint16_t)(pmin + 1);
	cfg.port_max = (uint16_t)(pmin + 2);
	assert_null(media_new(base, &cfg, tm_in, tm_idle, NULL));
	event_base_free(base);
}

/* A pair with a port some other socket holds is skipped. */
static void
test_ports_busy(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf, *mf2;
	struct sockaddr_in	 sin;
	int			 fd[2], i;

	(void)state;
	t = tm_new(3, 30);
	/* RTCP of pair 0 and RTP of pair 1. */
	for (i = 0; i < 2; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)(t->pmin + 1 + i));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_true((fd[i] = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
		assert_int_equal(bind(fd[i], (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
	}
	assert_non_null(mf = media_flow_open(t->m, 8));
	assert_non_null(mf2 = media_flow_open(t->m, 16));
	assert_true(media_flow_port(mf) + media_flow_port(mf2) ==
	    2 * t->pmin + 10 && media_flow_port(mf) >= t->pmin + 4 &&
	    media_flow_port(mf2) >= t->pmin + 4);
	assert_null(media_flow_open(t->m, 24));		/* the rest busy */
	close(fd[0]);
	assert_non_null(mf = media_flow_open(t->m, 24));
	assert_int_equal(media_flow_port(mf), t->pmin);
	close(fd[1]);
	tm_free(t);
}

/* Datagrams from the phone reach the in callback with flow and kind. */
static void
test_in(void **state)
{
	struct tmr		*t;
	struct media_flow	*a, *b;
	uint16_t		 prtp, prtcp;
	int			 rtp, rtcp;
	char			*big;

	(void)state;
	t = tm_new(4, 30);
	rtp = tm_phone("127.0.0.1", &prtp);
	rtcp = tm_phone("127.0.0.1", &prtcp);
	assert_non_null(a = media_flow_open(t->m, TM_HRAS + 8));
	assert_non_null(b = media_flow_open(t->m, TM_HRAS + 9));
	assert_int_equal(media_flow_set_peer(a, "127.0.0.1", prtp, prtcp, NULL,
	    0), 0);
	assert_int_equal(media_flow_set_peer(b, "127.0.0.1", prtp, 0, NULL, 0),
	    0);
	tm_send(rtp, media_flow_port(a), "rtp-a");
	tm_send(rtcp, (uint16_t)(media_flow_port(a) + 1), "rtcp-a");
	tm_send(rtp, media_flow_port(b), "rtp-b");
	tm_pump(t, 3);
	assert_int_equal(t->n, 3);
	assert_int_equal(t->in[0].flow, TM_HRAS + 8);
	assert_int_equal(t->in[0].rtcp, 0);
	assert_int_equal(t->in[0].len, 5);
	assert_memory_equal(t->in[0].data, "rtp-a", 5);
	assert_int_equal(t->in[1].flow, TM_HRAS + 8);
	assert_int_equal(t->in[1].rtcp, 1);
	assert_memory_equal(t->in[1].data, "rtcp-a", 6);
	assert_int_equal(t->in[2].flow, TM_HRAS + 9);
	assert_int_equal(t->in[2].rtcp, 0);
	assert_int_equal(media_stats(t->m)->rx_packets, 3);
	assert_int_equal(media_stats(t->m)->rx_bytes, 16);
	/* A burst is read whole, in order. */
	tm_send(rtp, media_flow_port(a), "1");
	tm_send(rtp, media_flow_port(a), "2");
	tm_send(rtp, media_flow_port(a), "3");
	tm_pump(t, 6);
	assert_int_equal(t->n, 6);
	assert_memory_equal(t->in[5].data, "3", 1);
	/* Larger than any RTP: dropped and counted. */
	assert_non_null(big = malloc(MEDIA_MAXDGRAM + 100));
	memset(big, 'x', MEDIA_MAXDGRAM + 99);
	big[MEDIA_MAXDGRAM + 99] = '\0';
	tm_send(rtp, media_flow_port(a), big);
	tm_send(rtp, media_flow_port(a), "after");
	tm_pump(t, 7);
	assert_int_equal(t->n, 7);
	assert_memory_equal(t->in[6].data, "after", 5);
	assert_int_equal(media_stats(t->m)->dropped_size, 1);
	free(big);
	close(rtp);
	close(rtcp);
	tm_free(t);
}

/* Tunnel datagrams leave from the flow's ports, marked EF, to the peer. */
static void
test_send(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf;
	uint16_t		 prtp, prtcp, from;
	int			 rtp, rtcp, tos;
	char			 buf[64];

	(void)state;
	t = tm_new(5, 30);
	rtp = tm_phone("127.0.0.1", &prtp);
	rtcp = tm_phone("127.0.0.1", &prtcp);
	assert_non_null(mf = media_flow_open(t->m, 8));
	/* No peer yet, then no flow at all: dropped and counted. */
	media_send(t->m, 8, 0, (const uint8_t *)"x", 1);
	media_send(t->m, 16, 0, (const uint8_t *)"x", 1);
	assert_int_equal(media_stats(t->m)->dropped_unknown, 2);
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", prtp, prtcp, NULL,
	    0), 0);
	media_send(t->m, 8, 0, (const uint8_t *)"to-rtp", 6);
	media_send(t->m, 8, 1, (const uint8_t *)"to-rtcp", 7);
	assert_int_equal(tm_recv(rtp, buf, sizeof(buf), &from, &tos), 6);
	assert_string_equal(buf, "to-rtp");
	assert_int_equal(from, media_flow_port(mf));
	assert_int_equal(tos, 46 << 2);
	assert_int_equal(tm_recv(rtcp, buf, sizeof(buf), &from, &tos), 7);
	assert_string_equal(buf, "to-rtcp");
	assert_int_equal(from, media_flow_port(mf) + 1);
	assert_int_equal(tos, 46 << 2);
	assert_int_equal(media_stats(t->m)->tx_packets, 2);
	assert_int_equal(media_stats(t->m)->tx_bytes, 13);
	assert_int_equal(media_stats(t->m)->dropped_unknown, 2);
	assert_int_equal(media_stats(t->m)->dropped_send, 0);
	close(rtp);
	close(rtcp);
	tm_free(t);
}

/* Send n copies of a string from a phone to 127.0.0.1:port. */
static void
tm_sendn(int fd, uint16_t port, const char *s, int n)
{
	while (n-- > 0)
		tm_send(fd, port, s);
}

/*
 * learn = 1, strict source: a stranger is never accepted; the first
 * source with the signalling IP becomes the peer; a new source of that IP
 * takes over after MEDIA_MOVE packets in a row (not one fewer, nor with
 * the peer's packets between); the SDP address itself wins at once and is
 * then kept.
 */
static void
test_learn(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf;
	uint16_t		 psdp, pnat, pother, from;
	int			 sdp, nat, other, stranger, tos;
	char			 buf[64];

	(void)state;
	t = tm_new(6, 30);
	sdp = tm_phone("127.0.0.1", &psdp);	/* what SDP said */
	nat = tm_phone("127.0.0.2", &pnat);	/* where it really is */
	other = tm_phone("127.0.0.2", &pother);	/* its NAT's next port */
	stranger = tm_phone("127.0.0.3", NULL);
	assert_non_null(mf = media_flow_open(t->m, 8));
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", psdp, 0,
	    "127.0.0.2", 1), 0);
	/* Nothing came yet: to the SDP address. */
	media_send(t->m, 8, 0, (const uint8_t *)"early", 5);
	assert_int_equal(tm_recv(sdp, buf, sizeof(buf), &from, &tos), 5);
	assert_string_equal(buf, "early");
	/* A stranger spraying the port neither gets in nor takes it. */
	tm_sendn(stranger, media_flow_port(mf), "spray", 3 * MEDIA_MOVE);
	tm_send(nat, media_flow_port(mf), "first");
	tm_pump(t, 1);
	usleep(10000);
	tm_pump(t, 2);
	assert_int_equal(t->n, 1);
	assert_memory_equal(t->in[0].data, "first", 5);
	assert_int_equal(media_stats(t->m)->dropped_source, 3 * MEDIA_MOVE);
	media_send(t->m, 8, 0, (const uint8_t *)"back", 4);
	assert_int_equal(tm_recv(nat, buf, sizeof(buf), &from, &tos), 4);
	assert_string_equal(buf, "back");
	assert_int_equal(from, media_flow_port(mf));
	assert_int_equal(tm_recv(stranger, buf, sizeof(buf), &from, &tos),
	    -1);
	/* One packet short of MEDIA_MOVE, then the peer: no move. */
	tm_sendn(other, media_flow_port(mf), "hijack", MEDIA_MOVE - 1);
	tm_send(nat, media_flow_port(mf), "second");
	tm_sendn(other, media_flow_port(mf), "hijack", MEDIA_MOVE - 1);
	tm_pump(t, 2);
	usleep(10000);
	tm_pump(t, 3);
	assert_int_equal(t->n, 2);
	assert_memory_equal(t->in[1].data, "second", 6);
	media_send(t->m, 8, 0, (const uint8_t *)"still", 5);
	assert_int_equal(tm_recv(nat, buf, sizeof(buf), &from, &tos), 5);
	/* The MEDIA_MOVE-th in a row: the NAT moved the phone. */
	tm_send(other, media_flow_port(mf), "moved");
	tm_pump(t, 3);
	assert_int_equal(t->n, 3);
	assert_memory_equal(t->in[2].data, "moved", 5);
	media_send(t->m, 8, 0, (const uint8_t *)"there", 5);
	assert_int_equal(tm_recv(other, buf, sizeof(buf), &from, &tos), 5);
	assert_string_equal(buf, "there");
	assert_int_equal(tm_recv(nat, buf, sizeof(buf), &from, &tos), -1);
	/* The SDP address wins at once, and nothing moves it then. */
	tm_send(sdp, media_flow_port(mf), "sdp");
	tm_pump(t, 4);
	assert_int_equal(t->n, 4);
	tm_sendn(other, media_flow_port(mf), "late", 2 * MEDIA_MOVE);
	tm_send(sdp, media_flow_port(mf), "sdp2");
	tm_pump(t, 5);
	usleep(10000);
	tm_pump(t, 6);
	assert_int_equal(t->n, 5);
	assert_memory_equal(t->in[4].data, "sdp2", 4);
	media_send(t->m, 8, 0, (const uint8_t *)"to-sdp", 6);
	assert_int_equal(tm_recv(sdp, buf, sizeof(buf), &from, &tos), 6);
	/* RTCP learns on its own. */
	tm_send(stranger, (uint16_t)(media_flow_port(mf) + 1), "rtcp?");
	tm_send(nat, (uint16_t)(media_flow_port(mf) + 1), "rtcp");
	tm_pump(t, 6);
	usleep(10000);
	tm_pump(t, 7);
	assert_int_equal(t->n, 6);
	assert_int_equal(t->in[5].rtcp, 1);
	media_send(t->m, 8, 1, (const uint8_t *)"rr", 2);
	assert_int_equal(tm_recv(nat, buf, sizeof(buf), &from, &tos), 2);
	/* A re-INVITE with the same SDP keeps what was learnt... */
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", psdp, 0,
	    "127.0.0.2", 1), 0);
	media_send(t->m, 8, 1, (const uint8_t *)"kept", 4);
	assert_int_equal(tm_recv(nat, buf, sizeof(buf), &from, &tos), 4);
	assert_string_equal(buf, "kept");
	/* ...one that moves the media starts over. */
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.2", pother, 0,
	    "127.0.0.2", 1), 0);
	media_send(t->m, 8, 0, (const uint8_t *)"moved", 5);
	assert_int_equal(tm_recv(other, buf, sizeof(buf), &from, &tos), 5);
	assert_string_equal(buf, "moved");
	assert_int_equal(tm_recv(sdp, buf, sizeof(buf), &from, &tos), -1);
	close(sdp);
	close(nat);
	close(other);
	close(stranger);
	tm_free(t);
}

/*
 * learn = 1 with no signalling address: only the SDP's IP may become the
 * peer (any port of it, as a phone with a public address may use).
 */
static void
test_learn_no_sig(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf;
	uint16_t		 psdp, pport, from;
	int			 sdp, port, nat, tos;
	char			 buf[64];

	(void)state;
	t = tm_new(11, 30);
	sdp = tm_phone("127.0.0.1", &psdp);
	port = tm_phone("127.0.0.1", &pport);
	nat = tm_phone("127.0.0.2", NULL);
	assert_non_null(mf = media_flow_open(t->m, 8));
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", psdp, 0, NULL,
	    1), 0);
	tm_sendn(nat, media_flow_port(mf), "nat", 2 * MEDIA_MOVE);
	tm_send(port, media_flow_port(mf), "port");
	tm_pump(t, 1);
	usleep(10000);
	tm_pump(t, 2);
	assert_int_equal(t->n, 1);
	assert_memory_equal(t->in[0].data, "port", 4);
	media_send(t->m, 8, 0, (const uint8_t *)"hi", 2);
	assert_int_equal(tm_recv(port, buf, sizeof(buf), &from, &tos), 2);
	/* A signalling address that is no IP only narrows the choice. */
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1",
	    (uint16_t)(psdp + 2), 0, "bogus", 1), 0);
	tm_sendn(nat, media_flow_port(mf), "nat", 2);
	tm_pump(t, 2);
	assert_int_equal(t->n, 1);
	close(sdp);
	close(port);
	close(nat);
	tm_free(t);
}

/* learn = 0: any port of the peer's IP, nothing from elsewhere. */
static void
test_fixed(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf, *nopeer;
	uint16_t		 pphone, from;
	int			 phone, sameip, stranger, tos;
	char			 buf[64];

	(void)state;
	t = tm_new(7, 30);
	phone = tm_phone("127.0.0.1", &pphone);
	sameip = tm_phone("127.0.0.1", NULL);
	stranger = tm_phone("127.0.0.2", NULL);
	assert_non_null(mf = media_flow_open(t->m, 8));
	assert_non_null(nopeer = media_flow_open(t->m, 16));
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", pphone, 0, NULL,
	    0), 0);
	tm_send(stranger, media_flow_port(mf), "no");
	tm_send(stranger, (uint16_t)(media_flow_port(mf) + 1), "no");
	tm_send(phone, media_flow_port(nopeer), "no");	/* no peer yet */
	tm_send(sameip, media_flow_port(mf), "ok1");
	tm_send(phone, (uint16_t)(media_flow_port(mf) + 1), "ok2");
	tm_pump(t, 2);
	usleep(10000);
	tm_pump(t, 3);
	assert_int_equal(t->n, 2);
	assert_memory_equal(t->in[0].data, "ok1", 3);
	assert_memory_equal(t->in[1].data, "ok2", 3);
	assert_int_equal(media_stats(t->m)->dropped_source, 3);
	/* A stranger's packet did not move the peer. */
	media_send(t->m, 8, 0, (const uint8_t *)"hi", 2);
	assert_int_equal(tm_recv(phone, buf, sizeof(buf), &from, &tos), 2);
	close(phone);
	close(sameip);
	close(stranger);
	tm_free(t);
}

/* Bad peers are refused and change nothing. */
static void
test_bad_peer(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf;
	struct config_media	 cfg;
	char			 bad[] = "not-an-ip";

	(void)state;
	t = tm_new(8, 30);
	assert_non_null(mf = media_flow_open(t->m, 8));
	assert_int_equal(media_flow_set_peer(mf, "nowhere", 4000, 0, NULL, 0),
	    -1);
	assert_int_equal(media_flow_set_peer(mf, "::1", 4000, 0, NULL, 0), -1);
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", 0, 0, NULL, 0),
	    -1);
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", 65535, 0, NULL,
	    0), -1);
	media_send(t->m, 8, 0, (const uint8_t *)"x", 1);
	assert_int_equal(media_stats(t->m)->dropped_unknown, 1);
	cfg = t->cfg;
	cfg.address = bad;
	assert_null(media_new(t->base, &cfg, tm_in, tm_idle, t));
	tm_free(t);
}

/* A flow closed by the in callback reads no more of its burst. */
static void
test_close_in_callback(void **state)
{
	struct tmr		*t;
	struct media_flow	*mf;
	uint16_t		 pphone;
	int			 phone;

	(void)state;
	t = tm_new(9, 30);
	phone = tm_phone("127.0.0.1", &pphone);
	assert_non_null(mf = media_flow_open(t->m, 8));
	assert_int_equal(media_flow_set_peer(mf, "127.0.0.1", pphone, 0, NULL,
	    0), 0);
	t->close_in = 1;
	tm_send(phone, media_flow_port(mf), "1");
	tm_send(phone, media_flow_port(mf), "2");
	tm_send(phone, media_flow_port(mf), "3");
	tm_pump(t, 1);
	tm_pump(t, 2);
	assert_int_equal(t->n, 1);
	assert_int_equal(media_flows(t->m), 0);
	assert_null(media_flow_get(t->m, 8));
	close(phone);
	tm_free(t);
}

/*
 * With a 1 s timeout: a flow with RTP is not idle, one with only RTCP
 * is, as is a silent one; each is reported once, also when its owner
 * leaves it open.
 */
static void
test_idle(void **state)
{
	struct tmr		*t;
	struct media_flow	*busy, *rtcp;
	struct timeval		 tv = { 0, 100000 };
	uint16_t		 pphone;
	int			 phone, i, nrtp = 0, seen[4] = { 0, 0, 0, 0 };

	(void)state;
	t = tm_new(10, 1);
	phone = tm_phone("127.0.0.1", &pphone);
	assert_non_null(busy = media_flow_open(t->m, 8));
	assert_non_null(rtcp = media_flow_open(t->m, 16));
	assert_non_null(media_flow_open(t->m, 24));
	assert_non_null(media_flow_open(t->m, 32));
	assert_int_equal(media_flow_set_peer(busy, "127.0.0.1", pphone, 0, NULL,
	    0), 0);
	assert_int_equal(media_flow_set_peer(rtcp, "127.0.0.1", pphone, 0, NULL,
	    0), 0);
	t->close_idle = 1;
	t->keep = 32;
	/* 3.5 s of 100 ms steps: idle is due after 1 to 2 s. */
	for (i = 0; i < 35; i++) {
		tm_send(phone, media_flow_port(busy), "rtp");
		if (media_flow_get(t->m, 16) != NULL)
			tm_send(phone, (uint16_t)(media_flow_port(rtcp) + 1),
			    "rtcp");
		assert_int_equal(event_base_loopexit(t->base, &tv), 0);
		assert_int_not_equal(event_base_dispatch(t->base), -1);
	}
	for (i = 0; i < t->n; i++)
		nrtp += t->in[i].flow == 8 && !t->in[i].rtcp;
	assert_int_equal(nrtp, 35);
	assert_int_equal(t->nidle, 3);
	for (i = 0; i < t->nidle; i++) {
		assert_true(t->idle[i] >= 16 && t->idle[i] <= 32);
		seen[t->idle[i] / 8 - 1]++;
	}
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 1);
	assert_int_equal(seen[3], 1);
	assert_int_equal(media_flows(t->m), 2);
	assert_non_null(media_flow_get(t->m, 8));
	assert_non_null(media_flow_get(t->m, 32));
	close(phone);
	tm_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ports_random),
		cmocka_unit_test(test_ports_odd_range),
		cmocka_unit_test(test_ports_busy),
		cmocka_unit_test(test_in),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_learn_no_sig),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_bad_peer),
		cmocka_unit_test(test_close_in_callback),
		cmocka_unit_test(test_idle),
	};

	log_init("test_media", 0, LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
