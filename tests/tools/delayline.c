/*
 * delayline: a fixed delay on a link of the testbed, since the kernel of
 * the test machines has no netem.  nftables rules send packets to NFQUEUE
 * queue QUEUE (`queue num QUEUE`); this tool takes each from the queue
 * (metadata only, never the payload), holds it DELAY_US microseconds and
 * gives it back to the kernel (NF_ACCEPT), in the order it came: every
 * packet waits the same time, so nothing is reordered.  Loss is nftables'
 * job (`numgen random`), not this tool's.
 *
 * Memory is bounded: it holds at most MAX_HELD packets (-b, default
 * 4096), and the kernel's queue for QUEUE is set to the same length, so a
 * packet beyond it is dropped by the kernel (its queue_dropped counter),
 * as a real link drops what its full buffer cannot take.  Accepting it at
 * once instead would reorder it ahead of the held ones and hide the
 * overload as less delay; a drop shows up as loss, and the counts are
 * printed on exit.
 *
 * SIGTERM or SIGINT: every held packet is released at once, the queue
 * unbound, the counts printed, exit 0.  A queue that cannot be bound
 * (no CAP_NET_ADMIN, another process holds it, no nfnetlink_queue in the
 * kernel) is an error on stderr and exit 1.  Runs in the namespace whose
 * rules name the queue (ip netns exec).
 *
 * It runs at a real-time priority (SCHED_FIFO) where it may, so that the
 * daemons, Squid and the phones loading a small machine cannot stretch
 * its delay: it sleeps in ppoll between packets and spends microseconds
 * on each, so it takes nothing from them.  Where it may not, it says so
 * and runs as it is.
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include "delayq.h"

#define DL_RCVBUF	(4 * 1024 * 1024)	/* netlink receive buffer */
#define DL_MSGBUF	65536			/* one netlink read */
#define DL_READS	256	/* reads per wake-up before releasing */
#define DL_MAXDELAY	10000000ULL		/* 10 s, in us */
#define DL_RTPRIO	10	/* SCHED_FIFO priority: above all normal work */

/* The line: its queue, what it holds, what it counted. */
struct dl {
	struct nfq_handle	*h;
	struct nfq_q_handle	*qh;
	struct delayq		 q;
	unsigned		 num;
	uint64_t		 queued;	/* packets taken in */
	uint64_t		 released;	/* given back, NF_ACCEPT */
	uint64_t		 full;		/* dropped: our ring full */
	uint64_t		 overruns;	/* netlink ENOBUFS */
	uint64_t		 errors;	/* verdicts that failed */
};

static volatile sig_atomic_t	 dl_stop;

static void	dl_usage(void) __attribute__((noreturn));
static void	dl_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static unsigned long long dl_num(const char *, const char *,
		    unsigned long long, unsigned long long);
static uint64_t	dl_now(void);
static void	dl_on_signal(int);
static int	dl_on_packet(struct nfq_q_handle *, struct nfgenmsg *,
		    struct nfq_data *, void *);
static void	dl_verdict(struct dl *, uint32_t, unsigned);
static void	dl_release(struct dl *, uint64_t, int);
static void	dl_kernel_drops(unsigned);

/* Print the synopsis and exit 2: the command line was wrong. */
static void
dl_usage(void)
{
	fputs("usage: delayline [-b MAX_HELD] QUEUE DELAY_US\n"
	    "Holds every packet of NFQUEUE queue QUEUE (0..65535) DELAY_US\n"
	    "microseconds (0..10000000), in order, then accepts it; at most\n"
	    "MAX_HELD (1..65536, default 4096) held, more are dropped.\n",
	    stderr);
	exit(2);
}

/* Print a message with strerror(errno) and exit 1. */
static void
dl_die(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	fputs("delayline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(1);
}

/* Parse a decimal number in [min, max]; anything else is a usage error. */
static unsigned long long
dl_num(const char *what, const char *s, unsigned long long min,
    unsigned long long max)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9' ||
	    ((v = strtoull(s, &end, 10)), errno != 0) || *end != '\0') {
		fprintf(stderr, "delayline: %s: not a number: '%s'\n", what, s);
		dl_usage();
	}
	if (v < min || v > max) {
		fprintf(stderr, "delayline: %s: '%s' not in %llu..%llu\n",
		    what, s, min, max);
		dl_usage();
	}
	return v;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static uint64_t
dl_now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		dl_die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* SIGTERM, SIGINT: stop after releasing what is held. */
static void
dl_on_signal(int sig)
{
	(void)sig;
	dl_stop = 1;
}

/* A packet from the queue: hold it, or drop it if the ring is full. */
static int
dl_on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
    struct nfq_data *nfa, void *arg)
{
	struct dl			*dl = arg;
	struct nfqnl_msg_packet_hdr	*ph;
	uint32_t			 id;

