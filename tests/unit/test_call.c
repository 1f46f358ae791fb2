/*
 * Unit tests of the VCIT life cycle as common/call.c drives it, with a
 * real media relay on 127.0.0.1 and "phones" that are UDP sockets there:
 * a call created by SDP from the own side with its flow base and one flow
 * per usable m= line, SDP going to the own side rewritten to the relay,
 * re-INVITE and hold, the messages that establish and end a call, and
 * shutdown closing every flow.
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
#include <event2/event.h>

#include <osipparser2/osip_port.h>

#include "call.h"
#include "config.h"
#include "log.h"
#include "media.h"
#include "sdp.h"
#include "sip.h"
#include "vcit.h"

#define TC_HRAS		0x80000000U
#define TC_PAIRS	8	/* port pairs of a test's relay */
#define TC_CLIENT	"corp"
#define TC_SRC		"127.0.0.1"	/* own side's SIP source */

/* One test's half: its relay, VCIT and call context. */
struct tch {
	struct event_base	*base;
	struct media		*m;
	struct vcit		*v;
	struct config_media	 cfg;
	char			 address[16];
	struct call_ctx		 cx;
	int			 nidle;		/* idle reports */
};

static uint16_t	 tc_range(unsigned int);
static struct tch *tc_new(unsigned int, int);
static struct tch *tc_new_timeout(unsigned int, int, int);
static void	 tc_free(struct tch *);
static int	 tc_phone(uint16_t *);
static void	 tc_reaches(struct tch *, uint32_t, int, const char *);
static void	 tc_run(struct tch *, int);
static void	 tc_sdp(char *, size_t, const char *, const char *,
		    const uint16_t *, int);
static osip_message_t *tc_msg(const char *, const char *, int,
		    const char *, const char *);
static osip_message_t *tc_req(const char *, const char *, int,
		    const char *);
static osip_message_t *tc_resp(int, const char *, const char *, int,
		    const char *);
static void	 tc_in(void *, uint32_t, int, const uint8_t *, size_t);
static void	 tc_idle(void *, uint32_t);
static int	 tc_invite(struct tch *, const char *, const char *, int,
		    int *);
static void	 tc_track(struct tch *, osip_message_t *);

/* Media callbacks: nothing is sent from the phones in these tests. */
static void
tc_in(void *arg, uint32_t flow, int rtcp, const uint8_t *data, size_t len)
{
	(void)arg;
	(void)flow;
	(void)rtcp;
	(void)data;
	(void)len;
}

/* A flow went quiet: count it, and end the call as the halves do. */
static void
tc_idle(void *arg, uint32_t flow)
{
	struct tch	*t = arg;

	t->nidle++;
	call_idle(&t->cx, flow);
}

/*
 * The even first port of a test's range: TC_PAIRS pairs per slot, below
 * test_media's ranges and the ephemeral ports the phones get.
 */
static uint16_t
tc_range(unsigned int slot)
{
	return (uint16_t)(13000 + (getpid() % 50) * 160 + slot * 2 * TC_PAIRS);
}

/* A half on 127.0.0.1: hras's (outside = 1) or hrac's. */
static struct tch *
tc_new(unsigned int slot, int outside)
{
	return tc_new_timeout(slot, outside, 30);
}

/* A half whose media ends calls after timeout seconds without RTP. */
static struct tch *
tc_new_timeout(unsigned int slot, int outside, int timeout)
{
	struct tch	*t;

	assert_non_null(t = calloc(1, sizeof(*t)));
	assert_non_null(t->base = event_base_new());
	strcpy(t->address, "127.0.0.1");
	t->cfg.address = t->address;
	t->cfg.port_min = tc_range(slot);
	t->cfg.port_max = (uint16_t)(t->cfg.port_min + 2 * TC_PAIRS - 1);
	t->cfg.timeout = timeout;
	assert_non_null(t->m = media_new(t->base, &t->cfg, tc_in, tc_idle,
	    t));
	assert_non_null(t->v = vcit_new());
	t->cx.vcit = t->v;
	t->cx.media = t->m;
	strcpy(t->cx.media_addr, "127.0.0.1");
	t->cx.outside = outside;
	t->cx.high_bit = outside ? TC_HRAS : 0;
	return t;
}

/* Shut the half down as the daemons do. */
static void
tc_free(struct tch *t)
{
	call_end_all(&t->cx);
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);
	media_free(t->m);
	vcit_free(t->v);
	event_base_free(t->base);
	free(t);
}

/* A phone's UDP socket on 127.0.0.1, any port (returned in *port). */
static int
tc_phone(uint16_t *port)
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

/*
 * What the relay sends on a flow (as if it came out of the tunnel) arrives
 * at phone fd (fd -1: at no phone; nothing is waited for then).
 */
static void
tc_reaches(struct tch *t, uint32_t flow, int fd, const char *what)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 buf[64];
	ssize_t		 n;

	media_send(t->m, flow, 0, (const uint8_t *)what, strlen(what));
	if (fd == -1)
		return;
	assert_int_equal(poll(&pfd, 1, 500), 1);
	assert_true((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0);
	buf[n] = '\0';
	assert_string_equal(buf, what);
}

/* Nothing is waiting on a phone's socket. */
#define tc_quiet(sock) do {						\
	struct pollfd	 pfd_ = { .fd = (sock), .events = POLLIN };	\
	assert_int_equal(poll(&pfd_, 1, 50), 0);			\
} while (0)

/*
 * An SDP body from addr: m=audio, m=video, m=audio... on the given ports,
 * with a direction attribute when dir is not NULL.
 */
