/*
 * udptool: the UDP end points of VoFW's tests and benchmarks.  It plays the
 * voice terminals at either end of a call: it sends timestamped datagrams,
 * receives or echoes them, and measures the round trip through the two Half
 * Relay Agents (or directly, as the floor a benchmark compares with).
 *
 * Every datagram it sends carries, in its first 16 bytes, a sequence number
 * and the CLOCK_MONOTONIC send time in nanoseconds, both big-endian.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UDPTOOL_HDR	16		/* seq + timestamp */
#define UDPTOOL_MAXDG	65507		/* largest IPv4 UDP payload */
#define UDPTOOL_BATCH	64		/* datagrams per recvmmsg/sendmmsg */
#define UDPTOOL_BUFSZ	65536		/* one receive buffer */
#define UDPTOOL_SOCKBUF	(4 * 1024 * 1024)

struct udptool_opts {
	const char	*src_ip;	/* -s */
	uint16_t	 src_port;	/* -p */
	int		 hex;		/* -x */
	uint32_t	 step;		/* -t: RTP timestamp step */
};

static void	udptool_usage(void) __attribute__((noreturn));
static void	udptool_help(void) __attribute__((noreturn));
static void	udptool_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static unsigned long long udptool_num(const char *, const char *,
		    unsigned long long, unsigned long long);
static uint16_t	udptool_port(const char *, const char *);
static void	udptool_addr(struct sockaddr_in *, const char *, uint16_t);
static uint64_t	udptool_now_ns(void);
static int	udptool_socket(const char *, uint16_t);
static void	udptool_stamp(unsigned char *, uint64_t, uint64_t);
static void	udptool_unstamp(const unsigned char *, uint64_t *, uint64_t *);
static int	udptool_getopts(int, char **, struct udptool_opts *,
		    const char *);
static size_t	udptool_load(const char *, unsigned char *, size_t);
static void	udptool_print(const struct sockaddr_in *, const unsigned char *,
		    size_t);
static int	udptool_cmp_u64(const void *, const void *);
static void	udptool_sleep_us(unsigned long long);
static void	udptool_sleep_until_ns(uint64_t);
static int	udptool_recv(int, char **);
static int	udptool_send(int, char **);
static int	udptool_echo(int, char **);
static int	udptool_rtt(int, char **);
static int	udptool_probe(int, char **);
static int	udptool_raw(int, char **);
static int	udptool_rtp(int, char **);
static int	udptool_spray(int, char **);

#define UDPTOOL_SYNOPSIS \
"usage: udptool recv [-x] BIND_IP PORT COUNT TIMEOUT_MS\n" \
"       udptool send [-s SRC_IP] [-p SRC_PORT] DST_IP PORT COUNT [SIZE] [INTERVAL_US]\n" \
"       udptool echo BIND_IP PORT\n" \
"       udptool rtt [-s SRC_IP] [-p SRC_PORT] DST_IP PORT COUNT RATE_PPS SIZE TIMEOUT_MS\n" \
"       udptool probe [-s SRC_IP] [-p SRC_PORT] DST_IP PORT\n" \
"       udptool raw [-s SRC_IP] [-p SRC_PORT] DST_IP PORT FILE [COUNT] [INTERVAL_US]\n" \
"       udptool rtp [-s SRC_IP] [-p SRC_PORT] [-t STEP] DST_IP PORT COUNT INTERVAL_US SSRC\n" \
"       udptool spray [-s SRC_IP] [-p SRC_PORT] DST_IP PORT_MIN PORT_MAX FILE WAIT_MS\n"

/* Print the synopsis and exit 2: the command line was wrong. */
static void
udptool_usage(void)
{
	fputs(UDPTOOL_SYNOPSIS "(udptool -h explains each command)\n", stderr);
	exit(2);
}

