/*
 * sipcorpus: throws suites of malformed SIP written by others at one half
 * of the virtual proxy (hrac or hras) over UDP, and after every message
 * checks that the half still serves a valid request (an OPTIONS to itself
 * must be answered).
 *
 *   protos   the PROTOS c07-sip cases: an INVITE and its teardown each,
 *            with placeholders filled in for a user the target serves
 *   rfc4475  the 49 RFC 4475 torture messages, sent byte for byte; prints
 *            what the target answered to each next to what the RFC expects
 *
 * The torture messages are sent unchanged: their Request-URIs and Vias are
 * what is being tested (escaped, bracketed, odd schemes, folded lines), and
 * the UDP destination alone takes them to the target. Answers follow the
 * top Via (RFC 3261 18.2.2: "received" is our address, the port is the
 * Via's, or ours with rport), so the tool listens on its source address on
 * every port a top Via names, over TCP too where the Via says TCP, and
 * matches answers to messages by Call-ID.
 *
 * A PROTOS message longer than the largest UDP payload (65,507 bytes; 116
 * of the cases once filled in) is cut to that size: what matters is what
 * the target does with the bytes it gets.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define SC_MAXDG	65507		/* largest IPv4 UDP payload */
#define SC_BUFSZ	65536
#define SC_LISTEN_MAX	16		/* extra answer sockets (rfc4475) */
#define SC_CONN_MAX	32		/* accepted TCP connections */
#define SC_ANSWERS_MAX	8		/* status codes kept per message */
#define SC_DEAD_AFTER	3		/* unanswered probes in a row: give up */
#define SC_RETRANS_MS	500		/* probe retransmission (RFC 3261 T1) */
#define SC_FINAL_GRACE	500		/* ms to wait for late answers at the end */

struct sc_opts {
	const char	*src_ip;	/* -s */
	int		 src_port;	/* -p, -1 when not given */
	unsigned long	 first;		/* -f */
	unsigned long	 count;		/* -n, 0 = all */
	unsigned long	 timeout_ms;	/* -t */
	unsigned long	 grace_ms;	/* -g */
	const char	*to;		/* -u */
	int		 strict;	/* -x */
};

/* An extra socket answers may arrive on: UDP or a TCP listener. */
struct sc_listener {
	int		 fd;
	uint16_t	 port;
	int		 tcp;
};

/* An accepted TCP connection and what it sent so far. */
struct sc_conn {
	int		 fd;
	char		*buf;
	size_t		 len;
};

struct sc_ctx {
	int			 fd;		/* main UDP socket */
	struct sockaddr_in	 target;
	char			 target_ip[INET_ADDRSTRLEN];
	uint16_t		 target_port;
	char			 src_ip[INET_ADDRSTRLEN];
	uint16_t		 src_port;
	unsigned long		 nonce;		/* makes this run's ids unique */
	unsigned long		 probe_seq;
	char			 probe_cid[96];	/* Call-ID of the probe waited for */
	int			 probe_answered;
	unsigned long		 other;		/* answers that were not probes */
	struct sc_listener	 lis[SC_LISTEN_MAX];
	int			 nlis;
	struct sc_conn		 conn[SC_CONN_MAX];
	void			(*answer)(struct sc_ctx *, int, const char *);
	void			*arg;
};

/* A growing byte buffer. */
struct sc_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* How RFC 4475 files a message, and so what a good answer is. */
enum sc_class {
	SC_VALID,		/* must be handled: any answer but 400 */
	SC_VALID_400OK,		/* well-formed, yet the RFC allows a 400 */
	SC_INVALID,		/* must be refused (>= 400) or dropped */
	SC_INVALID_LENIENT	/* malformed; the RFC lets a liberal element
				   accept it if it does not pass the error on */
};

struct sc_torture {
	const char	*name;
	const char	*section;
	enum sc_class	 cls;
	const char	*expect;	/* the RFC's own words, shortened */
};

/* One torture message as sent and answered. */
struct sc_sent {
	const struct sc_torture	*t;
	char			 name[64];
	char			 cid[256];
	int			 answers[SC_ANSWERS_MAX];
	int			 nanswers;
	int			 request;	/* not a response */
	int			 dead;
};

struct sc_rfc_run {
	struct sc_sent	*sent;
	size_t		 n;
};

/*
 * RFC 4475, section 3: 3.1.1 valid, 3.1.2 invalid, 3.2 transaction and
 * 3.3 application layer (well-formed, judged on meaning), 3.4 backward
 * compatibility. The class says what the RFC asks of an element.
 */