static void
tc_sdp(char *buf, size_t len, const char *addr, const char *dir,
    const uint16_t *ports, int n)
{
	size_t	 off;
	int	 i;

	off = (size_t)snprintf(buf, len, "v=0\r\n"
	    "o=phone 1 1 IN IP4 %s\r\n"
	    "s=-\r\n"
	    "c=IN IP4 %s\r\n"
	    "t=0 0\r\n", strcmp(addr, "0.0.0.0") == 0 ? "127.0.0.1" : addr,
	    addr);
	for (i = 0; i < n; i++) {
		off += (size_t)snprintf(buf + off, len - off,
		    "m=%s %u RTP/AVP %d\r\n", i % 2 ? "video" : "audio",
		    ports[i], i % 2 ? 96 : 0);
		if (dir != NULL)
			off += (size_t)snprintf(buf + off, len - off,
			    "a=%s\r\n", dir);
	}
	assert_true(off < len);
}

/*
 * A message with the given start line, Call-ID, CSeq and SDP body (NULL:
 * none), through sip_parse as the halves get it.
 */
static osip_message_t *
tc_msg(const char *start, const char *callid, int cseq, const char *method,
    const char *sdp)
{
	osip_message_t	*m;
	const char	*why;
	char		 buf[4096];
	int		 n, status;

	n = snprintf(buf, sizeof(buf), "%s\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-%s-%d\r\n"
	    "From: <sip:alice@corp.example>;tag=a1\r\n"
	    "To: <sip:bob@198.51.100.20>%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %d %s\r\n"
	    "%s"
	    "Content-Length: %zu\r\n"
	    "\r\n%s", start, callid, cseq,
	    strncmp(start, "SIP/2.0", 7) == 0 ? ";tag=b1" : "", callid, cseq,
	    method, sdp != NULL ? "Content-Type: application/sdp\r\n" : "",
	    sdp != NULL ? strlen(sdp) : 0, sdp != NULL ? sdp : "");
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	if (sip_parse(buf, (size_t)n, &m, &status, &why) != 0)
		fail_msg("test message refused: %s", why);
	return m;
}

/* A request of a call. */
static osip_message_t *
tc_req(const char *method, const char *callid, int cseq, const char *sdp)
{
	char	 start[128];

	snprintf(start, sizeof(start), "%s sip:bob@198.51.100.20 SIP/2.0",
	    method);
	return tc_msg(start, callid, cseq, method, sdp);
}

/* A response to a request of a call. */
static osip_message_t *
tc_resp(int status, const char *method, const char *callid, int cseq,
    const char *sdp)
{
	char	 start[64];

	snprintf(start, sizeof(start), "SIP/2.0 %d %s", status,
	    osip_message_get_reason(status));
	return tc_msg(start, callid, cseq, method, sdp);
}

/*
 * hras: an outside phone's INVITE creates the call with a flow base of
 * hras's, one flow per m= line, each aimed at where the phone wants it.
 */
static void
test_invite_outside(void **state)
{
	struct tch		*t = tc_new(0, 1);
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[2];
	uint32_t		 base, base2;
	char			 sdp[1024];
	int			 fd[2], status = 0;

	(void)state;
	fd[0] = tc_phone(&ports[0]);
	fd[1] = tc_phone(&ports[1]);
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 2);
	m = tc_req("INVITE", "out1@198.51.100.20", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	assert_int_equal(status, 0);
	assert_true((base & TC_HRAS) != 0);
	assert_int_equal(base % VCIT_STREAMS, 0);
	assert_int_not_equal(base & ~TC_HRAS, 0);
	assert_int_equal(vcit_count(t->v), 1);
	assert_non_null(c = vcit_find(t->v, "out1@198.51.100.20"));
	assert_int_equal(c->flow_base, base);
	assert_string_equal(c->from, "sip:alice@corp.example");
	assert_string_equal(c->to, "sip:bob@198.51.100.20");
	assert_string_equal(c->client, TC_CLIENT);
	assert_int_equal(c->established, 0);
	assert_int_equal(c->nstreams, 2);
	assert_int_equal(media_flows(t->m), 2);
	assert_ptr_equal(c->stream[0].mf, media_flow_get(t->m, base));
	assert_ptr_equal(c->stream[1].mf, media_flow_get(t->m, base + 1));
	/* The outside terminal's addresses (OIP, OPort). */
	assert_string_equal(c->stream[0].oaddr, "127.0.0.1");
	assert_int_equal(c->stream[0].oport, ports[0]);
	assert_int_equal(c->stream[1].oport, ports[1]);
	assert_string_equal(c->stream[0].iaddr, "");
	/* Voice out of the tunnel reaches each stream's phone port. */
	tc_reaches(t, base, fd[0], "audio");
	tc_reaches(t, base + 1, fd[1], "video");
	tc_quiet(fd[0]);

	/* The INVITE again (a retransmission): same call, same flows. */
	osip_message_free(m);
	m = tc_req("INVITE", "out1@198.51.100.20", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	assert_int_equal(base2, base);
	assert_int_equal(vcit_count(t->v), 1);
	assert_int_equal(media_flows(t->m), 2);
	osip_message_free(m);

	/* A message without SDP names the call's base, or 0 without one. */
	m = tc_req("ACK", "out1@198.51.100.20", 1, NULL);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	assert_int_equal(base2, base);
	osip_message_free(m);
	m = tc_req("INVITE", "nosdp@198.51.100.20", 1, NULL);
	base2 = 1;
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	assert_int_equal(base2, 0);
	assert_int_equal(vcit_count(t->v), 1);
	osip_message_free(m);

	/* A second call gets another block. */
	m = tc_req("INVITE", "out2@198.51.100.20", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	assert_true((base2 & TC_HRAS) != 0);
	assert_int_not_equal(base2, base);
	assert_int_equal(vcit_count(t->v), 2);
	assert_int_equal(media_flows(t->m), 4);
	osip_message_free(m);
	close(fd[0]);
	close(fd[1]);
	tc_free(t);
}

/*
 * hrac: an inside phone's INVITE; hrac's bases have the high bit clear,
 * the inside columns (IIP, IPort) are filled, a refused stream (port 0)
 * gets no flow.
 */
static void
test_invite_inside(void **state)
{
	struct tch		*t = tc_new(1, 0);
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[3];
	uint32_t		 base;
	char			 sdp[1024];
	int			 fd[3], status = 0;

	(void)state;
	fd[0] = tc_phone(&ports[0]);
	fd[2] = tc_phone(&ports[2]);
	ports[1] = 0;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 3);
	m = tc_req("INVITE", "in1@10.77.0.21", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC, &base,
	    &status), 0);
	assert_int_equal(base & TC_HRAS, 0);
	assert_int_not_equal(base, 0);
	assert_int_equal(base % VCIT_STREAMS, 0);
	assert_non_null(c = vcit_find(t->v, "in1@10.77.0.21"));
	assert_string_equal(c->client, "");
	assert_int_equal(c->nstreams, 3);
	assert_int_equal(media_flows(t->m), 2);
	assert_non_null(c->stream[0].mf);
	assert_null(c->stream[1].mf);
	assert_null(media_flow_get(t->m, base + 1));
	assert_non_null(c->stream[2].mf);
	assert_string_equal(c->stream[0].iaddr, "127.0.0.1");
	assert_int_equal(c->stream[0].iport, ports[0]);
	assert_int_equal(c->stream[2].iport, ports[2]);
	assert_string_equal(c->stream[0].oaddr, "");
	tc_reaches(t, base, fd[0], "s0");
	tc_reaches(t, base + 2, fd[2], "s2");
	osip_message_free(m);
	close(fd[0]);
	close(fd[2]);
	tc_free(t);
}

