/*
 * rtpbench: the phones of the calls benchmark.  For every call it holds
 * the RTP socket of the outside phone and that of the inside phone, sends
 * G.711-like RTP from each (one datagram per leg every 20 ms by default,
 * phases spread evenly over the period) and measures the one-way delay of
 * every datagram that reaches the other phone, and the loss.
 *
 *   outside leg --> hras media port --> tunnel --> hrac media port --> inside leg
 *   outside leg <-- hras media port <-- tunnel <-- hrac media port <-- inside leg
 *
 * The same sockets, rates and code measure the direct path (each leg sends
 * straight to the other) as the floor.  Both ends are in this one process,
 * so one clock serves both: the send time is CLOCK_REALTIME just before
 * sendto, the arrival time the kernel's receive timestamp (SO_TIMESTAMPNS),
 * so the tool's own scheduling delays add nothing to the figures.
 *
 * Datagrams: a 12-byte RTP header (PCMU, sequence, timestamp, SSRC), then
 * our own 21 bytes (magic, leg, sequence, send time, flags), the rest 0xff
 * (mu-law silence).
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RB_MAGIC	0x52423031U	/* "RB01" */
#define RB_RTPHDR	12
#define RB_HDR		(RB_RTPHDR + 21)
#define RB_MAXDG	1500
#define RB_BATCH	16		/* datagrams per recvmmsg */
#define RB_EVENTS	256		/* epoll events per wake-up */
#define RB_SOCKBUF	(256 * 1024)	/* per leg: 50 pps needs little */
#define RB_MAXCALLS	10000
#define RB_FLAG_MEASURED 0x01

/* The two directions: down is outside -> inside, up inside -> outside. */
enum rb_dir { RB_DOWN, RB_UP };

/* One phone's RTP socket: leg 2k is call k's outside phone, 2k+1 inside. */
struct rb_leg {
	int			fd;
	struct sockaddr_in	src;		/* bound to */
	struct sockaddr_in	dst;		/* sends to */
	uint64_t		phase;		/* ns into each period */
	uint64_t		rx_measured;	/* measured datagrams received */
};

/* What one direction received in the measured window. */
struct rb_stats {
	uint64_t	sent;
	uint64_t	got;
	uint64_t	dup;
	uint32_t	*lat;		/* ns, one per datagram received */
	uint8_t		*seen;		/* bitmap: call x measured period */
};

struct rb_opts {
	unsigned long long	seconds;	/* -S */
	unsigned long long	warm_ms;	/* -W */
	unsigned long long	drain_ms;	/* -D */
	unsigned long long	rate;		/* -r, per leg */
	unsigned long long	size;		/* -z */
	unsigned long long	late_ms;	/* -L */
	const char		*out_ns;	/* -o */
	const char		*in_ns;		/* -i */
};