/* Print the synopsis and what each command does, and exit 0. */
static void
udptool_help(void)
{
	fputs(UDPTOOL_SYNOPSIS
"\n"
"recv   receive datagrams until COUNT arrived or TIMEOUT_MS passed;\n"
"       print 'received N'; exit 0 if N >= COUNT, else 1; with -x, first\n"
"       'from IP:PORT len L HEX' for each datagram (its bytes in hex)\n"
"send   send COUNT datagrams of SIZE bytes (default 172, min 16),\n"
"       INTERVAL_US apart (default 1000); each starts with a big-endian\n"
"       64-bit sequence number and CLOCK_MONOTONIC send time in ns\n"
"echo   send every datagram back to its sender, until killed\n"
"rtt    send COUNT datagrams at RATE_PPS to an echo, read the echoes on\n"
"       the same socket, wait at most TIMEOUT_MS after the last send, print\n"
"       'sent N received M loss_pct X p50_us A p99_us B max_us C pps D'\n"
"       (round-trip latencies; pps is the send rate achieved)\n"
"probe  send one datagram and exit 0\n"
"raw    send FILE's bytes, unchanged, as one datagram, COUNT times (default\n"
"       1), INTERVAL_US apart (default 20000): RTCP, SRTP, any payload\n"
"rtp    send COUNT G.711 RTP datagrams of stream SSRC, INTERVAL_US apart:\n"
"       sequence numbers and timestamps that wrap, marker bits, a silence\n"
"       (timestamp jump) half way; print each datagram's bytes in hex, one\n"
"       line each, as recv -x does; timestamps STEP apart (default 160:\n"
"       20 ms of G.711)\n"
"spray  send FILE's bytes once to every port PORT_MIN..PORT_MAX (an\n"
"       attacker probing a relay's ports), then read what comes back on\n"
"       the same socket for WAIT_MS: print 'sprayed N', a 'from IP:PORT\n"
"       len L' line per datagram, and 'received M'\n"
"-s/-p  bind the sending socket to SRC_IP and/or SRC_PORT\n", stdout);
	exit(0);
}

/* Print a message with strerror(errno) and exit 1. */
static void
udptool_die(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	fputs("udptool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(1);
}

/* Parse a decimal number in [min, max]; anything else is a usage error. */
static unsigned long long
udptool_num(const char *what, const char *s, unsigned long long min,
    unsigned long long max)
{
	unsigned long long	 v;
	char			*end;

	/* strtoull accepts signs and blanks; a count must be plain digits. */
	if (s[0] < '0' || s[0] > '9') {
		fprintf(stderr, "udptool: %s: not a number: '%s'\n", what, s);
		udptool_usage();
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "udptool: %s: '%s' not in %llu..%llu\n",
		    what, s, min, max);
		udptool_usage();
	}
	return v;
}

/* Parse a port number (0 is allowed only where the caller says so). */
static uint16_t
udptool_port(const char *what, const char *s)
{
	return (uint16_t)udptool_num(what, s, 0, 65535);
}

/* Fill an IPv4 socket address from a dotted quad, or fail with usage. */
static void
udptool_addr(struct sockaddr_in *sin, const char *ip, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1) {
		fprintf(stderr, "udptool: not an IPv4 address: '%s'\n", ip);
		udptool_usage();
	}
}