/*
 * hras: the inside phone's 200 with SDP, out of the tunnel, is rewritten
 * to hras's relay address and ports; the VCIT learns the inside terminal.
 */
static void
test_answer_to_own_side(void **state)
{
	static const uint16_t	 inside[2] = { 7078, 9078 };
	struct tch		*t = tc_new(2, 1);
	struct vcit_call	*c;
	struct sdp_info		 info;
	osip_message_t		*m;
	const char		*body, *why;
	uint16_t		 ports[2];
	uint32_t		 base;
	size_t			 len;
	char			 sdp[1024], want[1024], *s, *buf;
	int			 fd[2], status = 0;

	(void)state;
	fd[0] = tc_phone(&ports[0]);
	fd[1] = tc_phone(&ports[1]);
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 2);
	m = tc_req("INVITE", "ans@198.51.100.20", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	osip_message_free(m);

	tc_sdp(sdp, sizeof(sdp), "10.77.0.31", "sendrecv", inside, 2);
	m = tc_resp(200, "INVITE", "ans@198.51.100.20", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, base, TC_CLIENT,
	    &status), 0);
	assert_int_equal(vcit_count(t->v), 1);
	assert_non_null(c = vcit_find(t->v, "ans@198.51.100.20"));
	assert_int_equal(c->flow_base, base);
	assert_int_equal(media_flows(t->m), 2);
	/* The inside terminal (IIP, IPort); the outside one kept. */
	assert_string_equal(c->stream[0].iaddr, "10.77.0.31");
	assert_int_equal(c->stream[0].iport, 7078);
	assert_string_equal(c->stream[1].iaddr, "10.77.0.31");
	assert_int_equal(c->stream[1].iport, 9078);
	assert_int_equal(c->stream[0].oport, ports[0]);
	/* The body now sends both streams to the relay. */
	assert_int_equal(sip_body(m, &body, &len), 0);
	snprintf(want, sizeof(want), "v=0\r\n"
	    "o=phone 1 1 IN IP4 127.0.0.1\r\n"
	    "s=-\r\n"
	    "c=IN IP4 127.0.0.1\r\n"
	    "t=0 0\r\n"
	    "m=audio %u RTP/AVP 0\r\n"
	    "a=sendrecv\r\n"
	    "m=video %u RTP/AVP 96\r\n"
	    "a=sendrecv\r\n", media_flow_port(c->stream[0].mf),
	    media_flow_port(c->stream[1].mf));
	assert_int_equal(len, strlen(want));
	assert_memory_equal(body, want, len);
	assert_int_equal(sdp_inspect(body, len, &info, &why), 0);
	assert_int_equal(info.nstreams, 2);
	assert_string_equal(info.stream[0].addr, "127.0.0.1");
	/* Content-Length follows the new body. */
	assert_int_equal(sip_serialize(m, &buf, &len), 0);
	assert_non_null(s = strstr(buf, "\r\n\r\n"));
	assert_string_equal(s + 4, want);
	snprintf(sdp, sizeof(sdp), "Content-Length: %*zu\r\n", 5,
	    strlen(want));
	assert_non_null(strstr(buf, sdp));
	osip_free(buf);
	osip_message_free(m);
	close(fd[0]);
	close(fd[1]);
	tc_free(t);
}

/*
 * hrac: an INVITE out of the tunnel creates the call under the base hras
 * chose (carried by the SIP frame) and is rewritten to hrac's relay.
 */
static void
test_invite_to_own_side(void **state)
{
	static const uint16_t	 outside[1] = { 40000 };
	struct tch		*t = tc_new(3, 0);
	struct vcit_call	*c;
	osip_message_t		*m;
	const char		*body;
	uint16_t		 ports[1];
	uint32_t		 base;
	size_t			 len;
	char			 sdp[1024], want[64];
	int			 fd, status = 0;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, outside, 1);
	m = tc_req("INVITE", "tun@198.51.100.30", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, TC_HRAS + 0x40, NULL,
	    &status), 0);
	assert_non_null(c = vcit_find(t->v, "tun@198.51.100.30"));
	assert_int_equal(c->flow_base, TC_HRAS + 0x40);
	assert_non_null(media_flow_get(t->m, TC_HRAS + 0x40));
	assert_string_equal(c->stream[0].oaddr, "127.0.0.1");
	assert_int_equal(c->stream[0].oport, 40000);
	assert_int_equal(sip_body(m, &body, &len), 0);
	snprintf(want, sizeof(want), "\r\nm=audio %u RTP/AVP 0\r\n",
	    media_flow_port(c->stream[0].mf));
	assert_non_null(strstr(body, want));
	osip_message_free(m);

	/* The inside phone answers: its media address becomes the peer. */
	fd = tc_phone(&ports[0]);
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
	m = tc_resp(200, "INVITE", "tun@198.51.100.30", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC, &base,
	    &status), 0);
	assert_int_equal(base, TC_HRAS + 0x40);
	assert_int_equal(c->stream[0].iport, ports[0]);
	assert_int_equal(media_flows(t->m), 1);
	tc_reaches(t, base, fd, "answer");
	osip_message_free(m);
	close(fd);
	tc_free(t);
}