static const struct sc_torture sc_torture[] = {
	{ "wsinv", "3.1.1.1", SC_VALID, "short tortuous INVITE: accept" },
	{ "intmeth", "3.1.1.2", SC_VALID, "wide range of valid characters" },
	{ "esc01", "3.1.1.3", SC_VALID, "valid % escaping" },
	{ "escnull", "3.1.1.4", SC_VALID, "escaped NULs in URIs" },
	{ "esc02", "3.1.1.5", SC_VALID, "% that is not an escape" },
	{ "lwsdisp", "3.1.1.6", SC_VALID, "no LWS between display name and <" },
	{ "longreq", "3.1.1.7", SC_VALID, "long values in header fields" },
	{ "dblreq", "3.1.1.8", SC_VALID, "extra octets after the message: ignore them" },
	{ "semiuri", "3.1.1.9", SC_VALID, "semicolons in the URI user part" },
	{ "transports", "3.1.1.10", SC_VALID, "varied and unknown transports" },
	{ "mpart01", "3.1.1.11", SC_VALID, "multipart MIME body" },
	{ "unreason", "3.1.1.12", SC_VALID, "response, unusual reason phrase" },
	{ "noreason", "3.1.1.13", SC_VALID, "response, empty reason phrase" },
	{ "badinv01", "3.1.2.1", SC_INVALID, "extraneous separators: 400" },
	{ "clerr", "3.1.2.2", SC_INVALID, "Content-Length > message: 400" },
	{ "ncl", "3.1.2.3", SC_INVALID, "negative Content-Length: error/discard" },
	{ "scalar02", "3.1.2.4", SC_INVALID, "overlarge CSeq: 400" },
	{ "scalarlg", "3.1.2.5", SC_INVALID, "response, overlarge scalars: drop" },
	{ "quotbal", "3.1.2.6", SC_INVALID_LENIENT, "unterminated quote: 400 (or infer)" },
	{ "ltgtruri", "3.1.2.7", SC_INVALID, "<> around Request-URI: 400" },
	{ "lwsruri", "3.1.2.8", SC_INVALID, "LWS in Request-URI: 400" },
	{ "lwsstart", "3.1.2.9", SC_INVALID_LENIENT, "multiple SP in request line: reject (or ignore)" },
	{ "trws", "3.1.2.10", SC_INVALID_LENIENT, "SP at end of request line: reject (or ignore)" },
	{ "escruri", "3.1.2.11", SC_INVALID_LENIENT, "escaped headers in R-URI: 400 (or drop them)" },
	{ "baddate", "3.1.2.12", SC_INVALID_LENIENT, "non-GMT Date: reject (or ignore)" },
	{ "regbadct", "3.1.2.13", SC_INVALID_LENIENT, "name-addr without <>: 400 (or infer)" },
	{ "badaspec", "3.1.2.14", SC_INVALID_LENIENT, "spaces in addr-spec: 400 (or ignore)" },
	{ "baddn", "3.1.2.15", SC_INVALID_LENIENT, "non-token display name: 400 (or infer quotes)" },
	{ "badvers", "3.1.2.16", SC_INVALID, "SIP/7.0: 505" },
	{ "mismatch01", "3.1.2.17", SC_INVALID, "CSeq method mismatch: 400" },
	{ "mismatch02", "3.1.2.18", SC_INVALID, "unknown method, CSeq mismatch: 501 or 400" },
	{ "bigcode", "3.1.2.19", SC_INVALID, "response, code 4294967301: drop" },
	{ "badbranch", "3.2.1", SC_VALID_400OK, "branch z9hG4bK alone: 400 or RFC 2543 matching" },
	{ "insuf", "3.3.1", SC_INVALID, "no Call-ID, From, To: 400" },
	{ "unkscm", "3.3.2", SC_VALID, "unknown R-URI scheme: 416" },
	{ "novelsc", "3.3.3", SC_VALID, "atypical R-URI scheme: 416 or 404" },
	{ "unksm2", "3.3.4", SC_VALID_400OK, "unknown schemes in To/From/Contact: proxy routes, registrar 400" },
	{ "bext01", "3.3.5", SC_VALID, "unknown Proxy-Require/Require: 420" },
	{ "invut", "3.3.6", SC_VALID, "unknown Content-Type: proxy forwards, UA 415" },
	{ "regaut01", "3.3.7", SC_VALID, "unknown auth scheme: process or 401" },
	{ "multi01", "3.3.8", SC_INVALID, "several values in single-value fields: 400" },
	{ "mcl01", "3.3.9", SC_INVALID, "two Content-Lengths: error/discard" },
	{ "bcast", "3.3.10", SC_VALID, "response, broadcast Via: do not send there" },
	{ "zeromf", "3.3.11", SC_VALID, "Max-Forwards 0: proxy 483" },
	{ "cparam01", "3.3.12", SC_VALID, "REGISTER, Contact parameter" },
	{ "cparam02", "3.3.13", SC_VALID, "REGISTER, url-parameter" },
	{ "regescrt", "3.3.14", SC_VALID, "REGISTER, escaped header in Contact URI" },
	{ "sdp01", "3.3.15", SC_VALID_400OK, "Accept without SDP: 406 (400 acceptable)" },
	{ "inv2543", "3.4.1", SC_VALID, "RFC 2543 syntax: accept" },
};

