/*
 * The harness fuzz_hras and fuzz_hrac share (see froute.h). An input is
 * one record, or with FR_SEQ first a sequence of records each preceded by
 * its length (two bytes, big-endian). A record's first byte is its entry;
 * any other first byte (a seed of plain SIP text) makes the whole record a
 * datagram from phone 0. After each record the half's event loop turns a
 * few times without blocking, so that what it sent to itself or to a
 * phone over loopback is handled and read.
 *
 * The halves send real datagrams and open real TCP connections to
 * addresses taken from the input: froute_init refuses to run anywhere but
 * in a network namespace of its own with only loopback in it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include <osipparser2/osip_port.h>

#include "frame.h"
#include "froute.h"
#include "log.h"

#define FR_SEQ_MAX	16	/* records in one input */
#define FR_DRAIN_MAX	64	/* reads per socket and turn */

static void	froute_only_loopback(const char *);
static void	froute_one(struct froute *, const uint8_t *, size_t,
		    void (*)(struct froute *, const struct froute_rec *,
		    void *), void *);
static void	froute_note_flow(struct froute *, uint32_t);
static void	froute_drain(struct froute_phone *);
static void	froute_keep(struct froute_peer *, const char *, size_t);
static int	froute_is_request(const char *, size_t);
static int	froute_header(const char *, size_t, const char *, char, int,
		    const char **, size_t *);
static int	froute_has_tag(const char *, size_t);
static int	froute_add(char *, size_t, size_t *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static size_t	froute_answer(const struct froute_peer *, uint8_t, char *,
		    size_t);
static size_t	froute_dialog(const struct froute_peer *, uint8_t, char *,
		    size_t);
static void	froute_stats(void);

static struct froute	*froute_active;
static FILE		*froute_err;
static time_t		 froute_clock = 1000000;
static volatile uint8_t	 froute_sink;

/*
 * Exit unless the only interface is loopback: the halves send to
 * addresses the input names, and nothing may leave this machine.
 */
static void
froute_only_loopback(const char *ident)
{
	struct if_nameindex	*ifs, *i;

	if ((ifs = if_nameindex()) == NULL) {
		fprintf(stderr, "%s: cannot list interfaces\n", ident);
		exit(1);
	}
	for (i = ifs; i->if_index != 0; i++)
		if (strcmp(i->if_name, "lo") != 0) {
			fprintf(stderr, "%s: interface %s present: run me in a "
			    "network namespace with only loopback, e.g. "
			    "sh tests/fuzz/netns.sh %s ... (make -f "
			    "tests/fuzz/Makefile run does)\n", ident,
			    i->if_name, ident);
			exit(1);
		}
	if_freenameindex(ifs);
}

/* Check the network, quiet the logs and set up the parser, once. */
void
froute_init(struct froute *fr, const char *ident, struct event_base *base)
{
	FILE	*null;

	froute_only_loopback(ident);
	memset(fr, 0, sizeof(*fr));
	fr->base = base;
	froute_active = fr;
	froute_err = stderr;
	/*
	 * Every log line is formatted, so that what a line reads is checked
	 * by ASan too, and thrown away unless FUZZ_LOG is set. libFuzzer and
	 * the sanitizers keep their own handle on the terminal.
	 */
	if (getenv("FUZZ_LOG") == NULL) {
		if ((null = fopen("/dev/null", "w")) == NULL) {
			perror("/dev/null");
			exit(1);
		}
		stderr = null;
	}
	log_init(ident, 0, LOG_LEVEL_DEBUG);
	signal(SIGPIPE, SIG_IGN);
	sip_init();
	atexit(froute_stats);
}

/* Give up on the harness itself (never for what the half does). */
void
froute_fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfprintf(froute_err, fmt, ap);
	va_end(ap);
	fputc('\n', froute_err);
	exit(1);
}

/*
 * Write a configuration to a fresh temporary file; its path (valid until
 * the next call), for the caller to load and unlink.
 */
char *
froute_conf(const char *ident, const char *text)
{
	static char	 path[128];
	size_t		 len = strlen(text);
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/%s.conf.XXXXXX", ident);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, text, len) != (ssize_t)len || close(fd) == -1)
		froute_fatal("%s: %s: %s", ident, path, strerror(errno));
	return path;
}

/* Frames the half handed its tunnel, for the end of a run. */
static void
froute_stats(void)
{
	struct froute	*fr = froute_active;

	fprintf(froute_err, "froute: %lu inputs; frames: %lu SIP (%lu the "
	    "far half would refuse), %lu RTP, %lu RTCP\n", fr->inputs,
	    fr->stats[FRAME_SIP], fr->stats[FR_ST_UNPARSED],
	    fr->stats[FRAME_RTP], fr->stats[FRAME_RTCP]);
}