static void	rb_usage(void) __attribute__((noreturn));
static void	rb_help(void) __attribute__((noreturn));
static void	rb_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	rb_diex(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static unsigned long long rb_num(const char *, const char *,
		    unsigned long long, unsigned long long);
static void	rb_addr(struct sockaddr_in *, const char *, const char *);
static uint64_t	rb_now(void);
static void	rb_setns(const char *);
static int	rb_socket(const struct sockaddr_in *);
static size_t	rb_load(const char *, struct rb_leg **, const struct rb_opts *);
static void	rb_put32(uint8_t *, uint32_t);
static uint32_t	rb_get32(const uint8_t *);
static int	rb_cmp_u32(const void *, const void *);
static void	rb_report(const char *, struct rb_stats *, uint64_t);

#define RB_SYNOPSIS \
"usage: rtpbench [-S SECONDS] [-W WARM_MS] [-D DRAIN_MS] [-r PPS] [-z SIZE]\n" \
"                [-L LATE_MS] [-o OUT_NETNS] [-i IN_NETNS] CALLFILE\n"

/* Print the synopsis and exit 2: the command line was wrong. */
static void
rb_usage(void)
{
	fputs(RB_SYNOPSIS "(rtpbench -h explains)\n", stderr);
	exit(2);
}

/* Print the synopsis and what the tool does, and exit 0. */
static void
rb_help(void)
{
	fputs(RB_SYNOPSIS
"\n"
"CALLFILE has one call a line (blank lines and # comments ignored):\n"
"  OUT_IP OUT_PORT OUT_DST_IP OUT_DST_PORT IN_IP IN_PORT IN_DST_IP IN_DST_PORT\n"
"The outside leg binds OUT_IP:OUT_PORT and sends to OUT_DST (hras's media\n"
"port of the call, or the inside leg for the direct path); the inside leg\n"
"binds IN_IP:IN_PORT and sends to IN_DST (hrac's media port, or the\n"
"outside leg).  Each leg sends PPS datagrams/s of SIZE bytes [50, 172]\n"
"for WARM_MS [1000] unmeasured, then SECONDS [10] measured, and waits\n"
"DRAIN_MS [1000] after its last send; later arrivals count as lost.\n"
"-o/-i open the outside/inside sockets in that network namespace (a name\n"
"under /run/netns or a path).  Output, one-way delays in us:\n"
"  down|up|all sent N received M loss_pct X p50_us A p99_us B max_us C\n"
"      late L late_lost_pct Y\n"
"  calls N pps P dead_legs D lossy_calls L dup U misrouted R\n"
"      user_stamps S rx_total T cpu_us C\n"
"(down: outside -> inside; late: received more than LATE_MS [150] after\n"
"it was sent, too late for a phone's jitter buffer; late_lost_pct: late\n"
"and lost together, in % of sent; pps: datagrams/s sent, both directions;\n"
"dead_legs: legs that received nothing measured; misrouted: datagrams\n"
"that reached a phone of another call; user_stamps: arrivals without a\n"
"kernel timestamp, timed on reading; rx_total: datagrams received,\n"
"warm-up included).  Exit 0 if it ran, whatever the loss.\n", stdout);
	exit(0);
}

/* Print a message with strerror(errno) and exit 1. */
static void
rb_die(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	fputs("rtpbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(1);
}

/* Print a message and exit 1. */
static void
rb_diex(const char *fmt, ...)
{
	va_list	ap;

	fputs("rtpbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Parse a decimal number in [min, max]; anything else is a usage error. */
static unsigned long long
rb_num(const char *what, const char *s, unsigned long long min,
    unsigned long long max)
{
	unsigned long long	 v;
	char			*end;

	if (s[0] < '0' || s[0] > '9') {
		fprintf(stderr, "rtpbench: %s: not a number: '%s'\n", what, s);
		rb_usage();
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "rtpbench: %s: '%s' not in %llu..%llu\n",
		    what, s, min, max);
		rb_usage();
	}
	return v;
}

/* Fill an IPv4 socket address from a dotted quad and a port, or fail. */
static void
rb_addr(struct sockaddr_in *sin, const char *ip, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)rb_num("port", port, 1, 65535));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		rb_diex("not an IPv4 address: '%s'", ip);
}

/* CLOCK_REALTIME in ns: the clock of the kernel's receive timestamps. */
static uint64_t
rb_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		rb_die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Move this process into network namespace ns (name or path). */
static void
rb_setns(const char *ns)
{
	char	path[512];
	int	fd;

	if (strchr(ns, '/') != NULL)
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		rb_die("%s", path);
	if (setns(fd, CLONE_NEWNET) == -1)
		rb_die("setns %s", path);
	close(fd);
}

/* A non-blocking UDP socket bound to sin, with receive timestamps. */
static int
rb_socket(const struct sockaddr_in *sin)
{
	char	name[INET_ADDRSTRLEN];
	int	fd, v;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		rb_die("socket");
	v = RB_SOCKBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == -1)
		rb_die("setsockopt SO_RCVBUF/SO_SNDBUF");
	v = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &v, sizeof(v)) == -1)
		rb_die("setsockopt SO_TIMESTAMPNS");
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1)
		rb_die("bind %s:%u", inet_ntop(AF_INET, &sin->sin_addr, name,
		    sizeof(name)), ntohs(sin->sin_port));
	return fd;
}

/*
 * Read CALLFILE into legs (two per call) and open their sockets, the
 * outside ones in -o's namespace, the inside ones in -i's.
 */