/* Return CLOCK_MONOTONIC in nanoseconds. */
static uint64_t
udptool_now_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		udptool_die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Open a UDP socket with large buffers, bound to ip:port if ip is given. */
static int
udptool_socket(const char *ip, uint16_t port)
{
	struct sockaddr_in	sin;
	int			fd, sz = UDPTOOL_SOCKBUF;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		udptool_die("socket");
	/* The FORCE variants pass rmem_max as root; fall back otherwise. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		udptool_die("setsockopt SO_RCVBUF");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) == -1)
		udptool_die("setsockopt SO_SNDBUF");
	if (ip != NULL || port != 0) {
		udptool_addr(&sin, ip != NULL ? ip : "0.0.0.0", port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			udptool_die("bind %s:%u", ip != NULL ? ip : "0.0.0.0",
			    port);
	}
	return fd;
}

/* Write the sequence number and send time at the start of a datagram. */
static void
udptool_stamp(unsigned char *buf, uint64_t seq, uint64_t ns)
{
	uint64_t	be;

	be = htobe64(seq);
	memcpy(buf, &be, 8);
	be = htobe64(ns);
	memcpy(buf + 8, &be, 8);
}

/* Read the sequence number and send time back from a datagram. */
static void
udptool_unstamp(const unsigned char *buf, uint64_t *seq, uint64_t *ns)
{
	uint64_t	be;

	memcpy(&be, buf, 8);
	*seq = be64toh(be);
	memcpy(&be, buf + 8, 8);
	*ns = be64toh(be);
}

/* Parse the flags in allowed (of -s, -p, -x); return the first operand. */
static int
udptool_getopts(int argc, char **argv, struct udptool_opts *o,
    const char *allowed)
{
	char	optstring[16];
	int	ch;

	memset(o, 0, sizeof(*o));
	o->step = 160;
	optind = 1;
	/* '+' stops at the first operand: flags go before operands only. */
	(void)snprintf(optstring, sizeof(optstring), "+%s", allowed);
	while ((ch = getopt(argc, argv, optstring)) != -1) {
		switch (ch) {
		case 's':
			o->src_ip = optarg;
			break;
		case 'p':
			o->src_port = udptool_port("SRC_PORT", optarg);
			break;
		case 'x':
			o->hex = 1;
			break;
		case 't':
			o->step = (uint32_t)udptool_num("STEP", optarg, 1,
			    UINT32_MAX);
			break;
		default:
			udptool_usage();
		}
	}
	return optind;
}

/* Read a whole file of at most max bytes into buf; return its size. */
static size_t
udptool_load(const char *path, unsigned char *buf, size_t max)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		udptool_die("%s", path);
	n = fread(buf, 1, max, f);
	if (ferror(f))
		udptool_die("%s", path);
	if (fgetc(f) != EOF) {
		fprintf(stderr, "udptool: %s: over %zu bytes\n", path, max);
		exit(1);
	}
	fclose(f);
	return n;
}

/* Print a datagram's source, length and bytes in hex on one line. */
static void
udptool_print(const struct sockaddr_in *from, const unsigned char *buf,
    size_t len)
{
	char	ip[INET_ADDRSTRLEN];
	size_t	i;

	if (inet_ntop(AF_INET, &from->sin_addr, ip, sizeof(ip)) == NULL)
		udptool_die("inet_ntop");
	printf("from %s:%u len %zu ", ip, ntohs(from->sin_port), len);
	for (i = 0; i < len; i++)
		printf("%02x", buf[i]);
	putchar('\n');
}

/* Sleep this many microseconds, through signals. */
static void
udptool_sleep_us(unsigned long long us)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) == -1)
		if (errno != EINTR)
			udptool_die("nanosleep");
}

/* Sleep until CLOCK_MONOTONIC reads at_ns, through signals. */
static void
udptool_sleep_until_ns(uint64_t at_ns)
{
	struct timespec	 ts;
	int		 rc;

	ts.tv_sec = (time_t)(at_ns / 1000000000ULL);
	ts.tv_nsec = (long)(at_ns % 1000000000ULL);
	while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL)) != 0)
		if (rc != EINTR) {
			errno = rc;
			udptool_die("clock_nanosleep");
		}
}