/*
 * A re-INVITE moving a stream to another port moves the peer; hold
 * (sendonly, c=0.0.0.0) keeps flow and peer; a third m= line opens a
 * third flow.
 */
static void
test_reinvite(void **state)
{
	struct tch		*t = tc_new(4, 1);
	struct vcit_call	*c;
	struct media_flow	*mf0, *mf1;
	osip_message_t		*m;
	uint16_t		 ports[3], moved[3];
	uint32_t		 base, base2;
	char			 sdp[1024];
	int			 fd[3], fd2, status = 0;

	(void)state;
	fd[0] = tc_phone(&ports[0]);
	fd[1] = tc_phone(&ports[1]);
	fd[2] = tc_phone(&ports[2]);
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 2);
	m = tc_req("INVITE", "re@198.51.100.20", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	osip_message_free(m);
	assert_non_null(c = vcit_find(t->v, "re@198.51.100.20"));
	mf0 = c->stream[0].mf;
	mf1 = c->stream[1].mf;
	tc_reaches(t, base, fd[0], "before");

	/* The audio moves to another port. */
	fd2 = tc_phone(&moved[0]);
	moved[1] = ports[1];
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, moved, 2);
	m = tc_req("INVITE", "re@198.51.100.20", 2, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	osip_message_free(m);
	assert_int_equal(base2, base);
	assert_ptr_equal(c->stream[0].mf, mf0);
	assert_int_equal(c->stream[0].oport, moved[0]);
	assert_int_equal(media_flows(t->m), 2);
	tc_reaches(t, base, fd2, "after");
	tc_quiet(fd[0]);
	tc_reaches(t, base + 1, fd[1], "video");

	/* Hold: the phone says sendonly from 0.0.0.0; nothing is closed and
	 * the peer stays where it was. */
	tc_sdp(sdp, sizeof(sdp), "0.0.0.0", "sendonly", moved, 2);
	m = tc_req("INVITE", "re@198.51.100.20", 3, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 1);
	assert_ptr_equal(c->stream[0].mf, mf0);
	assert_ptr_equal(c->stream[1].mf, mf1);
	assert_int_equal(media_flows(t->m), 2);
	tc_reaches(t, base, fd2, "held");
	/* Resumed. */
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", "sendrecv", moved, 2);
	m = tc_req("INVITE", "re@198.51.100.20", 4, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	osip_message_free(m);
	tc_reaches(t, base, fd2, "resumed");

	/* A third m= line: a third flow, aimed at its phone. */
	moved[2] = ports[2];
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, moved, 3);
	m = tc_req("INVITE", "re@198.51.100.20", 5, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), 0);
	osip_message_free(m);
	assert_int_equal(c->nstreams, 3);
	assert_int_equal(media_flows(t->m), 3);
	assert_ptr_equal(c->stream[0].mf, mf0);
	assert_ptr_equal(c->stream[2].mf, media_flow_get(t->m, base + 2));
	assert_int_equal(c->stream[2].flow, base + 2);
	tc_reaches(t, base + 2, fd[2], "third");
	/* The far end's answer with three streams: no flow more. */
	m = tc_resp(200, "INVITE", "re@198.51.100.20", 5, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, base, TC_CLIENT,
	    &status), 0);
	osip_message_free(m);
	assert_int_equal(media_flows(t->m), 3);
	assert_int_equal(c->stream[2].iport, ports[2]);
	close(fd[0]);
	close(fd[1]);
	close(fd[2]);
	close(fd2);
	tc_free(t);
}