static size_t
rb_load(const char *file, struct rb_leg **legsp, const struct rb_opts *o)
{
	FILE		*f;
	struct rb_leg	*legs = NULL;
	char		 line[512], *w[9], *p;
	size_t		 n = 0, cap = 0, i, lineno = 0;
	int		 k, side;

	if ((f = fopen(file, "r")) == NULL)
		rb_die("%s", file);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		k = 0;
		for (p = strtok(line, " \t\r\n"); p != NULL && k < 9;
		    p = strtok(NULL, " \t\r\n"))
			w[k++] = p;
		if (k == 0)
			continue;
		if (k != 8)
			rb_diex("%s:%zu: want 8 fields", file, lineno);
		if (n / 2 >= RB_MAXCALLS)
			rb_diex("%s: more than %d calls", file, RB_MAXCALLS);
		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 64;
			if ((legs = realloc(legs, cap * sizeof(*legs))) == NULL)
				rb_die("realloc");
		}
		memset(&legs[n], 0, 2 * sizeof(*legs));
		rb_addr(&legs[n].src, w[0], w[1]);
		rb_addr(&legs[n].dst, w[2], w[3]);
		rb_addr(&legs[n + 1].src, w[4], w[5]);
		rb_addr(&legs[n + 1].dst, w[6], w[7]);
		n += 2;
	}
	if (ferror(f))
		rb_die("%s", file);
	fclose(f);
	if (n == 0)
		rb_diex("%s: no calls", file);
	/* Sockets keep the namespace they were made in. */
	for (side = 0; side < 2; side++) {
		if (side == 0 && o->out_ns != NULL)
			rb_setns(o->out_ns);
		if (side == 1 && o->in_ns != NULL)
			rb_setns(o->in_ns);
		for (i = (size_t)side; i < n; i += 2)
			legs[i].fd = rb_socket(&legs[i].src);
	}
	*legsp = legs;
	return n;
}

/* Store a 32-bit big-endian number. */
static void
rb_put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

/* Load a 32-bit big-endian number. */
static uint32_t
rb_get32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

/* qsort comparator for latencies. */
static int
rb_cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Print one direction's line (percentiles as udptool computes them);
 * late_ns: a datagram slower than this one way counts as late.
 */
static void
rb_report(const char *name, struct rb_stats *s, uint64_t late_ns)
{
	uint64_t	p50 = 0, p99 = 0, max = 0, late = 0, i;
	double		loss, late_lost;

	if (s->got > 0) {
		qsort(s->lat, (size_t)s->got, sizeof(*s->lat), rb_cmp_u32);
		p50 = s->lat[(s->got - 1) * 50 / 100];
		p99 = s->lat[(s->got - 1) * 99 / 100];
		max = s->lat[s->got - 1];
	}
	for (i = s->got; i > 0 && s->lat[i - 1] > late_ns; i--)
		late++;
	loss = s->sent ? 100.0 * (double)(s->sent - s->got) /
	    (double)s->sent : 0.0;
	late_lost = s->sent ? 100.0 * (double)(s->sent - s->got + late) /
	    (double)s->sent : 0.0;
	printf("%s sent %llu received %llu loss_pct %.3f p50_us %.1f "
	    "p99_us %.1f max_us %.1f late %llu late_lost_pct %.3f\n", name,
	    (unsigned long long)s->sent, (unsigned long long)s->got, loss,
	    (double)p50 / 1e3, (double)p99 / 1e3, (double)max / 1e3,
	    (unsigned long long)late, late_lost);
}