/* qsort comparator for latencies. */
static int
udptool_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* recv [-x] BIND_IP PORT COUNT TIMEOUT_MS */
static int
udptool_recv(int argc, char **argv)
{
	struct udptool_opts	 o;
	static unsigned char	 buf[UDPTOOL_MAXDG];
	struct sockaddr_in	 from;
	struct pollfd		 pfd;
	unsigned long long	 count, timeout_ms, n = 0;
	uint64_t		 deadline, now;
	socklen_t		 fromlen;
	ssize_t			 len;
	uint16_t		 port;
	int			 i, fd, ms, r;

	i = udptool_getopts(argc, argv, &o, "x");
	if (argc - i != 4)
		udptool_usage();
	port = udptool_port("PORT", argv[i + 1]);
	count = udptool_num("COUNT", argv[i + 2], 0, ULLONG_MAX);
	timeout_ms = udptool_num("TIMEOUT_MS", argv[i + 3], 0, 86400000);
	fd = udptool_socket(argv[i], port);

	deadline = udptool_now_ns() + timeout_ms * 1000000ULL;
	while (n < count) {
		now = udptool_now_ns();
		if (now >= deadline)
			break;
		ms = (int)((deadline - now + 999999) / 1000000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, ms)) == -1) {
			if (errno == EINTR)
				continue;
			udptool_die("poll");
		}
		if (r == 0)
			continue;
		fromlen = sizeof(from);
		if ((len = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen)) == -1) {
			if (errno == EINTR)
				continue;
			udptool_die("recv");
		}
		/* At once: a test may watch the output while we wait. */
		if (o.hex) {
			udptool_print(&from, buf, (size_t)len);
			if (fflush(stdout) == EOF)
				udptool_die("stdout");
		}
		n++;
	}
	printf("received %llu\n", n);
	if (fflush(stdout) == EOF)
		udptool_die("stdout");
	return n >= count ? 0 : 1;
}

/* send [-s SRC_IP] [-p SRC_PORT] DST_IP PORT COUNT [SIZE] [INTERVAL_US] */
static int
udptool_send(int argc, char **argv)
{
	struct udptool_opts	 o;
	static unsigned char	 buf[UDPTOOL_MAXDG];
	struct sockaddr_in	 dst;
	struct timespec		 ts;
	unsigned long long	 count, size = 172, interval_us = 1000, seq;
	uint64_t		 start, due;
	int			 i, fd, nops;

	i = udptool_getopts(argc, argv, &o, "s:p:");
	nops = argc - i;
	if (nops < 3 || nops > 5)
		udptool_usage();
	udptool_addr(&dst, argv[i], udptool_port("PORT", argv[i + 1]));
	count = udptool_num("COUNT", argv[i + 2], 0, ULLONG_MAX);
	if (nops >= 4)
		size = udptool_num("SIZE", argv[i + 3], UDPTOOL_HDR,
		    UDPTOOL_MAXDG);
	if (nops >= 5)
		interval_us = udptool_num("INTERVAL_US", argv[i + 4], 0,
		    60000000);
	fd = udptool_socket(o.src_ip, o.src_port);

	start = udptool_now_ns();
	for (seq = 0; seq < count; seq++) {
		/* Pace against the start time so sleeps don't accumulate drift. */
		due = start + seq * interval_us * 1000ULL;
		ts.tv_sec = (time_t)(due / 1000000000ULL);
		ts.tv_nsec = (long)(due % 1000000000ULL);
		while ((errno = clock_nanosleep(CLOCK_MONOTONIC,
		    TIMER_ABSTIME, &ts, NULL)) != 0) {
			if (errno != EINTR)
				udptool_die("clock_nanosleep");
		}
		udptool_stamp(buf, seq, udptool_now_ns());
		if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&dst,
		    sizeof(dst)) == -1)
			udptool_die("sendto %s:%u", argv[i],
			    ntohs(dst.sin_port));
	}
	if (close(fd) == -1)
		udptool_die("close");
	return 0;
}