static void	sc_usage(void) __attribute__((noreturn));
static void	sc_help(void) __attribute__((noreturn));
static void	sc_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	sc_diex(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static unsigned long sc_num(const char *, const char *, unsigned long,
		    unsigned long);
static uint64_t	sc_now_ms(void);
static void	sc_addr(struct sockaddr_in *, const char *, uint16_t);
static int	sc_getopts(int, char **, struct sc_opts *, const char *);
static char	*sc_read_file(const char *, size_t *);
static void	sc_buf_add(struct sc_buf *, const void *, size_t);
static void	sc_buf_str(struct sc_buf *, const char *);
static int	sc_header(const char *, size_t, const char *, int, char *,
		    size_t);
static int	sc_status(const char *, size_t);
static void	sc_setup(struct sc_ctx *, const struct sc_opts *,
		    const char *, const char *);
static void	sc_close(struct sc_ctx *);
static int	sc_udp_socket(const char *, uint16_t, int);
static void	sc_send(struct sc_ctx *, const char *, size_t);
static void	sc_input(struct sc_ctx *, const char *, size_t);
static void	sc_read_udp(struct sc_ctx *, int);
static void	sc_accept(struct sc_ctx *, int);
static void	sc_read_tcp(struct sc_ctx *, struct sc_conn *);
static void	sc_wait(struct sc_ctx *, uint64_t, int);
static int	sc_probe(struct sc_ctx *, unsigned long);
static void	sc_listen(struct sc_ctx *, uint16_t, int);
static int	sc_cmp_names(const void *, const void *);
static char	**sc_list_dir(const char *, int (*)(const char *), size_t *);
static int	sc_is_case(const char *);
static int	sc_is_dat(const char *);
static int	sc_fill(struct sc_buf *, const char *, size_t,
		    const struct sc_ctx *, const struct sc_opts *,
		    unsigned long);
static int	sc_protos(int, char **);
static void	sc_top_via(const char *, size_t, uint16_t *, int *);
static void	sc_rfc_answer(struct sc_ctx *, int, const char *);
static const char *sc_class_name(enum sc_class);
static const char *sc_verdict(const struct sc_sent *, int *);
static int	sc_rfc4475(int, char **);

#define SC_SYNOPSIS \
"usage: sipcorpus protos DIR TARGET_IP PORT [-s SRC_IP] [-p SRC_PORT]\n" \
"                 [-f FIRST] [-n COUNT] [-t MS] [-u USER@HOST]\n" \
"       sipcorpus rfc4475 DIR TARGET_IP PORT [-s SRC_IP] [-p SRC_PORT]\n" \
"                 [-t MS] [-g MS] [-x]\n"

/* Print the synopsis and exit 2: the command line was wrong. */
static void
sc_usage(void)
{
	fputs(SC_SYNOPSIS "(sipcorpus -h explains each command)\n", stderr);
	exit(2);
}

/* Print the synopsis and what each command does, and exit 0. */
static void
sc_help(void)
{
	fputs(SC_SYNOPSIS
"\n"
"protos   DIR holds the PROTOS c07-sip case files 0000000..0004526 (two\n"
"         messages each, each prefixed by its length and a space). For\n"
"         each case: fill in the placeholders (To = -u, default\n"
"         protos@TARGET_IP; From, Contact, Via = this tool's address;\n"
"         unique Branch-ID and Call-ID; Content-Length = the real body\n"
"         length; Teardown-Method = CANCEL), send the INVITE and the\n"
"         CANCEL, then an OPTIONS to the target itself, which must be\n"
"         answered within -t MS (default 2000). -f/-n pick cases by number.\n"
"         Prints a line per failure and 'cases N sent N alive N failed N';\n"
"         exits 1 on any failure.\n"
"rfc4475  DIR holds the 49 RFC 4475 .dat files. Each is sent unchanged,\n"
"         then the OPTIONS check; answers are collected (by Call-ID) on\n"
"         SRC_IP at every port a top Via names, UDP and TCP, for -g MS\n"
"         (default 100) after the check and 500 ms after the last one.\n"
"         Prints 'NAME SECTION CLASS ANSWER VERDICT' per message (ANSWER is\n"
"         the status codes received, or none) and a summary; exits 1 if\n"
"         the target stopped answering, or with -x on a misclassification.\n"
"         Classes: valid (must not get 400), valid-400ok (the RFC allows\n"
"         400), invalid (must get >= 400 or nothing), invalid-lenient (the\n"
"         RFC lets a liberal element accept it).\n"
"-s/-p    source address and port (default: the address routing picks\n"
"         for TARGET_IP, port 5060, or any free port if 5060 is taken)\n",
	    stdout);
	exit(0);
}

/* Print a message with strerror(errno) and exit 2. */
static void
sc_die(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	fputs("sipcorpus: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(2);
}

/* Print a message and exit 2. */
static void
sc_diex(const char *fmt, ...)
{
	va_list	ap;

	fputs("sipcorpus: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Parse a decimal number in [min, max]; anything else is a usage error. */
static unsigned long
sc_num(const char *what, const char *s, unsigned long min, unsigned long max)
{
	unsigned long	 v;
	char		*end;

	if (s[0] < '0' || s[0] > '9')
		sc_diex("%s: not a number: '%s'", what, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		sc_diex("%s: '%s' not in %lu..%lu", what, s, min, max);
	return v;
}

/* CLOCK_MONOTONIC in milliseconds. */
static uint64_t
sc_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		sc_die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Fill an IPv4 socket address from a dotted quad, or fail. */
static void
sc_addr(struct sockaddr_in *sin, const char *ip, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		sc_diex("not an IPv4 address: '%s'", ip);
}

/* Parse the options after the positional arguments; return 0. */
static int
sc_getopts(int argc, char **argv, struct sc_opts *o, const char *allowed)
{
	int	i;

	memset(o, 0, sizeof(*o));
	o->src_port = -1;
	o->timeout_ms = 2000;
	o->grace_ms = 100;
	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0' ||
		    argv[i][2] != '\0' || strchr(allowed, argv[i][1]) == NULL)
			sc_diex("unknown option '%s'", argv[i]);
		if (argv[i][1] == 'x') {
			o->strict = 1;
			continue;
		}
		if (i + 1 >= argc)
			sc_diex("option %s needs a value", argv[i]);
		switch (argv[i][1]) {
		case 's':
			o->src_ip = argv[++i];
			break;
		case 'p':
			o->src_port = (int)sc_num("-p", argv[++i], 1, 65535);
			break;
		case 'f':
			o->first = sc_num("-f", argv[++i], 0, ULONG_MAX / 2);
			break;
		case 'n':
			o->count = sc_num("-n", argv[++i], 1, ULONG_MAX / 2);
			break;
		case 't':
			o->timeout_ms = sc_num("-t", argv[++i], 1, 600000);
			break;
		case 'g':
			o->grace_ms = sc_num("-g", argv[++i], 0, 60000);
			break;
		case 'u':
			o->to = argv[++i];
			break;
		}
	}
	return 0;
}

/* Read a whole file into memory (NUL-terminated for convenience). */
static char *
sc_read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*p;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		sc_die("%s", path);
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		sc_die("%s", path);
	if ((p = malloc((size_t)n + 1)) == NULL)
		sc_die("malloc");
	if (fread(p, 1, (size_t)n, f) != (size_t)n)
		sc_die("read %s", path);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

/* Append bytes to a buffer. */
static void
sc_buf_add(struct sc_buf *b, const void *p, size_t n)
{
	size_t	cap;

	if (b->len + n > b->cap) {
		cap = b->cap != 0 ? b->cap : 1024;
		while (cap < b->len + n)
			cap *= 2;
		if ((b->p = realloc(b->p, cap)) == NULL)
			sc_die("realloc");
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Append a string to a buffer. */
static void
sc_buf_str(struct sc_buf *b, const char *s)
{
	sc_buf_add(b, s, strlen(s));
}

/*
 * Copy the value of the first header NAME (or its one-letter compact form,
 * 0 for none) in a message's head into out, continuation lines unfolded
 * and surrounding blanks trimmed. -1 when there is none.
 */
static int
sc_header(const char *msg, size_t len, const char *name, int compact,
    char *out, size_t outlen)
{
	const char	*p = msg, *end = msg + len, *eol, *q;
	size_t		 nlen = strlen(name), o = 0;

	for (;;) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;
		p = eol + 1;
		if (p >= end || *p == '\r' || *p == '\n')
			return -1;	/* end of head */
		if ((size_t)(end - p) > nlen && strncasecmp(p, name, nlen) == 0)
			q = p + nlen;
		else if (compact != 0 && tolower((unsigned char)*p) == compact)
			q = p + 1;
		else
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q != ':')
			continue;
		q++;
		/* The value, with folded lines joined by one space. */
		for (;;) {
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			while (q < end && *q != '\r' && *q != '\n') {
				if (o + 1 < outlen)
					out[o++] = *q;
				q++;
			}
			if (q < end && *q == '\r')
				q++;
			if (q < end && *q == '\n')
				q++;
			if (q >= end || (*q != ' ' && *q != '\t'))
				break;
			if (o + 1 < outlen)
				out[o++] = ' ';
		}
		while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
		out[o] = '\0';
		return 0;
	}
}

/* The status code of a response, or -1 for anything else. */
static int
sc_status(const char *p, size_t len)
{
	if (len < 12 || memcmp(p, "SIP/2.0 ", 8) != 0 ||
	    !isdigit((unsigned char)p[8]) || !isdigit((unsigned char)p[9]) ||
	    !isdigit((unsigned char)p[10]) || isdigit((unsigned char)p[11]))
		return -1;
	return (p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0');
}

/*
 * Open a UDP socket bound to ip:port; with soft set, return -1 instead of
 * failing when the port is taken.
 */
static int
sc_udp_socket(const char *ip, uint16_t port, int soft)
{
	struct sockaddr_in	sin;
	int			fd, sz = 4 * 1024 * 1024;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		sc_die("socket");
	/* Answers arrive in bursts (100, 180, 487 per case): room for all. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sc_addr(&sin, ip, port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (soft) {
			close(fd);
			return -1;
		}
		sc_die("bind %s:%u", ip, port);
	}
	return fd;
}

/* Resolve addresses, open the main socket, start a run. */
static void
sc_setup(struct sc_ctx *cx, const struct sc_opts *o, const char *ip,
    const char *port)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	int			fd, i;

	memset(cx, 0, sizeof(*cx));
	snprintf(cx->target_ip, sizeof(cx->target_ip), "%s", ip);
	cx->target_port = (uint16_t)sc_num("PORT", port, 1, 65535);
	sc_addr(&cx->target, ip, cx->target_port);
	if (o->src_ip != NULL) {
		sc_addr(&sin, o->src_ip, 0);
		snprintf(cx->src_ip, sizeof(cx->src_ip), "%s", o->src_ip);
	} else {
		/* The address the kernel would send from: it goes in Vias. */
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
			sc_die("socket");
		if (connect(fd, (struct sockaddr *)&cx->target,
		    sizeof(cx->target)) == -1 ||
		    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1)
			sc_die("no route to %s", ip);
		close(fd);
		inet_ntop(AF_INET, &sin.sin_addr, cx->src_ip,
		    sizeof(cx->src_ip));
	}
	if (o->src_port != -1)
		cx->fd = sc_udp_socket(cx->src_ip, (uint16_t)o->src_port, 0);
	else if ((cx->fd = sc_udp_socket(cx->src_ip, 5060, 1)) == -1)
		cx->fd = sc_udp_socket(cx->src_ip, 0, 0);
	slen = sizeof(sin);
	if (getsockname(cx->fd, (struct sockaddr *)&sin, &slen) == -1)
		sc_die("getsockname");
	cx->src_port = ntohs(sin.sin_port);
	cx->nonce = ((unsigned long)time(NULL) << 16 ^ (unsigned long)getpid())
	    & 0xffffffffUL;
	for (i = 0; i < SC_CONN_MAX; i++)
		cx->conn[i].fd = -1;
}

/* Close every socket of a run. */
static void
sc_close(struct sc_ctx *cx)
{
	int	i;

	for (i = 0; i < SC_CONN_MAX; i++)
		if (cx->conn[i].fd != -1) {
			close(cx->conn[i].fd);
			cx->conn[i].fd = -1;
		}
	for (i = 0; i < SC_CONN_MAX; i++) {
		free(cx->conn[i].buf);
		cx->conn[i].buf = NULL;
	}
	for (i = 0; i < cx->nlis; i++)
		if (cx->lis[i].fd != -1)
			close(cx->lis[i].fd);
	cx->nlis = 0;
	close(cx->fd);
}

/* Send one datagram to the target; cut what UDP cannot carry. */
static void
sc_send(struct sc_ctx *cx, const char *buf, size_t len)
{
	if (len > SC_MAXDG)
		len = SC_MAXDG;
	while (sendto(cx->fd, buf, len, 0, (struct sockaddr *)&cx->target,
	    sizeof(cx->target)) == -1) {
		/* The socket is non-blocking: wait for room, never drop. */
		if (errno == EAGAIN || errno == ENOBUFS) {
			struct pollfd	pfd = { cx->fd, POLLOUT, 0 };

			(void)poll(&pfd, 1, 10);
			continue;
		}
		/* ICMP errors of earlier datagrams surface here: ignore. */
		if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH)
			continue;
		sc_die("sendto %s:%u", cx->target_ip, cx->target_port);
	}
}

/* One message received: a probe answer, an answer to record, or noise. */
static void
sc_input(struct sc_ctx *cx, const char *p, size_t len)
{
	char	cid[256];
	int	status;

	if ((status = sc_status(p, len)) == -1)
		return;		/* a request sent to us: not our business */
	if (sc_header(p, len, "Call-ID", 'i', cid, sizeof(cid)) == -1)
		cid[0] = '\0';
	if (cx->probe_cid[0] != '\0' && strcmp(cid, cx->probe_cid) == 0) {
		cx->probe_answered = 1;
		return;
	}
	/* An answer to the probe of an earlier case counts for nothing. */
	if (strncmp(cid, "scprobe-", 8) == 0)
		return;
	cx->other++;
	if (cx->answer != NULL)
		cx->answer(cx, status, cid);
}

/* Read every datagram waiting on a UDP socket. */
static void
sc_read_udp(struct sc_ctx *cx, int fd)
{
	static char	buf[SC_BUFSZ];
	ssize_t		n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
		sc_input(cx, buf, (size_t)n);
	if (errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR)
		sc_die("recv");
}

/* Accept a TCP connection on one of the listeners. */
static void
sc_accept(struct sc_ctx *cx, int lfd)
{
	int	fd, i;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) == -1)
		return;
	for (i = 0; i < SC_CONN_MAX; i++)
		if (cx->conn[i].fd == -1) {
			cx->conn[i].fd = fd;
			cx->conn[i].len = 0;
			return;
		}
	close(fd);
}

/* Read from an accepted connection; hand up every complete message. */
static void
sc_read_tcp(struct sc_ctx *cx, struct sc_conn *c)
{
	char		 tmp[SC_BUFSZ], clen[32], *end;
	ssize_t		 n;
	size_t		 head, body;

	while ((n = read(c->fd, tmp, sizeof(tmp))) > 0) {
		if ((c->buf = realloc(c->buf, c->len + (size_t)n)) == NULL)
			sc_die("realloc");
		memcpy(c->buf + c->len, tmp, (size_t)n);
		c->len += (size_t)n;
	}
	/* Framing as RFC 3261 18.3: the head, then Content-Length. */
	while (c->len > 0 &&
	    (end = memmem(c->buf, c->len, "\r\n\r\n", 4)) != NULL) {
		head = (size_t)(end - c->buf) + 4;
		body = 0;
		if (sc_header(c->buf, head, "Content-Length", 'l', clen,
		    sizeof(clen)) == 0)
			body = strtoul(clen, NULL, 10);
		if (body > SC_BUFSZ)
			body = SC_BUFSZ;
		if (c->len < head + body)
			break;
		sc_input(cx, c->buf, head + body);
		memmove(c->buf, c->buf + head + body, c->len - head - body);
		c->len -= head + body;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* End of stream or error: what is left cannot be completed. */
	close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
}

/*
 * Handle input until the deadline (CLOCK_MONOTONIC ms), or, with
 * until_probe, until the probe in flight is answered.
 */
static void
sc_wait(struct sc_ctx *cx, uint64_t deadline, int until_probe)
{
	struct pollfd	pfd[1 + SC_LISTEN_MAX + SC_CONN_MAX];
	struct sc_conn	*who[1 + SC_LISTEN_MAX + SC_CONN_MAX];
	int		kind[1 + SC_LISTEN_MAX + SC_CONN_MAX];
	uint64_t	now;
	int		i, n, rc;

	for (;;) {
		if (until_probe && cx->probe_answered)
			return;
		if ((now = sc_now_ms()) >= deadline)
			return;
		n = 0;
		pfd[n].fd = cx->fd;
		pfd[n].events = POLLIN;
		kind[n++] = 0;
		for (i = 0; i < cx->nlis; i++) {
			if (cx->lis[i].fd == -1)
				continue;
			pfd[n].fd = cx->lis[i].fd;
			pfd[n].events = POLLIN;
			kind[n++] = cx->lis[i].tcp ? 1 : 0;
		}
		for (i = 0; i < SC_CONN_MAX; i++) {
			if (cx->conn[i].fd == -1)
				continue;
			pfd[n].fd = cx->conn[i].fd;
			pfd[n].events = POLLIN;
			who[n] = &cx->conn[i];
			kind[n++] = 2;
		}
		rc = poll(pfd, (nfds_t)n, (int)(deadline - now));
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			sc_die("poll");
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (kind[i] == 0)
				sc_read_udp(cx, pfd[i].fd);
			else if (kind[i] == 1)
				sc_accept(cx, pfd[i].fd);
			else
				sc_read_tcp(cx, who[i]);
		}
	}
}

/*
 * Check that the target still serves: a valid OPTIONS to the target
 * itself, retransmitted every 500 ms, must be answered within
 * timeout_ms. 0 if it was.
 */
static int
sc_probe(struct sc_ctx *cx, unsigned long timeout_ms)
{
	char		msg[1024];
	uint64_t	start = sc_now_ms(), next;
	int		len;

	cx->probe_seq++;
	snprintf(cx->probe_cid, sizeof(cx->probe_cid), "scprobe-%lx-%lu@%s",
	    cx->nonce, cx->probe_seq, cx->src_ip);
	len = snprintf(msg, sizeof(msg),
	    "OPTIONS sip:%s:%u SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-scprobe-%lx-%lu;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:sipcorpus@%s:%u>;tag=scprobe-%lx\r\n"
	    "To: <sip:%s:%u>\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %lu OPTIONS\r\n"
	    "Contact: <sip:sipcorpus@%s:%u>\r\n"
	    "Accept: application/sdp\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n",
	    cx->target_ip, cx->target_port,
	    cx->src_ip, cx->src_port, cx->nonce, cx->probe_seq,
	    cx->src_ip, cx->src_port, cx->nonce,
	    cx->target_ip, cx->target_port,
	    cx->probe_cid, cx->probe_seq,
	    cx->src_ip, cx->src_port);
	cx->probe_answered = 0;
	for (next = start; !cx->probe_answered; ) {
		if (sc_now_ms() >= start + timeout_ms)
			break;
		if (sc_now_ms() >= next) {
			sc_send(cx, msg, (size_t)len);
			next += SC_RETRANS_MS;
		}
		sc_wait(cx, next < start + timeout_ms ? next :
		    start + timeout_ms, 1);
	}
	cx->probe_cid[0] = '\0';
	return cx->probe_answered ? 0 : -1;
}

/* Make sure answers to ip:port (UDP, or TCP) on our address reach us. */
static void
sc_listen(struct sc_ctx *cx, uint16_t port, int tcp)
{
	struct sockaddr_in	sin;
	int			i, fd, one = 1;

	if (!tcp && port == cx->src_port)
		return;
	for (i = 0; i < cx->nlis; i++)
		if (cx->lis[i].port == port && cx->lis[i].tcp == tcp)
			return;
	if (cx->nlis == SC_LISTEN_MAX)
		return;
	if (!tcp)
		fd = sc_udp_socket(cx->src_ip, port, 1);
	else {
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) ==
		    -1)
			sc_die("socket");
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		sc_addr(&sin, cx->src_ip, port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fd, 16) == -1) {
			close(fd);
			fd = -1;
		}
	}
	/* A failure is remembered too (fd -1), so it is reported once. */
	if (fd == -1)
		fprintf(stderr, "sipcorpus: cannot listen on %s %s:%u (%s); "
		    "answers sent there are not seen\n", tcp ? "TCP" : "UDP",
		    cx->src_ip, port, strerror(errno));
	cx->lis[cx->nlis].fd = fd;
	cx->lis[cx->nlis].port = port;
	cx->lis[cx->nlis].tcp = tcp;
	cx->nlis++;
}