/* Open phone i on host:port (UDP; TCP to the half when asked). */
void
froute_phone(struct froute *fr, int i, const char *host, uint16_t port)
{
	struct froute_phone	*p = &fr->phone[i];
	struct sockaddr_in	 sin;

	snprintf(p->host, sizeof(p->host), "%s", host);
	snprintf(p->peer.via, sizeof(p->peer.via), "%s:%u", host, port);
	p->port = port;
	p->tcp = -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (p->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(p->udp, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		fprintf(froute_err, "phone %s:%u: %s\n", host, port,
		    strerror(errno));
		exit(1);
	}
}

/* Decode the input and hand each record to fn; 0, or -1 if it is empty. */
int
froute_input(struct froute *fr, const uint8_t *data, size_t size,
    void (*fn)(struct froute *, const struct froute_rec *, void *), void *arg)
{
	size_t	 len;
	int	 k;

	fr->inputs++;
	if (size == 0)
		return -1;
	if (data[0] != FR_SEQ) {
		froute_one(fr, data, size, fn, arg);
		return 0;
	}
	data++;
	size--;
	for (k = 0; k < FR_SEQ_MAX && size >= 2; k++) {
		len = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		froute_one(fr, data, len, fn, arg);
		data += len;
		size -= len;
	}
	return 0;
}

/* One record: decoded, handed up, and the loop turned. */
static void
froute_one(struct froute *fr, const uint8_t *d, size_t len,
    void (*fn)(struct froute *, const struct froute_rec *, void *), void *arg)
{
	struct froute_rec	 r;
	size_t			 head;

	if (len == 0)
		return;
	memset(&r, 0, sizeof(r));
	r.entry = d[0];
	switch (d[0]) {
	case FR_PHONE:
		head = 2;
		break;
	case FR_TUNNEL_SIP:
	case FR_TUNNEL_MEDIA:
		head = 6;
		break;
	case FR_PHONE_MEDIA:
	case FR_ANSWER:
	case FR_CLOCK:
		head = 3;
		break;
	default:
		/* Plain text: a datagram from the first phone. */
		r.entry = FR_PHONE;
		head = 0;
		break;
	}
	if (len < head)
		return;
	if (head > 0)
		r.opts = d[1];
	r.data = d + head;
	r.len = len - head;
	switch (r.entry) {
	case FR_TUNNEL_SIP:
	case FR_TUNNEL_MEDIA:
		r.flow = (uint32_t)d[2] << 24 | (uint32_t)d[3] << 16 |
		    (uint32_t)d[4] << 8 | d[5];
		if ((r.opts & FR_O_LIVE) && fr->nflows > 0)
			r.flow = fr->flows[d[5] % fr->nflows] + (d[4] & 7U);
		else if (r.entry == FR_TUNNEL_SIP)
			froute_note_flow(fr, r.flow);
		break;
	case FR_PHONE_MEDIA:
	case FR_ANSWER:
		r.sel = d[2];
		break;
	case FR_CLOCK:
		froute_clock += (time_t)d[1] << 8 | d[2];
		return;
	default:
		break;
	}
	fn(fr, &r, arg);
	froute_settle(fr);
}

/* Remember a call's flow base, for records that name a live flow. */
static void
froute_note_flow(struct froute *fr, uint32_t flow)
{
	unsigned int	 i;

	if (flow == 0 || flow == FRAME_FLOW_DIRECT)
		return;
	flow &= ~7U;
	for (i = 0; i < fr->nflows; i++)
		if (fr->flows[i] == flow)
			return;
	fr->flows[fr->flownext] = flow;
	fr->flownext = (fr->flownext + 1) % FR_FLOWS;
	if (fr->nflows < FR_FLOWS)
		fr->nflows++;
}

/* Send a message from a phone to the half's SIP address. */
void
froute_send(struct froute *fr, int i, int tcp, const void *data, size_t len)
{
	struct froute_phone	*p = &fr->phone[i];
	struct sockaddr_in	 to, from;
	struct pollfd		 pfd;
	socklen_t		 elen = sizeof(int);
	int			 err;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(fr->self_port);
	inet_pton(AF_INET, fr->self, &to.sin_addr);
	if (!tcp) {
		(void)sendto(p->udp, data, len, 0, (struct sockaddr *)&to,
		    sizeof(to));
		return;
	}
	if (p->tcp == -1) {
		memset(&from, 0, sizeof(from));
		from.sin_family = AF_INET;
		inet_pton(AF_INET, p->host, &from.sin_addr);
		if ((p->tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return;
		/*
		 * The kernel completes a loopback handshake before the half
		 * accepts; the wait is bounded all the same.
		 */
		pfd.fd = p->tcp;
		pfd.events = POLLOUT;
		if (bind(p->tcp, (struct sockaddr *)&from, sizeof(from)) ==
		    -1 || (connect(p->tcp, (struct sockaddr *)&to,
		    sizeof(to)) == -1 && (errno != EINPROGRESS ||
		    poll(&pfd, 1, 100) != 1 || getsockopt(p->tcp, SOL_SOCKET,
		    SO_ERROR, &err, &elen) == -1 || err != 0))) {
			close(p->tcp);
			p->tcp = -1;
			return;
		}
	}
	if (send(p->tcp, data, len, MSG_NOSIGNAL) == -1) {
		close(p->tcp);
		p->tcp = -1;
	}
}

/* A datagram from a phone to one of the half's relay ports. */
void
froute_media(struct froute *fr, const struct froute_rec *r)
{
	struct froute_phone	*p = &fr->phone[r->opts & FR_O_WHO];
	struct sockaddr_in	 to;
	unsigned int		 port;

	port = fr->media_port + 2 * (r->sel % fr->media_pairs) +
	    ((r->opts & FR_O_TCP) != 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, fr->media, &to.sin_addr);
	(void)sendto(p->udp, r->data, r->len, 0, (struct sockaddr *)&to,
	    sizeof(to));
}

/* True when a message starts with a request line rather than a status. */
static int
froute_is_request(const char *m, size_t len)
{
	return len > 8 && strncmp(m, "SIP/2.0 ", 8) != 0;
}

/* Keep a copy of the last request or response a peer got. */
static void
froute_keep(struct froute_peer *p, const char *m, size_t len)
{
	if (len < 8 || len > SIP_MSG_MAX)
		return;
	if (froute_is_request(m, len)) {
		memcpy(p->req, m, len);
		p->req[len] = '\0';
		p->reqlen = len;
	} else {
		memcpy(p->resp, m, len);
		p->resp[len] = '\0';
		p->resplen = len;
	}
}

/* Read everything the half sent a phone. */
static void
froute_drain(struct froute_phone *p)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 k;

	for (k = 0; k < FR_DRAIN_MAX; k++) {
		if ((n = recv(p->udp, buf, sizeof(buf), MSG_DONTWAIT)) == -1)
			break;
		froute_keep(&p->peer, buf, (size_t)n);
	}
	for (k = 0; p->tcp != -1 && k < FR_DRAIN_MAX; k++) {
		n = recv(p->tcp, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			close(p->tcp);
			p->tcp = -1;
			break;
		}
		froute_keep(&p->peer, buf, (size_t)n);
	}
}

/* Turn the half's loop without blocking and read what it sent. */
void
froute_settle(struct froute *fr)
{
	int	 k, i;

	for (k = 0; k < FR_SETTLE; k++) {
		event_base_loop(fr->base, EVLOOP_NONBLOCK);
		for (i = 0; i < FR_PHONES; i++)
			froute_drain(&fr->phone[i]);
	}
}

/* Forget what the phones and the tunnel saw (the half starts afresh). */
void
froute_reset(struct froute *fr)
{
	int	 i;

	for (i = 0; i < FR_PHONES; i++) {
		if (fr->phone[i].tcp != -1)
			close(fr->phone[i].tcp);
		fr->phone[i].tcp = -1;
		froute_drain(&fr->phone[i]);
		fr->phone[i].peer.reqlen = fr->phone[i].peer.resplen = 0;
	}
	fr->tun.reqlen = fr->tun.resplen = 0;
	fr->nflows = 0;
	fr->flownext = 0;
}

/*
 * The value of the idx-th header named name (or by its compact form c) in
 * a message's head, or -1.
 */
static int
froute_header(const char *m, size_t len, const char *name, char c, int idx,
    const char **val, size_t *vlen)
{
	const char	*line, *end = m + len, *eol, *colon, *v;
	size_t		 n;

	if ((line = memchr(m, '\n', len)) == NULL)
		return -1;
	for (line++; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL ||
		    eol - line <= 1)
			return -1;
		if ((colon = memchr(line, ':', (size_t)(eol - line))) == NULL)
			continue;
		for (n = (size_t)(colon - line); n > 0 && (line[n - 1] == ' ' ||
		    line[n - 1] == '\t'); n--)
			;
		if (!((n == strlen(name) && strncasecmp(line, name, n) == 0) ||
		    (n == 1 && (line[0] | 0x20) == c)) || idx-- > 0)
			continue;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		*val = v;
		*vlen = (size_t)(eol - v) - (eol[-1] == '\r');
		return 0;
	}
	return -1;
}

/* True when a header value carries a tag parameter. */
static int
froute_has_tag(const char *v, size_t len)
{
	size_t	 i;

	for (i = 0; i + 5 <= len; i++)
		if (strncasecmp(v + i, ";tag=", 5) == 0)
			return 1;
	return 0;
}

/* Append a formatted line; 0, or -1 when out is full. */
static int
froute_add(char *out, size_t outlen, size_t *n, const char *fmt, ...)
{
	va_list	 ap;
	int	 k;

	va_start(ap, fmt);
	k = vsnprintf(out + *n, outlen - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= outlen - *n)
		return -1;
	*n += (size_t)k;
	return 0;
}

/*
 * A response to a request, as a phone or the far half sends it: a status
 * line (picked by sel), the request's Via, From, To (tagged), Call-ID,
 * CSeq and Record-Route. 0 when there is nothing to answer.
 */
static size_t
froute_answer(const struct froute_peer *p, uint8_t sel, char *out,
    size_t outlen)
{
	static const int	 codes[16] = { 100, 180, 183, 200, 200, 202,
				    302, 401, 404, 407, 480, 486, 487, 488,
				    500, 603 };
	static const struct {
		const char	*name;
		char		 c;
	} keep[] = { { "via", 'v' }, { "from", 'f' }, { "to", 't' },
	    { "call-id", 'i' }, { "cseq", 0 }, { "record-route", 0 } };
	const char		*v;
	size_t			 n = 0, vlen, k;
	int			 code = codes[sel % 16], i;

	if (p->reqlen == 0 || froute_add(out, outlen, &n,
	    "SIP/2.0 %d Fuzz\r\n", code) == -1)
		return 0;
	for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
		for (i = 0; froute_header(p->req, p->reqlen, keep[k].name,
		    keep[k].c, i, &v, &vlen) == 0; i++)
			if (froute_add(out, outlen, &n, "%s: %.*s%s\r\n",
			    keep[k].name, (int)vlen, v, keep[k].c == 't' &&
			    code > 100 && !froute_has_tag(v, vlen) ?
			    ";tag=fz1" : "") == -1)
				return 0;
	return n;
}

/*
 * A request in the dialog of the last message a peer got, as a phone or
 * the far half sends it: as the callee of the last request (to its
 * Contact, Route from its Record-Route, From and To swapped), or as the
 * caller of the last response (sel & 0x40: to its Contact, Route from its
 * Record-Route reversed). The method is picked by sel & 7.
 */
static size_t
froute_dialog(const struct froute_peer *p, uint8_t sel, char *out,
    size_t outlen)
{
	static const char *const methods[8] = { "ACK", "BYE", "INVITE",
				    "INFO", "UPDATE", "OPTIONS", "NOTIFY",
				    "MESSAGE" };
	static unsigned long	 branch;
	const char		*method = methods[sel & 7], *m, *v, *e;
	const char		*from, *to;
	size_t			 len, n = 0, vlen, flen, tlen;
	unsigned long		 cseq;
	int			 caller = (sel & 0x40) != 0, i, nrr;

	m = caller ? p->resp : p->req;
	len = caller ? p->resplen : p->reqlen;
	if (len == 0 || froute_header(m, len, "contact", 'm', 0, &v,
	    &vlen) == -1)
		return 0;
	/* The URI: inside <>, or up to the header's parameters. */
	if ((e = memchr(v, '<', vlen)) != NULL) {
		vlen -= (size_t)(e + 1 - v);
		v = e + 1;
		if ((e = memchr(v, '>', vlen)) != NULL)
			vlen = (size_t)(e - v);
	} else if ((e = memchr(v, ';', vlen)) != NULL)
		vlen = (size_t)(e - v);
	if (froute_add(out, outlen, &n, "%s %.*s SIP/2.0\r\nVia: SIP/2.0/UDP "
	    "%s;branch=z9hG4bKfz%lu;rport\r\nMax-Forwards: 70\r\n", method,
	    (int)vlen, v, p->via, ++branch) == -1)
		return 0;
	for (nrr = 0; froute_header(m, len, "record-route", 0, nrr, &v,
	    &vlen) == 0; nrr++)
		;
	for (i = 0; i < nrr; i++) {
		froute_header(m, len, "record-route", 0, caller ?
		    nrr - 1 - i : i, &v, &vlen);
		if (froute_add(out, outlen, &n, "Route: %.*s\r\n", (int)vlen,
		    v) == -1)
			return 0;
	}
	if (froute_header(m, len, "from", 'f', 0, &from, &flen) == -1 ||
	    froute_header(m, len, "to", 't', 0, &to, &tlen) == -1)
		return 0;
	if (!caller) {
		/* The callee's own tag goes on what was the To. */
		if (froute_add(out, outlen, &n, "From: %.*s%s\r\n"
		    "To: %.*s\r\n", (int)tlen, to, froute_has_tag(to, tlen) ?
		    "" : ";tag=fz1", (int)flen, from) == -1)
			return 0;
	} else if (froute_add(out, outlen, &n, "From: %.*s\r\nTo: %.*s\r\n",
	    (int)flen, from, (int)tlen, to) == -1)
		return 0;
	if (froute_header(m, len, "call-id", 'i', 0, &v, &vlen) == -1 ||
	    froute_header(m, len, "cseq", 0, 0, &e, &tlen) == -1)
		return 0;
	cseq = strtoul(e, NULL, 10);
	if (froute_add(out, outlen, &n, "Call-ID: %.*s\r\nCSeq: %lu %s\r\n",
	    (int)vlen, v, strcmp(method, "ACK") == 0 ? cseq : cseq + 1,
	    method) == -1)
		return 0;
	return n;
}

/*
 * What a peer sends back for an FR_ANSWER record: the answer or in-dialog
 * request sel asks for, then the record's bytes (more headers, the blank
 * line, a body), or an empty body when there are none. 0 when the peer
 * has nothing to reply to. From the far half, *flow and *client are those
 * of the frame that carried the message replied to.
 */
size_t
froute_reply(struct froute *fr, const struct froute_rec *r, char *out,
    size_t outlen, uint32_t *flow, const char **client)
{
	const struct froute_peer *p = (r->opts & FR_O_TCP) ? &fr->tun :
				    &fr->phone[r->opts & FR_O_WHO].peer;
	size_t			 n;
	int			 resp = (r->sel & 0xc0) == 0xc0;

	*flow = p->flow[resp];
	*client = p->client[resp];
	n = (r->sel & 0x80) ? froute_dialog(p, r->sel, out, outlen) :
	    froute_answer(p, r->sel, out, outlen);
	if (n == 0)
		return 0;
	if (r->len == 0)
		return froute_add(out, outlen, &n, "Content-Length: 0\r\n\r\n")
		    == 0 ? n : 0;
	if (r->len > outlen - n)
		return 0;
	memcpy(out + n, r->data, r->len);
	return n + r->len;
}

/*
 * What a stand-in for the tunnel checks of a frame a half hands it: a
 * type the SIP code may send, readable data, SIP the far half can parse
 * (counted, not fatal: libosip2 writes some things it cannot read back),
 * media never on flow 0. -1 when the real tunnel would refuse the frame.
 */
int
froute_frame(struct froute *fr, const char *client, unsigned int type,
    uint32_t flow, const void *data, size_t len)
{
	const uint8_t	*p = data;
	osip_message_t	*m;
	const char	*why, *e;
	uint8_t		 sum = 0;
	size_t		 i;
	int		 status;

	if ((type != FRAME_SIP && type != FRAME_RTP && type != FRAME_RTCP) ||
	    (len > 0 && data == NULL))
		abort();
	if (len > FRAME_MAXDATA)
		return -1;
	for (i = 0; i < len; i++)
		sum ^= p[i];
	froute_sink = sum;
	fr->stats[type]++;
	if (type != FRAME_SIP) {
		if (flow == 0 || flow == FRAME_FLOW_DIRECT)
			abort();
		return 0;
	}
	if (len == 0)
		abort();
	froute_note_flow(fr, flow);
	if (sip_parse(data, len, &m, &status, &why) == -1) {
		fr->stats[FR_ST_UNPARSED]++;
		/* FUZZ_UNPARSED=show prints them, =abort stops at the first. */
		if ((e = getenv("FUZZ_UNPARSED")) != NULL) {
			fprintf(froute_err, "unparsable SIP frame (%s):\n%.*s\n",
			    why, (int)len, (const char *)data);
			if (strcmp(e, "abort") == 0)
				abort();
		}
		if (m != NULL)
			osip_message_free(m);
		return 0;
	}
	osip_message_free(m);
	froute_keep(&fr->tun, data, len);
	i = !froute_is_request(data, len);
	fr->tun.flow[i] = flow;
	snprintf(fr->tun.client[i], sizeof(fr->tun.client[i]), "%s",
	    client != NULL ? client : "");
	return 0;
}

/* The halves' monotonic clock: moved only by FR_CLOCK records. */
time_t
froute_now(void)
{
	return froute_clock;
}