/* echo BIND_IP PORT */
static int
udptool_echo(int argc, char **argv)
{
	struct udptool_opts	 o;
	static unsigned char	 bufs[UDPTOOL_BATCH][UDPTOOL_BUFSZ];
	struct mmsghdr		 msgs[UDPTOOL_BATCH];
	struct iovec		 iov[UDPTOOL_BATCH];
	struct sockaddr_in	 from[UDPTOOL_BATCH];
	int			 i, fd, n, j, sent;

	i = udptool_getopts(argc, argv, &o, "");
	if (argc - i != 2)
		udptool_usage();
	fd = udptool_socket(argv[i], udptool_port("PORT", argv[i + 1]));

	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (j = 0; j < UDPTOOL_BATCH; j++) {
			iov[j].iov_base = bufs[j];
			iov[j].iov_len = sizeof(bufs[j]);
			msgs[j].msg_hdr.msg_iov = &iov[j];
			msgs[j].msg_hdr.msg_iovlen = 1;
			msgs[j].msg_hdr.msg_name = &from[j];
			msgs[j].msg_hdr.msg_namelen = sizeof(from[j]);
		}
		/* Block for the first datagram, then take what is queued. */
		n = recvmmsg(fd, msgs, UDPTOOL_BATCH, MSG_WAITFORONE, NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			udptool_die("recvmmsg");
		}
		for (j = 0; j < n; j++) {
			iov[j].iov_len = msgs[j].msg_len;
			msgs[j].msg_len = 0;
		}
		for (sent = 0; sent < n; ) {
			j = sendmmsg(fd, msgs + sent, (unsigned int)(n - sent),
			    0);
			if (j == -1) {
				/* A sender that went away must not end the echo. */
				if (errno == EINTR)
					continue;
				if (errno == ECONNREFUSED ||
				    errno == EHOSTUNREACH ||
				    errno == ENETUNREACH || errno == ENOBUFS) {
					sent++;
					continue;
				}
				udptool_die("sendmmsg");
			}
			sent += j;
		}
	}
}

/*
 * rtt [-s SRC_IP] [-p SRC_PORT] DST_IP PORT COUNT RATE_PPS SIZE TIMEOUT_MS:
 * paced sending and batched receiving on one socket, driven by ppoll so
 * that rates far above 1,000/s are still spread evenly.
 */