	(void)qh;
	(void)msg;
	if ((ph = nfq_get_msg_packet_hdr(nfa)) == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	dl->queued++;
	if (delayq_push(&dl->q, id, dl_now()) == -1) {
		dl->full++;
		dl_verdict(dl, id, NF_DROP);
	}
	return 0;
}

/* Give packet id back to the kernel with verdict v. */
static void
dl_verdict(struct dl *dl, uint32_t id, unsigned v)
{
	if (nfq_set_verdict(dl->qh, id, v, 0, NULL) < 0) {
		/* The packet is gone (its queue flushed): count, go on. */
		dl->errors++;
		return;
	}
	if (v == NF_ACCEPT)
		dl->released++;
}

/* Accept every held packet due at now (all of them if force). */
static void
dl_release(struct dl *dl, uint64_t now, int force)
{
	uint32_t	 id;

	while (delayq_pop(&dl->q, now, force, &id))
		dl_verdict(dl, id, NF_ACCEPT);
}

/* Print what the kernel dropped for queue num (its queue full). */
static void
dl_kernel_drops(unsigned num)
{
	FILE		*f;
	unsigned	 n, portid, total, mode, range, qdrop, udrop;

	if ((f = fopen("/proc/net/netfilter/nfnetlink_queue", "r")) == NULL)
		return;
	while (fscanf(f, "%u %u %u %u %u %u %u %*[^\n]", &n, &portid,
	    &total, &mode, &range, &qdrop, &udrop) == 7)
		if (n == num)
			fprintf(stderr, "delayline: kernel: queue %u dropped"
			    " %u (queue full), %u (netlink full)\n", num,
			    qdrop, udrop);
	fclose(f);
}

int
main(int argc, char **argv)
{
	static char		 buf[DL_MSGBUF];
	struct dl		 dl;
	struct sigaction	 sa;
	struct pollfd		 pfd;
	struct timespec		 ts, *tsp;
	struct sched_param	 sp;
	sigset_t		 block, empty;
	unsigned long long	 cap = 4096, delay_us;
	uint64_t		 due, now;
	ssize_t			 r;
	int			 ch, fd, i;

	while ((ch = getopt(argc, argv, "b:")) != -1) {
		switch (ch) {
		case 'b':
			cap = dl_num("MAX_HELD", optarg, 1, DELAYQ_MAX);
			break;
		default:
			dl_usage();
		}
	}
	if (argc - optind != 2)
		dl_usage();
	memset(&dl, 0, sizeof(dl));
	dl.num = (unsigned)dl_num("QUEUE", argv[optind], 0, 65535);
	delay_us = dl_num("DELAY_US", argv[optind + 1], 0, DL_MAXDELAY);
	if (delayq_init(&dl.q, (size_t)cap, delay_us * 1000ULL) == -1)
		dl_die("cannot hold %llu packets", cap);

	/* SIGTERM and SIGINT arrive only inside ppoll: no lost wake-up. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dl_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&empty);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		dl_die("signals");
	/* Wake-ups on time to the microsecond, not 50 us late. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = DL_RTPRIO;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
		fprintf(stderr, "delayline: no real-time priority (%s): other"
		    " work may stretch the delay\n", strerror(errno));

	if ((dl.h = nfq_open()) == NULL)
		dl_die("nfq_open (nfnetlink)");
	/* Harmless where the kernel no longer needs it (>= 3.8). */
	(void)nfq_unbind_pf(dl.h, AF_INET);
	(void)nfq_bind_pf(dl.h, AF_INET);
	if ((dl.qh = nfq_create_queue(dl.h, (uint16_t)dl.num, dl_on_packet,
	    &dl)) == NULL)
		dl_die("cannot bind NFQUEUE queue %u (root in the right"
		    " namespace? another process on that queue?)", dl.num);
	if (nfq_set_mode(dl.qh, NFQNL_COPY_META, 0) < 0)
		dl_die("queue %u: metadata-only copy mode", dl.num);
	if (nfq_set_queue_maxlen(dl.qh, (uint32_t)cap) < 0)
		dl_die("queue %u: set its length to %llu", dl.num, cap);
	/* Whole GSO packets: nothing to segment, we never read them. */
	(void)nfq_set_queue_flags(dl.qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
	(void)nfnl_rcvbufsiz(nfq_nfnlh(dl.h), DL_RCVBUF);
	fd = nfq_fd(dl.h);
	fprintf(stderr, "delayline: queue %u bound, delay %llu us, at most"
	    " %llu packets held\n", dl.num, delay_us, cap);

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!dl_stop) {
		now = dl_now();
		dl_release(&dl, now, 0);
		tsp = NULL;
		if ((due = delayq_next_due(&dl.q)) != 0) {
			due = due > now ? due - now : 0;
			ts.tv_sec = (time_t)(due / 1000000000ULL);
			ts.tv_nsec = (long)(due % 1000000000ULL);
			tsp = &ts;
		}
		if (ppoll(&pfd, 1, tsp, &empty) == -1) {
			if (errno == EINTR)
				continue;
			dl_die("ppoll");
		}
		for (i = 0; i < DL_READS; i++) {
			if ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) ==
			    -1) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				if (errno == ENOBUFS) {
					/*
					 * Messages lost: their packets wait in
					 * the kernel until the queue is unbound.
					 */
					if (dl.overruns++ == 0)
						fprintf(stderr, "delayline: "
						    "netlink overrun\n");
					continue;
				}
				dl_die("recv");
			}
			nfq_handle_packet(dl.h, buf, (int)r);
		}
	}

	dl_release(&dl, dl_now(), 1);
	fprintf(stderr, "delayline: queue %u: %llu packets taken, %llu"
	    " released, %llu dropped (the line full at %llu), %llu verdicts"
	    " failed, %llu netlink overruns\n", dl.num,
	    (unsigned long long)dl.queued, (unsigned long long)dl.released,
	    (unsigned long long)dl.full, cap,
	    (unsigned long long)dl.errors, (unsigned long long)dl.overruns);
	dl_kernel_drops(dl.num);
	nfq_destroy_queue(dl.qh);
	nfq_close(dl.h);
	delayq_free(&dl.q);
	return 0;
}