/* The messages that establish a call and those that end it. */
static void
test_track(void **state)
{
	struct tch		*t = tc_new(5, 1);
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[1] = { 40002 };
	uint32_t		 base;
	char			 sdp[512];
	int			 status = 0;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
#define TC_CALL(id) do {						\
	m = tc_req("INVITE", (id), 1, sdp);				\
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT,	\
	    TC_SRC, &base, &status), 0);				\
	call_track(&t->cx, m, NULL);						\
	osip_message_free(m);						\
	assert_non_null(c = vcit_find(t->v, (id)));			\
} while (0)
#define TC_TRACK(msg) do {						\
	m = (msg);							\
	call_track(&t->cx, m, NULL);						\
	osip_message_free(m);						\
} while (0)
	/* Provisional, then 2xx: established; a failed re-INVITE, a 2xx to
	 * something else change nothing; BYE ends it. */
	TC_CALL("t1");
	assert_int_equal(c->established, 0);
	TC_TRACK(tc_resp(180, "INVITE", "t1", 1, NULL));
	assert_int_equal(c->established, 0);
	TC_TRACK(tc_resp(200, "INVITE", "t1", 1, NULL));
	assert_int_equal(c->established, 1);
	TC_TRACK(tc_req("ACK", "t1", 1, NULL));
	TC_TRACK(tc_resp(491, "INVITE", "t1", 2, NULL));
	TC_TRACK(tc_resp(200, "OPTIONS", "t1", 3, NULL));
	TC_TRACK(tc_req("INFO", "t1", 4, NULL));
	assert_ptr_equal(vcit_find(t->v, "t1"), c);
	assert_int_equal(media_flows(t->m), 1);
	TC_TRACK(tc_req("BYE", "t1", 5, NULL));
	assert_null(vcit_find(t->v, "t1"));
	assert_int_equal(media_flows(t->m), 0);
	assert_null(media_flow_get(t->m, base));
	/* The BYE's 200 after that: nothing left to do. */
	TC_TRACK(tc_resp(200, "BYE", "t1", 5, NULL));

	/* Busy before established: ended. */
	TC_CALL("t2");
	TC_TRACK(tc_resp(100, "INVITE", "t2", 1, NULL));
	assert_ptr_equal(vcit_find(t->v, "t2"), c);
	TC_TRACK(tc_resp(486, "INVITE", "t2", 1, NULL));
	assert_null(vcit_find(t->v, "t2"));
	assert_int_equal(media_flows(t->m), 0);

	/* A redirect, too. */
	TC_CALL("t3");
	TC_TRACK(tc_resp(302, "INVITE", "t3", 1, NULL));
	assert_null(vcit_find(t->v, "t3"));

	/* CANCEL ends it. */
	TC_CALL("t4");
	TC_TRACK(tc_req("CANCEL", "t4", 1, NULL));
	assert_null(vcit_find(t->v, "t4"));
	assert_int_equal(media_flows(t->m), 0);

	/* A call's flow going quiet ends it (any flow of its block). */
	TC_CALL("t5");
	call_end_flow(&t->cx, base + 3, "no media");
	assert_null(vcit_find(t->v, "t5"));
	call_end_flow(&t->cx, base, "again");

	/* Messages of unknown calls change nothing. */
	TC_CALL("t6");
	TC_TRACK(tc_req("BYE", "unknown", 1, NULL));
	TC_TRACK(tc_resp(486, "INVITE", "unknown", 1, NULL));
	assert_int_equal(vcit_count(t->v), 1);
	assert_int_equal(media_flows(t->m), 1);
#undef TC_CALL
#undef TC_TRACK
	tc_free(t);
}

/* Run a half's loop for ms milliseconds. */
static void
tc_run(struct tch *t, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	assert_int_equal(event_base_loopexit(t->base, &tv), 0);
	assert_int_not_equal(event_base_dispatch(t->base), -1);
}

/*
 * With a 1 s media timeout: a call that rang longer than that without RTP
 * is not ended while it rings, and is ended when it stays silent once
 * answered. The answer comes from the tunnel (call_to_own_side), which
 * sets no peer on this half: only the answer itself restarts the clock.
 */
static void
test_answer_restarts_idle(void **state)
{
	struct tch		*t = tc_new_timeout(9, 0, 1);
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[1] = { 40002 }, far[1] = { 40004 };
	uint32_t		 base;
	char			 sdp[512], answer[512];
	int			 status = 0;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
	tc_sdp(answer, sizeof(answer), "198.51.100.20", NULL, far, 1);
	m = tc_req("INVITE", "r1", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC, &base,
	    &status), 0);
	call_track(&t->cx, m, NULL);
	osip_message_free(m);
	assert_non_null(c = vcit_find(t->v, "r1"));

	/* Ringing for over twice the timeout: reported, not ended. */
	tc_run(t, 2300);
	assert_int_equal(t->nidle, 1);
	assert_ptr_equal(vcit_find(t->v, "r1"), c);

	m = tc_resp(200, "INVITE", "r1", 1, answer);
	assert_int_equal(call_to_own_side(&t->cx, m, base, NULL, &status), 0);
	call_track(&t->cx, m, NULL);
	osip_message_free(m);
	assert_int_equal(c->established, 1);

	/* Answered, and silent for over twice the timeout: ended. */
	tc_run(t, 2300);
	assert_int_equal(t->nidle, 2);
	assert_null(vcit_find(t->v, "r1"));
	assert_int_equal(media_flows(t->m), 0);
	tc_free(t);
}

/*
 * A call on hold (a=inactive, or c=0.0.0.0) may be silent for as long as
 * the hold lasts; taken off hold, its silence is timed afresh and ends it.
 */
static void
test_hold_not_idle(void **state)
{
	static const char	*holds[][2] = {
		{ "127.0.0.1", "inactive" },
		{ "0.0.0.0", NULL },
		{ "127.0.0.1", "sendonly" },
	};
	struct tch		*t;
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[1] = { 40006 }, far[1] = { 40008 };
	uint32_t		 base;
	char			 sdp[512], answer[512], held[512];
	size_t			 i;
	int			 status = 0;

	(void)state;
	for (i = 0; i < sizeof(holds) / sizeof(holds[0]); i++) {
		t = tc_new_timeout(10, 0, 1);
		tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
		tc_sdp(answer, sizeof(answer), "198.51.100.20", NULL, far, 1);
		tc_sdp(held, sizeof(held), holds[i][0], holds[i][1], ports, 1);
		m = tc_req("INVITE", "h1", 1, sdp);
		assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC,
		    &base, &status), 0);
		call_track(&t->cx, m, NULL);
		osip_message_free(m);
		m = tc_resp(200, "INVITE", "h1", 1, answer);
		assert_int_equal(call_to_own_side(&t->cx, m, base, NULL,
		    &status), 0);
		call_track(&t->cx, m, NULL);
		osip_message_free(m);
		assert_non_null(c = vcit_find(t->v, "h1"));

		/* The phone puts the call on hold: silence ends nothing. */
		m = tc_req("INVITE", "h1", 2, held);
		assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC,
		    &base, &status), 0);
		osip_message_free(m);
		assert_int_equal(c->held, 1);
		tc_run(t, 2300);
		assert_true(t->nidle >= 1);
		assert_ptr_equal(vcit_find(t->v, "h1"), c);

		/* Off hold: silent for the timeout again, it is over. */
		m = tc_req("INVITE", "h1", 3, sdp);
		assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC,
		    &base, &status), 0);
		osip_message_free(m);
		assert_int_equal(c->held, 0);
		tc_run(t, 2300);
		assert_null(vcit_find(t->v, "h1"));
		assert_int_equal(media_flows(t->m), 0);
		tc_free(t);
	}
}