/* qsort comparator for file names. */
static int
sc_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory that pass a filter, sorted. */
static char **
sc_list_dir(const char *dir, int (*want)(const char *), size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL;
	size_t		 cap = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		sc_die("%s", dir);
	while ((de = readdir(d)) != NULL) {
		if (!want(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap != 0 ? cap * 2 : 256;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				sc_die("realloc");
		}
		if ((v[(*n)++] = strdup(de->d_name)) == NULL)
			sc_die("strdup");
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), sc_cmp_names);
	return v;
}

/* A PROTOS case file name: digits only. */
static int
sc_is_case(const char *name)
{
	return name[0] != '\0' && strspn(name, "0123456789") == strlen(name);
}

/* An RFC 4475 message file. */
static int
sc_is_dat(const char *name)
{
	size_t	len = strlen(name);

	return len > 4 && strcmp(name + len - 4, ".dat") == 0;
}

/*
 * Fill in one PROTOS message template. Content-Length is the length of
 * the body as sent, computed once everything else is in; the cases that
 * are about Content-Length (2361-2406) carry their own literal values.
 */
static int
sc_fill(struct sc_buf *out, const char *in, size_t len,
    const struct sc_ctx *cx, const struct sc_opts *o, unsigned long idx)
{
	static const char *const names[] = { "<To>", "<From>",
	    "<From-Address>", "<From-IP>", "<Local-Port>", "<Branch-ID>",
	    "<Call-ID>", "<CSeq>", "<Teardown-Method>" };
	struct sc_buf	 tmp = { NULL, 0, 0 };
	char		 val[9][256], num[32];
	const char	*hend, *prefix = "z9hG4bK";
	size_t		 i, k, body, nlen, plen = strlen(prefix);

	if (o->to != NULL)
		snprintf(val[0], sizeof(val[0]), "%s", o->to);
	else
		snprintf(val[0], sizeof(val[0]), "protos@%s", cx->target_ip);
	snprintf(val[1], sizeof(val[1]), "sipcorpus@%s:%u", cx->src_ip,
	    cx->src_port);
	snprintf(val[2], sizeof(val[2]), "%s", cx->src_ip);
	snprintf(val[3], sizeof(val[3]), "%s", cx->src_ip);
	snprintf(val[4], sizeof(val[4]), "%u", cx->src_port);
	snprintf(val[5], sizeof(val[5]), "-sc%lx-%lu", cx->nonce, idx);
	snprintf(val[6], sizeof(val[6]), "sc%lx-%lu", cx->nonce, idx);
	snprintf(val[7], sizeof(val[7]), "%lu", idx + 1);
	snprintf(val[8], sizeof(val[8]), "CANCEL");

	for (i = 0; i < len; ) {
		if (in[i] == '<') {
			for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
				nlen = strlen(names[k]);
				if (len - i >= nlen &&
				    memcmp(in + i, names[k], nlen) == 0)
					break;
			}
			if (k < sizeof(names) / sizeof(names[0])) {
				/* Every branch is a RFC 3261 one. */
				if (k == 5) {
					size_t	j = tmp.len;

					while (j > 0 && isdigit(
					    (unsigned char)tmp.p[j - 1]))
						j--;
					if (j < plen || memcmp(tmp.p + j - plen,
					    prefix, plen) != 0)
						sc_buf_str(&tmp, prefix);
				}
				sc_buf_str(&tmp, val[k]);
				i += nlen;
				continue;
			}
		}
		sc_buf_add(&tmp, in + i, 1);
		i++;
	}

	body = 0;
	if (tmp.len > 0 && (hend = memmem(tmp.p, tmp.len, "\r\n\r\n", 4)) !=
	    NULL)
		body = tmp.len - (size_t)(hend + 4 - tmp.p);
	snprintf(num, sizeof(num), "%zu", body);
	nlen = strlen("<Content-Length>");
	out->len = 0;
	for (i = 0; i < tmp.len; ) {
		if (tmp.len - i >= nlen &&
		    memcmp(tmp.p + i, "<Content-Length>", nlen) == 0) {
			sc_buf_str(out, num);
			i += nlen;
		} else {
			sc_buf_add(out, tmp.p + i, 1);
			i++;
		}
	}
	free(tmp.p);
	return 0;
}