static int
udptool_rtt(int argc, char **argv)
{
	struct udptool_opts	 o;
	static unsigned char	 sbuf[UDPTOOL_MAXDG];
	static unsigned char	 rbufs[UDPTOOL_BATCH][UDPTOOL_BUFSZ];
	struct mmsghdr		 msgs[UDPTOOL_BATCH];
	struct iovec		 iov[UDPTOOL_BATCH];
	struct sockaddr_in	 dst;
	struct pollfd		 pfd;
	struct timespec		 ts;
	unsigned long long	 count, rate, size, timeout_ms;
	unsigned long long	 sent = 0, got = 0;
	uint64_t		*lat, start, now, due, wait, seq, tx, last_tx = 0;
	uint64_t		 period_ns, p50, p99, max, send_end = 0;
	unsigned char		*seen;
	double			 loss, pps, secs;
	int			 i, j, n, fd;

	i = udptool_getopts(argc, argv, &o, "s:p:");
	if (argc - i != 6)
		udptool_usage();
	udptool_addr(&dst, argv[i], udptool_port("PORT", argv[i + 1]));
	count = udptool_num("COUNT", argv[i + 2], 1, 100000000);
	rate = udptool_num("RATE_PPS", argv[i + 3], 1, 10000000);
	size = udptool_num("SIZE", argv[i + 4], UDPTOOL_HDR,
	    UDPTOOL_MAXDG);
	timeout_ms = udptool_num("TIMEOUT_MS", argv[i + 5], 0, 86400000);
	period_ns = 1000000000ULL / rate;

	if ((lat = calloc((size_t)count, sizeof(*lat))) == NULL)
		udptool_die("calloc");
	if ((seen = calloc((size_t)count, 1)) == NULL)
		udptool_die("calloc");
	fd = udptool_socket(o.src_ip, o.src_port);
	memset(sbuf, 0, sizeof(sbuf));

	start = udptool_now_ns();
	for (;;) {
		now = udptool_now_ns();
		/* Send everything that is due; catch up in a burst if late. */
		while (sent < count && start + sent * period_ns <= now) {
			now = udptool_now_ns();
			udptool_stamp(sbuf, sent, now);
			if (sendto(fd, sbuf, (size_t)size, 0,
			    (struct sockaddr *)&dst, sizeof(dst)) == -1) {
				/* A full queue is loss, as on a real link. */
				if (errno != ENOBUFS && errno != EAGAIN &&
				    errno != ECONNREFUSED)
					udptool_die("sendto");
			}
			sent++;
			last_tx = now;
		}
		if (sent == count && send_end == 0)
			send_end = last_tx;
		if (got == count)
			break;
		if (sent < count)
			due = start + sent * period_ns;
		else
			due = send_end + timeout_ms * 1000000ULL;
		now = udptool_now_ns();
		if (sent == count && now >= due)
			break;
		wait = due > now ? due - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000000ULL);
		ts.tv_nsec = (long)(wait % 1000000000ULL);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((n = ppoll(&pfd, 1, &ts, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			udptool_die("ppoll");
		}
		if (n == 0)
			continue;

		memset(msgs, 0, sizeof(msgs));
		for (j = 0; j < UDPTOOL_BATCH; j++) {
			iov[j].iov_base = rbufs[j];
			iov[j].iov_len = sizeof(rbufs[j]);
			msgs[j].msg_hdr.msg_iov = &iov[j];
			msgs[j].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, UDPTOOL_BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			/* ICMP errors from an earlier send surface here. */
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			udptool_die("recvmmsg");
		}
		now = udptool_now_ns();
		for (j = 0; j < n; j++) {
			if (msgs[j].msg_len < UDPTOOL_HDR)
				continue;
			udptool_unstamp(rbufs[j], &seq, &tx);
			/* Ignore strays, duplicates and clock nonsense. */
			if (seq >= sent || seen[seq] || tx > now)
				continue;
			seen[seq] = 1;
			lat[got++] = now - tx;
		}
	}

	qsort(lat, (size_t)got, sizeof(*lat), udptool_cmp_u64);
	p50 = p99 = max = 0;
	if (got > 0) {
		p50 = lat[(got - 1) * 50 / 100];
		p99 = lat[(got - 1) * 99 / 100];
		max = lat[got - 1];
	}
	loss = 100.0 * (double)(count - got) / (double)count;
	secs = (double)(send_end - start) / 1e9;
	pps = secs > 0 ? (double)(sent - 1) / secs : (double)sent;
	printf("sent %llu received %llu loss_pct %.3f p50_us %.1f "
	    "p99_us %.1f max_us %.1f pps %.0f\n", sent, got, loss,
	    (double)p50 / 1e3, (double)p99 / 1e3, (double)max / 1e3, pps);
	if (fflush(stdout) == EOF)
		udptool_die("stdout");
	free(lat);
	free(seen);
	if (close(fd) == -1)
		udptool_die("close");
	return 0;
}

/* probe [-s SRC_IP] [-p SRC_PORT] DST_IP PORT */
static int
udptool_probe(int argc, char **argv)
{
	struct udptool_opts	 o;
	unsigned char		 buf[UDPTOOL_HDR];
	struct sockaddr_in	 dst;
	int			 i, fd;

	i = udptool_getopts(argc, argv, &o, "s:p:");
	if (argc - i != 2)
		udptool_usage();
	udptool_addr(&dst, argv[i], udptool_port("PORT", argv[i + 1]));
	fd = udptool_socket(o.src_ip, o.src_port);
	udptool_stamp(buf, 0, udptool_now_ns());
	if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&dst,
	    sizeof(dst)) == -1)
		udptool_die("sendto %s:%s", argv[i], argv[i + 1]);
	if (close(fd) == -1)
		udptool_die("close");
	return 0;
}