/* SDP a half cannot use: 488, and no call or flow is left behind. */
static void
test_bad_sdp(void **state)
{
	static const char	*bad[] = {
		"garbage",
		"v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		    "m=audio 4000 RTP/AVP 0\r\n",		/* no c= */
		"v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio 70000 RTP/AVP 0\r\n",		/* port */
	};
	struct tch		*t = tc_new(6, 1);
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[1] = { 40004 };
	uint32_t		 base, base2;
	char			 sdp[512];
	size_t			 i;
	int			 status;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = tc_req("INVITE", "bad", 1, bad[i]);
		status = 0;
		assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT,
		    TC_SRC, &base, &status), -1);
		assert_int_equal(status, 488);
		osip_message_free(m);
		m = tc_resp(200, "INVITE", "bad", 1, bad[i]);
		status = 0;
		assert_int_equal(call_to_own_side(&t->cx, m, TC_HRAS + 8,
		    TC_CLIENT, &status), -1);
		assert_int_equal(status, 488);
		osip_message_free(m);
		assert_int_equal(vcit_count(t->v), 0);
		assert_int_equal(media_flows(t->m), 0);
	}

	/* A re-INVITE with bad SDP is refused; the call stays as it was. */
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
	m = tc_req("INVITE", "good", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	osip_message_free(m);
	assert_non_null(c = vcit_find(t->v, "good"));
	m = tc_req("INVITE", "good", 2, bad[0]);
	status = 0;
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base2, &status), -1);
	assert_int_equal(status, 488);
	osip_message_free(m);
	assert_ptr_equal(vcit_find(t->v, "good"), c);
	assert_int_equal(c->stream[0].oport, 40004);
	assert_int_equal(media_flows(t->m), 1);
	tc_free(t);
}

/*
 * SDP that inspects fine but whose address the relay cannot reach (IPv6
 * on an IPv4 media address) is refused with 488. The INVITE is answered
 * and never forwarded, so nothing will ever end a call it created: it
 * must leave no VCIT entry and no open port pair behind.
 */
static void
test_refused_sdp_no_leak(void **state)
{
	struct tch	*t = tc_new(7, 1);
	osip_message_t	*m;
	uint32_t	 base;
	size_t		 calls, flows;
	int		 status = 0;

	(void)state;
	m = tc_req("INVITE", "v6", 1, "v=0\r\n"
	    "o=x 1 1 IN IP6 2001:db8::5\r\n"
	    "s=-\r\n"
	    "c=IN IP6 2001:db8::5\r\n"
	    "t=0 0\r\n"
	    "m=audio 4000 RTP/AVP 0\r\n");
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), -1);
	assert_int_equal(status, 488);
	osip_message_free(m);
	calls = vcit_count(t->v);
	flows = media_flows(t->m);
	tc_free(t);
	if (calls != 0 || flows != 0)
		fail_msg("refused INVITE left %zu call(s) and %zu flow(s)",
		    calls, flows);
}

/*
 * An INVITE the half answers itself with a failure after taking its SDP
 * (the tunnel queue full) is never passed on: call_refused ends the call
 * it started. A refused re-INVITE of an established call, a refused
 * request of another kind or another client's call change nothing.
 */
static void
test_refused_no_leak(void **state)
{
	struct tch		*t = tc_new(9, 1);
	struct vcit_call	*c;
	osip_message_t		*m;
	uint16_t		 ports[2] = { 40010, 40012 };
	uint32_t		 base;
	char			 sdp[512];
	int			 status = 0;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 2);
	m = tc_req("INVITE", "r1", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	assert_int_equal(media_flows(t->m), 2);
	call_refused(&t->cx, m, "other");
	assert_non_null(vcit_find(t->v, "r1"));
	call_refused(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_null(vcit_find(t->v, "r1"));
	assert_int_equal(media_flows(t->m), 0);

	/* Established: a refused re-INVITE, or BYE, leaves it be. */
	m = tc_req("INVITE", "r2", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	osip_message_free(m);
	m = tc_req("INFO", "r2", 2, NULL);
	call_refused(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_non_null(c = vcit_find(t->v, "r2"));
	m = tc_resp(200, "INVITE", "r2", 1, NULL);
	call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_int_equal(c->established, 1);
	m = tc_req("INVITE", "r2", 3, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	call_refused(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_ptr_equal(vcit_find(t->v, "r2"), c);
	assert_int_equal(media_flows(t->m), 2);

	/* An INVITE of no call: nothing to end. */
	m = tc_req("INVITE", "r3", 1, NULL);
	call_refused(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 1);
	tc_free(t);
}

/* Shutdown ends every call and closes every flow. */
static void
test_end_all(void **state)
{
	struct tch	*t = tc_new(8, 0);
	osip_message_t	*m;
	uint16_t	 ports[2] = { 40006, 40008 };
	uint32_t	 base;
	char		 sdp[512], id[16];
	int		 i, status = 0;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 2);
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "all%d", i);
		m = tc_req("INVITE", id, 1, sdp);
		assert_int_equal(call_from_own_side(&t->cx, m, NULL, TC_SRC,
		    &base, &status), 0);
		osip_message_free(m);
	}
	m = tc_req("INVITE", "all-in", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, TC_HRAS + 0x80, NULL,
	    &status), 0);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 4);
	assert_int_equal(media_flows(t->m), 8);
	call_end_all(&t->cx);
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);
	assert_null(media_flow_get(t->m, TC_HRAS + 0x80));
	/* And once more on an empty table. */
	call_end_all(&t->cx);
	tc_free(t);
}

/*
 * Late copies of an answered call's messages after its BYE (a 2xx sent
 * again, a resend after an outage) do not bring it back: 481, no call, no
 * relay ports. The Call-ID of an INVITE refused before an answer (407 to
 * be sent again with credentials) starts a call again.
 */