/* sipcorpus protos DIR TARGET_IP PORT [options] */
static int
sc_protos(int argc, char **argv)
{
	struct sc_opts	 o;
	struct sc_ctx	 cx;
	struct sc_buf	 msg = { NULL, 0, 0 };
	char		**names, path[PATH_MAX], *data, *p, *end, *len_end;
	size_t		 n, i, dlen, mlen;
	unsigned long	 idx, ncases = 0, sent = 0, alive = 0, failed = 0;
	unsigned long	 truncated = 0, bad = 0, last_ok = 0;
	int		 have_ok = 0, dead = 0, m;

	if (argc < 3)
		sc_usage();
	sc_getopts(argc - 3, argv + 3, &o, "spfntu");
	sc_setup(&cx, &o, argv[1], argv[2]);
	names = sc_list_dir(argv[0], sc_is_case, &n);
	if (n == 0)
		sc_diex("%s: no case files", argv[0]);

	for (i = 0; i < n && dead < SC_DEAD_AFTER; i++) {
		idx = strtoul(names[i], NULL, 10);
		if (idx < o.first || (o.count != 0 && idx >= o.first + o.count))
			continue;
		ncases++;
		snprintf(path, sizeof(path), "%s/%s", argv[0], names[i]);
		data = sc_read_file(path, &dlen);
		/* "LEN message" twice: the INVITE, then the teardown. */
		p = data;
		end = data + dlen;
		for (m = 0; m < 2 && p < end; m++) {
			errno = 0;
			mlen = strtoul(p, &len_end, 10);
			if (len_end == p || *len_end != ' ' || errno != 0 ||
			    mlen > (size_t)(end - len_end - 1))
				break;
			p = len_end + 1;
			sc_fill(&msg, p, mlen, &cx, &o, idx);
			if (msg.len > SC_MAXDG)
				truncated++;
			sc_send(&cx, msg.p, msg.len);
			p += mlen;
		}
		free(data);
		if (m != 2) {
			printf("BAD case %s: not two length-prefixed "
			    "messages\n", names[i]);
			bad++;
		} else
			sent++;
		if (sc_probe(&cx, o.timeout_ms) == 0) {
			alive++;
			dead = 0;
			last_ok = idx;
			have_ok = 1;
		} else {
			failed++;
			dead++;
			printf("FAIL case %s: no answer to OPTIONS within %lu ms: "
			    "target stopped serving after case %s", names[i],
			    o.timeout_ms, names[i]);
			if (have_ok)
				printf(" (last answered after case %07lu)",
				    last_ok);
			printf("\n");
		}
		fflush(stdout);
	}
	if (dead >= SC_DEAD_AFTER)
		printf("FAIL target dead: %d OPTIONS in a row unanswered; "
		    "stopped\n", SC_DEAD_AFTER);
	sc_wait(&cx, sc_now_ms() + 50, 0);
	printf("note: %lu answers to cases drained, %lu datagrams cut to "
	    "%d bytes, source %s:%u\n", cx.other, truncated, SC_MAXDG,
	    cx.src_ip, cx.src_port);
	printf("cases %lu sent %lu alive %lu failed %lu\n", ncases, sent,
	    alive, failed + bad);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(msg.p);
	sc_close(&cx);
	return failed + bad > 0 || ncases == 0 ? 1 : 0;
}