int
main(int argc, char **argv)
{
	static uint8_t		 sbuf[RB_MAXDG];
	static uint8_t		 rbuf[RB_BATCH][RB_MAXDG];
	static char		 cbuf[RB_BATCH][CMSG_SPACE(sizeof(struct
				    timespec))];
	struct rb_opts		 o;
	struct rb_leg		*legs, *lg;
	struct rb_stats		 st[3];
	struct epoll_event	 ev, evs[RB_EVENTS];
	struct mmsghdr		 msgs[RB_BATCH];
	struct iovec		 iov[RB_BATCH];
	struct cmsghdr		*cm;
	struct timespec		 ts, kts;
	struct rlimit		 rl;
	struct rusage		 ru;
	size_t			 nlegs, ncalls, i, nxt;
	uint64_t		 period, start, now, due, warm, nper, total;
	uint64_t		 cycle, send_end, deadline, wait, tx, rx;
	uint64_t		 misrouted = 0, user_stamps = 0, rx_total = 0;
	uint64_t		 dead = 0, lossy = 0, idx, bit;
	const uint8_t		*b;
	uint32_t		 leg, seq;
	double			 pps, cpu;
	int			 ch, ep, n, j, k, m, d, measured;

	memset(&o, 0, sizeof(o));
	o.seconds = 10;
	o.warm_ms = 1000;
	o.drain_ms = 1000;
	o.rate = 50;
	o.size = 172;
	o.late_ms = 150;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		rb_die("signal");
	while ((ch = getopt(argc, argv, "hS:W:D:r:z:L:o:i:")) != -1) {
		switch (ch) {
		case 'h':
			rb_help();
		case 'S':
			o.seconds = rb_num("SECONDS", optarg, 1, 3600);
			break;
		case 'W':
			o.warm_ms = rb_num("WARM_MS", optarg, 0, 600000);
			break;
		case 'D':
			o.drain_ms = rb_num("DRAIN_MS", optarg, 0, 600000);
			break;
		case 'r':
			o.rate = rb_num("PPS", optarg, 1, 10000);
			break;
		case 'z':
			o.size = rb_num("SIZE", optarg, RB_HDR, RB_MAXDG);
			break;
		case 'L':
			o.late_ms = rb_num("LATE_MS", optarg, 1, 600000);
			break;
		case 'o':
			o.out_ns = optarg;
			break;
		case 'i':
			o.in_ns = optarg;
			break;
		default:
			rb_usage();
		}
	}
	if (argc - optind != 1)
		rb_usage();

	/* Two sockets a call: lift the soft limit on descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	nlegs = rb_load(argv[optind], &legs, &o);
	ncalls = nlegs / 2;

	period = 1000000000ULL / o.rate;
	warm = (o.warm_ms * 1000000ULL + period - 1) / period;
	nper = o.seconds * o.rate;
	total = warm + nper;
	memset(st, 0, sizeof(st));
	for (d = 0; d < 2; d++) {
		st[d].sent = (uint64_t)ncalls * nper;
		if ((st[d].lat = calloc((size_t)st[d].sent,
		    sizeof(*st[d].lat))) == NULL ||
		    (st[d].seen = calloc((size_t)(st[d].sent + 7) / 8, 1)) ==
		    NULL)
			rb_die("calloc");
	}

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		rb_die("epoll_create1");
	for (i = 0; i < nlegs; i++) {
		/* Spread every leg's sends evenly over the period. */
		legs[i].phase = period * i / nlegs;
		ev.events = EPOLLIN;
		ev.data.u64 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, legs[i].fd, &ev) == -1)
			rb_die("epoll_ctl");
	}
	for (j = 0; j < RB_BATCH; j++) {
		iov[j].iov_base = rbuf[j];
		iov[j].iov_len = sizeof(rbuf[j]);
	}
	memset(sbuf, 0xff, sizeof(sbuf));
	sbuf[0] = 0x80;		/* RTP version 2 */
	sbuf[1] = 0x00;		/* PCMU */
	rb_put32(sbuf + RB_RTPHDR, RB_MAGIC);

	start = rb_now() + 10000000ULL;	/* 10 ms to settle */
	cycle = 0;
	nxt = 0;
	send_end = 0;
	deadline = 0;
	for (;;) {
		now = rb_now();
		/* Send all that is due; a late sender catches up in a burst. */
		while (cycle < total &&
		    (due = start + cycle * period + legs[nxt].phase) <= now) {
			lg = &legs[nxt];
			measured = cycle >= warm;
			seq = (uint32_t)cycle;
			sbuf[2] = (uint8_t)(seq >> 8);
			sbuf[3] = (uint8_t)seq;
			rb_put32(sbuf + 4, seq * 160);
			rb_put32(sbuf + 8, 0x52420000U + (uint32_t)nxt);
			rb_put32(sbuf + 16, (uint32_t)nxt);
			rb_put32(sbuf + 20, seq);
			tx = htobe64(rb_now());
			memcpy(sbuf + 24, &tx, 8);
			sbuf[32] = measured ? RB_FLAG_MEASURED : 0;
			/* A full queue is loss, as on a real link. */
			if (sendto(lg->fd, sbuf, (size_t)o.size, 0,
			    (struct sockaddr *)&lg->dst, sizeof(lg->dst)) == -1 &&
			    errno != EAGAIN && errno != ENOBUFS &&
			    errno != ECONNREFUSED && errno != EPERM)
				rb_die("sendto");
			if (++nxt == nlegs) {
				nxt = 0;
				cycle++;
			}
		}
		if (cycle == total && send_end == 0) {
			send_end = rb_now();
			deadline = send_end + o.drain_ms * 1000000ULL;
		}
		if (send_end != 0 && (st[0].got == st[0].sent &&
		    st[1].got == st[1].sent))
			break;
		now = rb_now();
		if (send_end != 0 && now >= deadline)
			break;
		due = send_end != 0 ? deadline :
		    start + cycle * period + legs[nxt].phase;
		wait = due > now ? due - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000000ULL);
		ts.tv_nsec = (long)(wait % 1000000000ULL);
		if ((n = epoll_pwait2(ep, evs, RB_EVENTS, &ts, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			rb_die("epoll_pwait2");
		}
		for (j = 0; j < n; j++) {
			i = (size_t)evs[j].data.u64;
			memset(msgs, 0, sizeof(msgs));
			for (m = 0; m < RB_BATCH; m++) {
				msgs[m].msg_hdr.msg_iov = &iov[m];
				msgs[m].msg_hdr.msg_iovlen = 1;
				msgs[m].msg_hdr.msg_control = cbuf[m];
				msgs[m].msg_hdr.msg_controllen =
				    sizeof(cbuf[m]);
			}
			if ((m = recvmmsg(legs[i].fd, msgs, RB_BATCH,
			    MSG_DONTWAIT, NULL)) == -1) {
				if (errno == EAGAIN || errno == EINTR ||
				    errno == ECONNREFUSED)
					continue;
				rb_die("recvmmsg");
			}
			now = rb_now();
			for (k = 0; k < m; k++) {
				b = rbuf[k];
				if (msgs[k].msg_len < RB_HDR ||
				    rb_get32(b + RB_RTPHDR) != RB_MAGIC)
					continue;
				rx_total++;
				leg = rb_get32(b + 16);
				seq = rb_get32(b + 20);
				/* Each phone hears only its own call's peer. */
				if (leg != (i ^ 1U)) {
					misrouted++;
					continue;
				}
				if (!(b[32] & RB_FLAG_MEASURED) || seq < warm ||
				    seq >= total)
					continue;
				memcpy(&tx, b + 24, 8);
				tx = be64toh(tx);
				rx = 0;
				for (cm = CMSG_FIRSTHDR(&msgs[k].msg_hdr);
				    cm != NULL; cm = CMSG_NXTHDR(
				    &msgs[k].msg_hdr, cm))
					if (cm->cmsg_level == SOL_SOCKET &&
					    cm->cmsg_type == SCM_TIMESTAMPNS) {
						memcpy(&kts, CMSG_DATA(cm),
						    sizeof(kts));
						rx = (uint64_t)kts.tv_sec *
						    1000000000ULL +
						    (uint64_t)kts.tv_nsec;
					}
				if (rx == 0) {
					user_stamps++;
					rx = now;
				}
				d = (leg & 1U) ? RB_UP : RB_DOWN;
				idx = (uint64_t)(leg / 2) * nper + (seq - warm);
				bit = 1U << (idx & 7);
				if (st[d].seen[idx / 8] & bit) {
					st[d].dup++;
					continue;
				}
				st[d].seen[idx / 8] |= (uint8_t)bit;
				legs[i].rx_measured++;
				rx = rx > tx ? rx - tx : 0;
				st[d].lat[st[d].got++] = rx > UINT32_MAX ?
				    UINT32_MAX : (uint32_t)rx;
			}
		}
	}

	for (i = 0; i < nlegs; i++) {
		if (legs[i].rx_measured == 0)
			dead++;
		if ((i & 1) && (legs[i].rx_measured < nper ||
		    legs[i - 1].rx_measured < nper))
			lossy++;
	}
	/* "all": both directions' latencies together. */
	st[2].sent = st[0].sent + st[1].sent;
	st[2].got = st[0].got + st[1].got;
	if ((st[2].lat = calloc((size_t)st[2].got + 1,
	    sizeof(*st[2].lat))) == NULL)
		rb_die("calloc");
	memcpy(st[2].lat, st[0].lat, (size_t)st[0].got * sizeof(*st[0].lat));
	memcpy(st[2].lat + st[0].got, st[1].lat,
	    (size_t)st[1].got * sizeof(*st[1].lat));
	rb_report("down", &st[0], o.late_ms * 1000000ULL);
	rb_report("up", &st[1], o.late_ms * 1000000ULL);
	rb_report("all", &st[2], o.late_ms * 1000000ULL);
	pps = send_end > start ? (double)(total * nlegs) /
	    ((double)(send_end - start) / 1e9) : 0.0;
	if (getrusage(RUSAGE_SELF, &ru) == -1)
		rb_die("getrusage");
	cpu = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
	    (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	printf("calls %zu pps %.0f dead_legs %llu lossy_calls %llu dup %llu "
	    "misrouted %llu user_stamps %llu rx_total %llu cpu_us %.0f\n",
	    ncalls, pps, (unsigned long long)dead, (unsigned long long)lossy,
	    (unsigned long long)(st[0].dup + st[1].dup),
	    (unsigned long long)misrouted, (unsigned long long)user_stamps,
	    (unsigned long long)rx_total, cpu);
	if (fflush(stdout) == EOF)
		rb_die("stdout");
	for (d = 0; d < 3; d++) {
		free(st[d].lat);
		free(st[d].seen);
	}
	for (i = 0; i < nlegs; i++)
		close(legs[i].fd);
	free(legs);
	close(ep);
	return 0;
}