static void
test_late_after_bye(void **state)
{
	struct tch	*t = tc_new(5, 1);
	osip_message_t	*m;
	uint16_t	 ports[1] = { 40002 };
	uint32_t	 base;
	char		 sdp[512];
	int		 status = 0;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
	m = tc_req("INVITE", "late", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	m = tc_resp(200, "INVITE", "late", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, base, TC_CLIENT,
	    &status), 0);
	call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	m = tc_req("BYE", "late", 2, NULL);
	call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);

	/* The 200 once more, from the tunnel and from the own side. */
	m = tc_resp(200, "INVITE", "late", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, base, TC_CLIENT,
	    &status), -1);
	assert_int_equal(status, 481);
	status = 0;
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), -1);
	assert_int_equal(status, 481);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);

	/* Refused before any answer, then sent again: a call. */
	m = tc_req("INVITE", "auth", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	osip_message_free(m);
	m = tc_resp(407, "INVITE", "auth", 1, NULL);
	call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 0);
	m = tc_req("INVITE", "auth", 2, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC, &base,
	    &status), 0);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 1);
	assert_int_equal(media_flows(t->m), 1);
	tc_free(t);
}

/* An INVITE with n audio streams from source src, Call-ID cid: 0 or -1. */
static int
tc_invite(struct tch *t, const char *cid, const char *src, int n,
    int *status)
{
	osip_message_t	*m;
	uint16_t	 ports[SDP_STREAMS_MAX];
	uint32_t	 base;
	char		 sdp[2048];
	int		 i, rc;

	for (i = 0; i < n; i++)
		ports[i] = (uint16_t)(40000 + 2 * i);
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, n);
	m = tc_req("INVITE", cid, 1, sdp);
	*status = 0;
	rc = call_from_own_side(&t->cx, m, TC_CLIENT, src, &base, status);
	if (rc == 0)
		call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
	return rc;
}

/* A message of call cid (request or response) through call_track. */
static void
tc_track(struct tch *t, osip_message_t *m)
{
	call_track(&t->cx, m, TC_CLIENT);
	osip_message_free(m);
}

/*
 * Caps: streams per call (488, nothing opened), per source and per client
 * (503, the call refused, the others untouched), calls per client; a call
 * ended gives its share back.
 */
static void
test_caps(void **state)
{
	struct tch	*t = tc_new(6, 1);
	int		 status;

	(void)state;
	t->cx.lim.streams_per_call = 2;
	t->cx.lim.streams_per_source = 3;
	t->cx.lim.streams_per_client = 5;
	t->cx.lim.calls_per_client = 4;
	assert_int_equal(tc_invite(t, "many", "192.0.2.1", 3, &status), -1);
	assert_int_equal(status, 488);
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);
	assert_int_equal(call_streams(&t->cx, "192.0.2.1", NULL), 0);

	assert_int_equal(tc_invite(t, "a1", "192.0.2.1", 2, &status), 0);
	assert_int_equal(call_streams(&t->cx, "192.0.2.1", NULL), 2);
	assert_int_equal(call_streams(&t->cx, NULL, TC_CLIENT), 2);
	/* A second call of two streams would hold 4 > 3 for this source. */
	assert_int_equal(tc_invite(t, "a2", "192.0.2.1", 2, &status), -1);
	assert_int_equal(status, 503);
	assert_null(vcit_find(t->v, "a2"));
	assert_int_equal(media_flows(t->m), 2);
	assert_int_equal(call_streams(&t->cx, "192.0.2.1", NULL), 2);
	assert_int_equal(tc_invite(t, "a3", "192.0.2.1", 1, &status), 0);
	assert_int_equal(tc_invite(t, "a4", "192.0.2.1", 1, &status), -1);
	assert_int_equal(status, 503);
	/* Another source still gets in, up to the client's 5 streams. */
	assert_int_equal(tc_invite(t, "b1", "192.0.2.2", 2, &status), 0);
	assert_int_equal(tc_invite(t, "b2", "192.0.2.2", 1, &status), -1);
	assert_int_equal(status, 503);
	assert_int_equal(call_streams(&t->cx, NULL, TC_CLIENT), 5);
	assert_int_equal(media_flows(t->m), 5);
	/* A call ended (CANCEL) gives its ports back to source and client. */
	tc_track(t, tc_req("CANCEL", "a1", 1, NULL));
	assert_int_equal(call_streams(&t->cx, "192.0.2.1", NULL), 1);
	assert_int_equal(call_streams(&t->cx, NULL, TC_CLIENT), 3);
	assert_int_equal(media_flows(t->m), 3);
	/* Calls per client: 2 now, 4 at most. */
	t->cx.lim.streams_per_client = 0;
	t->cx.lim.streams_per_source = 0;
	assert_int_equal(tc_invite(t, "c1", "192.0.2.3", 1, &status), 0);
	assert_int_equal(tc_invite(t, "c2", "192.0.2.3", 1, &status), 0);
	assert_int_equal(tc_invite(t, "c3", "192.0.2.3", 1, &status), -1);
	assert_int_equal(status, 503);
	assert_int_equal(vcit_count(t->v), 4);
	tc_free(t);
	/* Every counter went with its calls (tc_free checked the flows). */
}

/*
 * Timer C: a call never answered ends sip.timer_c seconds after its
 * INVITE or its latest provisional response, its ports closed, and a late
 * answer does not open them again; an answered call is not touched.
 */