/*
 * The transport and port answers to a message go to, from its top Via
 * (5060 without a port; rport makes the daemon answer to our source port,
 * which is listened on anyway).
 */
static void
sc_top_via(const char *msg, size_t len, uint16_t *port, int *tcp)
{
	char		 v[1024], *p, *q;
	unsigned long	 pn;

	*port = 5060;
	*tcp = 0;
	if (sc_header(msg, len, "Via", 'v', v, sizeof(v)) == -1)
		return;
	/* "SIP / 2.0 / UDP host:port;..." with any LWS between. */
	if ((p = strchr(v, '/')) == NULL || (p = strchr(p + 1, '/')) == NULL)
		return;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	*tcp = strncasecmp(p, "TCP", 3) == 0 || strncasecmp(p, "TLS", 3) == 0;
	while (isalpha((unsigned char)*p))
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[') {
		if ((p = strchr(p, ']')) == NULL)
			return;
		p++;
	} else
		while (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
			p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	pn = strtoul(p, &q, 10);
	if (q != p && pn > 0 && pn < 65536)
		*port = (uint16_t)pn;
}

/* Record an answer: to the message with its Call-ID, else the latest. */
static void
sc_rfc_answer(struct sc_ctx *cx, int status, const char *cid)
{
	struct sc_rfc_run	*run = cx->arg;
	struct sc_sent		*s = NULL;
	size_t			 i;

	if (run->n == 0)
		return;
	for (i = run->n; i > 0; i--)
		if (run->sent[i - 1].cid[0] != '\0' &&
		    strcmp(run->sent[i - 1].cid, cid) == 0) {
			s = &run->sent[i - 1];
			break;
		}
	if (s == NULL)
		s = &run->sent[run->n - 1];
	if (s->nanswers < SC_ANSWERS_MAX)
		s->answers[s->nanswers++] = status;
}

/* A class as printed. */
static const char *
sc_class_name(enum sc_class c)
{
	switch (c) {
	case SC_VALID:
		return "valid";
	case SC_VALID_400OK:
		return "valid-400ok";
	case SC_INVALID:
		return "invalid";
	case SC_INVALID_LENIENT:
		return "invalid-lenient";
	}
	return "?";
}

/*
 * Judge a message's answers against its class; *bad is set on a
 * misclassification (a valid message refused with 400, an invalid one
 * accepted: answered below 400).
 */
static const char *
sc_verdict(const struct sc_sent *s, int *bad)
{
	int	i, got400 = 0, accepted = 0;

	*bad = 0;
	if (s->dead)
		return "DEAD: no answer to OPTIONS afterwards";
	if (s->t == NULL)
		return "unclassified";
	for (i = 0; i < s->nanswers; i++) {
		if (s->answers[i] == 400)
			got400 = 1;
		if (s->answers[i] < 400)
			accepted = 1;
	}
	switch (s->t->cls) {
	case SC_VALID:
		if (got400) {
			*bad = 1;
			return "MISCLASSIFIED: valid message refused with 400";
		}
		/* FALLTHROUGH */
	case SC_VALID_400OK:
		/* Not against the rule, but worth a look. */
		return s->request && s->nanswers == 0 ?
		    "ok (no answer: a valid request dropped?)" : "ok";
	case SC_INVALID:
		if (accepted) {
			*bad = 1;
			return "MISCLASSIFIED: invalid message accepted";
		}
		return "ok";
	case SC_INVALID_LENIENT:
		return accepted ? "ok (accepted; the RFC allows it if the error "
		    "is not passed on)" : "ok";
	}
	return "?";
}

/* sipcorpus rfc4475 DIR TARGET_IP PORT [options] */
static int
sc_rfc4475(int argc, char **argv)
{
	struct sc_opts		 o;
	struct sc_ctx		 cx;
	struct sc_rfc_run	 run;
	struct sc_sent		*s;
	char			**names, path[PATH_MAX], *data, ans[128], base[64];
	size_t			 n, i, k, dlen, nt;
	uint16_t		 port;
	int			 tcp, bad, j;
	unsigned long		 answered = 0, silent = 0, ok = 0, mis = 0;
	unsigned long		 dead = 0, missing = 0;
	const char		*v;

	if (argc < 3)
		sc_usage();
	sc_getopts(argc - 3, argv + 3, &o, "sptgx");
	sc_setup(&cx, &o, argv[1], argv[2]);
	names = sc_list_dir(argv[0], sc_is_dat, &n);
	nt = sizeof(sc_torture) / sizeof(sc_torture[0]);
	if ((run.sent = calloc(n + nt, sizeof(*run.sent))) == NULL)
		sc_die("calloc");
	run.n = 0;
	cx.answer = sc_rfc_answer;
	cx.arg = &run;

	/* In the RFC's order, then any file the RFC does not name. */
	for (k = 0; k < nt + n; k++) {
		if (k < nt) {
			snprintf(base, sizeof(base), "%s.dat",
			    sc_torture[k].name);
			for (i = 0; i < n; i++)
				if (strcmp(names[i], base) == 0)
					break;
			if (i == n) {
				printf("%-16s %-9s %-15s %-10s MISSING\n", base,
				    sc_torture[k].section,
				    sc_class_name(sc_torture[k].cls), "-");
				missing++;
				continue;
			}
		} else {
			i = k - nt;
			for (j = 0; (size_t)j < nt; j++) {
				snprintf(base, sizeof(base), "%s.dat",
				    sc_torture[j].name);
				if (strcmp(names[i], base) == 0)
					break;
			}
			if ((size_t)j < nt)
				continue;
		}
		s = &run.sent[run.n];
		s->t = k < nt ? &sc_torture[k] : NULL;
		snprintf(s->name, sizeof(s->name), "%s", names[i]);
		snprintf(path, sizeof(path), "%s/%s", argv[0], names[i]);
		data = sc_read_file(path, &dlen);
		if (sc_header(data, dlen, "Call-ID", 'i', s->cid,
		    sizeof(s->cid)) == -1)
			s->cid[0] = '\0';
		s->request = dlen < 8 || memcmp(data, "SIP/2.0 ", 8) != 0;
		sc_top_via(data, dlen, &port, &tcp);
		sc_listen(&cx, port, 0);
		if (tcp)
			sc_listen(&cx, port, 1);
		run.n++;
		sc_send(&cx, data, dlen);
		free(data);
		if (sc_probe(&cx, o.timeout_ms) == -1) {
			s->dead = 1;
			dead++;
		}
		sc_wait(&cx, sc_now_ms() + o.grace_ms, 0);
		if (dead >= SC_DEAD_AFTER)
			break;
	}
	sc_wait(&cx, sc_now_ms() + SC_FINAL_GRACE, 0);

	for (i = 0; i < run.n; i++) {
		s = &run.sent[i];
		ans[0] = '\0';
		for (j = 0; j < s->nanswers; j++)
			snprintf(ans + strlen(ans), sizeof(ans) - strlen(ans),
			    "%s%d", j > 0 ? "," : "", s->answers[j]);
		if (s->nanswers == 0) {
			snprintf(ans, sizeof(ans), "none");
			silent++;
		} else
			answered++;
		v = sc_verdict(s, &bad);
		if (bad)
			mis++;
		else if (!s->dead)
			ok++;
		printf("%-16s %-9s %-15s %-10s %s\n", s->name,
		    s->t != NULL ? s->t->section : "-",
		    s->t != NULL ? sc_class_name(s->t->cls) : "-", ans, v);
	}
	printf("messages %zu answered %lu silent %lu ok %lu misclassified %lu "
	    "dead %lu missing %lu\n", run.n, answered, silent, ok, mis, dead,
	    missing);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(run.sent);
	sc_close(&cx);
	if (dead > 0 || missing > 0)
		return 1;
	return o.strict && mis > 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "-h") == 0)
		sc_help();
	if (argc < 2)
		sc_usage();
	if (strcmp(argv[1], "protos") == 0)
		return sc_protos(argc - 2, argv + 2);
	if (strcmp(argv[1], "rfc4475") == 0)
		return sc_rfc4475(argc - 2, argv + 2);
	sc_usage();
}