/* raw [-s SRC_IP] [-p SRC_PORT] DST_IP PORT FILE [COUNT] [INTERVAL_US] */
static int
udptool_raw(int argc, char **argv)
{
	struct udptool_opts	 o;
	static unsigned char	 buf[UDPTOOL_MAXDG];
	struct sockaddr_in	 dst;
	unsigned long long	 count = 1, interval_us = 20000, k;
	size_t			 len;
	int			 i, fd, nops;

	i = udptool_getopts(argc, argv, &o, "s:p:");
	nops = argc - i;
	if (nops < 3 || nops > 5)
		udptool_usage();
	udptool_addr(&dst, argv[i], udptool_port("PORT", argv[i + 1]));
	if (nops >= 4)
		count = udptool_num("COUNT", argv[i + 3], 0, ULLONG_MAX);
	if (nops >= 5)
		interval_us = udptool_num("INTERVAL_US", argv[i + 4], 0,
		    60000000);
	len = udptool_load(argv[i + 2], buf, sizeof(buf));
	fd = udptool_socket(o.src_ip, o.src_port);
	for (k = 0; k < count; k++) {
		if (k > 0)
			udptool_sleep_us(interval_us);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
		    sizeof(dst)) == -1)
			udptool_die("sendto %s:%s", argv[i], argv[i + 1]);
	}
	if (close(fd) == -1)
		udptool_die("close");
	return 0;
}

/*
 * spray [-s SRC_IP] [-p SRC_PORT] DST_IP PORT_MIN PORT_MAX FILE WAIT_MS:
 * one datagram to each port, then whatever comes back.
 */
static int
udptool_spray(int argc, char **argv)
{
	struct udptool_opts	 o;
	static unsigned char	 buf[UDPTOOL_MAXDG];
	struct sockaddr_in	 dst, from;
	struct pollfd		 pfd;
	unsigned long long	 wait_ms, n = 0;
	uint64_t		 deadline, now;
	socklen_t		 fromlen;
	ssize_t			 got;
	size_t			 len;
	uint16_t		 pmin, pmax;
	unsigned int		 port;
	int			 i, fd, ms, r;

	i = udptool_getopts(argc, argv, &o, "s:p:");
	if (argc - i != 5)
		udptool_usage();
	pmin = udptool_port("PORT_MIN", argv[i + 1]);
	pmax = udptool_port("PORT_MAX", argv[i + 2]);
	if (pmax < pmin)
		udptool_usage();
	len = udptool_load(argv[i + 3], buf, sizeof(buf));
	wait_ms = udptool_num("WAIT_MS", argv[i + 4], 0, 86400000);
	fd = udptool_socket(o.src_ip, o.src_port);
	for (port = pmin; port <= pmax; port++) {
		udptool_addr(&dst, argv[i], (uint16_t)port);
		/* A full socket buffer: wait for it rather than skip a port. */
		while (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
		    sizeof(dst)) == -1) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR)
				udptool_die("sendto %s:%u", argv[i], port);
			udptool_sleep_us(1000);
		}
	}
	printf("sprayed %u\n", (unsigned int)(pmax - pmin + 1));
	deadline = udptool_now_ns() + wait_ms * 1000000ULL;
	while ((now = udptool_now_ns()) < deadline) {
		ms = (int)((deadline - now + 999999) / 1000000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, ms)) == -1) {
			if (errno == EINTR)
				continue;
			udptool_die("poll");
		}
		if (r == 0)
			continue;
		fromlen = sizeof(from);
		if ((got = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen)) == -1) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			udptool_die("recv");
		}
		printf("from %s:%u len %zd\n", inet_ntoa(from.sin_addr),
		    ntohs(from.sin_port), got);
		n++;
	}
	printf("received %llu\n", n);
	if (fflush(stdout) == EOF)
		udptool_die("stdout");
	return 0;
}