static void
test_timer_c(void **state)
{
	struct tch	*t = tc_new(7, 1);
	osip_message_t	*m;
	uint16_t	 ports[1] = { 40002 };
	uint32_t	 base;
	char		 sdp[512];
	time_t		 now = call_now();
	int		 status;

	(void)state;
	t->cx.lim.timer_c = 10;
	assert_int_equal(tc_invite(t, "ring", "192.0.2.1", 2, &status), 0);
	assert_int_equal(tc_invite(t, "answered", "192.0.2.1", 1, &status),
	    0);
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 1);
	m = tc_resp(200, "INVITE", "answered", 1, sdp);
	base = vcit_find(t->v, "answered")->flow_base;
	assert_int_equal(call_to_own_side(&t->cx, m, base, TC_CLIENT,
	    &status), 0);
	tc_track(t, m);
	assert_int_equal(media_flows(t->m), 3);
	call_expire(&t->cx, now + 5);
	assert_int_equal(vcit_count(t->v), 2);
	/* A 180 restarts the timer (RFC 3261 16.7). */
	vcit_find(t->v, "ring")->ringing = now - 5;
	tc_track(t, tc_resp(180, "INVITE", "ring", 1, NULL));
	call_expire(&t->cx, call_now() + 9);
	assert_int_equal(vcit_count(t->v), 2);
	call_expire(&t->cx, call_now() + 10);
	assert_int_equal(vcit_count(t->v), 1);
	assert_null(vcit_find(t->v, "ring"));
	assert_int_equal(media_flows(t->m), 1);
	assert_int_equal(call_streams(&t->cx, "192.0.2.1", NULL), 1);
	/* The callee answers at last: no ports for it now. */
	m = tc_resp(200, "INVITE", "ring", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, TC_HRAS | 8, TC_CLIENT,
	    &status), -1);
	assert_int_equal(status, 481);
	osip_message_free(m);
	assert_int_equal(media_flows(t->m), 1);
	/* Long after, the answered call is still there; 0 turns it off. */
	call_expire(&t->cx, now + 100000);
	assert_int_equal(vcit_count(t->v), 1);
	t->cx.lim.timer_c = 0;
	assert_int_equal(tc_invite(t, "forever", "192.0.2.1", 1, &status), 0);
	call_expire(&t->cx, now + 100000);
	assert_int_equal(vcit_count(t->v), 2);
	tc_free(t);
}

/* A CANCEL or any final failure to the INVITE frees the ports at once. */
static void
test_release_unanswered(void **state)
{
	struct tch	*t = tc_new(8, 1);
	int		 status, codes[] = { 300, 404, 486, 487, 500, 603 };
	size_t		 i;
	char		 cid[32];

	(void)state;
	assert_int_equal(tc_invite(t, "cancel", "192.0.2.1", 2, &status), 0);
	assert_int_equal(media_flows(t->m), 2);
	tc_track(t, tc_req("CANCEL", "cancel", 1, NULL));
	assert_int_equal(media_flows(t->m), 0);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(cid, sizeof(cid), "fail%d", codes[i]);
		assert_int_equal(tc_invite(t, cid, "192.0.2.1", 2, &status),
		    0);
		tc_track(t, tc_resp(codes[i], "INVITE", cid, 1, NULL));
		assert_int_equal(media_flows(t->m), 0);
		assert_int_equal(vcit_count(t->v), 0);
	}
	assert_int_equal(call_streams(&t->cx, "192.0.2.1", NULL), 0);
	tc_free(t);
}

/*
 * SDP outside an offer/answer (OPTIONS, MESSAGE, their answers) opens no
 * ports: passed on from the own side, removed towards it; nor does SDP in
 * an UPDATE or PRACK for a call that does not exist.
 */
static void
test_not_session(void **state)
{
	struct tch	*t = tc_new(9, 1);
	osip_message_t	*m;
	uint16_t	 ports[2] = { 40002, 40004 };
	const char	*body;
	size_t		 len;
	uint32_t	 base;
	char		 sdp[512];
	const char	*methods[] = { "OPTIONS", "MESSAGE", "INFO", "NOTIFY" };
	size_t		 i;
	int		 status;

	(void)state;
	tc_sdp(sdp, sizeof(sdp), "127.0.0.1", NULL, ports, 2);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		m = tc_req(methods[i], "nosession", 1, sdp);
		status = 0;
		assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT,
		    TC_SRC, &base, &status), 0);
		assert_int_equal(base, 0);
		assert_int_equal(call_to_own_side(&t->cx, m, 0, TC_CLIENT,
		    &status), 0);
		assert_int_equal(sip_body(m, &body, &len), -1);
		assert_null(m->content_type);
		osip_message_free(m);
		m = tc_resp(200, methods[i], "nosession", 1, sdp);
		assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT,
		    TC_SRC, &base, &status), 0);
		assert_int_equal(call_to_own_side(&t->cx, m, 0, TC_CLIENT,
		    &status), 0);
		osip_message_free(m);
	}
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);
	m = tc_req("UPDATE", "nocall", 1, sdp);
	assert_int_equal(call_from_own_side(&t->cx, m, TC_CLIENT, TC_SRC,
	    &base, &status), -1);
	assert_int_equal(status, 481);
	osip_message_free(m);
	m = tc_req("PRACK", "nocall", 1, sdp);
	assert_int_equal(call_to_own_side(&t->cx, m, 0, TC_CLIENT, &status),
	    -1);
	assert_int_equal(status, 481);
	osip_message_free(m);
	assert_int_equal(vcit_count(t->v), 0);
	assert_int_equal(media_flows(t->m), 0);
	tc_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_outside),
		cmocka_unit_test(test_invite_inside),
		cmocka_unit_test(test_answer_to_own_side),
		cmocka_unit_test(test_invite_to_own_side),
		cmocka_unit_test(test_reinvite),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_answer_restarts_idle),
		cmocka_unit_test(test_hold_not_idle),
		cmocka_unit_test(test_bad_sdp),
		cmocka_unit_test(test_refused_sdp_no_leak),
		cmocka_unit_test(test_refused_no_leak),
		cmocka_unit_test(test_end_all),
		cmocka_unit_test(test_late_after_bye),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_timer_c),
		cmocka_unit_test(test_release_unanswered),
		cmocka_unit_test(test_not_session),
	};

	log_init("test_call", 0, LOG_LEVEL_ERR);
	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