/*
 * rtp [-s SRC_IP] [-p SRC_PORT] [-t STEP] DST_IP PORT COUNT INTERVAL_US
 * SSRC: a talkspurt, a silence and another, as a phone sends them: on
 * its sample clock, datagram k at k intervals from the first, so that a
 * late wake-up delays that datagram only (a sleep after each send would
 * carry every oversleep into all later ones, and a relay would rightly
 * count them late).
 */
static int
udptool_rtp(int argc, char **argv)
{
	struct udptool_opts	 o;
	unsigned char		 buf[12 + 160];
	struct sockaddr_in	 dst;
	unsigned long long	 count, interval_us, ssrc, k;
	uint64_t		 start;
	uint32_t		 stamp = 0xfffff000U;
	uint16_t		 seq = 65530;
	size_t			 j;
	int			 i, fd;

	i = udptool_getopts(argc, argv, &o, "s:p:t:");
	if (argc - i != 5)
		udptool_usage();
	udptool_addr(&dst, argv[i], udptool_port("PORT", argv[i + 1]));
	count = udptool_num("COUNT", argv[i + 2], 0, ULLONG_MAX);
	interval_us = udptool_num("INTERVAL_US", argv[i + 3], 0, 60000000);
	ssrc = udptool_num("SSRC", argv[i + 4], 0, UINT32_MAX);
	fd = udptool_socket(o.src_ip, o.src_port);
	start = udptool_now_ns();
	for (k = 0; k < count; k++, seq++, stamp += o.step) {
		if (k == count / 2)
			stamp += 8000;	/* a second of silence */
		buf[0] = 0x80;
		/* PCMA; the marker opens each talkspurt. */
		buf[1] = (unsigned char)(8 | (k == 0 || k == count / 2 ?
		    0x80 : 0));
		buf[2] = (unsigned char)(seq >> 8);
		buf[3] = (unsigned char)seq;
		buf[4] = (unsigned char)(stamp >> 24);
		buf[5] = (unsigned char)(stamp >> 16);
		buf[6] = (unsigned char)(stamp >> 8);
		buf[7] = (unsigned char)stamp;
		buf[8] = (unsigned char)(ssrc >> 24);
		buf[9] = (unsigned char)(ssrc >> 16);
		buf[10] = (unsigned char)(ssrc >> 8);
		buf[11] = (unsigned char)ssrc;
		for (j = 12; j < sizeof(buf); j++)
			buf[j] = (unsigned char)(k * 7 + j);
		if (k > 0)
			udptool_sleep_until_ns(start + k * interval_us * 1000);
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&dst,
		    sizeof(dst)) == -1)
			udptool_die("sendto %s:%s", argv[i], argv[i + 1]);
		for (j = 0; j < sizeof(buf); j++)
			printf("%02x", buf[j]);
		putchar('\n');
	}
	if (fflush(stdout) == EOF)
		udptool_die("stdout");
	if (close(fd) == -1)
		udptool_die("close");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		udptool_usage();
	/* A closed stdout must give an error, not kill us silently. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		udptool_die("signal");
	argc--;
	argv++;
	if (strcmp(argv[0], "recv") == 0)
		return udptool_recv(argc, argv);
	if (strcmp(argv[0], "send") == 0)
		return udptool_send(argc, argv);
	if (strcmp(argv[0], "echo") == 0)
		return udptool_echo(argc, argv);
	if (strcmp(argv[0], "rtt") == 0)
		return udptool_rtt(argc, argv);
	if (strcmp(argv[0], "probe") == 0)
		return udptool_probe(argc, argv);
	if (strcmp(argv[0], "raw") == 0)
		return udptool_raw(argc, argv);
	if (strcmp(argv[0], "rtp") == 0)
		return udptool_rtp(argc, argv);
	if (strcmp(argv[0], "spray") == 0)
		return udptool_spray(argc, argv);
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)
		udptool_help();
	fprintf(stderr, "udptool: unknown command '%s'\n", argv[0]);
	udptool_usage();
}
